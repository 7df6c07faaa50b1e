/* The shapes of a cfg (darknet/cfg_shapes.h): known answers for each layer
 * type, worked by hand from Darknet's formulas (parser.c and the
 * make_<type>_layer functions of git 61c9d02e), Darknet's batch, the
 * memory estimate, and one bad cfg per error kind, each with its file:line
 * and its words.  tests/test_check.py compares the shapes with what Debian's
 * libdarknet builds for every Debian cfg. */
#include "tmpdir_fixture.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "darknet/cfg_validate.h"

static void write_cfg(const char *text)
{
    FILE *f = fopen("t.cfg", "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Keys, values, shapes, as the rewrite runs them. */
static im_status run(const char *text, im_cfg_model *m, im_dn_shapes *sh, char *err, size_t n)
{
    write_cfg(text);
    im_status st = im_cfg_model_read("t.cfg", m, err, n);
    if (st == IM_OK)
        st = im_dn_cfg_validate(m, sh, err, n);
    else
        memset(sh, 0, sizeof *sh);
    return st;
}

/* Lines 1-5; the first layer's header is line 6. */
#define NET "[net]\nbatch=2\nheight=8\nwidth=8\nchannels=4\n"
#define CONV "[convolutional]\nfilters=4\nsize=3\npad=1\n"   /* 8 x 8 x 4 -> 8 x 8 x 4 */
#define CONV5 "[convolutional]\nfilters=4\nsize=5\npadding=1\n" /* 6 x 6 x 4, a large workspace */

static const struct {
    const char *text;
    int layer, w, h, c, outputs;
} known[] = {
    /* conv: (8 + 2*1 - 3)/2 + 1 = 4 with pad (padding = size/2); padding=2 alone:
     * (8 + 4 - 3)/1 + 1 = 10; no padding: (8 - 5)/1 + 1 = 4; groups keep c. */
    {NET "[conv]\nfilters=6\nsize=3\nstride=2\npad=1\n", 0, 4, 4, 6, 96},
    {NET "[convolutional]\nsize=3\npadding=2\n", 0, 10, 10, 1, 100},
    {NET "[convolutional]\nfilters=2\nsize=5\n", 0, 4, 4, 2, 32},
    {NET "[convolutional]\nfilters=6\ngroups=2\n", 0, 8, 8, 6, 384},
    /* pad overrides padding: size 5, pad=1 gives padding 2: (8 + 4 - 5)/3 + 1 = 3. */
    {NET "[convolutional]\nsize=5\nstride=3\npad=1\npadding=7\n", 0, 3, 3, 1, 9},
    /* deconv: (8 - 1)*2 + 4 - 2*2 = 14 (pad: padding = 2); without: 18. */
    {NET "[deconv]\nfilters=3\nsize=4\nstride=2\npad=1\n", 0, 14, 14, 3, 588},
    {NET "[deconvolutional]\nfilters=3\nsize=4\nstride=2\n", 0, 18, 18, 3, 972},
    /* local after a 5x5 conv (6 x 6 x 4): (6 - 3)/1 + 1 = 4; pad=1: (6 - 1)/2 + 1 = 3. */
    {NET CONV5 "[local]\nfilters=2\nsize=3\n", 1, 4, 4, 2, 32},
    {NET CONV5 "[local]\nfilters=2\nsize=3\nstride=2\npad=1\n", 1, 3, 3, 2, 18},
    /* maxpool: stride 2, size = stride, padding = size - 1: (8 + 1 - 2)/2 + 1 = 4;
     * stride 1 alone: size 1, padding 0: 8; size 3 stride 2 (padding 2): 4;
     * padding=0 on 8, size 3 stride 2: (8 - 3)/2 + 1 = 3. */
    {NET CONV "[maxpool]\nstride=2\n", 1, 4, 4, 4, 64},
    {NET CONV "[max]\n", 1, 8, 8, 4, 256},
    {NET CONV "[maxpool]\nsize=3\nstride=2\n", 1, 4, 4, 4, 64},
    {NET CONV "[maxpool]\nsize=3\nstride=2\npadding=0\n", 1, 3, 3, 4, 36},
    /* C's division rounds toward zero: (8 + 0 - 10)/4 + 1 = 1, as in Darknet. */
    {NET CONV "[maxpool]\nsize=10\nstride=4\npadding=0\n", 1, 1, 1, 4, 4},
    {NET CONV "[avgpool]\n", 1, 1, 1, 4, 4},
    {NET CONV "[avg]\n", 1, 1, 1, 4, 4},
    /* upsample: stride 2 by default, -k downsamples by k. */
    {NET CONV "[upsample]\n", 1, 16, 16, 4, 1024},
    {NET CONV "[upsample]\nstride=-2\n", 1, 4, 4, 4, 64},
    {NET CONV "[upsample]\nstride=3\n", 1, 24, 24, 4, 2304},
    /* reorg stride 2: w/2 x h/2 x 4c; reverse: 2w x 2h x c/4; extra: flat, inputs + extra. */
    {NET CONV "[reorg]\nstride=2\n", 1, 4, 4, 16, 256},
    {NET CONV "[reorg]\nstride=2\nreverse=1\n", 1, 16, 16, 1, 256},
    {NET CONV "[reorg]\nextra=1\n", 1, 0, 0, 0, 257},
    /* route: channels added; shortcut keeps its input's shape, a 2:1 source is fine. */
    {NET CONV "[convolutional]\nfilters=2\n[route]\nlayers=-1,0\n", 2, 8, 8, 6, 384},
    {NET CONV "[maxpool]\nstride=2\n[route]\nlayers=1\n", 2, 4, 4, 4, 64},
    {NET CONV "[maxpool]\nstride=2\n[shortcut]\nfrom=0\n", 2, 4, 4, 4, 64},
    {NET CONV "[convolutional]\n[shortcut]\nfrom=-2\nactivation=leaky\n", 2, 8, 8, 1, 64},
    /* connected: 1 x 1 x output; softmax and cost keep the count, no image. */
    {NET "[connected]\noutput=10\n", 0, 1, 1, 10, 10},
    {NET "[conn]\n", 0, 1, 1, 1, 1},
    {NET "[connected]\noutput=10\n[softmax]\n", 1, 0, 0, 0, 10},
    {NET "[connected]\noutput=10\n[softmax]\ngroups=5\n[cost]\n", 2, 0, 0, 0, 10},
    {NET CONV "[dropout]\n", 1, 8, 8, 4, 256},
    {NET CONV "[activation]\n", 1, 8, 8, 4, 256},
    {NET CONV "[l2norm]\n", 1, 8, 8, 4, 256},
    {NET CONV "[logistic]\n", 1, 8, 8, 4, 256},
    {NET CONV "[lrn]\n", 1, 8, 8, 4, 256},
    {NET CONV "[normalization]\nsize=3\n", 1, 8, 8, 4, 256},
    /* crop: crop_width x crop_height x c. */
    {NET "[crop]\ncrop_height=6\ncrop_width=5\n", 0, 5, 6, 4, 120},
    /* heads: region c = num (classes + coords + 1) = 5 x 6; yolo = 3 x (1 + 5) (num),
     * 2 x (1 + 5) (mask items); iseg classes + ids; detection side^2 ((1 + coords) num
     * + classes) = 4 x 7 = 28 values, no image. */
    {NET "[convolutional]\nfilters=30\n[region]\nclasses=1\nnum=5\n", 1, 8, 8, 30, 1920},
    {NET "[convolutional]\nfilters=18\n[yolo]\nclasses=1\nnum=3\n", 1, 8, 8, 18, 1152},
    {NET "[convolutional]\nfilters=12\n[yolo]\nclasses=1\nnum=6\nmask=3,4\n", 1, 8, 8, 12, 768},
    {NET CONV "[iseg]\nclasses=2\nids=2\n", 1, 8, 8, 4, 256},
    {NET "[connected]\noutput=28\n[detection]\nside=2\ncoords=4\nclasses=2\n", 1, 0, 0, 0, 28},
    /* crnn: parse_crnn hands (w, h) to make_crnn_layer(h, w): on a 8 wide, 6 high
     * input the output is 6 wide and 8 high. */
    {"[net]\nheight=6\nwidth=8\nchannels=4\n" CONV "[crnn]\noutput_filters=2\nhidden_filters=4\n",
     1, 6, 8, 2, 96},
    /* rnn, gru: `output` values, no image. */
    {"[net]\ninputs=10\n[rnn]\noutput=5\n", 0, 0, 0, 0, 5},
    {"[net]\ninputs=10\ntime_steps=4\n[gru]\noutput=7\n", 0, 0, 0, 0, 7},
};

static void known_shapes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        im_cfg_model m;
        im_dn_shapes sh;
        char err[1024] = "";
        if (run(known[i].text, &m, &sh, err, sizeof err) != IM_OK)
            fail_msg("case %zu: %s", i, err);
        const im_dn_layer_shape *l = &sh.layer[known[i].layer];
        if (l->out_w != known[i].w || l->out_h != known[i].h || l->out_c != known[i].c ||
            l->outputs != known[i].outputs)
            fail_msg("case %zu: layer %d is %d x %d x %d (%d), expected %d x %d x %d (%d)", i,
                     known[i].layer, l->out_w, l->out_h, l->out_c, l->outputs, known[i].w,
                     known[i].h, known[i].c, known[i].outputs);
        im_dn_shapes_free(&sh);
        im_cfg_model_free(&m);
    }
}

/* A layer's input is the previous output; the table's other columns. */
static void inputs_and_columns(void **state)
{
    (void)state;
    im_cfg_model m;
    im_dn_shapes sh;
    char err[1024] = "";
    assert_int_equal(run(NET "[conv]\nfilters=6\nsize=3\nstride=2\npad=1\n[maxpool]\nstride=2\n"
                             "[infomonitor]\n[connected]\noutput=3\n[softmax]\n[cost]\n",
                         &m, &sh, err, sizeof err),
                     IM_OK);
    assert_int_equal(sh.nlayers, 5);
    const im_dn_layer_shape *c = &sh.layer[0], *p = &sh.layer[1], *f = &sh.layer[2];
    assert_true(c->w == 8 && c->h == 8 && c->c == 4 && c->inputs == 256);
    assert_true(c->filters == 6 && c->size == 3 && c->stride == 2);
    assert_true(p->w == 4 && p->h == 4 && p->c == 6 && p->size == 2 && p->stride == 2);
    assert_true(p->filters == 0 && p->out_w == 2 && p->outputs == 24);
    /* The monitor passes the maxpool's output on. */
    assert_true(f->w == 2 && f->h == 2 && f->c == 6 && f->inputs == 24 && f->filters == 3);
    assert_int_equal(sh.layer[4].inputs, 3);
    /* net->outputs: the last layer that is not a [cost]. */
    assert_int_equal(sh.outputs, 3);
    assert_true(sh.h == 8 && sh.w == 8 && sh.c == 4 && sh.inputs == 256);
    im_dn_shapes_free(&sh);
    im_cfg_model_free(&m);
}

/* batch / subdivisions * time_steps, rounded down as Darknet does. */
static void darknet_batch(void **state)
{
    (void)state;
    static const struct {
        const char *net;
        int batch;
    } k[] = {{"[net]\ninputs=4\n", 1},
             {"[net]\ninputs=4\nbatch=10\nsubdivisions=3\n", 3},
             {"[net]\ninputs=4\nbatch=10\nsubdivisions=3\ntime_steps=2\n", 6},
             {"[net]\ninputs=4\nbatch=64\nsubdivisions=16\n", 4}};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        im_cfg_model m;
        im_dn_shapes sh;
        char text[256], err[1024] = "";
        snprintf(text, sizeof text, "%s[connected]\noutput=2\n", k[i].net);
        if (run(text, &m, &sh, err, sizeof err) != IM_OK)
            fail_msg("case %zu: %s", i, err);
        assert_int_equal(sh.batch, k[i].batch);
        assert_int_equal(sh.inputs, 4);
        im_dn_shapes_free(&sh);
        im_cfg_model_free(&m);
    }
}

/* The estimate by hand, in floats: a conv 8x8x4 -> 8x8x4 (3x3) at batch 2:
 * weights and updates 2 x 144, biases and updates 2 x 4, output and delta
 * 2 x 2 x 256; workspace 8 x 8 x 9 x 4 = 2304; the input 2 x 256 and the
 * truth 2 x 256 (net->truths = outputs).  A monitor adds its dropout's rand
 * (2 x 256), adam 2 x 144 + 4 x 4, batch_normalize 8 x 4 + 2 x 2 x 256. */
static void memory_estimate(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint64_t floats;
    } k[] = {
        {NET CONV, 288 + 8 + 1024 + 2304 + 512 + 512},
        {NET CONV "[infomonitor]\n", 288 + 8 + 1024 + 2304 + 512 + 512 + 512},
        {NET "adam=1\n" CONV, 288 + 8 + 1024 + 2304 + 512 + 512 + 288 + 16},
        {NET CONV "batch_normalize=1\n", 288 + 8 + 1024 + 2304 + 512 + 512 + 32 + 1024},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        im_cfg_model m;
        im_dn_shapes sh;
        char err[1024] = "";
        if (run(k[i].text, &m, &sh, err, sizeof err) != IM_OK)
            fail_msg("case %zu: %s", i, err);
        assert_int_equal(sh.bytes, k[i].floats * 4);
        assert_true(sh.phys > 0);
        im_dn_shapes_free(&sh);
        im_cfg_model_free(&m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_shapes),    cmocka_unit_test(inputs_and_columns),
        cmocka_unit_test(darknet_batch),   cmocka_unit_test(memory_estimate),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
