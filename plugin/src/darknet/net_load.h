/* Loading a network for training or validation: the ABI guard, the
 * [infomonitor] rewrite, parsing, weights, and the checks of a .data file
 * against the parsed network.  Nothing here prints or exits. */
#ifndef IM_DN_NET_LOAD_H
#define IM_DN_NET_LOAD_H

#include <stdint.h>
#include "cfg_rewrite.h"
#include "darknet.h"
#include "data.h"
#include "infomonitor/status.h"

/* Parse rw's text (through cfg_text.h: no file is left behind) after
 * srand(seed), guard its maxpool layers (maxpool_guard.h), and give the
 * pass-throughs after loss layers their own deltas.  *out gets the network (free_network).  Darknet's parser exits
 * or aborts on some cfg errors; otherwise the errors of im_cfg_text_open. */
im_status im_dn_parse(const im_cfg_rewrite *rw, uint64_t seed, network **out, char *err,
                      size_t errlen);

/* Check the ABI (im_dn_check_abi), select Darknet's device `gpu` (-1: the
 * CPU path; im_dn_select_gpu), rewrite cfg into *rw, parse it
 * (im_dn_parse), then check `weights` (NULL: none) against the network
 * (im_dn_weights_check: a regular file of exactly the size load_weights
 * reads for it) and load them and, with `clear`, reset the image counter.
 * *out gets the network (free_network); *rw must be freed by the caller,
 * also on failure.  IM_ERR_BACKEND: ABI mismatch; the errors of
 * im_dn_select_gpu, of the
 * rewrite, of im_dn_parse and of the weights check otherwise. */
im_status im_dn_load_net(const char *cfg, const char *weights, int clear, uint64_t seed,
                         int gpu, im_cfg_rewrite *rw, network **out, char *err, size_t errlen);

/* IM_ERR_FORMAT unless dc's classes equal the network's outputs (net->outputs,
 * or the shape check's, cfg_shapes.h) and its top is in 1..classes; the
 * message names the .data file (and the line of `classes`). */
im_status im_dn_check_data(const im_datacfg *dc, int outputs, char *err, size_t errlen);

#endif
