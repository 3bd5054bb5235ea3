/* SPDX-License-Identifier: MIT */
/* ops_table.c - the op table.  One row per op; each row's run function is
 * one shim call that reads its parameters by name (ops.h).  Defaults are
 * OpenCV's own where OpenCV has one; where it has none the help text says
 * "cvapp default". */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* Row helpers: name, default, min, max, flags, help. */
#define P_INT(n, d, lo, hi, fl, h) {n, PT_INT, d, lo, hi, fl, NULL, NULL, h}
#define P_REAL(n, d, lo, hi, h) {n, PT_REAL, d, lo, hi, 0, NULL, NULL, h}
#define P_REALF(n, d, lo, hi, fl, h) {n, PT_REAL, d, lo, hi, fl, NULL, NULL, h}
#define P_BOOL(n, d, h) {n, PT_BOOL, d, 0, 1, 0, NULL, NULL, h}
/* A choice: its values (a choice_def list) and the default by name. */
#define P_CHOICE(n, def, list, h) {n, PT_CHOICE, 0, 0, 0, 0, list, def, h}
/* A kernel: no default when def is NULL (the parameter must be given). */
#define P_KERNEL(n, def, h) {n, PT_KERNEL, 0, 0, 0, 0, NULL, def, h}
/* A reference image: a path with no default (the step's check requires it). */
#define P_PATH(n, h) {n, PT_PATH, 0, 0, 0, 0, NULL, NULL, h}
#define P_END {NULL, PT_INT, 0, 0, 0, 0, NULL, NULL, NULL}
#define P_DESCRIPTORS P_BOOL("descriptors", 0, "compute descriptors too")

/* A detector's results go into the findings under the op's name. */
static cvs_status keep(op_call *c, cvs_status st, feature_set *s) {
    if (st == CVS_OK) s->found = cvs_last_found(); /* before the shim's cut */
    if (st == CVS_OK && findings_add(c->found, c->st->op->name, s) != 0) {
        c->why = "out of memory keeping the results";
        return CVS_ENOMEM;
    }
    return st;
}

/* ---- choices ---- */

/* interp=auto (cvapp's default): INTER_AREA when no side grows, else
 * INTER_CUBIC (tests/thumbnail.py measures both choices against linear). */
#define INTERP_AUTO (-1)
static const choice_def interp_choices[] = {
    {"auto", INTERP_AUTO},          {"nearest", CVS_INTER_NEAREST}, {"linear", CVS_INTER_LINEAR},
    {"cubic", CVS_INTER_CUBIC},     {"area", CVS_INTER_AREA},       {"lanczos", CVS_INTER_LANCZOS},
    {NULL, 0}};
/* cvs_flip's axis. */
static const choice_def flip_choices[] = {{"h", 0}, {"v", 1}, {"both", 2}, {NULL, 0}};
/* resize's fit (FIT_* below). */
static const choice_def fit_choices[] = {{"fill", 0}, {"inside", 1}, {"cover", 2}, {NULL, 0}};
static const choice_def shape_choices[] = {
    {"rect", CVS_SHAPE_RECT}, {"ellipse", CVS_SHAPE_ELLIPSE}, {"cross", CVS_SHAPE_CROSS}, {NULL, 0}};
static const choice_def thresh_choices[] = {
    {"binary", CVS_THRESH_BINARY}, {"binary_inv", CVS_THRESH_BINARY_INV},
    {"trunc", CVS_THRESH_TRUNC},   {"tozero", CVS_THRESH_TOZERO},
    {"tozero_inv", CVS_THRESH_TOZERO_INV}, {"otsu", CVS_THRESH_OTSU},
    {"triangle", CVS_THRESH_TRIANGLE}, {NULL, 0}};
/* cvs_adaptive_threshold's method. */
static const choice_def adaptive_choices[] = {{"mean", 0}, {"gaussian", 1}, {NULL, 0}};
/* draw colors as 0xBBGGRR. */
#define BGR(b, g, r) ((b) << 16 | (g) << 8 | (r))
static const choice_def color_choices[] = {
    {"green", BGR(0, 255, 0)},     {"red", BGR(0, 0, 255)},       {"blue", BGR(255, 0, 0)},
    {"yellow", BGR(0, 255, 255)},  {"cyan", BGR(255, 255, 0)},    {"magenta", BGR(255, 0, 255)},
    {"white", BGR(255, 255, 255)}, {"black", BGR(0, 0, 0)},       {"gray", BGR(128, 128, 128)},
    {NULL, 0}};
/* cvs_orb_params.score_type, cvs_fast's type, cvs_find_contours' mode and method. */
static const choice_def orb_score_choices[] = {{"harris", 0}, {"fast", 1}, {NULL, 0}};
static const choice_def fast_type_choices[] = {{"5_8", 0}, {"7_12", 1}, {"9_16", 2}, {NULL, 0}};
static const choice_def contour_mode_choices[] = {
    {"external", 0}, {"list", 1}, {"tree", 2}, {"ccomp", 3}, {NULL, 0}};
/* cvs_filter2d's border. */
static const choice_def border_choices[] = {
    {"reflect101", CVS_BORDER_REFLECT101}, {"replicate", CVS_BORDER_REPLICATE},
    {"reflect", CVS_BORDER_REFLECT},       {"constant", CVS_BORDER_CONSTANT},
    {NULL, 0}};
/* cvs_match_template's method. */
static const choice_def template_method_choices[] = {
    {"sqdiff", CVS_TM_SQDIFF},   {"sqdiff_normed", CVS_TM_SQDIFF_NORMED},
    {"ccorr", CVS_TM_CCORR},     {"ccorr_normed", CVS_TM_CCORR_NORMED},
    {"ccoeff", CVS_TM_CCOEFF},   {"ccoeff_normed", CVS_TM_CCOEFF_NORMED},
    {NULL, 0}};
/* match's detector (MD_*), model and robust method. */
enum { MD_ORB, MD_AKAZE, MD_SIFT, MD_BRISK };
static const choice_def match_detector_choices[] = {
    {"orb", MD_ORB}, {"akaze", MD_AKAZE}, {"sift", MD_SIFT}, {"brisk", MD_BRISK}, {NULL, 0}};
static const choice_def model_choices[] = {{"homography", CVS_MODEL_HOMOGRAPHY},
                                           {"affine", CVS_MODEL_AFFINE},
                                           {"similarity", CVS_MODEL_SIMILARITY},
                                           {NULL, 0}};
static const choice_def robust_choices[] = {
    {"ransac", CVS_ROBUST_RANSAC}, {"lmeds", CVS_ROBUST_LMEDS}, {"usac", CVS_ROBUST_USAC}, {NULL, 0}};
static const choice_def contour_method_choices[] = {{"none", 0}, {"simple", 1}, {NULL, 0}};

/* ---- filters ---- */

static cvs_status run_grayscale(op_call *c) { return cvs_grayscale(c->src, c->dst); }

enum { FIT_FILL, FIT_INSIDE, FIT_COVER };

/* The other side of a w x h image whose side `side` becomes `to`, aspect
 * kept: round(to * other / side), ties to even, at least 1. */
static int keep_aspect(int to, int other, int side) {
    long r = lrint((double)to * other / side);
    return r < 1 ? 1 : r > CVS_DEFAULT_MAX_SIDE + 1L ? CVS_DEFAULT_MAX_SIDE + 1 : (int)r;
}

/* The size resize makes of a w x h image (docs in its row); 0 when it
 * passes the image unchanged (enlarge=false and a side would grow). */
static int resize_target(op_call *c, int w, int h, int *tw, int *th) {
    int W = arg_int(c, "width"), H = arg_int(c, "height"), fit = arg_choice(c, "fit");
    int enlarge = arg_bool(c, "enlarge");
    double scale = arg_real(c, "scale");
    if (scale > 0) {
        /* OpenCV's own rule: saturate_cast<int>(side * scale), i.e. rounded. */
        double sw = (double)lrint(w * scale), sh = (double)lrint(h * scale);
        *tw = sw > CVS_DEFAULT_MAX_SIDE ? CVS_DEFAULT_MAX_SIDE + 1 : (int)sw;
        *th = sh > CVS_DEFAULT_MAX_SIDE ? CVS_DEFAULT_MAX_SIDE + 1 : (int)sh;
    } else if (W > 0 && H > 0 && fit != FIT_FILL) {
        /* inside: the side whose box is tighter gets the box; cover: the
         * looser one.  W*h <= H*w means the width is the tighter one. */
        int width_first = (long long)W * h <= (long long)H * w;
        if (width_first == (fit == FIT_INSIDE)) {
            *tw = W;
            *th = keep_aspect(W, h, w);
        } else {
            *th = H;
            *tw = keep_aspect(H, w, h);
        }
    } else {
        *tw = W > 0 ? W : keep_aspect(H, w, h);
        *th = H > 0 ? H : keep_aspect(W, h, w);
    }
    return enlarge || (*tw <= w && *th <= h);
}

static cvs_status run_resize(op_call *c) {
    int tw, th, interp = arg_choice(c, "interp");
    double scale = arg_real(c, "scale");
    const cvs_image *in = c->src;
    if (!resize_target(c, in->width, in->height, &tw, &th))
        return op_view(c, 0, 0, in->width, in->height); /* unchanged */
    if (interp == INTERP_AUTO)
        interp = tw <= in->width && th <= in->height ? CVS_INTER_AREA : CVS_INTER_CUBIC;
    /* A scale goes to cv::resize as fx, fy (OpenCV maps pixels by it). */
    return scale > 0 ? cvs_resize(in, c->dst, 0, 0, scale, interp)
                     : cvs_resize(in, c->dst, tw, th, 0, interp);
}
static const char *check_resize(op_call *c) {
    int w = arg_int(c, "width"), h = arg_int(c, "height"), fit = arg_choice(c, "fit");
    double scale = arg_real(c, "scale");
    if ((w > 0 || h > 0) && scale > 0) return "give width and/or height, or scale, not both";
    if (w == 0 && h == 0 && scale == 0) return "needs width, height or scale";
    if (fit != FIT_FILL && !(w > 0 && h > 0)) return "fit=inside and fit=cover need width and height";
    return NULL;
}
/* Shrink on load: area averaging is what the decoder's DCT scaling does
 * too; other interpolations sample and would alias differently.  So it
 * applies with interp=area, and with interp=auto when the step shrinks
 * (auto is then area).  The target is the size the step makes of the full
 * image (resize_target); the shrunk step asks for that size, stretched
 * (fit=fill), from the smaller image (where auto again means area). */
static int shrink_resize(op_call *c, int fw, int fh, int *tw, int *th, step *shrunk) {
    int interp = arg_choice(c, "interp");
    int changes = resize_target(c, fw, fh, tw, th);
    if (!changes) *tw = fw, *th = fh; /* enlarge=false: the image passes unchanged */
    *shrunk = *c->st;
    arg_set(c, shrunk, "width", *tw);
    arg_set(c, shrunk, "height", *th);
    arg_set(c, shrunk, "scale", 0);
    arg_set(c, shrunk, "fit", FIT_FILL);
    arg_set(c, shrunk, "enlarge", 1);
    return changes && (interp == CVS_INTER_AREA || interp == INTERP_AUTO);
}

/* crop's gravity: where the box is anchored (x, y are offsets from there,
 * inward); values are the horizontal and vertical thirds, 0 = west/north,
 * 1 = centre, 2 = east/south, as 3 * vertical + horizontal, modulo 9
 * (centre is center's 4 plus 9: a table's values must differ). */
static const choice_def gravity_choices[] = {
    {"northwest", 0}, {"north", 1}, {"northeast", 2}, {"west", 3}, {"center", 4},
    {"centre", 13},   {"east", 5},  {"southwest", 6}, {"south", 7}, {"southeast", 8},
    {NULL, 0}};

/* The start of a box of `len` in `whole` at anchor third `a` with offset `off`. */
static long box_start(int a, int whole, int len, int off) {
    if (a == 0) return off;
    if (a == 2) return (long)whole - len - off;
    long d = (long)whole - len; /* centre: floor((whole - len) / 2) + off */
    return (d >= 0 ? d / 2 : -((-d + 1) / 2)) + off;
}

static cvs_status run_crop(op_call *c) {
    const cvs_image *in = c->src;
    int x = arg_size(c, "x", in->width), y = arg_size(c, "y", in->height);
    int w = arg_size(c, "width", in->width), h = arg_size(c, "height", in->height);
    int g = arg_choice(c, "gravity") % 9, clamp = arg_bool(c, "clamp");
    if (w == 0) w = in->width - x;
    if (h == 0) h = in->height - y;
    if (w < 1 || h < 1) {
        c->why = "the crop box is empty (x or y is at or past the image's edge)";
        return CVS_EINVAL;
    }
    long left = box_start(g % 3, in->width, w, x), top = box_start(g / 3, in->height, h, y);
    long right = left + w, bottom = top + h;
    if (clamp) {
        left = left < 0 ? 0 : left;
        top = top < 0 ? 0 : top;
        right = right > in->width ? in->width : right;
        bottom = bottom > in->height ? in->height : bottom;
        if (right <= left || bottom <= top) {
            c->why = "the crop box lies wholly outside the image";
            return CVS_EINVAL;
        }
    }
    return op_view(c, left, top, right - left, bottom - top);
}
static cvs_status run_flip(op_call *c) { return cvs_flip(c->src, c->dst, arg_choice(c, "axis")); }

static cvs_status run_rotate(op_call *c) {
    double angle = arg_real(c, "angle");
    int expand = arg_bool(c, "expand"), bgr = arg_choice(c, "background");
    double a = fmod(angle, 360);
    if (a < 0) a += 360;
    if (a == 0) return op_view(c, 0, 0, c->src->width, c->src->height); /* unchanged */
    if (a == 90 || a == 180 || a == 270) return cvs_rotate(c->src, c->dst, (int)(a / 90));
    return cvs_rotate_angle(c->src, c->dst, angle, expand, (uint8_t)(bgr >> 16),
                            (uint8_t)(bgr >> 8), (uint8_t)bgr);
}
static cvs_status run_blur(op_call *c) { return cvs_blur(c->src, c->dst, arg_int(c, "ksize")); }

static cvs_status run_gaussian(op_call *c) {
    int ksize = arg_int(c, "ksize");
    double sigma = arg_real(c, "sigma"), sigma_y = arg_real(c, "sigma_y");
    return cvs_gaussian(c->src, c->dst, ksize, sigma, sigma_y);
}
static const char *check_gaussian(op_call *c) {
    int ksize = arg_int(c, "ksize");
    double sigma = arg_real(c, "sigma");
    return ksize == 0 && sigma == 0 ? "ksize=0 needs sigma > 0" : NULL;
}

static cvs_status run_median(op_call *c) { return cvs_median(c->src, c->dst, arg_int(c, "ksize")); }

static cvs_status run_bilateral(op_call *c) {
    int d = arg_int(c, "d");
    double sc = arg_real(c, "sigma_color"), ss = arg_real(c, "sigma_space");
    return cvs_bilateral(c->src, c->dst, d, sc, ss);
}
static const char *check_bilateral(op_call *c) {
    int d = arg_int(c, "d");
    double ss = arg_real(c, "sigma_space");
    return d == 0 && ss > 10 ? "d=0 takes the diameter from sigma_space, which must then be at "
                               "most 10"
                             : NULL;
}

static cvs_status run_sharpen(op_call *c) {
    double sigma = arg_real(c, "sigma"), amount = arg_real(c, "amount");
    return cvs_sharpen(c->src, c->dst, sigma, amount);
}

static cvs_status run_sobel(op_call *c) {
    int dx = arg_int(c, "dx"), dy = arg_int(c, "dy"), ksize = arg_int(c, "ksize");
    return cvs_sobel(c->src, c->dst, dx, dy, ksize);
}
static const char *check_sobel(op_call *c) {
    int dx = arg_int(c, "dx"), dy = arg_int(c, "dy"), ksize = arg_int(c, "ksize");
    if (dx + dy == 0) return "needs dx or dy above 0";
    int limit = ksize < 3 ? 3 : ksize;
    return dx >= limit || dy >= limit ? "dx and dy must be below ksize (below 3 for ksize=1)" : NULL;
}

static cvs_status run_scharr(op_call *c) {
    int dx = arg_int(c, "dx"), dy = arg_int(c, "dy");
    return cvs_scharr(c->src, c->dst, dx, dy);
}
static const char *check_scharr(op_call *c) {
    int dx = arg_int(c, "dx"), dy = arg_int(c, "dy");
    return dx + dy != 1 ? "needs dx=1 dy=0 or dx=0 dy=1" : NULL;
}

static cvs_status run_laplacian(op_call *c) {
    return cvs_laplacian(c->src, c->dst, arg_int(c, "ksize"));
}

static cvs_status run_canny(op_call *c) {
    double low = arg_real(c, "low"), high = arg_real(c, "high");
    int aperture = arg_int(c, "aperture"), l2 = arg_bool(c, "l2");
    return cvs_canny(c->src, c->dst, low, high, aperture, l2);
}

static cvs_status run_threshold(op_call *c) {
    double value = arg_real(c, "value"), max = arg_real(c, "max");
    int type = arg_choice(c, "type");
    return cvs_threshold(c->src, c->dst, value, max, type);
}

static cvs_status run_adaptive(op_call *c) {
    double max = arg_real(c, "max"), k = arg_real(c, "c");
    int method = arg_choice(c, "method"), block = arg_int(c, "block");
    int invert = arg_bool(c, "invert");
    return cvs_adaptive_threshold(c->src, c->dst, max, method, block, k, invert);
}

/* The morphology rows share one run function; the row's variant is the
 * operation (CVS_MORPH_*). */
static cvs_status run_morph(op_call *c) {
    int ksize = arg_int(c, "ksize"), shape = arg_choice(c, "shape");
    int iterations = arg_int(c, "iterations");
    return cvs_morphology(c->src, c->dst, c->st->op->variant, ksize, shape, iterations);
}
#define MORPH_ROW(op_name, op, op_help)                                                          \
    {.name = op_name, .help = op_help, .run = run_morph, .variant = op,                        \
     .params = {P_INT("ksize", 3, 1, 255, 0, "kernel width and height (cvapp default)"),       \
                P_CHOICE("shape", "rect", shape_choices,                                        \
                         "kernel shape (cv::getStructuringElement)"),                            \
                P_INT("iterations", 1, 1, 32, 0, "times applied"), P_END}}

static cvs_status run_equalize(op_call *c) { return cvs_equalize(c->src, c->dst); }
static cvs_status run_clahe(op_call *c) {
    double clip = arg_real(c, "clip");
    int tile = arg_int(c, "tile");
    return cvs_clahe(c->src, c->dst, clip, tile);
}
static cvs_status run_invert(op_call *c) { return cvs_invert(c->src, c->dst); }
static cvs_status run_normalize(op_call *c) {
    double lo = arg_real(c, "min"), hi = arg_real(c, "max");
    return cvs_normalize(c->src, c->dst, lo, hi);
}
static cvs_status run_convolve(op_call *c) {
    const char *text = arg_text(c, "kernel");
    double scale = arg_real(c, "scale"), offset = arg_real(c, "offset");
    int border = arg_choice(c, "border");
    op_kernel k;
    if (!text) return c->why = "needs kernel=...", CVS_EINVAL;
    /* The parser has checked the text: only memory can fail here. */
    if (kernel_parse(text, &k, c->why_buf, sizeof c->why_buf) != 0)
        return c->why = c->why_buf, CVS_EINVAL;
    cvs_status rc = cvs_filter2d(c->src, c->dst, k.v, k.rows, k.cols, scale, offset, border);
    free(k.v);
    return rc;
}
static const char *check_convolve(op_call *c) {
    return arg_text(c, "kernel") ? NULL : "needs kernel=... (numbers, rows split by ';')";
}

static cvs_status run_convert(op_call *c) {
    double alpha = arg_real(c, "alpha"), beta = arg_real(c, "beta");
    return cvs_convert(c->src, c->dst, alpha, beta);
}

/* A match step drawn: its inlier keypoints, then (when found) the
 * reference's outline in the image, its corners rounded to the nearest
 * pixel (ties to even). */
static cvs_status draw_match(cvs_image *img, const feature_set *s, const cvs_style *st) {
    const match_result *m = s->match;
    cvs_keypoint *inl = malloc((m->matches.count + 1) * sizeof *inl);
    if (!inl) return CVS_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < m->matches.count; i++)
        if (m->matches.items[i].inlier) inl[n++] = s->kp.items[m->matches.items[i].query];
    cvs_status rc = cvs_draw_keypoints(img, inl, n, st);
    free(inl);
    if (rc != CVS_OK || !m->found) return rc;
    cvs_line outline[4];
    for (int k = 0; k < 4; k++) {
        int j = (k + 1) % 4;
        outline[k] = (cvs_line){(int)lrint(m->corners[2 * k]), (int)lrint(m->corners[2 * k + 1]),
                                (int)lrint(m->corners[2 * j]), (int)lrint(m->corners[2 * j + 1])};
    }
    return cvs_draw_lines(img, outline, 4, st);
}

/* draw: a BGR copy with every set found so far, in pipeline order; each
 * set's contours, then lines, circles, keypoints (a match step's: its
 * inliers and outline), boxes. */
static cvs_status run_draw(op_call *c) {
    int bgr = arg_choice(c, "color"), thickness = arg_int(c, "thickness");
    if (thickness == 0) { /* auto: 1 pixel per 500 of the shorter side */
        long t = lrint((c->src->width < c->src->height ? c->src->width : c->src->height) / 500.0);
        thickness = t < 1 ? 1 : t > 32 ? 32 : (int)t;
    }
    cvs_style st = {(uint8_t)(bgr >> 16), (uint8_t)(bgr >> 8), (uint8_t)bgr, thickness};
    cvs_status rc = cvs_to_bgr(c->src, c->dst);
    for (size_t i = 0; rc == CVS_OK && c->found && i < c->found->nsets; i++) {
        const feature_set *s = &c->found->sets[i];
        rc = cvs_draw_contours(c->dst, &s->contours, &st);
        if (rc == CVS_OK) rc = cvs_draw_lines(c->dst, s->lines.items, s->lines.count, &st);
        if (rc == CVS_OK) rc = cvs_draw_circles(c->dst, s->circles.items, s->circles.count, &st);
        if (rc == CVS_OK && s->match)
            rc = draw_match(c->dst, s, &st);
        else if (rc == CVS_OK)
            rc = cvs_draw_keypoints(c->dst, s->kp.items, s->kp.count, &st);
        if (rc == CVS_OK) rc = cvs_draw_boxes(c->dst, s->boxes.items, s->boxes.count, &st);
    }
    return rc;
}

/* ---- detectors ---- */

static int min_side(const cvs_image *im) { return im->width < im->height ? im->width : im->height; }

/* ORB's pyramid (OpenCV's orb.cpp) makes level L cvRound(side / s) pixels
 * a side, s = (float)pow(scale_factor, L - first_level); a level rounded
 * to 0 makes cv::resize throw.  Only the levels that exist are asked for. */
static int orb_levels(const cvs_image *src, double scale_factor, int nlevels, int first_level) {
    int side = min_side(src);
    while (nlevels > first_level + 1 &&
           lrint((float)side / (float)pow(scale_factor, nlevels - 1 - first_level)) < 1)
        nlevels--;
    return nlevels;
}

static cvs_status run_orb(op_call *c) {
    cvs_orb_params p;
    cvs_orb_params_init(&p);
    p.nfeatures = arg_int(c, "nfeatures");
    p.scale_factor = arg_real(c, "scale_factor");
    p.nlevels = arg_int(c, "nlevels");
    p.edge_threshold = arg_int(c, "edge_threshold");
    p.first_level = arg_int(c, "first_level");
    p.wta_k = arg_int(c, "wta_k");
    p.score_type = arg_choice(c, "score_type");
    p.patch_size = arg_int(c, "patch_size");
    p.fast_threshold = arg_int(c, "fast_threshold");
    p.descriptors = arg_bool(c, "descriptors");
    p.nlevels = orb_levels(c->src, p.scale_factor, p.nlevels, p.first_level);
    feature_set s = {0};
    return keep(c, cvs_orb(c->src, &p, &s.kp), &s);
}
static const char *check_orb(op_call *c) {
    int nlevels = arg_int(c, "nlevels"), first_level = arg_int(c, "first_level");
    return first_level >= nlevels ? "first_level must be below nlevels" : NULL;
}

static cvs_status run_fast(op_call *c) {
    int threshold = arg_int(c, "threshold"), nonmax = arg_bool(c, "nonmax");
    int type = arg_choice(c, "type");
    feature_set s = {0};
    return keep(c, cvs_fast(c->src, threshold, nonmax, type, &s.kp), &s);
}

static cvs_status run_sift(op_call *c) {
    cvs_sift_params p;
    cvs_sift_params_init(&p);
    p.nfeatures = arg_int(c, "nfeatures");
    p.octave_layers = arg_int(c, "octave_layers");
    p.contrast_threshold = arg_real(c, "contrast_threshold");
    p.edge_threshold = arg_real(c, "edge_threshold");
    p.sigma = arg_real(c, "sigma");
    p.descriptors = arg_bool(c, "descriptors");
    feature_set s = {0};
    return keep(c, cvs_sift(c->src, &p, &s.kp), &s);
}

static cvs_status run_akaze(op_call *c) {
    double threshold = arg_real(c, "threshold");
    int descriptors = arg_bool(c, "descriptors");
    feature_set s = {0};
    return keep(c, cvs_akaze(c->src, threshold, descriptors, &s.kp), &s);
}

/* BRISK's scale space (OpenCV's brisk.cpp) has 2 * octaves layers (one
 * for octaves=0): the image, 2 * (side / 3), then each of those halved
 * (integer division) octaves - 1 times; a layer of 0 pixels makes
 * cv::resize throw.  Only the octaves that exist are asked for. */
static int brisk_octaves(const cvs_image *src, int octaves) {
    int side = min_side(src);
    while (octaves > 0 && ((2 * (side / 3)) >> (octaves - 1)) < 1) octaves--;
    return octaves;
}

static cvs_status run_brisk(op_call *c) {
    int threshold = arg_int(c, "threshold"), octaves = arg_int(c, "octaves");
    int descriptors = arg_bool(c, "descriptors");
    octaves = brisk_octaves(c->src, octaves);
    feature_set s = {0};
    return keep(c, cvs_brisk(c->src, threshold, octaves, descriptors, &s.kp), &s);
}

static cvs_status run_gftt(op_call *c) {
    cvs_gftt_params p;
    cvs_gftt_params_init(&p);
    p.max_corners = arg_int(c, "max_corners");
    p.quality = arg_real(c, "quality");
    p.min_distance = arg_real(c, "min_distance");
    p.block = arg_int(c, "block");
    p.harris = arg_bool(c, "harris");
    p.k = arg_real(c, "k");
    feature_set s = {0};
    return keep(c, cvs_gftt(c->src, &p, &s.kp), &s);
}

static cvs_status run_harris(op_call *c) {
    int block = arg_int(c, "block"), ksize = arg_int(c, "ksize");
    double k = arg_real(c, "k"), threshold = arg_real(c, "threshold");
    feature_set s = {0};
    return keep(c, cvs_harris(c->src, block, ksize, k, threshold, &s.kp), &s);
}

static cvs_status run_blobs(op_call *c) {
    cvs_blob_params p;
    cvs_blob_params_init(&p);
    p.min_area = arg_real(c, "min_area");
    p.max_area = arg_real(c, "max_area");
    p.min_circularity = arg_real(c, "min_circularity");
    p.dark = arg_bool(c, "dark");
    feature_set s = {0};
    return keep(c, cvs_blobs(c->src, &p, &s.kp), &s);
}
static const char *check_blobs(op_call *c) {
    double lo = arg_real(c, "min_area"), hi = arg_real(c, "max_area");
    return hi < lo ? "max_area must be at least min_area" : NULL;
}

static cvs_status run_hough_lines(op_call *c) {
    double rho = arg_real(c, "rho"), theta = arg_real(c, "theta");
    int threshold = arg_int(c, "threshold");
    double min_length = arg_real(c, "min_length"), max_gap = arg_real(c, "max_gap");
    feature_set s = {0};
    return keep(c,
                cvs_hough_lines(c->src, rho, theta, threshold, min_length, max_gap, &s.lines),
                &s);
}

static cvs_status run_hough_circles(op_call *c) {
    cvs_hough_circle_params p;
    cvs_hough_circle_params_init(&p);
    p.dp = arg_real(c, "dp");
    p.min_dist = arg_real(c, "min_dist");
    p.param1 = arg_real(c, "param1");
    p.param2 = arg_real(c, "param2");
    p.min_radius = arg_int(c, "min_radius");
    p.max_radius = arg_int(c, "max_radius");
    feature_set s = {0};
    return keep(c, cvs_hough_circles(c->src, &p, &s.circles), &s);
}
static const char *check_hough_circles(op_call *c) {
    int lo = arg_int(c, "min_radius"), hi = arg_int(c, "max_radius");
    return hi > 0 && hi < lo ? "max_radius must be 0 or at least min_radius" : NULL;
}

static cvs_status run_contours(op_call *c) {
    int mode = arg_choice(c, "mode"), method = arg_choice(c, "method");
    double min_area = arg_real(c, "min_area");
    feature_set s = {0};
    return keep(c, cvs_find_contours(c->src, mode, method, min_area, &s.contours), &s);
}


static cvs_status run_template(op_call *c) {
    const cvs_image *templ = arg_image(c, "ref");
    cvs_template_params p;
    cvs_template_params_init(&p);
    p.method = arg_choice(c, "method");
    p.threshold = arg_real(c, "threshold");
    p.overlap = arg_real(c, "overlap");
    p.max_count = arg_int(c, "max_count");
    if (!templ) return c->why = "its ref image was not loaded", CVS_EINVAL;
    feature_set s = {0};
    return keep(c, cvs_match_template(c->src, templ, &p, &s.boxes), &s);
}

/* A required reference image (PT_PATH), for a row's check. */
static const char *needs_ref(op_call *c) {
    return arg_text(c, "ref") ? NULL : "needs ref=FILE (a JPEG or PNG image)";
}

/* match's detector, with descriptors, on im: nfeatures and threshold 0
 * keep the detector's own defaults. */
static cvs_status match_detect_all(op_call *c, const cvs_image *im, cvs_keypoints *out) {
    int detector = arg_choice(c, "detector"), nfeatures = arg_int(c, "nfeatures");
    double threshold = arg_real(c, "threshold");
    if (detector == MD_ORB) {
        cvs_orb_params p;
        cvs_orb_params_init(&p);
        if (nfeatures) p.nfeatures = nfeatures;
        if (threshold > 0) p.fast_threshold = (int)lrint(threshold);
        p.descriptors = 1;
        p.nlevels = orb_levels(im, p.scale_factor, p.nlevels, p.first_level);
        return cvs_orb(im, &p, out);
    }
    if (detector == MD_SIFT) {
        cvs_sift_params p;
        cvs_sift_params_init(&p);
        p.nfeatures = nfeatures;
        if (threshold > 0) p.contrast_threshold = threshold;
        p.descriptors = 1;
        return cvs_sift(im, &p, out);
    }
    if (detector == MD_AKAZE) return cvs_akaze(im, threshold > 0 ? threshold : 0.001, 1, out);
    return cvs_brisk(im, threshold > 0 ? (int)lrint(threshold) : 30, brisk_octaves(im, 3), 1, out);
}

/* The same with every keypoint found: matching and the model fit use them
 * all, and --max-features cuts what is kept afterwards (findings_add), not
 * the shim while it collects. */
static cvs_status match_detect(op_call *c, const cvs_image *im, cvs_keypoints *out) {
    cvs_set_max_items(0);
    cvs_status rc = match_detect_all(c, im, out);
    cvs_set_max_items(c->found ? c->found->max_items : 0);
    return rc;
}

/* The reference's keypoints, once per run. */
static const char *prepare_match(op_call *c, op_ref *ref) {
    const param_def *p = &c->st->op->params[op_param_index(c->st->op, "detector")];
    const char *name = p->choices[param_choice_index(p, NULL, arg_choice(c, "detector"))].name;
    if (match_detect(c, &ref->img, &ref->kp) != CVS_OK)
        snprintf(c->why_buf, sizeof c->why_buf, "cannot be used: %s", cvs_last_error());
    else if (ref->kp.count == 0 || !ref->kp.descriptors)
        snprintf(c->why_buf, sizeof c->why_buf, "has no features: %s finds no keypoint in it",
                 name);
    else
        return NULL;
    return c->why_buf;
}

static const char *check_match(op_call *c) {
    int model = arg_choice(c, "model"), method = arg_choice(c, "method");
    if (!arg_text(c, "ref")) return needs_ref(c);
    if (model == CVS_MODEL_SIMILARITY && method == CVS_ROBUST_USAC)
        return "model=similarity has no method=usac in OpenCV 4.6: use ransac or lmeds";
    return NULL;
}

/* Maps the reference's corners into the image as cv::perspectiveTransform
 * does (w = m6 x + m7 y + m8; 0 when |w| <= FLT_EPSILON), and decides
 * found: a valid model with min_inliers inliers whose outline is finite,
 * convex, covers at least one pixel and lies within the iw x ih image
 * grown by its own size on every side (a wild matrix does not). */
static void match_outline(match_result *m, int min_inliers, int iw, int ih) {
    static const double eps = 1.1920928955078125e-07; /* FLT_EPSILON */
    const double w = m->ref_width, h = m->ref_height, xs[4] = {0, w, w, 0}, ys[4] = {0, 0, h, h};
    const double *t = m->model.m;
    m->has_corners = m->model.valid;
    int ok = m->model.valid && m->model.inliers >= (size_t)min_inliers;
    for (int k = 0; m->has_corners && k < 4; k++) {
        double z = xs[k] * t[6] + ys[k] * t[7] + t[8];
        ok &= fabs(z) > eps;
        z = fabs(z) > eps ? 1. / z : 0;
        m->corners[2 * k] = (xs[k] * t[0] + ys[k] * t[1] + t[2]) * z;
        m->corners[2 * k + 1] = (xs[k] * t[3] + ys[k] * t[4] + t[5]) * z;
    }
    /* Convex: the four turns have one sign; area by the shoelace formula. */
    int pos = 0, neg = 0;
    double area = 0;
    for (int k = 0; ok && k < 4; k++) {
        const double *a = &m->corners[2 * k], *b = &m->corners[2 * ((k + 1) % 4)],
                     *d = &m->corners[2 * ((k + 2) % 4)];
        double turn = (b[0] - a[0]) * (d[1] - b[1]) - (b[1] - a[1]) * (d[0] - b[0]);
        pos += turn > 0;
        neg += turn < 0;
        area += a[0] * b[1] - b[0] * a[1];
        ok &= isfinite(a[0]) && isfinite(a[1]) && fabs(a[0] - iw / 2.0) <= 1.5 * iw &&
              fabs(a[1] - ih / 2.0) <= 1.5 * ih;
    }
    m->found = ok && (pos == 4 || neg == 4) && fabs(area) / 2 >= 1;
}

static cvs_status run_match(op_call *c) {
    const op_ref *ref = arg_ref(c, "ref");
    const char *path = arg_text(c, "ref");
    double ratio = arg_real(c, "ratio"), reproj = arg_real(c, "reproj");
    int cross = arg_bool(c, "cross_check"), model = arg_choice(c, "model");
    int method = arg_choice(c, "method"), min_inliers = arg_int(c, "min_inliers");
    if (!ref) return c->why = "its ref image was not loaded", CVS_EINVAL;
    feature_set s = {0};
    if (!(s.match = calloc(1, sizeof *s.match))) return CVS_ENOMEM;
    match_result *m = s.match;
    m->ref = path;
    m->ref_width = ref->img.width;
    m->ref_height = ref->img.height;
    m->ref_keypoints = ref->kp.count;
    m->model_name = model_choices[param_choice_index(
        &c->st->op->params[op_param_index(c->st->op, "model")], NULL, model)].name;
    cvs_match_params mp;
    cvs_match_params_init(&mp);
    mp.ratio = ratio;
    mp.cross_check = cross;
    cvs_model_params fp;
    cvs_model_params_init(&fp);
    fp.model = model;
    fp.method = method;
    fp.reproj_threshold = reproj;
    cvs_status rc = match_detect(c, c->src, &s.kp);
    if (rc == CVS_OK) rc = cvs_match_descriptors(&s.kp, &ref->kp, &mp, &m->matches);
    if (rc == CVS_OK) rc = cvs_fit_model(&s.kp, &ref->kp, &m->matches, &fp, &m->model);
    if (rc != CVS_OK) {
        feature_set_free(&s);
        return rc;
    }
    match_outline(m, min_inliers, c->src->width, c->src->height);
    return keep(c, rc, &s);
}

/* warp's missing=: what an input whose match found no model does. */
enum { MISSING_FAIL, MISSING_PASS };
static const choice_def missing_choices[] = {{"fail", MISSING_FAIL}, {"pass", MISSING_PASS}, {NULL, 0}};
static const choice_def warp_interp_choices[] = {
    {"nearest", CVS_INTER_NEAREST}, {"linear", CVS_INTER_LINEAR},
    {"cubic", CVS_INTER_CUBIC},     {"lanczos", CVS_INTER_LANCZOS}, {NULL, 0}};
static const choice_def warp_border_choices[] = {
    {"constant", CVS_BORDER_CONSTANT}, {"replicate", CVS_BORDER_REPLICATE},
    {"reflect", CVS_BORDER_REFLECT},   {"reflect101", CVS_BORDER_REFLECT101}, {NULL, 0}};

/* warp: the image in the reference's frame, by the last match step's model. */
static cvs_status run_warp(op_call *c) {
    int interp = arg_choice(c, "interp"), border = arg_choice(c, "border");
    int missing = arg_choice(c, "missing");
    const feature_set *s = NULL;
    for (size_t i = c->found ? c->found->nsets : 0; i-- > 0 && !s;)
        if (c->found->sets[i].match) s = &c->found->sets[i];
    if (!s) return c->why = "no match step ran before it", CVS_EINVAL;
    const match_result *m = s->match;
    if (!m->found && missing == MISSING_PASS) /* unchanged */
        return op_view(c, 0, 0, c->src->width, c->src->height);
    if (!m->found) {
        snprintf(c->why_buf, sizeof c->why_buf,
                 "match found no model of %s in this image (%zu inliers%s); missing=pass "
                 "passes such an input unchanged",
                 m->ref, m->model.inliers, m->model.valid ? "" : ", no matrix");
        return c->why = c->why_buf, CVS_EINVAL;
    }
    return cvs_warp(c->src, c->dst, m->model.m, m->model.model == CVS_MODEL_HOMOGRAPHY,
                    m->ref_width, m->ref_height, interp, border, 1);
}

const op_def op_table[] = {
    /* ---- filters and transforms ---- */
    {.name = "grayscale",
     .help = "Convert BGR to one gray channel (cv::cvtColor, COLOR_BGR2GRAY); gray stays gray. "
             "Shortcut: as the first step on a color JPEG, the decoder's luma is used instead "
             "(faster; under 1% of pixels differ, by a few levels, more where colors clip); --exact turns it off.",
     .flags = OPF_GRAY_ON_LOAD, .run = run_grayscale, .params = {P_END}},
    {.name = "resize",
     .help = "Resize (cv::resize). width and height: that size (fit=fill stretches, the default), "
             "or with fit=inside the largest size within the box and with fit=cover the smallest "
             "size covering it, the aspect ratio kept (cover does not crop: follow it with "
             "`crop gravity=center` for an exact box). width or height alone: the other side "
             "keeps the aspect ratio, round(width * h / w) rounded to nearest, ties to even, at "
             "least 1 (fit=inside and cover round the same way). scale: both sides, rounded as "
             "OpenCV does. enlarge=false passes an image unchanged when a side would grow. "
             "Sizes are those of the image as oriented by EXIF. interp=auto is INTER_AREA when "
             "no side grows (no aliasing on thumbnails) and INTER_CUBIC when one does; any "
             "other interp gives OpenCV's exact pixels. The result may have at most 65535 pixels "
             "a side and 268435456 pixels. Shortcut: as the first step with interp=area (or "
             "auto, shrinking) on a JPEG that it shrinks, the decoder's DCT scaling first "
             "reduces the image to no less than twice the target (faster; pixels differ by a "
             "few levels on average, more on fine texture); --exact turns it off.",
     .flags = OPF_GEOMETRY | OPF_KEEPS_ALPHA | OPF_KEEPS_COLOR,
     .run = run_resize, .check = check_resize, .shrink = shrink_resize,
     .example = "resize width=800",
     .params = {P_INT("width", 0, 1, 65535, PF_ZERO_OK, "output width; 0 = not set"),
                P_INT("height", 0, 1, 65535, PF_ZERO_OK, "output height; 0 = not set"),
                P_REALF("scale", 0, 0.01, 64, PF_ZERO_OK | PF_PERCENT,
                        "factor for both sides; 0 = not set"),
                P_CHOICE("fit", "fill", fit_choices,
                         "with width and height: stretch, fit inside, or cover the box "
                         "(cvapp default fill)"),
                P_BOOL("enlarge", 1, "false: never grow a side (the image passes unchanged)"),
                P_CHOICE("interp", "auto", interp_choices,
                         "interpolation; auto = area when shrinking, cubic when enlarging "
                         "(cvapp default)"),
                P_END}},
    {.name = "crop",
     .help = "Copy a width x height box. gravity anchors it: northwest (the default) puts it "
             "x, y from the top-left corner; east, south and the like put it against that edge "
             "with x, y measured inward from it; center centres it, floor((W - width) / 2) + x. "
             "Sizes and offsets are pixels or percentages of the image's side (rounded to "
             "nearest, ties to even); width or height 0 = the image's side minus x or y. The "
             "box must lie inside the image, else that input fails (exit 1), unless clamp=true: "
             "then the part inside is kept (only a box wholly outside fails).",
     .flags = OPF_GEOMETRY | OPF_KEEPS_ALPHA | OPF_KEEPS_COLOR, .run = run_crop,
     .example = "crop gravity=center width=50% height=50%",
     .params = {P_INT("x", 0, 0, 65534, PF_PERCENT, "offset from the anchor, columns"),
                P_INT("y", 0, 0, 65534, PF_PERCENT, "offset from the anchor, rows"),
                P_INT("width", 0, 1, 65535, PF_ZERO_OK | PF_PERCENT,
                      "width; 0 = the image's width minus x"),
                P_INT("height", 0, 1, 65535, PF_ZERO_OK | PF_PERCENT,
                      "height; 0 = the image's height minus y"),
                P_CHOICE("gravity", "northwest", gravity_choices,
                         "anchor (centre = center; cvapp default northwest)"),
                P_BOOL("clamp", 0, "keep the part of the box inside the image instead of failing"),
                P_END}},
    {.name = "flip", .help = "Mirror the image (cv::flip).",
     .flags = OPF_GEOMETRY | OPF_KEEPS_ALPHA | OPF_KEEPS_COLOR,
     .run = run_flip,
     .params = {P_CHOICE("axis", "h", flip_choices,
                         "h: left-right, v: top-bottom, both: both (cvapp default h)"),
                P_END}},
    {.name = "rotate",
     .help = "Rotate clockwise by angle degrees (negative: counter-clockwise). Multiples of 90 "
             "are exact transposes (cv::rotate; 0 and 360 leave the image as it is); other "
             "angles use cv::warpAffine "
             "with cv::getRotationMatrix2D about the centre, bilinear, the uncovered corners "
             "filled with background. expand=true (the default) grows the canvas to "
             "round(w*|cos| + h*|sin|) x round(w*|sin| + h*|cos|) so that nothing is cut; "
             "expand=false keeps the size and cuts the corners.",
     .flags = OPF_GEOMETRY | OPF_KEEPS_ALPHA | OPF_KEEPS_COLOR, .run = run_rotate,
     .example = "rotate angle=-7.5 background=white",
     .params = {P_REAL("angle", 90, -360, 360, "clockwise angle in degrees (cvapp default 90)"),
                P_BOOL("expand", 1, "grow the canvas to hold the whole result (cvapp default)"),
                P_CHOICE("background", "black", color_choices,
                         "colour of the uncovered corners (opaque on an image with alpha); "
                         "on gray, its gray value (cvapp default black)"),
                P_END}},
    {.name = "warp",
     .help = "Align the image to the reference of the last match step: the image warped into "
             "the reference's frame by that step's model (cv::warpPerspective for a "
             "homography, cv::warpAffine for affine and similarity, WARP_INVERSE_MAP), the "
             "result the reference's size. match ref=form.png | warp aligns every scan to the "
             "form. An input whose match found no model fails (exit 1, naming the reference "
             "and the inliers), or with missing=pass goes on unchanged. The pipeline is "
             "refused without a match step before warp, or with a step that moves pixels "
             "between them.",
     .flags = OPF_GEOMETRY | OPF_USES_MODEL | OPF_KEEPS_ALPHA | OPF_KEEPS_COLOR, .run = run_warp,
     .example = "match ref=form.png detector=sift | warp interp=cubic",
     .params = {P_CHOICE("interp", "linear", warp_interp_choices,
                         "interpolation (OpenCV's default linear)"),
                P_CHOICE("border", "constant", warp_border_choices,
                         "pixels from beyond the image's edge: black, or made from the edge "
                         "(OpenCV's default constant)"),
                P_CHOICE("missing", "fail", missing_choices,
                         "an input where no model was found: fail it, or pass it unchanged "
                         "(cvapp default fail)"),
                P_END}},
    {.name = "blur", .help = "Box blur, the normalized mean (cv::blur).",
     .flags = OPF_KEEPS_ALPHA | OPF_KEEPS_COLOR, .run = run_blur,
     .params = {P_INT("ksize", 3, 1, 255, 0, "kernel width and height (cvapp default)"), P_END}},
    {.name = "gaussian", .help = "Gaussian blur (cv::GaussianBlur).",
     .flags = OPF_KEEPS_ALPHA | OPF_KEEPS_COLOR, .run = run_gaussian,
     .check = check_gaussian,
     .params = {P_INT("ksize", 3, 1, 255, PF_ODD | PF_ZERO_OK,
                      "kernel width and height; 0 = from sigma (cvapp default 3)"),
                P_REAL("sigma", 0, 0, 1000, "X standard deviation; 0 = from ksize"),
                P_REAL("sigma_y", 0, 0, 1000, "Y standard deviation; 0 = same as sigma"), P_END}},
    {.name = "median", .help = "Median blur (cv::medianBlur).",
     .flags = OPF_KEEPS_ALPHA | OPF_KEEPS_COLOR, .run = run_median,
     .params = {P_INT("ksize", 3, 1, 255, PF_ODD, "aperture width and height (cvapp default)"),
                P_END}},
    {.name = "bilateral", .help = "Edge-preserving bilateral filter (cv::bilateralFilter).",
     .flags = OPF_KEEPS_COLOR, .run = run_bilateral, .check = check_bilateral,
     .params = {P_INT("d", 9, 0, 31, 0,
                      "pixel neighbourhood diameter; 0 = from sigma_space (cvapp default 9)"),
                P_REAL("sigma_color", 75, 0, 1000, "filter sigma in the color space (cvapp default)"),
                P_REAL("sigma_space", 75, 0, 1000,
                       "filter sigma in the coordinate space (cvapp default)"),
                P_END}},
    {.name = "sharpen",
     .help = "Unsharp mask: cv::addWeighted(image, 1 + amount, blurred, -amount, 0) where "
             "blurred is cv::GaussianBlur(image, Size(), sigma).",
     .flags = OPF_KEEPS_ALPHA | OPF_KEEPS_COLOR, .run = run_sharpen,
     .params = {P_REAL("sigma", 1, 0.1, 50, "blur standard deviation (cvapp default)"),
                P_REAL("amount", 1, 0, 20, "strength (cvapp default)"), P_END}},
    {.name = "sobel",
     .help = "Sobel derivative (cv::Sobel) in 16-bit signed, returned as its 8-bit absolute "
             "value (cv::convertScaleAbs).",
     .run = run_sobel, .check = check_sobel,
     .params = {P_INT("dx", 1, 0, 6, 0, "x derivative order (cvapp default)"),
                P_INT("dy", 0, 0, 6, 0, "y derivative order (cvapp default)"),
                P_INT("ksize", 3, 1, 7, PF_ODD, "kernel size"), P_END}},
    {.name = "scharr",
     .help = "Scharr derivative (cv::Scharr) in 16-bit signed, returned as its 8-bit absolute "
             "value (cv::convertScaleAbs).",
     .run = run_scharr, .check = check_scharr,
     .params = {P_INT("dx", 1, 0, 1, 0, "x derivative order (cvapp default)"),
                P_INT("dy", 0, 0, 1, 0, "y derivative order (cvapp default)"), P_END}},
    {.name = "laplacian",
     .help = "Laplacian (cv::Laplacian) in 16-bit signed, returned as its 8-bit absolute "
             "value (cv::convertScaleAbs).",
     .run = run_laplacian, .params = {P_INT("ksize", 1, 1, 7, PF_ODD, "aperture size"), P_END}},
    {.name = "convolve",
     .help = "Any linear filter: cv::filter2D with the kernel given, times scale, plus offset, "
             "each channel on its own, rounded and saturated. As in OpenCV the kernel is "
             "correlated, not flipped, and anchored at its centre, cell (cols / 2, rows / 2) "
             "counted from 0 (so the right or lower middle one of an even side). Write it inline, rows split by ';' and quoted when it has blanks "
             "(kernel=\"0 -1 0; -1 5 -1; 0 -1 0\" or kernel=0,-1,0;-1,5,-1;0,-1,0), or as "
             "@FILE, one row a line.",
     .run = run_convolve, .check = check_convolve,
     .example = "convolve kernel=\"1 1 1; 1 1 1; 1 1 1\" scale=0.1111111",
     .params = {P_KERNEL("kernel", NULL, "the kernel's numbers, row by row (cvapp: required)"),
                P_REAL("scale", 1, -1e6, 1e6, "factor applied to every kernel value (cvapp "
                                              "default)"),
                P_REAL("offset", 0, -1e6, 1e6, "added to every result before rounding (delta)"),
                P_CHOICE("border", "reflect101", border_choices,
                         "how pixels beyond the edge are made (BORDER_*)"),
                P_END}},
    {.name = "canny",
     .help = "Canny edges (cv::Canny); a color input uses its strongest channel gradient.",
     .run = run_canny,
     .params = {P_REAL("low", 50, 0, 100000, "lower hysteresis threshold (cvapp default)"),
                P_REAL("high", 150, 0, 100000, "upper hysteresis threshold (cvapp default)"),
                P_INT("aperture", 3, 3, 7, PF_ODD, "Sobel aperture size"),
                P_BOOL("l2", 0, "use the L2 gradient norm"), P_END}},
    {.name = "threshold",
     .help = "Fixed-level threshold (cv::threshold). otsu and triangle are binary with the "
             "level OpenCV finds (THRESH_OTSU, THRESH_TRIANGLE); they need one channel, so "
             "a color input is converted to gray first.",
     .run = run_threshold,
     .params = {P_REAL("value", 127, 0, 255,
                       "threshold level (cvapp default; otsu and triangle ignore it)"),
                P_REAL("max", 255, 0, 255, "value given to pixels that pass (cvapp default)"),
                P_CHOICE("type", "binary", thresh_choices, "threshold type (cvapp default binary)"),
                P_END}},
    {.name = "adaptive_threshold",
     .help = "Threshold against the local mean (cv::adaptiveThreshold).", .flags = OPF_GRAY,
     .run = run_adaptive,
     .params = {P_REAL("max", 255, 0, 255, "value given to pixels that pass (cvapp default)"),
                P_CHOICE("method", "mean", adaptive_choices, "local mean (cvapp default mean)"),
                P_INT("block", 11, 3, 255, PF_ODD, "neighbourhood size (cvapp default)"),
                P_REAL("c", 2, -255, 255, "constant subtracted from the mean (cvapp default)"),
                P_BOOL("invert", 0, "THRESH_BINARY_INV instead of THRESH_BINARY"), P_END}},
    MORPH_ROW("erode", CVS_MORPH_ERODE, "Erode: local minimum (cv::morphologyEx, MORPH_ERODE)."),
    MORPH_ROW("dilate", CVS_MORPH_DILATE,
              "Dilate: local maximum (cv::morphologyEx, MORPH_DILATE)."),
    MORPH_ROW("open", CVS_MORPH_OPEN,
              "Opening: erode, then dilate (cv::morphologyEx, MORPH_OPEN)."),
    MORPH_ROW("close", CVS_MORPH_CLOSE,
              "Closing: dilate, then erode (cv::morphologyEx, MORPH_CLOSE)."),
    MORPH_ROW("gradient", CVS_MORPH_GRADIENT,
              "Morphological gradient: dilate minus erode (MORPH_GRADIENT)."),
    MORPH_ROW("tophat", CVS_MORPH_TOPHAT, "Top hat: the image minus its opening (MORPH_TOPHAT)."),
    MORPH_ROW("blackhat", CVS_MORPH_BLACKHAT,
              "Black hat: the closing minus the image (MORPH_BLACKHAT)."),
    {.name = "equalize", .help = "Histogram equalization (cv::equalizeHist).", .flags = OPF_GRAY,
     .run = run_equalize, .params = {P_END}},
    {.name = "clahe", .help = "Contrast-limited adaptive histogram equalization (cv::createCLAHE).",
     .flags = OPF_GRAY, .run = run_clahe,
     .params = {P_REAL("clip", 40, 0, 1000, "contrast limit; 0 = none"),
                P_INT("tile", 8, 1, 64, 0, "tiles per row and per column"), P_END}},
    {.name = "invert", .help = "Negative: 255 - value (cv::bitwise_not).", .run = run_invert,
     .params = {P_END}},
    {.name = "normalize", .help = "Stretch the values to [min, max] (cv::normalize, NORM_MINMAX).",
     .flags = OPF_KEEPS_COLOR, .run = run_normalize,
     .params = {P_REAL("min", 0, 0, 255, "lowest output value (cvapp default)"),
                P_REAL("max", 255, 0, 255, "highest output value (cvapp default)"), P_END}},
    {.name = "convert",
     .help = "Contrast and brightness: alpha * value + beta, saturated (Mat::convertTo).",
     .flags = OPF_KEEPS_COLOR, .run = run_convert,
     .params = {P_REAL("alpha", 1, -100, 100, "contrast factor"),
                P_REAL("beta", 0, -255, 255, "brightness offset"), P_END}},
    {.name = "draw",
     .help = "Draw everything found so far on a color copy of the image: contours "
             "(cv::drawContours), lines (cv::line), circles (cv::circle) and keypoints as circles "
             "of their size with a radius for their angle (cv::drawKeypoints, "
             "DRAW_RICH_KEYPOINTS; wider than 1 pixel, the same shapes drawn with cv::circle "
             "and cv::line, LINE_AA). thickness=0 (the default) scales with the image: "
             "max(1, round(min(w, h) / 500)), so 1 up to 749 pixels, 6 on a 4000x3000 photo. "
             "Coordinates are those of the image each detector saw, so a step that moves pixels "
             "(resize, crop, flip, rotate) between a detector and draw is refused when the "
             "pipeline is read (exit 2): draw before it, or detect after it.",
     .flags = OPF_DRAWS | OPF_KEEPS_COLOR, .run = run_draw, .example = "orb | draw color=red thickness=3",
     .params = {P_CHOICE("color", "green", color_choices, "color (cvapp default green)"),
                P_INT("thickness", 0, 1, 32, PF_ZERO_OK,
                      "line width of every mark; 0 = auto from the image size (cvapp default)"),
                P_END}},
    /* ---- detectors ---- */
    {.name = "orb",
     .help = "ORB keypoints (cv::ORB); a color input is converted to gray by OpenCV itself.",
     .flags = OPF_DETECTOR, .run = run_orb, .check = check_orb,
     .params = {P_INT("nfeatures", 500, 1, 1000000, 0, "maximum number of keypoints"),
                P_REAL("scale_factor", 1.2, 1.01, 4, "pyramid decimation ratio"),
                P_INT("nlevels", 8, 1, 32, 0,
                      "pyramid levels (on a small image, only those at least 1 pixel a side)"),
                P_INT("edge_threshold", 31, 0, 1024, 0, "border where no keypoint is found"),
                P_INT("first_level", 0, 0, 31, 0, "pyramid level of the source image"),
                P_INT("wta_k", 2, 2, 4, 0, "points per BRIEF comparison"),
                P_CHOICE("score_type", "harris", orb_score_choices, "keypoint ranking score"),
                P_INT("patch_size", 31, 2, 1024, 0, "size of the oriented BRIEF patch"),
                P_INT("fast_threshold", 20, 0, 255, 0, "FAST threshold"), P_DESCRIPTORS, P_END}},
    {.name = "fast",
     .help = "FAST corners (cv::FastFeatureDetector); a color input is converted to gray by "
             "OpenCV itself.",
     .flags = OPF_DETECTOR, .run = run_fast,
     .params = {P_INT("threshold", 10, 0, 255, 0, "intensity difference to the centre"),
                P_BOOL("nonmax", 1, "non-maximum suppression"),
                P_CHOICE("type", "9_16", fast_type_choices,
                         "pixels on the circle and contiguous ones needed"),
                P_END}},
    {.name = "sift",
     .help = "SIFT keypoints (cv::SIFT); a color input is converted to gray by OpenCV itself.",
     .flags = OPF_DETECTOR, .run = run_sift,
     .params = {P_INT("nfeatures", 0, 0, 1000000, 0, "keypoints to keep, the best first; 0 = all"),
                P_INT("octave_layers", 3, 1, 8, 0, "layers per octave"),
                P_REAL("contrast_threshold", 0.04, 0, 1, "weak-contrast filter"),
                P_REAL("edge_threshold", 10, 0, 1000, "edge-like keypoint filter"),
                P_REAL("sigma", 1.6, 0.1, 10, "Gaussian sigma of octave 0"), P_DESCRIPTORS,
                P_END}},
    {.name = "akaze",
     .help = "AKAZE keypoints (cv::AKAZE, MLDB descriptors); a color input is converted to gray "
             "by OpenCV itself.",
     .flags = OPF_DETECTOR, .run = run_akaze,
     .params = {P_REAL("threshold", 0.001, 0.000001, 1, "detector response threshold"),
                P_DESCRIPTORS, P_END}},
    {.name = "brisk",
     .help = "BRISK keypoints (cv::BRISK); a color input is converted to gray by OpenCV itself.",
     .flags = OPF_DETECTOR, .run = run_brisk,
     .params = {P_INT("threshold", 30, 0, 255, 0, "AGAST detection threshold"),
                P_INT("octaves", 3, 0, 8, 0,
                      "detection octaves; 0 = one scale (on a small image, only those at least "
                      "1 pixel a side)"),
                P_DESCRIPTORS, P_END}},
    {.name = "gftt",
     .help = "Good features to track: Shi-Tomasi or Harris corners (cv::GFTTDetector); a color "
             "input is converted to gray by OpenCV itself.",
     .flags = OPF_DETECTOR, .run = run_gftt,
     .params = {P_INT("max_corners", 1000, 0, 1000000, 0,
                      "most corners kept, the strongest first; 0 = all"),
                P_REAL("quality", 0.01, 0.000001, 1, "minimum quality relative to the best corner"),
                P_REAL("min_distance", 1, 0, 10000, "minimum distance between corners"),
                P_INT("block", 3, 1, 31, 0, "neighbourhood size"),
                P_BOOL("harris", 0, "Harris measure instead of Shi-Tomasi"),
                P_REAL("k", 0.04, 0, 1, "Harris free parameter"), P_END}},
    {.name = "harris",
     .help = "Harris corners (cv::cornerHarris): a keypoint (size = block, angle -1, response = "
             "the Harris measure) at every pixel whose measure is above threshold times the "
             "strongest one, row by row.",
     .flags = OPF_DETECTOR | OPF_GRAY, .run = run_harris,
     .params = {P_INT("block", 2, 1, 31, 0, "neighbourhood size (cvapp default)"),
                P_INT("ksize", 3, 1, 7, PF_ODD, "Sobel aperture (cvapp default)"),
                P_REAL("k", 0.04, 0, 1, "Harris free parameter (cvapp default)"),
                P_REAL("threshold", 0.01, 0, 1,
                       "level relative to the strongest response (cvapp default)"),
                P_END}},
    {.name = "blobs",
     .help = "Blobs (cv::SimpleBlobDetector, its other parameters at OpenCV's defaults); a "
             "keypoint per blob, size = its diameter.",
     .flags = OPF_DETECTOR, .run = run_blobs, .check = check_blobs,
     .params = {P_REAL("min_area", 25, 0, 1e9, "smallest blob area in pixels"),
                P_REAL("max_area", 5000, 0, 1e9, "largest blob area in pixels"),
                P_REAL("min_circularity", 0, 0, 1,
                       "4*pi*area/perimeter^2 at least this; 0 = not filtered"),
                P_BOOL("dark", 1, "dark blobs (blobColor 0) or light ones (255)"), P_END}},
    {.name = "hough_lines",
     .help = "Line segments by the probabilistic Hough transform (cv::HoughLinesP); non-zero "
             "pixels vote, so run it on edges (e.g. after canny).",
     .flags = OPF_DETECTOR | OPF_GRAY, .run = run_hough_lines,
     .params = {P_REAL("rho", 1, 0.5, 100, "distance step in pixels (cvapp default)"),
                P_REAL("theta", 1, 0.25, 180, "angle step in degrees (cvapp default)"),
                P_INT("threshold", 50, 1, 1000000, 0, "votes needed (cvapp default)"),
                P_REAL("min_length", 0, 0, 100000, "shortest segment kept"),
                P_REAL("max_gap", 0, 0, 100000, "largest gap joined within a segment"), P_END}},
    {.name = "hough_circles",
     .help = "Circles by the Hough gradient method (cv::HoughCircles, HOUGH_GRADIENT).",
     .flags = OPF_DETECTOR | OPF_GRAY, .run = run_hough_circles, .check = check_hough_circles,
     .params = {P_REAL("dp", 1, 1, 8, "image to accumulator resolution ratio (cvapp default)"),
                P_REAL("min_dist", 20, 0.1, 100000,
                       "minimum distance between centres (cvapp default)"),
                P_REAL("param1", 100, 1, 10000, "upper Canny threshold"),
                P_REAL("param2", 100, 1, 10000, "accumulator votes needed for a centre"),
                P_INT("min_radius", 0, 0, 100000, 0, "smallest radius"),
                P_INT("max_radius", 0, 0, 100000, 0, "largest radius; 0 = the image size"),
                P_END}},
    {.name = "contours",
     .help = "Contours of the non-zero regions (cv::findContours), with area "
             "(cv::contourArea), perimeter (cv::arcLength) and bounding box "
             "(cv::boundingRect).",
     .flags = OPF_DETECTOR | OPF_GRAY, .run = run_contours,
     .params = {P_CHOICE("mode", "external", contour_mode_choices,
                         "retrieval mode: outer only, all, full tree, two levels (cvapp default "
                         "external)"),
                P_CHOICE("method", "simple", contour_method_choices,
                         "every point, or segment end points (cvapp default simple)"),
                P_REAL("min_area", 0, 0, 1e9, "drop contours of a smaller area"), P_END}},
    {.name = "match",
     .help = "Find a known object or page (ref, read once per run with its keypoints and "
             "descriptors) in the image: the detector's keypoints and descriptors of both "
             "(the image's go to the keypoints), brute-force matching (cv::BFMatcher: Hamming "
             "for orb, akaze and brisk, L2 for sift) with Lowe's ratio test or a cross-check, "
             "then a robust model from the reference to the image (cv::findHomography, "
             "cv::estimateAffine2D or cv::estimateAffinePartial2D for similarity; 2000 "
             "iterations, confidence 0.995). The features JSON's matches section has the "
             "matches, the model and the reference's corners (0,0) (w,0) (w,h) (0,h) mapped "
             "into the image (as cv::perspectiveTransform); found is true when the model has "
             "min_inliers inliers and that outline is convex, covers a pixel and lies within "
             "the image grown by its own size on every side. draw draws "
             "the inlier keypoints and, when found, the outline; warp aligns the image to the "
             "reference. A ref that cannot be read, or in which the detector finds no "
             "feature, is refused before any input is read (exit 2).",
     .flags = OPF_DETECTOR | OPF_FINDS_MODEL, .run = run_match, .check = check_match,
     .prepare = prepare_match,
     .example = "match ref=form.png | draw",
     .params = {P_PATH("ref", "the reference image, JPEG or PNG (cvapp: required)"),
                P_CHOICE("detector", "orb", match_detector_choices,
                         "keypoints and descriptors (cvapp default orb)"),
                P_INT("nfeatures", 0, 0, 1000000, 0,
                      "orb and sift: most keypoints kept; 0 = the detector's default (orb 500, "
                      "sift all)"),
                P_REAL("threshold", 0, 0, 255,
                       "the detector's threshold (orb fast_threshold, sift contrast_threshold, "
                       "akaze threshold, brisk thresh); 0 = its default"),
                P_REAL("ratio", 0.75, 0.01, 1, "Lowe's ratio test (cvapp default 0.75)"),
                P_BOOL("cross_check", 0, "a cross-check instead of the ratio test"),
                P_CHOICE("model", "homography", model_choices,
                         "the model's kind (cvapp default homography)"),
                P_CHOICE("method", "ransac", robust_choices,
                         "robust method (RANSAC, LMEDS, USAC_DEFAULT; cvapp default ransac)"),
                P_REAL("reproj", 3, 0.1, 100,
                       "largest reprojection error of an inlier, pixels (ransac and usac)"),
                P_INT("min_inliers", 10, 0, 100000, 0,
                      "inliers the model needs to be found (cvapp default)"),
                P_END}},
    {.name = "template",
     .help = "Find a small image (ref, read once per run) wherever it occurs: cv::matchTemplate, "
             "then the best score (cv::minMaxLoc: the lowest for the sqdiff methods, else the "
             "highest; the first in row order on a tie) while it passes threshold (sqdiff: at "
             "most, others: at least) and fewer than max_count were found; after each hit every "
             "place whose box overlaps the hit's by more than overlap (intersection over union) "
             "is dropped (non-maximum suppression). Each hit is a box (x, y, width, height) and "
             "its score in the features JSON; draw draws the boxes. The template is converted "
             "to the image's channels (cv::cvtColor) and may not be larger than the image (that "
             "input fails). An unreadable ref is refused before any input is read (exit 2).",
     .flags = OPF_DETECTOR, .run = run_template, .check = needs_ref,
     .example = "template ref=stamp.png threshold=0.9 | draw color=red",
     .params = {P_PATH("ref", "the template image, JPEG or PNG (cvapp: required)"),
                P_CHOICE("method", "ccoeff_normed", template_method_choices,
                         "score (TM_*; cvapp default ccoeff_normed)"),
                P_REAL("threshold", 0.8, -1e9, 1e9,
                       "score a hit needs: at least, or at most for sqdiff methods (cvapp "
                       "default; 0.8 suits ccoeff_normed and ccorr_normed, sqdiff_normed wants "
                       "a small one such as 0.1)"),
                P_REAL("overlap", 0.3, 0, 1,
                       "largest intersection over union of two hits' boxes (cvapp default)"),
                P_INT("max_count", 100, 1, 1000, 0, "most hits kept, the best first (cvapp "
                                                    "default)"),
                P_END}},
};
const size_t op_count = sizeof op_table / sizeof op_table[0];
