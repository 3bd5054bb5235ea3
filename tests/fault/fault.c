/* SPDX-License-Identifier: MIT */
/* fault.c - an LD_PRELOAD library for tests: makes one call of a chosen
 * function fail, counting from the start of main, so that a test can walk
 * through every call a run makes and check what cvapp does when it fails.
 *
 *   CVAPP_FAULT=FUNC:N[:ERRNO]  the Nth call of FUNC (from main) fails with
 *                               ERRNO (a number; EIO by default); FUNC is
 *                               one of the names in `hooks` below
 *   CVAPP_FAULT_LOG=FILE        at exit, "FUNC CALLS" for every hooked
 *                               function, and "fired" when the fault was
 *                               made (a run with N past the last call is
 *                               the end of a walk)
 *
 *   CVAPP_FAULT_FROM=A,B        calls from libraries whose file names hold
 *                               A or B count too (default: cvshim)
 *
 * Only calls made by cvapp's own code count: the program's, libcvshim's,
 * and those of the libraries named in CVAPP_FAULT_FROM (cvapp's image
 * codecs); never OpenCV's, TBB's or libc's inner ones (what those do when
 * their own allocations fail is theirs: TBB, for one, spins forever).
 *
 * Allocations fail by returning NULL with ENOMEM; pthread_create returns
 * the error number; the others return -1 with errno set. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

enum { F_MALLOC, F_CALLOC, F_REALLOC, F_WRITE, F_FSYNC, F_RENAME, F_LINK, F_LINKAT, F_PTHREAD_CREATE, F_N };
static const char *const hooks[F_N] = {"malloc", "calloc", "realloc", "write", "fsync",
                                       "rename", "link", "linkat", "pthread_create"};

static atomic_int g_armed;
static atomic_long g_calls[F_N];
static atomic_int g_fired;
static int g_target = -1, g_errno = EIO;
static long g_nth;

typedef int (*main_fn)(int, char **, char **);
static main_fn g_main;

/* 1 when the call returns to cvapp's own code. */
static int from_cvapp(const void *ra) {
    Dl_info caller, prog;
    if (!dladdr(ra, &caller) || !dladdr((void *)(uintptr_t)g_main, &prog)) return 0;
    if (caller.dli_fbase == prog.dli_fbase) return 1;
    const char *from = getenv("CVAPP_FAULT_FROM");
    if (!from) from = "cvshim";
    if (!caller.dli_fname) return 0;
    for (const char *p = from; *p;) {
        size_t len = strcspn(p, ",");
        char name[64];
        if (len && len < sizeof name) {
            memcpy(name, p, len);
            name[len] = '\0';
            if (strstr(caller.dli_fname, name)) return 1;
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

/* 1 when this call (returning to ra) is the one to fail. */
static int fail_now_from(int f, const void *ra) {
    if (!atomic_load(&g_armed) || !from_cvapp(ra)) return 0;
    long n = atomic_fetch_add(&g_calls[f], 1) + 1;
    if (f != g_target || n != g_nth) return 0;
    atomic_store(&g_fired, 1);
    return 1;
}

#define fail_now(f) fail_now_from(f, __builtin_return_address(0))

static void *next(const char *name) { return dlsym(RTLD_NEXT, name); }

void *malloc(size_t n) {
    if (fail_now(F_MALLOC)) return errno = ENOMEM, NULL;
    return __libc_malloc(n);
}

void *calloc(size_t a, size_t b) {
    if (fail_now(F_CALLOC)) return errno = ENOMEM, NULL;
    return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n) {
    if (fail_now(F_REALLOC)) return errno = ENOMEM, NULL;
    return __libc_realloc(p, n);
}

ssize_t write(int fd, const void *buf, size_t n) {
    static ssize_t (*real)(int, const void *, size_t);
    if (!real) real = (ssize_t(*)(int, const void *, size_t))next("write");
    if (fd > 2 && fail_now(F_WRITE)) return errno = g_errno, -1;
    return real(fd, buf, n);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))next("fsync");
    if (fail_now(F_FSYNC)) return errno = g_errno, -1;
    return real(fd);
}

int rename(const char *a, const char *b) {
    static int (*real)(const char *, const char *);
    if (!real) real = (int (*)(const char *, const char *))next("rename");
    if (fail_now(F_RENAME)) return errno = g_errno, -1;
    return real(a, b);
}

int link(const char *a, const char *b) {
    static int (*real)(const char *, const char *);
    if (!real) real = (int (*)(const char *, const char *))next("link");
    if (fail_now(F_LINK)) return errno = g_errno, -1;
    return real(a, b);
}

int linkat(int da, const char *a, int db, const char *b, int flags) {
    static int (*real)(int, const char *, int, const char *, int);
    if (!real) real = (int (*)(int, const char *, int, const char *, int))next("linkat");
    if (fail_now(F_LINKAT)) return errno = g_errno, -1;
    return real(da, a, db, b, flags);
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg) {
    static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    if (!real) real = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))next("pthread_create");
    if (fail_now(F_PTHREAD_CREATE)) return EAGAIN;
    return real(t, attr, fn, arg);
}

static void report(void) {
    atomic_store(&g_armed, 0);
    const char *log = getenv("CVAPP_FAULT_LOG");
    FILE *f = log ? fopen(log, "w") : NULL;
    if (!f) return;
    for (int i = 0; i < F_N; i++) fprintf(f, "%s %ld\n", hooks[i], atomic_load(&g_calls[i]));
    if (atomic_load(&g_fired)) fputs("fired\n", f);
    fclose(f);
}

static int armed_main(int argc, char **argv, char **envp) {
    const char *spec = getenv("CVAPP_FAULT");
    if (spec) {
        for (int i = 0; i < F_N; i++) {
            size_t len = strlen(hooks[i]);
            if (strncmp(spec, hooks[i], len) == 0 && spec[len] == ':') {
                char *end;
                g_target = i;
                g_nth = strtol(spec + len + 1, &end, 10);
                if (*end == ':') g_errno = atoi(end + 1);
            }
        }
    }
    atexit(report);
    atomic_store(&g_armed, 1);
    return g_main(argc, argv, envp);
}

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end) {
    int (*real)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *) =
        (int (*)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *))next(
            "__libc_start_main");
    g_main = main;
    return real(armed_main, argc, argv, init, fini, rtld_fini, stack_end);
}
