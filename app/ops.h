/* SPDX-License-Identifier: MIT */
/* ops.h - the op table: every operation cvapp knows, described once.
 *
 * The pipeline parser, validation, the job's speed shortcuts, --list-ops
 * (text and markdown) and the op reference (docs/ops.md) all read this table.
 * Adding an op is one row in ops_table.c plus one shim call (CONTRIBUTING.md).
 *
 * A row's run function (and its check and hook) reads the parameters BY
 * NAME through arg_int, arg_real, arg_bool and arg_choice.  A name the row
 * does not have is an internal error: the accessor returns 0 and records
 * the name in the call, and the pipeline fails with "internal error: op X
 * has no parameter Y"; tests/test_ops.c runs every row so a typo fails
 * there.  Read every parameter at the top of the function, whatever the
 * branch, so that the test sees each name. */
#ifndef CVAPP_OPS_H
#define CVAPP_OPS_H

#include <stddef.h>
#include <stdio.h>

#include "../shim/cvshim.h"
#include "findings.h"

#define OP_MAX_PARAMS 12

/* PT_KERNEL: a matrix of numbers written as text (kernel_parse), inline or
 * "@FILE"; the parser checks it and keeps the text (a file's contents),
 * read with arg_text. */
/* PT_PATH: a JPEG or PNG file, a reference image: the parser keeps the
 * path (arg_text), pipeline_prepare decodes it once for the whole run
 * (arg_image).  An op has at most one. */
typedef enum ptype { PT_INT, PT_REAL, PT_BOOL, PT_CHOICE, PT_KERNEL, PT_PATH } ptype;

/* Parameter flags. */
#define PF_ODD 1u     /* an odd integer (or 0 with PF_ZERO_OK) */
#define PF_ZERO_OK 2u /* 0 is allowed besides the range/odd rule */
/* PF_PERCENT: the value may also be written as a percentage "P%".  On a
 * real parameter it is just the number P/100 (scale=50% is scale=0.5),
 * checked against the range.  On an int parameter it is a share of a
 * size the run function knows (crop width=50%): 0% to 100%, kept as P/100
 * with the step's pct bit set, and read with arg_size(). */
#define PF_PERCENT 4u

/* One value of a choice parameter: its name in a pipeline and the value
 * the run function gets (a CVS_* constant where the shim has one).  A
 * list ends with {NULL, 0}. */
typedef struct choice_def {
    const char *name;
    int value;
} choice_def;

typedef struct param_def {
    const char *name; /* NULL ends the list */
    ptype type;
    double def;       /* default (PT_INT, PT_REAL, PT_BOOL) */
    double min, max;  /* inclusive range, PT_INT and PT_REAL */
    unsigned flags;
    const choice_def *choices; /* PT_CHOICE: the values */
    const char *def_choice;    /* PT_CHOICE: the default, by name; PT_KERNEL: the default
                                  text, NULL when the parameter must be given */
    const char *help;
} param_def;

/* Op flags: what the pipeline and the job need to know about an op. */
#define OPF_DETECTOR 1u     /* records features; the image passes on unchanged */
#define OPF_GRAY 2u         /* a color input is converted to gray first */
#define OPF_GRAY_ON_LOAD 4u /* as the first step its whole effect is "to gray": the
                               decoder may deliver luma, and a gray image skips it */
#define OPF_GEOMETRY 8u     /* moves pixels or changes the size (resize, crop, flip, rotate) */
#define OPF_DRAWS 128u      /* draws earlier detectors' findings at their coordinates: the
                               parser refuses it after an OPF_GEOMETRY step that follows
                               a detector (the coordinates would be stale) */
#define OPF_FINDS_MODEL 256u /* a detector that finds a model of a reference in the image
                               (match) */
#define OPF_USES_MODEL 512u /* uses the last model found (warp): the parser refuses it
                               without an OPF_FINDS_MODEL step before it, or with an
                               OPF_GEOMETRY step between them (the model would be stale) */
#define OPF_KEEPS_ALPHA 16u /* works on 4 channels (BGRA), each on its own, so an alpha
                               channel stays meaningful.  Alpha is decoded only when every
                               step has this flag (app/job.c); otherwise it is dropped at
                               decode, as COLOR_BGRA2BGR drops it (no flattening) */
#define OPF_KEEPS_COLOR 32u /* the result's values are still colours in the input's
                               colour space (geometry, smoothing, sharpening, contrast),
                               so the input's ICC profile is written with the output when
                               every step has this flag or OPF_DETECTOR (app/job.c) */

struct op_def;

/* One step of a pipeline: an op and its parameter values, resolved at
 * parse time (defaults filled in).  v[] is the parser's storage, indexed
 * as the row's params (a choice holds its position in the list); run
 * functions never read it directly, only through the arg_* accessors. */
typedef struct step {
    const struct op_def *op;
    double v[OP_MAX_PARAMS];
    unsigned pct; /* bit k: parameter k was given as a percentage (PF_PERCENT ints) */
    const char *text[OP_MAX_PARAMS]; /* PT_KERNEL and PT_PATH values (NULL: not given,
                                        no default) */
    unsigned owned; /* bit k: text[k] was allocated by the parser (pipeline_free frees it) */
    struct op_ref *ref; /* the step's PT_PATH image once pipeline_prepare has read it (owned
                           by the pipeline, shared read-only by every worker), else NULL */
} step;

/* A step's reference image, read once per run: the image, and what the
 * op's prepare hook computed from it (match: its keypoints). */
typedef struct op_ref {
    cvs_image img;
    cvs_keypoints kp;
} op_ref;

/* What an op's run function (and its check and hook) gets. */
typedef struct op_call {
    const step *st;       /* the op and its values */
    const cvs_image *src; /* the current image (gray if OPF_GRAY) */
    cvs_image *dst;       /* filters write the result here */
    cvs_image *view;      /* or, a filter whose result is some of src's own pixels
                             (crop; an op that leaves the image unchanged) fills
                             this borrowed view instead (op_view), dst untouched */
    findings *found;      /* detectors add what they find here */
    const char *missing;  /* set by an accessor asked for a name the op lacks */
    const char *missing_type; /* the type it was asked as */
    const char *why;      /* a failure's reason when it is not the shim's message */
    char why_buf[256];    /* room for a reason made at run time (why may point here) */
} op_call;

/* The call's result as the box (x, y, width, height) of src's own pixels,
 * no copy: CVS_EINVAL with c->why set when the box does not fit in src. */
cvs_status op_view(op_call *c, long x, long y, long width, long height);

/* The parameter `name` of the call's step.  A name the op lacks returns 0
 * and sets c->missing (an internal error the caller reports). */
int arg_int(op_call *c, const char *name);
double arg_real(op_call *c, const char *name);
int arg_bool(op_call *c, const char *name);
/* The chosen value (choice_def.value) of a choice parameter. */
int arg_choice(op_call *c, const char *name);
/* A PT_KERNEL or PT_PATH parameter's text, or NULL when it was not given. */
const char *arg_text(op_call *c, const char *name);
/* The image a PT_PATH parameter names, decoded by pipeline_prepare; NULL
 * when it was not (the run function fails the step). */
const cvs_image *arg_image(op_call *c, const char *name);
/* What the op's prepare hook computed from that image (NULL likewise). */
const op_ref *arg_ref(op_call *c, const char *name);
/* An int parameter with PF_PERCENT as pixels: its value, or, when it was
 * given as a percentage, that share of `whole` rounded to the nearest
 * integer, ties to even (lrint(P / 100.0 * whole)). */
int arg_size(op_call *c, const char *name, int whole);
/* NULL when no accessor misfired on c; else writes "internal error: op X
 * has no int parameter 'Y'" to buf and returns it. */
const char *op_call_internal(const op_call *c, char *buf, size_t n);
/* Sets parameter `name` of *st (a hook's rewritten step); a choice takes a
 * choice_def.value.  A name the op lacks sets c->missing. */
void arg_set(op_call *c, step *st, const char *name, double value);

/* A kernel (PT_KERNEL): rows of numbers, rows separated by ';' or line
 * ends, numbers by blanks or commas; blank rows are skipped.  1 to
 * KERNEL_MAX_SIDE rows and columns, every row as long as the first, every
 * value a finite number. */
#define KERNEL_MAX_SIDE 99
typedef struct op_kernel {
    double *v; /* rows * cols values, row by row (malloc'd) */
    int rows, cols;
} op_kernel;
/* Parses text into *k (free k->v with free()).  Returns 0, or -1 with the
 * reason ("is ragged: row 2 has 2 values, row 1 has 3") in why. */
int kernel_parse(const char *text, op_kernel *k, char *why, size_t n);

typedef struct op_def {
    const char *name;
    const char *help;
    unsigned flags;
    cvs_status (*run)(op_call *c);
    /* Optional check across parameters at parse time: NULL when fine,
     * else the reason. */
    const char *(*check)(op_call *c);
    /* Optional shrink-on-load hook, asked for the first step only: with
     * the input's full size fw x fh, returns 1 when the parameters allow
     * the decoder to deliver a smaller image (at least twice the step's
     * output size, which it writes to *tw x *th) and writes to *shrunk
     * the step that makes that output from the smaller image; 0 when not. */
    int (*shrink)(op_call *c, int fw, int fh, int *tw, int *th, step *shrunk);
    /* Optional, for an op with a PT_PATH parameter: run once per run by
     * pipeline_prepare on the decoded reference (arg_image), it fills
     * ref->kp or the like; returns NULL, or why the reference cannot be
     * used (a usage error). */
    const char *(*prepare)(op_call *c, op_ref *ref);
    int variant; /* a constant for a run function rows share (morphology: CVS_MORPH_*) */
    const char *example; /* a pipeline using the op, shown by --list-ops OP (optional) */
    param_def params[OP_MAX_PARAMS];
} op_def;

extern const op_def op_table[];
extern const size_t op_count;

const op_def *op_find(const char *name);
/* For "did you mean": the name in `table` (count rows of row_size bytes,
 * each starting with its `const char *name`) closest to `name`, when it
 * is close enough (at most 3 edits, fewer than the name's length); else
 * NULL. */
const char *closest_name(const char *name, const void *table, size_t count, size_t row_size);
/* The op name closest to `name`, or NULL. */
const char *op_suggest(const char *name);
int op_param_index(const op_def *op, const char *name);
size_t op_param_count(const op_def *op);
size_t param_choice_count(const param_def *p);
/* Position of choice `name` (or of the choice with value `value` when name
 * is NULL) in p's list, or -1. */
int param_choice_index(const param_def *p, const char *name, int value);

/* Fills st with op and its defaults.  Returns 0, or -1 with the reason
 * (an internal error in the table) in err. */
int step_init(step *st, const op_def *op, char *err);

/* Writes the parameter's allowed values, e.g. "odd, 1..255" or
 * "rect|ellipse|cross", into buf. */
void param_describe_range(const param_def *p, char *buf, size_t n);
/* Writes the parameter's default value as text. */
void param_describe_default(const param_def *p, char *buf, size_t n);

/* --list-ops: plain text, or the markdown op reference. */
void ops_print(FILE *out, int markdown);
/* One op and its parameters, as --list-ops prints each. */
void op_print(FILE *out, const op_def *op, int markdown);
/* --list-ops OP / help OP: op_print, then an example command (the row's
 * example pipeline, or the op alone). */
void op_help(FILE *out, const op_def *op);

/* Writes s as a markdown table cell: '|' escaped so that it stays in the
 * cell. */
void md_put_cell(FILE *out, const char *s);

#endif
