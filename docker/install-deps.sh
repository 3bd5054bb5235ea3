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
# Debian 11 (bullseye) and 13 (trixie) have the same package names.
set -eu
BUILD="cmake make gcc g++ pkg-config ca-certificates
  libturbojpeg0-dev libjpeg-dev libpng-dev libjansson-dev check"
# (libjpeg-dev: jconfig.h, whose version cvapp --version prints)
# OpenCV's modules; with the static LAPACK, BLAS and Fortran runtime, and the
# GLX link library, that a static link against Debian's archives needs
# (CMake's CVAPP_LINK=static-opencv, the container image's default).
OPENCV="libopencv-core-dev libopencv-imgproc-dev libopencv-features2d-dev
  liblapack-dev libblas-dev gfortran libglx-dev"
TEST="valgrind python3-opencv python3-numpy python3-jsonschema python3-yaml file time
  libjpeg-turbo-progs strace libimage-exiftool-perl icc-profiles-free"
# The fuzz harnesses (make check-fuzz: clang with its libFuzzer runtime) and
# the static analysis (make lint). Not in the image's test stage, which runs
# ctest only.
FUZZ="clang libclang-rt-dev cppcheck"
# libcvshim's ABI check and Debian packages (the slow tier, host only).
FUZZ="$FUZZ abi-dumper abi-compliance-checker lintian dpkg-dev"
# The container tests and the batch engines the slow tier runs for real: a
# one-node Slurm (with munge), Compose, and kubectl for the manifest check
# (Debian's kubernetes-client only where no kubectl is installed: they share
# a path); docker.io only where no engine is installed (it conflicts with
# docker-ce).
CONTAINER="debootstrap docker-compose slurm-wlm munge"
command -v dockerd >/dev/null 2>&1 || CONTAINER="$CONTAINER docker.io"
command -v kubectl >/dev/null 2>&1 || CONTAINER="$CONTAINER kubernetes-client"
BENCH="python3-opencv python3-numpy imagemagick libvips-tools hyperfine time"
pkgs=$BUILD test=0 container=1 opencv=1
for a in "$@"; do
  case "$a" in
    --test) pkgs="$pkgs $TEST" test=1 ;;
    --no-container) container=0 ;;
    --no-opencv) opencv=0 ;;
    --bench) pkgs="$pkgs $BENCH" ;;
    *) echo "install-deps.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
[ "$test" -eq 0 ] || [ "$container" -eq 0 ] || pkgs="$pkgs $CONTAINER $FUZZ"
[ "$opencv" -eq 0 ] || pkgs="$pkgs $OPENCV"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
