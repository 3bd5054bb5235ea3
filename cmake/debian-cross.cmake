# SPDX-License-Identifier: MIT
# A CMake toolchain for cross-building cvapp with Debian multiarch: the
# compilers of crossbuild-essential-ARCH, the libraries of the ARCH -dev
# packages (found by CMake in /usr/lib/TRIPLET through
# CMAKE_LIBRARY_ARCHITECTURE, which it reads from the compiler).
#
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/debian-cross.cmake \
#         -DCVAPP_CROSS_TRIPLET=aarch64-linux-gnu
#
# docker/install-deps.sh --arch ARCH installs what it needs. The test binaries
# are the target's: they run where the kernel runs them (qemu-user-static's
# binfmt handler for another architecture: docs/containers.md).
set(CVAPP_CROSS_TRIPLET "$ENV{CVAPP_CROSS_TRIPLET}" CACHE STRING
  "GNU triplet of the target, as Debian names it (aarch64-linux-gnu)")
if(NOT CVAPP_CROSS_TRIPLET)
  message(FATAL_ERROR "debian-cross.cmake: set CVAPP_CROSS_TRIPLET (e.g. aarch64-linux-gnu)")
endif()
# try_compile projects read this file again; they need the triplet too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CVAPP_CROSS_TRIPLET)

set(CMAKE_SYSTEM_NAME Linux)
string(REGEX REPLACE "-.*" "" CMAKE_SYSTEM_PROCESSOR "${CVAPP_CROSS_TRIPLET}")
set(CMAKE_C_COMPILER ${CVAPP_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${CVAPP_CROSS_TRIPLET}-g++)
set(CMAKE_STRIP ${CVAPP_CROSS_TRIPLET}-strip CACHE FILEPATH "")
# Programs (python3, bash) are this machine's; libraries and headers are
# searched where multiarch puts the target's (/usr/lib/TRIPLET,
# /usr/include/TRIPLET) before the shared /usr/include.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${CVAPP_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
