/* SPDX-License-Identifier: MIT */
/* fuzz_exif.c - libFuzzer harness: the EXIF orientation reader (app/exif.c).
 *
 * Each input is an EXIF block as it follows "Exif\0\0" in a JPEG's APP1 or
 * fills a PNG's eXIf chunk (a TIFF header and IFD0).  It is read directly,
 * then wrapped in a JPEG APP1 segment and in a PNG eXIf chunk: every reading
 * is an orientation 1..8 (malformed data means 1, never a failure), and the
 * wrapped readings agree with the direct one.  The block as cleaned for an
 * output (exif_clean, orientation reset or kept) reads orientation 1 when
 * reset, and cleans to itself again.  The buffers are exactly as
 * long as their data, so ASan sees any read past them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "exif.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 65000) return -1; /* more than a JPEG segment holds */
    int direct = exif_orientation(data, size);
    FUZZ_CHECK(direct >= 1 && direct <= 8, "orientation %d", direct);

    /* The whole input as a JPEG file, and as a PNG read from every offset:
     * whatever the bytes, an orientation. */
    int any = exif_jpeg_orientation(data, size);
    FUZZ_CHECK(any >= 1 && any <= 8, "JPEG orientation %d of raw bytes", any);
    for (size_t pos = 0; pos <= size && pos < 16; pos++) {
        any = exif_png_orientation_from(data, size, pos);
        FUZZ_CHECK(any >= 1 && any <= 8, "PNG orientation %d of raw bytes at %zu", any, pos);
    }

    /* SOI, APP1 of "Exif\0\0" + data, EOI. */
    size_t jlen = 2 + 4 + 6 + size + 2;
    uint8_t *j = malloc(jlen);
    FUZZ_CHECK(j != NULL, "out of memory");
    memcpy(j, "\xff\xd8\xff\xe1", 4);
    j[4] = (uint8_t)((size + 8) >> 8), j[5] = (uint8_t)(size + 8);
    memcpy(j + 6, "Exif\0\0", 6);
    if (size) memcpy(j + 12, data, size);
    memcpy(j + 12 + size, "\xff\xd9", 2);
    int in_jpeg = exif_jpeg_orientation(j, jlen);
    FUZZ_CHECK(in_jpeg == direct, "APP1 gives %d, the block %d", in_jpeg, direct);
    free(j);

    /* PNG signature, eXIf chunk (CRC right), IEND. libpng keeps an eXIf of
     * 2 bytes or more in a byte order it knows. */
    size_t plen = 8 + 12 + size + 12;
    uint8_t *p = malloc(plen);
    FUZZ_CHECK(p != NULL, "out of memory");
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    put32(p + 8, (uint32_t)size);
    memcpy(p + 12, "eXIf", 4);
    if (size) memcpy(p + 16, data, size);
    put32(p + 16 + size, (uint32_t)crc32(crc32(0L, Z_NULL, 0), p + 12, (uInt)(size + 4)));
    memcpy(p + 20 + size, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
    int kept = size >= 2 && (data[1] == 'M' || data[1] == 'I' || data[0] == data[1]);
    int in_png = exif_png_orientation_from(p, plen, 8);
    FUZZ_CHECK(in_png == (kept ? direct : 1), "eXIf gives %d, the block %d", in_png, direct);
    free(p);

    for (int keep = 0; keep <= 1; keep++) {
        uint8_t *c = malloc(size ? size : 1), *again = malloc(size ? size : 1);
        FUZZ_CHECK(c != NULL && again != NULL, "out of memory");
        if (size) memcpy(c, data, size);
        size_t n = size;
        if (exif_clean(c, &n, keep) == 0) {
            FUZZ_CHECK(n <= size, "cleaned to %zu bytes from %zu", n, size);
            if (!keep) FUZZ_CHECK(exif_orientation(c, n) == 1, "reset gives %d", exif_orientation(c, n));
            memcpy(again, c, n);
            size_t n2 = n;
            FUZZ_CHECK(exif_clean(again, &n2, 1) == 0, "a cleaned block is refused");
            FUZZ_CHECK(n2 == n && !memcmp(again, c, n), "a cleaned block changes when cleaned again");
        }
        free(c);
        free(again);
    }
    return 0;
}
