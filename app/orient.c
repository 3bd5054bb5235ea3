/* SPDX-License-Identifier: MIT */
/* orient.c - turning decoded images by their EXIF orientation.  See orient.h. */
#include "orient.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Writes src (w x h, ch channels, rows sstride bytes apart) into dst,
 * turned as OpenCV's imread turns orientation o: 2 flip left-right, 3 both,
 * 4 top-bottom, 5 transpose, 6 transpose + left-right, 7 transpose + both,
 * 8 transpose + top-bottom.  dst is already sized (h x w for 5..8).
 * dst(x, y) = *(start + x * xs + y * ys). */
void orient_copy(const uint8_t *src, int w, int h, size_t sstride, int ch, int o,
                        cvs_image *dst) {
    ptrdiff_t px = ch, row = (ptrdiff_t)sstride, xs = px, ys = row;
    const uint8_t *last_row = src + (size_t)(h - 1) * sstride, *start = src;
    const size_t last_px = (size_t)(w - 1) * (size_t)ch;
    switch (o) {
    case 2: start = src + last_px, xs = -px; break;
    case 3: start = last_row + last_px, xs = -px, ys = -row; break;
    case 4: start = last_row, ys = -row; break;
    case 5: xs = row, ys = px; break;
    case 6: start = last_row, xs = -row, ys = px; break;
    case 7: start = last_row + last_px, xs = -row, ys = -px; break;
    case 8: start = src + last_px, xs = row, ys = -px; break;
    default: break;
    }
    const size_t ds = dst->stride;
    /* The pixel loops, once per channel count so that the copy is unrolled. */
#define ORIENT_ROWS(CH)                                                                   \
    for (int y = 0; y < dst->height; y++) {                                               \
        const uint8_t *s = start + (ptrdiff_t)y * ys;                                     \
        uint8_t *d = dst->data + (size_t)y * ds;                                          \
        if (xs == (CH)) {                                                                 \
            memcpy(d, s, (size_t)dst->width * (size_t)(CH));                              \
            continue;                                                                     \
        }                                                                                 \
        for (int x = 0; x < dst->width; x++)                                              \
            for (int k = 0; k < (CH); k++)                                                \
                d[(size_t)(x * (CH) + k)] = s[(ptrdiff_t)x * xs + k];                     \
    }
    /* Transposes read down the source's columns: go by 32x32 tiles, so that
     * the rows read and written stay in the cache. */
#define ORIENT_TILES(CH)                                                                  \
    for (int y0 = 0; y0 < dst->height; y0 += 32)                                          \
        for (int x0 = 0; x0 < dst->width; x0 += 32) {                                     \
            int y1 = dst->height - y0 < 32 ? dst->height : y0 + 32;                       \
            int x1 = dst->width - x0 < 32 ? dst->width : x0 + 32;                         \
            for (int x = x0; x < x1; x++) {                                               \
                const uint8_t *s = start + (ptrdiff_t)x * xs;                             \
                uint8_t *d = dst->data + (size_t)x * (size_t)(CH);                        \
                for (int y = y0; y < y1; y++)                                             \
                    for (int k = 0; k < (CH); k++)                                        \
                        d[(size_t)y * ds + (size_t)k] = s[(ptrdiff_t)y * ys + k];         \
            }                                                                             \
        }
    if (o < 5) {
        if (ch == 1) ORIENT_ROWS(1) else if (ch == 3) ORIENT_ROWS(3) else ORIENT_ROWS(ch)
    } else {
        if (ch == 1) ORIENT_TILES(1) else if (ch == 3) ORIENT_TILES(3) else ORIENT_TILES(ch)
    }
#undef ORIENT_ROWS
#undef ORIENT_TILES
}

/* Turns img in place (through a copy) by orientation o (2..8). */
int orient_image(cvs_image *img, int o, char *err) {
    if (o < 2 || o > 8) return 0;
    int w = img->width, h = img->height, ch = img->channels;
    size_t row = (size_t)w * (size_t)ch;
    uint8_t *copy = malloc(row * (size_t)h);
    if (!copy) return seterr(err, "cannot allocate %dx%d image", w, h);
    for (int y = 0; y < h; y++) memcpy(copy + (size_t)y * row, img->data + (size_t)y * img->stride, row);
    int rc = 0, nw = o >= 5 ? h : w, nh = o >= 5 ? w : h;
    if (cvs_image_alloc(img, nw, nh, ch) != CVS_OK)
        rc = seterr(err, "cannot allocate %dx%d image: %s", nw, nh, cvs_last_error());
    else
        orient_copy(copy, w, h, row, ch, o, img);
    free(copy);
    return rc;
}
