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
    char *output;  /* image output path ("-" = stdout) */
    char *json;    /* features JSON path, or NULL */
    size_t index;  /* position among all inputs, before sharding */
} item;

typedef struct item_list {
    item *v;
    size_t n, cap;
} item_list;

void items_free(item_list *l);

/* Adds each argument: a file as it is, "-" for stdin, a directory walked
 * (recursively with `recursive`) in name order, taking the files whose
 * first bytes are JPEG or PNG.  Returns 0, or -1 with err set. */
int items_collect(item_list *l, char *const *args, size_t nargs, int recursive, char *err);

/* Keeps the items of shard `index` of `count` (hash of rel, so the split
 * does not depend on argument order). */
void items_shard(item_list *l, unsigned index, unsigned count);

/* shard_parse moved to shard.h; kept visible here until main.c includes it. */
#include "shard.h"

typedef struct plan_opts {
    const char *output;    /* -o: one input only */
    const char *features;  /* --features with -o */
    const char *out_dir;   /* -d */
    const char *name;      /* --name template (with -d) */
    img_format format;     /* output format */
    int no_features;       /* --no-features */
} plan_opts;

#define DEFAULT_NAME "{dir}{stem}"
#define BESIDE_SUFFIX ".cvapp"

/* Fills output/json of every item; refuses two items with the same
 * output.  Returns 0, or -1 with err. */
int items_plan(item_list *l, const plan_opts *o, char *err);

/* mkdir -p of the directory part of path. */
int make_parents(const char *path, char *err);

/* Expands a --name template for one item (exposed for tests). */
int name_expand(const char *tmpl, const item *it, char *out, size_t n, char *err);

#endif
