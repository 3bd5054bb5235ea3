/* JPEG/PNG decoding and encoding, limits, and atomic file writes. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include "fileio.h"
#include "imageio.h"
#include "testutil.h"

static const decode_opts dec = {.max_pixels = 100000000ULL};
static const encode_opts enc = {95, 1};

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

int main(void) {
    Suite *s = suite_create("imageio");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, png_round_trip_exact);
    tcase_add_test(tc, jpeg_round_trip_close);
    tcase_add_test(tc, truncated_and_garbage_rejected);
    tcase_add_test(tc, oversized_headers_refused_before_allocation);
    tcase_add_test(tc, content_not_name_decides);
    tcase_add_test(tc, atomic_writes_leave_no_temporaries);
    tcase_add_test(tc, non_regular_inputs_refused);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
