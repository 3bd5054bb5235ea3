#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libcvshim's ABI against the last release's: builds libcvshim.so with
# debug information (-g -Og, its own build directory), dumps its ABI with
# abi-dumper (public header shim/cvshim.h only) and compares that with the
# newest dump in tests/abi/ using abi-compliance-checker; any binary or
# source incompatibility fails and the report is named.
#
#   abi_test.sh CVAPP SRCDIR            the check (ctest `abi`, slow tier)
#   abi_test.sh CVAPP SRCDIR --update   write this version's dump to
#                                       tests/abi/cvshim-MAJOR.MINOR.PATCH.dump
#                                       (`make abi-dump`; at a release)
#
# Bumping (docs/cvshim.md "Versions and ABI"): a compatible addition raises
# CVS_VERSION_MINOR, passes this check against the last release's dump, and
# at release time `make abi-dump` adds the new version's dump; an
# incompatible change raises CVS_VERSION_MAJOR (the SONAME), resets MINOR
# and PATCH, and replaces tests/abi/'s dumps with the new version's.
# Debian: abi-dumper, abi-compliance-checker (universal-ctags, elfutils).
set -u
SRC=$(cd "$2" && pwd)
MODE=${3:-check}
. "$SRC/tests/lib.sh"
for tool in abi-dumper abi-compliance-checker; do
  command -v $tool >/dev/null || skip_all "$tool is missing (Debian package $tool)"
done
ver=$(sed -n 's/^#define CVS_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$SRC/shim/cvshim.h" |
      paste -sd.)
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT

t "abi: a debug libcvshim.so builds"
run cmake -S "$SRC" -B "$dir/build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -Og" \
  -DCVAPP_LINK=shared -DCVSHIM_SHARED=ON -DCVAPP_TESTS=OFF
expect_rc 0
run cmake --build "$dir/build" --target cvshim -j 2
expect_rc 0
so=$dir/build/libcvshim.so.$ver
[ -f "$so" ] || { ko "no $so"; finish; exit 1; }

t "abi: abi-dumper reads it"
run abi-dumper "$so" -o "$dir/new.dump" -lver "$ver"
expect_rc 0
expect_file "$dir/new.dump"

if [ "$MODE" = --update ]; then
  mkdir -p "$SRC/tests/abi"
  cp "$dir/new.dump" "$SRC/tests/abi/cvshim-$ver.dump"
  echo "wrote tests/abi/cvshim-$ver.dump"
  finish
  exit
fi

t "abi: compatible with the last release's dump"
old=$(ls "$SRC"/tests/abi/cvshim-*.dump 2>/dev/null | sort -V | tail -n1)
if [ -z "$old" ]; then
  ko "no tests/abi/cvshim-*.dump: run make abi-dump"
else
  report=${CVAPP_ABI_REPORT:-$(dirname "$1")/abi-report.html}
  run abi-compliance-checker -l cvshim -old "$old" -new "$dir/new.dump" -report-path "$report"
  expect_rc 0
  [ "$RC" -eq 0 ] || echo "abi: $(basename "$old") -> $ver: see $report; $(tail -n5 "$OUT")" >&2
  # A dump of the same API: as many symbols as tests/cvshim.symbols lists.
  expect_out "Binary compatibility: 100%"
  expect_out "Source compatibility: 100%"
fi
finish
