#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs parity.py with Debian's python3 (which has python3-opencv).
# CVAPP_EMULATED=1 (the test stage of an image for another architecture,
# run under qemu-user) sets CVAPP_PARITY_MAX_PIXELS=1000000 unless given:
# every case, on the samples up to a megapixel; each sample left out is a
# recorded skip.
set -u
CVAPP=$1 SRC=$2
. "$SRC/tests/lib.sh"
PY=/usr/bin/python3
if ! "$PY" -c "import cv2" 2>/dev/null; then
  echo "FAIL: $PY cannot import cv2; install python3-opencv (docker/install-deps.sh does)"
  exit 1
fi
if [ -n "${CVAPP_EMULATED:-}" ]; then export CVAPP_PARITY_MAX_PIXELS=${CVAPP_PARITY_MAX_PIXELS:-1000000}; fi
t "parity with OpenCV's own Python bindings"
out=$("$PY" "$SRC/tests/parity.py" "$CVAPP" "$SRC/samples")
rc=$?
printf '%s\n' "$out"
while IFS= read -r line; do
  case "$line" in "SKIP: "*) skip "${line#SKIP: }" ;; esac
done <<<"$out"
exit $rc
