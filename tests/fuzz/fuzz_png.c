/* fuzz_png.c - libFuzzer harness: PNG decoding through app/imageio.c.
 *
 * Each input is a PNG file.  It is probed and decoded as cvapp would, with
 * at most FUZZ_MAX_PIXELS pixels so that a small header claiming a huge
 * image costs nothing; small images are re-encoded and decoded again (PNG
 * must come back pixel for pixel; fuzz_common.c). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

#define FUZZ_MAX_PIXELS (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* Inputs that are not PNG stop at the format check: nothing to learn. */
    if (image_detect(data, size) != IMG_PNG) return -1;
    fuzz_image(data, size, FUZZ_MAX_PIXELS);
    return 0;
}
