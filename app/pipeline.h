/* SPDX-License-Identifier: MIT */
/* pipeline.h - parsing, validating and running a pipeline of ops. */
#ifndef CVAPP_PIPELINE_H
#define CVAPP_PIPELINE_H

#include <stddef.h>

#include "ops.h"
#include "util.h"

#define PIPELINE_MAX_STEPS 256
#define PIPELINE_MAX_SPEC (64 * 1024)

typedef struct pipeline {
    step *steps;
    size_t n;
} pipeline;

/* Parses and validates SPEC: steps separated by '|' (or newlines), each
 * "op key=value ...", '#' starting a comment to the end of the line.
 * Returns 0, or -1 with the reason (naming the step) in err. */
int pipeline_parse(const char *spec, pipeline *pl, char *err);

/* Like pipeline_parse, but "@FILE" reads the spec from FILE. */
int pipeline_load(const char *arg, pipeline *pl, char *err);

/* Decodes every step's reference image (a PT_PATH parameter: template
 * and match's ref) once for the run, as inputs are decoded (dec: the pixel
 * limit and EXIF orientation; alpha dropped, the whole image).  Returns 0,
 * or -1 with one line naming the step, the file and the reason in err (a
 * usage error: no input has been read). */
struct decode_opts;
int pipeline_prepare(pipeline *pl, const struct decode_opts *dec, char *err);

/* The paths of the steps' reference images (at most max into paths, in
 * step order); returns how many. */
size_t pipeline_refs(const pipeline *pl, const char **paths, size_t max);

void pipeline_free(pipeline *pl);

/* 1 when any step is a detector. */
int pipeline_has_detector(const pipeline *pl);

/* Buffers one worker reuses from image to image. */
typedef struct pipe_buffers {
    cvs_image img[2]; /* the steps' results in turn; the input too, when it
                         is decoded into one of them (pipe_input) */
    cvs_image gray;   /* a color image made gray for a step that needs it */
    cvs_image view;   /* a step's result that borrows its source's pixels (crop) */
} pipe_buffers;

void pipe_buffers_free(pipe_buffers *b);

/* Where to decode the next input: the one of img[] with the larger
 * capacity, whose pages are there already. A run on it writes its first
 * result into the other, then back into it once no step reads the input
 * any more: a run holds the input and one result at most, besides gray. */
cvs_image *pipe_input(pipe_buffers *b);

/* Frees what the steps no longer need once a run is over: the buffers
 * (gray included) that `keep`, the run's result, does not lie in.  For a
 * worker's last image (its encode then holds only the result); otherwise
 * they are kept for the next image, whose pages are there already. */
void pipe_buffers_trim(pipe_buffers *b, const cvs_image *keep);

/* Runs the pipeline on `in` (any image, or b->img[0] or [1]).  *out points
 * at the result (one of the buffers, or `in` itself when no filter ran, or a
 * view of some of either's pixels); it stays valid until the next run.  step_ms, if not NULL, receives each step's time. */
int pipeline_run(const pipeline *pl, const cvs_image *in, pipe_buffers *b, findings *found,
                 const cvs_image **out, double *step_ms, char *err);

/* The same, starting at step `first` (earlier steps' times are set to 0),
 * with `replace`, if not NULL, run instead of that first step. */
int pipeline_run_from(const pipeline *pl, size_t first, const step *replace, const cvs_image *in,
                      pipe_buffers *b, findings *found, const cvs_image **out, double *step_ms,
                      char *err);

#endif
