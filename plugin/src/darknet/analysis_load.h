/* The common start of the analyses of one trained layer (width, rank,
 * prune): the network with its checked weights, the .data file's valid
 * split, and the layer K that the user names.  Nothing here prints or
 * exits. */
#ifndef IM_DN_ANALYSIS_LOAD_H
#define IM_DN_ANALYSIS_LOAD_H

#include <stddef.h>
#include "cfg_rewrite.h"
#include "darknet.h"
#include "data.h"
#include "infomonitor/status.h"

typedef struct im_an_net {
    im_datacfg dc;
    im_cfg_rewrite rw; /* rw.model is the cfg as read */
    network *net;
    im_dataset data; /* the valid split, at the network's input size */
    int layer;       /* K, counting the layers without monitors (cfg_model.h's layer) */
    size_t sec;      /* rw.model.sec[sec] is K's section */
    int dn;          /* K's index among Darknet's layers (monitors included) */
    size_t C, d;     /* K's filters and each one's values per sample: a conv layer's
                        out_c maps of out_h*out_w, a connected layer's outputs units of 1 */
} im_an_net;

/* Load datacfg (its warnings printed, as valid does), the network of cfg
 * with `weights` (checked against the cfg before Darknet reads them:
 * net_load.h), the valid split, and check K.  Errors, each a one-line
 * message: IM_ERR_ARG for a K outside 0..layers-1 (naming K and the range)
 * or a layer that is not convolutional or connected (naming K, its
 * section, cfg line and Darknet type); IM_ERR_FORMAT for a .data file
 * without `valid` or whose classes differ from the network's outputs; the
 * errors of im_dn_load_net and of the split's loader.  *a must be closed
 * with im_an_close, also on failure. */
im_status im_an_open(const char *datacfg, const char *cfg, const char *weights, int layer,
                     im_an_net *a, char *err, size_t errlen);

void im_an_close(im_an_net *a);

/* The layer of K (Darknet's struct). */
const layer *im_an_layer(const im_an_net *a);

/* The forward pass (Darknet's inference path: network_predict, net->batch
 * rows at a time, the last chunk padded with zeros) of the m data rows
 * rows[0..m-1] (indices into a->data): t receives layer K's outputs, m rows
 * of C*d floats (Darknet's layout: map c of row i at t + i*C*d + c*d).
 * IM_OK, or IM_ERR_NOMEM. */
im_status im_an_forward(im_an_net *a, const size_t *rows, size_t m, float *t, char *err,
                        size_t errlen);

#endif
