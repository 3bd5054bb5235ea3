/* SPDX-License-Identifier: MIT */
/* jpeg.c - JPEG decoding and encoding with libjpeg-turbo.
 *
 * Two decoders from the same library:
 *   - TurboJPEG (turbojpeg.h), the fast path: every file whose sampling
 *     TurboJPEG can name (4:4:4, 4:2:2, 4:2:0, gray, 4:4:0, 4:1:1 and, from
 *     2.1, 4:4:1), which is nearly every JPEG there is;
 *   - the libjpeg API (jpeglib.h) for the rest: TurboJPEG 2.1's header call
 *     fails with "Could not determine subsampling type" on sampling factors
 *     it has no name for (4:1:0, 2x4, 1x3, per-component mixes, chroma
 *     finer than luma, CMYK with a 2x2 first component), although libjpeg
 *     decodes them.  That call has read the whole header when it fails
 *     (it sets the size), so the fallback costs common files nothing.
 * Both decode as OpenCV's imread does (its JPEG reader is the libjpeg API
 * with the library's defaults: the accurate integer DCT, fancy
 * upsampling), so the pixels are the same; both treat a libjpeg warning as
 * an error (TJFLAG_STOPONWARNING, emit_message below) and refuse a
 * progressive file of more than JPEG_MAX_SCANS scans.  On the fallback,
 * shrink on load uses libjpeg's scale_num/scale_denom (the same M/8 DCT
 * scaling) and gray on load its JCS_GRAYSCALE output, as on the fast path. */
#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jpeglib.h>
#include <turbojpeg.h>

#include "exif.h"
#include "imageio_int.h"
#include "orient.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* TurboJPEG 2.1's TJFLAG_LIMITSCANS bound; the fallback applies it too. */
#define JPEG_MAX_SCANS 500

void codec_free(codec *c) {
    if (c->tj_dec) tjDestroy(c->tj_dec);
    if (c->tj_enc) tjDestroy(c->tj_enc);
    c->tj_dec = c->tj_enc = NULL;
}

const char *image_libjpeg_version(void) {
#ifdef LIBJPEG_TURBO_VERSION
    return STR(LIBJPEG_TURBO_VERSION);
#else
    return "2.x";
#endif
}

/* A refusal with libjpeg's own words, once: its warnings begin "Corrupt
 * JPEG data: ", which cvapp's prefix already says; a feature the library
 * lacks (12-bit samples in an 8-bit build, fractional sampling ratios, a
 * colour conversion it does not have) is "unsupported", not "corrupt". */
static int jpeg_fail(char *err, const char *phase, const char *msg) {
    static const char lib_prefix[] = "Corrupt JPEG data: ";
    static const char *const unsupported[] = {"Unsupported JPEG data precision",
                                              "Fractional sampling not implemented",
                                              "Unsupported color conversion request",
                                              "Sorry, arithmetic code not supported",
                                              "Not implemented yet"};
    if (!strncasecmp(msg, lib_prefix, sizeof lib_prefix - 1)) msg += sizeof lib_prefix - 1;
    for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++)
        if (!strncmp(msg, unsupported[i], strlen(unsupported[i])))
            return imageio_fail(err, "unsupported JPEG", msg);
    return imageio_fail(err, phase, msg);
}

static tjhandle dec_handle(codec *c, char *err) {
    if (!c->tj_dec && !(c->tj_dec = tjInitDecompress()))
        seterr(err, "cannot start the JPEG decoder: %s", tjGetErrorStr2(NULL));
    return c->tj_dec;
}

/* The header through TurboJPEG: 0, or 1 when TurboJPEG cannot describe the
 * file but libjpeg read its header (w, h, cs set; cs may be -1): decode it
 * with the libjpeg API; or -1 with the reason in err. */
static int jpeg_header(codec *c, const uint8_t *buf, size_t len, int *w, int *h,
                       int *cs, char *err) {
    tjhandle t = dec_handle(c, err);
    if (!t) return -1;
    int subsamp;
    *w = *h = 0; /* a tables-only stream "succeeds" without setting them */
    *cs = -1;
    if (len > (size_t)(unsigned long)-1)
        return seterr(err, "corrupt JPEG header: the file is too large");
    if (tjDecompressHeader3(t, buf, (unsigned long)len, w, h, &subsamp, cs) != 0) {
        /* TurboJPEG 2.1 does not abort the decompressor when the header is
         * bad: the next image would be read as the rest of this one. */
        int rc = *w > 0 && *h > 0 ? 1 : jpeg_fail(err, "corrupt JPEG header", tjGetErrorStr2(t));
        tjDestroy(t);
        c->tj_dec = NULL;
        return rc;
    }
    if (*w < 1 || *h < 1) {
        /* It also leaves its tables in the handle for the next image: drop it. */
        tjDestroy(t);
        c->tj_dec = NULL;
        return seterr(err, "corrupt JPEG header: no image (tables only)");
    }
    return 0;
}

int imageio_jpeg_probe(codec *c, const uint8_t *buf, size_t len, const decode_opts *o,
                       int *width, int *height, int *channels, char *err) {
    int cs;
    if (jpeg_header(c, buf, len, width, height, &cs, err) < 0) return -1;
    if (!(o && o->ignore_orientation) && exif_jpeg_orientation(buf, len) >= 5) {
        int t = *width;
        *width = *height;
        *height = t;
    }
    *channels = cs == TJCS_GRAY ? 1 : 3;
    return 0;
}

/* CMYK as Adobe writes it (inverted), converted the way OpenCV's imread
 * does, in place: n pixels of 4 bytes become n packed BGR pixels, or with
 * `gray` n gray bytes (imread's IMREAD_GRAYSCALE of a CMYK file: its own
 * fixed-point luma of the BGR values, 14 bits, rounded). */
static void cmyk_convert(uint8_t *p, size_t n, int gray) {
    for (size_t i = 0; i < n; i++) {
        const uint8_t *s = p + 4 * i;
        int c = s[0], m = s[1], y = s[2], k = s[3];
        int r = k - ((255 - c) * k >> 8), g = k - ((255 - m) * k >> 8), b = k - ((255 - y) * k >> 8);
        if (gray) {
            p[i] = (uint8_t)((b * 1868 + g * 9617 + r * 4899 + (1 << 13)) >> 14);
            continue;
        }
        uint8_t *d = p + 3 * i;
        d[0] = (uint8_t)b;
        d[1] = (uint8_t)g;
        d[2] = (uint8_t)r;
    }
}

/* Shrink on load: the smallest scale M/8 (M = 1..8) whose result still
 * covers min_width x min_height (w x h become the scaled size); the
 * decoder's own DCT scaling does the rest.  The minimum is in the final
 * orientation: `swap` (orientations 5..8) means the stored width becomes
 * the height.  Returns M. */
static int jpeg_scaled_size(const decode_opts *o, int swap, int *w, int *h) {
    if (!o || o->min_width <= 0 || o->min_height <= 0) return 8;
    int mw = swap ? o->min_height : o->min_width, mh = swap ? o->min_width : o->min_height;
    for (int m = 1; m < 8; m++) {
        int sw = (*w * m + 7) / 8, sh = (*h * m + 7) / 8;
        if (sw >= mw && sh >= mh) {
            *w = sw;
            *h = sh;
            return m;
        }
    }
    return 8;
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
#endif


/* ------------------------------------------ the libjpeg API fallback */

typedef struct lj_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} lj_error;

static void lj_error_exit(j_common_ptr ci) {
    lj_error *e = (lj_error *)ci->err;
    ci->err->format_message(ci, e->msg);
    longjmp(e->jump, 1);
}

/* Level -1 is a warning (corrupt data libjpeg would patch over): an error
 * here, as TJFLAG_STOPONWARNING makes it on the fast path.  Trace
 * messages (levels above 0) are not errors. */
static void lj_emit_message(j_common_ptr ci, int level) {
    if (level < 0) lj_error_exit(ci);
}

/* TJFLAG_LIMITSCANS's bound, the way TurboJPEG applies it. */
static void lj_progress(j_common_ptr ci) {
    j_decompress_ptr d = (j_decompress_ptr)ci;
    if (d->progressive_mode && d->input_scan_number > JPEG_MAX_SCANS) {
        lj_error *e = (lj_error *)ci->err;
        snprintf(e->msg, sizeof e->msg, "Progressive JPEG image has more than %d scans",
                 JPEG_MAX_SCANS);
        longjmp(e->jump, 1);
    }
}

/* Decodes what TurboJPEG cannot describe, through the libjpeg API, with the
 * same results and options as the fast path (imageio_jpeg_decode). */
static int lj_decode(const uint8_t *buf, size_t len, const decode_opts *o, cvs_image *out,
                     char *err) {
    struct jpeg_decompress_struct ci;
    struct jpeg_progress_mgr progress = {.progress_monitor = lj_progress};
    lj_error e;
    uint8_t *volatile tmp = NULL;
    const char *volatile phase = "corrupt JPEG header";
    memset(&ci, 0, sizeof ci);
    ci.err = jpeg_std_error(&e.pub);
    e.pub.error_exit = lj_error_exit;
    e.pub.emit_message = lj_emit_message;
    e.msg[0] = '\0';
    if (setjmp(e.jump)) {
        free(tmp);
        jpeg_destroy_decompress(&ci);
        return err[0] && !e.msg[0] ? -1 : jpeg_fail(err, phase, e.msg);
    }
    err[0] = '\0';
    jpeg_create_decompress(&ci);
    ci.progress = &progress;
    jpeg_mem_src(&ci, buf, (unsigned long)len);
    if (jpeg_read_header(&ci, TRUE) != JPEG_HEADER_OK) {
        jpeg_destroy_decompress(&ci);
        return seterr(err, "corrupt JPEG header: no image (tables only)");
    }
    int w = (int)ci.image_width, h = (int)ci.image_height;
    if (imageio_check_pixels(w, h, o, err)) longjmp(e.jump, 1);
    int orient = o && o->ignore_orientation ? 1 : exif_jpeg_orientation(buf, len), swap = orient >= 5;
    int m = jpeg_scaled_size(o, swap, &w, &h);
    int cmyk = ci.num_components == 4;
    int gray = ci.jpeg_color_space == JCS_GRAYSCALE || (o && o->to_gray);
    int ch = gray ? 1 : 3;
    ci.out_color_space = cmyk ? JCS_CMYK : gray ? JCS_GRAYSCALE : JCS_EXT_BGR;
    ci.scale_num = (unsigned)m;
    ci.scale_denom = 8;
    phase = "corrupt JPEG data";
    jpeg_start_decompress(&ci);
    if ((int)ci.output_width != w || (int)ci.output_height != h) {
        seterr(err, "unsupported JPEG: scaled to %ux%u, not %dx%d", ci.output_width,
               ci.output_height, w, h);
        longjmp(e.jump, 1);
    }
    if (cvs_image_alloc(out, swap ? h : w, swap ? w : h, ch) != CVS_OK) {
        seterr(err, "cannot allocate %dx%d image: %s", swap ? h : w, swap ? w : h,
               cvs_last_error());
        longjmp(e.jump, 1);
    }
    uint8_t *dst = out->data;
    size_t pitch = out->stride;
    if (cmyk || orient != 1) {
        pitch = (size_t)w * (cmyk ? 4 : (size_t)ch);
        if (!(tmp = malloc(pitch * (size_t)h))) {
            seterr(err, "cannot allocate %dx%d %s buffer", w, h, cmyk ? "CMYK" : "decode");
            longjmp(e.jump, 1);
        }
        dst = tmp;
    }
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = dst + (size_t)ci.output_scanline * pitch;
        jpeg_read_scanlines(&ci, &row, 1);
    }
    /* Strict: what follows the last row (up to EOI) must be right too. */
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    if (cmyk) cmyk_convert(tmp, (size_t)w * (size_t)h, gray);
    if (tmp) orient_copy(tmp, w, h, (size_t)w * (size_t)ch, ch, orient, out);
    free(tmp);
    return 0;
}

/* ------------------------------------------------ TurboJPEG, the fast path */

int imageio_jpeg_decode(codec *c, const uint8_t *buf, size_t len, const decode_opts *o,
                        cvs_image *out, char *err) {
    int w, h, cs, hdr = jpeg_header(c, buf, len, &w, &h, &cs, err);
    if (hdr < 0) return -1;
    if (hdr > 0) return lj_decode(buf, len, o, out, err);
    if (imageio_check_pixels(w, h, o, err)) return -1;
#ifndef TJFLAG_LIMITSCANS
    /* The message libjpeg-turbo's TJFLAG_LIMITSCANS gives. */
    if (jpeg_scan_count(buf, len, JPEG_MAX_SCANS) > JPEG_MAX_SCANS)
        return seterr(err, "corrupt JPEG data: Progressive JPEG image has more than %d scans",
                      JPEG_MAX_SCANS);
#endif
    int orient = o && o->ignore_orientation ? 1 : exif_jpeg_orientation(buf, len), swap = orient >= 5;
    jpeg_scaled_size(o, swap, &w, &h);
    int cmyk = cs == TJCS_CMYK || cs == TJCS_YCCK;
    /* Gray on load as imread's IMREAD_GRAYSCALE: luma only from YCbCr (no
     * chroma upsampling, no colour conversion), libjpeg's own RGB to gray,
     * CMYK converted below. */
    int gray = cs == TJCS_GRAY || (o && o->to_gray), ch = gray ? 1 : 3;
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
        return jpeg_fail(err, "corrupt JPEG data", tjGetErrorStr2(c->tj_dec));
    }
    if (cmyk) cmyk_convert(tmp, (size_t)w * (size_t)h, gray);
    if (tmp) orient_copy(tmp, w, h, (size_t)w * (size_t)ch, ch, orient, out);
    free(tmp);
    return 0;
}

/* ----------------------------------------------------------- encoding */

/* BGRA flattened onto the background colour bg (0xRRGGBB) into a packed
 * BGR buffer: each channel (c * a + b * (255 - a) + 127) / 255, the
 * alpha-weighted mean rounded to nearest.  NULL when out of memory. */
static uint8_t *flatten(const cvs_image *img, uint32_t bg) {
    const unsigned back[3] = {bg & 0xFF, (bg >> 8) & 0xFF, (bg >> 16) & 0xFF};
    uint8_t *out = malloc((size_t)img->width * (size_t)img->height * 3);
    if (!out) return NULL;
    uint8_t *d = out;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *s = img->data + (size_t)y * img->stride;
        for (int x = 0; x < img->width; x++, s += 4, d += 3) {
            unsigned a = s[3];
            for (int k = 0; k < 3; k++) d[k] = (uint8_t)((s[k] * a + back[k] * (255 - a) + 127) / 255);
        }
    }
    return out;
}

int imageio_jpeg_encode(codec *c, const cvs_image *img, const encode_opts *o, membuf *out,
                        char *err) {
    if (!c->tj_enc && !(c->tj_enc = tjInitCompress()))
        return seterr(err, "cannot start the JPEG encoder: %s", tjGetErrorStr2(NULL));
    int gray = img->channels == 1;
    int samp = gray ? TJSAMP_GRAY : TJSAMP_420;
    unsigned long cap = tjBufSize(img->width, img->height, samp);
    if (cap == (unsigned long)-1 || membuf_reserve(out, cap) != 0)
        return seterr(err, "cannot allocate the JPEG output buffer");
    const uint8_t *src = img->data;
    int pitch = (int)img->stride;
    uint8_t *flat = NULL;
    if (img->channels == 4) {
        if (!(src = flat = flatten(img, o->background)))
            return seterr(err, "cannot allocate %dx%d image to flatten", img->width, img->height);
        pitch = img->width * 3;
    }
    unsigned char *dst = out->data;
    unsigned long size = out->cap;
    int rc = tjCompress2(c->tj_enc, src, img->width, pitch, img->height,
                         gray ? TJPF_GRAY : TJPF_BGR, &dst, &size, samp, o->jpeg_quality,
                         TJFLAG_NOREALLOC);
    free(flat);
    if (rc != 0) return seterr(err, "JPEG encoding failed: %s", tjGetErrorStr2(c->tj_enc));
    out->len = size;
    if (o->meta && meta_jpeg_insert(out, o->meta, gray ? 1 : 3) != 0)
        return seterr(err, "out of memory writing JPEG metadata");
    return 0;
}
