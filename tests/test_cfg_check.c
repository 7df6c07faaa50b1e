/* The keys and non-shape values of a cfg (darknet/cfg_keys.h,
 * darknet/cfg_values.h): every cfg Debian's darknet ships passes, with and
 * without monitors; each bad cfg gets its one-line message; the warnings;
 * the suggestions (util/suggest.h). */
#include "tmpdir_fixture.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "darknet/cfg_keys.h"
#include "darknet/cfg_values.h"
#include "util/suggest.h"

static const char *write_cfg(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Read path and run both checks; err gets the message. */
static im_status check(const char *path, im_cfg_model *m, char *err, size_t errlen)
{
    im_status st = im_cfg_model_read(path, m, err, errlen);
    if (st == IM_OK)
        st = im_dn_cfg_keys_check(m, err, errlen);
    if (st == IM_OK)
        st = im_dn_cfg_values_check(m, err, errlen);
    return st;
}

/* A copy of src at dst with an [infomonitor] after each [convolutional]
 * section (before the next header, or at the end); the count of them. */
static int with_monitors(const char *src, const char *dst)
{
    FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
    assert_non_null(in);
    assert_non_null(out);
    static const char mon[] = "\n[infomonitor]\nquantities=ixt,mmi\nevery=2\n\n";
    char line[4096];
    int conv = 0, n = 0;
    while (fgets(line, sizeof line, in)) {
        const char *p = line + strspn(line, " \t");
        if (*p == '[') {
            if (conv)
                fputs(mon, out), n++;
            conv = !strncmp(p, "[convolutional]", 15);
        }
        fputs(line, out);
    }
    if (conv)
        fputs(mon, out), n++;
    fclose(in);
    assert_int_equal(fclose(out), 0);
    return n;
}

/* Every Debian cfg passes both checks, as is and with monitors; the
 * warnings are the ones its odd lines deserve. */
static void debian_cfgs_pass(void **state)
{
    (void)state;
    FILE *ls = popen("ls /usr/share/darknet/cfg/*.cfg", "r");
    assert_non_null(ls);
    char path[512];
    int n = 0, monitors = 0;
    while (fgets(path, sizeof path, ls)) {
        path[strcspn(path, "\n")] = '\0';
        im_cfg_model m, mm;
        char err[1024] = "";
        if (check(path, &m, err, sizeof err) != IM_OK)
            fail_msg("%s", err);
        const char *base = strrchr(path, '/') + 1, *w = m.warnings ? m.warnings : "";
        if (!strcmp(base, "rnn.cfg") || !strcmp(base, "rnn.train.cfg"))
            assert_non_null(strstr(w, ":17: [rnn] hidden = '1024': ignored (an older Darknet's"));
        else if (!strcmp(base, "writing.cfg"))
            assert_non_null(strstr(w, ":10: [net] seen = '0': ignored (an older Darknet's key)"));
        else if (!strcmp(base, "yolov2-tiny-voc.cfg"))
            assert_non_null(strstr(w, ":21: [net] steps = '-1,100,20000,30000': a step < 0"));
        else if (strcmp(base, "yolo9000.cfg") && strcmp(base, "yolov3-openimages.cfg"))
            assert_string_equal(w, "");
        int k = with_monitors(path, "mon.cfg");
        if (check("mon.cfg", &mm, err, sizeof err) != IM_OK)
            fail_msg("%s with monitors: %s", base, err);
        assert_int_equal(mm.nlayers, m.nlayers);
        assert_int_equal(mm.dn_layers, m.nlayers + k);
        monitors += k;
        im_cfg_model_free(&m);
        im_cfg_model_free(&mm);
        n++;
    }
    pclose(ls);
    assert_true(n >= 40);
    assert_true(monitors > 1000);
}

#define NET "[net]\nbatch=2\nheight=28\nwidth=28\nchannels=1\n"

static const struct {
    const char *text, *msg;
} bad_cfgs[] = {
    {NET "learnin_rate=0.1\n",
     "t.cfg:6: [net] learnin_rate = '0.1': Darknet reads no such key in [net] (did you mean "
     "'learning_rate'?)"},
    {NET "[convolutional]\nfilters=4\nsize=3\nstirde=1\n",
     "t.cfg:9: [convolutional] stirde = '1': Darknet reads no such key in [convolutional] (did "
     "you mean 'stride'?)"},
    {NET "[conv]\ndontlod=1\n",
     "t.cfg:7: [conv] dontlod = '1': Darknet reads no such key in [conv] (did you mean "
     "'dontload'?)"},
    {NET "[dropout]\nprob=0.5\n",
     "t.cfg:7: [dropout] prob = '0.5': Darknet reads no such key in [dropout] (its keys: "
     "probability; in every layer: truth, onlyforward, stopbackward, dontsave, dontload, "
     "numload, dontloadscales, learning_rate, smooth)"},
    {NET "[avgpool]\nsize=2\n",
     "t.cfg:7: [avgpool] size = '2': Darknet reads no such key in [avgpool] (its keys: truth, "
     "onlyforward, stopbackward, dontsave, dontload, numload, dontloadscales, learning_rate, "
     "smooth)"},
    {NET "[maxpool]\nhidden=2\n",
     "t.cfg:7: [maxpool] hidden = '2': Darknet reads no such key in [maxpool] (its keys: "
     "stride, size, padding; in every layer: truth, onlyforward, stopbackward, dontsave, "
     "dontload, numload, dontloadscales, learning_rate, smooth)"},
    {NET "[convolutional]\nactivation=rleu\n",
     "t.cfg:7: [convolutional] activation = 'rleu': expected one of Darknet's activations "
     "(did you mean 'relu'?)"},
    {NET "[connected]\nactivation=swish\n",
     "t.cfg:7: [connected] activation = 'swish': expected one of Darknet's activations: "
     "logistic, loggy, relu, elu, selu, relie, plse, hardtan, lhtan, linear, ramp, leaky, tanh, "
     "stair"},
    {NET "policy=stpes\n",
     "t.cfg:6: [net] policy = 'stpes': expected one of Darknet's policies (did you mean "
     "'steps'?)"},
    {NET "policy=cosine\n",
     "t.cfg:6: [net] policy = 'cosine': expected one of Darknet's policies: constant, step, "
     "steps, exp, poly, sigmoid, random"},
    {NET "[cost]\ntype=l2\n",
     "t.cfg:7: [cost] type = 'l2': expected one of Darknet's cost types: seg, sse, masked, "
     "smooth, L1, wgan"},
    {NET "[cost]\ntype=maskd\n",
     "t.cfg:7: [cost] type = 'maskd': expected one of Darknet's cost types (did you mean "
     "'masked'?)"},
    {NET "policy=steps\nsteps=100,200\nscales=.1\n",
     "t.cfg:8: [net] scales = '.1': expected 2 numbers, one per step (steps, line 7, has 2)"},
    {NET "policy=steps\nsteps=100\n",
     "t.cfg:6: [net] policy = 'steps': expected steps= and scales= beside it (Darknet exits "
     "without them)"},
    {NET "policy=steps\nsteps=300,200\nscales=.1,.1\n",
     "t.cfg:7: [net] steps = '300,200': expected steps that never decrease (item 2 is below "
     "item 1; Darknet stops at the first step above the iteration)"},
    {NET "steps=100,2x0\n",
     "t.cfg:6: [net] steps = '100,2x0': expected whole numbers separated by ',' (item 2 is "
     "'2x0')"},
    {NET "scales=.1,,.1\n",
     "t.cfg:6: [net] scales = '.1,,.1': expected numbers >= 0 separated by ',' (item 2 is '')"},
    {NET "scales=.1,-1\n",
     "t.cfg:6: [net] scales = '.1,-1': expected numbers >= 0 separated by ',' (item 2 is "
     "'-1')"},
    {NET "learning_rate=-0.01\n",
     "t.cfg:6: [net] learning_rate = '-0.01': expected a number >= 0"},
    {NET "[conv]\nlearning_rate=-1\n",
     "t.cfg:7: [conv] learning_rate = '-1': expected a number >= 0"},
    {NET "momentum=1\n", "t.cfg:6: [net] momentum = '1': expected a number in [0, 1)"},
    {NET "decay=-0.0005\n", "t.cfg:6: [net] decay = '-0.0005': expected a number >= 0"},
    {NET "learning_rate=0.1x\n", "t.cfg:6: [net] learning_rate = '0.1x': expected a number >= 0"},
    {NET "max_batches=1e4\n",
     "t.cfg:6: [net] max_batches = '1e4': expected a whole number >= 0"},
    {NET "burn_in=-5\n", "t.cfg:6: [net] burn_in = '-5': expected a whole number >= 0"},
    {NET "hue=abc\n", "t.cfg:6: [net] hue = 'abc': expected a finite number"},
    {NET "adam=1\neps=0\n", "t.cfg:7: [net] eps = '0': expected a number > 0"},
    {NET "policy=step\nstep=0\n", "t.cfg:7: [net] step = '0': expected a whole number >= 1"},
    {NET "[convolutional]\nbatch_normalize=2\n",
     "t.cfg:7: [convolutional] batch_normalize = '2': expected 0 or 1"},
    {NET "[dropout]\nprobability=1.5\n",
     "t.cfg:7: [dropout] probability = '1.5': expected a number in [0, 1)"},
    {NET "[dropout]\nprobability=1\n",
     "t.cfg:7: [dropout] probability = '1': expected a number in [0, 1)"},
    {NET "[softmax]\ntemperature=0\n",
     "t.cfg:7: [softmax] temperature = '0': expected a number > 0"},
    {NET "[yolo]\nnum=3\nmask=0,3\n",
     "t.cfg:8: [yolo] mask = '0,3': expected anchor indices in 0..2 separated by ',' (item 2 is "
     "'3')"},
    {NET "[region]\nnum=1\nanchors=1,2,3\n",
     "t.cfg:8: [region] anchors = '1,2,3': expected at most 2 numbers (2 per anchor, num = 1), "
     "found 3"},
};

static void bad_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cfgs / sizeof bad_cfgs[0]; i++) {
        im_cfg_model m;
        char err[1024] = "";
        assert_int_equal(check(write_cfg("t.cfg", bad_cfgs[i].text), &m, err, sizeof err),
                         IM_ERR_FORMAT);
        assert_string_equal(err, bad_cfgs[i].msg);
        im_cfg_model_free(&m);
    }
}

static const struct {
    const char *text, *warnings;
} warned[] = {
    {NET "policy=poly\nsteps=100\nscales=.1\ngamma=2\n",
     "t.cfg:7: [net] steps = '100': ignored: Darknet reads it only with policy=steps\n"
     "t.cfg:8: [net] scales = '.1': ignored: Darknet reads it only with policy=steps\n"
     "t.cfg:9: [net] gamma = '2': ignored: Darknet reads it only with policy=exp or sigmoid\n"},
    {NET "step=10\nscale=.5\nB1=.9\nadam=0\n",
     "t.cfg:6: [net] step = '10': ignored: Darknet reads it only with policy=step or sigmoid\n"
     "t.cfg:7: [net] scale = '.5': ignored: Darknet reads it only with policy=step\n"
     "t.cfg:8: [net] B1 = '.9': ignored: Darknet reads it only with adam=1\n"},
    {NET "policy=sigmoid\nstep=10\ngamma=2\nadam=1\nB2=.99\ndecay=2\n",
     "t.cfg:11: [net] decay = '2': the weights shrink by learning_rate times their value every "
     "step\n"},
    {NET "policy=steps\nsteps=-1,5\nscales=1,.1\n",
     "t.cfg:7: [net] steps = '-1,5': a step < 0 never applies, nor do the steps after it (this "
     "Darknet compares steps with an unsigned iteration count)\n"},
    {NET "seen=0\n[rnn]\nhidden=4\n",
     "t.cfg:6: [net] seen = '0': ignored (an older Darknet's key)\n"
     "t.cfg:8: [rnn] hidden = '4': ignored (an older Darknet's key)\n"},
};

static void warnings(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof warned / sizeof warned[0]; i++) {
        im_cfg_model m;
        char err[1024] = "";
        if (check(write_cfg("t.cfg", warned[i].text), &m, err, sizeof err) != IM_OK)
            fail_msg("case %zu: %s", i, err);
        assert_non_null(m.warnings);
        assert_string_equal(m.warnings, warned[i].warnings);
        im_cfg_model_free(&m);
    }
}

/* Monitors are the rewrite's: keys Darknet does not know pass there, and
 * the check of the layers around them is unchanged. */
static void monitors_skipped(void **state)
{
    (void)state;
    im_cfg_model m;
    char err[1024] = "";
    const char *p = write_cfg("t.cfg", NET "[conv]\nactivation=leaky\n[infomonitor]\n"
                                           "kernel_width=fixed\nsigma=2\nactivation=rleu\n"
                                           "[dropout]\nprobability=.5\n");
    assert_int_equal(check(p, &m, err, sizeof err), IM_OK);
    assert_null(m.warnings);
    im_cfg_model_free(&m);
    p = write_cfg("t.cfg", NET "[conv]\n[infomonitor]\n[conv]\nactivation=rleu\n");
    assert_int_equal(check(p, &m, err, sizeof err), IM_ERR_FORMAT);
    assert_non_null(strstr(err, "t.cfg:9: [conv] activation = 'rleu'"));
    im_cfg_model_free(&m);
}

static void suggestions(void **state)
{
    (void)state;
    assert_int_equal(im_edit_distance("", ""), 0);
    assert_int_equal(im_edit_distance("rleu", "relu"), 1);
    assert_int_equal(im_edit_distance("learnin_rate", "learning_rate"), 1);
    assert_int_equal(im_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(im_edit_distance("abc", ""), 3);
    const char *const keys[] = {"B1", "batch", "learning_rate", NULL};
    assert_string_equal(im_suggest("btach", keys), "batch");
    assert_string_equal(im_suggest("learning-rate", keys), "learning_rate");
    assert_null(im_suggest("lr", keys)); /* 2 from B1, too far for a 2-letter key */
    assert_null(im_suggest("momentum", keys));
    const char *const none[] = {NULL};
    assert_null(im_suggest("x", none));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(debian_cfgs_pass),  cmocka_unit_test(bad_values),
        cmocka_unit_test(warnings),          cmocka_unit_test(monitors_skipped),
        cmocka_unit_test(suggestions),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
