/* SPDX-License-Identifier: MIT */
/* fuzz_pipeline_parse.c - libFuzzer harness: the pipeline parser.
 *
 * Each input is a pipeline spec (up to the first NUL byte), parsed and
 * validated by pipeline_parse.  A refusal must come with a one-line message
 * and leave the pipeline empty.  An accepted pipeline must hold only valid
 * values (every parameter within its op's range, the op's own cross-check
 * passing), and writing it back out as text, every parameter explicit,
 * must parse to the very same steps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_value(const step *st, size_t k) {
    const param_def *p = &st->op->params[k];
    double v = st->v[k];
    const char *op = st->op->name;
    if (p->type == PT_PATH) {
        FUZZ_CHECK(st->text[k] != NULL && st->text[k][0], "%s %s: no path", op, p->name);
        return;
    }
    if (p->type == PT_KERNEL) {
        /* Kept as text that parses (NULL only for a required one that the
         * op's check refuses). */
        op_kernel kn;
        char why[256];
        FUZZ_CHECK(st->text[k] != NULL, "%s %s: no text", op, p->name);
        FUZZ_CHECK(kernel_parse(st->text[k], &kn, why, sizeof why) == 0, "%s %s: kept '%s', which %s",
                   op, p->name, st->text[k], why);
        free(kn.v);
        return;
    }
    FUZZ_CHECK(isfinite(v), "%s %s=%g", op, p->name, v);
    if (st->pct & (1u << k)) {
        /* An int given as a percentage: the fraction of the image's side. */
        FUZZ_CHECK(p->type == PT_INT && (p->flags & PF_PERCENT), "%s %s: a percentage it does not take",
                   op, p->name);
        FUZZ_CHECK(v >= 0 && v <= 1, "%s %s=%g%% is out of 0..100%%", op, p->name, 100 * v);
        return;
    }
    switch (p->type) {
    case PT_INT: {
        FUZZ_CHECK(v == floor(v), "%s %s=%g is not an integer", op, p->name, v);
        int zero = v == 0 && (p->flags & PF_ZERO_OK);
        FUZZ_CHECK(zero || (v >= p->min && v <= p->max), "%s %s=%g is out of range", op, p->name,
                   v);
        FUZZ_CHECK(zero || !(p->flags & PF_ODD) || fmod(v, 2) != 0, "%s %s=%g is even", op,
                   p->name, v);
        break;
    }
    case PT_REAL:
        FUZZ_CHECK((v == 0 && (p->flags & PF_ZERO_OK)) || (v >= p->min && v <= p->max),
                   "%s %s=%g is out of range", op, p->name, v);
        FUZZ_CHECK(v != 0 || !signbit(v), "%s %s is a negative zero", op, p->name);
        break;
    case PT_BOOL:
        FUZZ_CHECK(v == 0 || v == 1, "%s %s=%g is not a bool", op, p->name, v);
        break;
    case PT_CHOICE:
        FUZZ_CHECK(v == floor(v) && v >= 0 && v < (double)param_choice_count(p),
                   "%s %s=%g is not a choice", op, p->name, v);
        break;
    case PT_KERNEL:
    case PT_PATH:
        break; /* above */
    }
}

/* Writes the step as "op p=v ..." with every parameter given; a kernel
 * inline in quotes, its line ends as ';' (its text has no quote: only
 * numbers and separators parse). */
static int write_step(const step *st, char *s, size_t cap) {
    size_t np = op_param_count(st->op), len = 0, need = strlen(st->op->name) + 1;
    /* At most: " name=", then a number (80), or a text whose every character
     * may take three ('"' as '"'"'), in two quotes. */
    for (size_t k = 0; k < np; k++)
        need += strlen(st->op->params[k].name) + 2 +
                (st->text[k] ? 3 * strlen(st->text[k]) + 2 : 80);
    if (need > cap) return 0;
    len += (size_t)sprintf(s + len, "%s", st->op->name);
    for (size_t k = 0; k < np; k++) {
        const param_def *p = &st->op->params[k];
        double v = st->v[k];
        len += (size_t)sprintf(s + len, " %s=", p->name);
        if (p->type == PT_KERNEL || p->type == PT_PATH) {
            /* Quoted parts side by side make one value (a"b"'c' is abc), so
             * a value may hold both quotes: each '"' goes in single quotes,
             * every run of other characters in double quotes. */
            const char *t = st->text[k];
            if (!*t) s[len++] = '"', s[len++] = '"';
            while (*t) {
                char q = *t == '"' ? '\'' : '"';
                s[len++] = q;
                for (; *t && (*t == '"') == (q == '\''); t++) s[len++] = *t == '\n' ? ';' : *t;
                s[len++] = q;
            }
            s[len] = '\0';
        } else if (p->type == PT_CHOICE) {
            len += (size_t)sprintf(s + len, "%s", p->choices[(int)v].name);
        } else if (p->type == PT_BOOL) {
            len += (size_t)sprintf(s + len, "%s", v != 0 ? "true" : "false");
        } else if (st->pct & (1u << k)) {
            len += (size_t)sprintf(s + len, "%.17g%%", v * 100);
        } else if (p->type == PT_INT) {
            len += (size_t)sprintf(s + len, "%.0f", v);
        } else {
            len += (size_t)sprintf(s + len, "%.17g", v);
        }
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *spec = malloc(size + 1);
    FUZZ_CHECK(spec != NULL, "out of memory");
    memcpy(spec, data, size);
    spec[size] = '\0';

    pipeline pl;
    char err[ERRLEN] = "";
    if (pipeline_parse(spec, &pl, err) != 0) {
        fuzz_check_err(err);
        FUZZ_CHECK(pl.steps == NULL && pl.n == 0, "a refused pipeline keeps %zu steps", pl.n);
        free(spec);
        return 0;
    }
    FUZZ_CHECK(pl.n >= 1 && pl.n <= PIPELINE_MAX_STEPS, "%zu steps", pl.n);
    int detector = 0;
    for (size_t i = 0; i < pl.n; i++) {
        const step *st = &pl.steps[i];
        FUZZ_CHECK(st->op >= op_table && st->op < op_table + op_count, "step %zu: no op", i + 1);
        for (size_t k = 0; k < op_param_count(st->op); k++) check_value(st, k);
        op_call call = {.st = st};
        FUZZ_CHECK(!st->op->check || !st->op->check(&call), "step %zu (%s) fails its own check",
                   i + 1, st->op->name);
        FUZZ_CHECK(!call.missing, "step %zu (%s): its check reads no parameter '%s'", i + 1,
                   st->op->name, call.missing);
        detector |= (st->op->flags & OPF_DETECTOR) != 0;

        /* Written out with every parameter explicit, it parses to the same step. */
        static char text[64 + OP_MAX_PARAMS * 80 + PIPELINE_MAX_SPEC];
        pipeline again;
        /* Too long to write, or to parse again: a long kernel from a file. */
        if (!write_step(st, text, sizeof text) || strlen(text) > PIPELINE_MAX_SPEC) continue;
        FUZZ_CHECK(pipeline_parse(text, &again, err) == 0, "'%s' does not parse again: %s", text,
                   err);
        FUZZ_CHECK(again.n == 1 && again.steps[0].op == st->op, "'%s' parses to another op", text);
        FUZZ_CHECK(again.steps[0].pct == st->pct, "step %zu (%s): percentages differ", i + 1,
                   st->op->name);
        for (size_t k = 0; k < op_param_count(st->op); k++) {
            /* A percentage goes through * 100 and / 100: equal to a rounding. */
            double a = again.steps[0].v[k], b = st->v[k];
            int same = (st->pct & (1u << k)) ? fabs(a - b) <= 1e-15 : a == b;
            FUZZ_CHECK(same, "step %zu (%s) %s: %.17g, then %.17g", i + 1, st->op->name,
                       st->op->params[k].name, b, a);
            if (st->op->params[k].type == PT_PATH)
                FUZZ_CHECK(!strcmp(again.steps[0].text[k], st->text[k]),
                           "step %zu (%s): path '%s', then '%s'", i + 1, st->op->name,
                           st->text[k], again.steps[0].text[k]);
            if (st->op->params[k].type == PT_KERNEL) {
                op_kernel ka, kb;
                char why[256];
                FUZZ_CHECK(kernel_parse(again.steps[0].text[k], &ka, why, sizeof why) == 0 &&
                               kernel_parse(st->text[k], &kb, why, sizeof why) == 0,
                           "step %zu (%s): a kernel no longer parses", i + 1, st->op->name);
                FUZZ_CHECK(ka.rows == kb.rows && ka.cols == kb.cols &&
                               !memcmp(ka.v, kb.v, sizeof *ka.v * (size_t)ka.rows * (size_t)ka.cols),
                           "step %zu (%s): the kernel differs once written out", i + 1,
                           st->op->name);
                free(ka.v);
                free(kb.v);
            }
        }
        pipeline_free(&again);
    }
    FUZZ_CHECK(pipeline_has_detector(&pl) == detector, "pipeline_has_detector is wrong");
    pipeline_free(&pl);
    free(spec);
    return 0;
}
