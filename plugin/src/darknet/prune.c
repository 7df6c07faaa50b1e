/* `infomonitor prune`: a smaller network without the least important
 * filters of layer K (the paper's Sec. IV, item 4): the cfg with K's count
 * changed (prune_cfg.h) and weights copied from the original with the
 * dropped filters, and the next layer's inputs from them, left out
 * (prune_weights.h).  The importance: the IB objective (importance.h, as
 * `rank`), the absolute weight sum, or a random draw.  The cfg is written
 * last, so that the pair appears together; the weights are checked
 * against it before. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "importance.h"
#include "net_load.h"
#include "prune_cfg.h"
#include "prune_plan.h"
#include "prune_weights.h"
#include "util/errfmt.h"
#include "util/rng.h"
#include "weights_check.h"
#include "weights_save.h"

static const char *const by_name[] = {"ib", "l1", "random"};

/* score[c], larger meaning more important. */
static im_status scores(im_an_session *s, const im_prune_opts *o, double *score, char *err,
                        size_t errlen)
{
    size_t C = s->net.C;
    if (o->by == IM_PRUNE_L1) {
        im_an_l1(&s->net, score);
        return IM_OK;
    }
    if (o->by == IM_PRUNE_RANDOM) {
        size_t *v = malloc(C * sizeof *v);
        if (v == NULL)
            return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory");
        for (size_t c = 0; c < C; c++)
            v[c] = c;
        im_rng_shuffle(v, C, &s->rng);
        for (size_t r = 0; r < C; r++)
            score[v[r]] = (double)(C - r);
        free(v);
        return IM_OK;
    }
    double *m = malloc(2 * C * sizeof *m); /* I(X;T), I(T;Y) */
    if (m == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory");
    im_status st = im_an_ib_means(s, o->beta, score, m, m + C, err, errlen);
    for (size_t c = 0; c < C; c++)
        score[c] = -score[c];
    free(m);
    return st;
}

/* keep[0..m-1]: the m filters of largest score (the lower index first
 * among equal ones; NaN least), ascending. */
static void choose(const double *score, size_t C, size_t m, size_t *keep, char *kept)
{
    memset(kept, 0, C);
    for (size_t k = 0; k < m; k++) {
        size_t best = C;
        for (size_t c = 0; c < C; c++)
            if (!kept[c] &&
                (best == C || score[c] > score[best] || (isnan(score[best]) && !isnan(score[c]))))
                best = c;
        kept[best] = 1;
    }
    for (size_t c = 0, k = 0; c < C; c++)
        if (kept[c])
            keep[k++] = c;
}

static void print_choice(const im_an_session *s, const im_prune_opts *o, const double *score,
                         const char *kept, size_t m)
{
    size_t C = s->net.C;
    printf("importance: %s%s\nkeep %zu of %zu filters:", by_name[o->by],
           o->by == IM_PRUNE_IB   ? " (the IB objective, as rank; smaller is more important)"
           : o->by == IM_PRUNE_L1 ? " (the absolute weight sum of each filter)"
                                  : " (a random draw from the seed)",
           m, C);
    for (int pass = 1; pass >= 0; pass--) {
        for (size_t c = 0; c < C; c++)
            if (kept[c] == pass)
                printf(" %zu", c);
        printf(pass ? "\ndrop:" : "\n");
    }
    if (s->csv.f) {
        fprintf(s->csv.f, "filter,score,kept,by\n");
        for (size_t c = 0; c < C; c++)
            fprintf(s->csv.f, "%zu,%.9g,%d,%s\n", c, o->by == IM_PRUNE_IB ? -score[c] : score[c],
                    kept[c], by_name[o->by]);
    }
}

/* <out><ext> into buf (len bytes); IM_ERR_ARG when it does not fit. */
static im_status out_path(const char *out, const char *ext, char *buf, size_t len, char *err,
                          size_t errlen)
{
    int k = snprintf(buf, len, "%s%s", out, ext);
    return k >= 0 && (size_t)k < len ? IM_OK
                                     : im_errf(err, errlen, IM_ERR_ARG, "-out %s: too long", out);
}

/* The pruned network from the cfg at `cfg_tmp`, its weights from the
 * original, saved to `weights` and checked against `cfg` (its final name). */
static im_status pruned_weights(im_an_session *s, const im_prune_plan *p, const size_t *keep,
                                size_t m, const char *cfg_tmp, const char *cfg, const char *weights,
                                char *err, size_t errlen)
{
    im_cfg_rewrite rw = {0};
    network *net = NULL;
    im_status st = im_dn_load_net(cfg_tmp, NULL, 0, 0, -1, &rw, &net, err, errlen);
    if (st == IM_OK)
        st = im_prune_copy(s->net.net, net, p, keep, m, cfg, err, errlen);
    if (st == IM_OK)
        st = im_dn_weights_save(net, weights, err, errlen);
    if (st == IM_OK)
        st = im_dn_weights_check(net, cfg, weights, err, errlen);
    if (st == IM_OK) {
        const layer *was = &s->net.net->layers[p->next], *now = &net->layers[p->next];
        int conv = now->type == CONVOLUTIONAL;
        printf("next layer %d (%s %s:%d) reads %d %s (was %d)\n", p->next_sec->layer,
               p->next_sec->type, s->net.rw.model.path, p->next_sec->line,
               conv ? now->c : now->inputs, conv ? "channels" : "inputs",
               conv ? was->c : was->inputs);
    }
    if (net)
        free_network(net);
    im_cfg_rewrite_free(&rw);
    return st;
}

/* Write <out>.cfg (atomically, committed last) and <out>.weights. */
static im_status write_pruned(im_an_session *s, const im_prune_opts *o, const im_prune_plan *p,
                              const size_t *keep, size_t m, char *err, size_t errlen)
{
    char cfg[4096], weights[4096];
    im_atomic a = {0};
    const im_an_net *n = &s->net;
    int conv = im_an_layer(n)->type == CONVOLUTIONAL;
    im_status st = out_path(o->out, ".cfg", cfg, sizeof cfg, err, errlen);
    if (st == IM_OK)
        st = out_path(o->out, ".weights", weights, sizeof weights, err, errlen);
    if (st == IM_OK)
        st = im_atomic_open(&a, cfg, err, errlen);
    if (st == IM_OK)
        st = im_prune_cfg_write(&n->rw.model, &n->rw.model.sec[n->sec], conv ? "filters" : "output",
                                m, a.f, err, errlen);
    if (st == IM_OK && fflush(a.f) != 0)
        st = im_atomic_write_error(&a, err, errlen);
    if (st == IM_OK)
        st = pruned_weights(s, p, keep, m, a.tmp, cfg, weights, err, errlen);
    if (st == IM_OK && (st = im_atomic_commit(&a, err, errlen)) == IM_OK)
        printf("wrote %s and %s\n", cfg, weights);
    if (st != IM_OK)
        im_atomic_abort(&a);
    return st;
}

im_status im_dn_prune(const im_prune_opts *o, char *err, size_t errlen)
{
    im_an_session s;
    im_an_want want = o->by == IM_PRUNE_IB ? IM_AN_GRAMS_XTY : IM_AN_NET_ONLY;
    im_status st = im_an_begin(&o->an, want, "prune", &s, err, errlen);
    im_prune_plan p;
    size_t C = s.net.C, m = (size_t)(o->keep * (double)C + 0.5);
    m = m < 1 ? 1 : m > C ? C : m;
    double *score = st == IM_OK ? malloc(C * sizeof *score) : NULL;
    size_t *keep = st == IM_OK ? malloc(C * sizeof *keep) : NULL;
    char *kept = st == IM_OK ? malloc(C) : NULL;
    if (st == IM_OK && (!score || !keep || !kept))
        st = im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for %zu filters", C);
    if (st == IM_OK)
        st = im_prune_plan_make(&s.net, &p, err, errlen);
    if (st == IM_OK)
        st = scores(&s, o, score, err, errlen);
    if (st == IM_OK) {
        choose(score, C, m, keep, kept);
        print_choice(&s, o, score, kept, m);
        st = write_pruned(&s, o, &p, keep, m, err, errlen);
    }
    free(kept);
    free(keep);
    free(score);
    return im_an_end(&s, st, err, errlen);
}
