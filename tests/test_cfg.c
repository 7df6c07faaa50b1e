/* The [infomonitor] cfg rewrite: layer indices, option parsing, defaults,
 * and one error per kind of bad input (each naming file and line), two
 * monitors with one name included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "darknet/cfg_rewrite.h"

static char g_path[256];

static void write_cfg(const char *text)
{
    snprintf(g_path, sizeof g_path, "/tmp/im_test_cfg_%d.cfg", (int)getpid());
    FILE *f = fopen(g_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *k_net = "[net]\nbatch=16\nheight=8\nwidth=8\nchannels=1\n\n";

/* Rewrite `body` after the [net] section; expect success. */
static im_cfg_rewrite rewrite_ok(const char *body)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", k_net, body);
    write_cfg(text);
    im_cfg_rewrite rw;
    char err[512] = "";
    im_status st = im_cfg_rewrite_file(g_path, &rw, err, sizeof err);
    if (st != IM_OK)
        fail_msg("rewrite failed: %s", err);
    return rw;
}

/* Rewrite; expect IM_ERR_FORMAT and a message containing path:line and `needle`. */
static void rewrite_bad(const char *body, int line, const char *needle)
{
    char text[4096], err[512] = "", where[300];
    snprintf(text, sizeof text, "%s%s", k_net, body);
    write_cfg(text);
    im_cfg_rewrite rw;
    assert_int_equal(im_cfg_rewrite_file(g_path, &rw, err, sizeof err), IM_ERR_FORMAT);
    snprintf(where, sizeof where, "%s:%d:", g_path, line);
    if (!strstr(err, where) || !strstr(err, needle))
        fail_msg("message '%s' lacks '%s' or '%s'", err, where, needle);
    assert_null(rw.text);
    assert_null(rw.mon);
}

static void indices_and_defaults(void **state)
{
    (void)state;
    im_cfg_rewrite rw = rewrite_ok("[convolutional]\nfilters=2\nsize=3\n\n"
                                   "[infomonitor]\n\n"
                                   "[maxpool]\nsize=2\nstride=2\n\n"
                                   "[route]\nlayers=-2\n\n"
                                   "[connected]\noutput=3\n"
                                   "[infomonitor]\nevery=5\nsamples=8\nalpha=2\nh=3\n"
                                   "delta_h=0.2\nkernel_width=fixed\nsigma=1.5\n"
                                   "quantities=ixt,pid , delta\nbackend=cpu-ref\n"
                                   "[infomonitor]\nname=again\nkernel_width=median\nmedian=0.2\n"
                                   "[softmax]\n");
    assert_int_equal(rw.nlayers, 8);
    assert_int_equal(rw.nmon, 3);
    const im_monitor_spec *a = &rw.mon[0], *b = &rw.mon[1], *c = &rw.mon[2];
    assert_string_equal(a->name, "conv1");
    assert_int_equal(a->index, 1);
    assert_int_equal(a->layer, 0);
    assert_int_equal(a->every, 1);
    assert_int_equal(a->samples, 0);
    /* The default rule, silverman-dim, with its h and error-chain h. */
    assert_true(a->alpha == 1.01 && a->h == IM_DIM_H && a->delta_h == IM_DIM_DELTA_H);
    assert_int_equal(a->rule, IM_WIDTH_SILVERMAN_DIM);
    assert_int_equal(a->quantities, IM_Q_IXT | IM_Q_ITY | IM_Q_MMI | IM_Q_DELTA);
    assert_int_equal(a->line, 11);
    assert_string_equal(a->backend, "auto");
    assert_int_equal(a->probe, 0);
    assert_true(a->probe_seed == -1);
    assert_string_equal(b->name, "fc1");
    assert_int_equal(b->index, 5);
    assert_int_equal(b->layer, 4);
    assert_int_equal(b->every, 5);
    assert_int_equal(b->samples, 8);
    assert_true(b->alpha == 2.0 && b->h == 3.0 && b->delta_h == 0.2 && b->sigma == 1.5);
    assert_int_equal(b->rule, IM_WIDTH_FIXED);
    assert_string_equal(b->backend, "cpu-ref");
    assert_int_equal(b->quantities,
                     IM_Q_IXT | IM_Q_PID | IM_Q_MMI | IM_Q_DELTA); /* pid implies mmi */
    /* A monitor after a monitor watches the same layer. */
    assert_string_equal(c->name, "again");
    assert_int_equal(c->index, 6);
    assert_int_equal(c->layer, 4);
    assert_int_equal(c->rule, IM_WIDTH_MEDIAN);
    assert_true(c->median == 0.2);
    /* Indices without monitors: conv 0, maxpool 1, route 2, connected 3. */
    assert_int_equal(a->user_layer, 0);
    assert_int_equal(b->user_layer, 3);
    assert_int_equal(c->user_layer, 3);
    /* The text: monitors became p=0 dropouts, their options are gone, and
     * the route's -2 (the conv, two layers back without monitors) is -3
     * in Darknet's count. */
    const char *t = rw.text;
    int ndrop = 0;
    for (const char *p = t; (p = strstr(p, "[dropout]\nprobability=0\n")); p++)
        ndrop++;
    assert_int_equal(ndrop, 3);
    assert_null(strstr(t, "infomonitor"));
    assert_null(strstr(t, "kernel_width"));
    assert_non_null(strstr(t, "[route]\nlayers=-3\n"));
    assert_non_null(strstr(t, "[convolutional]\nfilters=2\nsize=3\n"));
    im_cfg_rewrite_free(&rw);
    unlink(g_path);
}

/* Without monitors Darknet reads the same sections and options: the text
 * is the file as Darknet's read_cfg sees it (blanks and comments gone). */
static void no_monitor_same_options(void **state)
{
    (void)state;
    im_cfg_rewrite rw = rewrite_ok("# comment\n[connected]\n output = 3 \n\n[softmax]\n");
    assert_string_equal(rw.text, "[net]\nbatch=16\nheight=8\nwidth=8\nchannels=1\n"
                                 "[connected]\noutput=3\n[softmax]\n");
    assert_int_equal(rw.nmon, 0);
    assert_int_equal(rw.nlayers, 2);
    im_cfg_rewrite_free(&rw);
    unlink(g_path);
}

/* Route layers= and shortcut from=, relative and absolute, point where
 * they pointed without monitors; an index out of range is left as written
 * for the shape check to refuse. */
static void indices_remapped(void **state)
{
    (void)state;
    im_cfg_rewrite rw = rewrite_ok("[convolutional]\nfilters=2\n[infomonitor]\n"
                                   "[convolutional]\nfilters=2\n[infomonitor]\n"
                                   "[infomonitor]\nname=b\n"
                                   "[shortcut]\nfrom=-2\nactivation=linear\n"
                                   "[route]\nlayers=0, -1,2\n[route]\nlayers=-9\n"
                                   "[shortcut]\nfrom=x\n"
                                   "[route]\nlayers=-1,-00000000000000000000000000000006,"
                                   "-1111111111111111111111111111111111,\n");
    /* Darknet's indices: conv 0, monitor 1, conv 2, monitors 3 and 4,
     * shortcut 5, routes 6 and 7, shortcut 8, route 9.  Items of 32
     * characters and more are remapped, or left as written (such an item
     * once became empty: fuzz_cfg). */
    assert_non_null(strstr(rw.text, "[shortcut]\nfrom=-5\nactivation=linear\n"));
    assert_non_null(strstr(rw.text, "[route]\nlayers=0,-1,5\n"));
    assert_non_null(strstr(rw.text, "[route]\nlayers=-9\n"));
    assert_non_null(strstr(rw.text, "[shortcut]\nfrom=x\n"));
    assert_non_null(
        strstr(rw.text, "[route]\nlayers=-1,-9,-1111111111111111111111111111111111,\n"));
    assert_int_equal(rw.nmon, 3);
    assert_int_equal(rw.mon[2].layer, 2);
    assert_int_equal(rw.mon[2].user_layer, 1);
    assert_int_equal(rw.nlayers, 10);
    im_cfg_rewrite_free(&rw);
    unlink(g_path);
}

static void errors_name_file_and_line(void **state)
{
    (void)state;
    /* Lines: [net] section is lines 1-6; body starts at line 7. */
    rewrite_bad("[infomonitor]\n[connected]\noutput=2\n", 7, "first layer");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nbogus=1\n", 10, "unknown key 'bogus'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nevery=0\n", 10, "every = '0'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nevery=2x\n", 10, "'2x'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nsamples=1\n", 10, "samples = '1'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nalpha=-1\n", 10, "alpha = '-1'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nalpha=nan\n", 10, "alpha = 'nan'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nh=0\n", 10, "h = '0'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\ndelta_h=abc\n", 10, "delta_h = 'abc'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nkernel_width=gauss\n", 10, "'gauss'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nkernel_width=silverman_scaled\n", 10,
                "silverman, silverman-scaled, silverman-dim, median, fixed or align");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nquantities=ixt,foo\n", 10, "'ixt,foo'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nquantities=ixt,ixt\n", 10, "'ixt,ixt'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nquantities=ixt,\n", 10, "'ixt,'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nmedian=2\nkernel_width=median\n", 10,
                "median = '2'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nevery=2\nevery=3\n", 11, "given twice");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nevery\n", 10, "key=value");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nkernel_width=fixed\n[softmax]\n", 9,
                "needs a sigma");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nsigma=2\n", 9, "only used with");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nmedian=0.1\n", 9, "only used with");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nname=a,b\n", 10, "name = 'a,b'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nbackend=gpu\n", 10, "backend = 'gpu'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nbogus=1\n", 10,
                "(known: name, every, samples, alpha, h, delta_h, kernel_width, sigma, median, "
                "quantities, backend, probe, probe_seed)");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nkernel_width=fixed\nsigma=0\n", 11,
                "sigma = '0': expected a number > 0");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nsamples=1000000001\n", 10,
                "expected a whole number >= 2");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\n"
                "name=a123456789012345678901234567890123456789012345678901234567890123\n",
                10, "expected a name of 1-63 characters");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nname=a\"b\n", 10, "name = 'a\"b'");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nh=1\nsigma=1\nh=2\n", 12,
                "key 'h' given twice");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\n=3\n", 10, "key=value");
    rewrite_bad("[connected]\noutput=2\n[conection]\n", 9, "unknown section [conection]");
    rewrite_bad("[connected]\noutput=2\n[net]\n", 9, "second [net]");
    /* The first section must be [net]. */
    write_cfg("\n[connected]\noutput=2\n");
    im_cfg_rewrite rw;
    char err[512], where[300];
    assert_int_equal(im_cfg_rewrite_file(g_path, &rw, err, sizeof err), IM_ERR_FORMAT);
    snprintf(where, sizeof where, "%s:2:", g_path);
    assert_non_null(strstr(err, where));
    assert_non_null(strstr(err, "[net]"));
    write_cfg("batch=3\n[net]\n");
    assert_int_equal(im_cfg_rewrite_file(g_path, &rw, err, sizeof err), IM_ERR_FORMAT);
    assert_non_null(strstr(err, "before the first section"));
    write_cfg("# nothing\n");
    assert_int_equal(im_cfg_rewrite_file(g_path, &rw, err, sizeof err), IM_ERR_FORMAT);
    unlink(g_path);
    assert_int_equal(im_cfg_rewrite_file("/nonexistent/x.cfg", &rw, err, sizeof err), IM_ERR_IO);
    assert_non_null(strstr(err, "/nonexistent/x.cfg"));
}

/* kernel_width=silverman-scaled and silverman-dim take h (default 5 and
 * IM_DIM_H), and for the error chain delta_h, which defaults to h under
 * silverman-scaled, IM_DIM_DELTA_H under silverman-dim and 0.1 under
 * silverman (whose h defaults to 5). */
static void scaled_width_rule(void **state)
{
    (void)state;
    im_cfg_rewrite rw =
        rewrite_ok("[connected]\noutput=2\n[infomonitor]\nkernel_width=silverman-scaled\nh=2\n");
    assert_int_equal(rw.nmon, 1);
    assert_int_equal(rw.mon[0].rule, IM_WIDTH_SILVERMAN_SCALED);
    assert_true(rw.mon[0].h == 2.0 && rw.mon[0].delta_h == 2.0);
    im_cfg_rewrite_free(&rw);
    rw = rewrite_ok("[connected]\noutput=2\n[infomonitor]\nkernel_width=silverman-dim\n"
                    "delta_h=0.5\n[infomonitor]\nname=fc1b\nkernel_width=silverman\nh=3\n");
    assert_int_equal(rw.mon[0].rule, IM_WIDTH_SILVERMAN_DIM);
    assert_true(rw.mon[0].h == IM_DIM_H && rw.mon[0].delta_h == 0.5);
    assert_true(rw.mon[1].h == 3.0 && rw.mon[1].delta_h == 0.1);
    im_cfg_rewrite_free(&rw);
    /* The paper's literal rule is one key away: h = 5, delta_h = 0.1. */
    rw = rewrite_ok("[connected]\noutput=2\n[infomonitor]\nkernel_width=silverman\n");
    assert_true(rw.mon[0].h == 5.0 && rw.mon[0].delta_h == 0.1);
    im_cfg_rewrite_free(&rw);
}

/* kernel_width=align is the core's rule of that name. */
static void align_width_rule(void **state)
{
    (void)state;
    im_cfg_rewrite rw = rewrite_ok("[connected]\noutput=2\n[infomonitor]\nkernel_width=align\n");
    assert_int_equal(rw.mon[0].rule, IM_WIDTH_ALIGN);
    im_cfg_rewrite_free(&rw);
}

/* probe=N and probe_seed=S: parsed, and the probe monitors of a file
 * agree on the seed. */
static void probe_options(void **state)
{
    (void)state;
    im_cfg_rewrite rw = rewrite_ok("[connected]\noutput=2\n[infomonitor]\nprobe=8\n"
                                   "[infomonitor]\nname=fc1b\nprobe=4\nquantities=ity,delta\n"
                                   "[connected]\noutput=2\n[infomonitor]\nsamples=4\n");
    assert_int_equal(rw.nmon, 3);
    assert_int_equal(rw.mon[0].probe, 8);
    assert_int_equal(rw.mon[1].probe, 4);
    assert_int_equal(rw.mon[2].probe, 0);
    assert_true(rw.mon[0].probe_seed == -1 && rw.mon[1].probe_seed == -1);
    im_cfg_rewrite_free(&rw);
    rw = rewrite_ok("[connected]\noutput=2\n[infomonitor]\nprobe=8\nprobe_seed=0\n"
                    "[connected]\noutput=2\n[infomonitor]\nprobe=2\nprobe_seed=0\n");
    assert_true(rw.mon[0].probe_seed == 0 && rw.mon[1].probe_seed == 0);
    im_cfg_rewrite_free(&rw);
    rw = rewrite_ok("[connected]\noutput=2\n[infomonitor]\nprobe=3\n"
                    "probe_seed=9223372036854775807\n");
    assert_true(rw.mon[0].probe_seed == 9223372036854775807LL);
    im_cfg_rewrite_free(&rw);
    const char *head = "[connected]\noutput=2\n[infomonitor]\n"; /* the header is line 9 */
    char body[512];
    static const struct {
        const char *opts;
        int line;
        const char *needle;
    } bad[] = {
        {"probe=1\n", 10, "probe = '1': expected a whole number >= 2"},
        {"probe=0\n", 10, "probe = '0'"},
        {"probe=-4\n", 10, "probe = '-4'"},
        {"probe=8.5\n", 10, "probe = '8.5'"},
        {"probe=abc\n", 10, "probe = 'abc'"},
        {"probe=8\nprobe_seed=-1\n", 11, "probe_seed = '-1': expected a whole number >= 0"},
        {"probe=8\nprobe_seed=x\n", 11, "probe_seed = 'x'"},
        {"probe=8\nprobe_seed=1.5\n", 11, "probe_seed = '1.5'"},
        {"probe=8\nprobe_seed=9223372036854775808\n", 11, "probe_seed = '9223372036854775808'"},
        {"probe_seed=3\n", 9, "probe_seed is only used with probe"},
        {"probe=8\nsamples=8\n", 9, "samples is not used with probe = 8"},
        {"probe=8\nquantities=delta,mmi\n", 9, "probe = 8 applies to ixt, ity and pid"},
        {"probe=8\nprobe=8\n", 11, "key 'probe' given twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, "%s%s", head, bad[i].opts);
        rewrite_bad(body, bad[i].line, bad[i].needle);
    }
    /* One probe set per network: the later monitor (line 12, 15) is named. */
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nprobe=8\nprobe_seed=1\n"
                "[infomonitor]\nprobe=4\nprobe_seed=2\n",
                12,
                "probe with probe_seed = 2, but the probe monitor at line 9 has "
                "probe_seed = 1");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nprobe=8\n"
                "[connected]\noutput=2\n[infomonitor]\nsamples=4\n"
                "[infomonitor]\nprobe=8\nprobe_seed=5\n",
                15, "probe with probe_seed = 5, but the probe monitor at line 9 has no probe_seed");
    unlink(g_path);
}

/* Two monitors with one name, given or default (the watched layer's):
 * the later one's line, the name and the earlier one's line. */
static void duplicate_names(void **state)
{
    (void)state;
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nname=a\n"
                "[connected]\noutput=2\n[infomonitor]\nname=a\n",
                13, "[infomonitor] name 'a' is also the name of the monitor at line 9:");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\n[infomonitor]\n", 10,
                "name 'fc1' (its default) is also the name of the monitor at line 9 (its "
                "default)");
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nname=fc2\n"
                "[connected]\noutput=2\n[infomonitor]\n",
                13, "name 'fc2' (its default) is also the name of the monitor at line 9:");
    /* Two monitors on one layer with their own names are fine. */
    im_cfg_rewrite rw =
        rewrite_ok("[connected]\noutput=2\n[infomonitor]\n[infomonitor]\nname=fc1-pid\n");
    assert_int_equal(rw.nmon, 2);
    assert_string_equal(rw.mon[0].name, "fc1");
    assert_string_equal(rw.mon[1].name, "fc1-pid");
    im_cfg_rewrite_free(&rw);
    unlink(g_path);
}

/* The backend option takes its names from the back-end registry. */
static void backend_names_from_registry(void **state)
{
    (void)state;
    char body[256];
    for (size_t i = 0; im_backend_name(i) != NULL; i++) {
        snprintf(body, sizeof body, "[connected]\noutput=2\n[infomonitor]\nbackend=%s\n",
                 im_backend_name(i));
        im_cfg_rewrite rw = rewrite_ok(body);
        assert_string_equal(rw.mon[0].backend, im_backend_name(i));
        im_cfg_rewrite_free(&rw);
    }
    im_cfg_rewrite rw = rewrite_ok("[connected]\noutput=2\n[infomonitor]\nbackend=auto\n");
    assert_string_equal(rw.mon[0].backend, "auto");
    im_cfg_rewrite_free(&rw);
    /* A name the registry lacks: the message lists auto and every registry name. */
    write_cfg("[net]\nbatch=4\n[connected]\noutput=2\n[infomonitor]\nbackend=opencl\n");
    char err[512];
    assert_int_equal(im_cfg_rewrite_file(g_path, &rw, err, sizeof err), IM_ERR_FORMAT);
    assert_non_null(strstr(err, ":6: [infomonitor] backend = 'opencl': expected auto, "));
    for (size_t i = 0; im_backend_name(i) != NULL; i++)
        if (!strstr(err, im_backend_name(i)))
            fail_msg("message '%s' lacks back end '%s'", err, im_backend_name(i));
    /* Names are case-sensitive, as in the registry. */
    rewrite_bad("[connected]\noutput=2\n[infomonitor]\nbackend=CPU\n", 10, "backend = 'CPU'");
    unlink(g_path);
}

/* Windows line ends: Darknet's parser would keep the '\r' ("[net]\r"
 * aborts it), so the rewrite drops them. */
static void crlf_lines(void **state)
{
    (void)state;
    write_cfg("[net]\r\nbatch=4\r\n\r\n[connected]\r\noutput=2\r\n[infomonitor]\r\nevery=2\r\n"
              "[softmax]\r\n");
    im_cfg_rewrite rw;
    char err[512];
    assert_int_equal(im_cfg_rewrite_file(g_path, &rw, err, sizeof err), IM_OK);
    assert_null(strchr(rw.text, '\r'));
    assert_string_equal(rw.text, "[net]\nbatch=4\n[connected]\noutput=2\n"
                                 "[dropout]\nprobability=0\n[softmax]\n");
    assert_int_equal(rw.mon[0].every, 2);
    im_cfg_rewrite_free(&rw);
    unlink(g_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indices_and_defaults),
        cmocka_unit_test(no_monitor_same_options),
        cmocka_unit_test(indices_remapped),
        cmocka_unit_test(errors_name_file_and_line),
        cmocka_unit_test(backend_names_from_registry),
        cmocka_unit_test(scaled_width_rule),
        cmocka_unit_test(align_width_rule),
        cmocka_unit_test(probe_options),
        cmocka_unit_test(crlf_lines),
        cmocka_unit_test(duplicate_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
