/* SPDX-License-Identifier: MIT */
/* findings.h - what the detectors of one pipeline run found, and its JSON. */
#ifndef CVAPP_FINDINGS_H
#define CVAPP_FINDINGS_H

#include <stddef.h>

#include "../shim/cvshim.h"
#include "util.h"

/* Format number of the features JSON ("format" at its top), bumped only
 * when a key changes meaning. */
#define FEATURES_FORMAT 1

/* Default of --max-features: items kept per detector step. */
#define DEFAULT_MAX_FEATURES 100000

/* What a match step found besides the image's keypoints (docs/features-json.md). */
typedef struct match_result {
    const char *ref;       /* the reference's path (the pipeline's text: outlives this) */
    int ref_width, ref_height;
    size_t ref_keypoints;  /* the reference's keypoints with descriptors */
    const char *model_name; /* "homography", "affine" or "similarity" (static) */
    cvs_matches matches;   /* owned; query = index in the set's kp, train = the reference's */
    cvs_model model;
    int found;             /* the model holds min_inliers inliers and a convex outline */
    int has_corners;       /* corners are set (a valid model) */
    double corners[8];     /* the reference's corners (0,0) (w,0) (w,h) (0,h) mapped into
                              the image by the model */
} match_result;

/* What one detector step found: keypoints, or lines, circles, contours or
 * boxes
 * (a detector fills the arrays it makes and leaves the others empty). */
typedef struct feature_set {
    const char *detector; /* op name, static storage */
    cvs_keypoints kp;     /* owned; freed by findings_clear */
    cvs_lines lines;      /* owned */
    cvs_circles circles;  /* owned */
    cvs_contours contours; /* owned */
    cvs_boxes boxes;      /* owned */
    match_result *match;  /* owned (malloc'd), a match step's only */
    size_t found;         /* items the detector found, before --max-features */
} feature_set;

/* Items the set holds: keypoints + lines + circles + contours + boxes. */
size_t feature_set_count(const feature_set *s);
/* Frees the set's arrays and zeroes them. */
void feature_set_free(feature_set *s);

typedef struct findings {
    feature_set *sets;
    size_t nsets, cap;
    size_t max_items; /* per set (--max-features); 0 = no limit */
} findings;

/* Appends a set: takes ownership of the arrays in *s (which is zeroed) and
 * names it `detector`.  A set over max_items is cut to it: the keypoints
 * with the strongest response (ties: the first), in their order; the first
 * lines, circles, contours (a contour whose parent was cut gets -1) and
 * boxes (the best, as a template step lists them); a match step's matches
 * whose keypoint was cut are dropped, the others renumbered, then the
 * first max of them kept.
 * Returns 0 or -1 (no memory, in which case the arrays are freed). */
int findings_add(findings *f, const char *detector, feature_set *s);

/* The same for a set of keypoints only. */
int findings_add_keypoints(findings *f, const char *detector, cvs_keypoints *kp);

/* Total keypoints over all detectors. */
size_t findings_keypoint_count(const findings *f);

/* Frees everything found, keeping the set array for reuse. */
void findings_clear(findings *f);
void findings_free(findings *f);

/* 1 when a set was cut by max_items. */
int findings_truncated(const findings *f);

/* Writes {"detector": items kept, ...} summed over the steps of each
 * detector, in the order they first appear. */
void findings_write_counts(const findings *f, jw *w);

/* Writes the features JSON of one image as a stream (memory does not grow
 * with the number of items).  input is written losslessly (jw_path). */
void findings_write_json(const findings *f, jw *w, const char *input, int width, int height,
                         int channels);

/* The same as a malloc'd NUL-terminated string (NULL when out of memory). */
char *findings_to_json(const findings *f, const char *input, int width, int height,
                       int channels);

#endif
