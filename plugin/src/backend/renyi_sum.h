/* The Renyi power sum of a spectrum, in the log domain: one term per
 * eigenvalue, then a final step, so that a loop on the host
 * (im_entropy_from_eigenvalues) and a block reduction on the GPU
 * (cuda_kernels.cu) compute S_alpha with the same code.  C11 and CUDA.
 *
 * The eigenvalues that count are those above cut = n eps64 max|lambda| (the
 * others, zeros and round-off, are 0: for alpha < 1, 0^alpha = 0).  With m
 * their largest and s their sum, p = lambda / s is a probability vector and
 *   S_alpha = log2(sum_i p_i^alpha) / (1 - alpha),
 * computed without forming a power that could underflow or overflow:
 *   alpha = 1:             log2 s - sum lambda log2 lambda / s, Shannon's
 *                          limit;
 *   0 < |alpha - 1| < 1/2: ln(sum p^alpha) = ln(1 + sum p expm1((alpha - 1)
 *                          ln p)), whose terms all have one sign; written
 *                          for lambda, log2 s + log1p(acc / s) / ((1 -
 *                          alpha) ln 2) with acc = sum lambda expm1((alpha -
 *                          1) ln lambda).  It tends to the Shannon form as
 *                          alpha -> 1 with no loss of precision;
 *   otherwise:             ln(sum p^alpha) = alpha ln(m / s) + ln(sum
 *                          (lambda / m)^alpha), so S_alpha = alpha / (1 -
 *                          alpha) log2(m / s) + log2(acc) / (1 - alpha).
 *                          acc lies in [1, n] (its largest term is exactly
 *                          1) for every alpha > 0; terms below 2^-1074
 *                          become 0, which is harmless: for alpha so large
 *                          that all but the largest vanish, S_alpha is
 *                          -alpha / (1 - alpha) log2(m / s), which tends to
 *                          the min-entropy -log2(m / s).
 * So a spectrum with a positive eigenvalue always gives a finite S_alpha
 * (NaN when none is positive).  In fp64 the formula adds a relative error
 * of a few n eps64 to S_alpha (both log-domain forms are well conditioned
 * where they are used); the error of the eigenvalues themselves dominates
 * (see entropy.h). */
#ifndef IM_BACKEND_RENYI_SUM_H
#define IM_BACKEND_RENYI_SUM_H

#include <float.h>
#include <math.h>
#include <stddef.h>

#ifdef __CUDACC__
#define IM_RENYI_FN static inline __host__ __device__
#else
#define IM_RENYI_FN static inline
#endif

/* Eigenvalues at or below this count as 0 (top = max |lambda|). */
IM_RENYI_FN double im_renyi_cut(size_t n, double top)
{
    return (double)n * DBL_EPSILON * top;
}

/* 1 where S_alpha is computed through expm1 and log1p (alpha near 1). */
IM_RENYI_FN int im_renyi_near_one(double alpha)
{
    return fabs(alpha - 1.0) < 0.5;
}

/* Eigenvalue lam's term of acc, for the largest eigenvalue m that counts;
 * 0 when lam <= cut. */
IM_RENYI_FN double im_renyi_term(double lam, double cut, double alpha, double m)
{
    if (!(lam > cut))
        return 0.0;
    if (alpha == 1.0)
        return -lam * log2(lam);
    if (im_renyi_near_one(alpha))
        return lam * expm1((alpha - 1.0) * log(lam));
    return pow(lam / m, alpha);
}

/* S_alpha in bits from acc, the sum of the terms, and the largest (m) and
 * the sum (s) of the eigenvalues that count. */
IM_RENYI_FN double im_renyi_finish(double acc, double alpha, double m, double s)
{
    if (alpha == 1.0)
        return log2(s) + acc / s;
    if (im_renyi_near_one(alpha))
        return log2(s) + log1p(acc / s) / ((1.0 - alpha) * log(2.0));
    return alpha / (1.0 - alpha) * log2(m / s) + log2(acc) / (1.0 - alpha);
}

#endif
