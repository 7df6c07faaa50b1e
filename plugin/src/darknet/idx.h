/* IDX files (the MNIST format) for the Darknet adapter. Nothing here prints
 * or exits; errors follow data.h. */
#ifndef INFOMONITOR_DARKNET_IDX_H
#define INFOMONITOR_DARKNET_IDX_H

#include <stddef.h>
#include "infomonitor/status.h"
#include "dataset.h"

/* IDX files, gzip-compressed or plain (zlib reads both):
 *   images: magic 0x00000803 (unsigned bytes, 3 dims), then big-endian
 *           uint32 n, rows, cols, then n*rows*cols bytes, row-major;
 *   labels: magic 0x00000801 (unsigned bytes, 1 dim), then uint32 n, then
 *           n bytes.
 * Pixels become p/255.0 (as Darknet's image loader computes them); c = 1,
 * h = rows, w = cols. classes > 0: every label must be below it; classes = 0:
 * not checked, and out->classes = max label + 1.
 * IM_ERR_IO: a file cannot be opened or read. IM_ERR_FORMAT: bad magic,
 * truncated header or data, trailing data, no samples, label count !=
 * image count, label >= classes. */
im_status im_idx_load(const char *images, const char *labels, size_t classes, im_dataset *out,
                      char *err, size_t errlen);

#endif
