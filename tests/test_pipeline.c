/* SPDX-License-Identifier: MIT */
/* The pipeline parser, validation against the op table, and runs. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <getopt.h>

#include "cli.h"
#include "pipeline.h"
#include "testutil.h"

static pipeline ok(const char *spec) {
    pipeline pl;
    char err[ERRLEN];
    ck_assert_msg(pipeline_parse(spec, &pl, err) == 0, "%s: %s", spec, err);
    return pl;
}

static void bad(const char *spec, const char *want) {
    pipeline pl;
    char err[ERRLEN] = "";
    ck_assert_msg(pipeline_parse(spec, &pl, err) == -1, "accepted: %s", spec);
    ck_assert_msg(strcmp(err, want) == 0, "%s\n got: %s\nwant: %s", spec, err, want);
    ck_assert_ptr_null(pl.steps);
}

/* A step's parameter, read by name as run functions read it. */
static double param_of(const step *st, const char *name) {
    op_call c = {.st = st};
    int k = op_param_index(st->op, name);
    ck_assert_msg(k >= 0, "%s has no parameter %s", st->op->name, name);
    double v = 0;
    switch (st->op->params[k].type) {
    case PT_INT: v = arg_int(&c, name); break;
    case PT_REAL: v = arg_real(&c, name); break;
    case PT_BOOL: v = arg_bool(&c, name); break;
    case PT_CHOICE: v = arg_choice(&c, name); break;
    case PT_KERNEL:
    case PT_PATH: v = arg_text(&c, name) != NULL; break;
    }
    ck_assert_ptr_null(c.missing);
    return v;
}

START_TEST(valid_specs) {
    pipeline pl = ok("grayscale | gaussian ksize=5 sigma=1.5 | canny low=50 high=150 | orb nfeatures=100");
    ck_assert_uint_eq(pl.n, 4);
    ck_assert_str_eq(pl.steps[1].op->name, "gaussian");
    ck_assert_double_eq(param_of(&pl.steps[1], "ksize"), 5);
    ck_assert_double_eq(param_of(&pl.steps[1], "sigma"), 1.5);
    ck_assert_double_eq(param_of(&pl.steps[1], "sigma_y"), 0); /* default */
    ck_assert_double_eq(param_of(&pl.steps[2], "aperture"), 3); /* canny aperture default */
    ck_assert_double_eq(param_of(&pl.steps[3], "nfeatures"), 100);
    ck_assert_double_eq(param_of(&pl.steps[3], "scale_factor"), 1.2); /* OpenCV's */
    ck_assert(pipeline_has_detector(&pl));
    pipeline_free(&pl);
    /* Newlines separate steps; comments and blank lines vanish. */
    pl = ok("# edges\ngrayscale   # first\n\n  canny l2=true aperture=5\n");
    ck_assert_uint_eq(pl.n, 2);
    ck_assert_double_eq(param_of(&pl.steps[1], "l2"), 1);
    ck_assert_double_eq(param_of(&pl.steps[1], "aperture"), 5);
    ck_assert(!pipeline_has_detector(&pl));
    pipeline_free(&pl);
    pl = ok("orb score_type=fast descriptors=yes");
    ck_assert_double_eq(param_of(&pl.steps[0], "score_type"), 1); /* the choice's value */
    ck_assert_double_eq(param_of(&pl.steps[0], "descriptors"), 1);
    pipeline_free(&pl);
    /* Choices give the values of their rows, defaults too. */
    pl = ok("resize scale=2 interp=area | rotate angle=270 | draw color=red | threshold");
    ck_assert_double_eq(param_of(&pl.steps[0], "interp"), CVS_INTER_AREA);
    ck_assert_double_eq(param_of(&pl.steps[1], "angle"), 270); /* degrees, a real */
    ck_assert_double_eq(param_of(&pl.steps[2], "color"), 255); /* 0xBBGGRR */
    ck_assert_double_eq(param_of(&pl.steps[3], "type"), CVS_THRESH_BINARY);
    pipeline_free(&pl);
    pl = ok("gaussian ksize=0 sigma=2");
    pipeline_free(&pl);
}
END_TEST

START_TEST(invalid_specs) {
    bad("", "pipeline is empty");
    bad("  # only a comment\n", "pipeline is empty");
    bad("grayscale |", "pipeline step 2 is empty");
    bad("grayscale || canny", "pipeline step 2 is empty");
    bad("gausian", "pipeline step 1: unknown op 'gausian' (did you mean 'gaussian'?)");
    bad("frobnicate", "pipeline step 1: unknown op 'frobnicate'; see --list-ops");
    bad("grayscale | gaussian sigm=1", "pipeline step 2 (gaussian): unknown parameter 'sigm' (did you mean 'sigma'?)");
    bad("gaussian ksize", "pipeline step 1 (gaussian): parameter 'ksize' has no value (write ksize=VALUE)");
    bad("gaussian ksize=", "pipeline step 1 (gaussian): parameter 'ksize' has no value (write ksize=VALUE)");
    bad("gaussian ksize=3 ksize=5", "pipeline step 1 (gaussian): parameter 'ksize' is given twice");
    bad("gaussian ksize=4", "pipeline step 1 (gaussian): ksize=4 must be odd (allowed: odd, 0 or 1..255)");
    bad("gaussian ksize=-3", "pipeline step 1 (gaussian): ksize=-3 is out of range (allowed: odd, 0 or 1..255)");
    bad("gaussian ksize=257", "pipeline step 1 (gaussian): ksize=257 is out of range (allowed: odd, 0 or 1..255)");
    bad("gaussian ksize=3x", "pipeline step 1 (gaussian): ksize=3x is not an integer (allowed: odd, 0 or 1..255)");
    bad("gaussian ksize=99999999999999999999999", "pipeline step 1 (gaussian): ksize=99999999999999999999999 is out of range (allowed: odd, 0 or 1..255)");
    bad("gaussian sigma=nan", "pipeline step 1 (gaussian): sigma=nan must be a finite number (allowed: 0..1000)");
    bad("gaussian sigma=inf", "pipeline step 1 (gaussian): sigma=inf must be a finite number (allowed: 0..1000)");
    bad("gaussian sigma=1e999", "pipeline step 1 (gaussian): sigma=1e999 must be a finite number (allowed: 0..1000)");
    bad("gaussian sigma=abc", "pipeline step 1 (gaussian): sigma=abc is not a number (allowed: 0..1000)");
    bad("gaussian ksize=0", "pipeline step 1 (gaussian): ksize=0 needs sigma > 0");
    bad("canny l2=maybe", "pipeline step 1 (canny): l2=maybe is not true or false (allowed: true|false)");
    bad("orb score_type=best", "pipeline step 1 (orb): score_type=best is not one of the choices (allowed: harris|fast)");
    bad("orb nlevels=2 first_level=2", "pipeline step 1 (orb): first_level must be below nlevels");
    /* warp uses the model of a match step before it, found on the pixels it warps. */
    bad("grayscale | warp", "pipeline step 2 (warp): needs a match step before it (the model it "
                            "uses)");
    bad("warp | match ref=r.png", "pipeline step 1 (warp): needs a match step before it (the "
                                  "model it uses)");
    bad("match ref=r.png | resize width=10 | warp",
        "pipeline step 3 (warp): step 2 (resize) moves the pixels that step 1 (match) found its "
        "model on; match after it, or move it after this step");
    bad("match ref=r.png | warp | draw",
        "pipeline step 3 (draw): step 2 (warp) moves the pixels that step 1 (match) found "
        "features on, so they would be drawn in the wrong place; draw before step 2, or detect "
        "after it");
    pipeline ok_pl = ok("match ref=r.png | gaussian | warp | match ref=s.png | rotate | match "
                        "ref=t.png | warp missing=pass");
    pipeline_free(&ok_pl);
}
END_TEST

START_TEST(limits) {
    /* Too many steps. */
    size_t n = 300;
    char *spec = malloc(n * 12 + 1);
    spec[0] = 0;
    for (size_t i = 0; i < n; i++) strcat(spec, i ? "|grayscale" : "grayscale");
    bad(spec, "pipeline has over 256 steps");
    free(spec);
    /* Too long. */
    spec = malloc(PIPELINE_MAX_SPEC + 10);
    memset(spec, ' ', PIPELINE_MAX_SPEC + 9);
    spec[PIPELINE_MAX_SPEC + 9] = 0;
    bad(spec, "pipeline is 65545 bytes, over the 65536-byte limit");
    free(spec);
    /* A very long value is cut in the message. */
    char longv[300] = "gaussian sigma=";
    memset(longv + 15, '9', 200);
    longv[215] = 'x';
    pipeline pl;
    char err[ERRLEN];
    ck_assert_int_eq(pipeline_parse(longv, &pl, err), -1);
    ck_assert_uint_lt(strlen(err), 200);
}
END_TEST

START_TEST(pipeline_files) {
    char *dir = test_tmpdir(), path[512], arg[520], err[ERRLEN];
    snprintf(path, sizeof path, "%s/p.txt", dir);
    test_write_text(path, "# blur then edges\ngrayscale\ngaussian ksize=5 # comment\ncanny\n");
    snprintf(arg, sizeof arg, "@%s", path);
    pipeline pl;
    ck_assert_msg(pipeline_load(arg, &pl, err) == 0, "%s", err);
    ck_assert_uint_eq(pl.n, 3);
    pipeline_free(&pl);
    test_write_text(path, "grayscale\ngaussian ksize=4\n");
    ck_assert_int_eq(pipeline_load(arg, &pl, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "pipeline file "));
    ck_assert_ptr_nonnull(strstr(err, " line 2: step 2 (gaussian): ksize=4 must be odd"));
    test_write_bytes(path, "gray\0scale", 10);
    ck_assert_int_eq(pipeline_load(arg, &pl, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not a text file (byte 4)"));
    unlink(path);
    ck_assert_int_eq(pipeline_load(arg, &pl, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot open: No such file or directory"));
    rmdir(dir);
    free(dir);
}
END_TEST

/* The kernel parser on its own: separators, blank rows, the exact sizes. */
START_TEST(kernel_texts) {
    op_kernel k;
    char why[256];
    ck_assert_int_eq(kernel_parse(" 1 2,3 ;\n\n4, 5 6;", &k, why, sizeof why), 0);
    ck_assert_int_eq(k.rows, 2);
    ck_assert_int_eq(k.cols, 3);
    for (int i = 0; i < 6; i++) ck_assert_double_eq(k.v[i], i + 1);
    free(k.v);
    ck_assert_int_eq(kernel_parse("-1.5e-3", &k, why, sizeof why), 0);
    ck_assert_double_eq(k.v[0], -1.5e-3);
    free(k.v);
    static const struct {
        const char *text, *why;
    } refused[] = {{"", "is empty"},
                   {" ; \n ;", "is empty"},
                   {"1 2; 3", "is ragged: row 2 has 1 value, row 1 has 2"},
                   {"1; 2 3", "is ragged: row 2 has 2 values, row 1 has 1"},
                   {"1 x", "has 'x', which is not a number"},
                   {"1 2a", "has '2a', which is not a number"},
                   {"nan", "has 'nan', which is not a finite number"},
                   {"1 -inf", "has '-inf', which is not a finite number"},
                   {"1e999", "has '1e999', which is not a finite number"}};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        ck_assert_msg(kernel_parse(refused[i].text, &k, why, sizeof why) == -1, "'%s' accepted",
                      refused[i].text);
        ck_assert_str_eq(why, refused[i].why);
        ck_assert_ptr_null(k.v);
    }
    /* 99 a side is the limit, both ways. */
    char *text = malloc(100 * 100 * 2 + 1);
    for (int n = 99; n <= 100; n++) {
        text[0] = '\0';
        for (int r = 0; r < n; r++) strcat(text, r ? ";1" : "1"); /* n rows of one */
        ck_assert_int_eq(kernel_parse(text, &k, why, sizeof why), n == 99 ? 0 : -1);
        if (n == 99) free(k.v);
        else ck_assert_str_eq(why, "has over 99 rows");
        text[0] = '\0';
        for (int c = 0; c < n; c++) strcat(text, "1 "); /* one row of n */
        ck_assert_int_eq(kernel_parse(text, &k, why, sizeof why), n == 99 ? 0 : -1);
        if (n == 99) free(k.v);
        else ck_assert_str_eq(why, "has over 99 values in row 1");
    }
    free(text);
}
END_TEST

/* Quoted values in a pipeline, and convolve's kernel parameter. */
START_TEST(quoted_values_and_kernels) {
    pipeline pl = ok("convolve kernel=\"0 -1 0; -1 5 -1; 0 -1 0\" scale=0.5 | grayscale");
    ck_assert_uint_eq(pl.n, 2);
    op_call c = {.st = &pl.steps[0]};
    ck_assert_str_eq(arg_text(&c, "kernel"), "0 -1 0; -1 5 -1; 0 -1 0");
    pipeline_free(&pl);
    /* Quotes of either kind; '|' and '#' inside them belong to the value
     * (and fail as numbers, which shows they reached it). */
    pl = ok("convolve kernel='1 2' # a comment\ngrayscale");
    ck_assert_uint_eq(pl.n, 2);
    pipeline_free(&pl);
    bad("convolve kernel=\"1 | 2\"",
        "pipeline step 1 (convolve): kernel=1 | 2 has '|', which is not a number (allowed: "
        "numbers, rows split by ';', or @FILE; 1x1..99x99)");
    bad("convolve kernel='1 #2'",
        "pipeline step 1 (convolve): kernel=1 #2 has '#2', which is not a number (allowed: "
        "numbers, rows split by ';', or @FILE; 1x1..99x99)");
    bad("convolve kernel=\"1 2", "pipeline has a quote (\") that is not closed on its line");
    bad("convolve kernel='1\n2'", "pipeline has a quote (') that is not closed on its line");
    bad("convolve", "pipeline step 1 (convolve): needs kernel=... (numbers, rows split by ';')");
    bad("convolve kernel=", "pipeline step 1 (convolve): parameter 'kernel' has no value (write "
                            "kernel=VALUE)");
    bad("convolve kernel=1 2",
        "pipeline step 1 (convolve): unknown parameter '2' (a value with blanks needs quotes: "
        "kernel=\"1 2; 3 4\")");
    bad("convolve kernel=1,2;3",
        "pipeline step 1 (convolve): kernel=1,2;3 is ragged: row 2 has 1 value, row 1 has 2 "
        "(allowed: numbers, rows split by ';', or @FILE; 1x1..99x99)");
    bad("convolve kernel=@-", "pipeline step 1 (convolve): kernel=@- is not allowed: a kernel "
                              "cannot come from stdin");
    bad("convolve kernel=@/nonexistent/k",
        "pipeline step 1 (convolve): kernel=@/nonexistent/k is not readable: cannot open: No "
        "such file or directory");
    /* From a file: one row a line; the text kept is the file's. */
    char *dir = test_tmpdir(), path[512], spec[600], err[ERRLEN];
    snprintf(path, sizeof path, "%s/k.txt", dir);
    test_write_text(path, "1 2 3\n\n4 5 6\n");
    snprintf(spec, sizeof spec, "convolve kernel=@%s", path);
    pl = ok(spec);
    c = (op_call){.st = &pl.steps[0]};
    ck_assert_str_eq(arg_text(&c, "kernel"), "1 2 3\n\n4 5 6\n");
    pipeline_free(&pl);
    test_write_bytes(path, "1 2\0", 4);
    ck_assert_int_eq(pipeline_parse(spec, &pl, err), -1);
    ck_assert_ptr_nonnull(strstr(err, " is not a text file of at most 65536 bytes"));
    test_write_text(path, "1 2\n3\n");
    ck_assert_int_eq(pipeline_parse(spec, &pl, err), -1);
    ck_assert_ptr_nonnull(strstr(err, " is ragged: row 2 has 1 value, row 1 has 2"));
    unlink(path);
    snprintf(spec, sizeof spec, "convolve kernel=@%s", dir);
    ck_assert_int_eq(pipeline_parse(spec, &pl, err), -1);
    ck_assert_ptr_nonnull(strstr(err, " is not readable: not a regular file (a directory)"));
    rmdir(dir);
    free(dir);
}
END_TEST

START_TEST(run_filters_and_detectors) {
    pipeline pl = ok("grayscale | orb descriptors=true | gaussian ksize=3 | canny");
    cvs_image in = img_checker(200, 200, 20);
    cvs_image color = img_fill(200, 200, 3, 0);
    for (int y = 0; y < 200; y++)
        for (int x = 0; x < 200; x++) memset(px(&color, x, y), *px(&in, x, y), 3);
    pipe_buffers b = {0};
    findings f = {0};
    const cvs_image *out;
    double ms[4];
    char err[ERRLEN];
    ck_assert_msg(pipeline_run(&pl, &color, &b, &f, &out, ms, err) == 0, "%s", err);
    ck_assert_int_eq(out->channels, 1);
    ck_assert_int_eq(out->width, 200);
    ck_assert_uint_eq(f.nsets, 1);
    ck_assert_str_eq(f.sets[0].detector, "orb");
    ck_assert_uint_gt(f.sets[0].kp.count, 0);
    for (int i = 0; i < 4; i++) ck_assert_double_ge(ms[i], 0);
    /* A detector-only pipeline hands back the input itself. */
    pipeline p2 = ok("orb");
    findings_clear(&f);
    ck_assert_int_eq(pipeline_run(&p2, &color, &b, &f, &out, NULL, err), 0);
    ck_assert_ptr_eq(out, &color);
    /* An OpenCV failure inside a run names the step: AKAZE's scale space
     * throws on a 1x1 image (cv::Exception "setSize: s >= 0"). */
    cvs_image tiny = img_fill(1, 1, 1, 0);
    pipeline p3 = ok("grayscale | gaussian ksize=5 | akaze");
    ck_assert_int_eq(pipeline_run(&p3, &tiny, &b, &f, &out, NULL, err), -1);
    const char *want = "step 3 (akaze) failed: ";
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got: %s", err);
    ck_assert_msg(strlen(err) > strlen(want) + 3, "no reason: %s", err);
    ck_assert_ptr_nonnull(strstr(err, "s >= 0"));
    pipeline_free(&pl);
    pipeline_free(&p2);
    pipeline_free(&p3);
    pipe_buffers_free(&b);
    findings_free(&f);
    cvs_image_free(&in);
    cvs_image_free(&color);
    cvs_image_free(&tiny);
}
END_TEST

/* Fills img (3 channels) with green = x and red = y. */
static void fill_xy(cvs_image *img, int w, int h) {
    ck_assert_int_eq(cvs_image_alloc(img, w, h, 3), CVS_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = px(img, x, y);
            p[0] = 0, p[1] = (uint8_t)x, p[2] = (uint8_t)y;
        }
}

/* crop, and the steps that leave an image as it is, hand on a view of
 * their source's pixels (no copy); an input decoded into one of the run's
 * two buffers is written over once no step reads it, and trimming keeps
 * only the result's buffer. */
START_TEST(views_and_buffers) {
    cvs_image in = {0};
    fill_xy(&in, 40, 30);
    pipe_buffers b = {0};
    findings f = {0};
    const cvs_image *out;
    char err[ERRLEN];
    /* crop | rotate angle=0 | resize (nothing to do) | crop: a view of in. */
    pipeline pl = ok("crop x=5 y=4 width=20 height=10 | rotate angle=360 | resize width=40 height=20 enlarge=false | "
                     "crop x=1 y=2 width=3 height=4");
    ck_assert_msg(pipeline_run(&pl, &in, &b, &f, &out, NULL, err) == 0, "%s", err);
    ck_assert_int_eq(out->width, 3);
    ck_assert_int_eq(out->height, 4);
    ck_assert_uint_eq(out->capacity, 0);
    ck_assert_ptr_eq(out->data, px(&in, 6, 6));
    ck_assert_uint_eq(out->stride, in.stride);
    ck_assert_ptr_null(b.img[0].data); /* nothing was written */
    ck_assert_ptr_null(b.img[1].data);
    /* A box outside the image is refused with the box and the size. */
    pipeline outside = ok("crop x=30 y=0 width=20 height=5");
    ck_assert_int_eq(pipeline_run(&outside, &in, &b, &f, &out, NULL, err), -1);
    ck_assert_str_eq(err, "step 1 (crop) failed: crop x=30 y=0 width=20 height=5 does not fit in "
                          "the 40x30 image");
    /* The input in the run's buffer: the first flip writes the other one,
     * the second writes back over the input, no step reading it any more.
     * The pixels are the boxes' as if copied: row y is input row 4 + 3 + y;
     * flipped twice, column x is input column 19 + x. */
    pipeline p2 = ok("crop x=5 y=4 width=20 height=10 | flip axis=h | crop x=2 y=3 "
                     "width=4 height=5 | flip axis=h");
    for (int round = 0; round < 2; round++) {
        cvs_image *slot = pipe_input(&b);
        ck_assert_ptr_eq(slot, round ? &b.img[0] : &b.img[1]);
        fill_xy(slot, 40, 30);
        const uint8_t *input = slot->data;
        ck_assert_msg(pipeline_run(&p2, slot, &b, &f, &out, NULL, err) == 0, "%s", err);
        ck_assert_ptr_eq(out->data, input);
        ck_assert_int_eq(out->width, 4);
        ck_assert_int_eq(out->height, 5);
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 4; x++) {
                ck_assert_int_eq(px(out, x, y)[1], 19 + x);
                ck_assert_int_eq(px(out, x, y)[2], 7 + y);
            }
        /* Trimmed: only the result's buffer stays, and takes the next input. */
        cvs_image *other = slot == &b.img[0] ? &b.img[1] : &b.img[0];
        ck_assert_ptr_nonnull(other->data);
        pipe_buffers_trim(&b, out);
        ck_assert_ptr_null(other->data);
        ck_assert_ptr_eq(slot->data, input);
        ck_assert_ptr_eq(pipe_input(&b), slot);
        if (!round) { /* the next round's input in img[0] */
            b.img[0] = b.img[1];
            memset(&b.img[1], 0, sizeof b.img[1]);
        }
    }
    /* One filter: the result is in the other buffer, so trimming frees the
     * input's. */
    pipeline p3 = ok("flip axis=v");
    cvs_image *slot = pipe_input(&b);
    fill_xy(slot, 40, 30);
    ck_assert_int_eq(pipeline_run(&p3, slot, &b, &f, &out, NULL, err), 0);
    ck_assert_ptr_ne(out, slot);
    pipe_buffers_trim(&b, out);
    ck_assert_ptr_null(slot->data);
    ck_assert_ptr_nonnull(out->data);
    /* A gray buffer made for a step (equalize on color) is trimmed too;
     * with no result to keep, everything goes. */
    pipeline p4 = ok("equalize | flip axis=v");
    slot = pipe_input(&b);
    fill_xy(slot, 40, 30);
    ck_assert_int_eq(pipeline_run(&p4, slot, &b, &f, &out, NULL, err), 0);
    ck_assert_ptr_nonnull(b.gray.data);
    ck_assert_ptr_eq(out, slot); /* equalize wrote the other buffer, flip wrote back */
    pipe_buffers_trim(&b, NULL);
    ck_assert_ptr_null(b.img[0].data);
    ck_assert_ptr_null(b.img[1].data);
    ck_assert_ptr_null(b.gray.data);
    pipeline_free(&pl);
    pipeline_free(&outside);
    pipeline_free(&p2);
    pipeline_free(&p3);
    pipeline_free(&p4);
    pipe_buffers_free(&b);
    findings_free(&f);
    cvs_image_free(&in);
}
END_TEST

/* A row whose run function misspells a parameter, and one that fails
 * with a reason of its own. */
static cvs_status run_misspelt(op_call *c) {
    int k = arg_int(c, "ksiz");
    return cvs_blur(c->src, c->dst, k > 0 ? k : 3);
}
static cvs_status run_own_reason(op_call *c) {
    c->why = "out of memory keeping the results";
    return CVS_ENOMEM;
}
static const op_def misspelt_op = {.name = "typo", .help = "h", .run = run_misspelt,
                                   .params = {{"ksize", PT_INT, 3, 1, 9, 0, NULL, NULL, "h"}}};
static const op_def reason_op = {.name = "oom", .help = "h", .run = run_own_reason,
                                 .flags = OPF_DETECTOR};

START_TEST(internal_errors_are_reported) {
    cvs_image in = img_fill(8, 8, 1, 0);
    pipe_buffers b = {0};
    findings f = {0};
    const cvs_image *out;
    char err[ERRLEN];
    step st[2];
    ck_assert_int_eq(step_init(&st[0], op_find("grayscale"), err), 0);
    ck_assert_int_eq(step_init(&st[1], &misspelt_op, err), 0);
    pipeline pl = {st, 2};
    ck_assert_int_eq(pipeline_run(&pl, &in, &b, &f, &out, NULL, err), -1);
    ck_assert_str_eq(err, "step 2 (typo) failed: internal error: op typo has no int parameter 'ksiz'");
    /* Asking for a parameter as another type is the same error. */
    op_call c = {.st = &st[1]};
    ck_assert_double_eq(arg_real(&c, "ksize"), 0);
    ck_assert_str_eq(op_call_internal(&c, err, sizeof err),
                     "internal error: op typo has no real parameter 'ksize'");
    /* A failure with a reason that is not the shim's (keep() out of memory). */
    ck_assert_int_eq(step_init(&st[1], &reason_op, err), 0);
    ck_assert_int_eq(pipeline_run(&pl, &in, &b, &f, &out, NULL, err), -1);
    ck_assert_str_eq(err, "step 2 (oom) failed: out of memory keeping the results");
    pipe_buffers_free(&b);
    findings_free(&f);
    cvs_image_free(&in);
}
END_TEST

/* The option table: getopt's tables, --help, the markdown table and the
 * suggestions all come from it. */
/* format_real prints what printf("%.*g") prints, for every class of
 * value: random float and double bit patterns (every exponent, both signs,
 * subnormals, the values real_g leaves to printf), keypoint-like
 * coordinates and responses, exact ties at the last digit (half to even),
 * values that round up to the next power of ten, and every precision
 * cvapp uses; jw_int every sign and width. */
static uint64_t xorshift(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void same_as_printf(double v, int digits) {
    char want[64], got[64];
    snprintf(want, sizeof want, "%.*g", digits, v);
    size_t n = format_real(got, 46, v, digits);
    ck_assert_msg(n == strlen(want) && strcmp(got, want) == 0, "%%.%dg of %a: printf %s, format_real %.*s",
                  digits, v, want, (int)n, got);
}

START_TEST(reals_and_ints_as_printf) {
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (long i = 0; i < 400000; i++) {
        int digits = 1 + (int)(i % 17);
        uint32_t u = (uint32_t)xorshift(&seed);
        float f;
        memcpy(&f, &u, sizeof f);
        if (isfinite(f)) {
            same_as_printf(f, digits);
            same_as_printf(f, 9);
        }
        uint64_t b = xorshift(&seed);
        double d;
        memcpy(&d, &b, sizeof d);
        if (isfinite(d)) same_as_printf(d, digits);
        /* Keypoints: x, y, size and angle in pixels and degrees, responses small. */
        same_as_printf((float)((double)(xorshift(&seed) % 8000000) / 1000.0), 9);
        same_as_printf((float)((double)(xorshift(&seed) % 1000000) * 1e-9), 9);
        /* Ties: ...5 exactly one place past the last digit. */
        same_as_printf((double)(xorshift(&seed) % 1000000000) * 10 + 5, 9);
        same_as_printf((double)(xorshift(&seed) % 100000000) + 0.5, 9);
        same_as_printf(-(double)(xorshift(&seed) % 100000000) / 8.0, 8);
    }
    static const double edges[] = {0.0, -0.0, 1.0, -1.0, 0.5, 9.5, 99999999.5, 999999999.5, 9999999995.0,
                                   0.0001, 0.00001, 0.000099999999995, 1e16, 1e17, 123456789e-13, 5e-324,
                                   1.7976931348623157e308, 2.2250738585072014e-308};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
        for (int digits = 1; digits <= 17; digits++) same_as_printf(edges[i], digits);
    static const long long ints[] = {0, 1, -1, 9, 10, -10, 1234567890123LL, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        char want[32];
        snprintf(want, sizeof want, "%lld", ints[i]);
        jw j;
        jw_init(&j, -1);
        jw_int(&j, ints[i]);
        ck_assert_msg(j.mem.len == strlen(want) && memcmp(j.mem.data, want, j.mem.len) == 0, "%s: %.*s", want,
                      (int)j.mem.len, (const char *)j.mem.data);
        jw_free(&j);
    }
}
END_TEST

START_TEST(cli_option_table) {
    struct option longopts[CLI_MAX_OPTIONS + 1];
    char shortopts[3 * CLI_MAX_OPTIONS + 2];
    cli_getopt_tables(longopts, shortopts);
    ck_assert_str_eq(shortopts, ":p:o:d:f:rj:qh");
    ck_assert_ptr_null(longopts[cli_option_count].name);
    char *text = NULL, *md = NULL;
    size_t tlen = 0, mlen = 0;
    FILE *t = open_memstream(&text, &tlen), *m = open_memstream(&md, &mlen);
    cli_usage(t, 0);
    cli_usage(m, 1);
    fclose(t);
    fclose(m);
    ck_assert_ptr_nonnull(strstr(text, "Usage: cvapp [OPTIONS] INPUT..."));
    ck_assert_ptr_nonnull(strstr(text, "Exit status: 0 success"));
    ck_assert(strncmp(md, "| option | meaning |\n|---|---|\n", 30) == 0);
    for (size_t i = 0; i < cli_option_count; i++) {
        const cli_option *o = &cli_options[i];
        ck_assert_int_eq(longopts[i].has_arg, o->arg ? required_argument : no_argument);
        ck_assert_int_eq(longopts[i].val, o->key);
        for (size_t j = 0; j < i; j++) {
            ck_assert_msg(strcmp(o->name, cli_options[j].name) != 0, "--%s twice", o->name);
            ck_assert_msg(o->key != cli_options[j].key, "--%s reuses a key", o->name);
        }
        ck_assert_msg(o->help && *o->help && o->group, "--%s has no help", o->name);
        char want[96];
        snprintf(want, sizeof want, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        ck_assert_msg(strstr(text, want), "--help lacks %s", want);
        snprintf(want, sizeof want, "--%s%s%s` | ", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        ck_assert_msg(strstr(md, want), "the markdown table lacks %s", want);
    }
    /* Written once: the default pipeline, as --help shows it. */
    ck_assert_ptr_nonnull(strstr(md, "Default: `grayscale \\| gaussian ksize=5 sigma=1.5 \\| orb"));
    pipeline pl = ok(CLI_DEFAULT_PIPELINE);
    ck_assert_uint_eq(pl.n, 4);
    pipeline_free(&pl);
    /* No help line is wider than 79 columns. */
    for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        ck_assert_msg(len <= 79, "--help line of %zu columns: %.*s", len, (int)len, line);
    }
    free(text);
    free(md);
    /* Did you mean. */
    ck_assert_str_eq(cli_suggest("--qualty"), "quality");
    ck_assert_str_eq(cli_suggest("--pipline=grayscale"), "pipeline");
    ck_assert_str_eq(cli_suggest("--skip-exsting"), "skip-existing");
    ck_assert_ptr_null(cli_suggest("--frobnicate"));
    ck_assert_ptr_null(cli_suggest("-x"));
}
END_TEST

int main(void) {
    Suite *s = suite_create("pipeline");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, valid_specs);
    tcase_add_test(tc, invalid_specs);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, pipeline_files);
    tcase_add_test(tc, kernel_texts);
    tcase_add_test(tc, quoted_values_and_kernels);
    tcase_add_test(tc, run_filters_and_detectors);
    tcase_add_test(tc, views_and_buffers);
    tcase_add_test(tc, internal_errors_are_reported);
    tcase_add_test(tc, cli_option_table);
    tcase_add_test(tc, reals_and_ints_as_printf);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
