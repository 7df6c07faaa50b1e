/* Reading a cfg into sections and options (darknet/cfg_model.h): lines,
 * layer indices with and without monitors, Darknet's first-of-duplicates
 * rule as a warning, typed values, and each structural error with its line. */
#include "tmpdir_fixture.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "darknet/cfg_model.h"

static const char *write_cfg(const char *text)
{
    FILE *f = fopen("t.cfg", "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return "t.cfg";
}

static void sections_lines_and_indices(void **state)
{
    (void)state;
    im_cfg_model m;
    char err[256] = "";
    const char *p = write_cfg("# a comment\n[net]\n batch = 4 \r\n; another\nbatch=8\n\n"
                              "[convolutional]\nfilters=2\n[infomonitor]\nevery=2\n"
                              "[maxpool]\n[infomonitor]\n[infomonitor]\n[softmax]\n");
    assert_int_equal(im_cfg_model_read(p, &m, err, sizeof err), IM_OK);
    assert_int_equal(m.nsec, 7);
    assert_int_equal(m.nlayers, 3);
    assert_int_equal(m.dn_layers, 6);
    const int layer[] = {-1, 0, -1, 1, -1, -1, 2}, dn[] = {-1, 0, 1, 2, 3, 4, 5};
    const int line[] = {2, 7, 9, 11, 12, 13, 14};
    for (size_t i = 0; i < m.nsec; i++) {
        assert_int_equal(m.sec[i].layer, layer[i]);
        assert_int_equal(m.sec[i].dn_index, dn[i]);
        assert_int_equal(m.sec[i].line, line[i]);
        assert_int_equal(m.sec[i].monitor, i == 2 || i == 4 || i == 5);
    }
    const im_cfg_opt *b = im_cfg_find(&m.sec[0], "batch");
    assert_non_null(b);
    assert_string_equal(b->val, "4");
    assert_int_equal(b->line, 3);
    assert_int_equal(m.sec[0].nopt, 2);
    assert_null(im_cfg_find(&m.sec[1], "size"));
    assert_non_null(m.warnings);
    assert_string_equal(m.warnings, "t.cfg:5: [net] batch given twice: Darknet reads line 3's\n");
    long long v;
    assert_int_equal(im_cfg_int(&m, &m.sec[0], "batch", 1, 1, 100, &v, err, sizeof err), IM_OK);
    assert_int_equal(v, 4);
    assert_int_equal(im_cfg_int(&m, &m.sec[0], "height", 7, 1, 100, &v, err, sizeof err), IM_OK);
    assert_int_equal(v, 7);
    assert_int_equal(im_cfg_int(&m, &m.sec[0], "batch", 1, 5, 100, &v, err, sizeof err),
                     IM_ERR_FORMAT);
    assert_string_equal(err, "t.cfg:3: [net] batch = '4': expected a whole number in 5..100");
    im_cfg_model_free(&m);
}

static void typed_numbers(void **state)
{
    (void)state;
    im_cfg_model m;
    char err[256] = "";
    const char *p = write_cfg("[net]\nlearning_rate=0.5\nmomentum=1e-400\nsize=3x\n");
    assert_int_equal(im_cfg_model_read(p, &m, err, sizeof err), IM_OK);
    assert_null(m.warnings);
    double x;
    long long v;
    assert_int_equal(im_cfg_num(&m, &m.sec[0], "learning_rate", 0, 0, 1, &x, err, sizeof err),
                     IM_OK);
    assert_true(x == 0.5);
    assert_int_equal(im_cfg_num(&m, &m.sec[0], "learning_rate", 0, 0, 0.1, &x, err, sizeof err),
                     IM_ERR_FORMAT);
    assert_non_null(strstr(err, "t.cfg:2: [net] learning_rate = '0.5': expected a number in"));
    /* An underflow is refused, not read as 0. */
    assert_int_equal(im_cfg_num(&m, &m.sec[0], "momentum", 0, 0, 1, &x, err, sizeof err),
                     IM_ERR_FORMAT);
    assert_int_equal(im_cfg_int(&m, &m.sec[0], "size", 1, 1, 9, &v, err, sizeof err),
                     IM_ERR_FORMAT);
    assert_non_null(strstr(err, "t.cfg:4: [net] size = '3x'"));
    im_cfg_model_free(&m);
}

static void structural_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } k[] = {
        {"batch=1\n[net]\n", "t.cfg:1: option 'batch=1' before the first section"},
        {"[net]\nbatch\n", "t.cfg:2: [net] expected key=value, found 'batch'"},
        {"[net]\n=3\n", "t.cfg:2: [net] expected key=value, found '=3'"},
        {"[net]\n[conv]\nsize=\n", "t.cfg:3: [conv] expected key=value, found 'size='"},
        {"[net]\n[convolutinal]\n",
         "t.cfg:2: unknown section [convolutinal] (Darknet would insert a broken layer)"},
        {"[conv]\n", "t.cfg:1: the first section must be [net], found [conv]"},
        {"[net]\n[conv]\n[network]\n", "t.cfg:3: a second [network] section"},
        {"# nothing\n\n", "t.cfg: no sections (expected [net] and layers)"},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        im_cfg_model m;
        char err[256] = "";
        assert_int_equal(im_cfg_model_read(write_cfg(k[i].text), &m, err, sizeof err),
                         IM_ERR_FORMAT);
        assert_string_equal(err, k[i].msg);
        assert_int_equal(m.nsec, 0);
        assert_null(m.sec);
        im_cfg_model_free(&m);
    }
    im_cfg_model m;
    char err[256] = "";
    assert_int_equal(im_cfg_model_read("missing.cfg", &m, err, sizeof err), IM_ERR_IO);
    assert_non_null(strstr(err, "missing.cfg: cannot open: "));
}

/* Every cfg that Debian's darknet ships reads without error. */
static void debian_cfgs_read(void **state)
{
    (void)state;
    FILE *ls = popen("ls /usr/share/darknet/cfg/*.cfg", "r");
    assert_non_null(ls);
    char path[512];
    int n = 0;
    while (fgets(path, sizeof path, ls)) {
        path[strcspn(path, "\n")] = '\0';
        im_cfg_model m;
        char err[256] = "";
        if (im_cfg_model_read(path, &m, err, sizeof err) != IM_OK)
            fail_msg("%s", err);
        assert_true(m.nlayers > 0);
        im_cfg_model_free(&m);
        n++;
    }
    pclose(ls);
    assert_true(n >= 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sections_lines_and_indices),
        cmocka_unit_test(typed_numbers),
        cmocka_unit_test(structural_errors),
        cmocka_unit_test(debian_cfgs_read),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
