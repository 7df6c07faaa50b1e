/* PID pair quantities over the feature maps (Eqs. 11 and 12), several
 * targets at once, all entropies in one batch. */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

/* Terms, in order: S(target) nt, S(Ti) C, S(Ti,target) nt*C, S(Ti,Tj) P,
 * S(Ti,Tj,target) nt*P.  Factors: T1..TC, then the targets at C..C+nt-1. */
static void pid_terms(im_terms *t, size_t nt, size_t C)
{
    for (size_t k = 0; k < nt; k++)
        im_terms_add1(t, (uint32_t)(C + k));
    for (size_t i = 0; i < C; i++)
        im_terms_add1(t, (uint32_t)i);
    for (size_t k = 0; k < nt; k++)
        for (size_t i = 0; i < C; i++) {
            uint32_t a[2] = {(uint32_t)i, (uint32_t)(C + k)};
            im_terms_add(t, a, 2, NULL, 0);
        }
    for (size_t i = 0; i < C; i++)
        for (size_t j = i + 1; j < C; j++) {
            uint32_t a[2] = {(uint32_t)i, (uint32_t)j};
            im_terms_add(t, a, 2, NULL, 0);
        }
    for (size_t k = 0; k < nt; k++)
        for (size_t i = 0; i < C; i++)
            for (size_t j = i + 1; j < C; j++) {
                uint32_t a[3] = {(uint32_t)i, (uint32_t)j, (uint32_t)(C + k)};
                im_terms_add(t, a, 3, NULL, 0);
            }
}

/* A pair with I(X;{Ti,Tj}) at or below this (bits: the fp32 engines'
 * accuracy) carries no information about the target that could be split
 * into shares; its ratios would be noise over noise. */
#define IM_PID_ZERO 1e-4

/* Means for target k from the entropies S of pid_terms, over the pairs of
 * live maps (live[i]: map i is not all ones); the percentages over those
 * pairs that carry information about the target.  With no such pair the
 * means are 0 (and out's counts say so). */
static void pid_combine(const double *S, size_t nt, size_t C, size_t k, const int *live,
                        im_pid *out, double *i_single)
{
    size_t P = C * (C - 1) / 2, o_ti = nt, o_tix = o_ti + C, o_p = o_tix + nt * C, o_px = o_p + P,
           pairs = 0, informative = 0;
    double sx = S[k], rs = 0, wnr = 0, rs_pct = 0, wnr_pct = 0;
    const double *sti = S + o_ti, *stix = S + o_tix + k * C;
    size_t p = 0;
    for (size_t i = 0; i < C; i++) {
        double Ii = sx + sti[i] - stix[i];
        if (i_single)
            i_single[k * C + i] = Ii;
        for (size_t j = i + 1; j < C; j++, p++) {
            if (!live[i] || !live[j])
                continue;
            double Ij = sx + sti[j] - stix[j];
            double Iij = sx + S[o_p + p] - S[o_px + k * P + p];
            double r = Ii + Ij - Iij, w = 2.0 * Iij - Ii - Ij;
            rs += r;
            wnr += w;
            pairs++;
            if (!(Iij > IM_PID_ZERO) && isfinite(Iij))
                continue;
            rs_pct += r / Iij;
            wnr_pct += w / Iij;
            informative++;
        }
    }
    double np = pairs ? (double)pairs : 1.0, ni = informative ? (double)informative : 1.0;
    out->rs = rs / np;
    out->wnr = wnr / np;
    out->rs_pct = rs_pct / ni;
    out->wnr_pct = wnr_pct / ni;
    out->pairs = pairs;
    out->informative = informative;
}

im_status im_pid_pairs(im_context *ctx, const double *const *targets, size_t nt,
                       const double *const *T, size_t C, size_t n, im_pid *out, double *i_single)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK)
        return st;
    if (out == NULL || nt == 0 || C < 2 || C + nt >= UINT32_MAX)
        return im_fail(ctx, IM_ERR_ARG, "im_pid_pairs: need out, >= 1 target and C >= 2 (C = %zu)",
                       C);
    if ((st = im_check_mats(ctx, "im_pid_pairs targets", targets, nt)) != IM_OK ||
        (st = im_check_mats(ctx, "im_pid_pairs T", T, C)) != IM_OK)
        return st;
    size_t P = C * (C - 1) / 2, nterm = nt + C + nt * C + P + nt * P;
    const double **f = im_concat(ctx, T, C, targets, nt);
    im_terms t = {0};
    double *S = NULL;
    if (f == NULL) {
        st = IM_ERR_NOMEM;
        goto out;
    }
    if ((st = im_terms_init(ctx, &t, nterm, nt + C + 2 * nt * C + 2 * P + 3 * nt * P)) != IM_OK)
        goto out;
    pid_terms(&t, nt, C);
    if ((st = im_terms_eval(ctx, f, C + nt, n, &t, &S)) != IM_OK)
        goto out;
    int *live = malloc(C * sizeof *live);
    if (live == NULL) {
        st = im_fail(ctx, IM_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t c = 0; c < C; c++)
        live[c] = !im_gram_constant(T[c], n);
    for (size_t k = 0; k < nt; k++)
        pid_combine(S, nt, C, k, live, &out[k], i_single);
    free(live);
out:
    free(S);
    im_terms_free(&t);
    free(f);
    return st;
}
