/* The layer orders that crash this Darknet (git 61c9d02e), the shared
 * workspace, and the memory estimate against the machine (cfg_shapes.h).
 *
 * backward_network (network.c) gives layer i the delta of layer i-1, and
 * layer 0 the network's, net->delta, which parse_network_cfg never
 * allocates.  Checked with Debian's libdarknet, one training step each
 * (tests/test_check.py): a first [maxpool], [activation], [avgpool],
 * [softmax], [cost], [l2norm], [logistic], [lrn], [upsample], [shortcut]
 * ... and any of them right after a [crop] are SIGSEGVs in their backward;
 * [batchnorm] anywhere is one in forward_batchnorm_layer (x is allocated
 * only for the GPU); a first [dropout] in the next layer's forward. */
#include <unistd.h>
#include "cfg_shapes_internal.h"

/* backward_<type> of the types that write into the previous layer's delta
 * without a NULL check (conv, deconv, local, connected, rnn, crnn and
 * dropout check it; crop, gru and route write nothing there). */
static const char *unguarded(sh_type t)
{
    static const struct {
        sh_type t;
        const char *fn;
    } k[] = {{SH_ACTIVATION, "backward_activation_layer"}, {SH_AVGPOOL, "backward_avgpool_layer"},
             {SH_BATCHNORM, "backward_batchnorm_layer"},   {SH_COST, "backward_cost_layer"},
             {SH_DETECTION, "backward_detection_layer"},   {SH_ISEG, "backward_iseg_layer"},
             {SH_L2NORM, "backward_l2norm_layer"},         {SH_LOGISTIC, "backward_logistic_layer"},
             {SH_LRN, "backward_normalization_layer"},     {SH_MAXPOOL, "backward_maxpool_layer"},
             {SH_REGION, "backward_region_layer"},         {SH_REORG, "backward_reorg_layer"},
             {SH_SHORTCUT, "backward_shortcut_layer"},     {SH_SOFTMAX, "backward_softmax_layer"},
             {SH_UPSAMPLE, "backward_upsample_layer"},     {SH_YOLO, "backward_yolo_layer"}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (k[i].t == t)
            return k[i].fn;
    return NULL;
}

/* The loss layers, whose monitors get no delta (monitor_taps.c's
 * im_mon_loss_layer). */
static int is_loss(sh_type t)
{
    return t == SH_SOFTMAX || t == SH_COST || t == SH_LOGISTIC || t == SH_REGION ||
           t == SH_DETECTION || t == SH_YOLO || t == SH_ISEG;
}

static im_status no_delta(const sh_walk *w, const char *fn)
{
    const im_cfg_section *at = w->nodelta_at;
    if (w->prev_delta == SH_NO_NET_DELTA)
        return im_sh_bad_layer(w,
                               "cannot be the first layer: %s adds its gradient into the delta "
                               "of the layer before, and before the first layer that is the "
                               "network's, which parse_network_cfg never allocates (a SIGSEGV in "
                               "the first training step)",
                               fn);
    if (w->prev_delta == SH_NO_OWN_DELTA)
        return im_sh_bad_layer(w,
                               "cannot follow the %s at line %d: that layer has no delta "
                               "(Darknet allocates none for it), and %s writes its gradient into "
                               "it (a SIGSEGV in the first training step)",
                               at->type, at->line, fn);
    return im_sh_bad_layer(w,
                           "cannot follow the monitor at line %d: a monitor of a loss layer has "
                           "no delta (it is detached, so that it cannot wipe the loss gradient), "
                           "and %s writes its gradient into it (a SIGSEGV in the first training "
                           "step)",
                           at->line, fn);
}

im_status im_sh_order(sh_walk *w, sh_type t)
{
    if (t == SH_MONITOR && w->prev == NULL)
        return im_sh_bad_layer(w, "cannot be the first layer: it watches the layer before it");
    if (t == SH_DROPOUT && w->prev == NULL)
        return im_sh_bad_layer(w, "cannot be the first layer: parse_network_cfg gives a dropout "
                                  "the output of the layer before it, layers[-1] here, and the "
                                  "next layer reads that");
#ifndef GPU
    if (t == SH_BATCHNORM)
        return im_sh_bad_layer(w, "crashes this CPU Darknet: make_batchnorm_layer allocates x "
                                  "and x_norm only for the GPU, and forward_batchnorm_layer "
                                  "copies into x (use batch_normalize=1 on the conv before)");
    if (t == SH_LSTM)
        return im_sh_bad_layer(w, "crashes this CPU Darknet: make_lstm_layer sets no CPU "
                                  "backward function and no delta, which training calls and "
                                  "clears");
#endif
    const char *fn = unguarded(t);
    if (fn != NULL && w->at > w->last_stop && w->prev_delta != SH_HAS_DELTA)
        return no_delta(w, fn);
    return IM_OK;
}

void im_sh_order_next(sh_walk *w, sh_type t)
{
    if (t == SH_MONITOR && is_loss(w->watched)) {
        w->prev_delta = SH_DETACHED;
        w->nodelta_at = w->s;
    } else if (t == SH_CROP) {
        w->prev_delta = SH_NO_OWN_DELTA;
        w->nodelta_at = w->s;
    } else if (t != SH_MONITOR && t != SH_DROPOUT) /* they share the delta before them */
        w->prev_delta = SH_HAS_DELTA;
    if (t != SH_MONITOR)
        w->watched = t;
    if (w->s->layer >= 0)
        w->delta_of[w->s->layer] = w->prev_delta == SH_HAS_DELTA;
}

im_status im_sh_ref_delta(const sh_walk *w, const char *key, int target)
{
    if (w->delta_of[target] || w->at <= w->last_stop)
        return IM_OK;
    const im_cfg_section *s = w->m->sec;
    while (s->layer != target)
        s++;
    return im_sh_bad(w, key, 0,
                     "layer %d (%s, line %d) has no delta (Darknet allocates none for it), and "
                     "%s adds this layer's gradient into it (a SIGSEGV in the first training "
                     "step)",
                     target, s->type, s->line, w->s->type);
}

im_status im_sh_workspace(sh_walk *w, const uint64_t *alloc, const uint64_t *need)
{
    uint64_t ws = 0;
    for (size_t i = 1; i < w->m->nsec; i++)
        ws = alloc[i] > ws ? alloc[i] : ws;
    for (size_t i = 1; i < w->m->nsec; i++) {
        if (need[i] <= ws)
            continue;
        w->s = &w->m->sec[i];
        return im_sh_bad_layer(w,
                               "uses %llu bytes of Darknet's shared workspace, but Darknet "
                               "allocates only the largest workspace_size of the layers, %llu "
                               "bytes (%s), so it would write past it",
                               (unsigned long long)need[i], (unsigned long long)ws,
                               alloc[i] ? "a [local] counts its floats as bytes"
                                        : "a [crnn] counts nothing for its 3x3 convs");
    }
    w->out->bytes += ws;
    return IM_OK;
}

static double gib(uint64_t b)
{
    return (double)b / (1024.0 * 1024.0 * 1024.0);
}

im_status im_sh_memory(sh_walk *w)
{
    im_dn_shapes *o = w->out;
    long long in = im_sh_mul(o->batch, o->inputs), truth = im_sh_mul(o->batch, w->truths);
    w->s = &w->m->sec[0];
    im_status st = im_sh_int_fits(w, in, "the input batch x inputs");
    if (st == IM_OK)
        st = im_sh_int_fits(w, truth, "the truth batch x truths");
    if (st != IM_OK)
        return st;
    o->bytes += (uint64_t)(in + truth) * sizeof(float);
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    o->phys = pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : UINT64_MAX;
    if (o->bytes <= o->phys)
        return IM_OK;
    int big = 0;
    for (int k = 1; k < o->nlayers; k++)
        big = o->layer[k].bytes > o->layer[big].bytes ? k : big;
    const im_cfg_section *s = w->m->sec;
    while (s->layer != big)
        s++;
    return im_sh_bad(w, "batch", 1,
                     "the network needs about %.1f GiB for Darknet's arrays at its batch of %d "
                     "(the largest, layer %d %s at line %d: %.1f GiB), more than this machine's "
                     "%.1f GiB of physical memory",
                     gib(o->bytes), o->batch, big, s->type, s->line, gib(o->layer[big].bytes),
                     gib(o->phys));
}
