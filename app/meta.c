/* SPDX-License-Identifier: MIT */
/* meta.c - the metadata cvapp carries from input to output: the ICC
 * profile and the EXIF block (imageio.h, "Metadata").
 *
 * Reading is hostile-input code: every length is checked against what is
 * left of the buffer, malformed metadata is never an error (it is left
 * out), and the fuzz harnesses run it on every input (tests/fuzz).
 *   - JPEG: the marker segments before the first scan, walked as
 *     exif_jpeg_orientation walks them; the ICC profile is the APP2
 *     "ICC_PROFILE\0" chunks (sequence number, count, data) put back in
 *     order, all present, one count; EXIF is the first APP1 "Exif\0\0".
 *   - PNG: the chunks up to IEND with a right CRC; the first iCCP before
 *     the image data (inflated, at most META_MAX_ICC bytes) and the first
 *     eXIf (what libpng keeps).
 * Writing: libpng's iCCP and eXIf for PNG (app/png.c); for JPEG, whose
 * TurboJPEG 2.1 encoder cannot add markers, meta_jpeg_insert puts APP1 and
 * APP2 segments into the encoded stream after SOI and JFIF's APP0. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "exif.h"
#include "imageio_int.h"

#define ICC_SIG "ICC_PROFILE"            /* + NUL, sequence number, count */
#define ICC_HEAD (sizeof ICC_SIG + 2)    /* 14 bytes before a chunk's data */
#define ICC_CHUNK (65535 - 2 - ICC_HEAD) /* the most data in one APP2 */
#define EXIF_HEAD 6                      /* "Exif\0\0" */

void image_meta_free(image_meta *m) {
    membuf_free(&m->icc);
    membuf_free(&m->exif);
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A profile is kept only when its header's size field is its length. */
static int icc_plausible(const uint8_t *p, size_t n) {
    return n >= 132 && n <= META_MAX_ICC && be32(p) == n;
}

static int set_bytes(membuf *b, const uint8_t *p, size_t n) {
    b->len = 0;
    return membuf_append(b, p, n);
}

/* ------------------------------------------------------------- JPEG */

/* The ICC chunks seen so far: where each sequence number's data is. */
typedef struct icc_parts {
    const uint8_t *data[256];
    size_t len[256];
    int count; /* 0 until the first chunk */
    int bad;
} icc_parts;

static void icc_part(icc_parts *ip, const uint8_t *seg, size_t n) {
    if (n < ICC_HEAD || memcmp(seg, ICC_SIG, sizeof ICC_SIG)) return;
    int seq = seg[sizeof ICC_SIG], count = seg[sizeof ICC_SIG + 1];
    if (count == 0 || seq == 0 || seq > count || (ip->count && ip->count != count) ||
        ip->data[seq]) {
        ip->bad = 1;
        return;
    }
    ip->count = count;
    ip->data[seq] = seg + ICC_HEAD;
    ip->len[seq] = n - ICC_HEAD;
}

static int icc_join(const icc_parts *ip, membuf *icc) {
    icc->len = 0;
    if (ip->bad || !ip->count) return 0;
    size_t total = 0;
    for (int i = 1; i <= ip->count; i++) {
        if (!ip->data[i]) return 0; /* a chunk is missing */
        total += ip->len[i];
    }
    if (total > META_MAX_ICC) return 0;
    for (int i = 1; i <= ip->count; i++)
        if (membuf_append(icc, ip->data[i], ip->len[i]) != 0) return -1;
    if (!icc_plausible(icc->data, icc->len)) icc->len = 0;
    return 0;
}

/* The next marker segment of a JPEG's header (from *i, 2 at the start):
 * 1 with its marker, body and length, or 0 at the first scan, EOI or the
 * end of the data. */
static int jpeg_segment(const uint8_t *buf, size_t len, size_t *i, uint8_t *mk,
                        const uint8_t **body, size_t *n) {
    for (;;) {
        while (*i < len && buf[*i] != 0xFF) (*i)++;
        while (*i < len && buf[*i] == 0xFF) (*i)++;
        if (*i >= len) return 0;
        *mk = buf[(*i)++];
        if (*mk == 0x00 || *mk == 0x01 || (*mk >= 0xD0 && *mk <= 0xD7)) continue; /* no length */
        if (*mk == 0xD9 || *mk == 0xDA) return 0; /* EOI, SOS: the header is over */
        if (len - *i < 2) return 0;
        size_t seg = (size_t)buf[*i] << 8 | buf[*i + 1];
        if (seg < 2 || seg > len - *i) return 0;
        *body = buf + *i + 2;
        *n = seg - 2;
        *i += seg;
        return 1;
    }
}

static int meta_read_jpeg(const uint8_t *buf, size_t len, image_meta *m) {
    icc_parts *ip = calloc(1, sizeof *ip);
    if (!ip) return -1;
    size_t i = 2, n;
    uint8_t mk;
    const uint8_t *body;
    int rc = 0, have_exif = 0;
    while (jpeg_segment(buf, len, &i, &mk, &body, &n)) {
        if (mk == 0xE2) icc_part(ip, body, n);
        if (mk == 0xE1 && !have_exif && n > EXIF_HEAD && !memcmp(body, "Exif\0\0", EXIF_HEAD)) {
            have_exif = 1;
            if (set_bytes(&m->exif, body + EXIF_HEAD, n - EXIF_HEAD) != 0) rc = -1;
        }
    }
    if (rc == 0) rc = icc_join(ip, &m->icc);
    free(ip);
    return rc;
}

/* -------------------------------------------------------------- PNG */

/* An iCCP body: a keyword of 1..79 bytes, NUL, method 0, zlib data. */
static int png_iccp(const uint8_t *d, size_t n, membuf *icc) {
    const uint8_t *nul = memchr(d, 0, n < 81 ? n : 81);
    if (!nul || nul == d || (size_t)(nul - d) + 2 > n || nul[1] != 0) return 0;
    const uint8_t *z = nul + 2;
    size_t zn = n - (size_t)(z - d);
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit(&s) != Z_OK) return -1;
    icc->len = 0;
    int rc = 0, zr;
    s.next_in = (Bytef *)(uintptr_t)z;
    s.avail_in = (uInt)(zn > UINT32_MAX ? UINT32_MAX : zn);
    for (;;) {
        if (icc->len > META_MAX_ICC) { /* over the limit: left out */
            zr = Z_DATA_ERROR;
            break;
        }
        if (icc->len == icc->cap && membuf_reserve(icc, icc->cap ? 2 * icc->cap : 4096) != 0) {
            rc = -1;
            zr = Z_MEM_ERROR;
            break;
        }
        /* Inflated up to one byte past the limit, to see it is. */
        size_t room = icc->cap - icc->len, left = META_MAX_ICC + 1 - icc->len;
        if (room > left) room = left;
        s.next_out = icc->data + icc->len;
        s.avail_out = (uInt)(room > UINT32_MAX ? UINT32_MAX : room);
        uInt before = s.avail_out;
        zr = inflate(&s, Z_NO_FLUSH);
        icc->len += before - s.avail_out;
        if (zr == Z_STREAM_END || (zr != Z_OK && zr != Z_BUF_ERROR)) break;
        if (zr == Z_BUF_ERROR && s.avail_out) break; /* the data ends early */
    }
    inflateEnd(&s);
    if (zr != Z_STREAM_END || !icc_plausible(icc->data, icc->len)) icc->len = 0;
    return rc;
}

int png_chunk(const uint8_t *buf, size_t len, size_t *pos, const uint8_t **type,
              const uint8_t **d, uint32_t *n) {
    if (len - *pos < 12) return 0;
    *n = be32(buf + *pos);
    *type = buf + *pos + 4;
    *d = buf + *pos + 8;
    if (*n > len - *pos - 12 || !memcmp(*type, "IEND", 4)) return 0;
    *pos += (size_t)*n + 12;
    return 1;
}

static int meta_read_png(const uint8_t *buf, size_t len, image_meta *m) {
    size_t pos = 8;
    uint32_t n;
    const uint8_t *type, *d;
    int seen_idat = 0, have_icc = 0, have_exif = 0;
    while (png_chunk(buf, len, &pos, &type, &d, &n)) {
        int ok = crc32(crc32(0L, Z_NULL, 0), type, n + 4) == be32(d + n);
        if (!memcmp(type, "IDAT", 4)) seen_idat = 1;
        if (ok && !have_icc && !seen_idat && !memcmp(type, "iCCP", 4)) {
            have_icc = 1;
            if (png_iccp(d, n, &m->icc) != 0) return -1;
        }
        if (ok && !have_exif && !memcmp(type, "eXIf", 4) && n >= 8) {
            have_exif = 1;
            if (set_bytes(&m->exif, d, n) != 0) return -1;
        }
    }
    return 0;
}

/* Past a bound: the format, what was counted, the count and the limit. */
static int over(char *err, const char *fmt, const char *what, size_t count, size_t bytes) {
    if (count > META_MAX_SEGMENTS)
        return seterr(err, "%s metadata: more than %u %s (cvapp's limit)", fmt,
                      META_MAX_SEGMENTS, what);
    if (bytes > META_MAX_BYTES)
        return seterr(err, "%s metadata: more than %u MiB in %s (cvapp's limit)", fmt,
                      META_MAX_BYTES >> 20, what);
    return 0;
}

int image_meta_check(const uint8_t *buf, size_t len, char *err) {
    size_t count = 0, bytes = 0;
    switch (image_detect(buf, len)) {
    case IMG_JPEG: {
        size_t i = 2, n;
        uint8_t mk;
        const uint8_t *body;
        while (jpeg_segment(buf, len, &i, &mk, &body, &n))
            if ((mk >= 0xE0 && mk <= 0xEF) || mk == 0xFE) {
                bytes += n;
                if (over(err, "JPEG", "APPn and COM segments", ++count, bytes)) return -1;
            }
        break;
    }
    case IMG_PNG: {
        size_t pos = 8;
        uint32_t n;
        const uint8_t *type, *d;
        while (png_chunk(buf, len, &pos, &type, &d, &n))
            if (type[0] & 0x20) { /* ancillary */
                bytes += n;
                if (over(err, "PNG", "ancillary chunks", ++count, bytes)) return -1;
            }
        break;
    }
    default: break;
    }
    return 0;
}

int image_meta_read(const uint8_t *buf, size_t len, int keep_orientation, image_meta *m) {
    m->icc.len = m->exif.len = 0;
    int rc = 0;
    switch (image_detect(buf, len)) {
    case IMG_JPEG: rc = meta_read_jpeg(buf, len, m); break;
    case IMG_PNG: rc = meta_read_png(buf, len, m); break;
    default: break;
    }
    if (rc == 0 && m->exif.len && exif_clean(m->exif.data, &m->exif.len, keep_orientation) != 0) m->exif.len = 0;
    if (rc != 0) m->icc.len = m->exif.len = 0;
    return rc;
}

int image_meta_icc_fits(const image_meta *m, int channels) {
    if (!m || m->icc.len < 20) return 0;
    const uint8_t *space = m->icc.data + 16;
    return channels == 1 ? !memcmp(space, "GRAY", 4)
                         : (channels == 3 || channels == 4) && !memcmp(space, "RGB ", 4);
}

/* ---------------------------------------------------- JPEG writing */

static uint8_t *put_marker(uint8_t *p, uint8_t marker, size_t body) {
    *p++ = 0xFF;
    *p++ = marker;
    *p++ = (uint8_t)((body + 2) >> 8);
    *p++ = (uint8_t)(body + 2);
    return p;
}

int meta_jpeg_insert(membuf *jpeg, const image_meta *m, int channels) {
    size_t exif = m && m->exif.len && m->exif.len <= 65535 - 2 - EXIF_HEAD ? m->exif.len : 0;
    size_t icc = image_meta_icc_fits(m, channels) ? m->icc.len : 0;
    size_t chunks = (icc + ICC_CHUNK - 1) / ICC_CHUNK;
    if (chunks > 255) icc = chunks = 0;
    if (!exif && !icc) return 0;
    size_t extra = (exif ? 4 + EXIF_HEAD + exif : 0) + chunks * (4 + ICC_HEAD) + icc;
    /* After SOI, and after JFIF's APP0 when the encoder wrote one. */
    size_t at = 2;
    if (jpeg->len >= 6 && jpeg->data[2] == 0xFF && jpeg->data[3] == 0xE0)
        at = 4 + ((size_t)jpeg->data[4] << 8 | jpeg->data[5]);
    if (jpeg->len < 2 || at > jpeg->len) return -1;
    if (membuf_reserve(jpeg, jpeg->len + extra) != 0) return -1;
    memmove(jpeg->data + at + extra, jpeg->data + at, jpeg->len - at);
    uint8_t *p = jpeg->data + at;
    if (exif) {
        p = put_marker(p, 0xE1, EXIF_HEAD + exif);
        memcpy(p, "Exif\0\0", EXIF_HEAD);
        memcpy(p + EXIF_HEAD, m->exif.data, exif);
        p += EXIF_HEAD + exif;
    }
    for (size_t k = 0, off = 0; k < chunks; k++) {
        size_t n = icc - off < ICC_CHUNK ? icc - off : ICC_CHUNK;
        p = put_marker(p, 0xE2, ICC_HEAD + n);
        memcpy(p, ICC_SIG, sizeof ICC_SIG);
        p[sizeof ICC_SIG] = (uint8_t)(k + 1);
        p[sizeof ICC_SIG + 1] = (uint8_t)chunks;
        memcpy(p + ICC_HEAD, m->icc.data + off, n);
        p += ICC_HEAD + n;
        off += n;
    }
    jpeg->len += extra;
    return 0;
}
