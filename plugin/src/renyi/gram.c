/* Gram matrices: RBF with the kernel-width rules, the label delta kernel,
 * and the Def. 1 normalization.  The C maps of a layer, and data on a
 * GPU, are in gram_maps.c. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

double im_silverman_sigma(double h, size_t n, size_t d)
{
    return h * pow((double)n, -1.0 / (4.0 + (double)d));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..m), sorted, m >= 1. */
static double median_sorted(const double *v, size_t m)
{
    return (m % 2) ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
}

/* Median of the n(n-1)/2 pairwise distances sqrt(D_ij), i < j; when more
 * than half of them are 0 (most samples coincide), the median of the
 * positive ones; 0 when all samples coincide. */
static double median_distance(im_context *ctx, const double *D, size_t n, im_status *st)
{
    size_t m = n * (n - 1) / 2, k = 0;
    double *v = malloc(m * sizeof(double));
    if (v == NULL) {
        *st = im_fail(ctx, IM_ERR_NOMEM, "out of memory for %zu pairwise distances", m);
        return NAN;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            v[k++] = sqrt(D[i * n + j]);
    qsort(v, m, sizeof(double), cmp_double);
    double med = median_sorted(v, m);
    if (!(med > 0.0)) {
        size_t z = 0;
        while (z < m && !(v[z] > 0.0))
            z++;
        med = z < m ? median_sorted(v + z, m - z) : 0.0;
    }
    free(v);
    *st = IM_OK;
    return med;
}

static const struct {
    const char *name;
    im_width_rule rule;
} k_rules[] = {
    {"silverman", IM_WIDTH_SILVERMAN},
    {"silverman-scaled", IM_WIDTH_SILVERMAN_SCALED},
    {"silverman-dim", IM_WIDTH_SILVERMAN_DIM},
    {"median", IM_WIDTH_MEDIAN},
    {"fixed", IM_WIDTH_FIXED},
    {"align", IM_WIDTH_ALIGN},
};

int im_width_rule_parse(const char *name, im_width_rule *out)
{
    for (size_t i = 0; name != NULL && i < sizeof k_rules / sizeof k_rules[0]; i++)
        if (strcmp(name, k_rules[i].name) == 0) {
            *out = k_rules[i].rule;
            return 1;
        }
    return 0;
}

const char *im_width_rule_name(im_width_rule r)
{
    for (size_t i = 0; i < sizeof k_rules / sizeof k_rules[0]; i++)
        if (k_rules[i].rule == r)
            return k_rules[i].name;
    return NULL;
}

double im_width_default_param(im_width_rule r)
{
    switch (r) {
    case IM_WIDTH_SILVERMAN:
    case IM_WIDTH_SILVERMAN_SCALED:
        return 5.0;
    case IM_WIDTH_SILVERMAN_DIM:
        return IM_DIM_H;
    case IM_WIDTH_MEDIAN:
        return 0.15;
    case IM_WIDTH_ALIGN:
        return 1.0;
    case IM_WIDTH_FIXED:
        break;
    }
    return NAN;
}

static int rule_known(im_width_rule r)
{
    return r == IM_WIDTH_SILVERMAN || r == IM_WIDTH_MEDIAN || r == IM_WIDTH_FIXED ||
           r == IM_WIDTH_SILVERMAN_SCALED || r == IM_WIDTH_SILVERMAN_DIM || r == IM_WIDTH_ALIGN;
}

int im_rows_finite(const float *x, size_t n, size_t d, size_t ld)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            if (!isfinite(x[i * ld + j]))
                return 0;
    return 1;
}

double im_centre(const float *x, size_t n, size_t d, size_t ld, double *Xc)
{
    double ss = 0.0;
    for (size_t j = 0; j < d; j++) {
        double mean = 0.0;
        for (size_t i = 0; i < n; i++)
            mean += x[i * ld + j];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) {
            Xc[i * d + j] = (double)x[i * ld + j] - mean;
            ss += Xc[i * d + j] * Xc[i * d + j];
        }
    }
    return ss / ((double)n * (double)d);
}

/* G (n*n, at least its upper triangle) = Xc Xc^T of the centred rows Xc:
 * the back end's gram hook (cuBLAS for cuda), or OpenBLAS. */
static im_status host_gram(im_context *ctx, const double *Xc, size_t n, size_t d, double *G)
{
    if (ctx->backend->gram != NULL)
        return ctx->backend->gram(ctx->backend, Xc, n, d, G, ctx->err, sizeof ctx->err);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)d, 1.0, Xc, (int)d, 0.0, G,
                (int)n);
    return IM_OK;
}

/* In place: the upper triangle of G = Xc Xc^T becomes D (n*n, symmetric,
 * zero diagonal), the squared distances between the rows of Xc,
 * D_ij = G_ii + G_jj - 2 G_ij clamped at 0. */
static void distances_from_gram(double *D, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double dij = D[i * n + i] + D[j * n + j] - 2.0 * D[i * n + j];
            dij = dij > 0.0 ? dij : 0.0;
            D[i * n + j] = dij;
            D[j * n + i] = dij;
        }
    for (size_t i = 0; i < n; i++)
        D[i * n + i] = 0.0;
}

/* The kernel alignment A(K_s, L) of the RBF kernel of width s on the
 * squared distances D with the label kernel of y, from the upper triangle
 * (both kernels have a unit diagonal). */
static double alignment(const double *D, const int32_t *y, size_t n, double s)
{
    double g = -1.0 / (2.0 * s * s), kl = 0.0, kk = 0.0, ll = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double k = D[i * n + j] > 0.0 ? exp(g * D[i * n + j]) : 1.0;
            kk += k * k;
            if (y[i] == y[j]) {
                kl += k;
                ll += 1.0;
            }
        }
    double nd = (double)n;
    return (nd + 2.0 * kl) / sqrt((nd + 2.0 * kk) * (nd + 2.0 * ll));
}

/* The s = centre * step^k, k = -lo..hi, of largest alignment (the first). */
static double best_on_grid(const double *D, const int32_t *y, size_t n, double centre, double step,
                           int lo, int hi)
{
    double best = centre * pow(step, -lo), a_best = -1.0;
    for (int k = -lo; k <= hi; k++) {
        double s = centre * pow(step, k), a = alignment(D, y, n, s);
        if (a > a_best) {
            a_best = a;
            best = s;
        }
    }
    return best;
}

/* The ALIGN rule's s_a (see gram.h), smoothed through w.running; 0 when
 * the samples all coincide (m = 0). */
static im_status align_sigma(im_context *ctx, im_width w, size_t n, const double *D, double *sigma)
{
    im_status st;
    double m = median_distance(ctx, D, n, &st);
    if (st != IM_OK || !(m > 0.0)) {
        *sigma = 0.0;
        return st;
    }
    double s = best_on_grid(D, w.labels, n, m, 2.0, 8, 4);
    s = best_on_grid(D, w.labels, n, s, pow(2.0, 0.25), 3, 3);
    s = best_on_grid(D, w.labels, n, s, pow(2.0, 1.0 / 16.0), 3, 3);
    if (w.running != NULL) {
        if (*w.running > 0.0)
            s = exp((1.0 - IM_ALIGN_SMOOTH) * log(*w.running) + IM_ALIGN_SMOOTH * log(s));
        *w.running = s;
    }
    *sigma = w.param * s;
    return IM_OK;
}

/* The width of rule w for data with mean marginal variance var and
 * squared distances D; 0 when the samples all coincide under a
 * data-dependent rule (D is then 0, and K all ones). */
static im_status rule_sigma(im_context *ctx, im_width w, size_t n, size_t d, double var,
                            const double *D, double *sigma)
{
    im_status st = IM_OK;
    switch (w.rule) {
    case IM_WIDTH_SILVERMAN:
        *sigma = im_silverman_sigma(w.param, n, d);
        break;
    case IM_WIDTH_FIXED:
        *sigma = w.param;
        break;
    case IM_WIDTH_SILVERMAN_SCALED:
        *sigma = var > 0.0 ? im_silverman_sigma(w.param * sqrt(var), n, d) : 0.0;
        break;
    case IM_WIDTH_SILVERMAN_DIM:
        *sigma = var > 0.0 ? im_silverman_sigma(w.param * sqrt(var * (double)d), n, d) : 0.0;
        break;
    case IM_WIDTH_MEDIAN:
        *sigma = w.param * median_distance(ctx, D, n, &st);
        break;
    case IM_WIDTH_ALIGN:
        st = align_sigma(ctx, w, n, D, sigma);
        break;
    }
    return st;
}

im_status im_rbf_args(im_context *ctx, const void *x, size_t n, size_t d, size_t ld, im_width w,
                      const double *K)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK)
        return st;
    if (x == NULL || K == NULL || d == 0 || ld < d)
        return im_fail(ctx, IM_ERR_ARG,
                       "im_gram_rbf: need x, K, d >= 1 and ld >= d (d = %zu, ld = %zu)", d, ld);
    if (!(isfinite(w.param) && w.param > 0.0))
        return im_fail(ctx, IM_ERR_ARG, "kernel width parameter must be > 0, got %g", w.param);
    if (!rule_known(w.rule))
        return im_fail(ctx, IM_ERR_ARG, "unknown kernel width rule %d", (int)w.rule);
    if (w.rule == IM_WIDTH_ALIGN && w.labels == NULL)
        return im_fail(ctx, IM_ERR_ARG, "the align kernel width rule needs the samples' labels");
    return IM_OK;
}

void im_rbf_nan(im_width w, size_t n, size_t d, double *K, double *sigma_used)
{
    for (size_t e = 0; e < n * n; e++)
        K[e] = NAN;
    if (sigma_used != NULL)
        *sigma_used = w.rule == IM_WIDTH_SILVERMAN ? im_silverman_sigma(w.param, n, d)
                      : w.rule == IM_WIDTH_FIXED   ? w.param
                                                   : NAN;
}

im_status im_rbf_from_gram(im_context *ctx, im_width w, size_t n, size_t d, double var, double *K,
                           double *sigma_used)
{
    double sigma = 0.0;
    distances_from_gram(K, n);
    im_status st = rule_sigma(ctx, w, n, d, var, K, &sigma);
    if (st != IM_OK)
        return st;
    double g = sigma > 0.0 ? -1.0 / (2.0 * sigma * sigma) : 0.0;
    /* A distance of 0 (the diagonal, coinciding samples) gives exactly 1,
     * also when sigma is so small that g overflows to -inf (-inf * 0 is
     * NaN); the other entries then underflow to 0. */
    for (size_t e = 0; e < n * n; e++)
        K[e] = K[e] > 0.0 ? exp(g * K[e]) : 1.0;
    if (sigma_used != NULL)
        *sigma_used = sigma;
    return IM_OK;
}

im_status im_gram_rbf(im_context *ctx, const float *x, size_t n, size_t d, size_t ld, im_width w,
                      double *K, double *sigma_used)
{
    im_status st = im_rbf_args(ctx, x, n, d, ld, w, K);
    if (st != IM_OK)
        return st;
    if (!im_rows_finite(x, n, d, ld)) {
        im_rbf_nan(w, n, d, K, sigma_used);
        return IM_OK;
    }
    double *Xc = im_scratch(ctx, n * d);
    if (Xc == NULL)
        return IM_ERR_NOMEM;
    double var = im_centre(x, n, d, ld, Xc);
    if ((st = host_gram(ctx, Xc, n, d, K)) != IM_OK)
        return st;
    return im_rbf_from_gram(ctx, w, n, d, var, K, sigma_used);
}

int im_gram_constant(const double *K, size_t n)
{
    if (K == NULL || !(K[0] > 0.0))
        return 0;
    for (size_t e = 1; e < n * n; e++)
        if (K[e] != K[0])
            return 0;
    return 1;
}

im_status im_gram_labels(im_context *ctx, const int32_t *y, size_t n, double *K)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK)
        return st;
    if (y == NULL || K == NULL)
        return im_fail(ctx, IM_ERR_ARG, "im_gram_labels: y and K must not be NULL");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            K[i * n + j] = y[i] == y[j] ? 1.0 : 0.0;
    return IM_OK;
}

im_status im_normalize(im_context *ctx, double *K, size_t n)
{
    im_status st = im_check_n(ctx, n);
    if (st != IM_OK)
        return st;
    if (K == NULL)
        return im_fail(ctx, IM_ERR_ARG, "im_normalize: K must not be NULL");
    for (size_t i = 0; i < n; i++)
        if (!(K[i * n + i] > 0.0))
            return im_fail(ctx, IM_ERR_ARG, "im_normalize: K[%zu][%zu] = %g, need > 0", i, i,
                           K[i * n + i]);
    double *s = im_scratch(ctx, n);
    if (s == NULL)
        return IM_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        s[i] = 1.0 / sqrt(K[i * n + i]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            K[i * n + j] *= s[i] * s[j] / (double)n;
    return IM_OK;
}
