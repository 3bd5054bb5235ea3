#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Batch mode: directories, -d/--name, report, -j, resume, shards, signals, memory.
# usage: batch_test.sh CVAPP SRCDIR
set -u
CVAPP=$1 SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cv() { run "$CVAPP" "$@"; }
P="grayscale | gaussian ksize=5 sigma=1.5 | orb nfeatures=200 | canny"

# A tree of inputs: good images in two levels, broken ones mixed in, and
# files that are not images at all (skipped by the directory walk).
IN=$W/in
mkdir -p "$IN/sub/deeper"
cp "$SRC"/samples/fruits.jpg "$SRC"/samples/home.jpg "$IN/"
cp "$SRC"/samples/baboon.jpg "$SRC"/samples/chessboard.png "$IN/sub/"
cp "$SRC"/samples/building.jpg "$IN/sub/deeper/"
head -c 5000 "$SRC/samples/baboon.jpg" >"$IN/sub/broken.jpg"
{ printf '\x89PNG\r\n\x1a\n'; head -c 300 /dev/urandom; } >"$IN/garbage.png"
echo "notes" >"$IN/readme.txt"
echo "x" >"$IN/.hidden.jpg"

# outputs DIR: the image outputs under DIR, relative, sorted
outputs() { (cd "$1" && find . -type f \( -name '*.png' -o -name '*.jpg' \) | sed 's|^\./||' | sort); }
decodes_all() {
  local f bad=0
  while read -r f; do
    "$CVAPP" -q -p "orb nfeatures=1" -o - "$1/$f" >/dev/null 2>&1 || { bad=1; ko "output $f does not decode"; }
  done < <(outputs "$1")
  [ $bad -eq 0 ] && ok
}
no_temporaries() {
  local n
  n=$(find "$1" -name '.*' -type f | wc -l)
  [ "$n" -eq 0 ] && ok || ko "$n temporary files left in $1"
}

t "recursive batch with broken files: exit 1, report rows, good outputs decode"
cv -q -r -j 2 -p "$P" -d "$W/out" --report "$W/rep.jsonl" "$IN"
expect_rc 1
expect_err "cvapp: $IN/sub/broken.jpg: corrupt JPEG data"
expect_err "cvapp: $IN/garbage.png: corrupt PNG"
expect_eq "$(outputs "$W/out" | tr '\n' ' ')" "fruits.jpg home.jpg sub/baboon.jpg sub/chessboard.png sub/deeper/building.jpg "
expect_eq "$(find "$W/out" -name '*.json' | wc -l)" 5
decodes_all "$W/out"
no_temporaries "$W/out"
expect_eq "$(wc -l <"$W/rep.jsonl")" 8
expect_eq "$(grep -c '"status":"ok"' "$W/rep.jsonl")" 5
expect_eq "$(grep -c '"status":"error"' "$W/rep.jsonl")" 2
grep -q '"input":"'"$IN"'/readme.txt","status":"ignored","reason":"not a JPEG or PNG"' "$W/rep.jsonl" && ok || ko "ignored row"

grep -q '"input":"'"$IN"'/sub/broken.jpg","output":"'"$W"'/out/sub/broken.jpg","status":"error","error":"corrupt JPEG data' "$W/rep.jsonl" && ok || ko "error row"
grep -q '"input":"'"$IN"'/fruits.jpg","output":"'"$W"'/out/fruits.jpg","status":"ok","width":512,"height":480,"keypoints":200,"counts":{"orb":200},"features":"'"$W"'/out/fruits.json","stages":{"read":[0-9.e-]*,"decode":[0-9.e-]*,"steps":\[0.0,[0-9.e-]*,[0-9.e-]*,[0-9.e-]*\],"encode":[0-9.e-]*,"write":[0-9.e-]*},"ms":' "$W/rep.jsonl" && ok || ko "ok row: $(grep fruits "$W/rep.jsonl")"

t "without -r only the top directory"
cv -q -p grayscale -d "$W/top" "$IN"
expect_rc 1
expect_eq "$(outputs "$W/top" | tr '\n' ' ')" "fruits.jpg home.jpg "

t "-j 2 gives exactly the -j 1 results"
cv -q -r -j 1 -p "$P" -d "$W/serial" "$IN"
expect_rc 1
if diff -r "$W/out" "$W/serial" >/dev/null; then ok; else ko "-j 2 and -j 1 outputs differ"; fi

t "--skip-existing resumes"
rm "$W/out/home.jpg" "$W/out/sub/baboon.json"
cv -q -r -p "$P" -d "$W/out" --skip-existing --report "$W/resume.jsonl" "$IN"
expect_rc 1
expect_eq "$(grep -c '"status":"skipped"' "$W/resume.jsonl")" 3
expect_eq "$(grep '"status":"ok"' "$W/resume.jsonl" | grep -o '"input":"[^"]*"' | sort | tr '\n' ' ')" "\"input\":\"$IN/home.jpg\" \"input\":\"$IN/sub/baboon.jpg\" "
if diff -r "$W/out" "$W/serial" >/dev/null; then ok; else ko "resumed outputs differ"; fi

t "--name templates and --format"
cv -q -r -p grayscale -d "$W/named" --name "{index:03}-{stem}.{ext}" -f jpg --no-features "$IN/sub"
expect_rc 1
expect_eq "$(outputs "$W/named" | tr '\n' ' ')" "000-baboon.jpg 002-chessboard.jpg 003-building.jpg "
expect_eq "$(find "$W/named" -name '*.json' | wc -l)" 0
expect_magic "$W/named/002-chessboard.jpg" jpg
cv -p grayscale -d "$W/x" --name "{size}" "$IN/fruits.jpg"
expect_rc 2; expect_err "--name: unknown field '{size}'"
t "--name: only a whole '..' component climbs out of -d; two dots inside a name are a name"
# Every place a ".." component can stand (first, inside, last, alone) is
# refused; two or more dots inside a file name, a directory name or the
# template's own text are kept as written.
for n in "../{stem}" "a/../{stem}" "{stem}/.." ".." "{dir}../{stem}"; do
  cv -p grayscale -d "$W/x" --name "$n" "$IN/fruits.jpg"
  expect_rc 2; expect_err "not a relative file name"; expect_err_lines 1
done
expect_no_file "$W/x"
mkdir -p "$W/dots/v1..v2"
cp "$SRC/samples/fruits.jpg" "$W/dots/photo..jpg"
cp "$SRC/samples/home.jpg" "$W/dots/v1..v2/a...jpg"
cv -q -r -p grayscale --no-features -d "$W/dots-out" "$W/dots"
expect_rc 0
expect_eq "$(cd "$W/dots-out" && find . -type f | LC_ALL=C sort | tr '\n' ' ')" "./photo..jpg ./v1..v2/a...jpg "
cv -q -r -p grayscale --no-features -d "$W/dots-named" --name "{dir}{stem}..{index}" -f png "$W/dots"
expect_rc 0
expect_eq "$(cd "$W/dots-named" && find . -type f | LC_ALL=C sort | tr '\n' ' ')" "./photo...0.png ./v1..v2/a....1.png "

t "two inputs mapping to one output: error before any work"
mkdir -p "$W/clash"
cp "$SRC/samples/fruits.jpg" "$W/clash/a.jpg"
cp "$SRC/samples/chessboard.png" "$W/clash/a.png"
cv -q -p grayscale -f png -d "$W/clash-out" "$W/clash"
expect_rc 2; expect_err "inputs $W/clash/a.jpg and $W/clash/a.png would both write $W/clash-out/a."
expect_no_file "$W/clash-out"
# the JSON files clash too, whichever pair is found first: the same hint
cv -q -p "grayscale | orb" -d "$W/clash-out" --name "{stem}.png" "$W/clash"
expect_rc 2; expect_err "inputs $W/clash/a.jpg and $W/clash/a.png would both write $W/clash-out/a."
expect_err "(use --name with {ext} or {index})"; expect_no_file "$W/clash-out"
cv -q -p grayscale -f png -d "$W/clash-out" --name "{stem}-{ext}" "$W/clash"
expect_rc 0; expect_file "$W/clash-out/a-jpg.png"; expect_file "$W/clash-out/a-png.png"

t "shards partition the inputs exactly, whatever the argument order"
mkdir -p "$W/many"
for i in $(seq 1 24); do cp "$SRC/samples/home.jpg" "$W/many/img$i.jpg"; done
all=""
for s in 0 1 2; do
  cv -q -p grayscale --no-features -d "$W/shard$s" --shard "$s/3" "$W/many"
  expect_rc 0
  all="$all$(outputs "$W/shard$s")"$'\n'
done
expect_eq "$(echo "$all" | grep -c .)" 24
expect_eq "$(echo "$all" | grep . | sort | uniq -d | wc -l)" 0
rev=$(ls "$W"/many/*.jpg | sort -r)
# shellcheck disable=SC2086
cv -q -p grayscale --no-features -d "$W/shard1r" --shard 1/3 $rev
expect_eq "$(outputs "$W/shard1r")" "$(outputs "$W/shard1")"
JOB_COMPLETION_INDEX=2 run "$CVAPP" -q -p grayscale --no-features -d "$W/shard2a" --shard auto/3 "$W/many"
expect_eq "$(outputs "$W/shard2a")" "$(outputs "$W/shard2")"
cv -p grayscale --shard auto/3 "$W/many"
expect_rc 2; expect_err "JOB_COMPLETION_INDEX is not set"
cv -p grayscale --shard 3/3 "$W/many"
expect_rc 2; expect_err "index 3 is not below the shard count 3"

t "--fail-fast stops at the first failure"
mkdir -p "$W/ff"
cp "$IN/sub/broken.jpg" "$W/ff/a.jpg"
for i in 1 2 3 4; do cp "$SRC/samples/home.jpg" "$W/ff/b$i.jpg"; done
cv -p grayscale -j 1 --fail-fast -d "$W/ff-out" "$W/ff"
expect_rc 1; expect_err "stopped at the first failure (--fail-fast); 4 inputs not started"

t "--progress and the summary line; -q prints only errors"
cv --progress -p grayscale --no-features -j 2 -d "$W/prog" "$W/many"
expect_rc 0
expect_err "24/24  "
expect_err "img/s  ETA"
expect_err "cvapp: 24 ok, 0 failed, 0 skipped in "
expect_eq "$(wc -c <"$OUT")" 0
cv -p grayscale --no-features -d "$W/prog2" "$W/many"
expect_eq "$(wc -l <"$OUT")" 24
cv -q -p grayscale --no-features -d "$W/prog3" "$W/many" "$IN/sub/broken.jpg"
expect_rc 1
expect_err_lines 1
expect_eq "$(wc -c <"$OUT")" 0

t "workers default to the CPUs this process may use"
if command -v taskset >/dev/null; then
  run taskset -c 0 "$CVAPP" -p grayscale --no-features -d "$W/cpu1" "$W/many"
  expect_err "1 worker)"
fi
cv -p grayscale --no-features -j 3 -d "$W/cpu3" "$W/many"
expect_err "3 workers)"

# signal SIG CODE: interrupt a long batch; no partial files; report rows match outputs
signal_test() {
  local sig=$1 code=$2 d=$W/sig-$1
  mkdir -p "$d/in"
  for i in $(seq 1 300); do ln -s "$SRC/samples/baboon.jpg" "$d/in/i$i.jpg"; done
  "$CVAPP" -q -j 2 -p "$P" -d "$d/out" --report "$d/rep.jsonl" "$d/in" 2>"$d/err" &
  local pid=$! n=0
  while [ "$(find "$d/out" -name '*.jpg' 2>/dev/null | wc -l)" -lt 5 ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
  kill -"$sig" $pid
  wait $pid
  RC=$?
  ERR=$(cat "$d/err")
  expect_rc "$code"
  expect_err "interrupted by SIG$sig"
  local made rows
  made=$(outputs "$d/out" | wc -l)
  rows=$(grep -c '"status":"ok"' "$d/rep.jsonl")
  [ "$made" -gt 0 ] && [ "$made" -lt 300 ] && ok || ko "$made outputs after SIG$sig"
  expect_eq "$rows" "$made"
  no_temporaries "$d/out"
  decodes_all "$d/out"
}
t "SIGINT mid-batch"; signal_test INT 130
t "SIGTERM mid-batch"; signal_test TERM 143

t "the Compose and Kubernetes examples' arguments run a partitioned batch"
mkdir -p "$W/data/in/a"
for i in $(seq 1 9); do cp "$SRC/samples/home.jpg" "$W/data/in/a/p$i.jpg"; done
while read -r line; do
  mapfile -t args < <(sed 's/^ *command: //' <<<"$line" | tr -d '[]' | tr ',' '\n' | sed 's/^ *"//; s/"$//' | sed "s|/data|$W/data|g")
  cv -q "${args[@]}"
  expect_rc 0
done < <(grep 'command: \[' "$SRC/docker/compose.yaml")
expect_eq "$(outputs "$W/data/out" | wc -l)" 9
expect_eq "$(cat "$W"/data/out/reports/*.jsonl | grep -c '"status":"ok"')" 9
# A retried shard resumes and appends: the first rows stay.
while read -r line; do
  mapfile -t args < <(sed 's/^ *command: //' <<<"$line" | tr -d '[]' | tr ',' '\n' | sed 's/^ *"//; s/"$//' | sed "s|/data|$W/data|g")
  cv -q "${args[@]}"
  expect_rc 0
done < <(grep 'command: \[' "$SRC/docker/compose.yaml")
expect_eq "$(cat "$W"/data/out/reports/*.jsonl | grep -c '"status":"ok"')" 9
expect_eq "$(cat "$W"/data/out/reports/*.jsonl | grep -c '"status":"skipped"')" 9
mapfile -t kargs < <(sed -n '/^ *args:/,/^ *resources:/p' "$SRC/docker/k8s-indexed-job.yaml" | sed -n 's/^ *- "\(.*\)"$/\1/p' | sed "s|/data|$W/data|g; s|/out|/k8s|g")
for idx in 0 1 2 3; do
  JOB_COMPLETION_INDEX=$idx run "$CVAPP" -q "${kargs[@]//\$(JOB_COMPLETION_INDEX)/$idx}"
  expect_rc 0
done
expect_eq "$(outputs "$W/data/k8s" | wc -l)" 9
expect_eq "$(ls "$W"/data/k8s/reports/*.jsonl | wc -l)" 4

t "peak memory is flat in the batch size"
if ldd "$CVAPP" | grep -q libasan; then
  echo "peak memory: not measured under AddressSanitizer (its quarantine holds freed memory)"
elif [ -x /usr/bin/time ]; then
  mkdir -p "$W/rss4" "$W/rss64"
  for i in $(seq 1 4); do ln -s "$SRC/samples/baboon.jpg" "$W/rss4/i$i.jpg"; done
  for i in $(seq 1 64); do ln -s "$SRC/samples/baboon.jpg" "$W/rss64/i$i.jpg"; done
  /usr/bin/time -o "$W/t4" -f %M "$CVAPP" -q -j 2 -p "$P" -d "$W/rss4o" "$W/rss4" 2>/dev/null
  /usr/bin/time -o "$W/t64" -f %M "$CVAPP" -q -j 2 -p "$P" -d "$W/rss64o" "$W/rss64" 2>/dev/null
  small=$(tail -1 "$W/t4") large=$(tail -1 "$W/t64")
  # 16x the images; allow 25% + 8 MB of noise.
  if [ "$large" -le $((small * 5 / 4 + 8192)) ]; then ok; else ko "peak RSS $small KB for 4 images, $large KB for 64"; fi
  echo "peak RSS: 4 images $small KB, 64 images $large KB"
else
  ko "/usr/bin/time missing (docker/install-deps.sh --test installs it)"
fi

finish
