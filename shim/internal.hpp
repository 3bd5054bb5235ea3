// SPDX-License-Identifier: MIT
// internal.hpp - what the shim's files share; never installed, never seen by C.
//
// The shim is split by concern:
//   core.cpp       the entry guard and error text, views and buffers,
//                  cvs_image_alloc/free, the result-free functions, versions
//   filters.cpp    cvs_grayscale .. cvs_convert
//   draw.cpp       cvs_to_bgr and cvs_draw_*
//   detectors.cpp  the detectors and the storage of their results
//   matching.cpp   descriptor matching and the model fit (calib3d)
//
// Every entry point is an ordinary function whose body is
//     return guarded([&] {
//         ...one statement a line...
//     });
// so that no exception crosses into C and a debugger or sanitizer names the
// line that failed.
#ifndef CVSHIM_INTERNAL_HPP
#define CVSHIM_INTERNAL_HPP

#include "cvshim.h"

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace cvshim {

// An error the shim raises itself, with the status it is reported as.
struct shim_error : std::exception {
    cvs_status status;
    std::string msg;
    shim_error(cvs_status st, std::string m) : status(st), msg(std::move(m)) {}
    const char *what() const noexcept override { return msg.c_str(); }
};

// An argument the shim refuses (CVS_EINVAL).
struct invalid_arg : shim_error {
    explicit invalid_arg(std::string m) : shim_error(CVS_EINVAL, std::move(m)) {}
};

// The size limits in force (cvs_get_limits).
cvs_limits limits() noexcept;

// Empties this thread's error text (a successful call leaves it "").
void clear_error() noexcept;

// Keeps `what` (on one line) as this thread's error text; returns st.
cvs_status fail(cvs_status st, const char *what) noexcept;

// Called inside a catch handler: maps the exception being handled to a
// status and keeps its message.  shim_error: its own status; cv::Exception:
// CVS_ECV; std::bad_alloc: CVS_ENOMEM; anything else: CVS_EINTERNAL.
// abi::__forced_unwind (thread cancellation, pthread_exit) is no failure: it
// is rethrown, so that the thread ends as its host program asked.
cvs_status fail_current();

// Runs an entry point's body: CVS_OK when it returns, the failure's status
// (and message) when it throws.  Not noexcept: forced unwinding passes
// through (see fail_current).
// How many items the running detector found before cvs_set_max_items'
// cut (cvs_last_found): 0 from the start of every entry point.
extern thread_local size_t last_found;

template <typename F> cvs_status guarded(F &&body) {
    try {
        clear_error();
        last_found = 0;
        body();
        return CVS_OK;
    } catch (...) {
        return fail_current();
    }
}

// printf into a std::string (for messages; std::to_string would export
// libstdc++'s digit tables from a shared build).
std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// Throws invalid_arg(msg) unless ok.
void require(bool ok, const char *msg);

// The parameter struct of a detector, refused when null or not filled by
// its cvs_*_params_init (p->size below `known`, the bytes up to the last
// field this version reads; a later version that adds fields reads each
// one only when p->size covers it, else uses its default).
template <typename P> const P &params(const P *p, size_t known, const char *init) {
    require(p != nullptr, "null parameters");
    if (p->size < known)
        throw invalid_arg(format("parameters not initialised (call %s first)", init));
    return *p;
}

// A cv::Mat header over a borrowed image: no copy.  Refuses a null or empty
// image, an unsupported channel count and a stride shorter than a row.
cv::Mat view(const cvs_image *img);

// cvs_image_alloc's work, throwing shim_error instead of returning a status.
void alloc_image(cvs_image *img, int width, int height, int channels);

// True when dst's buffer (shim-allocated or borrowed) shares a byte with
// src's pixels.
bool overlaps(const cvs_image *src, const cvs_image *dst) noexcept;

// Runs `fn(in, out)` where `in` views src and `out` is a Mat over dst's
// buffer, (re)allocated to w x h x c.  If OpenCV replaced the buffer anyway,
// the result is copied in.
template <typename F>
void into(const cvs_image *src, cvs_image *dst, int w, int h, int c, F &&fn) {
    require(src != dst, "output aliases input");
    cv::Mat in = view(src);
    require(dst != nullptr, "null output image");
    require(!overlaps(src, dst), "output aliases input");
    alloc_image(dst, w, h, c);
    cv::Mat out = view(dst);
    cv::Mat target = out;
    fn(in, target);
    if (target.data != out.data) {
        require(target.rows == h && target.cols == w && target.type() == CV_8UC(c),
                "unexpected result shape");
        target.copyTo(out);
    }
}

// src as a 1- or 3-channel dst (cv::cvtColor from gray, BGR or BGRA; a
// copy when src has them already): cvs_grayscale and cvs_to_bgr.
void convert_channels(const cvs_image *src, cvs_image *dst, int channels);

// malloc'd C arrays held until they are handed to the caller.
struct c_free {
    void operator()(void *p) const {
        std::free(p);
    }
};
template <typename T> using c_ptr = std::unique_ptr<T, c_free>;

template <typename T> c_ptr<T> c_alloc(size_t n) {
    if (n == 0)
        return nullptr;
    if (n > SIZE_MAX / sizeof(T))
        throw std::bad_alloc();
    c_ptr<T> p(static_cast<T *>(std::malloc(n * sizeof(T))));
    if (!p)
        throw std::bad_alloc();
    return p;
}

template <typename T> c_ptr<T> c_copy(const std::vector<T> &v) {
    c_ptr<T> p = c_alloc<T>(v.size());
    if (p)
        std::memcpy(p.get(), v.data(), v.size() * sizeof(T));
    return p;
}

// Fills a parameter struct with `defaults` (cvshim.h names them beside
// each field) and the caller's size.
template <typename P> void init_params(P *p, size_t size, P defaults) {
    if (!p || size < sizeof p->size)
        return;
    defaults.size = size;
    // A caller built against an older header has a smaller struct: only its
    // part is written.  A newer caller's later fields are not read.
    std::memcpy(p, &defaults, size < sizeof defaults ? size : sizeof defaults);
}
// A cvs choice (an enum value of cvshim.h) -> the OpenCV constant at that
// index of `table`, refusing a value outside it.  Each table sits beside a
// static_assert on its enum's count.
template <typename T, std::size_t N> T pick(const T (&table)[N], int i, const char *what) {
    if (i < 0 || static_cast<std::size_t>(i) >= N)
        throw invalid_arg(format("invalid %s %d (0..%zu)", what, i, N - 1));
    return table[i];
}

} // namespace cvshim

#endif
