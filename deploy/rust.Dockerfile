# syntax=docker/dockerfile:1
# The Rust services. One builder, one small runtime image per binary:
#   docker build -f deploy/rust.Dockerfile --target api-server .
#   docker build -f deploy/rust.Dockerfile --target sync-daemon .
FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY shared-schema shared-schema
COPY telemetry telemetry
COPY sync-daemon sync-daemon
COPY api-server api-server
COPY langfuse-mock langfuse-mock
# Cargo loads every workspace member's manifest, even those it does not build.
COPY reliability reliability
COPY tidy tidy
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p api-server -p sync-daemon -p langfuse-mock \
    && mkdir -p /out \
    && cp target/release/api-server target/release/sync-daemon target/release/langfuse-mock /out/

FROM debian:bookworm-slim AS runtime-base
# A fixed non-root user; the ./data volume must be writable by uid 10001.
RUN groupadd --system --gid 10001 cupid \
    && useradd --system --uid 10001 --gid cupid --home-dir /app --shell /usr/sbin/nologin cupid \
    && mkdir -p /app/data && chown cupid:cupid /app/data
WORKDIR /app
USER 10001:10001
ENV CUPID_DATABASE_PATH=/app/data/cupid.db \
    CUPID_LOG_FORMAT=json

FROM runtime-base AS api-server
COPY --from=builder /out/api-server /usr/local/bin/api-server
ENV CUPID_API_HOST=0.0.0.0 CUPID_API_PORT=8080
EXPOSE 8080
# bash's /dev/tcp: the image needs no curl for its healthcheck.
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ' 200 ' <&3"]
ENTRYPOINT ["/usr/local/bin/api-server"]

FROM runtime-base AS sync-daemon
COPY --from=builder /out/sync-daemon /usr/local/bin/sync-daemon
ENV CUPID_CONTROL_HOST=0.0.0.0 CUPID_CONTROL_PORT=8081
EXPOSE 8081
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8081 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q ' 200 ' <&3"]
ENTRYPOINT ["/usr/local/bin/sync-daemon"]

FROM runtime-base AS langfuse-mock
COPY --from=builder /out/langfuse-mock /usr/local/bin/langfuse-mock
EXPOSE 3100
ENTRYPOINT ["/usr/local/bin/langfuse-mock"]
CMD ["serve", "--port", "3100", "--observations", "30000", "--live-every-secs", "60"]
