#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libcvshim's exports: the dynamic symbols libcvshim.so defines are exactly
# tests/cvshim.symbols, all cvs_*, and exactly the functions cvshim.h
# declares CVS_API; its SONAME is libcvshim.so.CVS_VERSION_MAJOR.
# A new function: add it to the header (CVS_API) and to tests/cvshim.symbols,
# and bump CVS_VERSION_MINOR (docs/cvshim.md "Versions and ABI").
# usage: symbols_test.sh CVAPP SRCDIR (the library is beside CVAPP)
set -u
SRC=$(cd "$2" && pwd)
BUILD=$(cd "$(dirname "$1")" && pwd)
. "$SRC/tests/lib.sh"
SO=$BUILD/libcvshim.so
[ -e "$SO" ] || skip_all "no $SO: this build has CVSHIM_SHARED off (CVAPP_LINK=static*)"
command -v nm >/dev/null || skip_all "nm (binutils) is missing"
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT

nm -D --defined-only "$SO" | awk '{print $3}' | sort > "$dir/exported"
/usr/bin/python3 - "$SRC/shim/cvshim.h" > "$dir/declared" <<'PYEOF'
import re, sys
text = open(sys.argv[1]).read()
for name in sorted(set(re.findall(r"^CVS_API[^;(]*?\b(cvs_\w+)\s*\(", text, re.M))):
    print(name)
PYEOF

t "symbols: libcvshim.so exports tests/cvshim.symbols"
if diff -u "$SRC/tests/cvshim.symbols" "$dir/exported" > "$dir/diff"; then ok
else ko "exports differ from tests/cvshim.symbols (- listed, + exported): $(cat "$dir/diff")"; fi

t "symbols: every export is cvs_*"
expect_eq "$(grep -v '^cvs_' "$dir/exported" | tr '\n' ' ')" ""

t "symbols: the exports are the header's CVS_API functions"
if diff -u "$dir/declared" "$dir/exported" > "$dir/diff"; then ok
else ko "cvshim.h's CVS_API (-) and the exports (+) differ: $(cat "$dir/diff")"; fi
expect_eq "$(wc -l < "$dir/declared")" "$(wc -l < "$SRC/tests/cvshim.symbols")"

t "symbols: SONAME from CVS_VERSION_MAJOR"
major=$(sed -n 's/^#define CVS_VERSION_MAJOR \([0-9]*\)$/\1/p' "$SRC/shim/cvshim.h")
soname=$(readelf -dW "$SO" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
expect_eq "$soname" "libcvshim.so.$major"
finish
