/* SPDX-License-Identifier: MIT */
/* Known answers and error paths of the OpenCV shim, and a test for each
 * rule cvshim.h states (ownership, borrowed views, aliasing, zeroed results
 * on failure, per-thread errors, drawing on 3 channels, allocation limits,
 * choice counts). */
#define _DEFAULT_SOURCE
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define CVAPP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CVAPP_ASAN 1
#endif
#endif
#ifdef CVAPP_ASAN
/* malloc_fails_is_enomem makes malloc fail: ASan must return NULL as the C
 * library does instead of ending the process (ASAN_OPTIONS still override). */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
    return "allocator_may_return_null=1";
}
#endif

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

START_TEST(library_version) {
    /* The header's version, the library's, and its string agree. */
    ck_assert_int_eq(cvs_version(), CVS_VERSION);
    ck_assert_int_eq(CVS_VERSION,
                     CVS_VERSION_MAJOR * 10000 + CVS_VERSION_MINOR * 100 + CVS_VERSION_PATCH);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", CVS_VERSION_MAJOR, CVS_VERSION_MINOR,
             CVS_VERSION_PATCH);
    ck_assert_str_eq(cvs_version_string(), want);
}
END_TEST

/* Every params struct: init records the caller's size and OpenCV's defaults. */
START_TEST(params_init_defaults) {
    cvs_orb_params orb;
    memset(&orb, 0xA5, sizeof orb);
    cvs_orb_params_init(&orb);
    ck_assert_uint_eq(orb.size, sizeof orb);
    ck_assert_int_eq(orb.nfeatures, 500);
    ck_assert(orb.scale_factor == 1.2);
    ck_assert_int_eq(orb.nlevels, 8);
    ck_assert_int_eq(orb.edge_threshold, 31);
    ck_assert_int_eq(orb.first_level, 0);
    ck_assert_int_eq(orb.wta_k, 2);
    ck_assert_int_eq(orb.score_type, 0);
    ck_assert_int_eq(orb.patch_size, 31);
    ck_assert_int_eq(orb.fast_threshold, 20);
    ck_assert_int_eq(orb.descriptors, 0);
    cvs_sift_params sift;
    cvs_sift_params_init(&sift);
    ck_assert_uint_eq(sift.size, sizeof sift);
    ck_assert_int_eq(sift.nfeatures, 0);
    ck_assert_int_eq(sift.octave_layers, 3);
    ck_assert(sift.contrast_threshold == 0.04 && sift.edge_threshold == 10 && sift.sigma == 1.6);
    ck_assert_int_eq(sift.descriptors, 0);
    cvs_gftt_params gftt;
    cvs_gftt_params_init(&gftt);
    ck_assert_uint_eq(gftt.size, sizeof gftt);
    ck_assert_int_eq(gftt.max_corners, 1000);
    ck_assert(gftt.quality == 0.01 && gftt.min_distance == 1 && gftt.k == 0.04);
    ck_assert_int_eq(gftt.block, 3);
    ck_assert_int_eq(gftt.harris, 0);
    cvs_blob_params blob;
    cvs_blob_params_init(&blob);
    ck_assert_uint_eq(blob.size, sizeof blob);
    ck_assert(blob.min_area == 25 && blob.max_area == 5000 && blob.min_circularity == 0);
    ck_assert_int_eq(blob.dark, 1);
    cvs_hough_circle_params hc;
    cvs_hough_circle_params_init(&hc);
    ck_assert_uint_eq(hc.size, sizeof hc);
    ck_assert(hc.dp == 1 && hc.min_dist == 20 && hc.param1 == 100 && hc.param2 == 100);
    ck_assert_int_eq(hc.min_radius, 0);
    ck_assert_int_eq(hc.max_radius, 0);
    cvs_template_params tp;
    cvs_template_params_init(&tp);
    ck_assert_uint_eq(tp.size, sizeof tp);
    ck_assert_int_eq(tp.method, CVS_TM_CCOEFF_NORMED);
    ck_assert(tp.threshold == 0.8 && tp.overlap == 0.3);
    ck_assert_int_eq(tp.max_count, 100);
    /* NULL, or a size too small to hold `size`: nothing written, no crash. */
    cvs_orb_params_init(NULL);
    cvs_orb_params_init_sized(&orb, 0);
    ck_assert_uint_eq(orb.size, sizeof orb);
}
END_TEST

/* A caller built against an older (smaller) struct: init writes only its
 * part; the detectors refuse a struct that init did not fill. */
START_TEST(params_size_rules) {
    unsigned char buf[sizeof(cvs_orb_params) + 16];
    memset(buf, 0x5A, sizeof buf);
    size_t older = offsetof(cvs_orb_params, nlevels);
    cvs_orb_params_init_sized((cvs_orb_params *)buf, older);
    cvs_orb_params got;
    memcpy(&got, buf, sizeof got);
    ck_assert_uint_eq(got.size, older);
    ck_assert_int_eq(got.nfeatures, 500);
    for (size_t i = older; i < sizeof buf; i++) ck_assert_uint_eq(buf[i], 0x5A);

    cvs_image src = img_checker(64, 64, 8);
    cvs_keypoints kp = {0};
    cvs_orb_params zero = {0};
    ck_assert_int_eq(cvs_orb(&src, &zero, &kp), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "parameters not initialised (call cvs_orb_params_init first)");
    ck_assert_ptr_null(kp.items);
    cvs_sift_params sift = {0};
    ck_assert_int_eq(cvs_sift(&src, &sift, &kp), CVS_EINVAL);
    cvs_gftt_params gftt = {0};
    ck_assert_int_eq(cvs_gftt(&src, &gftt, &kp), CVS_EINVAL);
    cvs_blob_params blob = {0};
    ck_assert_int_eq(cvs_blobs(&src, &blob, &kp), CVS_EINVAL);
    cvs_hough_circle_params hc = {0};
    cvs_circles circles = {0};
    ck_assert_int_eq(cvs_hough_circles(&src, &hc, &circles), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(),
                     "parameters not initialised (call cvs_hough_circle_params_init first)");
    /* The older caller's struct is refused too: this version reads every field. */
    ck_assert_int_eq(cvs_orb(&src, &got, &kp), CVS_EINVAL);
    /* Initialised, the defaults run. */
    cvs_gftt_params_init(&gftt);
    ck_assert_int_eq(cvs_gftt(&src, &gftt, &kp), CVS_OK);
    ck_assert_uint_gt(kp.count, 0);
    cvs_keypoints_free(&kp);
    cvs_image_free(&src);
}
END_TEST

/* The size limits: documented defaults, process-wide setter, zero refused. */
START_TEST(limits_defaults_and_setter) {
    cvs_limits def, now;
    cvs_limits_init(&def);
    ck_assert_uint_eq(def.max_image_bytes, CVS_DEFAULT_MAX_IMAGE_BYTES);
    ck_assert_uint_eq(def.max_image_bytes, (size_t)1 << 34);
    ck_assert_int_eq(def.max_side, 65535);
    ck_assert_int_eq(def.max_output_pixels, (int64_t)1 << 28);
    cvs_get_limits(&now);
    ck_assert(now.max_image_bytes == def.max_image_bytes && now.max_side == def.max_side &&
              now.max_output_pixels == def.max_output_pixels);

    cvs_limits small = def;
    small.max_image_bytes = 1000;
    small.max_side = 100;
    small.max_output_pixels = 5000;
    ck_assert_int_eq(cvs_set_limits(&small), CVS_OK);
    cvs_image img = {0};
    ck_assert_int_eq(cvs_image_alloc(&img, 10, 10, 10), CVS_OK);
    ck_assert_int_eq(cvs_image_alloc(&img, 10, 10, 11), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "image of 10x10x11 is over the 1000-byte limit");
    cvs_image src = img_fill(8, 8, 1, 0), dst = {0};
    ck_assert_int_eq(cvs_resize(&src, &dst, 101, 1, 0, CVS_INTER_NEAREST), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(),
                     "resize: the result would be 101x1, over the limit of 5000 pixels or 100 a side");
    ck_assert_int_eq(cvs_resize(&src, &dst, 100, 50, 0, CVS_INTER_NEAREST), CVS_EINVAL);
    ck_assert_int_eq(cvs_resize(&src, &dst, 50, 20, 0, CVS_INTER_NEAREST), CVS_OK);

    /* A zero field or NULL: refused, nothing changed. */
    cvs_limits bad = small;
    bad.max_side = 0;
    ck_assert_int_eq(cvs_set_limits(&bad), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "limits must be positive");
    ck_assert_int_eq(cvs_set_limits(NULL), CVS_EINVAL);
    cvs_get_limits(&now);
    ck_assert(now.max_image_bytes == 1000 && now.max_side == 100 &&
              now.max_output_pixels == 5000);

    ck_assert_int_eq(cvs_set_limits(&def), CVS_OK);
    ck_assert_int_eq(cvs_image_alloc(&img, 10, 10, 11), CVS_OK);
    cvs_image_free(&img);
    cvs_image_free(&dst);
    cvs_image_free(&src);
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
    cvs_orb_params p;
    cvs_orb_params_init(&p);
    p.descriptors = 1;
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

START_TEST(channel_conversions) {
    /* cvs_to_bgr and cvs_grayscale from 1, 3 and 4 channels. */
    cvs_image gray = img_fill(3, 2, 1, 77), bgr = img_fill(3, 2, 3, 0), bgra = img_fill(3, 2, 4, 0);
    cvs_image out = {0};
    const uint8_t pixel[4] = {10, 20, 30, 40};
    memcpy(px(&bgra, 1, 1), pixel, 4);
    memcpy(px(&bgr, 1, 1), pixel, 3);
    ck_assert_int_eq(cvs_to_bgr(&bgra, &out), CVS_OK);
    ck_assert_int_eq(out.channels, 3);
    ck_assert_mem_eq(px(&out, 1, 1), pixel, 3);
    ck_assert_int_eq(cvs_to_bgr(&bgr, &out), CVS_OK);
    ck_assert_mem_eq(px(&out, 1, 1), pixel, 3);
    ck_assert_int_eq(cvs_to_bgr(&gray, &out), CVS_OK);
    const uint8_t grey[3] = {77, 77, 77};
    ck_assert_mem_eq(px(&out, 2, 1), grey, 3);
    /* 0.114 * 10 + 0.587 * 20 + 0.299 * 30 = 21.85 */
    ck_assert_int_eq(cvs_grayscale(&bgra, &out), CVS_OK);
    ck_assert_int_eq(out.channels, 1);
    ck_assert_int_eq(*px(&out, 1, 1), 22);
    ck_assert_int_eq(cvs_grayscale(&bgr, &out), CVS_OK);
    ck_assert_int_eq(*px(&out, 1, 1), 22);
    cvs_image_free(&gray);
    cvs_image_free(&bgr);
    cvs_image_free(&bgra);
    cvs_image_free(&out);
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
    cvs_orb_params p;
    cvs_orb_params_init(&p);
    p.patch_size = 0; /* OpenCV refuses */
    cvs_status st = cvs_orb(&src, &p, &kp);
    ck_assert_int_ne(st, CVS_OK);
    ck_assert_ptr_null(kp.items);
    /* cvs_filter2d's own checks. */
    static const double k3[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
    double nan_k[1] = {NAN};
    ck_assert_int_eq(cvs_filter2d(&src, &dst, NULL, 1, 1, 1, 0, 0), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "null kernel");
    ck_assert_int_eq(cvs_filter2d(&src, &dst, k3, 0, 3, 1, 0, 0), CVS_EINVAL);
    ck_assert_int_eq(cvs_filter2d(&src, &dst, k3, 3, 1025, 1, 0, 0), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "kernel rows and cols must be 1..1024");
    ck_assert_int_eq(cvs_filter2d(&src, &dst, nan_k, 1, 1, 1, 0, 0), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "a kernel value is not finite");
    ck_assert_int_eq(cvs_filter2d(&src, &dst, k3, 3, 3, INFINITY, 0, 0), CVS_EINVAL);
    ck_assert_int_eq(cvs_filter2d(&src, &dst, k3, 3, 3, 1, NAN, 0), CVS_EINVAL);
    ck_assert_int_eq(cvs_filter2d(&src, &dst, k3, 3, 3, 1, 0, CVS_BORDER_COUNT), CVS_EINVAL);
    ck_assert_int_eq(cvs_filter2d(&src, &dst, k3, 3, 3, 1, 0, -1), CVS_EINVAL);
    ck_assert_int_eq(cvs_filter2d(&src, &src, k3, 3, 3, 1, 0, 0), CVS_EINVAL);
    ck_assert_int_eq(cvs_filter2d(&src, &dst, k3, 3, 3, 1, 0, CVS_BORDER_CONSTANT), CVS_OK);
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

/* ---- the rules of cvshim.h ------------------------------------------- */

static int all_zero(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

START_TEST(src_is_borrowed) {
    /* A borrowed view (capacity 0) with padding at each row's end. */
    uint8_t pixels[4 * 8], before[4 * 8];
    for (size_t i = 0; i < sizeof pixels; i++) pixels[i] = (uint8_t)(i * 7);
    memcpy(before, pixels, sizeof pixels);
    cvs_image src = {5, 4, 1, 8, pixels, 0}, copy = src, dst = {0};
    ck_assert_int_eq(cvs_invert(&src, &dst), CVS_OK);
    /* Neither the struct nor a byte (padding included) changed. */
    ck_assert_mem_eq(&src, &copy, sizeof src);
    ck_assert_mem_eq(pixels, before, sizeof pixels);
    /* dst: tightly packed, shim-allocated, the inverted pixels. */
    ck_assert_int_eq(dst.width, 5);
    ck_assert_int_eq(dst.height, 4);
    ck_assert_uint_eq(dst.stride, 5);
    ck_assert_uint_ge(dst.capacity, 20);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 5; x++) ck_assert_int_eq(*px(&dst, x, y), 255 - pixels[y * 8 + x]);
    /* Freeing a view zeroes it without freeing its pixels (ASan would see a
       free of stack memory); NULL is allowed. */
    cvs_image_free(&src);
    ck_assert(all_zero(&src, sizeof src));
    cvs_image_free(NULL);
    cvs_image_free(&dst);
    ck_assert(all_zero(&dst, sizeof dst));
}
END_TEST

START_TEST(borrowed_dst_is_refused) {
    cvs_image src = img_noise(4, 4, 1, 5);
    uint8_t pixels[16];
    memset(pixels, 9, sizeof pixels);
    cvs_image view = {4, 4, 1, 4, pixels, 0}, copy = view;
    ck_assert_int_eq(cvs_gaussian(&src, &view, 3, 0, 0), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "cannot allocate into a borrowed view");
    ck_assert_mem_eq(&view, &copy, sizeof view);
    for (int i = 0; i < 16; i++) ck_assert_int_eq(pixels[i], 9);
    ck_assert_int_eq(cvs_image_alloc(&view, 2, 2, 1), CVS_EINVAL);
    ck_assert_mem_eq(&view, &copy, sizeof view);
    /* A zeroed dst is allocated; a shim-allocated one grows when too small. */
    cvs_image dst = {0};
    ck_assert_int_eq(cvs_gaussian(&src, &dst, 3, 0, 0), CVS_OK);
    ck_assert_ptr_nonnull(dst.data);
    ck_assert_uint_ge(dst.capacity, 16);
    cvs_image big = img_noise(64, 64, 3, 6);
    ck_assert_int_eq(cvs_invert(&big, &dst), CVS_OK);
    ck_assert_uint_ge(dst.capacity, 64 * 64 * 3);
    ck_assert_int_eq(*px(&dst, 63, 63), 255 - *px(&big, 63, 63));
    cvs_image_free(&big);
    cvs_image_free(&dst);
    cvs_image_free(&src);
}
END_TEST

START_TEST(dst_must_not_alias_src) {
    cvs_image src = img_noise(16, 16, 1, 7), dst = {0};
    uint8_t first = src.data[0];
    /* The same struct, and a copy of it (one buffer, two structs). */
    ck_assert_int_eq(cvs_invert(&src, &src), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "output aliases input");
    cvs_image twin = src;
    ck_assert_int_eq(cvs_invert(&src, &twin), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "output aliases input");
    ck_assert_int_eq(src.data[0], first);
    /* A view into dst's buffer as src: growing dst would free its pixels. */
    ck_assert_int_eq(cvs_image_alloc(&dst, 8, 8, 1), CVS_OK);
    memset(dst.data, 50, 64);
    cvs_image part = {4, 4, 1, dst.stride, dst.data + 2 * dst.stride + 2, 0};
    uint8_t *old = dst.data;
    ck_assert_int_eq(cvs_resize(&part, &dst, 32, 32, 0, CVS_INTER_LINEAR), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "output aliases input");
    ck_assert_ptr_eq(dst.data, old);
    ck_assert_int_eq(dst.width, 8);
    /* Separate buffers are fine. */
    ck_assert_int_eq(cvs_resize(&part, &src, 32, 32, 0, CVS_INTER_LINEAR), CVS_OK);
    ck_assert_int_eq(*px(&src, 31, 31), 50);
    cvs_image_free(&src);
    cvs_image_free(&dst);
}
END_TEST

/* cvs_match_template's own checks; the result stays zeroed on each. */
START_TEST(match_template_arguments) {
    cvs_image src = img_noise(40, 30, 1, 4), color = img_noise(40, 30, 3, 4), big = {0};
    cvs_image templ = {.width = 8, .height = 6, .channels = 1, .stride = src.stride,
                       .data = px(&src, 10, 12)}; /* a borrowed view into src */
    cvs_template_params p;
    cvs_template_params_init(&p);
    cvs_boxes b;
    memset(&b, 0xA5, sizeof b);
    ck_assert_int_eq(cvs_match_template(&src, &templ, NULL, &b), CVS_EINVAL);
    ck_assert(b.items == NULL && b.count == 0);
    ck_assert_int_eq(cvs_match_template(&src, &templ, &p, NULL), CVS_EINVAL);
    ck_assert_int_eq(cvs_match_template(&src, NULL, &p, &b), CVS_EINVAL);
    cvs_template_params bad = p;
    bad.method = CVS_TM_COUNT;
    ck_assert_int_eq(cvs_match_template(&src, &templ, &bad, &b), CVS_EINVAL);
    bad = p;
    bad.max_count = 0;
    ck_assert_int_eq(cvs_match_template(&src, &templ, &bad, &b), CVS_EINVAL);
    bad = p;
    bad.overlap = 1.5;
    ck_assert_int_eq(cvs_match_template(&src, &templ, &bad, &b), CVS_EINVAL);
    bad = p;
    bad.threshold = NAN;
    ck_assert_int_eq(cvs_match_template(&src, &templ, &bad, &b), CVS_EINVAL);
    bad.size = 0;
    ck_assert_int_eq(cvs_match_template(&src, &templ, &bad, &b), CVS_EINVAL);
    ck_assert_int_eq(cvs_image_alloc(&big, 41, 5, 1), CVS_OK);
    ck_assert_int_eq(cvs_match_template(&src, &big, &p, &b), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "the template (41x5) is larger than the image (40x30)");
    ck_assert(b.items == NULL && b.count == 0);
    /* Found where it was cut from; a gray template on a color image too. */
    ck_assert_int_eq(cvs_match_template(&src, &templ, &p, &b), CVS_OK);
    ck_assert_uint_ge(b.count, 1);
    ck_assert_int_eq(b.items[0].x, 10);
    ck_assert_int_eq(b.items[0].y, 12);
    cvs_boxes_free(&b);
    ck_assert(b.items == NULL && b.count == 0);
    ck_assert_int_eq(cvs_match_template(&color, &templ, &p, &b), CVS_OK);
    cvs_boxes_free(&b);
    cvs_boxes_free(NULL);
    /* Drawing boxes: 3 channels, a style, no empty box. */
    cvs_style st = {0, 0, 255, 1};
    cvs_box box = {1, 2, 3, 4, 0}, empty = {1, 2, 0, 4, 0};
    ck_assert_int_eq(cvs_draw_boxes(&src, &box, 1, &st), CVS_EINVAL);
    ck_assert_int_eq(cvs_draw_boxes(&color, NULL, 1, &st), CVS_EINVAL);
    ck_assert_int_eq(cvs_draw_boxes(&color, &box, 1, NULL), CVS_EINVAL);
    ck_assert_int_eq(cvs_draw_boxes(&color, &empty, 1, &st), CVS_EINVAL);
    ck_assert_int_eq(cvs_draw_boxes(&color, NULL, 0, &st), CVS_OK);
    ck_assert_int_eq(cvs_draw_boxes(&color, &box, 1, &st), CVS_OK);
    ck_assert_int_eq(px(&color, 1, 2)[2], 255);
    ck_assert_int_eq(px(&color, 3, 5)[2], 255);
    cvs_image_free(&big);
    cvs_image_free(&src);
    cvs_image_free(&color);
}
END_TEST

/* Matching and the model fit: a keypoint list matched with a shifted copy
 * of itself gives the shift; the arguments each function refuses. */
START_TEST(match_and_fit_model) {
    enum { N = 30 };
    cvs_keypoint q[N], t[N];
    uint8_t dq[N * 32], dt[N * 32];
    for (int i = 0; i < N; i++) {
        float x = (float)(i * 37 % 101), y = (float)(i * 53 % 89);
        t[i] = (cvs_keypoint){x, y, 7, 0, 1, 0, 0};
        q[i] = (cvs_keypoint){x + 12, y - 5, 7, 0, 1, 0, 0};
        for (int k = 0; k < 32; k++) dt[i * 32 + k] = dq[i * 32 + k] = (uint8_t)((i * 7 + k * 13) ^ (i << 3));
    }
    cvs_keypoints query = {q, N, CVS_DESC_U8, 32, dq}, train = {t, N, CVS_DESC_U8, 32, dt};
    cvs_match_params mp;
    cvs_match_params_init(&mp);
    ck_assert(mp.ratio == 0.75 && mp.cross_check == 0);
    cvs_matches m;
    memset(&m, 0xA5, sizeof m);
    mp.cross_check = 1;
    ck_assert_int_eq(cvs_match_descriptors(&query, &train, &mp, &m), CVS_OK);
    ck_assert_uint_eq(m.count, N);
    for (size_t i = 0; i < m.count; i++) {
        ck_assert_int_eq(m.items[i].query, (int)i);
        ck_assert_int_eq(m.items[i].train, (int)i);
        ck_assert(m.items[i].distance == 0);
    }
    cvs_model_params fp;
    cvs_model_params_init(&fp);
    ck_assert(fp.model == CVS_MODEL_HOMOGRAPHY && fp.method == CVS_ROBUST_RANSAC &&
              fp.reproj_threshold == 3 && fp.max_iters == 2000 && fp.confidence == 0.995);
    cvs_model model;
    for (int kind = 0; kind < CVS_MODEL_COUNT; kind++) {
        fp.model = kind;
        ck_assert_int_eq(cvs_fit_model(&query, &train, &m, &fp, &model), CVS_OK);
        ck_assert_int_eq(model.valid, 1);
        ck_assert_uint_eq(model.inliers, N);
        ck_assert(fabs(model.m[2] - 12) < 1e-6 && fabs(model.m[5] + 5) < 1e-6);
        ck_assert(fabs(model.m[0] - 1) < 1e-6 && fabs(model.m[8] - 1) < 1e-9);
        ck_assert_int_eq(m.items[0].inlier, 1);
    }
    /* Refused: similarity with USAC, an index outside the keypoints, an
     * uninitialised struct; too few matches is no error, just no model. */
    fp.method = CVS_ROBUST_USAC;
    ck_assert_int_eq(cvs_fit_model(&query, &train, &m, &fp, &model), CVS_EINVAL);
    ck_assert_int_eq(model.valid, 0);
    fp.model = CVS_MODEL_HOMOGRAPHY;
    m.items[3].train = N;
    ck_assert_int_eq(cvs_fit_model(&query, &train, &m, &fp, &model), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "a match's keypoint index is out of range");
    m.items[3].train = 3;
    cvs_matches few = {m.items, 3};
    ck_assert_int_eq(cvs_fit_model(&query, &train, &few, &fp, &model), CVS_OK);
    ck_assert_int_eq(model.valid, 0);
    cvs_model_params zero = {0};
    ck_assert_int_eq(cvs_fit_model(&query, &train, &m, &zero, &model), CVS_EINVAL);
    fp.model = CVS_MODEL_COUNT;
    ck_assert_int_eq(cvs_fit_model(&query, &train, &m, &fp, &model), CVS_EINVAL);
    cvs_matches_free(&m);
    ck_assert(m.items == NULL && m.count == 0);
    /* Descriptors of two kinds, a ratio out of range: refused, result zeroed. */
    float ft[N * 4] = {0};
    cvs_keypoints floats = {t, N, CVS_DESC_F32, 4, ft};
    mp.cross_check = 0;
    memset(&m, 0xA5, sizeof m);
    ck_assert_int_eq(cvs_match_descriptors(&query, &floats, &mp, &m), CVS_EINVAL);
    ck_assert(m.items == NULL && m.count == 0);
    mp.ratio = 1.5;
    ck_assert_int_eq(cvs_match_descriptors(&query, &train, &mp, &m), CVS_EINVAL);
    mp.ratio = 0.75;
    ck_assert_int_eq(cvs_match_descriptors(&query, &train, NULL, &m), CVS_EINVAL);
    /* No descriptors on a side: no match, no error. */
    cvs_keypoints bare = {t, N, CVS_DESC_NONE, 0, NULL};
    ck_assert_int_eq(cvs_match_descriptors(&query, &bare, &mp, &m), CVS_OK);
    ck_assert_uint_eq(m.count, 0);
    /* The ratio test drops ambiguous ones: two identical train rows. */
    memcpy(dt + 32, dt, 32);
    ck_assert_int_eq(cvs_match_descriptors(&query, &train, &mp, &m), CVS_OK);
    for (size_t i = 0; i < m.count; i++) ck_assert_int_ne(m.items[i].query, 0);
    cvs_matches_free(&m);
    cvs_matches_free(NULL);
}
END_TEST

/* cvs_warp: a shift, both ways, perspective or affine; what it refuses. */
START_TEST(warp_shifts_and_refuses) {
    cvs_image src = img_noise(20, 10, 1, 9), dst = {0};
    const double shift[9] = {1, 0, 3, 0, 1, 2, 0, 0, 1};
    /* inverse: dst(x, y) = src(x + 3, y + 2). */
    ck_assert_int_eq(cvs_warp(&src, &dst, shift, 1, 12, 6, CVS_INTER_LINEAR, CVS_BORDER_CONSTANT, 1),
                     CVS_OK);
    ck_assert_int_eq(dst.width, 12);
    ck_assert_int_eq(dst.height, 6);
    ck_assert_int_eq(*px(&dst, 0, 0), *px(&src, 3, 2));
    ck_assert_int_eq(*px(&dst, 11, 5), *px(&src, 14, 7));
    /* forward, affine: dst(x + 3, y + 2) = src(x, y); zeros beyond src. */
    ck_assert_int_eq(cvs_warp(&src, &dst, shift, 0, 20, 10, CVS_INTER_NEAREST, CVS_BORDER_CONSTANT, 0),
                     CVS_OK);
    ck_assert_int_eq(*px(&dst, 3, 2), *px(&src, 0, 0));
    ck_assert_int_eq(*px(&dst, 0, 0), 0);
    const double bad_m[9] = {1, 0, NAN, 0, 1, 0, 0, 0, 1};
    ck_assert_int_eq(cvs_warp(&src, &dst, bad_m, 1, 5, 5, CVS_INTER_LINEAR, 0, 1), CVS_EINVAL);
    ck_assert_int_eq(cvs_warp(&src, &dst, NULL, 1, 5, 5, CVS_INTER_LINEAR, 0, 1), CVS_EINVAL);
    ck_assert_int_eq(cvs_warp(&src, &dst, shift, 1, 5, 5, CVS_INTER_AREA, 0, 1), CVS_EINVAL);
    ck_assert_int_eq(cvs_warp(&src, &dst, shift, 1, 5, 5, CVS_INTER_LINEAR, CVS_BORDER_COUNT, 1),
                     CVS_EINVAL);
    ck_assert_int_eq(cvs_warp(&src, &dst, shift, 1, 0, 5, CVS_INTER_LINEAR, 0, 1), CVS_EINVAL);
    ck_assert_int_eq(cvs_warp(&src, &dst, shift, 1, 70000, 5, CVS_INTER_LINEAR, 0, 1), CVS_EINVAL);
    ck_assert_int_eq(cvs_warp(&src, &src, shift, 1, 20, 10, CVS_INTER_LINEAR, 0, 1), CVS_EINVAL);
    cvs_image_free(&src);
    cvs_image_free(&dst);
}
END_TEST

/* Fills a result with garbage the shim must overwrite with zeroes. */
#define DIRTY(r) memset(&(r), 0xA5, sizeof(r))
#define ZEROED(r) ck_assert_msg(all_zero(&(r), sizeof(r)), "%s not zeroed", #r)

START_TEST(detector_results_zeroed_on_failure) {
    cvs_image src = img_checker(64, 64, 8), color = img_fill(16, 16, 3, 0);
    cvs_keypoints kp;
    cvs_lines lines;
    cvs_circles circles;
    cvs_contours cs;
    /* Argument errors, each found before or after the old zeroing point. */
    DIRTY(kp);
    ck_assert_int_eq(cvs_orb(&src, NULL, &kp), CVS_EINVAL);
    ZEROED(kp);
    DIRTY(kp);
    ck_assert_int_eq(cvs_fast(&src, 10, 1, CVS_FAST_COUNT, &kp), CVS_EINVAL);
    ZEROED(kp);
    DIRTY(kp);
    ck_assert_int_eq(cvs_sift(&src, NULL, &kp), CVS_EINVAL);
    ZEROED(kp);
    DIRTY(kp);
    ck_assert_int_eq(cvs_akaze(NULL, 0.001, 1, &kp), CVS_EINVAL);
    ZEROED(kp);
    DIRTY(kp);
    ck_assert_int_eq(cvs_brisk(NULL, 30, 3, 1, &kp), CVS_EINVAL);
    ZEROED(kp);
    DIRTY(kp);
    ck_assert_int_eq(cvs_gftt(&src, NULL, &kp), CVS_EINVAL);
    ZEROED(kp);
    DIRTY(kp);
    ck_assert_int_eq(cvs_harris(NULL, 2, 3, 0.04, 0.01, &kp), CVS_EINVAL);
    ZEROED(kp);
    DIRTY(kp);
    ck_assert_int_eq(cvs_blobs(&src, NULL, &kp), CVS_EINVAL);
    ZEROED(kp);
    DIRTY(lines);
    ck_assert_int_eq(cvs_hough_lines(NULL, 1, 1, 10, 5, 2, &lines), CVS_EINVAL);
    ZEROED(lines);
    DIRTY(circles);
    ck_assert_int_eq(cvs_hough_circles(&src, NULL, &circles), CVS_EINVAL);
    ZEROED(circles);
    DIRTY(cs);
    ck_assert_int_eq(cvs_find_contours(&src, CVS_RETR_COUNT, CVS_CHAIN_SIMPLE, 0, &cs),
                     CVS_EINVAL);
    ZEROED(cs);
    DIRTY(cs);
    ck_assert_int_eq(cvs_find_contours(&color, CVS_RETR_LIST, CVS_CHAIN_SIMPLE, 0, &cs),
                     CVS_EINVAL);
    ZEROED(cs);
    /* OpenCV's own refusals. */
    DIRTY(kp);
    ck_assert_int_eq(cvs_harris(&src, 2, 4, 0.04, 0.01, &kp), CVS_ECV); /* even ksize */
    ZEROED(kp);
    DIRTY(lines);
    ck_assert_int_eq(cvs_hough_lines(&src, 0, 1, 10, 5, 2, &lines), CVS_ECV); /* rho 0 */
    ZEROED(lines);
    /* A null result is refused, not written. */
    ck_assert_int_eq(cvs_fast(&src, 10, 1, CVS_FAST_9_16, NULL), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "null keypoint list");
    cvs_image_free(&src);
    cvs_image_free(&color);
}
END_TEST

START_TEST(results_free_and_zero) {
    cvs_image src = img_square(64, 64, 16, 16, 48, 48);
    cvs_contours cs = {0};
    ck_assert_int_eq(cvs_find_contours(&src, CVS_RETR_EXTERNAL, CVS_CHAIN_SIMPLE, 0, &cs),
                     CVS_OK);
    ck_assert_uint_eq(cs.count, 1);
    ck_assert_uint_eq(cs.npoints, 4);
    cvs_contours_free(&cs);
    ZEROED(cs);
    cvs_image checker = img_checker(160, 160, 20);
    cvs_keypoints kp = {0};
    cvs_orb_params p;
    cvs_orb_params_init(&p);
    p.descriptors = 1;
    ck_assert_int_eq(cvs_orb(&checker, &p, &kp), CVS_OK);
    cvs_image_free(&checker);
    ck_assert_uint_gt(kp.count, 0);
    ck_assert_ptr_nonnull(kp.descriptors);
    cvs_keypoints_free(&kp);
    ZEROED(kp);
    /* NULL and zeroed results are allowed. */
    cvs_keypoints_free(NULL);
    cvs_lines_free(NULL);
    cvs_circles_free(NULL);
    cvs_contours_free(NULL);
    cvs_lines lines = {0};
    cvs_lines_free(&lines);
    cvs_circles circles = {0};
    cvs_circles_free(&circles);
    cvs_image_free(&src);
}
END_TEST

static void *fails_on_its_thread(void *arg) {
    char *seen = arg;
    /* This thread's error starts empty whatever another thread did. */
    snprintf(seen, 256, "%s|", cvs_last_error());
    cvs_status st = cvs_set_num_threads(-1);
    size_t n = strlen(seen);
    snprintf(seen + n, 256 - n, "%d|%s", (int)st, cvs_last_error());
    return NULL;
}

START_TEST(last_error_per_thread_cleared_on_success) {
    ck_assert_int_eq(cvs_grayscale(NULL, NULL), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "null image");
    char seen[256] = "";
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, fails_on_its_thread, seen), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_str_eq(seen, "|1|negative thread count");
    ck_assert_str_eq(cvs_last_error(), "null image");
    /* Every entry point clears it on success: allocation, filter, detector, drawing. */
    cvs_image img = {0};
    ck_assert_int_eq(cvs_image_alloc(&img, 32, 32, 3), CVS_OK);
    ck_assert_str_eq(cvs_last_error(), "");
    memset(img.data, 0, img.capacity);
    ck_assert_int_eq(cvs_image_alloc(&img, 0, 1, 1), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "invalid image size 0x1x1");
    cvs_keypoints kp = {0};
    ck_assert_int_eq(cvs_fast(&img, 10, 1, CVS_FAST_9_16, &kp), CVS_OK);
    ck_assert_str_eq(cvs_last_error(), "");
    ck_assert_int_eq(cvs_set_num_threads(-1), CVS_EINVAL);
    cvs_style st = {0, 0, 255, 1};
    cvs_line l = {0, 0, 31, 0};
    ck_assert_int_eq(cvs_draw_lines(&img, &l, 1, &st), CVS_OK);
    ck_assert_str_eq(cvs_last_error(), "");
    cvs_keypoints_free(&kp);
    cvs_image_free(&img);
}
END_TEST

START_TEST(drawing_needs_three_channels) {
    cvs_image gray = img_fill(16, 16, 1, 0), bgra = img_fill(16, 16, 4, 0), bgr = {0};
    cvs_style st = {255, 0, 0, 1};
    cvs_line l = {0, 8, 15, 8};
    cvs_circle c = {8, 8, 4};
    cvs_keypoint k = {8, 8, 6, -1, 1, 0, -1};
    cvs_point pts[4] = {{2, 2}, {12, 2}, {12, 12}, {2, 12}};
    cvs_contour one = {100, 40, 2, 2, 11, 11, -1, 0, 4};
    cvs_contours cs = {&one, 1, pts, 4};
    const cvs_image *refused[] = {&gray, &bgra};
    for (int i = 0; i < 2; i++) {
        cvs_image *im = (cvs_image *)refused[i];
        ck_assert_int_eq(cvs_draw_lines(im, &l, 1, &st), CVS_EINVAL);
        ck_assert_str_eq(cvs_last_error(), "drawing needs a 3-channel image");
        ck_assert_int_eq(cvs_draw_circles(im, &c, 1, &st), CVS_EINVAL);
        ck_assert_int_eq(cvs_draw_keypoints(im, &k, 1, &st), CVS_EINVAL);
        ck_assert_int_eq(cvs_draw_contours(im, &cs, &st), CVS_EINVAL);
        ck_assert_str_eq(cvs_last_error(), "drawing needs a 3-channel image");
        ck_assert(all_zero(im->data, im->stride * 16));
    }
    /* cvs_to_bgr gives what drawing needs; the line is drawn in (b, g, r). */
    ck_assert_int_eq(cvs_to_bgr(&gray, &bgr), CVS_OK);
    ck_assert_int_eq(bgr.channels, 3);
    ck_assert_int_eq(cvs_draw_lines(&bgr, &l, 1, &st), CVS_OK);
    const uint8_t blue[3] = {255, 0, 0};
    ck_assert_mem_eq(px(&bgr, 5, 8), blue, 3);
    ck_assert(all_zero(px(&bgr, 0, 7), 48));
    /* Thickness outside 1..255 is refused. */
    cvs_style thick = {255, 0, 0, 0};
    ck_assert_int_eq(cvs_draw_lines(&bgr, &l, 1, &thick), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "invalid thickness");
    cvs_image_free(&gray);
    cvs_image_free(&bgra);
    cvs_image_free(&bgr);
}
END_TEST

START_TEST(draw_contours_range_does_not_wrap) {
    cvs_image img = img_fill(16, 16, 3, 0);
    cvs_style st = {0, 255, 0, 1};
    cvs_point pts[4] = {{2, 2}, {12, 2}, {12, 12}, {2, 12}};
    /* first + npoints wraps to 1 in size_t: points[SIZE_MAX] before the fix. */
    cvs_contour bad[2] = {{100, 40, 2, 2, 11, 11, -1, 0, 4}, {0, 0, 0, 0, 0, 0, -1, SIZE_MAX, 2}};
    cvs_contours cs = {bad, 2, pts, 4};
    ck_assert_int_eq(cvs_draw_contours(&img, &cs, &st), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "contour points out of range");
    bad[1].first = 3;
    bad[1].npoints = SIZE_MAX;
    ck_assert_int_eq(cvs_draw_contours(&img, &cs, &st), CVS_EINVAL);
    /* cs points at bad[]: every value set here is read by the call after it. */
    // cppcheck-suppress redundantAssignment
    bad[1].first = 2;
    // cppcheck-suppress redundantAssignment
    bad[1].npoints = 3;
    ck_assert_int_eq(cvs_draw_contours(&img, &cs, &st), CVS_EINVAL);
    /* Nothing was drawn: the check comes before drawing. */
    ck_assert(all_zero(img.data, img.stride * 16));
    cvs_contours null_points = {bad, 1, NULL, 4};
    ck_assert_int_eq(cvs_draw_contours(&img, &null_points, &st), CVS_EINVAL);
    /* The last point may end exactly at npoints. */
    // cppcheck-suppress unreadVariable ; read through cs by the call below
    bad[1].first = 2;
    // cppcheck-suppress unreadVariable ; read through cs by the call below
    bad[1].npoints = 2;
    ck_assert_int_eq(cvs_draw_contours(&img, &cs, &st), CVS_OK);
    const uint8_t green[3] = {0, 255, 0};
    ck_assert_mem_eq(px(&img, 7, 2), green, 3);
    ck_assert_mem_eq(px(&img, 12, 7), green, 3);
    ck_assert(all_zero(px(&img, 7, 7), 3));
    cvs_image_free(&img);
}
END_TEST

START_TEST(allocation_limit_is_named) {
    cvs_image img = {0};
    /* Over the limit: EINVAL, the size and the limit in the message, nothing allocated. */
    ck_assert_int_eq(cvs_image_alloc(&img, 65536, 262145, 1), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "image of 65536x262145x1 is over the 17179869184-byte limit");
    ck_assert(all_zero(&img, sizeof img));
    ck_assert_int_eq(cvs_image_alloc(&img, 1 << 30, 1 << 30, 3), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(),
                     "image of 1073741824x1073741824x3 is over the 17179869184-byte limit");
    ck_assert_int_eq(cvs_image_alloc(&img, 5, -1, 3), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "invalid image size 5x-1x3");
    ck_assert_int_eq(cvs_image_alloc(NULL, 5, 5, 3), CVS_EINVAL);
    ck_assert(all_zero(&img, sizeof img));
    /* A filter whose output is over the limit says so too (not "out of memory"). */
    cvs_image src = img_fill(8, 8, 1, 0), dst = {0};
    ck_assert_int_eq(cvs_resize(&src, &dst, 70000, 10, 0, CVS_INTER_NEAREST), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "resize: the result would be 70000x10, over the limit of "
                                       "268435456 pixels or 65535 a side");
    cvs_image_free(&src);
}
END_TEST

/* The child of malloc_fails_is_enomem: 0 when every check holds. */
static int enomem_child(void) {
    cvs_image img = {0};
    if (cvs_image_alloc(&img, 8, 8, 1) != CVS_OK) return 2;
    cvs_image before = img;
    /* Address space for what is mapped now plus 64 MiB: a 1 GiB malloc fails. */
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!f || fscanf(f, "%lu", &pages) != 1) return 3;
    fclose(f);
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)64 << 20);
    if (setrlimit(RLIMIT_AS, &rl) != 0) return 4;
    /* User-mode emulation (qemu-user, running another architecture's
       build) accepts RLIMIT_AS but does not enforce it. */
    void *probe = malloc((size_t)1 << 30);
    if (probe) {
        free(probe);
        return 7;
    }
    cvs_status st = cvs_image_alloc(&img, 32768, 32768, 1);
    const char *want = "out of memory allocating 1073741824 bytes for an image of 32768x32768x1";
    if (st != CVS_ENOMEM || strcmp(cvs_last_error(), want) != 0) {
        fprintf(stderr, "status %d, \"%s\"; want %d, \"%s\"\n", (int)st, cvs_last_error(),
                (int)CVS_ENOMEM, want);
        return 5;
    }
    /* img is unchanged: its old buffer is still there. */
    if (memcmp(&img, &before, sizeof img) != 0) return 6;
    cvs_image_free(&img);
    return 0;
}

START_TEST(malloc_fails_is_enomem) {
    /* The address-space limit stays in a child of its own. */
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) _exit(enomem_child());
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "child ended by signal %d", WTERMSIG(status));
    if (WEXITSTATUS(status) == 7) {
        test_skip("test_shim", "malloc_fails_is_enomem",
                  "RLIMIT_AS is not enforced here (user-mode emulation?): a 1 GiB malloc succeeded under it");
        return;
    }
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(choice_counts_bound_choices) {
    cvs_image src = img_noise(16, 16, 1, 8), dst = {0};
    cvs_keypoints kp = {0};
    cvs_contours cs = {0};
    /* The count and -1 are refused with the range; count - 1 runs. */
    ck_assert_int_eq(cvs_resize(&src, &dst, 8, 8, 0, CVS_INTER_COUNT), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "invalid interpolation 5 (0..4)");
    ck_assert_int_eq(cvs_resize(&src, &dst, 8, 8, 0, -1), CVS_EINVAL);
    ck_assert_int_eq(cvs_resize(&src, &dst, 8, 8, 0, CVS_INTER_COUNT - 1), CVS_OK);
    ck_assert_int_eq(cvs_flip(&src, &dst, CVS_FLIP_COUNT), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "invalid flip axis 3 (0..2)");
    ck_assert_int_eq(cvs_flip(&src, &dst, CVS_FLIP_COUNT - 1), CVS_OK);
    ck_assert_int_eq(cvs_rotate(&src, &dst, 4), CVS_EINVAL);
    ck_assert_int_eq(cvs_rotate(&src, &dst, 0), CVS_EINVAL);
    ck_assert_int_eq(cvs_rotate(&src, &dst, 3), CVS_OK);
    ck_assert_int_eq(cvs_threshold(&src, &dst, 9, 255, CVS_THRESH_COUNT), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "invalid threshold type 7 (0..6)");
    ck_assert_int_eq(cvs_threshold(&src, &dst, 9, 255, CVS_THRESH_COUNT - 1), CVS_OK);
    ck_assert_int_eq(cvs_adaptive_threshold(&src, &dst, 255, CVS_ADAPTIVE_COUNT, 3, 0, 0),
                     CVS_EINVAL);
    ck_assert_int_eq(cvs_adaptive_threshold(&src, &dst, 255, CVS_ADAPTIVE_COUNT - 1, 3, 0, 0),
                     CVS_OK);
    ck_assert_int_eq(cvs_morphology(&src, &dst, CVS_MORPH_COUNT, 3, CVS_SHAPE_RECT, 1),
                     CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "invalid morphology op 7 (0..6)");
    ck_assert_int_eq(cvs_morphology(&src, &dst, CVS_MORPH_ERODE, 3, CVS_SHAPE_COUNT, 1),
                     CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "invalid kernel shape 3 (0..2)");
    ck_assert_int_eq(
        cvs_morphology(&src, &dst, CVS_MORPH_COUNT - 1, 3, CVS_SHAPE_COUNT - 1, 1), CVS_OK);
    ck_assert_int_eq(cvs_fast(&src, 10, 1, CVS_FAST_COUNT, &kp), CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "invalid FAST type 3 (0..2)");
    ck_assert_int_eq(cvs_fast(&src, 10, 1, CVS_FAST_COUNT - 1, &kp), CVS_OK);
    cvs_keypoints_free(&kp);
    ck_assert_int_eq(cvs_find_contours(&src, CVS_RETR_COUNT, CVS_CHAIN_NONE, 0, &cs),
                     CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "invalid contour mode 4 (0..3)");
    ck_assert_int_eq(cvs_find_contours(&src, CVS_RETR_LIST, CVS_CHAIN_COUNT, 0, &cs),
                     CVS_EINVAL);
    ck_assert_str_eq(cvs_last_error(), "invalid contour method 2 (0..1)");
    ck_assert_int_eq(
        cvs_find_contours(&src, CVS_RETR_COUNT - 1, CVS_CHAIN_COUNT - 1, 0, &cs), CVS_OK);
    cvs_contours_free(&cs);
    cvs_image_free(&src);
    cvs_image_free(&dst);
}
END_TEST

int main(void) {
    Suite *s = suite_create("shim");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, version_and_threads);
    tcase_add_test(tc, library_version);
    tcase_add_test(tc, params_init_defaults);
    tcase_add_test(tc, params_size_rules);
    tcase_add_test(tc, limits_defaults_and_setter);
    tcase_add_test(tc, grayscale_weights);
    tcase_add_test(tc, gaussian_constant_and_impulse);
    tcase_add_test(tc, canny_square_border);
    tcase_add_test(tc, orb_checkerboard_corners);
    tcase_add_test(tc, channel_conversions);
    tcase_add_test(tc, errors_are_statuses);
    tcase_add_test(tc, buffers_are_reused);
    suite_add_tcase(s, tc);
    TCase *rules = tcase_create("rules");
    tcase_add_test(rules, src_is_borrowed);
    tcase_add_test(rules, borrowed_dst_is_refused);
    tcase_add_test(rules, dst_must_not_alias_src);
    tcase_add_test(rules, match_template_arguments);
    tcase_add_test(rules, match_and_fit_model);
    tcase_add_test(rules, warp_shifts_and_refuses);
    tcase_add_test(rules, detector_results_zeroed_on_failure);
    tcase_add_test(rules, results_free_and_zero);
    tcase_add_test(rules, last_error_per_thread_cleared_on_success);
    tcase_add_test(rules, drawing_needs_three_channels);
    tcase_add_test(rules, draw_contours_range_does_not_wrap);
    tcase_add_test(rules, allocation_limit_is_named);
    tcase_add_test(rules, malloc_fails_is_enomem);
    tcase_add_test(rules, choice_counts_bound_choices);
    suite_add_tcase(s, rules);
    return run_suite(s);
}
