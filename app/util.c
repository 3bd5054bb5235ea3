/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int seterr(char *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, ERRLEN, fmt, ap);
    va_end(ap);
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return -1;
}

int membuf_reserve(membuf *b, size_t cap) {
    if (cap <= b->cap) return 0;
    size_t n = b->cap ? b->cap : 4096;
    while (n < cap) {
        if (n > SIZE_MAX / 2) { n = cap; break; }
        n *= 2;
    }
    uint8_t *p = realloc(b->data, n);
    if (!p) return -1;
    b->data = p;
    b->cap = n;
    return 0;
}

int membuf_append(membuf *b, const void *p, size_t n) {
    if (n > SIZE_MAX - b->len || membuf_reserve(b, b->len + n) != 0) return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void membuf_free(membuf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return (size_t)-1;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------ stopping */

static atomic_int g_stop;

int stop_requested(void) { return atomic_load(&g_stop); }
void stop_request(int sig) {
    int zero = 0;
    atomic_compare_exchange_strong(&g_stop, &zero, sig);
}

int write_full(int fd, const void *data, size_t n) {
    const uint8_t *p = data;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) {
            if (stop_requested()) return -1;
            continue;
        }
        if (k < 0 && errno == EAGAIN) {
            /* Non-blocking pipe or FIFO that is full: wait, but notice a stop. */
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            if (stop_requested()) {
                errno = EINTR;
                return -1;
            }
            poll(&pf, 1, 100);
            continue;
        }
        if (k < 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* ------------------------------------------------------- whole lines */

static pthread_mutex_t g_say_lock = PTHREAD_MUTEX_INITIALIZER;

int say_raw(int fd, const void *line, size_t n) {
    pthread_mutex_lock(&g_say_lock);
    /* A line to a terminal or pipe is written even during a stop. */
    const uint8_t *p = line;
    int rc = 0, e = 0;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && (errno == EINTR || errno == EAGAIN)) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            if (poll(&pf, 1, 1000) == 0 && stop_requested()) break;
            continue;
        }
        if (k < 0) {
            rc = -1;
            e = errno;
            break;
        }
        p += k;
        n -= (size_t)k;
    }
    pthread_mutex_unlock(&g_say_lock);
    if (rc) errno = e;
    return rc;
}

int say(int fd, const char *fmt, ...) {
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    size_t len = (size_t)n < sizeof buf - 1 ? (size_t)n : sizeof buf - 2;
    buf[len++] = '\n';
    return say_raw(fd, buf, len);
}

/* ------------------------------------------------- closed readers */

static void check_stdout(void) {
    errno = 0;
    int failed = fflush(stdout) != 0;
    int e = errno;
    if (!failed && !ferror(stdout)) return;
    say(STDERR_FILENO, "cvapp: stdout: %s", e ? strerror(e) : "write error");
    _exit(EXIT_INPUT);
}

void streams_init(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    /* Past a file size limit (ulimit -f) a write fails with EFBIG, one
     * message like any full disk, instead of the signal ending the run. */
    sigaction(SIGXFSZ, &sa, NULL);
    atexit(check_stdout);
}

/* ---------------------------------------------------------------- UTF-8 */

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n) {
    unsigned c = p[0];
    if (c < 0x80) return 1;
    size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (!len || len > n) return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && p[1] < 0xa0) return 0;  /* overlong */
    if (c == 0xed && p[1] > 0x9f) return 0;  /* surrogate */
    if (c == 0xf0 && p[1] < 0x90) return 0;  /* overlong */
    if (c == 0xf4 && p[1] > 0x8f) return 0;  /* over U+10FFFF */
    return len;
}

int utf8_valid(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0, k; i < n; i += k)
        if (!(k = utf8_seq(p + i, n - i))) return 0;
    return 1;
}

char *base64_encode(const unsigned char *p, size_t n) {
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *s = malloc((n + 2) / 3 * 4 + 1), *o = s;
    if (!s) return NULL;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        *o++ = abc[v >> 18];
        *o++ = abc[(v >> 12) & 63];
        *o++ = i + 1 < n ? abc[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? abc[v & 63] : '=';
    }
    *o = '\0';
    return s;
}

/* ----------------------------------------------------------- JSON writer */

#define JW_FLUSH_AT 65536

void jw_init(jw *w, int fd) {
    memset(w, 0, sizeof *w);
    w->fd = fd;
    w->first = 1;
}

static void jw_put(jw *w, const char *s, size_t n) {
    if (w->err) return;
    if (membuf_append(&w->mem, s, n) != 0) {
        w->err = ENOMEM;
        return;
    }
    if (w->fd >= 0 && w->mem.len >= JW_FLUSH_AT) jw_flush(w);
}

int jw_flush(jw *w) {
    if (!w->err && w->fd >= 0 && w->mem.len) {
        if (write_full(w->fd, w->mem.data, w->mem.len) != 0) w->err = errno ? errno : EIO;
        w->mem.len = 0;
    }
    if (w->err) errno = w->err;
    return w->err ? -1 : 0;
}

void jw_free(jw *w) { membuf_free(&w->mem); }

void jw_raw(jw *w, const char *s) { jw_put(w, s, strlen(s)); }

static void jw_comma(jw *w) {
    if (!w->first) jw_put(w, ",", 1);
    w->first = 0;
}

void jw_begin(jw *w, char open) {
    jw_comma(w);
    jw_put(w, &open, 1);
    w->first = 1;
}

void jw_end_(jw *w, char close) {
    jw_put(w, &close, 1);
    w->first = 0;
}

static void jw_quoted(jw *w, const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    jw_put(w, "\"", 1);
    for (size_t i = 0, k; i < n; i += k) {
        unsigned c = p[i];
        k = utf8_seq(p + i, n - i);
        if (!k) {
            jw_put(w, "\xef\xbf\xbd", 3); /* U+FFFD for a byte that is not UTF-8 */
            k = 1;
        } else if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            jw_put(w, e, 2);
        } else if (c < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", c);
            jw_put(w, e, 6);
        } else {
            jw_put(w, (const char *)p + i, k);
        }
    }
    jw_put(w, "\"", 1);
}

void jw_key(jw *w, const char *key) {
    jw_comma(w);
    jw_quoted(w, key);
    jw_put(w, ":", 1);
    w->first = 1;
}

void jw_str(jw *w, const char *s) {
    jw_comma(w);
    jw_quoted(w, s);
}

void jw_int(jw *w, long long v) {
    char b[24];
    size_t n = sizeof b;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do b[--n] = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) b[--n] = '-';
    jw_comma(w);
    jw_put(w, b + n, sizeof b - n);
}

/* ---------------------------------------------------- %.Ng without printf
 * A features JSON holds thousands of reals, and printf's conversion was
 * most of its time.  real_g prints exactly what printf("%.*g") prints
 * (glibc: the exact binary value rounded to N significant digits, ties to
 * even) for the values whose exact decimal expansion fits 128 bits: every
 * float from 2^-44 up to 2^104, and the doubles of everyday sizes whose
 * binary fraction is short.  Other values (zero among them) go to printf.
 * tests/test_pipeline.c compares the two on millions of values. */

__extension__ typedef unsigned __int128 u128;

/* 10^i, i = 0..38; 5^i, i = 0..55. */
static u128 g_pow10[39], g_pow5[56];
static pthread_once_t g_pow_once = PTHREAD_ONCE_INIT;

static void pow_init(void) {
    g_pow10[0] = g_pow5[0] = 1;
    for (int i = 1; i < 39; i++) g_pow10[i] = g_pow10[i - 1] * 10;
    for (int i = 1; i < 56; i++) g_pow5[i] = g_pow5[i - 1] * 5;
}

static int bits128(u128 x) {
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    return hi ? 128 - __builtin_clzll(hi) : lo ? 64 - __builtin_clzll(lo) : 0;
}

/* Writes %.<digits>g of v to b (REAL_G_MAX bytes: a sign, 17 digits, a
 * point and "0.000" or an exponent fit) and returns its length, or 0 when v
 * is not one real_g prints (see above). */
#define REAL_G_MAX 32
static size_t real_g(char *b, double v, int digits) {
    if (v == 0 || !isfinite(v) || digits < 1 || digits > 17) return 0;
    pthread_once(&g_pow_once, pow_init);
    int e2;
    double fr = frexp(fabs(v), &e2);
    uint64_t m = (uint64_t)ldexp(fr, 53); /* exact: |v| = m * 2^(e2 - 53) */
    unsigned tz = (unsigned)__builtin_ctzll(m); /* m > 0: v != 0 */
    m >>= tz;
    int e = e2 - 53 + (int)tz;
    u128 n; /* |v| = n * 10^-k */
    int k = 0, mbits = 64 - __builtin_clzll(m);
    if (e >= 0) {
        if (mbits + e > 127) return 0;
        n = (u128)m << e;
    } else {
        k = -e;
        if (k > 55 || mbits + bits128(g_pow5[k]) > 128) return 0;
        n = (u128)m * g_pow5[k];
    }
    int d = 1; /* decimal digits of n */
    while (d < 39 && n >= g_pow10[d]) d++;
    uint64_t q; /* the significant digits, nd of them */
    int nd = d;
    if (d > digits) {
        u128 div = g_pow10[d - digits], qq = n / div, rem = n - qq * div, half = div / 2;
        q = (uint64_t)qq;
        if (rem > half || (rem == half && (q & 1))) q++;
        nd = digits;
        if (q == (uint64_t)g_pow10[digits]) { /* 9.99..5 up to 10.0 */
            q /= 10;
            d++;
        }
    } else {
        q = (uint64_t)n;
    }
    int x = d - 1 - k; /* the decimal exponent of the first digit */
    char ds[40] = "";
    for (int i = nd - 1; i >= 0; i--, q /= 10) ds[i] = (char)('0' + q % 10);
    while (nd > 1 && ds[nd - 1] == '0') nd--; /* %g drops trailing zeros */
    size_t len = 0;
    if (v < 0) b[len++] = '-';
    if (x < digits && x >= -4) { /* style f */
        if (x >= 0) {
            for (int i = 0; i <= x; i++) b[len++] = i < nd ? ds[i] : '0';
            if (nd > x + 1) {
                b[len++] = '.';
                for (int i = x + 1; i < nd; i++) b[len++] = ds[i];
            }
        } else {
            b[len++] = '0';
            b[len++] = '.';
            for (int i = 0; i < -x - 1; i++) b[len++] = '0';
            for (int i = 0; i < nd; i++) b[len++] = ds[i];
        }
    } else { /* style e: d.ddde+XX */
        b[len++] = ds[0];
        if (nd > 1) {
            b[len++] = '.';
            for (int i = 1; i < nd; i++) b[len++] = ds[i];
        }
        b[len++] = 'e';
        b[len++] = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        if (ax >= 100) b[len++] = (char)('0' + ax / 100);
        b[len++] = (char)('0' + ax / 10 % 10);
        b[len++] = (char)('0' + ax % 10);
    }
    b[len] = '\0';
    return len;
}

size_t format_real(char *b, size_t cap, double v, int digits) {
    size_t n = cap >= REAL_G_MAX ? real_g(b, v, digits) : 0;
    if (n == 0) {
        int r = snprintf(b, cap, "%.*g", digits, v);
        n = r < 0 ? 0 : (size_t)r < cap ? (size_t)r : cap - 1;
    }
    return n;
}

void jw_real(jw *w, double v, int digits) {
    char b[48];
    jw_comma(w);
    if (!isfinite(v)) {
        jw_put(w, "null", 4);
        return;
    }
    size_t n = format_real(b, sizeof b - 2, v, digits); /* room for ".0" */
    /* As jansson prints reals: always with a '.' or an exponent. */
    if (!memchr(b, '.', n) && !memchr(b, 'e', n)) {
        memcpy(b + n, ".0", 2);
        n += 2;
    }
    jw_put(w, b, n);
}

void jw_bool(jw *w, int v) {
    jw_comma(w);
    jw_raw(w, v ? "true" : "false");
}

void jw_null(jw *w) {
    jw_comma(w);
    jw_raw(w, "null");
}

void jw_path(jw *w, const char *key, const char *s) {
    jw_key(w, key);
    jw_str(w, s);
    if (utf8_valid(s, strlen(s))) return;
    char k[64];
    snprintf(k, sizeof k, "%s_bytes", key);
    char *b = base64_encode((const unsigned char *)s, strlen(s));
    if (!b) {
        w->err = ENOMEM;
        return;
    }
    jw_key(w, k);
    jw_str(w, b);
    free(b);
}

/* ------------------------------------------------------ JSON validation */

typedef struct jscan {
    const unsigned char *p, *end;
} jscan;

static void js_ws(jscan *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static int js_lit(jscan *s, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0) return -1;
    s->p += n;
    return 0;
}

static int js_string(jscan *s) {
    if (s->p >= s->end || *s->p != '"') return -1;
    for (s->p++; s->p < s->end; s->p++) {
        if (*s->p == '"') {
            s->p++;
            return 0;
        }
        if (*s->p < 0x20) return -1;
        if (*s->p == '\\' && ++s->p >= s->end) return -1;
    }
    return -1;
}

static int js_digits(jscan *s) {
    const unsigned char *b = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') s->p++;
    return s->p > b ? 0 : -1;
}

static int js_number(jscan *s) {
    if (s->p < s->end && *s->p == '-') s->p++;
    if (js_digits(s) != 0) return -1;
    if (s->p < s->end && *s->p == '.' && (s->p++, js_digits(s) != 0)) return -1;
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-')) s->p++;
        if (js_digits(s) != 0) return -1;
    }
    return 0;
}

static int js_value(jscan *s, int depth) {
    js_ws(s);
    if (s->p >= s->end || depth > 256) return -1;
    unsigned char c = *s->p;
    if (c == '"') return js_string(s);
    if (c == 't') return js_lit(s, "true");
    if (c == 'f') return js_lit(s, "false");
    if (c == 'n') return js_lit(s, "null");
    if (c != '{' && c != '[') return js_number(s);
    unsigned char close = c == '{' ? '}' : ']';
    s->p++;
    js_ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return 0;
    }
    for (;;) {
        if (c == '{') {
            js_ws(s);
            if (js_string(s) != 0) return -1;
            js_ws(s);
            if (s->p >= s->end || *s->p++ != ':') return -1;
        }
        if (js_value(s, depth + 1) != 0) return -1;
        js_ws(s);
        if (s->p >= s->end) return -1;
        if (*s->p == close) {
            s->p++;
            return 0;
        }
        if (*s->p++ != ',') return -1;
    }
}

int json_valid(const char *text, size_t n) {
    jscan s = {(const unsigned char *)text, (const unsigned char *)text + n};
    if (js_value(&s, 0) != 0) return 0;
    js_ws(&s);
    return s.p == s.end;
}
