/* SPDX-License-Identifier: MIT */
/* shard.c - --shard I/N and --shard auto[/N] from the batch engine's
 * variables.  Every engine's index is mapped to a 0-based shard; the
 * table in docs/sharding.md matches engines[] below. */
#define _POSIX_C_SOURCE 200809L
#include "shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* One batch engine: the variable with the task index and, where the
 * engine sets one, the variable with the task count (NULL: from /N). */
typedef struct engine {
    const char *index_var;
    const char *count_var;
} engine;

enum { ENGINE_SLURM = 1 };

static const engine engines[] = {
    {"JOB_COMPLETION_INDEX", NULL},                        /* Kubernetes Indexed Job, 0-based */
    {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"},     /* Slurm job array, from _MIN by _STEP */
    {"AWS_BATCH_JOB_ARRAY_INDEX", NULL},                   /* AWS Batch array job, 0-based */
    {"CLOUD_RUN_TASK_INDEX", "CLOUD_RUN_TASK_COUNT"},      /* Cloud Run job, 0-based */
    {"BATCH_TASK_INDEX", "BATCH_TASK_COUNT"},              /* Google Cloud Batch, 0-based */
};
#define NENGINES (sizeof engines / sizeof engines[0])

/* A whole number of 1 to 9 digits (no sign, no space). */
static int whole(const char *s, size_t len, unsigned *out) {
    char digits[10];
    if (len == 0 || len >= sizeof digits) return -1;
    memcpy(digits, s, len);
    digits[len] = '\0';
    if (strspn(digits, "0123456789") != len) return -1;
    *out = (unsigned)strtoul(digits, NULL, 10);
    return 0;
}

/* Reads variable name as a whole number: 0 if set, 1 if unset (when
 * optional), -1 with err. */
static int env_num(shard_env_fn env, void *ctx, const char *spec, const char *name, int optional,
                   unsigned *out, char *err) {
    const char *v = env(ctx, name);
    if (!v) {
        if (optional) return 1;
        return seterr(err, "--shard %s: %s is not set", spec, name);
    }
    if (whole(v, strlen(v), out) != 0)
        return seterr(err, "--shard %s: %s is '%.20s', not a whole number", spec, name, v);
    return 0;
}

/* The Slurm array task as a 0-based index: (ID - MIN) / STEP, with the
 * count from SLURM_ARRAY_TASK_COUNT.  Arrays with a step (--array=0-15:4)
 * are divided by it; arrays that are not one evenly spaced range
 * (--array=1,3,10) are refused: their indices cannot be mapped to shards. */
static int slurm_index(shard_env_fn env, void *ctx, const char *spec, unsigned id, unsigned *index,
                       unsigned *count, char *err) {
    unsigned min, step = 1, max = 0;
    if (env_num(env, ctx, spec, "SLURM_ARRAY_TASK_MIN", 0, &min, err) != 0) return -1;
    int rc = env_num(env, ctx, spec, "SLURM_ARRAY_TASK_STEP", 1, &step, err);
    if (rc < 0) return -1;
    if (step == 0) return seterr(err, "--shard %s: SLURM_ARRAY_TASK_STEP is 0", spec);
    if (id < min || (id - min) % step != 0)
        return seterr(err,
                      "--shard %s: SLURM_ARRAY_TASK_ID=%u is not SLURM_ARRAY_TASK_MIN=%u plus a multiple "
                      "of SLURM_ARRAY_TASK_STEP=%u",
                      spec, id, min, step);
    *index = (id - min) / step;
    if (*count > 0 && (rc = env_num(env, ctx, spec, "SLURM_ARRAY_TASK_MAX", 1, &max, err)) != 1) {
        if (rc < 0) return -1;
        if (max < min || (unsigned long long)min + (unsigned long long)(*count - 1) * step != max)
            return seterr(err,
                          "--shard %s: the Slurm array is not one evenly spaced range "
                          "(SLURM_ARRAY_TASK_MIN=%u, SLURM_ARRAY_TASK_MAX=%u, SLURM_ARRAY_TASK_STEP=%u, "
                          "SLURM_ARRAY_TASK_COUNT=%u); submit --array=A-B[:S] or use --shard I/N",
                          spec, min, max, step, *count);
    }
    return 0;
}

/* Index and count (0: none) from engine e, whose index variable is set. */
static int engine_shard(size_t e, shard_env_fn env, void *ctx, const char *spec, unsigned *index,
                        unsigned *count, char *err) {
    const engine *g = &engines[e];
    unsigned id;
    *count = 0;
    if (env_num(env, ctx, spec, g->index_var, 0, &id, err) != 0) return -1;
    if (g->count_var) {
        if (env_num(env, ctx, spec, g->count_var, 0, count, err) != 0) return -1;
        if (*count == 0) return seterr(err, "--shard %s: %s is 0", spec, g->count_var);
    }
    if (e == ENGINE_SLURM) return slurm_index(env, ctx, spec, id, index, count, err);
    *index = id;
    return 0;
}

/* "shard I" or "shard I of N" (count 0: none). */
static void describe(char *out, size_t n, unsigned index, unsigned count) {
    if (count)
        snprintf(out, n, "shard %u of %u", index, count);
    else
        snprintf(out, n, "shard %u", index);
}

static int auto_shard(const char *spec, unsigned given, shard_env_fn env, void *ctx, unsigned *index,
                      unsigned *count, char *err) {
    size_t first = NENGINES;
    unsigned idx = 0, cnt = 0;
    for (size_t e = 0; e < NENGINES; e++) {
        if (!env(ctx, engines[e].index_var)) continue;
        unsigned i = 0, c = 0;
        if (engine_shard(e, env, ctx, spec, &i, &c, err) != 0) return -1;
        if (first == NENGINES) {
            first = e;
            idx = i;
            cnt = c;
        } else if (i != idx || (c && cnt && c != cnt)) {
            char a[32], b[32];
            describe(a, sizeof a, idx, cnt);
            describe(b, sizeof b, i, c);
            return seterr(err, "--shard %s: %s gives %s but %s gives %s; unset one or use --shard I/N",
                          spec, engines[first].index_var, a, engines[e].index_var, b);
        } else if (!cnt) {
            cnt = c;
        }
    }
    if (first == NENGINES)
        return seterr(err,
                      "--shard %s: not run by a batch engine: JOB_COMPLETION_INDEX is not set, nor "
                      "SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX, CLOUD_RUN_TASK_INDEX or "
                      "BATCH_TASK_INDEX (use --shard I/N)",
                      spec);
    const char *ivar = engines[first].index_var;
    if (given && cnt && given != cnt) {
        const char *cvar = engines[first].count_var;
        for (size_t e = first + 1; !cvar && e < NENGINES; e++)
            if (env(ctx, engines[e].index_var)) cvar = engines[e].count_var;
        return seterr(err, "--shard %s: %s is %u, not %u", spec, cvar, cnt, given);
    }
    if (!cnt) cnt = given;
    if (!cnt)
        return seterr(err, "--shard %s: %s gives no shard count: use --shard auto/N", spec, ivar);
    if (idx >= cnt)
        return seterr(err, "--shard %s: %s gives shard %u, not below the shard count %u", spec, ivar,
                      idx, cnt);
    *index = idx;
    *count = cnt;
    return 0;
}

int shard_parse_env(const char *s, shard_env_fn env, void *ctx, unsigned *index, unsigned *count,
                    char *err) {
    const char *slash = strchr(s, '/');
    size_t head = slash ? (size_t)(slash - s) : strlen(s);
    unsigned n = 0;
    if (slash && (whole(slash + 1, strlen(slash + 1), &n) != 0 || n == 0))
        return seterr(err, "--shard: '%.40s' is not I/N, auto or auto/N with N >= 1", s);
    if (head == 4 && strncmp(s, "auto", 4) == 0) return auto_shard(s, n, env, ctx, index, count, err);
    if (!slash || whole(s, head, index) != 0)
        return seterr(err, "--shard: '%.40s' is not I/N, auto or auto/N with N >= 1", s);
    if (*index >= n)
        return seterr(err, "--shard: index %u is not below the shard count %u", *index, n);
    *count = n;
    return 0;
}

static const char *process_env(void *ctx, const char *name) {
    (void)ctx;
    return getenv(name);
}

int shard_parse(const char *s, unsigned *index, unsigned *count, char *err) {
    return shard_parse_env(s, process_env, NULL, index, count, err);
}
