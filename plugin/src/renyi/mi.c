/* MI, conditional MI and the multivariate MI of Eq. 7 (im_mmi, one set
 * and one target of im_mmi_sets). */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

static im_status cmi_args(im_context *ctx, const double *const *A, size_t nA,
                          const double *const *B, size_t nB, const double *const *C, size_t nC,
                          double *mi)
{
    im_status st;
    if (mi == NULL || nA == 0 || nB == 0)
        return im_fail(ctx, IM_ERR_ARG,
                       "im_cmi: need I, and non-empty A and B (|A| = %zu, |B| = %zu)", nA, nB);
    if ((st = im_check_mats(ctx, "im_cmi A", A, nA)) != IM_OK ||
        (st = im_check_mats(ctx, "im_cmi B", B, nB)) != IM_OK ||
        (st = im_check_mats(ctx, "im_cmi C", C, nC)) != IM_OK)
        return st;
    return IM_OK;
}

im_status im_cmi(im_context *ctx, const double *const *A, size_t nA, const double *const *B,
                 size_t nB, const double *const *C, size_t nC, size_t n, double *mi)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK || (st = cmi_args(ctx, A, nA, B, nB, C, nC, mi)) != IM_OK)
        return st;
    /* Factors: A, then B, then C. */
    size_t nf = nA + nB + nC;
    const double **ab = im_concat(ctx, A, nA, B, nB);
    const double **f = ab ? im_concat(ctx, ab, nA + nB, C, nC) : NULL;
    uint32_t *iab = im_iota(ctx, nA + nB, 0), *ic = im_iota(ctx, nC, (uint32_t)(nA + nB));
    im_terms t = {0};
    double *S = NULL;
    if (f == NULL || iab == NULL || ic == NULL) {
        st = IM_ERR_NOMEM;
        goto out;
    }
    if ((st = im_terms_init(ctx, &t, 4, 3 * nf)) != IM_OK)
        goto out;
    im_terms_add(&t, iab, nA, ic, nC);      /* S(A,C) */
    im_terms_add(&t, iab + nA, nB, ic, nC); /* S(B,C) */
    im_terms_add(&t, iab, nA + nB, ic, nC); /* S(A,B,C) */
    if (nC)
        im_terms_add(&t, ic, nC, NULL, 0); /* S(C) */
    if ((st = im_terms_eval(ctx, f, nf, n, &t, &S)) != IM_OK)
        goto out;
    *mi = S[0] + S[1] - S[2] - (nC ? S[3] : 0.0);
out:
    free(S);
    im_terms_free(&t);
    free(f);
    free(ab);
    free(iab);
    free(ic);
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
    if (ctx == NULL)
        return IM_ERR_ARG;
    if (mi == NULL || B == NULL)
        return im_fail(ctx, IM_ERR_ARG, "im_mmi: need I and B");
    double sb = NAN;
    im_mmi_set set = {
        .T = T, .C = C, .targets = &B, .nt = 1, .S_target = &sb, .S_T = S_T, .mi = mi};
    im_status st = im_mmi_sets(ctx, &set, 1, n);
    if (st == IM_OK && S_B != NULL)
        *S_B = sb;
    return st;
}
