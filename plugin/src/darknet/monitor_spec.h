/* The options of one [infomonitor] section: parsed, defaulted and checked.
 * Each error is IM_ERR_FORMAT with "path:line: [infomonitor] ..." naming
 * the key and value. */
#ifndef IM_DN_MONITOR_SPEC_H
#define IM_DN_MONITOR_SPEC_H

#include <stddef.h>
#include "cfg_model.h"
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

/* The longest `dump` folder, with its terminating zero. */
#define IM_DUMP_PATH_MAX 1024

typedef struct im_monitor_spec {
    char name[64];       /* `name`, default from the watched layer (conv1, fc2, ...) */
    int index;           /* Darknet's index of this section's pass-through layer */
    int layer;           /* Darknet's index of the watched layer (monitors counted) */
    int user_layer;      /* the watched layer's index without monitors: the index users
                            write and see (cfg_model.h; the CSV's `layer`) */
    int line;            /* line of the [infomonitor] header */
    int every;           /* measure every N iterations (1) */
    int samples;         /* n; 0 = the batch size */
    double alpha;        /* 1.01 */
    double h;            /* width multiplier for X and T (the rule's default) */
    double delta_h;      /* multiplier for the error chain (width_defaults) */
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
    /* `dump`: the folder DIR under which the measured arrays go, in
     * DIR/<name>/ (monitor.h); "" = no dump.  Every dump_every-th measured
     * iteration (1: each), at most dump_max iterations (100). */
    char dump[IM_DUMP_PATH_MAX];
    int dump_every, dump_max;
} im_monitor_spec;

/* The quantity names of bits (IM_Q_* as the `quantities` option spells
 * them: "ixt,ity,mmi,delta,pid" order) into out[len], cut to fit. */
void im_monitor_quantities_str(unsigned bits, char *out, size_t len);

/* Parse [infomonitor] section s of m into *spec: the defaults, then each
 * option.  Each key may be given once; sigma needs kernel_width = fixed
 * (which needs a sigma), median needs kernel_width = median.  probe:
 * samples is not given with it (n = probe), quantities must hold a forward
 * one (ixt, ity or pid: the error chain stays on the batch), and probe_seed
 * needs it.  dump: a folder that exists and is writable or could be made
 * (im_folder_check; nothing is created here); dump_every and dump_max need
 * it.  The indices and the name are left to the caller
 * (cfg_rewrite.h); name stays empty unless given. */
im_status im_monitor_spec_parse(const im_cfg_model *m, const im_cfg_section *s,
                                im_monitor_spec *spec, char *err, size_t errlen);

#endif
