/* The layout of a Darknet weights file, as this Darknet (Debian's
 * 0.0.0+git20180914, pjreddie's tree) writes it in save_weights and reads
 * it in load_weights; tests/test_weights.c checks it against both.
 *
 * Header: int32 major, minor, revision, then `seen` (images trained on):
 * a size_t (8 bytes here) when major*10 + minor >= 2 and both are below
 * 1000, else an int32.  save_weights writes 0, 2, 0 and a size_t.  A major or
 * minor above 1000 makes load_weights transpose the connected weights,
 * which changes no size.
 *
 * Then float32 arrays, layer after layer, in this order:
 *   convolutional, deconvolutional: biases (n), [batch_normalize: scales,
 *     rolling_mean, rolling_variance (n each)], weights (nweights; on load
 *     c/groups*n*size*size, the same for convolutional layers)
 *   connected: biases (outputs), weights (inputs*outputs), [batch_normalize:
 *     scales, rolling_mean, rolling_variance (outputs each)]
 *   batchnorm: scales, rolling_mean, rolling_variance (c each)
 *   rnn: 3 connected (input, self, output layer); gru: 6 (wz, wr, wh, uz,
 *     ur, uh); lstm: 8 (wi, wf, wo, wg, ui, uf, uo, ug); crnn: 3
 *     convolutional (input, self, output layer); each as above
 *   local: biases (outputs), weights (size*size*c*n*out_w*out_h)
 *   every other type: nothing.
 * The cfg's per-layer flags: save_weights leaves out a layer with
 * `dontsave`; load_weights reads nothing for one with `dontload`, only the
 * first `numload` filters of a convolutional layer (n = numload above), and
 * no scales or rolling statistics with `dontloadscales` (for convolutional
 * and connected layers).  `stopbackward` changes nothing in the file. */
#ifndef IM_DN_WEIGHTS_LAYOUT_H
#define IM_DN_WEIGHTS_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include "darknet.h"
#include "infomonitor/status.h"

/* major, minor, revision */
#define IM_DN_WEIGHTS_VERSION_BYTES 12

/* Which of Darknet's two functions the walk follows. */
typedef enum im_dn_weights_dir {
    IM_DN_WEIGHTS_SAVE, /* what save_weights writes */
    IM_DN_WEIGHTS_LOAD  /* what load_weights reads */
} im_dn_weights_dir;

/* Called with each array of n floats at a, in file order; a status other
 * than IM_OK (its message in err) stops the walk. */
typedef im_status (*im_dn_weights_fn)(void *arg, const float *a, size_t n, char *err,
                                      size_t errlen);

/* The size of `seen` after a header with this major and minor:
 * sizeof(size_t) or 4. */
size_t im_dn_weights_seen_bytes(int32_t major, int32_t minor);

/* Walk net's arrays in the file's order for dir.  IM_ERR_FORMAT, naming
 * cfg (the network's cfg, for the message) and the layer, where
 * load_weights would crash or write past an array: a convolutional-type
 * layer with groups <= 0 (Darknet divides by it; every [deconvolutional]
 * layer has 0) or numload outside 0..n.  Else IM_OK or fn's status. */
im_status im_dn_weights_walk(const network *net, im_dn_weights_dir dir, const char *cfg,
                             im_dn_weights_fn fn, void *arg, char *err, size_t errlen);

/* *floats = the number of floats the walk visits. */
im_status im_dn_weights_floats(const network *net, im_dn_weights_dir dir, const char *cfg,
                               size_t *floats, char *err, size_t errlen);

#endif
