/* SPDX-License-Identifier: MIT */
/*
 * consumer.c - a complete program using libcvshim as an installed library
 * (docs/cvshim.md's example; tests/consumer_test.sh builds it outside the
 * tree with pkg-config and with CMake's find_package(cvshim)).
 *
 *   consumer IN.pnm OUT.pnm > keypoints.txt
 *
 * Reads a binary PGM (P5, gray) or PPM (P6, three channels, taken in the
 * file's byte order, which cvshim calls BGR): cvshim has no image codec.
 * Runs cvs_gaussian (5x5, sigma 1.5), then cvs_filter2d (the sharpening
 * kernel 0 -1 0; -1 5 -1; 0 -1 0, since 0.2.0) on its result into OUT.pnm
 * (same type), and cvs_orb
 * (OpenCV's defaults, with descriptors) on the input, and prints one line
 * per keypoint: "x y size angle response octave" (%.9g: float32 exactly),
 * then "descriptors ROWS LEN" and each descriptor row in hex.
 * Exit status: 0 ok, 1 an input, output or cvshim failure (one line on
 * stderr naming it), 2 usage.
 */
#include <cvshim/cvshim.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a P5/P6 file with maxval 255 into a new tightly packed image. */
static int read_pnm(const char *path, cvs_image *img) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    char magic[3] = {0};
    int w = 0, h = 0, maxval = 0;
    if (fscanf(f, "%2s %d %d %d", magic, &w, &h, &maxval) != 4 || fgetc(f) == EOF ||
        (strcmp(magic, "P5") != 0 && strcmp(magic, "P6") != 0) || maxval != 255) {
        fprintf(stderr, "%s: not a binary 8-bit PGM/PPM\n", path);
        fclose(f);
        return -1;
    }
    int channels = magic[1] == '5' ? 1 : 3;
    if (cvs_image_alloc(img, w, h, channels) != CVS_OK) {
        fprintf(stderr, "%s: %s\n", path, cvs_last_error());
        fclose(f);
        return -1;
    }
    size_t n = img->stride * (size_t)h;
    if (fread(img->data, 1, n, f) != n) {
        fprintf(stderr, "%s: truncated pixels\n", path);
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

static int write_pnm(const char *path, const cvs_image *img) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return -1;
    }
    fprintf(f, "P%c\n%d %d\n255\n", img->channels == 1 ? '5' : '6', img->width, img->height);
    for (int y = 0; y < img->height; y++)
        fwrite(img->data + (size_t)y * img->stride, 1, (size_t)img->width * img->channels, f);
    if (fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: consumer IN.pnm OUT.pnm\n");
        return 2;
    }
    /* The header this program was built with against the library it runs with. */
    if (cvs_version() / 10000 != CVS_VERSION_MAJOR) {
        fprintf(stderr, "libcvshim %s is not major version %d\n", cvs_version_string(),
                CVS_VERSION_MAJOR);
        return 1;
    }
    fprintf(stderr, "libcvshim %s, OpenCV %s\n", cvs_version_string(), cvs_opencv_version());

    int rc = 1;
    cvs_image src = {0}, blurred = {0}, sharpened = {0};
    cvs_keypoints kp = {0};
    if (read_pnm(argv[1], &src) != 0)
        goto done;

    if (cvs_gaussian(&src, &blurred, 5, 1.5, 0) != CVS_OK) {
        fprintf(stderr, "gaussian: %s\n", cvs_last_error());
        goto done;
    }
    static const double sharpen[9] = {0, -1, 0, -1, 5, -1, 0, -1, 0};
    if (cvs_filter2d(&blurred, &sharpened, sharpen, 3, 3, 1, 0, CVS_BORDER_REFLECT101) != CVS_OK) {
        fprintf(stderr, "filter2d: %s\n", cvs_last_error());
        goto done;
    }
    if (write_pnm(argv[2], &sharpened) != 0)
        goto done;

    cvs_orb_params p;
    cvs_orb_params_init(&p); /* always first: the defaults, and the struct's size */
    p.descriptors = 1;
    if (cvs_orb(&src, &p, &kp) != CVS_OK) {
        fprintf(stderr, "orb: %s\n", cvs_last_error());
        goto done;
    }
    for (size_t i = 0; i < kp.count; i++) {
        const cvs_keypoint *k = &kp.items[i];
        printf("%.9g %.9g %.9g %.9g %.9g %d\n", k->x, k->y, k->size, k->angle, k->response,
               k->octave);
    }
    printf("descriptors %zu %d\n", kp.descriptors ? kp.count : 0, kp.desc_len);
    const unsigned char *d = kp.descriptors;
    for (size_t i = 0; d && kp.desc_type == CVS_DESC_U8 && i < kp.count; i++) {
        for (int j = 0; j < kp.desc_len; j++)
            printf("%02x", d[i * (size_t)kp.desc_len + (size_t)j]);
        printf("\n");
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    cvs_keypoints_free(&kp);
    cvs_image_free(&sharpened);
    cvs_image_free(&blurred);
    cvs_image_free(&src);
    return rc;
}
