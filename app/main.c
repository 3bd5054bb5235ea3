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
#include "fileio.h"
#include "findings.h"
#include "inputs.h"
#include "job.h"
#include "ops.h"
#include "pipeline.h"
#include "util.h"

#ifndef CVAPP_VERSION
#define CVAPP_VERSION "0.0.0"
#endif

#define DEFAULT_PIPELINE "grayscale | gaussian ksize=5 sigma=1.5 | orb nfeatures=500 | canny low=50 high=150"

static void usage(FILE *f) {
    fprintf(f,
"Usage: cvapp [OPTIONS] INPUT...\n"
"Runs an OpenCV pipeline over JPEG/PNG images.  INPUT is a file, a directory\n"
"(its JPEG/PNG files; -r for subdirectories) or '-' for stdin.\n"
"\n"
"Pipeline:\n"
"  -p, --pipeline SPEC    steps separated by '|', each 'op key=value ...', or @FILE\n"
"                         (one step per line, '#' comments). Default:\n"
"                         '" DEFAULT_PIPELINE "'\n"
"      --list-ops         list every op with its parameters (--markdown for the reference)\n"
"Outputs:\n"
"  -o, --output PATH      output image ('-' = stdout); one input only\n"
"      --features PATH    the features JSON ('-' = stdout); one input only\n"
"  -d, --out-dir DIR      one output per input in DIR, named by --name\n"
"      --name TEMPLATE    output name under DIR without extension (default '" DEFAULT_NAME "');\n"
"                         fields {stem} {ext} {dir} (subdirectory under -r, with '/') {index} {index:0N}\n"
"  -f, --format FMT       output format png|jpg (default: from -o's name, else png)\n"
"      --no-features      do not write features JSON files\n"
"      --quality N        JPEG quality 1..100 (default 95)\n"
"      --png-level N      PNG zlib level 0..9 (default 1)\n"
"  Without -o or -d, each input writes STEM" BESIDE_SUFFIX ".png and STEM" BESIDE_SUFFIX ".json beside it.\n"
"Batch:\n"
"  -r, --recursive        walk directories recursively\n"
"  -j, --jobs N           parallel workers (default: the CPUs this process may use)\n"
"      --skip-existing    skip inputs whose outputs exist (resume a batch)\n"
"      --fail-fast        stop at the first failed input\n"
"      --shard I/N        process shard I (0-based) of N; auto/N takes I from $JOB_COMPLETION_INDEX\n"
"      --report FILE      JSON Lines appended to, one row per input per run ('-' = stdout)\n"
"      --no-fsync         do not fsync outputs and their directories (faster, not crash-safe)\n"
"      --progress         progress on stderr even when it is not a terminal\n"
"  -q, --quiet            print only errors\n"
"Limits:\n"
"      --max-pixels N     refuse images over N pixels (default 100000000)\n"
"      --max-features N   keep at most N items per detector step (default 100000; 0 = all)\n"
"      --ignore-orientation  keep pixels as stored (default: apply the EXIF orientation)\n"
"      --exact            no speed shortcut that can change a pixel (see README)\n"
"      --threads N        OpenCV threads per worker (default: CPUs / workers)\n"
"      --version          print versions of cvapp, OpenCV, libjpeg-turbo, libpng\n"
"  -h, --help             this help\n"
"\n"
"Exit status: 0 success, 1 an input failed, 2 usage or pipeline error,\n"
"130/143 interrupted by SIGINT/SIGTERM.\n");
}

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

enum { OPT_FEATURES = 256, OPT_QUALITY, OPT_PNG_LEVEL, OPT_MAX_PIXELS, OPT_THREADS,
       OPT_LIST_OPS, OPT_MARKDOWN, OPT_VERSION, OPT_IGNORE_ORIENTATION, OPT_NAME, OPT_NO_FEATURES,
       OPT_SKIP_EXISTING, OPT_FAIL_FAST, OPT_SHARD, OPT_REPORT, OPT_PROGRESS, OPT_EXACT, OPT_NO_FSYNC, OPT_MAX_FEATURES };

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"pipeline", required_argument, NULL, 'p'},
        {"output", required_argument, NULL, 'o'},
        {"features", required_argument, NULL, OPT_FEATURES},
        {"format", required_argument, NULL, 'f'},
        {"quality", required_argument, NULL, OPT_QUALITY},
        {"png-level", required_argument, NULL, OPT_PNG_LEVEL},
        {"max-pixels", required_argument, NULL, OPT_MAX_PIXELS},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"ignore-orientation", no_argument, NULL, OPT_IGNORE_ORIENTATION},
        {"quiet", no_argument, NULL, 'q'},
        {"list-ops", no_argument, NULL, OPT_LIST_OPS},
        {"markdown", no_argument, NULL, OPT_MARKDOWN},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, 'h'},
        {"out-dir", required_argument, NULL, 'd'},
        {"name", required_argument, NULL, OPT_NAME},
        {"no-features", no_argument, NULL, OPT_NO_FEATURES},
        {"recursive", no_argument, NULL, 'r'},
        {"jobs", required_argument, NULL, 'j'},
        {"skip-existing", no_argument, NULL, OPT_SKIP_EXISTING},
        {"fail-fast", no_argument, NULL, OPT_FAIL_FAST},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"report", required_argument, NULL, OPT_REPORT},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"exact", no_argument, NULL, OPT_EXACT},
        {"no-fsync", no_argument, NULL, OPT_NO_FSYNC},
        {"max-features", required_argument, NULL, OPT_MAX_FEATURES},
        {NULL, 0, NULL, 0}};
    const char *spec = DEFAULT_PIPELINE, *shard = NULL, *report = NULL;
    int list_ops = 0, markdown = 0, recursive = 0, have_p = 0;
    long long v, threads = -1;
    plan_opts po = {0};
    batch_opts bo = {.cv_threads = -1, .progress = -1};
    job_opts jo = {.dec = {.max_pixels = 100000000ULL}, .enc = {.jpeg_quality = 95, .png_level = 1},
                   .max_features = DEFAULT_MAX_FEATURES};
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":p:o:f:d:j:rqh", longopts, NULL)) != -1;) {
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
        case 'h': usage(stdout); return EXIT_OK;
        case ':':
            fprintf(stderr, "cvapp: option %s needs a value\n", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            fprintf(stderr, "cvapp: unknown option '%s' (see --help)\n", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (list_ops) {
        ops_print(stdout, markdown);
        return EXIT_OK;
    }
    char err[ERRLEN];
    pipeline pl;
    if (pipeline_load(spec, &pl, err) != 0) {
        fprintf(stderr, "cvapp: %s\n", err);
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
    if (threads >= 0 && cvs_set_num_threads((int)threads) != CVS_OK) {
        fprintf(stderr, "cvapp: --threads: %s\n", cvs_last_error());
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
    po.format = jo.format ? jo.format : IMG_PNG;
    if (items_plan(&items, &po, err) != 0) {
        fprintf(stderr, "cvapp: %s\n", err);
        goto out;
    }
    for (size_t i = 0; report && !strcmp(report, "-") && i < items.n; i++)
        if ((items.v[i].output && !strcmp(items.v[i].output, "-")) || (items.v[i].json && !strcmp(items.v[i].json, "-"))) {
            fprintf(stderr, "cvapp: --report -: stdout already carries an output\n");
            goto out;
        }
    jo.pl = &pl;
    bo.job = jo;
    bo.job.format = po.format;
    bo.make_dirs = po.out_dir != NULL;
    bo.report = report;
    status = batch_run(&items, &bo);
out:
    items_free(&items);
    pipeline_free(&pl);
    return status;
}
