// SPDX-License-Identifier: MIT
// draw.cpp - drawing: a BGR copy of an image, and detector results drawn in
// place on a caller-owned 3-channel image.
#include "internal.hpp"

#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <vector>

namespace cvshim {
namespace {

// The image to draw on, after checking the style.
cv::Mat draw_target(cvs_image *img, const cvs_style *st) {
    require(st != nullptr, "null style");
    require(st->thickness >= 1 && st->thickness <= 255, "invalid thickness");
    cv::Mat m = view(img);
    require(m.channels() == 3, "drawing needs a 3-channel image");
    return m;
}

cv::Scalar color_of(const cvs_style *st) {
    return cv::Scalar(st->b, st->g, st->r);
}

} // namespace
} // namespace cvshim

using namespace cvshim;

extern "C" {

cvs_status cvs_to_bgr(const cvs_image *src, cvs_image *dst) {
    return guarded([&] {
        convert_channels(src, dst, 3);
    });
}

cvs_status cvs_draw_keypoints(cvs_image *img, const cvs_keypoint *kp, size_t n,
                              const cvs_style *st) {
    return guarded([&] {
        cv::Mat m = draw_target(img, st);
        require(kp != nullptr || n == 0, "null keypoints");
        std::vector<cv::KeyPoint> kps;
        kps.reserve(n);
        for (size_t i = 0; i < n; i++) {
            const cvs_keypoint &k = kp[i];
            kps.emplace_back(k.x, k.y, k.size, k.angle, k.response, k.octave, k.class_id);
        }
        if (st->thickness == 1) {
            cv::DrawMatchesFlags flags = cv::DrawMatchesFlags::DRAW_OVER_OUTIMG |
                                         cv::DrawMatchesFlags::DRAW_RICH_KEYPOINTS;
            cv::drawKeypoints(m, kps, m, color_of(st), flags);
            return;
        }
        // What cv::drawKeypoints draws for DRAW_RICH_KEYPOINTS (its
        // coordinates in 1/16 pixels), with the style's thickness.
        const int shift = 4, mult = 1 << shift;
        for (const cv::KeyPoint &k : kps) {
            cv::Point centre(cvRound(k.pt.x * mult), cvRound(k.pt.y * mult));
            int radius = cvRound(k.size / 2 * mult);
            cv::circle(m, centre, radius, color_of(st), st->thickness, cv::LINE_AA, shift);
            if (k.angle != -1) {
                float rad = k.angle * (float)CV_PI / 180.f; // as OpenCV; cos in double
                cv::Point orient(cvRound(std::cos((double)rad) * radius),
                                 cvRound(std::sin((double)rad) * radius));
                cv::line(m, centre, centre + orient, color_of(st), st->thickness, cv::LINE_AA,
                         shift);
            }
        }
    });
}

cvs_status cvs_draw_lines(cvs_image *img, const cvs_line *l, size_t n, const cvs_style *st) {
    return guarded([&] {
        cv::Mat m = draw_target(img, st);
        require(l != nullptr || n == 0, "null lines");
        for (size_t i = 0; i < n; i++) {
            cv::Point a(l[i].x1, l[i].y1);
            cv::Point b(l[i].x2, l[i].y2);
            cv::line(m, a, b, color_of(st), st->thickness);
        }
    });
}

cvs_status cvs_draw_circles(cvs_image *img, const cvs_circle *c, size_t n,
                            const cvs_style *st) {
    return guarded([&] {
        cv::Mat m = draw_target(img, st);
        require(c != nullptr || n == 0, "null circles");
        for (size_t i = 0; i < n; i++) {
            cv::Point centre(cvRound(c[i].x), cvRound(c[i].y));
            cv::circle(m, centre, cvRound(c[i].radius), color_of(st), st->thickness);
        }
    });
}

cvs_status cvs_draw_contours(cvs_image *img, const cvs_contours *c, const cvs_style *st) {
    return guarded([&] {
        cv::Mat m = draw_target(img, st);
        require(c != nullptr, "null contours");
        require(c->items != nullptr || c->count == 0, "null contour items");
        require(c->points != nullptr || c->npoints == 0, "null contour points");
        std::vector<std::vector<cv::Point>> cs(c->count);
        for (size_t i = 0; i < c->count; i++) {
            const cvs_contour &k = c->items[i];
            // first + npoints <= c->npoints, without wrapping.
            bool in_range = k.first <= c->npoints && k.npoints <= c->npoints - k.first;
            require(in_range, "contour points out of range");
            cs[i].reserve(k.npoints);
            for (size_t j = 0; j < k.npoints; j++) {
                const cvs_point &p = c->points[k.first + j];
                cs[i].emplace_back(p.x, p.y);
            }
        }
        cv::drawContours(m, cs, -1, color_of(st), st->thickness);
    });
}

cvs_status cvs_draw_boxes(cvs_image *img, const cvs_box *b, size_t n, const cvs_style *st) {
    return guarded([&] {
        cv::Mat m = draw_target(img, st);
        require(b != nullptr || n == 0, "null boxes");
        for (size_t i = 0; i < n; i++)
            require(b[i].width >= 1 && b[i].height >= 1, "a box is empty");
        for (size_t i = 0; i < n; i++)
            cv::rectangle(m, cv::Rect(b[i].x, b[i].y, b[i].width, b[i].height), color_of(st),
                          st->thickness);
    });
}

} // extern "C"
