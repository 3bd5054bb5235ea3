#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's options table is exactly `cvapp --help --markdown` (made
# from the option table in app/cli.c): the text between the lines
# <!-- options:begin --> and <!-- options:end -->.  Skipped (exit 77)
# while the README has no such markers.
# usage: readme_options_test.sh CVAPP SRCDIR
set -u
CVAPP=$1 SRC=$2
. "$SRC/tests/lib.sh"
README=$SRC/README.md
if ! grep -qx '<!-- options:begin -->' "$README" || ! grep -qx '<!-- options:end -->' "$README"; then
  skip_all "README.md has no options markers"
fi

t "cvapp --help --markdown"
run "$CVAPP" --help --markdown
expect_rc 0

t "README options table is cvapp --help --markdown"
section=$(mktemp)
sed -n '/^<!-- options:begin -->$/,/^<!-- options:end -->$/{/^<!-- options:/d;p}' "$README" >"$section"
if cmp -s "$OUT" "$section"; then
  ok
else
  ko "README.md differs (paste 'cvapp --help --markdown' between the markers): $(diff "$OUT" "$section" | head -10)"
fi
rm -f "$OUT" "$section"
finish
