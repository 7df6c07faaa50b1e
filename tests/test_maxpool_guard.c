/* The guarded maxpool backward pass (darknet/maxpool_guard.h), on layers
 * made by libdarknet and run forward by its forward_maxpool_layer: the same
 * deltas as libdarknet's backward_maxpool_layer wherever a window holds a
 * number; nothing written before the delta buffer for windows of NaN only
 * (a diverged network: heap corruption and a SIGABRT in free, found by the
 * cfg mutation test with decay=1e9) or lying in the padding; a NULL delta
 * (the first layer) left alone. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "darknet.h"
#include "darknet/maxpool_guard.h"

/* libdarknet's (maxpool_layer.h), not declared by darknet.h. */
layer make_maxpool_layer(int batch, int h, int w, int c, int size, int stride, int padding);
void forward_maxpool_layer(const layer l, network net);
void backward_maxpool_layer(const layer l, network net);

enum { BATCH = 2, SIDE = 6, CH = 3, IN = BATCH * SIDE * SIDE * CH };

/* A 6x6x3 maxpool layer (batch 2) in a network of one, guarded, run forward
 * on input; its output deltas set to a pattern. */
static void pool_forward(network *net, layer *l, int size, int stride, int pad, float *input)
{
    *l = make_maxpool_layer(BATCH, SIDE, SIDE, CH, size, stride, pad);
    memset(net, 0, sizeof *net);
    net->n = 1;
    net->layers = l;
    im_dn_guard_maxpool(net);
    net->input = input;
    forward_maxpool_layer(*l, *net);
    for (int i = 0; i < l->outputs * BATCH; i++)
        l->delta[i] = (float)((i * 37) % 11) - 5.0f;
}

/* A delta buffer of IN floats with a sentinel before it. */
static float *guarded_delta(float buf[IN + 1])
{
    memset(buf, 0, (IN + 1) * sizeof *buf);
    buf[0] = 1234.5f;
    return buf + 1;
}

static void same_as_darknet_on_numbers(void **state)
{
    (void)state;
    float input[IN], ours[IN + 1], theirs[IN + 1];
    for (int i = 0; i < IN; i++)
        input[i] = (float)((i * 7919) % 101) / 7.0f;
    network net;
    layer l;
    pool_forward(&net, &l, 2, 2, 0, input);
    assert_true(l.backward != backward_maxpool_layer);
    net.delta = guarded_delta(ours);
    l.backward(l, net);
    net.delta = guarded_delta(theirs);
    backward_maxpool_layer(l, net);
    assert_memory_equal(ours, theirs, sizeof ours);
    free_layer(l);
}

/* Windows of NaN only: Darknet's forward leaves index -1 for every output. */
static void nan_windows(void **state)
{
    (void)state;
    float input[IN], buf[IN + 1];
    for (int i = 0; i < IN; i++)
        input[i] = NAN;
    network net;
    layer l;
    pool_forward(&net, &l, 2, 2, 0, input);
    for (int i = 0; i < l.outputs * BATCH; i++)
        assert_int_equal(l.indexes[i], -1);
    net.delta = guarded_delta(buf);
    l.backward(l, net);
    assert_true(buf[0] == 1234.5f);
    for (int i = 1; i <= IN; i++)
        assert_true(buf[i] == 0.0f);
    free_layer(l);
}

/* padding=10 on 6x6, size 2, stride 2: 8x8 windows from offset -5, the
 * first two rows and columns of them wholly in the padding. */
static void padding_windows(void **state)
{
    (void)state;
    float input[IN], buf[IN + 1];
    for (int i = 0; i < IN; i++)
        input[i] = (float)(i % 13);
    network net;
    layer l;
    pool_forward(&net, &l, 2, 2, 10, input);
    double expect = 0;
    int empty = 0;
    for (int i = 0; i < l.outputs * BATCH; i++) {
        empty += l.indexes[i] < 0;
        expect += l.indexes[i] < 0 ? 0.0 : l.delta[i];
    }
    assert_true(empty > 0);
    net.delta = guarded_delta(buf);
    l.backward(l, net);
    double got = 0;
    for (int i = 1; i <= IN; i++)
        got += buf[i];
    assert_true(buf[0] == 1234.5f);
    assert_true(fabs(got - expect) < 1e-3);
    free_layer(l);
}

/* The first layer: backward_network hands it the network's delta, NULL. */
static void first_layer(void **state)
{
    (void)state;
    float input[IN];
    for (int i = 0; i < IN; i++)
        input[i] = (float)i;
    network net;
    layer l;
    pool_forward(&net, &l, 3, 1, 2, input);
    net.delta = NULL;
    l.backward(l, net);
    free_layer(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_darknet_on_numbers),
        cmocka_unit_test(nan_windows),
        cmocka_unit_test(padding_windows),
        cmocka_unit_test(first_layer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
