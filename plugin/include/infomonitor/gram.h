/* Gram (kernel) matrices.
 *
 * Layout: a variable is n samples, each a vector of d floats; sample i
 * starts at x + i*ld (row-major, ld >= d).  A Gram matrix is n*n doubles,
 * row-major (it is symmetric, so the order never matters to a reader).
 *
 * Every builder returns the *unit-diagonal* kernel matrix
 *     Khat_ij = K_ij / sqrt(K_ii K_jj),
 * so that the normalized matrix of the paper (Def. 1) is A = Khat / n and the
 * normalized Hadamard product of several variables (Def. 2) is
 * (Khat1 o Khat2 o ...) / n.  The entropy functions normalize by the trace,
 * which gives exactly these matrices.
 *
 * Precision: squared distances are computed in fp64 (DSYRK on the centred
 * samples): in fp32, ||xi||^2 + ||xj||^2 - 2 xi.xj cancels badly for close
 * samples, and the kernel exponent divides by 2 sigma^2, which for the error
 * chain (h = 0.1) is small. */
#ifndef INFOMONITOR_GRAM_H
#define INFOMONITOR_GRAM_H

#include <stddef.h>
#include <stdint.h>
#include "api.h"
#include "context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel-width rules.  n is the number of samples, d a sample's dimension.
 *   SILVERMAN         sigma = h n^(-1/(4+d)): the paper's rule, h on the raw
 *                     scale of the data (5 forward, 0.1 for the error chain).
 *   SILVERMAN_SCALED  sigma = h s n^(-1/(4+d)), s = sqrt(mean_j var_j), the
 *                     root of the mean marginal variance of the batch
 *                     (population variance, each of the d coordinates over
 *                     the n samples): the paper's "taking into consideration
 *                     the data's average marginal variance".  Scaling the
 *                     variable by c scales s, and sigma, by c, so the Gram
 *                     matrix does not change.  When all samples coincide
 *                     (s = 0), the Gram matrix is all ones and sigma_used 0.
 *   SILVERMAN_DIM     sigma = h s sqrt(d) n^(-1/(4+d)): also normalized by the
 *                     dimension.  s sqrt(2d) is the root mean square of the
 *                     pairwise distances (over all n^2 pairs), so the typical
 *                     kernel value, exp(-d s^2 / sigma^2) ~ exp(-1/h^2), is
 *                     the same for a 10-unit and a 784-pixel variable, where
 *                     SILVERMAN_SCALED's exp(-d / h^2) saturates wide layers.
 *                     Scale-invariant; all ones for coinciding samples.  For
 *                     the C maps of im_gram_rbf_maps, s and d are those of
 *                     the whole layer (C*d values per sample) and every map
 *                     shares that width, so the maps' Hadamard product is the
 *                     layer's RBF kernel at it: per-map widths would make the
 *                     product narrower the more maps a layer has.
 *   MEDIAN            sigma = param * the median pairwise Euclidean distance;
 *                     when more than half of the pairwise distances are 0
 *                     (median 0), the median of the positive distances.
 *   FIXED             sigma = param.
 *   ALIGN             sigma = param * s_a, s_a maximizing the kernel alignment
 *                     A(K, L) = <K, L>_F / (|K|_F |L|_F) between the
 *                     variable's Gram matrix K and the label kernel L
 *                     (L_ij = 1 when labels i and j agree; Wickstrom et al.
 *                     2019 choose information-plane widths so).  Searched
 *                     coarse to fine on a log grid anchored at the median
 *                     pairwise distance m (the MEDIAN rule's m): s = m 2^k,
 *                     k = -8..4, then steps of 2^(1/4) and 2^(1/16) (three
 *                     each way) around the best; the first maximum wins.
 *                     The grid scales with the data, so the Gram matrix is
 *                     invariant to scaling the variable.  Needs labels (n
 *                     class labels of the samples).  With `running` set, s_a
 *                     is smoothed over calls, geometrically:
 *                     s_a <- exp((1 - IM_ALIGN_SMOOTH) ln *running
 *                                 + IM_ALIGN_SMOOTH ln s_a)
 *                     when *running > 0 (the first call takes the search
 *                     result), and *running receives the new s_a.
 * A variable whose samples all coincide (a dead feature map) has the
 * all-ones Gram matrix under every rule: it carries no information and is
 * neutral in a Hadamard product.  The data-dependent rules report sigma 0
 * for it. */
typedef enum im_width_rule {
    IM_WIDTH_SILVERMAN = 0,
    IM_WIDTH_MEDIAN,
    IM_WIDTH_FIXED,
    IM_WIDTH_SILVERMAN_SCALED,
    IM_WIDTH_ALIGN,
    IM_WIDTH_SILVERMAN_DIM
} im_width_rule;

/* The weight of the newest search result in the ALIGN rule's running width
 * (an exponential moving average over about 1 / 0.1 = 10 measurements). */
#define IM_ALIGN_SMOOTH 0.1

/* The rule called `name` ("silverman", "silverman-scaled", "silverman-dim",
 * "median", "fixed", "align": the names of the cfg option kernel_width and of estimate's
 * --kernel-width): 1 and *out, or 0 for another name. */
IM_API int im_width_rule_parse(const char *name, im_width_rule *out);

/* The name of rule r (the inverse of im_width_rule_parse); NULL for another value. */
IM_API const char *im_width_rule_name(im_width_rule r);

/* The default rule of monitors and `estimate`, chosen by the study in
 * docs/width-study.md (scripts/width_study.py). */
#define IM_WIDTH_DEFAULT IM_WIDTH_SILVERMAN_DIM

/* The default parameter of rule r: h = 5 for SILVERMAN and
 * SILVERMAN_SCALED (the paper's), IM_DIM_H for SILVERMAN_DIM, the median
 * fraction 0.15, align's multiplier 1; NAN for FIXED (sigma has no
 * default) and for an unknown rule. */
#define IM_DIM_H 0.5
IM_API double im_width_default_param(im_width_rule r);

/* SILVERMAN_DIM's default multiplier for error signals (a monitor's
 * delta_h), also from the study: the error chain holds far more often at
 * 2 than at IM_DIM_H, where I(T;Y) along the layers holds best. */
#define IM_DIM_DELTA_H 2.0

typedef struct im_width {
    im_width_rule rule;
    double param;          /* h, the median fraction, sigma, or ALIGN's multiplier; > 0 */
    const int32_t *labels; /* ALIGN: the n class labels of the samples; others ignore it */
    double *running;       /* ALIGN: the running width (caller's, 0 before the first call),
                              or NULL for no smoothing; im_gram_rbf_maps reads and writes
                              running[c] for map c.  Others ignore it. */
} im_width;

/* Silverman's rule, h * n^(-1/(4+d)).  (The median rule needs the data:
 * im_gram_rbf reports the sigma it used.) */
IM_API double im_silverman_sigma(double h, size_t n, size_t d);

/* RBF Gram matrix kappa(x,y) = exp(-||x-y||^2 / (2 sigma^2)); K is n*n.
 * *sigma_used (may be NULL) receives the sigma applied.
 * Non-finite samples give a matrix of NaN (status IM_OK), so every entropy
 * computed from it is NaN; *sigma_used is then the rule's sigma for the
 * Silverman and fixed rules and NaN for the data-dependent ones.
 * Statuses: IM_OK; IM_ERR_ARG (ctx, x or K NULL, n < 2, d = 0, ld < d, a
 * width parameter that is not a finite number > 0, an unknown rule, ALIGN
 * without labels);
 * IM_ERR_NOMEM.  K (n*n) and
 * x are the caller's. */
IM_API im_status im_gram_rbf(im_context *ctx, const float *x, size_t n, size_t d, size_t ld,
                             im_width w, double *K, double *sigma_used);

/* The Gram matrices of C variables (a conv layer's feature maps): sample i
 * of variable c is the d floats at x + i*ld + c*d (Darknet's and numpy's
 * (n, C, d) layout when ld = C*d; ld >= C*d).  K receives C matrices of
 * n*n, map c at K + c*n*n; sigma_mean (may be NULL) the mean of the C
 * widths (they differ under the data-dependent rules, which give a dead map
 * 0; SILVERMAN_DIM gives every map the layer's width).  Each is im_gram_rbf
 * of that variable (under SILVERMAN_DIM at the layer's fixed width), with
 * its statuses (the first map that fails stops the rest). */
IM_API im_status im_gram_rbf_maps(im_context *ctx, const float *x, size_t n, size_t C, size_t d,
                                  size_t ld, im_width w, double *K, double *sigma_mean);

/* im_gram_rbf_maps of data in GPU memory: x is a device pointer, of the
 * CUDA device that the context's back end runs on (im_options.device), and
 * the back end only reads it; K and sigma_mean are host memory, as above.
 * The back end centres the rows and forms Xc Xc^T there in fp64; the
 * distances, widths and kernels are then made on the host exactly as for
 * host data, so the matrices equal im_gram_rbf_maps's on a copy of x to
 * round-off (the traces give the variances: <= 1e-12 relative).  A map
 * with a value that is not finite gives NaN, as above.  Statuses: those
 * of im_gram_rbf_maps; IM_ERR_ARG also when the back end reads host memory
 * only (im_context_device_memory is 0); IM_ERR_BACKEND when a call on the
 * GPU fails (the message names it). */
IM_API im_status im_gram_rbf_maps_device(im_context *ctx, const float *x, size_t n, size_t C,
                                         size_t d, size_t ld, im_width w, double *K,
                                         double *sigma_mean);

/* 1 when every entry of the n*n matrix K equals K[0] > 0: the Gram matrix
 * of a variable whose samples all coincide (a dead feature map: all ones,
 * or that scaled, as im_normalize leaves it), which carries no information;
 * 0 otherwise (NULL K included). */
IM_API int im_gram_constant(const double *K, size_t n);

/* The Kronecker-delta kernel of integer labels: K_ij = 1 if y_i == y_j else 0.
 * IM_OK, or IM_ERR_ARG (NULL y or K, n < 2). */
IM_API im_status im_gram_labels(im_context *ctx, const int32_t *y, size_t n, double *K);

/* Normalize an arbitrary PSD Gram matrix in place as in Def. 1:
 * A_ij = K_ij / (n sqrt(K_ii K_jj)), so that tr(A) = 1.  Needs K_ii > 0:
 * IM_ERR_ARG names the first diagonal entry that is not. */
IM_API im_status im_normalize(im_context *ctx, double *K, size_t n);

#ifdef __cplusplus
}
#endif
#endif
