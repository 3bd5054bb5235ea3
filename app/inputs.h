/* SPDX-License-Identifier: MIT */
/* inputs.h - what a run processes: inputs found from the arguments, their
 * outputs, sharding, and the checks made before any work starts. */
#ifndef CVAPP_INPUTS_H
#define CVAPP_INPUTS_H

#include <stddef.h>

#include "imageio.h"
#include "util.h"

typedef struct item {
    char *input;   /* path as opened ("-" for stdin) */
    char *rel;     /* identity: path under the walked directory, or the file's name */
    char *output;  /* image output path ("-" = stdout), or NULL (--no-image) */
    char *json;    /* features JSON path, or NULL */
    const char *ignored; /* a walked file that is not an input: why (static); NULL for inputs */
    size_t index;  /* position among all inputs, before sharding */
} item;

typedef struct item_list {
    item *v;
    size_t n, cap;
} item_list;

void items_free(item_list *l);

/* Adds each argument: a file as it is, "-" for stdin, a directory walked
 * (recursively with `recursive`) in name order, taking the files whose
 * first bytes are JPEG or PNG.  The other files a walk meets are added as
 * ignored items (with the reason), except hidden names (cvapp's temporary
 * files among them) and cvapp's own outputs (NAME.cvapp.*).  The
 * directory skip_dir (-d), when it lies inside a walked tree, is never
 * walked.  Returns 0, or -1 with err set. */
int items_collect(item_list *l, char *const *args, size_t nargs, int recursive,
                  const char *skip_dir, char *err);

/* Items that are inputs (not ignored). */
size_t items_inputs(const item_list *l);

/* Keeps the items of shard `index` of `count` (hash of rel, so the split
 * does not depend on argument order). */
void items_shard(item_list *l, unsigned index, unsigned count);


typedef struct plan_opts {
    const char *output;    /* -o: one input only */
    const char *features;  /* --features with -o */
    const char *out_dir;   /* -d */
    const char *name;      /* --name template (with -d) */
    img_format format;     /* -f; IMG_UNKNOWN: each input's own format with -d, PNG beside it */
    int no_features;       /* --no-features */
    int detector;          /* the pipeline has a detector: JSON files unless asked for */
    int no_image;          /* --no-image: no image output */
    int features_all;      /* --features-all: every image's JSON goes there too */
    const char *features_all_path; /* its file ("-": stdout), or NULL */
    const char *report;    /* --report's file ("-": stdout), or NULL */
    const char *const *refs; /* the pipeline's reference images (pipeline_refs): read, so */
    size_t nrefs;            /* no output may be one of them */
} plan_opts;

#define DEFAULT_NAME "{dir}{stem}"
#define BESIDE_SUFFIX ".cvapp"

/* Fills output/json of every item; refuses two outputs that are one file
 * (the image, the features JSON, --report, --features-all; by name, link or
 * hard link) and an output that is one of the inputs or of the reference
 * images.  With -d the output is DIR/NAME.EXT: a --name template ending in
 * `.{ext}` (a JPEG or PNG extension) or a literal .png/.jpg/.jpeg is used
 * as is (-f in another format replaces that extension), else EXT is -f's,
 * or the input's own format (read from its first bytes; PNG for stdin).
 * JSON files are written only when asked (--features) or, beside the
 * image, when the pipeline has a detector and --no-features is not given.
 * Returns 0, or -1 with err. */
int items_plan(item_list *l, const plan_opts *o, char *err);

/* mkdir -p of the directory part of path.  Each directory it creates is
 * passed to made (when not NULL). */
typedef void (*dir_made_fn)(const char *dir, void *ctx);
int make_parents(const char *path, char *err, dir_made_fn made, void *ctx);

/* Expands a --name template for one item (exposed for tests). */
int name_expand(const char *tmpl, const item *it, char *out, size_t n, char *err);

#endif
