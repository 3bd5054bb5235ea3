#!/usr/bin/env bash
# The README's op reference is exactly `cvapp --list-ops --markdown`
# (regenerate it with `make readme`).
set -u
CVAPP=$1 SRC=$2
want=$("$CVAPP" --list-ops --markdown)
got=$(sed -n '/<!-- ops:begin -->/,/<!-- ops:end -->/p' "$SRC/README.md" | sed '1d;$d')
if [ "$want" = "$got" ]; then
  echo "1 passed, 0 failed"
else
  diff <(echo "$want") <(echo "$got") | head -20
  echo "FAIL: README op reference is stale; run 'make readme'"
  echo "0 passed, 1 failed"
  exit 1
fi
