/* Entropies: argument checks, then one batched call into the back end. */
#include <math.h>
#include <stdlib.h>
#include "internal.h"
#include "backend/renyi_sum.h"

double im_entropy_from_eigenvalues(const double *lambda, size_t n, double alpha)
{
    /* Eigenvalues within the solver's error (|lambda| <= n eps max|lambda|)
     * are zero: for alpha < 1 their powers would otherwise add round-off
     * noise of order n (n eps)^alpha bits. */
    double top = 0.0, m = 0.0, s = 0.0, acc = 0.0;
    for (size_t i = 0; i < n; i++)
        top = fmax(top, fabs(lambda[i]));
    double cut = im_renyi_cut(n, top);
    for (size_t i = 0; i < n; i++)
        if (lambda[i] > cut) {
            m = fmax(m, lambda[i]);
            s += lambda[i];
        }
    for (size_t i = 0; i < n; i++)
        acc += im_renyi_term(lambda[i], cut, alpha, m);
    return im_renyi_finish(acc, alpha, m, s);
}

im_status im_entropy_batch(im_context *ctx, const double *M, size_t B, size_t n, double *S,
                           double *eig)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK)
        return st;
    if (M == NULL || S == NULL)
        return im_fail(ctx, IM_ERR_ARG, "im_entropy_batch: M and S must not be NULL");
    if (B == 0)
        return IM_OK;
    return ctx->backend->entropy_batch(ctx->backend, M, B, n, ctx->alpha, S, eig, ctx->err,
                                       sizeof ctx->err);
}

im_status im_entropy(im_context *ctx, const double *M, size_t n, double *S)
{
    return im_entropy_batch(ctx, M, 1, n, S, NULL);
}

im_status im_entropy_products(im_context *ctx, const double *const *factors, size_t nf, size_t n,
                              const uint32_t *off, const uint32_t *idx, size_t B, double *S)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK)
        return st;
    if (factors == NULL || off == NULL || idx == NULL || S == NULL)
        return im_fail(ctx, IM_ERR_ARG, "im_entropy_products: NULL argument");
    if (B == 0)
        return IM_OK;
    if (off[0] != 0)
        return im_fail(ctx, IM_ERR_ARG, "im_entropy_products: off[0] = %u, must be 0", off[0]);
    for (size_t b = 0; b < B; b++) {
        if (off[b + 1] <= off[b])
            return im_fail(ctx, IM_ERR_ARG, "im_entropy_products: term %zu has no factor", b);
        for (uint32_t k = off[b]; k < off[b + 1]; k++)
            if (idx[k] >= nf || factors[idx[k]] == NULL)
                return im_fail(ctx, IM_ERR_ARG,
                               "im_entropy_products: term %zu names factor %u of %zu", b, idx[k],
                               nf);
    }
    return ctx->backend->entropy_products(ctx->backend, factors, n, off, idx, B, ctx->alpha, S,
                                          ctx->err, sizeof ctx->err);
}

im_status im_joint_entropy(im_context *ctx, const double *const *A, size_t C, size_t n, double *S)
{
    if (ctx == NULL)
        return IM_ERR_ARG;
    if (C == 0 || C > UINT32_MAX)
        return im_fail(ctx, IM_ERR_ARG, "im_joint_entropy: need 1 <= C < 2^32, got %zu", C);
    uint32_t off[2] = {0, (uint32_t)C};
    uint32_t *idx = malloc(C * sizeof(uint32_t));
    if (idx == NULL)
        return im_fail(ctx, IM_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < C; c++)
        idx[c] = (uint32_t)c;
    im_status st = im_entropy_products(ctx, A, C, n, off, idx, 1, S);
    free(idx);
    return st;
}
