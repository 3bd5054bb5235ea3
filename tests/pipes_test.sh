#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A reader that goes away (issue 22, item 1; docs/batch.md, "A reader that
# goes away"): every stream cvapp writes, into a pipe or FIFO whose reader
# has closed it, ends with exit 1 (never 141, SIGPIPE), one stderr line
# naming the stream and the reason, no temporary file, and the outputs that
# were made complete. The streams, as enumerated in app/ (every write to
# stdout or to a path that may be a FIFO):
#   batch lines  --report -, --features-all -, the per-image lines on stdout,
#                --report FIFO
#   one input    -o - (the image), --features - (the JSON), -o FIFO
#   text         --help, --list-ops, help OP, --version (stdio)
# A "closed" reader has closed the pipe before cvapp starts (deterministic);
# `| head -n1` and `| head -c 1` are the real thing (enough data to fill the
# pipe buffer, so the write that fails always comes).
# usage: pipes_test.sh CVAPP SRCDIR
set -u
CVAPP=$(realpath "$1") SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
in_workdir
mkfifo sync

# 300 inputs with long names (a per-image line is about 400 bytes, a report
# row more): far over a pipe buffer of 64 KiB.
mkdir in
long=$(printf 'n%.0s' $(seq 1 150))
for i in $(seq 1 75); do
  for f in baboon building fruits home; do ln -s "$SRC/samples/$f.jpg" "in/$long-$i-$f.jpg"; done
done
N=300

# closed CMD...: runs CMD with stdout a pipe whose reader has already closed
# it; RC its status, ERR its stderr.
closed() {
  { read -r _ <sync; exec "$@" 2>err; } | { exec 0<&-; echo >sync; }
  RC=${PIPESTATUS[0]}
  ERR=$(cat err)
}
# into READER CMD...: CMD | READER (a command line; its stdout in first);
# RC, ERR as closed.
into() {
  local reader=$1
  shift
  # shellcheck disable=SC2086
  "$@" 2>err | $reader >first
  RC=${PIPESTATUS[0]}
  ERR=$(cat err)
}
# fifo_closed FIFO CMD...: makes FIFO, whose reader opens it and closes it
# at once, and runs CMD (its stdout in lines); RC, ERR as closed.
fifo_closed() {
  mkfifo "$1"
  timeout 30 bash -c 'exec 3<"$1"' - "$1" &
  shift
  RC=0
  "$@" >lines 2>err || RC=$?
  ERR=$(cat err)
  wait
}
# one_line REGEX: stderr holds exactly one line besides the summary and the
# per-image lines, and it matches REGEX (whole line).
one_line() {
  local rest
  rest=$(grep -vE '^(cvapp: [0-9]+ ok, [0-9]+ failed, .*|[^ ]+: [0-9]+x[0-9]+x[0-9]+ -> .*)$' <<<"$ERR")
  if [ "$(grep -c '' <<<"$rest")" -eq 1 ] && grep -qE "^$1\$" <<<"$rest"; then ok; else
    ko "stderr, besides summary and per-image lines, is not one line matching '$1': $rest"
  fi
}
no_temporaries() {
  local n
  n=$(find "$1" -name '.cvapp-tmp-*' | wc -l)
  [ "$n" -eq 0 ] && ok || ko "$n temporary files left in $1"
}
# made_complete DIR: DIR holds at least one image, as many as the summary's
# "N ok", fewer than the inputs (the batch stopped), and every one decodes.
made_complete() {
  local n okn
  n=$(find "$1" -name '*.jpg' | wc -l)
  okn=$(sed -n 's/^cvapp: \([0-9]*\) ok, .*/\1/p' <<<"$ERR")
  [ "$n" -ge 1 ] && [ "$n" -lt "$N" ] && [ "$n" = "$okn" ] && ok ||
    ko "$1 holds $n images; the summary says '$okn' ok of $N"
  "$CVAPP" -q -p grayscale --no-features -d "$1.check" "$1" 2>dcheck && ok ||
    ko "an image in $1 does not decode: $(cat dcheck)"
}
# batch_case NAME REGEX CMD...: a batch into a stream that closes: exit 1,
# one line, no temporary file, the images made complete.
batch_case() {
  local out=$1 re=$2
  shift 2
  expect_rc 1
  one_line "$re"
  no_temporaries "$out"
  made_complete "$out"
}

t "--report - into a closed pipe: the batch stops, one line, exit 1"
closed "$CVAPP" -j 2 -p grayscale -d o1 --report - in
batch_case o1 "cvapp: stdout \(--report -\): Broken pipe; [0-9]+ inputs not started"

t "--report - | head -n1: the first row arrives, then exit 1 (not 141)"
into "head -n1" "$CVAPP" -j 2 -p grayscale -r -d o2 --report - in
batch_case o2 "cvapp: stdout \(--report -\): Broken pipe; [0-9]+ inputs not started"
python3 -c 'import json,sys; json.loads(open(sys.argv[1]).read())' first && ok || ko "first line is not a row: $(cat first)"

t "the per-image lines on stdout into a closed pipe (-j 1: the main thread writes)"
closed "$CVAPP" -j 1 -p grayscale -d o3 in
batch_case o3 "cvapp: stdout \(per-image lines\): Broken pipe; [0-9]+ inputs not started"

t "per-image lines | head -n1 with --report FILE: every image made has its row"
into "head -n1" "$CVAPP" -j 2 -p grayscale -d o4 --report rows.jsonl in
batch_case o4 "cvapp: stdout \(per-image lines\): Broken pipe; [0-9]+ inputs not started"
expect_eq "$(grep -c '"status":"ok"' rows.jsonl)" "$(find o4 -name '*.jpg' | wc -l)"
grep -q " -> o4/" first && ok || ko "first line: $(cat first)"

t "--features-all - into a closed pipe"
closed "$CVAPP" -j 2 -p "orb nfeatures=50" -d o5 --features-all - in
batch_case o5 "cvapp: stdout \(--features-all -\): Broken pipe; [0-9]+ inputs not started"
expect_eq "$(find o5 -name '*.json' | wc -l)" "$(find o5 -name '*.jpg' | wc -l)"

t "--report FIFO whose reader closes it"
fifo_closed rfifo "$CVAPP" -j 2 -p grayscale -d o6 --report rfifo in
batch_case o6 "cvapp: --report rfifo: Broken pipe; [0-9]+ inputs not started"
[ -p rfifo ] && ok || ko "rfifo is no longer a FIFO"

t "SIGPIPE ignored, or blocked, when cvapp starts: the same"
closed bash -c 'trap "" PIPE; exec "$@"' - "$CVAPP" -p grayscale -d o7 --report - in
batch_case o7 "cvapp: stdout \(--report -\): Broken pipe; [0-9]+ inputs not started"
closed python3 -c 'import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGPIPE])
os.execv(sys.argv[1], sys.argv[1:])' "$CVAPP" -p grayscale -d o8 --report - in
batch_case o8 "cvapp: stdout \(--report -\): Broken pipe; [0-9]+ inputs not started"

t "cvapp as PID 1 (a container's init)"
if unshare -p -f true 2>/dev/null; then
  closed unshare -p -f "$CVAPP" -p grayscale -d o9 --report - in
  batch_case o9 "cvapp: stdout \(--report -\): Broken pipe; [0-9]+ inputs not started"
else
  skip "unshare -p needs root (cvapp as PID 1 untested)"
fi

# One input: the failure is that input's, and neither of its outputs stays.
one="in/$long-1-baboon.jpg"
t "-o - (a 400 KB PNG) into a closed pipe; --features FILE is not left"
closed "$CVAPP" -p "orb nfeatures=50" -o - --features p1/b.json "$one"
expect_rc 1
one_line "cvapp: $one: cannot write to stdout: Broken pipe"
expect_no_file p1

t "-o - | head -c 1"
into "head -c 1" "$CVAPP" -p grayscale -o - "$one"
expect_rc 1
one_line "cvapp: $one: cannot write to stdout: Broken pipe"

t "--features - into a closed pipe; the image (-o FILE) is not left"
closed "$CVAPP" -p "orb nfeatures=3000" --features - -o p2/b.png "$one"
expect_rc 1
one_line "cvapp: $one: cannot write to stdout: Broken pipe"
expect_no_file p2

t "--features - | head -c 1 (3000 keypoints with descriptors: a JSON of 330 KB)"
mkdir p3
into "head -c 1" "$CVAPP" -p "orb nfeatures=3000" --features - -o p3/b.png "$one"
expect_rc 1
one_line "cvapp: $one: cannot write to stdout: Broken pipe"
expect_eq "$(ls -A p3)" ""

t "-o FIFO whose reader closes it"
fifo_closed ofifo "$CVAPP" -p grayscale -o ofifo "$one"
expect_rc 1
one_line "cvapp: $one: cannot write ofifo: Broken pipe"

# Text on stdout: what fits is written, then one line, exit 1.
for args in "--help" "--list-ops" "--list-ops --markdown" "help resize" "--version"; do
  t "$args into a closed pipe"
  # shellcheck disable=SC2086
  closed "$CVAPP" $args
  expect_rc 1
  one_line "cvapp: stdout: Broken pipe"
done
t "--list-ops | head -n1: the first line, then exit 0 or 1 and at most one line"
into "head -n1" "$CVAPP" --list-ops
expect_eq "$(cat first)" "grayscale (filter)"
[ "$RC" -eq 0 ] || [ "$RC" -eq 1 ] && ok || ko "exit $RC"
[ -z "$ERR" ] || [ "$ERR" = "cvapp: stdout: Broken pipe" ] && ok || ko "stderr: $ERR"

finish
