#include "findings.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int findings_add(findings *f, const char *detector, feature_set *s) {
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
    return s->kp.count + s->lines.count + s->circles.count + s->contours.count;
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
static char *hex_row(const unsigned char *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(n * 2 + 1);
    if (!s) return NULL;
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[2 * n] = '\0';
    return s;
}

static char *base64_row(const unsigned char *p, size_t n) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *s = malloc((n + 2) / 3 * 4 + 1), *o = s;
    if (!s) return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *o++ = abc[v >> 18];
        *o++ = abc[(v >> 12) & 63];
        *o++ = i + 1 < n ? abc[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? abc[v & 63] : '=';
    }
    *o = '\0';
    return s;
}

static json_t *descriptor_json(const cvs_keypoints *kp, size_t i) {
    size_t len = (size_t)kp->desc_len;
    char *s;
    if (kp->desc_type == CVS_DESC_U8) {
        s = hex_row((const unsigned char *)kp->descriptors + i * len, len);
    } else {
        unsigned char *bytes = malloc(len * 4 + 1);
        const float *row = (const float *)kp->descriptors + i * len;
        for (size_t k = 0; bytes && k < len; k++) {
            uint32_t u;
            memcpy(&u, &row[k], 4);
            for (int b = 0; b < 4; b++) bytes[4 * k + b] = (unsigned char)(u >> (8 * b));
        }
        s = bytes ? base64_row(bytes, len * 4) : NULL;
        free(bytes);
    }
    json_t *j = s ? json_string(s) : NULL;
    free(s);
    return j;
}

/* One JSON item of a set: the i-th keypoint, line, circle or contour.
 * `base` is the index of the set's first contour in the "contours" array. */
typedef json_t *(*item_fn)(const feature_set *s, size_t i, size_t base);

static json_t *keypoint_json(const feature_set *s, size_t i, size_t base) {
    (void)base;
    const cvs_keypoint *k = &s->kp.items[i];
    json_t *o = json_pack("{s:f,s:f,s:f,s:f,s:f,s:i,s:s}", "x", (double)k->x, "y",
                          (double)k->y, "size", (double)k->size, "angle", (double)k->angle,
                          "response", (double)k->response, "octave", k->octave, "detector",
                          s->detector);
    if (o && s->kp.descriptors &&
        json_object_set_new(o, "descriptor", descriptor_json(&s->kp, i)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *line_json(const feature_set *s, size_t i, size_t base) {
    (void)base;
    const cvs_line *l = &s->lines.items[i];
    return json_pack("{s:i,s:i,s:i,s:i,s:s}", "x1", l->x1, "y1", l->y1, "x2", l->x2, "y2", l->y2,
                     "detector", s->detector);
}

static json_t *circle_json(const feature_set *s, size_t i, size_t base) {
    (void)base;
    const cvs_circle *c = &s->circles.items[i];
    return json_pack("{s:f,s:f,s:f,s:s}", "x", (double)c->x, "y", (double)c->y, "radius",
                     (double)c->radius, "detector", s->detector);
}

static json_t *contour_json(const feature_set *s, size_t i, size_t base) {
    const cvs_contour *c = &s->contours.items[i];
    json_t *pts = json_array();
    for (size_t k = 0; pts && k < c->npoints; k++) {
        const cvs_point *p = &s->contours.points[c->first + k];
        if (json_array_append_new(pts, json_pack("[i,i]", p->x, p->y)) != 0) {
            json_decref(pts);
            return NULL;
        }
    }
    json_int_t parent = c->parent < 0 ? -1 : (json_int_t)(base + (size_t)c->parent);
    json_t *o = json_pack("{s:f,s:f,s:[i,i,i,i],s:I,s:O,s:s}", "area", c->area, "perimeter",
                          c->perimeter, "bbox", c->x, c->y, c->width, c->height, "parent", parent,
                          "points", pts, "detector", s->detector);
    json_decref(pts);
    return o;
}

static int append_items(json_t *arr, const feature_set *s, size_t n, item_fn fn, size_t base) {
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(arr, fn(s, i, base)) != 0) return -1;
    return 0;
}

/* The "detectors" entry of one set: its name, count and descriptor format. */
static json_t *detector_json(const feature_set *s) {
    json_t *o = json_pack("{s:s,s:I}", "detector", s->detector, "count",
                          (json_int_t)feature_set_count(s));
    if (o && s->kp.descriptors &&
        (json_object_set_new(o, "descriptor_type",
                             json_string(s->kp.desc_type == CVS_DESC_U8 ? "uint8" : "float32")) ||
         json_object_set_new(o, "descriptor_length", json_integer(s->kp.desc_len)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *findings_counts(const findings *f) {
    json_t *counts = json_object();
    for (size_t i = 0; counts && i < f->nsets; i++) {
        const feature_set *s = &f->sets[i];
        json_t *c = json_object_get(counts, s->detector);
        json_int_t n = (c ? json_integer_value(c) : 0) + (json_int_t)feature_set_count(s);
        if (json_object_set_new(counts, s->detector, json_integer(n)) != 0) {
            json_decref(counts);
            return NULL;
        }
    }
    return counts;
}

char *findings_to_json(const findings *f, const char *input, int width, int height,
                       int channels) {
    json_t *root = json_pack("{s:s,s:i,s:i,s:i}", "input", input, "width", width, "height",
                             height, "channels", channels);
    json_t *counts = findings_counts(f), *dets = json_array(), *kps = json_array();
    json_t *lines = json_array(), *circles = json_array(), *contours = json_array();
    char *out = NULL;
    int bad = !root || !counts || !dets || !kps || !lines || !circles || !contours;
    for (size_t i = 0; !bad && i < f->nsets; i++) {
        const feature_set *s = &f->sets[i];
        bad = json_array_append_new(dets, detector_json(s)) ||
              append_items(kps, s, s->kp.count, keypoint_json, 0) ||
              append_items(lines, s, s->lines.count, line_json, 0) ||
              append_items(circles, s, s->circles.count, circle_json, 0) ||
              append_items(contours, s, s->contours.count, contour_json,
                           json_array_size(contours));
    }
    bad = bad || json_object_set(root, "counts", counts) ||
          json_object_set(root, "detectors", dets) || json_object_set(root, "keypoints", kps) ||
          json_object_set(root, "lines", lines) || json_object_set(root, "circles", circles) ||
          json_object_set(root, "contours", contours);
    if (!bad) out = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(9) | JSON_PRESERVE_ORDER);
    json_decref(counts);
    json_decref(dets);
    json_decref(kps);
    json_decref(lines);
    json_decref(circles);
    json_decref(contours);
    json_decref(root);
    return out;
}
