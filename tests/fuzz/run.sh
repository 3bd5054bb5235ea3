#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs each libFuzzer harness of a fuzz build for a bounded time (make check-fuzz).
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS] [HARNESS...]
#
# BUILD_DIR is a build configured with -DCVAPP_FUZZ=ON (clang) whose
# harnesses are built; SECONDS (default 30) is each harness's time; the
# harnesses default to all five: jpeg png exif pipeline_parse pipeline_run.
#
# Each harness starts from a scratch copy of its committed corpus
# (tests/fuzz/corpus/NAME, never written to) under BUILD_DIR/fuzz/NAME/corpus,
# with its dictionary when there is one (tests/fuzz/*.dict).  libFuzzer's
# log goes to BUILD_DIR/fuzz/NAME/log; a crash, leak, timeout or
# out-of-memory input is written under BUILD_DIR/artifacts/NAME/.  Every
# harness runs even when one fails; the exit status is 1 if any failed.
set -u

die() { echo "run.sh: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: run.sh BUILD_DIR [SECONDS] [HARNESS...]"
BUILD=$1
SECONDS_EACH=${2:-30}
shift $(($# >= 2 ? 2 : 1))
NAMES=("$@")
[ ${#NAMES[@]} -gt 0 ] || NAMES=(jpeg png exif pipeline_parse pipeline_run)
SRC=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "$BUILD" && pwd) || die "no build directory $1"
case $SECONDS_EACH in '' | *[!0-9]*) die "SECONDS must be a whole number" ;; esac

dict_of() {
  case $1 in
    pipeline_*) echo "$SRC/pipeline.dict" ;;
    *) echo "$SRC/$1.dict" ;;
  esac
}

failed=()
for name in "${NAMES[@]}"; do
  bin=$BUILD/tests/fuzz/fuzz_$name
  seeds=$SRC/corpus/$name
  [ -x "$bin" ] || die "$bin is not built (cmake --build $BUILD --target fuzzers)"
  [ -d "$seeds" ] || die "no corpus $seeds"
  work=$BUILD/fuzz/$name
  artifacts=$BUILD/artifacts/$name
  rm -rf "$work"
  mkdir -p "$work/corpus" "$artifacts"
  cp "$seeds"/* "$work/corpus/"
  dict=$(dict_of "$name")
  args=(-max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10
        -artifact_prefix="$artifacts/" -print_final_stats=1)
  [ -f "$dict" ] && args+=(-dict="$dict")
  before=$(ls "$artifacts")
  printf 'check-fuzz: %-15s %ss from %d seeds ... ' "$name" "$SECONDS_EACH" "$(ls "$seeds" | wc -l)"
  "$bin" "${args[@]}" "$work/corpus" >"$work/log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1)
  new=$(comm -13 <(echo "$before") <(ls "$artifacts"))
  if [ "$rc" -eq 0 ] && [ -z "$new" ]; then
    echo "ok: ${execs:-?} runs, ${speed:-?} exec/s, ${cov:-cov: ?}, corpus $(ls "$work/corpus" | wc -l) files"
    continue
  fi
  echo "FAILED (exit $rc)"
  failed+=("$name")
  echo "---- last lines of $work/log:" >&2
  tail -n 40 "$work/log" >&2
  echo "----" >&2
  if [ -n "$new" ]; then
    for f in $new; do
      echo "check-fuzz: fuzz_$name failed on the input $artifacts/$f" >&2
    done
    first=$(echo "$new" | head -n 1)
    cat >&2 <<EOF
check-fuzz: reproduce with
    $bin $artifacts/$first
  fix the bug, then keep the input as a regression test (ctest replays it):
    cp $artifacts/$first $seeds/
EOF
  else
    echo "check-fuzz: fuzz_$name exited $rc without writing an input; see $work/log" >&2
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "check-fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "check-fuzz: all ${#NAMES[@]} harnesses ran ${SECONDS_EACH}s each without a failure"
