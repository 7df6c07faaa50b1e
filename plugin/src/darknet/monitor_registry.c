/* The registry of a network's monitors: attaching them (checks with the
 * cfg's line, one estimator context each, the captures, the dump folders of
 * monitor_dump.c, the probe's buffers of monitor_probe.c, the worker thread
 * of monitor_worker.c, the taps) and freeing them. */
#include <stdlib.h>
#include <string.h>
#include "monitor_internal.h"
#include "util/errfmt.h"

static void *xcalloc(size_t n, size_t size, int *bad)
{
    void *p = calloc(n ? n : 1, size);
    if (p == NULL)
        *bad = 1;
    return p;
}

static void stop_worker(im_registry *reg)
{
    if (!reg->has_thread)
        return;
    pthread_mutex_lock(&reg->mu);
    reg->quit = 1;
    pthread_cond_broadcast(&reg->cv);
    pthread_mutex_unlock(&reg->mu);
    pthread_join(reg->thread, NULL);
    pthread_mutex_destroy(&reg->mu);
    pthread_cond_destroy(&reg->cv);
    reg->has_thread = 0;
}

void im_registry_free(im_registry *reg)
{
    if (reg == NULL)
        return;
    stop_worker(reg);
    im_mon_taps_remove(reg);
    for (size_t i = 0; i < reg->nmon; i++) {
        monitor *m = &reg->mon[i];
        if (m->owns_ctx)
            im_context_destroy(m->ctx);
        for (int b = 0; b < 2; b++) {
            if (m->on_device) {
                im_mon_device_free(m->cap[b].t);
                im_mon_device_free(m->cap[b].dk);
            } else {
                free(m->cap[b].t);
                free(m->cap[b].dk);
            }
        }
        free(m->Kt);
        free(m->Kd);
        free(m->Tm);
        free(m->Dm);
        free(m->run_t);
        free(m->run_d);
    }
    free(reg->mon);
    free(reg->by_index);
    for (int b = 0; b < 2; b++) {
        free(reg->cap[b].x);
        free(reg->cap[b].dK);
        free(reg->cap[b].y);
    }
    free(reg->job_rows);
    free(reg->gx.K);
    free(reg->gy.K);
    free(reg->gd.K);
    im_mon_probe_free(reg);
    free(reg);
}

/* The checks of one monitor against the parsed network, with the line;
 * sets m->n, its samples per measurement (a probe monitor's: its probe). */
static im_status check_monitor(const im_registry *reg, monitor *m, const char *cfg_path, char *err,
                               size_t errlen)
{
    const network *net = reg->net;
    const im_monitor_spec *s = &m->spec;
    const layer *self = &net->layers[s->index], *w = &net->layers[s->layer];
    if (self->type != DROPOUT)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: internal: layer %d is not the monitor's pass-through", cfg_path,
                       s->line, s->index);
    if (w->output == NULL || w->outputs <= 0)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] watches layer %d, which has no output", cfg_path,
                       s->line, s->layer);
    if (im_mon_loss_layer(w->type) && s->index != net->n - 1 &&
        net->layers[s->index + 1].type != DROPOUT)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] after a loss layer must come last in the cfg",
                       cfg_path, s->line);
    if ((s->quantities & IM_Q_DELTA) && (reg->softmax < 0 || s->layer > reg->softmax))
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] quantities include delta, which needs a [softmax] "
                       "output layer after the watched layer",
                       cfg_path, s->line);
    if (s->rule == IM_WIDTH_ALIGN && reg->softmax < 0)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] kernel_width = align needs class labels, and the "
                       "network has no [softmax] layer",
                       cfg_path, s->line);
    if (s->probe > net->batch)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] probe = %d exceeds the batch size (%d): the probe "
                       "pass feeds the network one batch",
                       cfg_path, s->line, s->probe, net->batch);
    m->n = s->probe ? (size_t)s->probe : s->samples ? (size_t)s->samples : (size_t)net->batch;
    if (m->n > (size_t)net->batch || m->n < 2)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] samples = %zu, must be in 2..%d (the batch size)",
                       cfg_path, s->line, m->n, net->batch);
    return IM_OK;
}

/* Shapes (after check_monitor set n): T (and delta_k) is the watched
 * layer's C feature maps of d values when it is conv-shaped and `mmi` is
 * on, else one variable. */
static im_status shape_monitor(monitor *m, const network *net, const char *cfg_path, char *err,
                               size_t errlen)
{
    const im_monitor_spec *s = &m->spec;
    const layer *w = &net->layers[s->layer];
    m->outputs = (size_t)w->outputs;
    int conv = w->out_c > 1 && w->out_h * w->out_w > 1 &&
               (size_t)w->out_c * (size_t)(w->out_h * w->out_w) == m->outputs;
    m->C = (conv && (s->quantities & IM_Q_MMI)) ? (size_t)w->out_c : 1;
    m->d = m->outputs / m->C;
    if ((s->quantities & IM_Q_PID) && m->C < 2)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] pid needs a conv-shaped layer with >= 2 feature "
                       "maps and mmi on; layer %d has %zu variable(s)",
                       cfg_path, s->line, s->layer, m->C);
    return IM_OK;
}

/* The estimator context of monitor i: that of an earlier monitor with the
 * same `backend` option, or a new one.  Monitors are measured one after
 * another on the worker thread, so they can share a context (and its back
 * end's thread pool); each sets its alpha before measuring. */
static im_status monitor_context(im_registry *reg, size_t i, const char *cfg_path, char *err,
                                 size_t errlen)
{
    monitor *m = &reg->mon[i];
    const im_monitor_spec *s = &m->spec;
    for (size_t k = 0; k < i; k++)
        if (strcmp(reg->mon[k].spec.backend, s->backend) == 0) {
            m->ctx = reg->mon[k].ctx;
            return IM_OK;
        }
    im_options o;
    im_options_default(&o);
    o.alpha = s->alpha;
    o.backend = s->backend;
    o.device = reg->net->gpu_index >= 0 ? reg->net->gpu_index : -1;
    char cerr[256];
    im_status st = im_context_create(&o, &m->ctx, cerr, sizeof cerr);
    if (st != IM_OK)
        return im_errf(err, errlen, st, "%s:%d: [infomonitor] backend = %s: %s", cfg_path, s->line,
                       s->backend, cerr);
    m->owns_ctx = 1;
    return IM_OK;
}

/* A capture of count floats, in device memory for a monitor on_device. */
static float *capture_alloc(const monitor *m, size_t count, int *bad)
{
    if (!m->on_device)
        return xcalloc(count, sizeof(float), bad);
    float *p = im_mon_device_alloc(count);
    *bad |= p == NULL;
    return p;
}

/* The monitor's buffers (after its context: it decides where the
 * captures are). */
static im_status open_monitor(monitor *m, const network *net, char *err, size_t errlen)
{
    const im_monitor_spec *s = &m->spec;
    size_t nn = m->n * m->n;
    int bad = 0;
    m->on_device = im_mon_device_captures(net, m->ctx);
    for (int b = 0; b < 2; b++) {
        m->cap[b].t = capture_alloc(m, m->n * m->outputs, &bad);
        m->cap[b].dk = capture_alloc(m, m->n * m->outputs, &bad);
    }
    m->Kt = xcalloc(m->C * nn, sizeof(double), &bad);
    m->Kd = xcalloc(m->C * nn, sizeof(double), &bad);
    m->Tm = xcalloc(m->C, sizeof *m->Tm, &bad);
    m->Dm = xcalloc(m->C, sizeof *m->Dm, &bad);
    m->run_t = xcalloc(m->C, sizeof *m->run_t, &bad);
    m->run_d = xcalloc(m->C, sizeof *m->run_d, &bad);
    if (bad)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of %s memory for monitor %s",
                       m->on_device ? "GPU or host" : "host", s->name);
    for (size_t c = 0; c < m->C; c++) {
        m->Tm[c] = m->Kt + c * nn;
        m->Dm[c] = m->Kd + c * nn;
    }
    return IM_OK;
}

/* The captures the monitors share (X, Y, delta_K), nmax rows each. */
static im_status open_shared(im_registry *reg, char *err, size_t errlen)
{
    int bad = 0;
    reg->x_cols = (size_t)reg->net->inputs;
    reg->dK_cols = reg->softmax >= 0 ? (size_t)reg->net->layers[reg->softmax].outputs : 0;
    for (int b = 0; b < 2; b++) {
        reg->cap[b].x = xcalloc(reg->nmax * reg->x_cols, sizeof(float), &bad);
        reg->cap[b].y = xcalloc(reg->nmax, sizeof(int32_t), &bad);
        if (reg->softmax >= 0)
            reg->cap[b].dK = xcalloc(reg->nmax * reg->dK_cols, sizeof(float), &bad);
    }
    reg->job_rows = xcalloc(reg->nmon, sizeof *reg->job_rows, &bad);
    return bad ? im_errf(err, errlen, IM_ERR_NOMEM, "out of memory") : IM_OK;
}

static im_status start_worker(im_registry *reg, char *err, size_t errlen)
{
    if (pthread_mutex_init(&reg->mu, NULL) == 0) {
        if (pthread_cond_init(&reg->cv, NULL) == 0) {
            if (pthread_create(&reg->thread, NULL, im_mon_worker, reg) == 0)
                reg->has_thread = 1;
            else
                pthread_cond_destroy(&reg->cv);
        }
        if (!reg->has_thread)
            pthread_mutex_destroy(&reg->mu);
    }
    return reg->has_thread
               ? IM_OK
               : im_errf(err, errlen, IM_ERR_NOMEM, "cannot start the measurement thread");
}

static im_status attach_all(im_registry *reg, const im_cfg_rewrite *rw, const char *cfg_path,
                            char *err, size_t errlen)
{
    for (size_t i = 0; i < rw->nmon; i++) {
        monitor *m = &reg->mon[i];
        m->spec = rw->mon[i];
        im_status st = check_monitor(reg, m, cfg_path, err, errlen);
        if (st != IM_OK || (st = shape_monitor(m, reg->net, cfg_path, err, errlen)) != IM_OK ||
            (st = monitor_context(reg, i, cfg_path, err, errlen)) != IM_OK ||
            (st = open_monitor(m, reg->net, err, errlen)) != IM_OK ||
            (st = im_mon_dump_open(m, cfg_path, err, errlen)) != IM_OK)
            return st;
        if (m->n > reg->nmax)
            reg->nmax = m->n;
        if (m->spec.probe && m->n > reg->probe_n)
            reg->probe_n = m->n;
        reg->by_index[m->spec.index] = m;
    }
    im_status st = open_shared(reg, err, errlen);
    if (st != IM_OK || (st = im_mon_probe_open(reg, err, errlen)) != IM_OK ||
        (st = start_worker(reg, err, errlen)) != IM_OK)
        return st;
    return im_mon_taps_install(reg, err, errlen);
}

im_status im_registry_attach(network *net, const im_cfg_rewrite *rw, const char *cfg_path,
                             im_registry **out, char *err, size_t errlen)
{
    *out = NULL;
    if (net->n != rw->nlayers)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s: Darknet parsed %d layers, the cfg has %d",
                       cfg_path, net->n, rw->nlayers);
    im_registry *reg = calloc(1, sizeof *reg);
    if (reg == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory");
    reg->net = net;
    reg->layers = net->layers;
    reg->softmax = -1;
    for (int i = 0; i < net->n; i++)
        if (net->layers[i].type == SOFTMAX)
            reg->softmax = i;
    int bad = 0;
    reg->mon = xcalloc(rw->nmon, sizeof *reg->mon, &bad);
    reg->nmon = bad ? 0 : rw->nmon;
    reg->by_index = xcalloc((size_t)net->n, sizeof *reg->by_index, &bad);
    im_status st = bad ? im_errf(err, errlen, IM_ERR_NOMEM, "out of memory")
                       : attach_all(reg, rw, cfg_path, err, errlen);
    if (st != IM_OK) {
        im_registry_free(reg);
        return st;
    }
    *out = reg;
    return IM_OK;
}

size_t im_registry_count(const im_registry *reg)
{
    return reg->nmon;
}

const im_context *im_registry_context(const im_registry *reg, size_t i)
{
    return reg->mon[i].ctx;
}

int im_registry_on_device(const im_registry *reg, size_t i)
{
    return reg->mon[i].on_device;
}
