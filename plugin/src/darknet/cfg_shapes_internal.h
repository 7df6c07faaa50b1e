/* Shared by the shape walk (cfg_shapes.c), the per-type rules
 * (cfg_shapes_image.c, cfg_shapes_flat.c), the helpers (cfg_shapes_util.c)
 * and the layer-order, workspace and memory checks (cfg_shapes_order.c).
 * Not an API: see cfg_shapes.h. */
#ifndef IM_DN_CFG_SHAPES_INTERNAL_H
#define IM_DN_CFG_SHAPES_INTERNAL_H

#include "cfg_shapes.h"

/* Darknet's layer types, as far as the walk tells them apart. */
typedef enum sh_type {
    SH_CONV, SH_DECONV, SH_LOCAL, SH_CONNECTED, SH_MAXPOOL, SH_AVGPOOL, SH_DROPOUT,
    SH_SOFTMAX, SH_COST, SH_ROUTE, SH_SHORTCUT, SH_UPSAMPLE, SH_REORG, SH_REGION, SH_YOLO,
    SH_ISEG, SH_DETECTION, SH_CROP, SH_LRN, SH_BATCHNORM, SH_ACTIVATION, SH_L2NORM,
    SH_LOGISTIC, SH_RNN, SH_GRU, SH_LSTM, SH_CRNN, SH_MONITOR
} sh_type;

/* Why the delta before a layer is missing (cfg_shapes_order.c). */
typedef enum sh_nodelta { SH_HAS_DELTA, SH_NO_NET_DELTA, SH_NO_OWN_DELTA, SH_DETACHED } sh_nodelta;

/* The walk's state while one section is read. */
typedef struct sh_walk {
    im_cfg_model *m;
    const im_cfg_section *s;    /* the section being read */
    const im_cfg_section *prev; /* the Darknet layer before it (a monitor too), or NULL */
    im_dn_shapes *out;
    int adam;                   /* [net] adam: Adam's m and v per weight */
    int steps;                  /* [net] time_steps */
    uint64_t ws_alloc;          /* this layer's workspace_size (bytes), as Darknet sets it */
    uint64_t ws_need;           /* the workspace bytes its forward and backward use */
    long long truths;           /* this layer's truths (the loss heads'), else 0 */
    /* The layer orders (cfg_shapes_order.c): */
    sh_nodelta prev_delta;      /* of the Darknet layer before this one */
    const im_cfg_section *nodelta_at; /* the section that has none, if any */
    sh_type watched;            /* the last layer that is not a monitor */
    unsigned char *delta_of;    /* [nlayers]: whether layer k (no monitors) has a delta */
    size_t last_stop;           /* the last section with stopbackward=1, or 0 */
    size_t at;                  /* w->s's index in m->sec */
    char *err;
    size_t errlen;
} sh_walk;

/* One layer type's rule: read w->s's keys, check them against the input
 * (l's w, h, c and inputs, already set), set l's outputs and
 * filters/size/stride, add its arrays to l->bytes (im_sh_floats) and its
 * workspace to w->ws_alloc and w->ws_need.  IM_OK or IM_ERR_FORMAT. */
typedef im_status (*sh_rule)(sh_walk *w, im_dn_layer_shape *l);

/* cfg_shapes_image.c: layers that need an image input. */
im_status im_sh_conv(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_deconv(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_local(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_maxpool(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_avgpool(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_crop(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_reorg(sh_walk *w, im_dn_layer_shape *l);

/* cfg_shapes_keep.c: layers that keep or scale their input's shape, and
 * the loss heads sized by it. */
im_status im_sh_dropout(sh_walk *w, im_dn_layer_shape *l); /* monitors too */
im_status im_sh_activation(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_keep3(sh_walk *w, im_dn_layer_shape *l); /* l2norm, logistic */
im_status im_sh_upsample(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_lrn(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_batchnorm(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_softmax(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_cost(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_region(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_yolo(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_iseg(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_detection(sh_walk *w, im_dn_layer_shape *l);

/* cfg_shapes_flat.c: connected and recurrent layers, route and shortcut. */
im_status im_sh_connected(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_rnn(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_gru(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_lstm(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_crnn(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_route(sh_walk *w, im_dn_layer_shape *l);
im_status im_sh_shortcut(sh_walk *w, im_dn_layer_shape *l);

/* cfg_shapes_util.c: keys, messages, sizes. */
/* Key `key` of w->s, a whole number in [lo, INT_MAX]; def when absent. */
im_status im_sh_int(sh_walk *w, const char *key, long long def, long long lo, int *out);
/* A flag (0 or 1); def when absent. */
im_status im_sh_flag(sh_walk *w, const char *key, int def, int *out);
/* "path:line: [type] key = 'value': " (or "key = val (the default): ")
 * and the message. */
im_status im_sh_bad(const sh_walk *w, const char *key, long long val, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "path:line: [type] (layer K): " ("path:line: [net]: ") and the message. */
im_status im_sh_bad_layer(const sh_walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "W x H x C" of an output, or "N values" without an image. */
void im_sh_describe(int w, int h, int c, int n, char *buf, size_t len);
/* A tree= (softmax, region) names a file that opens: read_tree reads a
 * NULL FILE otherwise. */
im_status im_sh_tree_file(const sh_walk *w);
/* The input is an image (w, h, c >= 1), as parse_<type> demands. */
im_status im_sh_need_image(const sh_walk *w, const im_dn_layer_shape *l);
/* The output: sizes and outputs >= 1 (key: the one to blame). */
im_status im_sh_out(const sh_walk *w, im_dn_layer_shape *l, const char *key, long long val,
                    long long ow, long long oh, long long oc);
/* a * b, saturated at IM_SH_HUGE (factors >= 0). */
#define IM_SH_HUGE ((long long)1 << 62)
long long im_sh_mul(long long a, long long b);
/* v, a product Darknet stores in an int, <= INT_MAX; else the error
 * "what = v exceeds Darknet's int". */
im_status im_sh_int_fits(const sh_walk *w, long long v, const char *what);
/* Add n floats (or ints: the same size) to l->bytes. */
void im_sh_floats(im_dn_layer_shape *l, long long n);
/* The arrays of a connected layer of batch b, inputs in -> outputs outs
 * (make_connected_layer); bn: batch_normalize. */
im_status im_sh_connected_arrays(const sh_walk *w, im_dn_layer_shape *l, long long b,
                                 long long in, long long outs, int bn);
/* The arrays of a conv layer of batch b with nw weights, n filters and
 * `outputs` per sample (make_convolutional_layer); bn: batch_normalize. */
im_status im_sh_conv_arrays(const sh_walk *w, im_dn_layer_shape *l, long long b, long long nw,
                            long long n, long long outputs, int bn);

/* cfg_shapes_order.c: the orders that crash this Darknet, checked before
 * layer t (w->s) is added; then the delta it leaves for the next. */
im_status im_sh_order(sh_walk *w, sh_type t);
void im_sh_order_next(sh_walk *w, sh_type t);
/* Route and shortcut add into the delta of the layer they take. */
im_status im_sh_ref_delta(const sh_walk *w, const char *key, int target);
/* After the walk: the shared workspace (largest alloc[i] against need[i]
 * of the nsec sections) and the memory. */
im_status im_sh_workspace(sh_walk *w, const uint64_t *alloc, const uint64_t *need);
im_status im_sh_memory(sh_walk *w);

#endif
