/* The Darknet adapter as the CLI sees it.
 *
 * The adapter (plugin/src/darknet, built as libinfomonitor-darknet.so) is the
 * only code that links libdarknet.  ./infomonitor dlopens it for the verbs
 * that need a network and finds everything through one exported function,
 * im_dn_adapter_get(), which returns a table of entry points.  This header
 * includes nothing of Darknet's, so the CLI compiles without darknet.h. */
#ifndef IM_DN_ADAPTER_H
#define IM_DN_ADAPTER_H

#include <stddef.h>
#include "analysis.h"
#include "driver.h"

/* Bumped whenever the table or the types it uses change. */
#define IM_DN_ADAPTER_ABI 5
#define IM_DN_ADAPTER_LIB "libinfomonitor-darknet.so"
#define IM_DN_ADAPTER_SYM "im_dn_adapter_get"

typedef struct im_dn_adapter {
    int abi;             /* IM_DN_ADAPTER_ABI of the adapter's build */
    const char *version; /* IM_VERSION of the adapter's build */
    im_status (*train)(const im_train_opts *o, char *err, size_t errlen);
    im_status (*valid)(const char *datacfg, const char *cfg, const char *weights, char *err,
                       size_t errlen);
    im_status (*check)(const char *cfg, const char *datacfg, char *err, size_t errlen);
    im_status (*width)(const im_width_opts *o, char *err, size_t errlen);
    im_status (*rank)(const im_rank_opts *o, char *err, size_t errlen);
    im_status (*prune)(const im_prune_opts *o, char *err, size_t errlen);
} im_dn_adapter;

/* The adapter's table (static storage). */
__attribute__((visibility("default"))) const im_dn_adapter *im_dn_adapter_get(void);

#endif
