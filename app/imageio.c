#include "imageio.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <turbojpeg.h>

#if defined(__has_include)
#if __has_include(<jconfig.h>)
#include <jconfig.h>
#endif
#endif

#define STR_(x) #x
#define STR(x) STR_(x)

void codec_free(codec *c) {
    if (c->tj_dec) tjDestroy(c->tj_dec);
    if (c->tj_enc) tjDestroy(c->tj_enc);
    c->tj_dec = c->tj_enc = NULL;
}

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

const char *image_libpng_version(void) { return png_get_libpng_ver(NULL); }

const char *image_libjpeg_version(void) {
#ifdef LIBJPEG_TURBO_VERSION
    return STR(LIBJPEG_TURBO_VERSION);
#else
    return "2.x";
#endif
}

static int check_pixels(int w, int h, const decode_opts *o, char *err) {
    if (w <= 0 || h <= 0) return seterr(err, "invalid dimensions %dx%d", w, h);
    uint64_t px = (uint64_t)w * (uint64_t)h;
    if (o && o->max_pixels && px > o->max_pixels)
        return seterr(err, "image is %dx%d (%llu pixels), over --max-pixels %llu", w, h,
                      (unsigned long long)px, (unsigned long long)o->max_pixels);
    return 0;
}

/* ---------------------------------------------------------------- JPEG */

static tjhandle dec_handle(codec *c, char *err) {
    if (!c->tj_dec && !(c->tj_dec = tjInitDecompress()))
        seterr(err, "cannot start the JPEG decoder: %s", tjGetErrorStr2(NULL));
    return c->tj_dec;
}

static int jpeg_header(codec *c, const uint8_t *buf, size_t len, int *w, int *h,
                       int *cs, char *err) {
    tjhandle t = dec_handle(c, err);
    if (!t) return -1;
    int subsamp;
    if (len > (size_t)(unsigned long)-1 ||
        tjDecompressHeader3(t, buf, (unsigned long)len, w, h, &subsamp, cs) != 0)
        return seterr(err, "corrupt JPEG header: %s", tjGetErrorStr2(t));
    return 0;
}

/* CMYK as Adobe writes it (inverted), converted the way OpenCV's imread does. */
static void cmyk_to_bgr(cvs_image *img, const uint8_t *cmyk) {
    for (int y = 0; y < img->height; y++) {
        const uint8_t *s = cmyk + (size_t)y * img->width * 4;
        uint8_t *d = img->data + (size_t)y * img->stride;
        for (int x = 0; x < img->width; x++, s += 4, d += 3) {
            int k = s[3];
            d[2] = (uint8_t)(k - ((255 - s[0]) * k >> 8));
            d[1] = (uint8_t)(k - ((255 - s[1]) * k >> 8));
            d[0] = (uint8_t)(k - ((255 - s[2]) * k >> 8));
        }
    }
}

/* Shrink on load: the smallest scale M/8 (M = 1..8) whose result still
 * covers min_width x min_height; the decoder's own DCT scaling does the rest. */
static void jpeg_scaled_size(const decode_opts *o, int *w, int *h) {
    if (!o || o->min_width <= 0 || o->min_height <= 0) return;
    for (int m = 1; m < 8; m++) {
        int sw = (*w * m + 7) / 8, sh = (*h * m + 7) / 8;
        if (sw >= o->min_width && sh >= o->min_height) {
            *w = sw;
            *h = sh;
            return;
        }
    }
}

static int jpeg_decode(codec *c, const uint8_t *buf, size_t len, const decode_opts *o,
                       cvs_image *out, char *err) {
    int w, h, cs;
    if (jpeg_header(c, buf, len, &w, &h, &cs, err) || check_pixels(w, h, o, err)) return -1;
    jpeg_scaled_size(o, &w, &h);
    int cmyk = cs == TJCS_CMYK || cs == TJCS_YCCK;
    /* Luma-only decoding skips chroma upsampling and color conversion. */
    int gray = cs == TJCS_GRAY || (o && o->to_gray && cs == TJCS_YCbCr);
    if (cvs_image_alloc(out, w, h, gray ? 1 : 3) != CVS_OK)
        return seterr(err, "cannot allocate %dx%d image: %s", w, h, cvs_last_error());
    /* Warnings (a truncated stream, a corrupt segment) are errors; progressive
     * files with absurd scan counts are refused rather than decoded forever. */
    int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
    uint8_t *tmp = NULL, *dst = out->data;
    int pf = gray ? TJPF_GRAY : TJPF_BGR, pitch = (int)out->stride;
    if (cmyk) {
        if (!(tmp = malloc((size_t)w * (size_t)h * 4)))
            return seterr(err, "cannot allocate %dx%d CMYK buffer", w, h);
        dst = tmp;
        pf = TJPF_CMYK;
        pitch = w * 4;
    }
    int rc = tjDecompress2(c->tj_dec, buf, (unsigned long)len, dst, w, pitch, h, pf, flags);
    if (rc != 0) {
        free(tmp);
        return seterr(err, "corrupt JPEG data: %s", tjGetErrorStr2(c->tj_dec));
    }
    if (cmyk) cmyk_to_bgr(out, tmp);
    free(tmp);
    return 0;
}

static int jpeg_encode(codec *c, const cvs_image *img, const encode_opts *o,
                       membuf *out, char *err) {
    if (!c->tj_enc && !(c->tj_enc = tjInitCompress()))
        return seterr(err, "cannot start the JPEG encoder: %s", tjGetErrorStr2(NULL));
    int gray = img->channels == 1;
    int samp = gray ? TJSAMP_GRAY : TJSAMP_420;
    unsigned long cap = tjBufSize(img->width, img->height, samp);
    if (cap == (unsigned long)-1 || membuf_reserve(out, cap) != 0)
        return seterr(err, "cannot allocate the JPEG output buffer");
    unsigned char *dst = out->data;
    unsigned long size = out->cap;
    if (tjCompress2(c->tj_enc, img->data, img->width, (int)img->stride, img->height,
                    gray ? TJPF_GRAY : TJPF_BGR, &dst, &size, samp, o->jpeg_quality,
                    TJFLAG_NOREALLOC) != 0)
        return seterr(err, "JPEG encoding failed: %s", tjGetErrorStr2(c->tj_enc));
    out->len = size;
    return 0;
}

/* ----------------------------------------------------------------- PNG */

typedef struct png_io {
    const uint8_t *buf;
    size_t len, pos;
    membuf *out;
    char *err;
} png_io;

static void png_on_error(png_structp p, png_const_charp msg) {
    png_io *io = png_get_error_ptr(p);
    if (io->err[0] == '\0') seterr(io->err, "corrupt PNG: %s", msg);
    png_longjmp(p, 1);
}

static void png_on_warning(png_structp p, png_const_charp msg) {
    (void)p;
    (void)msg; /* benign (e.g. an sRGB profile note): the pixels are still right */
}

static void png_read_mem(png_structp p, png_bytep data, size_t n) {
    png_io *io = png_get_io_ptr(p);
    if (n > io->len - io->pos) {
        seterr(io->err, "truncated PNG: data ends at byte %zu", io->len);
        png_longjmp(p, 1);
    }
    memcpy(data, io->buf + io->pos, n);
    io->pos += n;
}

static void png_write_mem(png_structp p, png_bytep data, size_t n) {
    png_io *io = png_get_io_ptr(p);
    if (membuf_append(io->out, data, n) != 0) {
        seterr(io->err, "out of memory writing PNG");
        png_longjmp(p, 1);
    }
}

static void png_flush_mem(png_structp p) { (void)p; }

/* Reads the header and sets the transforms; returns channels after them. */
static int png_setup(png_structp p, png_infop info, int *w, int *h) {
    png_read_info(p, info);
    png_uint_32 pw, ph;
    int depth, ctype, interlace;
    png_get_IHDR(p, info, &pw, &ph, &depth, &ctype, &interlace, NULL, NULL);
    *w = (int)pw;
    *h = (int)ph;
    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(p);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(p);
    if (depth == 16) png_set_strip_16(p);
    if (ctype & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(p);
    int color = (ctype & PNG_COLOR_MASK_COLOR) != 0;
    if (color) png_set_bgr(p);
    png_set_interlace_handling(p);
    png_read_update_info(p, info);
    return color ? 3 : 1;
}

static int png_decode(const uint8_t *buf, size_t len, const decode_opts *o,
                      cvs_image *out, int probe_only, int *pw, int *ph, int *pc,
                      char *err) {
    err[0] = '\0';
    png_io io = {buf, len, 0, NULL, err};
    png_structp p = png_create_read_struct(PNG_LIBPNG_VER_STRING, &io, png_on_error,
                                           png_on_warning);
    if (!p) return seterr(err, "cannot start the PNG decoder");
    png_infop info = png_create_info_struct(p);
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(png_jmpbuf(p))) {
        free((void *)rows);
        png_destroy_read_struct(&p, info ? &info : NULL, NULL);
        if (!err[0]) seterr(err, "corrupt PNG");
        return -1;
    }
    png_set_read_fn(p, &io, png_read_mem);
    int w, h, ch = png_setup(p, info, &w, &h);
    if (check_pixels(w, h, o, err) != 0) png_longjmp(p, 1);
    if (pw) *pw = w;
    if (ph) *ph = h;
    if (pc) *pc = ch;
    if (!probe_only) {
        if (png_get_rowbytes(p, info) != (size_t)w * (size_t)ch) {
            seterr(err, "unsupported PNG layout");
            png_longjmp(p, 1);
        }
        if (cvs_image_alloc(out, w, h, ch) != CVS_OK) {
            seterr(err, "cannot allocate %dx%d image: %s", w, h, cvs_last_error());
            png_longjmp(p, 1);
        }
        if (!(rows = malloc(sizeof(png_bytep) * (size_t)h))) {
            seterr(err, "out of memory");
            png_longjmp(p, 1);
        }
        for (int y = 0; y < h; y++) rows[y] = out->data + (size_t)y * out->stride;
        png_read_image(p, rows);
        png_read_end(p, NULL);
    }
    free((void *)rows);
    png_destroy_read_struct(&p, &info, NULL);
    return 0;
}

static int png_encode(const cvs_image *img, const encode_opts *o, membuf *out, char *err) {
    err[0] = '\0';
    png_io io = {NULL, 0, 0, out, err};
    png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, &io, png_on_error,
                                            png_on_warning);
    if (!p) return seterr(err, "cannot start the PNG encoder");
    png_infop info = png_create_info_struct(p);
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(png_jmpbuf(p))) {
        free((void *)rows);
        png_destroy_write_struct(&p, info ? &info : NULL);
        if (!err[0]) seterr(err, "PNG encoding failed");
        return -1;
    }
    png_set_write_fn(p, &io, png_write_mem, png_flush_mem);
    /* OpenCV's own fast defaults: SUB filter, run-length strategy. */
    png_set_filter(p, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
    png_set_compression_level(p, o->png_level);
    png_set_compression_strategy(p, 3 /* Z_RLE */);
    png_set_IHDR(p, info, (png_uint_32)img->width, (png_uint_32)img->height, 8,
                 img->channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(p, info);
    if (img->channels == 3) png_set_bgr(p);
    if (!(rows = malloc(sizeof(png_bytep) * (size_t)img->height))) {
        seterr(err, "out of memory");
        png_longjmp(p, 1);
    }
    for (int y = 0; y < img->height; y++) rows[y] = img->data + (size_t)y * img->stride;
    png_write_image(p, rows);
    png_write_end(p, NULL);
    free((void *)rows);
    png_destroy_write_struct(&p, &info);
    return 0;
}

/* ------------------------------------------------------------- dispatch */

int image_probe(codec *c, const uint8_t *buf, size_t len, int *width, int *height,
                int *channels, char *err) {
    switch (image_detect(buf, len)) {
    case IMG_JPEG: {
        int cs;
        if (jpeg_header(c, buf, len, width, height, &cs, err)) return -1;
        *channels = cs == TJCS_GRAY ? 1 : 3;
        return 0;
    }
    case IMG_PNG:
        return png_decode(buf, len, NULL, NULL, 1, width, height, channels, err);
    default:
        return seterr(err, len ? "not a JPEG or PNG file" : "empty file");
    }
}

int image_decode(codec *c, const uint8_t *buf, size_t len, const decode_opts *o,
                 cvs_image *out, char *err) {
    switch (image_detect(buf, len)) {
    case IMG_JPEG:
        return jpeg_decode(c, buf, len, o, out, err);
    case IMG_PNG:
        return png_decode(buf, len, o, out, 0, NULL, NULL, NULL, err);
    default:
        return seterr(err, len ? "not a JPEG or PNG file" : "empty file");
    }
}

int image_encode(codec *c, const cvs_image *img, img_format fmt, const encode_opts *o,
                 membuf *out, char *err) {
    out->len = 0;
    if (img->channels != 1 && img->channels != 3)
        return seterr(err, "cannot encode a %d-channel image", img->channels);
    if (fmt == IMG_JPEG) return jpeg_encode(c, img, o, out, err);
    if (fmt == IMG_PNG) return png_encode(img, o, out, err);
    return seterr(err, "unknown output format");
}
