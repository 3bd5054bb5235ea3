/* SPDX-License-Identifier: MIT */
/* testutil.h - synthetic images and helpers for the Check suites. */
#ifndef CVAPP_TESTUTIL_H
#define CVAPP_TESTUTIL_H

#include <check.h>
#include <stddef.h>

#include "cvshim.h"
#include "util.h"

/* A shim-allocated w x h x c image filled with `value`. */
cvs_image img_fill(int w, int h, int c, int value);
/* Black image with a white axis-aligned square [x0,x1) x [y0,y1). */
cvs_image img_square(int w, int h, int x0, int y0, int x1, int y1);
/* Checkerboard of `cell`-pixel squares, black top-left. */
cvs_image img_checker(int w, int h, int cell);
/* Deterministic pseudo-random pixels. */
cvs_image img_noise(int w, int h, int c, unsigned seed);

static inline uint8_t *px(const cvs_image *im, int x, int y) {
    return im->data + (size_t)y * im->stride + (size_t)x * (size_t)im->channels;
}

/* Runs the suite, prints Check's summary, returns the process exit code. */
int run_suite(Suite *s);

/* A check that cannot run here: prints "SKIP [suite/test]: reason" and
   records it in $CVAPP_SKIP_DIR (as tests/lib.sh's skip does), so that the
   skipped_checks test and make check-all list it. The test then returns. */
void test_skip(const char *suite, const char *test, const char *reason);

/* A fresh temporary directory (mkdtemp); returned string is static per call site. */
char *test_tmpdir(void);

/* Writes n bytes of data to path (test_write_text: a string), replacing the file. */
void test_write_bytes(const char *path, const void *data, size_t n);
void test_write_text(const char *path, const char *text);

#endif
