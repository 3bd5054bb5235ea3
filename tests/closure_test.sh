#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Closure test, no container engine needed: stage the runtime image's root
# filesystem from this build with docker/closure.sh (the script the
# Dockerfile runs) and run cvapp inside it with chroot.
# usage: closure_test.sh CVAPP SRCDIR
set -u
CVAPP=$(readlink -f "$1") SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
. "$SRC/tests/rootfs_lib.sh"
CLOSURE=$SRC/docker/closure.sh
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
CHROOT=("$(command -v chroot)")
[ "$(id -u)" -eq 0 ] || CHROOT=("$(command -v unshare)" -r "${CHROOT[0]}")
R=$W/root N=$W/native
# A shared-libcvshim build (CVAPP_LINK=shared) loads libcvshim.so from the
# build tree by an absolute RUNPATH; installed, by $ORIGIN/../lib, which
# closure.sh's --local covers: stage the installed program, as the image does.
# The program keeps its installed path inside the root (as in the image, where
# both are /usr/local).
DEST=/usr/local/bin/cvapp ENVS=() BUILD_DIR=$(dirname "$CVAPP")
if readelf -dW "$CVAPP" | grep -q 'NEEDED.*libcvshim'; then
  cmake --install "$(dirname "$CVAPP")" --prefix "$W/prefix" >/dev/null || { echo "cmake --install failed"; exit 1; }
  CVAPP=$W/prefix/bin/cvapp DEST=$W/prefix/bin/cvapp
  # glibc finds $ORIGIN through /proc/self/exe, which a bare chroot lacks
  # (a container has /proc): name the library directory instead.
  ENVS=("LD_LIBRARY_PATH=$W/prefix/lib")
fi
VERSION=$("$CVAPP" --version | sed -n '1s/^cvapp //p')
in_root() { run env -i "${ENVS[@]}" "${CHROOT[@]}" "$R" "$DEST" "$@"; }

t "closure.sh stages cvapp, its libraries and the loader; --verify loads them inside"
run bash "$CLOSURE" --verify --local "cvapp=$VERSION,$SRC/LICENSE" --file /etc/os-release "$R" "$CVAPP=$DEST"
expect_rc 0; expect_err "closure.sh: staged "

t "cvapp's own license is staged as /usr/share/doc/cvapp/copyright"
if cmp -s "$SRC/LICENSE" "$R/usr/share/doc/cvapp/copyright"; then ok; else ko "no cvapp license in the root"; fi

t "cvapp runs in the staged root (chroot, empty environment)"
in_root --version
expect_rc 0; expect_out "cvapp $VERSION"; expect_out "OpenCV 4."

t "the staged root holds no shell"
expect_no_shell "$R"

t "the manifest lists exactly the staged files, with sizes, packages, licenses, status records"
expect_manifest "$R"
for want in "^$DEST	file	[0-9]*	cvapp	$VERSION\$" "^/etc/os-release	file	"; do
  if grep -q "$want" "$R$MANIFEST_PATH"; then ok; else ko "manifest lacks $want"; fi
done

t "the SBOM (docker/sbom.py): SPDX 2.3, every file with its checksums, package, version and license"
run python3 "$SRC/docker/sbom.py" "$R" --created 1700000000
expect_rc 0
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
  run /usr/bin/python3 "$SRC/tests/sbom_check.py" "$R"
  expect_rc 0
  expect_out "0 problems"
else
  skip "python3-jsonschema is missing: the SBOM is not validated"
fi
cp "$R$SBOM_PATH" "$W/sbom1.json"
run python3 "$SRC/docker/sbom.py" "$R" --created 1700000000
if cmp -s "$W/sbom1.json" "$R$SBOM_PATH"; then ok; else ko "two SBOMs of one root differ"; fi
expect_manifest "$R"

t "in the root, the default pipeline and a feature batch give the native bytes"
copy_samples "$R/data"
copy_samples "$N/data"
mapfile -t IMGS < <(sample_names | sed 's|^|data/|')
in_root -q "${IMGS[@]}"
expect_rc 0
in_root -q -j 2 -p @data/features.pipeline -d out data
expect_rc 0
(cd "$N" && "$CVAPP" -q "${IMGS[@]}" && "$CVAPP" -q -j 2 -p @data/features.pipeline -d out data) || ko "native run failed"
expect_same_outputs "$R" "$N"
expect_eq "$(find "$R/out" -name '*.json' | wc -l)" "${#IMGS[@]}"

t "--substitute: Debian's shared OpenCV core with the stand-in libGLX.so.0: no display library, the same pixels"
STUB=$BUILD_DIR/glx-stub/libGLX.so.0
if ! readelf -dW "$CVAPP" "$(dirname "$CVAPP")"/../lib/libcvshim.so.0 2>/dev/null | grep -q 'NEEDED.*libopencv_core'; then
  skip "this cvapp links OpenCV statically (CVAPP_LINK is not shared): no libGLX.so.0 to stand in for"
elif [ ! -f "$STUB" ]; then
  ko "no $STUB: CMake builds it when the shared OpenCV core needs libGLX.so.0 for the three GLX functions only"
else
  R2=$W/nogl
  run bash "$CLOSURE" --verify --local "cvapp=$VERSION,$SRC/LICENSE" --substitute "libGLX.so.0=$STUB" "$R2" "$CVAPP=$DEST"
  expect_rc 0
  expect_no_display_libs "$R2"
  stub=$(find "$R2" -name libGLX.so.0 -printf '/%P\n')
  if grep -q "^$stub	file	[0-9]*	cvapp	$VERSION\$" "$R2$MANIFEST_PATH"; then ok; else ko "the manifest does not give $stub to cvapp $VERSION"; fi
  expect_manifest "$R2"
  mkdir -p "$R2/data"
  cp "$SRC/samples/fruits.jpg" "$R2/data/"
  run env -i "${ENVS[@]}" "${CHROOT[@]}" "$R2" "$DEST" -q -p "gaussian ksize=9 | canny" -o data/x.png data/fruits.jpg
  expect_rc 0
  "$CVAPP" -q -p "gaussian ksize=9 | canny" -o "$W/x.png" "$SRC/samples/fruits.jpg" || ko "native run failed"
  if cmp -s "$R2/data/x.png" "$W/x.png"; then ok; else ko "the stand-in root's output differs from the native one"; fi
fi
run bash "$CLOSURE" --substitute "libGLX.so.0=$SRC/LICENSE" "$W/bad5" "$CVAPP=$DEST"
expect_rc 2; expect_err "--substitute needs --local"

t "BLAS/LAPACK alternatives are resolved into files under the names the loader asks for"
for l in libblas.so.3 liblapack.so.3; do
  ldd "$CVAPP" | grep -q "$l" || continue
  if grep -qP "/$l\tfile\t[0-9]+\tlib(blas|lapack|openblas)" "$R$MANIFEST_PATH"; then ok
  else ko "$l is not a regular file from a BLAS/LAPACK package"; fi
done

t "--linked: the packages of linked static archives get a status record and a license"
LIBDIR=${CVAPP_LIBDIR:-/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)}
printf '%s\n' "$LIBDIR/libpng.a" "$LIBDIR/libz.a" >"$W/linked.txt"
printf 'license text\n' >"$W/LICENSE"
run bash "$CLOSURE" --local "cvapp=$VERSION" --linked "$W/linked.txt" --built "opencv=4.6.0+dfsg-12,$W/LICENSE" \
  "$W/linked" "$CVAPP=$DEST"
expect_rc 0
for pk in libpng-dev zlib1g-dev; do
  v=$(dpkg-query -W -f='${Version}\n' "$pk" | head -n1)
  if grep -qx "Version: $v" "$W/linked/var/lib/dpkg/status.d/$pk" 2>/dev/null; then ok; else ko "no status record for $pk $v"; fi
  if [ -s "$W/linked/usr/share/doc/$pk/copyright" ]; then ok; else ko "no license for $pk"; fi
done
t "--built: a status record and the given license for a component built from source"
expect_eq "$(sed -n 's/^Version: //p' "$W/linked/var/lib/dpkg/status.d/opencv")" "4.6.0+dfsg-12"
expect_eq "$(cat "$W/linked/usr/share/doc/opencv/copyright")" "license text"
expect_manifest "$W/linked"
printf '/nonexistent/libnothing.a\n' >"$W/linked2.txt"
run bash "$CLOSURE" --local "cvapp=$VERSION" --linked "$W/linked2.txt" "$W/bad3" "$CVAPP=$DEST"
expect_rc 2; expect_err "--linked: /nonexistent/libnothing.a: no such archive"
printf '%s\n' "$W/LICENSE" >"$W/linked3.txt"
run bash "$CLOSURE" --local "cvapp=$VERSION" --linked "$W/linked3.txt" "$W/bad4" "$CVAPP=$DEST"
expect_rc 1; expect_err "no Debian package owns the linked archive $W/LICENSE"

t "an unresolvable DT_NEEDED fails the staging and names the library"
printf 'int cvapp_missing(void) { return 0; }\n' >"$W/m.c"
printf 'int cvapp_missing(void);\nint main(void) { return cvapp_missing(); }\n' >"$W/p.c"
CC=${CVAPP_CC:-cc}
if "$CC" -shared -fPIC -Wl,-soname,libcvapp-missing.so.1 -o "$W/libcvapp-missing.so.1" "$W/m.c" \
   && "$CC" -o "$W/prog" "$W/p.c" "$W/libcvapp-missing.so.1"; then
  rm -f "$W/libcvapp-missing.so.1"
  run bash "$CLOSURE" "$W/bad" "$W/prog"
  expect_rc 1; expect_err "closure.sh: unresolved: libcvapp-missing.so.1 (needed by $W/prog)"
else
  ko "$CC cannot build the test program"
fi

t "a file that no package owns fails unless --local names its origin"
run bash "$CLOSURE" "$W/bad2" "$CVAPP=$DEST"
expect_rc 1; expect_err "no Debian package owns $DEST"

finish
