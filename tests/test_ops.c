/* SPDX-License-Identifier: MIT */
/* Known answers for every op of the catalogue, on synthetic images, run
 * through the op table and the pipeline runner (as the CLI runs them). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "testutil.h"

/* ---- helpers ---- */

/* Runs SPEC on `in`: returns a copy of the result; the findings go to f
 * (cleared first) when f is not NULL.  `ref`, when not NULL, is every
 * step's reference image (what pipeline_prepare decodes from ref=FILE),
 * with the step's prepare hook run on it. */
static cvs_image run_with_ref(const char *spec, const cvs_image *in, const cvs_image *ref,
                              findings *f) {
    pipeline pl;
    char err[ERRLEN];
    ck_assert_msg(pipeline_parse(spec, &pl, err) == 0, "%s: %s", spec, err);
    op_ref r = {0};
    for (size_t i = 0; ref && i < pl.n; i++) {
        r.img = *ref;
        pl.steps[i].ref = &r;
        op_call c = {.st = &pl.steps[i]};
        const char *bad = pl.steps[i].op->prepare ? pl.steps[i].op->prepare(&c, &r) : NULL;
        ck_assert_msg(!bad, "%s: prepare: %s", spec, bad);
    }
    pipe_buffers b = {0};
    findings local = {0}, *found = f ? f : &local;
    findings_clear(found);
    const cvs_image *out;
    ck_assert_msg(pipeline_run(&pl, in, &b, found, &out, NULL, err) == 0, "%s: %s", spec, err);
    cvs_image copy = img_fill(out->width, out->height, out->channels, 0);
    for (int y = 0; y < out->height; y++)
        memcpy(px(&copy, 0, y), px(out, 0, y), (size_t)out->width * (size_t)out->channels);
    for (size_t i = 0; i < pl.n; i++) pl.steps[i].ref = NULL; /* not the pipeline's */
    cvs_keypoints_free(&r.kp);
    pipe_buffers_free(&b);
    findings_free(&local);
    pipeline_free(&pl);
    return copy;
}

static cvs_image run_spec(const char *spec, const cvs_image *in, findings *f) {
    return run_with_ref(spec, in, NULL, f);
}

/* Runs SPEC expecting a run-time failure whose message contains `want`. */
static void run_fails(const char *spec, const cvs_image *in, const char *want) {
    pipeline pl;
    char err[ERRLEN];
    ck_assert_msg(pipeline_parse(spec, &pl, err) == 0, "%s: %s", spec, err);
    pipe_buffers b = {0};
    findings f = {0};
    const cvs_image *out;
    ck_assert_msg(pipeline_run(&pl, in, &b, &f, &out, NULL, err) == -1, "%s ran", spec);
    ck_assert_msg(strstr(err, want), "%s\n got: %s\nwant: %s", spec, err, want);
    pipe_buffers_free(&b);
    findings_free(&f);
    pipeline_free(&pl);
}

static void expect_size(const char *spec, const cvs_image *in, int w, int h) {
    cvs_image out = run_spec(spec, in, NULL);
    ck_assert_msg(out.width == w && out.height == h, "%s: %dx%d, want %dx%d", spec, out.width,
                  out.height, w, h);
    cvs_image_free(&out);
}

static void parse_fails(const char *spec, const char *want) {
    pipeline pl;
    char err[ERRLEN] = "";
    ck_assert_msg(pipeline_parse(spec, &pl, err) == -1, "accepted: %s", spec);
    ck_assert_msg(strcmp(err, want) == 0, "%s\n got: %s\nwant: %s", spec, err, want);
}

static int all_equal(const cvs_image *im, int value) {
    for (int y = 0; y < im->height; y++)
        for (int x = 0; x < im->width * im->channels; x++)
            if (px(im, 0, y)[x] != value) return 0;
    return 1;
}

static size_t count_value(const cvs_image *im, int value) {
    size_t n = 0;
    for (int y = 0; y < im->height; y++)
        for (int x = 0; x < im->width; x++) n += *px(im, x, y) == value;
    return n;
}

/* A `bg` image with a filled disk of `fg`. */
static cvs_image img_disk(int w, int h, int cx, int cy, int r, int fg, int bg) {
    cvs_image im = img_fill(w, h, 1, bg);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) *px(&im, x, y) = (uint8_t)fg;
    return im;
}

/* A 32x32 white square at 16..47 with a 16x16 hole at 24..39, in 64x64. */
static cvs_image img_frame(void) {
    cvs_image im = img_square(64, 64, 16, 16, 48, 48);
    for (int y = 24; y < 40; y++) memset(px(&im, 24, y), 0, 16);
    return im;
}

static double dist(double x, double y, double cx, double cy) { return hypot(x - cx, y - cy); }

/* Distance from v to the nearest multiple of `cell`. */
static double off_grid(double v, int cell) { return fabs(v - cell * round(v / cell)); }

static void free_images(cvs_image *a, cvs_image *b) {
    cvs_image_free(a);
    cvs_image_free(b);
}

/* ---- filters and transforms ---- */

START_TEST(constant_stays_constant) {
    static const char *const smooth[] = {
        "blur ksize=5", "gaussian ksize=7", "median ksize=5", "bilateral", "sharpen amount=2",
        "erode ksize=5 shape=ellipse", "dilate shape=cross", "open ksize=7", "close iterations=3",
        "resize scale=2 interp=cubic", "resize width=7 height=9 interp=lanczos", "flip axis=both",
        "rotate angle=270", "crop x=3 y=4 width=10 height=5", "convert", "threshold type=trunc "
        "value=100", "convolve kernel=\"1 1 1; 1 1 1\" scale=0.1666666666666667 border=replicate"};
    static const char *const zero[] = {"sobel", "sobel dx=0 dy=2 ksize=5", "scharr dy=1 dx=0",
                                       "laplacian ksize=3", "gradient", "tophat ksize=5",
                                       "convolve kernel=\"-1 0 1\"",
                                       "blackhat shape=ellipse"};
    cvs_image in = img_fill(40, 30, 3, 77);
    for (size_t i = 0; i < sizeof smooth / sizeof *smooth; i++) {
        cvs_image out = run_spec(smooth[i], &in, NULL);
        ck_assert_int_eq(out.channels, 3);
        ck_assert_msg(all_equal(&out, 77), "%s changed a constant image", smooth[i]);
        cvs_image_free(&out);
    }
    for (size_t i = 0; i < sizeof zero / sizeof *zero; i++) {
        cvs_image out = run_spec(zero[i], &in, NULL);
        ck_assert_msg(all_equal(&out, 0), "%s of a constant image is not 0", zero[i]);
        cvs_image_free(&out);
    }
    /* One-channel ops: gray first, and equalized/CLAHE output is uniform. */
    static const char *const gray_ops[] = {"equalize", "clahe", "adaptive_threshold invert=true"};
    for (size_t i = 0; i < sizeof gray_ops / sizeof *gray_ops; i++) {
        cvs_image out = run_spec(gray_ops[i], &in, NULL);
        ck_assert_int_eq(out.channels, 1);
        ck_assert_msg(all_equal(&out, out.data[0]), "%s: not uniform", gray_ops[i]);
        cvs_image_free(&out);
    }
    cvs_image_free(&in);
}
END_TEST

START_TEST(resize_sizes) {
    cvs_image in = img_noise(33, 17, 3, 5);
    expect_size("resize width=10 height=7", &in, 10, 7);
    /* OpenCV rounds side * scale half to even: 16.5 -> 16, 8.5 -> 8. */
    expect_size("resize scale=0.5", &in, 16, 8);
    /* Nearest neighbour at 2x repeats every pixel. */
    cvs_image out = run_spec("resize scale=2 interp=nearest", &in, NULL);
    ck_assert_int_eq(out.width, 66);
    for (int y = 0; y < 34; y++)
        for (int x = 0; x < 66; x++) ck_assert_mem_eq(px(&out, x, y), px(&in, x / 2, y / 2), 3);
    cvs_image_free(&out);
    parse_fails("resize", "pipeline step 1 (resize): needs width, height or scale");
    parse_fails("resize width=5 height=5 scale=2",
                "pipeline step 1 (resize): give width and/or height, or scale, not both");
    parse_fails("resize height=5 scale=2",
                "pipeline step 1 (resize): give width and/or height, or scale, not both");
    parse_fails("resize width=5 fit=inside",
                "pipeline step 1 (resize): fit=inside and fit=cover need width and height");
    parse_fails("resize scale=5% fit=cover",
                "pipeline step 1 (resize): fit=inside and fit=cover need width and height");
    parse_fails("resize scale=0.5%",
                "pipeline step 1 (resize): scale=0.5% is out of range (allowed: 0 or 0.01..64)");
    parse_fails("resize scale=x%",
                "pipeline step 1 (resize): scale=x% is not a percentage (allowed: 0 or 0.01..64)");
    parse_fails("resize width=50%",
                "pipeline step 1 (resize): width=50% is not an integer (allowed: 0 or 1..65535)");
    run_fails("resize scale=0.01", &in, "resize: the result would be empty");
    run_fails("resize width=65535 height=65535", &in, "over the limit");
    cvs_image_free(&in);
}
END_TEST

/* The sizes of resize's aspect-keeping modes on a 33x17 image: the other
 * side is round(to * other / side), ties to even, at least 1. */
START_TEST(resize_aspect_sizes) {
    cvs_image in = img_noise(33, 17, 3, 5), tiny = img_noise(400, 1, 1, 2);
    static const struct {
        const char *spec;
        int w, h;
    } cases[] = {
        {"resize width=66", 66, 34},    /* 66 * 17 / 33 = 34 */
        {"resize width=10", 10, 5},     /* 5.15 */
        {"resize width=5", 5, 3},       /* 2.58 */
        {"resize height=34", 66, 34},   /* 34 * 33 / 17 = 66 */
        {"resize height=10", 19, 10},   /* 19.41 */
        {"resize width=1", 1, 1},       /* 0.52 -> 1 */
        {"resize scale=50%", 16, 8},    /* = scale=0.5: 16.5 -> 16, 8.5 -> 8 */
        {"resize scale=200%", 66, 34},
        {"resize scale=12.5%", 4, 2},   /* 4.125, 2.125 */
        {"resize width=20 height=20 fit=inside", 20, 10},  /* 10.30 */
        {"resize width=40 height=10 fit=inside", 19, 10},  /* the height binds */
        {"resize width=20 height=20 fit=cover", 39, 20},   /* 38.82 */
        {"resize width=40 height=10 fit=cover", 40, 21},   /* 20.61 */
        {"resize width=20 height=20", 20, 20},             /* fill stretches */
        {"resize width=20 height=20 fit=fill", 20, 20},
        {"resize width=66 height=34 fit=inside", 66, 34},  /* exactly the aspect */
        {"resize width=100 enlarge=false", 33, 17},        /* would grow: unchanged */
        {"resize width=20 height=20 fit=cover enlarge=false", 33, 17}, /* 39 > 33 */
        {"resize width=20 height=20 fit=inside enlarge=false", 20, 10},
        {"resize width=40 height=10 enlarge=false", 33, 17}, /* fill: the width grows */
        {"resize scale=2 enlarge=false", 33, 17},
        {"resize scale=0.5 enlarge=false", 16, 8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        expect_size(cases[i].spec, &in, cases[i].w, cases[i].h);
    /* Ties go to even: 33 * 17 / 22 = 25.5 and 11 * 17 / 22 = 8.5. */
    cvs_image tie = img_noise(22, 17, 1, 4);
    expect_size("resize width=33", &tie, 33, 26); /* 25.5 -> 26 */
    expect_size("resize width=11", &tie, 11, 8);  /* 8.5 -> 8 */
    /* A side never rounds to 0. */
    expect_size("resize width=10", &tiny, 10, 1);
    /* enlarge=false passes the very pixels. */
    cvs_image same = run_spec("resize width=99 enlarge=false", &in, NULL);
    for (int y = 0; y < 17; y++) ck_assert_mem_eq(px(&same, 0, y), px(&in, 0, y), 33 * 3);
    /* auto is area when shrinking, cubic when a side grows: each gives
     * exactly what the explicit interpolation gives. */
    static const char *pairs[][2] = {
        {"resize width=20", "resize width=20 interp=area"},
        {"resize scale=0.3", "resize scale=0.3 interp=area"},
        {"resize width=50", "resize width=50 interp=cubic"},
        {"resize width=40 height=10", "resize width=40 height=10 interp=cubic"}, /* one grows */
    };
    for (size_t i = 0; i < 4; i++) {
        cvs_image a = run_spec(pairs[i][0], &in, NULL), b = run_spec(pairs[i][1], &in, NULL);
        ck_assert_int_eq(a.width, b.width);
        for (int y = 0; y < a.height; y++)
            ck_assert_msg(!memcmp(px(&a, 0, y), px(&b, 0, y), (size_t)a.width * 3), "%s != %s",
                          pairs[i][0], pairs[i][1]);
        free_images(&a, &b);
    }
    run_fails("resize width=65535", &in, "over the limit");
    free_images(&in, &tiny);
    free_images(&tie, &same);
}
END_TEST

/* crop: gravity, percentages and clamp on a 40x30 image. */
START_TEST(crop_gravity_percent_clamp) {
    cvs_image in = img_noise(40, 30, 3, 9);
    static const struct {
        const char *spec;
        int x, y, w, h; /* the box the result must be */
    } cases[] = {
        {"crop gravity=northwest x=2 y=3 width=10 height=5", 2, 3, 10, 5},
        {"crop gravity=north y=3 width=10 height=5", 15, 3, 10, 5},
        {"crop gravity=northeast x=2 y=3 width=10 height=5", 28, 3, 10, 5},
        {"crop gravity=west x=2 width=10 height=5", 2, 12, 10, 5},
        {"crop gravity=center width=10 height=5", 15, 12, 10, 5},  /* floor(25 / 2) */
        {"crop gravity=centre x=1 y=1 width=10 height=5", 16, 13, 10, 5},
        {"crop gravity=center width=11 height=7", 14, 11, 11, 7},  /* 14.5, 11.5 floored */
        {"crop gravity=east x=2 width=10 height=5", 28, 12, 10, 5},
        {"crop gravity=southwest x=2 y=3 width=10 height=5", 2, 22, 10, 5},
        {"crop gravity=south y=3 width=10 height=5", 15, 22, 10, 5},
        {"crop gravity=southeast x=2 y=3 width=10 height=5", 28, 22, 10, 5},
        {"crop width=50% height=50%", 0, 0, 20, 15},
        {"crop gravity=center width=50% height=50%", 10, 7, 20, 15},
        {"crop x=10% y=10% width=25% height=25%", 4, 3, 10, 8},   /* 7.5 -> 8 */
        {"crop x=12.5% y=5%", 5, 2, 35, 28},                      /* 1.5 -> 2; to the edge */
        {"crop width=100% height=100%", 0, 0, 40, 30},
        {"crop x=30 y=20 width=20 height=20 clamp=true", 30, 20, 10, 10},
        {"crop gravity=center width=60 height=10 clamp=true", 0, 10, 40, 10},
        {"crop gravity=southeast width=50 height=50 clamp=true", 0, 0, 40, 30},
        {"crop x=39 y=29 width=5 height=5 clamp=true", 39, 29, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cvs_image out = run_spec(cases[i].spec, &in, NULL);
        ck_assert_msg(out.width == cases[i].w && out.height == cases[i].h, "%s: %dx%d",
                      cases[i].spec, out.width, out.height);
        for (int y = 0; y < out.height; y++)
            ck_assert_msg(!memcmp(px(&out, 0, y), px(&in, cases[i].x, cases[i].y + y),
                                  (size_t)out.width * 3),
                          "%s: row %d", cases[i].spec, y);
        cvs_image_free(&out);
    }
    run_fails("crop gravity=center width=60 height=10", &in, "does not fit in the 40x30 image");
    run_fails("crop x=30 width=20", &in, "does not fit in the 40x30 image");
    run_fails("crop x=50 y=50 width=5 height=5 clamp=true", &in,
              "the crop box lies wholly outside the image");
    run_fails("crop x=40", &in, "the crop box is empty");
    parse_fails("crop width=101%",
                "pipeline step 1 (crop): width=101% is out of range (allowed: 0 or 1..65535)");
    parse_fails("crop gravity=middle", "pipeline step 1 (crop): gravity=middle is not one of the "
                                       "choices (allowed: northwest|north|northeast|west|center|"
                                       "centre|east|southwest|south|southeast)");
    cvs_image_free(&in);
}
END_TEST

/* rotate by any angle: the expanded canvas, the background, quarter turns
 * in any spelling. */
START_TEST(rotate_angles) {
    cvs_image in = img_fill(40, 30, 3, 200);
    static const struct {
        const char *spec;
        int w, h;
    } cases[] = {
        {"rotate angle=45", 49, 49},          /* 70 * 0.7071 = 49.50 -> 49 */
        {"rotate angle=30", 50, 46},          /* 34.64 + 15, 20 + 25.98 */
        {"rotate angle=-30", 50, 46},
        {"rotate angle=10 expand=false", 40, 30},
        {"rotate angle=90.0", 30, 40},
        {"rotate angle=-90", 30, 40},
        {"rotate angle=-270", 30, 40},
        {"rotate angle=360", 40, 30},
        {"rotate angle=0", 40, 30},
        {"rotate angle=180 expand=false", 40, 30},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        expect_size(cases[i].spec, &in, cases[i].w, cases[i].h);
    /* The corners of the grown canvas are the background, the centre the image. */
    cvs_image out = run_spec("rotate angle=45 background=red", &in, NULL);
    static const uint8_t red[3] = {0, 0, 255}, gray[3] = {200, 200, 200};
    ck_assert_mem_eq(px(&out, 0, 0), red, 3);
    ck_assert_mem_eq(px(&out, 48, 48), red, 3);
    ck_assert_mem_eq(px(&out, 24, 24), gray, 3);
    cvs_image_free(&out);
    /* On gray, the colour's gray value: white stays 255. */
    cvs_image g = img_fill(40, 30, 1, 0);
    out = run_spec("rotate angle=20 background=white", &g, NULL);
    ck_assert_int_eq(*px(&out, 0, 0), 255);
    ck_assert_int_eq(*px(&out, out.width / 2, out.height / 2), 0);
    cvs_image_free(&out);
    /* -90 is the exact transpose that 270 is. */
    cvs_image noise = img_noise(40, 30, 3, 3), a = run_spec("rotate angle=-90", &noise, NULL),
              b = run_spec("rotate angle=270", &noise, NULL);
    for (int y = 0; y < 40; y++) ck_assert_mem_eq(px(&a, 0, y), px(&b, 0, y), 30 * 3);
    free_images(&a, &b);
    free_images(&noise, &g);
    cvs_image_free(&in);
}
END_TEST

START_TEST(crop_flip_rotate) {
    cvs_image in = img_noise(40, 30, 3, 9), out = run_spec("crop x=5 y=6 width=20 height=10", &in, NULL);
    ck_assert_int_eq(out.width, 20);
    ck_assert_int_eq(out.height, 10);
    for (int y = 0; y < 10; y++) ck_assert_mem_eq(px(&out, 0, y), px(&in, 5, y + 6), 60);
    cvs_image_free(&out);
    expect_size("crop x=30 y=25", &in, 10, 5); /* to the edges */
    run_fails("crop x=30 width=11", &in,
              "crop x=30 y=0 width=11 height=30 does not fit in the 40x30 image");
    run_fails("crop y=30", &in, "the crop box is empty");
    static const struct {
        const char *spec;
        int w, h;
    } cases[] = {{"flip", 40, 30},           {"flip axis=v", 40, 30},
                 {"flip axis=both", 40, 30}, {"rotate", 30, 40},
                 {"rotate angle=180", 40, 30}, {"rotate angle=270", 30, 40}};
    for (int i = 0; i < 6; i++) {
        out = run_spec(cases[i].spec, &in, NULL);
        ck_assert_int_eq(out.width, cases[i].w);
        ck_assert_int_eq(out.height, cases[i].h);
        for (int y = 0; y < out.height; y++)
            for (int x = 0; x < out.width; x++) {
                /* Where each op takes output pixel (x, y) from. */
                int sx[] = {39 - x, x, 39 - x, y, 39 - x, 39 - y};
                int sy[] = {y, 29 - y, 29 - y, 29 - x, 29 - y, x};
                ck_assert_mem_eq(px(&out, x, y), px(&in, sx[i], sy[i]), 3);
            }
        cvs_image_free(&out);
    }
    cvs_image_free(&in);
}
END_TEST

START_TEST(blur_median_impulse) {
    cvs_image in = img_fill(9, 9, 1, 0);
    *px(&in, 4, 4) = 255;
    cvs_image out = run_spec("blur", &in, NULL);
    /* A 3x3 mean: 255 / 9 = 28 on the 3x3 block, 0 beyond. */
    ck_assert_uint_eq(count_value(&out, 28), 9);
    ck_assert_uint_eq(count_value(&out, 0), 72);
    cvs_image_free(&out);
    out = run_spec("median ksize=3", &in, NULL); /* salt noise vanishes */
    ck_assert(all_equal(&out, 0));
    cvs_image_free(&out);
    /* The Laplacian (kernel 0 1 0 / 1 -4 1 / 0 1 0) of an impulse. */
    out = run_spec("laplacian", &in, NULL);
    ck_assert_int_eq(*px(&out, 4, 4), 255); /* |-1020| saturated */
    ck_assert_int_eq(*px(&out, 3, 4), 255);
    ck_assert_int_eq(*px(&out, 4, 5), 255);
    ck_assert_int_eq(*px(&out, 3, 3), 0);
    ck_assert_uint_eq(count_value(&out, 255), 5);
    free_images(&in, &out);
}
END_TEST

/* convolve on an impulse draws the kernel itself, mirrored (filter2D
 * correlates), times scale, plus offset; saturated; anchored at the centre,
 * cell (cols / 2, rows / 2): the right or lower middle one of an even side. */
START_TEST(convolve_impulse) {
    cvs_image in = img_fill(9, 9, 1, 0);
    *px(&in, 4, 4) = 100;
    cvs_image out = run_spec("convolve kernel=\"1 2 3; 4 5 6; 7 8 9\" scale=0.1 offset=1", &in,
                             NULL);
    /* out(x, y) = sum k(i, j) in(x + i - 1, y + j - 1): the impulse at
     * (4, 4) is seen by k(2, 2) from (3, 3), so 9 * 10 + 1 there. */
    ck_assert_int_eq(*px(&out, 3, 3), 91);
    ck_assert_int_eq(*px(&out, 5, 3), 71);  /* k(0, 2) = 7 */
    ck_assert_int_eq(*px(&out, 4, 4), 51);  /* the centre, 5 */
    ck_assert_int_eq(*px(&out, 5, 5), 11);  /* k(0, 0) = 1 */
    ck_assert_int_eq(*px(&out, 0, 0), 1);   /* the offset alone */
    ck_assert_uint_eq(count_value(&out, 1), 81 - 9);
    cvs_image_free(&out);
    out = run_spec("convolve kernel=-1 offset=300", &in, NULL); /* saturated both ways */
    ck_assert_int_eq(*px(&out, 4, 4), 200);
    ck_assert_int_eq(*px(&out, 0, 0), 255);
    cvs_image_free(&out);
    out = run_spec("convolve kernel=0,1", &in, NULL); /* 1x2: anchored at column 1 */
    ck_assert_int_eq(*px(&out, 4, 4), 100);
    ck_assert_uint_eq(count_value(&out, 100), 1);
    free_images(&in, &out);
    /* A 3-channel image: each channel on its own; identity keeps it. */
    in = img_noise(20, 10, 3, 5);
    out = run_spec("convolve kernel=\"0 0 0; 0 1 0; 0 0 0\"", &in, NULL);
    ck_assert_int_eq(out.channels, 3);
    for (int y = 0; y < 10; y++) ck_assert_mem_eq(px(&out, 0, y), px(&in, 0, y), 60);
    free_images(&in, &out);
}
END_TEST

START_TEST(edges_and_derivatives) {
    /* A vertical step: 0 left of x = 10, 100 from x = 10. */
    cvs_image in = img_fill(20, 12, 1, 0);
    for (int y = 0; y < 12; y++) memset(px(&in, 10, y), 100, 10);
    static const char *const across[] = {"sobel", "sobel ksize=1", "scharr", "laplacian"};
    for (int i = 0; i < 4; i++) {
        cvs_image out = run_spec(across[i], &in, NULL);
        for (int y = 0; y < 12; y++)
            for (int x = 0; x < 20; x++)
                ck_assert_msg((*px(&out, x, y) > 0) == (x == 9 || x == 10), "%s at %d,%d = %d",
                              across[i], x, y, *px(&out, x, y));
        cvs_image_free(&out);
    }
    static const char *const along[] = {"sobel dx=0 dy=1", "scharr dx=0 dy=1"};
    for (int i = 0; i < 2; i++) {
        cvs_image out = run_spec(along[i], &in, NULL);
        ck_assert_msg(all_equal(&out, 0), "%s responds to a vertical edge", along[i]);
        cvs_image_free(&out);
    }
    /* Unsharp mask overshoots on both sides of the step and keeps the rest. */
    for (int y = 0; y < 12; y++) memset(px(&in, 0, y), 100, 10), memset(px(&in, 10, y), 150, 10);
    cvs_image out = run_spec("sharpen sigma=1 amount=1", &in, NULL);
    ck_assert_int_lt(*px(&out, 9, 5), 100);
    ck_assert_int_gt(*px(&out, 10, 5), 150);
    ck_assert_int_eq(*px(&out, 2, 5), 100);
    ck_assert_int_eq(*px(&out, 17, 5), 150);
    cvs_image_free(&out);
    /* Bilateral keeps the step (the color sigma is small next to it). */
    out = run_spec("bilateral d=5 sigma_color=10 sigma_space=5", &in, NULL);
    ck_assert_int_eq(*px(&out, 9, 5), 100);
    ck_assert_int_eq(*px(&out, 10, 5), 150);
    cvs_image_free(&out);
    /* A white square's Canny edges lie on its border. */
    cvs_image sq = img_square(64, 64, 16, 16, 48, 48);
    out = run_spec("canny", &sq, NULL);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++)
            if (*px(&out, x, y))
                ck_assert_msg(x == 15 || x == 16 || x == 47 || x == 48 || y == 15 || y == 16 ||
                                  y == 47 || y == 48,
                              "edge at %d,%d", x, y);
    ck_assert_uint_ge(count_value(&out, 255), 120);
    parse_fails("sobel dx=0", "pipeline step 1 (sobel): needs dx or dy above 0");
    parse_fails("sobel dx=3", "pipeline step 1 (sobel): dx and dy must be below ksize (below 3 "
                              "for ksize=1)");
    parse_fails("sobel dx=4 ksize=5 dy=5", "pipeline step 1 (sobel): dx and dy must be below "
                                           "ksize (below 3 for ksize=1)");
    parse_fails("scharr dx=1 dy=1", "pipeline step 1 (scharr): needs dx=1 dy=0 or dx=0 dy=1");
    parse_fails("bilateral d=0 sigma_space=11", "pipeline step 1 (bilateral): d=0 takes the "
                                                "diameter from sigma_space, which must then be at most 10");
    free_images(&in, &out);
    cvs_image_free(&sq);
}
END_TEST

START_TEST(thresholds) {
    cvs_image ramp = img_fill(256, 2, 1, 0);
    for (int x = 0; x < 256; x++) *px(&ramp, x, 0) = *px(&ramp, x, 1) = (uint8_t)x;
    static const char *const types[] = {"binary", "binary_inv", "trunc", "tozero", "tozero_inv"};
    for (int t = 0; t < 5; t++) {
        char spec[80];
        snprintf(spec, sizeof spec, "threshold value=127 max=200 type=%s", types[t]);
        cvs_image out = run_spec(spec, &ramp, NULL);
        for (int x = 0; x < 256; x++) {
            int above = x > 127;
            const int want[] = {above ? 200 : 0, above ? 0 : 200, above ? 127 : x, above ? x : 0,
                          above ? 0 : x};
            ck_assert_msg(*px(&out, x, 1) == want[t], "%s at %d: %d", spec, x, *px(&out, x, 1));
        }
        cvs_image_free(&out);
    }
    cvs_image_free(&ramp);
    /* Automatic levels split a two-level image; a color input becomes gray. */
    cvs_image two = img_fill(40, 20, 3, 40);
    for (int y = 0; y < 20; y++) memset(px(&two, 0, y), 210, 8 * 3);
    static const char *const autos[] = {"threshold type=otsu", "threshold type=triangle max=99"};
    for (int i = 0; i < 2; i++) {
        cvs_image out = run_spec(autos[i], &two, NULL);
        ck_assert_int_eq(out.channels, 1);
        int hi = i ? 99 : 255;
        ck_assert_uint_eq(count_value(&out, hi), 8 * 20);
        ck_assert_uint_eq(count_value(&out, 0), 32 * 20);
        cvs_image_free(&out);
    }
    /* Adaptive: a pixel brighter than its neighbourhood's mean minus c passes. */
    cvs_image dot = img_fill(31, 31, 1, 100);
    *px(&dot, 15, 15) = 90;
    cvs_image out = run_spec("adaptive_threshold block=5 c=2", &dot, NULL);
    ck_assert_int_eq(*px(&out, 15, 15), 0);
    ck_assert_uint_eq(count_value(&out, 255), 31 * 31 - 1);
    cvs_image_free(&out);
    out = run_spec("adaptive_threshold method=gaussian block=5 c=2 invert=true max=7", &dot, NULL);
    ck_assert_int_eq(*px(&out, 15, 15), 7);
    ck_assert_uint_eq(count_value(&out, 0), 31 * 31 - 1);
    free_images(&dot, &out);
    cvs_image_free(&two);
}
END_TEST

START_TEST(morphology) {
    /* A 10x10 square at 10..19, a stray pixel at (3,3), a hole at (15,15). */
    cvs_image in = img_square(32, 32, 10, 10, 20, 20);
    *px(&in, 3, 3) = 255;
    *px(&in, 15, 15) = 0;
    static const struct {
        const char *spec;
        size_t white;
    } cases[] = {
        {"erode", 8 * 8 - 9},    /* shrinks by one; the hole grows to 3x3 */
        {"dilate", 12 * 12 + 9}, /* grows by one; the stray pixel to 3x3; the hole closes */
        {"open", 100 - 1 - 0},   /* the stray pixel goes, the square stays (hole kept) */
        {"close", 100 + 1},      /* the hole fills, the stray pixel stays */
        {"tophat", 1},           /* only the stray pixel */
        {"blackhat", 1},         /* only the hole */
        {"erode iterations=2", 6 * 6 - 25},
        {"dilate ksize=5", 14 * 14 + 25},
        {"gradient", 12 * 12 - 8 * 8 + 9 + 9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cvs_image out = run_spec(cases[i].spec, &in, NULL);
        ck_assert_msg(count_value(&out, 255) == cases[i].white, "%s: %zu white pixels, want %zu",
                      cases[i].spec, count_value(&out, 255), cases[i].white);
        ck_assert_uint_eq(count_value(&out, 255) + count_value(&out, 0), 32 * 32);
        cvs_image_free(&out);
    }
    ck_assert_int_eq(*px(&in, 3, 3), 255);
    /* Kernel shapes: a single pixel dilated by each 5x5 shape. */
    cvs_image dot = img_fill(15, 15, 1, 0);
    *px(&dot, 7, 7) = 255;
    static const struct {
        const char *spec;
        size_t white;
    } shapes[] = {{"dilate ksize=5", 25}, {"dilate ksize=5 shape=cross", 9},
                  {"dilate ksize=5 shape=ellipse", 17}};
    for (int i = 0; i < 3; i++) {
        cvs_image out = run_spec(shapes[i].spec, &dot, NULL);
        ck_assert_uint_eq(count_value(&out, 255), shapes[i].white);
        cvs_image_free(&out);
    }
    cvs_image_free(&dot);
    cvs_image_free(&in);
}
END_TEST

START_TEST(levels) {
    cvs_image in = img_fill(16, 4, 1, 100);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 16; x += 2) *px(&in, x, y) = 150;
    /* Each spec maps the two levels, 100 and 150 (32 pixels each), to a and b. */
    static const struct {
        const char *spec;
        int a, b;
    } cases[] = {
        {"equalize", 0, 255},         /* two levels spread to the ends */
        {"normalize min=10 max=20", 10, 20},
        {"invert", 155, 105},
        {"convert alpha=2 beta=10", 210, 255}, /* saturated */
        {"convert beta=-120", 0, 30},          /* saturated, no absolute value */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cvs_image out = run_spec(cases[i].spec, &in, NULL);
        ck_assert_msg(*px(&out, 1, 0) == cases[i].a && *px(&out, 0, 0) == cases[i].b,
                      "%s: %d %d", cases[i].spec, *px(&out, 1, 0), *px(&out, 0, 0));
        ck_assert_uint_eq(count_value(&out, cases[i].a), 32);
        ck_assert_uint_eq(count_value(&out, cases[i].b), 32);
        cvs_image_free(&out);
    }
    cvs_image_free(&in);
}
END_TEST

/* ---- detectors ---- */

/* Keypoints of the only set found by SPEC on `in`. */
static const cvs_keypoints *keypoints_of(const char *spec, const cvs_image *in, findings *f) {
    cvs_image out = run_spec(spec, in, f);
    /* A detector passes the image on unchanged. */
    ck_assert_int_eq(out.width, in->width);
    ck_assert_int_eq(out.channels, in->channels);
    for (int y = 0; y < in->height; y++)
        ck_assert_mem_eq(px(&out, 0, y), px(in, 0, y), (size_t)in->width * (size_t)in->channels);
    cvs_image_free(&out);
    ck_assert_uint_eq(f->nsets, 1);
    return &f->sets[0].kp;
}

START_TEST(corners_at_checkerboard_crossings) {
    cvs_image in = img_checker(160, 160, 20);
    findings f = {0};
    static const struct {
        const char *spec;
        double tol;
    } cases[] = {{"gftt", 1}, {"gftt harris=true max_corners=20", 1}, {"harris", 1},
                 {"harris block=3 ksize=5 threshold=0.1", 2}, {"orb nfeatures=100", 3}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const cvs_keypoints *kp = keypoints_of(cases[i].spec, &in, &f);
        ck_assert_msg(kp->count >= 10, "%s: %zu keypoints", cases[i].spec, kp->count);
        for (size_t k = 0; k < kp->count; k++) {
            double tol = cases[i].tol * (kp->items[k].octave > 0 ? 2 : 1);
            ck_assert_msg(off_grid(kp->items[k].x, 20) <= tol && off_grid(kp->items[k].y, 20) <= tol,
                          "%s: keypoint %.1f,%.1f off the crossings", cases[i].spec,
                          kp->items[k].x, kp->items[k].y);
        }
    }
    /* gftt keeps max_corners; harris keypoints carry the block size. */
    ck_assert_uint_eq(keypoints_of("gftt max_corners=20", &in, &f)->count, 20);
    const cvs_keypoints *kp = keypoints_of("harris block=4", &in, &f);
    ck_assert_float_eq(kp->items[0].size, 4);
    ck_assert_float_eq(kp->items[0].angle, -1);
    /* A constant image has no corner at all. */
    cvs_image flat = img_fill(40, 40, 1, 9);
    ck_assert_uint_eq(keypoints_of("harris threshold=0", &flat, &f)->count, 0);
    ck_assert_uint_eq(keypoints_of("gftt", &flat, &f)->count, 0);
    findings_free(&f);
    cvs_image_free(&flat);
    cvs_image_free(&in);
}
END_TEST

START_TEST(fast_square_corners) {
    cvs_image in = img_square(64, 64, 16, 16, 48, 48);
    findings f = {0};
    const cvs_keypoints *kp = keypoints_of("fast nonmax=false", &in, &f);
    int corners[4] = {0};
    for (size_t k = 0; k < kp->count; k++) {
        double x = kp->items[k].x, y = kp->items[k].y;
        int cx = x < 32 ? 16 : 47, cy = y < 32 ? 16 : 47;
        ck_assert_msg(fabs(x - cx) <= 3 && fabs(y - cy) <= 3, "keypoint %.0f,%.0f", x, y);
        corners[(cx > 32) + 2 * (cy > 32)]++;
    }
    for (int i = 0; i < 4; i++) ck_assert_int_gt(corners[i], 0);
    /* A constant image: nothing. */
    cvs_image flat = img_fill(64, 64, 1, 0);
    ck_assert_uint_eq(keypoints_of("fast threshold=0 type=5_8", &flat, &f)->count, 0);
    findings_free(&f);
    cvs_image_free(&flat);
    cvs_image_free(&in);
}
END_TEST

START_TEST(disk_keypoints_and_descriptors) {
    cvs_image in = img_disk(100, 100, 50, 50, 10, 255, 0);
    findings f = {0};
    static const struct {
        const char *spec;
        double within;
        int type, len;
    } cases[] = {{"sift descriptors=true", 2, CVS_DESC_F32, 128},
                 {"akaze descriptors=true", 8, CVS_DESC_U8, 61},
                 {"brisk descriptors=true", 12, CVS_DESC_U8, 64},
                 {"orb descriptors=true edge_threshold=10 patch_size=10", 12, CVS_DESC_U8, 32},
                 {"sift", 2, CVS_DESC_NONE, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const cvs_keypoints *kp = keypoints_of(cases[i].spec, &in, &f);
        ck_assert_msg(kp->count > 0, "%s found nothing", cases[i].spec);
        ck_assert_int_eq(kp->desc_type, cases[i].type);
        ck_assert_int_eq(kp->desc_len, cases[i].len);
        ck_assert(!kp->descriptors == !cases[i].len);
        for (size_t k = 0; k < kp->count; k++)
            ck_assert_msg(dist(kp->items[k].x, kp->items[k].y, 50, 50) <= cases[i].within,
                          "%s: keypoint %.1f,%.1f", cases[i].spec, kp->items[k].x, kp->items[k].y);
    }
    /* SIFT keeps the best nfeatures (ties may keep a few more). */
    cvs_image noise = img_noise(120, 120, 1, 4);
    ck_assert_uint_le(keypoints_of("sift nfeatures=10", &noise, &f)->count, 12);
    findings_free(&f);
    cvs_image_free(&noise);
    cvs_image_free(&in);
}
END_TEST

START_TEST(blobs_at_disk_centres) {
    static const int cx[] = {30, 80, 130}, cy[] = {40, 60, 90};
    cvs_image dark = img_fill(160, 120, 1, 255), light = img_fill(160, 120, 1, 0);
    for (int i = 0; i < 3; i++) {
        cvs_image d = img_disk(160, 120, cx[i], cy[i], 12, 0, 255);
        for (size_t k = 0; k < 160 * 120; k++)
            if (!d.data[k]) dark.data[k] = 0, light.data[k] = 255;
        cvs_image_free(&d);
    }
    findings f = {0};
    const char *specs[] = {"blobs", "blobs dark=false min_circularity=0.8"};
    cvs_image *ims[] = {&dark, &light};
    for (int s = 0; s < 2; s++) {
        const cvs_keypoints *kp = keypoints_of(specs[s], ims[s], &f);
        ck_assert_uint_eq(kp->count, 3);
        for (size_t k = 0; k < 3; k++) {
            int near = 0;
            for (int i = 0; i < 3; i++)
                near |= dist(kp->items[k].x, kp->items[k].y, cx[i], cy[i]) < 1;
            ck_assert(near);
            ck_assert_float_eq_tol(kp->items[k].size, 24, 2);
        }
    }
    /* Wrong polarity or too small an area: nothing. */
    ck_assert_uint_eq(keypoints_of("blobs dark=false", &dark, &f)->count, 0);
    ck_assert_uint_eq(keypoints_of("blobs max_area=100", &dark, &f)->count, 0);
    parse_fails("blobs min_area=10 max_area=5", "pipeline step 1 (blobs): max_area must be at "
                                                "least min_area");
    findings_free(&f);
    cvs_image_free(&dark);
    cvs_image_free(&light);
}
END_TEST

START_TEST(hough_lines_and_circles) {
    cvs_image in = img_fill(100, 100, 1, 0);
    memset(px(&in, 10, 20), 255, 80); /* y = 20, x = 10..89 */
    findings f = {0};
    cvs_image out = run_spec("hough_lines threshold=50", &in, &f);
    ck_assert_uint_eq(f.nsets, 1);
    const cvs_lines *l = &f.sets[0].lines;
    ck_assert_uint_ge(l->count, 1);
    for (size_t i = 0; i < l->count; i++) {
        ck_assert_int_eq(l->items[i].y1, 20);
        ck_assert_int_eq(l->items[i].y2, 20);
        ck_assert_int_ge(abs(l->items[i].x2 - l->items[i].x1), 50);
    }
    cvs_image_free(&out);
    out = run_spec("hough_lines threshold=100", &in, &f); /* 80 votes at most */
    ck_assert_uint_eq(f.sets[0].lines.count, 0);
    cvs_image_free(&out);
    /* A disk of radius 30 at (50, 50), its edge smoothed. */
    cvs_image ring = img_disk(100, 100, 50, 50, 30, 255, 0);
    out = run_spec("gaussian ksize=5 | hough_circles param2=30", &ring, &f);
    const cvs_circles *c = &f.sets[0].circles;
    ck_assert_uint_ge(c->count, 1);
    ck_assert_double_le(dist(c->items[0].x, c->items[0].y, 50, 50), 2);
    ck_assert_float_eq_tol(c->items[0].radius, 30, 2);
    cvs_image_free(&out);
    out = run_spec("gaussian ksize=5 | hough_circles param2=30 min_radius=40 max_radius=45", &ring,
                   &f);
    ck_assert_uint_eq(f.sets[0].circles.count, 0);
    parse_fails("hough_circles min_radius=10 max_radius=5",
                "pipeline step 1 (hough_circles): max_radius must be 0 or at least min_radius");
    findings_free(&f);
    free_images(&in, &out);
    cvs_image_free(&ring);
}
END_TEST

START_TEST(contours_of_squares) {
    cvs_image in = img_frame();
    findings f = {0};
    cvs_image out = run_spec("contours", &in, &f);
    const cvs_contours *c = &f.sets[0].contours;
    ck_assert_uint_eq(c->count, 1); /* external: the outer border only */
    ck_assert_uint_eq(c->items[0].npoints, 4);
    ck_assert_double_eq(c->items[0].area, 31 * 31);
    ck_assert_double_eq(c->items[0].perimeter, 4 * 31);
    ck_assert_int_eq(c->items[0].x, 16);
    ck_assert_int_eq(c->items[0].width, 32);
    ck_assert_int_eq(c->items[0].parent, -1);
    const cvs_point *p = &c->points[c->items[0].first];
    ck_assert_int_eq(p[0].x, 16);
    ck_assert_int_eq(p[2].y, 47);
    cvs_image_free(&out);
    out = run_spec("contours mode=tree method=none", &in, &f);
    c = &f.sets[0].contours;
    ck_assert_uint_eq(c->count, 2);
    ck_assert_int_eq(c->items[1].parent, 0); /* the hole is inside the square */
    ck_assert_uint_eq(c->items[0].npoints, 4 * 31);
    ck_assert_uint_eq(c->npoints, c->items[0].npoints + c->items[1].npoints);
    cvs_image_free(&out);
    out = run_spec("contours mode=list min_area=500", &in, &f); /* the hole is dropped */
    ck_assert_uint_eq(f.sets[0].contours.count, 1);
    cvs_image_free(&out);
    out = run_spec("contours mode=ccomp min_area=5000", &in, &f);
    ck_assert_uint_eq(f.sets[0].contours.count, 0);
    findings_free(&f);
    free_images(&in, &out);
}
END_TEST

/* template: a patch of noise pasted twice into a flat image is found at
 * both places, best first (the exact copy before the dimmed one), the
 * boxes the template's size; non-maximum suppression keeps one hit per
 * place; draw draws the boxes. */
START_TEST(template_finds_pasted_patches) {
    cvs_image patch = img_noise(12, 10, 1, 3), in = img_fill(80, 60, 1, 128);
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 12; x++) {
            *px(&in, 50 + x, 30 + y) = *px(&patch, x, y);
            *px(&in, 5 + x, 7 + y) = (uint8_t)(*px(&patch, x, y) / 2 + 60);
        }
    findings f = {0};
    cvs_image out = run_with_ref("template ref=patch.png threshold=0.9", &in, &patch, &f);
    ck_assert_uint_eq(f.nsets, 1);
    const cvs_boxes *b = &f.sets[0].boxes;
    ck_assert_uint_eq(b->count, 2);
    ck_assert_int_eq(b->items[0].x, 50);
    ck_assert_int_eq(b->items[0].y, 30);
    ck_assert_int_eq(b->items[0].width, 12);
    ck_assert_int_eq(b->items[0].height, 10);
    ck_assert_double_ge(b->items[0].score, 0.999); /* ccoeff_normed of itself: 1 */
    ck_assert_int_eq(b->items[1].x, 5);
    ck_assert_int_eq(b->items[1].y, 7);
    ck_assert_double_ge(b->items[1].score, 0.99); /* an affine copy is as good for ccoeff */
    ck_assert_mem_eq(out.data, in.data, 80); /* a detector passes the image on */
    cvs_image_free(&out);
    /* sqdiff: only the exact copy scores 0; max_count stops early. */
    out = run_with_ref("template ref=p method=sqdiff threshold=0", &in, &patch, &f);
    ck_assert_uint_eq(f.sets[0].boxes.count, 1);
    ck_assert_int_eq(f.sets[0].boxes.items[0].x, 50);
    ck_assert_double_eq(f.sets[0].boxes.items[0].score, 0);
    cvs_image_free(&out);
    out = run_with_ref("template ref=p max_count=1", &in, &patch, &f);
    ck_assert_uint_eq(f.sets[0].boxes.count, 1);
    cvs_image_free(&out);
    /* No suppression at all (overlap=1): neighbours of a hit may be hits
     * too, but each place once. */
    out = run_with_ref("template ref=p overlap=1 threshold=0.5 max_count=50", &in, &patch, &f);
    b = &f.sets[0].boxes;
    for (size_t i = 0; i < b->count; i++)
        for (size_t k = i + 1; k < b->count; k++)
            ck_assert(b->items[i].x != b->items[k].x || b->items[i].y != b->items[k].y);
    cvs_image_free(&out);
    /* draw: a red rectangle of the box's size at each hit. */
    out = run_with_ref("template ref=p threshold=0.9 | draw color=red", &in, &patch, &f);
    ck_assert_int_eq(out.channels, 3);
    static const uint8_t red[3] = {0, 0, 255};
    ck_assert_mem_eq(px(&out, 50, 30), red, 3);
    ck_assert_mem_eq(px(&out, 61, 39), red, 3);
    ck_assert_mem_eq(px(&out, 5, 16), red, 3);
    ck_assert_mem_ne(px(&out, 55, 35), red, 3);
    cvs_image_free(&out);
    /* A color image: the gray template is converted to BGR. */
    cvs_image color = {0};
    ck_assert_int_eq(cvs_to_bgr(&in, &color), CVS_OK);
    out = run_with_ref("template ref=p threshold=0.9", &color, &patch, &f);
    ck_assert_uint_eq(f.sets[0].boxes.count, 2);
    cvs_image_free(&out);
    /* The JSON lists each box with its score. */
    char *json = findings_to_json(&f, "in.png", 80, 60, 3);
    ck_assert_ptr_nonnull(strstr(json, "\"boxes\":[{\"x\":50,\"y\":30,\"width\":12,\"height\":10,"
                                       "\"score\":"));
    free(json);
    /* A template larger than the image fails that input. */
    pipeline pl;
    char err[ERRLEN];
    ck_assert_int_eq(pipeline_parse("template ref=p", &pl, err), 0);
    op_ref big = {.img = in};
    pl.steps[0].ref = &big;
    pipe_buffers bufs = {0};
    const cvs_image *res;
    ck_assert_int_eq(pipeline_run(&pl, &patch, &bufs, &f, &res, NULL, err), -1);
    ck_assert_str_eq(err, "step 1 (template) failed: the template (80x60) is larger than the "
                          "image (12x10)");
    /* Without its image (pipeline_prepare not run), the step fails. */
    pl.steps[0].ref = NULL;
    ck_assert_int_eq(pipeline_run(&pl, &in, &bufs, &f, &res, NULL, err), -1);
    ck_assert_str_eq(err, "step 1 (template) failed: its ref image was not loaded");
    pipe_buffers_free(&bufs);
    pipeline_free(&pl);
    findings_free(&f);
    free_images(&in, &patch);
    cvs_image_free(&color);
}
END_TEST

/* match then warp: a textured patch pasted into a larger image is found
 * at its offset; warp gives the patch back, the reference's size. */
START_TEST(match_and_warp_find_a_pasted_patch) {
    cvs_image patch = img_checker(120, 100, 10), in = img_fill(260, 200, 1, 90);
    for (int y = 0; y < 100; y++)
        for (int x = 0; x < 120; x++)
            *px(&patch, x, y) =
                (uint8_t)(*px(&patch, x, y) ? 200 + (x * y) % 50 : (x * 7 + y * 3) % 60);
    for (int y = 0; y < 100; y++) memcpy(px(&in, 70, 50 + y), px(&patch, 0, y), 120);
    findings f = {0};
    cvs_image out = run_with_ref("match ref=p detector=sift model=similarity | warp", &in, &patch,
                                 &f);
    ck_assert_uint_eq(f.nsets, 1);
    const match_result *m = f.sets[0].match;
    ck_assert_ptr_nonnull(m);
    ck_assert_msg(m->found, "not found: %zu inliers", m->model.inliers);
    ck_assert(fabs(m->model.m[2] - 70) < 0.5 && fabs(m->model.m[5] - 50) < 0.5);
    ck_assert(fabs(m->corners[4] - 190) < 0.5 && fabs(m->corners[5] - 150) < 0.5);
    ck_assert_int_eq(out.width, 120);
    ck_assert_int_eq(out.height, 100);
    long diff = 0;
    for (int y = 10; y < 90; y++)
        for (int x = 10; x < 110; x++) diff += labs((long)*px(&out, x, y) - *px(&patch, x, y));
    ck_assert_msg(diff / (80 * 100) <= 2, "warped back differs by %ld on average", diff / 8000);
    cvs_image_free(&out);
    /* Not there: not found; warp fails that input, or passes it with missing=pass. */
    cvs_image flat = img_noise(260, 200, 1, 11);
    out = run_with_ref("match ref=p detector=sift | warp missing=pass", &flat, &patch, &f);
    ck_assert(!f.sets[0].match->found);
    ck_assert_int_eq(out.width, 260);
    ck_assert_mem_eq(out.data, flat.data, 260);
    cvs_image_free(&out);
    findings_free(&f);
    free_images(&in, &patch);
    cvs_image_free(&flat);
}
END_TEST

START_TEST(draw_renders_findings) {
    cvs_image in = img_square(64, 64, 16, 16, 48, 48);
    findings f = {0};
    cvs_image out = run_spec("contours | draw color=red", &in, &f);
    ck_assert_int_eq(out.channels, 3);
    static const uint8_t red[3] = {0, 0, 255}, white[3] = {255, 255, 255}, black[3] = {0};
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) {
            int border = (x == 16 || x == 47 || y == 16 || y == 47) && x >= 16 && x <= 47 &&
                         y >= 16 && y <= 47;
            int inside = x > 16 && x < 47 && y > 16 && y < 47;
            ck_assert_mem_eq(px(&out, x, y), border ? red : inside ? white : black, 3);
        }
    cvs_image_free(&out);
    /* Keypoints, lines and circles from several detectors, thicker. */
    out = run_spec("gftt max_corners=4 | canny | hough_lines threshold=20 | hough_circles "
                   "param2=5 | draw color=blue thickness=3",
                   &in, &f);
    ck_assert_uint_eq(f.nsets, 3);
    ck_assert_uint_eq(f.sets[0].kp.count, 4);
    ck_assert_uint_gt(f.sets[1].lines.count, 0);
    size_t blue = 0;
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) blue += !memcmp(px(&out, x, y), (uint8_t[3]){255, 0, 0}, 3);
    ck_assert_uint_gt(blue, 4 * 32 * 3 - 20);
    /* Nothing found: a plain BGR copy. */
    cvs_image copy = run_spec("draw", &in, &f);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) ck_assert_int_eq(px(&copy, x, y)[1], *px(&in, x, y));
    findings_free(&f);
    free_images(&in, &out);
    cvs_image_free(&copy);
}
END_TEST

/* ---- the features JSON ---- */

START_TEST(features_json) {
    cvs_image in = img_square(64, 64, 16, 16, 48, 48);
    findings f = {0};
    cvs_image out = run_spec("orb nfeatures=5 descriptors=true edge_threshold=8 patch_size=8 | "
                             "sift nfeatures=3 descriptors=true | contours | contours "
                             "mode=tree | canny | hough_lines threshold=20 | "
                             "hough_circles param2=5",
                             &in, &f);
    char *text = findings_to_json(&f, "in.png", 64, 64, 1);
    ck_assert_ptr_nonnull(text);
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    ck_assert_msg(doc != NULL, "%s", jerr.text);
    /* counts per detector name: the two contour steps add up. */
    json_t *counts = json_object_get(doc, "counts");
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "contours")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "orb")),
                     (json_int_t)f.sets[0].kp.count);
    /* detectors: one entry per step, descriptor format for keypoint sets. */
    json_t *dets = json_object_get(doc, "detectors");
    ck_assert_uint_eq(json_array_size(dets), 6);
    json_t *d0 = json_array_get(dets, 0), *d1 = json_array_get(dets, 1), *d2 = json_array_get(dets, 2);
    ck_assert_str_eq(json_string_value(json_object_get(d0, "detector")), "orb");
    ck_assert_str_eq(json_string_value(json_object_get(d0, "descriptor_type")), "uint8");
    ck_assert_int_eq(json_integer_value(json_object_get(d0, "descriptor_length")), 32);
    ck_assert_str_eq(json_string_value(json_object_get(d1, "descriptor_type")), "float32");
    ck_assert_int_eq(json_integer_value(json_object_get(d1, "descriptor_length")), 128);
    ck_assert_ptr_null(json_object_get(d2, "descriptor_type"));
    /* Descriptors: hex for ORB (64 characters), base64 of float32 for SIFT. */
    json_t *kps = json_object_get(doc, "keypoints");
    ck_assert_uint_eq(json_array_size(kps), f.sets[0].kp.count + f.sets[1].kp.count);
    const char *hex = json_string_value(json_object_get(json_array_get(kps, 0), "descriptor"));
    ck_assert_uint_eq(strlen(hex), 64);
    ck_assert_uint_eq(strspn(hex, "0123456789abcdef"), 64);
    json_t *sk = json_array_get(kps, f.sets[0].kp.count);
    ck_assert_str_eq(json_string_value(json_object_get(sk, "detector")), "sift");
    const char *b64 = json_string_value(json_object_get(sk, "descriptor"));
    ck_assert_uint_eq(strlen(b64), (128 * 4 + 2) / 3 * 4);
    /* The first float, decoded from base64 (little-endian), is OpenCV's. */
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint64_t v = 0; /* the first 8 characters: 6 bytes */
    for (int i = 0; i < 8; i++) v = v << 6 | (uint64_t)(strchr(abc, b64[i]) - abc);
    uint32_t u = 0;
    for (int i = 0; i < 4; i++) u |= (uint32_t)(v >> (40 - 8 * i) & 255) << (8 * i);
    float first;
    memcpy(&first, &u, 4);
    ck_assert_float_eq(first, ((const float *)f.sets[1].kp.descriptors)[0]);
    /* Contours: the second step's hole-less tree; parents index the whole array. */
    json_t *cs = json_object_get(doc, "contours");
    ck_assert_uint_eq(json_array_size(cs), 2);
    json_t *c1 = json_array_get(cs, 1);
    ck_assert_int_eq(json_integer_value(json_object_get(c1, "parent")), -1);
    ck_assert_double_eq(json_real_value(json_object_get(c1, "area")), 961);
    json_t *bbox = json_object_get(c1, "bbox");
    ck_assert_int_eq(json_integer_value(json_array_get(bbox, 2)), 32);
    ck_assert_uint_eq(json_array_size(json_object_get(c1, "points")), 4);
    json_t *ln = json_array_get(json_object_get(doc, "lines"), 0);
    ck_assert_ptr_nonnull(json_object_get(ln, "x2"));
    ck_assert_str_eq(json_string_value(json_object_get(ln, "detector")), "hough_lines");
    ck_assert_ptr_nonnull(json_object_get(doc, "circles"));
    json_decref(doc);
    free(text);
    /* Without findings: empty arrays, empty counts. */
    findings_clear(&f);
    text = findings_to_json(&f, "x", 1, 1, 1);
    ck_assert_ptr_nonnull(strstr(text, "\"counts\":{},\"detectors\":[],\"keypoints\":[],"
                                       "\"lines\":[],\"circles\":[],\"contours\":[]"));
    free(text);
    findings_free(&f);
    free_images(&in, &out);
}
END_TEST

/* A second parent: contours of two steps keep their own parent links. */
START_TEST(contour_parents_across_steps) {
    cvs_image in = img_frame();
    findings f = {0};
    cvs_image out = run_spec("contours mode=tree | contours mode=ccomp", &in, &f);
    char *text = findings_to_json(&f, "in.png", 64, 64, 1);
    json_t *doc = json_loads(text, 0, NULL);
    json_t *cs = json_object_get(doc, "contours");
    ck_assert_uint_eq(json_array_size(cs), 4);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(cs, 1), "parent")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(cs, 3), "parent")), 2);
    json_decref(doc);
    free(text);
    findings_free(&f);
    free_images(&in, &out);
}
END_TEST

/* ---- the op table itself ---- */

static int is_int(double v) { return v == floor(v); }

/* Every row and parameter is complete and consistent. */
START_TEST(table_rows_are_complete) {
    char err[ERRLEN];
    for (size_t i = 0; i < op_count; i++) {
        const op_def *op = &op_table[i];
        ck_assert_msg(op->name && *op->name, "row %zu has no name", i);
        ck_assert_msg(op->help && strlen(op->help) > 10, "%s has no help", op->name);
        ck_assert_msg(op->run != NULL, "%s has no run function", op->name);
        ck_assert_msg(op_find(op->name) == op, "%s is not the first row of its name", op->name);
        ck_assert_msg(!(op->flags & OPF_DETECTOR) ||
                          (!(op->flags & (OPF_GEOMETRY | OPF_GRAY_ON_LOAD)) && !op->shrink),
                      "%s: a detector passes the image on unchanged", op->name);
        size_t np = op_param_count(op);
        int paths = 0;
        ck_assert_msg(np < OP_MAX_PARAMS, "%s: no room for the end of its params", op->name);
        for (size_t k = 0; k < np; k++) {
            const param_def *p = &op->params[k];
            ck_assert_msg(p->help && *p->help, "%s %s has no help", op->name, p->name);
            ck_assert_msg(op_param_index(op, p->name) == (int)k, "%s %s is listed twice", op->name,
                          p->name);
            int zero = p->def == 0 && (p->flags & PF_ZERO_OK);
            switch (p->type) {
            case PT_INT:
                ck_assert_msg(is_int(p->def) && is_int(p->min) && is_int(p->max),
                              "%s %s: not integers", op->name, p->name);
                /* fall through */
            case PT_REAL:
                ck_assert_msg(p->min <= p->max, "%s %s: empty range", op->name, p->name);
                ck_assert_msg(zero || (p->def >= p->min && p->def <= p->max),
                              "%s %s: default %g outside %g..%g", op->name, p->name, p->def,
                              p->min, p->max);
                ck_assert_msg(zero || !(p->flags & PF_ODD) || fmod(p->def, 2) != 0,
                              "%s %s: default %g is not odd", op->name, p->name, p->def);
                ck_assert_msg(!(p->flags & PF_ODD) || p->type == PT_INT, "%s %s: odd real",
                              op->name, p->name);
                ck_assert_ptr_null(p->choices);
                break;
            case PT_BOOL:
                ck_assert_msg(p->def == 0 || p->def == 1, "%s %s: bool default %g", op->name,
                              p->name, p->def);
                break;
            case PT_CHOICE: {
                size_t n = param_choice_count(p);
                ck_assert_msg(n >= 2, "%s %s: %zu choices", op->name, p->name, n);
                ck_assert_msg(p->def_choice && param_choice_index(p, p->def_choice, 0) >= 0,
                              "%s %s: default '%s' is not a choice", op->name, p->name,
                              p->def_choice ? p->def_choice : "(none)");
                for (size_t a = 0; a < n; a++)
                    for (size_t b = a + 1; b < n; b++) {
                        ck_assert_msg(strcmp(p->choices[a].name, p->choices[b].name) != 0,
                                      "%s %s: choice %s twice", op->name, p->name,
                                      p->choices[a].name);
                        ck_assert_msg(p->choices[a].value != p->choices[b].value,
                                      "%s %s: %s and %s have the same value", op->name, p->name,
                                      p->choices[a].name, p->choices[b].name);
                    }
                break;
            }
            case PT_KERNEL: {
                op_kernel kn;
                char why[256];
                ck_assert_msg(!p->def_choice ||
                                  kernel_parse(p->def_choice, &kn, why, sizeof why) == 0,
                              "%s %s: default '%s' %s", op->name, p->name, p->def_choice, why);
                if (p->def_choice) free(kn.v);
                ck_assert_ptr_null(p->choices);
                break;
            }
            case PT_PATH:
                /* One image per step (step.ref), and no default file. */
                ck_assert_msg(paths++ == 0, "%s: two path parameters", op->name);
                ck_assert_ptr_null(p->def_choice);
                ck_assert_ptr_null(p->choices);
                ck_assert_msg(op->check != NULL, "%s: a required path needs a check", op->name);
                break;
            }
        }
        step st;
        ck_assert_msg(step_init(&st, op, err) == 0, "%s", err);
    }
}
END_TEST

/* The ops that appear as a step in a pipeline string of
 * tests/parity_ops.py's cases: every quoted string after "CASES = [" whose
 * '|'-separated parts each start with a word, that word taken as an op. */
static int in_parity_cases(const char *text, const char *op) {
    const char *s = strstr(text, "CASES = [");
    ck_assert_ptr_nonnull(s);
    size_t oplen = strlen(op);
    for (s = strchr(s, '"'); s; s = strchr(s, '"')) {
        const char *end = strchr(s + 1, '"');
        if (!end) break;
        for (const char *part = s + 1; part && part < end;) {
            part += strspn(part, " ");
            if ((size_t)(end - part) >= oplen && strncmp(part, op, oplen) == 0 &&
                (part + oplen == end || strchr(" |", part[oplen])))
                return 1;
            part = memchr(part, '|', (size_t)(end - part));
            if (part) part++;
        }
        s = end + 1;
    }
    return 0;
}

START_TEST(every_op_has_a_parity_case) {
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/parity_ops.py", CVAPP_SRCDIR);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    for (size_t i = 0; i < op_count; i++)
        ck_assert_msg(in_parity_cases(text, op_table[i].name),
                      "%s has no case in tests/parity_ops.py", op_table[i].name);
    ck_assert(!in_parity_cases(text, "nosuchop"));
}
END_TEST

/* Every op runs with its defaults (and its check and hook run) without an
 * internal error: a misspelt parameter name in a row's functions fails
 * here.  A filter without OPF_GEOMETRY keeps the size; a detector adds one
 * set and passes the image on. */
START_TEST(every_op_runs_with_its_defaults) {
    cvs_image color = img_noise(64, 48, 3, 7), gray = img_noise(64, 48, 1, 8);
    const cvs_image *ims[] = {&color, &gray};
    char err[ERRLEN], internal[ERRLEN];
    for (size_t i = 0; i < op_count; i++) {
        const op_def *op = &op_table[i];
        step st;
        ck_assert_int_eq(step_init(&st, op, err), 0);
        op_call c = {.st = &st};
        if (op->check) op->check(&c);
        ck_assert_msg(!op_call_internal(&c, internal, sizeof internal), "%s check: %s", op->name,
                      internal);
        if (op->shrink) {
            step shrunk;
            int tw = 0, th = 0;
            op->shrink(&c, 640, 480, &tw, &th, &shrunk);
            ck_assert_msg(!op_call_internal(&c, internal, sizeof internal), "%s shrink: %s",
                          op->name, internal);
        }
        pipeline pl = {&st, 1};
        for (int k = 0; k < 2; k++) {
            pipe_buffers b = {0};
            findings f = {0};
            const cvs_image *out = NULL;
            int rc = pipeline_run(&pl, ims[k], &b, &f, &out, NULL, err);
            ck_assert_msg(rc == 0 || !strstr(err, "internal error"), "%s: %s", op->name, err);
            /* resize's defaults set no size (its check refuses them); warp
             * alone is refused by the parser (it needs a match before it). */
            ck_assert_msg(rc == 0 || op->check || (op->flags & OPF_USES_MODEL),
                          "%s fails with its defaults: %s", op->name, err);
            if (rc == 0 && (op->flags & OPF_DETECTOR)) {
                ck_assert_uint_eq(f.nsets, 1);
                ck_assert_ptr_eq(out, ims[k]);
            } else if (rc == 0 && !(op->flags & OPF_GEOMETRY)) {
                ck_assert_msg(out->width == 64 && out->height == 48, "%s changed the size",
                              op->name);
            }
            pipe_buffers_free(&b);
            findings_free(&f);
        }
    }
    cvs_image_free(&color);
    cvs_image_free(&gray);
}
END_TEST

/* The shrink hook: resize asks for shrink-on-load only with interp=area,
 * and the shrunk step asks for the same output size. */
START_TEST(resize_shrink_hook) {
    static const struct {
        const char *spec;
        int allowed, tw, th;
    } cases[] = {{"resize width=100 height=50 interp=area", 1, 100, 50},
                 {"resize scale=0.25 interp=area", 1, 160, 120},
                 {"resize scale=0.25", 1, 160, 120}, /* auto, shrinking: area */
                 {"resize scale=0.25 interp=linear", 0, 160, 120},
                 {"resize width=100", 1, 100, 75},
                 {"resize height=100 interp=area", 1, 133, 100},
                 {"resize scale=25%", 1, 160, 120},
                 {"resize width=100 height=100 fit=inside", 1, 100, 75},
                 {"resize width=100 height=100 fit=cover", 1, 133, 100},
                 {"resize width=1000 enlarge=false", 0, 640, 480},
                 {"resize width=1000", 1, 1000, 750}}; /* allowed, but the job shrinks only
                                                          when both sides do */
    char err[ERRLEN];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pipeline pl;
        ck_assert_msg(pipeline_parse(cases[i].spec, &pl, err) == 0, "%s", err);
        ck_assert_ptr_nonnull(pl.steps[0].op->shrink);
        op_call c = {.st = &pl.steps[0]};
        step shrunk;
        int tw = 0, th = 0;
        ck_assert_int_eq(pl.steps[0].op->shrink(&c, 640, 480, &tw, &th, &shrunk), cases[i].allowed);
        ck_assert_ptr_null(c.missing);
        ck_assert_int_eq(tw, cases[i].tw);
        ck_assert_int_eq(th, cases[i].th);
        /* The shrunk step makes that size from any input. */
        pipeline p2 = {&shrunk, 1};
        cvs_image in = img_noise(333, 222, 1, 3);
        pipe_buffers b = {0};
        findings f = {0};
        const cvs_image *out;
        ck_assert_msg(pipeline_run(&p2, &in, &b, &f, &out, NULL, err) == 0, "%s", err);
        ck_assert_int_eq(out->width, cases[i].tw);
        ck_assert_int_eq(out->height, cases[i].th);
        pipe_buffers_free(&b);
        cvs_image_free(&in);
        pipeline_free(&pl);
    }
    /* The job's flags: only grayscale may decode gray on load. */
    for (size_t i = 0; i < op_count; i++)
        ck_assert_int_eq(!!(op_table[i].flags & OPF_GRAY_ON_LOAD),
                         !strcmp(op_table[i].name, "grayscale"));
}
END_TEST

int main(void) {
    Suite *s = suite_create("ops");
    TCase *tc = tcase_create("filters");
    tcase_add_test(tc, constant_stays_constant);
    tcase_add_test(tc, resize_sizes);
    tcase_add_test(tc, resize_aspect_sizes);
    tcase_add_test(tc, crop_gravity_percent_clamp);
    tcase_add_test(tc, rotate_angles);
    tcase_add_test(tc, crop_flip_rotate);
    tcase_add_test(tc, blur_median_impulse);
    tcase_add_test(tc, convolve_impulse);
    tcase_add_test(tc, edges_and_derivatives);
    tcase_add_test(tc, thresholds);
    tcase_add_test(tc, morphology);
    tcase_add_test(tc, levels);
    suite_add_tcase(s, tc);
    tc = tcase_create("detectors");
    tcase_add_test(tc, corners_at_checkerboard_crossings);
    tcase_add_test(tc, fast_square_corners);
    tcase_add_test(tc, disk_keypoints_and_descriptors);
    tcase_add_test(tc, blobs_at_disk_centres);
    tcase_add_test(tc, hough_lines_and_circles);
    tcase_add_test(tc, contours_of_squares);
    tcase_add_test(tc, template_finds_pasted_patches);
    tcase_add_test(tc, match_and_warp_find_a_pasted_patch);
    tcase_add_test(tc, draw_renders_findings);
    tcase_add_test(tc, features_json);
    tcase_add_test(tc, contour_parents_across_steps);
    suite_add_tcase(s, tc);
    tc = tcase_create("table");
    tcase_add_test(tc, table_rows_are_complete);
    tcase_add_test(tc, every_op_has_a_parity_case);
    tcase_add_test(tc, every_op_runs_with_its_defaults);
    tcase_add_test(tc, resize_shrink_hook);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
