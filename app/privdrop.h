/* SPDX-License-Identifier: MIT */
/* privdrop.h - the container's first step: leave root for the owner of the
 * data directory (CVAPP_DATA_DIR), and hints for errors made there. */
#ifndef CVAPP_PRIVDROP_H
#define CVAPP_PRIVDROP_H

#include "util.h"

/* The image's own non-root user and group. */
#define PRIVDROP_DEFAULT_ID 65532u

/* When CVAPP_DATA_DIR is set and the process runs as root: becomes the
 * owner of that directory (PRIVDROP_DEFAULT_ID when root owns it), with no
 * supplementary groups and no_new_privs.  Otherwise does nothing.
 * Returns 0, or -1 with the reason in err. */
int privdrop_in_container(char *err);

/* Text to append to an error with errno `errnum` when running in the
 * container (CVAPP_DATA_DIR set): the uid in use and the fix for a
 * permission error, the -v form for an input that does not exist.  ""
 * otherwise.  Valid until the next call on the same thread. */
const char *privdrop_hint(int errnum, int is_input);

#endif
