# SPDX-License-Identifier: MIT
# cvshim_install.cmake - how libcvshim installs as a library (included by the
# top CMakeLists.txt once CVSHIM_TARGETS and the OpenCV variables are set):
#   include/cvshim/cvshim.h
#   lib/libcvshim.so.MAJOR.MINOR.PATCH, .so.MAJOR, .so (CVSHIM_SHARED), libcvshim.a
#   lib/pkgconfig/cvshim.pc          relocatable: prefix from ${pcfiledir}
#   lib/cmake/cvshim/                cvshimConfig.cmake, cvshimConfigVersion.cmake,
#                                    cvshimTargets*.cmake (cvshim::cvshim and
#                                    cvshim::cvshim_static)
# ("lib" is GNUInstallDirs' CMAKE_INSTALL_LIBDIR: lib/<multiarch> under /usr.)
# Components (the Debian packages of cmake/packaging.cmake): cvapp (the
# program), lib (the shared library's files that run), dev (the rest).
include(CMakePackageConfigHelpers)

set(CVSHIM_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/cvshim)
install(TARGETS ${CVSHIM_TARGETS} EXPORT cvshimTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(FILES shim/cvshim.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cvshim COMPONENT dev)
install(EXPORT cvshimTargets NAMESPACE cvshim:: DESTINATION ${CVSHIM_CMAKEDIR} COMPONENT dev)

# What a user of the static archive links besides it: OpenCV's modules and,
# for OpenCV's static archives, what they call.  CMake's config finds the
# modules again by name (as this project does without OpenCV's CMake
# config); anything else is recorded as found here.
if(CVAPP_STATIC_OPENCV)
  set(CVSHIM_OPENCV_NAMES)
  foreach(m ${CVAPP_OPENCV_MODULES} ${CVAPP_OPENCV_STATIC_DEPS})
    list(APPEND CVSHIM_OPENCV_NAMES libopencv_${m}.a)
  endforeach()
  set(CVSHIM_OPENCV_EXTRA)
  foreach(l ${CVAPP_lapack_A} ${CVAPP_blas_A} ${CVAPP_gfortran_A} ${CVAPP_quadmath_A}
      ${CVAPP_tbb_LIB} ${CVAPP_GLX_LIB} ${ZLIB_LIBRARIES} ${CMAKE_DL_LIBS})
    list(APPEND CVSHIM_OPENCV_EXTRA ${l})
  endforeach()
else()
  set(CVSHIM_OPENCV_NAMES)
  foreach(m ${CVAPP_OPENCV_MODULES})
    list(APPEND CVSHIM_OPENCV_NAMES opencv_${m})
  endforeach()
  set(CVSHIM_OPENCV_EXTRA)
endif()

# pkg-config: Libs.private (pkg-config --static) names the same libraries.
set(CVSHIM_PC_LIBS_PRIVATE)
if(CVAPP_STATIC_OPENCV)
  foreach(m ${CVAPP_OPENCV_MODULES} ${CVAPP_OPENCV_STATIC_DEPS})
    list(APPEND CVSHIM_PC_LIBS_PRIVATE ${CVAPP_OPENCV_${m}_A})
  endforeach()
  foreach(l ${CVSHIM_OPENCV_EXTRA})
    if(l MATCHES "^/")
      list(APPEND CVSHIM_PC_LIBS_PRIVATE ${l})
    else()
      list(APPEND CVSHIM_PC_LIBS_PRIVATE -l${l})
    endif()
  endforeach()
  list(INSERT CVSHIM_PC_LIBS_PRIVATE 0 -Wl,--start-group)
  list(APPEND CVSHIM_PC_LIBS_PRIVATE -Wl,--end-group)
else()
  foreach(m ${CVAPP_OPENCV_MODULES})
    list(INSERT CVSHIM_PC_LIBS_PRIVATE 0 -lopencv_${m})
  endforeach()
endif()
# -pthread: OpenCV's core calls pthread_* (glibc before 2.34, e.g. Debian 11,
# keeps them in libpthread).
list(APPEND CVSHIM_PC_LIBS_PRIVATE -lstdc++ -lm -pthread)
list(JOIN CVSHIM_PC_LIBS_PRIVATE " " CVSHIM_PC_LIBS_PRIVATE)
file(RELATIVE_PATH CVSHIM_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" CVSHIM_PC_TO_PREFIX "${CVSHIM_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/cvshim.pc.in ${PROJECT_BINARY_DIR}/cvshim.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cvshim.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT dev)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/cvshimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cvshimConfig.cmake INSTALL_DESTINATION ${CVSHIM_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cvshimConfigVersion.cmake
  VERSION ${CVSHIM_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cvshimConfig.cmake ${PROJECT_BINARY_DIR}/cvshimConfigVersion.cmake
  DESTINATION ${CVSHIM_CMAKEDIR} COMPONENT dev)
