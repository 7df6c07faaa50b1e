/* The Gram matrices of a layer's C maps (gram.h): of host data, map by map
 * through im_gram_rbf, or of data in the back end's device memory, whose
 * Xc Xc^T the back end computes (gram_device) and whose distances, widths
 * and kernels then follow the same steps as for host data (gram.c). */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

/* SILVERMAN_DIM over the C maps of a layer whose cols = C*d values per
 * sample have mean marginal variance var: the fixed width of the whole
 * layer, which every map then shares, so that the maps' Hadamard product
 * is the RBF kernel of the layer at that width (see gram.h); w unchanged
 * when all its samples coincide (every map is then all ones under the rule
 * itself). */
static void layer_width(im_width *w, double var, size_t n, size_t cols)
{
    if (var > 0.0 && isfinite(w->param) && w->param > 0.0)
        *w = (im_width){.rule = IM_WIDTH_FIXED,
                        .param = im_silverman_sigma(w->param * sqrt(var * (double)cols), n, cols)};
}

/* layer_width for host data; w unchanged when the layer is not finite. */
static im_status host_layer_width(im_context *ctx, const float *x, size_t n, size_t cols, size_t ld,
                                  im_width *w)
{
    if (x == NULL || n < 2 || !im_rows_finite(x, n, cols, ld))
        return IM_OK;
    double *Xc = im_scratch(ctx, n * cols);
    if (Xc == NULL)
        return IM_ERR_NOMEM;
    layer_width(w, im_centre(x, n, cols, ld, Xc), n, cols);
    return IM_OK;
}

static im_status maps_args(im_context *ctx, const char *fn, size_t C, size_t d, size_t ld)
{
    if (ctx == NULL)
        return IM_ERR_ARG;
    if (C == 0 || ld < C * d)
        return im_fail(ctx, IM_ERR_ARG, "%s: need C >= 1 and ld >= C*d (C = %zu, d = %zu, ld = %zu)",
                       fn, C, d, ld);
    return IM_OK;
}

im_status im_gram_rbf_maps(im_context *ctx, const float *x, size_t n, size_t C, size_t d, size_t ld,
                           im_width w, double *K, double *sigma_mean)
{
    im_status st = maps_args(ctx, "im_gram_rbf_maps", C, d, ld);
    if (st != IM_OK)
        return st;
    if (w.rule == IM_WIDTH_SILVERMAN_DIM && C > 1 &&
        (st = host_layer_width(ctx, x, n, C * d, ld, &w)) != IM_OK)
        return st;
    double sum = 0.0, sc, *running = w.running;
    for (size_t c = 0; c < C; c++) {
        w.running = running != NULL ? running + c : NULL;
        if ((st = im_gram_rbf(ctx, x + c * d, n, d, ld, w, K + c * n * n, &sc)) != IM_OK)
            return st;
        sum += sc;
    }
    if (sigma_mean != NULL)
        *sigma_mean = sum / (double)C;
    return IM_OK;
}

/* ss[c] = tr(Xc Xc^T), the sum of the squared centred values of map c,
 * whose Xc Xc^T the back end leaves in K + c*n*n; NaN for a map with a
 * value that is not finite. */
static im_status device_grams(im_context *ctx, const float *x, size_t n, size_t C, size_t d,
                              size_t ld, double *K, double *ss)
{
    im_backend *b = ctx->backend;
    for (size_t c = 0; c < C; c++) {
        double *G = K + c * n * n;
        int finite = 0;
        im_status st =
            b->gram_device(b, x + c * d, n, d, ld, G, &finite, ctx->err, sizeof ctx->err);
        if (st != IM_OK)
            return st;
        ss[c] = 0.0;
        for (size_t i = 0; i < n && finite; i++)
            ss[c] += G[i * n + i];
        if (!finite)
            ss[c] = NAN;
    }
    return IM_OK;
}

/* The kernels of the maps from their Xc Xc^T in K and ss (device_grams),
 * as im_gram_rbf_maps makes them from host data. */
static im_status kernels_from_grams(im_context *ctx, size_t n, size_t C, size_t d, im_width w,
                                    const double *ss, double *K, double *sigma_mean)
{
    double total = 0.0, sum = 0.0, sc, *running = w.running;
    for (size_t c = 0; c < C; c++)
        total += ss[c];
    if (w.rule == IM_WIDTH_SILVERMAN_DIM && C > 1 && isfinite(total))
        layer_width(&w, total / ((double)n * (double)(C * d)), n, C * d);
    for (size_t c = 0; c < C; c++) {
        w.running = running != NULL ? running + c : NULL;
        double *Kc = K + c * n * n;
        if (isnan(ss[c]))
            im_rbf_nan(w, n, d, Kc, &sc);
        else {
            im_status st = im_rbf_from_gram(ctx, w, n, d, ss[c] / ((double)n * (double)d), Kc, &sc);
            if (st != IM_OK)
                return st;
        }
        sum += sc;
    }
    if (sigma_mean != NULL)
        *sigma_mean = sum / (double)C;
    return IM_OK;
}

im_status im_gram_rbf_maps_device(im_context *ctx, const float *x, size_t n, size_t C, size_t d,
                                  size_t ld, im_width w, double *K, double *sigma_mean)
{
    im_status st = maps_args(ctx, "im_gram_rbf_maps_device", C, d, ld);
    if (st != IM_OK || (st = im_rbf_args(ctx, x, n, d, ld, w, K)) != IM_OK)
        return st;
    if (!im_context_device_memory(ctx))
        return im_fail(ctx, IM_ERR_ARG,
                       "im_gram_rbf_maps_device: the %s back end reads host memory only",
                       ctx->backend->name);
    double *ss = malloc(C * sizeof *ss);
    if (ss == NULL)
        return im_fail(ctx, IM_ERR_NOMEM, "out of memory for %zu map statistics", C);
    st = device_grams(ctx, x, n, C, d, ld, K, ss);
    if (st == IM_OK)
        st = kernels_from_grams(ctx, n, C, d, w, ss, K, sigma_mean);
    free(ss);
    return st;
}
