/* ops.h - the op table: every operation cvapp knows, described once.
 *
 * The pipeline parser, validation, --list-ops (text and markdown) and the
 * README's op reference all read this table.  Adding an op is one row in
 * ops.c plus one shim call. */
#ifndef CVAPP_OPS_H
#define CVAPP_OPS_H

#include <stddef.h>
#include <stdio.h>

#include "../shim/cvshim.h"
#include "findings.h"

#define OP_MAX_PARAMS 12

typedef enum ptype { PT_INT, PT_REAL, PT_BOOL, PT_ENUM } ptype;

/* Parameter flags. */
#define PF_ODD 1u     /* an odd integer (or 0 with PF_ZERO_OK) */
#define PF_ZERO_OK 2u /* 0 is allowed besides the range/odd rule */

typedef struct param_def {
    const char *name;    /* NULL ends the list */
    ptype type;
    double def;          /* default (PT_ENUM: index into choices) */
    double min, max;     /* inclusive range, PT_INT and PT_REAL */
    unsigned flags;
    const char *choices; /* PT_ENUM: "a|b|c" */
    const char *help;
} param_def;

/* Op flags. */
#define OPF_DETECTOR 1u /* records features; the image passes on unchanged */
#define OPF_GRAY 2u     /* a color input is converted to gray first */

/* What an op's run function gets: v[i] is the value of params[i]. */
typedef struct op_call {
    const cvs_image *src; /* the current image (gray if OPF_GRAY) */
    cvs_image *dst;       /* filters write the result here */
    findings *found;      /* detectors add what they find here */
    const struct op_def *op;
    const double *v;
} op_call;

typedef struct op_def {
    const char *name;
    const char *help;
    unsigned flags;
    cvs_status (*run)(const op_call *c);
    /* Optional check across parameters: returns NULL when fine, else the
     * reason. */
    const char *(*check)(const double *v);
    param_def params[OP_MAX_PARAMS];
} op_def;

extern const op_def op_table[];
extern const size_t op_count;

const op_def *op_find(const char *name);
/* The op name closest to `name` (for "did you mean"), or NULL. */
const char *op_suggest(const char *name);
int op_param_index(const op_def *op, const char *name);
size_t op_param_count(const op_def *op);

/* Writes the parameter's allowed values, e.g. "odd, 1..255" or
 * "rect|ellipse|cross", into buf. */
void param_describe_range(const param_def *p, char *buf, size_t n);
/* Writes the parameter's default value as text. */
void param_describe_default(const param_def *p, char *buf, size_t n);

/* --list-ops: plain text, or the markdown op reference. */
void ops_print(FILE *out, int markdown);

#endif
