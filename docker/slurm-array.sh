#!/bin/bash
# SPDX-License-Identifier: MIT
# slurm-array.sh - a sharded cvapp batch as a Slurm job array.
#
#   docker/slurm-array.sh [--SBATCH-OPTION=VALUE...] IN_DIR OUT_DIR [cvapp option...]
#
# Run it as it stands, from a machine where `sbatch` works: it checks, then
# submits itself with sbatch.  At submission it
#   - finds cvapp: CVAPP if set, else cvapp on PATH, else the repository's
#     build/cvapp beside this script (docker/../build/cvapp), and refuses
#     (exit 2, nothing submitted) when none runs or when cvapp refuses the
#     options (a pipeline file that does not open, an unknown option);
#   - creates OUT_DIR/logs and OUT_DIR/reports, and submits with
#     --output=OUT_DIR/logs/JOBID_TASKID.log; sbatch options given before
#     IN_DIR (in their --name=value form) come after and override it and the
#     #SBATCH lines below (--array=0-15, --cpus-per-task=8, --wait, ...).
# The tasks run in the directory it was started from, so a relative path
# among the cvapp options (-p @samples/edges.pipeline) means the same to
# them as to the check; it and cvapp must be at the same path on every node.
#
# Each array task runs `cvapp -r --shard auto --skip-existing -d OUT_DIR IN_DIR`:
# --shard auto maps the task to its shard from SLURM_ARRAY_TASK_ID,
# SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_STEP and SLURM_ARRAY_TASK_COUNT, so
# --array=0-3, 1-4 and 0-9:3 all give shards 0..3 of 4 (docs/sharding.md).
# The array's tasks together process every input of IN_DIR exactly once.
# IN_DIR and OUT_DIR must be on a file system every node sees (with
# CVAPP_IMAGE, symbolic links in IN_DIR must stay inside it).
# `sbatch docker/slurm-array.sh IN_DIR OUT_DIR` works too, without the checks,
# with cvapp from CVAPP or PATH and the logs in the submission directory.
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
#   CVAPP_SHARD=K/N docker/slurm-array.sh --array=K IN_DIR OUT_DIR
#                                          a new job for shard K of N
# (a one-task array alone is shard 0 of 1; --shard auto/N refuses that).
#
# Environment (exported by sbatch, which passes the submitter's by default):
#   CVAPP          the cvapp binary (default: as above)
#   CVAPP_IMAGE    run this container image instead of the binary, with
#                  CVAPP_RUNTIME (default: podman if installed, else docker);
#                  IN_DIR is mounted read-only at /data/in, OUT_DIR at /data/out
#   CVAPP_SHARD    the --shard value (default: auto)
#   CVAPP_REPORT_DIR  where the per-task reports go (default: OUT_DIR/reports)
# Exit status: at submission, sbatch's (2: refused before submitting); in a
# task, cvapp's (0 ok, 1 an input failed, 2 usage, 127 no cvapp, 143 cancelled).
#SBATCH --job-name=cvapp
#SBATCH --array=0-3
#SBATCH --cpus-per-task=2
#SBATCH --output=cvapp-%A_%a.log
set -euo pipefail

me=slurm-array.sh
refuse() { echo "$me: $*" >&2; exit 2; }
# CVAPP_RUNTIME, else podman if installed, else docker
container_runtime() {
  if [ -n "${CVAPP_RUNTIME:-}" ]; then echo "$CVAPP_RUNTIME"
  elif command -v podman >/dev/null; then echo podman
  else echo docker; fi
}
usage="usage: docker/slurm-array.sh [--SBATCH-OPTION=VALUE...] IN_DIR OUT_DIR [cvapp option...]"

# ------------------------------------------------------------ submission
if [ -z "${SLURM_JOB_ID:-}" ]; then
  sb=()
  while [ $# -gt 0 ] && [ "${1:0:1}" = - ]; do
    case "$1" in
      --) shift; break ;;
      --*) sb+=("$1"); shift ;;
      *) refuse "$1: give sbatch options in their long form, --name=value ($usage)" ;;
    esac
  done
  [ $# -ge 2 ] || refuse "$usage"
  command -v sbatch >/dev/null || refuse "sbatch is not installed: run this where Slurm's commands work (docs/sharding.md)"
  in=$(realpath -e -- "$1" 2>/dev/null) || refuse "input directory $1 not found"
  [ -d "$in" ] || refuse "$1 is not a directory"
  out=$(realpath -m -- "$2")
  shift 2
  self=$(realpath -e -- "${BASH_SOURCE[0]}")
  if [ -n "${CVAPP_IMAGE:-}" ]; then
    runtime=$(container_runtime)
    command -v "$runtime" >/dev/null || refuse "CVAPP_IMAGE is set but $runtime is not installed (CVAPP_RUNTIME)"
    what="image $CVAPP_IMAGE ($runtime)"
  else
    repo_build=$(dirname "$(dirname "$self")")/build/cvapp
    if [ -n "${CVAPP:-}" ]; then
      cvapp=$CVAPP
    elif command -v cvapp >/dev/null; then
      cvapp=$(command -v cvapp)
    elif [ -e "$repo_build" ]; then
      cvapp=$repo_build
    else
      refuse "no cvapp: CVAPP is not set, none is on PATH and $repo_build does not exist (make build, or set CVAPP)"
    fi
    cvapp=$(realpath -e -- "$cvapp" 2>/dev/null) || refuse "CVAPP=$CVAPP does not exist"
    version=$("$cvapp" --version 2>&1 | head -n 1) || refuse "$cvapp does not run: $version"
    # cvapp checks the options as a task would, on a directory without inputs.
    empty=$(mktemp -d)
    trap 'rm -rf "$empty"' EXIT
    mkdir "$empty/in"
    rc=0
    "$cvapp" -q -r --shard 0/1 --skip-existing -d "$empty/out" "$@" "$empty/in" >/dev/null 2>"$empty/err" || rc=$?
    [ "$rc" -ne 2 ] || refuse "cvapp refuses the options: $(head -n 1 "$empty/err")"
    export CVAPP=$cvapp
    what="$cvapp ($version)"
  fi
  reports=${CVAPP_REPORT_DIR:-$out/reports}
  mkdir -p -- "$out/logs" "$reports"
  reports=$(realpath -e -- "$reports")
  export CVAPP_REPORT_DIR=$reports
  echo "$me: $in -> $out with $what; logs $out/logs/JOBID_TASKID.log, reports $reports/JOBID_TASKID.jsonl" >&2
  sbatch --output="$out/logs/%A_%a.log" "${sb[@]}" "$self" "$in" "$out" "$@"
  exit
fi

# ------------------------------------------------------------ an array task
if [ $# -lt 2 ]; then
  echo "$usage" >&2
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
  command -v "${CVAPP:-cvapp}" >/dev/null || {
    echo "$me: task ${SLURM_ARRAY_TASK_ID:-?} on $HOSTNAME: ${CVAPP:-cvapp} not found (CVAPP, PATH); submit with docker/slurm-array.sh IN_DIR OUT_DIR, which finds it before submitting" >&2
    exit 127
  }
  exec "${CVAPP:-cvapp}" "${args[@]}" --report "$reports/$report" -d "$out" "$@" "$in"
fi

runtime=$(container_runtime)
# The container sees the array task's variables and nothing else of the
# job's environment; it runs as the submitting user so outputs are theirs.
exec "$runtime" run --rm --init --read-only --network none --cpus "$jobs" \
  --user "$(id -u):$(id -g)" \
  -e SLURM_ARRAY_TASK_ID -e SLURM_ARRAY_TASK_MIN -e SLURM_ARRAY_TASK_MAX \
  -e SLURM_ARRAY_TASK_STEP -e SLURM_ARRAY_TASK_COUNT \
  -v "$in:/data/in:ro" -v "$out:/data/out" -v "$reports:/data/reports" \
  "$CVAPP_IMAGE" "${args[@]}" --report "/data/reports/$report" -d /data/out "$@" /data/in
