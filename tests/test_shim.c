/* Known answers and error paths of the OpenCV shim. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

START_TEST(version_and_threads) {
    /* The OpenCV the shim was built with: 4.5 (Debian 11) to 4.10 (Debian 13). */
    int major = 0, minor = 0, patch = 0;
    char extra;
    ck_assert_int_eq(sscanf(cvs_opencv_version(), "%d.%d.%d%c", &major, &minor, &patch, &extra), 3);
    ck_assert_int_eq(major, 4);
    ck_assert_int_ge(minor, 5);
    ck_assert_int_eq(cvs_set_num_threads(1), CVS_OK);
    ck_assert_int_eq(cvs_get_num_threads(), 1);
    ck_assert_int_eq(cvs_set_num_threads(0), CVS_OK);
    ck_assert_int_eq(cvs_set_num_threads(-3), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "negative thread count");
}
END_TEST

START_TEST(grayscale_weights) {
    /* OpenCV's BGR2GRAY: 0.114 B + 0.587 G + 0.299 R, rounded. */
    cvs_image src = img_fill(4, 1, 3, 0), dst = {0};
    const uint8_t bgr[4][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
    for (int i = 0; i < 4; i++) memcpy(px(&src, i, 0), bgr[i], 3);
    ck_assert_int_eq(cvs_grayscale(&src, &dst), CVS_OK);
    ck_assert_int_eq(dst.channels, 1);
    ck_assert_int_eq(*px(&dst, 0, 0), 29);
    ck_assert_int_eq(*px(&dst, 1, 0), 150);
    ck_assert_int_eq(*px(&dst, 2, 0), 76);
    ck_assert_int_eq(*px(&dst, 3, 0), 255);
    /* Gray input is copied unchanged. */
    cvs_image g = img_noise(7, 5, 1, 3), g2 = {0};
    ck_assert_int_eq(cvs_grayscale(&g, &g2), CVS_OK);
    for (int y = 0; y < 5; y++) ck_assert_mem_eq(px(&g, 0, y), px(&g2, 0, y), 7);
    cvs_image_free(&src);
    cvs_image_free(&dst);
    cvs_image_free(&g);
    cvs_image_free(&g2);
}
END_TEST

START_TEST(gaussian_constant_and_impulse) {
    cvs_image src = img_fill(33, 17, 3, 77), dst = {0};
    ck_assert_int_eq(cvs_gaussian(&src, &dst, 5, 1.5, 0), CVS_OK);
    for (size_t i = 0; i < dst.stride * 17; i++) ck_assert_int_eq(dst.data[i], 77);
    cvs_image_free(&src);
    /* An impulse spreads symmetrically and keeps its peak at the centre. */
    src = img_fill(9, 9, 1, 0);
    *px(&src, 4, 4) = 255;
    ck_assert_int_eq(cvs_gaussian(&src, &dst, 3, 0, 0), CVS_OK);
    /* ksize 3, sigma from ksize: kernel [1 2 1]/4, so centre 255/4, edges 255/8, corners 255/16. */
    ck_assert_int_eq(*px(&dst, 4, 4), 64);
    ck_assert_int_eq(*px(&dst, 3, 4), 32);
    ck_assert_int_eq(*px(&dst, 4, 5), 32);
    ck_assert_int_eq(*px(&dst, 3, 3), 16);
    ck_assert_int_eq(*px(&dst, 2, 4), 0);
    cvs_image_free(&src);
    cvs_image_free(&dst);
}
END_TEST

START_TEST(canny_square_border) {
    cvs_image src = img_square(64, 64, 16, 16, 48, 48), dst = {0};
    ck_assert_int_eq(cvs_canny(&src, &dst, 50, 150, 3, 0), CVS_OK);
    int on_border = 0;
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) {
            int v = *px(&dst, x, y);
            ck_assert(v == 0 || v == 255);
            if (!v) continue;
            /* Every edge pixel lies on the square's boundary (inside or just outside). */
            int near_x = (x >= 15 && x <= 16) || (x >= 47 && x <= 48);
            int near_y = (y >= 15 && y <= 16) || (y >= 47 && y <= 48);
            int inside = x >= 15 && x <= 48 && y >= 15 && y <= 48;
            ck_assert_msg(inside && (near_x || near_y), "edge at %d,%d", x, y);
            on_border++;
        }
    /* The four sides are traced: at least 4 * 30 pixels. */
    ck_assert_int_ge(on_border, 120);
    cvs_image_free(&src);
    cvs_image_free(&dst);
}
END_TEST

START_TEST(orb_checkerboard_corners) {
    cvs_image src = img_checker(160, 160, 20);
    cvs_orb_params p = {500, 1.2, 8, 31, 0, 2, 0, 31, 20, 1};
    cvs_keypoints kp = {0};
    ck_assert_int_eq(cvs_orb(&src, &p, &kp), CVS_OK);
    ck_assert_uint_gt(kp.count, 10);
    ck_assert_int_eq(kp.desc_type, CVS_DESC_U8);
    ck_assert_int_eq(kp.desc_len, 32);
    for (size_t i = 0; i < kp.count; i++) {
        /* Keypoints sit on the crossings (multiples of 20), within 2 px at level 0. */
        float x = kp.items[i].x, y = kp.items[i].y;
        float dx = fabsf(x - 20.0f * roundf(x / 20.0f)), dy = fabsf(y - 20.0f * roundf(y / 20.0f));
        float tol = 2.0f * powf(1.2f, (float)kp.items[i].octave) + 1.0f;
        ck_assert_msg(dx <= tol && dy <= tol, "keypoint %.1f,%.1f (octave %d) off the grid", x, y,
                      kp.items[i].octave);
        ck_assert_float_eq(kp.items[i].size, 31.0f * powf(1.2f, (float)kp.items[i].octave));
    }
    cvs_keypoints_free(&kp);
    ck_assert_ptr_null(kp.items);
    cvs_image_free(&src);
}
END_TEST

START_TEST(errors_are_statuses) {
    cvs_image src = img_fill(16, 16, 1, 0), dst = {0};
    /* OpenCV's own assertion (even kernel) comes back as CVS_ECV, one line. */
    ck_assert_int_eq(cvs_gaussian(&src, &dst, 4, 0, 0), CVS_ECV);
    ck_assert_ptr_nonnull(strstr(cvs_last_error(), "ksize.width % 2 == 1"));
    ck_assert_ptr_null(strchr(cvs_last_error(), '\n'));
    ck_assert_int_eq(cvs_canny(&src, &dst, 1, 2, 4, 0), CVS_ECV);
    ck_assert_ptr_nonnull(strstr(cvs_last_error(), "Canny"));
    /* The message is cleared by the next successful call. */
    ck_assert_int_eq(cvs_grayscale(&src, &dst), CVS_OK);
    ck_assert_str_eq(cvs_last_error(), "");
    /* Arguments the shim itself refuses. */
    ck_assert_int_eq(cvs_grayscale(NULL, &dst), CVS_EINVAL);
    ck_assert_int_eq(cvs_grayscale(&src, NULL), CVS_EINVAL);
    ck_assert_int_eq(cvs_grayscale(&src, &src), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "output aliases input");
    cvs_image bad = src;
    bad.stride = 3;
    ck_assert_int_eq(cvs_gaussian(&bad, &dst, 3, 0, 0), CVS_EINVAL);
    ck_assert_int_eq(cvs_orb(&src, NULL, NULL), CVS_EINVAL);
    cvs_keypoints kp = {0};
    cvs_orb_params p = {500, 1.2, 8, 31, 0, 2, 0, 0, 20, 0}; /* patch_size 0: OpenCV refuses */
    cvs_status st = cvs_orb(&src, &p, &kp);
    ck_assert_int_ne(st, CVS_OK);
    ck_assert_ptr_null(kp.items);
    /* Impossible sizes fail without allocating. */
    cvs_image huge = {0};
    ck_assert_int_ne(cvs_image_alloc(&huge, 1 << 30, 1 << 30, 3), CVS_OK);
    ck_assert_ptr_null(huge.data);
    cvs_image_free(&src);
    cvs_image_free(&dst);
}
END_TEST

START_TEST(buffers_are_reused) {
    cvs_image src = img_noise(40, 30, 3, 1), dst = {0};
    ck_assert_int_eq(cvs_gaussian(&src, &dst, 3, 0, 0), CVS_OK);
    uint8_t *first = dst.data;
    ck_assert_int_eq(cvs_grayscale(&src, &dst), CVS_OK); /* smaller: same buffer */
    ck_assert_ptr_eq(dst.data, first);
    ck_assert_int_eq(dst.channels, 1);
    cvs_image_free(&src);
    cvs_image_free(&dst);
}
END_TEST

int main(void) {
    Suite *s = suite_create("shim");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, version_and_threads);
    tcase_add_test(tc, grayscale_weights);
    tcase_add_test(tc, gaussian_constant_and_impulse);
    tcase_add_test(tc, canny_square_border);
    tcase_add_test(tc, orb_checkerboard_corners);
    tcase_add_test(tc, errors_are_statuses);
    tcase_add_test(tc, buffers_are_reused);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
