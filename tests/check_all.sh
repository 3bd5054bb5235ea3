#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make check-all: everything CI (.ci/run) runs, in stages, then where the
# time went.
#
#   tests/check_all.sh        (from the Makefile: BUILD, ASAN_BUILD,
#                              FUZZ_BUILD, JOBS, CMAKE_FLAGS in the environment)
#
# The container test (tests/container_test.sh: image builds, mostly waiting
# on apt and the compilers of the images) starts first, in the background;
# meanwhile the other stages run one after another: every other ctest entry
# (fast and slow tiers), the ASan+UBSan build with the fast tier, the
# fuzzers, the static analysis. Every stage runs even when one fails. At
# the end: the skipped checks of every build tree, then one table of each
# stage's seconds and status (kept in BUILD/stage-times.tsv), the slowest
# ctest entries and the container test's longest checks. Exit 1 when any
# stage failed.
#
# CVAPP_STAGE_TIMES names the table's file; .ci/run sets it and writes its
# own install stage there first, so CI's table starts with it.
set -u
BUILD=${BUILD:-build} ASAN_BUILD=${ASAN_BUILD:-build-asan} FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=${JOBS:-$(nproc)}
SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC" || exit 2
BUILD=$(cd "$BUILD" && pwd) || { echo "check_all.sh: no build directory $BUILD (make build)" >&2; exit 2; }
TIMES=${CVAPP_STAGE_TIMES:-$BUILD/stage-times.tsv}
[ -n "${CVAPP_STAGE_TIMES:-}" ] || : >"$TIMES"
T0=$SECONDS
failed=()

# stage NAME CMD...: CMD's seconds and exit status into the table
stage() {
  local name=$1 t0=$SECONDS rc
  shift
  echo "== $name: $*"
  "$@"
  rc=$?
  printf '%s\t%s\t%s\n' "$name" "$((SECONDS - t0))" "$rc" >>"$TIMES"
  [ "$rc" -eq 0 ] || failed+=("$name")
  return "$rc"
}

# The container test, in the background, its output in BUILD/container.log
# and its skips apart (the ctest stage empties BUILD/skips when it starts).
CONTAINER_LOG=$BUILD/container.log
rm -rf "$BUILD/skips-container" "$BUILD/container-sections.tsv"
(
  stage container env CVAPP_SKIP_DIR="$BUILD/skips-container" \
    timeout 5400 bash tests/container_test.sh "$BUILD/cvapp" . >"$CONTAINER_LOG" 2>&1
  echo "exit $?" >>"$CONTAINER_LOG"
) &
CONTAINER_PID=$!
echo "== container: started in the background (tests/container_test.sh; log: $CONTAINER_LOG)"

stage ctest bash -c "cd '$BUILD' && ctest --output-on-failure -j '$JOBS' -E '^container\$' \
  --output-junit '$BUILD/ctest-junit.xml'"
stage asan make --no-print-directory check-asan BUILD="$BUILD" ASAN_BUILD="$ASAN_BUILD" JOBS="$JOBS" \
  CMAKE_FLAGS="${CMAKE_FLAGS:-}"
stage fuzz make --no-print-directory check-fuzz FUZZ_BUILD="$FUZZ_BUILD" JOBS="$JOBS" \
  CMAKE_FLAGS="${CMAKE_FLAGS:-}"
stage lint make --no-print-directory lint

echo "== container: waiting for it"
wait "$CONTAINER_PID"
if tail -n 1 "$CONTAINER_LOG" | grep -qx 'exit 0'; then
  grep -E '^(built|SKIP|[0-9]+ passed)' "$CONTAINER_LOG"
else
  failed+=(container)
  echo "== container failed: its failures, then the end of $CONTAINER_LOG"
  grep -E '^FAIL' "$CONTAINER_LOG" | head -n 40
  tail -n 60 "$CONTAINER_LOG"
fi

echo
tests/skips_report.sh "$BUILD/skips" "$BUILD/skips-container" "$ASAN_BUILD/skips"

echo
echo "Where the time went (ctest, asan, fuzz and lint run while the container test does):"
printf '%s\t%s\t%s\n' "check-all (wall)" "$((SECONDS - T0))" "${#failed[@]}" >>"$TIMES"
awk -F'\t' '{ printf "  %-22s %6d s  %s\n", $1, $2, $3 == 0 ? "ok" : "FAILED (" $3 ")" }' "$TIMES"
if [ -s "$BUILD/ctest-junit.xml" ]; then
  echo "Slowest ctest entries:"
  grep -o '<testcase name="[^"]*"[^>]* time="[0-9.]*"' "$BUILD/ctest-junit.xml" |
    sed 's/<testcase name="\([^"]*\)".* time="\([0-9.]*\)"/\2 \1/' | sort -rn | head -n 8 |
    awk '{ printf "  %-22s %6.0f s\n", $2, $1 }'
fi
if [ -s "$BUILD/container-sections.tsv" ]; then
  echo "Container test, its longest checks (image builds among them; build/container-sections.tsv has all):"
  sort -t "$(printf '\t')" -k1,1rn "$BUILD/container-sections.tsv" | head -n 10 |
    awk -F'\t' '{ printf "  %6d s  %s\n", $1, (length($2) > 100 ? substr($2, 1, 97) "..." : $2) }'
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED stages: ${failed[*]}"
  exit 1
fi
