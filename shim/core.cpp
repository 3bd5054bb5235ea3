// SPDX-License-Identifier: MIT
// core.cpp - the entry guard and error text, views and buffers, image
// allocation, the result-free functions, versions and threads.
#include "internal.hpp"

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>

#include <cxxabi.h>

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

namespace cvshim {

thread_local size_t last_found = 0;

namespace {

thread_local std::string last_error;
// Set instead when the message could not be kept (no memory for it).
thread_local const char *last_error_fixed = nullptr;

// "func: err" from a cv::Exception (e.what() adds file and line, which
// users do not need).
std::string cv_message(const cv::Exception &e) {
    std::string m = e.err.empty() ? std::string(e.what()) : e.err;
    if (!e.func.empty())
        m = e.func + ": " + m;
    return m;
}

// The limits in force (cvs_set_limits); each field on its own.
std::atomic<size_t> max_image_bytes{CVS_DEFAULT_MAX_IMAGE_BYTES};
std::atomic<int> max_side{CVS_DEFAULT_MAX_SIDE};
std::atomic<int64_t> max_output_pixels{CVS_DEFAULT_MAX_OUTPUT_PIXELS};

} // namespace

cvs_limits limits() noexcept {
    cvs_limits l;
    l.max_image_bytes = max_image_bytes.load(std::memory_order_relaxed);
    l.max_side = max_side.load(std::memory_order_relaxed);
    l.max_output_pixels = max_output_pixels.load(std::memory_order_relaxed);
    return l;
}

void clear_error() noexcept {
    last_error.clear();
    last_error_fixed = nullptr;
}

cvs_status fail(cvs_status st, const char *what) noexcept {
    last_error_fixed = nullptr;
    try {
        last_error = what ? what : "unknown error";
        // OpenCV's messages span lines; cvapp reports one line per error.
        for (char &c : last_error) {
            if (c == '\n' || c == '\r')
                c = ' ';
        }
        while (!last_error.empty() && last_error.back() == ' ')
            last_error.pop_back();
    } catch (...) {
        // No memory to keep the message: say so in a string that needs none.
        last_error_fixed = "out of memory keeping the error message";
    }
    return st;
}

// UBSan's null check is off here: a forced unwind is a foreign exception
// whose C++ object is null by the ABI's design, so its handler binds a
// reference to null as libstdc++ intends.  noinline keeps the attribute on
// this function's code alone (GCC applies it where the code ends up).
__attribute__((noinline, no_sanitize("null"))) cvs_status fail_current() {
    try {
        throw;
    } catch (const abi::__forced_unwind &) {
        throw;
    } catch (const shim_error &e) {
        return fail(e.status, e.what());
    } catch (const cv::Exception &e) {
        try {
            return fail(CVS_ECV, cv_message(e).c_str());
        } catch (const std::bad_alloc &) {
            return fail(CVS_ENOMEM, "out of memory");
        }
    } catch (const std::bad_alloc &) {
        return fail(CVS_ENOMEM, "out of memory");
    } catch (const std::exception &e) {
        return fail(CVS_EINTERNAL, e.what());
    } catch (...) {
        return fail(CVS_EINTERNAL, "unknown exception");
    }
}

std::string format(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = std::vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return fmt;
    if ((size_t)n < sizeof small)
        return std::string(small, (size_t)n);
    std::string out((size_t)n + 1, '\0');
    va_start(ap, fmt);
    std::vsnprintf(&out[0], out.size(), fmt, ap);
    va_end(ap);
    out.resize((size_t)n);
    return out;
}

void require(bool ok, const char *msg) {
    if (!ok)
        throw invalid_arg(msg);
}

cv::Mat view(const cvs_image *img) {
    require(img != nullptr && img->data != nullptr, "null image");
    require(img->width > 0 && img->height > 0, "empty image");
    require(img->channels == 1 || img->channels == 3 || img->channels == 4,
            "unsupported channel count");
    require(img->stride >= (size_t)img->width * (size_t)img->channels,
            "stride smaller than a row");
    return cv::Mat(img->height, img->width, CV_8UC(img->channels), img->data, img->stride);
}

void alloc_image(cvs_image *img, int width, int height, int channels) {
    require(img != nullptr, "null image");
    if (width <= 0 || height <= 0 || channels <= 0)
        throw invalid_arg(format("invalid image size %dx%dx%d", width, height, channels));
    size_t stride = (size_t)width * (size_t)channels;
    size_t max_bytes = limits().max_image_bytes;
    // stride * height could wrap; stride alone cannot (two ints).
    if ((size_t)height > max_bytes / stride)
        throw invalid_arg(format("image of %dx%dx%d is over the %zu-byte limit", width, height,
                                 channels, max_bytes));
    size_t need = stride * (size_t)height;
    // A borrowed view's pixels belong to someone else: never replace them.
    require(img->capacity != 0 || img->data == nullptr, "cannot allocate into a borrowed view");
    if (need > img->capacity) {
        // The new buffer first: on failure img is unchanged.
        void *p = std::malloc(need);
        if (!p)
            throw shim_error(CVS_ENOMEM,
                             format("out of memory allocating %zu bytes for an image of %dx%dx%d",
                                    need, width, height, channels));
        std::free(img->data);
        img->data = static_cast<uint8_t *>(p);
        img->capacity = need;
    }
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->stride = stride;
}

bool overlaps(const cvs_image *src, const cvs_image *dst) noexcept {
    if (!src || !dst || !src->data || !dst->data || src->height <= 0)
        return false;
    // src's pixels: up to the end of its last row.
    uintptr_t s0 = (uintptr_t)src->data;
    uintptr_t s1 = s0 + src->stride * (size_t)(src->height - 1) +
                   (size_t)src->width * (size_t)src->channels;
    // dst's buffer: what was allocated, or (borrowed) what it shows.
    size_t dst_bytes = dst->capacity;
    if (!dst_bytes && dst->height > 0)
        dst_bytes = dst->stride * (size_t)dst->height;
    uintptr_t d0 = (uintptr_t)dst->data;
    uintptr_t d1 = d0 + dst_bytes;
    return s0 < d1 && d0 < s1;
}

} // namespace cvshim

using namespace cvshim;

#define CVS_STR_(x) #x
#define CVS_STR(x) CVS_STR_(x)

extern "C" {

int cvs_version(void) {
    return CVS_VERSION;
}

const char *cvs_version_string(void) {
    return CVS_STR(CVS_VERSION_MAJOR) "." CVS_STR(CVS_VERSION_MINOR) "." CVS_STR(
        CVS_VERSION_PATCH);
}

void cvs_limits_init(cvs_limits *l) {
    if (!l)
        return;
    l->max_image_bytes = CVS_DEFAULT_MAX_IMAGE_BYTES;
    l->max_side = CVS_DEFAULT_MAX_SIDE;
    l->max_output_pixels = CVS_DEFAULT_MAX_OUTPUT_PIXELS;
}

void cvs_get_limits(cvs_limits *l) {
    if (l)
        *l = limits();
}

cvs_status cvs_set_limits(const cvs_limits *l) {
    return guarded([&] {
        require(l != nullptr, "null limits");
        require(l->max_image_bytes > 0 && l->max_side > 0 && l->max_output_pixels > 0,
                "limits must be positive");
        max_image_bytes.store(l->max_image_bytes, std::memory_order_relaxed);
        max_side.store(l->max_side, std::memory_order_relaxed);
        max_output_pixels.store(l->max_output_pixels, std::memory_order_relaxed);
    });
}

void cvs_keypoints_free(cvs_keypoints *kp) {
    if (!kp)
        return;
    std::free(kp->items);
    std::free(kp->descriptors);
    *kp = cvs_keypoints{};
}

void cvs_lines_free(cvs_lines *l) {
    if (!l)
        return;
    std::free(l->items);
    *l = cvs_lines{};
}

void cvs_circles_free(cvs_circles *c) {
    if (!c)
        return;
    std::free(c->items);
    *c = cvs_circles{};
}

void cvs_boxes_free(cvs_boxes *b) {
    if (!b)
        return;
    std::free(b->items);
    *b = cvs_boxes{};
}

void cvs_contours_free(cvs_contours *c) {
    if (!c)
        return;
    std::free(c->items);
    std::free(c->points);
    *c = cvs_contours{};
}

void cvs_image_free(cvs_image *img) {
    if (!img)
        return;
    if (img->capacity)
        std::free(img->data);
    *img = cvs_image{};
}

cvs_status cvs_image_alloc(cvs_image *img, int width, int height, int channels) {
    return guarded([&] {
        alloc_image(img, width, height, channels);
    });
}

const char *cvs_last_error(void) {
    return last_error_fixed ? last_error_fixed : last_error.c_str();
}

const char *cvs_opencv_version(void) {
    return CV_VERSION;
}

cvs_status cvs_set_num_threads(int n) {
    return guarded([&] {
        require(n >= 0, "negative thread count");
        cv::setNumThreads(n == 0 ? -1 : n);
    });
}

int cvs_get_num_threads(void) {
    int n = 1;
    cvs_status st = guarded([&] {
        n = cv::getNumThreads();
    });
    return st == CVS_OK ? n : 1;
}

} // extern "C"
