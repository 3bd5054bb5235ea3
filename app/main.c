/* main.c - cvapp's command line. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shim/cvshim.h"
#include "imageio.h"
#include "job.h"
#include "ops.h"
#include "pipeline.h"
#include "util.h"

#ifndef CVAPP_VERSION
#define CVAPP_VERSION "0.0.0"
#endif

#define DEFAULT_PIPELINE "grayscale | gaussian ksize=5 sigma=1.5 | orb nfeatures=500 | canny low=50 high=150"
#define DEFAULT_SUFFIX ".cvapp"

static void usage(FILE *f) {
    fprintf(f,
"Usage: cvapp [OPTIONS] INPUT...\n"
"Runs an OpenCV pipeline over JPEG/PNG images.\n"
"\n"
"  -p, --pipeline SPEC    steps separated by '|', each 'op key=value ...', or @FILE\n"
"                         (one step per line, '#' comments). Default:\n"
"                         '" DEFAULT_PIPELINE "'\n"
"  -o, --output PATH      output image ('-' = stdout); one input only.  Without -o\n"
"                         each INPUT writes STEM" DEFAULT_SUFFIX ".png and STEM" DEFAULT_SUFFIX ".json beside it\n"
"      --features PATH    write the features JSON to PATH ('-' = stdout)\n"
"  -f, --format FMT       output format png|jpg (default: from the output name)\n"
"      --quality N        JPEG quality 1..100 (default 95)\n"
"      --png-level N      PNG zlib level 0..9 (default 1)\n"
"      --max-pixels N     refuse images over N pixels (default 100000000)\n"
"      --ignore-orientation  keep JPEG pixels as stored (default: apply EXIF orientation)\n"
"      --threads N        OpenCV threads (default: OpenCV's choice)\n"
"  -q, --quiet            print only errors\n"
"      --list-ops         list every op with its parameters (--markdown for the reference)\n"
"      --version          print versions of cvapp, OpenCV, libjpeg-turbo, libpng\n"
"  -h, --help             this help\n"
"\n"
"INPUT '-' reads one image from stdin.  Exit status: 0 success, 1 an input\n"
"failed, 2 usage or pipeline error.\n");
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

/* "dir/photo.jpg" -> "dir/photo.cvapp" + ext (malloc'd). */
static char *beside(const char *input, const char *ext) {
    const char *slash = strrchr(input, '/');
    const char *base = slash ? slash + 1 : input;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - input) : strlen(input);
    size_t n = stem + strlen(DEFAULT_SUFFIX) + strlen(ext) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%.*s%s.%s", (int)stem, input, DEFAULT_SUFFIX, ext);
    return s;
}

enum { OPT_FEATURES = 256, OPT_QUALITY, OPT_PNG_LEVEL, OPT_MAX_PIXELS, OPT_THREADS,
       OPT_LIST_OPS, OPT_MARKDOWN, OPT_VERSION, OPT_IGNORE_ORIENTATION };

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
        {NULL, 0, NULL, 0}};
    const char *spec = DEFAULT_PIPELINE, *output = NULL, *features_path = NULL;
    int quiet = 0, list_ops = 0, markdown = 0;
    long long v, threads = -1;
    job_opts jo = {.dec = {.max_pixels = 100000000ULL}, .enc = {.jpeg_quality = 95, .png_level = 1}};
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":p:o:f:qh", longopts, NULL)) != -1;) {
        switch (c) {
        case 'p': spec = optarg; break;
        case 'o': output = optarg; break;
        case OPT_FEATURES: features_path = optarg; break;
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
        case 'q': quiet = 1; break;
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
    int ninputs = argc - optind;
    int status = EXIT_USAGE;
    if (ninputs == 0) {
        fprintf(stderr, "cvapp: no input given (see --help)\n");
        goto out;
    }
    if (ninputs > 1 && (output || features_path)) {
        fprintf(stderr, "cvapp: -o and --features take one input, %d were given\n", ninputs);
        goto out;
    }
    if (output && job_output_format(&jo, output) == IMG_UNKNOWN) {
        fprintf(stderr, "cvapp: output %s: unknown image extension (use .png, .jpg or --format)\n", output);
        goto out;
    }
    if (output && features_path && strcmp(output, "-") == 0 && strcmp(features_path, "-") == 0) {
        fprintf(stderr, "cvapp: the image and the features cannot both go to stdout\n");
        goto out;
    }
    if (threads >= 0 && cvs_set_num_threads((int)threads) != CVS_OK) {
        fprintf(stderr, "cvapp: --threads: %s\n", cvs_last_error());
        goto out;
    }
    jo.pl = &pl;
    worker w = {0};
    status = EXIT_OK;
    for (int i = optind; i < argc; i++) {
        const char *in = argv[i];
        int from_stdin = strcmp(in, "-") == 0;
        char *out_path = NULL, *json_path = NULL;
        const char *o = output, *fp = features_path;
        if (!o) {
            img_format fmt = jo.format ? jo.format : IMG_PNG;
            o = from_stdin ? "-" : (out_path = beside(in, image_format_name(fmt)));
            if (!fp && !from_stdin) fp = json_path = beside(in, "json");
        }
        job_result r;
        int rc = o ? job_run(&w, &jo, in, o, fp, &r) : seterr(r.err, "out of memory");
        if (rc != 0) {
            fprintf(stderr, "cvapp: %s: %s\n", in, r.err);
            status = EXIT_INPUT;
        } else if (!quiet) {
            FILE *f = strcmp(o, "-") == 0 || (fp && strcmp(fp, "-") == 0) ? stderr : stdout;
            fprintf(f, "%s: %dx%dx%d -> %s %dx%dx%d, %zu keypoints, %.1f ms\n", in, r.width,
                    r.height, r.channels, o, r.out_width, r.out_height, r.out_channels,
                    r.keypoints, r.ms_total);
        }
        free(out_path);
        free(json_path);
    }
    worker_free(&w);
out:
    pipeline_free(&pl);
    return status;
}
