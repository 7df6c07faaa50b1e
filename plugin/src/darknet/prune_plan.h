/* Which layers a pruning of layer K touches, and whether this plugin can
 * prune it: K itself (its filters go) and the next layer that reads them
 * (its inputs from those filters go).  Nothing here prints or exits. */
#ifndef IM_DN_PRUNE_PLAN_H
#define IM_DN_PRUNE_PLAN_H

#include <stddef.h>
#include "analysis_load.h"

typedef struct im_prune_plan {
    int dn;       /* K's Darknet index */
    int next;     /* the reader's Darknet index: the first convolutional or connected layer
                     after K, past only [maxpool], [avgpool], [dropout] and monitors, which keep
                     the channels */
    size_t C;     /* K's filters */
    size_t block; /* the reader's weights per filter of K in each of its rows of weights (a
                     filter of a convolutional reader, a unit of a connected one): size*size
                     for a convolutional reader (a channel), h*w for a connected one (a map,
                     after pooling) */
    const im_cfg_section *next_sec; /* the reader's section (in the network's model) */
} im_prune_plan;

/* The plan for a->layer.  IM_ERR_ARG, naming the layer, its section and
 * line, when K or its reader is a grouped convolution or loads or saves
 * only part of its weights (numload, dontload, dontloadscales, dontsave),
 * when another layer comes between them (a [route], a [batchnorm], ...)
 * or none reads K (its outputs feed the loss: pruning would change the
 * network's outputs), and when a [route] or [shortcut] reads K or a layer
 * between K and its reader. */
im_status im_prune_plan_make(const im_an_net *a, im_prune_plan *p, char *err, size_t errlen);

#endif
