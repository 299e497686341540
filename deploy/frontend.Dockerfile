# syntax=docker/dockerfile:1
# The built frontend, served by Caddy with the client-side route fallback.
FROM node:20-bookworm-slim AS builder
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend ./
COPY api-server/openapi.json /src/api-server/openapi.json
RUN npm run build

FROM caddy:2-alpine AS frontend
COPY deploy/frontend/Caddyfile /etc/caddy/Caddyfile
COPY --from=builder /src/frontend/dist /srv
ENV CUPID_FRONTEND_PORT=8000 CUPID_FRONTEND_BIND=0.0.0.0 CUPID_FRONTEND_ROOT=/srv \
    XDG_DATA_HOME=/tmp/caddy-data XDG_CONFIG_HOME=/tmp/caddy-config
USER 10002:10002
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8000/"]
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
