/* Folders that a run writes into (the monitors' dumps): checking, before
 * anything runs, that one exists and is writable or could be made, and
 * making it.  Each function returns IM_OK, or IM_ERR_IO (IM_ERR_ARG for an
 * empty path or one of PATH_MAX bytes or more) with one line in why[whylen]
 * that names the folder at fault and the reason, for the caller to put
 * after its own context (e.g. "cfg:line: [infomonitor] dump = 'DIR': ").
 * Neither prints or exits. */
#ifndef IM_UTIL_FOLDER_H
#define IM_UTIL_FOLDER_H

#include <stddef.h>
#include "infomonitor/status.h"

/* Whether `path` is a folder this process can write into (write and search
 * permission), or could be made with im_folder_make: its nearest existing
 * ancestor is such a folder.  Creates nothing. */
im_status im_folder_check(const char *path, char *why, size_t whylen);

/* Make `path` and its missing ancestors (mode 0777 less the umask), as
 * `mkdir -p`; then check that it is a writable folder. */
im_status im_folder_make(const char *path, char *why, size_t whylen);

#endif
