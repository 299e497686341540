#!/usr/bin/env bash
# Runs every test of the Cupid Dashboard: formatting and lints, the Rust
# tests (unit, integration against real binaries and the Langfuse test
# double, the reliability suite), the frontend's type-check, build and Vitest
# tests, the deployment consistency checks, the dependency audits, and the
# browser end-to-end tests (Caddy + Chromium).
# Installs what it needs that is missing (Debian packages, as root).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

missing=()
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		step "Installing ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	else
		echo "missing: ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
fi
# Debian's python3-yaml serves /usr/bin/python3; a pyenv python may need pip.
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml

step "Self-contained: nothing reads outside the repository"
bash scripts/check-self-contained.sh

step "Rust: formatting and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "Litestream: the pinned binary the backup tests drive"
bash scripts/litestream.sh

step "Rust: tests"
# The reliability suite drives the real binaries from target/debug.
cargo build --bins --quiet
if cargo nextest --version >/dev/null 2>&1; then
	cargo nextest run --workspace --no-fail-fast
else
	cargo test --workspace --no-fail-fast
fi

step "Frontend: type-check, build and tests"
(
	cd frontend
	npm ci --no-audit --no-fund --loglevel=error
	npm run lint
	npm run build
	npm test
)

step "Deployment: compose, Dockerfiles, Caddyfile and binaries agree"
python3 deploy/check_deployment.py

step "Dependencies: security audits (cargo audit, npm audit)"
# The advisory databases live outside the package registries; where they
# cannot be reached the audit says so and the run goes on.
bash reliability/audit.sh --allow-unavailable

step "End to end: the real stack through Caddy in Chromium"
(
	cd e2e
	npm ci --no-audit --no-fund --loglevel=error
	npx playwright test
)
