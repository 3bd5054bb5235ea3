/* SPDX-License-Identifier: MIT */
/* imageio.h - JPEG (TurboJPEG) and PNG (libpng) decoding and encoding.
 *
 * Decoded images are 8-bit: gray stays 1 channel, color becomes 3-channel
 * BGR, alpha is dropped (unless decode_opts.keep_alpha: then a PNG with
 * alpha becomes 4-channel BGRA), 16-bit samples keep their high byte, palettes are
 * expanded, CMYK JPEGs are converted to BGR.  The EXIF orientation (a JPEG's
 * APP1, a PNG's eXIf chunk) is applied as OpenCV's imread applies it.  The
 * format is found from the bytes, never from a file name. */
#ifndef CVAPP_IMAGEIO_H
#define CVAPP_IMAGEIO_H

#include <stddef.h>
#include <stdint.h>

#include "../shim/cvshim.h"
#include "util.h"

typedef enum img_format { IMG_UNKNOWN = 0, IMG_JPEG, IMG_PNG } img_format;

typedef struct decode_opts {
    uint64_t max_pixels; /* width*height above this is refused before allocation */
    int ignore_orientation; /* non-zero: do not apply the EXIF orientation tag
                               (default: applied, as cv::imread does) */
    int to_gray;            /* JPEG: decode to gray as imread's IMREAD_GRAYSCALE does
                               (YCbCr: luma only; a shortcut, see job.c) */
    int min_width, min_height; /* JPEG: when set, decode at the smallest DCT scale
                                  (1/8..1) still at least this size (shrink on load),
                                  the size in the final orientation */
    int keep_alpha;         /* PNG with alpha (RGBA, gray+alpha, tRNS on palette, gray
                               or RGB): decode to 4 channels, BGRA (gray repeated in B,
                               G and R); JPEG and PNG without alpha are not affected */
} decode_opts;

/* What cvapp carries from an input to its output (docs/images.md, "Alpha
 * and metadata"): the ICC profile and the EXIF block; len 0 = none. */
typedef struct image_meta {
    membuf icc;  /* the whole profile */
    membuf exif; /* TIFF-structured ("II*\0" or "MM\0*"), without JPEG's "Exif\0\0" */
} image_meta;

#define META_MAX_ICC (16u << 20) /* a larger profile is left out */

/* Metadata bombs (docs/limits-and-security.md): a JPEG's APPn and COM
 * segments before its first scan, or a PNG's ancillary chunks, more than
 * META_MAX_SEGMENTS of them or more than META_MAX_BYTES in all, make the
 * file one cvapp does not read. */
#define META_MAX_SEGMENTS 1000u
#define META_MAX_BYTES (32u << 20)
/* Checked before any decoding (image_probe, image_decode): 0, or -1 with
 * err ("PNG metadata: more than 1000 ancillary chunks, ..."). Walks the
 * segment or chunk headers only. */
int image_meta_check(const uint8_t *buf, size_t len, char *err);

/* Reads the ICC profile and EXIF of a JPEG or PNG file (app/meta.c) into m
 * (buffers reused).  Malformed metadata is left out, never an error.  The
 * EXIF is made ready to write (exif_clean: orientation 1 unless
 * keep_orientation, no thumbnail).  Returns 0, or -1 when out of memory. */
int image_meta_read(const uint8_t *buf, size_t len, int keep_orientation, image_meta *m);
void image_meta_free(image_meta *m);
/* Whether m's profile describes an image of `channels` (GRAY for 1, RGB
 * for 3 or 4): a profile is written only then. */
int image_meta_icc_fits(const image_meta *m, int channels);

typedef struct encode_opts {
    int jpeg_quality; /* 1..100 */
    int png_level;    /* zlib level 0..9 */
    uint32_t background; /* 0xRRGGBB a 4-channel image is flattened onto for JPEG
                            (--background; 0 in a zeroed struct: black) */
    const image_meta *meta; /* written into the output when not NULL: EXIF, and the
                               ICC profile when image_meta_icc_fits */
} encode_opts;

/* Per-worker codec state (TurboJPEG handles), reused across images. */
typedef struct codec {
    void *tj_dec;
    void *tj_enc;
} codec;

void codec_free(codec *c);

img_format image_detect(const uint8_t *buf, size_t len);
const char *image_format_name(img_format f);
/* From a file name's extension (.png, .jpg, .jpeg; any case). */
img_format image_format_from_name(const char *path);

/* Reads the header only: dimensions and channels the decode would give,
 * the EXIF orientation applied (width and height swap for 5..8) unless
 * o->ignore_orientation (o may be NULL; its other fields are not used). */
int image_probe(codec *c, const uint8_t *buf, size_t len, const decode_opts *o, int *width,
                int *height, int *channels, char *err);

/* Decodes into out (buffer reused when big enough; see cvs_image_alloc).
 * Returns 0, or -1 with a one-line reason in err. */
int image_decode(codec *c, const uint8_t *buf, size_t len,
                 const decode_opts *o, cvs_image *out, char *err);

/* Encodes img into out (out->len set; buffer reused).  img has 1, 3 or 4
 * channels: PNG keeps 4 as RGBA; JPEG flattens them onto o->background. */
int image_encode(codec *c, const cvs_image *img, img_format fmt,
                 const encode_opts *o, membuf *out, char *err);

/* Library versions for --version. */
const char *image_libpng_version(void);
const char *image_libjpeg_version(void);

#endif
