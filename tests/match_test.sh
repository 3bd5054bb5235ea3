#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# match (and warp) against the truth, not only against OpenCV's own calls
# (parity does that): tests/match_truth.py on synthetic pairs with a known
# homography, a reference that is not in the image, and OpenCV's graf1/graf3
# pair with H1to3p.xml (Debian's opencv-doc, installed by
# docker/install-deps.sh --test; skipped without it).  Then what the
# command line adds: a featureless reference is refused before any input,
# and --max-features cuts a match step's keypoints and matches together.
# usage: match_test.sh CVAPP SRCDIR
set -u
CVAPP=$1 SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import cv2' 2>/dev/null || skip_all "python3-opencv missing"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
GRAF=/usr/share/doc/opencv-doc/examples/data

t "match: the models found are the true ones"
if [ -f "$GRAF/graf1.png" ] && [ -f "$GRAF/graf3.png" ] && [ -f "$GRAF/H1to3p.xml" ]; then
  run "$PY" "$SRC/tests/match_truth.py" "$CVAPP" "$SRC/samples" "$GRAF"
else
  skip "no $GRAF/graf1.png (Debian's opencv-doc): graf1 in graf3 is not checked"
  run "$PY" "$SRC/tests/match_truth.py" "$CVAPP" "$SRC/samples"
fi
expect_rc 0
expect_out " passed, 0 failed"
[ "$RC" -eq 0 ] || cat "$OUT" >&2

t "a reference without features is refused before any input (exit 2, one line)"
"$PY" -c "import cv2, numpy as np; cv2.imwrite('$W/flat.png', np.full((60, 80), 128, np.uint8))"
mkfifo "$W/input.fifo"
run timeout 20 "$CVAPP" -p "match ref=$W/flat.png" -o "$W/x.png" "$W/input.fifo"
expect_rc 2
expect_err "cvapp: pipeline step 1 (match): ref=$W/flat.png has no features: orb finds no keypoint in it"
expect_err_lines 1
run "$CVAPP" -p "match ref=$W/flat.png detector=sift" -o "$W/x.png" "$SRC/samples/home.jpg"
expect_rc 2
expect_err "has no features: sift finds no keypoint in it"
expect_no_file "$W/x.png"

t "model=similarity with method=usac is refused when the pipeline is read"
run "$CVAPP" -p "match ref=$W/flat.png model=similarity method=usac" "$SRC/samples/home.jpg"
expect_rc 2
expect_err "cvapp: pipeline step 1 (match): model=similarity has no method=usac in OpenCV 4.6: use ransac or lmeds"

t "--max-features cuts a match step's keypoints and its matches, which still name them"
run "$CVAPP" -q -p "match ref=$SRC/tests/refs/baboon_part.png detector=sift" --max-features 40 \
  -o "$W/m.png" --features "$W/m.json" "$SRC/samples/baboon.jpg"
expect_rc 0
"$PY" - "$W/m.json" <<'PYEOF' >"$W/check.txt"
import json, sys
d = json.load(open(sys.argv[1]))
m = d["matches"][0]
kp = d["keypoints"]
print("keypoints", len(kp), "matches", len(m["matches"]) <= 40,
      "named", all(0 <= x["keypoint"] < len(kp) for x in m["matches"]),
      "truncated", d.get("truncated"), "found", m["model"]["found"])
PYEOF
expect_eq "$(cat "$W/check.txt")" "keypoints 40 matches True named True truncated True found True"

finish
