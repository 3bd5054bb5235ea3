#include "job.h"

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
    /* A pipeline that starts with grayscale: a JPEG is decoded to luma
     * directly (a shortcut, off with --exact), and the step is skipped
     * whenever the decoded image is gray already (exact: it is a copy). */
    decode_opts dec = o->dec;
    int starts_gray = o->pl->n && strcmp(o->pl->steps[0].op->name, "grayscale") == 0;
    dec.to_gray = starts_gray && !o->exact;
    if (image_decode(&w->codec, w->in.data, w->in.len, &dec, &w->img, r->err) != 0) return -1;
    r->width = w->img.width;
    r->height = w->img.height;
    r->channels = w->img.channels;
    /* Report the file's own channels, not the luma shortcut's. */
    int pw, ph;
    if (dec.to_gray && r->channels == 1 &&
        image_probe(&w->codec, w->in.data, w->in.len, &pw, &ph, &r->channels, r->err) != 0)
        return -1;
    r->ms_decode = now_ms() - t;
    t = now_ms();
    const cvs_image *res;
    size_t first = starts_gray && w->img.channels == 1;
    if (pipeline_run_from(o->pl, first, &w->img, &w->bufs, &w->found, &res, w->step_ms, r->err) != 0)
        return -1;
    r->ms_ops = now_ms() - t;
    r->out_width = res->width;
    r->out_height = res->height;
    r->out_channels = res->channels;
    r->keypoints = findings_keypoint_count(&w->found);
    t = now_ms();
    if (image_encode(&w->codec, res, fmt, &o->enc, &w->out, r->err) != 0) return -1;
    char *json = NULL;
    if (features_path &&
        !(json = findings_to_json(&w->found, input, r->width, r->height, r->channels)))
        return seterr(r->err, "out of memory writing the features JSON");
    r->ms_encode = now_ms() - t;
    t = now_ms();
    staged si = {0}, sj = {0};
    int rc = file_stage(output, w->out.data, w->out.len, input, &si, r->err);
    if (rc == 0 && json) rc = file_stage(features_path, json, strlen(json), input, &sj, r->err);
    /* Both staged before either is published; the JSON goes first, so a
     * present image always has its features beside it. */
    int json_done = rc == 0 && json && (rc = file_commit(&sj, r->err)) == 0;
    if (rc == 0 && (rc = file_commit(&si, r->err)) != 0 && json_done && strcmp(features_path, "-"))
        unlink(features_path);
    file_abort(&si);
    file_abort(&sj);
    free(json);
    r->ms_write = now_ms() - t;
    r->ms_total = now_ms() - t0;
    return rc;
}
