/* Information quantities: properties the paper states or that follow from
 * the definitions (Corollary 1, symmetry, DPI on a Markov chain, invariance
 * to the order of samples), exact identities of the delta kernel, and the
 * pair quantities checked against their definitions term by term. */
#include <string.h>
#include "testutil.h"

static const double alphas[] = {0.5, 1.0, 1.01, 2.0, 3.0};

/* Corollary 1: max_c S(Ac) <= S(A1 o..o AC) <= sum_c S(Ac), on random PSD
 * Gram matrices (random data, dimensions and widths). */
static void corollary1(void **state)
{
    (void)state;
    uint64_t seed = 21;
    size_t n = 30;
    for (size_t a = 0; a < 5; a++) {
        im_context *ctx = tu_ctx(alphas[a]);
        for (int trial = 0; trial < 6; trial++) {
            size_t C = 2 + (size_t)trial % 3;
            double *K[4], S[4], Sj, mx = 0, sum = 0;
            for (size_t c = 0; c < C; c++) {
                size_t d = 1 + (size_t)(tu_unif(&seed) * 12);
                float *x = tu_randn(&seed, n, d);
                K[c] = tu_gram(ctx, x, n, d, 0.3 + 3.0 * tu_unif(&seed));
                free(x);
                assert_int_equal(im_entropy(ctx, K[c], n, &S[c]), IM_OK);
                mx = fmax(mx, S[c]);
                sum += S[c];
            }
            assert_int_equal(im_joint_entropy(ctx, (const double *const *)K, C, n, &Sj), IM_OK);
            assert_true(Sj >= mx - 1e-9);
            assert_true(Sj <= sum + 1e-9);
            for (size_t c = 0; c < C; c++)
                free(K[c]);
        }
        im_context_destroy(ctx);
    }
}

static void symmetry_and_self_information(void **state)
{
    (void)state;
    uint64_t seed = 23;
    size_t n = 40;
    float *x = tu_randn(&seed, n, 6), *z = tu_randn(&seed, n, 3);
    int32_t y[40];
    for (size_t i = 0; i < n; i++)
        y[i] = (int32_t)(i % 4);
    for (size_t a = 0; a < 5; a++) {
        im_context *ctx = tu_ctx(alphas[a]);
        double *A = tu_gram(ctx, x, n, 6, 2.0), *B = tu_gram(ctx, z, n, 3, 1.0), Iab, Iba;
        assert_int_equal(im_mutual_information(ctx, A, B, n, &Iab), IM_OK);
        assert_int_equal(im_mutual_information(ctx, B, A, n, &Iba), IM_OK);
        tu_close(Iab, Iba, 1e-12, 0);
        /* Delta kernel: Y o Y = Y, so I(Y;Y) = H(Y) exactly (here log2 4). */
        double Ky[1600], Hy, Iyy;
        assert_int_equal(im_gram_labels(ctx, y, n, Ky), IM_OK);
        assert_int_equal(im_entropy(ctx, Ky, n, &Hy), IM_OK);
        assert_int_equal(im_mutual_information(ctx, Ky, Ky, n, &Iyy), IM_OK);
        tu_close(Hy, 2.0, 1e-10, 0);
        tu_close(Iyy, Hy, 1e-10, 0);
        /* RBF: A o A is the kernel at sigma/sqrt(2), so I(X;X) = 2S(A) - S(A o A)
         * <= H(X) by Corollary 1, with equality when the samples are far apart
         * (A -> I). */
        double Hx, Ixx;
        assert_int_equal(im_entropy(ctx, A, n, &Hx), IM_OK);
        assert_int_equal(im_mutual_information(ctx, A, A, n, &Ixx), IM_OK);
        assert_true(Ixx <= Hx + 1e-10);
        double *N = tu_gram(ctx, x, n, 6, 1e-3);
        assert_int_equal(im_entropy(ctx, N, n, &Hx), IM_OK);
        assert_int_equal(im_mutual_information(ctx, N, N, n, &Ixx), IM_OK);
        tu_close(Hx, log2((double)n), 1e-9, 0);
        tu_close(Ixx, Hx, 1e-9, 0);
        free(N);
        free(A);
        free(B);
        im_context_destroy(ctx);
    }
    free(x);
    free(z);
}

/* Permuting the samples of every variable together changes nothing. */
static void sample_permutation_invariance(void **state)
{
    (void)state;
    uint64_t seed = 29;
    size_t n = 36, d = 5, C = 3;
    float *x = tu_randn(&seed, n, d), *t = tu_randn(&seed, n, C * d);
    float *xp = malloc(n * d * sizeof(float)), *tp = malloc(n * C * d * sizeof(float));
    size_t perm[36];
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(tu_unif(&seed) * (double)(i + 1)), s = perm[i];
        perm[i] = perm[j];
        perm[j] = s;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(xp + i * d, x + perm[i] * d, d * sizeof(float));
        memcpy(tp + i * C * d, t + perm[i] * C * d, C * d * sizeof(float));
    }
    im_context *ctx = tu_ctx(1.01);
    double res[2][3];
    for (int v = 0; v < 2; v++) {
        const float *xx = v ? xp : x, *tt = v ? tp : t;
        double *Kx = malloc(n * n * sizeof(double)), *Kt = malloc(C * n * n * sizeof(double));
        const double *Tm[3];
        im_width w = {.rule = IM_WIDTH_SILVERMAN, .param = 5.0};
        assert_int_equal(im_gram_rbf(ctx, xx, n, d, d, w, Kx, NULL), IM_OK);
        for (size_t c = 0; c < C; c++) {
            assert_int_equal(im_gram_rbf(ctx, tt + c * d, n, d, C * d, w, Kt + c * n * n, NULL),
                             IM_OK);
            Tm[c] = Kt + c * n * n;
        }
        im_pid pid;
        const double *tg[1] = {Kx};
        assert_int_equal(im_mmi(ctx, Kx, Tm, C, n, &res[v][0], NULL, NULL), IM_OK);
        assert_int_equal(im_pid_pairs(ctx, tg, 1, Tm, C, n, &pid, NULL), IM_OK);
        assert_int_equal(im_entropy(ctx, Kx, n, &res[v][2]), IM_OK);
        res[v][1] = pid.rs;
        free(Kx);
        free(Kt);
    }
    for (int q = 0; q < 3; q++)
        tu_close(res[1][q], res[0][q], 1e-9, 1e-9);
    im_context_destroy(ctx);
    free(x);
    free(t);
    free(xp);
    free(tp);
}

/* DPI: X -> T1 = tanh(W X) -> T2 = sign of T1's first two units, a
 * clearly lossy map (at most 4 distinct values).  The estimator must give
 * I(X;T1) >= I(X;T2), for the paper's alpha and widths (h = 5). */
static void dpi_on_markov_chain(void **state)
{
    (void)state;
    uint64_t seed = 31;
    size_t n = 64, d = 10, m = 6;
    float *x = tu_randn(&seed, n, d), *t1 = malloc(n * m * sizeof(float)),
          *t2 = malloc(n * m * sizeof(float));
    double W[60];
    for (size_t k = 0; k < m * d; k++)
        W[k] = tu_normal(&seed) / sqrt((double)d);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < m; k++) {
            double s = 0;
            for (size_t j = 0; j < d; j++)
                s += W[k * d + j] * x[i * d + j];
            t1[i * m + k] = (float)tanh(s);
            t2[i * m + k] = k < 2 ? (t1[i * m + k] > 0 ? 1.0f : -1.0f) : 0.0f;
        }
    for (size_t a = 0; a < 5; a++) {
        im_context *ctx = tu_ctx(alphas[a]);
        double *K[3] = {malloc(n * n * 8), malloc(n * n * 8), malloc(n * n * 8)}, I1, I2;
        im_width w = {.rule = IM_WIDTH_SILVERMAN, .param = 5.0};
        assert_int_equal(im_gram_rbf(ctx, x, n, d, d, w, K[0], NULL), IM_OK);
        assert_int_equal(im_gram_rbf(ctx, t1, n, m, m, w, K[1], NULL), IM_OK);
        assert_int_equal(im_gram_rbf(ctx, t2, n, m, m, w, K[2], NULL), IM_OK);
        assert_int_equal(im_mutual_information(ctx, K[0], K[1], n, &I1), IM_OK);
        assert_int_equal(im_mutual_information(ctx, K[0], K[2], n, &I2), IM_OK);
        if (!(I1 > I2))
            fail_msg("alpha %g: I(X;T1) = %g, I(X;T2) = %g", alphas[a], I1, I2);
        for (int k = 0; k < 3; k++)
            free(K[k]);
        im_context_destroy(ctx);
    }
    free(x);
    free(t1);
    free(t2);
}

/* Pair quantities against Eqs. 11-12 evaluated term by term with
 * im_mutual_information and im_mmi; r + w = I(X;{Ti,Tj}), so the two
 * percentages add up to 1. */
static void pid_matches_definitions(void **state)
{
    (void)state;
    uint64_t seed = 37;
    size_t n = 28, C = 4, d = 6;
    float *x = tu_randn(&seed, n, d);
    int32_t y[28];
    for (size_t i = 0; i < n; i++)
        y[i] = (int32_t)(i % 3);
    for (size_t a = 0; a < 5; a++) {
        im_context *ctx = tu_ctx(alphas[a]);
        double *Kx = tu_gram(ctx, x, n, d, 3.0), *Ky = malloc(n * n * 8), *Kt[4];
        assert_int_equal(im_gram_labels(ctx, y, n, Ky), IM_OK);
        for (size_t c = 0; c < C; c++) {
            float *t = malloc(n * 3 * sizeof(float));
            for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < 3; k++)
                    t[i * 3 + k] = x[i * d + (c + k) % d] + 0.3f * (float)tu_normal(&seed);
            Kt[c] = tu_gram(ctx, t, n, 3, 1.0 + 0.2 * (double)c);
            free(t);
        }
        const double *targets[2] = {Kx, Ky};
        im_pid pid[2];
        double single[8];
        assert_int_equal(
            im_pid_pairs(ctx, targets, 2, (const double *const *)Kt, C, n, pid, single), IM_OK);
        for (int k = 0; k < 2; k++) {
            double Ii[4], rs = 0, wnr = 0, rp = 0, wp = 0;
            for (size_t c = 0; c < C; c++) {
                assert_int_equal(im_mutual_information(ctx, targets[k], Kt[c], n, &Ii[c]), IM_OK);
                tu_close(single[k * C + c], Ii[c], 1e-10, 0);
            }
            for (size_t i = 0; i < C; i++)
                for (size_t j = i + 1; j < C; j++) {
                    const double *pair[2] = {Kt[i], Kt[j]};
                    double Iij;
                    assert_int_equal(im_mmi(ctx, targets[k], pair, 2, n, &Iij, NULL, NULL), IM_OK);
                    double r = Ii[i] + Ii[j] - Iij, w = 2 * Iij - Ii[i] - Ii[j];
                    rs += r / 6;
                    wnr += w / 6;
                    rp += r / Iij / 6;
                    wp += w / Iij / 6;
                }
            tu_close(pid[k].rs, rs, 1e-10, 1e-9);
            tu_close(pid[k].wnr, wnr, 1e-10, 1e-9);
            tu_close(pid[k].rs_pct, rp, 1e-10, 1e-9);
            tu_close(pid[k].wnr_pct, wp, 1e-10, 1e-9);
            tu_close(pid[k].rs_pct + pid[k].wnr_pct, 1.0, 1e-10, 0);
        }
        for (size_t c = 0; c < C; c++)
            free(Kt[c]);
        free(Kx);
        free(Ky);
        im_context_destroy(ctx);
    }
    free(x);
}

/* CMI: with an empty condition it is the MI; conditioning on the labels
 * themselves leaves nothing (Y o Y = Y); MMI of a single variable is MI. */
static void cmi_identities(void **state)
{
    (void)state;
    uint64_t seed = 41;
    size_t n = 30;
    float *x = tu_randn(&seed, n, 4), *z = tu_randn(&seed, n, 2);
    int32_t y[30];
    for (size_t i = 0; i < n; i++)
        y[i] = x[i * 4] > 0;
    for (size_t a = 0; a < 5; a++) {
        im_context *ctx = tu_ctx(alphas[a]);
        double *A = tu_gram(ctx, x, n, 4, 2.0), *B = tu_gram(ctx, z, n, 2, 1.0),
               *Y = malloc(n * n * 8), I0, I1, I2, I3;
        assert_int_equal(im_gram_labels(ctx, y, n, Y), IM_OK);
        const double *a1[1] = {A}, *b1[1] = {B}, *y1[1] = {Y};
        assert_int_equal(im_cmi(ctx, a1, 1, b1, 1, NULL, 0, n, &I0), IM_OK);
        assert_int_equal(im_mutual_information(ctx, A, B, n, &I1), IM_OK);
        assert_int_equal(im_mmi(ctx, A, b1, 1, n, &I2, NULL, NULL), IM_OK);
        tu_close(I0, I1, 1e-12, 0);
        tu_close(I2, I1, 1e-12, 0);
        assert_int_equal(im_cmi(ctx, a1, 1, y1, 1, y1, 1, n, &I3), IM_OK);
        tu_close(I3, 0.0, 1e-10, 0);
        free(A);
        free(B);
        free(Y);
        im_context_destroy(ctx);
    }
    free(x);
    free(z);
}

/* Alg. 1: a candidate that carries the labels is kept; a pure-noise
 * candidate (when an informative variable remains) stops the selection. */
static void cmi_permutation_decisions(void **state)
{
    (void)state;
    uint64_t seed = 43;
    size_t n = 48;
    int32_t y[48];
    float *inf = malloc(n * 2 * sizeof(float)), *noise = tu_randn(&seed, n, 2);
    for (size_t i = 0; i < n; i++) {
        y[i] = (int32_t)(i % 3);
        inf[2 * i] = (float)y[i] + 0.05f * (float)tu_normal(&seed);
        inf[2 * i + 1] = 0.05f * (float)tu_normal(&seed);
    }
    im_context *ctx = tu_ctx(1.01);
    double *Ki = tu_gram(ctx, inf, n, 2, 0.5), *Kn = tu_gram(ctx, noise, n, 2, 0.5),
           *Ky = malloc(n * n * 8);
    assert_int_equal(im_gram_labels(ctx, y, n, Ky), IM_OK);
    const double *Tr[2] = {Ki, Kn};
    im_cmi_perm r;
    assert_int_equal(im_cmi_permutation(ctx, NULL, 0, Tr, 2, 0, Ky, n, 50, 0.05, 1, &r), IM_OK);
    assert_true(r.keep);
    assert_true(r.fraction <= 0.05);
    /* Its CMI equals the definition I({Kn}; Y | {Ki}). */
    double want;
    const double *a1[1] = {Kn}, *b1[1] = {Ky}, *c1[1] = {Ki};
    assert_int_equal(im_cmi(ctx, a1, 1, b1, 1, c1, 1, n, &want), IM_OK);
    tu_close(r.cmi, want, 1e-12, 0);
    assert_int_equal(im_cmi_permutation(ctx, NULL, 0, Tr, 2, 1, Ky, n, 50, 0.05, 1, &r), IM_OK);
    assert_false(r.keep);
    assert_true(r.fraction > 0.05);
    /* Same seed, same answer. */
    im_cmi_perm r2;
    assert_int_equal(im_cmi_permutation(ctx, NULL, 0, Tr, 2, 1, Ky, n, 50, 0.05, 1, &r2), IM_OK);
    assert_true(r2.fraction == r.fraction);
    assert_int_equal(im_cmi_permutation(ctx, NULL, 0, Tr, 2, 2, Ky, n, 50, 0.05, 1, &r),
                     IM_ERR_ARG);
    free(Ki);
    free(Kn);
    free(Ky);
    free(inf);
    free(noise);
    im_context_destroy(ctx);
}

/* Alg. 1 over several batches: each conditional MI equals im_cmi's on the
 * full factor lists (the sets are multiplied out inside), B = 1 is
 * im_cmi_permutation, and the means over two batches are the means of
 * each batch alone with its own seed (seed + b). */
static void cmi_permutation_mean(void **state)
{
    (void)state;
    uint64_t seed = 53;
    size_t n = 24, P = 20, nS = 2, nR = 4, t = 1;
    im_context *ctx = tu_ctx(1.01);
    double *K[2][6], *Ky[2];
    im_cmi_perm_batch b[2];
    for (size_t k = 0; k < 2; k++) {
        int32_t y[24];
        for (size_t i = 0; i < n; i++)
            y[i] = (int32_t)((i + k) % 3);
        for (size_t c = 0; c < 6; c++) {
            float *x = tu_randn(&seed, n, 2);
            for (size_t i = 0; i < n; i++)
                x[2 * i] += (c % 2) ? (float)y[i] : 0.0f;
            K[k][c] = tu_gram(ctx, x, n, 2, 1.0);
            free(x);
        }
        Ky[k] = malloc(n * n * sizeof(double));
        assert_int_equal(im_gram_labels(ctx, y, n, Ky[k]), IM_OK);
        b[k] = (im_cmi_perm_batch){(const double *const *)K[k], (const double *const *)K[k] + nS,
                                   Ky[k]};
    }
    im_cmi_perm one[2], two, ref;
    double p1[2][20], p2[20], want;
    for (size_t k = 0; k < 2; k++) {
        assert_int_equal(
            im_cmi_permutation_mean(ctx, &b[k], 1, nS, nR, t, n, P, 0.05, 7 + k, &one[k], p1[k]),
            IM_OK);
        const double *A[3] = {b[k].Tr[0], b[k].Tr[2], b[k].Tr[3]}, *C[3] = {b[k].Ts[0],
                                                                              b[k].Ts[1],
                                                                              b[k].Tr[t]};
        assert_int_equal(im_cmi(ctx, A, 3, &b[k].Y, 1, C, 3, n, &want), IM_OK);
        tu_close(one[k].cmi, want, 1e-10, 0);
    }
    assert_int_equal(im_cmi_permutation(ctx, b[0].Ts, nS, b[0].Tr, nR, t, Ky[0], n, P, 0.05, 7,
                                        &ref),
                     IM_OK);
    assert_true(ref.cmi == one[0].cmi && ref.fraction == one[0].fraction);
    assert_int_equal(im_cmi_permutation_mean(ctx, b, 2, nS, nR, t, n, P, 0.05, 7, &two, p2), IM_OK);
    tu_close(two.cmi, (one[0].cmi + one[1].cmi) / 2, 1e-12, 0);
    size_t ge = 0;
    for (size_t p = 0; p < P; p++) {
        tu_close(p2[p], (p1[0][p] + p1[1][p]) / 2, 1e-12, 0);
        ge += two.cmi >= p2[p];
    }
    assert_true(two.fraction == (double)ge / (double)P);
    assert_int_equal(two.keep, two.fraction <= 0.05);
    assert_int_equal(im_cmi_permutation_mean(ctx, b, 0, nS, nR, t, n, P, 0.05, 7, &two, p2),
                     IM_ERR_ARG);
    for (size_t k = 0; k < 2; k++) {
        for (size_t c = 0; c < 6; c++)
            free(K[k][c]);
        free(Ky[k]);
    }
    im_context_destroy(ctx);
}

static void ib_objective(void **state)
{
    (void)state;
    uint64_t seed = 47;
    size_t n = 32, C = 3;
    float *x = tu_randn(&seed, n, 5);
    int32_t y[32];
    for (size_t i = 0; i < n; i++)
        y[i] = x[i * 5] > 0;
    im_context *ctx = tu_ctx(1.01);
    double *Kx = tu_gram(ctx, x, n, 5, 2.0), *Ky = malloc(n * n * 8), *Kt[3];
    assert_int_equal(im_gram_labels(ctx, y, n, Ky), IM_OK);
    for (size_t c = 0; c < C; c++) {
        float *t = malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++)
            t[i] = x[i * 5 + c];
        Kt[c] = tu_gram(ctx, t, n, 1, 0.5);
        free(t);
    }
    double ib[3], ixt[3], ity[3], ib2[3];
    assert_int_equal(
        im_ib_objective(ctx, Kx, Ky, (const double *const *)Kt, C, n, 2.0, ib, ixt, ity), IM_OK);
    assert_int_equal(
        im_ib_objective(ctx, Kx, Ky, (const double *const *)Kt, C, n, 0.5, ib2, NULL, NULL), IM_OK);
    for (size_t c = 0; c < C; c++) {
        double a, b;
        assert_int_equal(im_mutual_information(ctx, Kx, Kt[c], n, &a), IM_OK);
        assert_int_equal(im_mutual_information(ctx, Kt[c], Ky, n, &b), IM_OK);
        tu_close(ixt[c], a, 1e-12, 0);
        tu_close(ity[c], b, 1e-12, 0);
        tu_close(ib[c], a - 2.0 * b, 1e-12, 0);
        tu_close(ib2[c], a - 0.5 * b, 1e-12, 0);
        free(Kt[c]);
    }
    /* Channel 0 determines the labels, so it is the most important (smallest). */
    assert_true(ib[0] < ib[1] && ib[0] < ib[2]);
    free(Kx);
    free(Ky);
    free(x);
    im_context_destroy(ctx);
}

/* I(B;T) from single entropies: S(B) + S(T1 o..o TC) - S(T1 o..o TC o B),
 * each through its own im_entropy / im_joint_entropy call. */
static double mmi_by_definition(im_context *ctx, const double *B, const double *const *T, size_t C,
                                size_t n, double *sB, double *sT)
{
    const double *tb[4];
    double sTB;
    assert_true(C < 4);
    for (size_t c = 0; c < C; c++)
        tb[c] = T[c];
    tb[C] = B;
    assert_int_equal(im_joint_entropy(ctx, T, C, n, sT), IM_OK);
    assert_int_equal(im_entropy(ctx, B, n, sB), IM_OK);
    assert_int_equal(im_joint_entropy(ctx, tb, C + 1, n, &sTB), IM_OK);
    return *sB + *sT - sTB;
}

/* im_mmi_sets: two variable sets (3 and 2 maps) with two and one targets
 * give, in one batch, what the definitions give from single entropies, and
 * a cached S(target) is taken as given. */
static void mmi_sets_match_definitions(void **state)
{
    (void)state;
    uint64_t seed = 41;
    size_t n = 24, d = 5;
    for (size_t a = 0; a < 5; a++) {
        im_context *ctx = tu_ctx(alphas[a]);
        double *K[7];
        for (int v = 0; v < 7; v++) {
            float *x = tu_randn(&seed, n, d);
            K[v] = tu_gram(ctx, x, n, d, 1.0 + tu_unif(&seed));
            free(x);
        }
        const double *T1[3] = {K[0], K[1], K[2]}, *T2[2] = {K[3], K[4]};
        const double *B1[2] = {K[5], K[6]}, *B2[1] = {K[6]};
        double sb1[2] = {NAN, NAN}, sb2[1] = {NAN}, mi1[2], mi2[1], st1, st2;
        im_mmi_set sets[2] = {{T1, 3, B1, 2, sb1, &st1, mi1}, {T2, 2, B2, 1, sb2, &st2, mi2}};
        assert_int_equal(im_mmi_sets(ctx, sets, 2, n), IM_OK);
        const im_mmi_set *q[3] = {&sets[0], &sets[0], &sets[1]};
        size_t k[3] = {0, 1, 0};
        for (int j = 0; j < 3; j++) {
            double sB, sT,
                want = mmi_by_definition(ctx, q[j]->targets[k[j]], q[j]->T, q[j]->C, n, &sB, &sT);
            tu_close(q[j]->mi[k[j]], want, 1e-12, 0);
            tu_close(q[j]->S_target[k[j]], sB, 1e-12, 0);
            tu_close(*q[j]->S_T, sT, 1e-12, 0);
        }
        /* A cached S(target) is used as given. */
        double cached = sb2[0] + 0.5, mi3;
        im_mmi_set again = {T2, 2, B2, 1, &cached, NULL, &mi3};
        assert_int_equal(im_mmi_sets(ctx, &again, 1, n), IM_OK);
        tu_close(cached, sb2[0] + 0.5, 0, 0);
        tu_close(mi3, mi2[0] + 0.5, 1e-12, 0);
        again.C = 0;
        assert_int_equal(im_mmi_sets(ctx, &again, 1, n), IM_ERR_ARG);
        assert_non_null(strstr(im_context_error(ctx), "C = 0"));
        for (int v = 0; v < 7; v++)
            free(K[v]);
        im_context_destroy(ctx);
    }
}

/* A dead map (its samples coincide: the all-ones Gram matrix) changes
 * nothing: I(X;T), S(T) and the PID means equal those without it, to
 * 1e-12, under every alpha. */
static void dead_map_is_neutral(void **state)
{
    (void)state;
    uint64_t seed = 61;
    size_t n = 24, d = 4;
    double *ones = malloc(n * n * sizeof(double));
    assert_non_null(ones);
    for (size_t e = 0; e < n * n; e++)
        ones[e] = 1.0;
    for (size_t a = 0; a < 5; a++) {
        im_context *ctx = tu_ctx(alphas[a]);
        double *K[4];
        for (int v = 0; v < 4; v++) {
            float *x = tu_randn(&seed, n, d);
            K[v] = tu_gram(ctx, x, n, d, 1.5);
            free(x);
        }
        const double *live[3] = {K[1], K[2], K[3]}, *with[4] = {K[1], ones, K[2], K[3]};
        const double *targets[1] = {K[0]};
        double m3, m4, s3, s4;
        assert_int_equal(im_mmi(ctx, K[0], live, 3, n, &m3, NULL, &s3), IM_OK);
        assert_int_equal(im_mmi(ctx, K[0], with, 4, n, &m4, NULL, &s4), IM_OK);
        tu_close(m4, m3, 1e-12, 0);
        tu_close(s4, s3, 1e-12, 0);
        im_pid p3, p4;
        assert_int_equal(im_pid_pairs(ctx, targets, 1, live, 3, n, &p3, NULL), IM_OK);
        assert_int_equal(im_pid_pairs(ctx, targets, 1, with, 4, n, &p4, NULL), IM_OK);
        tu_close(p4.rs, p3.rs, 1e-12, 0);
        tu_close(p4.wnr, p3.wnr, 1e-12, 0);
        tu_close(p4.rs_pct, p3.rs_pct, 1e-12, 0);
        tu_close(p4.wnr_pct, p3.wnr_pct, 1e-12, 0);
        assert_true(p3.pairs == 3 && p4.pairs == 3 && p4.informative == p3.informative);
        /* Only dead maps: no pair, finite zeros, counted as over nothing. */
        const double *dead[2] = {ones, ones};
        assert_int_equal(im_pid_pairs(ctx, targets, 1, dead, 2, n, &p4, NULL), IM_OK);
        assert_true(p4.rs == 0 && p4.wnr == 0 && p4.rs_pct == 0 && p4.wnr_pct == 0);
        assert_true(p4.pairs == 0 && p4.informative == 0);
        for (int v = 0; v < 4; v++)
            free(K[v]);
        im_context_destroy(ctx);
    }
    free(ones);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corollary1),
        cmocka_unit_test(symmetry_and_self_information),
        cmocka_unit_test(sample_permutation_invariance),
        cmocka_unit_test(dpi_on_markov_chain),
        cmocka_unit_test(pid_matches_definitions),
        cmocka_unit_test(cmi_identities),
        cmocka_unit_test(cmi_permutation_decisions),
        cmocka_unit_test(cmi_permutation_mean),
        cmocka_unit_test(ib_objective),
        cmocka_unit_test(mmi_sets_match_definitions),
        cmocka_unit_test(dead_map_is_neutral),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
