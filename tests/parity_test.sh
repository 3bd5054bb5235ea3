#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs parity.py with Debian's python3 (which has python3-opencv) on the
# samples of one tier: `parity` (fast) those up to a megapixel, `parity_large`
# (slow, make check-all) the larger ones (chessboard.png), so every sample
# runs once in check-all.
# usage: parity_test.sh CVAPP SRCDIR [small|large|all]
# CVAPP_EMULATED=1 (the test stage of an image for another architecture,
# run under qemu-user, where a 13-megapixel case takes minutes) skips the
# large tier, visibly.
set -u
CVAPP=$1 SRC=$2 TIER=${3:-all}
. "$SRC/tests/lib.sh"
PY=/usr/bin/python3
t "parity with OpenCV's own Python bindings ($TIER samples)"
if [ -n "${CVAPP_EMULATED:-}" ] && [ "$TIER" = large ]; then
  skip_all "CVAPP_EMULATED: the samples over a megapixel take minutes per case under emulation (the native suite runs them)"
fi
if ! "$PY" -c "import cv2" 2>/dev/null; then
  echo "FAIL: $PY cannot import cv2; install python3-opencv (docker/install-deps.sh does)"
  exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
CVAPP_PARITY_TIER=$TIER "$PY" "$SRC/tests/parity.py" "$CVAPP" "$SRC/samples" | tee "$out"
rc=${PIPESTATUS[0]}
# Cases CVAPP_PARITY_INEXACT leaves out (parity.py's inexact), as skips.
while read -r line; do skip "${line#SKIP }"; done < <(grep '^SKIP ' "$out" | sort -u)
exit "$rc"
