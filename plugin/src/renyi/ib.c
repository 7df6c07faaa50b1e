/* The information-bottleneck importance of each variable (Sec. IV). */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

/* Factors: X, Y, T1..TC.  Terms: S(X), S(Y), S(Tc) C, S(Tc,X) C, S(Tc,Y) C. */
static void ib_terms(im_terms *t, size_t C)
{
    for (uint32_t a = 0; a < 2; a++)
        im_terms_add1(t, a);
    for (size_t c = 0; c < C; c++)
        im_terms_add1(t, (uint32_t)(2 + c));
    for (uint32_t target = 0; target < 2; target++)
        for (size_t c = 0; c < C; c++) {
            uint32_t a[2] = {(uint32_t)(2 + c), target};
            im_terms_add(t, a, 2, NULL, 0);
        }
}

im_status im_ib_objective(im_context *ctx, const double *X, const double *Y, const double *const *T,
                          size_t C, size_t n, double beta, double *ib, double *ixt, double *ity)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK)
        return st;
    if (X == NULL || Y == NULL || ib == NULL || C == 0 || C + 2 >= UINT32_MAX)
        return im_fail(ctx, IM_ERR_ARG, "im_ib_objective: need X, Y, ib and C >= 1 (C = %zu)", C);
    if (!isfinite(beta))
        return im_fail(ctx, IM_ERR_ARG, "im_ib_objective: beta must be finite, got %g", beta);
    if ((st = im_check_mats(ctx, "im_ib_objective", T, C)) != IM_OK)
        return st;
    const double *xy[2] = {X, Y};
    const double **f = im_concat(ctx, xy, 2, T, C);
    im_terms t = {0};
    double *S = NULL;
    if (f == NULL) {
        st = IM_ERR_NOMEM;
        goto out;
    }
    if ((st = im_terms_init(ctx, &t, 2 + 3 * C, 2 + 5 * C)) != IM_OK)
        goto out;
    ib_terms(&t, C);
    if ((st = im_terms_eval(ctx, f, C + 2, n, &t, &S)) != IM_OK)
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
    im_terms_free(&t);
    free(f);
    return st;
}
