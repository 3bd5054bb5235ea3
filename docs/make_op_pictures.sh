#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes the op reference docs/ops.md: a picture of every op's result on a sample image
# (docs/img/ops/OP.jpg) and the reference itself between its markers, which is
# `cvapp --list-ops --markdown` with one picture paragraph under each op's heading.
#   docs/make_op_pictures.sh CVAPP        (what `make docs` runs)
# Each picture: the sample shrunk to 240 pixels wide, then the op (the parameters below,
# else its defaults); a detector is followed by `draw` (unless its step names one)
# so that its results show.
# JPEG quality 80. tests/readme_ops_test.sh checks that the reference and the pictures
# match the op table.
set -euo pipefail
CVAPP=$(realpath "$1")
cd "$(dirname "$0")"
IMG=img/ops
SAMPLES=../samples
mkdir -p "$IMG"

# The sample each op is shown on (fruits.jpg unless named here) and the step shown.
sample_of() {
  case "$1" in
    hough_lines|harris|gftt|fast|blobs|match|warp) echo building.jpg ;;
    *) echo fruits.jpg ;;
  esac
}
step_of() {
  case "$1" in
    resize) echo "resize width=120 height=150" ;;
    crop) echo "crop gravity=center width=60% height=60%" ;;
    rotate) echo "rotate angle=20 background=white" ;;
    flip) echo "flip axis=v" ;;
    blur) echo "blur ksize=9" ;;
    gaussian) echo "gaussian ksize=0 sigma=3" ;;
    median) echo "median ksize=9" ;;
    bilateral) echo "bilateral d=15 sigma_color=150 sigma_space=150" ;;
    sharpen) echo "sharpen sigma=2 amount=3" ;;
    sobel) echo "sobel dx=1 dy=0 ksize=3" ;;
    laplacian) echo "laplacian ksize=3" ;;
    convolve) echo "convolve kernel=\"-2 -1 0; -1 1 1; 0 1 2\"" ;;
    threshold) echo "threshold type=otsu" ;;
    adaptive_threshold) echo "adaptive_threshold block=15 c=5" ;;
    erode|dilate|open|close) echo "$1 ksize=7 shape=ellipse" ;;
    gradient) echo "gradient ksize=5" ;;
    tophat|blackhat) echo "$1 ksize=15" ;;
    clahe) echo "clahe clip=4 tile=4" ;;
    convert) echo "convert alpha=1.5 beta=-60" ;;
    normalize) echo "normalize min=80 max=200" ;;
    draw) echo "hough_circles min_dist=60 param2=45 min_radius=15 max_radius=80 | draw color=yellow thickness=2" ;;
    orb) echo "orb nfeatures=30" ;;
    sift) echo "sift nfeatures=60" ;;
    brisk) echo "brisk threshold=60" ;;
    fast) echo "fast threshold=40" ;;
    gftt) echo "gftt max_corners=80 min_distance=8" ;;
    harris) echo "harris threshold=0.1" ;;
    hough_lines) echo "canny low=80 high=200 | hough_lines threshold=30 min_length=25 max_gap=3" ;;
    hough_circles) echo "hough_circles min_dist=60 param2=45 min_radius=15 max_radius=80" ;;
    contours) echo "threshold type=otsu | contours mode=list min_area=50 | draw color=red thickness=2" ;;
    template) echo "template ref=img/ops/template-ref.png threshold=0.6 max_count=5 | draw color=red thickness=2" ;;
    match) echo "match ref=img/ops/match-ref.png detector=sift | draw color=yellow" ;;
    warp) echo "match ref=img/ops/match-ref.png detector=sift | warp" ;;
    *) echo "$1" ;;
  esac
}
# One-channel ops get gray input where the op itself does not convert.
needs_gray() {
  case "$1" in threshold|contours|hough_lines) return 0 ;; *) return 1 ;; esac
}

shrink() {
  local w h
  case "$1" in
    fruits.jpg) w=240 h=225 ;;
    building.jpg) w=240 h=166 ;;
    *) echo "make_op_pictures.sh: no size for $1" >&2; exit 1 ;;
  esac
  echo "resize width=$w height=$h interp=area"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$CVAPP" --list-ops --markdown >"$tmp/ops.md"
ops=$(sed -n 's/^### `\([a-z0-9_]*\)` (\(filter\|detector\))$/\1 \2/p' "$tmp/ops.md")
[ -n "$ops" ] || { echo "make_op_pictures.sh: no op headings in --list-ops --markdown" >&2; exit 1; }

# Samples themselves, shown at the top of docs/ops.md.
for s in fruits.jpg building.jpg; do
  "$CVAPP" -q --exact -p "$(shrink "$s")" -f jpg --quality 80 -o "$IMG/sample-$s" "$SAMPLES/$s"
done
# template's reference: a patch of the shrunk fruits.jpg (PNG, exact); match's:
# a part of building.jpg at another scale, turned.
"$CVAPP" -q --exact -p "$(shrink fruits.jpg) | crop x=100 y=90 width=32 height=28" \
  -o "$IMG/template-ref.png" "$SAMPLES/fruits.jpg"
"$CVAPP" -q --exact -p "crop x=250 y=120 width=320 height=240 | resize scale=0.6 | rotate angle=8" \
  -o "$IMG/match-ref.png" "$SAMPLES/building.jpg"

: >"$tmp/captions"
while read -r op kind; do
  s=$(sample_of "$op")
  step=$(step_of "$op")
  needs_gray "$op" && step="grayscale | $step"
  case "$kind $step" in "detector "*draw*) ;; "detector "*) step="$step | draw" ;; esac
  "$CVAPP" -q --exact -p "$(shrink "$s") | $step" -f jpg --quality 80 -o "$IMG/$op.jpg" "$SAMPLES/$s"
  printf '%s\t%s\t%s\n' "$op" "$s" "$step" >>"$tmp/captions"
done <<<"$ops"

# Old pictures of ops that no longer exist.
for f in "$IMG"/*.jpg; do
  b=$(basename "$f" .jpg)
  case "$b" in sample-*) continue ;; esac
  grep -q "^$b	" "$tmp/captions" || rm -f "$f"
done

# The reference with a picture paragraph after each heading's blank line.
awk -F'\t' -v caps="$tmp/captions" '
  BEGIN { while ((getline l < caps) > 0) { split(l, a, "\t"); s[a[1]] = a[2]; p[a[1]] = a[3] } }
  { print }
  /^### `[a-z0-9_]+` \((filter|detector)\)$/ { op = $0; sub(/^### `/, "", op); sub(/`.*/, "", op); pending = op; next }
  pending != "" && $0 == "" {
    printf "![%s on %s](img/ops/%s.jpg)\\\n`%s` on %s\n\n", pending, s[pending], pending, p[pending], s[pending]
    pending = ""
  }' "$tmp/ops.md" >"$tmp/block.md"

awk -v f="$tmp/block.md" '
  /<!-- ops:end -->/ { while ((getline l < f) > 0) print l; skip = 0 }
  !skip { print }
  /<!-- ops:begin -->/ { skip = 1 }' ops.md >"$tmp/new.md"
grep -q '<!-- ops:begin -->' "$tmp/new.md" || { echo "make_op_pictures.sh: docs/ops.md has no ops:begin marker" >&2; exit 1; }
cat "$tmp/new.md" >ops.md
echo "docs/ops.md: $(wc -l <"$tmp/captions") ops; pictures $(du -cb "$IMG"/*.jpg | tail -1 | cut -f1) bytes"
