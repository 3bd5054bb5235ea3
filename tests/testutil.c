/* SPDX-License-Identifier: MIT */
#define _DEFAULT_SOURCE
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

cvs_image img_fill(int w, int h, int c, int value) {
    cvs_image im = {0};
    ck_assert_int_eq(cvs_image_alloc(&im, w, h, c), CVS_OK);
    memset(im.data, value, im.stride * (size_t)h);
    return im;
}

cvs_image img_square(int w, int h, int x0, int y0, int x1, int y1) {
    cvs_image im = img_fill(w, h, 1, 0);
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) *px(&im, x, y) = 255;
    return im;
}

cvs_image img_checker(int w, int h, int cell) {
    cvs_image im = img_fill(w, h, 1, 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) *px(&im, x, y) = ((x / cell + y / cell) & 1) ? 255 : 0;
    return im;
}

cvs_image img_noise(int w, int h, int c, unsigned seed) {
    cvs_image im = img_fill(w, h, c, 0);
    unsigned s = seed * 2654435761u + 1;
    for (size_t i = 0; i < im.stride * (size_t)h; i++) {
        s = s * 1103515245u + 12345u;
        im.data[i] = (uint8_t)(s >> 16);
    }
    return im;
}

int run_suite(Suite *s) {
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

char *test_tmpdir(void) {
    char *d = strdup("/tmp/cvapp-test-XXXXXX");
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_nonnull(mkdtemp(d));
    return d;
}

void test_write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

void test_write_text(const char *path, const char *text) {
    test_write_bytes(path, text, strlen(text));
}

void test_skip(const char *suite, const char *test, const char *reason) {
    printf("SKIP [%s/%s]: %s\n", suite, test, reason);
    fflush(stdout);
    const char *dir = getenv("CVAPP_SKIP_DIR");
    if (!dir || !*dir) return;
    (void)mkdir(dir, 0777);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%ld", dir, suite, (long)getpid());
    FILE *f = fopen(path, "a");
    if (!f) return;
    fprintf(f, "%s [%s]: %s\n", suite, test, reason);
    fclose(f);
}
