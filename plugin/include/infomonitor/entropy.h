/* Matrix-based Renyi alpha-entropy (Def. 1 and Def. 2 of the paper), in bits.
 *
 *   S_alpha(A) = log2(sum_i lambda_i(A)^alpha) / (1 - alpha)
 *
 * with A normalized to unit trace (every function below divides its matrix,
 * or its Hadamard product, by the trace, so unit-diagonal Gram matrices from
 * gram.h can be passed directly).  Eigenvalues from round-off are clipped
 * to 0: the negative ones, and those with |lambda| <= n eps max|lambda|,
 * which the solver cannot tell from 0 (for alpha < 1 their powers would add
 * about n (n eps)^alpha bits of noise; 0^alpha = 0).  The eigenvalues left
 * are taken over their sum p = lambda / sum lambda.  alpha = 1 is the limit
 * -sum p log2 p (0 log 0 = 0); alpha = 2 uses tr(A^2) = ||A||_F^2 and needs
 * no eigenvalues.
 *
 * The power sum is taken in the log domain (plugin/src/backend/renyi_sum.h
 * in the source tree), never as sum lambda^alpha itself: log sum p^alpha =
 * alpha log p_max + log sum (p / p_max)^alpha, and for 0 < |alpha - 1| < 1/2
 * log1p(sum p expm1((alpha - 1) log p)), which joins Shannon's limit
 * continuously.  So every alpha > 0 (5000, 1e300, 1 + 1e-12) gives a finite
 * S for finite data: as alpha grows, S tends to the min-entropy -log2 p_max,
 * and a term (p / p_max)^alpha that underflows is one that no longer
 * matters.
 *
 * Precision: the reference back end ("cpu-ref") forms products and traces in
 * fp64 and calls LAPACKE_dsyevd (eigenvalues only).  The fast back ends
 * ("cpu", "cuda") read the fp64 factors, normalize in fp64, and compute
 * spectra in fp32 for alpha >= 1 (within 1e-4 bits of cpu-ref) and in fp64
 * for alpha < 1 (within 1e-9 bits for cpu, 1e-6 for cuda); they clip
 * negative eigenvalues and rescale the rest to sum 1.  The log-domain
 * formula is evaluated in fp64 everywhere and adds a relative error of a few
 * n eps64 to S, at every alpha, so the spectrum's error dominates.  fp32
 * keeps its 1e-4 bits at every alpha >= 1: as alpha grows S tends to
 * -log2 p_max, whose error is the relative error of the largest eigenvalue
 * over ln 2 (measured 1.5e-6 bits at alpha = 5000, 1e6 and 1e300), and next
 * to 1 the expm1 form has the Shannon entropy's error (measured 7.2e-6
 * bits at alpha = 1 + 1e-12; tests/test_backends.c).  A matrix holding NaN
 * or Inf gives S = NaN.
 *
 * Statuses: IM_OK; IM_ERR_ARG (ctx or an array NULL, n < 2, a malformed
 * term list); IM_ERR_NOMEM; IM_ERR_SOLVER (the eigenvalue solver failed);
 * IM_ERR_BACKEND (a GPU error at run time).  Every array is the caller's:
 * M and the factors are read, S and eig written, nothing is kept. */
#ifndef INFOMONITOR_ENTROPY_H
#define INFOMONITOR_ENTROPY_H

#include <stddef.h>
#include <stdint.h>
#include "api.h"
#include "context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* S_alpha of the n*n symmetric matrix M / tr(M). */
IM_API im_status im_entropy(im_context *ctx, const double *M, size_t n, double *S);

/* S_alpha of B matrices stored back to back (B*n*n doubles).  eig (may be
 * NULL) receives the B*n eigenvalues of M_b / tr(M_b), ascending, before
 * clipping; alpha = 2 still computes them when eig != NULL. */
IM_API im_status im_entropy_batch(im_context *ctx, const double *M, size_t B, size_t n, double *S,
                                  double *eig);

/* Batched entropies of normalized Hadamard products (Def. 2).
 * factors[0..nf-1] are n*n matrices.  Term b is the product of the factors
 * listed in idx[off[b] .. off[b+1]-1] (off has B+1 entries, off[0] = 0, every
 * term has at least one factor); S[b] = S_alpha(P_b / tr(P_b)). */
IM_API im_status im_entropy_products(im_context *ctx, const double *const *factors, size_t nf,
                                     size_t n, const uint32_t *off, const uint32_t *idx, size_t B,
                                     double *S);

/* Joint entropy of C variables, S_alpha(A1 o ... o AC / tr(.)) (Def. 2, Eq. 3). */
IM_API im_status im_joint_entropy(im_context *ctx, const double *const *A, size_t C, size_t n,
                                  double *S);

/* S_alpha from a spectrum (clipped as above, then taken over its sum, which
 * should be 1): the formula that every back end shares.  Finite when the
 * eigenvalues are finite and one is positive; NaN when none is positive. */
IM_API double im_entropy_from_eigenvalues(const double *lambda, size_t n, double alpha);

#ifdef __cplusplus
}
#endif
#endif
