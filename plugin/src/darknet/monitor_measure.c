/* One monitor's measurement: Gram matrices of its captures (the shared X, Y
 * and delta_K cached per iteration), then the information quantities from
 * the estimator core.  This file captures nothing and computes no quantity
 * itself: it builds the core's inputs, calls im_mmi_sets and im_pid_pairs,
 * and copies their results into the row. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "monitor_internal.h"
#include "util/errfmt.h"

/* Room for g's n*n matrix; an error message when there is none. */
static im_status grow_cache(gram_cache *g, size_t n, char *err, size_t errlen)
{
    double *K = realloc(g->K, n * n * sizeof(double));
    if (K == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for a %zux%zu Gram matrix", n, n);
    g->K = K;
    return IM_OK;
}

/* The running width of g's align rule for iteration iter: advanced from
 * the value before this iteration (see gram_cache). */
static double *cache_running(gram_cache *g, size_t iter)
{
    if (g->run_iter != iter) {
        g->run_prev = g->run;
        g->run_iter = iter;
    }
    g->run = g->run_prev;
    return &g->run;
}

/* Gram matrix of n rows of x (each `cols` floats) with width w, cached for
 * this iteration. */
static im_status cached_rbf(im_context *ctx, gram_cache *g, size_t iter, const float *x, size_t n,
                            size_t cols, im_width w, char *err, size_t errlen)
{
    if (g->valid && g->iter == iter && g->n == n && g->w.rule == w.rule && g->w.param == w.param)
        return IM_OK;
    g->valid = 0;
    im_status st = grow_cache(g, n, err, errlen);
    if (st != IM_OK)
        return st;
    if (w.rule == IM_WIDTH_ALIGN)
        w.running = cache_running(g, iter);
    st = im_gram_rbf(ctx, x, n, cols, cols, w, g->K, &g->sigma);
    if (st != IM_OK)
        return st;
    g->valid = 1;
    g->iter = iter;
    g->n = n;
    g->w = w;
    g->S_alpha = NAN;
    return IM_OK;
}

static im_status cached_labels(im_context *ctx, gram_cache *g, size_t iter, const int32_t *y,
                               size_t n, char *err, size_t errlen)
{
    if (g->valid && g->iter == iter && g->n == n)
        return IM_OK;
    g->valid = 0;
    im_status st = grow_cache(g, n, err, errlen);
    if (st != IM_OK)
        return st;
    st = im_gram_labels(ctx, y, n, g->K);
    g->valid = st == IM_OK;
    g->iter = iter;
    g->n = n;
    g->S_alpha = NAN;
    return st;
}

/* The width of X and T, or of the error chain: the median and align rules
 * apply to both (align with the labels y, multiplier 1); a fixed sigma to
 * X and T only (the error chain keeps Silverman with delta_h); the
 * Silverman rules take h, or delta_h for the error chain. */
im_width im_mon_width(const im_monitor_spec *s, int error_chain, const int32_t *y)
{
    if (s->rule == IM_WIDTH_MEDIAN)
        return (im_width){.rule = IM_WIDTH_MEDIAN, .param = s->median};
    if (s->rule == IM_WIDTH_ALIGN)
        return (im_width){.rule = IM_WIDTH_ALIGN, .param = 1.0, .labels = y};
    if (s->rule == IM_WIDTH_FIXED && !error_chain)
        return (im_width){.rule = IM_WIDTH_FIXED, .param = s->sigma};
    im_width_rule r = s->rule == IM_WIDTH_SILVERMAN_SCALED || s->rule == IM_WIDTH_SILVERMAN_DIM
                          ? s->rule
                          : IM_WIDTH_SILVERMAN;
    return (im_width){.rule = r, .param = error_chain ? s->delta_h : s->h};
}

/* Gram matrices of the C variables of a capture (variable c at offset c*d
 * of each row; in device memory when the monitor's captures are there);
 * *sigma gets the mean width over them; run: the C running widths of the
 * align rule. */
static im_status maps_gram(monitor *m, const float *cap, im_width w, double *run, double *K,
                           double *sigma)
{
    if (w.rule == IM_WIDTH_ALIGN)
        w.running = run;
    if (m->on_device)
        return im_gram_rbf_maps_device(m->ctx, cap, m->n, m->C, m->d, m->outputs, w, K, sigma);
    return im_gram_rbf_maps(m->ctx, cap, m->n, m->C, m->d, m->outputs, w, K, sigma);
}

/* The Gram matrices this monitor's quantities need (X and Y from xy);
 * *want_d says whether the error chain is measured this time. */
static im_status grams(im_registry *reg, monitor *m, const mon_capture *cap,
                       const shared_capture *g, const xy_source *xy, im_metrics *r, int *want_d,
                       char *err, size_t errlen)
{
    const im_monitor_spec *s = &m->spec;
    unsigned q = s->quantities;
    size_t it = cap->fwd_iter;
    im_status st = IM_OK;
    if ((q & (IM_Q_IXT | IM_Q_ITY | IM_Q_PID)) &&
        (st = maps_gram(m, cap->t, im_mon_width(s, 0, xy->cap->y), m->run_t, m->Kt, &r->sigma_t)) !=
            IM_OK)
        return st;
    if (q & (IM_Q_IXT | IM_Q_PID)) {
        if ((st = cached_rbf(m->ctx, xy->gx, it, xy->cap->x, m->n, reg->x_cols,
                             im_mon_width(s, 0, xy->cap->y), err, errlen)))
            return st;
        r->sigma_x = xy->gx->sigma;
    }
    if ((q & (IM_Q_ITY | IM_Q_PID)) &&
        (st = cached_labels(m->ctx, xy->gy, it, xy->cap->y, m->n, err, errlen)))
        return st;
    *want_d = (q & IM_Q_DELTA) && cap->dk_iter == it && g->dK_iter == it;
    if (*want_d) {
        im_width wd = im_mon_width(s, 1, g->y);
        if ((st = maps_gram(m, cap->dk, wd, m->run_d, m->Kd, &r->sigma_delta)) != IM_OK)
            return st;
        st = cached_rbf(m->ctx, &reg->gd, it, g->dK, m->n, reg->dK_cols, wd, err, errlen);
    }
    return st;
}

/* The cached entropy of a shared variable at alpha, or NaN. */
static double cached_S(const gram_cache *g, double alpha)
{
    return g->S_alpha == alpha ? g->S : NAN;
}

static void store_S(gram_cache *g, double S, double alpha)
{
    g->S = S;
    g->S_alpha = alpha;
}

/* I(X;T), I(T;Y) and I(delta_K;delta_k) in one call of the core. */
static im_status mmi_quantities(im_registry *reg, monitor *m, const xy_source *xy, int want_d,
                                im_metrics *r)
{
    unsigned q = m->spec.quantities;
    double alpha = im_context_alpha(m->ctx);
    const double *tt[2], *td[1] = {reg->gd.K};
    double st[2], mt[2], sd[1] = {cached_S(&reg->gd, alpha)}, md[1];
    gram_cache *tc[2];
    size_t nt = 0, ns = 0;
    if (q & IM_Q_IXT)
        tc[nt++] = xy->gx;
    if (q & IM_Q_ITY)
        tc[nt++] = xy->gy;
    assert(nt <= 2);
    for (size_t k = 0; k < nt; k++) {
        tt[k] = tc[k]->K;
        st[k] = cached_S(tc[k], alpha);
    }
    im_mmi_set sets[2];
    if (nt)
        sets[ns++] = (im_mmi_set){m->Tm, m->C, tt, nt, st, &r->H_T, mt};
    if (want_d)
        sets[ns++] = (im_mmi_set){m->Dm, m->C, td, 1, sd, NULL, md};
    im_status s = im_mmi_sets(m->ctx, sets, ns, m->n);
    if (s != IM_OK)
        return s;
    for (size_t k = 0; k < nt; k++)
        store_S(tc[k], st[k], alpha);
    if (want_d)
        store_S(&reg->gd, sd[0], alpha);
    for (size_t k = 0; k < nt; k++) {
        int x = tc[k] == xy->gx;
        *(x ? &r->H_X : &r->H_Y) = st[k];
        *(x ? &r->I_XT : &r->I_TY) = mt[k];
        r->have |= x ? IM_HAVE_X | IM_HAVE_T | IM_HAVE_IXT : IM_HAVE_T | IM_HAVE_Y | IM_HAVE_ITY;
    }
    if (want_d) {
        r->I_delta = md[0];
        r->H_dK = sd[0];
        r->have |= IM_HAVE_DELTA;
    }
    return IM_OK;
}

static im_status pid_quantities(const xy_source *xy, monitor *m, im_metrics *r)
{
    const double *targets[2] = {xy->gx->K, xy->gy->K};
    im_pid pid[2];
    im_status st = im_pid_pairs(m->ctx, targets, 2, m->Tm, m->C, m->n, pid, NULL);
    if (st != IM_OK)
        return st;
    r->rs = pid[0].rs;
    r->wnr = pid[0].wnr;
    r->rs_pct = pid[0].rs_pct;
    r->wnr_pct = pid[0].wnr_pct;
    r->wnr_y = pid[1].wnr;
    r->have |= IM_HAVE_PID | (pid[0].pairs ? IM_HAVE_PID_PAIRS : 0) |
               (pid[0].informative ? IM_HAVE_PID_PCT : 0);
    return IM_OK;
}

/* The saturation of T and its dead maps (T's Gram matrices are built). */
static void diagnose(const monitor *m, im_metrics *r)
{
    r->sat_T = r->H_T / log2((double)m->n);
    r->dead = 0;
    for (size_t c = 0; c < m->C; c++)
        r->dead += (size_t)im_gram_constant(m->Tm[c], m->n);
}

im_status im_mon_measure(im_registry *reg, monitor *m, const mon_capture *cap,
                         const shared_capture *g, const xy_source *xy, im_metrics *r, char *err,
                         size_t errlen)
{
    err[0] = '\0';
    im_status st = im_context_set_alpha(m->ctx, m->spec.alpha);
    if (st != IM_OK)
        return im_errf(err, errlen, st, "%s", im_context_error(m->ctx));
    memset(r, 0, sizeof *r);
    r->monitor = m->spec.name;
    r->layer = m->spec.user_layer;
    r->n = m->n;
    r->C = m->C;
    int want_d = 0;
    st = grams(reg, m, cap, g, xy, r, &want_d, err, errlen);
    if (st == IM_OK)
        st = mmi_quantities(reg, m, xy, want_d, r);
    if (st == IM_OK && (m->spec.quantities & IM_Q_PID))
        st = pid_quantities(xy, m, r);
    if (st == IM_OK && (r->have & IM_HAVE_T))
        diagnose(m, r);
    if (st != IM_OK && err[0] == '\0')
        im_errf(err, errlen, st, "%s", im_context_error(m->ctx));
    return st;
}

int im_mon_finite_row(const im_metrics *r)
{
    const double v[] = {r->H_X,  r->H_T, r->H_Y, r->I_XT,   r->I_TY,    r->I_delta,
                        r->H_dK, r->rs,  r->wnr, r->rs_pct, r->wnr_pct, r->wnr_y};
    const unsigned bit[] = {IM_HAVE_X,   IM_HAVE_T,     IM_HAVE_Y,     IM_HAVE_IXT,
                            IM_HAVE_ITY, IM_HAVE_DELTA, IM_HAVE_DELTA, IM_HAVE_PID_PAIRS,
                            IM_HAVE_PID_PAIRS, IM_HAVE_PID_PCT, IM_HAVE_PID_PCT,
                            IM_HAVE_PID_PAIRS};
    _Static_assert(sizeof v / sizeof v[0] == sizeof bit / sizeof bit[0],
                   "one IM_HAVE bit per metric");
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if ((r->have & bit[i]) && !isfinite(v[i]))
            return 0;
    return 1;
}
