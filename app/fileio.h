/* fileio.h - whole-file reads and atomic writes. */
#ifndef CVAPP_FILEIO_H
#define CVAPP_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Largest input file accepted, in bytes. */
#define FILE_MAX_BYTES ((size_t)1 << 30)

/* Reads a regular file (or stdin for "-") into buf (reused).  Directories,
 * FIFOs, devices and files over FILE_MAX_BYTES are refused. */
int file_read_all(const char *path, membuf *buf, char *err);

/* Writes data to path through a temporary file in the same directory that
 * is renamed into place: readers see the old file or the whole new one,
 * never a part.  "-" writes to stdout.  Refuses to replace `protect`
 * (an input) when path names the same file. */
int file_write_atomic(const char *path, const void *data, size_t len,
                      const char *protect, char *err);

/* Two-phase form, to publish several files together: stage writes the
 * temporary file, commit renames it into place, abort removes it.  For
 * "-" nothing is written until commit, and data must stay valid until then. */
typedef struct staged {
    char *tmp;        /* temporary path, or NULL for stdout */
    char *path;       /* final path */
    const void *data; /* stdout only */
    size_t len;
} staged;

int file_stage(const char *path, const void *data, size_t len, const char *protect,
               staged *s, char *err);
int file_commit(staged *s, char *err);
void file_abort(staged *s);

/* 1 when a and b name the same existing file. */
int file_same(const char *a, const char *b);

/* 1 when path exists (any type, symlinks not followed). */
int file_exists(const char *path);

#endif
