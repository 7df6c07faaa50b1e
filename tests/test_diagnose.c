/* The run's diagnostics (darknet/diagnose.h): when each warning fires, and
 * that it fires once. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "darknet/diagnose.h"

static int setup(void **state)
{
    static im_dn_diag d;
    if (im_dn_diag_init(&d, 2, 10, NULL, 0) != IM_OK)
        return -1;
    *state = &d;
    return 0;
}

static int teardown(void **state)
{
    im_dn_diag_free(*state);
    return 0;
}

/* Noise around log(10) = 2.30 at the start is no collapse; a rise back
 * above it after the loss fell below half of it is. */
static void loss_collapse(void **state)
{
    im_dn_diag *d = *state;
    const double early[] = {2.36, 2.29, 2.42, 2.31, 1.6, 1.2};
    for (size_t i = 0; i < sizeof early / sizeof early[0]; i++)
        im_dn_diag_loss(d, i + 1, early[i]);
    assert_false(d->collapsed);
    im_dn_diag_loss(d, 7, 1.1);
    im_dn_diag_loss(d, 8, 2.2);
    assert_false(d->collapsed);
    im_dn_diag_loss(d, 9, 2.4);
    assert_true(d->collapsed);
}

static void nan_loss_after_learning_is_collapse(void **state)
{
    im_dn_diag *d = *state;
    im_dn_diag_loss(d, 1, 0.5);
    im_dn_diag_loss(d, 2, NAN);
    assert_true(d->collapsed);
}

/* 10 classes, 1000 images: chance is 0.1 with a standard deviation of
 * 0.0095, so 0.118 is at chance and 0.125 is not.  At chance after an
 * epoch above it is a collapse. */
static void accuracy_at_chance(void **state)
{
    im_dn_diag *d = *state;
    im_dn_diag_accuracy(d, 100, 1, 0.125, 1000);
    assert_false(d->collapsed);
    im_dn_diag_accuracy(d, 200, 2, 0.118, 1000);
    assert_true(d->collapsed);
}

/* One epoch at chance first is a slow start; two in a row are not. */
static void accuracy_slow_start(void **state)
{
    im_dn_diag *d = *state;
    im_dn_diag_accuracy(d, 100, 1, 0.107, 1000);
    im_dn_diag_accuracy(d, 200, 2, 0.26, 1000);
    im_dn_diag_accuracy(d, 300, 3, 0.76, 1000);
    assert_false(d->collapsed);
}

/* A loss that is not finite is a collapse at once, fallen or not. */
static void nonfinite_loss(void **state)
{
    im_dn_diag *d = *state;
    im_dn_diag_loss(d, 1, 2.4);
    assert_false(d->collapsed);
    im_dn_diag_loss(d, 2, INFINITY);
    assert_true(d->collapsed);
}

static void accuracy_never_learns(void **state)
{
    im_dn_diag *d = *state;
    im_dn_diag_accuracy(d, 100, 1, 0.107, 1000);
    assert_false(d->collapsed);
    im_dn_diag_accuracy(d, 200, 2, 0.101, 1000);
    assert_true(d->collapsed);
}

/* Saturation and dead maps, once per monitor (monitors are told apart by
 * their name pointers). */
static void monitor_warnings_once(void **state)
{
    im_dn_diag *d = *state;
    static const char a[] = "conv1", b[] = "conv2";
    im_metrics r[2] = {{.monitor = a, .n = 128, .C = 6, .have = IM_HAVE_T, .H_T = 6.9},
                       {.monitor = b, .n = 128, .C = 6, .have = IM_HAVE_T, .H_T = 5.0, .dead = 6}};
    im_dn_diag_rows(d, r, 2, 1);
    im_dn_diag_rows(d, r, 2, 2);
    assert_int_equal(d->nmon, 2);
    assert_int_equal(d->mon[0].warned, 1u); /* saturated: 6.9 >= 0.98 * 7 */
    assert_int_equal(d->mon[1].warned, 2u); /* all 6 maps dead, not saturated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(loss_collapse, setup, teardown),
        cmocka_unit_test_setup_teardown(nan_loss_after_learning_is_collapse, setup, teardown),
        cmocka_unit_test_setup_teardown(accuracy_at_chance, setup, teardown),
        cmocka_unit_test_setup_teardown(accuracy_slow_start, setup, teardown),
        cmocka_unit_test_setup_teardown(accuracy_never_learns, setup, teardown),
        cmocka_unit_test_setup_teardown(nonfinite_loss, setup, teardown),
        cmocka_unit_test_setup_teardown(monitor_warnings_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
