/* The taps: the forward and backward functions of a monitor's pass-through
 * layer.  On a measured iteration they copy the first n rows of the watched
 * layer's output (T) and delta (delta_k), and once per step the network
 * input (X), the labels (Y) and the softmax's delta (delta_K), into the
 * registry's front captures.  A probe monitor's T, X and Y come from the
 * probe pass (monitor_probe.c) instead, into the probe's captures; its
 * delta_k and delta_K from the training step.  They only read Darknet's
 * buffers and draw no random numbers, so training is unchanged.  Which
 * buffers they read, on which iterations and with which shapes is decided
 * here for both of Darknet's paths; only the reading differs (im_tap_io):
 * the host arrays on the CPU path, the device arrays on the GPU path
 * (monitor_taps_gpu.c), pulled to the host or, for a monitor whose
 * captures are device memory, copied on the device.  X and Y are always
 * the host arrays: Darknet's GPU path pushes them from there. */
#include <string.h>
#include "monitor_internal.h"
#include "util/errfmt.h"

/* Registries in use.  The taps are plain function pointers called with a
 * copy of the network, so they find their registry through the layers
 * array, which the copy shares.  This table is the adapter's only global
 * state; attaching and freeing happen on the training thread. */
#define IM_MAX_NETS 64
static im_registry *g_active[IM_MAX_NETS];

static im_registry *lookup(const layer *layers)
{
    for (int i = 0; i < IM_MAX_NETS; i++)
        if (g_active[i] && g_active[i]->layers == layers)
            return g_active[i];
    return NULL;
}

size_t im_mon_iteration(const network *net)
{
    size_t per = (size_t)net->batch * (size_t)net->subdivisions;
    return (*net->seen + per - 1) / per;
}

int im_mon_measures(const monitor *m, size_t it)
{
    return it > 0 && (it - 1) % (size_t)m->spec.every == 0;
}

static const float *host_output(const layer *l)
{
    return l->output;
}

static const float *host_delta(const layer *l)
{
    return l->delta;
}

static const float *host_net_delta(const network *net)
{
    return net->delta;
}

static void host_copy(float *dst, const float *src, size_t count)
{
    memcpy(dst, src, count * sizeof(float));
}

static const im_tap_io host_io = {host_output, host_delta, host_net_delta, host_copy, NULL};

/* What a tap call is about: its registry, monitor, front captures (of X
 * and Y: the probe's in the probe pass) and the current iteration.  0 when
 * neither training nor in the probe pass, or not a monitor. */
typedef struct {
    im_registry *reg;
    monitor *m;
    mon_capture *c;
    shared_capture *g;
    size_t it;
} tap_site;

static int tap_site_of(const network *net, tap_site *t)
{
    t->reg = lookup(net->layers);
    if (t->reg == NULL || !(net->train || t->reg->probing) ||
        (t->m = t->reg->by_index[net->index]) == NULL)
        return 0;
    t->c = &t->m->cap[t->reg->front];
    t->g = t->reg->probing ? &t->reg->pcap[t->reg->front] : &t->reg->cap[t->reg->front];
    t->it = im_mon_iteration(net);
    return 1;
}

/* Labels of the first n rows of a one-hot truth with k columns (-1 for an
 * all-zero row). */
static void argmax_rows(const float *truth, size_t n, size_t k, int32_t *y)
{
    for (size_t i = 0; i < n; i++) {
        const float *row = truth + i * k;
        int32_t best = -1;
        float bv = 0.0f;
        for (size_t j = 0; j < k; j++)
            if (row[j] > bv) {
                bv = row[j];
                best = (int32_t)j;
            }
        y[i] = best;
    }
}

/* X and Y, once per step: the network input's first rows, and the labels
 * of the truth (training) or the probe's (the probe pass feeds no truth). */
static void capture_xy(const tap_site *t, const float *truth)
{
    im_registry *reg = t->reg;
    size_t rows = reg->probing ? reg->probe_n : reg->nmax;
    if (t->g->x_iter != t->it) {
        host_copy(t->g->x, reg->net->input, rows * reg->x_cols);
        t->g->x_iter = t->it;
    }
    if (t->g->y_iter == t->it)
        return;
    if (reg->probing)
        memcpy(t->g->y, reg->probe_y, rows * sizeof *t->g->y);
    else if (truth)
        argmax_rows(truth, rows, (size_t)reg->net->truths, t->g->y);
    else
        return;
    t->g->y_iter = t->it;
}

/* count floats of a watched buffer into one of t's monitor's captures:
 * on the device when its captures are there, else to the host.  0 when the
 * device copy failed: the registry then holds the error, which the next
 * submit reports. */
static int capture(const tap_site *t, float *dst, const float *src, size_t count,
                   const im_tap_io *io)
{
    if (!t->m->on_device) {
        io->copy(dst, src, count);
        return 1;
    }
    const char *why = io->copy_device(dst, src, count);
    if (why == NULL)
        return 1;
    if (t->reg->tap_st == IM_OK)
        t->reg->tap_st = im_errf(t->reg->tap_err, sizeof t->reg->tap_err, IM_ERR_BACKEND,
                                 "monitor %s at iteration %zu: copying its capture on the GPU: %s",
                                 t->m->spec.name, t->it, why);
    return 0;
}

/* A probe monitor captures T in the probe pass, the others in training. */
void im_mon_tap_forward(const layer *l, const network *net, const im_tap_io *io)
{
    tap_site t;
    if (!tap_site_of(net, &t) || !im_mon_measures(t.m, t.it) || t.c->fwd_iter == t.it ||
        (t.m->spec.probe > 0) != t.reg->probing)
        return;
    if (!capture(&t, t.c->t, io->output(l), t.m->n * t.m->outputs, io))
        return;
    capture_xy(&t, net->truth);
    t.c->fwd_iter = t.it;
}

/* In training only (the probe pass has no backward); a probe monitor's
 * forward capture comes after it, in the probe pass. */
void im_mon_tap_backward(const layer *l, const network *net, const im_tap_io *io)
{
    tap_site t;
    if (!tap_site_of(net, &t) || !im_mon_measures(t.m, t.it) || t.c->bwd_iter == t.it ||
        (!t.m->spec.probe && t.c->fwd_iter != t.it))
        return;
    /* A monitor after a loss layer has no delta of its own (see
     * im_monitor_detach_loss_deltas); net.delta is then the loss layer's. */
    const float *d = io->delta(l) ? io->delta(l) : io->net_delta(net);
    if (d && (t.m->spec.quantities & IM_Q_DELTA) &&
        capture(&t, t.c->dk, d, t.m->n * t.m->outputs, io)) {
        t.c->dk_iter = t.it;
        if (t.g->dK_iter != t.it && t.reg->softmax >= 0) {
            const layer *s = &t.reg->net->layers[t.reg->softmax];
            io->copy(t.g->dK, io->delta(s), t.reg->nmax * t.reg->dK_cols);
            t.g->dK_iter = t.it;
        }
    }
    t.c->bwd_iter = t.it;
}

static void tap_forward(layer l, network net)
{
    im_mon_tap_forward(&l, &net, &host_io);
}

static void tap_backward(layer l, network net)
{
    im_mon_tap_backward(&l, &net, &host_io);
}

int im_mon_loss_layer(LAYER_TYPE t)
{
    return t == SOFTMAX || t == COST || t == LOGXENT || t == REGION || t == DETECTION ||
           t == YOLO || t == ISEG;
}

void im_monitor_detach_loss_deltas(network *net, const im_cfg_rewrite *rw)
{
    /* Darknet zeroes a layer's delta before its forward, so a pass-through
     * sharing a loss layer's delta would wipe the gradient. */
    for (size_t i = 0; i < rw->nmon; i++)
        if (im_mon_loss_layer(net->layers[rw->mon[i].layer].type)) {
            net->layers[rw->mon[i].index].delta = NULL;
#ifdef GPU
            net->layers[rw->mon[i].index].delta_gpu = NULL;
#endif
        }
}

im_status im_mon_taps_install(im_registry *reg, char *err, size_t errlen)
{
    int slot = -1;
    for (int i = 0; i < IM_MAX_NETS && slot < 0; i++)
        if (g_active[i] == NULL)
            slot = i;
    if (slot < 0)
        return im_errf(err, errlen, IM_ERR_ARG, "more than %d monitored networks at once",
                       IM_MAX_NETS);
    for (size_t i = 0; i < reg->nmon; i++) {
        layer *self = &reg->net->layers[reg->mon[i].spec.index];
        self->forward = tap_forward;
        self->backward = tap_backward;
        im_status st = im_mon_taps_install_gpu(self, err, errlen);
        if (st != IM_OK)
            return st;
    }
    g_active[slot] = reg;
    return IM_OK;
}

void im_mon_taps_remove(const im_registry *reg)
{
    for (int i = 0; i < IM_MAX_NETS; i++)
        if (g_active[i] == reg)
            g_active[i] = NULL;
}
