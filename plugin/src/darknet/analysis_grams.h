/* The mini-batches of an analysis and their Gram matrices: B disjoint
 * batches of n samples of the valid split, drawn with a seed, pushed
 * through the network, and the kernels of the estimator core built from
 * them (the monitors' default width rule, gram.h's IM_WIDTH_DEFAULT at its
 * default multiplier, the rule docs/width-study.md chose).  Nothing here
 * prints or exits. */
#ifndef IM_DN_ANALYSIS_GRAMS_H
#define IM_DN_ANALYSIS_GRAMS_H

#include <stddef.h>
#include <stdint.h>
#include "analysis_load.h"
#include "infomonitor/infomonitor.h"

/* Every matrix is n*n row-major fp64 (gram.h's unit-diagonal kernels). */
typedef struct im_an_grams {
    size_t n, B, C;
    double *X;      /* B matrices (batch b at X + b*n*n): the network input, one variable;
                       NULL unless asked for */
    double *Y;      /* B matrices: the labels' delta kernel */
    double *T;      /* B*C matrices: filter c of batch b at T + (b*C + c)*n*n, each map (or
                       unit) one variable at the layer's shared width */
    double sigma_x; /* mean over the batches of X's width (0 without X) */
    double sigma_t; /* mean over the batches of T's width */
} im_an_grams;

/* The matrix of filter c in batch b. */
const double *im_an_gram_t(const im_an_grams *g, size_t b, size_t c);

/* Draw B disjoint batches of n rows of a->data (a shuffle of all its rows
 * from *rng, which advances; batch b is rows b*n .. b*n+n-1 of it), run
 * them forward (im_an_forward) and build the matrices (X only when
 * want_x).  IM_ERR_ARG when n < 2, B < 1 or n*B exceeds the split's
 * samples (naming both); IM_ERR_NOMEM; the core's statuses (its message).
 * *g must be freed with im_an_grams_free, also on failure. */
im_status im_an_grams_build(im_an_net *a, im_context *ctx, size_t n, size_t B, uint64_t *rng,
                            int want_x, im_an_grams *g, char *err, size_t errlen);

void im_an_grams_free(im_an_grams *g);

#endif
