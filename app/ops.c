/* SPDX-License-Identifier: MIT */
/* ops.c - what every op shares: lookup, the by-name parameter accessors,
 * defaults, and --list-ops.  The rows themselves are in ops_table.c. */
#include "ops.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const op_def *op_find(const char *name) {
    for (size_t i = 0; i < op_count; i++)
        if (strcmp(op_table[i].name, name) == 0) return &op_table[i];
    return NULL;
}

const char *closest_name(const char *name, const void *table, size_t count, size_t row_size) {
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < count; i++) {
        const char *row = *(const char *const *)(const void *)((const char *)table + i * row_size);
        size_t d = edit_distance(name, row);
        if (d < bestd) {
            bestd = d;
            best = row;
        }
    }
    return bestd <= 3 && bestd < strlen(name) ? best : NULL;
}

const char *op_suggest(const char *name) {
    /* Compared in lower case, so that GAUSSIAN or Resize find their op. */
    char lower[64];
    size_t n = 0;
    for (; name[n] && n + 1 < sizeof lower; n++) lower[n] = (char)tolower((unsigned char)name[n]);
    lower[n] = '\0';
    const op_def *op = op_find(lower);
    if (op) return op->name;
    return closest_name(lower, op_table, op_count, sizeof op_table[0]);
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

size_t param_choice_count(const param_def *p) {
    size_t n = 0;
    while (p->choices && p->choices[n].name) n++;
    return n;
}

int param_choice_index(const param_def *p, const char *name, int value) {
    for (int i = 0; p->choices && p->choices[i].name; i++)
        if (name ? strcmp(p->choices[i].name, name) == 0 : p->choices[i].value == value) return i;
    return -1;
}

int step_init(step *st, const op_def *op, char *err) {
    memset(st, 0, sizeof *st);
    st->op = op;
    for (size_t k = 0; k < op_param_count(op); k++) {
        const param_def *p = &op->params[k];
        if (p->type == PT_KERNEL || p->type == PT_PATH) {
            st->text[k] = p->def_choice;
            continue;
        }
        if (p->type != PT_CHOICE) {
            st->v[k] = p->def;
            continue;
        }
        int i = p->def_choice ? param_choice_index(p, p->def_choice, 0) : -1;
        if (i < 0)
            return seterr(err, "internal error: op %s: the default of '%s' is not one of its "
                          "choices", op->name, p->name);
        st->v[k] = i;
    }
    return 0;
}

/* The index of parameter `name` of type t in the call's op, or -1 (and
 * the name recorded as missing). */
static const char *type_name(ptype t) {
    return t == PT_INT ? "int" : t == PT_REAL ? "real" : t == PT_BOOL ? "bool"
         : t == PT_KERNEL ? "kernel" : t == PT_PATH ? "path" : "choice";
}

static void set_missing(op_call *c, const char *name, const char *type) {
    if (c->missing) return;
    c->missing = name;
    c->missing_type = type;
}

static int arg_index(op_call *c, const char *name, ptype t) {
    int k = op_param_index(c->st->op, name);
    if (k < 0 || c->st->op->params[k].type != t) {
        set_missing(c, name, type_name(t));
        return -1;
    }
    return k;
}

const char *op_call_internal(const op_call *c, char *buf, size_t n) {
    if (!c->missing) return NULL;
    snprintf(buf, n, "internal error: op %s has no %s%sparameter '%s'", c->st->op->name,
             c->missing_type ? c->missing_type : "", c->missing_type ? " " : "", c->missing);
    return buf;
}

cvs_status op_view(op_call *c, long x, long y, long width, long height) {
    const cvs_image *in = c->src;
    if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > in->width ||
        y + height > in->height) {
        snprintf(c->why_buf, sizeof c->why_buf,
                 "crop x=%ld y=%ld width=%ld height=%ld does not fit in the %dx%d image", x, y,
                 width, height, in->width, in->height);
        c->why = c->why_buf;
        return CVS_EINVAL;
    }
    *c->view = (cvs_image){.width = (int)width,
                           .height = (int)height,
                           .channels = in->channels,
                           .stride = in->stride,
                           .data = in->data + (size_t)y * in->stride + (size_t)x * (size_t)in->channels,
                           .capacity = 0};
    return CVS_OK;
}

int arg_int(op_call *c, const char *name) {
    int k = arg_index(c, name, PT_INT);
    return k < 0 ? 0 : (int)c->st->v[k];
}

double arg_real(op_call *c, const char *name) {
    int k = arg_index(c, name, PT_REAL);
    return k < 0 ? 0 : c->st->v[k];
}

const char *arg_text(op_call *c, const char *name) {
    int k = op_param_index(c->st->op, name);
    ptype t = k < 0 ? PT_KERNEL : c->st->op->params[k].type;
    if (t != PT_PATH) k = arg_index(c, name, PT_KERNEL);
    return k < 0 ? NULL : c->st->text[k];
}

const op_ref *arg_ref(op_call *c, const char *name) {
    int k = arg_index(c, name, PT_PATH);
    return k < 0 ? NULL : c->st->ref;
}

const cvs_image *arg_image(op_call *c, const char *name) {
    const op_ref *r = arg_ref(c, name);
    return r ? &r->img : NULL;
}

int arg_size(op_call *c, const char *name, int whole) {
    int k = arg_index(c, name, PT_INT);
    if (k < 0) return 0;
    if (c->st->pct & (1u << k)) return (int)lrint(c->st->v[k] * whole);
    return (int)c->st->v[k];
}

int arg_bool(op_call *c, const char *name) {
    int k = arg_index(c, name, PT_BOOL);
    return k >= 0 && c->st->v[k] != 0;
}

int arg_choice(op_call *c, const char *name) {
    int k = arg_index(c, name, PT_CHOICE);
    return k < 0 ? 0 : c->st->op->params[k].choices[(int)c->st->v[k]].value;
}

void arg_set(op_call *c, step *st, const char *name, double value) {
    int k = op_param_index(st->op, name);
    if (k >= 0 && st->op->params[k].type == PT_CHOICE) {
        int i = param_choice_index(&st->op->params[k], NULL, (int)value);
        if (i >= 0) {
            st->v[k] = i;
            return;
        }
    } else if (k >= 0 && st->op->params[k].type != PT_KERNEL &&
               st->op->params[k].type != PT_PATH) {
        st->v[k] = value;
        st->pct &= ~(1u << k);
        return;
    }
    set_missing(c, name, NULL);
}

void param_describe_range(const param_def *p, char *buf, size_t n) {
    switch (p->type) {
    case PT_BOOL:
        snprintf(buf, n, "true|false");
        break;
    case PT_CHOICE: {
        size_t len = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < param_choice_count(p) && len < n; i++)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? "|" : "", p->choices[i].name);
        break;
    }
    case PT_KERNEL:
        snprintf(buf, n, "numbers, rows split by ';', or @FILE; 1x1..%dx%d", KERNEL_MAX_SIDE,
                 KERNEL_MAX_SIDE);
        break;
    case PT_PATH:
        snprintf(buf, n, "a JPEG or PNG file");
        break;
    default:
        snprintf(buf, n, "%s%s%.10g..%.10g", p->flags & PF_ODD ? "odd, " : "",
                 p->flags & PF_ZERO_OK ? "0 or " : "", p->min, p->max);
    }
}

void param_describe_default(const param_def *p, char *buf, size_t n) {
    if (p->type == PT_BOOL)
        snprintf(buf, n, "%s", p->def != 0 ? "true" : "false");
    else if (p->type == PT_CHOICE)
        snprintf(buf, n, "%s", p->def_choice ? p->def_choice : "");
    else if (p->type == PT_KERNEL || p->type == PT_PATH)
        snprintf(buf, n, "%s", p->def_choice ? p->def_choice : "(required)");
    else
        snprintf(buf, n, "%.10g", p->def);
}

/* One number of a kernel row: the text up to the next blank, comma or
 * row end. */
static int kernel_number(const char **s, double *x, char *why, size_t n) {
    size_t len = strcspn(*s, " \t\r,;\n");
    char num[64], *end;
    if (len >= sizeof num) {
        snprintf(why, n, "has a value of %zu characters", len);
        return -1;
    }
    memcpy(num, *s, len);
    num[len] = '\0';
    errno = 0;
    *x = strtod(num, &end);
    if (end == num || *end) {
        snprintf(why, n, "has '%s', which is not a number", num);
        return -1;
    }
    if (!isfinite(*x) || (errno == ERANGE && fabs(*x) > 1)) {
        snprintf(why, n, "has '%s', which is not a finite number", num);
        return -1;
    }
    *s += len;
    return 0;
}

int kernel_parse(const char *text, op_kernel *k, char *why, size_t n) {
    memset(k, 0, sizeof *k);
    double *v = malloc(KERNEL_MAX_SIDE * KERNEL_MAX_SIDE * sizeof *v);
    if (!v) return snprintf(why, n, "cannot be held (out of memory)"), -1;
    int rows = 0, cols = 0;
    const char *s = text ? text : "";
    while (*s) {
        int in_row = 0;
        for (;;) {
            s += strspn(s, " \t\r,");
            if (!*s || *s == ';' || *s == '\n') break;
            if (in_row == 0 && rows == KERNEL_MAX_SIDE) {
                snprintf(why, n, "has over %d rows", KERNEL_MAX_SIDE);
                goto fail;
            }
            if (in_row == KERNEL_MAX_SIDE) {
                snprintf(why, n, "has over %d values in row %d", KERNEL_MAX_SIDE, rows + 1);
                goto fail;
            }
            double x = 0;
            if (kernel_number(&s, &x, why, n) != 0) goto fail;
            v[(size_t)rows * KERNEL_MAX_SIDE + (size_t)in_row++] = x;
        }
        if (*s) s++;
        if (!in_row) continue; /* a blank row */
        if (rows && in_row != cols) {
            snprintf(why, n, "is ragged: row %d has %d value%s, row 1 has %d", rows + 1, in_row,
                     in_row == 1 ? "" : "s", cols);
            goto fail;
        }
        cols = in_row;
        rows++;
    }
    if (!rows) {
        snprintf(why, n, "is empty");
        goto fail;
    }
    /* Packed: row r at r * cols. */
    for (int r = 1; r < rows; r++) memmove(v + r * cols, v + r * KERNEL_MAX_SIDE, (size_t)cols * sizeof *v);
    k->v = v;
    k->rows = rows;
    k->cols = cols;
    return 0;
fail:
    free(v);
    return -1;
}

void md_put_cell(FILE *out, const char *s) {
    for (; *s; s++) {
        if (*s == '|') fputc('\\', out);
        fputc(*s, out);
    }
}

/* What --list-ops adds to a parameter's help, from its flags. */
static const char *param_note(const param_def *p) {
    if (!(p->flags & PF_PERCENT)) return "";
    return p->type == PT_REAL ? " (also a percentage: 50% = 0.5)"
                              : " (also a percentage of the image's side, 0% to 100%)";
}

void op_print(FILE *out, const op_def *op, int markdown) {
    char range[256], def[64];
    const char *kind = op->flags & OPF_DETECTOR ? "detector" : "filter";
    const char *gray = op->flags & OPF_GRAY ? " Needs one channel: a color input is converted to gray first." : "";
    /* docs/images.md, "Alpha and metadata". */
    const char *alpha = op->flags & OPF_KEEPS_ALPHA ? " Keeps alpha (PNG)." : "";
    const char *icc = op->flags & (OPF_KEEPS_COLOR | OPF_DETECTOR) ? " Keeps the ICC profile." : "";
    if (markdown)
        fprintf(out, "### `%s` (%s)\n\n%s%s%s%s\n\n", op->name, kind, op->help, gray, alpha, icc);
    else
        fprintf(out, "%s (%s)\n    %s%s%s%s\n", op->name, kind, op->help, gray, alpha, icc);
    size_t np = op_param_count(op);
    if (markdown && np)
        fprintf(out, "| param | type | default | allowed | meaning |\n|---|---|---|---|---|\n");
    for (size_t k = 0; k < np; k++) {
        const param_def *p = &op->params[k];
        param_describe_range(p, range, sizeof range);
        param_describe_default(p, def, sizeof def);
        if (markdown) {
            fprintf(out, "| `%s` | %s | %s | ", p->name, type_name(p->type), def);
            md_put_cell(out, range);
            fputs(" | ", out);
            md_put_cell(out, p->help);
            md_put_cell(out, param_note(p));
            fputs(" |\n", out);
        } else
            fprintf(out, "    %-16s %-6s default %-8s %-22s %s%s\n", p->name, type_name(p->type),
                    def, range, p->help, param_note(p));
    }
}

void op_help(FILE *out, const op_def *op) {
    op_print(out, op, 0);
    int detector = (op->flags & OPF_DETECTOR) != 0;
    fprintf(out, "Example:\n    cvapp -p '%s' photo.jpg -o out.png%s\n",
            op->example ? op->example : op->name, detector ? " --features out.json" : "");
}

void ops_print(FILE *out, int markdown) {
    for (size_t i = 0; i < op_count; i++) {
        op_print(out, &op_table[i], markdown);
        fputc('\n', out);
    }
}
