#!/bin/bash
# SPDX-License-Identifier: MIT
# slurm_array_test.sh CVAPP SRCDIR: docker/slurm-array.sh's submission, with a
# stand-in sbatch that records how it was called (no Slurm needed; the real
# one-node cluster is tests/slurm_test.sh's).  Checks:
#   1. cvapp is found as a user has it: CVAPP, else PATH, else the
#      repository's build/cvapp beside the script; the tasks get it as CVAPP;
#   2. nothing is submitted (exit 2, one line) when no cvapp runs, or when
#      cvapp refuses the options (a pipeline file that does not open from
#      where the script is run, an unknown option), or for a short sbatch
#      option; the sample pipeline file as the docs name it is accepted;
#   3. sbatch gets --output=OUT/logs/%A_%a.log first, the user's sbatch
#      options after it, then the script, IN and OUT made absolute, and the
#      cvapp options; OUT/logs and OUT/reports exist before submission;
#   4. with CVAPP_IMAGE, the container runtime is checked instead;
#   5. a task that finds no cvapp says so in one line and exits 127.
set -u
CVAPP=$(realpath "$1")
SRC=$(realpath "$2")
# shellcheck source=lib.sh
. "$SRC/tests/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# A PATH of the few tools the script uses, a stand-in sbatch, and no cvapp.
mkdir -p "$T/bin" "$T/in" "$T/repo/docker" "$T/repo/build" "$T/elsewhere"
for c in bash dirname realpath mkdir mktemp head rm; do
  ln -s "$(command -v "$c")" "$T/bin/$c"
done
cat >"$T/bin/sbatch" <<'EOF'
#!/bin/bash
printf '%s\n' "$@" >"$SBATCH_LOG"
echo "CVAPP=${CVAPP:-}" >>"$SBATCH_LOG"
echo "Submitted batch job 42"
EOF
chmod +x "$T/bin/sbatch"
cp "$SRC"/samples/fruits.jpg "$T/in/"
SCRIPT=$SRC/docker/slurm-array.sh
export SBATCH_LOG=$T/sbatch.args

# submit DIR VAR=VALUE... -- ARG...: the script run from DIR with PATH=$T/bin,
# CVAPP unset, and the given variables; sets RC, OUT, ERR
submit() {
  local dir=$1 vars=()
  shift
  while [ "$1" != -- ]; do vars+=("$1"); shift; done
  shift
  rm -f "$SBATCH_LOG"
  run env -C "$dir" -u CVAPP PATH="$T/bin" "${vars[@]}" "$@"
}
called() { if [ -e "$SBATCH_LOG" ]; then echo "sbatch called: $(tr '\n' ' ' <"$SBATCH_LOG")"; else echo "not called"; fi; }

t "CVAPP names cvapp: sbatch's command line"
submit "$SRC" CVAPP="$CVAPP" -- "$SCRIPT" --array=0-1 --cpus-per-task=1 --wait \
  "$T/in" "$T/out" -p @samples/edges.pipeline --quality 90
expect_rc 0
expect_out "Submitted batch job 42"
expect_eq "$(called)" "sbatch called: --output=$T/out/logs/%A_%a.log --array=0-1 --cpus-per-task=1 --wait $SCRIPT $T/in $T/out -p @samples/edges.pipeline --quality 90 CVAPP=$CVAPP "
expect_err "slurm-array.sh: $T/in -> $T/out with $CVAPP (cvapp "
expect_err "logs $T/out/logs/JOBID_TASKID.log, reports $T/out/reports/JOBID_TASKID.jsonl"
expect_eq "$(cd "$T/out" && ls -A | tr '\n' ' ')" "logs reports "

t "relative IN and OUT are made absolute"
submit "$T" CVAPP="$CVAPP" -- "$SCRIPT" in out2
expect_rc 0
expect_eq "$(sed -n 2,4p "$SBATCH_LOG" | tr '\n' ' ')" "$SCRIPT $T/in $T/out2 "

t "cvapp on PATH"
mkdir -p "$T/onpath"
ln -s "$CVAPP" "$T/onpath/cvapp"
submit "$T/elsewhere" PATH="$T/bin:$T/onpath" -- "$SCRIPT" "$T/in" "$T/out"
expect_rc 0
expect_eq "$(tail -n 1 "$SBATCH_LOG")" "CVAPP=$CVAPP"

t "the repository's build/cvapp beside the script"
cp "$SCRIPT" "$T/repo/docker/"
ln -s "$CVAPP" "$T/repo/build/cvapp"
submit "$T/elsewhere" -- "$T/repo/docker/slurm-array.sh" "$T/in" "$T/out"
expect_rc 0
expect_eq "$(tail -n 1 "$SBATCH_LOG")" "CVAPP=$CVAPP"

t "no cvapp at all: refused before submitting"
rm "$T/repo/build/cvapp"
submit "$T/elsewhere" -- "$T/repo/docker/slurm-array.sh" "$T/in" "$T/none"
expect_rc 2
expect_err_lines 1
expect_err "slurm-array.sh: no cvapp: CVAPP is not set, none is on PATH and $T/repo/build/cvapp does not exist (make build, or set CVAPP)"
expect_eq "$(called)" "not called"
expect_no_file "$T/none"

t "a cvapp that does not run: refused"
printf '#!/bin/bash\necho "cannot load libcvshim" >&2\nexit 127\n' >"$T/broken"
chmod +x "$T/broken"
submit "$T" CVAPP="$T/broken" -- "$SCRIPT" "$T/in" "$T/none"
expect_rc 2
expect_err "slurm-array.sh: $T/broken does not run: cannot load libcvshim"
expect_eq "$(called)" "not called"
submit "$T" CVAPP="$T/missing" -- "$SCRIPT" "$T/in" "$T/none"
expect_rc 2
expect_err "slurm-array.sh: CVAPP=$T/missing does not exist"

t "options cvapp refuses: refused before submitting"
submit "$SRC" CVAPP="$CVAPP" -- "$SCRIPT" "$T/in" "$T/none" -p @edges.pipeline
expect_rc 2
expect_err_lines 1
expect_err "slurm-array.sh: cvapp refuses the options: cvapp: pipeline file edges.pipeline: cannot open"
expect_eq "$(called)" "not called"
submit "$SRC" CVAPP="$CVAPP" -- "$SCRIPT" "$T/in" "$T/none" --invented
expect_rc 2
expect_err "slurm-array.sh: cvapp refuses the options: "
expect_err "--invented"
expect_eq "$(called)" "not called"
expect_no_file "$T/none"

t "a short sbatch option: refused"
submit "$SRC" CVAPP="$CVAPP" -- "$SCRIPT" -a 0-3 "$T/in" "$T/none"
expect_rc 2
expect_err "slurm-array.sh: -a: give sbatch options in their long form, --name=value"
expect_eq "$(called)" "not called"

t "a missing input directory: refused"
submit "$SRC" CVAPP="$CVAPP" -- "$SCRIPT" "$T/nowhere" "$T/none"
expect_rc 2
expect_err "slurm-array.sh: input directory $T/nowhere not found"

t "CVAPP_IMAGE: the runtime must be there; no cvapp is looked for"
submit "$T" CVAPP_IMAGE=cvapp:latest CVAPP_RUNTIME=nosuch-runtime -- "$SCRIPT" "$T/in" "$T/none"
expect_rc 2
expect_err "slurm-array.sh: CVAPP_IMAGE is set but nosuch-runtime is not installed (CVAPP_RUNTIME)"
expect_eq "$(called)" "not called"
submit "$T" CVAPP_IMAGE=cvapp:latest CVAPP_RUNTIME=bash -- "$SCRIPT" "$T/in" "$T/image"
expect_rc 0
expect_err "with image cvapp:latest (bash)"
expect_eq "$(called)" "sbatch called: --output=$T/image/logs/%A_%a.log $SCRIPT $T/in $T/image CVAPP= "

t "a task without cvapp: one line, exit 127"
run env -C "$T" -u CVAPP PATH="$T/bin" SLURM_JOB_ID=7 SLURM_ARRAY_JOB_ID=7 SLURM_ARRAY_TASK_ID=1 \
  "$SCRIPT" "$T/in" "$T/taskout"
expect_rc 127
expect_err_lines 1
expect_err "slurm-array.sh: task 1 on $HOSTNAME: cvapp not found (CVAPP, PATH); submit with docker/slurm-array.sh IN_DIR OUT_DIR"

t "a task runs its shard"
run env -C "$T" CVAPP="$CVAPP" SLURM_JOB_ID=7 SLURM_ARRAY_JOB_ID=7 SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_MIN=0 \
  SLURM_ARRAY_TASK_MAX=0 SLURM_ARRAY_TASK_STEP=1 SLURM_ARRAY_TASK_COUNT=1 "$SCRIPT" "$T/in" "$T/taskout" -q --no-features
expect_rc 0
expect_magic "$T/taskout/fruits.jpg" jpg
expect_file "$T/taskout/reports/7_0.jsonl"

finish
