/* SPDX-License-Identifier: MIT */
/* jpeg_cmyk.c - writes the CMYK and YCCK JPEGs of the conformance set
 * (tests/conformance/make_conformance.py), which cjpeg cannot make: it has
 * no CMYK input and TurboJPEG no per-component sampling factors.
 *
 *   jpeg_cmyk OUT WIDTH HEIGHT cmyk|ycck HxV,HxV,HxV,HxV [progressive]
 *
 * The pixels are a fixed pattern (gradients and a pseudo-random texture),
 * stored inverted as Adobe writes CMYK; the Adobe marker says which. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: jpeg_cmyk OUT WIDTH HEIGHT cmyk|ycck HxV,HxV,HxV,HxV [progressive]\n");
        return 2;
    }
    int w = atoi(argv[2]), h = atoi(argv[3]), ycck = !strcmp(argv[4], "ycck");
    int hs[4], vs[4];
    if (w < 1 || h < 1 ||
        sscanf(argv[5], "%dx%d,%dx%d,%dx%d,%dx%d", &hs[0], &vs[0], &hs[1], &vs[1], &hs[2], &vs[2],
               &hs[3], &vs[3]) != 8) {
        fprintf(stderr, "jpeg_cmyk: bad size or sampling factors\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "wb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    ci.err = jpeg_std_error(&jerr); /* errors exit(): fine for a tool */
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = (JDIMENSION)w;
    ci.image_height = (JDIMENSION)h;
    ci.input_components = 4;
    ci.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&ci);
    jpeg_set_colorspace(&ci, ycck ? JCS_YCCK : JCS_CMYK);
    for (int k = 0; k < 4; k++) {
        ci.comp_info[k].h_samp_factor = hs[k];
        ci.comp_info[k].v_samp_factor = vs[k];
    }
    jpeg_set_quality(&ci, 85, TRUE);
    if (argc > 6 && !strcmp(argv[6], "progressive")) jpeg_simple_progression(&ci);
    jpeg_start_compress(&ci, TRUE);
    unsigned char *row = malloc((size_t)w * 4);
    unsigned seed = 12345;
    while (ci.next_scanline < ci.image_height) {
        int y = (int)ci.next_scanline;
        for (int x = 0; x < w; x++) {
            seed = seed * 1103515245u + 12345u;
            int noise = (int)(seed >> 24) % 40;
            unsigned char *p = row + 4 * x;
            p[0] = (unsigned char)(255 - (x * 255 / (w > 1 ? w - 1 : 1) * 3 / 4 + noise / 2));
            p[1] = (unsigned char)(255 - (y * 255 / (h > 1 ? h - 1 : 1) * 3 / 4 + noise / 2));
            p[2] = (unsigned char)(255 - ((x + y) * 100 / (w + h) + noise));
            p[3] = (unsigned char)(255 - (x < w / 3 ? 40 : 160) - noise / 4);
        }
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    free(row);
    return fclose(f) == 0 ? 0 : 1;
}
