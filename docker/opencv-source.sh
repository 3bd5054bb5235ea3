#!/bin/sh
# SPDX-License-Identifier: MIT
# opencv-source.sh PREFIX [VERSION] - build a minimal static OpenCV from
# Debian's own source package and install it under PREFIX, as root, on Debian.
#
# The source comes from the suite's apt sources (`apt-get source opencv`, a
# deb-src entry is added for it), so its version is pinned by the suite, or
# by VERSION (e.g. 4.6.0+dfsg-12), and nothing else is downloaded. Only the
# modules cvapp uses are built (core, imgproc, features2d, calib3d and flann,
# which features2d needs), as static libraries optimised for size (-Os, one section
# per function so that the final link drops what cvapp never calls), with no
# IPP, TBB, OpenMP, LAPACK, OpenCL, OpenGL, ITT, imgcodecs, videoio or
# highgui, and no Carotene (the ARM HAL: Debian's source package removes it
# and builds without it). Eigen (headers only, no library) stays on as in Debian's build:
# without it some sources see other math overloads (BRISK's atan2 becomes
# the double one, and its angles move by one float step). zlib, which core's persistence code calls, is linked as the static
# libz.a. The CPU options are those of Debian's packages (on amd64: an SSE2
# baseline, SSE3 off, OpenCV's dispatched SSE4/AVX/AVX2/AVX-512 kernels), so
# results match the packaged build.
#
# Writes PREFIX/share/opencv-source-version (the package version built) and
# PREFIX/share/opencv-source-copyright (the source package's license file).
#
# With --arch ARCH (a Debian architecture other than this machine's), the
# build is a cross build for ARCH with crossbuild-essential-ARCH and
# cmake/debian-cross.cmake (installed beside this script as
# /usr/local/share/cvapp/debian-cross.cmake, or found in the source tree).
set -eu
ARCH=""
if [ "${1:-}" = --arch ]; then ARCH=${2:?--arch needs an architecture}; shift 2; fi
PREFIX=${1:?usage: opencv-source.sh [--arch ARCH] PREFIX [VERSION]}
VERSION=${2:-}
[ "$ARCH" != "$(dpkg --print-architecture)" ] || ARCH=""
export DEBIAN_FRONTEND=noninteractive

# deb-src entries beside the deb ones, in either sources format.
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
fi
if [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list; then
  sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >/etc/apt/sources.list.d/cvapp-src.list
fi
apt-get update -qq
if [ -n "$ARCH" ]; then
  dpkg --add-architecture "$ARCH"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends dpkg-dev xz-utils "zlib1g-dev:$ARCH" libeigen3-dev cmake make \
    "crossbuild-essential-$ARCH" >/dev/null
  triplet=$(dpkg-architecture -a"$ARCH" -qDEB_HOST_MULTIARCH 2>/dev/null)
  toolchain=/usr/local/share/cvapp/debian-cross.cmake
  [ -f "$toolchain" ] || toolchain=$(cd "$(dirname "$0")/.." && pwd)/cmake/debian-cross.cmake
  cross="-DCMAKE_TOOLCHAIN_FILE=$toolchain -DCVAPP_CROSS_TRIPLET=$triplet"
  libz=/usr/lib/$triplet/libz.a
else
  apt-get install -y -qq --no-install-recommends dpkg-dev xz-utils zlib1g-dev libeigen3-dev cmake make g++ >/dev/null
  cross=""
  libz=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libz.a
fi
[ -f "$libz" ] || { echo "opencv-source.sh: no $libz (zlib1g-dev)" >&2; exit 1; }

work=$(mktemp -d)
cd "$work"
apt-get source -qq "opencv${VERSION:+=$VERSION}" >/dev/null 2>source.log || { cat source.log >&2; exit 1; }
src=$(find . -maxdepth 1 -type d -name 'opencv-*' | head -n1)
[ -n "$src" ] || { echo "opencv-source.sh: apt-get source unpacked no opencv-* directory" >&2; exit 1; }
built=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)

size_flags="-Os -ffunction-sections -fdata-sections"
cpu=""   # as debian/rules: the architecture's baseline (arm64: NEON, OpenCV's default)
[ "${ARCH:-$(dpkg --print-architecture)}" != amd64 ] || cpu="-DCPU_BASELINE=SSE2 -DCPU_BASELINE_DISABLE=SSE3"
# shellcheck disable=SC2086 # cpu and cross hold two options each
cmake -S "$src" -B build -Wno-dev $cpu $cross \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" \
  -DCMAKE_C_FLAGS_RELEASE="$size_flags -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELEASE="$size_flags -DNDEBUG" \
  -DBUILD_SHARED_LIBS=OFF \
  -DBUILD_LIST=core,imgproc,features2d,flann,calib3d \
  -DBUILD_TESTS=OFF -DBUILD_PERF_TESTS=OFF -DBUILD_EXAMPLES=OFF -DBUILD_DOCS=OFF \
  -DBUILD_opencv_apps=OFF -DBUILD_JAVA=OFF -DBUILD_opencv_python2=OFF -DBUILD_opencv_python3=OFF \
  -DBUILD_ZLIB=OFF -DZLIB_LIBRARY="$libz" \
  -DWITH_IPP=OFF -DWITH_TBB=OFF -DWITH_OPENMP=OFF -DWITH_PTHREADS_PF=ON \
  -DWITH_LAPACK=OFF -DWITH_EIGEN=ON -DWITH_OPENCL=OFF -DWITH_OPENGL=OFF -DWITH_ITT=OFF \
  -DWITH_CAROTENE=OFF -DWITH_VA=OFF -DWITH_VA_INTEL=OFF -DWITH_GTK=OFF -DWITH_QT=OFF -DWITH_PROTOBUF=OFF \
  -DWITH_ADE=OFF -DWITH_QUIRC=OFF -DWITH_CUDA=OFF -DWITH_VULKAN=OFF -DWITH_1394=OFF -DWITH_FFMPEG=OFF \
  -DWITH_GSTREAMER=OFF -DWITH_V4L=OFF -DWITH_OPENEXR=OFF -DWITH_JPEG=OFF -DWITH_PNG=OFF \
  -DWITH_TIFF=OFF -DWITH_WEBP=OFF -DWITH_JASPER=OFF -DWITH_OPENJPEG=OFF -DWITH_IMGCODEC_HDR=OFF \
  -DOPENCV_GENERATE_PKGCONFIG=OFF -DINSTALL_C_EXAMPLES=OFF -DINSTALL_PYTHON_EXAMPLES=OFF \
  >cmake.log 2>&1 || { grep -A8 "CMake Error" cmake.log >&2 || tail -n 40 cmake.log >&2; exit 1; }
cmake --build build -j "$(nproc)" >build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }
cmake --install build >/dev/null
mkdir -p "$PREFIX/share"
echo "$built" >"$PREFIX/share/opencv-source-version"
cp "$src/debian/copyright" "$PREFIX/share/opencv-source-copyright"
cd /
rm -rf "$work"
echo "opencv-source.sh: OpenCV $built (core imgproc features2d flann calib3d, static, -Os${ARCH:+, for $ARCH}) in $PREFIX"
