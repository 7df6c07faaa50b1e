/* Checking a weights file against a parsed network before Darknet's
 * load_weights reads it: load_weights exits on a file it cannot open and
 * otherwise reads whatever is there (a short file leaves the rest of the
 * network as initialised, a long one is read in part), without a word. */
#ifndef IM_DN_WEIGHTS_CHECK_H
#define IM_DN_WEIGHTS_CHECK_H

#include <stddef.h>
#include "darknet.h"
#include "infomonitor/status.h"

/* IM_OK when `path` is a regular file with a plausible header (major 0,
 * minor and revision >= 0; weights_layout.h) and exactly the size that
 * load_weights reads for net: the header, `seen` (4 or 8 bytes, from the
 * header) and the floats of im_dn_weights_floats(IM_DN_WEIGHTS_LOAD).
 * Else a one-line message naming path, the expected and the actual size
 * (cfg: the network's cfg, named with it): IM_ERR_IO when path cannot be
 * opened or read, IM_ERR_FORMAT when it is not a regular file (a folder,
 * /dev/null), is empty, has an implausible header, or is shorter or longer
 * than expected, and the walk's IM_ERR_FORMAT where Darknet could not load
 * this network's weights at all. */
im_status im_dn_weights_check(const network *net, const char *cfg, const char *path, char *err,
                              size_t errlen);

#endif
