#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages (`make deb`: cmake/packaging.cmake), checked natively:
# built in a scratch directory, their control fields and file lists read
# with dpkg-deb, lintian with no error or warning.  Installing them in a
# clean Debian 12 is tests/deb_install.sh, run inside a container (the
# container test wires it; this script does not start one).
# usage: deb_test.sh CVAPP SRCDIR
set -u
SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
[ -f "$SRC/Makefile" ] || skip_all "no Makefile in $SRC (the image build copies no Makefile; make deb runs on the host)"
for tool in cpack dpkg-deb dpkg-shlibdeps make; do
  command -v $tool >/dev/null || skip_all "$tool is missing"
done
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
ver=$(sed -n 's/^project(cvapp VERSION \([0-9.]*\) .*/\1/p' "$SRC/CMakeLists.txt")
major=$(sed -n 's/^#define CVS_VERSION_MAJOR \([0-9]*\)$/\1/p' "$SRC/shim/cvshim.h")
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)

t "deb: make deb builds three packages"
# lintian runs below, with its verdict recorded; make's own call is skipped.
run make -C "$SRC" deb DEB_BUILD="$dir/b" JOBS=2 CMAKE_FLAGS=-DCVAPP_LINK=shared LINTIAN=true
[ -f "$dir/b/cvapp_${ver}_$arch.deb" ] || { ko "no packages: $ERR"; finish; exit 1; }
for p in "cvapp_${ver}" "libcvshim${major}_${ver}" "libcvshim-dev_${ver}"; do
  expect_file "$dir/b/${p}_$arch.deb"
done
deb() { echo "$dir/b/$1_${ver}_$arch.deb"; }

t "deb: cvapp holds the program, depends on libcvshim$major and what dpkg-shlibdeps found"
dpkg-deb -c "$(deb cvapp)" | awk '{print $6}' > "$dir/cvapp.files"
expect_eq "$(grep -v '/$' "$dir/cvapp.files" | sort | tr '\n' ' ')" \
  "./usr/bin/cvapp ./usr/share/doc/cvapp/changelog.gz ./usr/share/doc/cvapp/copyright ./usr/share/lintian/overrides/cvapp "
deps=$(dpkg-deb -f "$(deb cvapp)" Depends)
for d in "libcvshim$major (= $ver)" "libc6 (>=" "libpng16-16" "libturbojpeg0"; do
  case $deps in *"$d"*) ok ;; *) ko "cvapp's Depends lacks '$d': $deps" ;; esac
done

t "deb: libcvshim$major holds the library, its shlibs and the ldconfig trigger"
dpkg-deb -c "$(deb "libcvshim$major")" | awk '{print $6}' | grep -v '/$' | sort > "$dir/lib.files"
expect_eq "$(grep "^./usr/lib" "$dir/lib.files" | tr '\n' ' ')" \
  "./usr/lib/$multiarch/libcvshim.so.$major ./usr/lib/$multiarch/libcvshim.so.$major.$(sed -n 's/^#define CVS_VERSION_\(MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$SRC/shim/cvshim.h" | paste -sd.) "
deps=$(dpkg-deb -f "$(deb "libcvshim$major")" Depends)
for d in libopencv-core libopencv-imgproc libopencv-features2d libopencv-calib3d libstdc++6 libc6; do
  case $deps in *"$d"*) ok ;; *) ko "libcvshim$major's Depends lacks $d: $deps" ;; esac
done
expect_eq "$(dpkg-deb -f "$(deb "libcvshim$major")" Section)" libs
mkdir -p "$dir/ctl" && dpkg-deb -e "$(deb "libcvshim$major")" "$dir/ctl"
expect_eq "$(cat "$dir/ctl/shlibs")" "libcvshim $major libcvshim$major (>= $ver)"
expect_eq "$(cat "$dir/ctl/triggers")" "activate-noawait ldconfig"

t "deb: libcvshim-dev holds the header, link, archive, pkg-config and CMake files"
dpkg-deb -c "$(deb libcvshim-dev)" | awk '{print $6}' | grep -v '/$' | sort > "$dir/dev.files"
for f in ./usr/include/cvshim/cvshim.h "./usr/lib/$multiarch/libcvshim.so" \
    "./usr/lib/$multiarch/libcvshim.a" "./usr/lib/$multiarch/pkgconfig/cvshim.pc" \
    "./usr/lib/$multiarch/cmake/cvshim/cvshimConfig.cmake" \
    "./usr/lib/$multiarch/cmake/cvshim/cvshimConfigVersion.cmake"; do
  if grep -qxF -- "$f" "$dir/dev.files"; then ok; else ko "libcvshim-dev lacks $f"; fi
done
case $(dpkg-deb -f "$(deb libcvshim-dev)" Depends) in
  *"libcvshim$major (= $ver)"*) ok ;; *) ko "libcvshim-dev does not depend on libcvshim$major (= $ver)" ;;
esac

t "deb: lintian finds no error or warning"
if command -v lintian >/dev/null; then
  run lintian --fail-on error,warning "$dir"/b/*.deb
  expect_rc 0
  [ "$RC" -eq 0 ] || cat "$OUT" >&2
else
  skip "lintian is missing (Debian package lintian)"
fi

t "deb: tests/deb_install.sh is valid shell"
run bash -n "$SRC/tests/deb_install.sh"
expect_rc 0
finish
