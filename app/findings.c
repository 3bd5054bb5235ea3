/* SPDX-License-Identifier: MIT */
#include "findings.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct ranked {
    float response;
    size_t index;
} ranked;

static int by_strength(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    if (x->response != y->response) return x->response > y->response ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static int by_index(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

/* Keeps the max keypoints with the strongest response, in their order.
 * moved (kp->count entries, or NULL): each keypoint's new index, or
 * SIZE_MAX when it was cut. */
static int cut_keypoints(cvs_keypoints *kp, size_t max, size_t *moved) {
    ranked *r = malloc(kp->count * sizeof *r);
    if (!r) return -1;
    for (size_t i = 0; moved && i < kp->count; i++) moved[i] = SIZE_MAX;
    for (size_t i = 0; i < kp->count; i++) r[i] = (ranked){kp->items[i].response, i};
    qsort(r, kp->count, sizeof *r, by_strength);
    qsort(r, max, sizeof *r, by_index);
    size_t row = kp->desc_type == CVS_DESC_F32 ? (size_t)kp->desc_len * 4 : (size_t)kp->desc_len;
    unsigned char *d = kp->descriptors;
    for (size_t k = 0; k < max; k++) {
        if (moved) moved[r[k].index] = k;
        kp->items[k] = kp->items[r[k].index];
        if (d) memmove(d + k * row, d + r[k].index * row, row);
    }
    kp->count = max;
    free(r);
    return 0;
}

/* A match step's matches after its keypoints were cut: those of a cut
 * keypoint dropped, the others renumbered (moved), in their order. */
static void renumber_matches(cvs_matches *m, const size_t *moved) {
    size_t n = 0;
    for (size_t i = 0; i < m->count; i++) {
        size_t to = moved[m->items[i].query];
        if (to == SIZE_MAX) continue;
        m->items[n] = m->items[i];
        m->items[n++].query = (int)to;
    }
    m->count = n;
}

static int cut_set(feature_set *s, size_t max) {
    if (s->kp.count > max) {
        size_t *moved = s->match ? malloc(s->kp.count * sizeof *moved) : NULL;
        if ((s->match && !moved) || cut_keypoints(&s->kp, max, moved) != 0) {
            free(moved);
            return -1;
        }
        if (moved) renumber_matches(&s->match->matches, moved);
        free(moved);
    }
    if (s->match && s->match->matches.count > max) s->match->matches.count = max;
    if (s->lines.count > max) s->lines.count = max;
    if (s->circles.count > max) s->circles.count = max;
    if (s->boxes.count > max) s->boxes.count = max;
    if (s->contours.count > max) {
        s->contours.count = max;
        for (size_t i = 0; i < max; i++)
            if (s->contours.items[i].parent >= (int)max) s->contours.items[i].parent = -1;
    }
    return 0;
}

int findings_add(findings *f, const char *detector, feature_set *s) {
    size_t count = feature_set_count(s);
    if (s->found < count) s->found = count;
    if (f->max_items && cut_set(s, f->max_items) != 0) {
        feature_set_free(s);
        return -1;
    }
    if (f->nsets == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 4;
        feature_set *p = realloc(f->sets, ncap * sizeof *p);
        if (!p) {
            feature_set_free(s);
            return -1;
        }
        f->sets = p;
        f->cap = ncap;
    }
    f->sets[f->nsets] = *s;
    f->sets[f->nsets].detector = detector;
    f->nsets++;
    memset(s, 0, sizeof *s);
    return 0;
}

int findings_add_keypoints(findings *f, const char *detector, cvs_keypoints *kp) {
    feature_set s = {.kp = *kp};
    memset(kp, 0, sizeof *kp);
    return findings_add(f, detector, &s);
}

size_t feature_set_count(const feature_set *s) {
    return s->kp.count + s->lines.count + s->circles.count + s->contours.count + s->boxes.count;
}

size_t findings_keypoint_count(const findings *f) {
    size_t n = 0;
    for (size_t i = 0; i < f->nsets; i++) n += f->sets[i].kp.count;
    return n;
}

void feature_set_free(feature_set *s) {
    cvs_keypoints_free(&s->kp);
    cvs_lines_free(&s->lines);
    cvs_circles_free(&s->circles);
    cvs_contours_free(&s->contours);
    cvs_boxes_free(&s->boxes);
    if (s->match) cvs_matches_free(&s->match->matches);
    free(s->match);
    s->match = NULL;
}

void findings_clear(findings *f) {
    for (size_t i = 0; i < f->nsets; i++) feature_set_free(&f->sets[i]);
    f->nsets = 0;
}

void findings_free(findings *f) {
    findings_clear(f);
    free(f->sets);
    memset(f, 0, sizeof *f);
}

/* Descriptor rows: hex for bytes, base64 of little-endian float32 for floats. */
static void write_descriptor(jw *w, const cvs_keypoints *kp, size_t i) {
    static const char digits[] = "0123456789abcdef";
    size_t len = (size_t)kp->desc_len;
    char *s;
    if (kp->desc_type == CVS_DESC_U8) {
        const unsigned char *p = (const unsigned char *)kp->descriptors + i * len;
        if ((s = malloc(len * 2 + 1))) {
            for (size_t k = 0; k < len; k++) {
                s[2 * k] = digits[p[k] >> 4];
                s[2 * k + 1] = digits[p[k] & 15];
            }
            s[2 * len] = '\0';
        }
    } else {
        unsigned char *bytes = malloc(len * 4 + 1);
        const float *row = (const float *)kp->descriptors + i * len;
        for (size_t k = 0; bytes && k < len; k++) {
            uint32_t u;
            memcpy(&u, &row[k], 4);
            for (unsigned b = 0; b < 4; b++) bytes[4 * k + b] = (unsigned char)(u >> (8 * b));
        }
        s = bytes ? base64_encode(bytes, len * 4) : NULL;
        free(bytes);
    }
    jw_key(w, "descriptor");
    if (!s) {
        w->err = ENOMEM;
        return;
    }
    jw_str(w, s);
    free(s);
}

#define REAL(w, key, v) (jw_key(w, key), jw_real(w, (double)(v), 9))
#define INT(w, key, v) (jw_key(w, key), jw_int(w, (long long)(v)))

/* One number of a found item, written under the member's own name; its
 * type is the member's (an int, or a float or double written as REAL). */
typedef struct field {
    const char *key;
    size_t offset;
    enum { F_INT, F_FLOAT, F_DOUBLE } type;
} field;

#define FIELD(T, m) \
    {#m, offsetof(T, m), _Generic(((T *)0)->m, int: F_INT, float: F_FLOAT, double: F_DOUBLE)}

/* The items' fields in the features JSON's order; each list ends with a NULL key. */
static const field keypoint_fields[] = {
    FIELD(cvs_keypoint, x),     FIELD(cvs_keypoint, y),        FIELD(cvs_keypoint, size),
    FIELD(cvs_keypoint, angle), FIELD(cvs_keypoint, response), FIELD(cvs_keypoint, octave),
    {NULL, 0, F_INT}};
static const field line_fields[] = {FIELD(cvs_line, x1), FIELD(cvs_line, y1),
                                    FIELD(cvs_line, x2), FIELD(cvs_line, y2), {NULL, 0, F_INT}};
static const field circle_fields[] = {FIELD(cvs_circle, x), FIELD(cvs_circle, y),
                                      FIELD(cvs_circle, radius), {NULL, 0, F_INT}};
static const field box_fields[] = {FIELD(cvs_box, x),      FIELD(cvs_box, y),
                                   FIELD(cvs_box, width),  FIELD(cvs_box, height),
                                   FIELD(cvs_box, score), {NULL, 0, F_INT}};

/* The field's value in item (an int is exact in a double). */
static double field_value(const char *item, const field *f) {
    const char *p = item + f->offset;
    if (f->type == F_INT) {
        int v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    if (f->type == F_FLOAT) {
        float v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    double v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* count items, size bytes apart: each one's fields, its detector and, for
 * keypoints with descriptors, its descriptor. */
static void write_items(jw *w, const feature_set *s, const void *items, size_t count, size_t size,
                        const field *fields) {
    for (size_t i = 0; i < count && !w->err; i++) {
        const char *item = (const char *)items + i * size;
        jw_begin(w, '{');
        for (const field *f = fields; f->key; f++) {
            if (f->type == F_INT)
                INT(w, f->key, field_value(item, f));
            else
                REAL(w, f->key, field_value(item, f));
        }
        jw_key(w, "detector");
        jw_str(w, s->detector);
        if (fields == keypoint_fields && s->kp.descriptors) write_descriptor(w, &s->kp, i);
        jw_end_(w, '}');
    }
}

static void write_keypoints(jw *w, const feature_set *s) {
    write_items(w, s, s->kp.items, s->kp.count, sizeof *s->kp.items, keypoint_fields);
}

static void write_lines(jw *w, const feature_set *s) {
    write_items(w, s, s->lines.items, s->lines.count, sizeof *s->lines.items, line_fields);
}

static void write_circles(jw *w, const feature_set *s) {
    write_items(w, s, s->circles.items, s->circles.count, sizeof *s->circles.items,
                circle_fields);
}

static void write_boxes(jw *w, const feature_set *s) {
    write_items(w, s, s->boxes.items, s->boxes.count, sizeof *s->boxes.items, box_fields);
}

/* `base`: the index of the set's first contour in the "contours" array. */
static void write_contours(jw *w, const feature_set *s, size_t base) {
    for (size_t i = 0; i < s->contours.count && !w->err; i++) {
        const cvs_contour *c = &s->contours.items[i];
        jw_begin(w, '{');
        REAL(w, "area", c->area);
        REAL(w, "perimeter", c->perimeter);
        jw_key(w, "bbox");
        jw_begin(w, '[');
        jw_int(w, c->x);
        jw_int(w, c->y);
        jw_int(w, c->width);
        jw_int(w, c->height);
        jw_end_(w, ']');
        INT(w, "parent", c->parent < 0 ? -1 : (long long)(base + (size_t)c->parent));
        jw_key(w, "points");
        jw_begin(w, '[');
        for (size_t k = 0; k < c->npoints && !w->err; k++) {
            const cvs_point *p = &s->contours.points[c->first + k];
            jw_begin(w, '[');
            jw_int(w, p->x);
            jw_int(w, p->y);
            jw_end_(w, ']');
        }
        jw_end_(w, ']');
        jw_key(w, "detector");
        jw_str(w, s->detector);
        jw_end_(w, '}');
    }
}

/* A match step's section; `base`: the index of its first keypoint in the
 * "keypoints" array. */
static void write_match(jw *w, const feature_set *s, size_t base) {
    const match_result *m = s->match;
    jw_begin(w, '{');
    jw_key(w, "detector");
    jw_str(w, s->detector);
    jw_path(w, "ref", m->ref);
    INT(w, "ref_width", m->ref_width);
    INT(w, "ref_height", m->ref_height);
    INT(w, "ref_keypoints", m->ref_keypoints);
    jw_key(w, "matches");
    jw_begin(w, '[');
    for (size_t i = 0; i < m->matches.count && !w->err; i++) {
        const cvs_match *x = &m->matches.items[i];
        jw_begin(w, '{');
        INT(w, "keypoint", base + (size_t)x->query);
        INT(w, "ref_keypoint", x->train);
        REAL(w, "distance", x->distance);
        jw_key(w, "inlier");
        jw_bool(w, x->inlier != 0);
        jw_end_(w, '}');
    }
    jw_end_(w, ']');
    jw_key(w, "model");
    jw_begin(w, '{');
    jw_key(w, "type");
    jw_str(w, m->model_name);
    jw_key(w, "matrix");
    if (m->model.valid) {
        jw_begin(w, '[');
        for (int k = 0; k < 9; k++) jw_real(w, m->model.m[k], 17);
        jw_end_(w, ']');
    } else {
        jw_null(w);
    }
    INT(w, "inliers", m->model.inliers);
    jw_key(w, "found");
    jw_bool(w, m->found);
    jw_end_(w, '}');
    jw_key(w, "corners");
    if (m->has_corners) {
        jw_begin(w, '[');
        for (int k = 0; k < 4; k++) {
            jw_begin(w, '[');
            jw_real(w, m->corners[2 * k], 9);
            jw_real(w, m->corners[2 * k + 1], 9);
            jw_end_(w, ']');
        }
        jw_end_(w, ']');
    } else {
        jw_null(w);
    }
    jw_end_(w, '}');
}

/* "key": an array of every set's items, written by write. */
static void write_section(jw *w, const findings *f, const char *key,
                          void (*write)(jw *, const feature_set *)) {
    jw_key(w, key);
    jw_begin(w, '[');
    for (size_t i = 0; i < f->nsets; i++) write(w, &f->sets[i]);
    jw_end_(w, ']');
}

int findings_truncated(const findings *f) {
    for (size_t i = 0; i < f->nsets; i++)
        if (f->sets[i].found > feature_set_count(&f->sets[i])) return 1;
    return 0;
}

void findings_write_counts(const findings *f, jw *w) {
    jw_begin(w, '{');
    for (size_t i = 0; i < f->nsets; i++) {
        const char *name = f->sets[i].detector;
        size_t seen = 0, n = 0;
        for (size_t k = 0; k < i && !seen; k++) seen = strcmp(f->sets[k].detector, name) == 0;
        if (seen) continue;
        for (size_t k = i; k < f->nsets; k++)
            if (strcmp(f->sets[k].detector, name) == 0) n += feature_set_count(&f->sets[k]);
        INT(w, name, n);
    }
    jw_end_(w, '}');
}

void findings_write_json(const findings *f, jw *w, const char *input, int width, int height,
                         int channels) {
    jw_begin(w, '{');
    INT(w, "format", FEATURES_FORMAT);
    jw_path(w, "input", input);
    INT(w, "width", width);
    INT(w, "height", height);
    INT(w, "channels", channels);
    if (findings_truncated(f)) {
        jw_key(w, "truncated");
        jw_bool(w, 1);
        INT(w, "max_features", f->max_items);
    }
    jw_key(w, "counts");
    findings_write_counts(f, w);
    jw_key(w, "detectors");
    jw_begin(w, '[');
    for (size_t i = 0; i < f->nsets; i++) {
        const feature_set *s = &f->sets[i];
        jw_begin(w, '{');
        jw_key(w, "detector");
        jw_str(w, s->detector);
        INT(w, "count", feature_set_count(s));
        if (s->found > feature_set_count(s)) {
            INT(w, "found", s->found);
            jw_key(w, "truncated");
            jw_bool(w, 1);
        }
        if (s->kp.descriptors) {
            jw_key(w, "descriptor_type");
            jw_str(w, s->kp.desc_type == CVS_DESC_U8 ? "uint8" : "float32");
            INT(w, "descriptor_length", s->kp.desc_len);
        }
        jw_end_(w, '}');
    }
    jw_end_(w, ']');
    write_section(w, f, "keypoints", write_keypoints);
    write_section(w, f, "lines", write_lines);
    write_section(w, f, "circles", write_circles);
    jw_key(w, "contours");
    jw_begin(w, '[');
    for (size_t i = 0, base = 0; i < f->nsets; base += f->sets[i].contours.count, i++)
        write_contours(w, &f->sets[i], base);
    jw_end_(w, ']');
    write_section(w, f, "boxes", write_boxes);
    jw_key(w, "matches");
    jw_begin(w, '[');
    for (size_t i = 0, base = 0; i < f->nsets; base += f->sets[i].kp.count, i++)
        if (f->sets[i].match) write_match(w, &f->sets[i], base);
    jw_end_(w, ']');
    jw_end_(w, '}');
}

char *findings_to_json(const findings *f, const char *input, int width, int height,
                       int channels) {
    jw w;
    jw_init(&w, -1);
    findings_write_json(f, &w, input, width, height, channels);
    if (!w.err && membuf_append(&w.mem, "", 1) == 0) return (char *)w.mem.data;
    jw_free(&w);
    return NULL;
}
