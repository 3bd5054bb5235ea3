#!/bin/bash
# SPDX-License-Identifier: MIT
# slurm_test.sh CVAPP SRCDIR: docker/slurm-array.sh on a real single-node
# Slurm cluster that this script starts on the machine (Debian's slurm-wlm
# and munge; it installs nothing): its own slurm.conf for localhost, munged
# (as the munge user), slurmctld and slurmd in a temporary directory, all
# stopped at the end.  Checks:
#   1. sbatch --wait --array=0-3 over 40 images: the union of the four
#      shards' outputs equals one `cvapp -r -d` run byte for byte, and the
#      four per-task reports name every input exactly once;
#   2. one array task cancelled mid-way (scancel) and resubmitted alone
#      (CVAPP_SHARD=K/4 sbatch --array=K): the rerun skips what was done,
#      processes the rest, and the outputs again equal the single run.
# Needs root (daemons, munge key ownership); skipped when slurm or munge is
# not installed.
set -u
CVAPP=$(realpath "$1")
SRC=$(realpath "$2")
# shellcheck source=lib.sh
. "$SRC/tests/lib.sh"

t "prerequisites"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to start munged, slurmctld and slurmd"
for c in munged slurmctld slurmd slurmstepd sbatch squeue scancel sinfo scontrol setpriv /usr/bin/python3; do
  command -v "$c" >/dev/null || skip_all "$c is not installed (Debian packages slurm-wlm and munge)"
done
id munge >/dev/null 2>&1 || skip_all "there is no munge user (Debian package munge)"

T=$(mktemp -d)
chmod 0711 "$T" # munged runs as munge and must reach its directory
M=$T/munge S=$T/slurm W=$T/work
mkdir -p "$M" "$S/state" "$S/spool" "$W/in/sub"
chown munge: "$M"
chmod 0711 "$M" # clients (root here) connect to the socket inside
PIDS=()
export SLURM_CONF=$S/slurm.conf

cleanup() {
  # Cancel what is left, then stop the daemons this script started.
  if [ -e "$S/ctld.started" ]; then
    scancel --full --quiet --user=root 2>/dev/null
    for _ in $(seq 1 50); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  wait 2>/dev/null
  if [ "$FAIL" -ne 0 ]; then
    echo "--- daemon logs (last lines) ---" >&2
    tail -n 15 "$M/munged.log" "$S"/*.log "$S"/*.out "$W"/log-* 2>/dev/null >&2
  fi
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# --- munged, with its own key and socket
dd if=/dev/urandom of="$M/munge.key" bs=1024 count=1 status=none
chown munge: "$M/munge.key"
chmod 0400 "$M/munge.key"
setpriv --reuid=munge --regid=munge --init-groups -- munged --foreground --force \
  --key-file="$M/munge.key" --socket="$M/munge.socket" --pid-file="$M/munged.pid" \
  --log-file="$M/munged.log" --seed-file="$M/munged.seed" 2>"$M/munged.err" &
PIDS+=($!)
t "munged starts"
for _ in $(seq 1 50); do [ -S "$M/munge.socket" ] && break; sleep 0.1; done
[ -S "$M/munge.socket" ] && ok || { ko "no munge socket after 5 s"; finish; exit 1; }

# --- slurm.conf for this machine only
read -r PORT_CTLD PORT_SLURMD < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
HOST=$(hostname -s)
CPUS=$(nproc --all)
MEM=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
cat >"$SLURM_CONF" <<EOF
ClusterName=cvapptest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$PORT_CTLD
SlurmdPort=$PORT_SLURMD
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$M/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=600
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=batch Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

# --- slurmctld and slurmd in the foreground, in the background
slurmctld -D -i >"$S/slurmctld.out" 2>&1 &
PIDS+=($!)
touch "$S/ctld.started"
slurmd -D -N "$HOST" >"$S/slurmd.out" 2>&1 &
PIDS+=($!)
t "the node becomes idle"
state=
for _ in $(seq 1 120); do
  state=$(sinfo -h -N -o %T 2>/dev/null)
  [ "$state" = idle ] && break
  sleep 0.5
done
[ "$state" = idle ] && ok || { ko "node state '$state' after 60 s"; finish; exit 1; }

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

# outputs_equal DIR [REF]: DIR (without reports/) holds the files of the
# single run REF (default $W/single), byte for byte
outputs_equal() {
  local got want ref=${2:-$W/single}
  got=$(cd "$1" && find . -path ./reports -prune -o -type f -print | sort)
  want=$(cd "$ref" && find . -type f | sort)
  if [ "$got" != "$want" ]; then
    ko "$1 holds $(wc -l <<<"$got") files, not the single run's $(wc -l <<<"$want"): $(diff <(echo "$want") <(echo "$got") | head -5 | tr '\n' ' ')"
  elif ! diff -r -q -x reports "$ref" "$1" >"$T/diff.txt"; then
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

# submit OUT SBATCH-OPTION... [-- CVAPP-OPTION...]: sbatch of the shipped
# script in binary mode; prints the job id
submit() {
  local out=$1 sb=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do sb+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  (cd "$W" && CVAPP=$CVAPP sbatch --parsable --cpus-per-task=1 --output="$W/log-%A_%a.txt" "${sb[@]}" \
    "$SRC/docker/slurm-array.sh" "$IN" "$out" "$@")
}

t "sbatch --wait --array=0-3: four shards equal one run"
jobid=$(submit "$W/out" --wait --array=0-3)
RC=$? ERR=$(cat "$W"/log-* 2>/dev/null)
expect_rc 0
outputs_equal "$W/out"
reports=$(ls "$W/out/reports" | tr "\n" " ")
expect_eq "$reports" "${jobid}_0.jsonl ${jobid}_1.jsonl ${jobid}_2.jsonl ${jobid}_3.jsonl "
if why=$(reports_cover ok "$W/out/reports/"*.jsonl); then ok; else ko "$why"; fi
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
n2=$(find "$W/out2" -path "$W/out2/reports" -prune -o -type f -print | wc -l)
expect_eq "$n2" "$((80 - 2 * (sizes[K] - done_before)))"
leftovers=$(find "$W/out2" -name '.*' -type f | head -3)
expect_eq "$leftovers" ""

echo "$(date +%T) array $jobid2: task $K cancelled after $done_before of ${sizes[$K]} inputs"
t "the cancelled index resubmitted alone resumes and completes"
jobid3=$(CVAPP_SHARD=$K/4 submit "$W/out2" --wait --array="$K")
RC=$? ERR=$(cat "$W"/log-"$jobid3"_* 2>/dev/null)
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
RC=$? ERR=$(cat "$W"/log-"$jobid5"_* 2>/dev/null)
expect_rc 0
outputs_equal "$W/out4" "$W/single-gray"
expect_eq "$(ls "$W/out4/reports" | tr '\n' ' ')" "${jobid5}_1.jsonl ${jobid5}_4.jsonl ${jobid5}_7.jsonl "
if why=$(reports_cover ok "$W/out4/reports/"*.jsonl); then ok; else ko "$why"; fi

t "--array=1,3,10 (not one range) is refused by every task"
jobid6=$(submit "$W/out5" --wait --array=1,3,10 -- -p grayscale --no-features)
RC=$? ERR=$(cat "$W"/log-"$jobid6"_* 2>/dev/null)
expect_rc 2
expect_eq "$(grep -c 'the Slurm array is not one evenly spaced range' <<<"$ERR")" 3
expect_err "--shard auto: the Slurm array is not one evenly spaced range (SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_MAX=10"
expect_eq "$(find "$W/out5" -type f | wc -l)" 0
echo "$(date +%T) step and list arrays checked"

finish
