/* ops.c - the op table.  One row per op; each row's run function is one
 * shim call.  Defaults are OpenCV's own where OpenCV has one; where it has
 * none the help text says "cvapp default". */
#include "ops.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* Row helpers: name, default, min, max, flags, help. */
#define P_INT(n, d, lo, hi, fl, h) {n, PT_INT, d, lo, hi, fl, NULL, h}
#define P_REAL(n, d, lo, hi, h) {n, PT_REAL, d, lo, hi, 0, NULL, h}
#define P_REALF(n, d, lo, hi, fl, h) {n, PT_REAL, d, lo, hi, fl, NULL, h}
#define P_BOOL(n, d, h) {n, PT_BOOL, d, 0, 1, 0, NULL, h}
#define P_ENUM(n, d, choices, h) {n, PT_ENUM, d, 0, 0, 0, choices, h}
#define P_END {NULL, PT_INT, 0, 0, 0, 0, NULL, NULL}
#define P_DESCRIPTORS P_BOOL("descriptors", 0, "compute descriptors too")

#define I(k) ((int)c->v[k])
#define V(k) (c->v[k])

/* A detector's results go into the findings under the op's name. */
static cvs_status keep(const op_call *c, cvs_status st, feature_set *s) {
    if (st == CVS_OK && findings_add(c->found, c->op->name, s) != 0) return CVS_ENOMEM;
    return st;
}

/* ---- filters ---- */

static cvs_status run_grayscale(const op_call *c) { return cvs_grayscale(c->src, c->dst); }

static cvs_status run_resize(const op_call *c) {
    return cvs_resize(c->src, c->dst, I(0), I(1), V(2), I(3));
}
static const char *check_resize(const double *v) {
    if ((v[0] > 0) != (v[1] > 0)) return "width and height go together";
    if (v[0] > 0 && v[2] > 0) return "give width and height, or scale, not both";
    return v[0] == 0 && v[2] == 0 ? "needs width and height, or scale" : NULL;
}

static cvs_status run_crop(const op_call *c) {
    return cvs_crop(c->src, c->dst, I(0), I(1), I(2), I(3));
}
static cvs_status run_flip(const op_call *c) { return cvs_flip(c->src, c->dst, I(0)); }
static cvs_status run_rotate(const op_call *c) { return cvs_rotate(c->src, c->dst, I(0) + 1); }
static cvs_status run_blur(const op_call *c) { return cvs_blur(c->src, c->dst, I(0)); }

static cvs_status run_gaussian(const op_call *c) {
    return cvs_gaussian(c->src, c->dst, I(0), V(1), V(2));
}
static const char *check_gaussian(const double *v) {
    return v[0] == 0 && v[1] == 0 ? "ksize=0 needs sigma > 0" : NULL;
}

static cvs_status run_median(const op_call *c) { return cvs_median(c->src, c->dst, I(0)); }

static cvs_status run_bilateral(const op_call *c) {
    return cvs_bilateral(c->src, c->dst, I(0), V(1), V(2));
}
static const char *check_bilateral(const double *v) {
    return v[0] == 0 && v[2] > 10 ? "d=0 takes the diameter from sigma_space, which must then be "
                                    "at most 10"
                                  : NULL;
}

static cvs_status run_sharpen(const op_call *c) {
    return cvs_sharpen(c->src, c->dst, V(0), V(1));
}

static cvs_status run_sobel(const op_call *c) {
    return cvs_sobel(c->src, c->dst, I(0), I(1), I(2));
}
static const char *check_sobel(const double *v) {
    if (v[0] + v[1] == 0) return "needs dx or dy above 0";
    double limit = v[2] < 3 ? 3 : v[2];
    return v[0] >= limit || v[1] >= limit ? "dx and dy must be below ksize (below 3 for ksize=1)"
                                          : NULL;
}

static cvs_status run_scharr(const op_call *c) { return cvs_scharr(c->src, c->dst, I(0), I(1)); }
static const char *check_scharr(const double *v) {
    return v[0] + v[1] != 1 ? "needs dx=1 dy=0 or dx=0 dy=1" : NULL;
}

static cvs_status run_laplacian(const op_call *c) { return cvs_laplacian(c->src, c->dst, I(0)); }

static cvs_status run_canny(const op_call *c) {
    return cvs_canny(c->src, c->dst, V(0), V(1), I(2), I(3));
}

static cvs_status run_threshold(const op_call *c) {
    return cvs_threshold(c->src, c->dst, V(0), V(1), I(2));
}

static cvs_status run_adaptive(const op_call *c) {
    return cvs_adaptive_threshold(c->src, c->dst, V(0), I(1), I(2), V(3), I(4));
}

/* The morphology rows share one run function; the op's name picks the
 * operation (same order as the shim's CVS_MORPH_*). */
static const char *const morph_ops[] = {"erode",    "dilate", "open",    "close",
                                        "gradient", "tophat", "blackhat"};
static cvs_status run_morph(const op_call *c) {
    int op = 0;
    while (op < 6 && strcmp(morph_ops[op], c->op->name) != 0) op++;
    return cvs_morphology(c->src, c->dst, op, I(0), I(1), I(2));
}
#define MORPH_ROW(name, help)                                                                    \
    {name, help, 0, run_morph, NULL,                                                             \
     {P_INT("ksize", 3, 1, 255, 0, "kernel width and height (cvapp default)"),                  \
      P_ENUM("shape", 0, "rect|ellipse|cross", "kernel shape (cv::getStructuringElement)"),      \
      P_INT("iterations", 1, 1, 32, 0, "times applied"), P_END}}

static cvs_status run_equalize(const op_call *c) { return cvs_equalize(c->src, c->dst); }
static cvs_status run_clahe(const op_call *c) { return cvs_clahe(c->src, c->dst, V(0), I(1)); }
static cvs_status run_invert(const op_call *c) { return cvs_invert(c->src, c->dst); }
static cvs_status run_normalize(const op_call *c) {
    return cvs_normalize(c->src, c->dst, V(0), V(1));
}
static cvs_status run_convert(const op_call *c) {
    return cvs_convert(c->src, c->dst, V(0), V(1));
}

/* draw: a BGR copy with every set found so far, in pipeline order; each
 * set's contours, then lines, circles, keypoints.  Colors in the order of
 * the `color` choices, as B, G, R. */
static const uint8_t draw_colors[][3] = {{0, 255, 0},   {0, 0, 255},   {255, 0, 0},
                                         {0, 255, 255}, {255, 255, 0}, {255, 0, 255},
                                         {255, 255, 255}, {0, 0, 0}};
static cvs_status run_draw(const op_call *c) {
    const uint8_t *bgr = draw_colors[I(0)];
    cvs_style st = {bgr[0], bgr[1], bgr[2], I(1)};
    cvs_status rc = cvs_to_bgr(c->src, c->dst);
    for (size_t i = 0; rc == CVS_OK && c->found && i < c->found->nsets; i++) {
        const feature_set *s = &c->found->sets[i];
        rc = cvs_draw_contours(c->dst, &s->contours, &st);
        if (rc == CVS_OK) rc = cvs_draw_lines(c->dst, s->lines.items, s->lines.count, &st);
        if (rc == CVS_OK) rc = cvs_draw_circles(c->dst, s->circles.items, s->circles.count, &st);
        if (rc == CVS_OK) rc = cvs_draw_keypoints(c->dst, s->kp.items, s->kp.count, &st);
    }
    return rc;
}

/* ---- detectors ---- */

static cvs_status run_orb(const op_call *c) {
    cvs_orb_params p = {I(0), V(1), I(2), I(3), I(4), I(5), I(6), I(7), I(8), I(9)};
    feature_set s = {0};
    return keep(c, cvs_orb(c->src, &p, &s.kp), &s);
}
static const char *check_orb(const double *v) {
    return v[4] >= v[2] ? "first_level must be below nlevels" : NULL;
}

static cvs_status run_fast(const op_call *c) {
    feature_set s = {0};
    return keep(c, cvs_fast(c->src, I(0), I(1), I(2), &s.kp), &s);
}

static cvs_status run_sift(const op_call *c) {
    cvs_sift_params p = {I(0), I(1), V(2), V(3), V(4), I(5)};
    feature_set s = {0};
    return keep(c, cvs_sift(c->src, &p, &s.kp), &s);
}

static cvs_status run_akaze(const op_call *c) {
    feature_set s = {0};
    return keep(c, cvs_akaze(c->src, V(0), I(1), &s.kp), &s);
}

static cvs_status run_brisk(const op_call *c) {
    feature_set s = {0};
    return keep(c, cvs_brisk(c->src, I(0), I(1), I(2), &s.kp), &s);
}

static cvs_status run_gftt(const op_call *c) {
    cvs_gftt_params p = {I(0), V(1), V(2), I(3), I(4), V(5)};
    feature_set s = {0};
    return keep(c, cvs_gftt(c->src, &p, &s.kp), &s);
}

static cvs_status run_harris(const op_call *c) {
    feature_set s = {0};
    return keep(c, cvs_harris(c->src, I(0), I(1), V(2), V(3), &s.kp), &s);
}

static cvs_status run_blobs(const op_call *c) {
    cvs_blob_params p = {V(0), V(1), V(2), I(3)};
    feature_set s = {0};
    return keep(c, cvs_blobs(c->src, &p, &s.kp), &s);
}
static const char *check_blobs(const double *v) {
    return v[1] < v[0] ? "max_area must be at least min_area" : NULL;
}

static cvs_status run_hough_lines(const op_call *c) {
    feature_set s = {0};
    return keep(c, cvs_hough_lines(c->src, V(0), V(1), I(2), V(3), V(4), &s.lines), &s);
}

static cvs_status run_hough_circles(const op_call *c) {
    cvs_hough_circle_params p = {V(0), V(1), V(2), V(3), I(4), I(5)};
    feature_set s = {0};
    return keep(c, cvs_hough_circles(c->src, &p, &s.circles), &s);
}
static const char *check_hough_circles(const double *v) {
    return v[5] > 0 && v[5] < v[4] ? "max_radius must be 0 or at least min_radius" : NULL;
}

static cvs_status run_contours(const op_call *c) {
    feature_set s = {0};
    return keep(c, cvs_find_contours(c->src, I(0), I(1), V(2), &s.contours), &s);
}

const op_def op_table[] = {
    /* ---- filters and transforms ---- */
    {"grayscale", "Convert BGR to one gray channel (cv::cvtColor, COLOR_BGR2GRAY); gray stays gray. "
                  "Shortcut: as the first step on a color JPEG, the decoder's luma is used instead "
                  "(faster; under 1% of pixels differ, by a few levels, more where colors clip); --exact turns it off.",
     0, run_grayscale, NULL, {P_END}},
    {"resize", "Resize (cv::resize) to width x height, or by scale (the size rounded as OpenCV "
               "does). The result may have at most 65535 pixels a side and 268435456 pixels. "
               "Shortcut: as the first step with interp=area on a JPEG that it shrinks, the decoder's DCT scaling "
               "first reduces the image to no less than twice the target (faster; pixels differ "
               "by a few levels on average, more on fine texture); --exact turns it off.",
     0, run_resize, check_resize,
     {P_INT("width", 0, 1, 65535, PF_ZERO_OK, "output width; 0 = not set"),
      P_INT("height", 0, 1, 65535, PF_ZERO_OK, "output height; 0 = not set"),
      P_REALF("scale", 0, 0.01, 64, PF_ZERO_OK, "factor for both sides; 0 = not set"),
      P_ENUM("interp", 1, "nearest|linear|cubic|area|lanczos", "interpolation"), P_END}},
    {"crop", "Copy the rectangle at x, y (origin top-left). It must lie inside the image; if it "
             "does not, that input fails (exit 1).",
     0, run_crop, NULL,
     {P_INT("x", 0, 0, 65535, 0, "left column"), P_INT("y", 0, 0, 65535, 0, "top row"),
      P_INT("width", 0, 1, 65535, PF_ZERO_OK, "width; 0 = up to the right edge"),
      P_INT("height", 0, 1, 65535, PF_ZERO_OK, "height; 0 = up to the bottom edge"), P_END}},
    {"flip", "Mirror the image (cv::flip).", 0, run_flip, NULL,
     {P_ENUM("axis", 0, "h|v|both",
             "h: left-right, v: top-bottom, both: both (cvapp default h)"), P_END}},
    {"rotate", "Rotate clockwise by a multiple of 90 degrees (cv::rotate).", 0, run_rotate, NULL,
     {P_ENUM("angle", 0, "90|180|270", "clockwise angle in degrees (cvapp default 90)"), P_END}},
    {"blur", "Box blur, the normalized mean (cv::blur).", 0, run_blur, NULL,
     {P_INT("ksize", 3, 1, 255, 0, "kernel width and height (cvapp default)"), P_END}},
    {"gaussian", "Gaussian blur (cv::GaussianBlur).", 0, run_gaussian, check_gaussian,
     {P_INT("ksize", 3, 1, 255, PF_ODD | PF_ZERO_OK,
            "kernel width and height; 0 = from sigma (cvapp default 3)"),
      P_REAL("sigma", 0, 0, 1000, "X standard deviation; 0 = from ksize"),
      P_REAL("sigma_y", 0, 0, 1000, "Y standard deviation; 0 = same as sigma"), P_END}},
    {"median", "Median blur (cv::medianBlur).", 0, run_median, NULL,
     {P_INT("ksize", 3, 1, 255, PF_ODD, "aperture width and height (cvapp default)"), P_END}},
    {"bilateral", "Edge-preserving bilateral filter (cv::bilateralFilter).", 0, run_bilateral,
     check_bilateral,
     {P_INT("d", 9, 0, 31, 0, "pixel neighbourhood diameter; 0 = from sigma_space (cvapp default 9)"),
      P_REAL("sigma_color", 75, 0, 1000, "filter sigma in the color space (cvapp default)"),
      P_REAL("sigma_space", 75, 0, 1000, "filter sigma in the coordinate space (cvapp default)"),
      P_END}},
    {"sharpen", "Unsharp mask: cv::addWeighted(image, 1 + amount, blurred, -amount, 0) where "
                "blurred is cv::GaussianBlur(image, Size(), sigma).",
     0, run_sharpen, NULL,
     {P_REAL("sigma", 1, 0.1, 50, "blur standard deviation (cvapp default)"),
      P_REAL("amount", 1, 0, 20, "strength (cvapp default)"), P_END}},
    {"sobel", "Sobel derivative (cv::Sobel) in 16-bit signed, returned as its 8-bit absolute "
              "value (cv::convertScaleAbs).",
     0, run_sobel, check_sobel,
     {P_INT("dx", 1, 0, 6, 0, "x derivative order (cvapp default)"),
      P_INT("dy", 0, 0, 6, 0, "y derivative order (cvapp default)"),
      P_INT("ksize", 3, 1, 7, PF_ODD, "kernel size"), P_END}},
    {"scharr", "Scharr derivative (cv::Scharr) in 16-bit signed, returned as its 8-bit absolute "
               "value (cv::convertScaleAbs).",
     0, run_scharr, check_scharr,
     {P_INT("dx", 1, 0, 1, 0, "x derivative order (cvapp default)"),
      P_INT("dy", 0, 0, 1, 0, "y derivative order (cvapp default)"), P_END}},
    {"laplacian", "Laplacian (cv::Laplacian) in 16-bit signed, returned as its 8-bit absolute "
                  "value (cv::convertScaleAbs).",
     0, run_laplacian, NULL, {P_INT("ksize", 1, 1, 7, PF_ODD, "aperture size"), P_END}},
    {"canny", "Canny edges (cv::Canny); a color input uses its strongest channel gradient.", 0,
     run_canny, NULL,
     {P_REAL("low", 50, 0, 100000, "lower hysteresis threshold (cvapp default)"),
      P_REAL("high", 150, 0, 100000, "upper hysteresis threshold (cvapp default)"),
      P_INT("aperture", 3, 3, 7, PF_ODD, "Sobel aperture size"),
      P_BOOL("l2", 0, "use the L2 gradient norm"), P_END}},
    {"threshold", "Fixed-level threshold (cv::threshold). otsu and triangle are binary with the "
                  "level OpenCV finds (THRESH_OTSU, THRESH_TRIANGLE); they need one channel, so "
                  "a color input is converted to gray first.",
     0, run_threshold, NULL,
     {P_REAL("value", 127, 0, 255, "threshold level (cvapp default; otsu and triangle ignore it)"),
      P_REAL("max", 255, 0, 255, "value given to pixels that pass (cvapp default)"),
      P_ENUM("type", 0, "binary|binary_inv|trunc|tozero|tozero_inv|otsu|triangle",
             "threshold type (cvapp default binary)"), P_END}},
    {"adaptive_threshold", "Threshold against the local mean (cv::adaptiveThreshold).", OPF_GRAY,
     run_adaptive, NULL,
     {P_REAL("max", 255, 0, 255, "value given to pixels that pass (cvapp default)"),
      P_ENUM("method", 0, "mean|gaussian", "local mean (cvapp default mean)"),
      P_INT("block", 11, 3, 255, PF_ODD, "neighbourhood size (cvapp default)"),
      P_REAL("c", 2, -255, 255, "constant subtracted from the mean (cvapp default)"),
      P_BOOL("invert", 0, "THRESH_BINARY_INV instead of THRESH_BINARY"), P_END}},
    MORPH_ROW("erode", "Erode: local minimum (cv::morphologyEx, MORPH_ERODE)."),
    MORPH_ROW("dilate", "Dilate: local maximum (cv::morphologyEx, MORPH_DILATE)."),
    MORPH_ROW("open", "Opening: erode, then dilate (cv::morphologyEx, MORPH_OPEN)."),
    MORPH_ROW("close", "Closing: dilate, then erode (cv::morphologyEx, MORPH_CLOSE)."),
    MORPH_ROW("gradient", "Morphological gradient: dilate minus erode (MORPH_GRADIENT)."),
    MORPH_ROW("tophat", "Top hat: the image minus its opening (MORPH_TOPHAT)."),
    MORPH_ROW("blackhat", "Black hat: the closing minus the image (MORPH_BLACKHAT)."),
    {"equalize", "Histogram equalization (cv::equalizeHist).", OPF_GRAY, run_equalize, NULL,
     {P_END}},
    {"clahe", "Contrast-limited adaptive histogram equalization (cv::createCLAHE).", OPF_GRAY,
     run_clahe, NULL,
     {P_REAL("clip", 40, 0, 1000, "contrast limit; 0 = none"),
      P_INT("tile", 8, 1, 64, 0, "tiles per row and per column"), P_END}},
    {"invert", "Negative: 255 - value (cv::bitwise_not).", 0, run_invert, NULL, {P_END}},
    {"normalize", "Stretch the values to [min, max] (cv::normalize, NORM_MINMAX).", 0,
     run_normalize, NULL,
     {P_REAL("min", 0, 0, 255, "lowest output value (cvapp default)"),
      P_REAL("max", 255, 0, 255, "highest output value (cvapp default)"), P_END}},
    {"convert", "Contrast and brightness: alpha * value + beta, saturated (Mat::convertTo).", 0,
     run_convert, NULL,
     {P_REAL("alpha", 1, -100, 100, "contrast factor"),
      P_REAL("beta", 0, -255, 255, "brightness offset"), P_END}},
    {"draw", "Draw everything found so far on a color copy of the image: contours "
             "(cv::drawContours), lines (cv::line), circles (cv::circle) and keypoints as circles "
             "of their size with a radius for their angle (cv::drawKeypoints, "
             "DRAW_RICH_KEYPOINTS; always 1 pixel wide). Coordinates are those of the image each "
             "detector saw.",
     0, run_draw, NULL,
     {P_ENUM("color", 0, "green|red|blue|yellow|cyan|magenta|white|black",
             "color (cvapp default green)"),
      P_INT("thickness", 1, 1, 32, 0, "line width of contours, lines and circles"), P_END}},
    /* ---- detectors ---- */
    {"orb", "ORB keypoints (cv::ORB); a color input is converted to gray by OpenCV itself.",
     OPF_DETECTOR, run_orb, check_orb,
     {P_INT("nfeatures", 500, 1, 1000000, 0, "maximum number of keypoints"),
      P_REAL("scale_factor", 1.2, 1.01, 4, "pyramid decimation ratio"),
      P_INT("nlevels", 8, 1, 32, 0, "pyramid levels"),
      P_INT("edge_threshold", 31, 0, 1024, 0, "border where no keypoint is found"),
      P_INT("first_level", 0, 0, 31, 0, "pyramid level of the source image"),
      P_INT("wta_k", 2, 2, 4, 0, "points per BRIEF comparison"),
      P_ENUM("score_type", 0, "harris|fast", "keypoint ranking score"),
      P_INT("patch_size", 31, 2, 1024, 0, "size of the oriented BRIEF patch"),
      P_INT("fast_threshold", 20, 0, 255, 0, "FAST threshold"), P_DESCRIPTORS, P_END}},
    {"fast", "FAST corners (cv::FastFeatureDetector); a color input is converted to gray by "
             "OpenCV itself.",
     OPF_DETECTOR, run_fast, NULL,
     {P_INT("threshold", 10, 0, 255, 0, "intensity difference to the centre"),
      P_BOOL("nonmax", 1, "non-maximum suppression"),
      P_ENUM("type", 2, "5_8|7_12|9_16", "pixels on the circle and contiguous ones needed"),
      P_END}},
    {"sift", "SIFT keypoints (cv::SIFT); a color input is converted to gray by OpenCV itself.",
     OPF_DETECTOR, run_sift, NULL,
     {P_INT("nfeatures", 0, 0, 1000000, 0, "keypoints to keep, the best first; 0 = all"),
      P_INT("octave_layers", 3, 1, 8, 0, "layers per octave"),
      P_REAL("contrast_threshold", 0.04, 0, 1, "weak-contrast filter"),
      P_REAL("edge_threshold", 10, 0, 1000, "edge-like keypoint filter"),
      P_REAL("sigma", 1.6, 0.1, 10, "Gaussian sigma of octave 0"), P_DESCRIPTORS, P_END}},
    {"akaze", "AKAZE keypoints (cv::AKAZE, MLDB descriptors); a color input is converted to gray "
              "by OpenCV itself.",
     OPF_DETECTOR, run_akaze, NULL,
     {P_REAL("threshold", 0.001, 0.000001, 1, "detector response threshold"), P_DESCRIPTORS,
      P_END}},
    {"brisk", "BRISK keypoints (cv::BRISK); a color input is converted to gray by OpenCV itself.",
     OPF_DETECTOR, run_brisk, NULL,
     {P_INT("threshold", 30, 0, 255, 0, "AGAST detection threshold"),
      P_INT("octaves", 3, 0, 8, 0, "detection octaves; 0 = one scale"), P_DESCRIPTORS, P_END}},
    {"gftt", "Good features to track: Shi-Tomasi or Harris corners (cv::GFTTDetector); a color "
             "input is converted to gray by OpenCV itself.",
     OPF_DETECTOR, run_gftt, NULL,
     {P_INT("max_corners", 1000, 0, 1000000, 0, "most corners kept, the strongest first; 0 = all"),
      P_REAL("quality", 0.01, 0.000001, 1, "minimum quality relative to the best corner"),
      P_REAL("min_distance", 1, 0, 10000, "minimum distance between corners"),
      P_INT("block", 3, 1, 31, 0, "neighbourhood size"),
      P_BOOL("harris", 0, "Harris measure instead of Shi-Tomasi"),
      P_REAL("k", 0.04, 0, 1, "Harris free parameter"), P_END}},
    {"harris", "Harris corners (cv::cornerHarris): a keypoint (size = block, angle -1, response = "
               "the Harris measure) at every pixel whose measure is above threshold times the "
               "strongest one, row by row.",
     OPF_DETECTOR | OPF_GRAY, run_harris, NULL,
     {P_INT("block", 2, 1, 31, 0, "neighbourhood size (cvapp default)"),
      P_INT("ksize", 3, 1, 7, PF_ODD, "Sobel aperture (cvapp default)"),
      P_REAL("k", 0.04, 0, 1, "Harris free parameter (cvapp default)"),
      P_REAL("threshold", 0.01, 0, 1, "level relative to the strongest response (cvapp default)"),
      P_END}},
    {"blobs", "Blobs (cv::SimpleBlobDetector, its other parameters at OpenCV's defaults); a "
              "keypoint per blob, size = its diameter.",
     OPF_DETECTOR, run_blobs, check_blobs,
     {P_REAL("min_area", 25, 0, 1e9, "smallest blob area in pixels"),
      P_REAL("max_area", 5000, 0, 1e9, "largest blob area in pixels"),
      P_REAL("min_circularity", 0, 0, 1, "4*pi*area/perimeter^2 at least this; 0 = not filtered"),
      P_BOOL("dark", 1, "dark blobs (blobColor 0) or light ones (255)"), P_END}},
    {"hough_lines", "Line segments by the probabilistic Hough transform (cv::HoughLinesP); non-zero "
                    "pixels vote, so run it on edges (e.g. after canny).",
     OPF_DETECTOR | OPF_GRAY, run_hough_lines, NULL,
     {P_REAL("rho", 1, 0.5, 100, "distance step in pixels (cvapp default)"),
      P_REAL("theta", 1, 0.25, 180, "angle step in degrees (cvapp default)"),
      P_INT("threshold", 50, 1, 1000000, 0, "votes needed (cvapp default)"),
      P_REAL("min_length", 0, 0, 100000, "shortest segment kept"),
      P_REAL("max_gap", 0, 0, 100000, "largest gap joined within a segment"), P_END}},
    {"hough_circles", "Circles by the Hough gradient method (cv::HoughCircles, HOUGH_GRADIENT).",
     OPF_DETECTOR | OPF_GRAY, run_hough_circles, check_hough_circles,
     {P_REAL("dp", 1, 1, 8, "image to accumulator resolution ratio (cvapp default)"),
      P_REAL("min_dist", 20, 0.1, 100000, "minimum distance between centres (cvapp default)"),
      P_REAL("param1", 100, 1, 10000, "upper Canny threshold"),
      P_REAL("param2", 100, 1, 10000, "accumulator votes needed for a centre"),
      P_INT("min_radius", 0, 0, 100000, 0, "smallest radius"),
      P_INT("max_radius", 0, 0, 100000, 0, "largest radius; 0 = the image size"), P_END}},
    {"contours", "Contours of the non-zero regions (cv::findContours), with area "
                 "(cv::contourArea), perimeter (cv::arcLength) and bounding box "
                 "(cv::boundingRect).",
     OPF_DETECTOR | OPF_GRAY, run_contours, NULL,
     {P_ENUM("mode", 0, "external|list|tree|ccomp",
             "retrieval mode: outer only, all, full tree, two levels (cvapp default external)"),
      P_ENUM("method", 1, "none|simple", "every point, or segment end points (cvapp default simple)"),
      P_REAL("min_area", 0, 0, 1e9, "drop contours of a smaller area"), P_END}},
};
const size_t op_count = sizeof op_table / sizeof op_table[0];

const op_def *op_find(const char *name) {
    for (size_t i = 0; i < op_count; i++)
        if (strcmp(op_table[i].name, name) == 0) return &op_table[i];
    return NULL;
}

const char *op_suggest(const char *name) {
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < op_count; i++) {
        size_t d = edit_distance(name, op_table[i].name);
        if (d < bestd) {
            bestd = d;
            best = op_table[i].name;
        }
    }
    return bestd <= 3 && bestd < strlen(name) ? best : NULL;
}

int op_param_index(const op_def *op, const char *name) {
    for (int i = 0; i < OP_MAX_PARAMS && op->params[i].name; i++)
        if (strcmp(op->params[i].name, name) == 0) return i;
    return -1;
}

size_t op_param_count(const op_def *op) {
    size_t n = 0;
    while (n < OP_MAX_PARAMS && op->params[n].name) n++;
    return n;
}

static const char *type_name(ptype t) {
    return t == PT_INT ? "int" : t == PT_REAL ? "real" : t == PT_BOOL ? "bool" : "choice";
}

void param_describe_range(const param_def *p, char *buf, size_t n) {
    switch (p->type) {
    case PT_BOOL:
        snprintf(buf, n, "true|false");
        break;
    case PT_ENUM:
        snprintf(buf, n, "%s", p->choices);
        break;
    default:
        snprintf(buf, n, "%s%s%.10g..%.10g", p->flags & PF_ODD ? "odd, " : "",
                 p->flags & PF_ZERO_OK ? "0 or " : "", p->min, p->max);
    }
}

void param_describe_default(const param_def *p, char *buf, size_t n) {
    if (p->type == PT_BOOL) {
        snprintf(buf, n, "%s", p->def != 0 ? "true" : "false");
    } else if (p->type == PT_ENUM) {
        const char *s = p->choices;
        for (int i = 0; i < (int)p->def && s; i++) {
            s = strchr(s, '|');
            if (s) s++;
        }
        size_t len = s ? strcspn(s, "|") : 0;
        snprintf(buf, n, "%.*s", (int)len, s ? s : "");
    } else {
        snprintf(buf, n, "%.10g", p->def);
    }
}

/* A markdown table cell: '|' is escaped so that it stays in the cell. */
static void put_cell(FILE *out, const char *s) {
    for (; *s; s++) {
        if (*s == '|') fputc('\\', out);
        fputc(*s, out);
    }
}

void ops_print(FILE *out, int markdown) {
    char range[128], def[64];
    for (size_t i = 0; i < op_count; i++) {
        const op_def *op = &op_table[i];
        const char *kind = op->flags & OPF_DETECTOR ? "detector" : "filter";
        const char *gray = op->flags & OPF_GRAY ? " Needs one channel: a color input is converted to gray first." : "";
        if (markdown)
            fprintf(out, "### `%s` (%s)\n\n%s%s\n\n", op->name, kind, op->help, gray);
        else
            fprintf(out, "%s (%s)\n    %s%s\n", op->name, kind, op->help, gray);
        size_t np = op_param_count(op);
        if (markdown && np)
            fprintf(out, "| param | type | default | allowed | meaning |\n|---|---|---|---|---|\n");
        for (size_t k = 0; k < np; k++) {
            const param_def *p = &op->params[k];
            param_describe_range(p, range, sizeof range);
            param_describe_default(p, def, sizeof def);
            if (markdown) {
                fprintf(out, "| `%s` | %s | %s | ", p->name, type_name(p->type), def);
                put_cell(out, range);
                fputs(" | ", out);
                put_cell(out, p->help);
                fputs(" |\n", out);
            } else
                fprintf(out, "    %-16s %-6s default %-8s %-22s %s\n", p->name, type_name(p->type),
                        def, range, p->help);
        }
        fputc('\n', out);
    }
}
