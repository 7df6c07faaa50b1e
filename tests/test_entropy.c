/* Entropy of single matrices and batches: the known answers of DESIGN.md
 * section 2 (computed independently in tests/ref_renyi.py and by hand),
 * closed forms (I/n, block matrices, all-ones), and batch = one at a time. */
#include <string.h>
#include "testutil.h"

static const double K3[9] = {1, .9, 0, .9, 1, 0, 0, 0, 1};

static void known_answers(void **state)
{
    (void)state;
    const struct {
        double alpha, H;
    } cases[] = {
        {0.5, 1.275215}, {1.0, 1.109227}, {1.01, 1.106869}, {2.0, 0.962032}, {3.0, 0.890179},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        im_context *ctx = tu_ctx(cases[i].alpha);
        double S;
        assert_int_equal(im_entropy(ctx, K3, 3, &S), IM_OK);
        tu_close(S, cases[i].H, 1e-6, 0);
        im_context_destroy(ctx);
    }
}

/* Eigenvalues of K3/3 are (1 - .9)/3, 1/3, (1 + .9)/3. */
static void eigenvalues_returned(void **state)
{
    (void)state;
    im_context *ctx = tu_ctx(2.0);
    double S, eig[3];
    assert_int_equal(im_entropy_batch(ctx, K3, 1, 3, &S, eig), IM_OK);
    tu_close(eig[0], 0.1 / 3, 1e-14, 0);
    tu_close(eig[1], 1.0 / 3, 1e-14, 0);
    tu_close(eig[2], 1.9 / 3, 1e-14, 0);
    /* alpha = 2 through eigenvalues equals the Frobenius fast path. */
    double Sf;
    assert_int_equal(im_entropy(ctx, K3, 3, &Sf), IM_OK);
    tu_close(Sf, S, 1e-13, 0);
    tu_close(S, -log2(eig[0] * eig[0] + eig[1] * eig[1] + eig[2] * eig[2]), 1e-13, 0);
    im_context_destroy(ctx);
}

static const double alphas[] = {0.5, 1.0, 1.01, 2.0, 3.0};

/* S_alpha(I/n) = log2 n for every alpha; scaling M does not matter (trace
 * normalization). */
static void identity_is_log2_n(void **state)
{
    (void)state;
    size_t n = 37;
    double *M = calloc(n * n, sizeof(double));
    for (size_t i = 0; i < n; i++)
        M[i * n + i] = 4.5;
    for (size_t a = 0; a < 5; a++) {
        im_context *ctx = tu_ctx(alphas[a]);
        double S;
        assert_int_equal(im_entropy(ctx, M, n, &S), IM_OK);
        tu_close(S, log2((double)n), 1e-12, 0);
        im_context_destroy(ctx);
    }
    free(M);
}

/* k all-ones diagonal blocks of equal size give log2 k; all-ones gives 0. */
static void blocks_give_log2_k(void **state)
{
    (void)state;
    size_t n = 24;
    double *M = malloc(n * n * sizeof(double));
    const size_t ks[] = {1, 2, 3, 4, 6, 8, 12, 24};
    for (size_t a = 0; a < 5; a++) {
        im_context *ctx = tu_ctx(alphas[a]);
        for (size_t q = 0; q < sizeof ks / sizeof ks[0]; q++) {
            size_t k = ks[q], bs = n / k;
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n; j++)
                    M[i * n + j] = (i / bs == j / bs) ? 1.0 : 0.0;
            double S;
            assert_int_equal(im_entropy(ctx, M, n, &S), IM_OK);
            tu_close(S, log2((double)k), 1e-10, 0);
        }
        im_context_destroy(ctx);
    }
    free(M);
}

/* Unequal blocks: the spectrum of the normalized matrix is the block
 * fractions p_k, so S_alpha is the classical Renyi entropy of p. */
static void unequal_blocks_closed_form(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 3, 6};
    size_t n = 10;
    double *M = calloc(n * n, sizeof(double));
    size_t o = 0;
    for (size_t b = 0; b < 3; b++) {
        for (size_t i = o; i < o + sizes[b]; i++)
            for (size_t j = o; j < o + sizes[b]; j++)
                M[i * n + j] = 1.0;
        o += sizes[b];
    }
    for (size_t a = 0; a < 5; a++) {
        double al = alphas[a], want = 0.0, acc = 0.0;
        for (size_t b = 0; b < 3; b++) {
            double p = (double)sizes[b] / (double)n;
            acc += pow(p, al);
            want -= p * log2(p);
        }
        if (al != 1.0)
            want = log2(acc) / (1.0 - al);
        im_context *ctx = tu_ctx(al);
        double S;
        assert_int_equal(im_entropy(ctx, M, n, &S), IM_OK);
        tu_close(S, want, 1e-10, 0);
        im_context_destroy(ctx);
    }
    free(M);
}

/* Batched entropies equal entropies computed one at a time; products equal
 * an explicit Hadamard product. */
static void batch_equals_single(void **state)
{
    (void)state;
    uint64_t seed = 7;
    size_t n = 40, B = 9, nn = n * n;
    for (size_t a = 0; a < 5; a++) {
        im_context *ctx = tu_ctx(alphas[a]);
        double *M = malloc(B * nn * sizeof(double)), S[9], S1;
        for (size_t b = 0; b < B; b++) {
            float *x = tu_randn(&seed, n, 3 + b);
            double *K = tu_gram(ctx, x, n, 3 + b, 1.0 + 0.5 * (double)b);
            memcpy(M + b * nn, K, nn * sizeof(double));
            free(K);
            free(x);
        }
        assert_int_equal(im_entropy_batch(ctx, M, B, n, S, NULL), IM_OK);
        for (size_t b = 0; b < B; b++) {
            assert_int_equal(im_entropy(ctx, M + b * nn, n, &S1), IM_OK);
            tu_close(S[b], S1, 1e-12, 0);
        }
        /* Products: term 0 = {0,1,2}, term 1 = {3}, term 2 = {4,4}, term 3 = {8,0}. */
        const double *f[9];
        for (size_t b = 0; b < B; b++)
            f[b] = M + b * nn;
        uint32_t off[5] = {0, 3, 4, 6, 8}, idx[8] = {0, 1, 2, 3, 4, 4, 8, 0};
        double Sp[4];
        assert_int_equal(im_entropy_products(ctx, f, B, n, off, idx, 4, Sp), IM_OK);
        double *P = malloc(nn * sizeof(double));
        for (size_t t = 0; t < 4; t++) {
            for (size_t e = 0; e < nn; e++) {
                P[e] = 1.0;
                for (uint32_t k = off[t]; k < off[t + 1]; k++)
                    P[e] *= f[idx[k]][e];
            }
            assert_int_equal(im_entropy(ctx, P, n, &S1), IM_OK);
            tu_close(Sp[t], S1, 1e-12, 0);
        }
        double Sj;
        assert_int_equal(im_joint_entropy(ctx, f, 3, n, &Sj), IM_OK);
        tu_close(Sj, Sp[0], 1e-12, 0);
        free(P);
        free(M);
        im_context_destroy(ctx);
    }
}

/* A larger batch than one scratch chunk (n = 256 -> 64 matrices a chunk). */
static void products_span_chunks(void **state)
{
    (void)state;
    uint64_t seed = 11;
    size_t n = 256, B = 70;
    im_context *ctx = tu_ctx(1.01);
    float *x = tu_randn(&seed, n, 4);
    double *K = tu_gram(ctx, x, n, 4, 1.5);
    const double *f[1] = {K};
    uint32_t *off = malloc((B + 1) * sizeof(uint32_t)), *idx = malloc(B * sizeof(uint32_t));
    double *S = malloc(B * sizeof(double)), S1;
    for (size_t b = 0; b <= B; b++)
        off[b] = (uint32_t)b;
    memset(idx, 0, B * sizeof(uint32_t));
    assert_int_equal(im_entropy_products(ctx, f, 1, n, off, idx, B, S), IM_OK);
    assert_int_equal(im_entropy(ctx, K, n, &S1), IM_OK);
    for (size_t b = 0; b < B; b++)
        tu_close(S[b], S1, 1e-12, 0);
    free(S);
    free(idx);
    free(off);
    free(K);
    free(x);
    im_context_destroy(ctx);
}

/* Every back end, with its stated tolerance (bits) for alpha >= 1 and for
 * alpha < 1 (entropy.h); cuda is left out with a message where it cannot
 * start. */
static const struct {
    const char *name;
    double atol_hi, atol_lo;
} k_backends[] = {{"cpu-ref", 1e-12, 1e-12}, {"cpu", 1e-4, 1e-9}, {"cuda", 1e-4, 1e-6}};

/* Orders whose power sums no spectrum survives in linear form (every
 * lambda^alpha of 5000, 1e6, 1e300 underflows), orders next to Shannon's
 * limit on both sides, and one below 1. */
static const double k_hard_alphas[] = {5000, 1e6, 1e300, 1.0001, 1 + 1e-12, 1 - 1e-12, 0.5};
#define N_HARD (sizeof k_hard_alphas / sizeof k_hard_alphas[0])

/* S_alpha of p = (1/2, 1/4, 1/4), by hand: sum p^alpha = 2^-alpha (1 +
 * 2^(1-alpha)), so with u = (alpha - 1) ln 2, S = 1 - log1p(expm1(-u) / 2) / u:
 * Shannon's 1.5 as alpha -> 1, the min-entropy 1 as alpha -> infinity. */
static double half_quarter_quarter(double alpha)
{
    if (alpha == 1.0)
        return 1.5;
    double u = (alpha - 1.0) * log(2.0);
    return 1.0 - log1p(expm1(-u) / 2.0) / u;
}

/* Three matrices with known spectra: diag(2, 1, 1, 0, 0, 0) (p and three
 * zero eigenvalues, n = 6), the same p with one zero eigenvalue in the
 * basis of the 4x4 Hadamard matrix H/2 (exact in binary: every entry a
 * dyadic fraction, n = 4), and 3 I (n = 37, S = log2 37). */
static void hard_matrices(double *D6, double *R4, double *I37)
{
    static const double d[4] = {2, 1, 1, 0};
    memset(D6, 0, 36 * sizeof(double));
    for (size_t i = 0; i < 4; i++)
        D6[i * 6 + i] = d[i];
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 4; j++) {
            double x = 0.0;
            for (size_t k = 0; k < 4; k++) {
                double hik = __builtin_parity((unsigned)(i & k)) ? -0.5 : 0.5;
                double hjk = __builtin_parity((unsigned)(j & k)) ? -0.5 : 0.5;
                x += hik * d[k] * hjk;
            }
            R4[i * 4 + j] = x;
        }
    memset(I37, 0, 37 * 37 * sizeof(double));
    for (size_t i = 0; i < 37; i++)
        I37[i * 37 + i] = 3.0;
}

/* alpha = 5000, 1e6, 1e300 (where sum lambda^alpha underflows: the entropy
 * was Inf or NaN), next to 1, and 0.5 with zero eigenvalues: every back end
 * gives the closed forms, and a finite number. */
static void hard_alphas_closed_forms(void **state)
{
    (void)state;
    double D6[36], R4[16], *I37 = malloc(37 * 37 * sizeof(double));
    hard_matrices(D6, R4, I37);
    for (size_t b = 0; b < sizeof k_backends / sizeof k_backends[0]; b++)
        for (size_t a = 0; a < N_HARD; a++) {
            double al = k_hard_alphas[a], S[3];
            im_context *ctx = tu_ctx_on(k_backends[b].name, al);
            if (ctx == NULL)
                break;
            double tol = al >= 1.0 ? k_backends[b].atol_hi : k_backends[b].atol_lo;
            assert_int_equal(im_entropy(ctx, D6, 6, &S[0]), IM_OK);
            assert_int_equal(im_entropy(ctx, R4, 4, &S[1]), IM_OK);
            assert_int_equal(im_entropy(ctx, I37, 37, &S[2]), IM_OK);
            tu_close(S[0], half_quarter_quarter(al), tol, 0);
            tu_close(S[1], half_quarter_quarter(al), tol, 0);
            tu_close(S[2], log2(37.0), tol, 0);
            im_context_destroy(ctx);
        }
    free(I37);
}

/* S at alpha on the context's back end. */
static double entropy_at(im_context *ctx, const double *K, size_t n, double alpha)
{
    double S;
    assert_int_equal(im_context_set_alpha(ctx, alpha), IM_OK);
    assert_int_equal(im_entropy(ctx, K, n, &S), IM_OK);
    return S;
}

/* The two log-domain forms meet where they hand over (|alpha - 1| = 1/2):
 * the step of S across the hand-over is the one its slope on one side
 * predicts, to 1e-12 bits; and alpha -> 1 reaches Shannon's limit.  On the
 * Gram matrix of random data. */
static void forms_meet(void **state)
{
    (void)state;
    uint64_t seed = 5;
    size_t n = 50;
    im_context *ctx = tu_ctx(1.0);
    float *x = tu_randn(&seed, n, 3);
    double *K = tu_gram(ctx, x, n, 3, 1.2), h = 1e-9;
    const double at[2] = {0.5, 1.5};
    for (int k = 0; k < 2; k++) {
        double lo = entropy_at(ctx, K, n, at[k] - h), hi = entropy_at(ctx, K, n, at[k] + h);
        double slope = (entropy_at(ctx, K, n, at[k] + 3 * h) - hi) / (2 * h);
        tu_close(hi - lo, 2 * h * slope, 1e-12, 0);
    }
    double S1 = entropy_at(ctx, K, n, 1.0);
    tu_close(entropy_at(ctx, K, n, 1.0 - 1e-12), S1, 1e-11, 0);
    tu_close(entropy_at(ctx, K, n, 1.0 + 1e-12), S1, 1e-11, 0);
    free(K);
    free(x);
    im_context_destroy(ctx);
}

/* im_entropy_from_eigenvalues takes a spectrum over its own sum, and is NaN
 * without a positive eigenvalue. */
static void from_eigenvalues_edges(void **state)
{
    (void)state;
    const double lam[4] = {1.5, 0.75, 0.75, 0.0}, none[3] = {0, 0, 0};
    for (size_t a = 0; a < N_HARD; a++)
        tu_close(im_entropy_from_eigenvalues(lam, 4, k_hard_alphas[a]),
                 half_quarter_quarter(k_hard_alphas[a]), 1e-12, 0);
    assert_true(isnan(im_entropy_from_eigenvalues(none, 3, 2.0)));
}

/* sigma = 1e-155 and 1e-200: 1/(2 sigma^2) overflows, and the Gram matrix
 * is exactly 1 on the diagonal and between coinciding samples, 0
 * elsewhere (it held NaN on the diagonal); for distinct samples it is the
 * identity, so S = log2 n at every alpha. */
static void tiny_sigma_gram(void **state)
{
    (void)state;
    uint64_t seed = 3;
    size_t n = 16, d = 2;
    float *x = tu_randn(&seed, n, d);
    x[15 * d] = x[14 * d];
    x[15 * d + 1] = x[14 * d + 1]; /* samples 14 and 15 coincide */
    const double sigmas[2] = {1e-155, 1e-200};
    for (int k = 0; k < 2; k++) {
        im_context *ctx = tu_ctx(1.01);
        double *K = tu_gram(ctx, x, n, d, sigmas[k]), S;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                assert_true(K[i * n + j] == (i == j || (i >= 14 && j >= 14) ? 1.0 : 0.0));
        double *K15 = tu_gram(ctx, x, n - 1, d, sigmas[k]);
        for (size_t a = 0; a < N_HARD; a++) {
            assert_int_equal(im_context_set_alpha(ctx, k_hard_alphas[a]), IM_OK);
            assert_int_equal(im_entropy(ctx, K15, n - 1, &S), IM_OK);
            tu_close(S, log2(15.0), 1e-12, 0);
        }
        free(K15);
        free(K);
        im_context_destroy(ctx);
    }
    free(x);
}

static void nonfinite_gives_nan(void **state)
{
    (void)state;
    double M[9];
    memcpy(M, K3, sizeof M);
    M[1] = NAN;
    M[3] = NAN;
    for (size_t a = 0; a < 5; a++) {
        im_context *ctx = tu_ctx(alphas[a]);
        double S;
        assert_int_equal(im_entropy(ctx, M, 3, &S), IM_OK);
        assert_true(isnan(S));
        M[1] = M[3] = INFINITY;
        assert_int_equal(im_entropy(ctx, M, 3, &S), IM_OK);
        assert_true(isnan(S));
        M[1] = M[3] = NAN;
        im_context_destroy(ctx);
    }
}

static void bad_arguments(void **state)
{
    (void)state;
    im_options o;
    im_options_default(&o);
    assert_true(o.alpha == 1.01);
    im_context *ctx = NULL;
    char err[256];
    const double bad_alpha[] = {0.0, -1.0, NAN, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        o.alpha = bad_alpha[i];
        assert_int_equal(im_context_create(&o, &ctx, err, sizeof err), IM_ERR_ARG);
        assert_null(ctx);
        assert_non_null(strstr(err, "alpha"));
    }
    o.alpha = 1.01;
    o.backend = "no-such-engine";
    assert_int_equal(im_context_create(&o, &ctx, err, sizeof err), IM_ERR_BACKEND);
    assert_non_null(strstr(err, "no-such-engine"));
    ctx = tu_ctx(1.01);
    assert_string_equal(im_context_backend(ctx), "cpu-ref");
    assert_int_equal(im_context_set_alpha(ctx, -2.0), IM_ERR_ARG);
    assert_non_null(strstr(im_context_error(ctx), "-2"));
    assert_true(im_context_alpha(ctx) == 1.01);
    assert_int_equal(im_context_set_alpha(ctx, 3.0), IM_OK);
    double S;
    assert_int_equal(im_entropy(ctx, K3, 1, &S), IM_ERR_ARG);
    assert_non_null(strstr(im_context_error(ctx), "n = 1"));
    uint32_t off[2] = {0, 1}, idx[1] = {5};
    const double *f[1] = {K3};
    assert_int_equal(im_entropy_products(ctx, f, 1, 3, off, idx, 1, &S), IM_ERR_ARG);
    uint32_t off_empty[2] = {0, 0};
    assert_int_equal(im_entropy_products(ctx, f, 1, 3, off_empty, idx, 1, &S), IM_ERR_ARG);
    assert_string_equal(im_status_str(IM_OK), "ok");
    assert_string_equal(im_status_str(IM_ERR_ARG), "invalid argument");
    im_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answers),
        cmocka_unit_test(eigenvalues_returned),
        cmocka_unit_test(identity_is_log2_n),
        cmocka_unit_test(blocks_give_log2_k),
        cmocka_unit_test(unequal_blocks_closed_form),
        cmocka_unit_test(batch_equals_single),
        cmocka_unit_test(products_span_chunks),
        cmocka_unit_test(hard_alphas_closed_forms),
        cmocka_unit_test(forms_meet),
        cmocka_unit_test(from_eigenvalues_edges),
        cmocka_unit_test(tiny_sigma_gram),
        cmocka_unit_test(nonfinite_gives_nan),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
