/* SPDX-License-Identifier: MIT */
/* job.h - one image through the whole path: read, decode, pipeline,
 * encode, write.  A worker holds the buffers it reuses across images. */
#ifndef CVAPP_JOB_H
#define CVAPP_JOB_H

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

/* Runs one input.  output may be "-" (stdout) or NULL (no image, nothing
 * encoded: --no-image); features_path may be NULL (no JSON).  Either both outputs appear or none does.  Returns 0 or -1. */
int job_run(worker *w, const job_opts *o, const char *input, const char *output,
            const char *features_path, job_result *r);

/* The output format for `output` under o: --format, else the extension,
 * else PNG for "-".  IMG_UNKNOWN when the name has no known extension. */
img_format job_output_format(const job_opts *o, const char *output);

#endif
