/* SPDX-License-Identifier: MIT */
/* job.h - one image through the whole path: read, decode, pipeline,
 * encode, write.  A worker holds the buffers it reuses across images. */
#ifndef CVAPP_JOB_H
#define CVAPP_JOB_H

#include "fileio.h"
#include "findings.h"
#include "imageio.h"
#include "pipeline.h"
#include "util.h"

typedef struct job_opts {
    const pipeline *pl;
    decode_opts dec;
    encode_opts enc;
    int strip;         /* write no metadata (--strip) */
    img_format format; /* IMG_UNKNOWN: from the output name, PNG otherwise */
    int exact;         /* no shortcut that may change a pixel (--exact) */
    size_t max_features; /* items kept per detector step (--max-features); 0 = all */
    void (*steps_ready)(void); /* called before the first step, or NULL (batch.c: OpenCV's threads) */
} job_opts;

typedef struct worker {
    codec codec;
    membuf in, out;
    pipe_buffers bufs;
    findings found;
    image_meta meta; /* the current input's ICC profile and EXIF */
    int last;        /* 1 when no input follows this one here: the run frees
                        the buffers its result does not lie in before the
                        encode instead of keeping them for the next image */
    double step_ms[PIPELINE_MAX_STEPS];
} worker;

void worker_free(worker *w);

typedef struct job_result {
    int width, height, channels;         /* decoded input */
    int out_width, out_height, out_channels;
    size_t keypoints;
    double ms_read, ms_decode, ms_ops, ms_encode, ms_write, ms_total;
    char err[ERRLEN]; /* on failure: the reason (the caller adds the input) */
} job_result;

/* The outputs of one input, staged by job_stage and not yet published. */
typedef struct job_outputs {
    staged img, json; /* kind STAGE_NONE: no such output */
} job_outputs;

/* Runs one input up to its outputs staged: read, decode, pipeline, encode,
 * and the image and the JSON written to their temporary files (or, for
 * stdout and in place, held for the commit).  output may be "-" (stdout)
 * or NULL (no image, nothing encoded: --no-image); features_path may be
 * NULL (no JSON).  Returns 0 with *out to publish, or -1 with nothing
 * staged. */
int job_stage(worker *w, const job_opts *o, const char *input, const char *output,
              const char *features_path, job_result *r, job_outputs *out);

/* Publishes what job_stage staged: both outputs appear or neither does
 * (file_commit_all).  *out is finished either way; the time is added to
 * r->ms_write and r->ms_total.  Returns 0, or -1 with r->err. */
int job_publish(job_outputs *out, job_result *r);

/* 1 when every byte of out is in its temporary files: nothing it holds
 * points into the worker, which may then start its next input while
 * another thread runs job_publish. */
int job_outputs_detached(const job_outputs *out);

/* The output format for `output` under o: --format, else the extension,
 * else PNG for "-".  IMG_UNKNOWN when the name has no known extension. */
img_format job_output_format(const job_opts *o, const char *output);

#endif
