/* The cfg of a pruned network: the original file, line for line (its
 * comments and [infomonitor] sections too), with layer K's filter count
 * changed.  Nothing here prints or exits. */
#ifndef IM_DN_PRUNE_CFG_H
#define IM_DN_PRUNE_CFG_H

#include <stddef.h>
#include <stdio.h>
#include "cfg_model.h"

/* Write m's file (m->path, read again) to f with section sec's count key
 * (`filters` of a [convolutional], `output` of a [connected]) set to
 * `count`: its line replaced by "key=count", or, when the key is absent
 * (Darknet's default 1), that line added after the section's header.
 * IM_ERR_IO naming the file when it cannot be read again or f fails. */
im_status im_prune_cfg_write(const im_cfg_model *m, const im_cfg_section *sec, const char *key,
                             size_t count, FILE *f, char *err, size_t errlen);

#endif
