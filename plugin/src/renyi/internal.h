/* Internals shared by the estimator core's files. */
#ifndef IM_RENYI_INTERNAL_H
#define IM_RENYI_INTERNAL_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include "infomonitor/infomonitor.h"
#include "../backend/backend.h"

struct im_context {
    double alpha;
    im_backend *backend;
    double *scratch;    /* grows on demand; reused by the Gram builders */
    size_t scratch_cap; /* in doubles */
    char err[512];
};

/* At least `count` doubles of context-owned scratch memory (NULL after
 * recording an IM_ERR_NOMEM message). */
double *im_scratch(im_context *ctx, size_t count);

/* The steps of an RBF Gram matrix (gram.c), shared by the host and the
 * device routes (gram_maps.c):
 *   im_rbf_args       the argument checks of im_gram_rbf (x is not read:
 *                     it may be a device pointer);
 *   im_rows_finite    1 when the n rows of d floats at x + i*ld (host) are
 *                     all finite;
 *   im_centre         Xc (n*d row-major fp64) = those rows with each column
 *                     centred (distances are invariant to a shift, and
 *                     centring shrinks the norms that cancel in the
 *                     distances); returns sum(Xc^2) / (n d), the mean
 *                     marginal variance;
 *   im_rbf_from_gram  K (n*n) holds G = Xc Xc^T (at least its upper
 *                     triangle) of data of dimension d and mean marginal
 *                     variance var; it becomes the RBF kernel under w, and
 *                     *sigma_used (may be NULL) the width;
 *   im_rbf_nan        K all NaN, *sigma_used as im_gram_rbf reports it for
 *                     data that is not finite. */
im_status im_rbf_args(im_context *ctx, const void *x, size_t n, size_t d, size_t ld, im_width w,
                      const double *K);
int im_rows_finite(const float *x, size_t n, size_t d, size_t ld);
double im_centre(const float *x, size_t n, size_t d, size_t ld, double *Xc);
im_status im_rbf_from_gram(im_context *ctx, im_width w, size_t n, size_t d, double var, double *K,
                           double *sigma_used);
void im_rbf_nan(im_width w, size_t n, size_t d, double *K, double *sigma_used);

/* Record a formatted message in ctx->err and return st. */
im_status im_fail(im_context *ctx, im_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Check the arguments every quantity shares (ctx, n >= 2). */
im_status im_check_n(im_context *ctx, size_t n);

/* A list of product terms in the CSR form of im_entropy_products (terms.c),
 * sized up front: term b is the product of the factors
 * idx[off[b] .. off[b+1]-1]. */
typedef struct {
    uint32_t *off, *idx;
    size_t nterm, nidx;
    size_t max_terms, max_idx; /* capacities; exceeding one is a bug (assert) */
} im_terms;

/* Room for max_terms terms of max_idx factor indices in all.  IM_ERR_ARG
 * past 2^32, IM_ERR_NOMEM; *t is then empty (im_terms_free is safe). */
im_status im_terms_init(im_context *ctx, im_terms *t, size_t max_terms, size_t max_idx);
void im_terms_free(im_terms *t);

/* Append the term made of factors a[0..na-1] then b[0..nb-1] (na + nb >= 1);
 * returns its index. */
size_t im_terms_add(im_terms *t, const uint32_t *a, size_t na, const uint32_t *b, size_t nb);
/* Append the one-factor term {a}. */
size_t im_terms_add1(im_terms *t, uint32_t a);

/* Evaluate every term over the factors f[0..nf-1] of order n: *S gets
 * t->nterm entropies (malloc'd, the caller frees; NULL on failure). */
im_status im_terms_eval(im_context *ctx, const double *const *f, size_t nf, size_t n,
                        const im_terms *t, double **S);

/* IM_ERR_ARG naming fn when the list M of m matrices, or one of them, is NULL. */
im_status im_check_mats(im_context *ctx, const char *fn, const double *const *M, size_t m);

/* The pointer list a then b (malloc'd; NULL after recording IM_ERR_NOMEM). */
const double **im_concat(im_context *ctx, const double *const *a, size_t na, const double *const *b,
                         size_t nb);

/* start, start+1, ..., start+m-1 (malloc'd; NULL after recording IM_ERR_NOMEM). */
uint32_t *im_iota(im_context *ctx, size_t m, uint32_t start);

#endif
