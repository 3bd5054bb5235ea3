// cvshim.cpp - the only C++ in cvapp: OpenCV behind the C API of cvshim.h.
#include "cvshim.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

namespace {

thread_local std::string g_last_error;

cvs_status fail(cvs_status st, const char *what) {
    try {
        g_last_error = what ? what : "unknown error";
        // OpenCV's messages span lines; cvapp reports one line per error.
        for (char &c : g_last_error)
            if (c == '\n' || c == '\r') c = ' ';
        while (!g_last_error.empty() && g_last_error.back() == ' ')
            g_last_error.pop_back();
    } catch (...) {
        // Out of memory while keeping the message: leave it empty.
    }
    return st;
}

struct invalid_arg : std::exception {
    const char *msg;
    explicit invalid_arg(const char *m) : msg(m) {}
    const char *what() const noexcept override { return msg; }
};

// Every entry point runs its body through guarded(): no exception
// crosses into C.
template <typename F> cvs_status guarded(F &&body) noexcept {
    try {
        g_last_error.clear();
        body();
        return CVS_OK;
    } catch (const invalid_arg &e) {
        return fail(CVS_EINVAL, e.what());
    } catch (const cv::Exception &e) {
        // e.what() carries file and line; err + func are what users need.
        std::string m;
        try {
            m = e.err.empty() ? std::string(e.what()) : e.err;
            if (!e.func.empty()) m = e.func + ": " + m;
        } catch (...) {
            return fail(CVS_ENOMEM, "out of memory");
        }
        return fail(CVS_ECV, m.c_str());
    } catch (const std::bad_alloc &) {
        return fail(CVS_ENOMEM, "out of memory");
    } catch (const std::exception &e) {
        return fail(CVS_EINTERNAL, e.what());
    } catch (...) {
        return fail(CVS_EINTERNAL, "unknown exception");
    }
}
#define CVS_ENTRY(...) return guarded([&]() { __VA_ARGS__ })

void require(bool ok, const char *msg) {
    if (!ok) throw invalid_arg(msg);
}

// Wraps a borrowed image as a cv::Mat header: no copy.
cv::Mat view(const cvs_image *img) {
    require(img != nullptr && img->data != nullptr, "null image");
    require(img->width > 0 && img->height > 0, "empty image");
    require(img->channels == 1 || img->channels == 3 || img->channels == 4,
            "unsupported channel count");
    require(img->stride >= (size_t)img->width * (size_t)img->channels,
            "stride smaller than a row");
    return cv::Mat(img->height, img->width, CV_8UC(img->channels), img->data,
                   img->stride);
}

void ensure(cvs_image *img, int w, int h, int c) {
    require(img != nullptr, "null output image");
    if (cvs_image_alloc(img, w, h, c) != CVS_OK) throw std::bad_alloc();
}

// Runs `fn(in, out)` where out is a Mat over dst's buffer, sized like the
// result.  If OpenCV replaced the buffer anyway, the result is copied in.
template <typename F>
void into(const cvs_image *src, cvs_image *dst, int w, int h, int c, F &&fn) {
    require(src != dst, "output aliases input");
    cv::Mat in = view(src);
    ensure(dst, w, h, c);
    cv::Mat out = view(dst);
    cv::Mat target = out;
    fn(in, target);
    if (target.data != out.data) {
        require(target.rows == h && target.cols == w &&
                    target.type() == CV_8UC(c),
                "unexpected result shape");
        target.copyTo(out);
    }
}

void store_keypoints(const std::vector<cv::KeyPoint> &kps, const cv::Mat &desc,
                     cvs_keypoints *out) {
    require(out != nullptr, "null keypoint list");
    *out = cvs_keypoints{};
    if (kps.empty()) return;
    auto *items = static_cast<cvs_keypoint *>(
        std::malloc(kps.size() * sizeof(cvs_keypoint)));
    if (!items) throw std::bad_alloc();
    for (size_t i = 0; i < kps.size(); i++) {
        const cv::KeyPoint &k = kps[i];
        items[i] = cvs_keypoint{k.pt.x,     k.pt.y,   k.size,   k.angle,
                                k.response, k.octave, k.class_id};
    }
    void *d = nullptr;
    int type = CVS_DESC_NONE, len = 0;
    if (!desc.empty()) {
        if (desc.rows != (int)kps.size() ||
            (desc.type() != CV_8U && desc.type() != CV_32F)) {
            std::free(items);
            throw invalid_arg("descriptor matrix does not match keypoints");
        }
        size_t rowbytes = desc.cols * desc.elemSize();
        d = std::malloc(rowbytes * desc.rows);
        if (!d) {
            std::free(items);
            throw std::bad_alloc();
        }
        for (int r = 0; r < desc.rows; r++)
            std::memcpy(static_cast<char *>(d) + r * rowbytes, desc.ptr(r),
                        rowbytes);
        type = desc.type() == CV_8U ? CVS_DESC_U8 : CVS_DESC_F32;
        len = desc.cols;
    }
    out->items = items;
    out->count = kps.size();
    out->desc_type = type;
    out->desc_len = len;
    out->descriptors = d;
}

} // namespace

extern "C" {

void cvs_keypoints_free(cvs_keypoints *kp) {
    if (!kp) return;
    std::free(kp->items);
    std::free(kp->descriptors);
    *kp = cvs_keypoints{};
}

void cvs_image_free(cvs_image *img) {
    if (!img) return;
    if (img->capacity) std::free(img->data);
    *img = cvs_image{};
}

cvs_status cvs_image_alloc(cvs_image *img, int width, int height,
                           int channels) {
    if (!img || width <= 0 || height <= 0 || channels <= 0)
        return fail(CVS_EINVAL, "invalid image size");
    size_t stride = (size_t)width * (size_t)channels;
    if ((size_t)height > SIZE_MAX / stride)
        return fail(CVS_EINVAL, "image too large");
    size_t need = stride * (size_t)height;
    if (need > img->capacity) {
        if (img->capacity) std::free(img->data);
        img->data = static_cast<uint8_t *>(std::malloc(need));
        img->capacity = img->data ? need : 0;
        if (!img->data) return fail(CVS_ENOMEM, "out of memory");
    } else if (!img->capacity) {
        return fail(CVS_EINVAL, "cannot allocate into a borrowed view");
    }
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->stride = stride;
    return CVS_OK;
}

const char *cvs_last_error(void) { return g_last_error.c_str(); }

const char *cvs_opencv_version(void) { return CV_VERSION; }

cvs_status cvs_set_num_threads(int n) {
    CVS_ENTRY(require(n >= 0, "negative thread count");
              cv::setNumThreads(n == 0 ? -1 : n););
}

int cvs_get_num_threads(void) {
    try {
        return cv::getNumThreads();
    } catch (...) {
        return 1;
    }
}

cvs_status cvs_grayscale(const cvs_image *src, cvs_image *dst) {
    CVS_ENTRY(require(src != nullptr, "null image");
              into(src, dst, src->width, src->height, 1,
                   [&](const cv::Mat &in, cv::Mat &out) {
                       if (in.channels() == 1)
                           in.copyTo(out);
                       else
                           cv::cvtColor(in, out,
                                        in.channels() == 4 ? cv::COLOR_BGRA2GRAY
                                                           : cv::COLOR_BGR2GRAY);
                   }););
}

cvs_status cvs_gaussian(const cvs_image *src, cvs_image *dst, int ksize,
                        double sigma, double sigma_y) {
    CVS_ENTRY(require(src != nullptr, "null image");
              into(src, dst, src->width, src->height, src->channels,
                   [&](const cv::Mat &in, cv::Mat &out) {
                       cv::GaussianBlur(in, out, cv::Size(ksize, ksize), sigma,
                                        sigma_y);
                   }););
}

cvs_status cvs_canny(const cvs_image *src, cvs_image *dst, double low,
                     double high, int aperture, int l2) {
    CVS_ENTRY(require(src != nullptr, "null image");
              into(src, dst, src->width, src->height, 1,
                   [&](const cv::Mat &in, cv::Mat &out) {
                       cv::Canny(in, out, low, high, aperture, l2 != 0);
                   }););
}

cvs_status cvs_orb(const cvs_image *src, const cvs_orb_params *p,
                   cvs_keypoints *out) {
    CVS_ENTRY(
        require(p != nullptr, "null parameters");
        require(out != nullptr, "null keypoint list");
        *out = cvs_keypoints{}; cv::Mat in = view(src);
        cv::Ptr<cv::ORB> orb = cv::ORB::create(
            p->nfeatures, (float)p->scale_factor, p->nlevels, p->edge_threshold,
            p->first_level, p->wta_k,
            p->score_type ? cv::ORB::FAST_SCORE : cv::ORB::HARRIS_SCORE,
            p->patch_size, p->fast_threshold);
        std::vector<cv::KeyPoint> kps; cv::Mat desc;
        if (p->descriptors) orb->detectAndCompute(in, cv::noArray(), kps, desc);
        else orb->detect(in, kps);
        store_keypoints(kps, desc, out););
}

} // extern "C"
