#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Parameter validation for every op and every parameter, driven by the op
# table itself (`cvapp --list-ops --markdown`), so new ops are covered
# without editing this file:
#  - every invalid value (out of range, even where odd is required, not a
#    number, not a choice, not a boolean, a kernel that is not one, a
#    reference image that cannot be read) exits 2 before any input is read,
#    with one message naming the step and the parameter;
#  - every parameter's extreme allowed values run: exit 0 (what validation
#    accepts must run), or exit 2 from a check across parameters (not about
#    the value itself).  They run on a 320x240 image made from samples/,
#    except values that are sizes or positions relative to the image (see
#    image_for below).  SHOW_EDGES=1 lists the extremes that fail.
# usage: params_test.sh CVAPP SRCDIR
set -u
CVAPP=$1 SRC=$2
. "$SRC/tests/lib.sh"
# Validation is the same C on every architecture, and the native run covers
# it; under user-mode emulation its thousands of runs take many minutes.
if [ -n "${CVAPP_EMULATED:-}" ]; then
  skip_all "CVAPP_EMULATED: the parameter checks run in the native build's suite"
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# The test image, and the ones for values relative to the image's size:
# resize scale=64 on a small image (the result stays within the pixel
# limit), width or height 65535 alone on the image that already has it, crop's x and width at 65534/65535 on a 65535-wide image, y and
# height on a 65535-tall one.
for im in "img 320 240" "small 64 48" "wide 65535 1" "tall 1 65535"; do
  set -- $im
  "$CVAPP" -q -p "resize width=$2 height=$3" -o "$W/$1.png" "$SRC/samples/fruits.jpg" ||
    { echo "cannot make the $2x$3 test image"; exit 1; }
done
image_for() { # OP PARAM VALUE
  case "$1 $2 $3" in
    "resize scale 64") echo "$W/small.png" ;;
    "resize width 65535") echo "$W/wide.png" ;;   # the height follows the aspect: 1
    "resize height 65535") echo "$W/tall.png" ;;
    "crop x "* | "crop width "*) echo "$W/wide.png" ;;
    "crop y "* | "crop height "*) echo "$W/tall.png" ;;
    *) echo "$W/img.png" ;;
  esac
}

# What a step needs besides the parameter under test: a required
# parameter's value (convolve's kernel).
needs_for() { # OP PARAM
  case "$1 $2" in
    "convolve kernel" | "template ref" | "match ref") ;;
    "convolve "*) echo "kernel=1" ;;
    "template "*) echo "ref=$SRC/tests/refs/fruits_crop.png" ;;
    "match "*) echo "ref=$SRC/tests/refs/baboon_part.png" ;;
  esac
}

# One line per parameter: op <TAB> name <TAB> type <TAB> allowed.
"$CVAPP" --list-ops --markdown >"$W/ops.md"
awk -F' [|] ' '
  /^### `/ { op = $0; sub(/^### `/, "", op); sub(/`.*/, "", op); print op "\t\t\t"; next }
  /^[|] `/ { name = $1; gsub(/[|` ]/, "", name); allowed = $4; gsub(/\\[|]/, "|", allowed)
             print op "\t" name "\t" $2 "\t" allowed }' "$W/ops.md" >"$W/params.tsv"

nops=$(awk -F'\t' '$2 == ""' "$W/params.tsv" | wc -l)
nparams=$(awk -F'\t' '$2 != ""' "$W/params.tsv" | wc -l)
t "the op table lists the catalogue"
[ "$nops" -ge 40 ] && ok || ko "only $nops ops parsed from --list-ops --markdown"
[ "$nparams" -ge 100 ] && ok || ko "only $nparams parameters parsed"

# bad OP PARAM VALUE: exit 2, one line naming the step and the value.
bad() {
  run "$CVAPP" -p "$1 $2=$3 $(needs_for "$1" "$2")" "$W/img.png"
  t "$1 $2=$3 is refused"
  expect_rc 2
  expect_err "cvapp: pipeline step 1 ($1): $2=$3 "
  expect_err_lines 1
}

# edge OP PARAM VALUE: an allowed extreme runs (exit 0), or a check across
# parameters refuses the step (exit 2, the message not about this value).
edge() {
  run "$CVAPP" -q -p "$1 $2=$3 $(needs_for "$1" "$2")" -o "$W/out-$SHARD.png" \
    "$(image_for "$1" "$2" "$3")"
  t "$1 $2=$3 runs"
  [ -n "${SHOW_EDGES:-}" ] && [ "$RC" != 0 ] && echo "edge $1 $2=$3: exit $RC: $ERR"
  case $RC in
    0) ok ;;
    2) if grep -qE "=$3 (is|must)" <<<"$ERR"; then ko "value refused: $ERR"; else ok; fi ;;
    *) ko "exit $RC: $ERR" ;;
  esac
}

# calc EXPR: arithmetic on reals.
calc() { awk "BEGIN { printf \"%.10g\", $1 }"; }

# check_params K: the lines of params.tsv numbered K modulo NSHARDS, each
# shard its own process with its own counters (summed below) and files.
check_params() {
  local op name type allowed
  SHARD=$1 PASS=0 FAIL=0 SKIP=0
  while IFS=$'\t' read -r op name type allowed; do
    if [ -z "$name" ]; then
      run "$CVAPP" -p "$op nosuch=1" "$W/img.png"
      t "$op refuses an unknown parameter"
      expect_rc 2; expect_err "cvapp: pipeline step 1 ($op): unknown parameter 'nosuch'"
      continue
    fi
    case $type in
      bool) bad "$op" "$name" maybe; bad "$op" "$name" 2
            edge "$op" "$name" true; edge "$op" "$name" false ;;
      choice) bad "$op" "$name" nosuch; bad "$op" "$name" "${allowed%%|*}x"
              IFS='|' read -ra choices <<<"$allowed"
              for c in "${choices[@]}"; do edge "$op" "$name" "$c"; done ;;
      int | real)
        odd=0 zero=0 range=$allowed
        [ "${range#odd, }" != "$range" ] && odd=1 range=${range#odd, }
        [ "${range#0 or }" != "$range" ] && zero=1 range=${range#0 or }
        lo=${range%%..*} hi=${range##*..}
        below=$(calc "$lo - 1")
        [ "$zero" = 1 ] && [ "$(calc "$below == 0")" = 1 ] && below=-1
        bad "$op" "$name" "$below"
        bad "$op" "$name" "$(calc "$hi + 1")"
        bad "$op" "$name" x
        if [ "$type" = int ]; then
          bad "$op" "$name" 1.5
          [ "$odd" = 1 ] && bad "$op" "$name" "$(calc "$lo + 1")"
        else
          bad "$op" "$name" nan
        fi
        edge "$op" "$name" "$lo"; edge "$op" "$name" "$hi"
        [ "$zero" = 1 ] && edge "$op" "$name" 0 ;;
      kernel)
        # Not a number, not finite, ragged, empty rows only, no file; then
        # one value over the size limit each way (the message cuts the
        # long value, so only its reason is compared).
        for v in x 1,2x nan 1,inf '1,2;3' ';;' @/nonexistent @"$W" @-; do bad "$op" "$name" "$v"; done
        for long in "$(printf '1,%.0s' $(seq 100))" "$(printf '1;%.0s' $(seq 100))"; do
          run "$CVAPP" -p "$op $name=$long" "$W/img.png"
          t "$op $name= with 100 values in a row or column is refused"
          expect_rc 2; expect_err "has over 99 "; expect_err_lines 1
        done
        edge "$op" "$name" 1
        edge "$op" "$name" "$(printf '%s;' $(for r in $(seq 99); do printf '1,%.0s' $(seq 99); echo; done) | tr -d '\n')"
        ;;
      path)
        # Missing, a directory, empty, not an image, stdin: refused before
        # any input is read.
        : >"$W/empty.png"
        printf 'not an image' >"$W/text.png"
        for v in "$W/nonexistent.png" "$W" "$W/empty.png" "$W/text.png" -; do
          bad "$op" "$name" "$v"
        done
        edge "$op" "$name" "$SRC/tests/refs/baboon_part.png"
        edge "$op" "$name" "$SRC/tests/refs/fruits_crop_gray.png" ;;
      *) t "$op $name"; ko "unknown type '$type'" ;;
    esac
  done < <(awk -v k="$SHARD" -v n="$NSHARDS" 'NR % n == k' "$W/params.tsv")
  echo "$PASS $FAIL $SKIP" >"$W/count.$SHARD"
}
# Thousands of short runs: one shard per CPU.
NSHARDS=$(nproc 2>/dev/null || echo 2)
for k in $(seq 0 $((NSHARDS - 1))); do check_params "$k" & done
wait
for k in $(seq 0 $((NSHARDS - 1))); do
  if read -r p f s <"$W/count.$k"; then
    PASS=$((PASS + p)) FAIL=$((FAIL + f)) SKIP=$((SKIP + s))
  else
    t "params shard $k"; ko "the shard ended without its counts"
  fi
done

finish
