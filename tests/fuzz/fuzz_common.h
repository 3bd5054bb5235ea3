/* SPDX-License-Identifier: MIT */
/* fuzz_common.h - what the libFuzzer harnesses in tests/fuzz share.
 *
 * A harness reports a broken invariant with FUZZ_CHECK: the message goes to
 * stderr and the process aborts, which libFuzzer records as a crash (the
 * input is written to the artifact directory). */
#ifndef CVAPP_FUZZ_COMMON_H
#define CVAPP_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "imageio.h"

#define FUZZ_CHECK(cond, ...)                                                                     \
    do {                                                                                          \
        if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                           \
    } while (0)

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

/* An error message as the app promises it: non-empty, one line, shorter
 * than ERRLEN. */
void fuzz_check_err(const char *err);

/* Decodes buf every way the app may (plain; for JPEG also luma only and
 * shrunk on load), checks the results against the header and, for small
 * images, that PNG encoding round-trips exactly and JPEG encoding decodes
 * back to the same size.  max_pixels bounds every decode. */
void fuzz_image(const uint8_t *buf, size_t len, uint64_t max_pixels);

/* Encodes img as PNG (zlib level `level`), decodes the result and checks
 * it is the same image, pixel for pixel. */
void fuzz_png_round_trip(codec *c, const cvs_image *img, int level);

/* Encodes img as JPEG at `quality`; the result must decode to the same
 * size and channel count. */
void fuzz_jpeg_round_trip(codec *c, const cvs_image *img, int quality);

/* Sum of every pixel: reads the whole image, so ASan sees a short buffer. */
uint64_t fuzz_touch(const cvs_image *img);

#endif
