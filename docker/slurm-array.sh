#!/bin/bash
# SPDX-License-Identifier: MIT
# slurm-array.sh - a sharded cvapp batch as a Slurm job array.
#
#   sbatch [--array=0-3] [--cpus-per-task=N] docker/slurm-array.sh IN_DIR OUT_DIR [cvapp option...]
#
# Each array task runs `cvapp -r --shard auto --skip-existing -d OUT_DIR IN_DIR`:
# --shard auto maps the task to its shard from SLURM_ARRAY_TASK_ID,
# SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_STEP and SLURM_ARRAY_TASK_COUNT, so
# --array=0-3, 1-4 and 0-9:3 all give shards 0..3 of 4 (docs/sharding.md).
# The array's tasks together process every input of IN_DIR exactly once.
# IN_DIR and OUT_DIR must be on a file system every node sees (with
# CVAPP_IMAGE, symbolic links in IN_DIR must stay inside it).
#
# Each task writes its own report, OUT_DIR/reports/JOBID_TASKID.jsonl
# (plus .restartK after a requeue): several tasks appending to ONE report
# file at once is not safe, so there is no shared report.  Concatenate them
# afterwards: cat OUT_DIR/reports/*.jsonl.
#
# A task that failed or was cancelled resumes when rerun (--skip-existing:
# outputs are written atomically, so a finished output is whole):
#   scontrol requeue JOBID_TASKID          same array task, same shard
#                                          (Slurm holds a requeued task about 2
#                                          minutes; `scontrol update
#                                          JobId=JOBID_TASKID StartTime=now`
#                                          starts it at once)
#   CVAPP_SHARD=K/N sbatch --array=K docker/slurm-array.sh IN_DIR OUT_DIR
#                                          a new job for shard K of N
# (a one-task array alone is shard 0 of 1; --shard auto/N refuses that).
#
# Environment (exported by sbatch, which passes the submitter's by default):
#   CVAPP          the cvapp binary (default: cvapp on PATH)
#   CVAPP_IMAGE    run this container image instead of the binary, with
#                  CVAPP_RUNTIME (default: podman if installed, else docker);
#                  IN_DIR is mounted read-only at /data/in, OUT_DIR at /data/out
#   CVAPP_SHARD    the --shard value (default: auto)
#   CVAPP_REPORT_DIR  where the per-task reports go (default: OUT_DIR/reports)
# Exit status: cvapp's (0 ok, 1 an input failed, 2 usage, 143 cancelled).
#SBATCH --job-name=cvapp
#SBATCH --array=0-3
#SBATCH --cpus-per-task=2
#SBATCH --output=cvapp-%A_%a.log
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: sbatch docker/slurm-array.sh IN_DIR OUT_DIR [cvapp option...]" >&2
  exit 2
fi
in=$(realpath -e -- "$1" 2>/dev/null) || { echo "slurm-array.sh: input directory $1 not found" >&2; exit 2; }
out=$2
shift 2
mkdir -p -- "$out"
out=$(realpath -e -- "$out")
reports=${CVAPP_REPORT_DIR:-$out/reports}
mkdir -p -- "$reports"
reports=$(realpath -e -- "$reports")
report="${SLURM_ARRAY_JOB_ID:-${SLURM_JOB_ID:-local}}_${SLURM_ARRAY_TASK_ID:-0}"
if [ "${SLURM_RESTART_COUNT:-0}" -gt 0 ]; then report+=".restart$SLURM_RESTART_COUNT"; fi
report+=.jsonl
jobs=${SLURM_CPUS_PER_TASK:-1}
args=(-r --shard "${CVAPP_SHARD:-auto}" --skip-existing -j "$jobs")

if [ -z "${CVAPP_IMAGE:-}" ]; then
  exec "${CVAPP:-cvapp}" "${args[@]}" --report "$reports/$report" -d "$out" "$@" "$in"
fi

runtime=${CVAPP_RUNTIME:-}
if [ -z "$runtime" ]; then
  if command -v podman >/dev/null; then runtime=podman; else runtime=docker; fi
fi
# The container sees the array task's variables and nothing else of the
# job's environment; it runs as the submitting user so outputs are theirs.
exec "$runtime" run --rm --init --read-only --network none --cpus "$jobs" \
  --user "$(id -u):$(id -g)" \
  -e SLURM_ARRAY_TASK_ID -e SLURM_ARRAY_TASK_MIN -e SLURM_ARRAY_TASK_MAX \
  -e SLURM_ARRAY_TASK_STEP -e SLURM_ARRAY_TASK_COUNT \
  -v "$in:/data/in:ro" -v "$out:/data/out" -v "$reports:/data/reports" \
  "$CVAPP_IMAGE" "${args[@]}" --report "/data/reports/$report" -d /data/out "$@" /data/in
