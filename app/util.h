/* SPDX-License-Identifier: MIT */
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


/* ------------------------------------------------------------ stopping */

/* Set by the first SIGINT/SIGTERM (to the signal number); read by every
 * worker and by every blocking read or write (a C11 atomic: workers are
 * threads). */
int stop_requested(void);
void stop_request(int sig);

/* ------------------------------------------------------- whole lines */

/* Formats one line (a '\n' is added) and writes it with one write() under a
 * process-wide lock, so lines from workers never interleave.  Returns 0, or
 * -1 with errno (EPIPE: the reader went away). */
int say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a ready line of n bytes (no '\n' added). */
int say_raw(int fd, const void *line, size_t n);

/* ------------------------------------------------- closed readers */

/* The first call in main.  SIGPIPE is ignored (for every thread), so that
 * a pipe or FIFO whose reader went away makes a write fail with EPIPE
 * where the stream is written, whether cvapp was started with SIGPIPE
 * ignored, blocked or default, or as PID 1.  What the stdio stdout holds
 * (--help, --list-ops, --version, help OP) is checked at exit: when it
 * could not be written, one line "cvapp: stdout: REASON" and exit 1
 * (docs/batch.md, "A reader that goes away").  SIGXFSZ is ignored too: past
 * a file size limit a write fails with EFBIG, a message like a full disk. */
void streams_init(void);

/* ---------------------------------------------- JSON written as a stream */

/* A JSON writer: a 64 KiB buffer flushed to fd (or, with fd < 0, kept in
 * mem in full).  Memory does not grow with what is written to an fd.
 * Errors are sticky: jw_end reports the first. */
typedef struct jw {
    int fd;        /* -1: everything stays in mem */
    membuf mem;
    int err;       /* errno of the first failure, or ENOMEM */
    int first;     /* no comma before the next value */
} jw;

void jw_init(jw *w, int fd);
void jw_raw(jw *w, const char *s);
void jw_begin(jw *w, char open);           /* '{' or '[' (with a comma if needed) */
void jw_end_(jw *w, char close);           /* '}' or ']' */
void jw_key(jw *w, const char *key);       /* "key": (with a comma if needed) */
void jw_str(jw *w, const char *s);         /* a string value; invalid UTF-8 -> U+FFFD */
void jw_int(jw *w, long long v);
void jw_real(jw *w, double v, int digits); /* %.Ng; NaN and inf as null */
/* What snprintf(b, cap, "%.*g", digits, v) writes (glibc's digits), without
 * printf for most values; returns the length. */
size_t format_real(char *b, size_t cap, double v, int digits);
void jw_bool(jw *w, int v);
void jw_null(jw *w);
/* "key": "readable", plus "key_bytes": base64 of the exact bytes when s is
 * not valid UTF-8 (paths are bytes; JSON strings are Unicode). */
void jw_path(jw *w, const char *key, const char *s);
/* Flushes; returns 0 or -1 (errno in w->err).  mem stays for the caller. */
int jw_flush(jw *w);
void jw_free(jw *w);

/* 1 when s is valid UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t n);
/* Base64 (RFC 4648, padded) of n bytes: a malloc'd string, NULL if no memory. */
char *base64_encode(const unsigned char *p, size_t n);

/* write(2) of all n bytes, retrying on EINTR and short writes; a pipe,
 * FIFO or terminal that would block is polled so that a stop request ends
 * the wait (errno EINTR).  Returns 0 or -1. */
int write_full(int fd, const void *data, size_t n);

/* 1 when text (n bytes) is one complete JSON value (syntax only; no tree
 * is built, so memory does not grow with the text). */
int json_valid(const char *text, size_t n);

#endif
