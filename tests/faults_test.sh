#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What cvapp does when a system call fails, walked through call by call
# with an LD_PRELOAD library (fault/fault.c) that makes the Nth call of one
# function fail, for every N a run makes:
#   commit   every write, fsync, rename and link of one input's commit, for
#            each kind of output pair (old files, symlinks to old files, no
#            old files, a device): exit 0 with every output new, or exit 1,
#            one line, every output as it was, symlinks kept, no temporary;
#            and a file size limit (ulimit -f) at every size in between
#   behind   every fsync, rename and link of a one-worker batch of three,
#            whose first two inputs are published on a helper thread while
#            the next one runs: exit 0, or exit 1 with exactly the input
#            whose call failed refused in one line, its outputs absent, the
#            others' present, the report's rows in input order, no
#            temporary; and --fail-fast stopping after the input in flight
#   start    every allocation and thread start of a two-worker batch, by
#            cvapp, its shim and its codecs: a documented exit status and
#            a message, never a crash
# usage: faults_test.sh CVAPP SRCDIR FAULT.so [commit|behind|start|all]
set -u
CVAPP=$(realpath "$1") SRC=$(cd "$2" && pwd) FAULT=$(realpath "$3") PART=${4:-all}
. "$SRC/tests/lib.sh"
in_workdir
S=$SRC/samples

# LD_PRELOAD has no effect on a static cvapp: nothing here can run then.
CVAPP_FAULT_LOG=$W/probe LD_PRELOAD=$FAULT "$CVAPP" --version >/dev/null 2>&1
t "the fault library loads into cvapp"
[ -s "$W/probe" ] || skip_all "LD_PRELOAD does not reach $CVAPP (a static build)"

# calls FUNC LOG: how many calls of FUNC the run that wrote LOG made
calls() { awk -v f="$1" '$1 == f {print $2}' "$2"; }

# state DIR: every entry under DIR with its kind and content, one per line
state() {
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while read -r p; do
    if [ -L "$p" ]; then echo "$p -> $(readlink "$p")"
    elif [ -c "$p" ]; then echo "$p char"
    elif [ -d "$p" ]; then echo "$p dir"
    else echo "$p $(sha1sum <"$p" | cut -c1-12)"; fi
  done)
}

IN=$W/in.jpg
cp "$S/fruits.jpg" "$IN"

# Each case: a function that makes the old state in a fresh directory,
# and the options (relative to it) that write the two outputs.
case_old_files() { echo OLD-IMAGE >img.png; echo OLD-JSON >kp.json; }
case_symlinks() {
  mkdir out store data
  echo OLD-IMAGE >store/p.png; ln -s ../store/p.png out/p.png
  echo OLD-JSON >data/kp.json; ln -s data/kp.json kp.json
}
case_none() { :; }
case_device() { mknod dev c 1 3 && mkdir data && echo OLD-JSON >data/kp.json && ln -s data/kp.json kp.json; }
CASES=(
  "case_old_files|-o img.png --features kp.json"
  "case_symlinks|-o out/p.png --features kp.json"
  "case_none|-o img.png --features kp.json"
  "case_device|-f png -o dev --features kp.json"
)

# fresh DIR SETUP: DIR made anew with the case's old state
fresh() { rm -rf "$1" && mkdir "$1" && (cd "$1" && $2); }

# expect_outcome DIR OLD NEW WHAT: exit 0 with the new state, or exit 1
# with one line naming the input and the old state back
expect_outcome() {
  local got
  got=$(state "$1")
  if [ "$RC" -eq 0 ]; then
    [ "$got" = "$3" ] && ok || ko "$4: exit 0 but the outputs are not the new ones: $got"
  elif [ "$RC" -eq 1 ]; then
    [ "$got" = "$2" ] && ok || ko "$4: exit 1 and the outputs changed: $got (were: $2)"
    [ "$(printf '%s\n' "$ERR" | grep -c '')" -eq 1 ] && grep -q "^cvapp: $IN: cannot " <<<"$ERR" &&
      ok || ko "$4: want one line naming the input: $ERR"
  else
    ko "$4: exit $RC: $ERR"
  fi
}

if [ "$PART" = all ] || [ "$PART" = commit ]; then
  for c in "${CASES[@]}"; do
    setup=${c%%|*} opts=${c#*|}
    t "$setup: a clean run"
    if ! fresh "$W/c" "$setup" 2>/dev/null; then
      skip "cannot make the case's files here (mknod needs root)"
      continue
    fi
    old=$(state "$W/c")
    # shellcheck disable=SC2086
    (cd "$W/c" && CVAPP_FAULT_LOG=$W/log LD_PRELOAD=$FAULT "$CVAPP" -q $opts "$IN")
    new=$(state "$W/c")
    sizes=$(find "$W/c" -type f -printf '%s\n' | awk '{k = int($1 / 1024); print k; print k + 1}')
    [ "$old" != "$new" ] && ok || ko "a clean run changed nothing"
    for f in write fsync rename link linkat; do
      n=$(calls $f "$W/log")
      for ((k = 1; k <= n; k++)); do
        t "$setup: call $k of $n of $f fails"
        fresh "$W/c" "$setup"
        # shellcheck disable=SC2086
        run env -C "$W/c" CVAPP_FAULT=$f:$k:5 CVAPP_FAULT_LOG=$W/flog LD_PRELOAD=$FAULT "$CVAPP" -q $opts "$IN"
        grep -qx fired "$W/flog" && ok || ko "the fault was not made"
        expect_outcome "$W/c" "$old" "$new" "$f $k/$n"
      done
    done
    [ "$setup" = case_device ] && continue
    # A file size limit below, at and above each output's size: the
    # first write fails, the second, or none. (From 1 KiB: the limit holds
    # for the file taking stderr too.)
    for kb in $(printf '1\n%s\n' "$sizes" | sort -nu); do
      t "$setup: ulimit -f $kb"
      fresh "$W/c" "$setup"
      # shellcheck disable=SC2086
      run env -C "$W/c" bash -c 'ulimit -f "$1"; shift; exec "$@"' - "$kb" "$CVAPP" -q $opts "$IN"
      expect_outcome "$W/c" "$old" "$new" "ulimit -f $kb"
      [ "$RC" -eq 0 ] || expect_err "File too large"
    done
  done
fi

if [ "$PART" = all ] || [ "$PART" = behind ]; then
  mkdir -p "$W/three"
  for n in a b c; do cp "$S/fruits.jpg" "$W/three/$n.jpg"; done
  THREE=(-j 1 -f png -d out --report r.jsonl "$W/three")
  # behind_outcome WHAT: the batch's outcome as the header says
  behind_outcome() {
    local bad="" n rows
    rows=$(/usr/bin/env python3 -c 'import json, sys
print(" ".join("%s:%s" % (json.loads(l)["input"].rsplit("/", 1)[1][0], json.loads(l)["status"]) for l in open(sys.argv[1])))' r.jsonl 2>/dev/null)
    if [ "$RC" -eq 1 ]; then
      [ "$(printf '%s\n' "$ERR" | grep -c '')" -eq 1 ] && bad=$(sed -n "s|^cvapp: $W/three/\(.\)\.jpg: cannot .*|\1|p" <<<"$ERR")
      [ -n "$bad" ] && ok || { ko "$1: exit 1 without one line naming an input: $ERR"; return; }
    elif [ "$RC" -ne 0 ]; then
      ko "$1: exit $RC: $ERR"; return
    else
      ok
    fi
    local want="" have=""
    for n in a b c; do
      if [ "$n" = "$bad" ]; then want+="$n:error "; else want+="$n:ok "; fi
      [ -f "out/$n.png" ] && have+="$n.png "; [ -f "out/$n.json" ] && have+="$n.json "
    done
    [ "$rows" = "${want% }" ] && ok || ko "$1: report rows '$rows', want '${want% }'"
    want=""
    for n in a b c; do [ "$n" = "$bad" ] || want+="$n.png $n.json "; done
    [ "$have" = "$want" ] && ok || ko "$1: outputs '$have', want '$want'"
    [ -z "$(find out -name '.cvapp-tmp-*')" ] && ok || ko "$1: temporary files left: $(find out -name '.cvapp-tmp-*')"
  }
  t "behind: a clean batch of three"
  rm -rf out r.jsonl
  CVAPP_FAULT_LOG=$W/log LD_PRELOAD=$FAULT "$CVAPP" -q "${THREE[@]}" && ok || ko "a clean batch failed"
  for f in fsync rename link linkat; do
    n=$(calls $f "$W/log")
    for ((k = 1; k <= n; k++)); do
      t "behind: call $k of $n of $f fails"
      rm -rf out r.jsonl
      run env CVAPP_FAULT=$f:$k CVAPP_FAULT_LOG=$W/flog LD_PRELOAD=$FAULT "$CVAPP" -q "${THREE[@]}"
      behind_outcome "$f $k/$n"
    done
  done
  # The first rename of the run is a's, on the helper thread, while b runs.
  t "behind: --fail-fast when a's publication fails finishes b, in flight, and starts no other"
  rm -rf out r.jsonl
  run env CVAPP_FAULT=rename:1 CVAPP_FAULT_LOG=$W/flog LD_PRELOAD=$FAULT "$CVAPP" --fail-fast "${THREE[@]}"
  [ "$RC" -eq 1 ] && grep -q "^cvapp: $W/three/a.jpg: cannot write" <<<"$ERR" &&
    grep -q "stopped at the first failure (--fail-fast); 1 inputs not started" <<<"$ERR" && ok ||
    ko "exit $RC: $ERR"
  [ "$(ls out)" = "$(printf 'b.json\nb.png')" ] && ok || ko "outputs: $(ls out | tr '\n' ' ')"
fi

if [ "$PART" = all ] || [ "$PART" = start ]; then
  t "allocations: cvapp's own, told apart from OpenCV's"
fi
if { [ "$PART" = all ] || [ "$PART" = start ]; } && ! ldd "$CVAPP" 2>/dev/null | grep -q libopencv_core; then
  # OpenCV linked into the program (CVAPP_LINK=static-opencv): its calls
  # return to the program too, and what OpenCV does when its own
  # allocations fail is not cvapp's to test (fault/fault.c).
  skip "OpenCV is linked into $CVAPP: its allocations cannot be told from cvapp's"
elif [ "$PART" = all ] || [ "$PART" = start ]; then
  "$CVAPP" -q -p "resize width=64" -o a.jpg "$S/fruits.jpg"
  "$CVAPP" -q -p "resize width=64" -o b.png "$S/fruits.jpg"
  BATCH=(-j 2 -d out --report r.jsonl a.jpg b.png)
  # cvapp's own calls and its codecs' (OpenCV's and TBB's inner ones are
  # not walked: fault/fault.c says why).
  export CVAPP_FAULT_FROM=cvshim,turbojpeg,png16
  t "a two-worker batch: a clean run"
  CVAPP_FAULT_LOG=$W/log LD_PRELOAD=$FAULT "$CVAPP" -q "${BATCH[@]}" && ok || ko "a clean batch failed"
  for f in malloc calloc realloc pthread_create; do
    n=$(calls $f "$W/log")
    crashed=0
    for ((k = 1; k <= n + 1; k++)); do
      rm -rf out r.jsonl
      run env CVAPP_FAULT=$f:$k CVAPP_FAULT_LOG=$W/flog LD_PRELOAD=$FAULT "$CVAPP" -q "${BATCH[@]}"
      # A run with nothing left to fail ends the walk (calls vary a little
      # with the workers' timing).
      grep -qx fired "$W/flog" || break
      case $RC in
        0) ;;
        1 | 2) grep -q '^cvapp: ' <<<"$ERR" || { crashed=1; echo "$f $k: exit $RC without a message" >&2; } ;;
        *) crashed=1; echo "$f $k: exit $RC: $ERR" >&2 ;;
      esac
    done
    t "every failed $f of a batch ($n calls) ends in a message"
    [ "$crashed" -eq 0 ] && ok || ko "see above"
  done
fi
finish
