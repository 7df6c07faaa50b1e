/* The weights of a pruned network, copied from the original one.  Nothing
 * here prints or exits. */
#ifndef IM_DN_PRUNE_WEIGHTS_H
#define IM_DN_PRUNE_WEIGHTS_H

#include <stddef.h>
#include "darknet.h"
#include "prune_plan.h"

/* Copy every array that save_weights writes (weights_layout.h) from `from`
 * (the original network, weights loaded) to `to` (parsed from the pruned
 * cfg: the same layers, layer p->dn with m filters), and its image
 * counter.  Layer p->dn keeps the filters keep[0..m-1] (ascending): their
 * biases, batch-norm values and rows of weights.  Layer p->next keeps the
 * inputs that come from them: in each of its rows of weights (a filter of
 * a convolutional reader, a unit of a connected one), the blocks of
 * p->block weights (size*size per channel; h*w per map) of the kept
 * filters.  Every
 * other array is copied whole.  IM_ERR_FORMAT (naming cfg) when the two
 * networks' arrays do not pair up as that says; IM_ERR_NOMEM. */
im_status im_prune_copy(const network *from, network *to, const im_prune_plan *p,
                        const size_t *keep, size_t m, const char *cfg, char *err, size_t errlen);

#endif
