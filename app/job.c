#include "job.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

void worker_free(worker *w) {
    codec_free(&w->codec);
    membuf_free(&w->in);
    membuf_free(&w->out);
    cvs_image_free(&w->img);
    pipe_buffers_free(&w->bufs);
    findings_free(&w->found);
}

img_format job_output_format(const job_opts *o, const char *output) {
    if (o->format != IMG_UNKNOWN) return o->format;
    if (strcmp(output, "-") == 0) return IMG_PNG;
    return image_format_from_name(output);
}

/* Index of "area" in the resize op's interp choices. */
#define RESIZE_AREA 3

static int starts_with(const pipeline *pl, const char *op) {
    return pl->n && strcmp(pl->steps[0].op->name, op) == 0;
}

/* The size a leading resize step makes of a fw x fh image (as cv::resize
 * rounds it: to nearest, ties to even). */
static void resize_target(const step *st, int fw, int fh, int *tw, int *th) {
    if (st->v[0] > 0) {
        *tw = (int)st->v[0];
        *th = (int)st->v[1];
    } else {
        *tw = (int)lrint(fw * st->v[2]);
        *th = (int)lrint(fh * st->v[2]);
    }
}

/* Speed shortcuts (all off with --exact; README "Performance"):
 * - a leading grayscale: JPEG luma is decoded directly, and the step is
 *   skipped whenever the decoded image is gray already (then it is exact);
 * - a leading downscaling resize with interp=area: JPEG is decoded at the
 *   smallest DCT scale still twice the target size, and the resize does
 *   the rest (area averaging is what both do; other interpolations sample
 *   and would alias differently, so they keep the exact path). */
static void plan_shortcuts(const job_opts *o, int fw, int fh, decode_opts *dec) {
    if (o->exact) return;
    dec->to_gray = starts_with(o->pl, "grayscale");
    if (starts_with(o->pl, "resize") && o->pl->steps[0].v[3] == RESIZE_AREA) {
        int tw, th;
        resize_target(&o->pl->steps[0], fw, fh, &tw, &th);
        if (tw < fw && th < fh) {
            dec->min_width = 2 * tw;
            dec->min_height = 2 * th;
        }
    }
}

/* The resize step to run on a shrunk decode: the same target size, given
 * as width and height (a scale would apply to the smaller image). */
static const step *resize_to_target(const step *st, int fw, int fh, step *out) {
    *out = *st;
    int tw, th;
    resize_target(st, fw, fh, &tw, &th);
    out->v[0] = tw;
    out->v[1] = th;
    out->v[2] = 0;
    return out;
}

int job_run(worker *w, const job_opts *o, const char *input, const char *output,
            const char *features_path, job_result *r) {
    memset(r, 0, sizeof *r);
    findings_clear(&w->found);
    double t0 = now_ms(), t = t0;
    img_format fmt = job_output_format(o, output);
    if (fmt == IMG_UNKNOWN)
        return seterr(r->err, "output %s: unknown image extension (use .png, .jpg or --format)",
                      output);
    if (file_read_all(input, &w->in, r->err) != 0) return -1;
    r->ms_read = now_ms() - t;
    t = now_ms();
    /* The file's own size (oriented as the decode will be) and channels (header only). */
    if (image_probe(&w->codec, w->in.data, w->in.len, &o->dec, &r->width, &r->height,
                         &r->channels, r->err) != 0)
        return -1;
    decode_opts dec = o->dec;
    step shrunk;
    const step *replace = NULL;
    size_t first = 0;
    plan_shortcuts(o, r->width, r->height, &dec);
    if (image_decode(&w->codec, w->in.data, w->in.len, &dec, &w->img, r->err) != 0) return -1;
    if (starts_with(o->pl, "grayscale") && w->img.channels == 1) first = 1;
    if ((size_t)w->img.width * (size_t)w->img.height < (size_t)r->width * (size_t)r->height)
        replace = resize_to_target(&o->pl->steps[0], r->width, r->height, &shrunk);
    r->ms_decode = now_ms() - t;
    t = now_ms();
    const cvs_image *res;
    if (pipeline_run_from(o->pl, first, replace, &w->img, &w->bufs, &w->found, &res, w->step_ms,
                          r->err) != 0)
        return -1;
    r->ms_ops = now_ms() - t;
    r->out_width = res->width;
    r->out_height = res->height;
    r->out_channels = res->channels;
    r->keypoints = findings_keypoint_count(&w->found);
    t = now_ms();
    if (image_encode(&w->codec, res, fmt, &o->enc, &w->out, r->err) != 0) return -1;
    r->ms_encode = now_ms() - t;
    t = now_ms();
    /* Both staged before either is published; the JSON, streamed into its
     * temporary file, goes first, so a present image always has its
     * features beside it. */
    staged si, sj = {.fd = -1};
    int rc = file_stage(output, w->out.data, w->out.len, input, &si, r->err);
    if (rc == 0 && features_path && (rc = file_stage_open(features_path, input, &sj, r->err)) == 0) {
        jw j;
        jw_init(&j, sj.fd);
        findings_write_json(&w->found, &j, input, r->width, r->height, r->channels);
        if (jw_flush(&j) != 0)
            rc = seterr(r->err, "cannot write %s: %s", features_path,
                        j.err == EINTR ? "interrupted" : strerror(j.err));
        jw_free(&j);
    }
    int json_kind = sj.kind;
    int json_done = rc == 0 && features_path && (rc = file_commit(&sj, r->err)) == 0;
    if (rc == 0 && (rc = file_commit(&si, r->err)) != 0 && json_done && json_kind == STAGE_TMP)
        unlink(features_path);
    file_abort(&si);
    file_abort(&sj);
    r->ms_write = now_ms() - t;
    r->ms_total = now_ms() - t0;
    return rc;
}
