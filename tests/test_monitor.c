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

#define B 8      /* batch */
#define IN 36    /* 6x6x1 inputs */
#define K 3      /* classes */

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

/* Parse the cfg (learning rate lr, extra text after the fc monitor's name
 * and after [softmax]) and attach the monitors. */
static im_status setup(fixture *f, const char *lr, const char *fc_extra, const char *tail,
                       char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    char text[2048], path[64];
    /* Darknet's maxpool keeps index -1 for an all-NaN window and its
     * backward then writes before the delta buffer, so the divergence test
     * uses a network without pooling. */
    const char *pool = strcmp(lr, "100000") ? "[maxpool]\nsize=2\nstride=2\n\n" : "";
    snprintf(text, sizeof text, k_cfg, lr, pool, fc_extra, tail);
    snprintf(path, sizeof path, "/tmp/im_test_mon_%d.cfg", (int)getpid());
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    im_status st = im_cfg_rewrite_file(path, &f->rw, err, errlen);
    assert_int_equal(st, IM_OK);
    char *tmp;
    assert_int_equal(im_cfg_write_temp(&f->rw, &tmp, err, errlen), IM_OK);
    srand(1);
    f->net = parse_network_cfg(tmp);
    unlink(tmp);
    free(tmp);
    im_monitor_detach_loss_deltas(f->net, &f->rw);
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

static void teardown(fixture *f)
{
    im_registry_free(f->reg);
    free_network(f->net);
    im_cfg_rewrite_free(&f->rw);
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
    (void)state;
    fixture f;
    char err[512];
    assert_int_equal(setup(&f, "0.05", "", "", err, sizeof err), IM_OK);
    assert_int_equal(f.net->n, 6);
    assert_int_equal(f.net->layers[1].type, DROPOUT);
    assert_int_equal(f.net->layers[4].type, DROPOUT);
    fill_batch(&f, 0);
    train_network(f.net, f.d);
    size_t n;
    /* Conv monitor: its T is the conv layer's output and its delta the conv
     * layer's delta (linear activation: backward leaves it as the tap saw it). */
    const layer *conv = &f.net->layers[0];
    const float *t = im_registry_last_t(f.reg, 0, &n);
    assert_int_equal(n, B);
    assert_memory_equal(t, conv->output, (size_t)(B * conv->outputs) * sizeof(float));
    const float *dk = im_registry_last_delta(f.reg, 0, &n);
    assert_memory_equal(dk, conv->delta, (size_t)(B * conv->outputs) * sizeof(float));
    float mx = 0;
    for (int i = 0; i < B * conv->outputs; i++)
        mx = fmaxf(mx, fabsf(dk[i]));
    assert_true(mx > 0.0f);
    /* fc monitor before the softmax: T is the logits z, and its delta must
     * be truth - softmax(z), recomputed here. */
    const float *z = im_registry_last_t(f.reg, 1, &n), *dz = im_registry_last_delta(f.reg, 1, &n);
    for (int i = 0; i < B; i++) {
        double m = -INFINITY, sum = 0;
        for (int k = 0; k < K; k++)
            m = fmax(m, z[i * K + k]);
        for (int k = 0; k < K; k++)
            sum += exp(z[i * K + k] - m);
        for (int k = 0; k < K; k++) {
            double p = exp(z[i * K + k] - m) / sum;
            assert_float_equal(dz[i * K + k], f.y[i * K + k] - p, 1e-6);
        }
    }
    im_metrics rows[2];
    int nonfinite;
    size_t nr = measure(&f, rows, &nonfinite);
    assert_int_equal(nr, 2);
    assert_false(nonfinite);
    assert_string_equal(rows[0].monitor, "c1");
    assert_int_equal(rows[0].layer, 0);
    assert_int_equal(rows[0].C, 3);
    assert_int_equal(rows[1].C, 1);
    assert_true(rows[0].have & IM_HAVE_PID);
    assert_false(rows[1].have & IM_HAVE_PID);
    /* A second measure without training has nothing new. */
    assert_int_equal(measure(&f, rows, &nonfinite), 0);
    teardown(&f);
}

static void trains_with_finite_metrics(void **state)
{
    (void)state;
    fixture f;
    char err[512];
    assert_int_equal(setup(&f, "0.05", "\nevery=3", "", err, sizeof err), IM_OK);
    size_t measured[2] = {0, 0};
    float first = 0, last = 0;
    for (unsigned it = 0; it < 30; it++) {
        fill_batch(&f, it);
        float loss = train_network(f.net, f.d);
        if (it == 0)
            first = loss;
        last = loss;
        im_metrics rows[2];
        int nonfinite;
        size_t nr = measure(&f, rows, &nonfinite);
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
    teardown(&f);
}

static void divergence_gives_nan_and_goes_on(void **state)
{
    (void)state;
    fixture f;
    char err[512];
    assert_int_equal(setup(&f, "100000", "", "", err, sizeof err), IM_OK);
    int saw_nan = 0;
    for (unsigned it = 0; it < 25; it++) {
        fill_batch(&f, it);
        train_network(f.net, f.d);
        im_metrics rows[2];
        int nonfinite;
        size_t nr = measure(&f, rows, &nonfinite);
        assert_int_equal(nr, 2);
        saw_nan |= nonfinite;
    }
    assert_true(saw_nan);
    teardown(&f);
}

/* The median rule is undefined when most samples coincide (all-zero
 * inputs give all-zero outputs): the row is NaN and nothing fails. */
static void undefined_width_gives_nan(void **state)
{
    (void)state;
    fixture f;
    char err[512];
    assert_int_equal(setup(&f, "0.05", "\nkernel_width=median", "", err, sizeof err), IM_OK);
    fill_batch(&f, 0);
    memset(f.x, 0, sizeof f.x);
    train_network(f.net, f.d);
    im_metrics rows[2];
    int nonfinite;
    size_t nr = measure(&f, rows, &nonfinite);
    assert_int_equal(nr, 2);
    assert_true(nonfinite);
    assert_string_equal(rows[1].monitor, "f");
    assert_true(isnan(rows[1].I_XT) && isnan(rows[1].I_TY));
    assert_true(rows[1].have & IM_HAVE_IXT);
    teardown(&f);
}

static void attach_errors_name_the_line(void **state)
{
    (void)state;
    fixture f;
    char err[512];
    /* pid on a flat (connected) layer: the fc monitor's header is line 31. */
    assert_int_equal(setup(&f, "0.05", "\nquantities=ixt,pid", "", err, sizeof err), IM_ERR_FORMAT);
    assert_non_null(strstr(err, ":31:"));
    assert_non_null(strstr(err, "pid"));
    im_cfg_rewrite_free(&f.rw);
    free_network(f.net);
    assert_int_equal(setup(&f, "0.05", "\nsamples=9", "", err, sizeof err), IM_ERR_FORMAT);
    assert_non_null(strstr(err, "samples = 9"));
    im_cfg_rewrite_free(&f.rw);
    free_network(f.net);
    /* A monitor after the softmax is fine (it must come last). */
    assert_int_equal(setup(&f, "0.05", "", "\n[infomonitor]\nname=prob\n", err, sizeof err), IM_OK);
    fill_batch(&f, 0);
    float l0 = train_network(f.net, f.d), l1 = l0;
    for (unsigned it = 1; it < 30; it++) {
        fill_batch(&f, it);
        l1 = train_network(f.net, f.d);
    }
    /* The softmax's delta still reaches the network: it learns. */
    assert_true(l1 < l0);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(taps_see_layer_buffers),
        cmocka_unit_test(trains_with_finite_metrics),
        cmocka_unit_test(divergence_gives_nan_and_goes_on),
        cmocka_unit_test(undefined_width_gives_nan),
        cmocka_unit_test(attach_errors_name_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
