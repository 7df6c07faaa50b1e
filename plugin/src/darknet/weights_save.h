/* Saving a network's weights in the plugin rather than with Darknet's
 * save_weights, which exits with status 0 on a file it cannot open
 * ("Couldn't open file") and ignores failed writes.  The bytes are the
 * same as save_weights' (weights_layout.h; tests/test_weights.c compares
 * them), written atomically (atomic_file.h). */
#ifndef IM_DN_WEIGHTS_SAVE_H
#define IM_DN_WEIGHTS_SAVE_H

#include <stddef.h>
#include "darknet.h"
#include "infomonitor/status.h"

/* Write net's weights to path: the header 0, 2, 0 and *net->seen (a
 * size_t), then the arrays of im_dn_weights_walk(IM_DN_WEIGHTS_SAVE).
 * Prints "Saving weights to <path>" on stderr, as Darknet does.  On
 * failure path is left as it was: IM_ERR_IO naming path (cannot create,
 * write, sync or rename), or IM_ERR_ARG for a path too long. */
im_status im_dn_weights_save(const network *net, const char *path, char *err, size_t errlen);

#endif
