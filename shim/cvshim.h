/* SPDX-License-Identifier: MIT */
/*
 * cvshim.h - libcvshim: a C interface to OpenCV's image filters, drawing
 * and feature detectors (OpenCV has no C API any more).  cvapp is one user;
 * any C program, or any language with a C FFI, can be another: build with
 * `pkg-config --cflags --libs cvshim` or CMake's find_package(cvshim)
 * (docs/cvshim.md).
 *
 * This header is plain C: no OpenCV type, no C++ construct crosses it.
 * Every function is exported (CVS_API) with the prefix `cvs_` and returns a
 * cvs_status.  On failure (anything but CVS_OK) the reason is kept in
 * per-thread storage and read with cvs_last_error(); a successful call
 * clears it.  No function throws, aborts or prints: the implementation
 * catches cv::Exception, std::exception and everything else at every entry
 * point.  Thread cancellation (pthread_cancel, pthread_exit) is not caught:
 * a thread cancelled inside a shim call unwinds out of it and ends.
 *
 * Ownership rules (they hold for every function below):
 *  - `const cvs_image *src` arguments are borrowed: the shim reads the
 *    pixels during the call only, wraps them without copying, and never
 *    frees, changes or keeps them.  A borrowed view (capacity 0, data
 *    pointing at pixels someone else owns) is a valid src.
 *  - `cvs_image *dst` arguments are owned by the caller but their pixel
 *    buffer is managed by the shim: pass a zeroed cvs_image the first time;
 *    the shim (re)allocates dst->data with malloc when dst->capacity is too
 *    small, and reuses it otherwise.  Release it with cvs_image_free().
 *    A borrowed view is not a valid dst: it is refused with CVS_EINVAL and
 *    left unchanged.  dst must not alias src: the same struct, or a dst
 *    whose buffer shares a byte with src's pixels, is CVS_EINVAL.
 *  - Detector results go into a caller-owned, zeroed result struct
 *    (cvs_keypoints, cvs_lines, cvs_circles, cvs_contours, cvs_boxes) whose arrays the
 *    shim allocates with malloc; release them with the matching
 *    cvs_*_free().  Every detector zeroes its result before anything else,
 *    so on any failure (arguments included) the result is left zeroed.
 *  - Drawing functions (cvs_draw_*) draw in place on a caller-owned 3-channel
 *    image (any other is CVS_EINVAL); the arrays they draw are borrowed for
 *    the call only.
 *  - Strings returned (cvs_last_error, cvs_opencv_version) are owned by the
 *    shim; cvs_last_error's string stays valid until the next shim call on
 *    the same thread.
 *
 * Versions and compatibility: CVS_VERSION_* below is the version of this
 * header, cvs_version() that of the library loaded.  Within one major
 * version (the SONAME, libcvshim.so.MAJOR) a program built against an
 * older header keeps working with a newer library: functions and enum values
 * are only added, and the parameter structs (cvs_*_params) only grow at
 * their end.  Their rule for callers: ALWAYS fill a params struct with its
 * cvs_*_params_init() first, then set the fields you want.  The init
 * function records the struct's size as your program was compiled
 * (p->size), and the library reads only the fields that size covers, using
 * its defaults for later ones; a struct that was not initialised (size too
 * small) is refused with CVS_EINVAL.  The other structs (cvs_image, the
 * results, cvs_style, cvs_limits) keep their layout for the major version:
 * what they lack comes as new functions.
 *
 * Contents, by family:
 *   core and memory  versions, statuses, images, detector results and their
 *                    release, allocation, limits, errors, threads
 *   filters          cvs_grayscale .. cvs_convert
 *   drawing          cvs_to_bgr, cvs_draw_*
 *   detectors        cvs_orb .. cvs_find_contours, cvs_match_template
 *   matching         cvs_match_descriptors, cvs_fit_model
 *
 * Each choice enum ends in a count (CVS_INTER_COUNT, ...): values 0 to
 * count - 1 are valid, anything else is CVS_EINVAL.
 */
#ifndef CVSHIM_H
#define CVSHIM_H

#include <stddef.h>
#include <stdint.h>

/* The version of this header: MAJOR changes with an incompatible ABI (the
 * SONAME libcvshim.so.MAJOR), MINOR when something is added, PATCH for
 * fixes.  CVS_VERSION is MAJOR * 10000 + MINOR * 100 + PATCH, comparable
 * with cvs_version(). */
#define CVS_VERSION_MAJOR 0
#define CVS_VERSION_MINOR 2
#define CVS_VERSION_PATCH 0
#define CVS_VERSION (CVS_VERSION_MAJOR * 10000 + CVS_VERSION_MINOR * 100 + CVS_VERSION_PATCH)

/* Marks what the library exports; everything else is built hidden. */
#if defined(__GNUC__)
#define CVS_API __attribute__((visibility("default")))
#else
#define CVS_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== core and memory ================================================ */

/* The loaded library's version: cvs_version() as CVS_VERSION computes it,
 * cvs_version_string() as "MAJOR.MINOR.PATCH" (a static string). */
CVS_API int cvs_version(void);
CVS_API const char *cvs_version_string(void);

typedef enum cvs_status {
    CVS_OK = 0,
    CVS_EINVAL = 1,    /* an argument the shim itself rejects, or a size over its limits */
    CVS_ECV = 2,       /* OpenCV raised cv::Exception */
    CVS_ENOMEM = 3,    /* allocation failed */
    CVS_EINTERNAL = 4  /* any other exception */
} cvs_status;

/* An 8-bit image: channels is 1 (gray) or 3 (BGR, OpenCV's order).
 * Row y starts at data + y * stride; stride >= width * channels. */
typedef struct cvs_image {
    int width;
    int height;
    int channels;
    size_t stride;
    uint8_t *data;
    size_t capacity; /* bytes allocated at data; 0 for borrowed views */
} cvs_image;

/* Releases img->data (when the shim allocated it) and zeroes *img; NULL
 * and borrowed views are allowed (a view's pixels are not freed). */
CVS_API void cvs_image_free(cvs_image *img);

/* Size limits, process-wide, that protect a program from an input that
 * asks for a huge allocation:
 *   max_image_bytes    the largest pixel buffer the shim allocates
 *                      (cvs_image_alloc and every dst)
 *   max_side           the largest width or height of a filter's result
 *                      whose size the caller chooses (cvs_resize and the
 *                      like); a larger result is CVS_EINVAL
 *   max_output_pixels  the largest width * height of such a result
 * The library starts with the CVS_DEFAULT_* values below (what cvapp uses).
 * cvs_limits_init fills *l with them; cvs_get_limits with those in force.
 * cvs_set_limits changes them for the whole process (every thread), so a
 * library calling cvshim should leave them to the program; a zero field is
 * refused (CVS_EINVAL, nothing changed).  Set them before starting threads
 * that call the shim: a call already running may still use the old ones. */
#define CVS_DEFAULT_MAX_IMAGE_BYTES ((size_t)1 << 34) /* 16 GiB */
#define CVS_DEFAULT_MAX_SIDE 65535
#define CVS_DEFAULT_MAX_OUTPUT_PIXELS ((int64_t)1 << 28)
typedef struct cvs_limits {
    size_t max_image_bytes;
    int max_side;
    int64_t max_output_pixels;
} cvs_limits;
CVS_API void cvs_limits_init(cvs_limits *l);
CVS_API void cvs_get_limits(cvs_limits *l);
CVS_API cvs_status cvs_set_limits(const cvs_limits *l);

/* Makes sure img holds a width x height x channels buffer (tightly
 * packed, stride = width*channels); reuses the buffer when it is big
 * enough.  The caller may use this to prepare buffers itself.  A size over
 * max_image_bytes ("image of WxHxC is over the N-byte limit") and a
 * borrowed view are CVS_EINVAL; a failed malloc is CVS_ENOMEM (its message
 * names the bytes and the size).  On failure img is unchanged. */
CVS_API cvs_status cvs_image_alloc(cvs_image *img, int width, int height, int channels);

typedef struct cvs_keypoint {
    float x, y;       /* position, pixels, origin top-left */
    float size;       /* diameter of the meaningful neighbourhood */
    float angle;      /* degrees [0,360), -1 when not applicable */
    float response;
    int octave;
    int class_id;
} cvs_keypoint;

/* Keypoints, optionally with descriptors: row i of `descriptors`
 * (desc_len bytes, or desc_len floats when desc_type is CVS_DESC_F32)
 * belongs to items[i]. */
enum { CVS_DESC_NONE = 0, CVS_DESC_U8 = 1, CVS_DESC_F32 = 2 };
typedef struct cvs_keypoints {
    cvs_keypoint *items;
    size_t count;
    int desc_type;
    int desc_len;        /* elements per descriptor row */
    void *descriptors;   /* count * desc_len elements, or NULL */
} cvs_keypoints;

/* The most items a detector called from this thread keeps (0, the
 * default: all).  Keypoints: the `max` with the strongest response (ties:
 * the first), in the order found, their descriptors with them; lines,
 * circles, contours: the first `max` (a kept contour whose parent is cut
 * gets parent -1).  They are chosen while the results are collected, so a
 * detector's own memory for them is O(max) however many it finds (harris,
 * fast; the others collect inside OpenCV first).  Added in 0.2. */
CVS_API cvs_status cvs_set_max_items(size_t max);
/* How many items the last successful detector call on this thread found,
 * before cvs_set_max_items cut them (its count when nothing was cut). */
CVS_API size_t cvs_last_found(void);

/* Releases the arrays of `kp` and zeroes it; NULL is allowed. */
CVS_API void cvs_keypoints_free(cvs_keypoints *kp);

/* Line segments (cv::HoughLinesP): end points in pixels. */
typedef struct cvs_line {
    int x1, y1, x2, y2;
} cvs_line;
typedef struct cvs_lines {
    cvs_line *items;
    size_t count;
} cvs_lines;
CVS_API void cvs_lines_free(cvs_lines *l);

/* Circles (cv::HoughCircles): centre and radius in pixels. */
typedef struct cvs_circle {
    float x, y, radius;
} cvs_circle;
typedef struct cvs_circles {
    cvs_circle *items;
    size_t count;
} cvs_circles;
CVS_API void cvs_circles_free(cvs_circles *c);

/* Contours (cv::findContours).  Contour i's points are
 * points[items[i].first .. items[i].first + items[i].npoints). */
typedef struct cvs_point {
    int x, y;
} cvs_point;
typedef struct cvs_contour {
    double area;       /* cv::contourArea */
    double perimeter;  /* cv::arcLength, closed */
    int x, y, width, height; /* cv::boundingRect */
    int parent;        /* index in items of the nearest kept enclosing contour, or -1 */
    size_t first, npoints;
} cvs_contour;
typedef struct cvs_contours {
    cvs_contour *items;
    size_t count;
    cvs_point *points;
    size_t npoints;
} cvs_contours;
CVS_API void cvs_contours_free(cvs_contours *c);

/* Boxes (cvs_match_template): the top-left corner, the size and the
 * score of each.  Since 0.2.0. */
typedef struct cvs_box {
    int x, y, width, height;
    double score;
} cvs_box;
typedef struct cvs_boxes {
    cvs_box *items;
    size_t count;
} cvs_boxes;
CVS_API void cvs_boxes_free(cvs_boxes *b);

/* The message of the last failure on this thread ("" if none, or after a
 * successful call). */
CVS_API const char *cvs_last_error(void);

/* The version string of the OpenCV the library was built with, e.g. "4.6.0". */
CVS_API const char *cvs_opencv_version(void);

/* OpenCV's worker thread count: cv::setNumThreads / cv::getNumThreads.
 * n = 0 restores OpenCV's default (one per CPU), 1 runs serially; a
 * negative n is CVS_EINVAL.  This is PROCESS-WIDE state of OpenCV, not of
 * the calling thread or of cvshim: it changes every later OpenCV call in
 * the process, including those of other libraries and of other threads
 * (calls already running keep their count).  A program sets it once, before
 * starting its threads; a library built on cvshim should not call it. */
CVS_API cvs_status cvs_set_num_threads(int n);
CVS_API int cvs_get_num_threads(void);

/* ==== filters: read src, write dst ===================================== */

/* A result whose size the caller chooses (resize) is limited by
 * cvs_limits' max_side and max_output_pixels; a larger one is CVS_EINVAL.
 * The choice enums below are cvshim's own numbering (not OpenCV's
 * constants), stable within a major version. */

/* cv::cvtColor BGR->GRAY; a gray src is copied unchanged. */
CVS_API cvs_status cvs_grayscale(const cvs_image *src, cvs_image *dst);

/* Interpolations: nearest, linear, cubic, area, lanczos (cv::INTER_*). */
enum { CVS_INTER_NEAREST, CVS_INTER_LINEAR, CVS_INTER_CUBIC, CVS_INTER_AREA,
       CVS_INTER_LANCZOS, CVS_INTER_COUNT };

/* cv::resize to width x height when both are > 0, else by `scale` in both
 * directions (cv::resize(src, dst, Size(), scale, scale, interp)). */
CVS_API cvs_status cvs_resize(const cvs_image *src, cvs_image *dst, int width, int height,
                              double scale, int interp);

/* Copies the rectangle at (x, y); width or height 0 = up to the image's
 * edge.  A rectangle outside the image is CVS_EINVAL. */
CVS_API cvs_status cvs_crop(const cvs_image *src, cvs_image *dst, int x, int y, int width,
                            int height);

/* cv::flip: axis 0 = horizontal (mirror left-right), 1 = vertical,
 * 2 = both. */
enum { CVS_FLIP_HORIZONTAL, CVS_FLIP_VERTICAL, CVS_FLIP_BOTH, CVS_FLIP_COUNT };
CVS_API cvs_status cvs_flip(const cvs_image *src, cvs_image *dst, int axis);

/* cv::rotate clockwise by quarter_turns * 90 degrees (1..3). */
CVS_API cvs_status cvs_rotate(const cvs_image *src, cvs_image *dst, int quarter_turns);

/* Rotation by any angle, `degrees` clockwise, about the image's centre
 * ((w-1)/2, (h-1)/2): cv::warpAffine with cv::getRotationMatrix2D(centre,
 * -degrees, 1), INTER_LINEAR, BORDER_CONSTANT in the colour (b, g, r) (on a
 * gray image its cv::cvtColor gray value; on 4 channels opaque).  expand 0
 * keeps the size (corners are cut); expand 1 makes the canvas
 * round(w*|cos a| + h*|sin a|) x round(w*|sin a| + h*|cos a|) (nearest,
 * ties to even) and shifts the matrix by half the growth, so the whole
 * image shows.  Quarter turns are better done exactly with cvs_rotate. */
CVS_API cvs_status cvs_rotate_angle(const cvs_image *src, cvs_image *dst, double degrees,
                                    int expand, uint8_t b, uint8_t g, uint8_t r);

/* cv::blur (box filter). */
CVS_API cvs_status cvs_blur(const cvs_image *src, cvs_image *dst, int ksize);

/* cv::GaussianBlur(src, dst, Size(ksize,ksize), sigma, sigma_y). */
CVS_API cvs_status cvs_gaussian(const cvs_image *src, cvs_image *dst,
                                int ksize, double sigma, double sigma_y);

/* cv::medianBlur, cv::bilateralFilter. */
CVS_API cvs_status cvs_median(const cvs_image *src, cvs_image *dst, int ksize);
CVS_API cvs_status cvs_bilateral(const cvs_image *src, cvs_image *dst, int d,
                                 double sigma_color, double sigma_space);

/* Unsharp mask: cv::addWeighted(src, 1 + amount, G, -amount, 0) where G is
 * cv::GaussianBlur(src, Size(), sigma). */
CVS_API cvs_status cvs_sharpen(const cvs_image *src, cvs_image *dst, double sigma,
                               double amount);

/* Derivatives computed in CV_16S, returned as cv::convertScaleAbs of it. */
CVS_API cvs_status cvs_sobel(const cvs_image *src, cvs_image *dst, int dx, int dy, int ksize);
CVS_API cvs_status cvs_scharr(const cvs_image *src, cvs_image *dst, int dx, int dy);
CVS_API cvs_status cvs_laplacian(const cvs_image *src, cvs_image *dst, int ksize);

/* cv::Canny(src, dst, low, high, aperture, l2). */
CVS_API cvs_status cvs_canny(const cvs_image *src, cvs_image *dst,
                             double low, double high, int aperture, int l2);

/* cv::threshold.  Types: binary, binary_inv, trunc,
 * tozero, tozero_inv, otsu, triangle (the last two: binary with the level
 * found by OpenCV; they need one channel, so a color src is converted to
 * gray first and dst has one channel). */
enum { CVS_THRESH_BINARY, CVS_THRESH_BINARY_INV, CVS_THRESH_TRUNC, CVS_THRESH_TOZERO,
       CVS_THRESH_TOZERO_INV, CVS_THRESH_OTSU, CVS_THRESH_TRIANGLE, CVS_THRESH_COUNT };
CVS_API cvs_status cvs_threshold(const cvs_image *src, cvs_image *dst, double value,
                                 double max, int type);

/* cv::adaptiveThreshold on a gray src: method 0 = mean, 1 = gaussian;
 * invert selects THRESH_BINARY_INV. */
enum { CVS_ADAPTIVE_MEAN, CVS_ADAPTIVE_GAUSSIAN, CVS_ADAPTIVE_COUNT };
CVS_API cvs_status cvs_adaptive_threshold(const cvs_image *src, cvs_image *dst, double max,
                                          int method, int block, double c, int invert);

/* cv::morphologyEx with a ksize x ksize cv::getStructuringElement.
 * Ops (cv::MORPH_*) and shapes (cv::MORPH_RECT ...). */
enum { CVS_MORPH_ERODE, CVS_MORPH_DILATE, CVS_MORPH_OPEN, CVS_MORPH_CLOSE,
       CVS_MORPH_GRADIENT, CVS_MORPH_TOPHAT, CVS_MORPH_BLACKHAT, CVS_MORPH_COUNT };
enum { CVS_SHAPE_RECT, CVS_SHAPE_ELLIPSE, CVS_SHAPE_CROSS, CVS_SHAPE_COUNT };
CVS_API cvs_status cvs_morphology(const cvs_image *src, cvs_image *dst, int op, int ksize,
                                  int shape, int iterations);

/* cv::equalizeHist and CLAHE (cv::createCLAHE(clip, Size(tile, tile)))
 * on a gray src. */
CVS_API cvs_status cvs_equalize(const cvs_image *src, cvs_image *dst);
CVS_API cvs_status cvs_clahe(const cvs_image *src, cvs_image *dst, double clip, int tile);

/* Borders (cv::BORDER_*): reflect101 (gfedcb|abcdefgh|gfedcba, OpenCV's
 * default), replicate, reflect (fedcba|abcdefgh|hgfedcb), constant (zeros). */
enum { CVS_BORDER_REFLECT101, CVS_BORDER_REPLICATE, CVS_BORDER_REFLECT, CVS_BORDER_CONSTANT,
       CVS_BORDER_COUNT };

/* cv::filter2D(src, dst, -1, K, Point(-1, -1), offset, border) where K is
 * the rows x cols CV_64F matrix `kernel` (row by row, borrowed for the call)
 * times `scale`: a correlation (the kernel is not flipped), anchored at its
 * centre (cell cols / 2, rows / 2), each channel on its own, the result rounded and saturated to
 * 0..255.  rows and cols 1..1024; a value that is not finite, or a scale or
 * offset that is not, is CVS_EINVAL.  Since 0.2.0. */
CVS_API cvs_status cvs_filter2d(const cvs_image *src, cvs_image *dst, const double *kernel,
                                int rows, int cols, double scale, double offset, int border);

/* cv::warpPerspective (perspective non-zero: m is 3x3, row by row) or
 * cv::warpAffine (m's first two rows) of src into a width x height dst,
 * interp CVS_INTER_NEAREST, _LINEAR, _CUBIC or _LANCZOS (area is
 * CVS_EINVAL), border CVS_BORDER_* (constant: zeros).  inverse non-zero
 * (cv::WARP_INVERSE_MAP): m maps dst's pixels to src's, as a model from
 * cvs_fit_model maps a reference to the image it was found in; else src's
 * to dst's.  m is borrowed; a value that is not finite is CVS_EINVAL; the
 * size is limited as cvs_resize's.  Since 0.2.0. */
CVS_API cvs_status cvs_warp(const cvs_image *src, cvs_image *dst, const double *m,
                            int perspective, int width, int height, int interp, int border,
                            int inverse);

/* cv::bitwise_not; cv::normalize(NORM_MINMAX) to [min, max];
 * Mat::convertTo(dst, -1, alpha, beta). */
CVS_API cvs_status cvs_invert(const cvs_image *src, cvs_image *dst);
CVS_API cvs_status cvs_normalize(const cvs_image *src, cvs_image *dst, double min,
                                 double max);
CVS_API cvs_status cvs_convert(const cvs_image *src, cvs_image *dst, double alpha,
                               double beta);

/* ==== drawing ========================================================== */

/* A 3-channel (BGR) copy of src: gray is expanded with cv::cvtColor. */
CVS_API cvs_status cvs_to_bgr(const cvs_image *src, cvs_image *dst);

typedef struct cvs_style {
    uint8_t b, g, r;
    int thickness; /* 1..255: lines, circles, contours and keypoint markers */
} cvs_style;

/* Draw in place on a 3-channel img.  Keypoints: cv::drawKeypoints with
 * DRAW_RICH_KEYPOINTS (circle of the keypoint's size, a radius for its
 * angle); with a thickness above 1, the same circle and radius drawn with
 * that thickness (cv::circle and cv::line, LINE_AA, 4 fractional bits, as
 * OpenCV draws them at thickness 1).  Lines: cv::line.  Circles: cv::circle at the rounded centre and
 * radius.  Contours: cv::drawContours; a contour whose points fall outside
 * c->points is CVS_EINVAL and nothing is drawn. */
CVS_API cvs_status cvs_draw_keypoints(cvs_image *img, const cvs_keypoint *kp, size_t n,
                                      const cvs_style *st);
CVS_API cvs_status cvs_draw_lines(cvs_image *img, const cvs_line *l, size_t n,
                                  const cvs_style *st);
CVS_API cvs_status cvs_draw_circles(cvs_image *img, const cvs_circle *c, size_t n,
                                    const cvs_style *st);
CVS_API cvs_status cvs_draw_contours(cvs_image *img, const cvs_contours *c,
                                     const cvs_style *st);
/* Boxes: cv::rectangle of each (the corners (x, y) and (x + width - 1,
 * y + height - 1)); a box of a size below 1 is CVS_EINVAL and nothing is
 * drawn.  Since 0.2.0. */
CVS_API cvs_status cvs_draw_boxes(cvs_image *img, const cvs_box *b, size_t n,
                                  const cvs_style *st);

/* ==== detectors: read src, fill a zeroed result ======================== */
/* Keypoint detectors convert a color src to gray themselves (OpenCV does).
 *
 * Parameter structs: fill with cvs_X_params_init(&p), then set fields (see
 * "Versions and compatibility" at the top).  `size` is the init function's:
 * never set it yourself.  cvs_X_params_init is a macro passing sizeof *p
 * to the exported cvs_X_params_init_sized(p, size), which an FFI calls
 * directly with its struct's size.  The defaults are OpenCV's where it has
 * them (named beside each field); a NULL p is CVS_EINVAL for a detector
 * and nothing for an init function. */

typedef struct cvs_orb_params {
    size_t size;
    int nfeatures;       /* 500 */
    double scale_factor; /* 1.2 */
    int nlevels;         /* 8 */
    int edge_threshold;  /* 31 */
    int first_level;     /* 0 */
    int wta_k;           /* 2 */
    int score_type;      /* 0 = Harris (default), 1 = FAST */
    int patch_size;      /* 31 */
    int fast_threshold;  /* 20 */
    int descriptors;     /* non-zero: compute descriptors too (default 0) */
} cvs_orb_params;
CVS_API void cvs_orb_params_init_sized(cvs_orb_params *p, size_t size);
#define cvs_orb_params_init(p) cvs_orb_params_init_sized((p), sizeof *(p))

/* cv::ORB::create(...)->detect / detectAndCompute.  `out` must be
 * zeroed (or freed with cvs_keypoints_free); the shim fills it. */
CVS_API cvs_status cvs_orb(const cvs_image *src, const cvs_orb_params *p,
                           cvs_keypoints *out);

/* cv::FastFeatureDetector; type 0 = TYPE_5_8, 1 = TYPE_7_12, 2 = TYPE_9_16. */
enum { CVS_FAST_5_8, CVS_FAST_7_12, CVS_FAST_9_16, CVS_FAST_COUNT };
CVS_API cvs_status cvs_fast(const cvs_image *src, int threshold, int nonmax, int type,
                            cvs_keypoints *out);

typedef struct cvs_sift_params {
    size_t size;
    int nfeatures;             /* 0 = all */
    int octave_layers;         /* 3 */
    double contrast_threshold; /* 0.04 */
    double edge_threshold;     /* 10 */
    double sigma;              /* 1.6 */
    int descriptors;           /* 0 */
} cvs_sift_params;
CVS_API void cvs_sift_params_init_sized(cvs_sift_params *p, size_t size);
#define cvs_sift_params_init(p) cvs_sift_params_init_sized((p), sizeof *(p))
CVS_API cvs_status cvs_sift(const cvs_image *src, const cvs_sift_params *p,
                            cvs_keypoints *out);

/* cv::AKAZE::create() with `threshold`; cv::BRISK::create(threshold, octaves). */
CVS_API cvs_status cvs_akaze(const cvs_image *src, double threshold, int descriptors,
                             cvs_keypoints *out);
CVS_API cvs_status cvs_brisk(const cvs_image *src, int threshold, int octaves,
                             int descriptors, cvs_keypoints *out);

typedef struct cvs_gftt_params {
    size_t size;
    int max_corners;     /* 1000 */
    double quality;      /* 0.01 */
    double min_distance; /* 1 */
    int block;           /* 3 */
    int harris;          /* 0 */
    double k;            /* 0.04 */
} cvs_gftt_params;
CVS_API void cvs_gftt_params_init_sized(cvs_gftt_params *p, size_t size);
#define cvs_gftt_params_init(p) cvs_gftt_params_init_sized((p), sizeof *(p))
/* cv::GFTTDetector. */
CVS_API cvs_status cvs_gftt(const cvs_image *src, const cvs_gftt_params *p,
                            cvs_keypoints *out);

/* cv::cornerHarris(src, R, block, ksize, k) on a gray src; a keypoint
 * (size = block, angle -1, response = R) at every pixel, row by row, where
 * R > threshold * max(R) and max(R) > 0. */
CVS_API cvs_status cvs_harris(const cvs_image *src, int block, int ksize, double k,
                              double threshold, cvs_keypoints *out);

typedef struct cvs_blob_params {
    size_t size;
    double min_area, max_area; /* 25, 5000 */
    double min_circularity; /* 0: circularity not filtered (OpenCV's default) */
    int dark;               /* non-zero (the default): dark blobs, blobColor 0
                               as OpenCV's default; 0: light, blobColor 255 */
} cvs_blob_params;
CVS_API void cvs_blob_params_init_sized(cvs_blob_params *p, size_t size);
#define cvs_blob_params_init(p) cvs_blob_params_init_sized((p), sizeof *(p))
/* cv::SimpleBlobDetector with OpenCV's other defaults. */
CVS_API cvs_status cvs_blobs(const cvs_image *src, const cvs_blob_params *p,
                             cvs_keypoints *out);

/* cv::HoughLinesP on a gray src (non-zero pixels vote); theta in degrees. */
CVS_API cvs_status cvs_hough_lines(const cvs_image *src, double rho, double theta_deg,
                                   int threshold, double min_length, double max_gap,
                                   cvs_lines *out);

typedef struct cvs_hough_circle_params {
    size_t size;
    double dp;        /* 1 (OpenCV has no default) */
    double min_dist;  /* 20 (OpenCV has no default) */
    double param1;    /* 100 */
    double param2;    /* 100 */
    int min_radius;   /* 0 */
    int max_radius;   /* 0 = the image size */
} cvs_hough_circle_params;
CVS_API void cvs_hough_circle_params_init_sized(cvs_hough_circle_params *p, size_t size);
#define cvs_hough_circle_params_init(p) cvs_hough_circle_params_init_sized((p), sizeof *(p))
/* cv::HoughCircles(HOUGH_GRADIENT) on a gray src. */
CVS_API cvs_status cvs_hough_circles(const cvs_image *src, const cvs_hough_circle_params *p,
                                     cvs_circles *out);

/* cv::findContours on a gray src (non-zero pixels are 1); mode 0..3 =
 * external, list, tree, ccomp; method 0 = none, 1 = simple.  Contours with
 * cv::contourArea below min_area are dropped. */
enum { CVS_RETR_EXTERNAL, CVS_RETR_LIST, CVS_RETR_TREE, CVS_RETR_CCOMP, CVS_RETR_COUNT };
enum { CVS_CHAIN_NONE, CVS_CHAIN_SIMPLE, CVS_CHAIN_COUNT };
CVS_API cvs_status cvs_find_contours(const cvs_image *src, int mode, int method,
                                     double min_area, cvs_contours *out);

/* Template matching (since 0.2.0): cv::matchTemplate(src, templ, R,
 * method), then the hits, best first: the best score in R (cv::minMaxLoc:
 * the minimum for the sqdiff methods, else the maximum; the first in row
 * order on a tie) while it passes `threshold` (sqdiff methods: at most
 * threshold, others: at least) and fewer than max_count were found.  Each
 * hit is the box of the template's size at that place; then every place
 * whose box overlaps it by more than `overlap` (intersection over union,
 * computed in double) is dropped from R, and always the hit's own place
 * (non-maximum suppression; overlap 0 drops every box that touches it).
 * A NaN in R (cv::patchNaNs) never passes.  templ is converted to src's
 * channels (cv::cvtColor, 1 or 3) when they differ, and must not be wider
 * or taller than src (else CVS_EINVAL).  The score is R's float value. */
enum { CVS_TM_SQDIFF, CVS_TM_SQDIFF_NORMED, CVS_TM_CCORR, CVS_TM_CCORR_NORMED, CVS_TM_CCOEFF,
       CVS_TM_CCOEFF_NORMED, CVS_TM_COUNT };
typedef struct cvs_template_params {
    size_t size;
    int method;       /* CVS_TM_CCOEFF_NORMED (OpenCV has no default) */
    double threshold; /* 0.8 (cvshim's) */
    double overlap;   /* 0.3 (cvshim's): 0..1 */
    int max_count;    /* 100 (cvshim's): 1..100000 */
} cvs_template_params;
CVS_API void cvs_template_params_init_sized(cvs_template_params *p, size_t size);
#define cvs_template_params_init(p) cvs_template_params_init_sized((p), sizeof *(p))
CVS_API cvs_status cvs_match_template(const cvs_image *src, const cvs_image *templ,
                                      const cvs_template_params *p, cvs_boxes *out);

/* ==== matching: descriptors, then a model (since 0.2.0) ================= */

/* A match of keypoint `query` (of the image) with keypoint `train` (of the
 * reference): their descriptors' distance, and whether the model fit kept
 * it as an inlier (0 until cvs_fit_model). */
typedef struct cvs_match {
    int query, train;
    float distance;
    int inlier;
} cvs_match;
typedef struct cvs_matches {
    cvs_match *items;
    size_t count;
} cvs_matches;
CVS_API void cvs_matches_free(cvs_matches *m);

typedef struct cvs_match_params {
    size_t size;
    double ratio;    /* 0.75 (Lowe's): a match is kept when its distance is below ratio times
                        the second nearest's (cv::BFMatcher::knnMatch, k = 2) */
    int cross_check; /* 0; non-zero: cv::BFMatcher(norm, crossCheck = true)::match instead of
                        the ratio test */
} cvs_match_params;
CVS_API void cvs_match_params_init_sized(cvs_match_params *p, size_t size);
#define cvs_match_params_init(p) cvs_match_params_init_sized((p), sizeof *(p))
/* Matches query's descriptors with train's by brute force: NORM_HAMMING for
 * byte descriptors (ORB, BRISK, AKAZE), NORM_L2 for float ones (SIFT); both
 * must be of one type and length (else CVS_EINVAL).  Matches come in query
 * order; none when either side has no descriptors. */
CVS_API cvs_status cvs_match_descriptors(const cvs_keypoints *query, const cvs_keypoints *train,
                                         const cvs_match_params *p, cvs_matches *out);

/* The model that maps train's points (the reference) onto query's (the
 * image): cv::findHomography, cv::estimateAffine2D or
 * cv::estimateAffinePartial2D (similarity: rotation, uniform scale,
 * translation), with RANSAC, LMEDS or USAC_DEFAULT (not for similarity,
 * which OpenCV 4.6 refuses: CVS_EINVAL). */
enum { CVS_MODEL_HOMOGRAPHY, CVS_MODEL_AFFINE, CVS_MODEL_SIMILARITY, CVS_MODEL_COUNT };
enum { CVS_ROBUST_RANSAC, CVS_ROBUST_LMEDS, CVS_ROBUST_USAC, CVS_ROBUST_COUNT };
typedef struct cvs_model_params {
    size_t size;
    int model;               /* CVS_MODEL_HOMOGRAPHY */
    int method;              /* CVS_ROBUST_RANSAC */
    double reproj_threshold; /* 3 (OpenCV's) */
    int max_iters;           /* 2000 (OpenCV's) */
    double confidence;       /* 0.995 (OpenCV's) */
} cvs_model_params;
CVS_API void cvs_model_params_init_sized(cvs_model_params *p, size_t size);
#define cvs_model_params_init(p) cvs_model_params_init_sized((p), sizeof *(p))
typedef struct cvs_model {
    int model;      /* CVS_MODEL_* */
    int valid;      /* 0: too few matches (homography 4, affine 3, similarity 2) or OpenCV
                       found none; then m is zero */
    double m[9];    /* 3x3, row by row; the affine ones end in 0 0 1 */
    size_t inliers; /* matches the fit kept (their `inlier` set to 1) */
} cvs_model;
/* Fits the model to `matches` (indices into query and train; one outside
 * them is CVS_EINVAL), sets each match's inlier flag and fills *out. */
CVS_API cvs_status cvs_fit_model(const cvs_keypoints *query, const cvs_keypoints *train,
                                 cvs_matches *matches, const cvs_model_params *p,
                                 cvs_model *out);

#ifdef __cplusplus
}
#endif
#endif
