# SPDX-License-Identifier: MIT
# packaging.cmake - Debian packages by CPack (`cpack -G DEB` in the build
# directory; `make deb` configures build-deb with the /usr prefix and runs it):
#   cvapp           the program (component cvapp)
#   libcvshim0      libcvshim.so.0 (component lib; only when CVSHIM_SHARED)
#   libcvshim-dev   header, libcvshim.so link, libcvshim.a, pkg-config and
#                   CMake files (component dev)
# Dependencies on Debian's libraries come from dpkg-shlibdeps; libcvshim0
# ships a shlibs file so cvapp's dependency on it is computed the same way.
# Each package carries /usr/share/doc/PKG/copyright (LICENSE, plus what the
# image's licence paragraph names) and changelog.gz, as Debian policy asks.
# Build for packages with -DCMAKE_INSTALL_PREFIX=/usr: the library then goes
# to /usr/lib/<multiarch> and cvapp needs no RUNPATH (lintian
# custom-library-search-path).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cvapp)
set(CPACK_PACKAGE_VENDOR "cvapp")
set(CPACK_PACKAGE_CONTACT "cvapp maintainers <cvapp-maintainers@users.noreply.github.com>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
if(CVSHIM_SHARED)
  set(CPACK_COMPONENTS_ALL cvapp lib dev)
else()
  set(CPACK_COMPONENTS_ALL cvapp dev)
endif()

set(CPACK_DEBIAN_CVAPP_PACKAGE_NAME cvapp)
set(CPACK_DEBIAN_CVAPP_PACKAGE_SECTION graphics)
set(CPACK_COMPONENT_CVAPP_DESCRIPTION "OpenCV image pipelines on the command line
cvapp decodes JPEG and PNG images, runs a pipeline of OpenCV filters and
feature detectors on each, and writes the result image and a JSON report of
the features found. It processes many files in parallel and is meant as a
reference for deploying OpenCV in containers.")

set(CPACK_DEBIAN_LIB_PACKAGE_NAME libcvshim${CVSHIM_VERSION_MAJOR})
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
# shlibs (libcvshim.so.0 -> libcvshim0 (>= version)) and the ldconfig
# trigger; CPack also writes ldconfig calls into postinst/postrm, which
# the trigger makes redundant (the lintian override says so).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
file(WRITE ${PROJECT_BINARY_DIR}/deb-lib/triggers "activate-noawait ldconfig\n")
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA ${PROJECT_BINARY_DIR}/deb-lib/triggers)
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_COMPONENT_LIB_DESCRIPTION "C interface to OpenCV's filters and detectors
libcvshim gives C programs, and any language with a C FFI, OpenCV's image
filters, drawing, feature detectors and matching (core, imgproc, features2d,
calib3d) behind a
plain C header, with per-thread error messages and no exceptions.

This package holds the shared library.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libcvshim-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION "C interface to OpenCV's filters and detectors (development files)
libcvshim gives C programs, and any language with a C FFI, OpenCV's image
filters, drawing, feature detectors and matching (core, imgproc, features2d,
calib3d) behind a
plain C header, with per-thread error messages and no exceptions.

This package holds the header, the static library, and the pkg-config and
CMake package files.")
if(CVSHIM_SHARED)
  # cvapp needs libcvshim.so.0: dpkg-shlibdeps finds it in the build tree
  # (no shlibs of its own there: the component dependency names the package).
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR})
  set(CPACK_COMPONENT_CVAPP_DEPENDS lib)
  set(CPACK_COMPONENT_DEV_DEPENDS lib)
  # The archive's users link OpenCV's libraries themselves.
  set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libopencv-dev")
else()
  set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libopencv-dev")
endif()

# copyright and changelog of each package (Debian policy 12.5, 12.7).
set(CVAPP_DEB_DOC ${PROJECT_BINARY_DIR}/deb-doc)
file(READ ${PROJECT_SOURCE_DIR}/LICENSE CVAPP_LICENSE_TEXT)
string(REGEX REPLACE "\n$" "" CVAPP_LICENSE_TEXT "${CVAPP_LICENSE_TEXT}")
string(REGEX REPLACE "\n\n" "\n.\n" CVAPP_LICENSE_DEB "${CVAPP_LICENSE_TEXT}")
string(REGEX REPLACE "\n" "\n " CVAPP_LICENSE_DEB "${CVAPP_LICENSE_DEB}")
file(WRITE ${CVAPP_DEB_DOC}/copyright
"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: cvapp
Comment: cvapp and libcvshim link OpenCV (Apache-2.0), libjpeg-turbo, libpng,
 jansson and zlib, each under its own licence in /usr/share/doc/PKG/copyright
 of its Debian package.

Files: *
Copyright: the cvapp authors
License: MIT

License: MIT
 ${CVAPP_LICENSE_DEB}
")
string(TIMESTAMP CVAPP_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
if(DEFINED ENV{SOURCE_DATE_EPOCH})
  set(CVAPP_DEB_DATE "Thu, 01 Jan 1970 00:00:00 +0000")
endif()
file(WRITE ${CVAPP_DEB_DOC}/changelog
"cvapp (${PROJECT_VERSION}) unstable; urgency=medium

  * Packaged by CPack from cvapp's CMake build (cmake/packaging.cmake).

 -- ${CPACK_PACKAGE_CONTACT}  ${CVAPP_DEB_DATE}
")
find_program(GZIP_EXECUTABLE gzip)
if(GZIP_EXECUTABLE)
  execute_process(COMMAND ${GZIP_EXECUTABLE} -9nf ${CVAPP_DEB_DOC}/changelog)
endif()
foreach(c ${CPACK_COMPONENTS_ALL})
  string(TOUPPER ${c} C)
  set(pkg ${CPACK_DEBIAN_${C}_PACKAGE_NAME})
  install(FILES ${CVAPP_DEB_DOC}/copyright ${CVAPP_DEB_DOC}/changelog.gz
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${pkg} COMPONENT ${c} EXCLUDE_FROM_ALL)
endforeach()

install(FILES ${PROJECT_SOURCE_DIR}/cmake/libcvshim0.lintian-overrides
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME ${CPACK_DEBIAN_LIB_PACKAGE_NAME}
  COMPONENT lib EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/cvapp.lintian-overrides
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides RENAME cvapp
  COMPONENT cvapp EXCLUDE_FROM_ALL)

include(CPack)
