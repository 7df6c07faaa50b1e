/* Monitors inside Debian's libdarknet: the taps see exactly the watched
 * layer's output and delta, a tiny network trains with finite metrics,
 * diverging training gives NaN metrics without stopping, and attach-time
 * errors name the cfg line. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "darknet.h"
#include "darknet/cfg_rewrite.h"
#include "darknet/monitor.h"
#include "darknet/monitor_testing.h"
#include "util/errfmt.h"

#define B 8   /* batch */
#define IN 36 /* 6x6x1 inputs */
#define K 3   /* classes */

static const char *k_cfg =
    "[net]\nbatch=8\nsubdivisions=1\nheight=6\nwidth=6\nchannels=1\n"
    "learning_rate=%s\nmomentum=0.9\ndecay=0\nmax_batches=100\n\n"
    "[convolutional]\nfilters=3\nsize=3\nstride=1\npad=0\nactivation=linear\n\n"
    "[infomonitor]\nname=c1\nquantities=ixt,ity,mmi,delta,pid\n\n"
    "%s"
    "[connected]\noutput=3\nactivation=linear\n\n"
    "[infomonitor]\nname=f%s\n\n"
    "[softmax]\n%s";

typedef struct {
    im_cfg_rewrite rw;
    network *net;
    im_registry *reg;
    float x[B * IN], y[B * K];
    data d;
    float *xr[B], *yr[B];
} fixture;

/* A cfg: learning rate, extra text after the fc monitor's name and after
 * [softmax]. */
typedef struct {
    const char *lr, *fc_extra, *tail;
} cfg_params;

static const cfg_params k_plain = {"0.05", "", ""};
static const cfg_params k_every3 = {"0.05", "\nevery=3", ""};
static const cfg_params k_diverge = {"100000", "", ""};
static const cfg_params k_median = {"0.05", "\nkernel_width=median", ""};
static const cfg_params k_alpha2 = {"0.05", "\nalpha=2", ""};
static const cfg_params k_scaled = {"0.05", "\nkernel_width=silverman-scaled\nh=2", ""};
static const cfg_params k_align = {"0.05", "\nkernel_width=align", ""};

/* Free what build() made (safe on a partly built or empty fixture). */
static void release(fixture *f)
{
    im_registry_free(f->reg);
    if (f->net)
        free_network(f->net);
    im_cfg_rewrite_free(&f->rw);
    f->reg = NULL;
    f->net = NULL;
}

/* Parse the cfg of p and attach the monitors; IM_OK or attach's status. */
static im_status build(fixture *f, const cfg_params *p, char *err, size_t errlen)
{
    release(f);
    char text[2048], path[64];
    /* Darknet's maxpool keeps index -1 for an all-NaN window and its
     * backward then writes before the delta buffer, so the divergence test
     * uses a network without pooling. */
    const char *pool = strcmp(p->lr, "100000") ? "[maxpool]\nsize=2\nstride=2\n\n" : "";
    snprintf(text, sizeof text, k_cfg, p->lr, pool, p->fc_extra, p->tail);
    snprintf(path, sizeof path, "/tmp/im_test_mon_%d.cfg", (int)getpid());
    FILE *fp = fopen(path, "w");
    if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot write", path);
    im_status st = im_cfg_rewrite_file(path, &f->rw, err, errlen);
    char *tmp = NULL;
    if (st == IM_OK && (st = im_cfg_write_temp(&f->rw, &tmp, err, errlen)) == IM_OK) {
        srand(1);
        f->net = parse_network_cfg(tmp);
        unlink(tmp);
        free(tmp);
        im_monitor_detach_loss_deltas(f->net, &f->rw);
        st = im_registry_attach(f->net, &f->rw, path, &f->reg, err, errlen);
    }
    unlink(path);
    for (int i = 0; i < B; i++) {
        f->xr[i] = f->x + i * IN;
        f->yr[i] = f->y + i * K;
    }
    f->d.X = (matrix){B, IN, f->xr};
    f->d.y = (matrix){B, K, f->yr};
    f->d.shallow = 1;
    return st;
}

/* cmocka fixtures: the prestate names the cfg (NULL: an empty fixture for
 * tests that build their own); teardown frees whatever a test left, also
 * after a failed assertion. */
static int setup(void **state)
{
    const cfg_params *p = *state;
    fixture *f = calloc(1, sizeof *f);
    char err[512];
    if (f == NULL)
        return -1;
    *state = f;
    if (p != NULL && build(f, p, err, sizeof err) != IM_OK) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    release(f);
    free(f);
    return 0;
}

/* Measure the last training step; returns the number of rows. */
static size_t measure(fixture *f, im_metrics rows[2], int *nonfinite)
{
    size_t nr;
    char err[512];
    im_status st = im_registry_measure(f->reg, rows, &nr, nonfinite, err, sizeof err);
    if (st != IM_OK)
        fail_msg("measure: %s", err);
    return nr;
}

/* A batch whose class is the brightest third of the image. */
static void fill_batch(fixture *f, unsigned step)
{
    uint64_t s = 0x9E3779B97F4A7C15ull * (step + 1);
    memset(f->y, 0, sizeof f->y);
    for (int i = 0; i < B; i++) {
        int c = (int)((step + (unsigned)i) % K);
        for (int j = 0; j < IN; j++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            f->x[i * IN + j] = (float)(s % 1000) / 4000.0f + ((j / 12) == c ? 0.6f : 0.0f);
        }
        f->y[i * K + c] = 1.0f;
    }
}

static void taps_see_layer_buffers(void **state)
{
    fixture *f = *state;
    assert_int_equal(f->net->n, 6);
    assert_int_equal(f->net->layers[1].type, DROPOUT);
    assert_int_equal(f->net->layers[4].type, DROPOUT);
    fill_batch(f, 0);
    train_network(f->net, f->d);
    size_t n;
    /* Conv monitor: its T is the conv layer's output and its delta the conv
     * layer's delta (linear activation: backward leaves it as the tap saw it). */
    const layer *conv = &f->net->layers[0];
    const float *t = im_registry_last_t(f->reg, 0, &n);
    assert_int_equal(n, B);
    assert_memory_equal(t, conv->output, (size_t)(B * conv->outputs) * sizeof(float));
    const float *dk = im_registry_last_delta(f->reg, 0, &n);
    assert_memory_equal(dk, conv->delta, (size_t)(B * conv->outputs) * sizeof(float));
    float mx = 0;
    for (int i = 0; i < B * conv->outputs; i++)
        mx = fmaxf(mx, fabsf(dk[i]));
    assert_true(mx > 0.0f);
    /* fc monitor before the softmax: T is the logits z, and its delta must
     * be truth - softmax(z), recomputed here. */
    const float *z = im_registry_last_t(f->reg, 1, &n), *dz = im_registry_last_delta(f->reg, 1, &n);
    for (int i = 0; i < B; i++) {
        double m = -INFINITY, sum = 0;
        for (int k = 0; k < K; k++)
            m = fmax(m, z[i * K + k]);
        for (int k = 0; k < K; k++)
            sum += exp(z[i * K + k] - m);
        for (int k = 0; k < K; k++) {
            double p = exp(z[i * K + k] - m) / sum;
            assert_float_equal(dz[i * K + k], f->y[i * K + k] - p, 1e-6);
        }
    }
    im_metrics rows[2];
    int nonfinite;
    size_t nr = measure(f, rows, &nonfinite);
    assert_int_equal(nr, 2);
    assert_false(nonfinite);
    assert_string_equal(rows[0].monitor, "c1");
    assert_int_equal(rows[0].layer, 0);
    assert_int_equal(rows[0].C, 3);
    assert_int_equal(rows[1].C, 1);
    assert_true(rows[0].have & IM_HAVE_PID);
    assert_false(rows[1].have & IM_HAVE_PID);
    /* A second measure without training has nothing new. */
    assert_int_equal(measure(f, rows, &nonfinite), 0);
}

/* n*n RBF Gram matrices of the C variables of n rows of `cols` floats
 * (variable c at offset c*d), rule with multiplier h (align: 1, labels y,
 * unsmoothed); the mean sigma. */
static double *maps_gram(im_context *ctx, const float *rows, size_t n, size_t cols, size_t C,
                         im_width_rule rule, double h, const int32_t *y, const double **Km,
                         double *sigma)
{
    double *G = malloc(C * n * n * sizeof(double)), sc, sum = 0;
    assert_non_null(G);
    im_width w = {.rule = rule, .param = rule == IM_WIDTH_ALIGN ? 1.0 : h, .labels = y};
    for (size_t c = 0; c < C; c++) {
        assert_int_equal(
            im_gram_rbf(ctx, rows + c * (cols / C), n, cols / C, cols, w, G + c * n * n, &sc),
            IM_OK);
        Km[c] = G + c * n * n;
        sum += sc;
    }
    *sigma = sum / (double)C;
    return G;
}

#define ROW_EQ(got, want) near_core(#got, got, want)
static void near_core(const char *what, double got, double want)
{
    if (!(fabs(got - want) <= 1e-12))
        fail_msg("%s = %.17g, the core gives %.17g", what, got, want);
}

/* Both monitors' rows equal the core's results on the arrays the taps
 * captured, to 1e-12: the adapter adds nothing of its own.  With k_alpha2
 * the two monitors share a context at different alphas, so S(X) cached at
 * one alpha must not serve the other; with k_scaled the fc monitor uses
 * silverman-scaled (h = 2) and the conv monitor the literal rule; with
 * k_align the fc monitor uses align (its first measurement: no smoothing
 * yet), for X, T and both deltas. */
static void row_equals_core(void **state)
{
    fixture *f = *state;
    fill_batch(f, 0);
    train_network(f->net, f->d);
    size_t n, nx, xcols, ny, kcols;
    const float *x = im_registry_last_x(f->reg, &nx, &xcols), *dK;
    const int32_t *y = im_registry_last_y(f->reg, &ny);
    dK = im_registry_last_dK(f->reg, &ny, &kcols);
    const float *t[2], *dk[2];
    for (size_t i = 0; i < 2; i++) {
        t[i] = im_registry_last_t(f->reg, i, &n);
        dk[i] = im_registry_last_delta(f->reg, i, &n);
    }
    im_metrics rows[2];
    int nonfinite;
    assert_int_equal(measure(f, rows, &nonfinite), 2);
    im_options o;
    im_options_default(&o);
    o.backend = im_context_backend(im_registry_context(f->reg, 0));
    im_context *ctx = NULL;
    char err[256];
    assert_int_equal(im_context_create(&o, &ctx, err, sizeof err), IM_OK);
    double Ky[B * B], sx, sK, st, sd, hx, ht, hy, ixt, ity, idl;
    const double *Xm[1], *Km[1], *Tm[3], *Dm[3];
    assert_int_equal(im_gram_labels(ctx, y, n, Ky), IM_OK);
    for (size_t i = 0; i < 2; i++) {
        const im_metrics *r = &rows[i];
        const im_monitor_spec *spec = &f->rw.mon[i];
        size_t C = r->C, cols = (size_t)f->net->layers[r->layer].outputs;
        assert_int_equal(im_context_set_alpha(ctx, spec->alpha), IM_OK);
        im_width_rule rule = spec->rule;
        double *Kx = maps_gram(ctx, x, n, xcols, 1, rule, spec->h, y, Xm, &sx);
        double *KdK = maps_gram(ctx, dK, n, kcols, 1, rule, spec->delta_h, y, Km, &sK);
        double *Kt = maps_gram(ctx, t[i], n, cols, C, rule, spec->h, y, Tm, &st);
        double *Kd = maps_gram(ctx, dk[i], n, cols, C, rule, spec->delta_h, y, Dm, &sd);
        assert_int_equal(im_mmi(ctx, Kx, Tm, C, n, &ixt, &hx, &ht), IM_OK);
        assert_int_equal(im_mmi(ctx, Ky, Tm, C, n, &ity, &hy, NULL), IM_OK);
        double hdk;
        assert_int_equal(im_mmi(ctx, KdK, Dm, C, n, &idl, &hdk, NULL), IM_OK);
        ROW_EQ(r->sigma_x, sx);
        ROW_EQ(r->sigma_t, st);
        ROW_EQ(r->sigma_delta, sd);
        ROW_EQ(r->H_X, hx);
        ROW_EQ(r->H_T, ht);
        ROW_EQ(r->H_Y, hy);
        ROW_EQ(r->I_XT, ixt);
        ROW_EQ(r->I_TY, ity);
        ROW_EQ(r->I_delta, idl);
        ROW_EQ(r->H_dK, hdk);
        ROW_EQ(r->sat_T, ht / log2((double)n));
        if (r->have & IM_HAVE_PID) {
            const double *targets[2] = {Kx, Ky};
            im_pid pid[2];
            assert_int_equal(im_pid_pairs(ctx, targets, 2, Tm, C, n, pid, NULL), IM_OK);
            ROW_EQ(r->rs, pid[0].rs);
            ROW_EQ(r->wnr, pid[0].wnr);
            ROW_EQ(r->rs_pct, pid[0].rs_pct);
            ROW_EQ(r->wnr_pct, pid[0].wnr_pct);
            ROW_EQ(r->wnr_y, pid[1].wnr);
        }
        free(Kt);
        free(Kd);
        free(Kx);
        free(KdK);
    }
    assert_true(rows[0].have & IM_HAVE_PID);
    im_context_destroy(ctx);
}

static void trains_with_finite_metrics(void **state)
{
    fixture *f = *state;
    size_t measured[2] = {0, 0};
    float first = 0, last = 0;
    for (unsigned it = 0; it < 30; it++) {
        fill_batch(f, it);
        float loss = train_network(f->net, f->d);
        if (it == 0)
            first = loss;
        last = loss;
        im_metrics rows[2];
        int nonfinite;
        size_t nr = measure(f, rows, &nonfinite);
        assert_false(nonfinite);
        for (size_t r = 0; r < nr; r++) {
            const im_metrics *m = &rows[r];
            measured[strcmp(m->monitor, "c1") != 0]++;
            /* Bounds that hold for any data: 0 <= H <= log2 n, I <= H. */
            assert_true(m->H_X >= 0 && m->H_X <= 3.0 + 1e-9);
            assert_true(m->H_T >= 0 && m->H_T <= 3.0 + 1e-9);
            assert_true(m->I_XT <= fmin(m->H_X, m->H_T) + 1e-9);
            assert_true(m->I_TY <= m->H_Y + 1e-9);
            assert_true(isfinite(m->I_delta));
        }
    }
    assert_int_equal(measured[0], 30);
    assert_int_equal(measured[1], 10); /* every=3: iterations 1, 4, ..., 28 */
    assert_true(last < first);
}

static void divergence_gives_nan_and_goes_on(void **state)
{
    fixture *f = *state;
    int saw_nan = 0;
    for (unsigned it = 0; it < 25; it++) {
        fill_batch(f, it);
        train_network(f->net, f->d);
        im_metrics rows[2];
        int nonfinite;
        size_t nr = measure(f, rows, &nonfinite);
        assert_int_equal(nr, 2);
        saw_nan |= nonfinite;
    }
    assert_true(saw_nan);
}

/* All-zero inputs make every sample coincide (and the conv maps dead):
 * under the median rule too (the fc monitor's), their Gram matrices are all
 * ones, so the rows are finite, with H(X) = 0 and nothing learnt about X. */
static void coinciding_samples_give_finite_rows(void **state)
{
    fixture *f = *state;
    fill_batch(f, 0);
    memset(f->x, 0, sizeof f->x);
    train_network(f->net, f->d);
    im_metrics rows[2];
    int nonfinite;
    size_t nr = measure(f, rows, &nonfinite);
    assert_int_equal(nr, 2);
    assert_false(nonfinite);
    for (size_t i = 0; i < nr; i++)
        assert_true(fabs(rows[i].H_X) <= 1e-4 && fabs(rows[i].I_XT) <= 1e-4);
    assert_int_equal(rows[0].dead, 3);         /* the conv maps are their biases */
    assert_string_equal(rows[1].monitor, "f"); /* the median rule's: sigma 0 */
    assert_true(rows[1].sigma_x == 0.0);
    assert_true(rows[0].have & IM_HAVE_PID);
    assert_true(isfinite(rows[0].rs_pct) && isfinite(rows[0].wnr_pct));
}

static void attach_errors_name_the_line(void **state)
{
    fixture *f = *state;
    char err[512];
    /* pid on a flat (connected) layer: the fc monitor's header is line 31. */
    const cfg_params pid_flat = {"0.05", "\nquantities=ixt,pid", ""};
    const cfg_params too_many = {"0.05", "\nsamples=9", ""};
    const cfg_params after_softmax = {"0.05", "", "\n[infomonitor]\nname=prob\n"};
    assert_int_equal(build(f, &pid_flat, err, sizeof err), IM_ERR_FORMAT);
    assert_non_null(strstr(err, ":31:"));
    assert_non_null(strstr(err, "pid"));
    assert_int_equal(build(f, &too_many, err, sizeof err), IM_ERR_FORMAT);
    assert_non_null(strstr(err, "samples = 9"));
    /* A monitor after the softmax is fine (it must come last). */
    assert_int_equal(build(f, &after_softmax, err, sizeof err), IM_OK);
    fill_batch(f, 0);
    float l0 = train_network(f->net, f->d), l1 = l0;
    for (unsigned it = 1; it < 30; it++) {
        fill_batch(f, it);
        l1 = train_network(f->net, f->d);
    }
    /* The softmax's delta still reaches the network: it learns. */
    assert_true(l1 < l0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate_setup_teardown(taps_see_layer_buffers, setup, teardown,
                                                 (void *)&k_plain),
        cmocka_unit_test_prestate_setup_teardown(row_equals_core, setup, teardown,
                                                 (void *)&k_plain),
        cmocka_unit_test_prestate_setup_teardown(row_equals_core, setup, teardown,
                                                 (void *)&k_alpha2),
        cmocka_unit_test_prestate_setup_teardown(row_equals_core, setup, teardown,
                                                 (void *)&k_scaled),
        cmocka_unit_test_prestate_setup_teardown(row_equals_core, setup, teardown,
                                                 (void *)&k_align),
        cmocka_unit_test_prestate_setup_teardown(trains_with_finite_metrics, setup, teardown,
                                                 (void *)&k_every3),
        cmocka_unit_test_prestate_setup_teardown(divergence_gives_nan_and_goes_on, setup, teardown,
                                                 (void *)&k_diverge),
        cmocka_unit_test_prestate_setup_teardown(coinciding_samples_give_finite_rows, setup,
                                                 teardown, (void *)&k_median),
        cmocka_unit_test_prestate_setup_teardown(attach_errors_name_the_line, setup, teardown,
                                                 NULL),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
