/* Batches of the valid split, forward through the network, and their Gram
 * matrices. */
#include <stdlib.h>
#include <string.h>
#include "analysis_grams.h"
#include "util/errfmt.h"
#include "util/rng.h"

const double *im_an_gram_t(const im_an_grams *g, size_t b, size_t c)
{
    return g->T + (b * g->C + c) * g->n * g->n;
}

static im_status core_fail(im_context *ctx, im_status st, char *err, size_t errlen)
{
    return im_errf(err, errlen, st, "%s", im_context_error(ctx));
}

/* The matrices of batch b from its rows: x (n input rows), t (n rows of
 * layer K's outputs), y (n labels). */
static im_status batch_grams(im_an_net *a, im_context *ctx, im_an_grams *g, size_t b,
                             const float *t, const size_t *rows, int32_t *y, char *err,
                             size_t errlen)
{
    size_t n = g->n, nn = n * n, cols = (size_t)a->net->inputs;
    im_width w = {IM_WIDTH_DEFAULT, im_width_default_param(IM_WIDTH_DEFAULT), NULL, NULL};
    double s_x = 0.0, s_t = 0.0;
    for (size_t i = 0; i < n; i++)
        y[i] = a->data.y[rows[i]];
    im_status st = im_gram_labels(ctx, y, n, g->Y + b * nn);
    if (st == IM_OK && g->X) {
        float *x = malloc(n * cols * sizeof(float)); /* n rows of cols */
        if (x == NULL)
            return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for %zu input rows", n);
        for (size_t i = 0; i < n; i++)
            memcpy(x + i * cols, a->data.x + rows[i] * cols, cols * sizeof(float));
        st = im_gram_rbf(ctx, x, n, cols, cols, w, g->X + b * nn, &s_x);
        free(x);
    }
    if (st == IM_OK)
        st = im_gram_rbf_maps(ctx, t, n, g->C, a->d, g->C * a->d, w, g->T + b * g->C * nn, &s_t);
    if (st != IM_OK)
        return core_fail(ctx, st, err, errlen);
    g->sigma_x += s_x / (double)g->B;
    g->sigma_t += s_t / (double)g->B;
    return IM_OK;
}

static im_status alloc_grams(im_an_grams *g, int want_x, char *err, size_t errlen)
{
    size_t nn = g->n * g->n;
    g->Y = malloc(g->B * nn * sizeof(double));
    g->T = malloc(g->B * g->C * nn * sizeof(double));
    g->X = want_x ? malloc(g->B * nn * sizeof(double)) : NULL;
    if (g->Y == NULL || g->T == NULL || (want_x && g->X == NULL))
        return im_errf(err, errlen, IM_ERR_NOMEM,
                       "out of memory for %zu mini-batches of %zu Gram matrices of %zux%zu", g->B,
                       g->C + 1 + (want_x != 0), g->n, g->n);
    return IM_OK;
}

im_status im_an_grams_build(im_an_net *a, im_context *ctx, size_t n, size_t B, uint64_t *rng,
                            int want_x, im_an_grams *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    size_t N = a->data.n;
    if (n < 2 || B < 1 || n > N / B)
        return im_errf(err, errlen, IM_ERR_ARG,
                       "%zu mini-batches of %zu samples need %zu distinct samples (n >= 2), but "
                       "the valid split of %s has %zu",
                       B, n, n * B, a->dc.path, N);
    *g = (im_an_grams){.n = n, .B = B, .C = a->C};
    size_t *rows = malloc(N * sizeof *rows);
    float *t = malloc(n * a->C * a->d * sizeof(float)); /* n rows of layer K's outputs */
    int32_t *y = malloc(n * sizeof *y);
    im_status st = alloc_grams(g, want_x, err, errlen);
    if (st == IM_OK && (rows == NULL || t == NULL || y == NULL))
        st = im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for a mini-batch of %zu", n);
    if (st == IM_OK) {
        for (size_t i = 0; i < N; i++)
            rows[i] = i;
        im_rng_shuffle(rows, N, rng);
    }
    for (size_t b = 0; b < B && st == IM_OK; b++)
        if ((st = im_an_forward(a, rows + b * n, n, t, err, errlen)) == IM_OK)
            st = batch_grams(a, ctx, g, b, t, rows + b * n, y, err, errlen);
    free(y);
    free(t);
    free(rows);
    return st;
}

void im_an_grams_free(im_an_grams *g)
{
    free(g->X);
    free(g->Y);
    free(g->T);
    memset(g, 0, sizeof *g);
}
