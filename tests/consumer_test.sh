#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libcvshim as an installed library, used by a program outside the tree:
# `cmake --install` into a temporary prefix, then tests/consumer/consumer.c
# built with pkg-config, and (the prefix moved elsewhere, to prove both
# files relocatable) with CMake's find_package(cvshim), shared and static.
# Each build reads the same raw pixels (a PPM that cv2 decoded), runs
# cvs_gaussian, cvs_filter2d and cvs_orb, and its outputs must equal cv2's exactly
# (tests/consumer_cmp.py: pixel bytes, keypoints, descriptors).  Last,
# Python loads libcvshim.so with ctypes and one call is compared with cv2.
# usage: consumer_test.sh CVAPP SRCDIR (the build tree is CVAPP's directory)
set -u
SRC=$(cd "$2" && pwd)
BUILD=$(cd "$(dirname "$1")" && pwd)
. "$SRC/tests/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import cv2, numpy' 2>/dev/null || skip_all "python3-opencv (cv2) is missing"
for tool in cc pkg-config cmake; do
  command -v $tool >/dev/null || skip_all "$tool is missing"
done
# A sanitizer build's library needs its runtime loaded first: a plain
# consumer (or python) cannot load it.
if [ -e "$BUILD/libcvshim.so" ] && readelf -dW "$BUILD/libcvshim.so" | grep -q 'NEEDED.*lib[at]san'; then
  skip_all "libcvshim.so is a sanitizer build (make check-asan): consumers need the runtime first"
fi
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
CMP="$PY $SRC/tests/consumer_cmp.py"
version=$(sed -n 's/^#define CVS_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' \
  "$SRC/shim/cvshim.h" | paste -sd.)

t "consumer: cmake --install into a temporary prefix"
run cmake --install "$BUILD" --prefix "$dir/prefix"
expect_rc 0
pc=$(cd "$dir/prefix" && find . -name cvshim.pc | sed 's|^\./||')
libdir=$(dirname "$(dirname "$pc")")   # lib or lib/<multiarch>
expect_file "$dir/prefix/include/cvshim/cvshim.h"
expect_file "$dir/prefix/$libdir/libcvshim.a"
expect_file "$dir/prefix/$libdir/cmake/cvshim/cvshimConfig.cmake"
expect_file "$dir/prefix/$libdir/cmake/cvshim/cvshimConfigVersion.cmake"
expect_file "$dir/prefix/bin/cvapp"
shared=0
if [ -e "$dir/prefix/$libdir/libcvshim.so" ]; then
  shared=1
  major=$(sed -n 's/^#define CVS_VERSION_MAJOR \([0-9]*\)$/\1/p' "$SRC/shim/cvshim.h")
  expect_eq "$(readlink "$dir/prefix/$libdir/libcvshim.so")" "libcvshim.so.$major"
  expect_file "$dir/prefix/$libdir/libcvshim.so.$major"
fi

t "consumer: the input, decoded by cv2 into raw pixels"
run $CMP make "$SRC/samples/fruits.jpg" "$dir/in.ppm"
expect_rc 0

# consume NAME PROGRAM: run the consumer; its outputs must equal cv2's.
consume() {
  t "consumer: $1: runs"
  run "$2" "$dir/in.ppm" "$dir/$1.ppm"
  expect_rc 0
  expect_err "libcvshim "
  cp "$OUT" "$dir/$1.kp"
  t "consumer: $1: gaussian, filter2d and orb equal cv2's"
  run $CMP check "$dir/in.ppm" "$dir/$1.ppm" "$dir/$1.kp"
  expect_rc 0
  expect_out "compared 512x480 pixels and"
  [ "$RC" -eq 0 ] || cat "$OUT" >&2
}

# pkgconfig NAME PREFIX: build with pkg-config against PREFIX, then consume.
pkgconfig() {
  local pcdir=$2/$libdir/pkgconfig cflags libs
  t "consumer: $1: pkg-config"
  cflags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags cvshim)
  if [ $shared = 1 ]; then
    libs="$(PKG_CONFIG_PATH=$pcdir pkg-config --libs cvshim) -Wl,-rpath,$2/$libdir"
  else
    libs=$(PKG_CONFIG_PATH=$pcdir pkg-config --static --libs cvshim)
  fi
  expect_eq "$(PKG_CONFIG_PATH=$pcdir pkg-config --variable=includedir cvshim | xargs realpath)" \
    "$(realpath "$2/include")"
  # shellcheck disable=SC2086 # pkg-config's words
  run cc -std=c11 -Wall -Wextra -Werror -Wstrict-prototypes $cflags \
    "$SRC/tests/consumer/consumer.c" -o "$dir/$1" $libs
  expect_rc 0
  [ -x "$dir/$1" ] && consume "$1" "$dir/$1"
}

# findpackage NAME PREFIX [CMAKE ARGS]: build with find_package(cvshim).
findpackage() {
  local name=$1 prefix=$2
  shift 2
  t "consumer: $name: find_package(cvshim)"
  run cmake -S "$SRC/tests/consumer" -B "$dir/b-$name" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" "$@"
  expect_rc 0
  expect_out "cvshim $version from $prefix/$libdir/cmake/cvshim"
  run cmake --build "$dir/b-$name"
  expect_rc 0
  [ -x "$dir/b-$name/consumer" ] && consume "$name" "$dir/b-$name/consumer"
}

pkgconfig pkgconfig "$dir/prefix"

t "consumer: docs/cvshim.md's example compiles and runs"
sed -n '/^```c$/,/^```$/{/^```/d;p}' "$SRC/docs/cvshim.md" > "$dir/example.c"
# shellcheck disable=SC2046 # pkg-config's words
run cc -std=c11 -Wall -Wextra -Werror "$dir/example.c" -o "$dir/example" \
  $(PKG_CONFIG_PATH=$dir/prefix/$libdir/pkgconfig pkg-config --cflags cvshim) \
  $(PKG_CONFIG_PATH=$dir/prefix/$libdir/pkgconfig pkg-config --static --libs cvshim) \
  -Wl,-rpath,"$dir/prefix/$libdir"
expect_rc 0
run "$dir/example" "$dir/in.ppm"
expect_rc 0
expect_out "libcvshim $version: 200 ORB keypoints"

t "consumer: the prefix moves"
run mv "$dir/prefix" "$dir/moved"
expect_rc 0
pkgconfig pkgconfig-moved "$dir/moved"
findpackage cmake-static "$dir/moved" -DCONSUMER_STATIC=ON
[ $shared = 0 ] || findpackage cmake-shared "$dir/moved"

t "consumer: the moved cvapp runs (RUNPATH relative to itself)"
run "$dir/moved/bin/cvapp" --version
expect_rc 0
expect_out "cvapp "

t "consumer: ctypes"
if [ $shared = 1 ]; then
  run $CMP ctypes "$dir/moved/$libdir/libcvshim.so.$major" "$dir/in.ppm"
  expect_rc 0
  expect_out "cvs_gaussian equals cv2.GaussianBlur on 512x480"
  [ "$RC" -eq 0 ] || cat "$OUT" >&2
else
  skip "ctypes: this build has no libcvshim.so (CVSHIM_SHARED off)"
fi
finish
