/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void items_free(item_list *l) {
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].input);
        free(l->v[i].rel);
        free(l->v[i].output);
        free(l->v[i].json);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int add(item_list *l, const char *input, const char *rel, const char *ignored, char *err) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        item *v = realloc(l->v, cap * sizeof *v);
        if (!v) return seterr(err, "out of memory listing inputs");
        l->v = v;
        l->cap = cap;
    }
    item *it = &l->v[l->n];
    memset(it, 0, sizeof *it);
    it->input = strdup(input);
    it->rel = strdup(rel);
    it->index = l->n;
    it->ignored = ignored;
    if (!it->input || !it->rel) {
        free(it->input);
        free(it->rel);
        return seterr(err, "out of memory listing inputs");
    }
    l->n++;
    return 0;
}

/* The format the file's first bytes show; IMG_UNKNOWN with *why set. */
static img_format sniff(const char *path, const char **why) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return *why = "cannot be opened", IMG_UNKNOWN;
    uint8_t head[8];
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    if (n == 0) return *why = "empty file", IMG_UNKNOWN;
    if (n < 0) return *why = "cannot be read", IMG_UNKNOWN;
    img_format f = image_detect(head, (size_t)n);
    if (f == IMG_UNKNOWN) *why = "not a JPEG or PNG";
    return f;
}

/* NULL when the file starts like a JPEG or PNG, else why it is no input. */
static const char *not_an_image(const char *path) {
    const char *why = NULL;
    sniff(path, &why);
    return why;
}

size_t items_inputs(const item_list *l) {
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) n += !l->v[i].ignored;
    return n;
}

typedef struct walk_ctx {
    int recursive;
    int skip;             /* skip_dir exists */
    dev_t skip_dev;
    ino_t skip_ino;
} walk_ctx;

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);
    if (!s) return NULL;
    memcpy(s, a, la);
    size_t k = la;
    if (la && a[la - 1] != '/') s[k++] = '/';
    memcpy(s + k, b, lb + 1);
    if (!la) memmove(s, s + k, lb + 1);
    return s;
}

/* Walks dir (whose path under the argument is `rel`, "" at the top). */
static int walk(item_list *l, const char *dir, const char *rel, const walk_ctx *wc, int depth, char *err) {
    if (depth > 64) return seterr(err, "%s: directories nested over 64 deep", dir);
    DIR *d = opendir(dir);
    if (!d) return seterr(err, "%s: cannot read directory: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        /* Hidden files (cvapp's own temporaries among them) and cvapp's
         * outputs written beside their inputs are not inputs. */
        if (e->d_name[0] == '.' || strstr(e->d_name, BESIDE_SUFFIX ".")) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (!p) {
                rc = seterr(err, "out of memory listing %s", dir);
                break;
            }
            names = p;
        }
        if (!(names[n] = strdup(e->d_name))) rc = seterr(err, "out of memory listing %s", dir);
        else n++;
    }
    closedir(d);
    if (names) qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char *path = rc == 0 ? join(dir, names[i]) : NULL;
        char *r = rc == 0 ? join(rel, names[i]) : NULL;
        struct stat st;
        if (rc == 0 && (!path || !r)) rc = seterr(err, "out of memory listing %s", dir);
        if (rc == 0 && lstat(path, &st) == 0) {
            struct stat tg;
            const char *why = NULL;
            if (S_ISDIR(st.st_mode)) {
                /* The output directory inside the walked tree is no input. */
                int is_out = wc->skip && st.st_dev == wc->skip_dev && st.st_ino == wc->skip_ino;
                if (wc->recursive && !is_out) rc = walk(l, path, r, wc, depth + 1, err);
            } else if (S_ISLNK(st.st_mode) && stat(path, &tg) != 0) {
                why = "dangling symbolic link";
            } else if (S_ISLNK(st.st_mode) && S_ISDIR(tg.st_mode)) {
                why = "symbolic link to a directory (not followed)";
            } else if (!S_ISREG(S_ISLNK(st.st_mode) ? tg.st_mode : st.st_mode)) {
                why = "not a regular file";
            } else {
                why = not_an_image(path);
                if (!why) rc = add(l, path, r, NULL, err);
            }
            if (why && rc == 0) rc = add(l, path, r, why, err);
        }
        free(path);
        free(r);
        free(names[i]);
    }
    free(names);
    return rc;
}

int items_collect(item_list *l, char *const *args, size_t nargs, int recursive,
                  const char *skip_dir, char *err) {
    walk_ctx wc = {.recursive = recursive};
    struct stat sk;
    if (skip_dir && stat(skip_dir, &sk) == 0 && S_ISDIR(sk.st_mode)) {
        wc.skip = 1;
        wc.skip_dev = sk.st_dev;
        wc.skip_ino = sk.st_ino;
    }
    for (size_t i = 0; i < nargs; i++) {
        const char *a = args[i];
        struct stat st;
        int rc;
        if (strcmp(a, "-") != 0 && stat(a, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = walk(l, a, "", &wc, 0, err);
        } else {
            /* Files are taken as given; a bad one fails as an input later. */
            const char *slash = strrchr(a, '/');
            rc = add(l, a, strcmp(a, "-") == 0 ? "stdin" : slash ? slash + 1 : a, NULL, err);
        }
        if (rc != 0) return -1;
    }
    return 0;
}

static uint64_t fnv1a(const char *s) {
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

void items_shard(item_list *l, unsigned index, unsigned count) {
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (fnv1a(l->v[i].rel) % count == index) {
            l->v[k++] = l->v[i];
        } else {
            free(l->v[i].input);
            free(l->v[i].rel);
            free(l->v[i].output);
            free(l->v[i].json);
        }
    }
    l->n = k;
}

static int parse_uint(const char *s, size_t len, unsigned *out) {
    if (len == 0 || len > 9) return -1;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Does PATH have a ".." component ("../a", "a/../b", "a/..")? "photo..jpg"
   and "v1..v2/a" do not: only a whole component climbs. */
static int has_parent_component(const char *path) {
    for (const char *c = path; *c; c += strcspn(c, "/"), c += *c == '/') {
        if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0')) return 1;
    }
    return 0;
}

/* Appends n bytes of s to out (capacity cap, length *len). */
static int put(char *out, size_t cap, size_t *len, const char *s, size_t n) {
    if (*len + n >= cap) return -1;
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
    return 0;
}

int name_expand(const char *tmpl, const item *it, char *out, size_t n, char *err) {
    const char *base = strrchr(it->rel, '/');
    base = base ? base + 1 : it->rel;
    const char *dot = strrchr(base, '.');
    size_t stemlen = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    const char *ext = dot && dot != base ? dot + 1 : "";
    size_t dirlen = (size_t)(base - it->rel);
    size_t len = 0;
    out[0] = '\0';
    for (const char *p = tmpl; *p;) {
        int rc;
        if (*p != '{') {
            rc = put(out, n, &len, p++, 1);
        } else {
            const char *close = strchr(p, '}');
            if (!close) return seterr(err, "--name: unclosed '{' in '%.60s'", tmpl);
            size_t flen = (size_t)(close - p - 1);
            const char *f = p + 1;
            unsigned width = 0;
            if (flen == 4 && !strncmp(f, "stem", 4)) rc = put(out, n, &len, base, stemlen);
            else if (flen == 3 && !strncmp(f, "ext", 3)) rc = put(out, n, &len, ext, strlen(ext));
            else if (flen == 3 && !strncmp(f, "dir", 3)) rc = put(out, n, &len, it->rel, dirlen);
            else if (!strncmp(f, "index", 5) &&
                     (flen == 5 || (f[5] == ':' && parse_uint(f + 6, flen - 6, &width) == 0 && width <= 20))) {
                char num[32];
                snprintf(num, sizeof num, "%0*zu", (int)width, it->index);
                rc = put(out, n, &len, num, strlen(num));
            } else {
                return seterr(err, "--name: unknown field '{%.*s}' (fields: {stem} {ext} {dir} {index} {index:0N})",
                              (int)(flen > 40 ? 40 : flen), f);
            }
            p = close + 1;
        }
        if (rc != 0) return seterr(err, "--name: the name of %s is too long", it->input);
    }
    if (!len || out[0] == '/' || has_parent_component(out) || out[len - 1] == '/')
        return seterr(err, "--name: '%.60s' gives '%.60s' for %s, not a relative file name", tmpl, out,
                      it->input);
    return 0;
}

static char *with_ext(const char *stem, size_t stemlen, const char *ext) {
    size_t n = stemlen + strlen(ext) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%.*s%s", (int)stemlen, stem, ext);
    return s;
}

int make_parents(const char *path, char *err, dir_made_fn made, void *ctx) {
    if (!*path) return seterr(err, "the file name is empty");
    char *p = strdup(path);
    if (!p) return seterr(err, "out of memory");
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        struct stat st;
        *s = '\0';
        if (mkdir(p, 0777) == 0) {
            if (made) made(p, ctx);
        } else if (errno != EEXIST && !(stat(p, &st) == 0 && S_ISDIR(st.st_mode))) {
            int e = errno;
            seterr(err, "cannot create directory %s: %s", p, strerror(e));
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    return 0;
}

/* A file this run reads or writes: its path as given, whose it is, and a
 * key that is the same for two paths of one file (the same name, a
 * symbolic link, a hard link, a directory reached two ways). */
typedef enum { CL_INPUT, CL_REF, CL_IMAGE, CL_JSON, CL_REPORT, CL_ALL } claim_kind;
typedef struct claim {
    const char *path;
    size_t item;
    claim_kind kind;
    char *key;
} claim;

static int by_key(const void *a, const void *b) {
    const claim *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->item > y->item) - (x->item < y->item);
}

/* The key of PATH: an existing file's device and inode; else the device
 * and inode of its deepest existing directory, then the rest of the path
 * with empty and "." components dropped; "" for a device, FIFO or socket
 * (written in place, never replaced: outputs may share one). NULL when out
 * of memory. */
static char *claim_key(const char *path) {
    struct stat st;
    char *key = NULL;
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return strdup("");
        if (asprintf(&key, "f:%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino) < 0) return NULL;
        return key;
    }
    char *dir = strdup(path);
    if (!dir) return NULL;
    size_t cut = strlen(dir);
    for (;;) {
        while (cut > 1 && dir[cut - 1] == '/') cut--; /* "a//b": the slashes before b */
        char *slash = NULL;
        for (size_t i = cut; i-- > 0;)
            if (dir[i] == '/') { slash = dir + i; break; }
        const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
        cut = slash ? (size_t)(slash - dir) : 0;
        if (stat(d, &st) == 0) break;
        if (!slash || slash == dir) { free(dir); return strdup(path); } /* nothing exists: as written */
    }
    /* The rest, component by component, from path + cut. */
    const char *rest = path + cut;
    size_t n = strlen(rest) + 64;
    key = malloc(n);
    if (key) {
        size_t len = (size_t)snprintf(key, n, "d:%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
        for (const char *c = rest; *c; c += strcspn(c, "/"), c += *c == '/') {
            size_t cl = strcspn(c, "/");
            if (cl == 0 || (cl == 1 && c[0] == '.')) continue;
            len += (size_t)snprintf(key + len, n - len, "/%.*s", (int)cl, c);
        }
    }
    free(dir);
    return key;
}

/* "the image of INPUT", "--report", ... for the messages */
static void claim_name(const claim *c, const item_list *l, char *buf, size_t n) {
    switch (c->kind) {
    case CL_INPUT: snprintf(buf, n, "input %s", c->path); break;
    case CL_REF: snprintf(buf, n, "the pipeline's reference image %s", c->path); break;
    case CL_IMAGE: snprintf(buf, n, "the image of %s (%s)", l->v[c->item].input, c->path); break;
    case CL_JSON: snprintf(buf, n, "the features JSON of %s (%s)", l->v[c->item].input, c->path); break;
    case CL_REPORT: snprintf(buf, n, "--report %s", c->path); break;
    case CL_ALL: snprintf(buf, n, "--features-all %s", c->path); break;
    }
}

/* No two outputs of this run are one file, and no output is one of its
 * inputs: the image, the features JSON, --report and --features-all, of
 * one input or of two, by the same name or through a link. stdin and
 * stdout ("-") are not files here. */
static int check_claims(const item_list *l, const plan_opts *o, char *err) {
    claim *c = malloc(sizeof *c * (l->n * 3 + 3 + o->nrefs));
    if (!c) return seterr(err, "out of memory");
    size_t nc = 0;
#define CLAIM(p, i, k) \
    do { if ((p) && strcmp((p), "-") != 0) c[nc++] = (claim){(p), (i), (k), NULL}; } while (0)
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].ignored) continue;
        CLAIM(l->v[i].input, i, CL_INPUT);
        CLAIM(l->v[i].output, i, CL_IMAGE);
        CLAIM(l->v[i].json, i, CL_JSON);
    }
    CLAIM(o->report, SIZE_MAX, CL_REPORT);
    CLAIM(o->features_all_path, SIZE_MAX, CL_ALL);
    for (size_t i = 0; i < o->nrefs; i++) CLAIM(o->refs[i], SIZE_MAX, CL_REF);
#undef CLAIM
    int rc = 0;
    for (size_t i = 0; i < nc && rc == 0; i++)
        if (!(c[i].key = claim_key(c[i].path))) rc = seterr(err, "out of memory");
    if (rc == 0) qsort(c, nc, sizeof *c, by_key);
    for (size_t i = 1; i < nc && rc == 0; i++) {
        const claim *a = &c[i - 1], *b = &c[i];
        /* Inputs and reference images are read, never written: they may be one file. */
        int read_a = a->kind == CL_INPUT || a->kind == CL_REF;
        int read_b = b->kind == CL_INPUT || b->kind == CL_REF;
        if (!a->key[0] || strcmp(a->key, b->key) != 0 || (read_a && read_b)) continue;
        const claim *in = read_a ? a : read_b ? b : NULL;
        char x[PATH_MAX / 2], y[PATH_MAX / 2];
        if (in) {
            claim_name(in == a ? b : a, l, x, sizeof x);
            if (in->kind == CL_REF)
                rc = seterr(err, "%s is also the pipeline's reference image; refusing to overwrite "
                            "it", x);
            else
                rc = seterr(err, "%s is also input %s of this run; refusing to overwrite it", x,
                            in->path);
        } else if (a->kind == b->kind && (a->kind == CL_IMAGE || a->kind == CL_JSON) && !strcmp(a->path, b->path)) {
            rc = seterr(err, "inputs %s and %s would both write %s (use --name with {ext} or {index})",
                        l->v[a->item].input, l->v[b->item].input, a->path);
        } else {
            claim_name(a, l, x, sizeof x);
            claim_name(b, l, y, sizeof y);
            rc = seterr(err, "%s and %s would be one file%s", x, y,
                        strcmp(a->path, b->path) ? " (a link, or one directory reached two ways)" : "");
        }
    }
    for (size_t i = 0; i < nc; i++) free(c[i].key);
    free(c);
    return rc;
}

static const char *format_ext(img_format f) { return f == IMG_JPEG ? ".jpg" : ".png"; }

/* 1 when a --name template ends in an extension: `.{ext}` or a literal
 * .png, .jpg or .jpeg (any case). */
static int template_has_ext(const char *tmpl) {
    size_t n = strlen(tmpl);
    if (n >= 6 && !strcmp(tmpl + n - 6, ".{ext}")) return 1;
    const char *dot = strrchr(tmpl, '.');
    return dot && !strpbrk(dot, "/{}") && image_format_from_name(dot) != IMG_UNKNOWN;
}

/* The -d output and JSON of one item.  want_json: a JSON file is written. */
static int plan_out_dir(item *it, const plan_opts *o, int want_json, char *err) {
    const char *tmpl = o->name ? o->name : DEFAULT_NAME;
    char name[4096];
    if (name_expand(tmpl, it, name, sizeof name, err) != 0) return -1;
    char *full = join(o->out_dir, name);
    if (!full) return seterr(err, "out of memory");
    size_t stemlen = strlen(full);
    img_format named = template_has_ext(tmpl) ? image_format_from_name(name) : IMG_UNKNOWN;
    const char *ext;
    if (named != IMG_UNKNOWN) {
        stemlen = (size_t)(strrchr(full, '.') - full);
        ext = o->format == IMG_UNKNOWN || o->format == named ? full + stemlen : format_ext(o->format);
    } else {
        const char *why = NULL;
        img_format f = o->format;
        if (f == IMG_UNKNOWN && strcmp(it->input, "-") != 0) f = sniff(it->input, &why);
        ext = format_ext(f); /* unknown (stdin, unreadable): PNG */
    }
    it->output = o->no_image ? NULL : with_ext(full, stemlen, ext);
    it->json = want_json ? with_ext(full, stemlen, ".json") : NULL;
    free(full);
    if ((!o->no_image && !it->output) || (want_json && !it->json)) return seterr(err, "out of memory");
    return 0;
}

int items_plan(item_list *l, const plan_opts *o, char *err) {
    const char *fmt_ext = format_ext(o->format);
    size_t ninputs = items_inputs(l);
    if (o->output && ninputs != 1)
        return seterr(err, "-o takes one input, %zu were given (use -d DIR for several)", ninputs);
    if (o->features && o->out_dir)
        return seterr(err, "--features names one file and -d writes each input's JSON beside its image; "
                           "drop --features (or add --no-features)");
    if (o->features && !o->output && ninputs != 1)
        return seterr(err, "--features takes one input, %zu were given", ninputs);
    /* JSON beside the image only when there are features to write. */
    int implicit_json = o->detector && !o->no_features;
    for (size_t i = 0; i < l->n; i++) {
        item *it = &l->v[i];
        const char *json_ext = BESIDE_SUFFIX ".json";
        size_t stemlen;
        const char *stem;
        if (it->ignored) continue;
        if (o->output) {
            it->output = strdup(o->output);
            it->json = o->features ? strdup(o->features) : NULL;
            if (!it->output || (o->features && !it->json)) return seterr(err, "out of memory");
        } else if (o->out_dir) {
            if (plan_out_dir(it, o, implicit_json, err) != 0) return -1;
        } else if (strcmp(it->input, "-") == 0) {
            it->output = o->no_image ? NULL : strdup("-");
            it->json = o->features ? strdup(o->features) : NULL;
            if ((!o->no_image && !it->output) || (o->features && !it->json)) return seterr(err, "out of memory");
        } else {
            /* Beside the input: DIR/NAME.EXT -> DIR/NAME.cvapp.png + DIR/NAME.cvapp.json */
            stem = it->input;
            const char *slash = strrchr(stem, '/');
            const char *b = slash ? slash + 1 : stem;
            const char *dot = strrchr(b, '.');
            stemlen = dot && dot != b ? (size_t)(dot - stem) : strlen(stem);
            char ext[16];
            snprintf(ext, sizeof ext, "%s%s", BESIDE_SUFFIX, fmt_ext);
            int want_json = o->features || implicit_json;
            it->output = o->no_image ? NULL : with_ext(stem, stemlen, ext);
            it->json = o->features ? strdup(o->features) : want_json ? with_ext(stem, stemlen, json_ext) : NULL;
            if ((!o->no_image && !it->output) || (want_json && !it->json)) return seterr(err, "out of memory");
        }
        if (!it->output && !it->json && !o->features_all)
            return seterr(err, "--no-image: nothing would be written for %s (%s)", it->input,
                          o->no_features ? "--no-features is given" : "the pipeline has no detector; "
                          "name a file with --features or --features-all");
    }
    /* No two outputs may be one file, nor an output an input. */
    return check_claims(l, o, err);
}
