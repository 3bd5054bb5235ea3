/* SPDX-License-Identifier: MIT */
/* main.c - cvapp's command line. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shim/cvshim.h"
#include "imageio.h"
#include "batch.h"
#include "cli.h"
#include "fileio.h"
#include "findings.h"
#include "inputs.h"
#include "job.h"
#include "ops.h"
#include "pipeline.h"
#include "privdrop.h"
#include "shard.h"
#include "util.h"

#ifndef CVAPP_VERSION
#define CVAPP_VERSION "0.0.0"
#endif

static int parse_count(const char *opt, const char *s, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno == ERANGE || v < lo || v > hi) {
        fprintf(stderr, "cvapp: %s: '%.40s' is not a whole number from %lld to %lld\n", opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* --list-ops OP and help OP: one op's help; an unknown name exits 2 with
 * the closest op. */
static int help_op(const char *name, int markdown) {
    const op_def *op = op_find(name);
    if (!op) {
        const char *s = op_suggest(name);
        fprintf(stderr, "cvapp: unknown op '%.40s' (%s%s%s)\n", name,
                s ? "did you mean '" : "see --list-ops", s ? s : "", s ? "'?" : "");
        return EXIT_USAGE;
    }
    if (markdown)
        op_print(stdout, op, 1);
    else
        op_help(stdout, op);
    return EXIT_OK;
}

/* --background: "#RRGGBB" (the '#' optional) into 0xRRGGBB. */
static int parse_color(const char *s, uint32_t *out) {
    const char *h = s[0] == '#' ? s + 1 : s;
    char *end;
    unsigned long v = strtoul(h, &end, 16);
    if (strlen(h) != 6 || strspn(h, "0123456789abcdefABCDEF") != 6 || *end) {
        fprintf(stderr, "cvapp: --background: '%.40s' is not a colour #RRGGBB (e.g. #ffffff)\n", s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* The option getopt_long refused (c: '?' or ':'), named as the user wrote
   it, one line, EXIT_USAGE. A long option is the whole element elem, up to
   '=' (getopt has moved past it: argv[optind - 1]); a short one is optopt,
   wherever it sits in a group ("-qZ", "-Zq"). glibc sets optopt to 0 for an
   unknown long option, and to the option's value for a known one given a
   value it does not take ("--quiet=3"). */
static int refused_option(int c, const char *elem, const char *shortopts) {
    int is_long = !strncmp(elem, "--", 2) &&
                  (optopt == 0 || optopt > 255 || c == ':' || (optopt != ':' && strchr(shortopts, optopt) != NULL));
    char name[64];
    if (is_long) snprintf(name, sizeof name, "%.*s", (int)strcspn(elem, "="), elem);
    else snprintf(name, sizeof name, "-%c", optopt);
    if (c == ':') {
        fprintf(stderr, "cvapp: option %s needs a value\n", name);
    } else if (is_long && optopt != 0) {
        fprintf(stderr, "cvapp: option %s takes no value (in '%s')\n", name, elem);
    } else {
        const char *s = is_long ? cli_suggest(name) : NULL;
        fprintf(stderr, "cvapp: unknown option '%s' (%s%s%s)\n", name, s ? "did you mean '--" : "see --help",
                s ? s : "", s ? "'?" : "");
    }
    return EXIT_USAGE;
}

int main(int argc, char **argv) {
    streams_init();
    char drop_err[ERRLEN];
    if (privdrop_in_container(drop_err) != 0) {
        fprintf(stderr, "cvapp: %s\n", drop_err);
        return EXIT_USAGE;
    }
    if (argc >= 2 && !strcmp(argv[1], "help")) {
        if (argc == 2) return cli_usage(stdout, 0), EXIT_OK;
        return help_op(argv[2], 0);
    }
    struct option longopts[CLI_MAX_OPTIONS + 1];
    char shortopts[3 * CLI_MAX_OPTIONS + 2];
    cli_getopt_tables(longopts, shortopts);
    const char *spec = CLI_DEFAULT_PIPELINE, *shard = NULL, *report = NULL;
    int list_ops = 0, markdown = 0, recursive = 0, have_p = 0;
    long long v, threads = -1;
    plan_opts po = {0};
    batch_opts bo = {.cv_threads = -1, .progress = -1};
    job_opts jo = {.dec = {.max_pixels = CLI_DEFAULT_MAX_PIXELS},
                   .enc = {.jpeg_quality = CLI_DEFAULT_QUALITY, .png_level = CLI_DEFAULT_PNG_LEVEL},
                   .max_features = DEFAULT_MAX_FEATURES};
    opterr = 0;
    jo.enc.background = CLI_DEFAULT_BACKGROUND;
    for (int c; (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1;) {
        switch (c) {
        case 'p':
            if (have_p++) {
                fprintf(stderr, "cvapp: -p given twice; join the steps with '|' in one -p\n");
                return EXIT_USAGE;
            }
            spec = optarg;
            break;
        case OPT_NO_FSYNC: file_set_fsync(0); break;
        case OPT_MAX_FEATURES:
            if (parse_count("--max-features", optarg, 0, 1LL << 40, &v)) return EXIT_USAGE;
            jo.max_features = (size_t)v;
            break;
        case 'o': po.output = optarg; break;
        case OPT_FEATURES: po.features = optarg; break;
        case 'd': po.out_dir = optarg; break;
        case OPT_NAME: po.name = optarg; break;
        case OPT_NO_FEATURES: po.no_features = 1; break;
        case OPT_NO_IMAGE: po.no_image = 1; break;
        case OPT_FEATURES_ALL: bo.features_all = optarg; break;
        case 'r': recursive = 1; break;
        case 'j':
            if (parse_count("--jobs", optarg, 1, 1024, &v)) return EXIT_USAGE;
            bo.jobs = (unsigned)v;
            break;
        case OPT_SKIP_EXISTING: bo.skip_existing = 1; break;
        case OPT_FAIL_FAST: bo.fail_fast = 1; break;
        case OPT_SHARD: shard = optarg; break;
        case OPT_REPORT: report = optarg; break;
        case OPT_PROGRESS: bo.progress = 1; break;
        case OPT_EXACT: jo.exact = 1; break;
        case OPT_BACKGROUND:
            if (parse_color(optarg, &jo.enc.background)) return EXIT_USAGE;
            break;
        case OPT_STRIP: jo.strip = 1; break;
        case 'f':
            if (!strcmp(optarg, "png")) jo.format = IMG_PNG;
            else if (!strcmp(optarg, "jpg") || !strcmp(optarg, "jpeg")) jo.format = IMG_JPEG;
            else {
                fprintf(stderr, "cvapp: --format: '%.40s' is not png or jpg\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_QUALITY:
            if (parse_count("--quality", optarg, 1, 100, &v)) return EXIT_USAGE;
            jo.enc.jpeg_quality = (int)v;
            break;
        case OPT_PNG_LEVEL:
            if (parse_count("--png-level", optarg, 0, 9, &v)) return EXIT_USAGE;
            jo.enc.png_level = (int)v;
            break;
        case OPT_MAX_PIXELS:
            if (parse_count("--max-pixels", optarg, 1, 1LL << 40, &v)) return EXIT_USAGE;
            jo.dec.max_pixels = (unsigned long long)v;
            break;
        case OPT_THREADS:
            if (parse_count("--threads", optarg, 0, 1024, &threads)) return EXIT_USAGE;
            break;
        case OPT_IGNORE_ORIENTATION: jo.dec.ignore_orientation = 1; break;
        case 'q': bo.quiet = 1; break;
        case OPT_LIST_OPS: list_ops = 1; break;
        case OPT_MARKDOWN: markdown = 1; break;
        case OPT_VERSION:
            printf("cvapp %s\nOpenCV %s\nlibjpeg-turbo %s\nlibpng %s\n", CVAPP_VERSION,
                   cvs_opencv_version(), image_libjpeg_version(), image_libpng_version());
            return EXIT_OK;
        case 'h':
            /* At once, as before; --markdown may come before or after it. */
            for (int i = optind; !markdown && i < argc && strcmp(argv[i], "--"); i++)
                markdown = !strcmp(argv[i], "--markdown");
            cli_usage(stdout, markdown);
            return EXIT_OK;
        default: return refused_option(c, argv[optind - 1], shortopts);
        }
    }
    if (list_ops) {
        if (optind < argc) return help_op(argv[optind], markdown);
        ops_print(stdout, markdown);
        return EXIT_OK;
    }
    char err[ERRLEN];
    pipeline pl;
    if (pipeline_load(spec, &pl, err) != 0) {
        fprintf(stderr, "cvapp: %s\n", err);
        return EXIT_USAGE;
    }
    /* Reference images: read once, before any input. */
    const char *refs[PIPELINE_MAX_STEPS];
    if (pipeline_prepare(&pl, &jo.dec, err) != 0) {
        fprintf(stderr, "cvapp: %s\n", err);
        pipeline_free(&pl);
        return EXIT_USAGE;
    }
    item_list items = {0};
    int status = EXIT_USAGE;
    unsigned shard_index = 0, shard_count = 1;
    if (optind == argc) {
        fprintf(stderr, "cvapp: no input given (see --help)\n");
        goto out;
    }
    if (shard && shard_parse(shard, &shard_index, &shard_count, err) != 0) {
        fprintf(stderr, "cvapp: %s\n", err);
        goto out;
    }
    if (po.output && po.out_dir) {
        fprintf(stderr, "cvapp: -o and -d cannot be used together\n");
        goto out;
    }
    if (po.name && !po.out_dir) {
        fprintf(stderr, "cvapp: --name needs -d DIR\n");
        goto out;
    }
    if (po.output && po.no_image) {
        fprintf(stderr, "cvapp: --no-image writes no image; drop -o (--features PATH names the JSON)\n");
        goto out;
    }
    if (po.output && jo.format == IMG_UNKNOWN && file_is_stream(po.output)) jo.format = IMG_PNG;
    if (po.output && jo.format == IMG_UNKNOWN && strcmp(po.output, "-") != 0 &&
        (jo.format = image_format_from_name(po.output)) == IMG_UNKNOWN) {
        size_t n = strlen(po.output);
        if (n && po.output[n - 1] == '/')
            fprintf(stderr, "cvapp: output %s is a directory; use -d %s to write one output per input into it\n",
                    po.output, po.output);
        else
            fprintf(stderr, "cvapp: output %s: unknown image extension (use .png, .jpg or --format)\n", po.output);
        goto out;
    }
    if (po.output && po.features && !strcmp(po.output, "-") && !strcmp(po.features, "-")) {
        fprintf(stderr, "cvapp: the image and the features cannot both go to stdout\n");
        goto out;
    }
    bo.cv_threads = (int)threads;
    if (items_collect(&items, argv + optind, (size_t)(argc - optind), recursive, po.out_dir, err) != 0) {
        fprintf(stderr, "cvapp: %s\n", err);
        status = EXIT_INPUT;
        goto out;
    }
    if (items_inputs(&items) == 0) {
        fprintf(stderr, "cvapp: no JPEG or PNG input found\n");
        status = EXIT_INPUT;
        goto out;
    }
    items_shard(&items, shard_index, shard_count);
    po.format = jo.format; /* IMG_UNKNOWN: the input's format with -d, PNG otherwise */
    po.detector = pipeline_has_detector(&pl);
    po.features_all = bo.features_all != NULL;
    po.features_all_path = bo.features_all;
    po.report = report;
    po.refs = refs;
    po.nrefs = pipeline_refs(&pl, refs, PIPELINE_MAX_STEPS);
    if (items_plan(&items, &po, err) != 0) {
        fprintf(stderr, "cvapp: %s\n", err);
        goto out;
    }
    for (size_t i = 0; report && !strcmp(report, "-") && i < items.n; i++)
        if ((items.v[i].output && !strcmp(items.v[i].output, "-")) || (items.v[i].json && !strcmp(items.v[i].json, "-"))) {
            fprintf(stderr, "cvapp: --report -: stdout already carries an output\n");
            goto out;
        }
    for (size_t i = 0; bo.features_all && !strcmp(bo.features_all, "-") && i < items.n; i++)
        if ((items.v[i].output && !strcmp(items.v[i].output, "-")) ||
            (items.v[i].json && !strcmp(items.v[i].json, "-")) || (report && !strcmp(report, "-"))) {
            fprintf(stderr, "cvapp: --features-all -: stdout already carries an output\n");
            goto out;
        }
    jo.pl = &pl;
    bo.job = jo;
    bo.make_dirs = po.out_dir || po.output || po.features;
    bo.report = report;
    status = batch_run(&items, &bo);
out:
    items_free(&items);
    pipeline_free(&pl);
    return status;
}
