// SPDX-License-Identifier: MIT
// matching.cpp - descriptor matching (cv::BFMatcher) and the robust model
// fit between an image and a reference (calib3d), into cvshim.h's C arrays.
#include "internal.hpp"

#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>

#include <cmath>
#include <iterator>
#include <vector>

namespace cvshim {
namespace {

const int robust_methods[] = {cv::RANSAC, cv::LMEDS, cv::USAC_DEFAULT};
static_assert(std::size(robust_methods) == CVS_ROBUST_COUNT, "one per CVS_ROBUST_*");

// Points needed by each model, in CVS_MODEL_* order.
const size_t model_points[] = {4, 3, 2};
static_assert(std::size(model_points) == CVS_MODEL_COUNT, "one per CVS_MODEL_*");

// A keypoint list's descriptors as a Mat header (no copy); empty when none.
cv::Mat descriptors(const cvs_keypoints *kp) {
    require(kp != nullptr, "null keypoint list");
    if (!kp->descriptors || kp->count == 0)
        return cv::Mat();
    require(kp->desc_len > 0 && (kp->desc_type == CVS_DESC_U8 || kp->desc_type == CVS_DESC_F32),
            "invalid descriptor type or length");
    require(kp->count <= (size_t)INT32_MAX, "too many keypoints");
    return cv::Mat((int)kp->count, kp->desc_len, kp->desc_type == CVS_DESC_U8 ? CV_8U : CV_32F,
                   kp->descriptors);
}

cv::Point2f point_of(const cvs_keypoints *kp, int i) {
    require(i >= 0 && (size_t)i < kp->count, "a match's keypoint index is out of range");
    return cv::Point2f(kp->items[i].x, kp->items[i].y);
}

} // namespace
} // namespace cvshim

using namespace cvshim;

extern "C" {

void cvs_matches_free(cvs_matches *m) {
    if (!m)
        return;
    std::free(m->items);
    *m = cvs_matches{};
}

void cvs_match_params_init_sized(cvs_match_params *p, size_t size) {
    init_params(p, size, cvs_match_params{0, 0.75, 0});
}

void cvs_model_params_init_sized(cvs_model_params *p, size_t size) {
    init_params(p, size,
                cvs_model_params{0, CVS_MODEL_HOMOGRAPHY, CVS_ROBUST_RANSAC, 3, 2000, 0.995});
}

cvs_status cvs_match_descriptors(const cvs_keypoints *query, const cvs_keypoints *train,
                                 const cvs_match_params *p, cvs_matches *out) {
    return guarded([&] {
        require(out != nullptr, "null match list");
        *out = cvs_matches{};
        params(p, sizeof *p, "cvs_match_params_init");
        require(std::isfinite(p->ratio) && p->ratio > 0 && p->ratio <= 1,
                "ratio must be above 0 and at most 1");
        cv::Mat q = descriptors(query), t = descriptors(train);
        if (q.empty() || t.empty())
            return;
        require(q.type() == t.type() && q.cols == t.cols,
                "the two descriptor lists are of different types or lengths");
        int norm = q.type() == CV_8U ? cv::NORM_HAMMING : cv::NORM_L2;
        std::vector<cvs_match> kept;
        if (p->cross_check) {
            std::vector<cv::DMatch> found;
            cv::BFMatcher(norm, true).match(q, t, found);
            for (const cv::DMatch &m : found)
                kept.push_back(cvs_match{m.queryIdx, m.trainIdx, m.distance, 0});
        } else {
            std::vector<std::vector<cv::DMatch>> pairs;
            cv::BFMatcher(norm).knnMatch(q, t, pairs, 2);
            for (const std::vector<cv::DMatch> &pair : pairs)
                if (pair.size() == 2 && pair[0].distance < p->ratio * pair[1].distance)
                    kept.push_back(cvs_match{pair[0].queryIdx, pair[0].trainIdx,
                                             pair[0].distance, 0});
        }
        c_ptr<cvs_match> items = c_copy(kept);
        // Nothing below can fail.
        out->items = items.release();
        out->count = kept.size();
    });
}

cvs_status cvs_fit_model(const cvs_keypoints *query, const cvs_keypoints *train,
                         cvs_matches *matches, const cvs_model_params *p, cvs_model *out) {
    return guarded([&] {
        require(out != nullptr, "null model");
        *out = cvs_model{};
        params(p, sizeof *p, "cvs_model_params_init");
        require(query != nullptr && train != nullptr && matches != nullptr,
                "null keypoints or matches");
        require(matches->items != nullptr || matches->count == 0, "null matches");
        size_t need = pick(model_points, p->model, "model");
        int method = pick(robust_methods, p->method, "robust method");
        require(!(p->model == CVS_MODEL_SIMILARITY && p->method == CVS_ROBUST_USAC),
                "the similarity model has no USAC method (OpenCV 4.6): use ransac or lmeds");
        require(std::isfinite(p->reproj_threshold) && p->reproj_threshold > 0,
                "reproj_threshold must be above 0");
        require(p->max_iters >= 1, "max_iters must be at least 1");
        require(p->confidence > 0 && p->confidence < 1, "confidence must be between 0 and 1");
        std::vector<cv::Point2f> from, to;
        for (size_t i = 0; i < matches->count; i++) {
            from.push_back(point_of(train, matches->items[i].train));
            to.push_back(point_of(query, matches->items[i].query));
            matches->items[i].inlier = 0;
        }
        out->model = p->model;
        if (from.size() < need)
            return;
        std::vector<uchar> mask;
        cv::Mat m;
        if (p->model == CVS_MODEL_HOMOGRAPHY)
            m = cv::findHomography(from, to, method, p->reproj_threshold, mask, p->max_iters,
                                   p->confidence);
        else if (p->model == CVS_MODEL_AFFINE)
            m = cv::estimateAffine2D(from, to, mask, method, p->reproj_threshold,
                                     (size_t)p->max_iters, p->confidence);
        else
            m = cv::estimateAffinePartial2D(from, to, mask, method, p->reproj_threshold,
                                            (size_t)p->max_iters, p->confidence);
        if (m.empty())
            return;
        require(m.type() == CV_64F && m.cols == 3 && (m.rows == 2 || m.rows == 3),
                "unexpected model matrix");
        for (int r = 0; r < m.rows; r++)
            for (int c = 0; c < 3; c++)
                out->m[r * 3 + c] = m.at<double>(r, c);
        if (m.rows == 2)
            out->m[8] = 1;
        out->valid = 1;
        for (size_t i = 0; i < matches->count && i < mask.size(); i++)
            if (mask[i]) {
                matches->items[i].inlier = 1;
                out->inliers++;
            }
    });
}

} // extern "C"
