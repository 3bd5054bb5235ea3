/* SPDX-License-Identifier: MIT */
/* shard.h - which shard of a batch this process runs: "--shard I/N", or
 * "--shard auto[/N]" read from the batch engine's own variables
 * (docs/sharding.md has the table). */
#ifndef CVAPP_SHARD_H
#define CVAPP_SHARD_H

/* Looks up one environment variable: its value, or NULL when unset.  ctx
 * is the pointer given to shard_parse_env (getenv ignores it). */
typedef const char *(*shard_env_fn)(void *ctx, const char *name);

/* Parses a --shard value: "I/N" (0 <= I < N), "auto" or "auto/N".  auto
 * takes the index, and the count where the engine gives one, from
 * Kubernetes Indexed Jobs, Slurm job arrays, AWS Batch array jobs, Cloud
 * Run jobs or Google Cloud Batch, through env(ctx, NAME).  Sets *index and
 * *count and returns 0, or returns -1 with a one-line err (ERRLEN) that
 * names the variables: none set, engines disagreeing, not a number, an
 * index outside the count, or N contradicting the engine's count. */
int shard_parse_env(const char *s, shard_env_fn env, void *ctx, unsigned *index, unsigned *count,
                    char *err);

/* shard_parse_env on the process environment. */
int shard_parse(const char *s, unsigned *index, unsigned *count, char *err);

#endif
