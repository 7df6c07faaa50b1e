/* CMI-permutation (Appendix B, Alg. 1): the CMI with the candidate and with
 * P permuted copies of it, all 4(P+1) entropies in one batch. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, m) without modulo bias. */
static size_t below(uint64_t *s, size_t m)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % m, r;
    do
        r = splitmix64(s);
    while (r >= lim);
    return (size_t)(r % m);
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
    /* Factors: A = Tr - t (nA), Y, Ts (nS), t, then the P permuted copies. */
    size_t nf = nA + 1 + nS + 1 + P;
    const double **f = malloc(nf * sizeof *f);
    double *perm = malloc(P * nn * sizeof(double));
    size_t *pi = malloc(n * sizeof(size_t));
    size_t maxk = nA + 1 + nS + 1;
    size_t nterm = 4 * (P + 1);
    uint32_t *off = malloc((nterm + 1) * sizeof(uint32_t));
    uint32_t *idx = malloc(nterm * maxk * sizeof(uint32_t));
    double *S = malloc(nterm * sizeof(double));
    if (!f || !perm || !pi || !off || !idx || !S) {
        st = im_fail(ctx, IM_ERR_NOMEM, "out of memory for %zu permutations", P);
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < nR; i++)
        if (i != t)
            f[k++] = Tr[i];
    size_t iY = k, iS = k + 1, iT = iS + nS, iP = iT + 1;
    f[iY] = Y;
    for (size_t i = 0; i < nS; i++)
        f[iS + i] = Ts[i];
    f[iT] = Tr[t];
    uint64_t rng = seed;
    for (size_t p = 0; p < P; p++) {
        for (size_t i = 0; i < n; i++)
            pi[i] = i;
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = below(&rng, i + 1), tmp = pi[i];
            pi[i] = pi[j];
            pi[j] = tmp;
        }
        /* The Gram matrix of t with its samples permuted: K[pi(i)][pi(j)]. */
        double *Q = perm + p * nn;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                Q[i * n + j] = Tr[t][pi[i] * n + pi[j]];
        f[iP + p] = Q;
    }
    /* For each conditioning set C = Ts + {t or t~p}: S(A,C), S(Y,C), S(A,Y,C), S(C). */
    size_t ni = 0, nt = 0;
    off[0] = 0;
    for (size_t p = 0; p <= P; p++) {
        uint32_t cand = (uint32_t)(p == 0 ? iT : iP + p - 1);
        for (int term = 0; term < 4; term++) {
            if (term == 0 || term == 2)
                for (size_t a = 0; a < nA; a++)
                    idx[ni++] = (uint32_t)a;
            if (term == 1 || term == 2)
                idx[ni++] = (uint32_t)iY;
            for (size_t s = 0; s < nS; s++)
                idx[ni++] = (uint32_t)(iS + s);
            idx[ni++] = cand;
            off[++nt] = (uint32_t)ni;
        }
    }
    if ((st = im_entropy_products(ctx, f, nf, n, off, idx, nterm, S)) != IM_OK)
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
    free(idx);
    free(off);
    free(pi);
    free(perm);
    free(f);
    return st;
}
