# SPDX-License-Identifier: MIT
# lib.sh - assertions for the shell test scripts (sourced).
# Every check prints one line on failure; the script ends with a summary
# line "N passed, N failed" and exits non-zero if anything failed.
PASS=0
FAIL=0
SKIP=0
CURRENT=""

t() { CURRENT="$*"; }
ok() { PASS=$((PASS + 1)); }
ko() { FAIL=$((FAIL + 1)); echo "FAIL [$CURRENT]: $*" >&2; }
# skip REASON: a check that cannot run here. It is printed and recorded in
# $CVAPP_SKIP_DIR (set by ctest), which the `skipped_checks` test and the
# end of `make check-all` list; never counted as passed.
skip() {
  SKIP=$((SKIP + 1))
  echo "SKIP [$CURRENT]: $*"
  if [ -n "${CVAPP_SKIP_DIR:-}" ]; then
    mkdir -p "$CVAPP_SKIP_DIR" &&
      echo "$(basename "$0" .sh) [$CURRENT]: $*" >>"$CVAPP_SKIP_DIR/$(basename "$0" .sh).$$"
  fi
}
# skip_all REASON: nothing in this script can run here (ctest: skipped).
skip_all() { skip "$@"; echo "0 passed, 0 failed, $SKIP skipped"; exit 77; }

# in_workdir: W, a temporary directory removed at exit, is the current one
in_workdir() {
  W=$(mktemp -d)
  trap 'rm -rf "$W"' EXIT
  cd "$W" || exit 1
}

# run CMD...: sets RC, OUT (stdout file), ERR (stderr text)
run() {
  local o e
  o=$(mktemp) e=$(mktemp)
  "$@" >"$o" 2>"$e"
  RC=$?
  OUT=$o
  ERR=$(cat "$e")
  rm -f "$e"
}

expect_rc() { if [ "$RC" -eq "$1" ]; then ok; else ko "exit $RC, want $1; stderr: $ERR"; fi; }
expect_err() { if grep -qF -- "$1" <<<"$ERR"; then ok; else ko "stderr lacks '$1': $ERR"; fi; }
expect_err_lines() {
  local n
  n=$(printf '%s' "$ERR" | grep -c '')
  if [ "$n" -eq "$1" ]; then ok; else ko "stderr has $n lines, want $1: $ERR"; fi
}
expect_out() { if grep -qF -- "$1" "$OUT"; then ok; else ko "stdout lacks '$1': $(head -c 300 "$OUT")"; fi; }
expect_file() { if [ -s "$1" ]; then ok; else ko "missing file $1"; fi; }
expect_no_file() { if [ ! -e "$1" ]; then ok; else ko "unexpected file $1"; fi; }
expect_eq() { if [ "$1" = "$2" ]; then ok; else ko "got '$1', want '$2'"; fi; }
# expect_magic FILE png|jpg
expect_magic() {
  local m
  m=$(head -c 4 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')
  case "$2" in
    png) [ "$m" = "89504e47" ] && ok || ko "$1 is not a PNG ($m)" ;;
    jpg) [ "${m:0:6}" = "ffd8ff" ] && ok || ko "$1 is not a JPEG ($m)" ;;
  esac
}
# expect_only_files DIR name...: the directory holds exactly these (no temporaries)
expect_only_files() {
  local dir=$1; shift
  local got want
  got=$(cd "$dir" && ls -A | sort | tr '\n' ' ')
  want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
  [ "$got" = "$want" ] && ok || ko "$dir holds '$got', want '$want'"
}

finish() {
  echo "$PASS passed, $FAIL failed, $SKIP skipped"
  [ "$FAIL" -eq 0 ]
}

# doc_block PAGE NAME: the lines of the fenced code block that follows the
# line `<!-- test: NAME -->` in PAGE (indented or not): the commands a test
# runs as the docs write them. Fails when PAGE has no such block.
doc_block() {
  awk -v name="$2" '
    function strip(s) { sub(/^[ \t]*/, "", s); return s }
    !want && strip($0) == "<!-- test: " name " -->" { want = 1; next }
    want == 1 && strip($0) ~ /^```/ { want = 2; indent = index($0, "`") - 1; next }
    want == 1 && strip($0) != "" { exit }
    want == 2 && strip($0) ~ /^```/ { found = 1; exit }
    want == 2 { print substr($0, indent + 1) }
    END { exit !found }' "$1"
}
