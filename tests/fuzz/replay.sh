#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs a fuzz harness once on every file of a committed corpus (ctest's
# fuzz_NAME_corpus): seeds and regression inputs alike must pass.
#   tests/fuzz/replay.sh HARNESS CORPUS_DIR
# On a failure it names the input that failed.
set -u
bin=$1 dir=$2
log=$(mktemp) || exit 2
trap 'rm -f "$log"' EXIT
# A file given as an argument is one run, not a corpus to fuzz from.
"$bin" -rss_limit_mb=2048 -timeout=10 "$dir"/* >"$log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
  cat "$log"
  last=$(sed -n 's/^Running: //p' "$log" | tail -n 1)
  echo "replay: $(basename "$bin") failed (exit $rc) on ${last:-an unknown input}" >&2
  exit 1
fi
echo "replay: $(basename "$bin"): $(ls "$dir" | wc -l) inputs passed"
