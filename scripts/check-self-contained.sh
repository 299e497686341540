#!/usr/bin/env bash
# The repository is self-contained: a user's clone has nothing beside it, so no
# tracked file may read the `shared/` folder that sits next to the developers'
# checkout. What the project needs from there is vendored (e.g.
# langfuse-mock/spec/openapi.yml, its source noted in spec/README.md).
# .ci/run also runs the whole test command in a copy with nothing beside it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pattern='\.\./shared([/"'"'"'[:space:]]|$)|(^|[^-[:alnum:]_])shared/(langfuse|hooks)'
# The check itself names the pattern; the vendored spec is Langfuse's text.
hits="$(git ls-files -z | grep -zv -e '^scripts/check-self-contained.sh$' -e '^langfuse-mock/spec/openapi.yml$' |
	xargs -0 grep -nE "$pattern" -- 2>/dev/null || true)"
if [ -n "$hits" ]; then
	echo "these files reach outside the repository (../shared); vendor what they need instead:" >&2
	echo "$hits" >&2
	exit 1
fi
echo "self-contained: no tracked file reads ../shared"
