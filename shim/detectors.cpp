// SPDX-License-Identifier: MIT
// detectors.cpp - the detectors and the storage of their results in the
// malloc'd C arrays of cvshim.h.
//
// Each detector zeroes its result first (before checking anything else), and
// hands the arrays over only when everything has succeeded: on failure the
// result is left zeroed, as cvshim.h promises.
#include "internal.hpp"

#include <opencv2/core.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>
#include <new>
#include <vector>

namespace cvshim {
namespace {

// cvs_set_max_items: the most items a detector keeps (0: all).
thread_local size_t max_items = 0;

// Collects keypoints in the order found, keeping only the max_items
// strongest (response, ties: the first), so that memory is O(max_items)
// however many are offered; take() gives them in their order.
class Strongest {
  public:
    explicit Strongest(size_t cap) : cap_(cap ? cap : SIZE_MAX) {}
    void add(const cvs_keypoint &k) {
        Item it{k, seen_++};
        if (heap_.size() < cap_) {
            heap_.push_back(it);
            std::push_heap(heap_.begin(), heap_.end(), stronger);
        } else if (stronger(it, heap_.front())) {
            std::pop_heap(heap_.begin(), heap_.end(), stronger);
            heap_.back() = it;
            std::push_heap(heap_.begin(), heap_.end(), stronger);
        }
    }
    size_t seen() const { return seen_; }
    // The kept keypoints in the order they came, and their indices in it.
    void take(std::vector<cvs_keypoint> &items, std::vector<size_t> &index) {
        std::sort(heap_.begin(), heap_.end(),
                  [](const Item &a, const Item &b) { return a.index < b.index; });
        items.clear();
        index.clear();
        items.reserve(heap_.size());
        index.reserve(heap_.size());
        for (const Item &it : heap_) {
            items.push_back(it.k);
            index.push_back(it.index);
        }
        heap_.clear();
    }

  private:
    struct Item {
        cvs_keypoint k;
        size_t index;
    };
    // a before b: the heap's front is the weakest kept.
    static bool stronger(const Item &a, const Item &b) {
        if (a.k.response != b.k.response)
            return a.k.response > b.k.response;
        return a.index < b.index;
    }
    size_t cap_, seen_ = 0;
    std::vector<Item> heap_;
};

cvs_keypoint c_keypoint(const cv::KeyPoint &k, float dy = 0) {
    return cvs_keypoint{k.pt.x, k.pt.y + dy, k.size, k.angle, k.response, k.octave, k.class_id};
}

// The first statement of every detector: a usable, zeroed result.
void reset(cvs_keypoints *out) {
    require(out != nullptr, "null keypoint list");
    *out = cvs_keypoints{};
}

void reset(cvs_lines *out) {
    require(out != nullptr, "null line list");
    *out = cvs_lines{};
}

void reset(cvs_circles *out) {
    require(out != nullptr, "null circle list");
    *out = cvs_circles{};
}

void reset(cvs_boxes *out) {
    require(out != nullptr, "null box list");
    *out = cvs_boxes{};
}

void reset(cvs_contours *out) {
    require(out != nullptr, "null contour list");
    *out = cvs_contours{};
}

// Hands over what a Strongest kept, with the descriptor rows (of every
// keypoint offered, in order) of the kept ones.
void store_kept(Strongest &kept, const cv::Mat &desc, cvs_keypoints *out) {
    std::vector<cvs_keypoint> items;
    std::vector<size_t> index;
    size_t seen = kept.seen();
    kept.take(items, index);
    c_ptr<cvs_keypoint> pk = c_copy(items);
    c_ptr<char> pd;
    int type = CVS_DESC_NONE;
    int len = 0;
    if (!desc.empty() && seen) {
        bool matches = desc.rows == (int)seen && (desc.type() == CV_8U || desc.type() == CV_32F);
        require(matches, "descriptor matrix does not match keypoints");
        size_t rowbytes = desc.cols * desc.elemSize();
        pd = c_alloc<char>(rowbytes * index.size());
        for (size_t r = 0; r < index.size(); r++)
            std::memcpy(pd.get() + r * rowbytes, desc.ptr((int)index[r]), rowbytes);
        type = desc.type() == CV_8U ? CVS_DESC_U8 : CVS_DESC_F32;
        len = desc.cols;
    }
    // Nothing below can fail.
    last_found = seen;
    out->count = items.size();
    out->desc_type = type;
    out->desc_len = len;
    out->items = pk.release();
    out->descriptors = pd.release();
}

void store_keypoints(const std::vector<cv::KeyPoint> &kps, const cv::Mat &desc,
                     cvs_keypoints *out) {
    Strongest kept(max_items);
    for (const cv::KeyPoint &k : kps)
        kept.add(c_keypoint(k));
    store_kept(kept, desc, out);
}

// Runs a keypoint detector (and descriptor extractor) on src into a zeroed out.
void detect(const cvs_image *src, const cv::Ptr<cv::Feature2D> &f, bool descriptors,
            cvs_keypoints *out) {
    cv::Mat in = view(src);
    std::vector<cv::KeyPoint> kps;
    cv::Mat desc;
    if (descriptors)
        f->detectAndCompute(in, cv::noArray(), kps, desc);
    else
        f->detect(in, kps);
    store_keypoints(kps, desc, out);
}

// Keeps the contours of at least min_area, the first max_items of them;
// parents point at the nearest enclosing contour of at least min_area,
// -1 when that one is past max_items.
void store_contours(const std::vector<std::vector<cv::Point>> &cs,
                    const std::vector<cv::Vec4i> &hier, double min_area, cvs_contours *out) {
    size_t cap = max_items ? max_items : SIZE_MAX, found = 0;
    std::vector<size_t> kept(cs.size(), SIZE_MAX);
    std::vector<cvs_contour> items;
    std::vector<cvs_point> points;
    for (size_t i = 0; i < cs.size(); i++) {
        double area = cv::contourArea(cs[i]);
        if (area < min_area)
            continue;
        kept[i] = found++;
        if (kept[i] >= cap)
            continue;
        cv::Rect box = cv::boundingRect(cs[i]);
        double perimeter = cv::arcLength(cs[i], true);
        items.push_back(cvs_contour{area, perimeter, box.x, box.y, box.width, box.height, -1,
                                    points.size(), cs[i].size()});
        for (const cv::Point &pt : cs[i])
            points.push_back(cvs_point{pt.x, pt.y});
    }
    for (size_t i = 0; i < cs.size(); i++) {
        if (kept[i] >= cap)
            continue;
        int up = hier.empty() ? -1 : hier[i][3];
        while (up >= 0 && kept[up] == SIZE_MAX)
            up = hier[up][3];
        items[kept[i]].parent = up >= 0 && kept[up] < cap ? (int)kept[up] : -1;
    }
    c_ptr<cvs_contour> pi = c_copy(items);
    c_ptr<cvs_point> pp = c_copy(points);
    // Nothing below can fail.
    last_found = found;
    out->items = pi.release();
    out->count = items.size();
    out->points = pp.release();
    out->npoints = points.size();
}

// The first max_items of what a detector found, as C items.
template <typename C, typename V, typename F>
std::vector<C> first_items(const std::vector<V> &found, F convert) {
    size_t n = max_items && found.size() > max_items ? max_items : found.size();
    std::vector<C> items;
    items.reserve(n);
    for (size_t i = 0; i < n; i++)
        items.push_back(convert(found[i]));
    last_found = found.size();
    return items;
}

// The OpenCV constants of cvshim.h's choices, in the enums' order.
const cv::FastFeatureDetector::DetectorType fast_types[] = {
    cv::FastFeatureDetector::TYPE_5_8, cv::FastFeatureDetector::TYPE_7_12,
    cv::FastFeatureDetector::TYPE_9_16};
static_assert(std::size(fast_types) == CVS_FAST_COUNT, "one per CVS_FAST_*");

const int contour_modes[] = {cv::RETR_EXTERNAL, cv::RETR_LIST, cv::RETR_TREE, cv::RETR_CCOMP};
static_assert(std::size(contour_modes) == CVS_RETR_COUNT, "one per CVS_RETR_*");

const int contour_methods[] = {cv::CHAIN_APPROX_NONE, cv::CHAIN_APPROX_SIMPLE};
static_assert(std::size(contour_methods) == CVS_CHAIN_COUNT, "one per CVS_CHAIN_*");

const int template_methods[] = {cv::TM_SQDIFF, cv::TM_SQDIFF_NORMED, cv::TM_CCORR,
                                cv::TM_CCORR_NORMED, cv::TM_CCOEFF, cv::TM_CCOEFF_NORMED};
static_assert(std::size(template_methods) == CVS_TM_COUNT, "one per CVS_TM_*");

// Drops from r every place whose w x h box overlaps the one at `at` by more
// than `overlap` (intersection over union), and `at` itself, by setting it
// to `worst`.
void suppress(cv::Mat &r, cv::Point at, int w, int h, double overlap, float worst) {
    int y0 = std::max(at.y - h + 1, 0), y1 = std::min(at.y + h - 1, r.rows - 1);
    int x0 = std::max(at.x - w + 1, 0), x1 = std::min(at.x + w - 1, r.cols - 1);
    double area = (double)w * h;
    for (int y = y0; y <= y1; y++) {
        float *row = r.ptr<float>(y);
        for (int x = x0; x <= x1; x++) {
            double inter = (double)(w - std::abs(x - at.x)) * (h - std::abs(y - at.y));
            if (inter / (2 * area - inter) > overlap)
                row[x] = worst;
        }
    }
    r.at<float>(at) = worst;
}

} // namespace
} // namespace cvshim

using namespace cvshim;

extern "C" {

cvs_status cvs_orb(const cvs_image *src, const cvs_orb_params *p, cvs_keypoints *out) {
    return guarded([&] {
        reset(out);
        params(p, sizeof *p, "cvs_orb_params_init");
        cv::ORB::ScoreType score = p->score_type ? cv::ORB::FAST_SCORE : cv::ORB::HARRIS_SCORE;
        cv::Ptr<cv::ORB> orb =
            cv::ORB::create(p->nfeatures, (float)p->scale_factor, p->nlevels, p->edge_threshold,
                            p->first_level, p->wta_k, score, p->patch_size, p->fast_threshold);
        detect(src, orb, p->descriptors != 0, out);
    });
}

cvs_status cvs_fast(const cvs_image *src, int threshold, int nonmax, int type,
                    cvs_keypoints *out) {
    return guarded([&] {
        reset(out);
        cv::FastFeatureDetector::DetectorType t = pick(fast_types, type, "FAST type");
        cv::Ptr<cv::FastFeatureDetector> fast =
            cv::FastFeatureDetector::create(threshold, nonmax != 0, t);
        // In bands of rows, each read with FAST's reach beyond it (its
        // circle's 3 rows and 1 for non-maximum suppression): the keypoints
        // and their order are those of the whole image, and what OpenCV
        // collects at once is one band's.
        const int reach = 4, band = 256;
        cv::Mat in = view(src);
        Strongest kept(max_items);
        std::vector<cv::KeyPoint> kps;
        for (int y0 = 0; y0 < in.rows; y0 += band) {
            int y1 = std::min(in.rows, y0 + band);
            int a = std::max(0, y0 - reach), b = std::min(in.rows, y1 + reach);
            kps.clear();
            fast->detect(in.rowRange(a, b), kps);
            for (const cv::KeyPoint &k : kps) {
                float y = k.pt.y + (float)a;
                if (y >= (float)y0 && y < (float)y1)
                    kept.add(c_keypoint(k, (float)a));
            }
        }
        store_kept(kept, cv::Mat(), out);
    });
}

cvs_status cvs_sift(const cvs_image *src, const cvs_sift_params *p, cvs_keypoints *out) {
    return guarded([&] {
        reset(out);
        params(p, sizeof *p, "cvs_sift_params_init");
        cv::Ptr<cv::SIFT> sift = cv::SIFT::create(p->nfeatures, p->octave_layers,
                                                  p->contrast_threshold, p->edge_threshold,
                                                  p->sigma);
        detect(src, sift, p->descriptors != 0, out);
    });
}

cvs_status cvs_akaze(const cvs_image *src, double threshold, int descriptors,
                     cvs_keypoints *out) {
    return guarded([&] {
        reset(out);
        cv::Ptr<cv::AKAZE> akaze =
            cv::AKAZE::create(cv::AKAZE::DESCRIPTOR_MLDB, 0, 3, (float)threshold);
        detect(src, akaze, descriptors != 0, out);
    });
}

cvs_status cvs_brisk(const cvs_image *src, int threshold, int octaves, int descriptors,
                     cvs_keypoints *out) {
    return guarded([&] {
        reset(out);
        detect(src, cv::BRISK::create(threshold, octaves), descriptors != 0, out);
    });
}

cvs_status cvs_gftt(const cvs_image *src, const cvs_gftt_params *p, cvs_keypoints *out) {
    return guarded([&] {
        reset(out);
        params(p, sizeof *p, "cvs_gftt_params_init");
        cv::Ptr<cv::GFTTDetector> gftt = cv::GFTTDetector::create(
            p->max_corners, p->quality, p->min_distance, p->block, p->harris != 0, p->k);
        detect(src, gftt, false, out);
    });
}

cvs_status cvs_harris(const cvs_image *src, int block, int ksize, double k, double threshold,
                      cvs_keypoints *out) {
    return guarded([&] {
        reset(out);
        cv::Mat in = view(src);
        cv::Mat r;
        cv::cornerHarris(in, r, block, ksize, k);
        double strongest = 0;
        cv::minMaxLoc(r, nullptr, &strongest);
        double level = threshold * strongest;
        Strongest kept(max_items);
        for (int y = 0; strongest > 0 && y < r.rows; y++) {
            const float *row = r.ptr<float>(y);
            for (int x = 0; x < r.cols; x++) {
                if ((double)row[x] > level)
                    kept.add(cvs_keypoint{(float)x, (float)y, (float)block, -1.0f, row[x], 0, -1});
            }
        }
        store_kept(kept, cv::Mat(), out);
    });
}

cvs_status cvs_blobs(const cvs_image *src, const cvs_blob_params *p, cvs_keypoints *out) {
    return guarded([&] {
        reset(out);
        params(p, sizeof *p, "cvs_blob_params_init");
        // OpenCV 4.10 refuses minArea and minCircularity of 0 even when that
        // filter is off.  Blobs of area 0 are dropped by every version (their
        // centre is undefined) and a positive area is at least 0.5, so the
        // smallest positive float means the same as 0; the circularity bound
        // only matters when filtering.
        cv::SimpleBlobDetector::Params bp;
        bp.minArea = p->min_area > 0 ? (float)p->min_area : std::numeric_limits<float>::min();
        bp.maxArea = (float)p->max_area;
        bp.filterByCircularity = p->min_circularity > 0;
        if (bp.filterByCircularity)
            bp.minCircularity = (float)p->min_circularity;
        bp.blobColor = p->dark ? 0 : 255;
        detect(src, cv::SimpleBlobDetector::create(bp), false, out);
    });
}

cvs_status cvs_hough_lines(const cvs_image *src, double rho, double theta_deg, int threshold,
                           double min_length, double max_gap, cvs_lines *out) {
    return guarded([&] {
        reset(out);
        cv::Mat in = view(src);
        std::vector<cv::Vec4i> found;
        double theta = theta_deg * CV_PI / 180;
        cv::HoughLinesP(in, found, rho, theta, threshold, min_length, max_gap);
        std::vector<cvs_line> lines = first_items<cvs_line>(
            found, [](const cv::Vec4i &l) { return cvs_line{l[0], l[1], l[2], l[3]}; });
        c_ptr<cvs_line> items = c_copy(lines);
        // Nothing below can fail.
        out->items = items.release();
        out->count = lines.size();
    });
}

cvs_status cvs_hough_circles(const cvs_image *src, const cvs_hough_circle_params *p,
                             cvs_circles *out) {
    return guarded([&] {
        reset(out);
        params(p, sizeof *p, "cvs_hough_circle_params_init");
        cv::Mat in = view(src);
        std::vector<cv::Vec3f> found;
        cv::HoughCircles(in, found, cv::HOUGH_GRADIENT, p->dp, p->min_dist, p->param1,
                         p->param2, p->min_radius, p->max_radius);
        std::vector<cvs_circle> circles = first_items<cvs_circle>(
            found, [](const cv::Vec3f &c) { return cvs_circle{c[0], c[1], c[2]}; });
        c_ptr<cvs_circle> items = c_copy(circles);
        // Nothing below can fail.
        out->items = items.release();
        out->count = circles.size();
    });
}

cvs_status cvs_find_contours(const cvs_image *src, int mode, int method, double min_area,
                             cvs_contours *out) {
    return guarded([&] {
        reset(out);
        int m = pick(contour_modes, mode, "contour mode");
        int a = pick(contour_methods, method, "contour method");
        cv::Mat in = view(src);
        require(in.channels() == 1, "needs a one-channel (gray) image");
        std::vector<std::vector<cv::Point>> cs;
        std::vector<cv::Vec4i> hier;
        cv::findContours(in, cs, hier, m, a);
        store_contours(cs, hier, min_area, out);
    });
}

cvs_status cvs_set_max_items(size_t max) {
    max_items = max;
    return CVS_OK;
}

size_t cvs_last_found(void) { return last_found; }

cvs_status cvs_match_template(const cvs_image *src, const cvs_image *templ,
                              const cvs_template_params *p, cvs_boxes *out) {
    return guarded([&] {
        reset(out);
        params(p, sizeof *p, "cvs_template_params_init");
        int method = pick(template_methods, p->method, "template method");
        require(p->max_count >= 1 && p->max_count <= 100000, "max_count must be 1..100000");
        require(p->overlap >= 0 && p->overlap <= 1, "overlap must be 0..1");
        require(!std::isnan(p->threshold), "threshold is not a number");
        cv::Mat in = view(src), t = view(templ);
        require(in.channels() == 1 || in.channels() == 3, "needs a 1- or 3-channel image");
        if (t.channels() != in.channels()) {
            cv::Mat converted;
            int code = in.channels() == 1 ? (t.channels() == 4 ? cv::COLOR_BGRA2GRAY
                                                               : cv::COLOR_BGR2GRAY)
                                          : (t.channels() == 4 ? cv::COLOR_BGRA2BGR
                                                               : cv::COLOR_GRAY2BGR);
            cv::cvtColor(t, converted, code);
            t = converted;
        }
        if (t.cols > in.cols || t.rows > in.rows)
            throw invalid_arg(format("the template (%dx%d) is larger than the image (%dx%d)",
                                     t.cols, t.rows, in.cols, in.rows));
        cv::Mat r;
        cv::matchTemplate(in, t, r, method);
        bool lowest = method == cv::TM_SQDIFF || method == cv::TM_SQDIFF_NORMED;
        float worst = lowest ? std::numeric_limits<float>::max() : -std::numeric_limits<float>::max();
        cv::patchNaNs(r, worst);
        std::vector<cvs_box> boxes;
        while ((int)boxes.size() < p->max_count) {
            double lo, hi;
            cv::Point at_lo, at_hi;
            cv::minMaxLoc(r, &lo, &hi, &at_lo, &at_hi);
            double score = lowest ? lo : hi;
            cv::Point at = lowest ? at_lo : at_hi;
            bool passes = lowest ? score <= p->threshold && score < worst
                                 : score >= p->threshold && score > worst;
            if (!passes)
                break;
            boxes.push_back(cvs_box{at.x, at.y, t.cols, t.rows, score});
            suppress(r, at, t.cols, t.rows, p->overlap, worst);
        }
        c_ptr<cvs_box> items = c_copy(boxes);
        // Nothing below can fail.
        out->items = items.release();
        out->count = boxes.size();
    });
}

void cvs_template_params_init_sized(cvs_template_params *p, size_t size) {
    init_params(p, size, cvs_template_params{0, CVS_TM_CCOEFF_NORMED, 0.8, 0.3, 100});
}

void cvs_orb_params_init_sized(cvs_orb_params *p, size_t size) {
    init_params(p, size, cvs_orb_params{0, 500, 1.2, 8, 31, 0, 2, 0, 31, 20, 0});
}

void cvs_sift_params_init_sized(cvs_sift_params *p, size_t size) {
    init_params(p, size, cvs_sift_params{0, 0, 3, 0.04, 10, 1.6, 0});
}

void cvs_gftt_params_init_sized(cvs_gftt_params *p, size_t size) {
    init_params(p, size, cvs_gftt_params{0, 1000, 0.01, 1, 3, 0, 0.04});
}

void cvs_blob_params_init_sized(cvs_blob_params *p, size_t size) {
    init_params(p, size, cvs_blob_params{0, 25, 5000, 0, 1});
}

void cvs_hough_circle_params_init_sized(cvs_hough_circle_params *p, size_t size) {
    init_params(p, size, cvs_hough_circle_params{0, 1, 20, 100, 100, 0, 0});
}

} // extern "C"
