/*
 * cvshim.h - the C interface to the OpenCV functions cvapp uses.
 *
 * This header is plain C: no OpenCV type, no C++ construct crosses it.
 * Every function is exported with the prefix `cvs_` and returns a
 * cvs_status.  On failure (anything but CVS_OK) the reason is kept in
 * per-thread storage and read with cvs_last_error().  No function throws,
 * aborts or prints: the implementation catches cv::Exception,
 * std::exception and everything else at every entry point.
 *
 * Ownership rules (they hold for every function below):
 *  - `const cvs_image *src` arguments are borrowed: the shim reads the
 *    pixels during the call only, wraps them without copying, and never
 *    frees or keeps them.
 *  - `cvs_image *dst` arguments are owned by the caller but their pixel
 *    buffer is managed by the shim: pass a zeroed cvs_image the first time;
 *    the shim (re)allocates dst->data with malloc when dst->capacity is too
 *    small, and reuses it otherwise.  Release it with cvs_image_free().
 *    dst must not alias src.
 *  - Detector results go into a caller-owned, zeroed cvs_keypoints whose
 *    arrays the shim allocates with malloc; release them with
 *    cvs_keypoints_free().  On failure the result is left zeroed.
 *  - Strings returned (cvs_last_error, cvs_opencv_version) are owned by the
 *    shim; cvs_last_error's string stays valid until the next shim call on
 *    the same thread.
 */
#ifndef CVSHIM_H
#define CVSHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cvs_status {
    CVS_OK = 0,
    CVS_EINVAL = 1,    /* an argument the shim itself rejects */
    CVS_ECV = 2,       /* OpenCV raised cv::Exception */
    CVS_ENOMEM = 3,    /* allocation failed */
    CVS_EINTERNAL = 4  /* any other exception */
} cvs_status;

/* An 8-bit image: channels is 1 (gray) or 3 (BGR, OpenCV's order).
 * Row y starts at data + y * stride; stride >= width * channels. */
typedef struct cvs_image {
    int width;
    int height;
    int channels;
    size_t stride;
    uint8_t *data;
    size_t capacity; /* bytes allocated at data; 0 for borrowed views */
} cvs_image;

typedef struct cvs_keypoint {
    float x, y;       /* position, pixels, origin top-left */
    float size;       /* diameter of the meaningful neighbourhood */
    float angle;      /* degrees [0,360), -1 when not applicable */
    float response;
    int octave;
    int class_id;
} cvs_keypoint;

/* Keypoints, optionally with descriptors: row i of `descriptors`
 * (desc_len bytes, or desc_len floats when desc_type is CVS_DESC_F32)
 * belongs to items[i]. */
enum { CVS_DESC_NONE = 0, CVS_DESC_U8 = 1, CVS_DESC_F32 = 2 };
typedef struct cvs_keypoints {
    cvs_keypoint *items;
    size_t count;
    int desc_type;
    int desc_len;        /* elements per descriptor row */
    void *descriptors;   /* count * desc_len elements, or NULL */
} cvs_keypoints;

/* Releases the arrays of `kp` and zeroes it; NULL is allowed. */
void cvs_keypoints_free(cvs_keypoints *kp);

/* Releases dst->data (when the shim allocated it) and zeroes *img. */
void cvs_image_free(cvs_image *img);

/* Makes sure img holds a width x height x channels buffer (tightly
 * packed, stride = width*channels); reuses the buffer when it is big
 * enough.  The caller may use this to prepare buffers itself. */
cvs_status cvs_image_alloc(cvs_image *img, int width, int height, int channels);

/* The message of the last failure on this thread ("" if none). */
const char *cvs_last_error(void);

/* OpenCV's version string, e.g. "4.6.0". */
const char *cvs_opencv_version(void);

/* Sets OpenCV's worker thread count (0 = OpenCV's default, 1 = serial). */
cvs_status cvs_set_num_threads(int n);
int cvs_get_num_threads(void);

/* ---- filters: read src, write dst ---------------------------------- */

/* cv::cvtColor BGR->GRAY; a gray src is copied unchanged. */
cvs_status cvs_grayscale(const cvs_image *src, cvs_image *dst);

/* cv::GaussianBlur(src, dst, Size(ksize,ksize), sigma, sigma_y). */
cvs_status cvs_gaussian(const cvs_image *src, cvs_image *dst,
                        int ksize, double sigma, double sigma_y);

/* cv::Canny(src, dst, low, high, aperture, l2). */
cvs_status cvs_canny(const cvs_image *src, cvs_image *dst,
                     double low, double high, int aperture, int l2);

/* ---- detectors: read src, append to out ---------------------------- */

typedef struct cvs_orb_params {
    int nfeatures;
    double scale_factor;
    int nlevels;
    int edge_threshold;
    int first_level;
    int wta_k;
    int score_type;      /* 0 = Harris, 1 = FAST */
    int patch_size;
    int fast_threshold;
    int descriptors;     /* non-zero: compute descriptors too */
} cvs_orb_params;

/* cv::ORB::create(...)->detect / detectAndCompute.  `out` must be
 * zeroed (or freed with cvs_keypoints_free); the shim fills it. */
cvs_status cvs_orb(const cvs_image *src, const cvs_orb_params *p,
                   cvs_keypoints *out);

#ifdef __cplusplus
}
#endif
#endif
