/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include "fileio.h"
#include "privdrop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static atomic_int g_fsync = 1;

void file_set_fsync(int on) { atomic_store(&g_fsync, on); }

int file_fsync_on(void) { return atomic_load(&g_fsync); }

/* Reads until EOF; a pipe or terminal is polled so that a stop request
 * ends the wait. */
static int read_loop(int fd, int regular, membuf *buf, char *err) {
    size_t want = 65536;
    for (;;) {
        if (membuf_reserve(buf, buf->len + want) != 0) return seterr(err, "out of memory reading the file");
        if (!regular) {
            struct pollfd pf = {.fd = fd, .events = POLLIN};
            int pr = poll(&pf, 1, 100);
            if (stop_requested()) return seterr(err, "interrupted while reading");
            if (pr == 0 || (pr < 0 && errno == EINTR)) continue;
        }
        ssize_t n = read(fd, buf->data + buf->len, buf->cap - buf->len);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return seterr(err, "read error: %s", strerror(errno));
        }
        if (n == 0) return 0;
        buf->len += (size_t)n;
        if (buf->len > FILE_MAX_BYTES) return seterr(err, "input is over the %zu-byte limit", FILE_MAX_BYTES);
        want = 65536;
    }
}

int file_read_all(const char *path, membuf *buf, char *err) {
    int is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return seterr(err, "cannot open: %s%s", strerror(errno), privdrop_hint(errno, 1));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = seterr(err, "cannot stat: %s", strerror(errno));
    } else if (!is_stdin && !S_ISREG(st.st_mode)) {
        rc = seterr(err, "not a regular file (%s)",
                    S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" : "a device or socket");
    } else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > FILE_MAX_BYTES) {
        rc = seterr(err, "file is %lld bytes, over the %zu-byte limit", (long long)st.st_size, FILE_MAX_BYTES);
    } else {
        if (!is_stdin) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        buf->len = 0;
        if (S_ISREG(st.st_mode) && membuf_reserve(buf, (size_t)st.st_size + 1) != 0)
            rc = seterr(err, "out of memory reading the file");
        else
            rc = read_loop(fd, S_ISREG(st.st_mode), buf, err);
    }
    if (!is_stdin) close(fd);
    return rc;
}

int file_same(const char *a, const char *b) {
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int file_is_stream(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode));
}

int file_exists(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ------------------------------------------ temporaries still in flight */

static pthread_mutex_t g_flight_lock = PTHREAD_MUTEX_INITIALIZER;
static char **g_flight;
static size_t g_nflight, g_capflight;

static void flight_add(char *tmp) {
    pthread_mutex_lock(&g_flight_lock);
    if (g_nflight == g_capflight) {
        size_t cap = g_capflight ? g_capflight * 2 : 16;
        char **p = realloc(g_flight, cap * sizeof *p);
        if (p) {
            g_flight = p;
            g_capflight = cap;
        }
    }
    if (g_nflight < g_capflight) g_flight[g_nflight++] = tmp;
    pthread_mutex_unlock(&g_flight_lock);
}

static void flight_remove(const char *tmp) {
    pthread_mutex_lock(&g_flight_lock);
    for (size_t i = 0; i < g_nflight; i++)
        if (g_flight[i] == tmp) {
            g_flight[i] = g_flight[--g_nflight];
            break;
        }
    pthread_mutex_unlock(&g_flight_lock);
}

void file_remove_in_flight(void) {
    /* Held to the exit: no worker may rename one of these meanwhile. */
    pthread_mutex_lock(&g_flight_lock);
    for (size_t i = 0; i < g_nflight; i++) unlink(g_flight[i]);
    g_nflight = 0;
}

/* ---------------------------------------------------------------- stage */

static void random_name(char *out, size_t n) {
    static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[12];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned long long x = (unsigned long long)ts.tv_nsec ^ ((unsigned long long)getpid() << 32) ^
                               (unsigned long long)(uintptr_t)out;
        for (size_t i = 0; i < sizeof r; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            r[i] = (unsigned char)(x >> 56);
        }
    }
    char suffix[13];
    for (size_t i = 0; i < 12; i++) suffix[i] = abc[r[i] % 36];
    suffix[12] = '\0';
    snprintf(out, n, "%s%s", FILE_TMP_PREFIX, suffix);
}

/* Creates s->tmp beside s->path, locked (flock) from before its name is
 * visible where the system allows it (O_TMPFILE + linkat), so that
 * file_clean_dir never takes a live temporary file for a leftover. */
static int make_temp(staged *s, char *err) {
    const char *slash = strrchr(s->path, '/');
    size_t dirlen = slash ? (size_t)(slash - s->path) : 0;
    char *dir = slash ? strndup(s->path, dirlen ? dirlen : 1) : strdup(".");
    size_t cap = dirlen + 64;
    if (!dir || !(s->tmp = malloc(cap))) {
        free(dir);
        return seterr(err, "out of memory");
    }
    int e = 0;
    for (int attempt = 0; attempt < 100; attempt++) {
        char name[32];
        random_name(name, sizeof name);
        snprintf(s->tmp, cap, "%.*s%s%s", (int)dirlen, s->path, slash ? "/" : "", name);
        int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
        if (fd >= 0) {
            char proc[64];
            flock(fd, LOCK_EX);
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
            if (linkat(AT_FDCWD, proc, AT_FDCWD, s->tmp, AT_SYMLINK_FOLLOW) == 0) {
                s->fd = fd;
                break;
            }
            e = errno;
            close(fd);
            if (e == EEXIST) continue;
            /* No /proc: the plain way below. */
        } else if (errno == ENOENT || errno == EACCES || errno == EROFS || errno == ENOSPC ||
                   errno == EDQUOT || errno == ENOTDIR) {
            e = errno;
            break;
        }
        fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            flock(fd, LOCK_EX);
            s->fd = fd;
            break;
        }
        e = errno;
        if (e != EEXIST) break;
    }
    free(dir);
    if (s->fd < 0) {
        free(s->tmp);
        s->tmp = NULL;
        return seterr(err, "cannot create %s: %s%s", s->path, strerror(e ? e : EEXIST),
                      privdrop_hint(e ? e : EEXIST, 0));
    }
    flight_add(s->tmp);
    return 0;
}

/* Opens a FIFO or device for writing in place; a FIFO without a reader is
 * waited for, until a stop request. */
/* open(2) for writing (flags besides O_WRONLY), waiting while PATH is a
 * FIFO without a reader (ENXIO; a signal ends the wait). ENXIO from
 * anything else, a socket or a device without a driver, is an error at
 * once, never a wait. Returns the fd, or -1 with err: the reason alone. */
static int open_writer(const char *path, int flags, char *err) {
    for (;;) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | flags, 0666);
        if (fd >= 0) return fd;
        int e = errno;
        struct stat st;
        if (e == ENXIO && stat(path, &st) == 0 && !S_ISFIFO(st.st_mode))
            return seterr(err, "%s", S_ISSOCK(st.st_mode) ? "is a socket; cvapp cannot write to one"
                                     : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device without a driver (No such device or address)"
                                     : strerror(e));
        if (e != ENXIO && e != EINTR) return seterr(err, "%s", strerror(e));
        if (stop_requested()) return seterr(err, "interrupted waiting for a reader");
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static int open_in_place(staged *s, char *err) {
    char why[ERRLEN];
    s->fd = open_writer(s->path, 0, why);
    return s->fd >= 0 ? 0 : seterr(err, "cannot open %s: %s", s->path, why);
}

int file_stage_open(const char *path, const char *protect, staged *s, char *err) {
    memset(s, 0, sizeof *s);
    s->fd = -1;
    if (strcmp(path, "-") == 0) {
        if (!(s->path = strdup(path))) return seterr(err, "out of memory");
        s->kind = STAGE_STDOUT;
        s->fd = STDOUT_FILENO;
        return 0;
    }
    if (!*path) return seterr(err, "an output name is empty");
    if (path[strlen(path) - 1] == '/')
        return seterr(err, "output %s is a directory (use -d %s to write one output per input into it)", path, path);
    if (protect && strcmp(protect, "-") != 0 && file_same(path, protect))
        return seterr(err, "output %s is the input file; refusing to overwrite it", path);
    struct stat lst, st;
    int exists = lstat(path, &lst) == 0;
    int is_link = exists && S_ISLNK(lst.st_mode);
    if (exists && stat(path, &st) != 0)
        return seterr(err, "output %s is a dangling symbolic link; refusing to replace it", path);
    if (exists && S_ISDIR(st.st_mode))
        return seterr(err, "output %s is a directory (use -d %s to write one output per input into it)", path, path);
    if (exists && S_ISSOCK(st.st_mode)) return seterr(err, "output %s is a socket; refusing to write to it", path);
    if (exists && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode))) {
        if (!(s->path = strdup(path))) return seterr(err, "out of memory");
        s->kind = STAGE_INPLACE;
        if (open_in_place(s, err) != 0) {
            file_abort(s);
            return -1;
        }
        return 0;
    }
    /* A symlink to a regular file: its target is what gets replaced. */
    s->path = is_link ? realpath(path, NULL) : strdup(path);
    if (!s->path) return seterr(err, "%s: %s", path, strerror(errno));
    s->kind = STAGE_TMP;
    if (make_temp(s, err) != 0) {
        file_abort(s);
        return -1;
    }
    return 0;
}

int file_stage(const char *path, const void *data, size_t len, const char *protect,
               staged *s, char *err) {
    if (file_stage_open(path, protect, s, err) != 0) return -1;
    if (s->kind != STAGE_TMP) {
        s->data = data;
        s->len = len;
        return 0;
    }
    if (write_full(s->fd, data, len) != 0) {
        int e = errno;
        file_abort(s);
        return seterr(err, "cannot write %s: %s", path, e == EINTR ? "interrupted" : strerror(e));
    }
    return 0;
}

static void sync_dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Whether an output renamed before s[i] lies in s[i]'s directory: one
 * fsync of a directory makes every rename in it durable. */
static int dir_synced(staged *const *s, size_t i, const int *renamed) {
    const char *a = s[i]->path, *sa = strrchr(a, '/');
    size_t la = sa ? (size_t)(sa - a) : 0;
    for (size_t k = 0; k < i; k++) {
        if (!renamed[k]) continue;
        const char *b = s[k]->path, *sb = strrchr(b, '/');
        size_t lb = sb ? (size_t)(sb - b) : 0;
        if (la == lb && (sa == NULL) == (sb == NULL) && memcmp(a, b, la) == 0) return 1;
    }
    return 0;
}

/* An output's previous file, kept under a temporary name beside it (a hard
 * link, locked like every temporary so that no cleanup takes it) until the
 * commit it belongs to is over. */
typedef struct backup {
    char *name; /* NULL: none was made */
    int fd;
    int had_old; /* path held a regular file before the commit */
} backup;

static void backup_make(const char *path, int wanted, backup *b) {
    struct stat st;
    b->name = NULL;
    b->fd = -1;
    b->had_old = !wanted || (lstat(path, &st) == 0 && S_ISREG(st.st_mode));
    if (!wanted || !b->had_old) return;
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0, cap = dirlen + 32;
    if (!(b->name = malloc(cap))) return;
    for (int attempt = 0; attempt < 100; attempt++) {
        char r[32];
        random_name(r, sizeof r);
        snprintf(b->name, cap, "%.*s%s", (int)dirlen, path, r);
        if (link(path, b->name) == 0) {
            if ((b->fd = open(b->name, O_RDONLY | O_CLOEXEC)) >= 0) flock(b->fd, LOCK_EX);
            flight_add(b->name);
            return;
        }
        if (errno != EEXIST) break;
    }
    /* No hard links here: a failure after this rename cannot be undone. */
    free(b->name);
    b->name = NULL;
}

/* Ends a backup: path's old file put back (restore) or the link removed.
 * With nothing to put back, a restore removes the new file only where
 * there was none before. */
static void backup_end(backup *b, const char *path, int restore) {
    if (restore && !b->had_old) unlink(path);
    if (b->name) {
        flight_remove(b->name);
        if (!restore || rename(b->name, path) != 0) unlink(b->name);
        free(b->name);
    }
    if (b->fd >= 0) close(b->fd);
}

int file_commit_all(staged *const *s, size_t n, char *err) {
    if (n > FILE_COMMIT_MAX) {
        for (size_t i = 0; i < n; i++) file_abort(s[i]);
        return seterr(err, "internal error: %zu outputs in one commit", n);
    }
    int rc = 0, sync = atomic_load(&g_fsync);
    size_t i, last_tmp = n;
    /* 1. The files' data made durable, 2. the streams written: nothing is
     * replaced yet, so a failure here leaves every file output old. */
    for (i = 0; i < n && rc == 0; i++) {
        if (s[i]->kind == STAGE_TMP) {
            last_tmp = i;
            if (sync && fsync(s[i]->fd) != 0) rc = seterr(err, "cannot write %s: %s", s[i]->path, strerror(errno));
        }
    }
    for (i = 0; i < n && rc == 0; i++) {
        staged *t = s[i];
        if ((t->kind == STAGE_STDOUT || t->kind == STAGE_INPLACE) && t->data &&
            write_full(t->fd, t->data, t->len) != 0)
            rc = seterr(err, "cannot write %s: %s", t->kind == STAGE_STDOUT ? "to stdout" : t->path,
                        errno == EINTR ? "interrupted" : strerror(errno));
    }
    /* 3. The renames, each file's old version kept aside until the last
     * one is done: a failed rename puts every earlier one back. */
    backup old[FILE_COMMIT_MAX];
    int renamed[FILE_COMMIT_MAX] = {0};
    for (i = 0; i < n && rc == 0; i++) {
        staged *t = s[i];
        if (t->kind != STAGE_TMP) continue;
        backup_make(t->path, i != last_tmp, &old[i]);
        if (rename(t->tmp, t->path) != 0) {
            rc = seterr(err, "cannot write %s: %s", t->path, strerror(errno));
            backup_end(&old[i], t->path, 0);
            break;
        }
        renamed[i] = 1;
        flight_remove(t->tmp);
        free(t->tmp);
        t->tmp = NULL;
    }
    for (i = 0; i < n; i++) {
        if (renamed[i]) {
            backup_end(&old[i], s[i]->path, rc != 0);
            if (rc == 0 && sync && !dir_synced(s, i, renamed)) sync_dir_of(s[i]->path);
        }
    }
    for (i = 0; i < n; i++) file_abort(s[i]);
    return rc;
}

int file_commit(staged *s, char *err) { return file_commit_all(&s, 1, err); }

void file_abort(staged *s) {
    if (s->tmp) {
        flight_remove(s->tmp);
        unlink(s->tmp);
    }
    if (s->fd >= 0 && s->kind != STAGE_STDOUT) close(s->fd);
    free(s->tmp);
    free(s->path);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}

int file_write_atomic(const char *path, const void *data, size_t len, const char *protect,
                      char *err) {
    staged s;
    if (file_stage(path, data, len, protect, &s, err) != 0) return -1;
    return file_commit(&s, err);
}

size_t file_clean_dir(const char *dir) {
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return 0;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return 0;
    }
    size_t removed = 0, plen = strlen(FILE_TMP_PREFIX);
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, FILE_TMP_PREFIX, plen) != 0 || strlen(e->d_name) != plen + 12) continue;
        int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) continue;
        struct stat st;
        /* Locked: a live writer's.  Unlocked: a killed run's. */
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
            unlinkat(dfd, e->d_name, 0) == 0)
            removed++;
        close(fd);
    }
    closedir(d);
    return removed;
}

int file_open_append(const char *path, char *err) {
    int fd = open_writer(path, O_APPEND | O_CREAT, err);
    if (fd < 0) return -1;
    struct stat st;
    char last = '\n';
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        int rfd = open(path, O_RDONLY | O_CLOEXEC);
        if (rfd >= 0 && pread(rfd, &last, 1, st.st_size - 1) != 1) last = '\n';
        if (rfd >= 0) close(rfd);
    }
    if (last != '\n' && write_full(fd, "\n", 1) != 0) {
        seterr(err, "cannot write: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}
