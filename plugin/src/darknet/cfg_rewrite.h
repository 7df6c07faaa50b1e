/* [infomonitor] sections in a Darknet .cfg.
 *
 * Darknet knows no [infomonitor] section (it would insert a zeroed layer and
 * break the next one), so the cfg is rewritten before Darknet parses it: each
 * [infomonitor] becomes `[dropout] probability=0`, a pass-through layer that
 * shares the previous layer's output and delta buffers.  It still counts as
 * a layer, so route/shortcut indices keep the meaning the user wrote.  The
 * monitor's options are parsed and checked here, with file and line. */
#ifndef IM_DN_CFG_REWRITE_H
#define IM_DN_CFG_REWRITE_H

#include <stddef.h>
#include "infomonitor/infomonitor.h"

/* Quantities a monitor can compute (the `quantities` option). */
enum {
    IM_Q_IXT = 1u << 0,   /* I(X;T) */
    IM_Q_ITY = 1u << 1,   /* I(T;Y) */
    IM_Q_MMI = 1u << 2,   /* split a conv-shaped T (and delta) into its C feature maps (Eq. 7) */
    IM_Q_DELTA = 1u << 3, /* I(delta_K; delta_k), the error chain */
    IM_Q_PID = 1u << 4    /* pair quantities over feature maps (Eqs. 11-12), about X and Y;
                             implies IM_Q_MMI */
};
#define IM_Q_DEFAULT (IM_Q_IXT | IM_Q_ITY | IM_Q_MMI | IM_Q_DELTA)

typedef struct im_monitor_spec {
    char name[64];       /* `name`, default from the watched layer (conv1, fc2, ...) */
    int index;           /* this section's layer index (a dropout after rewriting) */
    int layer;           /* index of the watched layer */
    int line;            /* line of the [infomonitor] header */
    int every;           /* measure every N iterations (1) */
    int samples;         /* n; 0 = the batch size */
    double alpha;        /* 1.01 */
    double h;            /* Silverman multiplier for X and T (5) */
    double delta_h;      /* Silverman multiplier for the error chain (0.1) */
    im_width_rule rule;  /* kernel_width: a rule name of im_width_rule_parse */
    double sigma;        /* fixed sigma (kernel_width=fixed) */
    double median;       /* median fraction (kernel_width=median; 0.15) */
    unsigned quantities; /* IM_Q_* bits */
    char backend[16];    /* spectrum back end: "auto" (the fastest that starts) or a name
                            of the registry (im_backend_known); a longer name is refused */
    int probe;           /* N >= 2: T, X and Y of the forward quantities come from a
                            fixed probe of N valid samples (monitor.h); 0 = the batch */
    /* The probe is N valid samples drawn with this seed (>= 0); -1 = the
     * valid split's first N. */
    long long probe_seed;
} im_monitor_spec;

typedef struct im_cfg_rewrite {
    char *text; /* the rewritten cfg */
    size_t nmon;
    im_monitor_spec *mon; /* in layer order */
    int nlayers;          /* layers after [net] */
} im_cfg_rewrite;

/* Read `path` and rewrite it.  On error: IM_ERR_IO / IM_ERR_FORMAT /
 * IM_ERR_NOMEM, *out empty, and a one-line message "path:line: ..." naming
 * the key and value.  Each monitor key may be given once; sigma needs
 * kernel_width = fixed (which needs a sigma), median needs kernel_width = median.
 * probe: samples is not given with it (n = probe), quantities must hold a
 * forward one (ixt, ity or pid: the error chain stays on the batch), and
 * probe_seed needs it.  The probe monitors of a file share one probe set
 * (the largest N; each monitor takes its first N), so their probe_seed must
 * agree (all absent, or all the same number).  probe <= batch and the valid
 * split are checked later (monitor.h, the training driver). */
im_status im_cfg_rewrite_file(const char *path, im_cfg_rewrite *out, char *err, size_t errlen);
void im_cfg_rewrite_free(im_cfg_rewrite *r);

#endif
