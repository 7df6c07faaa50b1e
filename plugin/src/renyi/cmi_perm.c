/* CMI-permutation (Appendix B, Alg. 1): the CMI with the candidate and with
 * P permuted copies of it, for B mini-batches, all 4(P+1)B entropies in one
 * back-end batch (in groups of batches when their permuted matrices would
 * exceed PERM_GROUP_BYTES).
 *
 * The sets A = Tr - t and Ts enter every term as a whole, so each is
 * multiplied out once per batch (fp64): a term then has at most 4 factors
 * (o A, Y, o Ts, the candidate or a permuted copy) however many maps a
 * layer has.  The products equal those of the factor lists up to the order
 * of the multiplications. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "util/rng.h"

/* Permuted copies and premultiplied sets of the batches of one group. */
#define PERM_GROUP_BYTES ((size_t)256 << 20)

/* What every batch shares: the set sizes, the candidate, n and P. */
typedef struct {
    size_t nS, nR, t, n, P;
} perm_shape;

/* out = the Hadamard product of M[0..m-1] without M[skip] (skip >= m: all);
 * at least one factor remains.  All n*n row-major. */
static void product_except(const double *const *M, size_t m, size_t skip, size_t nn, double *out)
{
    int first = 1;
    for (size_t k = 0; k < m; k++) {
        if (k == skip)
            continue;
        if (first)
            memcpy(out, M[k], nn * sizeof(double));
        else
            for (size_t e = 0; e < nn; e++)
                out[e] *= M[k][e];
        first = 0;
    }
}

/* Gram matrices of the candidate K with its samples permuted,
 * Q_p[i][j] = K[pi(i)][pi(j)], for P permutations pi drawn from *rng. */
static void permuted_grams(const double *K, size_t n, size_t P, uint64_t *rng, size_t *pi,
                           double *perm)
{
    for (size_t p = 0; p < P; p++) {
        for (size_t i = 0; i < n; i++)
            pi[i] = i;
        im_rng_shuffle(pi, n, rng);
        double *Q = perm + p * n * n;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                Q[i * n + j] = K[pi[i] * n + pi[j]];
    }
}

/* Factors of one batch in f (from f[0]) and its storage mem ((P + 2) n*n):
 * o A, Y, o Ts (when nS > 0), t, then the P permuted copies (drawn from
 * seed).  Returns the number of factors. */
static size_t batch_factors(const perm_shape *s, const im_cmi_perm_batch *b, uint64_t seed,
                            size_t *pi, double *mem, const double **f)
{
    size_t nn = s->n * s->n, k = 0;
    double *pa = mem, *ps = mem + nn, *perm = mem + 2 * nn;
    product_except(b->Tr, s->nR, s->t, nn, pa);
    f[k++] = pa;
    f[k++] = b->Y;
    if (s->nS) {
        product_except(b->Ts, s->nS, SIZE_MAX, nn, ps);
        f[k++] = ps;
    }
    f[k++] = b->Tr[s->t];
    permuted_grams(b->Tr[s->t], s->n, s->P, &seed, pi, perm);
    for (size_t p = 0; p < s->P; p++)
        f[k++] = perm + p * nn;
    return k;
}

/* The terms of one batch whose factors start at base: for each
 * conditioning set C = {o Ts, t or its p-th copy}, S(A,C), S(Y,C),
 * S(A,Y,C) and S(C). */
static void batch_terms(im_terms *t, const perm_shape *s, uint32_t base)
{
    uint32_t hasS = s->nS > 0, iA = base, iY = base + 1, iT = base + 2 + hasS;
    uint32_t ay[2] = {iA, iY}, cond[2] = {base + 2, 0};
    for (size_t p = 0; p <= s->P; p++) {
        cond[hasS] = iT + (uint32_t)p;
        im_terms_add(t, ay, 1, cond, hasS + 1);
        im_terms_add(t, ay + 1, 1, cond, hasS + 1);
        im_terms_add(t, ay, 2, cond, hasS + 1);
        im_terms_add(t, cond, hasS + 1, NULL, 0);
    }
}

/* Batches b0 .. b0+g-1 in one back-end call: their CMIs are added to
 * sums[0 .. P] (the candidate's, then each permutation's). */
static im_status perm_group(im_context *ctx, const perm_shape *s, const im_cmi_perm_batch *batch,
                            size_t b0, size_t g, uint64_t seed, size_t *pi, double *mem,
                            const double **f, double *sums)
{
    size_t nn = s->n * s->n, nterm = 4 * (s->P + 1) * g, nf = 0;
    im_terms terms = {0};
    double *S = NULL;
    im_status st = im_terms_init(ctx, &terms, nterm, 4 * nterm);
    if (st != IM_OK)
        return st;
    for (size_t b = 0; b < g; b++) {
        size_t base = nf;
        nf +=
            batch_factors(s, &batch[b0 + b], seed + b0 + b, pi, mem + b * (s->P + 2) * nn, f + nf);
        batch_terms(&terms, s, (uint32_t)base);
    }
    if ((st = im_terms_eval(ctx, f, nf, s->n, &terms, &S)) == IM_OK)
        for (size_t b = 0; b < g; b++)
            for (size_t p = 0; p <= s->P; p++) {
                const double *q = S + 4 * ((s->P + 1) * b + p);
                sums[p] += q[0] + q[1] - q[2] - q[3];
            }
    free(S);
    im_terms_free(&terms);
    return st;
}

static im_status perm_check(im_context *ctx, const im_cmi_perm_batch *batch, size_t B,
                            const perm_shape *s, double significance, const im_cmi_perm *out)
{
    im_status st = im_check_n(ctx, s->n);
    if (st != IM_OK)
        return st;
    if (out == NULL || batch == NULL || B == 0 || s->t >= s->nR || s->P == 0 ||
        s->nR + s->nS >= UINT32_MAX || !(significance >= 0.0 && significance <= 1.0))
        return im_fail(ctx, IM_ERR_ARG,
                       "im_cmi_permutation: need out, B >= 1 batches (B = %zu), t < |Tr| (t = "
                       "%zu, |Tr| = %zu), P >= 1 and 0 <= significance <= 1 (got %g)",
                       B, s->t, s->nR, significance);
    for (size_t b = 0; b < B; b++) {
        if (batch[b].Y == NULL)
            return im_fail(ctx, IM_ERR_ARG, "im_cmi_permutation: batch %zu has no Y", b);
        if ((st = im_check_mats(ctx, "im_cmi_permutation Tr", batch[b].Tr, s->nR)) != IM_OK ||
            (st = im_check_mats(ctx, "im_cmi_permutation Ts", batch[b].Ts, s->nS)) != IM_OK)
            return st;
    }
    return IM_OK;
}

/* Every batch in groups of at most PERM_GROUP_BYTES of storage; sums as
 * perm_group's. */
static im_status perm_sums(im_context *ctx, const perm_shape *s, const im_cmi_perm_batch *batch,
                           size_t B, uint64_t seed, double *sums)
{
    size_t nn = s->n * s->n, per = (s->P + 2) * nn * sizeof(double);
    size_t group = PERM_GROUP_BYTES / per;
    group = group < 1 ? 1 : group > B ? B : group;
    double *mem = malloc(group * per);
    const double **f = malloc(group * (s->P + 4) * sizeof *f);
    size_t *pi = malloc(s->n * sizeof *pi);
    im_status st = IM_OK;
    if (mem == NULL || f == NULL || pi == NULL)
        st = im_fail(ctx, IM_ERR_NOMEM, "out of memory for %zu permutations of %zu batches", s->P,
                     group);
    for (size_t b0 = 0; b0 < B && st == IM_OK; b0 += group)
        st = perm_group(ctx, s, batch, b0, B - b0 < group ? B - b0 : group, seed, pi, mem, f, sums);
    free(pi);
    free(f);
    free(mem);
    return st;
}

im_status im_cmi_permutation_mean(im_context *ctx, const im_cmi_perm_batch *batch, size_t B,
                                  size_t nS, size_t nR, size_t t, size_t n, size_t P,
                                  double significance, uint64_t seed, im_cmi_perm *out,
                                  double *perm)
{
    perm_shape s = {nS, nR, t, n, P};
    im_status st = perm_check(ctx, batch, B, &s, significance, out);
    if (st != IM_OK)
        return st;
    double *sums = calloc(P + 1, sizeof *sums);
    if (sums == NULL)
        return im_fail(ctx, IM_ERR_NOMEM, "out of memory for %zu permutations", P);
    /* With Tr = {t}, nothing remains to explain: every CMI is 0. */
    if (nR > 1 && (st = perm_sums(ctx, &s, batch, B, seed, sums)) != IM_OK) {
        free(sums);
        return st;
    }
    double cmi = sums[0] / (double)B;
    size_t ge = 0;
    for (size_t p = 1; p <= P; p++) {
        double cp = sums[p] / (double)B;
        ge += cmi >= cp;
        if (perm)
            perm[p - 1] = cp;
    }
    out->cmi = cmi;
    out->fraction = (double)ge / (double)P;
    out->keep = nR > 1 && isfinite(cmi) && out->fraction <= significance;
    free(sums);
    return IM_OK;
}

im_status im_cmi_permutation(im_context *ctx, const double *const *Ts, size_t nS,
                             const double *const *Tr, size_t nR, size_t t, const double *Y,
                             size_t n, size_t P, double significance, uint64_t seed,
                             im_cmi_perm *out)
{
    im_cmi_perm_batch b = {Ts, Tr, Y};
    return im_cmi_permutation_mean(ctx, &b, 1, nS, nR, t, n, P, significance, seed, out, NULL);
}
