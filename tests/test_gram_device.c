/* The device route of im_gram_rbf_maps_device (gram_maps.c) against the
 * host route, im_gram_rbf_maps, on a machine without a GPU.  The fixture
 * gives a cpu-ref context a gram_device entry whose "device memory" is the
 * host's: this file's own plain-loop centring and Xc Xc^T in fp64.  So the
 * core's half of the route is tested here (the traces as variances, the
 * layer width of silverman-dim, the NaN maps, align's running widths, the
 * strided rows); the cuda back end's half, the same product on a GPU, is
 * checked against a plain loop by its start-up self-check
 * (cuda_selfcheck.cu), and the whole route by bench/gpu_check.sh.
 * Tolerance: 1e-12 on the kernels (values in [0, 1]) and relative on the
 * widths; only summation orders differ. */
#include <string.h>
#include "renyi/internal.h"
#include "testutil.h"

enum { N = 24, C = 4, D = 9, LD = C * D + 3 };

/* gram_device on host memory: the centred rows and their products. */
static im_status host_as_device(im_backend *self, const float *x, size_t n, size_t d, size_t ld,
                                double *G, int *finite, char *err, size_t errlen)
{
    (void)self;
    (void)err;
    (void)errlen;
    double *Xc = malloc(n * d * sizeof *Xc);
    assert_non_null(Xc);
    *finite = 1;
    for (size_t j = 0; j < d; j++) {
        double mean = 0.0;
        for (size_t i = 0; i < n; i++) {
            *finite &= isfinite(x[i * ld + j]) != 0;
            mean += x[i * ld + j];
        }
        for (size_t i = 0; i < n; i++)
            Xc[i * d + j] = x[i * ld + j] - mean / (double)n;
    }
    for (size_t i = 0; *finite && i < n; i++)
        for (size_t k = i; k < n; k++) {
            double g = 0.0;
            for (size_t j = 0; j < d; j++)
                g += Xc[i * d + j] * Xc[k * d + j];
            G[i * n + k] = g;
        }
    free(Xc);
    return IM_OK;
}

typedef struct {
    im_context *ctx;
    float *x;        /* N rows of LD floats: C maps of D, then 3 unused */
    int32_t y[N];    /* labels for align */
    double *Kh, *Kd; /* C*N*N each: the host and the device route */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    uint64_t seed = 17;
    f->ctx = tu_ctx(1.01);
    f->ctx->backend->gram_device = host_as_device;
    f->x = tu_randn(&seed, N, LD);
    for (size_t i = 0; i < N; i++) {
        f->y[i] = (int32_t)(i % 3);
        for (size_t j = 0; j < D; j++) {
            f->x[i * LD + j] += 2.0f * (float)f->y[i];  /* map 0 follows the labels */
            f->x[i * LD + 2 * D + j] = 0.5f;            /* map 2 is dead */
            f->x[i * LD + 3 * D + j] *= 1000.0f;        /* map 3 is on another scale */
        }
    }
    f->Kh = malloc(C * N * N * sizeof(double));
    f->Kd = malloc(C * N * N * sizeof(double));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    im_context_destroy(f->ctx);
    free(f->x);
    free(f->Kh);
    free(f->Kd);
    free(f);
    return 0;
}

static void near(double got, double want, double tol, const char *what, size_t k)
{
    if (isnan(want) && isnan(got))
        return;
    if (!(fabs(got - want) <= tol * (1.0 + fabs(want))))
        fail_msg("%s[%zu]: device route %.17g, host route %.17g", what, k, got, want);
}

/* Both routes under w; the kernels and mean widths must agree. */
static void both_routes(fixture *f, im_width w)
{
    double sh = 0.0, sd = 0.0;
    assert_int_equal(im_gram_rbf_maps(f->ctx, f->x, N, C, D, LD, w, f->Kh, &sh), IM_OK);
    assert_int_equal(im_gram_rbf_maps_device(f->ctx, f->x, N, C, D, LD, w, f->Kd, &sd), IM_OK);
    for (size_t k = 0; k < (size_t)C * N * N; k++)
        near(f->Kd[k], f->Kh[k], 1e-12, "K", k);
    near(sd, sh, 1e-12, "sigma_mean", 0);
}

static void every_rule_agrees(void **state)
{
    fixture *f = *state;
    const im_width_rule rules[] = {IM_WIDTH_SILVERMAN, IM_WIDTH_SILVERMAN_SCALED,
                                   IM_WIDTH_SILVERMAN_DIM, IM_WIDTH_MEDIAN, IM_WIDTH_FIXED};
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        double p = rules[r] == IM_WIDTH_FIXED ? 3.0 : im_width_default_param(rules[r]);
        both_routes(f, (im_width){.rule = rules[r], .param = p});
    }
    /* The dead map is all ones on both routes (not a vacuous agreement). */
    for (size_t k = 0; k < N * N; k++)
        assert_true(f->Kd[2 * N * N + k] == 1.0);
}

/* align with running widths: both routes advance them alike. */
static void align_running_widths_agree(void **state)
{
    fixture *f = *state;
    double rh[C] = {0}, rd[C] = {0};
    for (int call = 0; call < 3; call++) {
        im_width wh = {.rule = IM_WIDTH_ALIGN, .param = 1.0, .labels = f->y, .running = rh};
        im_width wd = wh;
        wd.running = rd;
        assert_int_equal(im_gram_rbf_maps(f->ctx, f->x, N, C, D, LD, wh, f->Kh, NULL), IM_OK);
        assert_int_equal(im_gram_rbf_maps_device(f->ctx, f->x, N, C, D, LD, wd, f->Kd, NULL),
                         IM_OK);
        for (size_t c = 0; c < C; c++)
            near(rd[c], rh[c], 1e-12, "running", c);
        f->x[5] += 0.25f; /* the next call sees other data */
    }
    assert_true(rh[0] > 0.0);
}

/* A NaN in map 1: that map is NaN on both routes, the others agree, and
 * silverman-dim falls back to per-map widths on both. */
static void nan_map_agrees(void **state)
{
    fixture *f = *state;
    f->x[4 * LD + D + 2] = NAN;
    both_routes(f, (im_width){.rule = IM_WIDTH_SILVERMAN_DIM, .param = IM_DIM_H});
    both_routes(f, (im_width){.rule = IM_WIDTH_MEDIAN, .param = 0.15});
    for (size_t k = 0; k < N * N; k++) {
        assert_true(isnan(f->Kd[N * N + k]));
        assert_false(isnan(f->Kd[k]));
    }
}

/* A back end without device memory refuses, naming itself; bad shapes are
 * refused before the back end is called. */
static void refusals(void **state)
{
    fixture *f = *state;
    im_width w = {.rule = IM_WIDTH_SILVERMAN, .param = 5.0};
    assert_int_equal(im_gram_rbf_maps_device(f->ctx, f->x, N, C, D, C * D - 1, w, f->Kd, NULL),
                     IM_ERR_ARG);
    assert_non_null(strstr(im_context_error(f->ctx), "ld >= C*d"));
    assert_int_equal(im_gram_rbf_maps_device(f->ctx, f->x, 1, C, D, LD, w, f->Kd, NULL),
                     IM_ERR_ARG);
    f->ctx->backend->gram_device = NULL;
    assert_int_equal(im_context_device_memory(f->ctx), 0);
    assert_int_equal(im_gram_rbf_maps_device(f->ctx, f->x, N, C, D, LD, w, f->Kd, NULL),
                     IM_ERR_ARG);
    assert_non_null(strstr(im_context_error(f->ctx), "cpu-ref back end reads host memory only"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_rule_agrees, setup, teardown),
        cmocka_unit_test_setup_teardown(align_running_widths_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(nan_map_agrees, setup, teardown),
        cmocka_unit_test_setup_teardown(refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
