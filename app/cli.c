/* SPDX-License-Identifier: MIT */
/* cli.c - the option table and what is made from it (cli.h). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <getopt.h>
#include <string.h>

#include "findings.h"
#include "inputs.h"
#include "ops.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* --help headings, in order, each with an optional note after its options. */
static const struct {
    const char *name, *note;
} groups[] = {
    {"Pipeline", NULL},
    {"Outputs", "Without -o or -d, each input writes `STEM" BESIDE_SUFFIX ".png` (PNG whatever the "
                "input, unless -f) and, when the pipeline has a detector, `STEM" BESIDE_SUFFIX
                ".json` beside it. Missing directories of -o, -d and --features are created."},
    {"Batch", NULL},
    {"Limits", NULL},
    {"Information", NULL},
};

const cli_option cli_options[] = {
    {"pipeline", 'p', "SPEC", "Pipeline",
     "steps separated by `|`, each `op key=value ...` (a value with blanks in quotes: "
     "`kernel=\"1 2; 3 4\"`); or `@FILE` with one step per line and `#` comments. Default: `"
     CLI_DEFAULT_PIPELINE "`"},
    {"list-ops", OPT_LIST_OPS, NULL, "Pipeline",
     "list every op with its parameters (with --markdown: the op reference); `--list-ops OP` "
     "(or `cvapp help OP`): one op and an example"},
    {"output", 'o', "PATH", "Outputs", "the output image (one input only); `-` writes to stdout"},
    {"features", OPT_FEATURES, "PATH", "Outputs",
     "the features JSON (one input only); `-` writes to stdout"},
    {"out-dir", 'd', "DIR", "Outputs",
     "one output per input in DIR, named by --name, in the input's own format (JPEG or PNG) "
     "unless -f"},
    {"name", OPT_NAME, "TEMPLATE", "Outputs",
     "output name under DIR (default `" DEFAULT_NAME "`); fields `{stem}` `{ext}` `{dir}` (the "
     "subdirectory under -r, with `/`) `{index}` `{index:0N}`; the extension is added unless the "
     "template ends in `.{ext}`, `.jpg`, `.jpeg` or `.png`, which is kept and decides the format"},
    {"format", 'f', "FMT", "Outputs",
     "output format `png` or `jpg`; default from the output name's extension (with -d the "
     "input's format), PNG otherwise"},
    {"no-features", OPT_NO_FEATURES, NULL, "Outputs",
     "do not write features JSON files (none are written when the pipeline has no detector)"},
    {"no-image", OPT_NO_IMAGE, NULL, "Outputs",
     "write no image, only the features (JSON files, --features or --features-all)"},
    {"features-all", OPT_FEATURES_ALL, "FILE", "Outputs",
     "append every image's features JSON to FILE as one line, in completion order (`-` = "
     "stdout)"},
    {"quality", OPT_QUALITY, "N", "Outputs",
     "JPEG quality 1..100 (default " STR(CLI_DEFAULT_QUALITY) ")"},
    {"png-level", OPT_PNG_LEVEL, "N", "Outputs",
     "PNG zlib level 0..9 (default " STR(CLI_DEFAULT_PNG_LEVEL) ": fast; PNG is lossless at "
     "every level)"},
    {"background", OPT_BACKGROUND, "COLOR", "Outputs",
     "`#RRGGBB` that a JPEG output shows under transparent pixels (alpha is flattened onto it; "
     "default `#ffffff`, white)"},
    {"strip", OPT_STRIP, NULL, "Outputs",
     "write no metadata: by default the input's EXIF (orientation reset, no thumbnail) and, "
     "while the colours are the input's, its ICC profile go into the output"},
    {"recursive", 'r', NULL, "Batch", "walk directories recursively"},
    {"jobs", 'j', "N", "Batch", "parallel workers (default: the CPUs this process may use)"},
    {"skip-existing", OPT_SKIP_EXISTING, NULL, "Batch",
     "skip inputs whose outputs exist (resume a batch)"},
    {"fail-fast", OPT_FAIL_FAST, NULL, "Batch", "stop at the first failed input"},
    {"shard", OPT_SHARD, "I/N", "Batch",
     "process shard I (0-based) of N; `auto` or `auto/N` takes I (and N) from the batch "
     "engine: Kubernetes, Slurm, AWS Batch, Cloud Run, Cloud Batch (docs/sharding.md)"},
    {"report", OPT_REPORT, "FILE", "Batch",
     "JSON Lines appended to, one row per input per run (`-` = stdout); the last row of an "
     "input is its final state"},
    {"no-fsync", OPT_NO_FSYNC, NULL, "Batch",
     "do not fsync outputs and their directories (faster, not crash-safe)"},
    {"progress", OPT_PROGRESS, NULL, "Batch", "progress on stderr even when it is not a terminal"},
    {"quiet", 'q', NULL, "Batch", "print only errors"},
    {"max-features", OPT_MAX_FEATURES, "N", "Limits",
     "keep at most N items per detector step, the strongest first (default "
     STR(DEFAULT_MAX_FEATURES) "; 0 = all)"},
    {"max-pixels", OPT_MAX_PIXELS, "N", "Limits",
     "refuse images over N pixels, checked from the header before any pixel buffer is "
     "allocated (default " STR(CLI_DEFAULT_MAX_PIXELS) ")"},
    {"ignore-orientation", OPT_IGNORE_ORIENTATION, NULL, "Limits",
     "keep the pixels as stored instead of applying the EXIF orientation (JPEG and PNG)"},
    {"exact", OPT_EXACT, NULL, "Limits",
     "no speed shortcut that can change a pixel (see the grayscale and resize ops)"},
    {"threads", OPT_THREADS, "N", "Limits",
     "OpenCV threads per worker (0 = OpenCV's default; default: CPUs / workers)"},
    {"version", OPT_VERSION, NULL, "Information",
     "print the versions of cvapp, OpenCV, libjpeg-turbo and libpng"},
    {"help", 'h', NULL, "Information", "this help (with --markdown: the options table)"},
    {"markdown", OPT_MARKDOWN, NULL, "Information", "markdown output for --list-ops and --help"},
};
const size_t cli_option_count = sizeof cli_options / sizeof cli_options[0];
_Static_assert(sizeof cli_options / sizeof cli_options[0] <= CLI_MAX_OPTIONS,
               "raise CLI_MAX_OPTIONS");

void cli_getopt_tables(struct option *longopts, char *shortopts) {
    size_t s = 0;
    shortopts[s++] = ':';
    for (size_t i = 0; i < cli_option_count; i++) {
        const cli_option *o = &cli_options[i];
        longopts[i] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL,
                                      o->key};
        if (o->key < 256) {
            shortopts[s++] = (char)o->key;
            if (o->arg) shortopts[s++] = ':';
        }
    }
    shortopts[s] = '\0';
    longopts[cli_option_count] = (struct option){NULL, 0, NULL, 0};
}

/* "-p, --pipeline SPEC" or "    --features PATH" (markdown: no indent). */
static int option_label(const cli_option *o, char *buf, size_t n, int markdown) {
    char shortname[8] = "";
    if (o->key < 256) snprintf(shortname, sizeof shortname, "-%c, ", o->key);
    return snprintf(buf, n, "%s--%s%s%s", o->key < 256 ? shortname : markdown ? "" : "    ",
                    o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

/* Text with `code` shown in single quotes, wrapped at 79 columns with
 * continuation lines indented by `indent`; `col` is the column it starts in. */
static void put_wrapped(FILE *out, const char *s, int col, int indent) {
    while (*s) {
        size_t word = strcspn(s, " ");
        if (col > indent && col + 1 + (int)word > 79) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        for (size_t i = 0; i < word; i++) fputc(s[i] == '`' ? '\'' : s[i], out);
        col += (int)word;
        s += word;
        s += strspn(s, " ");
    }
    fputc('\n', out);
}

#define HELP_COLUMN 25

static void usage_text(FILE *out) {
    fputs("Usage: cvapp [OPTIONS] INPUT...\n"
          "Runs an OpenCV pipeline over JPEG/PNG images.  INPUT is a file, a directory\n"
          "(its JPEG/PNG files; -r for subdirectories) or '-' for stdin.\n",
          out);
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        fprintf(out, "\n%s:\n", groups[g].name);
        for (size_t i = 0; i < cli_option_count; i++) {
            const cli_option *o = &cli_options[i];
            if (strcmp(o->group, groups[g].name) != 0) continue;
            char label[64];
            int len = option_label(o, label, sizeof label, 0);
            int col = fprintf(out, "  %s", label);
            if (len + 2 >= HELP_COLUMN - 1) {
                fprintf(out, "\n%*s", HELP_COLUMN, "");
            } else {
                fprintf(out, "%*s", HELP_COLUMN - col, "");
            }
            put_wrapped(out, o->help, HELP_COLUMN, HELP_COLUMN);
        }
        if (groups[g].note) {
            fputs("  ", out);
            put_wrapped(out, groups[g].note, 2, 2);
        }
    }
    fputs("\nExit status: 0 success, 1 an input or an output stream failed,\n"
          "2 usage or pipeline error, 130/143 interrupted by SIGINT/SIGTERM.\n"
          "\nExamples:\n"
          "  cvapp photo.jpg                     default pipeline; photo.cvapp.png + .json\n"
          "  cvapp -p 'resize width=800' -d small -r photos/\n"
          "                                      800 wide, aspect kept, a whole tree\n"
          "  cvapp -p 'resize width=320 height=320 fit=inside enlarge=false' a.png\n"
          "                                      a thumbnail within 320x320, not enlarged\n"
          "  cvapp -p 'orb nfeatures=1000 | draw' -o marked.png --features f.json in.jpg\n"
          "  cvapp -p @steps.txt -d out in/      the pipeline from a file, one step a line\n"
          "  cvapp help resize                   one op's parameters and an example\n",
          out);
}

static void usage_markdown(FILE *out) {
    fputs("| option | meaning |\n|---|---|\n", out);
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (size_t i = 0; i < cli_option_count; i++) {
            const cli_option *o = &cli_options[i];
            if (strcmp(o->group, groups[g].name) != 0) continue;
            char label[64];
            option_label(o, label, sizeof label, 1);
            fprintf(out, "| `%s` | ", label);
            md_put_cell(out, o->help);
            fputs(" |\n", out);
        }
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        if (groups[g].note) fprintf(out, "\n%s\n", groups[g].note);
}

void cli_usage(FILE *out, int markdown) {
    if (markdown)
        usage_markdown(out);
    else
        usage_text(out);
}

const char *cli_suggest(const char *arg) {
    if (strncmp(arg, "--", 2) != 0) return NULL;
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    return closest_name(name, cli_options, cli_option_count, sizeof cli_options[0]);
}
