/* MI, multivariate MI (Eq. 7), conditional MI, PID pair quantities
 * (Eqs. 11-12) and the IB objective.  Each function lists the Hadamard
 * products whose entropies it needs, asks the back end for all of them in
 * one batch, and combines them in fp64. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* A list of product terms in the CSR form of im_entropy_products, sized
 * exactly up front. */
typedef struct {
    uint32_t *off;
    uint32_t *idx;
    size_t nterm;
    size_t nidx;
} terms;

static im_status terms_init(im_context *ctx, terms *t, size_t max_terms, size_t max_idx)
{
    t->off = malloc((max_terms + 1) * sizeof(uint32_t));
    t->idx = malloc((max_idx ? max_idx : 1) * sizeof(uint32_t));
    t->nterm = 0;
    t->nidx = 0;
    if (t->off == NULL || t->idx == NULL || max_idx > UINT32_MAX) {
        free(t->off);
        free(t->idx);
        return im_fail(ctx, IM_ERR_NOMEM, "out of memory for %zu product terms", max_terms);
    }
    t->off[0] = 0;
    return IM_OK;
}

static void terms_free(terms *t)
{
    free(t->off);
    free(t->idx);
}

/* Append the term made of factors a[0..na-1] followed by b[0..nb-1]. */
static void term_add(terms *t, const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    memcpy(t->idx + t->nidx, a, na * sizeof(uint32_t));
    t->nidx += na;
    if (nb) {
        memcpy(t->idx + t->nidx, b, nb * sizeof(uint32_t));
        t->nidx += nb;
    }
    t->nterm++;
    t->off[t->nterm] = (uint32_t)t->nidx;
}

/* Evaluate every term; S has t->nterm entries. */
static im_status terms_eval(im_context *ctx, const double *const *f, size_t nf, size_t n,
                            const terms *t, double **S)
{
    *S = malloc(t->nterm * sizeof(double));
    if (*S == NULL)
        return im_fail(ctx, IM_ERR_NOMEM, "out of memory for %zu entropies", t->nterm);
    im_status st = im_entropy_products(ctx, f, nf, n, t->off, t->idx, t->nterm, *S);
    if (st != IM_OK) {
        free(*S);
        *S = NULL;
    }
    return st;
}

static im_status check_mats(im_context *ctx, const char *fn, const double *const *M, size_t m)
{
    if (M == NULL && m > 0)
        return im_fail(ctx, IM_ERR_ARG, "%s: matrix list is NULL", fn);
    for (size_t i = 0; i < m; i++)
        if (M[i] == NULL)
            return im_fail(ctx, IM_ERR_ARG, "%s: matrix %zu is NULL", fn, i);
    return IM_OK;
}

/* Factor list = a then b (b may be empty). */
static const double **concat(im_context *ctx, const double *const *a, size_t na,
                             const double *const *b, size_t nb)
{
    const double **f = malloc((na + nb) * sizeof *f);
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

static uint32_t *iota(im_context *ctx, size_t m, uint32_t start)
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

im_status im_cmi(im_context *ctx, const double *const *A, size_t nA, const double *const *B,
                 size_t nB, const double *const *C, size_t nC, size_t n, double *mi)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK)
        return st;
    if (mi == NULL || nA == 0 || nB == 0)
        return im_fail(ctx, IM_ERR_ARG, "im_cmi: need I, and non-empty A and B (|A| = %zu, |B| = %zu)",
                       nA, nB);
    if ((st = check_mats(ctx, "im_cmi A", A, nA)) != IM_OK ||
        (st = check_mats(ctx, "im_cmi B", B, nB)) != IM_OK ||
        (st = check_mats(ctx, "im_cmi C", C, nC)) != IM_OK)
        return st;
    size_t nf = nA + nB + nC;
    const double **f = malloc(nf * sizeof *f);
    uint32_t *ia = iota(ctx, nA, 0), *ib = iota(ctx, nB, (uint32_t)nA),
             *ic = iota(ctx, nC, (uint32_t)(nA + nB)), *iab = iota(ctx, nA + nB, 0);
    terms t = {0};
    double *S = NULL;
    if (f == NULL || ia == NULL || ib == NULL || ic == NULL || iab == NULL) {
        st = im_fail(ctx, IM_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nA; i++)
        f[i] = A[i];
    for (size_t i = 0; i < nB; i++)
        f[nA + i] = B[i];
    for (size_t i = 0; i < nC; i++)
        f[nA + nB + i] = C[i];
    if ((st = terms_init(ctx, &t, 4, 3 * nf)) != IM_OK)
        goto out;
    term_add(&t, ia, nA, ic, nC);    /* S(A,C) */
    term_add(&t, ib, nB, ic, nC);    /* S(B,C) */
    term_add(&t, iab, nA + nB, ic, nC); /* S(A,B,C) */
    if (nC)
        term_add(&t, ic, nC, NULL, 0); /* S(C) */
    if ((st = terms_eval(ctx, f, nf, n, &t, &S)) != IM_OK)
        goto out;
    *mi = S[0] + S[1] - S[2] - (nC ? S[3] : 0.0);
out:
    free(S);
    terms_free(&t);
    free(f);
    free(ia);
    free(ib);
    free(ic);
    free(iab);
    return st;
}

im_status im_mutual_information(im_context *ctx, const double *A, const double *B, size_t n,
                                double *mi)
{
    return im_cmi(ctx, &A, 1, &B, 1, NULL, 0, n, mi);
}

im_status im_mmi(im_context *ctx, const double *B, const double *const *T, size_t C, size_t n,
                 double *mi, double *S_B, double *S_T)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK)
        return st;
    if (mi == NULL || B == NULL || C == 0 || C >= UINT32_MAX)
        return im_fail(ctx, IM_ERR_ARG, "im_mmi: need I, B and 1 <= C < 2^32 (C = %zu)", C);
    if ((st = check_mats(ctx, "im_mmi", T, C)) != IM_OK)
        return st;
    /* Factors: T1..TC, then B at index C. */
    const double **f = concat(ctx, T, C, &B, 1);
    uint32_t *it = iota(ctx, C + 1, 0);
    terms t = {0};
    double *S = NULL;
    if (f == NULL || it == NULL) {
        st = IM_ERR_NOMEM;
        goto out;
    }
    if ((st = terms_init(ctx, &t, 3, 2 * C + 2)) != IM_OK)
        goto out;
    term_add(&t, it + C, 1, NULL, 0); /* S(B) */
    term_add(&t, it, C, NULL, 0);     /* S(T1..TC) */
    term_add(&t, it, C + 1, NULL, 0); /* S(T1..TC,B) */
    if ((st = terms_eval(ctx, f, C + 1, n, &t, &S)) != IM_OK)
        goto out;
    *mi = S[0] + S[1] - S[2];
    if (S_B)
        *S_B = S[0];
    if (S_T)
        *S_T = S[1];
out:
    free(S);
    terms_free(&t);
    free(it);
    free(f);
    return st;
}

im_status im_pid_pairs(im_context *ctx, const double *const *targets, size_t nt,
                       const double *const *T, size_t C, size_t n, im_pid *out,
                       double *i_single)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK)
        return st;
    if (out == NULL || nt == 0 || C < 2 || C + nt >= UINT32_MAX)
        return im_fail(ctx, IM_ERR_ARG, "im_pid_pairs: need out, >= 1 target and C >= 2 (C = %zu)",
                       C);
    if ((st = check_mats(ctx, "im_pid_pairs targets", targets, nt)) != IM_OK ||
        (st = check_mats(ctx, "im_pid_pairs T", T, C)) != IM_OK)
        return st;
    size_t P = C * (C - 1) / 2;
    /* Factors: T1..TC, then the targets at C..C+nt-1.  Terms, in order:
     * S(target) nt, S(Ti) C, S(Ti,target) nt*C, S(Ti,Tj) P, S(Ti,Tj,target) nt*P. */
    size_t o_ti = nt, o_tix = o_ti + C, o_p = o_tix + nt * C, o_px = o_p + P,
           nterm = o_px + nt * P;
    const double **f = concat(ctx, T, C, targets, nt);
    terms t = {0};
    double *S = NULL;
    if (f == NULL) {
        st = IM_ERR_NOMEM;
        goto out;
    }
    if ((st = terms_init(ctx, &t, nterm, nt + C + 2 * nt * C + 2 * P + 3 * nt * P)) != IM_OK)
        goto out;
    for (size_t k = 0; k < nt; k++) {
        uint32_t a = (uint32_t)(C + k);
        term_add(&t, &a, 1, NULL, 0);
    }
    for (size_t i = 0; i < C; i++) {
        uint32_t a = (uint32_t)i;
        term_add(&t, &a, 1, NULL, 0);
    }
    for (size_t k = 0; k < nt; k++)
        for (size_t i = 0; i < C; i++) {
            uint32_t a[2] = {(uint32_t)i, (uint32_t)(C + k)};
            term_add(&t, a, 2, NULL, 0);
        }
    for (size_t i = 0; i < C; i++)
        for (size_t j = i + 1; j < C; j++) {
            uint32_t a[2] = {(uint32_t)i, (uint32_t)j};
            term_add(&t, a, 2, NULL, 0);
        }
    for (size_t k = 0; k < nt; k++)
        for (size_t i = 0; i < C; i++)
            for (size_t j = i + 1; j < C; j++) {
                uint32_t a[3] = {(uint32_t)i, (uint32_t)j, (uint32_t)(C + k)};
                term_add(&t, a, 3, NULL, 0);
            }
    if ((st = terms_eval(ctx, f, C + nt, n, &t, &S)) != IM_OK)
        goto out;
    for (size_t k = 0; k < nt; k++) {
        double sx = S[k], rs = 0, wnr = 0, rs_pct = 0, wnr_pct = 0;
        const double *sti = S + o_ti, *stix = S + o_tix + k * C;
        size_t p = 0;
        for (size_t i = 0; i < C; i++) {
            double Ii = sx + sti[i] - stix[i];
            if (i_single)
                i_single[k * C + i] = Ii;
            for (size_t j = i + 1; j < C; j++, p++) {
                double Ij = sx + sti[j] - stix[j];
                double Iij = sx + S[o_p + p] - S[o_px + k * P + p];
                double r = Ii + Ij - Iij, w = 2.0 * Iij - Ii - Ij;
                rs += r;
                wnr += w;
                rs_pct += r / Iij;
                wnr_pct += w / Iij;
            }
        }
        out[k].rs = rs / (double)P;
        out[k].wnr = wnr / (double)P;
        out[k].rs_pct = rs_pct / (double)P;
        out[k].wnr_pct = wnr_pct / (double)P;
    }
out:
    free(S);
    terms_free(&t);
    free(f);
    return st;
}

im_status im_ib_objective(im_context *ctx, const double *X, const double *Y,
                          const double *const *T, size_t C, size_t n, double beta, double *ib,
                          double *ixt, double *ity)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK)
        return st;
    if (X == NULL || Y == NULL || ib == NULL || C == 0 || C + 2 >= UINT32_MAX)
        return im_fail(ctx, IM_ERR_ARG, "im_ib_objective: need X, Y, ib and C >= 1 (C = %zu)", C);
    if (!isfinite(beta))
        return im_fail(ctx, IM_ERR_ARG, "im_ib_objective: beta must be finite, got %g", beta);
    if ((st = check_mats(ctx, "im_ib_objective", T, C)) != IM_OK)
        return st;
    /* Factors: X, Y, T1..TC.  Terms: S(X), S(Y), S(Tc) C, S(Tc,X) C, S(Tc,Y) C. */
    const double *xy[2] = {X, Y};
    const double **f = concat(ctx, xy, 2, T, C);
    terms t = {0};
    double *S = NULL;
    if (f == NULL) {
        st = IM_ERR_NOMEM;
        goto out;
    }
    if ((st = terms_init(ctx, &t, 2 + 3 * C, 2 + 5 * C)) != IM_OK)
        goto out;
    for (uint32_t a = 0; a < 2; a++)
        term_add(&t, &a, 1, NULL, 0);
    for (size_t c = 0; c < C; c++) {
        uint32_t a = (uint32_t)(2 + c);
        term_add(&t, &a, 1, NULL, 0);
    }
    for (uint32_t target = 0; target < 2; target++)
        for (size_t c = 0; c < C; c++) {
            uint32_t a[2] = {(uint32_t)(2 + c), target};
            term_add(&t, a, 2, NULL, 0);
        }
    if ((st = terms_eval(ctx, f, C + 2, n, &t, &S)) != IM_OK)
        goto out;
    for (size_t c = 0; c < C; c++) {
        double sx = S[0], sy = S[1], sc = S[2 + c];
        double i_xt = sx + sc - S[2 + C + c], i_ty = sy + sc - S[2 + 2 * C + c];
        ib[c] = i_xt - beta * i_ty;
        if (ixt)
            ixt[c] = i_xt;
        if (ity)
            ity[c] = i_ty;
    }
out:
    free(S);
    terms_free(&t);
    free(f);
    return st;
}
