/* SPDX-License-Identifier: MIT */
/* batch.h - running many inputs: workers, report, progress, signals. */
#ifndef CVAPP_BATCH_H
#define CVAPP_BATCH_H

#include <stdio.h>

#include "inputs.h"
#include "job.h"

typedef struct batch_opts {
    job_opts job;
    unsigned jobs;      /* workers; 0 = the CPUs this process may use */
    int cv_threads;     /* OpenCV threads; -1 = CPUs / workers */
    int fail_fast;
    int skip_existing;
    int make_dirs;      /* create the outputs' directories (-d, -o, --features) */
    int quiet;
    int progress;       /* 1 on, 0 off, -1 when stderr is a terminal */
    const char *report; /* --report: JSON Lines appended to ("-" = stdout), or NULL */
    const char *features_all; /* --features-all: each image's features JSON as one line
                                 appended to it ("-" = stdout), or NULL */
} batch_opts;

/* Format number of a --report row ("format" in every row), bumped only
 * when a key changes meaning. */
#define REPORT_FORMAT 1

/* The CPUs this process may use: its affinity mask, capped by a cgroup
 * (v2 cpu.max or v1 cfs quota) CPU limit, rounded up; at least 1. */
unsigned cpus_available(void);

/* Processes every item; returns the exit status (0, 1, 2 when the report
 * cannot be opened, 130 or 143). */
int batch_run(const item_list *l, const batch_opts *o);

#endif
