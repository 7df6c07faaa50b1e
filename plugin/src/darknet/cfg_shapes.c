/* The shape walk (cfg_shapes.h): [net], then each section in order, as
 * parse_network_cfg (parser.c, Darknet git 61c9d02e) reads them. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cfg_shapes_internal.h"
#include "util/errfmt.h"

static const struct {
    const char *name;
    sh_type t;
    sh_rule rule;
} kinds[] = {
    {"[conv]", SH_CONV, im_sh_conv},           {"[convolutional]", SH_CONV, im_sh_conv},
    {"[deconv]", SH_DECONV, im_sh_deconv},     {"[deconvolutional]", SH_DECONV, im_sh_deconv},
    {"[local]", SH_LOCAL, im_sh_local},        {"[conn]", SH_CONNECTED, im_sh_connected},
    {"[connected]", SH_CONNECTED, im_sh_connected},
    {"[max]", SH_MAXPOOL, im_sh_maxpool},      {"[maxpool]", SH_MAXPOOL, im_sh_maxpool},
    {"[avg]", SH_AVGPOOL, im_sh_avgpool},      {"[avgpool]", SH_AVGPOOL, im_sh_avgpool},
    {"[dropout]", SH_DROPOUT, im_sh_dropout},  {"[soft]", SH_SOFTMAX, im_sh_softmax},
    {"[softmax]", SH_SOFTMAX, im_sh_softmax},  {"[cost]", SH_COST, im_sh_cost},
    {"[route]", SH_ROUTE, im_sh_route},        {"[shortcut]", SH_SHORTCUT, im_sh_shortcut},
    {"[upsample]", SH_UPSAMPLE, im_sh_upsample}, {"[reorg]", SH_REORG, im_sh_reorg},
    {"[region]", SH_REGION, im_sh_region},     {"[yolo]", SH_YOLO, im_sh_yolo},
    {"[iseg]", SH_ISEG, im_sh_iseg},           {"[detection]", SH_DETECTION, im_sh_detection},
    {"[crop]", SH_CROP, im_sh_crop},           {"[lrn]", SH_LRN, im_sh_lrn},
    {"[normalization]", SH_LRN, im_sh_lrn},    {"[batchnorm]", SH_BATCHNORM, im_sh_batchnorm},
    {"[activation]", SH_ACTIVATION, im_sh_activation},
    {"[l2norm]", SH_L2NORM, im_sh_keep3},      {"[logistic]", SH_LOGISTIC, im_sh_keep3},
    {"[rnn]", SH_RNN, im_sh_rnn},              {"[gru]", SH_GRU, im_sh_gru},
    {"[lstm]", SH_LSTM, im_sh_lstm},           {"[crnn]", SH_CRNN, im_sh_crnn},
    {"[infomonitor]", SH_MONITOR, im_sh_dropout}, /* a pass-through [dropout] after the rewrite */
};

/* cfg_model.c admits only these names after [net]. */
static sh_type kind_of(const im_cfg_section *s, sh_rule *rule)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(s->type, kinds[i].name)) {
            *rule = kinds[i].rule;
            return kinds[i].t;
        }
    *rule = im_sh_dropout;
    return SH_MONITOR;
}

/* batch, subdivisions, time_steps: Darknet's batch = batch / subdivisions * time_steps. */
static im_status net_batch(sh_walk *w)
{
    int b, sub;
    im_status st = im_sh_int(w, "batch", 1, 1, &b);
    if (st == IM_OK)
        st = im_sh_int(w, "subdivisions", 1, 1, &sub);
    if (st == IM_OK)
        st = im_sh_int(w, "time_steps", 1, 1, &w->steps);
    if (st != IM_OK)
        return st;
    if (b / sub < 1)
        return im_sh_bad(w, "subdivisions", sub,
                         "expected at most batch = %d (Darknet would train on mini-batches of "
                         "batch / subdivisions = 0)",
                         b);
    long long nb = im_sh_mul(b / sub, w->steps);
    if (nb > INT_MAX)
        return im_sh_bad(w, "time_steps", w->steps,
                         "batch / subdivisions x time_steps = %lld exceeds Darknet's int", nb);
    w->out->batch = (int)nb;
    return IM_OK;
}

/* height, width, channels (all or none), inputs (h*w*c when not given). */
static im_status net_input(sh_walk *w)
{
    static const char *const keys[] = {"height", "width", "channels"};
    int v[3] = {0, 0, 0}, given = 0;
    for (int i = 0; i < 3; i++)
        given |= im_cfg_find(w->s, keys[i]) != NULL;
    for (int i = 0; i < 3 && given; i++) {
        im_status st = im_sh_int(w, keys[i], 0, 1, &v[i]);
        if (st == IM_OK && v[i] < 1)
            st = im_sh_bad(w, keys[i], 0,
                           "expected a whole number >= 1 (an image input needs height, width and "
                           "channels; a flat one inputs= alone)");
        if (st != IM_OK)
            return st;
    }
    long long hwc = im_sh_mul(im_sh_mul(v[0], v[1]), v[2]);
    if (hwc > INT_MAX)
        return im_sh_bad(w, "channels", v[2],
                         "height x width x channels = %lld exceeds Darknet's int", hwc);
    int in;
    im_status st = im_sh_int(w, "inputs", hwc, 1, &in);
    if (st == IM_OK && given && in != hwc)
        return im_sh_bad(w, "inputs", in,
                         "expected height x width x channels = %lld (the first layer reads that "
                         "many values a sample)",
                         hwc);
    if (st == IM_OK && in < 1)
        return im_sh_bad_layer(w, "needs height, width and channels, or inputs (Darknet exits: "
                                  "'No input parameters supplied')");
    w->out->h = v[0];
    w->out->w = v[1];
    w->out->c = v[2];
    w->out->inputs = in;
    return st;
}

static im_status net_options(sh_walk *w)
{
    long long adam, max, min;
    im_status st = net_batch(w);
    if (st == IM_OK)
        st = net_input(w);
    if (st != IM_OK)
        return st;
    im_cfg_int(w->m, w->s, "adam", 0, 0, 1, &adam, NULL, 0);
    im_cfg_int(w->m, w->s, "max_crop", 2LL * w->out->w, 0, INT_MAX, &max, NULL, 0);
    im_cfg_int(w->m, w->s, "min_crop", w->out->w, 0, INT_MAX, &min, NULL, 0);
    w->adam = (int)adam;
    if (min > max)
        return im_sh_bad(w, "min_crop", min,
                         "expected at most max_crop = %lld%s (the crops are drawn between them)",
                         max, im_cfg_find(w->s, "max_crop") ? "" : " (2 x width, the default)");
    if (w->m->nlayers < 1)
        return im_sh_bad_layer(w, "the network has no layers");
    return IM_OK;
}

/* The last section with stopbackward=1 (0 if none): backward_network stops there. */
static size_t last_stop(const im_cfg_model *m)
{
    size_t last = 0;
    for (size_t i = 1; i < m->nsec; i++) {
        const im_cfg_opt *o = im_cfg_find(&m->sec[i], "stopbackward");
        if (o != NULL && strcmp(o->val, "0"))
            last = i;
    }
    return last;
}

static im_status warn_gru(sh_walk *w)
{
#ifndef GPU
    if (im_cfg_warn(w->m, w->s->line,
                    "%s (layer %d): this CPU Darknet's backward_gru_layer is empty: the gru "
                    "layers and every layer before them never learn",
                    w->s->type, w->s->layer) != IM_OK)
        return im_errf(w->err, w->errlen, IM_ERR_NOMEM, "%s: out of memory", w->m->path);
#else
    (void)w;
#endif
    return IM_OK;
}

/* Section i, its input *in (replaced by its output); its workspace into
 * alloc[i] and need[i]. */
static im_status layer_at(sh_walk *w, size_t i, im_dn_layer_shape *in, uint64_t *alloc,
                          uint64_t *need)
{
    w->at = i;
    w->s = &w->m->sec[i];
    w->ws_alloc = w->ws_need = 0;
    w->truths = 0;
    sh_rule rule;
    sh_type t = kind_of(w->s, &rule);
    im_dn_layer_shape l = {.w = in->out_w, .h = in->out_h, .c = in->out_c, .inputs = in->outputs};
    im_status st = im_sh_order(w, t);
    if (st == IM_OK)
        st = rule(w, &l);
    if (st == IM_OK && t == SH_GRU)
        st = warn_gru(w);
    if (st != IM_OK)
        return st;
    im_sh_order_next(w, t);
    alloc[i] = w->ws_alloc;
    need[i] = w->ws_need;
    w->out->bytes += l.bytes;
    if (w->s->layer >= 0)
        w->out->layer[w->s->layer] = l;
    if (t != SH_COST) /* get_network_output_layer skips the trailing costs */
        w->out->outputs = l.outputs;
    w->prev = w->s;
    *in = l;
    return IM_OK;
}

static im_status walk(sh_walk *w)
{
    const im_cfg_model *m = w->m;
    uint64_t *alloc = calloc(m->nsec, sizeof *alloc), *need = calloc(m->nsec, sizeof *need);
    w->delta_of = calloc((size_t)m->nlayers, 1);
    w->out->layer = calloc((size_t)m->nlayers, sizeof *w->out->layer);
    im_status st = IM_OK;
    if (alloc == NULL || need == NULL || w->delta_of == NULL || w->out->layer == NULL)
        st = im_errf(w->err, w->errlen, IM_ERR_NOMEM, "%s: out of memory", m->path);
    w->out->nlayers = m->nlayers;
    w->last_stop = last_stop(m);
    w->prev_delta = SH_NO_NET_DELTA;
    im_dn_layer_shape in = {.out_w = w->out->w, .out_h = w->out->h, .out_c = w->out->c,
                            .outputs = w->out->inputs};
    for (size_t i = 1; st == IM_OK && i < m->nsec; i++)
        st = layer_at(w, i, &in, alloc, need);
    if (st == IM_OK)
        st = im_sh_workspace(w, alloc, need);
    free(alloc);
    free(need);
    free(w->delta_of);
    return st;
}

im_status im_dn_cfg_shapes(im_cfg_model *m, im_dn_shapes *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    sh_walk w = {.m = m, .s = &m->sec[0], .out = out, .err = err, .errlen = errlen};
    im_status st = net_options(&w);
    if (st == IM_OK)
        st = walk(&w);
    if (st == IM_OK) {
        w.truths = w.truths > 0 ? w.truths : out->outputs; /* parse_network_cfg's net->truths */
        st = im_sh_memory(&w);
    }
    if (st != IM_OK)
        im_dn_shapes_free(out);
    return st;
}

void im_dn_shapes_free(im_dn_shapes *s)
{
    free(s->layer);
    memset(s, 0, sizeof *s);
}
