/* Monitor taps and the measurement of their captures. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "monitor.h"
#include "util/errfmt.h"

/* A cached Gram matrix of a shared variable (X, Y or delta_K) for one
 * iteration and kernel width: monitors with the same options share it. */
typedef struct {
    size_t iter, n;
    int valid;
    im_width w;
    double *K;
    double sigma;
    double S, S_alpha; /* its entropy at S_alpha (NaN alpha: not computed) */
} gram_cache;

/* A batch of at most 8 product terms over the factors of one measurement;
 * idx holds 8 (C + 1) entries. */
typedef struct {
    uint32_t off[9], *idx;
    size_t nterm;
} term_list;

/* What the taps of one training step copy.  There are two of each: the
 * taps fill the front one while the worker thread measures the back one. */
typedef struct {
    float *t, *dk; /* n*outputs captures, Darknet row layout */
    size_t fwd_iter, bwd_iter, dk_iter;
} mon_capture;

typedef struct {
    float *x, *dK; /* nmax rows of inputs / outputs of the softmax */
    int32_t *y;
    size_t x_iter, y_iter, dK_iter;
} shared_capture;

typedef struct {
    im_monitor_spec spec;
    im_context *ctx;
    size_t n;       /* samples per measurement */
    size_t outputs; /* values per sample of the watched layer */
    size_t C, d;    /* variables of T (and delta_k) and values per variable */
    mon_capture cap[2];
    size_t done_iter; /* last iteration measured */
    double *Kt, *Kd;  /* C*n*n Gram matrices */
    const double **Tm, **Dm;
    const double **factors; /* 3 + 2C factor pointers of one measurement */
    uint32_t *map_idx;      /* 3, 4, ..., 3 + 2C - 1: factor indices of T and delta_k maps */
    term_list terms;
} monitor;

struct im_registry {
    network *net;
    layer *layers; /* lookup key: the taps receive a copy of the network */
    size_t nmon;
    monitor *mon;
    monitor **by_index;     /* layer index -> monitor (NULL elsewhere) */
    int softmax;            /* index of the last softmax layer, -1 if none */
    size_t x_cols, dK_cols; /* net->inputs and the softmax's outputs, read once: the
                               worker never touches the network */
    size_t nmax;            /* largest n of any monitor */
    shared_capture cap[2];
    int front; /* the taps write cap[front]; the worker reads cap[!front] */
    gram_cache gx, gy, gd;
    /* The worker thread and its job: measure the back captures. */
    pthread_t thread;
    int has_thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int posted, done, quit;
    im_train_point job_point;
    im_metrics *job_rows;
    size_t job_nrows;
    int job_nonfinite;
    im_status job_st;
    char job_err[512];
};

/* Registries in use.  The taps are plain function pointers called with a
 * copy of the network, so they find their registry through the layers
 * array, which the copy shares.  Only the Darknet adapter has this state. */
#define IM_MAX_NETS 64
static im_registry *g_active[IM_MAX_NETS];

static im_registry *lookup(const layer *layers)
{
    for (int i = 0; i < IM_MAX_NETS; i++)
        if (g_active[i] && g_active[i]->layers == layers)
            return g_active[i];
    return NULL;
}

/* Iteration that the current training step belongs to, 1-based: *seen was
 * already advanced by this step's batch (first subdivision counts). */
static size_t current_iter(const network *net)
{
    size_t per = (size_t)net->batch * (size_t)net->subdivisions;
    return (*net->seen + per - 1) / per;
}

static void copy_rows(float *dst, const float *src, size_t n, size_t cols)
{
    memcpy(dst, src, n * cols * sizeof(float));
}

/* What a tap call is about: its registry, monitor, front captures and the
 * current iteration.  0 when not training or not a monitor. */
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
    if (t->reg == NULL || !net->train || (t->m = t->reg->by_index[net->index]) == NULL)
        return 0;
    t->c = &t->m->cap[t->reg->front];
    t->g = &t->reg->cap[t->reg->front];
    t->it = current_iter(net);
    return 1;
}

static void tap_forward(layer l, network net)
{
    tap_site t;
    if (!tap_site_of(&net, &t) || t.it == 0 || (t.it - 1) % (size_t)t.m->spec.every ||
        t.c->fwd_iter == t.it)
        return;
    im_registry *reg = t.reg;
    shared_capture *g = t.g;
    copy_rows(t.c->t, l.output, t.m->n, t.m->outputs);
    if (g->x_iter != t.it) {
        copy_rows(g->x, reg->net->input, reg->nmax, (size_t)reg->net->inputs);
        g->x_iter = t.it;
    }
    if (g->y_iter != t.it && net.truth) {
        size_t k = (size_t)reg->net->truths;
        for (size_t i = 0; i < reg->nmax; i++) {
            const float *row = net.truth + i * k;
            int32_t best = -1;
            float bv = 0.0f;
            for (size_t j = 0; j < k; j++)
                if (row[j] > bv) {
                    bv = row[j];
                    best = (int32_t)j;
                }
            g->y[i] = best;
        }
        g->y_iter = t.it;
    }
    t.c->fwd_iter = t.it;
}

static void tap_backward(layer l, network net)
{
    tap_site t;
    if (!tap_site_of(&net, &t) || t.c->fwd_iter != t.it || t.c->bwd_iter == t.it)
        return;
    /* A monitor after a loss layer has no delta of its own (see
     * im_monitor_detach_loss_deltas); net.delta is then the loss layer's. */
    const float *d = l.delta ? l.delta : net.delta;
    if (d && (t.m->spec.quantities & IM_Q_DELTA)) {
        copy_rows(t.c->dk, d, t.m->n, t.m->outputs);
        t.c->dk_iter = t.it;
        if (t.g->dK_iter != t.it && t.reg->softmax >= 0) {
            const layer *s = &t.reg->net->layers[t.reg->softmax];
            copy_rows(t.g->dK, s->delta, t.reg->nmax, (size_t)s->outputs);
            t.g->dK_iter = t.it;
        }
    }
    t.c->bwd_iter = t.it;
}

static void *worker(void *arg);

/* Layers that compute their delta in their own forward pass. */
static int loss_layer(LAYER_TYPE t)
{
    return t == SOFTMAX || t == COST || t == LOGXENT || t == REGION || t == DETECTION ||
           t == YOLO || t == ISEG;
}

void im_monitor_detach_loss_deltas(network *net, const im_cfg_rewrite *rw)
{
    /* Darknet zeroes a layer's delta before its forward, so a pass-through
     * sharing a loss layer's delta would wipe the gradient. */
    for (size_t i = 0; i < rw->nmon; i++)
        if (loss_layer(net->layers[rw->mon[i].layer].type)) {
            net->layers[rw->mon[i].index].delta = NULL;
#ifdef GPU
            net->layers[rw->mon[i].index].delta_gpu = NULL;
#endif
        }
}

static void *xcalloc(size_t n, size_t size, int *bad)
{
    void *p = calloc(n ? n : 1, size);
    if (p == NULL)
        *bad = 1;
    return p;
}

void im_registry_free(im_registry *reg)
{
    if (reg == NULL)
        return;
    if (reg->has_thread) {
        pthread_mutex_lock(&reg->mu);
        reg->quit = 1;
        pthread_cond_broadcast(&reg->cv);
        pthread_mutex_unlock(&reg->mu);
        pthread_join(reg->thread, NULL);
        pthread_mutex_destroy(&reg->mu);
        pthread_cond_destroy(&reg->cv);
    }
    for (int i = 0; i < IM_MAX_NETS; i++)
        if (g_active[i] == reg)
            g_active[i] = NULL;
    for (size_t i = 0; i < reg->nmon; i++) {
        monitor *m = &reg->mon[i];
        im_context_destroy(m->ctx);
        for (int b = 0; b < 2; b++) {
            free(m->cap[b].t);
            free(m->cap[b].dk);
        }
        free(m->Kt);
        free(m->Kd);
        free(m->Tm);
        free(m->Dm);
        free(m->factors);
        free(m->map_idx);
        free(m->terms.idx);
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
    free(reg);
}

im_status im_registry_attach(network *net, const im_cfg_rewrite *rw, const char *cfg_path,
                             im_registry **out, char *err, size_t errlen)
{
    *out = NULL;
    if (net->n != rw->nlayers)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                          "%s: Darknet parsed %d layers, the cfg has %d", cfg_path, net->n,
                          rw->nlayers);
#ifdef GPU
    if (net->gpu_index >= 0)
        return im_errf(
            err, errlen, IM_ERR_BACKEND,
            "%s: monitors read CPU buffers; on Darknet's GPU path they would see stale "
            "data, and GPU taps are not implemented yet",
            cfg_path);
#endif
    im_registry *reg = calloc(1, sizeof *reg);
    int bad = 0;
    if (reg == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory");
    reg->net = net;
    reg->layers = net->layers;
    reg->softmax = -1;
    for (int i = 0; i < net->n; i++)
        if (net->layers[i].type == SOFTMAX)
            reg->softmax = i;
    reg->mon = xcalloc(rw->nmon, sizeof *reg->mon, &bad);
    if (!bad)
        reg->nmon = rw->nmon;
    reg->by_index = xcalloc((size_t)net->n, sizeof *reg->by_index, &bad);
    im_status st = IM_OK;
    if (bad) {
        st = im_errf(err, errlen, IM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < rw->nmon; i++) {
        monitor *m = &reg->mon[i];
        const im_monitor_spec *s = &rw->mon[i];
        m->spec = *s;
        layer *self = &net->layers[s->index], *w = &net->layers[s->layer];
        if (self->type != DROPOUT) {
            st = im_errf(err, errlen, IM_ERR_FORMAT,
                            "%s:%d: internal: layer %d is not the monitor's "
                            "pass-through",
                            cfg_path, s->line, s->index);
            goto fail;
        }
        if (w->output == NULL || w->outputs <= 0) {
            st = im_errf(err, errlen, IM_ERR_FORMAT,
                            "%s:%d: [infomonitor] watches layer %d, which has no output", cfg_path,
                            s->line, s->layer);
            goto fail;
        }
        if (loss_layer(w->type) && s->index != net->n - 1 &&
            net->layers[s->index + 1].type != DROPOUT) {
            st = im_errf(err, errlen, IM_ERR_FORMAT,
                            "%s:%d: [infomonitor] after a loss layer must come last in the cfg",
                            cfg_path, s->line);
            goto fail;
        }
        if ((s->quantities & IM_Q_DELTA) && (reg->softmax < 0 || s->layer > reg->softmax)) {
            st =
                im_errf(err, errlen, IM_ERR_FORMAT,
                           "%s:%d: [infomonitor] quantities include delta, which needs a [softmax] "
                           "output layer after the watched layer",
                           cfg_path, s->line);
            goto fail;
        }
        m->n = s->samples ? (size_t)s->samples : (size_t)net->batch;
        if (m->n > (size_t)net->batch || m->n < 2) {
            st = im_errf(err, errlen, IM_ERR_FORMAT,
                            "%s:%d: [infomonitor] samples = %zu, must be in 2..%d (the batch size)",
                            cfg_path, s->line, m->n, net->batch);
            goto fail;
        }
        m->outputs = (size_t)w->outputs;
        int conv = w->out_c > 1 && w->out_h * w->out_w > 1 &&
                   (size_t)w->out_c * (size_t)(w->out_h * w->out_w) == m->outputs;
        m->C = (conv && (s->quantities & IM_Q_MMI)) ? (size_t)w->out_c : 1;
        m->d = m->outputs / m->C;
        if ((s->quantities & IM_Q_PID) && m->C < 2) {
            st = im_errf(
                err, errlen, IM_ERR_FORMAT,
                "%s:%d: [infomonitor] pid needs a conv-shaped layer with >= 2 feature maps "
                "and mmi on; layer %d has %zu variable(s)",
                cfg_path, s->line, s->layer, m->C);
            goto fail;
        }
        im_options o;
        im_options_default(&o);
        o.alpha = s->alpha;
        o.backend = s->backend;
        char cerr[256];
        if ((st = im_context_create(&o, &m->ctx, cerr, sizeof cerr)) != IM_OK) {
            st = im_errf(err, errlen, st, "%s:%d: [infomonitor] backend = %s: %s", cfg_path,
                            s->line, s->backend, cerr);
            goto fail;
        }
        size_t nn = m->n * m->n;
        for (int b = 0; b < 2; b++) {
            m->cap[b].t = xcalloc(m->n * m->outputs, sizeof(float), &bad);
            m->cap[b].dk = xcalloc(m->n * m->outputs, sizeof(float), &bad);
        }
        m->Kt = xcalloc(m->C * nn, sizeof(double), &bad);
        m->Kd = xcalloc(m->C * nn, sizeof(double), &bad);
        m->Tm = xcalloc(m->C, sizeof *m->Tm, &bad);
        m->Dm = xcalloc(m->C, sizeof *m->Dm, &bad);
        m->factors = xcalloc(3 + 2 * m->C, sizeof *m->factors, &bad);
        m->map_idx = xcalloc(2 * m->C, sizeof *m->map_idx, &bad);
        m->terms.idx = xcalloc(8 * (m->C + 1), sizeof(uint32_t), &bad);
        if (bad) {
            st = im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for monitor %s", s->name);
            goto fail;
        }
        for (size_t c = 0; c < m->C; c++) {
            m->Tm[c] = m->Kt + c * nn;
            m->Dm[c] = m->Kd + c * nn;
        }
        for (size_t k = 0; k < 2 * m->C; k++)
            m->map_idx[k] = (uint32_t)(3 + k);
        if (m->n > reg->nmax)
            reg->nmax = m->n;
        reg->by_index[s->index] = m;
    }
    for (int b = 0; b < 2; b++) {
        reg->cap[b].x = xcalloc(reg->nmax * (size_t)net->inputs, sizeof(float), &bad);
        reg->cap[b].y = xcalloc(reg->nmax, sizeof(int32_t), &bad);
        if (reg->softmax >= 0)
            reg->cap[b].dK =
                xcalloc(reg->nmax * (size_t)net->layers[reg->softmax].outputs, sizeof(float), &bad);
    }
    reg->job_rows = xcalloc(reg->nmon, sizeof *reg->job_rows, &bad);
    reg->x_cols = (size_t)net->inputs;
    reg->dK_cols = reg->softmax >= 0 ? (size_t)net->layers[reg->softmax].outputs : 0;
    if (bad) {
        st = im_errf(err, errlen, IM_ERR_NOMEM, "out of memory");
        goto fail;
    }
    int slot = -1;
    for (int i = 0; i < IM_MAX_NETS && slot < 0; i++)
        if (g_active[i] == NULL)
            slot = i;
    if (slot < 0) {
        st = im_errf(err, errlen, IM_ERR_ARG, "more than %d monitored networks at once",
                        IM_MAX_NETS);
        goto fail;
    }
    if (pthread_mutex_init(&reg->mu, NULL) == 0) {
        if (pthread_cond_init(&reg->cv, NULL) == 0) {
            if (pthread_create(&reg->thread, NULL, worker, reg) == 0)
                reg->has_thread = 1;
            else
                pthread_cond_destroy(&reg->cv);
        }
        if (!reg->has_thread)
            pthread_mutex_destroy(&reg->mu);
    }
    if (!reg->has_thread) {
        st = im_errf(err, errlen, IM_ERR_NOMEM, "cannot start the measurement thread");
        goto fail;
    }
    for (size_t i = 0; i < reg->nmon; i++) {
        layer *self = &net->layers[reg->mon[i].spec.index];
        self->forward = tap_forward;
        self->backward = tap_backward;
    }
    g_active[slot] = reg;
    *out = reg;
    return IM_OK;
fail:
    im_registry_free(reg);
    return st;
}

size_t im_registry_count(const im_registry *reg)
{
    return reg->nmon;
}

const im_context *im_registry_context(const im_registry *reg, size_t i)
{
    return reg->mon[i].ctx;
}

const float *im_registry_last_t(const im_registry *reg, size_t i, size_t *n)
{
    *n = reg->mon[i].n;
    return reg->mon[i].cap[reg->front].t;
}

const float *im_registry_last_delta(const im_registry *reg, size_t i, size_t *n)
{
    *n = reg->mon[i].n;
    return reg->mon[i].cap[reg->front].dk;
}

/* Gram matrix of n rows of x (each `cols` floats) with width w, cached for
 * this iteration. */
static im_status cached_rbf(im_context *ctx, gram_cache *g, size_t iter, const float *x, size_t n,
                            size_t cols, im_width w)
{
    if (g->valid && g->iter == iter && g->n == n && g->w.rule == w.rule && g->w.param == w.param)
        return IM_OK;
    double *K = realloc(g->K, n * n * sizeof(double));
    if (K == NULL)
        return IM_ERR_NOMEM;
    g->K = K;
    g->valid = 0;
    im_status st = im_gram_rbf(ctx, x, n, cols, cols, w, g->K, &g->sigma);
    if (st != IM_OK)
        return st;
    g->valid = 1;
    g->iter = iter;
    g->n = n;
    g->w = w;
    g->S_alpha = NAN;
    return IM_OK;
}

static size_t term(term_list *t, const uint32_t *a, size_t na, uint32_t extra)
{
    uint32_t k = t->off[t->nterm];
    memcpy(t->idx + k, a, na * sizeof(uint32_t));
    k += (uint32_t)na;
    if (extra != UINT32_MAX)
        t->idx[k++] = extra;
    t->off[++t->nterm] = k;
    return t->nterm - 1;
}

static im_width width_for(const im_monitor_spec *s, int error_chain)
{
    if (s->rule == IM_WIDTH_MEDIAN)
        return (im_width){IM_WIDTH_MEDIAN, s->median};
    if (s->rule == IM_WIDTH_FIXED && !error_chain)
        return (im_width){IM_WIDTH_FIXED, s->sigma};
    return (im_width){IM_WIDTH_SILVERMAN, error_chain ? s->delta_h : s->h};
}

static int finite_row(const im_metrics *r)
{
    const double v[] = {r->H_X, r->H_T, r->H_Y,    r->I_XT,    r->I_TY, r->I_delta,
                        r->rs,  r->wnr, r->rs_pct, r->wnr_pct, r->wnr_y};
    const unsigned bit[] = {IM_HAVE_X,   IM_HAVE_T,     IM_HAVE_Y,   IM_HAVE_IXT,
                            IM_HAVE_ITY, IM_HAVE_DELTA, IM_HAVE_PID, IM_HAVE_PID,
                            IM_HAVE_PID, IM_HAVE_PID,   IM_HAVE_PID};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if ((r->have & bit[i]) && !isfinite(v[i]))
            return 0;
    return 1;
}

/* Gram matrices of the C variables of a capture (n rows of `outputs`
 * floats, variable c at offset c*d); *sigma gets the mean width over them
 * (they differ only under the median rule). */
static im_status maps_gram(im_context *ctx, const monitor *m, const float *cap, im_width w,
                           double *K, double *sigma)
{
    double sum = 0.0, sc;
    for (size_t c = 0; c < m->C; c++) {
        im_status st =
            im_gram_rbf(ctx, cap + c * m->d, m->n, m->d, m->outputs, w, K + c * m->n * m->n, &sc);
        if (st != IM_OK)
            return st;
        sum += sc;
    }
    *sigma = sum / (double)m->C;
    return IM_OK;
}

static im_status measure_one(im_registry *reg, monitor *m, const mon_capture *cap,
                             const shared_capture *g, im_metrics *r)
{
    const im_monitor_spec *s = &m->spec;
    im_context *ctx = m->ctx;
    size_t n = m->n, nn = n * n, it = cap->fwd_iter;
    unsigned q = s->quantities;
    im_status st;
    memset(r, 0, sizeof *r);
    r->monitor = s->name;
    r->layer = s->layer;
    r->n = n;
    r->C = m->C;
    int need_x = (q & (IM_Q_IXT | IM_Q_PID)) != 0, need_y = (q & (IM_Q_ITY | IM_Q_PID)) != 0;
    int need_t = (q & (IM_Q_IXT | IM_Q_ITY | IM_Q_PID)) != 0;
    if (need_t && (st = maps_gram(ctx, m, cap->t, width_for(s, 0), m->Kt, &r->sigma_t)) != IM_OK)
        return st;
    if (need_x) {
        if ((st = cached_rbf(ctx, &reg->gx, it, g->x, n, reg->x_cols, width_for(s, 0))) != IM_OK)
            return st;
        r->sigma_x = reg->gx.sigma;
    }
    if (need_y && (reg->gy.iter != it || reg->gy.n != n || !reg->gy.valid)) {
        double *K = realloc(reg->gy.K, nn * sizeof(double));
        if (K == NULL)
            return IM_ERR_NOMEM;
        reg->gy.K = K;
        if ((st = im_gram_labels(ctx, g->y, n, K)) != IM_OK)
            return st;
        reg->gy.valid = 1;
        reg->gy.iter = it;
        reg->gy.n = n;
        reg->gy.S_alpha = NAN;
    }
    int want_d = (q & IM_Q_DELTA) && cap->dk_iter == it && g->dK_iter == it;
    if (want_d) {
        im_width wd = width_for(s, 1);
        if ((st = maps_gram(ctx, m, cap->dk, wd, m->Kd, &r->sigma_delta)) != IM_OK)
            return st;
        if ((st = cached_rbf(ctx, &reg->gd, it, g->dK, n, reg->dK_cols, wd)) != IM_OK)
            return st;
    }
    /* All entropies of this monitor in one batch.  Factors: X, Y, delta_K,
     * T_1..T_C, delta_k maps 1..C.  S(X), S(Y), S(delta_K) are shared by
     * the monitors of an iteration and computed once. */
    double alpha = im_context_alpha(ctx);
    gram_cache *shared[3] = {(q & IM_Q_IXT) ? &reg->gx : NULL, (q & IM_Q_ITY) ? &reg->gy : NULL,
                             want_d ? &reg->gd : NULL};
    const double **f = m->factors;
    f[0] = reg->gx.K;
    f[1] = reg->gy.K;
    f[2] = reg->gd.K;
    for (size_t c = 0; c < m->C; c++) {
        f[3 + c] = m->Tm[c];
        f[3 + m->C + c] = m->Dm[c];
    }
    term_list *tl = &m->terms;
    tl->nterm = 0;
    tl->off[0] = 0;
    size_t t_shared[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX}, tT = SIZE_MAX, tTX = SIZE_MAX,
           tTY = SIZE_MAX, tD = SIZE_MAX, tDK = SIZE_MAX;
    for (uint32_t v = 0; v < 3; v++)
        if (shared[v] && !(shared[v]->S_alpha == alpha))
            t_shared[v] = term(tl, &v, 1, UINT32_MAX);
    if (q & (IM_Q_IXT | IM_Q_ITY))
        tT = term(tl, m->map_idx, m->C, UINT32_MAX);
    if (q & IM_Q_IXT)
        tTX = term(tl, m->map_idx, m->C, 0);
    if (q & IM_Q_ITY)
        tTY = term(tl, m->map_idx, m->C, 1);
    if (want_d) {
        tD = term(tl, m->map_idx + m->C, m->C, UINT32_MAX);
        tDK = term(tl, m->map_idx + m->C, m->C, 2);
    }
    double S[8];
    if (tl->nterm && (st = im_entropy_products(ctx, f, 3 + 2 * m->C, n, tl->off, tl->idx, tl->nterm,
                                               S)) != IM_OK)
        return st;
    for (int v = 0; v < 3; v++)
        if (t_shared[v] != SIZE_MAX) {
            shared[v]->S = S[t_shared[v]];
            shared[v]->S_alpha = alpha;
        }
    if (q & IM_Q_IXT) {
        r->H_X = reg->gx.S;
        r->H_T = S[tT];
        r->I_XT = r->H_X + S[tT] - S[tTX];
        r->have |= IM_HAVE_X | IM_HAVE_T | IM_HAVE_IXT;
    }
    if (q & IM_Q_ITY) {
        r->H_Y = reg->gy.S;
        r->H_T = S[tT];
        r->I_TY = r->H_Y + S[tT] - S[tTY];
        r->have |= IM_HAVE_T | IM_HAVE_Y | IM_HAVE_ITY;
    }
    if (want_d) {
        r->I_delta = reg->gd.S + S[tD] - S[tDK];
        r->have |= IM_HAVE_DELTA;
    }
    if (q & IM_Q_PID) {
        const double *targets[2] = {reg->gx.K, reg->gy.K};
        im_pid pid[2];
        if ((st = im_pid_pairs(ctx, targets, 2, m->Tm, m->C, n, pid, NULL)) != IM_OK)
            return st;
        r->rs = pid[0].rs;
        r->wnr = pid[0].wnr;
        r->rs_pct = pid[0].rs_pct;
        r->wnr_pct = pid[0].wnr_pct;
        r->wnr_y = pid[1].wnr;
        r->have |= IM_HAVE_PID;
    }
    return IM_OK;
}

/* Every requested quantity NaN. */
static void nan_row(im_metrics *r, unsigned q)
{
    r->sigma_x = r->sigma_t = r->sigma_delta = NAN;
    r->H_X = r->H_T = r->H_Y = r->I_XT = r->I_TY = r->I_delta = NAN;
    r->rs = r->wnr = r->rs_pct = r->wnr_pct = r->wnr_y = NAN;
    r->have = ((q & IM_Q_IXT) ? IM_HAVE_X | IM_HAVE_T | IM_HAVE_IXT : 0) |
              ((q & IM_Q_ITY) ? IM_HAVE_T | IM_HAVE_Y | IM_HAVE_ITY : 0) |
              ((q & IM_Q_DELTA) ? IM_HAVE_DELTA : 0) | ((q & IM_Q_PID) ? IM_HAVE_PID : 0);
}

/* Measure the back captures into the job's rows (worker thread). */
static void run_job(im_registry *reg)
{
    const shared_capture *g = &reg->cap[!reg->front];
    reg->job_nrows = 0;
    reg->job_nonfinite = 0;
    reg->job_st = IM_OK;
    for (size_t i = 0; i < reg->nmon; i++) {
        monitor *m = &reg->mon[i];
        const mon_capture *c = &m->cap[!reg->front];
        if (c->fwd_iter == 0 || c->fwd_iter <= m->done_iter) /* stale: measured before */
            continue;
        /* X and Y are copied once per step: they must be this step's. */
        if (g->x_iter != c->fwd_iter || g->y_iter != c->fwd_iter)
            continue;
        im_metrics *r = &reg->job_rows[reg->job_nrows++];
        im_status st = measure_one(reg, m, c, g, r);
        if (st == IM_ERR_ARG) {
            /* The data made a quantity undefined (the median rule on a layer
             * whose samples coincide, say): log it as NaN and go on. */
            nan_row(r, m->spec.quantities);
            st = IM_OK;
        }
        if (st != IM_OK) {
            reg->job_st = st;
            snprintf(reg->job_err, sizeof reg->job_err, "monitor %s at iteration %zu: %s",
                     m->spec.name, c->fwd_iter, im_context_error(m->ctx));
            return;
        }
        m->done_iter = c->fwd_iter;
        if (!finite_row(r))
            reg->job_nonfinite = 1;
    }
}

static void *worker(void *arg)
{
    im_registry *reg = arg;
    pthread_mutex_lock(&reg->mu);
    for (;;) {
        while (!reg->posted && !reg->quit)
            pthread_cond_wait(&reg->cv, &reg->mu);
        if (reg->quit)
            break;
        pthread_mutex_unlock(&reg->mu);
        run_job(reg);
        pthread_mutex_lock(&reg->mu);
        reg->posted = 0;
        reg->done = 1;
        pthread_cond_broadcast(&reg->cv);
    }
    pthread_mutex_unlock(&reg->mu);
    return NULL;
}

im_status im_registry_drain(im_registry *reg, im_metrics *rows, size_t *nrows,
                            im_train_point *point, int *nonfinite, char *err, size_t errlen)
{
    *nrows = 0;
    *nonfinite = 0;
    pthread_mutex_lock(&reg->mu);
    while (reg->posted)
        pthread_cond_wait(&reg->cv, &reg->mu);
    int done = reg->done;
    reg->done = 0;
    pthread_mutex_unlock(&reg->mu);
    if (!done)
        return IM_OK;
    if (reg->job_st != IM_OK)
        return im_errf(err, errlen, reg->job_st, "%s", reg->job_err);
    memcpy(rows, reg->job_rows, reg->job_nrows * sizeof *rows);
    *nrows = reg->job_nrows;
    *nonfinite = reg->job_nonfinite;
    if (point)
        *point = reg->job_point;
    return IM_OK;
}

im_status im_registry_submit(im_registry *reg, const im_train_point *p, im_metrics *rows,
                             size_t *nrows, im_train_point *point, int *nonfinite, char *err,
                             size_t errlen)
{
    im_status st = im_registry_drain(reg, rows, nrows, point, nonfinite, err, errlen);
    if (st != IM_OK)
        return st;
    int fresh = 0;
    for (size_t i = 0; i < reg->nmon; i++) {
        const mon_capture *c = &reg->mon[i].cap[reg->front];
        fresh |= c->fwd_iter > reg->mon[i].done_iter;
    }
    if (!fresh)
        return IM_OK;
    /* The worker is idle (drained): hand it the front captures. */
    pthread_mutex_lock(&reg->mu);
    reg->front = !reg->front;
    if (p)
        reg->job_point = *p;
    reg->posted = 1;
    pthread_cond_broadcast(&reg->cv);
    pthread_mutex_unlock(&reg->mu);
    return IM_OK;
}

im_status im_registry_measure(im_registry *reg, im_metrics *rows, size_t *nrows, int *nonfinite,
                              char *err, size_t errlen)
{
    im_status st = im_registry_submit(reg, NULL, rows, nrows, NULL, nonfinite, err, errlen);
    if (st != IM_OK || *nrows)
        return st;
    return im_registry_drain(reg, rows, nrows, NULL, nonfinite, err, errlen);
}
