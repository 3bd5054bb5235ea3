// SPDX-License-Identifier: MIT
// cpp_peer.cpp - what a user would write instead of cvapp in C++: OpenCV
// called directly (imread, imwrite), no cvapp code. bench/bench.py builds it
// against the same Debian OpenCV as cvapp (plus imgcodecs) and times it
// beside cvapp.
//
//   cpp_peer [-j N] [--no-fsync] reference OUTDIR INPUT...
//       imread -> cvtColor gray -> GaussianBlur 5x5 sigma 1.5 -> ORB 500
//       (detect) -> Canny 50/150 -> imwrite OUTDIR/STEM.png (zlib level 1,
//       run-length strategy: cvapp's PNG settings) and OUTDIR/STEM.json (the
//       keypoints as cvapp's features JSON has them). N processes (fork), the
//       list split between them, OpenCV's threads per process = CPUs / N
//       (cvapp's rule for its workers); each output and the directory fsync'd
//       as cvapp does, unless --no-fsync.
//   cpp_peer vips INPUT OUTPUT
//       The libvips benchmark task: imread, crop 100 px off each edge (a
//       view), resize 90% bilinear, filter2D with the 3x3 sharpen kernel
//       -1 -1 -1; -1 16 -1; -1 -1 -1 divided by 8, imwrite JPEG quality 95.
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

void fsync_path(const std::string &path) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0 || fsync(fd) != 0) {
    perror(path.c_str());
    std::exit(1);
  }
  close(fd);
}

std::string json_string(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

bool write_json(const std::string &path, const std::string &input, const cv::Mat &img,
                const std::vector<cv::KeyPoint> &kps) {
  FILE *f = std::fopen(path.c_str(), "w");
  if (!f)
    return false;
  std::fprintf(f,
               "{\"format\":1,\"input\":%s,\"width\":%d,\"height\":%d,\"channels\":%d,"
               "\"counts\":{\"orb\":%zu},\"detectors\":[{\"detector\":\"orb\",\"count\":%zu}],"
               "\"keypoints\":[",
               json_string(input).c_str(), img.cols, img.rows, img.channels(), kps.size(), kps.size());
  for (size_t i = 0; i < kps.size(); i++) {
    const cv::KeyPoint &k = kps[i];
    std::fprintf(f,
                 "%s{\"x\":%.9g,\"y\":%.9g,\"size\":%.9g,\"angle\":%.9g,\"response\":%.9g,"
                 "\"octave\":%d,\"detector\":\"orb\"}",
                 i ? "," : "", k.pt.x, k.pt.y, k.size, k.angle, k.response, k.octave);
  }
  std::fputs("]}\n", f);
  return std::fclose(f) == 0;
}

int reference(const std::string &outdir, const std::vector<std::string> &inputs, bool sync, int threads) {
  cv::setNumThreads(threads);
  cv::Ptr<cv::ORB> orb = cv::ORB::create(500);
  const std::vector<int> png = {cv::IMWRITE_PNG_COMPRESSION, 1, cv::IMWRITE_PNG_STRATEGY,
                                cv::IMWRITE_PNG_STRATEGY_RLE};
  cv::Mat gray, blur, edges;
  std::vector<cv::KeyPoint> kps;
  for (const std::string &in : inputs) {
    cv::Mat img = cv::imread(in, cv::IMREAD_COLOR);
    if (img.empty()) {
      std::fprintf(stderr, "cpp_peer: cannot read %s\n", in.c_str());
      return 1;
    }
    cv::cvtColor(img, gray, cv::COLOR_BGR2GRAY);
    cv::GaussianBlur(gray, blur, cv::Size(5, 5), 1.5);
    orb->detect(blur, kps);
    cv::Canny(blur, edges, 50, 150);
    std::string base = in.substr(in.find_last_of('/') + 1);
    std::string stem = outdir + "/" + base.substr(0, base.find_last_of('.'));
    if (!cv::imwrite(stem + ".png", edges, png) || !write_json(stem + ".json", in, img, kps)) {
      std::fprintf(stderr, "cpp_peer: cannot write %s\n", stem.c_str());
      return 1;
    }
    if (sync) {
      fsync_path(stem + ".png");
      fsync_path(stem + ".json");
      fsync_path(outdir);
    }
  }
  return 0;
}

int vips_task(const char *in, const char *out) {
  cv::Mat img = cv::imread(in, cv::IMREAD_COLOR);
  if (img.empty() || img.cols <= 200 || img.rows <= 200) {
    std::fprintf(stderr, "cpp_peer: cannot read %s, or under 201x201\n", in);
    return 1;
  }
  cv::Mat crop = img(cv::Rect(100, 100, img.cols - 200, img.rows - 200));
  cv::Mat small, sharp;
  cv::resize(crop, small, cv::Size(), 0.9, 0.9, cv::INTER_LINEAR);
  img.release();
  crop.release();
  cv::Mat kernel = (cv::Mat_<float>(3, 3) << -1, -1, -1, -1, 16, -1, -1, -1, -1) / 8.0f;
  cv::filter2D(small, sharp, -1, kernel);
  return cv::imwrite(out, sharp, {cv::IMWRITE_JPEG_QUALITY, 95}) ? 0 : 1;
}

int usage() {
  std::fputs("usage: cpp_peer [-j N] [--no-fsync] reference OUTDIR INPUT...\n"
             "       cpp_peer vips INPUT OUTPUT\n",
             stderr);
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  int jobs = 1;
  bool sync = true;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!std::strcmp(argv[i], "-j") && i + 1 < argc)
      jobs = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--no-fsync"))
      sync = false;
    else
      return usage();
  }
  if (i + 3 == argc && !std::strcmp(argv[i], "vips"))
    return vips_task(argv[i + 1], argv[i + 2]);
  if (i + 2 >= argc || std::strcmp(argv[i], "reference"))
    return usage();
  std::string outdir = argv[i + 1];
  std::vector<std::string> inputs(argv + i + 2, argv + argc);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  int threads = static_cast<int>(std::max(1L, cpus / jobs));
  if (jobs == 1)
    return reference(outdir, inputs, sync, threads);
  // One process per job, each taking every jobs-th input.
  std::vector<pid_t> kids;
  for (int k = 0; k < jobs; k++) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    if (pid == 0) {
      std::vector<std::string> mine;
      for (size_t n = static_cast<size_t>(k); n < inputs.size(); n += static_cast<size_t>(jobs))
        mine.push_back(inputs[n]);
      _exit(reference(outdir, mine, sync, threads));
    }
    kids.push_back(pid);
  }
  int rc = 0;
  for (pid_t pid : kids) {
    int st = 0;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
      rc = 1;
  }
  return rc;
}
