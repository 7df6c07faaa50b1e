/* The shapes of a Darknet cfg: each layer's input and output sizes, as
 * this Darknet's parse_network_cfg (parser.c, git 61c9d02e) and its
 * make_<type>_layer functions will compute them, checked before Darknet
 * sees the cfg, so that no cfg crashes it, hangs it or trains on a
 * negative or overflowed size.  Call it after the keys and values checks
 * (cfg_validate.h runs all three); [infomonitor] sections are pass-through
 * layers here, as after the rewrite (a [dropout] sharing the previous
 * layer's buffers).
 *
 * The walk is parse_network_cfg's: [net] gives the first input (height,
 * width, channels, inputs = h*w*c unless given); each layer reads its input
 * w, h, c and inputs from the layer before (out_w, out_h, out_c, outputs),
 * with Darknet's defaults (conv padding = pad ? size/2 : padding, maxpool
 * stride 1, size = stride, padding = size-1, upsample stride 2, reorg
 * stride 1, ...), and Darknet's rounding (C integer division).  Darknet's
 * batch is batch / subdivisions * time_steps; rnn, gru, lstm and crnn
 * divide it by time_steps again.  Layers that leave no image behind
 * (softmax, cost, detection, rnn, gru, lstm, reorg with extra) have out_w =
 * out_h = out_c = 0 and only outputs, as in Darknet.
 *
 * Errors (IM_ERR_FORMAT, the first in file order, one line):
 *   "path:line: [type] key = 'value': <what>" where a key is to blame
 *   ("key = N (the default)" when it is not written), or
 *   "path:line: [type] (layer K): <what>" for the layer as a whole.
 *   - [net]: batch, subdivisions, time_steps >= 1 and batch / subdivisions
 *     >= 1 (else Darknet trains on mini-batches of 0); height, width and
 *     channels all >= 1, or none of them and inputs >= 1 (Darknet exits with
 *     "No input parameters supplied"); inputs = height*width*channels when
 *     both are given (the input array holds inputs values a sample, the first
 *     layer reads h*w*c); min_crop <= max_crop (defaults width and 2*width).
 *   - filters, size, stride, output, output_filters, hidden_filters,
 *     crop_height, crop_width, num, side, lrn size >= 1; padding, extra,
 *     classes, ids >= 0; pad, reverse, flatten 0 or 1; coords >= 4 for
 *     [region] and [detection] (their box code reads 4 coordinates).
 *   - conv groups >= 1, dividing the input channels and the filters
 *     (forward_convolutional_layer runs filters/groups filters on
 *     channels/groups channels per group, so a remainder is silently
 *     dropped); softmax groups >= 1 dividing its inputs (an assert).
 *   - every layer's output sizes >= 1: conv (w + 2p - size)/stride + 1,
 *     deconv (w-1)*stride + size - 2p, maxpool (w + padding - size)/stride
 *     + 1, local (w - (pad ? 1 : size))/stride + 1, upsample w*stride or
 *     w/-stride, crop within its input, route and reorg sums, and outputs
 *     >= 1 for every layer (a zero-sized layer trains on nothing).
 *   - a conv, deconv, local, crop, reorg, maxpool or avgpool needs an image
 *     input (w, h, c >= 1; Darknet exits "Layer before ... must output
 *     image" after softmax, cost, detection, rnn, gru, lstm).
 *   - route layers= and shortcut from= (required: Darknet reads them with
 *     strlen/atoi of NULL): whole numbers, relative (-k) or absolute, each
 *     naming a layer strictly before this one, in the numbering without
 *     monitors; route inputs of one w and h (else Darknet sets the route's
 *     shape to 0 x 0 x 0); shortcut input and source with w, h >= 1 and
 *     shortcut_cpu's asserts (w1/w2 == h1/h2 and w2/w1 == h2/h1).
 *   - region, yolo, iseg and detection sized as their input (Darknet asserts
 *     outputs == inputs): c = num*(classes+coords+1), mask count*(classes+5),
 *     classes+ids, side*side*((1+coords)*num+classes) = inputs.
 *   - reorg: stride >= 1; unless extra, w and h divisible by stride (not
 *     reverse) and c by stride^2 (reverse, or not flatten): reorg_cpu and
 *     flatten move w*h*c values whatever the output holds.
 *   - [softmax] and [region] tree= a file that opens (read_tree does not
 *     check fopen, and crashes).
 *   - local: pad=1 only with size 3 (local_out_height assumes a padding of
 *     1, im2col pads by pad pixels).
 *   - Darknet's int sizes: every product Darknet stores in an int (outputs,
 *     inputs, batch*outputs, weights counts such as c/groups*n*size*size and
 *     c*n*size*size*locations, im2col's column count size*size*c*out_h*out_w)
 *     at most INT_MAX.
 *   - the shared workspace: Darknet allocates the largest workspace_size of
 *     its layers, in bytes; a [local] counts its floats as bytes and a
 *     [crnn] counts none for its three 3x3 convs, so either writes past the
 *     workspace unless another layer's is large enough: refused then.
 *   - layer orders that crash this Darknet's training.  backward_network
 *     hands the first layer net->delta, which parse_network_cfg never
 *     allocates, and a [crop] has no delta either (make_crop_layer makes
 *     none), nor a monitor after a loss layer (monitor.h detaches it).  So a layer whose
 *     backward writes into the previous delta unchecked (activation,
 *     avgpool, batchnorm, cost, detection, iseg, l2norm, logistic, lrn,
 *     maxpool, region, reorg, shortcut, softmax, upsample, yolo) cannot
 *     follow such a place, and route and shortcut cannot take a layer
 *     without a delta (they add into it); a [dropout] cannot be first (its
 *     output is the previous layer's, layers[-1]), nor an [infomonitor]
 *     (it watches the layer before it).  Layers at or before a
 *     stopbackward=1 never run backward and are exempt.  (A fix at the
 *     plugin level is possible: calloc net->delta and the [crop] deltas
 *     after parsing, since crop's backward passes nothing on.  The plugin
 *     does not, so that Darknet runs as it would on its own.)
 *   - CPU builds (no -DGPU): [batchnorm] anywhere (make_batchnorm_layer
 *     allocates x and x_norm only for the GPU, and forward_batchnorm_layer
 *     copies into x) and [lstm] (make_lstm_layer sets no CPU backward
 *     function, a NULL call, and no delta, which forward clears).
 *   - memory: the estimate below larger than the physical memory
 *     (sysconf _SC_PHYS_PAGES * _SC_PAGESIZE), with the estimate and the
 *     largest layer in the message.  Darknet callocs everything at parse
 *     time and touches it in the first iteration; beyond physical memory
 *     the machine swaps or the OOM killer ends the run.
 * Warning (im_cfg_warn): [gru] in a CPU build: backward_gru_layer is empty,
 * so the gru layers and every layer before them never learn.
 *
 * The memory estimate is the sum of the arrays Darknet callocs: per layer
 * its output, delta and the other batch-sized arrays (x, x_norm, maxpool
 * indexes, softmax loss, dropout rand, ...) at Darknet's batch, weights and
 * their updates (and Adam's m, v), biases and batch-norm vectors, the
 * recurrent layers' inner connected or conv layers; once for the network:
 * the largest workspace, the input and the truth.  Not counted: structs,
 * the monitors' own copies (monitor.h), the data set, OpenBLAS's buffers.
 * It matches the virtual memory a real parse_network_cfg allocates to a
 * few percent (tests/test_check.py). */
#ifndef IM_DN_CFG_SHAPES_H
#define IM_DN_CFG_SHAPES_H

#include <stddef.h>
#include <stdint.h>
#include "cfg_model.h"
#include "infomonitor/status.h"

typedef struct im_dn_layer_shape {
    int w, h, c, inputs;              /* the input Darknet hands the layer */
    int out_w, out_h, out_c, outputs; /* 0 x 0 x 0 for layers without an image */
    int filters, size, stride;        /* 0 where the type has none */
    uint64_t bytes;                   /* this layer's arrays (the estimate's share) */
} im_dn_layer_shape;

typedef struct im_dn_shapes {
    int batch;           /* Darknet's net->batch: batch / subdivisions * time_steps */
    int h, w, c, inputs; /* the network input ([net]) */
    int outputs;         /* net->outputs: the last layer that is not a [cost] */
    uint64_t bytes;      /* the memory estimate, monitors' pass-through layers included */
    uint64_t phys;       /* the physical memory it was checked against */
    int nlayers;
    im_dn_layer_shape *layer; /* [nlayers], by index without monitors */
} im_dn_shapes;

/* Check m's shapes (the rules above) and fill *out.  IM_OK;
 * IM_ERR_FORMAT; IM_ERR_NOMEM.  On error *out is empty (freeing it is
 * harmless).  May add a warning to m->warnings. */
im_status im_dn_cfg_shapes(im_cfg_model *m, im_dn_shapes *out, char *err, size_t errlen);
void im_dn_shapes_free(im_dn_shapes *s);

#endif
