#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Batches that lose nothing (issue 13): outputs that are not regular files,
# signals, non-UTF-8 names, appended reports, durable outputs and leftovers,
# --max-features, walks that hide nothing, and the smaller defects.
# Device nodes and FIFOs are made in a temporary directory; nothing here
# touches /dev/null or any other system file.
# usage: reliability_test.sh CVAPP SRCDIR
set -u
CVAPP=$(realpath "$1") SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
W=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$W"' EXIT
cv() { run "$CVAPP" "$@"; }
S=$SRC/samples
G="grayscale"
cd "$W" || exit 1

# json_ok FILE: every line (or the whole file with -w) parses
json_lines_ok() { python3 -c 'import json,sys
for l in open(sys.argv[1],"rb"): json.loads(l)' "$1" && ok || ko "$1: a line is not JSON"; }
json_file_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1],"rb"))' "$1" && ok || ko "$1 is not JSON"; }
# jget FILE EXPR: python expression over d (the parsed JSON file)
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1],"rb")); print(eval(sys.argv[2]))' "$1" "$2"; }
no_temporaries() {
  local n
  n=$(find "$1" -name '.cvapp-tmp-*' | wc -l)
  [ "$n" -eq 0 ] && ok || ko "$n temporary files left in $1"
}

"$CVAPP" -q -p "$G" -o ref.png "$S/fruits.jpg"

# ---------------------------------------------------------------- item 1
t "an output that is a character device is written in place, never replaced"
if mknod dev c 1 3 2>/dev/null; then
  cv -q -p "$G" -f png -o dev "$S/fruits.jpg"
  expect_rc 0
  [ -c dev ] && ok || ko "dev is no longer a character device: $(ls -l dev)"
  cv -q -p "$G" -o dev "$S/fruits.jpg"   # no extension: PNG, as for stdout
  expect_rc 0
  [ -c dev ] && ok || ko "dev is no longer a character device"
  cv -q -p "orb nfeatures=5" -f png -o dev --features dev "$S/fruits.jpg"
  expect_rc 0
  [ -c dev ] && ok || ko "dev replaced by --features"
  cv -q -p "$G" -f png -o out.png --report dev "$S/fruits.jpg"
  expect_rc 0
  [ -c dev ] && ok || ko "dev replaced by --report"
  expect_only_files "$W" dev out.png ref.png
else
  skip "mknod needs root (device outputs untested)"
  touch dev out.png
fi

t "a FIFO output is written in place: the reader gets the whole image"
mkfifo fifo
timeout 20 cat fifo >from-fifo.png &
PIDS+=($!)
cv -q -p "$G" -o fifo "$S/fruits.jpg"
expect_rc 0
wait "${PIDS[-1]}"
[ -p fifo ] && ok || ko "fifo is no longer a FIFO"
cmp -s from-fifo.png ref.png && ok || ko "the FIFO's reader got other bytes"

t "a symlink to a device stays; a symlink to a regular file: its target is replaced"
if [ -c dev ]; then
  ln -s dev devlink
  cv -q -p "$G" -f png -o devlink "$S/fruits.jpg"
  expect_rc 0
  [ -L devlink ] && [ -c dev ] && ok || ko "devlink or dev replaced"
fi
echo old >target.png
ln -s target.png link.png
cv -q -p "$G" -o link.png "$S/fruits.jpg"
expect_rc 0
[ -L link.png ] && ok || ko "link.png is no longer a symlink"
cmp -s target.png ref.png && ok || ko "the link's target was not replaced"
ln -s missing.png dangling.png
cv -q -p "$G" -o dangling.png "$S/fruits.jpg"
expect_rc 1; expect_err "dangling.png is a dangling symbolic link"
[ -L dangling.png ] && ok || ko "dangling.png replaced"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' sock.png
cv -q -p "$G" -o sock.png "$S/fruits.jpg"
expect_rc 1; expect_err "sock.png is a socket"
[ -S sock.png ] && ok || ko "sock.png replaced"
rm -f dev devlink fifo from-fifo.png target.png link.png dangling.png sock.png out.png

# ---------------------------------------------------------------- item 2
# sig_stdin SIG CODE: cvapp waiting on stdin stops at the first signal
sig_stdin() {
  local t0 t1
  "$CVAPP" -o x.png - < <(sleep 20) 2>err &
  local p=$!
  sleep 0.4
  t0=$(date +%s%N)
  kill -"$1" $p
  wait $p
  RC=$?
  t1=$(date +%s%N)
  ERR=$(cat err)
  expect_rc "$2"
  [ $(((t1 - t0) / 1000000)) -lt 2000 ] && ok || ko "SIG$1 took $(((t1 - t0) / 1000000)) ms to stop a read from stdin"
  expect_err "cvapp: SIG$1: finishing 1 image in flight (-), starting no other; a second SIGINT or SIGTERM stops at once"
  [ "$(head -1 err)" = "cvapp: SIG$1: finishing 1 image in flight (-), starting no other; a second SIGINT or SIGTERM stops at once" ] && ok || ko "the first line is not the acknowledgement: $(head -1 err)"
  expect_no_file x.png
}
t "SIGINT stops a read from stdin"; sig_stdin INT 130
t "SIGTERM stops a read from stdin"; sig_stdin TERM 143

t "a second signal stops at once, leaving no temporary file"
mkdir -p slow
for i in $(seq 1 20); do ln -sf "$S/baboon.jpg" "slow/i$i.jpg"; done
"$CVAPP" -q -j 2 -p "resize scale=4 | bilateral d=15 | sift" -d slow-out slow 2>err &
p=$!
sleep 1
kill -INT $p
sleep 0.2
t0=$(date +%s%N)
kill -INT $p
wait $p
RC=$?
t1=$(date +%s%N)
ERR=$(cat err)
expect_rc 130
[ $(((t1 - t0) / 1000000)) -lt 1000 ] && ok || ko "the second SIGINT took $(((t1 - t0) / 1000000)) ms"
expect_err "cvapp: second signal: stopped at once"
no_temporaries .

t "a second signal removes the temporary files of the images in flight"
# strace holds each fsync for 3 s: the temporary files exist meanwhile.
mkdir -p held
if strace -o held/probe -e trace=fsync -e inject=fsync:delay_enter=1000 true 2>/dev/null; then
  strace -f -o held/trace -e trace=fsync -e inject=fsync:delay_enter=3000000 \
    "$CVAPP" -p "orb nfeatures=5" -o held/o.png --features held/o.json "$S/fruits.jpg" 2>held/err &
  tracer=$!
  n=0
  while [ "$(find held -name '.cvapp-tmp-*' | wc -l)" -lt 2 ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
  expect_eq "$(find held -name '.cvapp-tmp-*' | wc -l)" 2
  # strace's child (under user-mode emulation its command line is the
  # emulator's, not cvapp's).
  p=$(pgrep -P "$tracer")
  kill -INT "$p"
  sleep 0.3
  kill -INT "$p"
  wait
  ERR=$(cat held/err)
  expect_err "second signal: stopped at once; the temporary files of the images in flight were removed"
  expect_eq "$(find held -name '.cvapp-tmp-*' | wc -l)" 0
  expect_no_file held/o.png
else
  skip "strace cannot delay fsync here"
fi

t "lines on a shared stdout and stderr are whole"
mkdir -p mixed
for i in $(seq 1 60); do
  ln -sf "$S/home.jpg" "mixed/good$i.jpg"
  head -c 3000 "$S/baboon.jpg" >"mixed/bad$i.jpg"
done
"$CVAPP" -j 2 -p "$G" --no-features -d mixed-out mixed >log 2>&1
bad=$(grep -cvE '^(cvapp: [^ ]+/bad[0-9]+\.jpg: corrupt JPEG data.*|mixed/good[0-9]+\.jpg: 512x384x3 -> mixed-out/good[0-9]+\.jpg 512x384x1, 0 keypoints, [0-9.]+ ms|cvapp: 60 ok, 60 failed, 0 skipped in .*)$' log)
expect_eq "$bad" 0
expect_eq "$(wc -l <log)" 121

# ---------------------------------------------------------------- item 3
t "a name that is not UTF-8 reaches the features JSON and the report exactly"
mkdir -p latin
name=$(printf 'caf\xe9')
cp "$S/fruits.jpg" "latin/$name.jpg"
cv -q -p "orb nfeatures=3" -d latin-out --report latin.jsonl latin
expect_rc 0
expect_file "latin-out/$name.json"
json_file_ok "latin-out/$name.json"
expect_eq "$(jget "latin-out/$name.json" 'd["input"]')" "latin/caf"$'\xef\xbf\xbd'".jpg"
expect_eq "$(jget "latin-out/$name.json" 'd["input_bytes"]')" "$(printf 'latin/caf\xe9.jpg' | base64)"
expect_eq "$(grep -c '"status":"ok"' latin.jsonl)" 1
json_lines_ok latin.jsonl
grep -q "\"output_bytes\":\"$(printf 'latin-out/caf\xe9.jpg' | base64)\"" latin.jsonl && ok || ko "output_bytes: $(cat latin.jsonl)"
cv -q -p "$G" --no-features -d latin-nf --report latin-nf.jsonl latin
expect_rc 0
expect_eq "$(grep -c '"status":"ok"' latin-nf.jsonl)" 1

t "a report that cannot be written is an error"
mkdir -p ro
if mknod full c 1 7 2>/dev/null; then  # the "full" device (ENOSPC on every write), made here
  cv -q -p "$G" -o ro/full.png --report full "$S/fruits.jpg"
  expect_rc 1; expect_err "--report full: cannot write a row (/"
  expect_err "No space left on device"
  expect_file ro/full.png
  rm -f full
else
  skip "mknod needs root (unwritable report untested)"
fi

# ---------------------------------------------------------------- item 4
t "the report is appended: rows of every run, a run id, a time, a format"
mkdir -p two
cp "$S/fruits.jpg" "$S/home.jpg" two/
head -c 3000 "$S/baboon.jpg" >two/bad.jpg
cv -q -p "$G" -d two-out --report two.jsonl two
expect_rc 1
rm two-out/home.jpg
cv -q -p "$G" -d two-out --skip-existing --report two.jsonl two
expect_rc 1
json_lines_ok two.jsonl
expect_eq "$(wc -l <two.jsonl)" 6
expect_eq "$(grep -c '^{"format":1,"run":"[0-9a-f]\{16\}","time":"20[0-9-]\{8\}T[0-9:]\{8\}\.[0-9]\{3\}Z",' two.jsonl)" 6
expect_eq "$(grep -o '"run":"[0-9a-f]*"' two.jsonl | sort -u | wc -l)" 2
expect_eq "$(grep -c '"status":"error"' two.jsonl)" 2
grep -q '"input":"two/fruits.jpg","output":"two-out/fruits.jpg","status":"skipped","size":[0-9]*,"width":512,"height":480}' two.jsonl && ok || ko "skipped row: $(grep skipped two.jsonl)"
# the last row per input is its final state
final=$(python3 -c 'import json,sys
last={}
for l in open(sys.argv[1]): r=json.loads(l); last[r["input"]]=r["status"]
print(" ".join(k+"="+last[k] for k in sorted(last)))' two.jsonl)
expect_eq "$final" "two/bad.jpg=error two/fruits.jpg=skipped two/home.jpg=ok"

t "a row cut by a kill does not swallow the next run's first row"
printf '{"format":1,"run":"x","inp' >>two.jsonl
cv -q -p "$G" -d two-out --skip-existing --report two.jsonl two/fruits.jpg
expect_eq "$(tail -1 two.jsonl | grep -c '"status":"skipped"')" 1

t "--report - writes the rows to stdout; refused when stdout carries an output"
cv -q -p "$G" -d dash-out --report - "$S/fruits.jpg"
expect_rc 0; expect_out '"status":"ok"'
expect_no_file ./-
cv -q -p "$G" -o - --report - "$S/fruits.jpg"
expect_rc 2; expect_err "--report -: stdout already carries an output"

# ---------------------------------------------------------------- item 5
t "outputs and their directory are fsync'd, unless --no-fsync"
if strace -f -e trace=fsync -o /dev/stdout true >/dev/null 2>&1; then
  strace -f -e trace=fsync -o trace "$CVAPP" -q -p "$G" -o sync.png "$S/fruits.jpg" 2>/dev/null
  expect_eq "$(grep -c 'fsync(' trace)" 2
  strace -f -e trace=fsync -o trace "$CVAPP" -q -p "$G" --no-fsync -o sync.png "$S/fruits.jpg" 2>/dev/null
  expect_eq "$(grep -c 'fsync(' trace)" 0
else
  skip "strace cannot trace here"
fi

t "a killed run's temporary files are removed; a live writer's are kept; the walk skips them"
mkdir -p left left-out
cp "$S/fruits.jpg" left/
echo partial >left-out/.cvapp-tmp-abcdefghijkl
echo partial >left/.cvapp-tmp-000000000000
echo live >left-out/.cvapp-tmp-livelivelive
flock left-out/.cvapp-tmp-livelivelive sleep 30 &
PIDS+=($!)
sleep 0.2
cv -p "$G" -d left-out left
expect_rc 0
expect_err "removed 1 temporary file left by an interrupted run"
expect_no_file left-out/.cvapp-tmp-abcdefghijkl
expect_file left-out/.cvapp-tmp-livelivelive
expect_eq "$(grep -c 'cvapp-tmp' <<<"$ERR")" 0
kill "${PIDS[-1]}" 2>/dev/null

# A symlinked output is written beside its target (the target is replaced),
# so a killed run leaves its temporary there: the next run looks there too.
# Every output that can be a link: -o, --features, -d's outputs, the
# outputs beside the input.
t "a killed run's temporary files beside a symlinked output's target are removed"
mkdir -p lk/store lk/out lk/in
cp "$S/fruits.jpg" lk/in/a.jpg
cp "$S/fruits.jpg" lk/in/b.jpg
: >lk/store/o.png; : >lk/store/f.json; : >lk/store/d.png; : >lk/store/b.png
ln -s store/o.png lk/o.png
ln -s store/f.json lk/f.json
ln -s ../store/d.png lk/out/a.png
ln -s ../store/b.png lk/in/b.cvapp.png
for case in "o -o lk/o.png lk/in/a.jpg" "f -o lk/x.png --features lk/f.json lk/in/a.jpg" \
            "d -d lk/out -f png --no-features lk/in/a.jpg" "b --no-features lk/in/b.jpg"; do
  set -- $case
  tmp=lk/store/.cvapp-tmp-$1$1$1$1$1$1$1$1$1$1$1$1
  echo partial >"$tmp"
  shift
  run "$CVAPP" -p "$G | orb" "$@"
  expect_rc 0
  expect_err "removed 1 temporary file left by an interrupted run"
  expect_no_file "$tmp"
done
expect_eq "$(find lk -type l | wc -l)" 4
no_temporaries lk

t "a 252-byte output name works (the temporary name has a fixed length)"
long=$(printf 'a%.0s' $(seq 1 248))
cv -q -p "$G" -o "$long.png" "$S/fruits.jpg"
expect_rc 0; expect_file "$long.png"
rm -f "$long.png"

t "--skip-existing redoes an output that is not complete"
mkdir -p sk
cp "$S/fruits.jpg" "$S/home.jpg" "$S/chessboard.png" sk/
cv -q -p "orb nfeatures=5" -d sk-out sk
cp -r sk-out sk-ref
head -c 1000 sk-ref/fruits.jpg >sk-out/fruits.jpg
: >sk-out/home.json
head -c 100 sk-ref/chessboard.json >sk-out/chessboard.json
cv -q -p "orb nfeatures=5" -d sk-out --skip-existing --report sk.jsonl sk
expect_rc 0
expect_eq "$(grep -c '"status":"ok"' sk.jsonl)" 3
diff -r sk-out sk-ref >/dev/null && ok || ko "redone outputs differ"
cv -q -p "orb nfeatures=5" -d sk-out --skip-existing --report sk2.jsonl sk
expect_eq "$(grep -c '"status":"skipped"' sk2.jsonl)" 3

# ---------------------------------------------------------------- item 6
t "--max-features caps every detector and the JSON says so"
cv -q -p "harris threshold=0" --max-features 1000 -o mf.png --features mf.json "$S/fruits.jpg"
expect_rc 0
json_file_ok mf.json
expect_eq "$(jget mf.json 'len(d["keypoints"]), d["truncated"], d["max_features"], d["counts"]["harris"], d["detectors"][0]["count"], d["detectors"][0]["truncated"], d["detectors"][0]["found"] > 1000')" "(1000, True, 1000, 1000, 1000, True, True)"
# the 1000 kept are the strongest
cv -q -p "harris threshold=0" --max-features 0 -o mf0.png --features mf0.json "$S/fruits.jpg"
expect_eq "$(python3 -c 'import json,sys
a=json.load(open("mf.json")); b=json.load(open("mf0.json"))
r=sorted((k["response"] for k in b["keypoints"]), reverse=True)[999]
print(min(k["response"] for k in a["keypoints"]) >= r, "truncated" in b)')" "True False"
cv -q -p "canny | contours method=none mode=tree" --max-features 6 -o mf.png --features mfc.json "$S/chessboard.png"
expect_eq "$(jget mfc.json 'len(d["contours"]), d["detectors"][0]["found"], [c["parent"] for c in d["contours"]]')" "(6, 36, [-1, 0, 0, 0, -1, 4])"
cv -p "$G" --max-features -1 -o mf.png "$S/fruits.jpg"
expect_rc 2; expect_err "--max-features: '-1' is not a whole number"

# ---------------------------------------------------------------- item 7
t "walked files that are not JPEG/PNG are counted and reported, exit 0"
mkdir -p walk/out
cp "$S/fruits.jpg" walk/
: >walk/empty.jpg
head -c 100 /dev/urandom >walk/pic.webp
ln -s nowhere.jpg walk/dangling.jpg
cv -r -p "$G" -d walk/out --report walk.jsonl walk
expect_rc 0
expect_err "1 ok, 0 failed, 0 skipped, 3 ignored in"
expect_eq "$(grep -c '"status":"ignored"' walk.jsonl)" 3
grep -q '"input":"walk/empty.jpg","status":"ignored","reason":"empty file"' walk.jsonl && ok || ko "empty row"
grep -q '"input":"walk/dangling.jpg","status":"ignored","reason":"dangling symbolic link"' walk.jsonl && ok || ko "dangling row"
grep -q '"input":"walk/pic.webp","status":"ignored","reason":"not a JPEG or PNG"' walk.jsonl && ok || ko "webp row"
t "an output directory inside the walked tree is never walked"
cv -q -r -p "$G" -d walk/out walk
expect_rc 0
expect_no_file walk/out/out
expect_eq "$(find walk/out -name '*.jpg' | wc -l)" 1

# ---------------------------------------------------------------- item 8
t "smaller defects: usage errors are refused with exit 2"
cv -p "$G" -o x.png --report "" "$S/fruits.jpg"
expect_rc 2; expect_err "--report: the file name is empty"
cv -p "$G" -d fd-out --features f.json "$S/fruits.jpg"
expect_rc 2; expect_err "--features names one file and -d writes each input's JSON beside its image"
cv -p "$G" -p "flip" -o x.png "$S/fruits.jpg"
expect_rc 2; expect_err "-p given twice"
cv -p "$G" -o some/dir/ "$S/fruits.jpg"
expect_rc 2; expect_err "output some/dir/ is a directory; use -d some/dir/"
mkdir -p isdir.png
cv -p "$G" -o isdir.png "$S/fruits.jpg"
expect_rc 1; expect_err "output isdir.png is a directory (use -d isdir.png"

t "when every input failed: no images/s, no empty output directories"
mkdir -p allbad/sub
head -c 3000 "$S/baboon.jpg" >allbad/sub/a.jpg
head -c 3000 "$S/baboon.jpg" >allbad/sub/b.jpg
cv -r -p "$G" -d allbad-out allbad
expect_rc 1
[[ "$ERR" != *"images/s"* ]] && ok || ko "a rate when nothing succeeded: $ERR"
expect_no_file allbad-out/sub
expect_no_file allbad-out

# Every kind of file that is no place to write (a socket, a character or
# block device without a driver, a directory) at every output option: one
# line naming it, exit 2 for the run's own files (--report,
# --features-all), exit 1 for an input's outputs (-o, --features, -d);
# never a wait (only a FIFO without a reader is waited for).
t "no place to write: one line and an exit status, never a hang"
mkdir -p kinds
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' kinds/sock
mkdir -p kinds/dir
kinds=(sock dir)
# major 240 ("local/experimental use") has no driver: open() gives ENXIO
if mknod kinds/chr c 240 0 2>/dev/null && mknod kinds/blk b 240 0 2>/dev/null; then
  kinds+=(chr blk)
else
  skip "mknod needs root (devices without a driver untested)"
fi
for k in "${kinds[@]}"; do
  for opt in --report --features-all -o --features -d; do
    case $opt in
      --report | --features-all) args=("$opt" "kinds/$k" -o ok.png) want=2 ;;
      -o) args=(-f png -o "kinds/$k") want=1 ;;
      --features) args=(-o ok.png --features "kinds/$k") want=1 ;;
      -d) args=(-d "kinds/$k") want=1 ;;
    esac
    [ "$k" = dir ] && [ "$opt" = -d ] && continue   # a directory is -d's place
    run timeout 20 "$CVAPP" -q -p "$G | orb" "${args[@]}" "$S/fruits.jpg"
    t "no place to write: $opt on a $k"
    expect_rc "$want"; expect_err "kinds/$k"; expect_err_lines 1
  done
done
no_temporaries kinds

t "umask is respected without changing it (no umask(0) window)"
(umask 027 && "$CVAPP" -q -p "$G" -o um.png "$S/fruits.jpg")
expect_eq "$(stat -c %a um.png)" 640
if strace -f -e trace=umask -o trace "$CVAPP" -q -p "$G" -o um2.png "$S/fruits.jpg" 2>/dev/null; then
  expect_eq "$(grep -c 'umask(' trace)" 0
fi

finish
