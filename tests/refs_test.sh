#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reference images (a step's ref=FILE: template, match): read once per run, before
# any input; one that cannot be read or decoded, or that an output would
# overwrite, is a usage error (exit 2, one line, nothing written); hostile
# files end the same way or decode as inputs do; a batch with workers reads
# the reference once and is resumable like any batch (template, and match |
# warp over a hundred images).
# usage: refs_test.sh CVAPP SRCDIR
set -u
CVAPP=$1 SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
REF=$SRC/tests/refs/fruits_crop.png
IN=$SRC/samples/fruits.jpg

# refused REF MESSAGE [ARGS...]: exit 2 with that one line, nothing written.
refused() {
  local ref=$1 msg=$2
  shift 2
  rm -rf "$W/out"
  mkdir -p "$W/out"
  run "$CVAPP" -p "template ref=$ref" "$@"
  t "template ref=$ref $*: refused"
  expect_rc 2
  expect_err "cvapp: $msg"
  expect_err_lines 1
  [ -z "$(ls -A "$W/out")" ] && ok || ko "$W/out holds $(ls -A "$W/out")"
}

: >"$W/empty.png"
printf 'GIF89a not a JPEG or PNG' >"$W/text.png"
head -c 2000 "$SRC/tests/refs/fruits_crop.png" >"$W/cut.png"
mkdir "$W/dir.png"
refused "$W/missing.png" "pipeline step 1 (template): ref=$W/missing.png is not readable: cannot open: No such file or directory" -d "$W/out" "$IN"
refused "$W/dir.png" "pipeline step 1 (template): ref=$W/dir.png is not readable: not a regular file (a directory)" -d "$W/out" "$IN"
refused "$W/empty.png" "pipeline step 1 (template): ref=$W/empty.png is not a JPEG or PNG image (it is empty)" -d "$W/out" "$IN"
refused "$W/text.png" "pipeline step 1 (template): ref=$W/text.png is not a JPEG or PNG image" -d "$W/out" "$IN"
refused "$W/cut.png" "pipeline step 1 (template): ref=$W/cut.png cannot be decoded: " -d "$W/out" "$IN"
refused - "pipeline step 1 (template): ref=- is not allowed: a reference cannot come from stdin" -d "$W/out" "$IN"
# Huge: the inputs' pixel limit holds for it too.
refused "$REF" "pipeline step 1 (template): ref=$REF cannot be decoded: image is 50x40 (2000 pixels), over --max-pixels 1999" \
  --max-pixels 1999 -d "$W/out" "$IN"
mkfifo "$W/fifo.png"
refused "$W/fifo.png" "pipeline step 1 (template): ref=$W/fifo.png is not readable: not a regular file (a FIFO)" -d "$W/out" "$IN"

t "a bad reference is refused before any input is read (an input FIFO nobody writes)"
mkfifo "$W/input.fifo"
run timeout 20 "$CVAPP" -p "template ref=$W/empty.png" -o "$W/out/x.png" "$W/input.fifo"
expect_rc 2

# An output that is the reference, by name, through a link, as the JSON.
cp "$REF" "$W/ref.png"
ln -s ref.png "$W/ref-link.png"
msg="is also the pipeline's reference image; refusing to overwrite it"
refused "$W/ref.png" "the image of $IN ($W/ref.png) $msg" -o "$W/ref.png" "$IN"
refused "$W/ref-link.png" "the image of $IN ($W/ref.png) $msg" -o "$W/ref.png" "$IN"
refused "$W/ref.png" "the features JSON of $IN ($W/ref.png) $msg" -o "$W/out/x.png" --features "$W/ref.png" "$IN"
refused "$W/ref.png" "--report $W/ref.png $msg" -d "$W/out" --report "$W/ref.png" "$IN"
mkdir -p "$W/tree"
cp "$REF" "$W/tree/fruits.jpg" # a PNG by its bytes: the name does not matter
refused "$W/tree/fruits.jpg" "the image of $IN ($W/tree/fruits.jpg) $msg" -d "$W/tree" "$IN"
cmp -s "$REF" "$W/ref.png" && cmp -s "$REF" "$W/tree/fruits.jpg" && ok || ko "a reference was changed"

t "an input may be the reference itself"
run "$CVAPP" -q -p "template ref=$W/ref.png" -o "$W/self.png" --features "$W/self.json" "$W/ref.png"
expect_rc 0
grep -q '"boxes":\[{"x":0,"y":0,"width":50,"height":40,"score":1' "$W/self.json" && ok || ko "$(cat "$W/self.json")"

t "a template larger than an input fails that input only (exit 1), the others are written"
mkdir -p "$W/mixed" "$W/mixed-out"
cp "$IN" "$W/mixed/big.jpg"
"$CVAPP" -q -p "crop width=30 height=30" -o "$W/mixed/small.png" "$IN"
run "$CVAPP" -q -p "template ref=$REF" -d "$W/mixed-out" "$W/mixed/big.jpg" "$W/mixed/small.png"
expect_rc 1
expect_err "cvapp: $W/mixed/small.png: step 1 (template) failed: the template (50x40) is larger than the image (30x30)"
expect_file "$W/mixed-out/big.jpg"; expect_file "$W/mixed-out/big.json"; expect_no_file "$W/mixed-out/small.png"

t "hostile files as references: refused in one line, or used as inputs decode them"
for f in "$SRC"/tests/fixtures/*.jpg "$SRC"/tests/fixtures/*.png; do
  run "$CVAPP" -q -p "template ref=$f threshold=2 | draw" -o "$W/h.png" "$SRC/tests/refs/fruits_crop.png"
  case $RC in
    0 | 1) ok ;; # decoded (1: larger than this small image)
    2) if [ "$(printf '%s' "$ERR" | grep -c '')" = 1 ] && grep -qF "ref=$f " <<<"$ERR"; then ok
       else ko "$f: $ERR"; fi ;;
    *) ko "$f: exit $RC: $ERR" ;;
  esac
done

# can_trace: strace can follow cvapp here (LeakSanitizer cannot run traced)
can_trace() {
  command -v strace >/dev/null && strace -qq -e trace=none true 2>/dev/null &&
    ! ldd "$CVAPP" 2>/dev/null | grep -q libasan
}

t "a batch with two workers reads the reference once, and resumes"
mkdir -p "$W/batch/in/sub"
for i in $(seq 1 12); do cp "$IN" "$W/batch/in/f$i.jpg"; cp "$SRC/samples/home.jpg" "$W/batch/in/sub/h$i.jpg"; done
if can_trace; then
  run strace -f -qq -e trace=openat -o "$W/trace" "$CVAPP" -q -r -j 2 -p "template ref=$REF | draw" \
    -d "$W/batch/out" --report "$W/batch/report.jsonl" "$W/batch/in"
  expect_rc 0
  expect_eq "$(grep -c "fruits_crop.png" "$W/trace")" 1
else
  run "$CVAPP" -q -r -j 2 -p "template ref=$REF | draw" -d "$W/batch/out" \
    --report "$W/batch/report.jsonl" "$W/batch/in"
  expect_rc 0
  skip "strace is missing, cannot trace here, or cvapp runs under LeakSanitizer (which cannot run traced): the reference's single read is not counted"
fi
expect_eq "$(find "$W/batch/out" -name '*.json' | wc -l)" 24
expect_eq "$(grep -c '"status":"ok"' "$W/batch/report.jsonl")" 24
# Every fruits copy found the patch where it was cut (150, 200).
expect_eq "$(grep -l '"boxes":\[{"x":150,"y":200,"width":50,"height":40' "$W"/batch/out/f*.json | wc -l)" 12
rm "$W/batch/out/f3.json" "$W/batch/out/sub/h7.jpg"
run "$CVAPP" -q -r -j 2 -p "template ref=$REF | draw" -d "$W/batch/out" \
  --report "$W/batch/report.jsonl" --skip-existing "$W/batch/in"
expect_rc 0
expect_eq "$(grep -c '"status":"ok"' "$W/batch/report.jsonl")" 26
expect_file "$W/batch/out/f3.json"; expect_file "$W/batch/out/sub/h7.jpg"

t "match | warp over a hundred images with two workers: the reference read once, every input reported, resumable"
mkdir -p "$W/many/in"
"$CVAPP" -q -p "resize scale=0.5 interp=area" -o "$W/many/building.jpg" "$SRC/samples/building.jpg"
"$CVAPP" -q -p "resize scale=0.5 interp=area" -o "$W/many/home.jpg" "$SRC/samples/home.jpg"
for i in $(seq 1 70); do ln "$W/many/building.jpg" "$W/many/in/b$i.jpg"; done
for i in $(seq 1 30); do ln "$W/many/home.jpg" "$W/many/in/h$i.jpg"; done
PART=$SRC/tests/refs/building_part.png
TRACE=()
if can_trace; then
  TRACE=(strace -f -qq -e trace=openat -o "$W/many/trace")
fi
run "${TRACE[@]}" "$CVAPP" -q -r -j 2 -p "match ref=$PART cross_check=true | warp" -d "$W/many/out" \
  --report "$W/many/report.jsonl" "$W/many/in"
expect_rc 1 # the home.jpg copies: no model of the reference there
if [ ${#TRACE[@]} -gt 0 ]; then expect_eq "$(grep -c "building_part.png" "$W/many/trace")" 1
else skip "no strace here (or LeakSanitizer): match's single read of its reference is not counted"; fi
expect_eq "$(grep -c '"status":"ok"' "$W/many/report.jsonl")" 70
expect_eq "$(grep -c '"status":"error".*match found no model of' "$W/many/report.jsonl")" 30
expect_eq "$(find "$W/many/out" -name 'b*.jpg' | wc -l)" 70
# An aligned image has the reference's size (200x160).
run "$CVAPP" -p grayscale -o "$W/many/size.png" "$W/many/out/b7.jpg"
expect_out "$W/many/out/b7.jpg: 200x160x3"
# Resumed with missing=pass: the 70 done are skipped, the 30 others pass unchanged.
run "$CVAPP" -q -r -j 2 -p "match ref=$PART cross_check=true | warp missing=pass" -d "$W/many/out" \
  --report "$W/many/report.jsonl" --skip-existing "$W/many/in"
expect_rc 0
expect_eq "$(tail -n 100 "$W/many/report.jsonl" | grep -c '"status":"skipped"')" 70
expect_eq "$(tail -n 100 "$W/many/report.jsonl" | grep -c '"status":"ok"')" 30
expect_eq "$(find "$W/many/out" -name 'h*.jpg' | wc -l)" 30

finish
