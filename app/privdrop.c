/* SPDX-License-Identifier: MIT */
/* privdrop.c - in a container started as root, become the owner of the
 * data directory before anything is read.
 *
 * The image sets CVAPP_DATA_DIR=/data and starts as root, so that
 * `docker run -v "$PWD:/data" cvapp photo.jpg` writes files the host user
 * owns on a Linux host.  cvapp then drops at once, before parsing a
 * pipeline file or opening an input, to the uid and gid that own
 * CVAPP_DATA_DIR (65532:65532, the image's own user, when root owns it or it
 * is missing), clears the supplementary groups and sets no_new_privs: no
 * image work runs as root and no capability is kept (a non-root uid after
 * setuid() has none).  Started as any other user (`--user`, Kubernetes'
 * runAsUser) it changes nothing. */
#define _GNU_SOURCE
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *data_dir(void) {
    const char *d = getenv("CVAPP_DATA_DIR");
    return d && d[0] ? d : NULL;
}

int privdrop_in_container(char *err) {
    const char *dir = data_dir();
    if (!dir || geteuid() != 0) return 0;
    uid_t uid = PRIVDROP_DEFAULT_ID;
    gid_t gid = PRIVDROP_DEFAULT_ID;
    struct stat st;
    if (stat(dir, &st) == 0 && st.st_uid != 0) {
        uid = st.st_uid;
        gid = st.st_gid != 0 ? st.st_gid : (gid_t)st.st_uid;
    }
    if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
        return seterr(err, "cannot change from root to uid %u gid %u (the owner of %s): %s",
                      (unsigned)uid, (unsigned)gid, dir, strerror(errno));
    if (setuid(0) == 0 || geteuid() == 0)
        return seterr(err, "still root after changing to uid %u", (unsigned)uid);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return seterr(err, "cannot set no_new_privs: %s", strerror(errno));
    return 0;
}

const char *privdrop_hint(int errnum, int is_input) {
    static _Thread_local char hint[256];
    const char *dir = data_dir();
    if (!dir) return "";
    if (errnum == EACCES || errnum == EPERM || errnum == EROFS) {
        snprintf(hint, sizeof hint,
                 " (in the container cvapp runs as uid %u gid %u: make %s writable for it, or "
                 "run with --user UID:GID of the directory's owner)",
                 (unsigned)geteuid(), (unsigned)getegid(), dir);
        return hint;
    }
    if (errnum == ENOENT && is_input) {
        snprintf(hint, sizeof hint,
                 " (inside the container only mounted files exist: docker run -v \"$PWD:%s\" "
                 "cvapp FILE, with FILE relative to that directory)",
                 dir);
        return hint;
    }
    return "";
}
