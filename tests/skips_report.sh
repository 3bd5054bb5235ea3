#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lists the checks that could not run, from the skip records that
# tests/lib.sh's skip() writes (one directory per build tree).
# usage: skips_report.sh DIR...
# Exit: 0 when nothing was skipped, 77 otherwise (ctest shows `skipped_checks`
# as skipped, so a skip is never hidden in a passing test).
n=0
for d in "$@"; do
  [ -d "$d" ] || continue
  for f in "$d"/*; do
    [ -s "$f" ] || continue
    while IFS= read -r line; do
      [ "$n" -eq 0 ] && echo "Skipped checks:"
      n=$((n + 1))
      echo "  $line"
    done <"$f"
  done
done
if [ "$n" -eq 0 ]; then
  echo "No check was skipped."
  exit 0
fi
echo "$n check(s) skipped."
exit 77
