/* `infomonitor width`: the number of filters a layer needs (Appendix B,
 * Alg. 1; Fig. 6).  Greedy forward selection: each step adds the remaining
 * filter t that maximizes I({Ts, t}; Y) (im_mmi_sets over every candidate
 * of every mini-batch, one back-end call), then asks CMI-permutation
 * (im_cmi_permutation_mean: the step's 4(P+1) entropies of every
 * mini-batch in one back-end call) whether t is significant; the first
 * step whose test says stop gives the width N = |Ts| before it.  Every
 * value is the mean over the B mini-batches.
 *
 * The selected maps enter every term as one matrix, their running
 * Hadamard product (kept per batch here), so a candidate's terms have 2 or
 * 3 factors at any step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "analysis_session.h"
#include "util/errfmt.h"
#include "util/rng.h"

typedef struct {
    const im_width_opts *o;
    im_an_session *s;
    size_t C, B, n;
    size_t *order, nsel; /* the selected filters, in the order chosen */
    size_t *rest, nrest; /* the remaining ones, ascending */
    double *PS;          /* B running products of the selected maps, n*n each */
    double *SY;          /* B entropies S(Y_b) */
} width_run;

typedef struct {
    size_t filter;
    double gain;      /* I({Ts, t}; Y) */
    double cmi;       /* I({Tr - t}; Y | {Ts, t}) */
    double perm_mean; /* mean over the P permutations of the permuted CMI */
    double p;         /* share of permutations with cmi >= the permuted CMI */
    int keep;
} width_step;

/* Per-set storage of the candidates' im_mmi_sets call. */
typedef struct {
    im_mmi_set *sets;
    const double **T, **Y;
    double *S_Y, *mi;
} gain_sets;

static void gain_sets_free(gain_sets *q)
{
    free(q->sets);
    free(q->T);
    free(q->Y);
    free(q->S_Y);
    free(q->mi);
}

/* Set (b, j): T = {PS_b, map rest[j] of batch b} ({the map} before any
 * selection), target Y_b with its cached entropy. */
static void fill_gain_sets(const width_run *w, gain_sets *q)
{
    size_t nn = w->n * w->n, hasS = w->nsel > 0;
    for (size_t b = 0; b < w->B; b++) {
        q->Y[b] = w->s->g.Y + b * nn;
        for (size_t j = 0; j < w->nrest; j++) {
            size_t k = b * w->nrest + j;
            const double **T = q->T + 2 * k;
            T[0] = w->PS + b * nn;
            T[hasS] = im_an_gram_t(&w->s->g, b, w->rest[j]);
            q->S_Y[k] = w->SY[b];
            q->sets[k] = (im_mmi_set){T, 1 + hasS, q->Y + b, 1, q->S_Y + k, NULL, q->mi + k};
        }
    }
}

/* The candidate with the largest mean I({Ts, t}; Y) (the first of equal
 * ones): its index into rest, and that mean. */
static im_status choose(width_run *w, size_t *j_best, double *gain, char *err, size_t errlen)
{
    size_t m = w->B * w->nrest;
    gain_sets q = {malloc(m * sizeof *q.sets), malloc(2 * m * sizeof *q.T),
                   malloc(w->B * sizeof *q.Y), malloc(m * sizeof *q.S_Y), malloc(m * sizeof *q.mi)};
    im_status st = IM_OK;
    if (!q.sets || !q.T || !q.Y || !q.S_Y || !q.mi)
        st = im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for %zu candidate sets", m);
    if (st == IM_OK) {
        fill_gain_sets(w, &q);
        if ((st = im_mmi_sets(w->s->ctx, q.sets, m, w->n)) != IM_OK)
            st = im_an_core_fail(w->s, st, err, errlen);
    }
    for (size_t j = 0; st == IM_OK && j < w->nrest; j++) {
        double g = 0.0;
        for (size_t b = 0; b < w->B; b++)
            g += q.mi[b * w->nrest + j] / (double)w->B;
        if (j == 0 || g > *gain) {
            *gain = g;
            *j_best = j;
        }
    }
    gain_sets_free(&q);
    return st;
}

/* Alg. 1 for candidate rest[j]: Ts = {PS_b} (none before any selection),
 * Tr = the remaining maps of batch b. */
static im_status test_candidate(width_run *w, size_t j, uint64_t seed, width_step *r, char *err,
                                size_t errlen)
{
    size_t nn = w->n * w->n, P = w->o->permutations;
    im_cmi_perm_batch *pb = malloc(w->B * sizeof *pb);
    const double **Ts = malloc(w->B * sizeof *Ts), **Tr = malloc(w->B * w->nrest * sizeof *Tr);
    double *perm = malloc(P * sizeof *perm);
    im_status st = IM_OK;
    if (!pb || !Ts || !Tr || !perm)
        st = im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for %zu permutations", P);
    for (size_t b = 0; st == IM_OK && b < w->B; b++) {
        Ts[b] = w->PS + b * nn;
        for (size_t k = 0; k < w->nrest; k++)
            Tr[b * w->nrest + k] = im_an_gram_t(&w->s->g, b, w->rest[k]);
        pb[b] = (im_cmi_perm_batch){Ts + b, Tr + b * w->nrest, w->s->g.Y + b * nn};
    }
    im_cmi_perm out;
    if (st == IM_OK &&
        (st = im_cmi_permutation_mean(w->s->ctx, pb, w->B, w->nsel > 0, w->nrest, j, w->n, P,
                                      w->o->significance, seed, &out, perm)) != IM_OK)
        st = im_an_core_fail(w->s, st, err, errlen);
    if (st == IM_OK) {
        r->perm_mean = 0.0;
        for (size_t p = 0; p < P; p++)
            r->perm_mean += perm[p] / (double)P;
        r->cmi = out.cmi;
        r->p = out.fraction;
        r->keep = out.keep;
    }
    free(perm);
    free(Tr);
    free(Ts);
    free(pb);
    return st;
}

/* Move rest[j] to the selection and into every batch's running product. */
static void select_filter(width_run *w, size_t j)
{
    size_t nn = w->n * w->n, c = w->rest[j];
    for (size_t b = 0; b < w->B; b++) {
        double *P = w->PS + b * nn;
        const double *T = im_an_gram_t(&w->s->g, b, c);
        if (w->nsel == 0)
            memcpy(P, T, nn * sizeof(double));
        else
            for (size_t e = 0; e < nn; e++)
                P[e] *= T[e];
    }
    w->order[w->nsel++] = c;
    memmove(w->rest + j, w->rest + j + 1, (w->nrest - j - 1) * sizeof *w->rest);
    w->nrest--;
}

static void print_step(const width_run *w, size_t k, const width_step *r)
{
    printf("%4zu  %6zu  %10.4f  %10.4f  %10.4f  %7.3f  %s\n", k, r->filter, r->gain, r->cmi,
           r->perm_mean, r->p, r->keep ? "continue" : "stop");
    if (w->s->csv.f)
        fprintf(w->s->csv.f, "%zu,%zu,%.9g,%.9g,%.9g,%.9g,%s,%zu,%zu,%zu,%g\n", k, r->filter,
                r->gain, r->cmi, r->perm_mean, r->p, r->keep ? "continue" : "stop", w->n, w->B,
                w->o->permutations, w->o->significance);
    fflush(stdout);
}

/* One selection step (k counts from 1): choose, test, select. */
static im_status step(width_run *w, size_t k, uint64_t seed, width_step *r, char *err,
                      size_t errlen)
{
    size_t j = 0;
    im_status st = choose(w, &j, &r->gain, err, errlen);
    if (st != IM_OK || (st = test_candidate(w, j, seed, r, err, errlen)) != IM_OK)
        return st;
    r->filter = w->rest[j];
    select_filter(w, j);
    print_step(w, k, r);
    return IM_OK;
}

static im_status width_alloc(width_run *w, char *err, size_t errlen)
{
    size_t nn = w->n * w->n;
    w->order = malloc(w->C * sizeof *w->order);
    w->rest = malloc(w->C * sizeof *w->rest);
    w->PS = malloc(w->B * nn * sizeof(double));
    w->SY = malloc(w->B * sizeof(double));
    if (!w->order || !w->rest || !w->PS || !w->SY)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for the selection of %zu filters",
                       w->C);
    for (size_t c = 0; c < w->C; c++)
        w->rest[c] = c;
    w->nrest = w->C;
    im_status st = im_entropy_batch(w->s->ctx, w->s->g.Y, w->B, w->n, w->SY, NULL);
    return st == IM_OK ? IM_OK : im_an_core_fail(w->s, st, err, errlen);
}

/* The last line: N, and why the selection ended. */
static void print_width(const width_run *w, size_t N, size_t stop_step)
{
    if (stop_step)
        printf("width N = %zu of %zu filters (step %zu: filter %zu not significant at %g)\n", N,
               w->C, stop_step, w->order[stop_step - 1], w->o->significance);
    else
        printf("width N >= %zu of %zu filters (no stop in the %zu steps run)\n", w->nsel, w->C,
               w->nsel);
    printf("selected, in order:");
    for (size_t k = 0; k < (stop_step ? N : w->nsel); k++)
        printf(" %zu", w->order[k]);
    printf("\n");
}

static im_status run_selection(width_run *w, char *err, size_t errlen)
{
    size_t steps = w->o->steps ? w->o->steps : w->C, stop_step = 0;
    printf("CMI-permutation: %zu permutations, significance %g; step k adds filter t:\n"
           "step  filter  I(Ts,t;Y)   I(Tr;Y|Ts)  perm mean  p-value  decision\n",
           w->o->permutations, w->o->significance);
    fflush(stdout);
    im_status st = width_alloc(w, err, errlen);
    for (size_t k = 1; st == IM_OK && k <= steps && w->nrest > 0; k++) {
        width_step r;
        if ((st = step(w, k, im_rng_next(&w->s->rng), &r, err, errlen)) != IM_OK)
            break;
        if (!r.keep && !stop_step) {
            stop_step = k;
            if (!w->o->steps)
                break;
        }
    }
    if (st == IM_OK)
        print_width(w, stop_step ? stop_step - 1 : w->nsel, stop_step);
    return st;
}

im_status im_dn_width(const im_width_opts *o, char *err, size_t errlen)
{
    im_an_session s;
    im_status st = im_an_begin(&o->an, IM_AN_GRAMS_TY, "width", &s, err, errlen);
    if (st == IM_OK && o->steps > s.net.C)
        st = im_errf(err, errlen, IM_ERR_ARG, "-steps %zu: layer %d has %zu filters", o->steps,
                     s.net.layer, s.net.C);
    if (st == IM_OK && s.csv.f)
        fprintf(s.csv.f, "step,filter,I_TsT_Y,cmi,perm_mean,p_value,decision,n,batches,"
                         "permutations,significance\n");
    width_run w = {.o = o, .s = &s, .C = s.net.C, .B = o->an.batches, .n = o->an.n};
    if (st == IM_OK)
        st = run_selection(&w, err, errlen);
    free(w.order);
    free(w.rest);
    free(w.PS);
    free(w.SY);
    return im_an_end(&s, st, err, errlen);
}
