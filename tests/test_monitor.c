/* Monitors inside Debian's libdarknet: the taps see exactly the watched
 * layer's output and delta, a tiny network trains with finite metrics,
 * diverging training gives NaN metrics without stopping, the probe pass
 * captures the network's inference output on the probe and leaves the
 * network as it was, and attach-time errors name the cfg line. */
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
#include "darknet/net_load.h"
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
static const cfg_params k_probe = {"0.05", "\nprobe=4\nevery=2", ""};

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
    if (st == IM_OK && (st = im_dn_parse(&f->rw, 1, &f->net, err, errlen)) == IM_OK)
        st = im_registry_attach(f->net, &f->rw, path, &f->reg, err, errlen);
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
 * (variable c at offset c*d) from the core's im_gram_rbf_maps, rule with
 * multiplier h (align: 1, labels y, unsmoothed); the mean sigma. */
static double *maps_gram(im_context *ctx, const float *rows, size_t n, size_t cols, size_t C,
                         im_width_rule rule, double h, const int32_t *y, const double **Km,
                         double *sigma)
{
    double *G = malloc(C * n * n * sizeof(double));
    assert_non_null(G);
    im_width w = {.rule = rule, .param = rule == IM_WIDTH_ALIGN ? 1.0 : h, .labels = y};
    assert_int_equal(im_gram_rbf_maps(ctx, rows, n, C, cols / C, cols, w, G, sigma), IM_OK);
    for (size_t c = 0; c < C; c++)
        Km[c] = G + c * n * n;
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
        size_t C = r->C, cols = (size_t)f->net->layers[spec->layer].outputs;
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
            assert_int_equal((r->have & IM_HAVE_PID_PAIRS) != 0, pid[0].pairs > 0);
            assert_int_equal((r->have & IM_HAVE_PID_PCT) != 0, pid[0].informative > 0);
            assert_int_equal(pid[0].pairs, C * (C - 1) / 2);
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
            /* Bounds that hold for any data: 0 <= H <= log2 n, I <= H (the
             * MI within the fp32 engines' 1e-4 bits). */
            assert_true(m->H_X >= 0 && m->H_X <= 3.0 + 1e-9);
            assert_true(m->H_T >= 0 && m->H_T <= 3.0 + 1e-9);
            assert_true(m->I_XT <= fmin(m->H_X, m->H_T) + 1e-4);
            assert_true(m->I_TY <= m->H_Y + 1e-4);
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
    /* Every map dead: no pair left to average, so the pair cells are not
     * measured (empty in the log), rather than a 0 that reads as a finding. */
    assert_true(rows[0].have & IM_HAVE_PID);
    assert_false(rows[0].have & (IM_HAVE_PID_PAIRS | IM_HAVE_PID_PCT));
}

#define NP 4 /* k_probe's probe */

/* The probe: rows 0..3 of another batch, and their labels. */
static void make_probe(fixture *f, float px[NP * IN], int32_t py[NP])
{
    fill_batch(f, 5);
    memcpy(px, f->x, sizeof(float) * NP * IN);
    for (int i = 0; i < NP; i++)
        for (int k = 0; k < K; k++)
            if (f->y[i * K + k] == 1.0f)
                py[i] = k;
}

/* Run the probe pass after a training step; the network struct and the
 * buffers training reads (input, truth, cost) are as before, the non-probe
 * monitor keeps the training T, and the probe monitor's delta is the
 * training delta (saved before: the pass zeroes the deltas). */
static void probe_pass_keeps_network(fixture *f)
{
    network *net = f->net, before = *net;
    const layer *conv = &net->layers[0], *fc = &net->layers[3];
    float in[B * IN], truth[B * K], t0[B * 3 * 16], dfc[B * K], cost = *net->cost;
    assert_true((size_t)conv->outputs * B <= sizeof t0 / sizeof t0[0]);
    memcpy(in, net->input, sizeof in);
    memcpy(truth, net->truth, sizeof truth);
    memcpy(t0, conv->output, (size_t)(B * conv->outputs) * sizeof(float));
    memcpy(dfc, fc->delta, sizeof dfc);
    char err[256];
    assert_int_equal(im_registry_probe_pass(f->reg, err, sizeof err), IM_OK);
    assert_ptr_equal(net->input, before.input);
    assert_ptr_equal(net->truth, before.truth);
    assert_ptr_equal(net->delta, before.delta);
    assert_int_equal(net->train, before.train);
    assert_true(*net->cost == cost);
    assert_memory_equal(net->input, in, sizeof in);
    assert_memory_equal(net->truth, truth, sizeof truth);
    size_t n;
    assert_memory_equal(im_registry_last_t(f->reg, 0, &n), t0,
                        (size_t)(B * conv->outputs) * sizeof(float));
    assert_memory_equal(im_registry_last_delta(f->reg, 1, &n), dfc, NP * K * sizeof(float));
    assert_int_equal(n, NP);
}

/* The probe monitor's T is Darknet's inference output on the probe batch
 * (the probe, repeated to fill the batch), and its X and Y are the probe's. */
static void probe_capture_is_inference(fixture *f, const float *px, const int32_t *py)
{
    float batch[B * IN];
    for (int j = 0; j < B; j++)
        memcpy(batch + j * IN, px + (j % NP) * IN, IN * sizeof(float));
    network_predict(f->net, batch);
    size_t n, cols;
    assert_memory_equal(im_registry_last_t(f->reg, 1, &n), f->net->layers[3].output,
                        NP * K * sizeof(float));
    assert_memory_equal(im_registry_last_probe_x(f->reg, &n, &cols), px, NP * IN * sizeof(float));
    assert_int_equal(n, NP);
    assert_int_equal(cols, IN);
    assert_memory_equal(im_registry_last_probe_y(f->reg, &n), py, NP * sizeof(int32_t));
}

/* The captures of the probe monitor (1) and delta_K. */
typedef struct {
    const float *t, *dk, *dK;
    size_t kcols;
} probe_caps;

static probe_caps last_caps(const fixture *f)
{
    probe_caps c;
    size_t n;
    c.t = im_registry_last_t(f->reg, 1, &n);
    c.dk = im_registry_last_delta(f->reg, 1, &n);
    c.dK = im_registry_last_dK(f->reg, &n, &c.kcols);
    return c;
}

/* The probe monitor's row, recomputed with the core: X and Y the probe's, T
 * its capture c, the error chain the training step's. */
static void probe_row_equals_core(fixture *f, const float *px, const int32_t *py,
                                  const probe_caps *c, const im_metrics *r)
{
    im_options o;
    im_options_default(&o);
    o.backend = im_context_backend(im_registry_context(f->reg, 1));
    im_context *ctx = NULL;
    char err[256];
    assert_int_equal(im_context_create(&o, &ctx, err, sizeof err), IM_OK);
    double Ky[NP * NP], sx, sK, st, sd, hx, hy, ixt, ity, idl;
    const double *Xm[1], *Km[1], *Tm[1], *Dm[1];
    assert_int_equal(im_gram_labels(ctx, py, NP, Ky), IM_OK);
    const im_monitor_spec *s = &f->rw.mon[1];
    double *Kx = maps_gram(ctx, px, NP, IN, 1, s->rule, s->h, NULL, Xm, &sx);
    double *Kt = maps_gram(ctx, c->t, NP, K, 1, s->rule, s->h, NULL, Tm, &st);
    double *KdK = maps_gram(ctx, c->dK, NP, c->kcols, 1, s->rule, s->delta_h, NULL, Km, &sK);
    double *Kd = maps_gram(ctx, c->dk, NP, K, 1, s->rule, s->delta_h, NULL, Dm, &sd);
    assert_int_equal(im_mmi(ctx, Kx, Tm, 1, NP, &ixt, &hx, NULL), IM_OK);
    assert_int_equal(im_mmi(ctx, Ky, Tm, 1, NP, &ity, &hy, NULL), IM_OK);
    assert_int_equal(im_mmi(ctx, KdK, Dm, 1, NP, &idl, NULL, NULL), IM_OK);
    assert_int_equal(r->n, NP);
    ROW_EQ(r->sigma_x, sx);
    ROW_EQ(r->H_X, hx);
    ROW_EQ(r->H_Y, hy);
    ROW_EQ(r->I_XT, ixt);
    ROW_EQ(r->I_TY, ity);
    ROW_EQ(r->I_delta, idl);
    free(Kx);
    free(Kt);
    free(KdK);
    free(Kd);
    im_context_destroy(ctx);
}

/* k_probe: the fc monitor (every=2) measures on a probe of 4 samples. */
static void probe_pass(void **state)
{
    fixture *f = *state;
    im_probe_request q;
    im_registry_probe_request(f->reg, &q);
    assert_int_equal(q.n, NP);
    assert_true(q.seed == -1);
    assert_int_equal(q.line, 31);
    float px[NP * IN];
    int32_t py[NP];
    make_probe(f, px, py);
    char err[256];
    assert_int_equal(im_registry_set_probe(f->reg, px, py, NP - 1, IN, err, sizeof err),
                     IM_ERR_ARG);
    fill_batch(f, 0);
    train_network(f->net, f->d);
    assert_int_equal(im_registry_probe_pass(f->reg, err, sizeof err), IM_ERR_ARG);
    assert_int_equal(im_registry_set_probe(f->reg, px, py, NP, IN, err, sizeof err), IM_OK);
    probe_pass_keeps_network(f);
    probe_capture_is_inference(f, px, py);
    im_metrics rows[2], first;
    int nonfinite;
    probe_caps caps = last_caps(f);
    assert_int_equal(measure(f, rows, &nonfinite), 2);
    assert_int_equal(rows[0].n, B);
    probe_row_equals_core(f, px, py, &caps, &rows[1]);
    first = rows[1];
    /* Iteration 2: the probe monitor does not measure, and no pass runs. */
    fill_batch(f, 1);
    train_network(f->net, f->d);
    float out[B * K];
    memcpy(out, f->net->layers[3].output, sizeof out);
    assert_int_equal(im_registry_probe_pass(f->reg, err, sizeof err), IM_OK);
    assert_memory_equal(f->net->layers[3].output, out, sizeof out);
    assert_int_equal(measure(f, rows, &nonfinite), 1);
    /* Iteration 3: the same X and Y, so the same H_X and H_Y. */
    fill_batch(f, 2);
    train_network(f->net, f->d);
    assert_int_equal(im_registry_probe_pass(f->reg, err, sizeof err), IM_OK);
    assert_int_equal(measure(f, rows, &nonfinite), 2);
    assert_true(rows[1].H_X == first.H_X && rows[1].H_Y == first.H_Y);
    assert_true(rows[1].I_XT != first.I_XT);
}

static void attach_errors_name_the_line(void **state)
{
    fixture *f = *state;
    char err[512];
    /* pid on a flat (connected) layer: the fc monitor's header is line 31. */
    const cfg_params pid_flat = {"0.05", "\nquantities=ixt,pid", ""};
    const cfg_params too_many = {"0.05", "\nsamples=9", ""};
    const cfg_params after_softmax = {"0.05", "", "\n[infomonitor]\nname=prob\n"};
    const cfg_params big_probe = {"0.05", "\nprobe=9", ""};
    assert_int_equal(build(f, &pid_flat, err, sizeof err), IM_ERR_FORMAT);
    assert_non_null(strstr(err, ":31:"));
    assert_non_null(strstr(err, "pid"));
    assert_int_equal(build(f, &too_many, err, sizeof err), IM_ERR_FORMAT);
    assert_non_null(strstr(err, "samples = 9"));
    assert_int_equal(build(f, &big_probe, err, sizeof err), IM_ERR_FORMAT);
    assert_non_null(strstr(err, ":31: [infomonitor] probe = 9 exceeds the batch size (8)"));
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
        cmocka_unit_test_prestate_setup_teardown(probe_pass, setup, teardown, (void *)&k_probe),
        cmocka_unit_test_prestate_setup_teardown(attach_errors_name_the_line, setup, teardown,
                                                 NULL),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
