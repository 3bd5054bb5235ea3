/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "pipeline.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "imageio.h"

/* Shown values are cut so that a message stays one readable line. */
#define SHOW 40

/* "P%" for a PF_PERCENT parameter: 1 with the share P/100 in *out (0 and
 * *why set when it is not a valid percentage), 0 when s is no percentage. */
static int parse_percent(const param_def *p, const char *s, double *out, int *bad,
                         const char **why) {
    size_t len = strlen(s);
    if (!(p->flags & PF_PERCENT) || len < 2 || s[len - 1] != '%') return 0;
    char num[64], *end;
    if (len - 1 >= sizeof num) return *bad = 1, *why = "is not a percentage", 1;
    memcpy(num, s, len - 1);
    num[len - 1] = '\0';
    errno = 0;
    double x = strtod(num, &end);
    if (end == num || *end || !isfinite(x) || errno == ERANGE)
        return *bad = 1, *why = "is not a percentage", 1;
    x /= 100;
    if (p->type == PT_INT ? x < 0 || x > 1
                          : (x < p->min || x > p->max) && !(x == 0 && (p->flags & PF_ZERO_OK)))
        return *bad = 1, *why = "is out of range", 1;
    *out = x == 0 ? 0 : x;
    return 1;
}

static int parse_value(const param_def *p, const char *s, double *out, const char **why) {
    char *end;
    errno = 0;
    switch (p->type) {
    case PT_INT: {
        long long x = strtoll(s, &end, 10);
        if (end == s || *end) return *why = "is not an integer", -1;
        int zero_ok = x == 0 && (p->flags & PF_ZERO_OK);
        if (errno == ERANGE || ((x < (long long)p->min || x > (long long)p->max) && !zero_ok))
            return *why = "is out of range", -1;
        if ((p->flags & PF_ODD) && x % 2 == 0 && !(x == 0 && (p->flags & PF_ZERO_OK)))
            return *why = "must be odd", -1;
        *out = (double)x;
        return 0;
    }
    case PT_REAL: {
        double x = strtod(s, &end);
        if (end == s || *end) return *why = "is not a number", -1;
        if (!isfinite(x)) return *why = "must be a finite number", -1;
        if (errno == ERANGE && fabs(x) > 1) return *why = "is out of range", -1;
        if ((x < p->min || x > p->max) && !(x == 0 && (p->flags & PF_ZERO_OK)))
            return *why = "is out of range", -1;
        *out = x == 0 ? 0 : x; /* no negative zero */
        return 0;
    }
    case PT_BOOL: {
        static const char *yes[] = {"true", "1", "yes", "on"}, *no[] = {"false", "0", "no", "off"};
        for (int i = 0; i < 4; i++) {
            if (!strcmp(s, yes[i])) return *out = 1, 0;
            if (!strcmp(s, no[i])) return *out = 0, 0;
        }
        return *why = "is not true or false", -1;
    }
    case PT_CHOICE: {
        int idx = param_choice_index(p, s, 0);
        if (idx < 0) return *why = "is not one of the choices", -1;
        *out = idx;
        return 0;
    }
    case PT_KERNEL:
    case PT_PATH:
        break; /* parse_kernel, keep_text */
    }
    return *why = "has an unknown type", -1;
}

/* The next blank-separated word of *s (modified in place), or NULL at
 * the end.  Quotes group: kernel="1 2; 3 4" is one word, kernel=1 2; 3 4
 * without them, the quotes removed ('...' or "...", the other kind kept
 * inside).  parse_lines has checked that every quote is closed. */
static char *next_token(char **s) {
    char *p = *s + strspn(*s, " \t\r\n"), *start = p, *out = p;
    if (!*p) return NULL;
    char quote = 0;
    for (; *p && (quote || !strchr(" \t\r\n", *p)); p++) {
        if (!quote && (*p == '"' || *p == '\''))
            quote = *p;
        else if (*p == quote)
            quote = 0;
        else
            *out++ = *p;
    }
    *s = *p ? p + 1 : p;
    *out = '\0';
    return start;
}

/* The end of a quote opened at s[-1] (s points after the quote), or NULL
 * when the line or the text ends first. */
static const char *quote_end(const char *s, char quote) {
    for (; *s && *s != '\n'; s++)
        if (*s == quote) return s;
    return NULL;
}

/* The first '|' of s outside quotes, or NULL. */
static char *find_bar(char *s) {
    for (; *s; s++) {
        if (*s == '|') return s;
        if (*s == '"' || *s == '\'') {
            const char *e = quote_end(s + 1, *s);
            if (!e) return NULL;
            s = (char *)(uintptr_t)e;
        }
    }
    return NULL;
}

/* Keeps a copy of text as parameter k's value (freed by pipeline_free). */
static int keep_text(step *st, int k, const char *text) {
    char *copy = strdup(text);
    if (!copy) return -1;
    st->text[k] = copy;
    st->owned |= 1u << k;
    return 0;
}

/* A PT_KERNEL value: inline, or "@FILE" (read now, at most
 * PIPELINE_MAX_SPEC bytes of text), checked with kernel_parse and kept as
 * text in st->text[k]. */
static int parse_kernel(const char *value, size_t index, const op_def *op, int k, step *st,
                        char *err) {
    const param_def *p = &op->params[k];
    char why[ERRLEN];
    membuf b = {0};
    const char *text = value;
    if (value[0] == '@') {
        if (strcmp(value, "@-") == 0)
            return seterr(err, "pipeline step %zu (%s): %s=@- is not allowed: a kernel cannot "
                          "come from stdin", index, op->name, p->name);
        if (file_read_all(value + 1, &b, why) != 0) {
            membuf_free(&b);
            return seterr(err, "pipeline step %zu (%s): %s=%.*s is not readable: %s", index,
                          op->name, p->name, SHOW, value, why);
        }
        int bad = b.len > PIPELINE_MAX_SPEC;
        for (size_t i = 0; !bad && i < b.len; i++)
            bad = b.data[i] == 0 || (b.data[i] < 32 && !isspace(b.data[i]));
        if (bad || membuf_append(&b, "", 1) != 0) {
            membuf_free(&b);
            return seterr(err, "pipeline step %zu (%s): %s=%.*s is not a text file of at most "
                          "%d bytes", index, op->name, p->name, SHOW, value, PIPELINE_MAX_SPEC);
        }
        text = (const char *)b.data;
    }
    op_kernel kn;
    if (kernel_parse(text, &kn, why, sizeof why) != 0) {
        membuf_free(&b);
        char range[128];
        param_describe_range(p, range, sizeof range);
        return seterr(err, "pipeline step %zu (%s): %s=%.*s %s (allowed: %s)", index, op->name,
                      p->name, SHOW, value, why, range);
    }
    free(kn.v);
    int rc = keep_text(st, k, text);
    membuf_free(&b);
    return rc != 0 ? seterr(err, "out of memory") : 0;
}

static int has_kernel(const op_def *op) {
    for (size_t k = 0; k < op_param_count(op); k++)
        if (op->params[k].type == PT_KERNEL) return 1;
    return 0;
}

/* Parses one step's text (NUL-terminated, modified in place). */
static int parse_step(char *text, size_t index, step *st, char *err) {
    char *save = text;
    char *name = next_token(&save);
    if (!name) return seterr(err, "pipeline step %zu is empty", index);
    const op_def *op = op_find(name);
    if (!op) {
        const char *s = op_suggest(name);
        return seterr(err, "pipeline step %zu: unknown op '%.*s'%s%s%s", index, SHOW, name,
                      s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "; see --list-ops");
    }
    if (step_init(st, op, err) != 0) return -1;
    size_t np = op_param_count(op);
    unsigned seen = 0;
    for (char *tok; (tok = next_token(&save));) {
        char *eq = strchr(tok, '=');
        if (eq) *eq = '\0';
        int k = op_param_index(op, tok);
        if (k < 0) {
            const char *best = NULL;
            size_t bestd = 4;
            for (size_t i = 0; i < np; i++) {
                size_t d = edit_distance(tok, op->params[i].name);
                if (d < bestd) bestd = d, best = op->params[i].name;
            }
            /* "kernel=1 2; 3 4" unquoted: the blanks split the value. */
            int split = !eq && !best && has_kernel(op);
            return seterr(err, "pipeline step %zu (%s): unknown parameter '%.*s'%s%s%s%s", index,
                          op->name, SHOW, tok, best ? " (did you mean '" : "", best ? best : "",
                          best ? "'?)" : "",
                          split ? " (a value with blanks needs quotes: kernel=\"1 2; 3 4\")" : "");
        }
        const param_def *p = &op->params[k];
        if (!eq || !eq[1])
            return seterr(err, "pipeline step %zu (%s): parameter '%s' has no value (write %s=VALUE)",
                          index, op->name, p->name, p->name);
        if (seen & (1u << k))
            return seterr(err, "pipeline step %zu (%s): parameter '%s' is given twice", index,
                          op->name, p->name);
        seen |= 1u << k;
        if (p->type == PT_KERNEL) {
            if (parse_kernel(eq + 1, index, op, k, st, err) != 0) return -1;
            continue;
        }
        if (p->type == PT_PATH) { /* read by pipeline_prepare */
            if (keep_text(st, k, eq + 1) != 0) return seterr(err, "out of memory");
            continue;
        }
        const char *why = NULL;
        int bad = 0, pct = parse_percent(p, eq + 1, &st->v[k], &bad, &why);
        if (pct && !bad && p->type == PT_INT) st->pct |= 1u << k;
        if (bad || (!pct && parse_value(p, eq + 1, &st->v[k], &why) != 0)) {
            char range[128];
            param_describe_range(p, range, sizeof range);
            return seterr(err, "pipeline step %zu (%s): %s=%.*s %s (allowed: %s)", index, op->name,
                          p->name, SHOW, eq + 1, why, range);
        }
    }
    if (!op->check) return 0;
    op_call call = {.st = st};
    char internal[ERRLEN];
    const char *why = op->check(&call);
    if (op_call_internal(&call, internal, sizeof internal))
        return seterr(err, "pipeline step %zu (%s): %s", index, op->name, internal);
    if (why) return seterr(err, "pipeline step %zu (%s): %s", index, op->name, why);
    return 0;
}

/* A step that draws findings after a step that moved the pixels they were
 * found on (a detector, then an OPF_GEOMETRY step, then an OPF_DRAWS one)
 * would draw at stale coordinates: refused, naming the steps. */
static int check_draw_order(const pipeline *pl, size_t *bad, char *err) {
    size_t detector = 0, moved = 0; /* 1-based step numbers; 0 = none yet */
    size_t model = 0, model_moved = 0; /* the last model step, a geometry step after it */
    for (size_t i = 0; i < pl->n; i++) {
        const op_def *op = pl->steps[i].op;
        if ((op->flags & OPF_USES_MODEL) && !model) {
            *bad = i;
            return seterr(err, "pipeline step %zu (%s): needs a match step before it (the model "
                          "it uses)", i + 1, op->name);
        }
        if ((op->flags & OPF_USES_MODEL) && model_moved) {
            *bad = i;
            return seterr(err, "pipeline step %zu (%s): step %zu (%s) moves the pixels that step "
                          "%zu (%s) found its model on; match after it, or move it after this "
                          "step", i + 1, op->name, model_moved, pl->steps[model_moved - 1].op->name,
                          model, pl->steps[model - 1].op->name);
        }
        if (op->flags & OPF_FINDS_MODEL) model = i + 1, model_moved = 0;
        else if ((op->flags & OPF_GEOMETRY) && model && !model_moved) model_moved = i + 1;
        if ((op->flags & OPF_DETECTOR) && !detector) detector = i + 1;
        if ((op->flags & OPF_GEOMETRY) && detector && !moved) moved = i + 1;
        if ((op->flags & OPF_DRAWS) && moved) {
            *bad = i;
            return seterr(err, "pipeline step %zu (%s): step %zu (%s) moves the pixels that step "
                          "%zu (%s) found features on, so they would be drawn in the wrong "
                          "place; draw before step %zu, or detect after it",
                          i + 1, op->name, moved, pl->steps[moved - 1].op->name, detector,
                          pl->steps[detector - 1].op->name, moved);
        }
    }
    return 0;
}

/* pipeline_parse, and *line: the line of the spec (from 1) holding the
 * step an error is about, 0 when the error is about no one step. */
static int parse_lines(const char *spec, pipeline *pl, char *err, int *line) {
    *line = 0;
    memset(pl, 0, sizeof *pl);
    size_t len = strlen(spec);
    if (len > PIPELINE_MAX_SPEC)
        return seterr(err, "pipeline is %zu bytes, over the %d-byte limit", len, PIPELINE_MAX_SPEC);
    /* Comments out, newlines become step separators. */
    char *text = malloc(len + 1);
    if (!text) return seterr(err, "out of memory");
    size_t n = 0;
    int in_comment = 0;
    int lineno = 1;
    for (const char *s = spec; *s; s++) {
        if (*s == '\n') {
            in_comment = 0;
            lineno++;
            text[n++] = '\n';
        } else if (*s == '#') {
            in_comment = 1;
        } else if (!in_comment && (*s == '"' || *s == '\'')) {
            /* A quoted value: '#' and '|' inside are its own. */
            const char *e = quote_end(s + 1, *s);
            if (!e) {
                free(text);
                *line = lineno;
                return seterr(err, "pipeline has a quote (%c) that is not closed on its line", *s);
            }
            memcpy(text + n, s, (size_t)(e - s) + 1);
            n += (size_t)(e - s) + 1;
            s = e;
        } else if (!in_comment) {
            text[n++] = *s;
        }
    }
    text[n] = '\0';
    /* Split into steps: a blank line is skipped; within a line every
     * '|'-separated part must hold a step ("a || b" is an error). */
    char *parts[PIPELINE_MAX_STEPS];
    int lines[PIPELINE_MAX_STEPS];
    size_t count = 0;
    int rc = 0;
    lineno = 0;
    for (char *ln = text, *next; ln && rc == 0; ln = next) {
        next = strchr(ln, '\n');
        if (next) *next++ = '\0';
        lineno++;
        if (strspn(ln, " \t\r") == strlen(ln)) continue;
        for (char *part = ln, *bar; part && rc == 0; part = bar) {
            bar = find_bar(part);
            if (bar) *bar++ = '\0';
            if (count == PIPELINE_MAX_STEPS) {
                rc = seterr(err, "pipeline has over %d steps", PIPELINE_MAX_STEPS);
            } else {
                lines[count] = lineno;
                parts[count++] = part;
            }
        }
    }
    if (rc == 0 && count == 0) rc = seterr(err, "pipeline is empty");
    if (rc == 0 && !(pl->steps = calloc(count, sizeof *pl->steps))) rc = seterr(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < count; i++) {
        rc = parse_step(parts[i], i + 1, &pl->steps[i], err);
        pl->n = i + 1;
        if (rc != 0) *line = lines[i];
    }
    size_t bad;
    if (rc == 0 && (rc = check_draw_order(pl, &bad, err)) != 0) *line = lines[bad];
    free(text);
    if (rc != 0) pipeline_free(pl);
    return rc;
}

int pipeline_parse(const char *spec, pipeline *pl, char *err) {
    int line;
    return parse_lines(spec, pl, err, &line);
}

int pipeline_load(const char *arg, pipeline *pl, char *err) {
    if (arg[0] != '@') return pipeline_parse(arg, pl, err);
    membuf b = {0};
    char why[ERRLEN];
    if (file_read_all(arg + 1, &b, why) != 0) {
        membuf_free(&b);
        return seterr(err, "pipeline file %s: %s", arg + 1, why);
    }
    int rc = 0;
    if (b.len > PIPELINE_MAX_SPEC)
        rc = seterr(err, "pipeline file %s: over the %d-byte limit", arg + 1, PIPELINE_MAX_SPEC);
    for (size_t i = 0; rc == 0 && i < b.len; i++)
        if (b.data[i] == 0 || (b.data[i] < 32 && !isspace(b.data[i])))
            rc = seterr(err, "pipeline file %s: not a text file (byte %zu)", arg + 1, i);
    if (rc == 0 && membuf_append(&b, "", 1) != 0) rc = seterr(err, "out of memory");
    int line = 0;
    if (rc == 0 && parse_lines((const char *)b.data, pl, why, &line) != 0) {
        /* "pipeline file F line 3: step 2 (gaussian): ..." */
        const char *what = strncmp(why, "pipeline ", 9) == 0 && line ? why + 9 : why;
        if (line)
            rc = seterr(err, "pipeline file %s line %d: %s", arg + 1, line, what);
        else
            rc = seterr(err, "pipeline file %s: %s", arg + 1, why);
    }
    membuf_free(&b);
    return rc;
}

/* The index of op's PT_PATH parameter, or -1. */
static int path_param(const op_def *op) {
    for (size_t k = 0; k < op_param_count(op); k++)
        if (op->params[k].type == PT_PATH) return (int)k;
    return -1;
}

/* Reads and decodes step i's reference image, as inputs are (dec). */
static int load_ref(step *st, size_t i, const decode_opts *dec, codec *cd, char *err) {
    int k = path_param(st->op);
    const char *path = st->text[k], *name = st->op->params[k].name;
    char why[ERRLEN];
    if (!strcmp(path, "-"))
        return seterr(err, "pipeline step %zu (%s): %s=- is not allowed: a reference cannot come "
                      "from stdin", i + 1, st->op->name, name);
    membuf b = {0};
    int rc = 0;
    if (file_read_all(path, &b, why) != 0)
        rc = seterr(err, "pipeline step %zu (%s): %s=%s is not readable: %s", i + 1, st->op->name,
                    name, path, why);
    else if (image_detect(b.data, b.len) == IMG_UNKNOWN)
        rc = seterr(err, "pipeline step %zu (%s): %s=%s is not a JPEG or PNG image%s", i + 1,
                    st->op->name, name, path, b.len ? "" : " (it is empty)");
    else if (!(st->ref = calloc(1, sizeof *st->ref)))
        rc = seterr(err, "out of memory");
    else if (image_decode(cd, b.data, b.len, dec, &st->ref->img, why) != 0)
        rc = seterr(err, "pipeline step %zu (%s): %s=%s cannot be decoded: %s", i + 1,
                    st->op->name, name, path, why);
    membuf_free(&b);
    if (rc == 0 && st->op->prepare) {
        op_call call = {.st = st};
        const char *bad = st->op->prepare(&call, st->ref);
        char internal[ERRLEN];
        if (op_call_internal(&call, internal, sizeof internal))
            rc = seterr(err, "pipeline step %zu (%s): %s", i + 1, st->op->name, internal);
        else if (bad)
            rc = seterr(err, "pipeline step %zu (%s): %s=%s %s", i + 1, st->op->name, name, path,
                        bad);
    }
    return rc;
}

int pipeline_prepare(pipeline *pl, const decode_opts *dec, char *err) {
    decode_opts d = *dec;
    d.to_gray = d.keep_alpha = d.min_width = d.min_height = 0; /* the whole image, BGR or gray */
    codec cd = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < pl->n; i++) {
        step *st = &pl->steps[i];
        if (st->ref || path_param(st->op) < 0) continue;
        if (!st->text[path_param(st->op)]) continue; /* its check refused it already */
        rc = load_ref(st, i, &d, &cd, err);
    }
    codec_free(&cd);
    return rc;
}

size_t pipeline_refs(const pipeline *pl, const char **paths, size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < pl->n; i++) {
        int k = path_param(pl->steps[i].op);
        if (k >= 0 && pl->steps[i].text[k] && n < max) paths[n++] = pl->steps[i].text[k];
    }
    return n;
}

void pipeline_free(pipeline *pl) {
    for (size_t i = 0; pl->steps && i < pl->n; i++) {
        if (!pl->steps[i].ref) continue;
        cvs_image_free(&pl->steps[i].ref->img);
        cvs_keypoints_free(&pl->steps[i].ref->kp);
        free(pl->steps[i].ref);
    }
    for (size_t i = 0; pl->steps && i < pl->n; i++)
        for (int k = 0; k < OP_MAX_PARAMS; k++)
            if (pl->steps[i].owned & (1u << k)) free((char *)(uintptr_t)pl->steps[i].text[k]);
    free(pl->steps);
    memset(pl, 0, sizeof *pl);
}

int pipeline_has_detector(const pipeline *pl) {
    for (size_t i = 0; i < pl->n; i++)
        if (pl->steps[i].op->flags & OPF_DETECTOR) return 1;
    return 0;
}

/* 1 when img's pixels lie in base's buffer. */
static int within(const cvs_image *img, const cvs_image *base) {
    size_t size = base->capacity ? base->capacity : base->stride * (size_t)base->height;
    return base->data && img->data >= base->data && img->data < base->data + size;
}

void pipe_buffers_free(pipe_buffers *b) {
    cvs_image_free(&b->img[0]);
    cvs_image_free(&b->img[1]);
    cvs_image_free(&b->gray);
}

cvs_image *pipe_input(pipe_buffers *b) {
    return b->img[0].capacity > b->img[1].capacity ? &b->img[0] : &b->img[1];
}

void pipe_buffers_trim(pipe_buffers *b, const cvs_image *keep) {
    cvs_image *all[] = {&b->img[0], &b->img[1], &b->gray};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (!keep || !within(keep, all[i])) cvs_image_free(all[i]);
}

int pipeline_run(const pipeline *pl, const cvs_image *in, pipe_buffers *b, findings *found,
                 const cvs_image **out, double *step_ms, char *err) {
    return pipeline_run_from(pl, 0, NULL, in, b, found, out, step_ms, err);
}

int pipeline_run_from(const pipeline *pl, size_t first, const step *replace, const cvs_image *in,
                      pipe_buffers *b, findings *found, const cvs_image **out, double *step_ms,
                      char *err) {
    const cvs_image *cur = in;
    int next = in == &b->img[0]; /* the first result goes to the other buffer */
    for (size_t i = 0; step_ms && i < first && i < pl->n; i++) step_ms[i] = 0;
    for (size_t i = first; i < pl->n; i++) {
        const step *st = i == first && replace ? replace : &pl->steps[i];
        double t0 = now_ms();
        const cvs_image *src = cur;
        cvs_status rc = CVS_OK;
        if ((st->op->flags & OPF_GRAY) && cur->channels != 1) {
            rc = cvs_grayscale(cur, &b->gray);
            src = &b->gray;
        }
        int filter = !(st->op->flags & OPF_DETECTOR);
        /* dst is never the buffer under cur (or under a view of it). */
        cvs_image *dst = &b->img[next], view = {0};
        op_call call = {.st = st, .src = src, .dst = filter ? dst : NULL,
                        .view = filter ? &view : NULL, .found = found};
        if (rc == CVS_OK) rc = st->op->run(&call);
        char internal[ERRLEN];
        if (op_call_internal(&call, internal, sizeof internal))
            return seterr(err, "step %zu (%s) failed: %s", i + 1, st->op->name, internal);
        if (rc != CVS_OK)
            return seterr(err, "step %zu (%s) failed: %s", i + 1, st->op->name,
                          call.why ? call.why : cvs_last_error());
        if (filter && view.data) {
            b->view = view;
            cur = &b->view;
        } else if (filter) {
            cur = dst;
            next ^= 1;
        }
        if (step_ms) step_ms[i] = now_ms() - t0;
    }
    *out = cur;
    return 0;
}
