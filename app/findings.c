#include "findings.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int findings_add_keypoints(findings *f, const char *detector, cvs_keypoints *kp) {
    if (f->nsets == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 4;
        feature_set *p = realloc(f->sets, ncap * sizeof *p);
        if (!p) {
            cvs_keypoints_free(kp);
            return -1;
        }
        f->sets = p;
        f->cap = ncap;
    }
    f->sets[f->nsets].detector = detector;
    f->sets[f->nsets].kp = *kp;
    f->nsets++;
    memset(kp, 0, sizeof *kp);
    return 0;
}

size_t findings_keypoint_count(const findings *f) {
    size_t n = 0;
    for (size_t i = 0; i < f->nsets; i++) n += f->sets[i].kp.count;
    return n;
}

void findings_clear(findings *f) {
    for (size_t i = 0; i < f->nsets; i++) cvs_keypoints_free(&f->sets[i].kp);
    f->nsets = 0;
}

void findings_free(findings *f) {
    findings_clear(f);
    free(f->sets);
    memset(f, 0, sizeof *f);
}

static char *hex_row(const unsigned char *p, int n) {
    static const char digits[] = "0123456789abcdef";
    char *s = malloc((size_t)n * 2 + 1);
    if (!s) return NULL;
    for (int i = 0; i < n; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[2 * n] = '\0';
    return s;
}

/* A descriptor row: hex for binary descriptors, a number array for floats. */
static json_t *descriptor_json(const cvs_keypoints *kp, size_t i) {
    if (kp->desc_type == CVS_DESC_U8) {
        char *s = hex_row((const unsigned char *)kp->descriptors + i * (size_t)kp->desc_len,
                          kp->desc_len);
        json_t *j = s ? json_string(s) : NULL;
        free(s);
        return j;
    }
    json_t *a = json_array();
    const float *row = (const float *)kp->descriptors + i * (size_t)kp->desc_len;
    for (int k = 0; a && k < kp->desc_len; k++) json_array_append_new(a, json_real(row[k]));
    return a;
}

static json_t *keypoint_json(const feature_set *s, size_t i) {
    const cvs_keypoint *k = &s->kp.items[i];
    json_t *o = json_pack("{s:f,s:f,s:f,s:f,s:f,s:i,s:s}", "x", (double)k->x, "y",
                          (double)k->y, "size", (double)k->size, "angle", (double)k->angle,
                          "response", (double)k->response, "octave", k->octave, "detector",
                          s->detector);
    if (o && s->kp.descriptors) json_object_set_new(o, "descriptor", descriptor_json(&s->kp, i));
    return o;
}

char *findings_to_json(const findings *f, const char *input, int width, int height,
                       int channels) {
    json_t *root = json_pack("{s:s,s:i,s:i,s:i}", "input", input, "width", width, "height",
                             height, "channels", channels);
    json_t *kps = json_array(), *counts = json_object();
    if (!root || !kps || !counts) goto fail;
    for (size_t s = 0; s < f->nsets; s++) {
        const feature_set *set = &f->sets[s];
        json_t *c = json_object_get(counts, set->detector);
        json_object_set_new(counts, set->detector,
                            json_integer((c ? json_integer_value(c) : 0) + (json_int_t)set->kp.count));
        for (size_t i = 0; i < set->kp.count; i++)
            if (json_array_append_new(kps, keypoint_json(set, i)) != 0) goto fail;
    }
    json_object_set_new(root, "counts", counts);
    json_object_set_new(root, "keypoints", kps);
    char *out = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(9) | JSON_PRESERVE_ORDER);
    json_decref(root);
    return out;
fail:
    json_decref(kps);
    json_decref(counts);
    json_decref(root);
    return NULL;
}
