#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Measures what reliability costs and bounds (docs/batch.md quotes it):
#   1. fsync: 200 small images with and without --no-fsync (hyperfine);
#   2. the worst detector output: `harris threshold=0` on fruits.jpg
#      (512x480, 0.25 MP): peak RSS, JSON size, keypoints written;
#   3. peak RSS of one worker (-j 1, default pipeline) against the image's
#      pixel count, to size --max-pixels against a memory limit.
# usage: bench/reliability.sh [CVAPP] [OLD_CVAPP]   (OLD_CVAPP: a build to compare, optional)
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
CVAPP=$(realpath "${1:-$SRC/build/cvapp}")
OLD=${2:-}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
rss() { /usr/bin/time -f %M -o rss.txt "$@" >/dev/null 2>&1 || true; echo "$(( $(tail -1 rss.txt) / 1024 )) MB"; }

echo "== 1. fsync cost: 200 small images (-j 2, default pipeline)"
mkdir in
for i in $(seq 1 200); do cp "$SRC/samples/home.jpg" "in/i$i.jpg"; done
"$CVAPP" -q -p "resize width=128 height=96" --no-features -f jpg -d small in
hyperfine -w 1 -r 5 -p 'rm -rf out' \
  "$CVAPP -q -j 2 -d out small" \
  "$CVAPP -q -j 2 --no-fsync -d out small"

echo "== 2. worst case: harris threshold=0 on fruits.jpg (0.25 MP)"
for bin in $OLD "$CVAPP"; do
  echo "$bin: default --max-features: $(rss "$bin" -q -p 'harris threshold=0' -o o.png --features o.json "$SRC/samples/fruits.jpg"), JSON $(stat -c %s o.json) bytes, $(grep -o '"x":' o.json | wc -l) keypoints"
done
echo "$CVAPP --max-features 0 (no cap, streamed): $(rss "$CVAPP" -q --max-features 0 -p 'harris threshold=0' -o o.png --features o.json "$SRC/samples/fruits.jpg"), JSON $(stat -c %s o.json) bytes"

echo "== 3. peak RSS of one worker against the image size (default pipeline, PNG out)"
for mp in 1 4 16 25; do
  side=$(python3 -c "import math; print(int(math.sqrt($mp * 1e6)))")
  "$CVAPP" -q -p "resize width=$side height=$side" --no-features -f jpg -o "big$mp.jpg" "$SRC/samples/baboon.jpg"
  echo "$mp MP (${side}x$side JPEG): $(rss "$CVAPP" -q -j 1 -o o.png --features o.json "big$mp.jpg")"
done
