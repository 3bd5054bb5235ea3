/* SPDX-License-Identifier: MIT */
/* cli.h - cvapp's command-line options, described once.
 *
 * One table (cli.c) drives getopt_long's option array and short-option
 * string, `--help`, and the markdown options table `--help --markdown`
 * prints for the README (tests/readme_options_test.sh keeps them equal).
 *
 * Adding an option: a key below (options without a short letter), a row
 * in cli_options[] (cli.c), and its case in main()'s switch. */
#ifndef CVAPP_CLI_H
#define CVAPP_CLI_H

#include <stddef.h>
#include <stdio.h>

struct option;

/* The pipeline run when -p is not given (written only here). */
#define CLI_DEFAULT_PIPELINE                                                                     \
    "grayscale | gaussian ksize=5 sigma=1.5 | orb nfeatures=500 | canny low=50 high=150"
#define CLI_DEFAULT_QUALITY 95
#define CLI_DEFAULT_PNG_LEVEL 1
#define CLI_DEFAULT_MAX_PIXELS 100000000
#define CLI_DEFAULT_BACKGROUND 0xffffff /* white, under transparent pixels in a JPEG */

/* Keys of the options that have no short letter (a short letter is its
 * own key). */
enum cli_key {
    OPT_FEATURES = 256,
    OPT_QUALITY,
    OPT_PNG_LEVEL,
    OPT_MAX_PIXELS,
    OPT_THREADS,
    OPT_LIST_OPS,
    OPT_MARKDOWN,
    OPT_VERSION,
    OPT_IGNORE_ORIENTATION,
    OPT_NAME,
    OPT_BACKGROUND,
    OPT_STRIP,
    OPT_NO_FEATURES,
    OPT_SKIP_EXISTING,
    OPT_FAIL_FAST,
    OPT_SHARD,
    OPT_REPORT,
    OPT_PROGRESS,
    OPT_EXACT,
    OPT_NO_FSYNC,
    OPT_MAX_FEATURES,
    OPT_NO_IMAGE,
    OPT_FEATURES_ALL
};

typedef struct cli_option {
    const char *name;  /* long name, without "--" */
    int key;           /* the short letter, or an OPT_* key */
    const char *arg;   /* the argument's name; NULL for a flag */
    const char *group; /* the --help heading it is listed under */
    const char *help;  /* `code` in backticks: quoted in --help, code in markdown */
} cli_option;

#define CLI_MAX_OPTIONS 64 /* the table's capacity (checked when cli.c compiles) */
extern const cli_option cli_options[];
extern const size_t cli_option_count;

/* getopt_long's tables: longopts must have room for CLI_MAX_OPTIONS + 1
 * entries, shortopts for 3 * CLI_MAX_OPTIONS + 2 bytes (it starts with ':',
 * so that a missing value is reported as ':'). */
void cli_getopt_tables(struct option *longopts, char *shortopts);

/* --help: the text, or (markdown) the README's options table. */
void cli_usage(FILE *out, int markdown);

/* For an unknown long option ARG ("--qualty" or "--qualty=5"): the closest
 * option name ("quality"), or NULL. */
const char *cli_suggest(const char *arg);

#endif
