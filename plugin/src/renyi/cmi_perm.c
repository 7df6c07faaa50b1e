/* CMI-permutation (Appendix B, Alg. 1): the CMI with the candidate and with
 * P permuted copies of it, all 4(P+1) entropies in one batch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "util/rng.h"

/* Gram matrices of the candidate t with its samples permuted,
 * Q_p[i][j] = K[pi(i)][pi(j)], for P permutations pi drawn from seed. */
static void permuted_grams(const double *K, size_t n, size_t P, uint64_t seed, size_t *pi,
                           double *perm)
{
    uint64_t rng = seed;
    for (size_t p = 0; p < P; p++) {
        for (size_t i = 0; i < n; i++)
            pi[i] = i;
        im_rng_shuffle(pi, n, &rng);
        double *Q = perm + p * n * n;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                Q[i * n + j] = K[pi[i] * n + pi[j]];
    }
}

/* Factor positions: A = Tr - t at 0 (nA), Y at iY, Ts at iS (nS), t at iT,
 * the P permuted copies from iT + 1. */
typedef struct {
    size_t nA, nS, P;
    uint32_t iY, iS, iT;
} perm_layout;

/* For each conditioning set C = Ts + {t or t~p}: S(A,C), S(Y,C), S(A,Y,C),
 * S(C).  cond: room for nS + 1 + nA + 1 indices. */
static void perm_terms(im_terms *t, const perm_layout *L, uint32_t *cond)
{
    size_t nA = L->nA, nS = L->nS, P = L->P;
    uint32_t iY = L->iY, iS = L->iS, iT = L->iT;
    for (size_t s = 0; s < nS; s++)
        cond[s] = iS + (uint32_t)s;
    uint32_t *ay = cond + nS + 1; /* A then Y */
    for (size_t a = 0; a < nA; a++)
        ay[a] = (uint32_t)a;
    ay[nA] = iY;
    for (size_t p = 0; p <= P; p++) {
        cond[nS] = p == 0 ? iT : iT + (uint32_t)p;
        im_terms_add(t, ay, nA, cond, nS + 1);
        im_terms_add(t, ay + nA, 1, cond, nS + 1);
        im_terms_add(t, ay, nA + 1, cond, nS + 1);
        im_terms_add(t, cond, nS + 1, NULL, 0);
    }
}

im_status im_cmi_permutation(im_context *ctx, const double *const *Ts, size_t nS,
                             const double *const *Tr, size_t nR, size_t t, const double *Y,
                             size_t n, size_t P, double significance, uint64_t seed,
                             im_cmi_perm *out)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK)
        return st;
    if (out == NULL || Y == NULL || Tr == NULL || (nS && Ts == NULL) || t >= nR || P == 0 ||
        !(significance >= 0.0 && significance <= 1.0))
        return im_fail(ctx, IM_ERR_ARG,
                       "im_cmi_permutation: need out, Y, t < |Tr| (t = %zu, |Tr| = %zu), P >= 1 "
                       "and 0 <= significance <= 1 (got %g)",
                       t, nR, significance);
    if (nR == 1) {
        out->cmi = 0.0;
        out->fraction = 1.0;
        out->keep = 0;
        return IM_OK;
    }
    size_t nn = n * n, nA = nR - 1;
    size_t nf = nA + 1 + nS + 1 + P, maxk = nA + 1 + nS + 1, nterm = 4 * (P + 1);
    const double **f = malloc(nf * sizeof *f);
    double *perm = malloc(P * nn * sizeof(double));
    size_t *pi = malloc(n * sizeof(size_t));
    uint32_t *cond = malloc((nS + 1 + nA + 1) * sizeof(uint32_t));
    im_terms terms = {0};
    double *S = NULL;
    if (!f || !perm || !pi || !cond) {
        st = im_fail(ctx, IM_ERR_NOMEM, "out of memory for %zu permutations", P);
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < nR; i++)
        if (i != t)
            f[k++] = Tr[i];
    size_t iY = k, iS = k + 1, iT = iS + nS, iP = iT + 1;
    perm_layout L = {nA, nS, P, (uint32_t)iY, (uint32_t)iS, (uint32_t)iT};
    f[iY] = Y;
    for (size_t i = 0; i < nS; i++)
        f[iS + i] = Ts[i];
    f[iT] = Tr[t];
    permuted_grams(Tr[t], n, P, seed, pi, perm);
    for (size_t p = 0; p < P; p++)
        f[iP + p] = perm + p * nn;
    if ((st = im_terms_init(ctx, &terms, nterm, nterm * maxk)) != IM_OK)
        goto out;
    perm_terms(&terms, &L, cond);
    if ((st = im_terms_eval(ctx, f, nf, n, &terms, &S)) != IM_OK)
        goto out;
    double cmi = S[0] + S[1] - S[2] - S[3];
    size_t ge = 0;
    for (size_t p = 1; p <= P; p++) {
        const double *s = S + 4 * p;
        if (cmi >= s[0] + s[1] - s[2] - s[3])
            ge++;
    }
    out->cmi = cmi;
    out->fraction = (double)ge / (double)P;
    out->keep = isfinite(cmi) && out->fraction <= significance;
out:
    free(S);
    im_terms_free(&terms);
    free(cond);
    free(pi);
    free(perm);
    free(f);
    return st;
}
