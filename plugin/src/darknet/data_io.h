/* Helpers the data readers share (idx.c, labels.c, image_list.c,
 * datacfg.c). Internal to the adapter: not part of data.h. */
#ifndef INFOMONITOR_DARKNET_DATA_IO_H
#define INFOMONITOR_DARKNET_DATA_IO_H

#include <stddef.h>
#include <stdio.h>
#include "infomonitor/status.h"

/* strerror(errno), or strerror(EIO) when errno is 0 (a failure that did
 * not set it), for "cannot open/read" messages. */
const char *im_data_errno_str(void);

/* Trims spaces, tabs, '\r' and '\n' at the end of s, in place, and spaces
 * and tabs at the start too when both_ends; returns the start. */
char *im_data_trim(char *s, int both_ends);

/* Called with each non-blank line of a text file, trimmed, and its 1-based
 * number; a status other than IM_OK (its message in err) stops the reading. */
typedef im_status (*im_data_line_fn)(void *arg, int lineno, char *line, char *err, size_t errlen);

/* Every line of f (named path in messages), trimmed as im_data_trim(line,
 * both_ends); blank ones skipped.  Returns the first failing status of fn,
 * IM_ERR_IO "path: cannot read: ..." on a read error, else IM_OK. */
im_status im_data_lines(FILE *f, const char *path, int both_ends, im_data_line_fn fn, void *arg,
                        char *err, size_t errlen);

#endif
