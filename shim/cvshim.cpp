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
#include <limits>
#include <memory>
#include <string>
#include <utility>
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
    std::string msg;
    explicit invalid_arg(std::string m) : msg(std::move(m)) {}
    const char *what() const noexcept override { return msg.c_str(); }
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

// malloc'd C arrays held until they are handed to the caller.
struct c_free {
    void operator()(void *p) const { std::free(p); }
};
template <typename T> using c_ptr = std::unique_ptr<T, c_free>;

template <typename T> c_ptr<T> c_alloc(size_t n) {
    if (n == 0) return nullptr;
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    c_ptr<T> p(static_cast<T *>(std::malloc(n * sizeof(T))));
    if (!p) throw std::bad_alloc();
    return p;
}

template <typename T> c_ptr<T> c_copy(const std::vector<T> &v) {
    c_ptr<T> p = c_alloc<T>(v.size());
    if (p) std::memcpy(p.get(), v.data(), v.size() * sizeof(T));
    return p;
}

void store_keypoints(const std::vector<cv::KeyPoint> &kps, const cv::Mat &desc,
                     cvs_keypoints *out) {
    std::vector<cvs_keypoint> items;
    items.reserve(kps.size());
    for (const cv::KeyPoint &k : kps)
        items.push_back(cvs_keypoint{k.pt.x, k.pt.y, k.size, k.angle, k.response, k.octave,
                                     k.class_id});
    c_ptr<cvs_keypoint> pk = c_copy(items);
    c_ptr<char> pd;
    int type = CVS_DESC_NONE, len = 0;
    if (!desc.empty() && !kps.empty()) {
        require(desc.rows == (int)kps.size() && (desc.type() == CV_8U || desc.type() == CV_32F),
                "descriptor matrix does not match keypoints");
        size_t rowbytes = desc.cols * desc.elemSize();
        pd = c_alloc<char>(rowbytes * desc.rows);
        for (int r = 0; r < desc.rows; r++)
            std::memcpy(pd.get() + r * rowbytes, desc.ptr(r), rowbytes);
        type = desc.type() == CV_8U ? CVS_DESC_U8 : CVS_DESC_F32;
        len = desc.cols;
    }
    out->count = kps.size();
    out->desc_type = type;
    out->desc_len = len;
    out->items = pk.release();
    out->descriptors = pd.release();
}

// Runs a keypoint detector (and descriptor extractor) on src into out.
void detect(const cvs_image *src, const cv::Ptr<cv::Feature2D> &f, bool descriptors,
            cvs_keypoints *out) {
    require(out != nullptr, "null keypoint list");
    *out = cvs_keypoints{};
    cv::Mat in = view(src);
    std::vector<cv::KeyPoint> kps;
    cv::Mat desc;
    if (descriptors)
        f->detectAndCompute(in, cv::noArray(), kps, desc);
    else
        f->detect(in, kps);
    store_keypoints(kps, desc, out);
}

// A filter whose result has src's size and channels.
template <typename F> void same(const cvs_image *src, cvs_image *dst, F &&fn) {
    require(src != nullptr, "null image");
    into(src, dst, src->width, src->height, src->channels, fn);
}

// A filter on one channel: the result has src's size, one channel.
template <typename F> void gray_only(const cvs_image *src, cvs_image *dst, F &&fn) {
    require(src != nullptr, "null image");
    require(src->channels == 1, "needs a one-channel (gray) image");
    into(src, dst, src->width, src->height, 1, fn);
}

// A derivative computed in CV_16S, returned as its 8-bit absolute value.
template <typename F> void abs16(const cvs_image *src, cvs_image *dst, F &&deriv) {
    same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
        cv::Mat d;
        deriv(in, d);
        cv::convertScaleAbs(d, out);
    });
}

// Output size limits of filters that make a new size.
void check_output_size(long long w, long long h, const char *what) {
    if (w < 1 || h < 1) throw invalid_arg(std::string(what) + ": the result would be empty");
    if (w > CVS_MAX_SIDE || h > CVS_MAX_SIDE || w * h > CVS_MAX_OUTPUT_PIXELS)
        throw invalid_arg(std::string(what) + ": the result would be " + std::to_string(w) + "x" +
                          std::to_string(h) + ", over the limit of " +
                          std::to_string(CVS_MAX_OUTPUT_PIXELS) + " pixels or " +
                          std::to_string(CVS_MAX_SIDE) + " a side");
}

// cvs enum value -> OpenCV constant, with a range check.
template <size_t N> int pick(const int (&table)[N], int i, const char *what) {
    if (i < 0 || (size_t)i >= N) throw invalid_arg(std::string("invalid ") + what);
    return table[i];
}

cv::Mat draw_target(cvs_image *img, const cvs_style *st) {
    require(st != nullptr, "null style");
    require(st->thickness >= 1 && st->thickness <= 255, "invalid thickness");
    cv::Mat m = view(img);
    require(m.channels() == 3, "drawing needs a 3-channel image");
    return m;
}

cv::Scalar color_of(const cvs_style *st) { return cv::Scalar(st->b, st->g, st->r); }

} // namespace

extern "C" {

void cvs_keypoints_free(cvs_keypoints *kp) {
    if (!kp) return;
    std::free(kp->items);
    std::free(kp->descriptors);
    *kp = cvs_keypoints{};
}

void cvs_lines_free(cvs_lines *l) {
    if (!l) return;
    std::free(l->items);
    *l = cvs_lines{};
}

void cvs_circles_free(cvs_circles *c) {
    if (!c) return;
    std::free(c->items);
    *c = cvs_circles{};
}

void cvs_contours_free(cvs_contours *c) {
    if (!c) return;
    std::free(c->items);
    std::free(c->points);
    *c = cvs_contours{};
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
    if (need > CVS_MAX_IMAGE_BYTES) return fail(CVS_EINVAL, "image too large");
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
        *out = cvs_keypoints{};
        detect(src,
               cv::ORB::create(p->nfeatures, (float)p->scale_factor, p->nlevels,
                               p->edge_threshold, p->first_level, p->wta_k,
                               p->score_type ? cv::ORB::FAST_SCORE : cv::ORB::HARRIS_SCORE,
                               p->patch_size, p->fast_threshold),
               p->descriptors != 0, out););
}

/* ---- more filters ---- */

cvs_status cvs_resize(const cvs_image *src, cvs_image *dst, int width, int height,
                      double scale, int interp) {
    static const int interps[] = {cv::INTER_NEAREST, cv::INTER_LINEAR, cv::INTER_CUBIC,
                                  cv::INTER_AREA, cv::INTER_LANCZOS4};
    CVS_ENTRY(
        require(src != nullptr, "null image");
        int mode = pick(interps, interp, "interpolation");
        bool sized = width > 0 && height > 0;
        require(sized || scale > 0, "resize needs width and height, or scale");
        // OpenCV's own size rule for a scale: saturate_cast<int>(side * scale).
        int w = sized ? width : cv::saturate_cast<int>(src->width * scale);
        int h = sized ? height : cv::saturate_cast<int>(src->height * scale);
        check_output_size(w, h, "resize");
        into(src, dst, w, h, src->channels, [&](const cv::Mat &in, cv::Mat &out) {
            if (sized)
                cv::resize(in, out, cv::Size(w, h), 0, 0, mode);
            else
                cv::resize(in, out, cv::Size(), scale, scale, mode);
        }););
}

cvs_status cvs_crop(const cvs_image *src, cvs_image *dst, int x, int y, int width,
                    int height) {
    CVS_ENTRY(
        require(src != nullptr, "null image");
        long long w = width > 0 ? width : (long long)src->width - x;
        long long h = height > 0 ? height : (long long)src->height - y;
        if (x < 0 || y < 0 || width < 0 || height < 0 || w < 1 || h < 1 ||
            x + w > src->width || y + h > src->height)
            throw invalid_arg("crop x=" + std::to_string(x) + " y=" + std::to_string(y) +
                              " width=" + std::to_string(width) + " height=" +
                              std::to_string(height) + " does not fit in the " +
                              std::to_string(src->width) + "x" + std::to_string(src->height) +
                              " image");
        into(src, dst, (int)w, (int)h, src->channels, [&](const cv::Mat &in, cv::Mat &out) {
            in(cv::Rect(x, y, (int)w, (int)h)).copyTo(out);
        }););
}

cvs_status cvs_flip(const cvs_image *src, cvs_image *dst, int axis) {
    static const int codes[] = {1, 0, -1};
    CVS_ENTRY(int code = pick(codes, axis, "flip axis");
              same(src, dst, [&](const cv::Mat &in, cv::Mat &out) { cv::flip(in, out, code); }););
}

cvs_status cvs_rotate(const cvs_image *src, cvs_image *dst, int quarter_turns) {
    static const int codes[] = {cv::ROTATE_90_CLOCKWISE, cv::ROTATE_180,
                                cv::ROTATE_90_COUNTERCLOCKWISE};
    CVS_ENTRY(
        require(src != nullptr, "null image");
        int code = pick(codes, quarter_turns - 1, "rotation");
        bool swap = quarter_turns != 2;
        into(src, dst, swap ? src->height : src->width, swap ? src->width : src->height,
             src->channels,
             [&](const cv::Mat &in, cv::Mat &out) { cv::rotate(in, out, code); }););
}

cvs_status cvs_blur(const cvs_image *src, cvs_image *dst, int ksize) {
    CVS_ENTRY(same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
        cv::blur(in, out, cv::Size(ksize, ksize));
    }););
}

cvs_status cvs_median(const cvs_image *src, cvs_image *dst, int ksize) {
    CVS_ENTRY(same(src, dst,
                   [&](const cv::Mat &in, cv::Mat &out) { cv::medianBlur(in, out, ksize); }););
}

cvs_status cvs_bilateral(const cvs_image *src, cvs_image *dst, int d, double sigma_color,
                         double sigma_space) {
    CVS_ENTRY(same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
        cv::bilateralFilter(in, out, d, sigma_color, sigma_space);
    }););
}

cvs_status cvs_sharpen(const cvs_image *src, cvs_image *dst, double sigma, double amount) {
    CVS_ENTRY(same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
        cv::Mat blurred;
        cv::GaussianBlur(in, blurred, cv::Size(), sigma);
        cv::addWeighted(in, 1 + amount, blurred, -amount, 0, out);
    }););
}

cvs_status cvs_sobel(const cvs_image *src, cvs_image *dst, int dx, int dy, int ksize) {
    CVS_ENTRY(abs16(src, dst, [&](const cv::Mat &in, cv::Mat &d) {
        cv::Sobel(in, d, CV_16S, dx, dy, ksize);
    }););
}

cvs_status cvs_scharr(const cvs_image *src, cvs_image *dst, int dx, int dy) {
    CVS_ENTRY(abs16(src, dst,
                    [&](const cv::Mat &in, cv::Mat &d) { cv::Scharr(in, d, CV_16S, dx, dy); }););
}

cvs_status cvs_laplacian(const cvs_image *src, cvs_image *dst, int ksize) {
    CVS_ENTRY(abs16(src, dst, [&](const cv::Mat &in, cv::Mat &d) {
        cv::Laplacian(in, d, CV_16S, ksize);
    }););
}

cvs_status cvs_threshold(const cvs_image *src, cvs_image *dst, double value, double max,
                         int type) {
    static const int types[] = {cv::THRESH_BINARY,
                                cv::THRESH_BINARY_INV,
                                cv::THRESH_TRUNC,
                                cv::THRESH_TOZERO,
                                cv::THRESH_TOZERO_INV,
                                cv::THRESH_BINARY | cv::THRESH_OTSU,
                                cv::THRESH_BINARY | cv::THRESH_TRIANGLE};
    CVS_ENTRY(
        require(src != nullptr, "null image");
        int t = pick(types, type, "threshold type");
        bool automatic = type >= CVS_THRESH_OTSU;
        into(src, dst, src->width, src->height, automatic ? 1 : src->channels,
             [&](const cv::Mat &in, cv::Mat &out) {
                 cv::Mat g = in;
                 if (automatic && in.channels() != 1) cv::cvtColor(in, g, cv::COLOR_BGR2GRAY);
                 cv::threshold(g, out, value, max, t);
             }););
}

cvs_status cvs_adaptive_threshold(const cvs_image *src, cvs_image *dst, double max,
                                  int method, int block, double c, int invert) {
    static const int methods[] = {cv::ADAPTIVE_THRESH_MEAN_C, cv::ADAPTIVE_THRESH_GAUSSIAN_C};
    CVS_ENTRY(int m = pick(methods, method, "adaptive method");
              gray_only(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
                  cv::adaptiveThreshold(in, out, max, m,
                                        invert ? cv::THRESH_BINARY_INV : cv::THRESH_BINARY,
                                        block, c);
              }););
}

cvs_status cvs_morphology(const cvs_image *src, cvs_image *dst, int op, int ksize, int shape,
                          int iterations) {
    static const int ops[] = {cv::MORPH_ERODE,    cv::MORPH_DILATE,   cv::MORPH_OPEN,
                              cv::MORPH_CLOSE,    cv::MORPH_GRADIENT, cv::MORPH_TOPHAT,
                              cv::MORPH_BLACKHAT};
    static const int shapes[] = {cv::MORPH_RECT, cv::MORPH_ELLIPSE, cv::MORPH_CROSS};
    CVS_ENTRY(
        int o = pick(ops, op, "morphology op"); int sh = pick(shapes, shape, "kernel shape");
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::Mat kernel = cv::getStructuringElement(sh, cv::Size(ksize, ksize));
            cv::morphologyEx(in, out, o, kernel, cv::Point(-1, -1), iterations);
        }););
}

cvs_status cvs_equalize(const cvs_image *src, cvs_image *dst) {
    CVS_ENTRY(gray_only(src, dst,
                        [&](const cv::Mat &in, cv::Mat &out) { cv::equalizeHist(in, out); }););
}

cvs_status cvs_clahe(const cvs_image *src, cvs_image *dst, double clip, int tile) {
    CVS_ENTRY(gray_only(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
        cv::createCLAHE(clip, cv::Size(tile, tile))->apply(in, out);
    }););
}

cvs_status cvs_invert(const cvs_image *src, cvs_image *dst) {
    CVS_ENTRY(
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) { cv::bitwise_not(in, out); }););
}

cvs_status cvs_normalize(const cvs_image *src, cvs_image *dst, double min, double max) {
    CVS_ENTRY(same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
        cv::normalize(in, out, min, max, cv::NORM_MINMAX);
    }););
}

cvs_status cvs_convert(const cvs_image *src, cvs_image *dst, double alpha, double beta) {
    CVS_ENTRY(same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
        in.convertTo(out, -1, alpha, beta);
    }););
}

/* ---- drawing ---- */

cvs_status cvs_to_bgr(const cvs_image *src, cvs_image *dst) {
    CVS_ENTRY(require(src != nullptr, "null image");
              into(src, dst, src->width, src->height, 3, [&](const cv::Mat &in, cv::Mat &out) {
                  if (in.channels() == 1)
                      cv::cvtColor(in, out, cv::COLOR_GRAY2BGR);
                  else if (in.channels() == 4)
                      cv::cvtColor(in, out, cv::COLOR_BGRA2BGR);
                  else
                      in.copyTo(out);
              }););
}

cvs_status cvs_draw_keypoints(cvs_image *img, const cvs_keypoint *kp, size_t n,
                              const cvs_style *st) {
    CVS_ENTRY(
        cv::Mat m = draw_target(img, st); require(kp != nullptr || n == 0, "null keypoints");
        std::vector<cv::KeyPoint> kps; kps.reserve(n);
        for (size_t i = 0; i < n; i++) kps.emplace_back(kp[i].x, kp[i].y, kp[i].size,
                                                        kp[i].angle, kp[i].response,
                                                        kp[i].octave, kp[i].class_id);
        cv::drawKeypoints(m, kps, m, color_of(st),
                          cv::DrawMatchesFlags::DRAW_OVER_OUTIMG |
                              cv::DrawMatchesFlags::DRAW_RICH_KEYPOINTS););
}

cvs_status cvs_draw_lines(cvs_image *img, const cvs_line *l, size_t n, const cvs_style *st) {
    CVS_ENTRY(cv::Mat m = draw_target(img, st); require(l != nullptr || n == 0, "null lines");
              for (size_t i = 0; i < n; i++) cv::line(m, cv::Point(l[i].x1, l[i].y1),
                                                      cv::Point(l[i].x2, l[i].y2),
                                                      color_of(st), st->thickness););
}

cvs_status cvs_draw_circles(cvs_image *img, const cvs_circle *c, size_t n,
                            const cvs_style *st) {
    CVS_ENTRY(cv::Mat m = draw_target(img, st); require(c != nullptr || n == 0, "null circles");
              for (size_t i = 0; i < n; i++) cv::circle(m, cv::Point(cvRound(c[i].x),
                                                                     cvRound(c[i].y)),
                                                        cvRound(c[i].radius), color_of(st),
                                                        st->thickness););
}

cvs_status cvs_draw_contours(cvs_image *img, const cvs_contours *c, const cvs_style *st) {
    CVS_ENTRY(
        cv::Mat m = draw_target(img, st); require(c != nullptr, "null contours");
        std::vector<std::vector<cv::Point>> cs(c->count);
        for (size_t i = 0; i < c->count; i++) {
            const cvs_contour &k = c->items[i];
            require(k.first + k.npoints <= c->npoints, "contour points out of range");
            for (size_t j = 0; j < k.npoints; j++)
                cs[i].emplace_back(c->points[k.first + j].x, c->points[k.first + j].y);
        } cv::drawContours(m, cs, -1, color_of(st), st->thickness););
}

/* ---- more detectors ---- */

cvs_status cvs_fast(const cvs_image *src, int threshold, int nonmax, int type,
                    cvs_keypoints *out) {
    static const cv::FastFeatureDetector::DetectorType types[] = {
        cv::FastFeatureDetector::TYPE_5_8, cv::FastFeatureDetector::TYPE_7_12,
        cv::FastFeatureDetector::TYPE_9_16};
    CVS_ENTRY(require(type >= 0 && type < 3, "invalid FAST type");
              detect(src, cv::FastFeatureDetector::create(threshold, nonmax != 0, types[type]),
                     false, out););
}

cvs_status cvs_sift(const cvs_image *src, const cvs_sift_params *p, cvs_keypoints *out) {
    CVS_ENTRY(require(p != nullptr, "null parameters");
              detect(src,
                     cv::SIFT::create(p->nfeatures, p->octave_layers, p->contrast_threshold,
                                      p->edge_threshold, p->sigma),
                     p->descriptors != 0, out););
}

cvs_status cvs_akaze(const cvs_image *src, double threshold, int descriptors,
                     cvs_keypoints *out) {
    CVS_ENTRY(detect(src,
                     cv::AKAZE::create(cv::AKAZE::DESCRIPTOR_MLDB, 0, 3, (float)threshold),
                     descriptors != 0, out););
}

cvs_status cvs_brisk(const cvs_image *src, int threshold, int octaves, int descriptors,
                     cvs_keypoints *out) {
    CVS_ENTRY(detect(src, cv::BRISK::create(threshold, octaves), descriptors != 0, out););
}

cvs_status cvs_gftt(const cvs_image *src, const cvs_gftt_params *p, cvs_keypoints *out) {
    CVS_ENTRY(require(p != nullptr, "null parameters");
              detect(src,
                     cv::GFTTDetector::create(p->max_corners, p->quality, p->min_distance,
                                              p->block, p->harris != 0, p->k),
                     false, out););
}

cvs_status cvs_harris(const cvs_image *src, int block, int ksize, double k, double threshold,
                      cvs_keypoints *out) {
    CVS_ENTRY(
        require(out != nullptr, "null keypoint list"); *out = cvs_keypoints{};
        cv::Mat in = view(src); cv::Mat r; cv::cornerHarris(in, r, block, ksize, k);
        double strongest = 0; cv::minMaxLoc(r, nullptr, &strongest);
        std::vector<cv::KeyPoint> kps; double level = threshold * strongest;
        for (int y = 0; strongest > 0 && y < r.rows; y++) {
            const float *row = r.ptr<float>(y);
            for (int x = 0; x < r.cols; x++)
                if ((double)row[x] > level)
                    kps.emplace_back((float)x, (float)y, (float)block, -1.0f, row[x], 0);
        } store_keypoints(kps, cv::Mat(), out););
}

cvs_status cvs_blobs(const cvs_image *src, const cvs_blob_params *p, cvs_keypoints *out) {
    CVS_ENTRY(require(p != nullptr, "null parameters");
              /* OpenCV 4.10 refuses minArea and minCircularity of 0 even
                 when that filter is off. Blobs of area 0 are dropped by every
                 version (their centre is undefined) and a positive area is at
                 least 0.5, so the smallest positive float means the same as
                 0; the circularity bound only matters when filtering. */
              cv::SimpleBlobDetector::Params bp;
              bp.minArea = p->min_area > 0 ? (float)p->min_area
                                           : std::numeric_limits<float>::min();
              bp.maxArea = (float)p->max_area;
              bp.filterByCircularity = p->min_circularity > 0;
              if (bp.filterByCircularity) bp.minCircularity = (float)p->min_circularity;
              bp.blobColor = p->dark ? 0 : 255;
              detect(src, cv::SimpleBlobDetector::create(bp), false, out););
}

cvs_status cvs_hough_lines(const cvs_image *src, double rho, double theta_deg, int threshold,
                           double min_length, double max_gap, cvs_lines *out) {
    CVS_ENTRY(
        require(out != nullptr, "null line list"); *out = cvs_lines{}; cv::Mat in = view(src);
        std::vector<cv::Vec4i> found;
        cv::HoughLinesP(in, found, rho, theta_deg * CV_PI / 180, threshold, min_length, max_gap);
        std::vector<cvs_line> lines;
        for (const cv::Vec4i &l : found) lines.push_back(cvs_line{l[0], l[1], l[2], l[3]});
        out->items = c_copy(lines).release(); out->count = lines.size(););
}

cvs_status cvs_hough_circles(const cvs_image *src, const cvs_hough_circle_params *p,
                             cvs_circles *out) {
    CVS_ENTRY(
        require(p != nullptr, "null parameters"); require(out != nullptr, "null circle list");
        *out = cvs_circles{}; cv::Mat in = view(src); std::vector<cv::Vec3f> found;
        cv::HoughCircles(in, found, cv::HOUGH_GRADIENT, p->dp, p->min_dist, p->param1,
                         p->param2, p->min_radius, p->max_radius);
        std::vector<cvs_circle> circles;
        for (const cv::Vec3f &c : found) circles.push_back(cvs_circle{c[0], c[1], c[2]});
        out->items = c_copy(circles).release(); out->count = circles.size(););
}

namespace {

// Keeps the contours of at least min_area; parents point at the nearest
// kept enclosing contour.
void store_contours(const std::vector<std::vector<cv::Point>> &cs,
                    const std::vector<cv::Vec4i> &hier, double min_area, cvs_contours *out) {
    std::vector<int> kept(cs.size(), -1);
    std::vector<cvs_contour> items;
    std::vector<cvs_point> points;
    for (size_t i = 0; i < cs.size(); i++) {
        double area = cv::contourArea(cs[i]);
        if (area < min_area) continue;
        cv::Rect box = cv::boundingRect(cs[i]);
        kept[i] = (int)items.size();
        items.push_back(cvs_contour{area, cv::arcLength(cs[i], true), box.x, box.y, box.width,
                                    box.height, -1, points.size(), cs[i].size()});
        for (const cv::Point &pt : cs[i]) points.push_back(cvs_point{pt.x, pt.y});
    }
    for (size_t i = 0; i < cs.size(); i++) {
        if (kept[i] < 0) continue;
        int up = hier.empty() ? -1 : hier[i][3];
        while (up >= 0 && kept[up] < 0) up = hier[up][3];
        items[kept[i]].parent = up >= 0 ? kept[up] : -1;
    }
    c_ptr<cvs_contour> pi = c_copy(items);
    out->points = c_copy(points).release();
    out->npoints = points.size();
    out->items = pi.release();
    out->count = items.size();
}

} // namespace

cvs_status cvs_find_contours(const cvs_image *src, int mode, int method, double min_area,
                             cvs_contours *out) {
    static const int modes[] = {cv::RETR_EXTERNAL, cv::RETR_LIST, cv::RETR_TREE, cv::RETR_CCOMP};
    static const int methods[] = {cv::CHAIN_APPROX_NONE, cv::CHAIN_APPROX_SIMPLE};
    CVS_ENTRY(
        require(out != nullptr, "null contour list"); *out = cvs_contours{};
        int m = pick(modes, mode, "contour mode"); int a = pick(methods, method, "contour method");
        cv::Mat in = view(src); require(in.channels() == 1, "needs a one-channel (gray) image");
        std::vector<std::vector<cv::Point>> cs; std::vector<cv::Vec4i> hier;
        cv::findContours(in, cs, hier, m, a); store_contours(cs, hier, min_area, out););
}

} // extern "C"
