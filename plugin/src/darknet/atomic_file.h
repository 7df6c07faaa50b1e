/* Writing a file atomically: into a temporary file in the target's folder
 * ("<path>.XXXXXX", created exclusively), which is flushed (fflush, fsync), checked
 * and only then renamed over the target, so that the target is either the
 * old file or the complete new one, never a partial or empty one; on any
 * failure the temporary file is removed.  A process killed in between
 * leaves the temporary file beside the target.  The new file gets the
 * mode fopen would give it (0666 less the umask, applied by the kernel).
 * Threads may write different targets at once (the training thread's
 * weights, the monitor worker's dumps): no process-wide state is touched. */
#ifndef IM_DN_ATOMIC_FILE_H
#define IM_DN_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>
#include "infomonitor/status.h"

typedef struct im_atomic {
    FILE *f;          /* write here; NULL when closed */
    const char *path; /* the target (borrowed) */
    char tmp[4096];   /* the temporary file */
} im_atomic;

/* Create the temporary file for `path`.  IM_ERR_IO (naming path), or
 * IM_ERR_ARG for a path too long. */
im_status im_atomic_open(im_atomic *a, const char *path, char *err, size_t errlen);

/* Flush, fsync and close the temporary file, then rename it over the
 * target and fsync the folder.  Any failure, a write error that stdio kept
 * (ferror) included, removes the temporary file and leaves the target as
 * it was: IM_ERR_IO "path: cannot write: ...".  a is closed either way. */
im_status im_atomic_commit(im_atomic *a, char *err, size_t errlen);

/* Close and remove the temporary file (after a failed write); safe on a
 * closed a. */
void im_atomic_abort(im_atomic *a);

/* The message for a failed write to a's target, with errno's reason. */
im_status im_atomic_write_error(const im_atomic *a, char *err, size_t errlen);

#endif
