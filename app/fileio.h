/* SPDX-License-Identifier: MIT */
/* fileio.h - whole-file reads and atomic, durable writes. */
#ifndef CVAPP_FILEIO_H
#define CVAPP_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Largest input file accepted, in bytes. */
#define FILE_MAX_BYTES ((size_t)1 << 30)

/* Every temporary file cvapp makes is named DIR/.cvapp-tmp-XXXXXXXXXXXX
 * (12 random characters), whatever the output's name: one pattern to
 * recognise, and 23 bytes whatever the output name's length. */
#define FILE_TMP_PREFIX ".cvapp-tmp-"

/* Reads a regular file (or stdin for "-") into buf (reused).  Directories,
 * FIFOs, devices and files over FILE_MAX_BYTES are refused.  Waiting on a
 * pipe (stdin) ends at a stop request ("interrupted"). */
int file_read_all(const char *path, membuf *buf, char *err);

/* fsync each output before its rename and its directory after (default
 * on; --no-fsync turns it off). */
void file_set_fsync(int on);
int file_fsync_on(void);

/* Writes data to path through a temporary file in the same directory that
 * is renamed into place: readers see the old file or the whole new one,
 * never a part.  "-" writes to stdout.  Refuses to replace `protect`
 * (an input) when path names the same file.  Where path exists and is not
 * a regular file:
 *   - a character or block device or a FIFO (or a symlink to one) is
 *     written in place, with no temporary file and no rename;
 *   - a symlink to a regular file is followed: its target is replaced
 *     atomically, the link stays;
 *   - a directory, a socket or a dangling symlink is refused. */
int file_write_atomic(const char *path, const void *data, size_t len,
                      const char *protect, char *err);

/* Two-phase form, to publish several files together: stage writes the
 * temporary file, commit renames it into place, abort removes it.  For
 * stdout and in-place targets nothing is written until commit, and data
 * must stay valid until then. */
typedef struct staged {
    char *tmp;        /* temporary path, or NULL */
    char *path;       /* final path (a followed symlink's target) */
    int fd;           /* open temporary (locked) or in-place target; -1 */
    int kind;         /* STAGE_* */
    const void *data; /* deferred write (stdout, in place) */
    size_t len;
} staged;

enum { STAGE_NONE, STAGE_TMP, STAGE_STDOUT, STAGE_INPLACE };

/* Stage with the data known now. */
int file_stage(const char *path, const void *data, size_t len, const char *protect,
               staged *s, char *err);
/* Stage for streamed data: opens the temporary file (or, for stdout and in
 * place, the target itself, which is then written as the data comes). */
int file_stage_open(const char *path, const char *protect, staged *s, char *err);
int file_commit(staged *s, char *err);
/* Publishes the outputs of one input together (at most FILE_COMMIT_MAX),
 * in the order given: first every file's data is made durable, then the
 * streams (stdout, in place) are written, then the files are renamed into
 * place, each one's previous file kept aside (a hard link) until the last
 * rename is done.  A failure at any step leaves every file output as it
 * was: renamed ones are put back, or removed where there was none.  A
 * stream's bytes, once written, cannot be taken back; a symlink and its
 * target are never removed.  Every s[i] is finished (aborted) on return. */
#define FILE_COMMIT_MAX 4
int file_commit_all(staged *const *s, size_t n, char *err);
void file_abort(staged *s);

/* Removes every temporary file (FILE_TMP_PREFIX) in dir that no live
 * process holds (a writer keeps its temporary file locked with flock until
 * it is renamed): the leftovers of a killed run.  Returns how many. */
size_t file_clean_dir(const char *dir);

/* Removes the temporary files of every staged write still in flight
 * (the second SIGINT/SIGTERM, just before exiting). */
void file_remove_in_flight(void);

/* Opens path for appending (created if missing; a FIFO is waited for
 * until it has a reader or a stop is requested).  A regular file whose
 * last byte is not a newline (a line cut by a kill) gets one first.
 * Returns the fd, or -1 with err. */
int file_open_append(const char *path, char *err);

/* 1 when path exists and is (or links to) a character or block device or
 * a FIFO: an output written in place, with no name to take a format from. */
int file_is_stream(const char *path);

/* 1 when a and b name the same existing file. */
int file_same(const char *a, const char *b);

/* 1 when path exists (any type, symlinks not followed). */
int file_exists(const char *path);

#endif
