/* SPDX-License-Identifier: MIT */
/* JPEG/PNG decoding and encoding, limits, and atomic file writes. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>
#include <zlib.h>

#include "exif.h"
#include "fileio.h"
#include "imageio.h"
#include "testutil.h"

static const decode_opts dec = {.max_pixels = 100000000ULL};
static const encode_opts enc = {.jpeg_quality = 95, .png_level = 1};

static void encode(codec *c, const cvs_image *im, img_format f, membuf *out) {
    char err[ERRLEN];
    ck_assert_msg(image_encode(c, im, f, &enc, out, err) == 0, "%s", err);
}

START_TEST(png_round_trip_exact) {
    codec c = {0};
    membuf b = {0};
    char err[ERRLEN];
    for (int ch = 1; ch <= 3; ch += 2) {
        cvs_image src = img_noise(37, 23, ch, 7), back = {0};
        encode(&c, &src, IMG_PNG, &b);
        ck_assert_int_eq(image_detect(b.data, b.len), IMG_PNG);
        ck_assert_msg(image_decode(&c, b.data, b.len, &dec, &back, err) == 0, "%s", err);
        ck_assert_int_eq(back.width, 37);
        ck_assert_int_eq(back.height, 23);
        ck_assert_int_eq(back.channels, ch);
        for (int y = 0; y < 23; y++) ck_assert_mem_eq(px(&src, 0, y), px(&back, 0, y), 37 * (size_t)ch);
        cvs_image_free(&src);
        cvs_image_free(&back);
    }
    membuf_free(&b);
    codec_free(&c);
}
END_TEST

/* The filter byte of each row of the 8-bit PNG in b (its IDAT inflated),
 * into filters[0..h-1]. */
static void png_row_filters(const membuf *b, int w, int ch, int h, uint8_t *filters) {
    membuf z = {0};
    for (size_t at = 8; at + 12 <= b->len;) {
        const uint8_t *c = b->data + at;
        size_t n = (size_t)c[0] << 24 | (size_t)c[1] << 16 | (size_t)c[2] << 8 | c[3];
        if (!memcmp(c + 4, "IDAT", 4)) ck_assert_int_eq(membuf_append(&z, c + 8, n), 0);
        at += 12 + n;
    }
    size_t row = 1 + (size_t)w * (size_t)ch;
    uLongf len = (uLongf)(row * (size_t)h);
    uint8_t *raw = malloc(len);
    ck_assert_ptr_nonnull(raw);
    ck_assert_int_eq(uncompress(raw, &len, z.data, (uLong)z.len), Z_OK);
    ck_assert_uint_eq(len, row * (size_t)h);
    for (int y = 0; y < h; y++) filters[y] = raw[(size_t)y * row];
    free(raw);
    membuf_free(&z);
}

/* A mask (one channel of only 0 and 255) is written unfiltered, anything
 * else SUB-filtered (the rows' filter bytes); each decodes exactly. */
START_TEST(png_filter_none_for_masks_only) {
    codec c = {0};
    membuf b = {0};
    char err[ERRLEN];
    enum { W = 41, H = 19 };
    cvs_image mask = img_checker(W, H, 4), edge = img_fill(W, H, 1, 0), near = img_checker(W, H, 4),
              color = img_fill(W, H, 3, 255), noise = img_noise(W, H, 1, 5), black = img_fill(W, H, 1, 0);
    for (int y = 0; y < H; y++) *px(&edge, y, y) = 255; /* a sparse mask, as Canny's */
    *px(&near, W - 1, H - 1) = 254;                     /* a mask but for its last pixel */
    *px(&color, 3, 4) = 0;                              /* three channels of 0 and 255 */
    struct {
        const cvs_image *im;
        int filter;
    } cases[] = {{&mask, 0}, {&edge, 0}, {&black, 0}, {&near, 1}, {&color, 1}, {&noise, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const cvs_image *im = cases[i].im;
        cvs_image back = {0};
        uint8_t filters[H];
        encode(&c, im, IMG_PNG, &b);
        png_row_filters(&b, W, im->channels, H, filters);
        for (int y = 0; y < H; y++) ck_assert_msg(filters[y] == cases[i].filter, "case %zu row %d: filter %d", i, y, filters[y]);
        ck_assert_msg(image_decode(&c, b.data, b.len, &dec, &back, err) == 0, "%s", err);
        ck_assert_int_eq(back.channels, im->channels);
        for (int y = 0; y < H; y++) ck_assert_mem_eq(px(im, 0, y), px(&back, 0, y), W * (size_t)im->channels);
        cvs_image_free(&back);
    }
    cvs_image *all[] = {&mask, &edge, &near, &color, &noise, &black};
    for (size_t i = 0; i < 6; i++) cvs_image_free(all[i]);
    membuf_free(&b);
    codec_free(&c);
}
END_TEST

START_TEST(jpeg_round_trip_close) {
    codec c = {0};
    membuf b = {0};
    char err[ERRLEN];
    /* Smooth content: JPEG at quality 95 stays within a few levels. */
    cvs_image src = img_fill(64, 48, 3, 0), back = {0};
    for (int y = 0; y < 48; y++)
        for (int x = 0; x < 64; x++) {
            uint8_t *p = px(&src, x, y);
            p[0] = (uint8_t)(x * 4), p[1] = (uint8_t)(y * 5), p[2] = 128;
        }
    encode(&c, &src, IMG_JPEG, &b);
    ck_assert_int_eq(image_detect(b.data, b.len), IMG_JPEG);
    ck_assert_msg(image_decode(&c, b.data, b.len, &dec, &back, err) == 0, "%s", err);
    ck_assert_int_eq(back.channels, 3);
    double sum = 0;
    for (int y = 0; y < 48; y++)
        for (int i = 0; i < 64 * 3; i++) sum += abs((int)px(&src, 0, y)[i] - (int)px(&back, 0, y)[i]);
    ck_assert_double_lt(sum / (64 * 48 * 3), 2.0);
    /* Gray stays one channel. */
    cvs_image g = img_fill(16, 16, 1, 200);
    encode(&c, &g, IMG_JPEG, &b);
    ck_assert_int_eq(image_decode(&c, b.data, b.len, &dec, &back, err), 0);
    ck_assert_int_eq(back.channels, 1);
    ck_assert_int_eq(*px(&back, 5, 5), 200);
    cvs_image_free(&g);
    cvs_image_free(&src);
    cvs_image_free(&back);
    membuf_free(&b);
    codec_free(&c);
}
END_TEST

START_TEST(truncated_and_garbage_rejected) {
    codec c = {0};
    membuf b = {0};
    char err[ERRLEN];
    cvs_image src = img_noise(64, 64, 3, 9), back = {0};
    for (int f = IMG_JPEG; f <= IMG_PNG; f++) {
        encode(&c, &src, (img_format)f, &b);
        size_t cut[] = {b.len / 2, b.len - 20, 40, 8};
        for (size_t i = 0; i < 4; i++) {
            err[0] = 0;
            ck_assert_int_eq(image_decode(&c, b.data, cut[i], &dec, &back, err), -1);
            ck_assert_msg(strlen(err) > 0 && !strchr(err, '\n'), "format %d cut %zu", f, cut[i]);
        }
    }
    ck_assert_int_eq(image_decode(&c, (const uint8_t *)"hello", 5, &dec, &back, err), -1);
    ck_assert_str_eq(err, "not a JPEG or PNG file");
    ck_assert_int_eq(image_decode(&c, (const uint8_t *)"", 0, &dec, &back, err), -1);
    ck_assert_str_eq(err, "empty file");
    cvs_image_free(&src);
    cvs_image_free(&back);
    membuf_free(&b);
    codec_free(&c);
}
END_TEST

/* Patches a JPEG's SOF dimensions (the first FFC0/FFC2 marker). */
static void jpeg_set_size(membuf *b, int w, int h) {
    for (size_t i = 2; i + 9 < b->len; i++)
        if (b->data[i] == 0xFF && (b->data[i + 1] == 0xC0 || b->data[i + 1] == 0xC2)) {
            b->data[i + 5] = (uint8_t)(h >> 8), b->data[i + 6] = (uint8_t)h;
            b->data[i + 7] = (uint8_t)(w >> 8), b->data[i + 8] = (uint8_t)w;
            return;
        }
    ck_abort_msg("no SOF marker");
}

/* A PNG whose IHDR claims w x h (CRCs right, no image data). */
static void png_header_only(membuf *b, unsigned w, unsigned h);

START_TEST(oversized_headers_refused_before_allocation) {
    /* Under a 200 MB address-space limit, a decoder that allocated first
     * would fail with an allocation error instead of the pixel limit.
     * (AddressSanitizer reserves terabytes of address space: no limit there.) */
#if defined(__SANITIZE_ADDRESS__)
    const int limit_as = 0;
#else
    const int limit_as = 1;
#endif
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit rl = {200u << 20, 200u << 20};
        if (limit_as) setrlimit(RLIMIT_AS, &rl);
        codec c = {0};
        membuf b = {0};
        char err[ERRLEN];
        cvs_image src = img_noise(16, 16, 3, 1), back = {0};
        image_encode(&c, &src, IMG_JPEG, &enc, &b, err);
        jpeg_set_size(&b, 65000, 65000);
        if (image_decode(&c, b.data, b.len, &dec, &back, err) == 0 || !strstr(err, "--max-pixels")) _exit(10);
        png_header_only(&b, 100000, 100000);
        if (image_decode(&c, b.data, b.len, &dec, &back, err) == 0 || !strstr(err, "--max-pixels")) _exit(11);
        if (back.data) _exit(12);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    /* The limit is the option's: a small image passes at its exact size and fails one below. */
    codec c = {0};
    membuf b = {0};
    char err[ERRLEN];
    cvs_image src = img_noise(10, 10, 1, 1), back = {0};
    encode(&c, &src, IMG_PNG, &b);
    decode_opts tight = {.max_pixels = 100};
    ck_assert_int_eq(image_decode(&c, b.data, b.len, &tight, &back, err), 0);
    tight.max_pixels = 99;
    ck_assert_int_eq(image_decode(&c, b.data, b.len, &tight, &back, err), -1);
    ck_assert_str_eq(err, "image is 10x10 (100 pixels), over --max-pixels 99");
    cvs_image_free(&src);
    cvs_image_free(&back);
    membuf_free(&b);
    codec_free(&c);
}
END_TEST

static unsigned long crc32_of(const uint8_t *p, size_t n) {
    unsigned long c = 0xFFFFFFFFul;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320ul & (0ul - (c & 1)));
    }
    return c ^ 0xFFFFFFFFul;
}

static void put32(uint8_t *p, unsigned long v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void png_header_only(membuf *b, unsigned w, unsigned h) {
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t ihdr[25] = {0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    put32(ihdr + 8, w);
    put32(ihdr + 12, h);
    ihdr[16] = 8, ihdr[17] = 2; /* 8-bit RGB */
    put32(ihdr + 21, crc32_of(ihdr + 4, 17));
    b->len = 0;
    membuf_append(b, sig, 8);
    membuf_append(b, ihdr, 25);
    uint8_t idat[12] = {0, 0, 0, 0, 'I', 'D', 'A', 'T'}; /* empty: the bomb's data would follow */
    put32(idat + 8, crc32_of(idat + 4, 4));
    membuf_append(b, idat, 12);
}

START_TEST(content_not_name_decides) {
    char *dir = test_tmpdir(), path[512], err[ERRLEN];
    codec c = {0};
    membuf b = {0}, in = {0};
    cvs_image src = img_noise(8, 8, 3, 2), back = {0};
    encode(&c, &src, IMG_JPEG, &b);
    snprintf(path, sizeof path, "%s/really-a-jpeg.png", dir);
    ck_assert_int_eq(file_write_atomic(path, b.data, b.len, NULL, err), 0);
    ck_assert_int_eq(file_read_all(path, &in, err), 0);
    ck_assert_int_eq(image_detect(in.data, in.len), IMG_JPEG);
    ck_assert_int_eq(image_decode(&c, in.data, in.len, &dec, &back, err), 0);
    ck_assert_int_eq(back.width, 8);
    ck_assert_int_eq(image_format_from_name("a/b.JPEG"), IMG_JPEG);
    ck_assert_int_eq(image_format_from_name("a.b/c"), IMG_UNKNOWN);
    unlink(path);
    rmdir(dir);
    free(dir);
    cvs_image_free(&src);
    cvs_image_free(&back);
    membuf_free(&b);
    membuf_free(&in);
    codec_free(&c);
}
END_TEST

START_TEST(atomic_writes_leave_no_temporaries) {
    char *dir = test_tmpdir(), path[512], err[ERRLEN];
    snprintf(path, sizeof path, "%s/out.png", dir);
    ck_assert_int_eq(file_write_atomic(path, "abc", 3, NULL, err), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 3);
    /* The input itself is never overwritten. */
    ck_assert_int_eq(file_write_atomic(path, "xyz!", 4, path, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "is the input file"));
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 3);
    /* A staged file that is aborted leaves nothing behind. */
    staged s;
    char other[512];
    snprintf(other, sizeof other, "%s/other.png", dir);
    ck_assert_int_eq(file_stage(other, "q", 1, NULL, &s, err), 0);
    file_abort(&s);
    ck_assert_int_ne(stat(other, &st), 0);
    /* Missing directory: a clear error. */
    snprintf(other, sizeof other, "%s/missing/x.png", dir);
    ck_assert_int_eq(file_write_atomic(other, "q", 1, NULL, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))) {
            ck_assert_str_eq(e->d_name, "out.png");
            n++;
        }
    closedir(d);
    ck_assert_int_eq(n, 1);
    unlink(path);
    rmdir(dir);
    free(dir);
}
END_TEST

START_TEST(non_regular_inputs_refused) {
    membuf b = {0};
    char err[ERRLEN];
    ck_assert_int_eq(file_read_all("/tmp", &b, err), -1);
    ck_assert_str_eq(err, "not a regular file (a directory)");
    ck_assert_int_eq(file_read_all("/nonexistent/x.jpg", &b, err), -1);
    ck_assert_str_eq(err, "cannot open: No such file or directory");
    membuf_free(&b);
}
END_TEST

/* ------------------------------------------------ fixtures (tests/fixtures) */

static void fixture(const char *name, membuf *b) {
    char path[1024], err[ERRLEN];
    snprintf(path, sizeof path, "%s/%s", CVAPP_FIXTURES, name);
    ck_assert_msg(file_read_all(path, b, err) == 0, "%s: %s", path, err);
}

/* Decodes a fixture (buffer b), checking that the probe gives the same size. */
static void decode_fixture(codec *c, const char *name, const decode_opts *o, membuf *b,
                           cvs_image *img) {
    char err[ERRLEN];
    int w, h, ch;
    fixture(name, b);
    ck_assert_msg(image_decode(c, b->data, b->len, o, img, err) == 0, "%s: %s", name, err);
    ck_assert_msg(image_probe(c, b->data, b->len, o, &w, &h, &ch, err) == 0, "%s: %s", name, err);
    if (!o->min_width) /* (a shrunk decode is smaller than the probe) */
        ck_assert_msg(w == img->width && h == img->height, "%s: probe %dx%d, decode %dx%d", name, w, h,
                      img->width, img->height);
}

/* What EXIF orientation o shows of s, written from the tag's definition
 * (1 as stored, 2 mirrored, 3 turned 180, 4 flipped, 5 transposed, 6 turned
 * 90 clockwise, 7 transversed, 8 turned 90 counterclockwise). */
static void expect_turned(const cvs_image *s, int o, const cvs_image *got, const char *what) {
    int W = s->width, H = s->height, swap = o >= 5;
    ck_assert_msg(got->width == (swap ? H : W) && got->height == (swap ? W : H) &&
                      got->channels == s->channels,
                  "%s: %dx%dx%d for orientation %d of %dx%dx%d", what, got->width, got->height,
                  got->channels, o, W, H, s->channels);
    for (int y = 0; y < got->height; y++)
        for (int x = 0; x < got->width; x++) {
            int sx, sy;
            switch (o) {
            case 2: sx = W - 1 - x, sy = y; break;
            case 3: sx = W - 1 - x, sy = H - 1 - y; break;
            case 4: sx = x, sy = H - 1 - y; break;
            case 5: sx = y, sy = x; break;
            case 6: sx = y, sy = H - 1 - x; break;
            case 7: sx = W - 1 - y, sy = H - 1 - x; break;
            case 8: sx = W - 1 - y, sy = x; break;
            default: sx = x, sy = y;
            }
            if (memcmp(px(got, x, y), px(s, sx, sy), (size_t)s->channels) != 0)
                ck_abort_msg("%s: orientation %d: pixel (%d,%d) is not (%d,%d)", what, o, x, y, sx, sy);
        }
}

START_TEST(exif_orientation_turns_every_decode) {
    codec c = {0};
    membuf b = {0};
    cvs_image base = {0}, gbase = {0}, img = {0};
    decode_opts o = dec, ign = dec, luma = dec, luma_ign = dec;
    ign.ignore_orientation = luma_ign.ignore_orientation = 1;
    luma.to_gray = luma_ign.to_gray = 1;
    /* orient_N.jpg hold the same JPEG data and differ only in their APP1. */
    decode_fixture(&c, "orient_1.jpg", &o, &b, &base);
    decode_fixture(&c, "orient_1.jpg", &luma, &b, &gbase);
    ck_assert_int_eq(base.width, 24);
    ck_assert_int_eq(base.height, 16);
    ck_assert_int_eq(gbase.channels, 1);
    for (int n = 1; n <= 8; n++) {
        char name[32];
        snprintf(name, sizeof name, "orient_%d.jpg", n);
        decode_fixture(&c, name, &o, &b, &img);
        expect_turned(&base, n, &img, name);
        decode_fixture(&c, name, &ign, &b, &img);
        expect_turned(&base, 1, &img, name);
        decode_fixture(&c, name, &luma, &b, &img);
        expect_turned(&gbase, n, &img, name);
        decode_fixture(&c, name, &luma_ign, &b, &img);
        expect_turned(&gbase, 1, &img, name);
    }
    /* Gray, CMYK and progressive JPEGs; PNG's eXIf before or after the
     * image data (the first valid chunk counts: a bad CRC drops one). */
    static const struct { const char *name; int o; } more[] = {
        {"orient_6_gray.jpg", 6}, {"cmyk_orient_7.jpg", 7}, {"progressive_orient_8.jpg", 8},
        {"exif_6.png", 6}, {"exif_3_end.png", 3}, {"exif_two.png", 6}, {"exif_bad_crc.png", 1},
        /* EXIF as OpenCV reads it: the first APP1 only, no "Exif" check, the
         * value's 16 bits whatever the type, a bad entry before it ends it. */
        {"exif_xmp_first.jpg", 1}, {"exif_no_ident.jpg", 8}, {"exif_bad_ifd.jpg", 1},
        {"exif_truncated.jpg", 1}, {"exif_huge_count.jpg", 3}, {"exif_bad_make.jpg", 1},
        {"exif_orient_9.jpg", 1}, {"exif_long_be.jpg", 1}, {"exif_long_le.jpg", 6}};
    for (size_t i = 0; i < sizeof more / sizeof *more; i++) {
        decode_fixture(&c, more[i].name, &ign, &b, &base);
        decode_fixture(&c, more[i].name, &o, &b, &img);
        expect_turned(&base, more[i].o, &img, more[i].name);
    }
    cvs_image_free(&base);
    cvs_image_free(&gbase);
    cvs_image_free(&img);
    membuf_free(&b);
    codec_free(&c);
}
END_TEST

START_TEST(shrink_on_load_minimum_is_in_final_orientation) {
    /* 96x64 stored, orientation 5: 64x96 shown. */
    static const struct { int ignore, min_w, min_h, w, h; } cases[] = {
        {0, 16, 24, 16, 24}, /* 24x16 stored: scale 2/8 */
        {0, 24, 16, 24, 36}, /* 16x24 stored needs 3/8: 36x24 */
        {1, 24, 16, 24, 16},
        {1, 16, 24, 36, 24},
        {0, 64, 96, 64, 96}, /* no smaller scale covers it */
    };
    codec c = {0};
    membuf b = {0};
    cvs_image img = {0};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        decode_opts o = {.max_pixels = dec.max_pixels, .ignore_orientation = cases[i].ignore,
                         .min_width = cases[i].min_w, .min_height = cases[i].min_h};
        decode_fixture(&c, "orient_5_shrink.jpg", &o, &b, &img);
        ck_assert_msg(img.width == cases[i].w && img.height == cases[i].h,
                      "case %zu: %dx%d, want %dx%d", i, img.width, img.height, cases[i].w, cases[i].h);
    }
    cvs_image_free(&img);
    membuf_free(&b);
    codec_free(&c);
}
END_TEST

START_TEST(hostile_fixtures) {
    static const struct { const char *name; int w, h, ch; const char *err; } cases[] = {
        {"cmyk.jpg", 20, 12, 3, NULL},
        {"arithmetic.jpg", 24, 16, 3, NULL},
        {"progressive.jpg", 24, 16, 3, NULL},
        {"1x1.jpg", 1, 1, 3, NULL},
        {"1x65500.jpg", 1, 65500, 1, NULL},
        {"jpeg_named.png", 24, 16, 3, NULL},
        {"rgb16.png", 24, 16, 3, NULL},
        {"gray16.png", 24, 16, 1, NULL},
        {"palette.png", 24, 16, 3, NULL},
        {"palette_trns_4bit.png", 24, 16, 3, NULL},
        {"gray1.png", 24, 16, 1, NULL},
        {"gray_alpha.png", 24, 16, 1, NULL},
        {"rgba.png", 24, 16, 3, NULL},
        {"interlaced.png", 23, 17, 3, NULL},
        {"interlaced_rgba16.png", 13, 9, 3, NULL},
        {"1x1.png", 1, 1, 3, NULL},
        {"1x65535.png", 1, 65535, 1, NULL},
        {"text_bad_crc.png", 24, 16, 3, NULL},
        {"many_scans.jpg", 0, 0, 0, "corrupt JPEG data: Progressive JPEG image has more than 500 scans"},
        {"header_only.jpg", 0, 0, 0, "corrupt JPEG header: Invalid JPEG file structure: missing SOS marker"},
        {"1x65535.jpg", 0, 0, 0, "corrupt JPEG header: Maximum supported image dimension is 65500 pixels"},
        {"bad_crc.png", 0, 0, 0, "corrupt PNG: IDAT: CRC error"},
        {"header_only.png", 0, 0, 0, "truncated PNG: data ends at byte 33"},
    };
    codec c = {0};
    membuf b = {0};
    cvs_image img = {0};
    char err[ERRLEN];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (!cases[i].err) {
            decode_fixture(&c, cases[i].name, &dec, &b, &img);
            ck_assert_msg(img.width == cases[i].w && img.height == cases[i].h &&
                              img.channels == cases[i].ch,
                          "%s: %dx%dx%d", cases[i].name, img.width, img.height, img.channels);
            continue;
        }
        fixture(cases[i].name, &b);
        err[0] = '\0';
        ck_assert_int_eq(image_decode(&c, b.data, b.len, &dec, &img, err), -1);
        ck_assert_str_eq(err, cases[i].err);
    }
    /* Conversions, from the values make_fixtures.py wrote: 16-bit keeps the
     * high byte; palettes expand (tRNS dropped); gray+alpha keeps the gray. */
    decode_fixture(&c, "gray16.png", &dec, &b, &img);
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 24; x++)
            ck_assert_int_eq(*px(&img, x, y), (uint16_t)(x * 2700 + y * 300 + 0x7F) >> 8);
    decode_fixture(&c, "gray_alpha.png", &dec, &b, &img);
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 24; x++) ck_assert_int_eq(*px(&img, x, y), (uint8_t)(x * 10 + y));
    static const char *const pal[] = {"palette.png", "palette_trns_4bit.png"};
    for (int k = 0; k < 2; k++) {
        decode_fixture(&c, pal[k], &dec, &b, &img);
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 24; x++) {
                int i = k ? (x + y) % 16 : (x + 2 * y) % 16;
                const uint8_t *p = px(&img, x, y);
                ck_assert_msg(p[0] == (i * 53) % 256 && p[1] == 255 - i * 16 && p[2] == i * 17,
                              "%s (%d,%d)", pal[k], x, y);
            }
    }
    decode_fixture(&c, "1x65535.png", &dec, &b, &img);
    for (int y = 0; y < 65535; y++) ck_assert_int_eq(*px(&img, 0, y), y % 251);
    /* A bad header leaves the reused decoder ready for the next image
     * (TurboJPEG 2.1 kept the half-read header: "two SOI markers"). */
    static const char *const bad[] = {"header_only.jpg", "1x65535.jpg", "many_scans.jpg"};
    for (int k = 0; k < 3; k++) {
        fixture(bad[k], &b);
        ck_assert_int_eq(image_decode(&c, b.data, b.len, &dec, &img, err), -1);
        decode_fixture(&c, "arithmetic.jpg", &dec, &b, &img);
    }
    cvs_image_free(&img);
    membuf_free(&b);
    codec_free(&c);
}
END_TEST

/* Decodes every variant: it must succeed (only the metadata was changed),
 * as stored or turned, with the probe giving the decoded size. */
static void decode_variant(codec *c, const uint8_t *d, size_t n, int w, int h, const char *what,
                           size_t at) {
    cvs_image img = {0};
    char err[ERRLEN];
    int pw, ph, pc;
    ck_assert_msg(image_decode(c, d, n, &dec, &img, err) == 0, "%s %zu: %s", what, at, err);
    ck_assert_msg((img.width == w && img.height == h) || (img.width == h && img.height == w),
                  "%s %zu: %dx%d", what, at, img.width, img.height);
    ck_assert_int_eq(image_probe(c, d, n, NULL, &pw, &ph, &pc, err), 0);
    ck_assert_msg(pw == img.width && ph == img.height, "%s %zu: probe %dx%d, decode %dx%d", what, at,
                  pw, ph, img.width, img.height);
    cvs_image_free(&img);
}

START_TEST(malformed_exif_never_fails) {
    codec c = {0};
    membuf b = {0};
    fixture("orient_6.jpg", &b);
    /* The APP1 follows the JFIF APP0. */
    size_t app1 = 4 + ((size_t)b.data[4] << 8 | b.data[5]);
    ck_assert_int_eq(b.data[app1 + 1], 0xE1);
    size_t seg = (size_t)b.data[app1 + 2] << 8 | b.data[app1 + 3], end = app1 + 2 + seg;
    uint8_t *v = malloc(b.len);
    ck_assert_ptr_nonnull(v);
    /* Every truncation of the segment... */
    for (size_t keep = 0; keep + 2 <= seg; keep++) {
        memcpy(v, b.data, app1 + 4 + keep);
        v[app1 + 2] = (uint8_t)((keep + 2) >> 8), v[app1 + 3] = (uint8_t)(keep + 2);
        memcpy(v + app1 + 4 + keep, b.data + end, b.len - end);
        decode_variant(&c, v, b.len - (seg - 2 - keep), 24, 16, "APP1 cut to", keep);
    }
    /* ...and every byte of it set to values that break offsets and counts. */
    static const uint8_t vals[] = {0x00, 0x01, 0x7F, 0x80, 0xFF};
    for (size_t i = app1 + 4; i < end; i++)
        for (size_t k = 0; k < sizeof vals; k++) {
            memcpy(v, b.data, b.len);
            v[i] = vals[k];
            decode_variant(&c, v, b.len, 24, 16, "APP1 byte", i);
        }
    /* PNG: every byte of the eXIf chunk, before and after the image data,
     * its CRC made right so that libpng keeps it. */
    static const char *const pngs[] = {"exif_6.png", "exif_3_end.png"};
    for (int f = 0; f < 2; f++) {
        fixture(pngs[f], &b);
        uint8_t *grown = realloc(v, b.len);
        ck_assert_ptr_nonnull(grown);
        v = grown;
        size_t at = 8;
        while (memcmp(b.data + at + 4, "eXIf", 4) != 0)
            at += 12 + ((size_t)b.data[at] << 24 | (size_t)b.data[at + 1] << 16 |
                        (size_t)b.data[at + 2] << 8 | b.data[at + 3]);
        size_t n = (size_t)b.data[at + 2] << 8 | b.data[at + 3];
        for (size_t i = at + 8; i < at + 8 + n; i++)
            for (size_t k = 0; k < sizeof vals; k++) {
                memcpy(v, b.data, b.len);
                v[i] = vals[k];
                unsigned long crc = crc32(0L, v + at + 4, (uInt)(n + 4));
                v[at + 8 + n] = (uint8_t)(crc >> 24), v[at + 9 + n] = (uint8_t)(crc >> 16);
                v[at + 10 + n] = (uint8_t)(crc >> 8), v[at + 11 + n] = (uint8_t)crc;
                decode_variant(&c, v, b.len, 24, 16, pngs[f], i);
            }
    }
    free(v);
    membuf_free(&b);
    codec_free(&c);
}
END_TEST

/* 4:1:0 (luma 4x2) is a sampling TurboJPEG 2.1 cannot name: the libjpeg
 * fallback decodes it, with orientation, gray on load and shrink on load
 * as the fast path has them (pixels against imread: hostile_test.sh). */
START_TEST(libjpeg_fallback_decodes_what_turbojpeg_cannot_name) {
    codec c = {0};
    membuf b = {0};
    cvs_image base = {0}, img = {0}, gbase = {0};
    decode_opts ign = dec, luma = dec, luma_ign = dec;
    ign.ignore_orientation = luma_ign.ignore_orientation = 1;
    luma.to_gray = luma_ign.to_gray = 1;
    const char *f = "sampling_410_orient_6.jpg";
    decode_fixture(&c, f, &ign, &b, &base);
    ck_assert_int_eq(base.width, 96);
    ck_assert_int_eq(base.height, 64);
    ck_assert_int_eq(base.channels, 3);
    decode_fixture(&c, f, &dec, &b, &img);
    expect_turned(&base, 6, &img, f);
    decode_fixture(&c, f, &luma_ign, &b, &gbase);
    ck_assert_int_eq(gbase.channels, 1);
    decode_fixture(&c, f, &luma, &b, &img);
    expect_turned(&gbase, 6, &img, f);
    cvs_image_free(&gbase);
    /* 16x24 shown is 24x16 stored: the 1/4 scale. */
    decode_opts shrink = dec;
    shrink.min_width = 16, shrink.min_height = 24;
    decode_fixture(&c, f, &shrink, &b, &img);
    ck_assert_msg(img.width == 16 && img.height == 24 && img.channels == 3, "%dx%dx%d", img.width,
                  img.height, img.channels);
    /* The reused TurboJPEG handle still decodes the next common file. */
    decode_fixture(&c, "orient_1.jpg", &dec, &b, &img);
    ck_assert_int_eq(img.width, 24);
    cvs_image_free(&base);
    cvs_image_free(&img);
    membuf_free(&b);
    codec_free(&c);
}
END_TEST

/* Every refusal names libjpeg's reason once: its warnings begin "Corrupt JPEG
 * data: ", which cvapp's prefix already says.  Warnings are errors, on both
 * paths; so is a fault after the last row (imread keeps those rows). */
START_TEST(jpeg_refusals_name_the_fault_once) {
    char err[ERRLEN];
    membuf b = {0};
    fixture("trailer_marker.jpg", &b);
    codec c = {0};
    cvs_image img = {0};
    ck_assert_int_eq(image_decode(&c, b.data, b.len, &dec, &img, err), -1);
    ck_assert_str_eq(err, "corrupt JPEG data: Unsupported marker type 0x02");
    static const char *const files[] = {"orient_1.jpg", "sampling_410_orient_6.jpg"};
    for (int k = 0; k < 2; k++) {
        fixture(files[k], &b);
        /* No EOI: libjpeg warns "Premature end of JPEG file". */
        ck_assert_int_eq(image_decode(&c, b.data, b.len - 2, &dec, &img, err), -1);
        ck_assert_str_eq(err, "corrupt JPEG data: Premature end of JPEG file");
        /* Every cut: one line, one prefix. */
        for (size_t cut = 3; cut < b.len; cut += 7) {
            err[0] = '\0';
            if (image_decode(&c, b.data, cut, &dec, &img, err) == 0) continue;
            ck_assert_msg(!strchr(err, '\n'), "%s", err);
            const char *rest = strchr(err, ':');
            ck_assert_msg(rest && strncasecmp(rest + 2, "corrupt JPEG", 12) != 0,
                          "%s cut at %zu: %s", files[k], cut, err);
        }
    }
    cvs_image_free(&img);
    membuf_free(&b);
    codec_free(&c);
}
END_TEST

/* ------------------------------------------------ alpha and metadata */

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* An ICC profile libpng accepts: its header (size, class, colour space,
 * PCS XYZ, 'acsp', D50), no tags, then n - 132 bytes of pattern. */
static void make_icc(membuf *b, size_t n, const char *space) {
    b->len = 0;
    ck_assert_int_eq(membuf_reserve(b, n), 0);
    memset(b->data, 0, n);
    put_be32(b->data, (uint32_t)n);
    put_be32(b->data + 8, 0x02100000);
    memcpy(b->data + 12, "mntr", 4);
    memcpy(b->data + 16, space, 4);
    memcpy(b->data + 20, "XYZ ", 4);
    memcpy(b->data + 36, "acsp", 4);
    put_be32(b->data + 68, 0x0000F6D6);
    put_be32(b->data + 72, 0x00010000);
    put_be32(b->data + 76, 0x0000D32D);
    for (size_t i = 132; i < n; i++) b->data[i] = (uint8_t)(i * 7 + i / 251);
    b->len = n;
}

/* Little-endian EXIF: IFD0 (Make "Acme", Orientation 6) linked to IFD1 with
 * a 100-byte thumbnail at the end.  174 bytes; IFD1 starts at 44, the
 * thumbnail at 74. */
static void make_exif(membuf *b) {
    static const uint8_t head[] = {
        'I', 'I', 42, 0, 8, 0, 0, 0,                          /* header, IFD0 at 8 */
        2, 0,                                                 /* IFD0: 2 entries */
        0x0F, 0x01, 2, 0, 5, 0, 0, 0, 38, 0, 0, 0,            /* Make, ASCII 5 at 38 */
        0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0,             /* Orientation 6 */
        44, 0, 0, 0,                                          /* next: IFD1 at 44 */
        'A', 'c', 'm', 'e', 0, 0,                             /* 38..43 */
        2, 0,                                                 /* IFD1 */
        0x01, 0x02, 4, 0, 1, 0, 0, 0, 74, 0, 0, 0,            /* thumbnail at 74 */
        0x02, 0x02, 4, 0, 1, 0, 0, 0, 100, 0, 0, 0,           /* 100 bytes */
        0, 0, 0, 0};
    b->len = 0;
    ck_assert_int_eq(membuf_append(b, head, sizeof head), 0);
    ck_assert_uint_eq(b->len, 74);
    for (int i = 0; i < 100; i++) ck_assert_int_eq(membuf_append(b, "\xD8", 1), 0);
}

START_TEST(exif_clean_resets_orientation_and_drops_the_thumbnail) {
    membuf e = {0};
    make_exif(&e);
    ck_assert_int_eq(exif_orientation(e.data, e.len), 6);
    size_t n = e.len;
    ck_assert_int_eq(exif_clean(e.data, &n, 1), 0);
    ck_assert_int_eq(exif_orientation(e.data, n), 6); /* --ignore-orientation: kept */
    ck_assert_uint_eq(n, 74);                         /* the thumbnail is cut off */
    make_exif(&e);
    n = e.len;
    ck_assert_int_eq(exif_clean(e.data, &n, 0), 0);
    ck_assert_int_eq(exif_orientation(e.data, n), 1);
    ck_assert_mem_eq(e.data + 34, "\0\0\0\0", 4); /* no link to IFD1 */
    ck_assert_mem_eq(e.data + 38, "Acme", 4);
    /* Not a whole IFD0: refused, for every cut. */
    for (size_t cut = 0; cut < 38; cut++) {
        make_exif(&e);
        n = cut;
        ck_assert_msg(exif_clean(e.data, &n, 0) == -1, "cut at %zu", cut);
    }
    /* A cleaned block cleans to itself, the orientation kept or reset. */
    for (int keep = 0; keep <= 1; keep++) {
        make_exif(&e);
        n = e.len;
        ck_assert_int_eq(exif_clean(e.data, &n, keep), 0);
        uint8_t once[74];
        memcpy(once, e.data, n);
        size_t n2 = n;
        ck_assert_int_eq(exif_clean(e.data, &n2, 1), 0);
        ck_assert_uint_eq(n2, n);
        ck_assert_mem_eq(e.data, once, n);
    }
    /* IFD0 at every offset inside the 8-byte header (found by fuzzing: at
     * 4, cutting the link cut IFD0's own offset): refused. */
    for (uint8_t at = 0; at < 8; at++) {
        make_exif(&e);
        e.data[4] = at; /* make_exif is little-endian */
        e.data[5] = e.data[6] = e.data[7] = 0;
        n = e.len;
        ck_assert_msg(exif_clean(e.data, &n, 0) == -1, "IFD0 at %u", at);
    }
    membuf_free(&e);
}
END_TEST

/* Counts a JPEG's marker segments of type `m` before the scan whose body
 * starts with `sig`; *first gets the first one's offset. */
static int count_segments(const membuf *j, uint8_t m, const char *sig, size_t *first) {
    int n = 0;
    for (size_t i = 2; i + 4 <= j->len && j->data[i] == 0xFF && j->data[i + 1] != 0xDA;) {
        size_t seg = (size_t)j->data[i + 2] << 8 | j->data[i + 3];
        if (j->data[i + 1] == m && seg >= 2 + strlen(sig) && !memcmp(j->data + i + 4, sig, strlen(sig))) {
            if (!n && first) *first = i;
            n++;
        }
        i += 2 + seg;
    }
    return n;
}

START_TEST(jpeg_carries_icc_chunks_and_exif) {
    codec c = {0};
    membuf j = {0};
    image_meta m = {0}, back = {0};
    char err[ERRLEN];
    make_icc(&m.icc, 150000, "RGB ");
    make_exif(&m.exif);
    size_t n = m.exif.len;
    ck_assert_int_eq(exif_clean(m.exif.data, &n, 0), 0);
    m.exif.len = n;
    cvs_image src = img_noise(40, 30, 3, 3), dec_img = {0};
    encode_opts eo = {.jpeg_quality = 90, .png_level = 1, .meta = &m};
    ck_assert_msg(image_encode(&c, &src, IMG_JPEG, &eo, &j, err) == 0, "%s", err);
    size_t app1 = 0, app2 = 0;
    ck_assert_int_eq(count_segments(&j, 0xE1, "Exif", &app1), 1);
    ck_assert_int_eq(count_segments(&j, 0xE2, "ICC_PROFILE", &app2), 3); /* 65519 a chunk */
    ck_assert_uint_eq(app1, 2 + 2 + 16); /* after SOI and JFIF's 16-byte APP0 */
    ck_assert_uint_gt(app2, app1);
    ck_assert_int_eq(image_meta_read(j.data, j.len, 0, &back), 0);
    ck_assert_uint_eq(back.icc.len, 150000);
    ck_assert_mem_eq(back.icc.data, m.icc.data, 150000);
    ck_assert_uint_eq(back.exif.len, m.exif.len);
    ck_assert_mem_eq(back.exif.data, m.exif.data, m.exif.len);
    ck_assert_msg(image_decode(&c, j.data, j.len, &dec, &dec_img, err) == 0, "%s", err);
    ck_assert_int_eq(dec_img.width, 40);

    /* Every cut of the file: no crash, the profile whole or absent. */
    for (size_t cut = 0; cut < j.len; cut += 331) {
        ck_assert_int_eq(image_meta_read(j.data, cut, 0, &back), 0);
        ck_assert(back.icc.len == 0 || (back.icc.len == 150000 &&
                                        !memcmp(back.icc.data, m.icc.data, 150000)));
    }
    /* Chunks that do not add up are no profile: a count that changes, a
     * sequence number twice, a sequence number 0. */
    size_t seq = app2 + 4 + 12;
    for (int k = 0; k < 3; k++) {
        const uint8_t keep[2] = {j.data[seq], j.data[seq + 1]};
        if (k == 0) j.data[seq + 1] = 4;
        if (k == 1) j.data[seq] = 2;
        if (k == 2) j.data[seq] = 0;
        ck_assert_int_eq(image_meta_read(j.data, j.len, 0, &back), 0);
        ck_assert_uint_eq(back.icc.len, 0);
        ck_assert_uint_eq(back.exif.len, m.exif.len); /* EXIF is not affected */
        j.data[seq] = keep[0], j.data[seq + 1] = keep[1];
    }
    /* A gray output gets no RGB profile, still the EXIF. */
    cvs_image gray = img_noise(16, 16, 1, 4);
    ck_assert_msg(image_encode(&c, &gray, IMG_JPEG, &eo, &j, err) == 0, "%s", err);
    ck_assert_int_eq(count_segments(&j, 0xE2, "ICC_PROFILE", NULL), 0);
    ck_assert_int_eq(count_segments(&j, 0xE1, "Exif", NULL), 1);
    cvs_image_free(&gray);
    cvs_image_free(&src);
    cvs_image_free(&dec_img);
    image_meta_free(&m);
    image_meta_free(&back);
    membuf_free(&j);
    codec_free(&c);
}
END_TEST

START_TEST(png_alpha_and_metadata_round_trip) {
    codec c = {0};
    membuf p = {0};
    image_meta m = {0}, back = {0};
    char err[ERRLEN];
    make_icc(&m.icc, 3000, "RGB ");
    make_exif(&m.exif);
    size_t n = m.exif.len;
    ck_assert_int_eq(exif_clean(m.exif.data, &n, 0), 0); /* as the job does */
    m.exif.len = n;
    cvs_image src = img_noise(29, 17, 4, 9), got = {0};
    encode_opts eo = {.png_level = 6, .meta = &m};
    ck_assert_msg(image_encode(&c, &src, IMG_PNG, &eo, &p, err) == 0, "%s", err);
    ck_assert_int_eq(image_meta_read(p.data, p.len, 0, &back), 0);
    ck_assert_uint_eq(back.icc.len, 3000);
    ck_assert_mem_eq(back.icc.data, m.icc.data, 3000);
    ck_assert_uint_eq(back.exif.len, 74);
    ck_assert_mem_eq(back.exif.data, m.exif.data, 74);
    ck_assert_int_eq(exif_orientation(back.exif.data, back.exif.len), 1);
    /* With keep_alpha: BGRA exactly; without: B, G, R (alpha dropped). */
    decode_opts ka = dec;
    ka.keep_alpha = 1;
    ck_assert_msg(image_decode(&c, p.data, p.len, &ka, &got, err) == 0, "%s", err);
    ck_assert_int_eq(got.channels, 4);
    for (int y = 0; y < 17; y++) ck_assert_mem_eq(px(&got, 0, y), px(&src, 0, y), 29 * 4);
    ck_assert_msg(image_decode(&c, p.data, p.len, &dec, &got, err) == 0, "%s", err);
    ck_assert_int_eq(got.channels, 3);
    for (int y = 0; y < 17; y++)
        for (int x = 0; x < 29; x++) ck_assert_mem_eq(px(&got, x, y), px(&src, x, y), 3);
    int w, h, ch;
    ck_assert_int_eq(image_probe(&c, p.data, p.len, &ka, &w, &h, &ch, err), 0);
    ck_assert_int_eq(ch, 3); /* the probe reports the plain decode (features JSON) */
    /* libpng refuses a profile that is not RGB for an RGB image: left out. */
    make_icc(&m.icc, 3000, "GRAY");
    ck_assert_msg(image_encode(&c, &src, IMG_PNG, &eo, &p, err) == 0, "%s", err);
    ck_assert_int_eq(image_meta_read(p.data, p.len, 0, &back), 0);
    ck_assert_uint_eq(back.icc.len, 0);
    cvs_image_free(&src);
    cvs_image_free(&got);
    image_meta_free(&m);
    image_meta_free(&back);
    membuf_free(&p);
    codec_free(&c);
}
END_TEST

static void png_chunk(membuf *b, const char *type, const uint8_t *d, size_t n) {
    uint8_t hd[8];
    put_be32(hd, (uint32_t)n);
    memcpy(hd + 4, type, 4);
    ck_assert_int_eq(membuf_append(b, hd, 8), 0);
    if (n) ck_assert_int_eq(membuf_append(b, d, n), 0);
    uLong crc = crc32(crc32(0, Z_NULL, 0), (const Bytef *)type, 4);
    if (n) crc = crc32(crc, d, (uInt)n);
    put_be32(hd, (uint32_t)crc);
    ck_assert_int_eq(membuf_append(b, hd, 4), 0);
}

/* A PNG whose iCCP holds `icc` deflated (or its first `cut` bytes of zlib
 * data when cut > 0). */
static void png_with_iccp(membuf *b, const uint8_t *icc, size_t n, size_t cut, int bad_crc) {
    b->len = 0;
    ck_assert_int_eq(membuf_append(b, "\x89PNG\r\n\x1a\n", 8), 0);
    uint8_t ihdr[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0};
    png_chunk(b, "IHDR", ihdr, 13);
    uLongf zn = compressBound((uLong)n) + 16;
    uint8_t *z = malloc(zn + 4);
    ck_assert_ptr_nonnull(z);
    memcpy(z, "p\0\0", 3); /* keyword "p", NUL, method 0 */
    ck_assert_int_eq(compress2(z + 3, &zn, icc, (uLong)n, 9), Z_OK);
    size_t body = 3 + (cut ? cut : zn);
    size_t at = b->len;
    png_chunk(b, "iCCP", z, body);
    if (bad_crc) b->data[at + 8 + body] ^= 1;
    free(z);
    const uint8_t raw[2] = {0, 0};
    uint8_t idat[32];
    uLongf in = sizeof idat;
    ck_assert_int_eq(compress2(idat, &in, raw, 2, 9), Z_OK);
    png_chunk(b, "IDAT", idat, in);
    png_chunk(b, "IEND", NULL, 0);
}

START_TEST(png_iccp_hostile) {
    membuf b = {0}, icc = {0};
    image_meta m = {0};
    make_icc(&icc, 5000, "GRAY");
    png_with_iccp(&b, icc.data, icc.len, 0, 0);
    ck_assert_int_eq(image_meta_read(b.data, b.len, 0, &m), 0);
    ck_assert_uint_eq(m.icc.len, 5000);
    ck_assert_mem_eq(m.icc.data, icc.data, 5000);
    png_with_iccp(&b, icc.data, icc.len, 0, 1); /* bad CRC: as libpng, not read */
    ck_assert_int_eq(image_meta_read(b.data, b.len, 0, &m), 0);
    ck_assert_uint_eq(m.icc.len, 0);
    png_with_iccp(&b, icc.data, icc.len, 40, 0); /* the zlib data cut short */
    ck_assert_int_eq(image_meta_read(b.data, b.len, 0, &m), 0);
    ck_assert_uint_eq(m.icc.len, 0);
    /* A profile that inflates past META_MAX_ICC is left out, memory bounded. */
    size_t big = META_MAX_ICC + 4096;
    make_icc(&icc, big, "RGB ");
    memset(icc.data + 132, 0, big - 132);
    png_with_iccp(&b, icc.data, icc.len, 0, 0);
    ck_assert_int_eq(image_meta_read(b.data, b.len, 0, &m), 0);
    ck_assert_uint_eq(m.icc.len, 0);
    ck_assert_uint_le(m.icc.cap, 2 * (size_t)META_MAX_ICC);
    image_meta_free(&m);
    membuf_free(&b);
    membuf_free(&icc);
}
END_TEST

START_TEST(jpeg_flattens_alpha_onto_the_background) {
    codec c = {0};
    membuf j = {0};
    char err[ERRLEN];
    cvs_image src = img_fill(32, 32, 4, 0), got = {0};
    /* Gray 16x16 tiles (whole MCUs): exact at quality 100. */
    static const uint8_t tiles[4][2] = {{0, 128}, {200, 64}, {10, 255}, {50, 0}};
    for (int y = 0; y < 32; y++)
        for (int x = 0; x < 32; x++) {
            const uint8_t *t = tiles[(y / 16) * 2 + x / 16];
            uint8_t *p = px(&src, x, y);
            p[0] = p[1] = p[2] = t[0], p[3] = t[1];
        }
    static const struct {
        uint32_t bg;
        uint8_t want[4];
    } cases[] = {{0xffffff, {127, 241, 10, 255}}, {0x000000, {0, 50, 10, 0}},
                 {0x808080, {64, 146, 10, 128}}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        encode_opts eo = {.jpeg_quality = 100, .png_level = 1, .background = cases[k].bg};
        ck_assert_msg(image_encode(&c, &src, IMG_JPEG, &eo, &j, err) == 0, "%s", err);
        ck_assert_msg(image_decode(&c, j.data, j.len, &dec, &got, err) == 0, "%s", err);
        ck_assert_int_eq(got.channels, 3);
        for (int t = 0; t < 4; t++)
            for (int i = 0; i < 3; i++)
                ck_assert_int_eq(px(&got, (t % 2) * 16 + 5, (t / 2) * 16 + 5)[i], cases[k].want[t]);
    }
    cvs_image_free(&src);
    cvs_image_free(&got);
    membuf_free(&j);
    codec_free(&c);
}
END_TEST

int main(void) {
    Suite *s = suite_create("imageio");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, png_round_trip_exact);
    tcase_add_test(tc, png_filter_none_for_masks_only);
    tcase_add_test(tc, jpeg_round_trip_close);
    tcase_add_test(tc, truncated_and_garbage_rejected);
    tcase_add_test(tc, oversized_headers_refused_before_allocation);
    tcase_add_test(tc, content_not_name_decides);
    tcase_add_test(tc, atomic_writes_leave_no_temporaries);
    tcase_add_test(tc, non_regular_inputs_refused);
    tcase_add_test(tc, exif_orientation_turns_every_decode);
    tcase_add_test(tc, shrink_on_load_minimum_is_in_final_orientation);
    tcase_add_test(tc, hostile_fixtures);
    tcase_add_test(tc, malformed_exif_never_fails);
    tcase_add_test(tc, libjpeg_fallback_decodes_what_turbojpeg_cannot_name);
    tcase_add_test(tc, jpeg_refusals_name_the_fault_once);
    tcase_add_test(tc, exif_clean_resets_orientation_and_drops_the_thumbnail);
    tcase_add_test(tc, jpeg_carries_icc_chunks_and_exif);
    tcase_add_test(tc, png_alpha_and_metadata_round_trip);
    tcase_add_test(tc, png_iccp_hostile);
    tcase_add_test(tc, jpeg_flattens_alpha_onto_the_background);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
