#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# help_test.sh CVAPP SRCDIR - help for one op, suggestions, --help examples,
# line numbers of @FILE pipeline errors, and draw refused after a step that
# moves pixels.
set -u
CVAPP=$1 SRC=$2
. "$SRC/tests/lib.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

t "--list-ops OP shows that op only, with an example"
run "$CVAPP" --list-ops resize
expect_rc 0
expect_out "resize (filter)"
expect_out "    fit              choice default fill     fill|inside|cover"
expect_out "Example:"
expect_out "cvapp -p 'resize width=800' photo.jpg -o out.png"
n=$(grep -c ' (filter)\| (detector)' "$OUT")
expect_eq "$n" 1

t "help OP is the same as --list-ops OP"
"$CVAPP" --list-ops crop >"$W/a.txt"
run "$CVAPP" help crop
expect_rc 0
cmp -s "$W/a.txt" "$OUT" && ok || ko "help crop differs from --list-ops crop"
expect_out "Example:"
expect_out "crop gravity=center width=50% height=50%"

t "a detector's example writes its features"
run "$CVAPP" help orb
expect_rc 0
expect_out "cvapp -p 'orb' photo.jpg -o out.png --features out.json"

t "help for an unknown op exits 2 with a suggestion"
run "$CVAPP" help gausian
expect_rc 2
expect_err "cvapp: unknown op 'gausian' (did you mean 'gaussian'?)"
expect_err_lines 1
run "$CVAPP" --list-ops frobnicate
expect_rc 2
expect_err "cvapp: unknown op 'frobnicate' (see --list-ops)"
[ -s "$OUT" ] && ko "stdout not empty" || ok

t "op names in capitals get a suggestion"
run "$CVAPP" -p GAUSSIAN "$SRC/samples/baboon.jpg"
expect_rc 2
expect_err "cvapp: pipeline step 1: unknown op 'GAUSSIAN' (did you mean 'gaussian'?)"
run "$CVAPP" -p 'grayscale | Resize width=10' "$SRC/samples/baboon.jpg"
expect_rc 2
expect_err "pipeline step 2: unknown op 'Resize' (did you mean 'resize'?)"
run "$CVAPP" help CANNY
expect_rc 2
expect_err "did you mean 'canny'?"

t "--help ends with examples"
run "$CVAPP" --help
expect_rc 0
expect_out "Examples:"
expect_out "cvapp -p 'resize width=800' -d small -r photos/"
expect_out "cvapp help resize"
last=$(tail -n 1 "$OUT")
expect_eq "$last" "  cvapp help resize                   one op's parameters and an example"

t "help alone is --help"
run "$CVAPP" help
expect_rc 0
expect_out "Usage: cvapp"

t "an @FILE pipeline error names the file and the line"
printf '# thumbnails\ngrayscale\n\ngaussian ksize=4   # even\n' >"$W/steps.txt"
run "$CVAPP" -p "@$W/steps.txt" -o "$W/o.png" "$SRC/samples/baboon.jpg"
expect_rc 2
expect_err "cvapp: pipeline file $W/steps.txt line 4: step 2 (gaussian): ksize=4 must be odd"
expect_err_lines 1
expect_no_file "$W/o.png"

t "@FILE: several steps on a line share its number"
printf 'grayscale\nblur | median ksize=2 | invert\n' >"$W/two.txt"
run "$CVAPP" -p "@$W/two.txt" "$SRC/samples/baboon.jpg"
expect_rc 2
expect_err "cvapp: pipeline file $W/two.txt line 2: step 3 (median): ksize=2 must be odd"

t "@FILE: an unknown op names its line"
printf 'grayscale\n\n\nGaussian\n' >"$W/u.txt"
run "$CVAPP" -p "@$W/u.txt" "$SRC/samples/baboon.jpg"
expect_rc 2
expect_err "cvapp: pipeline file $W/u.txt line 4: step 2: unknown op 'Gaussian' (did you mean 'gaussian'?)"

t "@FILE: an error about no one step names no line"
printf '# nothing\n\n' >"$W/empty.txt"
run "$CVAPP" -p "@$W/empty.txt" "$SRC/samples/baboon.jpg"
expect_rc 2
expect_err "cvapp: pipeline file $W/empty.txt: pipeline is empty"

t "draw after a step that moves pixels is refused before any input is read"
run "$CVAPP" -p 'orb | resize scale=0.5 | draw' -o "$W/d.png" "$W/missing.jpg"
expect_rc 2
expect_err "cvapp: pipeline step 3 (draw): step 2 (resize) moves the pixels that step 1 (orb) found features on"
expect_err_lines 1
expect_no_file "$W/d.png"
for g in 'crop width=10' 'flip' 'rotate angle=10'; do
  run "$CVAPP" -p "fast | grayscale | $g | blur | draw" "$W/missing.jpg"
  expect_rc 2
  expect_err "cvapp: pipeline step 5 (draw): step 3 (${g%% *}) moves the pixels that step 1 (fast) found"
done
printf 'orb\nflip\n\ndraw\n' >"$W/d.txt"
run "$CVAPP" -p "@$W/d.txt" "$W/missing.jpg"
expect_rc 2
expect_err "cvapp: pipeline file $W/d.txt line 4: step 3 (draw): step 2 (flip) moves"

t "draw is allowed when the geometry comes before every detector"
run "$CVAPP" -q -p 'resize scale=0.5 | orb | draw | flip' -o "$W/ok.png" "$SRC/samples/baboon.jpg"
expect_rc 0
expect_file "$W/ok.png"
t "a detector after the move does not make an earlier one's features right"
run "$CVAPP" -q -p 'orb | flip | fast | draw' -o "$W/ok2.png" "$SRC/samples/baboon.jpg"
expect_rc 2
expect_err "step 2 (flip) moves the pixels that step 1 (orb) found"

finish
