#include "imageio.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <turbojpeg.h>
#include <zlib.h>

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

/* ------------------------------------------------------ EXIF orientation */

/* The orientation tag (0x0112) read the way OpenCV 4's ExifReader reads
 * it, so that the same files turn the same way as under cv::imread:
 * "II" is little-endian and anything else big-endian; the magic 42 must
 * follow; IFD0's entries are read in order and the first orientation entry
 * gives the value (its type is not checked: the 16 bits at its value field).
 * A read out of bounds stops the parse there, as OpenCV's exception does:
 * an entry before the orientation that OpenCV reads (a string, a rational)
 * and whose data lies outside the segment means no orientation.  Every
 * offset is bounds-checked; malformed data is never an error.  Returns
 * 1..8, or 1 when there is no usable tag. */
typedef struct exif_rd {
    const uint8_t *d;
    uint64_t n;
    int le;
} exif_rd;

static int exif_u16(const exif_rd *r, uint64_t off, uint32_t *v) {
    if (off + 1 >= r->n) return -1;
    const uint8_t *p = r->d + off;
    *v = r->le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : (uint32_t)p[0] << 8 | p[1];
    return 0;
}

static int exif_u32(const exif_rd *r, uint64_t off, uint32_t *v) {
    if (off + 3 >= r->n) return -1;
    const uint8_t *p = r->d + off;
    *v = r->le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
               : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return 0;
}

/* Whether OpenCV's reader gets through the entry at `off` of a tag other
 * than the orientation without running out of data. */
static int exif_entry_ok(const exif_rd *r, uint32_t tag, uint64_t off) {
    uint32_t a, b;
    unsigned rationals = 0;
    switch (tag) {
    case 0x010E: case 0x010F: case 0x0110: case 0x0131: case 0x0132: case 0x8298: /* strings */
        if (exif_u32(r, off + 4, &a)) return 0;
        b = 8; /* a string of up to 4 bytes: OpenCV takes its offset as 8 */
        if (a > 4 && exif_u32(r, off + 8, &b)) return 0;
        return (uint64_t)b <= r->n && (uint64_t)b + a <= r->n;
    case 0x0128: case 0x0213: /* resolution unit, YCbCr positioning */
        return exif_u16(r, off + 8, &a) == 0;
    case 0x011A: case 0x011B: rationals = 1; break; /* resolutions */
    case 0x013E: rationals = 2; break;              /* white point */
    case 0x0211: rationals = 3; break;              /* YCbCr coefficients */
    case 0x013F: case 0x0214: rationals = 6; break; /* chromaticities, black/white */
    default: return 1;
    }
    if (exif_u32(r, off + 8, &a)) return 0;
    return (uint64_t)a + 8 * rationals - 1 < r->n;
}

static int exif_orientation(const uint8_t *d, size_t n) {
    exif_rd r = {d, n, n >= 2 && d[0] == 'I' && d[1] == 'I'};
    uint32_t magic, ifd, count, tag, v;
    if (exif_u16(&r, 2, &magic) || magic != 42 || exif_u32(&r, 4, &ifd) ||
        exif_u16(&r, ifd, &count))
        return 1;
    for (uint64_t i = 0, off = (uint64_t)ifd + 2; i < count; i++, off += 12) {
        if (exif_u16(&r, off, &tag)) return 1;
        if (tag == 0x0112) return exif_u16(&r, off + 8, &v) || v < 1 || v > 8 ? 1 : (int)v;
        if (!exif_entry_ok(&r, tag, off)) return 1;
    }
    return 1;
}

/* The EXIF orientation of a JPEG: the first APP1 segment before the first
 * scan, its first 6 bytes ("Exif\0\0") skipped, as OpenCV does (it does not
 * check them either).  Markers are walked the way libjpeg finds them. */
static int jpeg_orientation(const uint8_t *buf, size_t len) {
    size_t i = 2;
    for (;;) {
        while (i < len && buf[i] != 0xFF) i++; /* libjpeg skips (and warns about) junk */
        while (i < len && buf[i] == 0xFF) i++;
        if (i >= len) return 1;
        uint8_t m = buf[i++];
        if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue; /* no length */
        if (m == 0xD9 || m == 0xDA) return 1; /* EOI, SOS: the header is over */
        if (len - i < 2) return 1;
        size_t seg = (size_t)buf[i] << 8 | buf[i + 1];
        if (seg < 2 || seg > len - i) return 1;
        if (m == 0xE1) return seg - 2 > 6 ? exif_orientation(buf + i + 8, seg - 8) : 1;
        i += seg;
    }
}

/* Writes src (w x h, ch channels, rows sstride bytes apart) into dst,
 * turned as OpenCV's imread turns orientation o: 2 flip left-right, 3 both,
 * 4 top-bottom, 5 transpose, 6 transpose + left-right, 7 transpose + both,
 * 8 transpose + top-bottom.  dst is already sized (h x w for 5..8).
 * dst(x, y) = *(start + x * xs + y * ys). */
static void orient_copy(const uint8_t *src, int w, int h, size_t sstride, int ch, int o,
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
            memcpy(d, s, (size_t)dst->width * (CH));                                      \
            continue;                                                                     \
        }                                                                                 \
        for (int x = 0; x < dst->width; x++)                                              \
            for (int k = 0; k < (CH); k++) d[(size_t)x * (CH) + k] = s[(ptrdiff_t)x * xs + k]; \
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
                uint8_t *d = dst->data + (size_t)x * (CH);                                \
                for (int y = y0; y < y1; y++)                                             \
                    for (int k = 0; k < (CH); k++) d[(size_t)y * ds + k] = s[(ptrdiff_t)y * ys + k]; \
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
static int orient_image(cvs_image *img, int o, char *err) {
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
    *w = *h = 0; /* a tables-only stream "succeeds" without setting them */
    if (len > (size_t)(unsigned long)-1)
        return seterr(err, "corrupt JPEG header: the file is too large");
    if (tjDecompressHeader3(t, buf, (unsigned long)len, w, h, &subsamp, cs) != 0) {
        /* TurboJPEG 2.1 does not abort the decompressor when the header is
         * bad: the next image would be read as the rest of this one. */
        seterr(err, "corrupt JPEG header: %s", tjGetErrorStr2(t));
        tjDestroy(t);
        c->tj_dec = NULL;
        return -1;
    }
    if (*w < 1 || *h < 1) {
        /* It also leaves its tables in the handle for the next image: drop it. */
        tjDestroy(t);
        c->tj_dec = NULL;
        return seterr(err, "corrupt JPEG header: no image (tables only)");
    }
    return 0;
}

/* CMYK as Adobe writes it (inverted), converted the way OpenCV's imread
 * does, in place: n pixels of 4 bytes become n packed BGR pixels. */
static void cmyk_to_bgr(uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const uint8_t *s = p + 4 * i;
        int c = s[0], m = s[1], y = s[2], k = s[3];
        uint8_t *d = p + 3 * i;
        d[2] = (uint8_t)(k - ((255 - c) * k >> 8));
        d[1] = (uint8_t)(k - ((255 - m) * k >> 8));
        d[0] = (uint8_t)(k - ((255 - y) * k >> 8));
    }
}

/* Shrink on load: the smallest scale M/8 (M = 1..8) whose result still
 * covers min_width x min_height; the decoder's own DCT scaling does the rest.
 * The minimum is in the final orientation: `swap` (orientations 5..8) means
 * the stored width becomes the height. */
static void jpeg_scaled_size(const decode_opts *o, int swap, int *w, int *h) {
    if (!o || o->min_width <= 0 || o->min_height <= 0) return;
    int mw = swap ? o->min_height : o->min_width, mh = swap ? o->min_width : o->min_height;
    for (int m = 1; m < 8; m++) {
        int sw = (*w * m + 7) / 8, sh = (*h * m + 7) / 8;
        if (sw >= mw && sh >= mh) {
            *w = sw;
            *h = sh;
            return;
        }
    }
}

#ifndef TJFLAG_LIMITSCANS
/* libjpeg-turbo 2.0 (Debian 11) has no TJFLAG_LIMITSCANS, with which 2.1
 * and later refuse a progressive JPEG of more than 500 scans (bounded
 * work).  There cvapp counts them itself before decoding, for the same
 * limit and message: the number of scans (SOS markers), counting no further
 * than `limit` + 1.  Walks the marker segments and skips entropy-coded data
 * up to the next marker that is not a stuffed 0xFF00 or a restart marker. */
static int jpeg_scan_count(const uint8_t *buf, size_t len, int limit) {
    size_t i = 2;
    int scans = 0;
    while (i + 4 <= len && scans <= limit) {
        if (buf[i] != 0xFF) return scans;
        uint8_t m = buf[i + 1];
        if (m == 0xFF) { i++; continue; }                 /* fill byte */
        if (m == 0xD9) return scans;                      /* EOI */
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { i += 2; continue; }
        size_t seg = ((size_t)buf[i + 2] << 8) | buf[i + 3];
        if (seg < 2) return scans;
        i += 2 + seg;
        if (m != 0xDA) continue;
        scans++;
        while (i + 1 < len && !(buf[i] == 0xFF && buf[i + 1] != 0x00 &&
                                !(buf[i + 1] >= 0xD0 && buf[i + 1] <= 0xD7)))
            i++;
    }
    return scans;
}

#define JPEG_MAX_SCANS 500
#endif

static int jpeg_decode(codec *c, const uint8_t *buf, size_t len, const decode_opts *o,
                       cvs_image *out, char *err) {
    int w, h, cs;
    if (jpeg_header(c, buf, len, &w, &h, &cs, err) || check_pixels(w, h, o, err)) return -1;
#ifndef TJFLAG_LIMITSCANS
    /* The message libjpeg-turbo's TJFLAG_LIMITSCANS gives. */
    if (jpeg_scan_count(buf, len, JPEG_MAX_SCANS) > JPEG_MAX_SCANS)
        return seterr(err, "corrupt JPEG data: Progressive JPEG image has more than %d scans",
                      JPEG_MAX_SCANS);
#endif
    int orient = o && o->ignore_orientation ? 1 : jpeg_orientation(buf, len), swap = orient >= 5;
    jpeg_scaled_size(o, swap, &w, &h);
    int cmyk = cs == TJCS_CMYK || cs == TJCS_YCCK;
    /* Luma-only decoding skips chroma upsampling and color conversion. */
    int gray = cs == TJCS_GRAY || (o && o->to_gray && cs == TJCS_YCbCr), ch = gray ? 1 : 3;
    if (cvs_image_alloc(out, swap ? h : w, swap ? w : h, ch) != CVS_OK)
        return seterr(err, "cannot allocate %dx%d image: %s", swap ? h : w, swap ? w : h,
                      cvs_last_error());
    /* Warnings (a truncated stream, a corrupt segment) are errors; progressive
     * files with absurd scan counts are refused rather than decoded forever. */
    int flags = TJFLAG_STOPONWARNING;
#ifdef TJFLAG_LIMITSCANS
    flags |= TJFLAG_LIMITSCANS;
#endif
    /* CMYK and turned images are decoded into a scratch buffer first. */
    uint8_t *tmp = NULL, *dst = out->data;
    int pf = gray ? TJPF_GRAY : TJPF_BGR, pitch = (int)out->stride;
    if (cmyk || orient != 1) {
        if (!(tmp = malloc((size_t)w * (size_t)h * (cmyk ? 4 : (size_t)ch))))
            return seterr(err, "cannot allocate %dx%d %s buffer", w, h, cmyk ? "CMYK" : "decode");
        dst = tmp;
        pf = cmyk ? TJPF_CMYK : pf;
        pitch = w * (cmyk ? 4 : ch);
    }
    int rc = tjDecompress2(c->tj_dec, buf, (unsigned long)len, dst, w, pitch, h, pf, flags);
    if (rc != 0) {
        free(tmp);
        return seterr(err, "corrupt JPEG data: %s", tjGetErrorStr2(c->tj_dec));
    }
    if (cmyk) cmyk_to_bgr(tmp, (size_t)w * (size_t)h);
    if (tmp) orient_copy(tmp, w, h, (size_t)w * (size_t)ch, ch, orient, out);
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
    /* libpng only warns about a chunk longer than its limit (png_decode sets
     * it to at least the input's size, so that chunk cannot be whole), then
     * allocates it: stop before that. */
    if (strstr(msg, "chunk data is too large")) {
        png_io *io = png_get_error_ptr(p);
        seterr(io->err, "truncated PNG: data ends at byte %zu", io->len);
        png_longjmp(p, 1);
    }
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
    /* Alpha, including what a palette's tRNS expands to, is dropped. */
    if ((ctype & PNG_COLOR_MASK_ALPHA) || png_get_valid(p, info, PNG_INFO_tRNS))
        png_set_strip_alpha(p);
    int color = (ctype & PNG_COLOR_MASK_COLOR) != 0;
    if (color) png_set_bgr(p);
    png_set_interlace_handling(p);
    png_read_update_info(p, info);
    return color ? 3 : 1;
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
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

/* For the probe, which stops at the image data: the orientation of the
 * first eXIf chunk after it that libpng's png_read_end would keep (2 bytes
 * or more, a byte order libpng accepts, its CRC right), read from the chunk
 * at `pos` on, up to IEND. */
static int png_orientation_after(const uint8_t *buf, size_t len, size_t pos) {
    while (len - pos >= 12) {
        uint32_t n = be32(buf + pos);
        const uint8_t *type = buf + pos + 4, *d = buf + pos + 8;
        if (n > len - pos - 12 || !memcmp(type, "IEND", 4)) return 1;
        if (!memcmp(type, "eXIf", 4) && n >= 2 &&
            (d[1] == 'M' || d[1] == 'I' || d[0] == d[1]) &&
            crc32(crc32(0L, Z_NULL, 0), type, n + 4) == be32(d + n))
            return exif_orientation(d, n);
        pos += (size_t)n + 12;
    }
    return 1;
}

static int png_decode(const uint8_t *buf, size_t len, const decode_opts *o,
                      cvs_image *out, int probe_only, int *pw, int *ph, int *pc,
                      char *err) {
    err[0] = '\0';
    png_io io = {buf, len, 0, NULL, err};
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
    int w, h, ch = png_setup(p, info, &w, &h);
    if (check_pixels(w, h, o, err) != 0) png_longjmp(p, 1);
    int apply = !(o && o->ignore_orientation);
    if (probe_only) {
        /* png_read_info stopped after the first IDAT's chunk header. */
        int orient = !apply ? 1 : png_get_valid(p, info, PNG_INFO_eXIf) || io.pos < 8
                                      ? png_orientation(p, info, NULL)
                                      : png_orientation_after(buf, len, io.pos - 8);
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

int image_probe(codec *c, const uint8_t *buf, size_t len, const decode_opts *o, int *width,
                int *height, int *channels, char *err) {
    switch (image_detect(buf, len)) {
    case IMG_JPEG: {
        int cs;
        if (jpeg_header(c, buf, len, width, height, &cs, err)) return -1;
        if (!(o && o->ignore_orientation) && jpeg_orientation(buf, len) >= 5) {
            int t = *width;
            *width = *height;
            *height = t;
        }
        *channels = cs == TJCS_GRAY ? 1 : 3;
        return 0;
    }
    case IMG_PNG: {
        decode_opts po = {.ignore_orientation = o && o->ignore_orientation};
        return png_decode(buf, len, &po, NULL, 1, width, height, channels, err);
    }
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
