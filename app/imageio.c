/* SPDX-License-Identifier: MIT */
/* imageio.c - image I/O dispatch: the format from the bytes, then JPEG
 * (app/jpeg.c) or PNG (app/png.c); the EXIF reader is app/exif.c, the
 * turning by orientation app/orient.c. */
#include "imageio.h"

#include <string.h>
#include <strings.h>

#include "imageio_int.h"

img_format image_detect(const uint8_t *buf, size_t len) {
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF) return IMG_JPEG;
    if (len >= 8 && memcmp(buf, png_sig, 8) == 0) return IMG_PNG;
    return IMG_UNKNOWN;
}

const char *image_format_name(img_format f) {
    return f == IMG_JPEG ? "jpg" : f == IMG_PNG ? "png" : "unknown";
}

img_format image_format_from_name(const char *path) {
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot) return IMG_UNKNOWN;
    if (!strcasecmp(dot, ".png")) return IMG_PNG;
    if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg")) return IMG_JPEG;
    return IMG_UNKNOWN;
}

int imageio_check_pixels(int w, int h, const decode_opts *o, char *err) {
    if (w <= 0 || h <= 0) return seterr(err, "invalid dimensions %dx%d", w, h);
    uint64_t px = (uint64_t)w * (uint64_t)h;
    if (o && o->max_pixels && px > o->max_pixels)
        return seterr(err, "image is %dx%d (%llu pixels), over --max-pixels %llu", w, h,
                      (unsigned long long)px, (unsigned long long)o->max_pixels);
    return 0;
}

int imageio_fail(char *err, const char *prefix, const char *msg) {
    size_t n = strlen(prefix);
    if (!strncasecmp(msg, prefix, n) && msg[n] == ':') {
        msg += n + 1;
        while (*msg == ' ') msg++;
    }
    return seterr(err, "%s: %s", prefix, msg);
}

static int not_an_image(size_t len, char *err) {
    return seterr(err, len ? "not a JPEG or PNG file" : "empty file");
}

int image_probe(codec *c, const uint8_t *buf, size_t len, const decode_opts *o, int *width,
                int *height, int *channels, char *err) {
    if (image_meta_check(buf, len, err) != 0) return -1;
    switch (image_detect(buf, len)) {
    case IMG_JPEG: return imageio_jpeg_probe(c, buf, len, o, width, height, channels, err);
    case IMG_PNG: return imageio_png_probe(buf, len, o, width, height, channels, err);
    default: return not_an_image(len, err);
    }
}

int image_decode(codec *c, const uint8_t *buf, size_t len, const decode_opts *o,
                 cvs_image *out, char *err) {
    if (image_meta_check(buf, len, err) != 0) return -1;
    switch (image_detect(buf, len)) {
    case IMG_JPEG: return imageio_jpeg_decode(c, buf, len, o, out, err);
    case IMG_PNG: return imageio_png_decode(buf, len, o, out, err);
    default: return not_an_image(len, err);
    }
}

int image_encode(codec *c, const cvs_image *img, img_format fmt, const encode_opts *o,
                 membuf *out, char *err) {
    out->len = 0;
    if (img->channels != 1 && img->channels != 3 && img->channels != 4)
        return seterr(err, "cannot encode a %d-channel image", img->channels);
    if (fmt == IMG_JPEG) return imageio_jpeg_encode(c, img, o, out, err);
    if (fmt == IMG_PNG) return imageio_png_encode(img, o, out, err);
    return seterr(err, "unknown output format");
}
