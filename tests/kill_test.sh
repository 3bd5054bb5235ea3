#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Kill test (slow tier): a batch of 1,000 small images is killed with
# SIGKILL at random moments (at least 20 times) and resumed each time with
# --skip-existing and the same --report.  At the end every output is
# byte-identical to an uninterrupted run's, no temporary file is left, and
# the report's last row for every input is its final state.
# usage: kill_test.sh CVAPP SRCDIR [KILLS]
set -u
CVAPP=$(realpath "$1") SRC=$(cd "$2" && pwd) KILLS=${3:-24}
. "$SRC/tests/lib.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
P="grayscale | gaussian ksize=3 | orb nfeatures=40 edge_threshold=8 patch_size=8 | canny"
N=1000

# 20 distinct 96x96 tiles, copied into 1,000 inputs over 4 directories.
t "inputs"
mkdir -p tiles in/a in/b in/c in/d
k=0
for f in fruits.jpg home.jpg baboon.jpg building.jpg chessboard.png; do
  for xy in "0 0" "100 100" "200 50" "300 200"; do
    set -- $xy
    "$CVAPP" -q -p "crop x=$1 y=$2 width=96 height=96" --no-features -o "tiles/t$k.png" "$SRC/samples/$f" || ko "tile $k"
    k=$((k + 1))
  done
done
dirs=(a b c d)
for i in $(seq 0 $((N - 1))); do
  cp "tiles/t$((i % 20)).png" "in/${dirs[$((i % 4))]}/img$(printf %04d "$i").png"
done
expect_eq "$(find in -name '*.png' | wc -l)" $N

t "an uninterrupted run"
"$CVAPP" -q -r -j 2 -p "$P" -d ref in
RC=$?
expect_rc 0
expect_eq "$(find ref -name '*.png' | wc -l)" $N

t "$KILLS kills with SIGKILL, each run resumed"
# The uninterrupted run's time bounds the random kill moments.
t0=$(date +%s%N)
"$CVAPP" -q -r -j 2 -p "$P" --no-fsync -d timing in
span=$((($(date +%s%N) - t0) / 1000000))
[ "$span" -lt 200 ] && span=200
# Each run is killed after a random share of the time left (the work
# shrinks as runs resume), until KILLS runs died mid-run.
killed=0 tries=0
while [ "$killed" -lt "$KILLS" ] && [ "$tries" -lt $((KILLS * 3)) ]; do
  tries=$((tries + 1))
  "$CVAPP" -q -r -j 2 -p "$P" -d out --skip-existing --report rep.jsonl in 2>>kill.err &
  p=$!
  ms=$((RANDOM % (2 * span / KILLS) + 10))
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  if kill -KILL $p 2>/dev/null; then killed=$((killed + 1)); fi
  wait $p 2>/dev/null
done
echo "killed $killed of $tries runs mid-run (kill moments up to $((2 * span / KILLS + 10)) ms)"
[ "$killed" -ge 20 ] && ok || ko "only $killed runs were killed mid-run"
"$CVAPP" -q -r -j 2 -p "$P" -d out --skip-existing --report rep.jsonl in
RC=$?
expect_rc 0

t "every output byte-identical to the uninterrupted run's"
diff -r ref out >diff.txt && ok || ko "outputs differ: $(head -5 diff.txt)"

t "no temporary file left"
expect_eq "$(find out -name '.cvapp-tmp-*' | wc -l)" 0
expect_eq "$(find out -type f | wc -l)" $((2 * N))

t "the report gives every input its final state"
res=$(python3 - rep.jsonl <<'EOF'
import json, sys
last, cut, runs = {}, 0, set()
for line in open(sys.argv[1], "rb"):
    try:
        r = json.loads(line)
    except ValueError:
        cut += 1  # a row cut by a kill
        continue
    runs.add(r["run"])
    last[r["input"]] = r["status"]
final = sorted(set(last.values()))
print(len(last), " ".join(final), "runs=%d" % len(runs), "cut=%d" % cut, file=sys.stderr)
print(len(last), all(s in ("ok", "skipped") for s in last.values()))
EOF
)
expect_eq "$res" "$N True"

finish
