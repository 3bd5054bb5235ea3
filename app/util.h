/* util.h - small helpers shared by cvapp's C modules. */
#ifndef CVAPP_UTIL_H
#define CVAPP_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ERRLEN 512

/* Exit codes (documented in the README and --help). */
enum {
    EXIT_OK = 0,
    EXIT_INPUT = 1,     /* at least one input failed */
    EXIT_USAGE = 2,     /* bad option, pipeline or parameter */
    EXIT_SIGINT = 130,
    EXIT_SIGTERM = 143
};

/* snprintf into an ERRLEN buffer; newlines become spaces so every
 * message stays on one line.  Returns -1 so callers can `return seterr(...)`. */
int seterr(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A growable byte buffer, reused across images. */
typedef struct membuf {
    uint8_t *data;
    size_t len;
    size_t cap;
} membuf;

int membuf_reserve(membuf *b, size_t cap);
int membuf_append(membuf *b, const void *p, size_t n);
void membuf_free(membuf *b);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t edit_distance(const char *a, const char *b);

/* Monotonic clock in milliseconds. */
double now_ms(void);

#endif
