// SPDX-License-Identifier: MIT
// cpp_start.cpp - the start-up floor of a C++ program linking the OpenCV
// modules cvapp links (core, imgproc, features2d, calib3d): it prints
// OpenCV's version and exits. bench/bench.py links every module in
// (--no-as-needed) and times it beside `cvapp --version` and /bin/true.
#include <opencv2/core/utility.hpp>

#include <cstdio>

int main() {
  std::printf("OpenCV %s\n", cv::getVersionString().c_str());
  return 0;
}
