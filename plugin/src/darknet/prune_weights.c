/* Copying weights into the pruned network, array by array in file order. */
#include <stdlib.h>
#include <string.h>
#include "prune_weights.h"
#include "util/errfmt.h"
#include "weights_layout.h"

/* The arrays of a network in file order (weights_layout.h's walk). */
typedef struct {
    const float **a;
    size_t *n, count, cap;
} arrays;

static im_status collect(void *arg, const float *a, size_t n, char *err, size_t errlen)
{
    arrays *L = arg;
    if (L->count == L->cap) {
        size_t cap = L->cap ? 2 * L->cap : 64;
        const float **na = realloc(L->a, cap * sizeof *na);
        if (na)
            L->a = na;
        size_t *nn = na ? realloc(L->n, cap * sizeof *nn) : NULL;
        if (nn == NULL)
            return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for the weights' arrays");
        L->n = nn;
        L->cap = cap;
    }
    L->a[L->count] = a;
    L->n[L->count++] = n;
    return IM_OK;
}

/* to[r][k] = from[r][keep[k]] for rows r < R of C blocks of q floats
 * (to's rows hold m blocks). */
static void select_blocks(const float *from, float *to, size_t R, size_t C, size_t q,
                          const size_t *keep, size_t m)
{
    for (size_t r = 0; r < R; r++)
        for (size_t k = 0; k < m; k++)
            memcpy(to + (r * m + k) * q, from + (r * C + keep[k]) * q, q * sizeof(float));
}

/* One pair of arrays: f (nf floats of the original) into t (nt). */
static int copy_array(const network *from, const im_prune_plan *p, const float *f, size_t nf,
                      float *t, size_t nt, const size_t *keep, size_t m)
{
    const layer *K = &from->layers[p->dn], *R = &from->layers[p->next];
    size_t C = p->C;
    int of_K = f == K->biases || f == K->scales || f == K->rolling_mean ||
               f == K->rolling_variance || f == K->weights;
    if (of_K && nf % C == 0 && nt == nf / C * m) {
        select_blocks(f, t, 1, C, nf / C, keep, m); /* by filter: a value or a row */
        return 1;
    }
    if (f == R->weights && nf % (C * p->block) == 0 && nt == nf / C * m) {
        select_blocks(f, t, nf / (C * p->block), C, p->block, keep, m);
        return 1;
    }
    if (!of_K && nf == nt) {
        memcpy(t, f, nf * sizeof(float));
        return 1;
    }
    return 0;
}

im_status im_prune_copy(const network *from, network *to, const im_prune_plan *p,
                        const size_t *keep, size_t m, const char *cfg, char *err, size_t errlen)
{
    arrays A = {0}, B = {0};
    im_status st = im_dn_weights_walk(from, IM_DN_WEIGHTS_SAVE, cfg, collect, &A, err, errlen);
    if (st == IM_OK)
        st = im_dn_weights_walk(to, IM_DN_WEIGHTS_SAVE, cfg, collect, &B, err, errlen);
    if (st == IM_OK && A.count != B.count)
        st = im_errf(err, errlen, IM_ERR_FORMAT,
                     "%s: the pruned network has %zu weight arrays, "
                     "the original %zu",
                     cfg, B.count, A.count);
    /* B's arrays are the pruned network's own (writable) memory; the walk hands them out const. */
    for (size_t j = 0; st == IM_OK && j < A.count; j++)
        if (!copy_array(from, p, A.a[j], A.n[j], (float *)B.a[j], B.n[j], keep, m))
            st = im_errf(err, errlen, IM_ERR_FORMAT,
                         "%s: weight array %zu has %zu floats in the pruned network, %zu in the "
                         "original, which pruning %zu of %zu filters does not explain",
                         cfg, j, B.n[j], A.n[j], p->C - m, p->C);
    if (st == IM_OK)
        *to->seen = *from->seen;
    free(A.a);
    free(A.n);
    free(B.a);
    free(B.n);
    return st;
}
