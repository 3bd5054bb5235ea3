/* SPDX-License-Identifier: MIT */
/* imageio_int.h - what the image I/O files share (app/imageio.c dispatch,
 * app/jpeg.c, app/png.c); not for other modules: they use imageio.h. */
#ifndef CVAPP_IMAGEIO_INT_H
#define CVAPP_IMAGEIO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "imageio.h"

/* Refuses w x h when it is not a positive size or over o->max_pixels
 * (o may be NULL), before anything is allocated.  0 or -1 with err set. */
int imageio_check_pixels(int w, int h, const decode_opts *o, char *err);

/* Sets err to "prefix: msg", once: a library message that starts with the
 * prefix's own words (libjpeg's "Corrupt JPEG data: ...") is not prefixed
 * again.  Returns -1. */
int imageio_fail(char *err, const char *prefix, const char *msg);

int imageio_jpeg_probe(codec *c, const uint8_t *buf, size_t len, const decode_opts *o,
                       int *width, int *height, int *channels, char *err);
int imageio_jpeg_decode(codec *c, const uint8_t *buf, size_t len, const decode_opts *o,
                        cvs_image *out, char *err);
int imageio_jpeg_encode(codec *c, const cvs_image *img, const encode_opts *o, membuf *out,
                        char *err);

int imageio_png_probe(const uint8_t *buf, size_t len, const decode_opts *o, int *width,
                      int *height, int *channels, char *err);
int imageio_png_decode(const uint8_t *buf, size_t len, const decode_opts *o, cvs_image *out,
                       char *err);
int imageio_png_encode(const cvs_image *img, const encode_opts *o, membuf *out, char *err);

/* Inserts m's EXIF (APP1) and ICC profile (APP2 chunks, when it fits an
 * image of `channels`) into an encoded JPEG, after SOI and the JFIF APP0.
 * EXIF over one segment's room is left out.  0, or -1 out of memory. */
/* The next chunk of a PNG (from *pos, 8 at the start): 1 with its type,
 * data and length, or 0 at IEND or where the data ends (app/meta.c). */
int png_chunk(const uint8_t *buf, size_t len, size_t *pos, const uint8_t **type,
              const uint8_t **d, uint32_t *n);
int meta_jpeg_insert(membuf *jpeg, const image_meta *m, int channels);

#endif
