/* SPDX-License-Identifier: MIT */
/* fuzz_common.c - checks the harnesses share (see fuzz_common.h). */
#include "fuzz_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Images up to this many pixels are also re-encoded (PNG and JPEG). */
#define ROUND_TRIP_PIXELS (256 * 256)

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "\n%s:%d: invariant broken: %s: ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void fuzz_check_err(const char *err) {
    FUZZ_CHECK(memchr(err, '\0', ERRLEN) != NULL, "an unterminated message");
    FUZZ_CHECK(err[0] != '\0', "a failure without a message");
    FUZZ_CHECK(!strpbrk(err, "\r\n"), "a message over more than one line: %s", err);
}

uint64_t fuzz_touch(const cvs_image *img) {
    uint64_t sum = 0;
    size_t row = (size_t)img->width * (size_t)img->channels;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *p = img->data + (size_t)y * img->stride;
        for (size_t x = 0; x < row; x++) sum += p[x];
    }
    return sum;
}

static void check_image(const cvs_image *img) {
    FUZZ_CHECK(img->width > 0 && img->height > 0, "%dx%d", img->width, img->height);
    FUZZ_CHECK(img->channels == 1 || img->channels == 3 || img->channels == 4, "%d channels",
               img->channels);
    FUZZ_CHECK(img->data != NULL, "no pixels");
    FUZZ_CHECK(img->stride >= (size_t)img->width * (size_t)img->channels, "stride %zu",
               img->stride);
    FUZZ_CHECK(img->capacity >= img->stride * (size_t)img->height, "capacity %zu", img->capacity);
    volatile uint64_t sum = fuzz_touch(img);
    (void)sum;
}

/* Encodes img as `fmt`, decodes it back: the same size and channels, and for
 * PNG the same pixels. */
static void round_trip(codec *c, const cvs_image *img, img_format fmt, encode_opts eo) {
    const char *name = fmt == IMG_PNG ? "PNG" : "JPEG";
    /* A BGRA image: PNG keeps its alpha, JPEG flattens it (3 channels). */
    decode_opts dopt = {.keep_alpha = 1};
    int want_ch = fmt == IMG_JPEG && img->channels == 4 ? 3 : img->channels;
    membuf out = {0};
    cvs_image back = {0};
    char err[ERRLEN] = "";
    FUZZ_CHECK(image_encode(c, img, fmt, &eo, &out, err) == 0, "%s encode: %s", name, err);
    FUZZ_CHECK(image_detect(out.data, out.len) == fmt, "the %s written is not %s", name, name);
    FUZZ_CHECK(image_decode(c, out.data, out.len, &dopt, &back, err) == 0, "%s decode: %s", name,
               err);
    FUZZ_CHECK(back.width == img->width && back.height == img->height &&
                   back.channels == want_ch,
               "%dx%dx%d came back as %dx%dx%d", img->width, img->height, img->channels,
               back.width, back.height, back.channels);
    size_t row = (size_t)img->width * (size_t)img->channels;
    for (int y = 0; fmt == IMG_PNG && y < img->height; y++)
        FUZZ_CHECK(memcmp(img->data + (size_t)y * img->stride, back.data + (size_t)y * back.stride,
                          row) == 0,
                   "PNG round trip changed row %d", y);
    cvs_image_free(&back);
    membuf_free(&out);
}

void fuzz_png_round_trip(codec *c, const cvs_image *img, int level) {
    round_trip(c, img, IMG_PNG, (encode_opts){.jpeg_quality = 95, .png_level = level});
}

void fuzz_jpeg_round_trip(codec *c, const cvs_image *img, int quality) {
    round_trip(c, img, IMG_JPEG, (encode_opts){.jpeg_quality = quality, .png_level = 1});
}

/* The metadata of the input (hostile bytes: app/meta.c), then carried into
 * a PNG and a JPEG made from img (the last decode, if any) and read back:
 * the same bytes come out as went in. */
static void fuzz_meta(codec *c, const uint8_t *buf, size_t len, const cvs_image *img) {
    image_meta m = {0}, back = {0};
    FUZZ_CHECK(image_meta_read(buf, len, (int)(len & 1), &m) == 0, "metadata: out of memory");
    FUZZ_CHECK(m.icc.len == 0 || (m.icc.len >= 132 && m.icc.len <= META_MAX_ICC),
               "an ICC profile of %zu bytes", m.icc.len);
    if (img->data && (uint64_t)img->width * (uint64_t)img->height <= ROUND_TRIP_PIXELS) {
        for (int f = IMG_JPEG; f <= IMG_PNG; f++) {
            encode_opts eo = {.jpeg_quality = 50, .png_level = 1, .meta = &m};
            membuf out = {0};
            char err[ERRLEN] = "";
            FUZZ_CHECK(image_encode(c, img, (img_format)f, &eo, &out, err) == 0,
                       "encode with metadata: %s", err);
            FUZZ_CHECK(image_meta_read(out.data, out.len, 1, &back) == 0, "metadata read back");
            int ch = f == IMG_JPEG && img->channels == 4 ? 3 : img->channels;
            size_t icc = image_meta_icc_fits(&m, ch) ? m.icc.len : 0;
            /* libpng may refuse a profile it finds wrong: then none. */
            FUZZ_CHECK(back.icc.len == icc || (f == IMG_PNG && back.icc.len == 0),
                       "ICC profile of %zu bytes came back as %zu", icc, back.icc.len);
            FUZZ_CHECK(back.icc.len == 0 || !memcmp(back.icc.data, m.icc.data, icc),
                       "ICC profile changed");
            if (f == IMG_PNG || m.exif.len <= 65000)
                FUZZ_CHECK(back.exif.len == m.exif.len &&
                               (!m.exif.len || !memcmp(back.exif.data, m.exif.data, m.exif.len)),
                           "EXIF of %zu bytes came back as %zu", m.exif.len, back.exif.len);
            membuf_free(&out);
        }
    }
    image_meta_free(&m);
    image_meta_free(&back);
}

void fuzz_image(const uint8_t *buf, size_t len, uint64_t max_pixels) {
    /* A fresh codec per input: a crash replays from its input alone. */
    codec c = {0};
    cvs_image img = {0};
    char err[ERRLEN] = "";
    int pw = 0, ph = 0, pc = 0;
    int probed = image_probe(&c, buf, len, NULL, &pw, &ph, &pc, err) == 0;
    if (probed)
        FUZZ_CHECK(pw > 0 && ph > 0 && (pc == 1 || pc == 3), "probe gave %dx%dx%d", pw, ph, pc);
    else
        fuzz_check_err(err);

    decode_opts o = {.max_pixels = max_pixels};
    err[0] = '\0';
    if (image_decode(&c, buf, len, &o, &img, err) == 0) {
        FUZZ_CHECK(probed, "decoded what the probe refused");
        check_image(&img);
        FUZZ_CHECK(img.width == pw && img.height == ph && img.channels == pc,
                   "decoded %dx%dx%d, the header says %dx%dx%d", img.width, img.height,
                   img.channels, pw, ph, pc);
        FUZZ_CHECK((uint64_t)img.width * (uint64_t)img.height <= max_pixels,
                   "%dx%d is over max_pixels", img.width, img.height);
        if ((uint64_t)img.width * (uint64_t)img.height <= ROUND_TRIP_PIXELS) {
            fuzz_png_round_trip(&c, &img, (int)(len % 10));
            fuzz_jpeg_round_trip(&c, &img, 1 + (int)(len % 100));
        }
    } else {
        fuzz_check_err(err);
    }

    if (probed && image_detect(buf, len) == IMG_JPEG) {
        /* Luma only, as for a pipeline that starts with grayscale. */
        o.to_gray = 1;
        err[0] = '\0';
        if (image_decode(&c, buf, len, &o, &img, err) == 0) {
            check_image(&img);
            FUZZ_CHECK(img.width == pw && img.height == ph, "luma %dx%d of %dx%d", img.width,
                       img.height, pw, ph);
            FUZZ_CHECK(pc == 3 || img.channels == 1, "a gray JPEG decoded to color");
        } else {
            fuzz_check_err(err);
        }
        /* Shrink on load to at least m/8 of the size, m picked from the input. */
        o.to_gray = 0;
        int m = 1 + (int)(len % 7);
        o.min_width = pw / 8 * m > 0 ? pw / 8 * m : 1;
        o.min_height = ph / 8 * m > 0 ? ph / 8 * m : 1;
        err[0] = '\0';
        if (image_decode(&c, buf, len, &o, &img, err) == 0) {
            check_image(&img);
            FUZZ_CHECK(img.width >= o.min_width && img.height >= o.min_height &&
                           img.width <= pw && img.height <= ph,
                       "shrunk to %dx%d: at least %dx%d of %dx%d wanted", img.width, img.height,
                       o.min_width, o.min_height, pw, ph);
            FUZZ_CHECK(img.channels == pc, "shrunk decode has %d channels, not %d", img.channels,
                       pc);
        } else {
            fuzz_check_err(err);
        }
    }
    if (image_detect(buf, len) == IMG_PNG) {
        /* With alpha, as for a pipeline whose steps all keep it: BGRA, or the
         * plain decode's channels for a file without alpha. */
        decode_opts ao = {.max_pixels = max_pixels, .keep_alpha = 1};
        err[0] = '\0';
        if (image_decode(&c, buf, len, &ao, &img, err) == 0) {
            check_image(&img);
            FUZZ_CHECK(img.width == pw && img.height == ph && (img.channels == pc || img.channels == 4),
                       "alpha decode %dx%dx%d of %dx%dx%d", img.width, img.height, img.channels,
                       pw, ph, pc);
            if ((uint64_t)img.width * (uint64_t)img.height <= ROUND_TRIP_PIXELS)
                fuzz_png_round_trip(&c, &img, (int)(len % 10));
        } else {
            fuzz_check_err(err);
        }
    }
    fuzz_meta(&c, buf, len, &img);
    cvs_image_free(&img);
    codec_free(&c);
}
