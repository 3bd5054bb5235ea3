#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CLI tests: exit codes, messages, outputs, no partial files.
# usage: cli_test.sh CVAPP SRCDIR [--valgrind]
set -u
CVAPP=$1 SRC=$2 MODE=${3:-}
. "$SRC/tests/lib.sh"
WRAP=()
if [ "$MODE" = "--valgrind" ]; then
  command -v valgrind >/dev/null || { echo "valgrind is not installed (docker/install-deps.sh installs it)"; exit 1; }
  WRAP=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
        --errors-for-leak-kinds=definite --track-fds=no)
fi
cv() { run "${WRAP[@]}" "$CVAPP" "$@"; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cp "$SRC/samples/fruits.jpg" "$SRC/samples/chessboard.png" "$W/"

t "version"
cv --version
expect_rc 0; expect_out "cvapp "; expect_out "OpenCV 4."; expect_out "libjpeg-turbo "; expect_out "libpng 1."

t "help"
cv --help
expect_rc 0; expect_out "Usage: cvapp"; expect_out "Exit status"

t "list-ops names every op"
cv --list-ops
expect_rc 0
for op in grayscale gaussian canny orb; do expect_out "$op ("; done
expect_out "ksize"

t "default pipeline writes image and JSON beside the input"
cv "$W/fruits.jpg"
expect_rc 0
expect_magic "$W/fruits.cvapp.png" png
expect_file "$W/fruits.cvapp.json"
expect_out "$W/fruits.jpg: 512x480x3 -> $W/fruits.cvapp.png 512x480x1, 500 keypoints"
grep -q '"counts":{"orb":500}' "$W/fruits.cvapp.json" && ok || ko "JSON lacks the ORB count"
grep -q '"input":"'"$W"'/fruits.jpg","width":512,"height":480,"channels":3' "$W/fruits.cvapp.json" && ok || ko "JSON header"
expect_only_files "$W" fruits.jpg chessboard.png fruits.cvapp.png fruits.cvapp.json
rm -f "$W"/*.cvapp.*

t "-o with a JPEG name writes JPEG; --quality"
cv -q -p "grayscale" -o "$W/g.jpg" --quality 80 "$W/fruits.jpg"
expect_rc 0; expect_magic "$W/g.jpg" jpg; expect_eq "$(wc -c <"$OUT")" 0
rm -f "$W/g.jpg"

t "-o - writes PNG to stdout; summary goes to stderr"
cv -p "canny" -o - "$W/chessboard.png"
expect_rc 0; expect_magic "$OUT" png; expect_err "chessboard.png: "

t "stdin to stdout, -f jpg"
run "${WRAP[@]}" "$CVAPP" -q -p "gaussian ksize=3" -f jpg -o - - <"$W/fruits.jpg"
expect_rc 0; expect_magic "$OUT" jpg

t "--features to stdout"
cv -q -p "orb nfeatures=10" -o "$W/o.png" --features - "$W/fruits.jpg"
expect_rc 0; expect_out '"counts":{"orb":10}'
rm -f "$W/o.png"

t "pipeline file with comments"
printf '# edges\ngrayscale\ngaussian ksize=5 sigma=1.5  # blur\ncanny low=10 high=30\n' >"$W/p.txt"
cv -q -p "@$W/p.txt" -o "$W/p.png" "$W/fruits.jpg"
expect_rc 0; expect_magic "$W/p.png" png
rm -f "$W/p.png" "$W/p.txt"

t "pipeline errors exit 2 before any input is read"
cv -p "gaussian ksize=4" "$W/does-not-exist.jpg"
expect_rc 2; expect_err "cvapp: pipeline step 1 (gaussian): ksize=4 must be odd"; expect_err_lines 1
cv -p "grayscale | blurr" "$W/fruits.jpg"
expect_rc 2; expect_err "unknown op 'blurr'"
cv -p "@$W/nope.txt" "$W/fruits.jpg"
expect_rc 2; expect_err "pipeline file $W/nope.txt: cannot open"

t "usage errors exit 2"
cv --frobnicate "$W/fruits.jpg"
expect_rc 2; expect_err "unknown option '--frobnicate'"
cv -p
expect_rc 2; expect_err "option -p needs a value"
cv --quality 0 "$W/fruits.jpg"
expect_rc 2; expect_err "--quality: '0' is not a whole number from 1 to 100"

# A refused option is named as written, wherever it sits: every option of
# --help, long and short, with a value it does not take or without the one
# it needs, alone or last in a group of short options; an unknown short
# option first, inside and last in a group, after a long option.
# refused WANT ARGS...: exit 2, one line, WANT in it
refused() {
  local want=$1
  shift
  cv "$@"
  t "usage errors name the option as written: $*"
  expect_rc 2; expect_err "$want"; expect_err_lines 1
}
for g in -Z -Zq -qZ -qZq "--quiet -Zq" "--name={stem}.png -qZ" "-q -Z"; do
  # shellcheck disable=SC2086  # the words of g are the arguments
  refused "cvapp: unknown option '-Z' (see --help)" $g "$W/fruits.jpg"
done
refused "cvapp: unknown option '--frobnicate'" --frobnicate=1 "$W/fruits.jpg"
n_opts=0
while read -r short long value; do
  n_opts=$((n_opts + 1))
  if [ "$value" = - ]; then
    refused "cvapp: option $long takes no value (in '$long=1')" "$long=1" "$W/fruits.jpg"
  else
    # last on the line: nothing after it to take
    refused "cvapp: option $long needs a value" "$long"
    [ "$short" = - ] || refused "cvapp: option $short needs a value" "-q${short#-}"
  fi
done < <("$CVAPP" --help | sed -n 's/^ \{2,6\}\(-[a-z]\)\{0,1\}\(, \)\{0,1\}\(--[a-z-]*\)\( [A-Z/]*\)\{0,1\}.*/\1 \3 \4/p' |
  awk '{ if (NF == 3) print $1, $2, $3; else if (NF == 2 && $1 ~ /^--/) print "-", $1, $2;
         else if (NF == 2) print $1, $2, "-"; else print "-", $1, "-" }')
t "every option of --help was tried"
[ "$n_opts" -ge 30 ] && ok || ko "only $n_opts options read from --help"
cv
expect_rc 2; expect_err "no input given"
cv -o "$W/a.png" "$W/fruits.jpg" "$W/chessboard.png"
expect_rc 2; expect_err "-o takes one input, 2 were given"
cv -o "$W/a.tiff" "$W/fruits.jpg"
expect_rc 2; expect_err "unknown image extension"
expect_only_files "$W" fruits.jpg chessboard.png

t "input errors exit 1, name the input, leave no output"
cv "$W/missing.jpg"
expect_rc 1; expect_err "cvapp: $W/missing.jpg: cannot open: No such file or directory"; expect_err_lines 1
head -c 3000 "$W/fruits.jpg" >"$W/trunc.jpg"
cv -o "$W/t.png" "$W/trunc.jpg"
expect_rc 1; expect_err "cvapp: $W/trunc.jpg: corrupt JPEG data"; expect_no_file "$W/t.png"
echo "just text" >"$W/text.png"
cv "$W/text.png"
expect_rc 1; expect_err "cvapp: $W/text.png: not a JPEG or PNG file"
mkfifo "$W/fifo.jpg"
cv "$W/fifo.jpg"
expect_rc 1; expect_err "cvapp: $W/fifo.jpg: not a regular file (a FIFO)"
rm -f "$W/fifo.jpg"
cv --max-pixels 1000 -o "$W/m.png" "$W/fruits.jpg"
expect_rc 1; expect_err "over --max-pixels 1000"
expect_only_files "$W" fruits.jpg chessboard.png trunc.jpg text.png

# Two outputs of one run that are one file, or an output that is an input,
# are refused before anything is read or written (exit 2, one line): every
# pair of the four outputs (image, features JSON, --report,
# --features-all), by the same name, through a symbolic link, as hard links
# to one inode, and through a directory reached two ways; across inputs; and
# an output that is an input by each of those ways. The files are unchanged.
C=$W/claims
mkdir -p "$C/real"
ln -s real "$C/alias"
# refused_claim WANT ARGS...: exit 2, one line with WANT, nothing written in C
refused_claim() {
  local want=$1 before
  shift
  before=$(cd "$C" && find . | LC_ALL=C sort | xargs -d '\n' md5sum 2>/dev/null)
  cv -p "grayscale | orb" "$@"
  t "outputs that are one file are refused: $*"
  expect_rc 2; expect_err "$want"; expect_err_lines 1
  expect_eq "$(cd "$C" && find . | LC_ALL=C sort | xargs -d '\n' md5sum 2>/dev/null)" "$before"
}
opt_of() { case $1 in image) echo -o ;; json) echo --features ;; report) echo --report ;; all) echo --features-all ;; esac; }
roles=(image json report all)
for i in 0 1 2 3; do
  for j in $(seq $((i + 1)) 3); do
    a=${roles[$i]} b=${roles[$j]}
    rm -f "$C/real/"*
    for way in name symlink hardlink dir; do
      p=$C/real/x.png q=$C/real/x.png
      case $way in
        symlink) q=$C/real/y.png; : >"$p"; ln -sf x.png "$q" ;;
        hardlink) q=$C/real/y.png; : >"$p"; ln -f "$p" "$q" ;;
        dir) q=$C/alias/x.png ;;
      esac
      refused_claim "would be one file" "$(opt_of "$a")" "$p" "$(opt_of "$b")" "$q" "$W/fruits.jpg"
      rm -f "$C/real/"*
    done
  done
done
# Across inputs: b's image is a link to a's (left by an earlier run).
mkdir -p "$C/in" "$C/out"
cp "$W/fruits.jpg" "$C/in/a.jpg"
cp "$W/fruits.jpg" "$C/in/b.jpg"
: >"$C/out/a.jpg"
ln -s a.jpg "$C/out/b.jpg"
refused_claim "the image of $C/in/a.jpg ($C/out/a.jpg) and the image of $C/in/b.jpg ($C/out/b.jpg) would be one file (a link" \
  --no-features -d "$C/out" "$C/in/a.jpg" "$C/in/b.jpg"
# An output that is an input: by name, link, hard link; beside the input
# (a.jpg writes a.cvapp.png, given as an input too); a report.
cp "$W/chessboard.png" "$C/same.png"
ln -s same.png "$C/same-link.png"
ln -f "$C/same.png" "$C/same-hard.png"
for o in same.png same-link.png same-hard.png; do
  refused_claim "the image of $C/same.png ($C/$o) is also input $C/same.png of this run; refusing to overwrite it" \
    -o "$C/$o" "$C/same.png"
done
cp "$W/chessboard.png" "$C/in/a.cvapp.png"
refused_claim "the image of $C/in/a.jpg ($C/in/a.cvapp.png) is also input $C/in/a.cvapp.png of this run" \
  "$C/in/a.jpg" "$C/in/a.cvapp.png"
refused_claim "--report $C/in/b.jpg is also input $C/in/b.jpg of this run" --report "$C/in/b.jpg" "$C/in/a.jpg" "$C/in/b.jpg"

t "one bad input among good ones: exit 1, the good ones written"
cv -q "$W/fruits.jpg" "$W/trunc.jpg" "$W/chessboard.png"
expect_rc 1
expect_file "$W/fruits.cvapp.png"; expect_file "$W/chessboard.cvapp.png"; expect_no_file "$W/trunc.cvapp.png"
expect_no_file "$W/trunc.cvapp.json"

t "-o creates a missing directory, as -d does"
cv -q -p grayscale -o "$W/nodir/x.png" "$W/fruits.jpg"
expect_rc 0; expect_magic "$W/nodir/x.png" png

finish
