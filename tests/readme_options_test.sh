#!/usr/bin/env bash
# The README's options table is exactly `cvapp --help --markdown` (the
# option table in app/cli.c): the text between the lines
# <!-- options:begin --> and <!-- options:end -->.
# usage: readme_options_test.sh CVAPP SRCDIR
set -u
CVAPP=$1 SRC=$2
if ! grep -qx '<!-- options:begin -->' "$SRC/README.md" ||
   ! grep -qx '<!-- options:end -->' "$SRC/README.md"; then
  echo "SKIP: README.md has no options markers"
  exit 77
fi
want=$("$CVAPP" --help --markdown) || { echo "FAIL: cvapp --help --markdown exited $?"; exit 1; }
got=$(sed -n '/^<!-- options:begin -->$/,/^<!-- options:end -->$/p' "$SRC/README.md" | sed '1d;$d')
if [ "$want" = "$got" ]; then
  echo "1 passed, 0 failed"
else
  diff <(echo "$want") <(echo "$got") | head -20
  echo "FAIL: README options table differs from 'cvapp --help --markdown'"
  echo "0 passed, 1 failed"
  exit 1
fi
