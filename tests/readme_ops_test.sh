#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# docs/ops.md's op reference is exactly `cvapp --list-ops --markdown` plus a picture
# paragraph under each op's heading, and every op's picture docs/img/ops/OP.jpg exists,
# is a small JPEG, and no picture is left of an op that is gone.
# Regenerate both with `make docs` (docs/make_op_pictures.sh).
# usage: readme_ops_test.sh CVAPP SRCDIR
set -u
CVAPP=$1 SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
[ -d "$SRC/docs" ] || skip_all "no docs/ in $SRC"
DOC=$SRC/docs/ops.md
IMG=$SRC/docs/img/ops
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
stale="run 'make docs'"

t "docs/ops.md has one ops:begin and one ops:end marker"
expect_eq "$(grep -c '^<!-- ops:begin -->$' "$DOC")/$(grep -c '^<!-- ops:end -->$' "$DOC")" "1/1"

"$CVAPP" --list-ops --markdown >"$W/want.md"
sed -n '/^<!-- ops:begin -->$/,/^<!-- ops:end -->$/p' "$DOC" | sed '1d;$d' >"$W/region.md"
# Without the picture paragraphs (from a line starting "![" to the blank line after it).
awk '/^!\[/ { skip = 1 } !skip { print } skip && $0 == "" { skip = 0 }' "$W/region.md" >"$W/got.md"

t "the reference equals cvapp --list-ops --markdown"
if cmp -s "$W/want.md" "$W/got.md"; then ok; else
  ko "docs/ops.md is stale; $stale: $(diff "$W/want.md" "$W/got.md" | head -20)"
fi

ops=$(sed -n 's/^### `\([a-z0-9_]*\)` (\(filter\|detector\))$/\1/p' "$W/want.md")
t "--list-ops --markdown names ops"
if [ "$(grep -c '' <<<"$ops")" -ge 30 ]; then ok; else ko "only $(grep -c '' <<<"$ops") op headings"; fi

# Under each heading: a blank line, then the picture of that op.
awk '/^### `[a-z0-9_]+` \((filter|detector)\)$/ { h = $0; sub(/^### `/, "", h); sub(/`.*/, "", h); n = 0; next }
     h != "" { n++; if (n == 2) { print h "\t" $0; h = "" } }' "$W/region.md" >"$W/pictures"
total=0
for op in $ops; do
  t "op $op has its picture"
  line=$(awk -F'\t' -v op="$op" '$1 == op { print $2 }' "$W/pictures")
  expect_eq "$(sed -n 's/^!\[[^]]*\](\(img\/ops\/[a-z0-9_]*\.jpg\))\\$/\1/p' <<<"$line")" "img/ops/$op.jpg"
  f=$IMG/$op.jpg
  if [ -s "$f" ]; then
    ok
    expect_magic "$f" jpg
    size=$(stat -c %s "$f")
    total=$((total + size))
    if [ "$size" -le 60000 ]; then ok; else ko "$f is $size bytes, over 60000"; fi
  else
    ko "missing $f; $stale"
  fi
done

t "no picture of an op that does not exist"
for f in "$IMG"/*.jpg; do
  b=$(basename "$f" .jpg)
  case "$b" in sample-*) continue ;; esac
  if grep -qx "$b" <<<"$ops"; then ok; else ko "$f is of no op; $stale"; fi
done

t "the pictures together stay small"
if [ "$total" -le 800000 ]; then ok; else ko "op pictures total $total bytes, over 800000"; fi
finish
