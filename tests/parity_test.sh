#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs parity.py with Debian's python3 (which has python3-opencv).
set -u
PY=/usr/bin/python3
if ! "$PY" -c "import cv2" 2>/dev/null; then
  echo "FAIL: $PY cannot import cv2; install python3-opencv (docker/install-deps.sh does)"
  exit 1
fi
exec "$PY" "$2/tests/parity.py" "$1" "$2/samples"
