/* ops.c - the op table.  One row per op; each row's run function is one
 * shim call.  Defaults are OpenCV's own where OpenCV has one; where it has
 * none the help text says "cvapp default". */
#include "ops.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* Row helpers: name, default, min, max, flags, help. */
#define P_INT(n, d, lo, hi, fl, h) {n, PT_INT, d, lo, hi, fl, NULL, h}
#define P_REAL(n, d, lo, hi, h) {n, PT_REAL, d, lo, hi, 0, NULL, h}
#define P_BOOL(n, d, h) {n, PT_BOOL, d, 0, 1, 0, NULL, h}
#define P_ENUM(n, d, choices, h) {n, PT_ENUM, d, 0, 0, 0, choices, h}
#define P_END {NULL, PT_INT, 0, 0, 0, 0, NULL, NULL}

#define I(k) ((int)c->v[k])

static cvs_status run_grayscale(const op_call *c) { return cvs_grayscale(c->src, c->dst); }

static cvs_status run_gaussian(const op_call *c) {
    return cvs_gaussian(c->src, c->dst, I(0), c->v[1], c->v[2]);
}
static const char *check_gaussian(const double *v) {
    return v[0] == 0 && v[1] == 0 ? "ksize=0 needs sigma > 0" : NULL;
}

static cvs_status run_canny(const op_call *c) {
    return cvs_canny(c->src, c->dst, c->v[0], c->v[1], I(2), I(3));
}

static cvs_status run_orb(const op_call *c) {
    cvs_orb_params p = {I(0), c->v[1], I(2), I(3), I(4), I(5), I(6), I(7), I(8), I(9)};
    cvs_keypoints kp = {0};
    cvs_status st = cvs_orb(c->src, &p, &kp);
    if (st == CVS_OK && findings_add_keypoints(c->found, c->op->name, &kp) != 0)
        st = CVS_ENOMEM;
    return st;
}
static const char *check_orb(const double *v) {
    return v[4] >= v[2] ? "first_level must be below nlevels" : NULL;
}

const op_def op_table[] = {
    {"grayscale", "Convert BGR to one gray channel (cv::cvtColor, COLOR_BGR2GRAY); gray stays gray. "
                  "Shortcut: as the first step on a color JPEG, the decoder's luma is used instead "
                  "(faster; under 1% of pixels differ, by a few levels, more where colors clip); --exact turns it off.",
     0, run_grayscale, NULL, {P_END}},
    {"gaussian", "Gaussian blur (cv::GaussianBlur).", 0, run_gaussian, check_gaussian,
     {P_INT("ksize", 3, 1, 255, PF_ODD | PF_ZERO_OK,
            "kernel width and height; 0 = from sigma (cvapp default 3)"),
      P_REAL("sigma", 0, 0, 1000, "X standard deviation; 0 = from ksize"),
      P_REAL("sigma_y", 0, 0, 1000, "Y standard deviation; 0 = same as sigma"), P_END}},
    {"canny", "Canny edges (cv::Canny); a color input uses its strongest channel gradient.", 0,
     run_canny, NULL,
     {P_REAL("low", 50, 0, 100000, "lower hysteresis threshold (cvapp default)"),
      P_REAL("high", 150, 0, 100000, "upper hysteresis threshold (cvapp default)"),
      P_INT("aperture", 3, 3, 7, PF_ODD, "Sobel aperture size"),
      P_BOOL("l2", 0, "use the L2 gradient norm"), P_END}},
    {"orb", "ORB keypoints (cv::ORB); a color input is converted to gray by OpenCV itself.",
     OPF_DETECTOR, run_orb, check_orb,
     {P_INT("nfeatures", 500, 1, 1000000, 0, "maximum number of keypoints"),
      P_REAL("scale_factor", 1.2, 1.01, 4, "pyramid decimation ratio"),
      P_INT("nlevels", 8, 1, 32, 0, "pyramid levels"),
      P_INT("edge_threshold", 31, 0, 1024, 0, "border where no keypoint is found"),
      P_INT("first_level", 0, 0, 31, 0, "pyramid level of the source image"),
      P_INT("wta_k", 2, 2, 4, 0, "points per BRIEF comparison"),
      P_ENUM("score_type", 0, "harris|fast", "keypoint ranking score"),
      P_INT("patch_size", 31, 2, 1024, 0, "size of the oriented BRIEF patch"),
      P_INT("fast_threshold", 20, 0, 255, 0, "FAST threshold"),
      P_BOOL("descriptors", 0, "compute descriptors too"), P_END}},
};
const size_t op_count = sizeof op_table / sizeof op_table[0];

const op_def *op_find(const char *name) {
    for (size_t i = 0; i < op_count; i++)
        if (strcmp(op_table[i].name, name) == 0) return &op_table[i];
    return NULL;
}

const char *op_suggest(const char *name) {
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < op_count; i++) {
        size_t d = edit_distance(name, op_table[i].name);
        if (d < bestd) {
            bestd = d;
            best = op_table[i].name;
        }
    }
    return bestd <= 3 && bestd < strlen(name) ? best : NULL;
}

int op_param_index(const op_def *op, const char *name) {
    for (int i = 0; i < OP_MAX_PARAMS && op->params[i].name; i++)
        if (strcmp(op->params[i].name, name) == 0) return i;
    return -1;
}

size_t op_param_count(const op_def *op) {
    size_t n = 0;
    while (n < OP_MAX_PARAMS && op->params[n].name) n++;
    return n;
}

static const char *type_name(ptype t) {
    return t == PT_INT ? "int" : t == PT_REAL ? "real" : t == PT_BOOL ? "bool" : "choice";
}

void param_describe_range(const param_def *p, char *buf, size_t n) {
    switch (p->type) {
    case PT_BOOL:
        snprintf(buf, n, "true|false");
        break;
    case PT_ENUM:
        snprintf(buf, n, "%s", p->choices);
        break;
    default:
        snprintf(buf, n, "%s%s%.10g..%.10g", p->flags & PF_ODD ? "odd, " : "",
                 p->flags & PF_ZERO_OK ? "0 or " : "", p->min, p->max);
    }
}

void param_describe_default(const param_def *p, char *buf, size_t n) {
    if (p->type == PT_BOOL) {
        snprintf(buf, n, "%s", p->def != 0 ? "true" : "false");
    } else if (p->type == PT_ENUM) {
        const char *s = p->choices;
        for (int i = 0; i < (int)p->def && s; i++) {
            s = strchr(s, '|');
            if (s) s++;
        }
        size_t len = s ? strcspn(s, "|") : 0;
        snprintf(buf, n, "%.*s", (int)len, s ? s : "");
    } else {
        snprintf(buf, n, "%.10g", p->def);
    }
}

void ops_print(FILE *out, int markdown) {
    char range[128], def[64];
    for (size_t i = 0; i < op_count; i++) {
        const op_def *op = &op_table[i];
        const char *kind = op->flags & OPF_DETECTOR ? "detector" : "filter";
        const char *gray = op->flags & OPF_GRAY ? " Needs one channel: a color input is converted to gray first." : "";
        if (markdown)
            fprintf(out, "### `%s` (%s)\n\n%s%s\n\n", op->name, kind, op->help, gray);
        else
            fprintf(out, "%s (%s)\n    %s%s\n", op->name, kind, op->help, gray);
        size_t np = op_param_count(op);
        if (markdown && np)
            fprintf(out, "| param | type | default | allowed | meaning |\n|---|---|---|---|---|\n");
        for (size_t k = 0; k < np; k++) {
            const param_def *p = &op->params[k];
            param_describe_range(p, range, sizeof range);
            param_describe_default(p, def, sizeof def);
            if (markdown)
                fprintf(out, "| `%s` | %s | %s | %s | %s |\n", p->name, type_name(p->type), def,
                        range, p->help);
            else
                fprintf(out, "    %-16s %-6s default %-8s %-22s %s\n", p->name, type_name(p->type),
                        def, range, p->help);
        }
        fputc('\n', out);
    }
}
