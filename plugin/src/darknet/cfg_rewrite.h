/* [infomonitor] sections in a Darknet .cfg.
 *
 * Darknet knows no [infomonitor] section (it would insert a zeroed layer and
 * break the next one), so the cfg is rewritten before Darknet parses it: each
 * [infomonitor] becomes `[dropout] probability=0`, a pass-through layer that
 * shares the previous layer's output and delta buffers.  Inside Darknet it
 * is a layer; to the user it is not: every route `layers=` and shortcut
 * `from=` (relative or absolute) is remapped so that it points at the layer
 * it pointed at in the cfg without monitors (cfg_model.h's two indices).
 * The text handed to Darknet is the model's: one `key=value` line per
 * option, comments and blanks gone. */
#ifndef IM_DN_CFG_REWRITE_H
#define IM_DN_CFG_REWRITE_H

#include <stddef.h>
#include "cfg_model.h"
#include "cfg_shapes.h"
#include "monitor_spec.h"

typedef struct im_cfg_rewrite {
    char *text; /* the rewritten cfg */
    size_t nmon;
    im_monitor_spec *mon; /* in layer order */
    int nlayers;          /* Darknet's layers after the rewrite, monitors included */
    im_cfg_model model;   /* the file as read (its warnings included) */
    im_dn_shapes shapes;  /* each layer's shapes and the memory estimate (cfg_shapes.h) */
} im_cfg_rewrite;

/* Read `path` (im_cfg_model_read), validate it (cfg_validate.h: keys,
 * values, shapes, which stay in out->shapes) and rewrite it.  On error: IM_ERR_IO /
 * IM_ERR_FORMAT / IM_ERR_NOMEM, *out empty, and a one-line message
 * "path:line: ..." naming the key and value.  Monitors: the options of
 * monitor_spec.h; a monitor watches the layer before it (after another
 * monitor, that monitor's layer; the shape check refuses one as the first
 * layer); names
 * default to the watched layer's short type and ordinal (conv1, fc2,
 * layer7) and must differ.  The probe monitors of a file share one probe
 * set (the largest N; each monitor takes its first N), so their probe_seed
 * must agree (all absent, or all the same number).  probe <= batch and the
 * valid split are checked later (monitor.h, the training driver). */
im_status im_cfg_rewrite_file(const char *path, im_cfg_rewrite *out, char *err, size_t errlen);
void im_cfg_rewrite_free(im_cfg_rewrite *r);

#endif
