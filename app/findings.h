/* findings.h - what the detectors of one pipeline run found, and its JSON. */
#ifndef CVAPP_FINDINGS_H
#define CVAPP_FINDINGS_H

#include <jansson.h>
#include <stddef.h>

#include "../shim/cvshim.h"

/* What one detector step found: keypoints, or lines, circles or contours
 * (a detector fills the arrays it makes and leaves the others empty). */
typedef struct feature_set {
    const char *detector; /* op name, static storage */
    cvs_keypoints kp;     /* owned; freed by findings_clear */
    cvs_lines lines;      /* owned */
    cvs_circles circles;  /* owned */
    cvs_contours contours; /* owned */
} feature_set;

/* Items the set holds: keypoints + lines + circles + contours. */
size_t feature_set_count(const feature_set *s);
/* Frees the set's arrays and zeroes them. */
void feature_set_free(feature_set *s);

typedef struct findings {
    feature_set *sets;
    size_t nsets, cap;
} findings;

/* Appends a set: takes ownership of the arrays in *s (which is zeroed) and
 * names it `detector`.  Returns 0 or -1 (no memory, in which case the
 * arrays are freed). */
int findings_add(findings *f, const char *detector, feature_set *s);

/* The same for a set of keypoints only. */
int findings_add_keypoints(findings *f, const char *detector, cvs_keypoints *kp);

/* Total keypoints over all detectors. */
size_t findings_keypoint_count(const findings *f);

/* Frees everything found, keeping the set array for reuse. */
void findings_clear(findings *f);
void findings_free(findings *f);

/* {"detector": items found, ...} summed over the steps of each detector
 * (a new reference; NULL when out of memory). */
json_t *findings_counts(const findings *f);

/* The features JSON of one image, as a malloc'd NUL-terminated string
 * (NULL when out of memory). */
char *findings_to_json(const findings *f, const char *input, int width, int height,
                       int channels);

#endif
