/* SPDX-License-Identifier: MIT */
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
    pipe_buffers_free(&w->bufs);
    findings_free(&w->found);
    image_meta_free(&w->meta);
}

img_format job_output_format(const job_opts *o, const char *output) {
    if (o->format != IMG_UNKNOWN) return o->format;
    if (strcmp(output, "-") == 0) return IMG_PNG;
    return image_format_from_name(output);
}

/* The first step, if the pipeline has one with any of `flags`. */
static const step *first_with(const pipeline *pl, unsigned flags) {
    return pl->n && (pl->steps[0].op->flags & flags) ? &pl->steps[0] : NULL;
}

/* The first step's shrink-on-load plan for a fw x fh input: 1 when its
 * row's hook allows it and the step shrinks both sides; then *tw x *th is
 * the step's output size and *shrunk the step to run on the smaller
 * decode.  A hook that misreads its parameters is an internal error. */
static int shrink_plan(const pipeline *pl, int fw, int fh, int *tw, int *th, step *shrunk,
                       char *err) {
    if (!pl->n || !pl->steps[0].op->shrink) return 0;
    op_call call = {.st = &pl->steps[0]};
    int ok = pl->steps[0].op->shrink(&call, fw, fh, tw, th, shrunk);
    if (op_call_internal(&call, err, ERRLEN)) return -1;
    return ok && *tw < fw && *th < fh;
}

/* Speed shortcuts (all off with --exact; docs/performance.md), decided by
 * the first step's row (ops.h):
 * - OPF_GRAY_ON_LOAD (grayscale): JPEG luma is decoded directly, and the
 *   step is skipped whenever the decoded image is gray already (then it is
 *   exact);
 * - a shrink hook (resize with interp=area) that allows it: JPEG is decoded
 *   at the smallest DCT scale still twice the target size, and the step,
 *   rewritten by the hook, does the rest. */
static int plan_shortcuts(const job_opts *o, int fw, int fh, decode_opts *dec, step *shrunk,
                          char *err) {
    if (o->exact) return 0;
    dec->to_gray = first_with(o->pl, OPF_GRAY_ON_LOAD) != NULL;
    int tw, th, rc = shrink_plan(o->pl, fw, fh, &tw, &th, shrunk, err);
    if (rc == 1) {
        dec->min_width = 2 * tw;
        dec->min_height = 2 * th;
    }
    return rc;
}

/* Whether every step has one of `flags`. */
static int all_with(const pipeline *pl, unsigned flags) {
    for (size_t i = 0; i < pl->n; i++)
        if (!(pl->steps[i].op->flags & flags)) return 0;
    return 1;
}

/* Alpha and metadata (docs/images.md, "Alpha and metadata"), decided from
 * the pipeline alone, so that an image without them costs nothing more:
 * - alpha is decoded only when every step keeps it (OPF_KEEPS_ALPHA); PNG
 *   then writes it and JPEG flattens it onto --background.  Otherwise it
 *   is dropped at decode, as before;
 * - unless --strip, the input's EXIF goes to the output, and its ICC profile
 *   when every step keeps the colours (OPF_KEEPS_COLOR, or a detector,
 *   which leaves the pixels as they are).  Returns 0, or -1 out of memory. */
static int plan_meta(const job_opts *o, worker *w, job_opts *planned, char *err) {
    *planned = *o;
    planned->dec.keep_alpha = all_with(o->pl, OPF_KEEPS_ALPHA);
    planned->enc.meta = NULL;
    if (o->strip) return 0;
    if (image_meta_read(w->in.data, w->in.len, o->dec.ignore_orientation, &w->meta) != 0)
        return seterr(err, "out of memory reading the metadata");
    if (!all_with(o->pl, OPF_KEEPS_COLOR | OPF_DETECTOR)) w->meta.icc.len = 0;
    planned->enc.meta = &w->meta;
    return 0;
}

int job_stage(worker *w, const job_opts *o, const char *input, const char *output,
              const char *features_path, job_result *r, job_outputs *out) {
    memset(r, 0, sizeof *r);
    *out = (job_outputs){.img = {.fd = -1}, .json = {.fd = -1}};
    findings_clear(&w->found);
    double t0 = now_ms(), t = t0;
    img_format fmt = output ? job_output_format(o, output) : IMG_PNG;
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
    /* From here on, this input's options: alpha and metadata planned. */
    job_opts planned;
    if (plan_meta(o, w, &planned, r->err) != 0) return -1;
    o = &planned;
    decode_opts dec = o->dec;
    step shrunk;
    const step *replace = NULL;
    size_t first = 0;
    int shrink = plan_shortcuts(o, r->width, r->height, &dec, &shrunk, r->err);
    if (shrink < 0) return -1;
    cvs_image *img = pipe_input(&w->bufs);
    if (image_decode(&w->codec, w->in.data, w->in.len, &dec, img, r->err) != 0) return -1;
    if (first_with(o->pl, OPF_GRAY_ON_LOAD) && img->channels == 1) first = 1;
    if (shrink && (size_t)img->width * (size_t)img->height < (size_t)r->width * (size_t)r->height)
        replace = &shrunk;
    r->ms_decode = now_ms() - t;
    t = now_ms();
    const cvs_image *res;
    if (o->steps_ready) o->steps_ready();
    if (pipeline_run_from(o->pl, first, replace, img, &w->bufs, &w->found, &res, w->step_ms,
                          r->err) != 0)
        return -1;
    /* The other buffers wait for the next image, unless there is none. */
    if (w->last) pipe_buffers_trim(&w->bufs, res);
    r->ms_ops = now_ms() - t;
    r->out_width = res->width;
    r->out_height = res->height;
    r->out_channels = res->channels;
    r->keypoints = findings_keypoint_count(&w->found);
    t = now_ms();
    if (output && image_encode(&w->codec, res, fmt, &o->enc, &w->out, r->err) != 0) return -1;
    r->ms_encode = now_ms() - t;
    t = now_ms();
    /* Both staged before either is published (job_publish); the JSON is
     * streamed into its temporary file. */
    staged *si = &out->img, *sj = &out->json;
    int rc = output ? file_stage(output, w->out.data, w->out.len, input, si, r->err) : 0;
    if (rc == 0 && features_path && (rc = file_stage_open(features_path, input, sj, r->err)) == 0) {
        jw j;
        jw_init(&j, sj->fd);
        findings_write_json(&w->found, &j, input, r->width, r->height, r->channels);
        if (jw_flush(&j) != 0)
            rc = seterr(r->err, "cannot write %s: %s", strcmp(features_path, "-") ? features_path : "to stdout",
                        j.err == EINTR ? "interrupted" : strerror(j.err));
        jw_free(&j);
    }
    if (rc != 0) {
        file_abort(si);
        file_abort(sj);
    }
    r->ms_write = now_ms() - t;
    r->ms_total = now_ms() - t0;
    return rc;
}

int job_publish(job_outputs *out, job_result *r) {
    double t = now_ms();
    /* The JSON first, so a present image always has its features beside it. */
    staged *both[] = {&out->json, &out->img};
    int rc = file_commit_all(both, 2, r->err);
    t = now_ms() - t;
    r->ms_write += t;
    r->ms_total += t;
    return rc;
}

int job_outputs_detached(const job_outputs *out) {
    const staged *both[] = {&out->json, &out->img};
    for (size_t i = 0; i < 2; i++)
        if (both[i]->kind != STAGE_NONE && both[i]->kind != STAGE_TMP) return 0;
    return 1;
}
