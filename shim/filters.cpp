// SPDX-License-Identifier: MIT
// filters.cpp - the filters: read src, write dst (cvshim.h's filter family,
// in cvapp's op table order).
#include "internal.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <iterator>
#include <string>

namespace cvshim {
namespace {

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
    if (w < 1 || h < 1)
        throw invalid_arg(format("%s: the result would be empty", what));
    cvs_limits l = limits();
    if (w > l.max_side || h > l.max_side || w * h > l.max_output_pixels)
        throw invalid_arg(format("%s: the result would be %lldx%lld, over the limit of %lld "
                                 "pixels or %d a side",
                                 what, w, h, (long long)l.max_output_pixels, l.max_side));
}

// The OpenCV constants of cvshim.h's choices, in the enums' order.
const int interpolations[] = {cv::INTER_NEAREST, cv::INTER_LINEAR, cv::INTER_CUBIC,
                              cv::INTER_AREA, cv::INTER_LANCZOS4};
static_assert(std::size(interpolations) == CVS_INTER_COUNT, "one per CVS_INTER_*");

const int flip_codes[] = {1, 0, -1};
static_assert(std::size(flip_codes) == CVS_FLIP_COUNT, "one per CVS_FLIP_*");

// Indexed by quarter turns - 1.
const int rotate_codes[] = {cv::ROTATE_90_CLOCKWISE, cv::ROTATE_180,
                            cv::ROTATE_90_COUNTERCLOCKWISE};
static_assert(std::size(rotate_codes) == 3, "quarter turns 1..3");

const int threshold_types[] = {cv::THRESH_BINARY,
                               cv::THRESH_BINARY_INV,
                               cv::THRESH_TRUNC,
                               cv::THRESH_TOZERO,
                               cv::THRESH_TOZERO_INV,
                               cv::THRESH_BINARY | cv::THRESH_OTSU,
                               cv::THRESH_BINARY | cv::THRESH_TRIANGLE};
static_assert(std::size(threshold_types) == CVS_THRESH_COUNT, "one per CVS_THRESH_*");

const int adaptive_methods[] = {cv::ADAPTIVE_THRESH_MEAN_C, cv::ADAPTIVE_THRESH_GAUSSIAN_C};
static_assert(std::size(adaptive_methods) == CVS_ADAPTIVE_COUNT, "one per CVS_ADAPTIVE_*");

const int morph_ops[] = {cv::MORPH_ERODE,    cv::MORPH_DILATE,   cv::MORPH_OPEN,
                         cv::MORPH_CLOSE,    cv::MORPH_GRADIENT, cv::MORPH_TOPHAT,
                         cv::MORPH_BLACKHAT};
static_assert(std::size(morph_ops) == CVS_MORPH_COUNT, "one per CVS_MORPH_*");

const int morph_shapes[] = {cv::MORPH_RECT, cv::MORPH_ELLIPSE, cv::MORPH_CROSS};
static_assert(std::size(morph_shapes) == CVS_SHAPE_COUNT, "one per CVS_SHAPE_*");

const int borders[] = {cv::BORDER_REFLECT101, cv::BORDER_REPLICATE, cv::BORDER_REFLECT,
                       cv::BORDER_CONSTANT};
static_assert(std::size(borders) == CVS_BORDER_COUNT, "one per CVS_BORDER_*");

// The cv::cvtColor code from `from` channels (1, 3 or 4) to `to` (1 or 3),
// or -1 when there is nothing to convert.
int color_code(int from, int to) {
    if (from == to)
        return -1;
    if (to == 1)
        return from == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY;
    return from == 4 ? cv::COLOR_BGRA2BGR : cv::COLOR_GRAY2BGR;
}

} // namespace

void convert_channels(const cvs_image *src, cvs_image *dst, int channels) {
    require(src != nullptr, "null image");
    into(src, dst, src->width, src->height, channels, [&](const cv::Mat &in, cv::Mat &out) {
        int code = color_code(in.channels(), channels);
        if (code < 0)
            in.copyTo(out);
        else
            cv::cvtColor(in, out, code);
    });
}

} // namespace cvshim

using namespace cvshim;

extern "C" {

cvs_status cvs_grayscale(const cvs_image *src, cvs_image *dst) {
    return guarded([&] {
        convert_channels(src, dst, 1);
    });
}

cvs_status cvs_resize(const cvs_image *src, cvs_image *dst, int width, int height,
                      double scale, int interp) {
    return guarded([&] {
        require(src != nullptr, "null image");
        int mode = pick(interpolations, interp, "interpolation");
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
        });
    });
}

cvs_status cvs_crop(const cvs_image *src, cvs_image *dst, int x, int y, int width,
                    int height) {
    return guarded([&] {
        require(src != nullptr, "null image");
        long long w = width > 0 ? width : (long long)src->width - x;
        long long h = height > 0 ? height : (long long)src->height - y;
        bool fits = x >= 0 && y >= 0 && width >= 0 && height >= 0 && w >= 1 && h >= 1 &&
                    x + w <= src->width && y + h <= src->height;
        if (!fits)
            throw invalid_arg(format("crop x=%d y=%d width=%d height=%d does not fit in the "
                                     "%dx%d image",
                                     x, y, width, height, src->width, src->height));
        cv::Rect rect(x, y, (int)w, (int)h);
        into(src, dst, rect.width, rect.height, src->channels,
             [&](const cv::Mat &in, cv::Mat &out) {
                 in(rect).copyTo(out);
             });
    });
}

cvs_status cvs_flip(const cvs_image *src, cvs_image *dst, int axis) {
    return guarded([&] {
        int code = pick(flip_codes, axis, "flip axis");
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::flip(in, out, code);
        });
    });
}

cvs_status cvs_rotate(const cvs_image *src, cvs_image *dst, int quarter_turns) {
    return guarded([&] {
        require(src != nullptr, "null image");
        int code = pick(rotate_codes, quarter_turns - 1, "rotation");
        bool swap = quarter_turns != 2;
        int w = swap ? src->height : src->width;
        int h = swap ? src->width : src->height;
        into(src, dst, w, h, src->channels, [&](const cv::Mat &in, cv::Mat &out) {
            cv::rotate(in, out, code);
        });
    });
}

cvs_status cvs_rotate_angle(const cvs_image *src, cvs_image *dst, double degrees, int expand,
                            uint8_t b, uint8_t g, uint8_t r) {
    return guarded([&] {
        require(src != nullptr, "null image");
        require(std::isfinite(degrees), "rotation angle is not a finite number");
        int w = src->width, h = src->height;
        double a = degrees * (CV_PI / 180), c = std::fabs(std::cos(a)), s = std::fabs(std::sin(a));
        long long nw = w, nh = h;
        if (expand) {
            nw = std::llrint(w * c + h * s);
            nh = std::llrint(w * s + h * c);
        }
        check_output_size(nw, nh, "rotate");
        cv::Mat m = cv::getRotationMatrix2D(cv::Point2f((w - 1) / 2.0f, (h - 1) / 2.0f),
                                            -degrees, 1.0);
        m.at<double>(0, 2) += (double)(nw - w) / 2;
        m.at<double>(1, 2) += (double)(nh - h) / 2;
        cv::Scalar fill(b, g, r, 255);
        if (src->channels == 1) {
            cv::Mat px(1, 1, CV_8UC3, cv::Scalar(b, g, r)), gray;
            cv::cvtColor(px, gray, cv::COLOR_BGR2GRAY);
            fill = cv::Scalar(gray.at<uint8_t>(0, 0));
        }
        into(src, dst, (int)nw, (int)nh, src->channels, [&](const cv::Mat &in, cv::Mat &out) {
            cv::warpAffine(in, out, m, cv::Size((int)nw, (int)nh), cv::INTER_LINEAR,
                           cv::BORDER_CONSTANT, fill);
        });
    });
}

cvs_status cvs_blur(const cvs_image *src, cvs_image *dst, int ksize) {
    return guarded([&] {
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::blur(in, out, cv::Size(ksize, ksize));
        });
    });
}

cvs_status cvs_gaussian(const cvs_image *src, cvs_image *dst, int ksize, double sigma,
                        double sigma_y) {
    return guarded([&] {
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::GaussianBlur(in, out, cv::Size(ksize, ksize), sigma, sigma_y);
        });
    });
}

cvs_status cvs_median(const cvs_image *src, cvs_image *dst, int ksize) {
    return guarded([&] {
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::medianBlur(in, out, ksize);
        });
    });
}

cvs_status cvs_bilateral(const cvs_image *src, cvs_image *dst, int d, double sigma_color,
                         double sigma_space) {
    return guarded([&] {
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::bilateralFilter(in, out, d, sigma_color, sigma_space);
        });
    });
}

cvs_status cvs_sharpen(const cvs_image *src, cvs_image *dst, double sigma, double amount) {
    return guarded([&] {
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::Mat blurred;
            cv::GaussianBlur(in, blurred, cv::Size(), sigma);
            cv::addWeighted(in, 1 + amount, blurred, -amount, 0, out);
        });
    });
}

cvs_status cvs_sobel(const cvs_image *src, cvs_image *dst, int dx, int dy, int ksize) {
    return guarded([&] {
        abs16(src, dst, [&](const cv::Mat &in, cv::Mat &d) {
            cv::Sobel(in, d, CV_16S, dx, dy, ksize);
        });
    });
}

cvs_status cvs_scharr(const cvs_image *src, cvs_image *dst, int dx, int dy) {
    return guarded([&] {
        abs16(src, dst, [&](const cv::Mat &in, cv::Mat &d) {
            cv::Scharr(in, d, CV_16S, dx, dy);
        });
    });
}

cvs_status cvs_laplacian(const cvs_image *src, cvs_image *dst, int ksize) {
    return guarded([&] {
        abs16(src, dst, [&](const cv::Mat &in, cv::Mat &d) {
            cv::Laplacian(in, d, CV_16S, ksize);
        });
    });
}

cvs_status cvs_canny(const cvs_image *src, cvs_image *dst, double low, double high,
                     int aperture, int l2) {
    return guarded([&] {
        require(src != nullptr, "null image");
        into(src, dst, src->width, src->height, 1, [&](const cv::Mat &in, cv::Mat &out) {
            cv::Canny(in, out, low, high, aperture, l2 != 0);
        });
    });
}

cvs_status cvs_threshold(const cvs_image *src, cvs_image *dst, double value, double max,
                         int type) {
    return guarded([&] {
        require(src != nullptr, "null image");
        int t = pick(threshold_types, type, "threshold type");
        bool automatic = type >= CVS_THRESH_OTSU;
        int channels = automatic ? 1 : src->channels;
        into(src, dst, src->width, src->height, channels, [&](const cv::Mat &in, cv::Mat &out) {
            cv::Mat g = in;
            if (automatic && in.channels() != 1)
                cv::cvtColor(in, g, cv::COLOR_BGR2GRAY);
            cv::threshold(g, out, value, max, t);
        });
    });
}

cvs_status cvs_adaptive_threshold(const cvs_image *src, cvs_image *dst, double max,
                                  int method, int block, double c, int invert) {
    return guarded([&] {
        int m = pick(adaptive_methods, method, "adaptive method");
        int t = invert ? cv::THRESH_BINARY_INV : cv::THRESH_BINARY;
        gray_only(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::adaptiveThreshold(in, out, max, m, t, block, c);
        });
    });
}

cvs_status cvs_morphology(const cvs_image *src, cvs_image *dst, int op, int ksize, int shape,
                          int iterations) {
    return guarded([&] {
        int o = pick(morph_ops, op, "morphology op");
        int sh = pick(morph_shapes, shape, "kernel shape");
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::Mat kernel = cv::getStructuringElement(sh, cv::Size(ksize, ksize));
            cv::morphologyEx(in, out, o, kernel, cv::Point(-1, -1), iterations);
        });
    });
}

cvs_status cvs_equalize(const cvs_image *src, cvs_image *dst) {
    return guarded([&] {
        gray_only(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::equalizeHist(in, out);
        });
    });
}

cvs_status cvs_clahe(const cvs_image *src, cvs_image *dst, double clip, int tile) {
    return guarded([&] {
        gray_only(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::createCLAHE(clip, cv::Size(tile, tile))->apply(in, out);
        });
    });
}

cvs_status cvs_filter2d(const cvs_image *src, cvs_image *dst, const double *kernel, int rows,
                        int cols, double scale, double offset, int border) {
    return guarded([&] {
        int b = pick(borders, border, "border");
        require(kernel != nullptr, "null kernel");
        require(rows >= 1 && rows <= 1024 && cols >= 1 && cols <= 1024,
                "kernel rows and cols must be 1..1024");
        require(std::isfinite(scale) && std::isfinite(offset), "scale or offset is not finite");
        cv::Mat k(rows, cols, CV_64F);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                double v = kernel[(size_t)r * cols + c];
                require(std::isfinite(v), "a kernel value is not finite");
                k.at<double>(r, c) = v * scale;
            }
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::filter2D(in, out, -1, k, cv::Point(-1, -1), offset, b);
        });
    });
}

cvs_status cvs_warp(const cvs_image *src, cvs_image *dst, const double *m, int perspective,
                    int width, int height, int interp, int border, int inverse) {
    return guarded([&] {
        require(src != nullptr, "null image");
        require(m != nullptr, "null matrix");
        int mode = pick(interpolations, interp, "interpolation");
        require(interp != CVS_INTER_AREA, "warp has no area interpolation");
        int b = pick(borders, border, "border");
        for (int i = 0; i < (perspective ? 9 : 6); i++)
            require(std::isfinite(m[i]), "a matrix value is not finite");
        check_output_size(width, height, "warp");
        cv::Mat t(perspective ? 3 : 2, 3, CV_64F);
        for (int i = 0; i < t.rows * 3; i++)
            t.at<double>(i / 3, i % 3) = m[i];
        int flags = mode | (inverse ? cv::WARP_INVERSE_MAP : 0);
        into(src, dst, width, height, src->channels, [&](const cv::Mat &in, cv::Mat &out) {
            if (perspective)
                cv::warpPerspective(in, out, t, cv::Size(width, height), flags, b);
            else
                cv::warpAffine(in, out, t, cv::Size(width, height), flags, b);
        });
    });
}

cvs_status cvs_invert(const cvs_image *src, cvs_image *dst) {
    return guarded([&] {
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::bitwise_not(in, out);
        });
    });
}

cvs_status cvs_normalize(const cvs_image *src, cvs_image *dst, double min, double max) {
    return guarded([&] {
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            cv::normalize(in, out, min, max, cv::NORM_MINMAX);
        });
    });
}

cvs_status cvs_convert(const cvs_image *src, cvs_image *dst, double alpha, double beta) {
    return guarded([&] {
        same(src, dst, [&](const cv::Mat &in, cv::Mat &out) {
            in.convertTo(out, -1, alpha, beta);
        });
    });
}

} // extern "C"
