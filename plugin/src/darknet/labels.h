/* Labels files (class names, one a line) for the Darknet adapter: the
 * labels = key of a .data file, for image lists and, optionally, IDX files.
 * Nothing here prints or exits; errors follow data.h. */
#ifndef INFOMONITOR_DARKNET_LABELS_H
#define INFOMONITOR_DARKNET_LABELS_H

#include <stddef.h>
#include "infomonitor/status.h"

/* A labels file: one label per non-empty line, leading and trailing white
 * space trimmed (inner spaces kept: "Apple Braeburn"). *labels gets n
 * malloc'd strings. IM_ERR_IO: cannot open or read. IM_ERR_FORMAT: no
 * labels, or a label repeated (both line numbers named). */
im_status im_labels_load(const char *path, char ***labels, size_t *n, char *err, size_t errlen);
void im_labels_free(char **labels, size_t n);

#endif
