/* The one builder of product-term lists: every information quantity of the
 * core lists the Hadamard products whose entropies it needs here, then
 * evaluates them in one batched call of the back end.  Also the factor-list
 * helpers the quantities share (argument checks, concatenation). */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

im_status im_terms_init(im_context *ctx, im_terms *t, size_t max_terms, size_t max_idx)
{
    t->off = NULL;
    t->idx = NULL;
    t->nterm = t->nidx = 0;
    t->max_terms = max_terms;
    t->max_idx = max_idx;
    if (max_terms >= UINT32_MAX || max_idx >= UINT32_MAX)
        return im_fail(ctx, IM_ERR_ARG, "%zu product terms of %zu factors exceed 2^32", max_terms,
                       max_idx);
    t->off = malloc((max_terms + 1) * sizeof(uint32_t));
    t->idx = malloc((max_idx ? max_idx : 1) * sizeof(uint32_t));
    if (t->off == NULL || t->idx == NULL) {
        im_terms_free(t);
        return im_fail(ctx, IM_ERR_NOMEM, "out of memory for %zu product terms", max_terms);
    }
    t->off[0] = 0;
    return IM_OK;
}

void im_terms_free(im_terms *t)
{
    free(t->off);
    free(t->idx);
    t->off = NULL;
    t->idx = NULL;
}

size_t im_terms_add(im_terms *t, const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    assert(t->nterm < t->max_terms && t->nidx + na + nb <= t->max_idx && na + nb > 0);
    if (na)
        memcpy(t->idx + t->nidx, a, na * sizeof(uint32_t));
    t->nidx += na;
    if (nb)
        memcpy(t->idx + t->nidx, b, nb * sizeof(uint32_t));
    t->nidx += nb;
    t->off[++t->nterm] = (uint32_t)t->nidx;
    return t->nterm - 1;
}

size_t im_terms_add1(im_terms *t, uint32_t a)
{
    return im_terms_add(t, &a, 1, NULL, 0);
}

im_status im_terms_eval(im_context *ctx, const double *const *f, size_t nf, size_t n,
                        const im_terms *t, double **S)
{
    *S = malloc((t->nterm ? t->nterm : 1) * sizeof(double));
    if (*S == NULL)
        return im_fail(ctx, IM_ERR_NOMEM, "out of memory for %zu entropies", t->nterm);
    im_status st = im_entropy_products(ctx, f, nf, n, t->off, t->idx, t->nterm, *S);
    if (st != IM_OK) {
        free(*S);
        *S = NULL;
    }
    return st;
}

uint32_t *im_iota(im_context *ctx, size_t m, uint32_t start)
{
    uint32_t *v = malloc((m ? m : 1) * sizeof(uint32_t));
    if (v == NULL) {
        im_fail(ctx, IM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < m; i++)
        v[i] = start + (uint32_t)i;
    return v;
}

im_status im_check_mats(im_context *ctx, const char *fn, const double *const *M, size_t m)
{
    if (M == NULL && m > 0)
        return im_fail(ctx, IM_ERR_ARG, "%s: matrix list is NULL", fn);
    for (size_t i = 0; i < m; i++)
        if (M[i] == NULL)
            return im_fail(ctx, IM_ERR_ARG, "%s: matrix %zu is NULL", fn, i);
    return IM_OK;
}

const double **im_concat(im_context *ctx, const double *const *a, size_t na, const double *const *b,
                         size_t nb)
{
    const double **f = malloc((na + nb ? na + nb : 1) * sizeof *f);
    if (f == NULL) {
        im_fail(ctx, IM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < na; i++)
        f[i] = a[i];
    for (size_t i = 0; i < nb; i++)
        f[na + i] = b[i];
    return f;
}
