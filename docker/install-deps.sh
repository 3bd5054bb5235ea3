#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what cvapp needs on Debian 12 (bookworm): as root, or as a user
# with sudo (the script calls sudo itself only when not root).
#   docker/install-deps.sh          build dependencies (also the Docker builder's list)
#   docker/install-deps.sh --test   plus what the test suite uses, with a Docker
#                                   engine and debootstrap for the container tests
#   docker/install-deps.sh --test --no-container
#                                   the test tools without the engine and the
#                                   fuzzing compiler (the image's test stage)
#   docker/install-deps.sh --bench  plus the tools the benchmark compares against
#   docker/install-deps.sh --no-opencv
#                                   without Debian's OpenCV (for an OpenCV built
#                                   from source: docker/opencv-source.sh)
#   docker/install-deps.sh --arch arm64
#                                   to cross-build for another Debian architecture
#                                   (arm64, amd64, ...): that architecture added
#                                   to dpkg, its cross compilers
#                                   (crossbuild-essential-ARCH) and its -dev
#                                   packages; with --test, its python3 with
#                                   python3-opencv (for the parity test), no
#                                   python3-jsonschema, and qemu-user-static
#                                   to run its binaries. An ARCH equal to this machine's, or
#                                   empty, is a native build. Debian's -dev
#                                   packages of two architectures cannot be
#                                   installed together: a cross build needs a
#                                   machine, chroot or image stage of its own.
# Debian 11 (bullseye) and 13 (trixie) have the same package names.
set -eu
BUILD="cmake make gcc g++ pkg-config ca-certificates
  libturbojpeg0-dev libjpeg-dev libpng-dev libjansson-dev check"
# (libjpeg-dev: jconfig.h, whose version cvapp --version prints)
# OpenCV's modules; with the static LAPACK, BLAS and Fortran runtime, and the
# GLX link library, that a static link against Debian's archives needs
# (CMake's CVAPP_LINK=static-opencv, the container image's default).
# calib3d: match's model fit (findHomography, estimateAffine2D).
OPENCV="libopencv-core-dev libopencv-imgproc-dev libopencv-features2d-dev libopencv-calib3d-dev
  liblapack-dev libblas-dev gfortran libglx-dev"
TEST="valgrind python3-opencv python3-numpy python3-jsonschema python3-yaml file time
  libjpeg-turbo-progs strace libimage-exiftool-perl icc-profiles-free"
# The fuzz harnesses (make check-fuzz: clang with its libFuzzer runtime) and
# the static analysis (make lint). Not in the image's test stage, which runs
# ctest only.
FUZZ="clang libclang-rt-dev cppcheck"
# libcvshim's ABI check and Debian packages (the slow tier, host only).
FUZZ="$FUZZ abi-dumper abi-compliance-checker lintian dpkg-dev"
# OpenCV's sample data (graf1.png, graf3.png, H1to3p.xml): the ground truth of
# tests/match_test.sh, host only (a 95 MB download; the image's test stage
# skips that one check, and says so).
FUZZ="$FUZZ opencv-doc"
# The container tests and the batch engines the slow tier runs for real: a
# one-node Slurm (with munge), Compose, and kubectl for the manifest check
# (Debian's kubernetes-client only where no kubectl is installed: they share
# a path); docker.io only where no engine is installed (it conflicts with
# docker-ce).
# The multi-architecture images: qemu-user-static runs the other
# architecture's programs (docker/binfmt.sh), skopeo and a local registry
# join and serve the multi-platform index (docker/multiarch.py).
CONTAINER="debootstrap docker-compose slurm-wlm munge qemu-user-static skopeo docker-registry"
command -v dockerd >/dev/null 2>&1 || CONTAINER="$CONTAINER docker.io"
command -v kubectl >/dev/null 2>&1 || CONTAINER="$CONTAINER kubernetes-client"
# imgcodecs: the C++ peer's imread and imwrite (bench/cpp_peer.cpp); linux-perf:
# where start-up time goes.
BENCH="python3-opencv python3-numpy imagemagick libvips-tools hyperfine time
  libopencv-imgcodecs-dev linux-perf"
pkgs=$BUILD test=0 container=1 opencv=1 bench=0 arch=""
while [ $# -gt 0 ]; do
  case "$1" in
    --test) test=1 ;;
    --no-container) container=0 ;;
    --no-opencv) opencv=0 ;;
    --bench) bench=1 ;;
    --arch) [ $# -ge 2 ] || { echo "install-deps.sh: --arch needs an architecture" >&2; exit 2; }
            arch=$2; shift ;;
    --arch=*) arch=${1#--arch=} ;;
    *) echo "install-deps.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
[ "$arch" != "$(dpkg --print-architecture)" ] || arch=""
[ "$test" -eq 0 ] || pkgs="$pkgs $TEST"
[ "$bench" -eq 0 ] || pkgs="$pkgs $BENCH"
[ "$test" -eq 0 ] || [ "$container" -eq 0 ] || pkgs="$pkgs $CONTAINER $FUZZ"
[ "$opencv" -eq 0 ] || pkgs="$pkgs $OPENCV"
if [ -n "$arch" ]; then
  # Cross: the build tools stay this machine's; the libraries cvapp links,
  # the compilers' target runtime and the test binaries' libraries are ARCH's
  # (gfortran's cross package brings that architecture's libgfortran.a).
  case "$arch" in  # Debian's GNU type of each architecture, as package names spell it
    amd64) gnu=x86-64-linux-gnu ;; arm64) gnu=aarch64-linux-gnu ;;
    armhf) gnu=arm-linux-gnueabihf ;; ppc64el) gnu=powerpc64le-linux-gnu ;;
    s390x) gnu=s390x-linux-gnu ;; riscv64) gnu=riscv64-linux-gnu ;;
    *) echo "install-deps.sh: no cross compilers known for architecture '$arch'" >&2; exit 2 ;;
  esac
  # (dpkg-dev: dpkg-architecture, which trixie's crossbuild-essential lacks)
  native="cmake make pkg-config ca-certificates dpkg-dev crossbuild-essential-$arch"
  target=""
  for p in $pkgs; do
    case "$p" in
      cmake|make|gcc|g++|pkg-config|ca-certificates) ;;
      gfortran) native="$native gfortran-$gnu" ;;
      # python3 of ARCH (run under emulation) with its python3-opencv: the
      # parity test compares cvapp with OpenCV of the same architecture. An
      # architecture-independent package's dependencies are this machine's,
      # so python3-jsonschema (pyrsistent) cannot join it: the checks that
      # need it skip there (the host's run validates the same documents).
      lib*-dev|check|python3-opencv|python3-numpy|python3-yaml) target="$target $p:$arch" ;;
      python3-jsonschema) ;;
      *) native="$native $p" ;;
    esac
  done
  [ "$test" -eq 0 ] || native="$native qemu-user-static" target="$target python3:$arch"
  $SUDO dpkg --add-architecture "$arch"
  pkgs="$native $target"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
