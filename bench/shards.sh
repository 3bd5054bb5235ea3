#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# N shards on one machine against one run with -j N (docs/sharding.md,
# docs/performance.md quote it): the same 96 images (1080p JPEGs made from
# the samples), the default pipeline, outputs to a fresh directory each run.
#   - one process, -j N workers;
#   - N processes, each `--shard I/N -j 1` (what N array tasks or pods of one
#     CPU each do), started together and waited for;
#   - N processes with `--shard auto/N` and JOB_COMPLETION_INDEX, the same
#     through the engines' variable (a check that auto costs nothing).
# hyperfine times each; N is the CPUs here (nproc) unless given.
# usage: bench/shards.sh [CVAPP] [N]
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
CVAPP=$(realpath "${1:-$SRC/build/cvapp}")
N=${2:-$(nproc)}
command -v hyperfine >/dev/null || { echo "bench/shards.sh: hyperfine is needed (docker/install-deps.sh --bench)" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir "$W/in"
i=0
for s in "$SRC"/samples/*.jpg; do
  "$CVAPP" -q -p "resize width=1920 height=1080" --no-features -f jpg -o "$W/base$i.jpg" "$s"
  i=$((i + 1))
done
for k in $(seq 0 95); do cp "$W/base$((k % i)).jpg" "$W/in/img$k.jpg"; done
shards=""
auto=""
for s in $(seq 0 $((N - 1))); do
  shards="$shards $CVAPP -q -j 1 --shard $s/$N -d $W/out $W/in &"
  auto="$auto JOB_COMPLETION_INDEX=$s $CVAPP -q -j 1 --shard auto/$N -d $W/out $W/in &"
done
echo "cvapp $("$CVAPP" --version | head -1 | cut -d' ' -f2), $N CPUs/shards, 96 1080p JPEGs, default pipeline"
hyperfine -w 1 -r 5 -p "rm -rf $W/out" \
  -n "one run, -j $N" "$CVAPP -q -j $N -d $W/out $W/in" \
  -n "$N shards, -j 1 each" "bash -c '$shards wait'" \
  -n "$N shards, --shard auto/$N" "bash -c '$auto wait'"
