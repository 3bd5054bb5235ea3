/* findings.h - what the detectors of one pipeline run found, and its JSON. */
#ifndef CVAPP_FINDINGS_H
#define CVAPP_FINDINGS_H

#include <stddef.h>

#include "../shim/cvshim.h"

/* The keypoints one detector step found. */
typedef struct feature_set {
    const char *detector; /* op name, static storage */
    cvs_keypoints kp;     /* owned; freed by findings_clear */
} feature_set;

typedef struct findings {
    feature_set *sets;
    size_t nsets, cap;
} findings;

/* Takes ownership of *kp (which is zeroed).  Returns 0 or -1 (no memory,
 * in which case *kp is freed). */
int findings_add_keypoints(findings *f, const char *detector, cvs_keypoints *kp);

/* Total keypoints over all detectors. */
size_t findings_keypoint_count(const findings *f);

/* Frees everything found, keeping the set array for reuse. */
void findings_clear(findings *f);
void findings_free(findings *f);

/* The features JSON of one image, as a malloc'd NUL-terminated string
 * (NULL when out of memory). */
char *findings_to_json(const findings *f, const char *input, int width, int height,
                       int channels);

#endif
