/* Gram matrices against direct formulas computed here in a different way
 * (explicit double loops over coordinates, a brute-force median), and the
 * Def. 1 normalization. */
#include <string.h>
#include "testutil.h"

/* exp(-||xi-xj||^2 / (2 sigma^2)) with a direct sum over coordinates. */
static double direct_k(const float *x, size_t d, size_t i, size_t j, double sigma)
{
    double s = 0.0;
    for (size_t k = 0; k < d; k++) {
        double t = (double)x[i * d + k] - (double)x[j * d + k];
        s += t * t;
    }
    return exp(-s / (2.0 * sigma * sigma));
}

static void silverman_formula(void **state)
{
    (void)state;
    tu_close(im_silverman_sigma(5.0, 128, 784), 5.0 * pow(128.0, -1.0 / 788.0), 1e-15, 0);
    tu_close(im_silverman_sigma(0.1, 128, 4), 0.1 * pow(128.0, -1.0 / 8.0), 1e-15, 0);
    /* d -> 0 limit: n^(-1/4). */
    tu_close(im_silverman_sigma(1.0, 16, 0), 0.5, 1e-15, 0);
}

static void rbf_matches_direct(void **state)
{
    (void)state;
    uint64_t seed = 3;
    size_t n = 33, d = 17;
    im_context *ctx = tu_ctx(1.01);
    float *x = tu_randn(&seed, n, d);
    double *K = malloc(n * n * sizeof(double)), sigma;
    im_width rules[2] = {{.rule = IM_WIDTH_SILVERMAN, .param = 5.0},
                         {.rule = IM_WIDTH_FIXED, .param = 2.5}};
    double want_sigma[2] = {im_silverman_sigma(5.0, n, d), 2.5};
    for (int r = 0; r < 2; r++) {
        assert_int_equal(im_gram_rbf(ctx, x, n, d, d, rules[r], K, &sigma), IM_OK);
        tu_close(sigma, want_sigma[r], 1e-15, 0);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                tu_close(K[i * n + j], direct_k(x, d, i, j, sigma), 1e-12, 0);
    }
    free(K);
    free(x);
    im_context_destroy(ctx);
}

/* Samples far from the origin: fp32 ||x||^2 + ||y||^2 - 2xy would lose all
 * digits here; the centred fp64 computation keeps them. */
static void rbf_accurate_far_from_origin(void **state)
{
    (void)state;
    uint64_t seed = 5;
    size_t n = 20, d = 64;
    im_context *ctx = tu_ctx(1.01);
    float *x = tu_randn(&seed, n, d);
    for (size_t i = 0; i < n * d; i++)
        x[i] = 1000.0f + 0.01f * x[i];
    double *K = malloc(n * n * sizeof(double));
    assert_int_equal(
        im_gram_rbf(ctx, x, n, d, d, (im_width){.rule = IM_WIDTH_FIXED, .param = 0.05}, K, NULL),
        IM_OK);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            tu_close(K[i * n + j], direct_k(x, d, i, j, 0.05), 1e-9, 1e-7);
    free(K);
    free(x);
    im_context_destroy(ctx);
}

/* A strided layout (ld > d) reads the right elements: variable c of an
 * (n, C, d) array. */
static void rbf_strided(void **state)
{
    (void)state;
    uint64_t seed = 9;
    size_t n = 12, C = 3, d = 5;
    im_context *ctx = tu_ctx(1.01);
    float *x = tu_randn(&seed, n, C * d), *xc = malloc(n * d * sizeof(float));
    double *K = malloc(n * n * sizeof(double));
    for (size_t c = 0; c < C; c++) {
        for (size_t i = 0; i < n; i++)
            memcpy(xc + i * d, x + i * C * d + c * d, d * sizeof(float));
        assert_int_equal(im_gram_rbf(ctx, x + c * d, n, d, C * d,
                                     (im_width){.rule = IM_WIDTH_FIXED, .param = 1.7}, K, NULL),
                         IM_OK);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                tu_close(K[i * n + j], direct_k(xc, d, i, j, 1.7), 1e-12, 0);
    }
    free(K);
    free(xc);
    free(x);
    im_context_destroy(ctx);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void median_rule(void **state)
{
    (void)state;
    uint64_t seed = 13;
    const size_t ns[2] = {10, 11}; /* even and odd numbers of pairs: 45, 55 */
    for (int t = 0; t < 2; t++) {
        size_t n = ns[t], d = 4, m = n * (n - 1) / 2, k = 0;
        im_context *ctx = tu_ctx(1.01);
        float *x = tu_randn(&seed, n, d);
        double *dist = malloc(m * sizeof(double)), *K = malloc(n * n * sizeof(double)), sigma;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                dist[k++] = sqrt(-log(direct_k(x, d, i, j, sqrt(0.5)))); /* 2 sigma^2 = 1 */
        qsort(dist, m, sizeof(double), cmp);
        double med = m % 2 ? dist[m / 2] : 0.5 * (dist[m / 2 - 1] + dist[m / 2]);
        assert_int_equal(im_gram_rbf(ctx, x, n, d, d,
                                     (im_width){.rule = IM_WIDTH_MEDIAN, .param = 0.15}, K, &sigma),
                         IM_OK);
        tu_close(sigma, 0.15 * med, 1e-12, 1e-10);
        tu_close(K[1], direct_k(x, d, 0, 1, 0.15 * med), 1e-12, 0);
        free(K);
        free(dist);
        free(x);
        im_context_destroy(ctx);
    }
}

/* Samples that all coincide give the all-ones matrix (sigma 0); when most
 * coincide (6 of 8 at 0: 15 of the 28 distances are 0), sigma is the
 * fraction of the median of the 13 positive distances: six 1s, one 2 and
 * six 3s, so 0.15 * 2. */
static void median_rule_degenerate(void **state)
{
    (void)state;
    im_context *ctx = tu_ctx(1.01);
    float x[8] = {0};
    double K[64], s;
    im_width w = {.rule = IM_WIDTH_MEDIAN, .param = 0.15};
    assert_int_equal(im_gram_rbf(ctx, x, 8, 1, 1, w, K, &s), IM_OK);
    assert_true(s == 0.0);
    for (int e = 0; e < 64; e++)
        assert_true(K[e] == 1.0);
    x[6] = 1.0f;
    x[7] = 3.0f;
    assert_int_equal(im_gram_rbf(ctx, x, 8, 1, 1, w, K, &s), IM_OK);
    tu_close(s, 0.15 * 2.0, 1e-12, 0);
    im_context_destroy(ctx);
}

static void labels_kernel(void **state)
{
    (void)state;
    im_context *ctx = tu_ctx(1.01);
    int32_t y[5] = {3, 1, 3, -7, 1};
    double K[25];
    assert_int_equal(im_gram_labels(ctx, y, 5, K), IM_OK);
    for (size_t i = 0; i < 5; i++)
        for (size_t j = 0; j < 5; j++)
            assert_true(K[i * 5 + j] == (y[i] == y[j] ? 1.0 : 0.0));
    /* Three classes of sizes 2, 2, 1: S is the Renyi entropy of (.4,.4,.2). */
    double S;
    assert_int_equal(im_entropy(ctx, K, 5, &S), IM_OK);
    tu_close(S, log2(2 * pow(.4, 1.01) + pow(.2, 1.01)) / (1 - 1.01), 1e-10, 0);
    im_context_destroy(ctx);
}

static void normalize_def1(void **state)
{
    (void)state;
    im_context *ctx = tu_ctx(1.01);
    double K[9] = {4, 1, 0.5, 1, 1, 0.2, 0.5, 0.2, 9};
    double A[9];
    memcpy(A, K, sizeof A);
    assert_int_equal(im_normalize(ctx, A, 3), IM_OK);
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++)
            tu_close(A[i * 3 + j], K[i * 3 + j] / (3.0 * sqrt(K[i * 4] * K[j * 4])), 1e-15, 0);
    tu_close(A[0] + A[4] + A[8], 1.0, 1e-15, 0);
    K[4] = 0.0;
    assert_int_equal(im_normalize(ctx, K, 3), IM_ERR_ARG);
    im_context_destroy(ctx);
}

static void nonfinite_and_bad_args(void **state)
{
    (void)state;
    im_context *ctx = tu_ctx(1.01);
    float x[12] = {1, 2, 3, 4, 5, NAN, 7, 8, 9, 10, 11, 12};
    double K[16], sigma;
    assert_int_equal(
        im_gram_rbf(ctx, x, 4, 3, 3, (im_width){.rule = IM_WIDTH_SILVERMAN, .param = 5}, K, &sigma),
        IM_OK);
    for (size_t e = 0; e < 16; e++)
        assert_true(isnan(K[e]));
    tu_close(sigma, im_silverman_sigma(5, 4, 3), 1e-15, 0);
    x[5] = INFINITY;
    assert_int_equal(
        im_gram_rbf(ctx, x, 4, 3, 3, (im_width){.rule = IM_WIDTH_MEDIAN, .param = 0.2}, K, &sigma),
        IM_OK);
    assert_true(isnan(sigma) && isnan(K[0]));
    x[5] = 6;
    const double bad[3] = {0.0, -1.0, NAN};
    for (int i = 0; i < 3; i++)
        assert_int_equal(im_gram_rbf(ctx, x, 4, 3, 3,
                                     (im_width){.rule = IM_WIDTH_FIXED, .param = bad[i]}, K, NULL),
                         IM_ERR_ARG);
    assert_int_equal(
        im_gram_rbf(ctx, x, 1, 3, 3, (im_width){.rule = IM_WIDTH_FIXED, .param = 1}, K, NULL),
        IM_ERR_ARG);
    assert_int_equal(
        im_gram_rbf(ctx, x, 4, 3, 2, (im_width){.rule = IM_WIDTH_FIXED, .param = 1}, K, NULL),
        IM_ERR_ARG);
    assert_int_equal(
        im_gram_rbf(ctx, x, 4, 3, 3, (im_width){.rule = (im_width_rule)9, .param = 1}, K, NULL),
        IM_ERR_ARG);
    im_context_destroy(ctx);
}

/* silverman-scaled: sigma = h s n^(-1/(4+d)) with s the root of the mean
 * (population) variance of the coordinates, computed here in plain loops
 * (silverman-dim: sqrt(d) times that);
 * scaling the data by 8 (exact in fp32) leaves the Gram matrix as it is (the
 * literal rule does not); coinciding samples give all ones and sigma 0. */
static void scaled_silverman_rule(void **state)
{
    (void)state;
    im_context *ctx = tu_ctx(1.01);
    uint64_t seed = 91;
    size_t n = 20, d = 6;
    float *x = tu_randn(&seed, n, d), *y = malloc(n * d * sizeof(float));
    assert_non_null(y);
    double var = 0.0;
    for (size_t j = 0; j < d; j++) {
        double m = 0.0;
        for (size_t i = 0; i < n; i++)
            m += x[i * d + j] / (double)n;
        for (size_t i = 0; i < n; i++)
            var += (x[i * d + j] - m) * (x[i * d + j] - m) / ((double)n * (double)d);
    }
    for (size_t e = 0; e < n * d; e++)
        y[e] = 8.0f * x[e];
    double K[400], K10[400], L[400], L10[400], s, s10;
    im_width w = {.rule = IM_WIDTH_SILVERMAN_SCALED, .param = 5.0},
             lit = {.rule = IM_WIDTH_SILVERMAN, .param = 5.0};
    assert_int_equal(im_gram_rbf(ctx, x, n, d, d, w, K, &s), IM_OK);
    tu_close(s, 5.0 * sqrt(var) * pow((double)n, -1.0 / (4.0 + (double)d)), 0, 1e-12);
    assert_int_equal(im_gram_rbf(ctx, y, n, d, d, w, K10, &s10), IM_OK);
    tu_close(s10, 8.0 * s, 0, 1e-12);
    double sd;
    im_width dim = {.rule = IM_WIDTH_SILVERMAN_DIM, .param = 5.0};
    assert_int_equal(im_gram_rbf(ctx, x, n, d, d, dim, L, &sd), IM_OK);
    tu_close(sd, sqrt((double)d) * s, 0, 1e-12);
    assert_int_equal(im_gram_rbf(ctx, x, n, d, d, lit, L, NULL), IM_OK);
    assert_int_equal(im_gram_rbf(ctx, y, n, d, d, lit, L10, NULL), IM_OK);
    double worst = 0.0, moved = 0.0;
    for (size_t e = 0; e < n * n; e++) {
        worst = fmax(worst, fabs(K[e] - K10[e]));
        moved = fmax(moved, fabs(L[e] - L10[e]));
    }
    assert_true(worst <= 1e-12);
    assert_true(moved > 0.1);
    for (size_t e = 0; e < n * d; e++)
        y[e] = 0.25f;
    assert_int_equal(im_gram_rbf(ctx, y, n, d, d, w, K, &s), IM_OK);
    assert_true(s == 0.0);
    for (size_t e = 0; e < n * n; e++)
        assert_true(K[e] == 1.0);
    free(x);
    free(y);
    im_context_destroy(ctx);
}

/* im_gram_rbf_maps: each map's matrix is that of im_gram_rbf on that
 * variable's columns, bit for bit, and the width is the mean of theirs
 * (silverman-dim: the layer's, shared); ld < C*d is refused. */
static void maps_are_per_variable_grams(void **state)
{
    (void)state;
    im_context *ctx = tu_ctx(1.01);
    uint64_t seed = 77;
    size_t n = 12, C = 3, d = 4, ld = C * d + 2;
    float *x = tu_randn(&seed, n, ld);
    double K[3 * 144], one[144], mean, s1, sum = 0.0;
    im_width w = {.rule = IM_WIDTH_MEDIAN, .param = 0.3};
    assert_int_equal(im_gram_rbf_maps(ctx, x, n, C, d, ld, w, K, &mean), IM_OK);
    for (size_t c = 0; c < C; c++) {
        assert_int_equal(im_gram_rbf(ctx, x + c * d, n, d, ld, w, one, &s1), IM_OK);
        assert_memory_equal(one, K + c * n * n, sizeof one);
        sum += s1;
    }
    tu_close(mean, sum / (double)C, 1e-15, 0);
    /* silverman-dim: every map at the layer's width, so the product of the
     * maps' matrices is the layer's RBF matrix at that width. */
    im_width dim = {.rule = IM_WIDTH_SILVERMAN_DIM, .param = 1.0}, whole;
    assert_int_equal(im_gram_rbf_maps(ctx, x, n, C, d, ld, dim, K, &mean), IM_OK);
    assert_int_equal(im_gram_rbf(ctx, x, n, C * d, ld, dim, one, &s1), IM_OK);
    tu_close(mean, s1, 1e-12, 0);
    whole = (im_width){.rule = IM_WIDTH_FIXED, .param = s1};
    assert_int_equal(im_gram_rbf(ctx, x, n, C * d, ld, whole, one, NULL), IM_OK);
    for (size_t e = 0; e < n * n; e++)
        tu_close(K[e] * K[n * n + e] * K[2 * n * n + e], one[e], 1e-12, 0);
    assert_int_equal(im_gram_rbf_maps(ctx, x, n, C, d, C * d - 1, w, K, NULL), IM_ERR_ARG);
    assert_non_null(strstr(im_context_error(ctx), "ld >= C*d"));
    free(x);
    im_context_destroy(ctx);
}

/* Kernel alignment of the width-sigma RBF matrix of x (n, d) with the label
 * kernel of y, over the whole matrix, from direct_k. */
static double direct_alignment(const float *x, const int32_t *y, size_t n, size_t d, double sigma)
{
    double kl = 0.0, kk = 0.0, ll = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double k = direct_k(x, d, i, j, sigma), l = y[i] == y[j];
            kl += k * l;
            kk += k * k;
            ll += l * l;
        }
    return kl / sqrt(kk * ll);
}

/* n samples of d coordinates around class means 1.5 * label (4 classes). */
static float *clustered(uint64_t *seed, size_t n, size_t d, int32_t *y)
{
    float *x = tu_randn(seed, n, d);
    for (size_t i = 0; i < n; i++) {
        y[i] = (int32_t)(i % 4);
        for (size_t k = 0; k < d; k++)
            x[i * d + k] += 1.5f * (float)y[i];
    }
    return x;
}

/* align: the width is the median distance times 2^(k/16) for a whole k (the
 * grid), no neighbour on the finest grid aligns better (computed here from
 * direct_k), it scales with the data, the running width is the geometric
 * moving average of the search results, each map of im_gram_rbf_maps keeps
 * its own, and no labels is an error. */
static void align_rule(void **state)
{
    (void)state;
    im_context *ctx = tu_ctx(1.01);
    uint64_t seed = 21;
    size_t n = 24, d = 3;
    int32_t y[24];
    float *x = clustered(&seed, n, d, y), *x8 = malloc(n * d * sizeof(float));
    assert_non_null(x8);
    for (size_t e = 0; e < n * d; e++)
        x8[e] = 8.0f * x[e];
    double K[576], s, s8, med;
    im_width w = {.rule = IM_WIDTH_ALIGN, .param = 1.0, .labels = y};
    assert_int_equal(
        im_gram_rbf(ctx, x, n, d, d, (im_width){.rule = IM_WIDTH_MEDIAN, .param = 1.0}, K, &med),
        IM_OK);
    assert_int_equal(im_gram_rbf(ctx, x, n, d, d, w, K, &s), IM_OK);
    double k16 = 16.0 * log2(s / med);
    tu_close(k16, round(k16), 1e-9, 0);
    double step = pow(2.0, 1.0 / 16.0), a = direct_alignment(x, y, n, d, s);
    assert_true(a >= direct_alignment(x, y, n, d, s * step));
    assert_true(a >= direct_alignment(x, y, n, d, s / step));
    tu_close(K[1], direct_k(x, d, 0, 1, s), 1e-12, 0);
    assert_int_equal(im_gram_rbf(ctx, x8, n, d, d, w, K, &s8), IM_OK);
    tu_close(s8, 8.0 * s, 0, 1e-12);
    double run = 0.0, s_run;
    w.running = &run;
    assert_int_equal(im_gram_rbf(ctx, x, n, d, d, w, K, &s_run), IM_OK);
    assert_true(run == s && s_run == s);
    assert_int_equal(im_gram_rbf(ctx, x8, n, d, d, w, K, &s_run), IM_OK);
    tu_close(s_run, exp(0.9 * log(s) + 0.1 * log(s8)), 0, 1e-12);
    tu_close(K[1], direct_k(x8, d, 0, 1, s_run), 1e-12, 0);
    assert_true(run == s_run);
    double runs[2] = {0.0, 0.0}, Km[2 * 576], s0, s1;
    w.running = runs;
    float *xm = tu_randn(&seed, n, 2 * d);
    assert_int_equal(im_gram_rbf_maps(ctx, xm, n, 2, d, 2 * d, w, Km, NULL), IM_OK);
    w.running = NULL;
    assert_int_equal(im_gram_rbf(ctx, xm, n, d, 2 * d, w, K, &s0), IM_OK);
    assert_int_equal(im_gram_rbf(ctx, xm + d, n, d, 2 * d, w, K, &s1), IM_OK);
    assert_true(runs[0] == s0 && runs[1] == s1);
    w.labels = NULL;
    assert_int_equal(im_gram_rbf(ctx, x, n, d, d, w, K, NULL), IM_ERR_ARG);
    assert_non_null(strstr(im_context_error(ctx), "labels"));
    free(xm);
    free(x8);
    free(x);
    im_context_destroy(ctx);
}

/* Rule names: parse and name are inverses over the six rules, and other
 * names or values are refused. */
static void rule_names(void **state)
{
    (void)state;
    const char *names[] = {"silverman", "silverman-scaled", "silverman-dim",
                           "median",    "fixed",            "align"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        im_width_rule r;
        assert_int_equal(im_width_rule_parse(names[i], &r), 1);
        assert_string_equal(im_width_rule_name(r), names[i]);
    }
    im_width_rule r = IM_WIDTH_FIXED;
    assert_int_equal(im_width_rule_parse("Silverman", &r), 0);
    assert_int_equal(im_width_rule_parse(NULL, &r), 0);
    assert_int_equal(r, IM_WIDTH_FIXED);
    assert_null(im_width_rule_name((im_width_rule)99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(silverman_formula),
        cmocka_unit_test(rbf_matches_direct),
        cmocka_unit_test(rbf_accurate_far_from_origin),
        cmocka_unit_test(rbf_strided),
        cmocka_unit_test(median_rule),
        cmocka_unit_test(median_rule_degenerate),
        cmocka_unit_test(maps_are_per_variable_grams),
        cmocka_unit_test(scaled_silverman_rule),
        cmocka_unit_test(align_rule),
        cmocka_unit_test(labels_kernel),
        cmocka_unit_test(normalize_def1),
        cmocka_unit_test(nonfinite_and_bad_args),
        cmocka_unit_test(rule_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
