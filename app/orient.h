/* SPDX-License-Identifier: MIT */
/* orient.h - turning a decoded image by an EXIF orientation (app/orient.c),
 * as OpenCV's imread turns it: 2 flip left-right, 3 both, 4 top-bottom,
 * 5 transpose, 6 transpose + left-right, 7 transpose + both, 8 transpose +
 * top-bottom.  Orientations 5..8 swap width and height. */
#ifndef CVAPP_ORIENT_H
#define CVAPP_ORIENT_H

#include <stddef.h>
#include <stdint.h>

#include "../shim/cvshim.h"

/* Writes src (w x h, ch channels, rows sstride bytes apart) into dst, turned
 * by orientation o; dst is already sized (h x w for 5..8). */
void orient_copy(const uint8_t *src, int w, int h, size_t sstride, int ch, int o,
                 cvs_image *dst);

/* Turns img in place (through a copy) by orientation o; 1 (or anything
 * outside 2..8) leaves it.  Returns 0, or -1 with a reason in err. */
int orient_image(cvs_image *img, int o, char *err);

#endif
