#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages installed in a clean Debian 12: run INSIDE a fresh
# container (the container test wires it, e.g.
#   docker run --rm -v DEBDIR:/debs:ro -v SRCDIR:/src:ro debian:12 \
#     bash /src/tests/deb_install.sh /debs /src
# ); it changes the system it runs on, so never run it on a workstation.
#   1. apt-get install ./*.deb (cvapp, libcvshim0, libcvshim-dev) pulls
#      their dependencies from the archive
#   2. cvapp --version, and a pipeline on a sample: exit 0, a PNG and a
#      features JSON naming the ORB keypoints
#   3. the consumer program (tests/consumer) built against the installed
#      libcvshim-dev with pkg-config and with find_package(cvshim), run on a
#      generated PPM; with python3-opencv installed, its results are
#      compared with cv2's (tests/consumer_cmp.py)
# Prints one line per failed check; exit 0 when all pass.
# usage: deb_install.sh DEBDIR SRCDIR
set -u
DEBS=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root inside a throwaway container"
[ -f /.dockerenv ] || [ -n "${container:-}" ] || [ "${CVAPP_DEB_INSTALL_ANYWAY:-}" = 1 ] ||
  skip_all "not in a container (set CVAPP_DEB_INSTALL_ANYWAY=1 to force)"
export DEBIAN_FRONTEND=noninteractive
dir=$(mktemp -d)

t "deb_install: apt-get install ./*.deb"
run apt-get update
run apt-get install -y --no-install-recommends "$DEBS"/*.deb
expect_rc 0
for p in cvapp libcvshim0 libcvshim-dev; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then ok
  else ko "$p is not installed"; fi
done

t "deb_install: cvapp --version"
run cvapp --version
expect_rc 0
expect_out "cvapp "

t "deb_install: a pipeline"
cp "$SRC/samples/fruits.jpg" "$dir/"
run cvapp -p "grayscale | orb nfeatures=100" -o "$dir/out.png" --features "$dir/kp.json" "$dir/fruits.jpg"
expect_rc 0
expect_magic "$dir/out.png" png
expect_file "$dir/kp.json"
if grep -q '"orb"' "$dir/kp.json"; then ok; else ko "kp.json names no orb step"; fi

t "deb_install: the consumer with pkg-config and find_package"
run apt-get install -y --no-install-recommends gcc libc6-dev pkg-config cmake make
expect_rc 0
# A 160x160 checkerboard of 20-pixel squares, gray.
{ printf 'P5\n160 160\n255\n'
  for y in $(seq 0 159); do for x in $(seq 0 159); do
    if [ $(( (x / 20 + y / 20) % 2 )) -eq 0 ]; then printf '\377'; else printf '\000'; fi
  done; done; } > "$dir/in.pgm"
# shellcheck disable=SC2046 # pkg-config's words
run cc -std=c11 -Wall -Wextra -Werror "$SRC/tests/consumer/consumer.c" -o "$dir/consumer-pc" \
  $(pkg-config --cflags --libs cvshim)
expect_rc 0
run "$dir/consumer-pc" "$dir/in.pgm" "$dir/pc.pgm"
expect_rc 0
[ "$(grep -c '^[0-9.]* [0-9.]* ' "$OUT")" -gt 0 ] && ok || ko "no keypoints: $(head -c 200 "$OUT")"
cp "$OUT" "$dir/pc.kp"
run cmake -S "$SRC/tests/consumer" -B "$dir/b"
expect_rc 0
run cmake --build "$dir/b"
expect_rc 0
run "$dir/b/consumer" "$dir/in.pgm" "$dir/cm.pgm"
expect_rc 0
expect_eq "$(cat "$OUT")" "$(cat "$dir/pc.kp")"
if cmp -s "$dir/pc.pgm" "$dir/cm.pgm"; then ok; else ko "the two builds' gaussian outputs differ"; fi

t "deb_install: equal to cv2"
if apt-get install -y --no-install-recommends python3-opencv >/dev/null 2>&1; then
  run /usr/bin/python3 "$SRC/tests/consumer_cmp.py" check "$dir/in.pgm" "$dir/pc.pgm" "$dir/pc.kp"
  expect_rc 0
  [ "$RC" -eq 0 ] || cat "$OUT" >&2
else
  skip "python3-opencv is not installable here"
fi
finish
