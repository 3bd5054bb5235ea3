/* SPDX-License-Identifier: MIT */
/* --shard: I/N, and auto[/N] from every batch engine's variables, with
 * the exact message of each refusal. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shard.h"
#include "testutil.h"

/* A fake environment: NULL-terminated "NAME=VALUE" strings. */
static const char *fake_env(void *ctx, const char *name) {
    size_t n = strlen(name);
    for (const char *const *e = ctx; *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
    return NULL;
}

#define ENV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void ok(const char *spec, const char *const *env, unsigned want_index, unsigned want_count) {
    unsigned index = 99, count = 99;
    char err[ERRLEN] = "";
    ck_assert_msg(shard_parse_env(spec, fake_env, (void *)env, &index, &count, err) == 0, "%s (%s): %s",
                  spec, env[0] ? env[0] : "no variable", err);
    ck_assert_msg(index == want_index && count == want_count, "%s (%s): got %u/%u, want %u/%u", spec,
                  env[0] ? env[0] : "no variable", index, count, want_index, want_count);
}

static void bad(const char *spec, const char *const *env, const char *want) {
    unsigned index, count;
    char err[ERRLEN] = "";
    ck_assert_msg(shard_parse_env(spec, fake_env, (void *)env, &index, &count, err) == -1,
                  "accepted: %s (%s)", spec, env[0] ? env[0] : "no variable");
    ck_assert_msg(strcmp(err, want) == 0, "%s\n got: %s\nwant: %s", spec, err, want);
}

static const char *const NONE[] = {NULL};

START_TEST(explicit_shards) {
    ok("0/1", NONE, 0, 1);
    ok("2/4", NONE, 2, 4);
    ok("999999998/999999999", NONE, 999999998, 999999999);
    /* I/N never reads the environment. */
    ok("1/4", ENV("JOB_COMPLETION_INDEX=3", "CLOUD_RUN_TASK_INDEX=x"), 1, 4);
    bad("4/4", NONE, "--shard: index 4 is not below the shard count 4");
    const char *malformed[] = {"",   "1",    "/4",    "1/",   "1/0",   "x/4",      "-1/4", "1/+4",
                               "1/4x", " 1/4", "1/4/5", "auto/", "auto/0", "auto/-2", "auto4", "AUTO/4",
                               "1/1234567890"};
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        char want[ERRLEN];
        snprintf(want, sizeof want, "--shard: '%s' is not I/N, auto or auto/N with N >= 1", malformed[i]);
        bad(malformed[i], NONE, want);
    }
}
END_TEST

START_TEST(kubernetes) {
    ok("auto/4", ENV("JOB_COMPLETION_INDEX=0"), 0, 4);
    ok("auto/4", ENV("JOB_COMPLETION_INDEX=3"), 3, 4);
    bad("auto", ENV("JOB_COMPLETION_INDEX=3"),
        "--shard auto: JOB_COMPLETION_INDEX gives no shard count: use --shard auto/N");
    bad("auto/4", ENV("JOB_COMPLETION_INDEX=4"),
        "--shard auto/4: JOB_COMPLETION_INDEX gives shard 4, not below the shard count 4");
    bad("auto/4", ENV("JOB_COMPLETION_INDEX=x"), "--shard auto/4: JOB_COMPLETION_INDEX is 'x', not a whole number");
    bad("auto/4", ENV("JOB_COMPLETION_INDEX="), "--shard auto/4: JOB_COMPLETION_INDEX is '', not a whole number");
    bad("auto/4", ENV("JOB_COMPLETION_INDEX=-1"), "--shard auto/4: JOB_COMPLETION_INDEX is '-1', not a whole number");
    bad("auto/4", ENV("JOB_COMPLETION_INDEX= 1"), "--shard auto/4: JOB_COMPLETION_INDEX is ' 1', not a whole number");
    bad("auto/4", ENV("JOB_COMPLETION_INDEX=12345678901234567890123"),
        "--shard auto/4: JOB_COMPLETION_INDEX is '12345678901234567890', not a whole number");
}
END_TEST

START_TEST(slurm) {
    /* --array=0-3: every task once. */
    for (unsigned id = 0; id < 4; id++) {
        char v[40];
        snprintf(v, sizeof v, "SLURM_ARRAY_TASK_ID=%u", id);
        const char *const *env = ENV(v, "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_MAX=3",
                                     "SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_STEP=1");
        ok("auto", env, id, 4);
        ok("auto/4", env, id, 4);
    }
    /* --array=1-4: 1-based, relative to the minimum. */
    ok("auto", ENV("SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_MIN=1", "SLURM_ARRAY_TASK_MAX=4",
                   "SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_STEP=1"),
       0, 4);
    ok("auto", ENV("SLURM_ARRAY_TASK_ID=4", "SLURM_ARRAY_TASK_MIN=1", "SLURM_ARRAY_TASK_MAX=4",
                   "SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_STEP=1"),
       3, 4);
    /* --array=10-22:4 (10 14 18 22): divided by the step. */
    for (unsigned k = 0; k < 4; k++) {
        char v[40];
        snprintf(v, sizeof v, "SLURM_ARRAY_TASK_ID=%u", 10 + 4 * k);
        ok("auto", ENV(v, "SLURM_ARRAY_TASK_MIN=10", "SLURM_ARRAY_TASK_MAX=22", "SLURM_ARRAY_TASK_COUNT=4",
                       "SLURM_ARRAY_TASK_STEP=4"),
           k, 4);
    }
    /* No STEP or MAX (older Slurm): step 1, no range check. */
    ok("auto", ENV("SLURM_ARRAY_TASK_ID=7", "SLURM_ARRAY_TASK_MIN=5", "SLURM_ARRAY_TASK_COUNT=3"), 2, 3);
    bad("auto/3", ENV("SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_MAX=3",
                      "SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_STEP=1"),
        "--shard auto/3: SLURM_ARRAY_TASK_COUNT is 4, not 3");
    /* A list that is not one evenly spaced range (--array=1,3,10). */
    bad("auto", ENV("SLURM_ARRAY_TASK_ID=3", "SLURM_ARRAY_TASK_MIN=1", "SLURM_ARRAY_TASK_MAX=10",
                    "SLURM_ARRAY_TASK_COUNT=3", "SLURM_ARRAY_TASK_STEP=1"),
        "--shard auto: the Slurm array is not one evenly spaced range (SLURM_ARRAY_TASK_MIN=1, "
        "SLURM_ARRAY_TASK_MAX=10, SLURM_ARRAY_TASK_STEP=1, SLURM_ARRAY_TASK_COUNT=3); submit "
        "--array=A-B[:S] or use --shard I/N");
    bad("auto", ENV("SLURM_ARRAY_TASK_ID=6", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_MAX=12",
                    "SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_STEP=4"),
        "--shard auto: SLURM_ARRAY_TASK_ID=6 is not SLURM_ARRAY_TASK_MIN=0 plus a multiple of "
        "SLURM_ARRAY_TASK_STEP=4");
    bad("auto", ENV("SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_MIN=2", "SLURM_ARRAY_TASK_COUNT=4"),
        "--shard auto: SLURM_ARRAY_TASK_ID=1 is not SLURM_ARRAY_TASK_MIN=2 plus a multiple of "
        "SLURM_ARRAY_TASK_STEP=1");
    bad("auto", ENV("SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_COUNT=4"),
        "--shard auto: SLURM_ARRAY_TASK_MIN is not set");
    bad("auto", ENV("SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_MIN=0"),
        "--shard auto: SLURM_ARRAY_TASK_COUNT is not set");
    bad("auto", ENV("SLURM_ARRAY_TASK_ID=0", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=0"),
        "--shard auto: SLURM_ARRAY_TASK_COUNT is 0");
    bad("auto", ENV("SLURM_ARRAY_TASK_ID=0", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=2",
                    "SLURM_ARRAY_TASK_STEP=0"),
        "--shard auto: SLURM_ARRAY_TASK_STEP is 0");
    bad("auto", ENV("SLURM_ARRAY_TASK_ID=0", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=2",
                    "SLURM_ARRAY_TASK_STEP=1.5"),
        "--shard auto: SLURM_ARRAY_TASK_STEP is '1.5', not a whole number");
    bad("auto", ENV("SLURM_ARRAY_TASK_ID=0", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=2",
                    "SLURM_ARRAY_TASK_MAX=x"),
        "--shard auto: SLURM_ARRAY_TASK_MAX is 'x', not a whole number");
    bad("auto", ENV("SLURM_ARRAY_TASK_ID=4294967295", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=2"),
        "--shard auto: SLURM_ARRAY_TASK_ID is '4294967295', not a whole number");
    /* Without MAX nothing bounds the index but the count. */
    bad("auto", ENV("SLURM_ARRAY_TASK_ID=9", "SLURM_ARRAY_TASK_MIN=0", "SLURM_ARRAY_TASK_COUNT=4"),
        "--shard auto: SLURM_ARRAY_TASK_ID gives shard 9, not below the shard count 4");
}
END_TEST

START_TEST(aws_batch) {
    ok("auto/3", ENV("AWS_BATCH_JOB_ARRAY_INDEX=2"), 2, 3);
    bad("auto", ENV("AWS_BATCH_JOB_ARRAY_INDEX=2"),
        "--shard auto: AWS_BATCH_JOB_ARRAY_INDEX gives no shard count: use --shard auto/N");
    bad("auto/3", ENV("AWS_BATCH_JOB_ARRAY_INDEX=3"),
        "--shard auto/3: AWS_BATCH_JOB_ARRAY_INDEX gives shard 3, not below the shard count 3");
    bad("auto/3", ENV("AWS_BATCH_JOB_ARRAY_INDEX=two"),
        "--shard auto/3: AWS_BATCH_JOB_ARRAY_INDEX is 'two', not a whole number");
}
END_TEST

START_TEST(cloud_run_and_batch) {
    ok("auto", ENV("CLOUD_RUN_TASK_INDEX=2", "CLOUD_RUN_TASK_COUNT=3"), 2, 3);
    ok("auto/3", ENV("CLOUD_RUN_TASK_INDEX=0", "CLOUD_RUN_TASK_COUNT=3"), 0, 3);
    bad("auto/2", ENV("CLOUD_RUN_TASK_INDEX=0", "CLOUD_RUN_TASK_COUNT=3"),
        "--shard auto/2: CLOUD_RUN_TASK_COUNT is 3, not 2");
    bad("auto", ENV("CLOUD_RUN_TASK_INDEX=3", "CLOUD_RUN_TASK_COUNT=3"),
        "--shard auto: CLOUD_RUN_TASK_INDEX gives shard 3, not below the shard count 3");
    bad("auto", ENV("CLOUD_RUN_TASK_INDEX=0"), "--shard auto: CLOUD_RUN_TASK_COUNT is not set");
    bad("auto", ENV("CLOUD_RUN_TASK_INDEX=0", "CLOUD_RUN_TASK_COUNT=0"), "--shard auto: CLOUD_RUN_TASK_COUNT is 0");
    bad("auto", ENV("CLOUD_RUN_TASK_INDEX=0", "CLOUD_RUN_TASK_COUNT=3x"),
        "--shard auto: CLOUD_RUN_TASK_COUNT is '3x', not a whole number");

    ok("auto", ENV("BATCH_TASK_INDEX=4", "BATCH_TASK_COUNT=5"), 4, 5);
    ok("auto/5", ENV("BATCH_TASK_INDEX=0", "BATCH_TASK_COUNT=5"), 0, 5);
    bad("auto/4", ENV("BATCH_TASK_INDEX=0", "BATCH_TASK_COUNT=5"), "--shard auto/4: BATCH_TASK_COUNT is 5, not 4");
    bad("auto", ENV("BATCH_TASK_INDEX=5", "BATCH_TASK_COUNT=5"),
        "--shard auto: BATCH_TASK_INDEX gives shard 5, not below the shard count 5");
    bad("auto", ENV("BATCH_TASK_INDEX=1"), "--shard auto: BATCH_TASK_COUNT is not set");
    bad("auto", ENV("BATCH_TASK_INDEX=x", "BATCH_TASK_COUNT=5"), "--shard auto: BATCH_TASK_INDEX is 'x', not a whole number");
}
END_TEST

START_TEST(no_engine_and_several) {
    const char *none = "not run by a batch engine: JOB_COMPLETION_INDEX is not set, nor SLURM_ARRAY_TASK_ID, "
                       "AWS_BATCH_JOB_ARRAY_INDEX, CLOUD_RUN_TASK_INDEX or BATCH_TASK_INDEX (use --shard I/N)";
    char want[ERRLEN];
    snprintf(want, sizeof want, "--shard auto: %s", none);
    bad("auto", NONE, want);
    snprintf(want, sizeof want, "--shard auto/3: %s", none);
    bad("auto/3", NONE, want);
    /* Count variables alone are not an index. */
    bad("auto/3", ENV("CLOUD_RUN_TASK_COUNT=3", "SLURM_ARRAY_TASK_COUNT=3"), want);

    /* Two engines that agree are accepted; the count comes from either. */
    ok("auto/4", ENV("JOB_COMPLETION_INDEX=1", "AWS_BATCH_JOB_ARRAY_INDEX=1"), 1, 4);
    ok("auto", ENV("JOB_COMPLETION_INDEX=1", "CLOUD_RUN_TASK_INDEX=1", "CLOUD_RUN_TASK_COUNT=3"), 1, 3);
    ok("auto", ENV("CLOUD_RUN_TASK_INDEX=1", "CLOUD_RUN_TASK_COUNT=3", "BATCH_TASK_INDEX=1", "BATCH_TASK_COUNT=3"),
       1, 3);
    bad("auto/4", ENV("JOB_COMPLETION_INDEX=1", "AWS_BATCH_JOB_ARRAY_INDEX=2"),
        "--shard auto/4: JOB_COMPLETION_INDEX gives shard 1 but AWS_BATCH_JOB_ARRAY_INDEX gives shard 2; "
        "unset one or use --shard I/N");
    bad("auto", ENV("CLOUD_RUN_TASK_INDEX=1", "CLOUD_RUN_TASK_COUNT=3", "BATCH_TASK_INDEX=1", "BATCH_TASK_COUNT=4"),
        "--shard auto: CLOUD_RUN_TASK_INDEX gives shard 1 of 3 but BATCH_TASK_INDEX gives shard 1 of 4; "
        "unset one or use --shard I/N");
    bad("auto", ENV("JOB_COMPLETION_INDEX=0", "SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_MIN=1",
                    "SLURM_ARRAY_TASK_COUNT=4"),
        "--shard auto: JOB_COMPLETION_INDEX gives shard 0 but SLURM_ARRAY_TASK_ID gives shard 1 of 4; "
        "unset one or use --shard I/N");
    /* /N against the count of the engine that gives one. */
    bad("auto/4", ENV("JOB_COMPLETION_INDEX=1", "CLOUD_RUN_TASK_INDEX=1", "CLOUD_RUN_TASK_COUNT=3"),
        "--shard auto/4: CLOUD_RUN_TASK_COUNT is 3, not 4");
    /* A broken second engine is reported, not ignored. */
    bad("auto/4", ENV("JOB_COMPLETION_INDEX=1", "BATCH_TASK_INDEX=1"), "--shard auto/4: BATCH_TASK_COUNT is not set");
}
END_TEST

START_TEST(process_environment) {
    const char *vars[] = {"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "AWS_BATCH_JOB_ARRAY_INDEX",
                          "CLOUD_RUN_TASK_INDEX", "BATCH_TASK_INDEX"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) unsetenv(vars[i]);
    unsigned index = 99, count = 99;
    char err[ERRLEN] = "";
    ck_assert_int_eq(shard_parse("auto/2", &index, &count, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "JOB_COMPLETION_INDEX is not set"));
    setenv("AWS_BATCH_JOB_ARRAY_INDEX", "1", 1);
    ck_assert_int_eq(shard_parse("auto/2", &index, &count, err), 0);
    ck_assert_uint_eq(index, 1);
    ck_assert_uint_eq(count, 2);
    unsetenv("AWS_BATCH_JOB_ARRAY_INDEX");
}
END_TEST

int main(void) {
    Suite *s = suite_create("shard");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, explicit_shards);
    tcase_add_test(tc, kubernetes);
    tcase_add_test(tc, slurm);
    tcase_add_test(tc, aws_batch);
    tcase_add_test(tc, cloud_run_and_batch);
    tcase_add_test(tc, no_engine_and_several);
    tcase_add_test(tc, process_environment);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
