/* SPDX-License-Identifier: MIT */
/* png.c - PNG decoding and encoding with libpng, the transforms chosen as
 * OpenCV's imread chooses them (8 bits, BGR, alpha dropped, palettes and
 * low bit depths expanded; no gamma, background or sBIT correction), so
 * that every file libpng decodes gives imread's pixels.  A fault is libpng's
 * own message, once, after "corrupt PNG: ". */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exif.h"
#include "imageio_int.h"
#include "orient.h"

const char *image_libpng_version(void) { return png_get_libpng_ver(NULL); }

typedef struct png_io {
    const uint8_t *buf;
    size_t len, pos;
    membuf *out;
    char *err;
    char ihdr[128]; /* the first of png_check_IHDR's warnings */
} png_io;

static void png_on_error(png_structp p, png_const_charp msg) {
    png_io *io = png_get_error_ptr(p);
    if (io->err[0] == '\0') {
        /* libpng warns about each bad IHDR field, then fails with "Invalid
         * IHDR data": the warning names the fault. */
        if (io->ihdr[0] && !strcmp(msg, "Invalid IHDR data"))
            seterr(io->err, "corrupt PNG: %s: %s", msg, io->ihdr);
        else
            imageio_fail(io->err, "corrupt PNG", msg);
    }
    png_longjmp(p, 1);
}

static void png_on_warning(png_structp p, png_const_charp msg) {
    /* libpng only warns about a chunk longer than its limit (png_decode sets
     * it to at least the input's size, so that chunk cannot be whole), then
     * allocates it: stop before that. */
    png_io *io = png_get_error_ptr(p);
    if (strstr(msg, "chunk data is too large")) {
        seterr(io->err, "truncated PNG: data ends at byte %zu", io->len);
        png_longjmp(p, 1);
    }
    if (!io->ihdr[0] && strstr(msg, "IHDR")) snprintf(io->ihdr, sizeof io->ihdr, "%s", msg);
    /* Others are benign (e.g. an sRGB profile note): the pixels are still right. */
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

/* Reads the header and sets the transforms; returns channels after them:
 * 1 or 3, or 4 (BGRA) with keep_alpha for a file that has alpha. */
static int png_setup(png_structp p, png_infop info, int keep_alpha, int *w, int *h) {
    png_read_info(p, info);
    png_uint_32 pw, ph;
    int depth, ctype, interlace;
    png_get_IHDR(p, info, &pw, &ph, &depth, &ctype, &interlace, NULL, NULL);
    *w = (int)pw;
    *h = (int)ph;
    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(p);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(p);
    if (depth == 16) png_set_strip_16(p);
    int trns = png_get_valid(p, info, PNG_INFO_tRNS) != 0;
    int alpha = (ctype & PNG_COLOR_MASK_ALPHA) || trns;
    int color = (ctype & PNG_COLOR_MASK_COLOR) != 0;
    if (alpha && keep_alpha) {
        /* BGRA: tRNS becomes an alpha channel (a palette's already does),
         * gray is repeated into B, G and R. */
        if (trns && ctype != PNG_COLOR_TYPE_PALETTE) png_set_tRNS_to_alpha(p);
        if (!color) png_set_gray_to_rgb(p);
        png_set_bgr(p);
        png_set_interlace_handling(p);
        png_read_update_info(p, info);
        return 4;
    }
    /* Alpha, including what a palette's tRNS expands to, is dropped. */
    if (alpha) png_set_strip_alpha(p);
    if (color) png_set_bgr(p);
    png_set_interlace_handling(p);
    png_read_update_info(p, info);
    return color ? 3 : 1;
}

/* The orientation of the eXIf chunk libpng keeps: OpenCV reads the one
 * before the image data (info), else the one after it (end). */
static int png_orientation(png_structp p, png_infop info, png_infop end) {
    png_uint_32 n = 0;
    png_bytep exif = NULL;
    if (png_get_valid(p, info, PNG_INFO_eXIf)) png_get_eXIf_1(p, info, &n, &exif);
    else if (end && png_get_valid(p, end, PNG_INFO_eXIf)) png_get_eXIf_1(p, end, &n, &exif);
    return exif && n ? exif_orientation(exif, n) : 1;
}

/* The chunks libpng is told to skip unread (png_run): no pixel depends on
 * them, and what would be inflated or kept of them is a metadata bomb's
 * way in.  Skipped, they lose libpng's one check of theirs that makes a
 * file corrupt (as imread finds it), made here: none comes before IHDR. */
static const png_byte skipped[] = "tEXt\0zTXt\0iTXt\0iCCP\0sPLT";
enum { NSKIPPED = 5 };

static int skipped_before_ihdr(const uint8_t *buf, size_t len, char *err) {
    size_t pos = 8;
    uint32_t n;
    const uint8_t *type, *d;
    while (png_chunk(buf, len, &pos, &type, &d, &n) && memcmp(type, "IHDR", 4) != 0)
        for (int k = 0; k < NSKIPPED; k++)
            if (!memcmp(type, skipped + 5 * k, 4))
                return seterr(err, "corrupt PNG: %.4s: missing IHDR", (const char *)type);
    return 0;
}

/* Decodes into out, or with probe_only reads the header only (pw, ph, pc). */
static int png_run(const uint8_t *buf, size_t len, const decode_opts *o, cvs_image *out,
                   int probe_only, int *pw, int *ph, int *pc, char *err) {
    err[0] = '\0';
    if (skipped_before_ihdr(buf, len, err) != 0) return -1;
    png_io io = {buf, len, 0, NULL, err, ""};
    png_structp p = png_create_read_struct(PNG_LIBPNG_VER_STRING, &io, png_on_error,
                                           png_on_warning);
    if (!p) return seterr(err, "cannot start the PNG decoder");
    if (len > png_get_chunk_malloc_max(p)) png_set_chunk_malloc_max(p, len);
    png_infop info = png_create_info_struct(p), end = NULL;
    png_bytep *volatile rows = NULL;
    if (!info || !(end = png_create_info_struct(p)) || setjmp(png_jmpbuf(p))) {
        free((void *)rows);
        png_destroy_read_struct(&p, info ? &info : NULL, end ? &end : NULL);
        if (!err[0]) seterr(err, "corrupt PNG");
        return -1;
    }
    png_set_read_fn(p, &io, png_read_mem);
    /* Text, the ICC profile (app/meta.c reads it, bounded) and suggested
     * palettes: skipped, never inflated or kept (after setjmp: it
     * allocates, and libpng's out of memory is a longjmp). */
    png_set_keep_unknown_chunks(p, PNG_HANDLE_CHUNK_NEVER, skipped, NSKIPPED);
    int w, h, ch = png_setup(p, info, o && o->keep_alpha && !probe_only, &w, &h);
    if (imageio_check_pixels(w, h, o, err) != 0) png_longjmp(p, 1);
    int apply = !(o && o->ignore_orientation);
    if (probe_only) {
        /* png_read_info stopped after the first IDAT's chunk header. */
        int orient = !apply ? 1 : png_get_valid(p, info, PNG_INFO_eXIf) || io.pos < 8
                                      ? png_orientation(p, info, NULL)
                                      : exif_png_orientation_from(buf, len, io.pos - 8);
        if (pw) *pw = orient >= 5 ? h : w;
        if (ph) *ph = orient >= 5 ? w : h;
        if (pc) *pc = ch;
    } else {
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
        png_read_end(p, end);
        /* OpenCV 4 applies an eXIf chunk's orientation to PNG too. */
        if (apply && orient_image(out, png_orientation(p, info, end), err) != 0)
            png_longjmp(p, 1);
    }
    free((void *)rows);
    png_destroy_read_struct(&p, &info, &end);
    return 0;
}

int imageio_png_probe(const uint8_t *buf, size_t len, const decode_opts *o, int *width,
                      int *height, int *channels, char *err) {
    decode_opts po = {.ignore_orientation = o && o->ignore_orientation};
    return png_run(buf, len, &po, NULL, 1, width, height, channels, err);
}

int imageio_png_decode(const uint8_t *buf, size_t len, const decode_opts *o, cvs_image *out,
                       char *err) {
    return png_run(buf, len, o, out, 0, NULL, NULL, NULL, err);
}

/* 1 when img is a mask: one channel of only 0 and 255 (Canny, threshold).
 * Unfiltered, its rows are runs of those two bytes, which the run-length
 * strategy packs smaller and faster than SUB-filtered ones (SUB leaves a
 * 255 or a 1 at every edge). Other images keep SUB: continuous tones, and
 * colour masks, whose three-byte pixels repeat at a distance run-length
 * coding cannot reach unless filtered. */
static int is_mask(const cvs_image *img) {
    if (img->channels != 1) return 0;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *row = img->data + (size_t)y * img->stride;
        unsigned other = 0;
        /* v + 1 wraps 255 to 0 and takes 0 to 1; any other value is above 1. */
        for (int x = 0; x < img->width; x++) other |= (uint8_t)(row[x] + 1u) > 1u;
        if (other) return 0;
    }
    return 1;
}

int imageio_png_encode(const cvs_image *img, const encode_opts *o, membuf *out, char *err) {
    err[0] = '\0';
    png_io io = {NULL, 0, 0, out, err, ""};
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
    /* OpenCV's own fast defaults, SUB filter and run-length strategy, but
     * no filter for a mask (is_mask). */
    png_set_filter(p, PNG_FILTER_TYPE_BASE, is_mask(img) ? PNG_FILTER_NONE : PNG_FILTER_SUB);
    png_set_compression_level(p, o->png_level);
    png_set_compression_strategy(p, 3 /* Z_RLE */);
    png_set_IHDR(p, info, (png_uint_32)img->width, (png_uint_32)img->height, 8,
                 img->channels == 1   ? PNG_COLOR_TYPE_GRAY
                 : img->channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA
                                      : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* A profile libpng finds wrong is left out with a warning, not an error. */
    png_set_benign_errors(p, 1);
    const image_meta *m = o->meta;
    if (image_meta_icc_fits(m, img->channels))
        png_set_iCCP(p, info, "ICC Profile", PNG_COMPRESSION_TYPE_BASE, m->icc.data,
                     (png_uint_32)m->icc.len);
    if (m && m->exif.len && m->exif.len <= 0x7fffffff)
        png_set_eXIf_1(p, info, (png_uint_32)m->exif.len, m->exif.data);
    png_write_info(p, info);
    if (img->channels >= 3) png_set_bgr(p);
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
