/* im_mmi_sets: the MMI (Eq. 7) of several targets against each of several
 * variable sets, with cached target entropies, in one back-end batch.
 *
 * Factors, set by set: T_s[0..C_s-1], then the set's targets.  Terms, set
 * by set: S(T_s), then for each target S(target) unless it is cached (a
 * finite S_target), and S(T_s o target). */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

/* Where each entropy of the batch is: per set its S(T) term, per target
 * (all sets' targets back to back) its S(target) term (SIZE_MAX when
 * cached) and its S(T o target) term. */
typedef struct {
    size_t *tT, *tB, *tTB;
} plan;

static im_status check_sets(im_context *ctx, const im_mmi_set *sets, size_t nsets, size_t *nf,
                            size_t *ntarget, size_t *maxC, size_t *nidx)
{
    *nf = *ntarget = *maxC = *nidx = 0;
    if (sets == NULL && nsets > 0)
        return im_fail(ctx, IM_ERR_ARG, "im_mmi_sets: sets is NULL");
    for (size_t s = 0; s < nsets; s++) {
        const im_mmi_set *q = &sets[s];
        im_status st;
        if (q->C == 0 || q->C >= UINT32_MAX || (q->nt && (q->S_target == NULL || q->mi == NULL)))
            return im_fail(ctx, IM_ERR_ARG,
                           "im_mmi_sets: set %zu needs 1 <= C < 2^32 (C = %zu), and S_target "
                           "and mi for its %zu targets",
                           s, q->C, q->nt);
        if ((st = im_check_mats(ctx, "im_mmi_sets T", q->T, q->C)) != IM_OK ||
            (st = im_check_mats(ctx, "im_mmi_sets targets", q->targets, q->nt)) != IM_OK)
            return st;
        *nf += q->C + q->nt;
        *ntarget += q->nt;
        *maxC = q->C > *maxC ? q->C : *maxC;
        *nidx += q->C + q->nt * (q->C + 2);
    }
    return IM_OK;
}

/* Fill the factor list and the terms (maps: room for maxC indices). */
static void build(const im_mmi_set *sets, size_t nsets, const double **f, uint32_t *maps,
                  im_terms *t, plan *p)
{
    size_t base = 0, slot = 0;
    for (size_t s = 0; s < nsets; s++) {
        const im_mmi_set *q = &sets[s];
        for (size_t c = 0; c < q->C; c++) {
            f[base + c] = q->T[c];
            maps[c] = (uint32_t)(base + c);
        }
        p->tT[s] = im_terms_add(t, maps, q->C, NULL, 0);
        for (size_t k = 0; k < q->nt; k++, slot++) {
            uint32_t b = (uint32_t)(base + q->C + k);
            f[b] = q->targets[k];
            p->tB[slot] = isfinite(q->S_target[k]) ? SIZE_MAX : im_terms_add1(t, b);
            p->tTB[slot] = im_terms_add(t, maps, q->C, &b, 1);
        }
        base += q->C + q->nt;
    }
}

static void combine(const im_mmi_set *sets, size_t nsets, const double *S, const plan *p)
{
    size_t slot = 0;
    for (size_t s = 0; s < nsets; s++) {
        const im_mmi_set *q = &sets[s];
        double st = S[p->tT[s]];
        if (q->S_T != NULL)
            *q->S_T = st;
        for (size_t k = 0; k < q->nt; k++, slot++) {
            if (p->tB[slot] != SIZE_MAX)
                q->S_target[k] = S[p->tB[slot]];
            q->mi[k] = q->S_target[k] + st - S[p->tTB[slot]];
        }
    }
}

im_status im_mmi_sets(im_context *ctx, const im_mmi_set *sets, size_t nsets, size_t n)
{
    size_t nf, ntarget, maxC, nidx;
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK || (st = check_sets(ctx, sets, nsets, &nf, &ntarget, &maxC, &nidx)) != IM_OK)
        return st;
    if (nsets == 0)
        return IM_OK;
    const double **f = malloc(nf * sizeof *f);
    uint32_t *maps = malloc(maxC * sizeof *maps);
    size_t *where = malloc((nsets + 2 * ntarget) * sizeof *where);
    plan p = {where, where + nsets, where + nsets + ntarget};
    im_terms t = {0};
    double *S = NULL;
    if (f == NULL || maps == NULL || where == NULL) {
        st = im_fail(ctx, IM_ERR_NOMEM, "out of memory for %zu variable sets", nsets);
        goto out;
    }
    if ((st = im_terms_init(ctx, &t, nsets + 2 * ntarget, nidx)) != IM_OK)
        goto out;
    build(sets, nsets, f, maps, &t, &p);
    if ((st = im_terms_eval(ctx, f, nf, n, &t, &S)) != IM_OK)
        goto out;
    combine(sets, nsets, S, &p);
out:
    free(S);
    im_terms_free(&t);
    free(where);
    free(maps);
    free(f);
    return st;
}
