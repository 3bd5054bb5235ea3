#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Batch outputs (docs/batch.md "Outputs"): -d keeps each input's format,
# --name with an extension, no JSON without a detector, --no-image,
# --features-all, missing directories for -o and -d.
# usage: outputs_test.sh CVAPP SRCDIR
set -u
CVAPP=$1 SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
D="grayscale | orb nfeatures=50" # a pipeline with a detector
W=$(mktemp -d)
IN=$W/in
trap 'rm -rf "$W"' EXIT
mkdir -p "$IN"
cv() { run "$CVAPP" "$@"; }

# Mixed inputs: JPEG and PNG, upper-case and long extensions, a PNG named .jpg.
cp "$SRC/samples/fruits.jpg" "$IN/fruits.jpg"
cp "$SRC/samples/home.jpg" "$IN/HOME.JPG"
cp "$SRC/samples/baboon.jpg" "$IN/baboon.jpeg"
cp "$SRC/samples/chessboard.png" "$IN/chess.png"
cp "$SRC/samples/chessboard.png" "$IN/fake.jpg" # PNG bytes: the bytes decide

t "-d keeps each input's format (from its bytes), JSON only with a detector"
cv -q -p grayscale -d "$W/keep" "$IN"
expect_rc 0
expect_only_files "$W/keep" fruits.jpg HOME.jpg baboon.jpg chess.png fake.png
expect_magic "$W/keep/fruits.jpg" jpg
expect_magic "$W/keep/HOME.jpg" jpg
expect_magic "$W/keep/baboon.jpg" jpg
expect_magic "$W/keep/chess.png" png
expect_magic "$W/keep/fake.png" png

t "-d with a detector: each image and its JSON"
cv -q -p "$D" -d "$W/det" "$IN"
expect_rc 0
expect_only_files "$W/det" fruits.jpg fruits.json HOME.jpg HOME.json baboon.jpg baboon.json \
  chess.png chess.json fake.png fake.json

t "-f overrides every input's format"
cv -q -p grayscale -f png -d "$W/png" "$IN"
expect_rc 0
expect_only_files "$W/png" fruits.png HOME.png baboon.png chess.png fake.png
expect_magic "$W/png/fruits.png" png
cv -q -p grayscale -f jpg -d "$W/jpg" "$IN"
expect_rc 0
expect_only_files "$W/jpg" fruits.jpg HOME.jpg baboon.jpg chess.jpg fake.jpg
expect_magic "$W/jpg/chess.jpg" jpg

t "--name ending in .{ext} keeps .JPG and .jpeg as they are"
cv -q -p "$D" -d "$W/ext" --name "{stem}.{ext}" "$IN"
expect_rc 0
expect_only_files "$W/ext" fruits.jpg fruits.json HOME.JPG HOME.json baboon.jpeg baboon.json \
  chess.png chess.json fake.jpg fake.json
expect_magic "$W/ext/HOME.JPG" jpg
expect_magic "$W/ext/baboon.jpeg" jpg
expect_magic "$W/ext/fake.jpg" jpg # the name's extension decides the format

t "--name with a literal extension decides the format; -f in another format replaces it"
cv -q -p grayscale -d "$W/lit" --name "{stem}-small.PNG" "$IN/fruits.jpg" "$IN/chess.png"
expect_rc 0
expect_only_files "$W/lit" fruits-small.PNG chess-small.PNG
expect_magic "$W/lit/fruits-small.PNG" png
cv -q -p grayscale -f jpg -d "$W/lit2" --name "{stem}.{ext}" "$IN/chess.png" "$IN/baboon.jpeg"
expect_rc 0
expect_only_files "$W/lit2" chess.jpg baboon.jpeg
expect_magic "$W/lit2/chess.jpg" jpg

t "no features JSON without a detector, beside the input too"
mkdir -p "$W/beside"
cp "$IN/fruits.jpg" "$IN/chess.png" "$W/beside/"
cv -q -p grayscale "$W/beside/fruits.jpg" "$W/beside/chess.png"
expect_rc 0
expect_only_files "$W/beside" fruits.jpg chess.png fruits.cvapp.png chess.cvapp.png
cv -q -p "$D" "$W/beside/fruits.jpg"
expect_rc 0
expect_only_files "$W/beside" fruits.jpg chess.png fruits.cvapp.png chess.cvapp.png fruits.cvapp.json

t "--no-image: the features only, and the report row says so"
cv -q -p "$D" --no-image -d "$W/noimg" --report "$W/noimg.jsonl" "$IN"
expect_rc 0
expect_only_files "$W/noimg" fruits.json HOME.json baboon.json chess.json fake.json
expect_eq "$(grep -c '"image":false,"status":"ok"' "$W/noimg.jsonl")" 5
expect_eq "$(grep -c '"output"' "$W/noimg.jsonl")" 0
cv -q -p "$D" --no-image -o "$W/x.png" "$IN/fruits.jpg"
expect_rc 2; expect_err "--no-image writes no image; drop -o"
cv -q -p grayscale --no-image -d "$W/nothing" "$IN/fruits.jpg"
expect_rc 2; expect_err "--no-image: nothing would be written for $IN/fruits.jpg (the pipeline has no detector"
expect_no_file "$W/nothing"
cv -q -p "$D" --no-image --no-features -d "$W/nothing" "$IN/fruits.jpg"
expect_rc 2; expect_err "--no-features is given"
t "--no-image with --skip-existing resumes on the JSON"
rm "$W/noimg/chess.json"
cv -q -p "$D" --no-image -d "$W/noimg" --skip-existing --report "$W/noimg2.jsonl" "$IN"
expect_rc 0
expect_eq "$(grep -c '"status":"skipped"' "$W/noimg2.jsonl")" 4
expect_eq "$(grep '"status":"ok"' "$W/noimg2.jsonl" | grep -c '"input":"'"$IN"'/chess.png"')" 1
expect_only_files "$W/noimg" fruits.json HOME.json baboon.json chess.json fake.json

t "--features-all: one line per image, each the per-image JSON"
cv -q -j 2 -p "$D" -d "$W/all" --features-all "$W/all.jsonl" "$IN"
expect_rc 0
expect_eq "$(wc -l <"$W/all.jsonl")" 5
same=0
for f in "$W"/all/*.json; do
  # the line whose input is this JSON's input, byte for byte (plus its newline)
  line=$(grep -F "$(head -c 200 "$f" | grep -o '"input":"[^"]*"')" "$W/all.jsonl")
  [ "$line" = "$(cat "$f")" ] && same=$((same + 1))
done
expect_eq "$same" 5
t "--features-all with --no-image and no JSON files; appended across runs"
cv -q -p "$D" --no-image --no-features -d "$W/none" --features-all "$W/all.jsonl" "$IN/fruits.jpg" "$IN/chess.png"
expect_rc 0
expect_no_file "$W/none"
expect_eq "$(wc -l <"$W/all.jsonl")" 7
python3 -c 'import json,sys
for l in open(sys.argv[1]): json.loads(l)' "$W/all.jsonl" && ok || ko "a --features-all line is not JSON"
t "--features-all - goes to stdout when no image does"
cv -q -p "$D" --no-image --no-features --features-all - "$IN/fruits.jpg"
expect_rc 0
expect_eq "$(wc -l <"$OUT")" 1
expect_eq "$(head -c 13 "$OUT")" '{"format":1,"'
cv -q -p "$D" -o - --features-all - "$IN/fruits.jpg"
expect_rc 2; expect_err "--features-all -: stdout already carries an output"
cv -q -p "$D" -d "$W/dir-as-file" --features-all "$W/in" "$IN/fruits.jpg"
expect_rc 2; expect_err "--features-all $W/in: is a directory"

t "-o and -d create missing directories alike"
cv -q -p "$D" -o "$W/new/a/b/out.png" --features "$W/new/c/out.json" "$IN/fruits.jpg"
expect_rc 0
expect_only_files "$W/new/a/b" out.png
expect_only_files "$W/new/c" out.json
cv -q -p grayscale -d "$W/new2/x/y" "$IN/chess.png"
expect_rc 0
expect_only_files "$W/new2/x/y" chess.png
# A failed output leaves no directory it made behind.
head -c 3000 "$SRC/samples/baboon.jpg" >"$W/broken.jpg"
cv -q -p grayscale -o "$W/new3/d/out.png" "$W/broken.jpg"
expect_rc 1
expect_no_file "$W/new3"

finish
