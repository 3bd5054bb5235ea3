#!/bin/bash
# SPDX-License-Identifier: MIT
# slurm_test.sh CVAPP SRCDIR: docker/slurm-array.sh on a real single-node
# Slurm cluster, started and stopped by docker/slurm-one-node.sh the way
# docs/sharding.md says: the page's blocks marked `<!-- test: slurm-up -->`,
# `slurm-run` and `slurm-down` are run as they stand, from the repository's
# root, with the page's SLURM_DIR, IN and OUT set to this test's directories
# and CVAPP to the cvapp under test.  Checks:
#   1. the docs' batch over 40 images: the union of the four shards' outputs
#      equals one `cvapp -r -d` run byte for byte, the per-task reports name
#      every input exactly once, one log per task under OUT/logs;
#   2. each task's shard is the one --shard K/4 gives by hand;
#   3. one array task cancelled mid-way (scancel) and resubmitted alone
#      (CVAPP_SHARD=K/4 docker/slurm-array.sh --array=K): the rerun skips
#      what was done, processes the rest, and the outputs again equal the
#      single run; then the same with scontrol requeue;
#   4. an array with a step is three shards; a list array is refused;
#   5. the docs' slurm-down block stops every daemon.
# Needs root (daemons, munge key ownership); skipped when slurm or munge is
# not installed.
set -u
CVAPP=$(realpath "$1")
SRC=$(realpath "$2")
# shellcheck source=lib.sh
. "$SRC/tests/lib.sh"
PAGE=$SRC/docs/sharding.md
ONE_NODE=$SRC/docker/slurm-one-node.sh

t "prerequisites"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to start munged, slurmctld and slurmd"
for c in munged slurmctld slurmd slurmstepd sbatch squeue scancel sinfo scontrol setpriv setsid /usr/bin/python3; do
  command -v "$c" >/dev/null || skip_all "$c is not installed (Debian packages slurm-wlm and munge)"
done
id munge >/dev/null 2>&1 || skip_all "there is no munge user (Debian package munge)"

T=$(mktemp -d)
chmod 0711 "$T" # munged runs as munge and must reach the cluster's directory
SLURM_DIR=$T/cluster W=$T/work
mkdir -p "$W/in/sub"

cleanup() {
  if [ "$FAIL" -ne 0 ]; then
    echo "--- daemon and task logs (last lines) ---" >&2
    tail -n 15 "$SLURM_DIR"/munge/munged.* "$SLURM_DIR"/slurm/*.log "$SLURM_DIR"/slurm/*.out "$W"/*/logs/* 2>/dev/null >&2
  fi
  "$ONE_NODE" down "$SLURM_DIR" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# block NAME: the page's block NAME (fails the test when there is none)
block() {
  doc_block "$PAGE" "$1" && return
  ko "docs/sharding.md has no block '<!-- test: $1 -->'"
  finish
  exit 1
}
up=$(block slurm-up) run_block=$(block slurm-run) down_block=$(block slurm-down)

t "the docs' one-node cluster starts as written"
run env -C "$SRC" SLURM_DIR="$SLURM_DIR" bash -euo pipefail -c "$up"$'\necho "SLURM_CONF=$SLURM_CONF"'
expect_rc 0
expect_out "SLURM_CONF=$SLURM_DIR/slurm/slurm.conf"
expect_out " idle "
if [ "$RC" -ne 0 ]; then finish; exit 1; fi
export SLURM_CONF=$SLURM_DIR/slurm/slurm.conf
run "$ONE_NODE" status "$SLURM_DIR"
expect_rc 0
expect_out "slurmd: running"

# --- 40 images: 5 samples x 8, half of them in a subdirectory
for i in 0 1 2 3 4 5 6 7; do
  d=$W/in
  [ "$i" -ge 4 ] && d=$W/in/sub
  for f in "$SRC"/samples/*.jpg "$SRC"/samples/*.png; do ln -s "$f" "$d/$i-$(basename "$f")"; done
done
IN=$(realpath "$W/in")
ninputs=$(find "$IN" -type l | wc -l)
t "reference: one cvapp run"
run "$CVAPP" -q -r -j 2 -d "$W/single" "$IN"
expect_rc 0
nout=$(find "$W/single" -type f | wc -l)
expect_eq "$ninputs $nout" "40 80"
run "$CVAPP" -q -r -j 2 -p "@$SRC/samples/edges.pipeline" -d "$W/single-edges" "$IN"
expect_rc 0

# files DIR: the files under DIR but its reports/ and logs/
files() { find "$1" \( -path "$1/reports" -o -path "$1/logs" \) -prune -o -type f -print; }
# outputs_equal DIR [REF]: DIR (without reports/) holds the files of the
# single run REF (default $W/single), byte for byte
outputs_equal() {
  local got want ref=${2:-$W/single}
  got=$(cd "$1" && files . | sort)
  want=$(cd "$ref" && find . -type f | sort)
  if [ "$got" != "$want" ]; then
    ko "$1 holds $(wc -l <<<"$got") files, not the single run's $(wc -l <<<"$want"): $(diff <(echo "$want") <(echo "$got") | head -5 | tr '\n' ' ')"
  elif ! diff -r -q -x reports -x logs "$ref" "$1" >"$T/diff.txt"; then
    ko "$(wc -l <"$T/diff.txt") files differ from the single run: $(head -3 "$T/diff.txt" | tr '\n' ' ')"
  else
    ok
  fi
}

# reports_cover STATUS FILE...: every input appears exactly once among the
# rows of FILE... whose status is STATUS (ok, skipped, or any); prints a
# reason and fails otherwise.
reports_cover() {
  /usr/bin/python3 - "$IN" "$@" <<'EOF'
import json, os, sys
root, status, files = sys.argv[1], sys.argv[2], sys.argv[3:]
want = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
seen = []
for name in files:
    with open(name) as fh:
        for line in fh:
            row = json.loads(line)
            if status == "any" or row["status"] == status:
                seen.append(row["input"])
dup = sorted({x for x in seen if seen.count(x) > 1})
missing = sorted(set(want) - set(seen))
extra = sorted(set(seen) - set(want))
if dup or missing or extra:
    print(f"{len(seen)} {status} rows: duplicated {dup[:3]}, missing {missing[:3]}, unexpected {extra[:3]}")
    sys.exit(1)
EOF
}
rows() { /usr/bin/python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["status"] == sys.argv[2]))' "$@"; }

# submit OUT SBATCH-OPTION... [-- CVAPP-OPTION...]: the shipped script,
# which submits itself, in binary mode; prints the job id
submit() {
  local out=$1 sb=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do sb+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  (cd "$W" && CVAPP=$CVAPP "$SRC/docker/slurm-array.sh" --parsable --cpus-per-task=1 "${sb[@]}" \
    "$IN" "$out" "$@" 2>>"$W/submit.err")
}

t "the docs' batch, as written: four shards equal one run"
run env -C "$SRC" IN="$IN" OUT="$W/out" CVAPP="$CVAPP" bash -euo pipefail -c "$run_block"
expect_rc 0
jobid=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' "$OUT")
expect_eq "$(grep -c '"status":"ok"' "$OUT")" 40
expect_err "slurm-array.sh: $IN -> $W/out with $CVAPP (cvapp "
outputs_equal "$W/out" "$W/single-edges"
reports=$(ls "$W/out/reports" | tr "\n" " ")
expect_eq "$reports" "${jobid}_0.jsonl ${jobid}_1.jsonl ${jobid}_2.jsonl ${jobid}_3.jsonl "
if why=$(reports_cover ok "$W/out/reports/"*.jsonl); then ok; else ko "$why"; fi
expect_eq "$(ls "$W/out/logs" | tr "\n" " ")" "${jobid}_0.log ${jobid}_1.log ${jobid}_2.log ${jobid}_3.log "
t "each task ran its own non-empty shard"
sizes=()
for k in 0 1 2 3; do
  sizes+=("$(rows "$W/out/reports/${jobid}_$k.jsonl" ok)")
  # The same shard as --shard K/4 run by hand.
  "$CVAPP" -q -r --shard "$k/4" -j 2 -p grayscale --no-features -d "$W/byhand$k" "$IN"
  expect_eq "${sizes[$k]}" "$(find "$W/byhand$k" -type f | wc -l)"
done
for k in 0 1 2 3; do [ "${sizes[$k]}" -gt 0 ] && ok || ko "shard $k is empty"; done

echo "$(date +%T) array $jobid done: shard sizes ${sizes[*]}"
# The task with the largest shard is the one to cancel: it runs longest.
K=0
for k in 1 2 3; do [ "${sizes[$k]}" -gt "${sizes[$K]}" ] && K=$k; done
t "a task cancelled mid-way (shard $K of ${sizes[$K]} inputs)"
jobid2=$(submit "$W/out2" --array=0-3)
rep=$W/out2/reports/${jobid2}_$K.jsonl
cancelled=
for _ in $(seq 1 1200); do
  if [ -s "$rep" ] && [ "$(wc -l <"$rep")" -ge 1 ]; then
    scancel "${jobid2}_$K" && cancelled=1
    break
  fi
  sleep 0.05
done
[ -n "$cancelled" ] && ok || ko "task $K never started"
for _ in $(seq 1 600); do
  [ -z "$(squeue -h -j "$jobid2" -o %i 2>/dev/null)" ] && break
  sleep 0.2
done
state=$(scontrol show job "${jobid2}_$K" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
expect_eq "$state" CANCELLED
done_before=$(rows "$rep" ok)
if [ "$done_before" -ge 1 ] && [ "$done_before" -lt "${sizes[$K]}" ]; then ok; else
  ko "the cancelled task processed $done_before of ${sizes[$K]} inputs: not mid-way"
fi
n2=$(files "$W/out2" | wc -l)
expect_eq "$n2" "$((80 - 2 * (sizes[K] - done_before)))"
leftovers=$(find "$W/out2" -name '.*' -type f | head -3)
expect_eq "$leftovers" ""

echo "$(date +%T) array $jobid2: task $K cancelled after $done_before of ${sizes[$K]} inputs"
t "the cancelled index resubmitted alone resumes and completes"
jobid3=$(CVAPP_SHARD=$K/4 submit "$W/out2" --wait --array="$K")
RC=$? ERR=$(cat "$W/out2/logs/$jobid3"_* 2>/dev/null)
expect_rc 0
outputs_equal "$W/out2"
rerun=$W/out2/reports/${jobid3}_$K.jsonl
expect_eq "$(rows "$rerun" skipped) $(rows "$rerun" ok)" "$done_before $((sizes[K] - done_before))"
# Every input processed exactly once over the whole batch, with the rerun.
if why=$(reports_cover ok "$W/out2/reports/"*.jsonl); then ok; else ko "$why"; fi
echo "$(date +%T) rerun $jobid3 done"

t "a cancelled task requeued (scontrol requeue) resumes in its own shard"
jobid4=$(submit "$W/out3" --array=0-3)
rep=$W/out3/reports/${jobid4}_$K.jsonl
cancelled=
for _ in $(seq 1 1200); do
  if [ -s "$rep" ]; then scancel "${jobid4}_$K" && cancelled=1; break; fi
  sleep 0.05
done
[ -n "$cancelled" ] && ok || ko "task $K never started"
wait_state() { # JOB STATE: wait up to 60 s for the job to reach STATE
  local st=
  for _ in $(seq 1 300); do
    st=$(scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
    [ "$st" = "$2" ] && return 0
    sleep 0.2
  done
  echo "$st"
  return 1
}
if st=$(wait_state "${jobid4}_$K" CANCELLED); then ok; else ko "task $K is $st, not CANCELLED"; fi
done_before=$(rows "$rep" ok)
run scontrol requeue "${jobid4}_$K"
expect_rc 0
# Slurm holds a requeued job until its old credential expires (about 2
# minutes); let it start now.
run scontrol update JobId="${jobid4}_$K" StartTime=now
expect_rc 0
if st=$(wait_state "${jobid4}_$K" COMPLETED); then ok; else ko "requeued task $K is $st, not COMPLETED"; fi
for _ in $(seq 1 300); do [ -z "$(squeue -h -j "$jobid4" -o %i)" ] && break; sleep 0.2; done
outputs_equal "$W/out3"
rerun=$W/out3/reports/${jobid4}_$K.restart1.jsonl
expect_eq "$(rows "$rerun" skipped) $(rows "$rerun" ok)" "$done_before $((sizes[K] - done_before))"
if why=$(reports_cover ok "$W/out3/reports/"*.jsonl); then ok; else ko "$why"; fi
echo "$(date +%T) array $jobid4: task $K cancelled after $done_before, requeued, done"

t "--array=1-7:3 (a step): three tasks are shards 0..2 of 3"
run "$CVAPP" -q -r -j 2 -p grayscale --no-features -d "$W/single-gray" "$IN"
expect_rc 0
jobid5=$(submit "$W/out4" --wait --array=1-7:3 -- -p grayscale --no-features)
RC=$? ERR=$(cat "$W/out4/logs/$jobid5"_* 2>/dev/null)
expect_rc 0
outputs_equal "$W/out4" "$W/single-gray"
expect_eq "$(ls "$W/out4/reports" | tr '\n' ' ')" "${jobid5}_1.jsonl ${jobid5}_4.jsonl ${jobid5}_7.jsonl "
if why=$(reports_cover ok "$W/out4/reports/"*.jsonl); then ok; else ko "$why"; fi

t "--array=1,3,10 (not one range) is refused by every task"
jobid6=$(submit "$W/out5" --wait --array=1,3,10 -- -p grayscale --no-features)
RC=$? ERR=$(cat "$W/out5/logs/$jobid6"_* 2>/dev/null)
expect_rc 2
expect_eq "$(grep -c 'the Slurm array is not one evenly spaced range' <<<"$ERR")" 3
expect_err "--shard auto: the Slurm array is not one evenly spaced range (SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_MAX=10"
expect_eq "$(files "$W/out5" | wc -l)" 0
echo "$(date +%T) step and list arrays checked"

t "the docs' one-node cluster stops as written"
run env -C "$SRC" SLURM_DIR="$SLURM_DIR" bash -euo pipefail -c "$down_block"
expect_rc 0
run "$ONE_NODE" status "$SLURM_DIR"
expect_rc 3
expect_eq "$(grep -c ': stopped$' "$OUT")" 3
rm -f "$OUT"

finish
