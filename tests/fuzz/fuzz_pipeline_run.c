/* SPDX-License-Identifier: MIT */
/* fuzz_pipeline_run.c - libFuzzer harness: one small image through a whole
 * pipeline, all in memory: decode, run, encode the output PNG and write the
 * features JSON, as cvapp's job does minus the files.
 *
 * Input layout:  SPEC  NUL  FLAGS  IMAGE
 *   SPEC   a pipeline spec, parsed by pipeline_parse (a refusal ends the run)
 *   FLAGS  one byte: bit 0 decodes JPEG luma only, bits 1-3 (m, 0 = off) shrink
 *          a JPEG on load to at least m/8 of its size (the decoder shortcuts of
 *          job.c), bit 4 also encodes the output as JPEG
 *   IMAGE  a JPEG or PNG file of at most MAX_INPUT_PIXELS pixels
 *
 * The image is kept small and a pipeline whose estimated work is over
 * WORK_BUDGET is skipped, so that every run takes milliseconds: what is
 * fuzzed is cvapp's handling of sizes, channels, parameters and results,
 * not OpenCV's speed on large inputs.  Each pipeline runs twice, the second
 * time on the buffers the first one left (as a worker reuses them), and
 * both runs must give the same image and the same JSON; the output PNG must
 * decode to the same pixels; the JSON must parse. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "fuzz_common.h"
#include "imageio.h"
#include "pipeline.h"

#define MAX_INPUT_PIXELS (256 * 256)
#define MAX_STEPS 12
#define MAX_STAGE_PIXELS (512 * 512) /* any intermediate image */
#define WORK_BUDGET 4e8              /* rough pixel operations, whole pipeline */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CVAPP_FUZZ_VERBOSE=1 in the environment: one line per input saying what
 * became of it (to check that a corpus file exercises what it should). */
static int verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *v = getenv("CVAPP_FUZZ_VERBOSE");
    verbose = v && *v && strcmp(v, "0") != 0;
    /* One thread: deterministic, and no pool threads for ASan to track. */
    cvs_set_num_threads(1);
    return 0;
}

/* A parameter by name, as run functions read it (a choice: its value). */
static double param(const step *st, const char *name) {
    int k = op_param_index(st->op, name);
    FUZZ_CHECK(k >= 0, "%s has no parameter %s", st->op->name, name);
    op_call c = {.st = st};
    switch (st->op->params[k].type) {
    case PT_INT: return arg_int(&c, name);
    case PT_REAL: return arg_real(&c, name);
    case PT_BOOL: return arg_bool(&c, name);
    case PT_CHOICE: return arg_choice(&c, name);
    case PT_KERNEL: break; /* see kernel_cells */
    case PT_PATH: break;   /* never loaded here: template and match steps fail */
    }
    return 0;
}

/* The number of cells of a step's kernel parameter `name` (1 if none). */
static double kernel_cells(const step *st, const char *name) {
    op_call c = {.st = st};
    op_kernel k;
    char why[256];
    const char *text = arg_text(&c, name);
    if (!text || kernel_parse(text, &k, why, sizeof why) != 0) return 1;
    free(k.v);
    return (double)k.rows * k.cols;
}

/* OpenCV's Gaussian kernel size for a sigma when none is given (8-bit). */
static double gauss_ksize(double sigma) { return 2 * ceil(sigma * 3) + 1; }

/* A rough upper bound of the work of one step on a w x h image, in pixel
 * operations; updates w and h to the size of the step's result. */
static double step_work(const step *st, double *w, double *h) {
    const char *op = st->op->name;
    double px = *w * *h;
    if (!strcmp(op, "resize")) {
        if (param(st, "width") > 0) {
            *w = param(st, "width");
            *h = param(st, "height");
        } else {
            *w = ceil(*w * param(st, "scale")) + 1;
            *h = ceil(*h * param(st, "scale")) + 1;
        }
        return (px + *w * *h) * 64;
    }
    if (!strcmp(op, "crop")) {
        if (param(st, "width") > 0 && param(st, "width") < *w) *w = param(st, "width");
        if (param(st, "height") > 0 && param(st, "height") < *h) *h = param(st, "height");
        return px;
    }
    if (!strcmp(op, "rotate")) {
        if (param(st, "angle") != 2) { /* quarter turns: 90 or 270 */
            double t = *w;
            *w = *h;
            *h = t;
        }
        return px * 3;
    }
    if (!strcmp(op, "gaussian")) {
        double s = fmax(param(st, "sigma"), param(st, "sigma_y"));
        double k = param(st, "ksize") > 0 ? param(st, "ksize") : gauss_ksize(s);
        return px * 3 * 2 * fmax(k, gauss_ksize(s));
    }
    /* filter2D goes to the DFT for a large kernel: bounded by both. */
    if (!strcmp(op, "convolve")) return px * 3 * fmin(kernel_cells(st, "kernel"), 400);
    if (!strcmp(op, "sharpen")) return px * 3 * 2 * gauss_ksize(param(st, "sigma"));
    if (!strcmp(op, "median")) {
        double k = param(st, "ksize");
        return px * 3 * (k <= 5 ? k * k : 300 + 4 * k);
    }
    if (!strcmp(op, "bilateral")) {
        double d = param(st, "d");
        if (d <= 0) d = 2 * round(param(st, "sigma_space") * 1.5) + 1;
        return px * 3 * d * d;
    }
    if (!strcmp(op, "adaptive_threshold")) return px * 4 * param(st, "block");
    if (!strcmp(op, "clahe")) {
        double t = param(st, "tile");
        return px * 16 + t * t * 4096;
    }
    if (!strcmp(op, "erode") || !strcmp(op, "dilate") || !strcmp(op, "open") ||
        !strcmp(op, "close") || !strcmp(op, "gradient") || !strcmp(op, "tophat") ||
        !strcmp(op, "blackhat")) {
        double k = param(st, "ksize"), it = param(st, "iterations");
        double kernel = param(st, "shape") == CVS_SHAPE_RECT ? 2 * k * it : k * k * it;
        return px * 3 * 2 * kernel;
    }
    if (!strcmp(op, "orb")) return px * param(st, "nlevels") * 400;
    if (!strcmp(op, "sift")) {
        double layers = param(st, "octave_layers") + 3;
        return px * 4 * 2 * layers * 2 * gauss_ksize(param(st, "sigma") * 2) + px * 2000;
    }
    if (!strcmp(op, "akaze")) return px * 4000;
    if (!strcmp(op, "brisk")) return px * 200 * (param(st, "octaves") + 1);
    if (!strcmp(op, "gftt")) return px * 64 * (1 + param(st, "block"));
    if (!strcmp(op, "blobs")) return px * 500;
    if (!strcmp(op, "hough_lines")) return px * 2 * (180 / param(st, "theta")) * 2;
    if (!strcmp(op, "hough_circles")) {
        /* Votes along every edge pixel's gradient, then a radius search per
         * centre candidate over every edge pixel. */
        double acc = px / (param(st, "dp") * param(st, "dp"));
        return px * (*w + *h) * 2 + acc * px;
    }
    /* Everything else works on each pixel a few times. */
    return px * 64;
}

/* What one run gave: a copy of the output image and the JSON. */
typedef struct run_result {
    int ok;
    cvs_image img; /* a copy of the output */
    char *json;
} run_result;

static void copy_image(const cvs_image *src, cvs_image *dst) {
    FUZZ_CHECK(cvs_image_alloc(dst, src->width, src->height, src->channels) == CVS_OK,
               "cannot copy a %dx%dx%d image", src->width, src->height, src->channels);
    size_t row = (size_t)src->width * (size_t)src->channels;
    for (int y = 0; y < src->height; y++)
        memcpy(dst->data + (size_t)y * dst->stride, src->data + (size_t)y * src->stride, row);
}

static void run_once(const pipeline *pl, const cvs_image *in, pipe_buffers *bufs,
                     findings *found, run_result *r) {
    const cvs_image *out = NULL;
    char err[ERRLEN] = "";
    double step_ms[MAX_STEPS];
    findings_clear(found);
    r->ok = pipeline_run(pl, in, bufs, found, &out, step_ms, err) == 0;
    if (!r->ok) {
        fuzz_check_err(err);
        return;
    }
    FUZZ_CHECK(out != NULL, "no output image");
    FUZZ_CHECK(out->width > 0 && out->height > 0 && (out->channels == 1 || out->channels == 3),
               "output %dx%dx%d", out->width, out->height, out->channels);
    FUZZ_CHECK(out->stride >= (size_t)out->width * (size_t)out->channels, "output stride %zu",
               out->stride);
    copy_image(out, &r->img);
    r->json = findings_to_json(found, "fuzz.png", in->width, in->height, in->channels);
    FUZZ_CHECK(r->json != NULL, "findings_to_json failed");
}

static void check_json(const char *text, const findings *found) {
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    FUZZ_CHECK(root != NULL, "the features JSON does not parse: %s (line %d)", jerr.text,
               jerr.line);
    size_t kp = 0, lines = 0, circles = 0, contours = 0;
    for (size_t i = 0; i < found->nsets; i++) {
        kp += found->sets[i].kp.count;
        lines += found->sets[i].lines.count;
        circles += found->sets[i].circles.count;
        contours += found->sets[i].contours.count;
    }
    FUZZ_CHECK(json_array_size(json_object_get(root, "keypoints")) == kp, "keypoints");
    FUZZ_CHECK(json_array_size(json_object_get(root, "lines")) == lines, "lines");
    FUZZ_CHECK(json_array_size(json_object_get(root, "circles")) == circles, "circles");
    FUZZ_CHECK(json_array_size(json_object_get(root, "contours")) == contours, "contours");
    FUZZ_CHECK(json_array_size(json_object_get(root, "detectors")) == found->nsets, "detectors");
    json_decref(root);
}

/* Runs pl on img twice and checks the results (see the top of the file). */
static void run_pipeline(const pipeline *pl, const cvs_image *img, codec *c, unsigned flags) {
    /* Skip pipelines that would take long or make big images. */
    double w = img->width, h = img->height, work = 0;
    for (size_t i = 0; i < pl->n; i++) {
        work += step_work(&pl->steps[i], &w, &h);
        if (w * h > MAX_STAGE_PIXELS || work > WORK_BUDGET) {
            if (verbose)
                fprintf(stderr, "skipped: step %zu (%s) makes %.0fx%.0f, work %.3g\n", i + 1,
                        pl->steps[i].op->name, w, h, work);
            return;
        }
    }

    pipe_buffers bufs = {0};
    findings found = {0};
    run_result first = {0}, second = {0};
    run_once(pl, img, &bufs, &found, &first);
    if (verbose)
        fprintf(stderr, "%zu steps on %dx%dx%d (work %.3g): %s, %zu feature sets\n", pl->n,
                img->width, img->height, img->channels, work, first.ok ? "ran" : "failed",
                found.nsets);
    if (first.ok) {
        check_json(first.json, &found);
        fuzz_png_round_trip(c, &first.img, (int)(flags >> 5));
        if (flags & 16) fuzz_jpeg_round_trip(c, &first.img, 90);
    }
    /* Again on the buffers as the first run left them. */
    run_once(pl, img, &bufs, &found, &second);
    FUZZ_CHECK(first.ok == second.ok, "the second run %s", second.ok ? "succeeded" : "failed");
    if (first.ok) {
        FUZZ_CHECK(first.img.width == second.img.width && first.img.height == second.img.height &&
                       first.img.channels == second.img.channels &&
                       memcmp(first.img.data, second.img.data,
                              first.img.stride * (size_t)first.img.height) == 0,
                   "the second run gave another image");
        FUZZ_CHECK(strcmp(first.json, second.json) == 0, "the second run gave another JSON");
    }
    cvs_image_free(&first.img);
    cvs_image_free(&second.img);
    free(first.json);
    free(second.json);
    findings_free(&found);
    pipe_buffers_free(&bufs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    if (!nul) {
        if (verbose) fprintf(stderr, "skipped: no NUL after the spec\n");
        return -1;
    }
    const uint8_t *rest = nul + 1;
    size_t rest_len = size - (size_t)(rest - data);
    unsigned flags = rest_len ? rest[0] : 0;
    const uint8_t *img_data = rest_len ? rest + 1 : rest;
    size_t img_len = rest_len ? rest_len - 1 : 0;

    pipeline pl;
    char err[ERRLEN] = "";
    if (pipeline_parse((const char *)data, &pl, err) != 0) {
        if (verbose) fprintf(stderr, "refused: %s\n", err);
        return -1;
    }
    if (pl.n > MAX_STEPS) {
        if (verbose) fprintf(stderr, "skipped: %zu steps\n", pl.n);
        pipeline_free(&pl);
        return -1;
    }

    codec c = {0};
    cvs_image img = {0};
    int pw, ph, pch;
    decode_opts dec = {.max_pixels = MAX_INPUT_PIXELS};
    if (image_probe(&c, img_data, img_len, NULL, &pw, &ph, &pch, err) == 0) {
        dec.to_gray = flags & 1;
        int m = (flags >> 1) & 7;
        if (m) {
            dec.min_width = pw / 8 * m > 0 ? pw / 8 * m : 1;
            dec.min_height = ph / 8 * m > 0 ? ph / 8 * m : 1;
        }
    }
    if (image_decode(&c, img_data, img_len, &dec, &img, err) == 0)
        run_pipeline(&pl, &img, &c, flags);
    else {
        fuzz_check_err(err);
        if (verbose) fprintf(stderr, "not decoded: %s\n", err);
    }
    cvs_image_free(&img);
    codec_free(&c);
    pipeline_free(&pl);
    return 0;
}
