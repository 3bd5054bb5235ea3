/* SPDX-License-Identifier: MIT */
/* fuzz_decode.c - libFuzzer harness: JPEG or PNG decoding through
 * app/imageio.c, built twice: fuzz_jpeg (FUZZ_FORMAT=IMG_JPEG) and
 * fuzz_png (FUZZ_FORMAT=IMG_PNG).
 *
 * Each input is an image file of that format.  It is probed and decoded as
 * cvapp would (JPEG also luma only and shrunk on load), with at most
 * FUZZ_MAX_PIXELS pixels so that a small header claiming a huge image costs
 * nothing; small images are re-encoded and decoded again (PNG must come
 * back pixel for pixel; fuzz_common.c). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

#ifndef FUZZ_FORMAT
#error "build with -DFUZZ_FORMAT=IMG_JPEG or -DFUZZ_FORMAT=IMG_PNG"
#endif
#define FUZZ_MAX_PIXELS (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* Inputs of another format stop at the format check: nothing to learn. */
    if (image_detect(data, size) != FUZZ_FORMAT) return -1;
    fuzz_image(data, size, FUZZ_MAX_PIXELS);
    return 0;
}
