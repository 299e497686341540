#!/usr/bin/env bash
# Drives the api-server's own OpenAPI document with Schemathesis (a
# property-based API fuzzer from PyPI) over every operation: no answer may
# be a 5xx, and every answer must match the documented status codes,
# content types and schemas.
#
# Usage: reliability/fuzz-api.sh API_BASE_URL [MAX_EXAMPLES]
#   MAX_EXAMPLES: test cases per operation (default CUPID_FUZZ_MAX_EXAMPLES
#   or 30; the full run in docs/RELIABILITY.md uses 300).
# Installs schemathesis with pip when it is missing.
set -euo pipefail

url="${1:?usage: fuzz-api.sh API_BASE_URL [MAX_EXAMPLES]}"
max_examples="${2:-${CUPID_FUZZ_MAX_EXAMPLES:-30}}"

if ! command -v schemathesis >/dev/null 2>&1; then
	python3 -m pip install --quiet schemathesis >&2
fi

# Schemathesis keeps a cache (.schemathesis/) and reports in its working
# directory: run it from a temporary one so nothing lands in the tree.
report_dir="$(mktemp -d)"
trap 'rm -rf "$report_dir"' EXIT
cd "$report_dir"

schemathesis run "$url/api/openapi.json" \
	--url "$url" \
	--checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
	--max-examples "$max_examples" \
	--seed "${CUPID_FUZZ_SEED:-20261125}" \
	--workers 2 \
	--request-timeout 30 \
	--generation-database none \
	--report-dir "$report_dir" \
	--no-color
