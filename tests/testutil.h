/* Helpers shared by the cmocka unit tests: a context, deterministic random
 * data, and tolerance checks. */
#ifndef IM_TESTUTIL_H
#define IM_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include "infomonitor/infomonitor.h"

/* A context on the back end `name`, or NULL after a message when that back
 * end is not available here (IM_ERR_BACKEND: cuda without a GPU); any other
 * failure fails the test. */
static inline im_context *tu_ctx_on(const char *name, double alpha)
{
    im_options o;
    im_options_default(&o);
    o.alpha = alpha;
    o.backend = name;
    im_context *ctx = NULL;
    char err[256];
    im_status st = im_context_create(&o, &ctx, err, sizeof err);
    if (st == IM_ERR_BACKEND) {
        print_message("SKIP %s: %s\n", name, err);
        return NULL;
    }
    if (st != IM_OK)
        fail_msg("im_context_create(%s): %s", name, err);
    return ctx;
}

/* A context on the reference back end, cpu-ref. */
static inline im_context *tu_ctx(double alpha)
{
    im_context *ctx = tu_ctx_on("cpu-ref", alpha);
    assert_non_null(ctx);
    return ctx;
}

/* xorshift64*: reproducible uniform numbers in [0,1). */
static inline double tu_unif(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

static inline double tu_normal(uint64_t *s)
{
    double u = tu_unif(s) + 1e-300, v = tu_unif(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* n*d standard normal floats. */
static inline float *tu_randn(uint64_t *s, size_t n, size_t d)
{
    float *x = malloc(n * d * sizeof(float));
    assert_non_null(x);
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)tu_normal(s);
    return x;
}

/* RBF Gram of x (n*d) with a fixed sigma. */
static inline double *tu_gram(im_context *ctx, const float *x, size_t n, size_t d, double sigma)
{
    double *K = malloc(n * n * sizeof(double));
    assert_non_null(K);
    assert_int_equal(
        im_gram_rbf(ctx, x, n, d, d, (im_width){.rule = IM_WIDTH_FIXED, .param = sigma}, K, NULL),
        IM_OK);
    return K;
}

/* Free m matrices and their list. */
static inline void tu_free_mats(double **f, size_t m)
{
    for (size_t k = 0; k < m; k++)
        free(f[k]);
    free(f);
}

/* All singles, pairs and triples of nf factors, as the CSR terms of
 * im_entropy_products (off: room for nf + C(nf,2) + C(nf,3) + 1 entries,
 * idx for 3 times as many); returns the number of terms. */
static inline size_t tu_all_terms(uint32_t nf, uint32_t *off, uint32_t *idx)
{
    size_t B = 0, ni = 0;
    off[0] = 0;
    for (uint32_t i = 0; i < nf; i++) {
        idx[ni++] = i;
        off[++B] = (uint32_t)ni;
        for (uint32_t j = i + 1; j < nf; j++) {
            idx[ni++] = i;
            idx[ni++] = j;
            off[++B] = (uint32_t)ni;
            for (uint32_t k = j + 1; k < nf; k++) {
                idx[ni++] = i;
                idx[ni++] = j;
                idx[ni++] = k;
                off[++B] = (uint32_t)ni;
            }
        }
    }
    return B;
}

#define tu_close(got, want, atol, rtol)                                                            \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        if (!(fabs(g_ - w_) <= (atol) + (rtol)*fabs(w_)))                                          \
            fail_msg("%s = %.12g, expected %.12g (atol %g, rtol %g)", #got, g_, w_,                \
                     (double)(atol), (double)(rtol));                                              \
    } while (0)

#endif
