/* SPDX-License-Identifier: MIT */
/* exif.h - the EXIF orientation reader (app/exif.c).
 *
 * It reads the orientation tag the way OpenCV 4's ExifReader does, so that
 * the same files turn the same way as under cv::imread.  It is the code
 * most exposed to hostile bytes: every offset is bounds-checked, malformed
 * data is never an error (it means "no orientation"), and it has a fuzz
 * harness of its own (tests/fuzz/fuzz_exif.c). */
#ifndef CVAPP_EXIF_H
#define CVAPP_EXIF_H

#include <stddef.h>
#include <stdint.h>

/* The orientation (1..8) of a TIFF-structured EXIF block (what follows
 * "Exif\0\0" in a JPEG's APP1, a PNG's eXIf chunk body); 1 when there is
 * no usable tag. */
int exif_orientation(const uint8_t *tiff, size_t len);

/* The orientation of a JPEG file: its first APP1 segment before the first
 * scan, found the way libjpeg walks markers; 1 without one. */
int exif_jpeg_orientation(const uint8_t *jpeg, size_t len);

/* The orientation of the first eXIf chunk of a PNG file at or after byte
 * `pos` (a chunk's start) up to IEND that libpng would keep (2 bytes or
 * more, a byte order libpng accepts, its CRC right); 1 without one. */
int exif_png_orientation_from(const uint8_t *png, size_t len, size_t pos);

/* Makes a TIFF-structured EXIF block fit to carry into an output: the
 * orientation tag set to 1 (cvapp turned the pixels) unless
 * keep_orientation (--ignore-orientation), no thumbnail (the link to IFD1
 * cut; thumbnail bytes at the block's end cut off, *n shortened).  -1 when
 * the block has no whole IFD0 after its header (then it is not carried).
 * A cleaned block cleans to itself. */
int exif_clean(uint8_t *tiff, size_t *n, int keep_orientation);

#endif
