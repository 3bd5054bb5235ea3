/* SPDX-License-Identifier: MIT */
/* exif.c - the EXIF orientation reader: a TIFF block's orientation tag, and
 * where JPEG and PNG files keep that block.  See exif.h. */
#include "exif.h"

#include <zlib.h>

#include <string.h>

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

int exif_orientation(const uint8_t *d, size_t n) {
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
int exif_jpeg_orientation(const uint8_t *buf, size_t len) {
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

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* For the PNG probe, which stops at the image data: the first eXIf chunk
 * after it that libpng's png_read_end would keep. */
int exif_png_orientation_from(const uint8_t *buf, size_t len, size_t pos) {
    while (pos <= len && len - pos >= 12) {
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

static void exif_put16(const exif_rd *r, uint8_t *p, uint32_t v) {
    p[r->le ? 0 : 1] = (uint8_t)v;
    p[r->le ? 1 : 0] = (uint8_t)(v >> 8);
}

static void exif_put32(const exif_rd *r, uint8_t *p, uint32_t v) {
    exif_put16(r, p + (r->le ? 0 : 2), v & 0xFFFF);
    exif_put16(r, p + (r->le ? 2 : 0), v >> 16);
}

/* IFD0 must be whole (its entries and the next-IFD offset) and after the
 * 8-byte header, so that what is written below leaves a block that reads
 * and cleans the same again (an IFD0 inside the header would have its
 * own offset cut with the link); unless
 * keep_orientation, every orientation entry, whatever its type (SHORT,
 * LONG, a byte, an offset) and however many there are, becomes SHORT 1,
 * count 1: the output's pixels are upright as written; IFD0's
 * link to IFD1 (the thumbnail's IFD) is cut, and a thumbnail that ends
 * the block is cut off with it. */
int exif_clean(uint8_t *d, size_t *n, int keep_orientation) {
    exif_rd r = {d, *n, *n >= 2 && d[0] == 'I' && d[1] == 'I'};
    uint32_t magic, ifd, count, tag, type, next;
    if (*n < 8 || (memcmp(d, "II", 2) && memcmp(d, "MM", 2)) || exif_u16(&r, 2, &magic) ||
        magic != 42 || exif_u32(&r, 4, &ifd) || ifd < 8 || exif_u16(&r, ifd, &count))
        return -1;
    uint64_t link = (uint64_t)ifd + 2 + 12 * (uint64_t)count;
    if (exif_u32(&r, link, &next)) return -1;
    for (uint64_t i = 0, off = (uint64_t)ifd + 2; i < count; i++, off += 12) {
        if (exif_u16(&r, off, &tag) || exif_u16(&r, off + 2, &type)) return -1;
        if (tag == 0x0112 && !keep_orientation) {
            exif_put16(&r, d + off + 2, 3); /* SHORT */
            exif_put32(&r, d + off + 4, 1); /* one value, */
            memset(d + off + 8, 0, 4);      /* in the entry itself */
            exif_put16(&r, d + off + 8, 1);
        }
    }
    memset(d + link, 0, 4);
    /* IFD1's JPEGInterchangeFormat (0x0201) and its length (0x0202). */
    uint32_t c1, thumb = 0, thumb_len = 0;
    if (next >= 8 && !exif_u16(&r, next, &c1))
        for (uint64_t i = 0, off = (uint64_t)next + 2; i < c1; i++, off += 12) {
            uint32_t v;
            if (exif_u16(&r, off, &tag) || exif_u32(&r, off + 8, &v)) break;
            if (tag == 0x0201) thumb = v;
            if (tag == 0x0202) thumb_len = v;
        }
    if (thumb > link + 4 && thumb_len && (uint64_t)thumb + thumb_len == *n) *n = thumb;
    return 0;
}
