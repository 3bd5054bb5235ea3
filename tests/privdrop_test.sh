#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The container's first step, natively: with CVAPP_DATA_DIR set, cvapp started
# as root becomes the owner of that directory before reading anything, or the
# image's uid 65532 when root owns it; started as another user it changes
# nothing. (tests/container_test.sh runs the same through docker run.)
# usage: privdrop_test.sh CVAPP SRCDIR
set -u
CVAPP=$(readlink -f "$1") SRC=$2
. "$SRC/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root to start cvapp as root (running as uid $(id -u))"
W=$(mktemp -d)
chmod 0755 "$W"
trap 'rm -rf "$W"' EXIT

t "a directory owned by 1234:2345: the outputs are theirs"
mkdir "$W/user"
cp "$SRC/samples/fruits.jpg" "$W/user/photo.jpg"
chown -R 1234:2345 "$W/user"
run env -C "$W/user" CVAPP_DATA_DIR="$W/user" "$CVAPP" -q photo.jpg
expect_rc 0
expect_eq "$(stat -c %u:%g "$W/user/photo.cvapp.png")" 1234:2345
expect_eq "$(stat -c %u:%g "$W/user/photo.cvapp.json")" 1234:2345

t "an owner with group root: the owner's uid as the group too"
mkdir "$W/g0"
cp "$SRC/samples/fruits.jpg" "$W/g0/photo.jpg"
chown -R 1234:0 "$W/g0"
run env -C "$W/g0" CVAPP_DATA_DIR="$W/g0" "$CVAPP" -q -p grayscale --no-features -o out.png photo.jpg
expect_rc 0
expect_eq "$(stat -c %u:%g "$W/g0/out.png")" 1234:1234

t "a directory root owns: uid 65532, which cannot write there; the message names it and the fix"
mkdir "$W/root"
cp "$SRC/samples/fruits.jpg" "$W/root/photo.jpg"
run env -C "$W/root" CVAPP_DATA_DIR="$W/root" "$CVAPP" -q -p grayscale -o out.png photo.jpg
expect_rc 1
expect_err "cannot create"
expect_err "uid 65532 gid 65532"
expect_err "--user UID:GID"
expect_err_lines 1
expect_no_file "$W/root/out.png"

t "a root-owned, world-writable directory: the outputs belong to 65532, never to root"
chmod 0777 "$W/root"
run env -C "$W/root" CVAPP_DATA_DIR="$W/root" "$CVAPP" -q -p grayscale --no-features -o out.png photo.jpg
expect_rc 0
expect_eq "$(stat -c %u:%g "$W/root/out.png")" 65532:65532

t "an input missing in the container: the message shows the -v form"
run env -C "$W/user" CVAPP_DATA_DIR="$W/user" "$CVAPP" -q nothere.jpg
expect_rc 1
expect_err "nothere.jpg: cannot open: No such file or directory"
expect_err "docker run -v \"\$PWD:$W/user\" cvapp FILE"
expect_err_lines 1

t "without CVAPP_DATA_DIR nothing changes: root writes as root"
run env -C "$W/user" "$CVAPP" -q -p grayscale --no-features -o root.png photo.jpg
expect_rc 0
expect_eq "$(stat -c %u "$W/user/root.png")" 0

t "started as another user (docker --user, runAsUser): runs as given"
mkdir "$W/other" && chown 4321:4321 "$W/other" && cp "$SRC/samples/fruits.jpg" "$W/other/photo.jpg"
as_other() { env -C "$W/other" CVAPP_DATA_DIR="$W/user" setpriv --reuid 4321 --regid 4321 --clear-groups "$@"; }
if ! command -v setpriv >/dev/null; then
  skip "setpriv (util-linux) is missing"
else
  # A checkout in a private directory (a home of mode 0700, mktemp -d) is
  # closed to uid 4321: then the program and its libcvshim, installed
  # into this test's own directory, which it can reach.
  OTHER_CVAPP=$CVAPP
  if ! as_other "$CVAPP" --version >/dev/null 2>&1; then
    OTHER_CVAPP=$W/prefix/bin/cvapp
    cmake --install "$(dirname "$CVAPP")" --prefix "$W/prefix" >"$W/install.log" 2>&1 ||
      ko "cmake --install failed: $(tail -n 3 "$W/install.log")"
  fi
  if as_other "$OTHER_CVAPP" --version >/dev/null 2>&1; then
    run as_other "$OTHER_CVAPP" -q -p grayscale --no-features -o out.png photo.jpg
    expect_rc 0
    expect_eq "$(stat -c %u "$W/other/out.png")" 4321
  else
    skip "uid 4321 cannot run cvapp from $OTHER_CVAPP (a directory on its path is closed to others: TMPDIR=${TMPDIR:-/tmp})"
  fi
fi
finish
