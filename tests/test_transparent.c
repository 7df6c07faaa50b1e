/* Monitors are transparent to layer indices: a ResNet-style cfg (shortcut
 * from=-3, as in Debian's resnet18.cfg) and a YOLO-style cfg (route
 * concatenation, absolute and relative, upsample) give bit-identical
 * outputs with and without an [infomonitor] after every layer that can
 * take one, loaded with the same weights.  Without the remapping each
 * shortcut and route would read a monitor's (equally shaped) output. */
#include "tmpdir_fixture.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "darknet.h"
#include "darknet/net_load.h"

static const char *k_net = "[net]\nbatch=2\nheight=8\nwidth=8\nchannels=3\n";

static const char *k_resnet =
    "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=leaky\n"
    "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=leaky\n"
    "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=linear\n"
    "[shortcut]\nfrom=-3\nactivation=leaky\n"
    "[convolutional]\nfilters=4\nsize=1\nactivation=leaky\n"
    "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=linear\n"
    "[shortcut]\nfrom=-3\nactivation=leaky\n"
    "[avgpool]\n[connected]\noutput=5\nactivation=linear\n[softmax]\n";

static const char *k_yolo = "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=leaky\n"
                            "[maxpool]\nsize=2\nstride=2\n"
                            "[convolutional]\nfilters=8\nsize=3\npad=1\nactivation=leaky\n"
                            "[convolutional]\nfilters=4\nsize=1\nactivation=leaky\n"
                            "[route]\nlayers=-1,2\n"
                            "[convolutional]\nfilters=4\nsize=1\nactivation=leaky\n"
                            "[upsample]\nstride=2\n"
                            "[route]\nlayers=-1,0\n"
                            "[convolutional]\nfilters=6\nsize=1\nactivation=linear\n"
                            "[route]\nlayers=-3\n"
                            "[convolutional]\nfilters=2\nsize=1\nactivation=linear\n";

/* body with "[infomonitor]\n" after every section but the last. */
static void with_monitors(const char *body, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = body; *p;) {
        const char *next = strstr(p + 1, "\n[");
        size_t len = next ? (size_t)(next - p) + 1 : strlen(p);
        assert_true(k + len + 16 < n);
        memcpy(out + k, p, len);
        k += len;
        if (next)
            k += (size_t)sprintf(out + k, "[infomonitor]\n");
        p += len;
    }
    out[k] = '\0';
}

static void write_text(const char *path, const char *a, const char *b)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s%s", a, b);
    assert_int_equal(fclose(f), 0);
}

static network *load(const char *cfg, const char *weights, im_cfg_rewrite *rw)
{
    network *net;
    char err[512] = "";
    if (im_dn_load_net(cfg, weights, 0, 7, -1, rw, &net, err, sizeof err) != IM_OK)
        fail_msg("%s", err);
    return net;
}

/* Outputs of the last layer of both cfgs on one input: equal bit for bit;
 * the monitored network has `extra` more layers. */
static void same_outputs(const char *body, int extra)
{
    char mon[8192];
    with_monitors(body, mon, sizeof mon);
    write_text("plain.cfg", k_net, body);
    write_text("mon.cfg", k_net, mon);
    im_cfg_rewrite rp, rm;
    network *plain = load("plain.cfg", NULL, &rp);
    save_weights(plain, "w.weights");
    network *monitored = load("mon.cfg", "w.weights", &rm);
    assert_int_equal(monitored->n, plain->n + extra);
    assert_int_equal(monitored->outputs, plain->outputs);
    float x[2 * 8 * 8 * 3];
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = (float)((i * 37) % 101) / 101.0f - 0.5f;
    set_batch_network(plain, 1);
    set_batch_network(monitored, 1);
    float *a = network_predict(plain, x);
    float *b = network_predict(monitored, x);
    assert_memory_equal(a, b, (size_t)plain->outputs * sizeof *a);
    float sum = 0;
    for (int i = 0; i < plain->outputs; i++)
        sum += a[i] * a[i];
    assert_true(sum > 0);
    free_network(plain);
    free_network(monitored);
    im_cfg_rewrite_free(&rp);
    im_cfg_rewrite_free(&rm);
}

static void resnet_style(void **state)
{
    (void)state;
    same_outputs(k_resnet, 9);
}

static void yolo_style(void **state)
{
    (void)state;
    same_outputs(k_yolo, 10);
}

int main(void)
{
    gpu_index = -1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resnet_style),
        cmocka_unit_test(yolo_style),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
