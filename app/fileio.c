#define _GNU_SOURCE
#include "fileio.h"
#include "privdrop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

static mode_t g_umask;
static pthread_once_t g_umask_once = PTHREAD_ONCE_INIT;
static void read_umask(void) {
    g_umask = umask(0);
    umask(g_umask);
}

int file_read_all(const char *path, membuf *buf, char *err) {
    int is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return seterr(err, "cannot open: %s%s", strerror(errno), privdrop_hint(errno, 1));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        if (!is_stdin) close(fd);
        return seterr(err, "cannot stat: %s", strerror(e));
    }
    if (!is_stdin && !S_ISREG(st.st_mode)) {
        close(fd);
        return seterr(err, "not a regular file (%s)",
                      S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" : "a device or socket");
    }
    if (!is_stdin) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > FILE_MAX_BYTES) {
        if (!is_stdin) close(fd);
        return seterr(err, "file is %lld bytes, over the %zu-byte limit", (long long)st.st_size, FILE_MAX_BYTES);
    }
    buf->len = 0;
    size_t want = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
    for (;;) {
        if (membuf_reserve(buf, buf->len + want) != 0) {
            if (!is_stdin) close(fd);
            return seterr(err, "out of memory reading the file");
        }
        ssize_t n = read(fd, buf->data + buf->len, buf->cap - buf->len);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            if (!is_stdin) close(fd);
            return seterr(err, "read error: %s", strerror(e));
        }
        if (n == 0) break;
        buf->len += (size_t)n;
        if (buf->len > FILE_MAX_BYTES) {
            if (!is_stdin) close(fd);
            return seterr(err, "input is over the %zu-byte limit", FILE_MAX_BYTES);
        }
        want = 65536;
    }
    if (!is_stdin) close(fd);
    return 0;
}

static int write_all(int fd, const void *data, size_t len) {
    const uint8_t *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int file_same(const char *a, const char *b) {
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int file_exists(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0;
}

int file_stage(const char *path, const void *data, size_t len, const char *protect,
               staged *s, char *err) {
    memset(s, 0, sizeof *s);
    if (!(s->path = strdup(path))) return seterr(err, "out of memory");
    if (strcmp(path, "-") == 0) {
        s->data = data;
        s->len = len;
        return 0;
    }
    if (protect && strcmp(protect, "-") != 0 && file_same(path, protect)) {
        file_abort(s);
        return seterr(err, "output %s is the input file; refusing to overwrite it", path);
    }
    size_t n = strlen(path);
    if (!(s->tmp = malloc(n + 32))) {
        file_abort(s);
        return seterr(err, "out of memory");
    }
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    /* A hidden temporary in the target directory, so rename() is atomic. */
    snprintf(s->tmp, n + 32, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen);
    int fd = mkostemp(s->tmp, O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(s->tmp);
        s->tmp = NULL;
        file_abort(s);
        return seterr(err, "cannot create %s: %s%s", path, strerror(e), privdrop_hint(e, 0));
    }
    pthread_once(&g_umask_once, read_umask);
    int rc = 0, e = 0;
    if (fchmod(fd, 0666 & ~g_umask) != 0 || write_all(fd, data, len) != 0) {
        rc = -1;
        e = errno;
    }
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0) {
        file_abort(s);
        return seterr(err, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

int file_commit(staged *s, char *err) {
    int rc = 0;
    if (!s->tmp) {
        if (s->path && write_all(STDOUT_FILENO, s->data, s->len) != 0)
            rc = seterr(err, "cannot write to stdout: %s", strerror(errno));
    } else if (rename(s->tmp, s->path) != 0) {
        rc = seterr(err, "cannot write %s: %s", s->path, strerror(errno));
    } else {
        free(s->tmp);
        s->tmp = NULL;
    }
    file_abort(s);
    return rc;
}

void file_abort(staged *s) {
    if (s->tmp) unlink(s->tmp);
    free(s->tmp);
    free(s->path);
    memset(s, 0, sizeof *s);
}

int file_write_atomic(const char *path, const void *data, size_t len, const char *protect,
                      char *err) {
    staged s;
    if (file_stage(path, data, len, protect, &s, err) != 0) return -1;
    return file_commit(&s, err);
}
