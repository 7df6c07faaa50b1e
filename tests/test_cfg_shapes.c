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
#define BIG "[convolutional]\nfilters=16\nsize=3\npad=1\n"
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

/* One bad cfg per error kind: the message starts with `where` (file, line,
 * section and key) and holds `what`. */
typedef struct bad_case {
    const char *text, *where, *what;
} bad_case;

static const bad_case bad[] = {
    /* [net] */
    {"[net]\nbatch=0\ninputs=4\n[connected]\n", "t.cfg:2: [net] batch = '0': ", ">= 1"},
    {"[net]\nsubdivisions=0\ninputs=4\n[connected]\n", "t.cfg:2: [net] subdivisions = '0': ",
     ">= 1"},
    {"[net]\nbatch=4\nsubdivisions=8\ninputs=4\n[connected]\n",
     "t.cfg:3: [net] subdivisions = '8': ", "mini-batches of batch / subdivisions = 0"},
    {"[net]\ntime_steps=0\ninputs=4\n[connected]\n", "t.cfg:2: [net] time_steps = '0': ",
     ">= 1"},
    {"[net]\nbatch=2000000\ntime_steps=2000\ninputs=4\n[connected]\n",
     "t.cfg:3: [net] time_steps = '2000': ", "exceeds Darknet's int"},
    {"[net]\nheight=0\nwidth=8\nchannels=1\n[connected]\n", "t.cfg:2: [net] height = '0': ",
     ">= 1"},
    {"[net]\nheight=8\nwidth=8\n[connected]\n", "t.cfg:1: [net] channels = 0 (the default): ",
     "needs height, width and channels"},
    {"[net]\nbatch=2\n[connected]\n", "t.cfg:1: [net]: ", "'No input parameters supplied'"},
    {NET "inputs=100\n[connected]\n", "t.cfg:6: [net] inputs = '100': ",
     "expected height x width x channels = 256"},
    {NET "min_crop=20\n[connected]\n", "t.cfg:6: [net] min_crop = '20': ",
     "expected at most max_crop = 16 (2 x width, the default)"},
    {NET, "t.cfg:1: [net]: ", "the network has no layers"},
    {"[net]\nheight=100000\nwidth=100000\nchannels=3\n[connected]\n",
     "t.cfg:4: [net] channels = '3': ", "exceeds Darknet's int"},
    /* keys */
    {NET "[convolutional]\nfilters=0\n", "t.cfg:7: [convolutional] filters = '0': ",
     "expected a whole number >= 1"},
    {NET "[convolutional]\nsize=3000000000\n", "t.cfg:7: [convolutional] size = '3000000000': ",
     "expected at most 2147483647"},
    {NET "[convolutional]\nstride=0\n", "t.cfg:7: [convolutional] stride = '0': ", ">= 1"},
    {NET "[convolutional]\npadding=-1\n", "t.cfg:7: [convolutional] padding = '-1': ", ">= 0"},
    {NET "[convolutional]\npad=2\n", "t.cfg:7: [convolutional] pad = '2': ", "0 or 1"},
    {NET "[convolutional]\ngroups=0\n", "t.cfg:7: [convolutional] groups = '0': ", ">= 1"},
    {NET "[convolutional]\nfilters=4\ngroups=3\n", "t.cfg:8: [convolutional] groups = '3': ",
     "a divisor of the input's 4 channels"},
    {NET "[convolutional]\nfilters=6\ngroups=4\n", "t.cfg:8: [convolutional] groups = '4': ",
     "a divisor of filters = 6"},
    {NET "[connected]\noutput=0\n", "t.cfg:7: [connected] output = '0': ", ">= 1"},
    {NET CONV "[maxpool]\nsize=0\n", "t.cfg:11: [maxpool] size = '0': ", ">= 1"},
    {NET CONV "[lrn]\nsize=0\n", "t.cfg:11: [lrn] size = '0': ", ">= 1"},
    {NET "[crop]\ncrop_height=9\n", "t.cfg:7: [crop] crop_height = '9': ",
     "at most the input's height 8"},
    {NET "[crop]\ncrop_height=4\ncrop_width=0\n", "t.cfg:8: [crop] crop_width = '0': ", ">= 1"},
    {NET "[convolutional]\nfilters=17\n[yolo]\nnum=0\n", "t.cfg:9: [yolo] num = '0': ", ">= 1"},
    {NET "[convolutional]\nfilters=17\n[region]\nclasses=-1\n", "t.cfg:9: [region] classes = '-1': ",
     ">= 0"},
    {NET "[convolutional]\nfilters=25\n[region]\ncoords=3\n", "t.cfg:9: [region] coords = '3': ",
     "at least 4"},
    {NET "[connected]\n[detection]\n", "t.cfg:7: [detection] coords = 1 (the default): ",
     "at least 4"},
    {NET "[connected]\n[detection]\ncoords=4\nside=0\n", "t.cfg:9: [detection] side = '0': ",
     ">= 1"},
    {NET CONV "[reorg]\nextra=-1\n", "t.cfg:11: [reorg] extra = '-1': ", ">= 0"},
    {NET CONV "[reorg]\nstride=0\n", "t.cfg:11: [reorg] stride = '0': ", ">= 1"},
    {NET CONV "[reorg]\nreverse=2\n", "t.cfg:11: [reorg] reverse = '2': ", "0 or 1"},
    {NET CONV "[upsample]\nstride=0\n", "t.cfg:11: [upsample] stride = '0': ", "other than 0"},
    {NET "[connected]\noutput=6\n[softmax]\ngroups=4\n", "t.cfg:9: [softmax] groups = '4': ",
     "a divisor of the 6 inputs"},
    {NET "[connected]\n[softmax]\ntree=/nonexistent/tree\n",
     "t.cfg:8: [softmax] tree = '/nonexistent/tree': ", "cannot open it: No such file"},
    {NET "[connected]\noutput=6\n[softmax]\ngroups=0\n", "t.cfg:9: [softmax] groups = '0': ",
     ">= 1"},
    {"[net]\ninputs=4\n[crnn]\nhidden_filters=0\n", "t.cfg:4: [crnn] hidden_filters = '0': ",
     ">= 1"},
    /* outputs */
    {NET "[convolutional]\nsize=30\n", "t.cfg:7: [convolutional] size = '30': ",
     "the output would be -21 x -21 x 1 (input 8 x 8 x 4)"},
    {NET CONV "[maxpool]\nsize=13\npadding=0\nstride=2\n", "t.cfg:11: [maxpool] size = '13': ",
     "the output would be -1 x -1 x 4"},
    {NET "[deconv]\npadding=5\n", "t.cfg:6: [deconv] size = 1 (the default): ",
     "the output would be -2 x -2 x 1"},
    {NET "[local]\nsize=10\n", "t.cfg:7: [local] size = '10': ", "the output would be -1 x -1 x 1"},
    {NET CONV "[upsample]\nstride=-9\n", "t.cfg:11: [upsample] stride = '-9': ",
     "the output would be 0 x 0 x 4"},
    {NET CONV "[reorg]\nstride=3\nflatten=1\n", "t.cfg:11: [reorg] stride = '3': ",
     "a divisor of the input's width and height (8 x 8)"},
    {NET CONV "[reorg]\nstride=2\nreverse=1\nflatten=1\n[reorg]\nstride=2\nreverse=1\n",
     "t.cfg:15: [reorg] stride = '2': ", "1 channels must be a multiple of stride^2 = 4"},
    {NET "[local]\nsize=5\npad=1\n", "t.cfg:8: [local] pad = '1': ", "works only with size = 3"},
    /* an image input */
    {NET "[connected]\n[softmax]\n[convolutional]\n", "t.cfg:8: [convolutional] (layer 2): ",
     "the layer before ([softmax], line 7) outputs 1 values without an image shape"},
    {"[net]\ninputs=4\n[rnn]\n[maxpool]\n", "t.cfg:4: [maxpool] (layer 1): ",
     "needs an image input"},
    {"[net]\ninputs=4\n[convolutional]\n", "t.cfg:3: [convolutional] (layer 0): ",
     "but [net] gives 4 values without an image shape"},
    /* route and shortcut */
    {NET CONV "[route]\n", "t.cfg:10: [route] (layer 1): ", "needs layers="},
    {NET CONV "[shortcut]\n", "t.cfg:10: [shortcut] (layer 1): ", "needs from="},
    {NET CONV "[route]\nlayers=-2\n", "t.cfg:11: [route] layers = '-2': ",
     "item 1 (-2) names layer -1, but this is layer 1: expected an earlier layer"},
    {NET CONV "[route]\nlayers=0,1\n", "t.cfg:11: [route] layers = '0,1': ",
     "item 2 (1) names layer 1, but this is layer 1"},
    {NET CONV "[route]\nlayers=0,x\n", "t.cfg:11: [route] layers = '0,x': ", "(item 2 is 'x')"},
    {NET CONV "[route]\nlayers=0,\n", "t.cfg:11: [route] layers = '0,': ", "(item 2 is '')"},
    {NET CONV "[route]\nlayers=00000000000000000000000000000000000\n",
     "t.cfg:11: [route] layers = '00000000000000000000000000000000000': ", "'(too long)'"},
    {NET CONV "[maxpool]\nstride=2\n[route]\nlayers=-1,-2\n",
     "t.cfg:13: [route] layers = '-1,-2': ",
     "item 2 (layer 0, 8 x 8 x 4) differs in width or height from item 1 (layer 1, 4 x 4 x 4)"},
    {NET CONV "[shortcut]\nfrom=1\n", "t.cfg:11: [shortcut] from = '1': ",
     "names layer 1, but this is layer 1"},
    {NET CONV "[shortcut]\nfrom=-1,-2\n", "t.cfg:11: [shortcut] from = '-1,-2': ",
     "expected layer indices"},
    {NET CONV "[crop]\ncrop_width=4\ncrop_height=8\n[convolutional]\n[shortcut]\nfrom=0\n",
     "t.cfg:15: [shortcut] from = '0': ",
     "layer 0's output (8 x 8 x 4) and this layer's input (4 x 8 x 1) must be images"},
    {NET "[connected]\n[softmax]\n[shortcut]\nfrom=0\n", "t.cfg:9: [shortcut] from = '0': ",
     "this layer's input (1 values without an image shape) must be images"},
    /* heads sized by their input */
    {NET "[convolutional]\nfilters=17\n[yolo]\nclasses=1\nnum=3\n", "t.cfg:8: [yolo] (layer 1): ",
     "its input (8 x 8 x 17) must have num x (classes + 5) = 18 channels"},
    {NET "[convolutional]\nfilters=17\n[yolo]\nclasses=1\nnum=3\nmask=0\n",
     "t.cfg:8: [yolo] (layer 1): ", "must have mask items x (classes + 5) = 6 channels"},
    {NET "[convolutional]\nfilters=30\n[region]\nnum=5\n", "t.cfg:8: [region] (layer 1): ",
     "num x (classes + coords + 1) = 125 channels"},
    {NET CONV "[iseg]\nclasses=2\n", "t.cfg:10: [iseg] (layer 1): ",
     "classes + ids = 34 channels"},
    {NET "[connected]\noutput=27\n[detection]\nside=2\ncoords=4\nclasses=2\n",
     "t.cfg:8: [detection] (layer 1): ",
     "side x side x ((1 + coords) x num + classes) = 2 x 2 x ((1 + 4) x 1 + 2) = 28 must be its "
     "27 inputs"},
    /* Darknet's ints */
    {NET "[convolutional]\nfilters=1000\n[convolutional]\nfilters=1000\nsize=1000\npadding=500\n",
     "t.cfg:8: [convolutional] (layer 1): ", "im2col's columns"},
    {NET "[connected]\noutput=100000000\n", "t.cfg:6: [connected] (layer 0): ",
     "the connected weights inputs x outputs = 25600000000 exceeds Darknet's int"},
    {"[net]\nbatch=100\nheight=5000\nwidth=5000\nchannels=1\n[convolutional]\n",
     "t.cfg:6: [convolutional] (layer 0): ", "batch x outputs = 2500000000 exceeds"},
    {"[net]\nheight=40000\nwidth=40000\nchannels=1\n[convolutional]\nfilters=2\n",
     "t.cfg:5: [convolutional] size = 1 (the default): ", "exceeds Darknet's int"},
    /* the shared workspace */
    {NET "[local]\nsize=3\n", "t.cfg:6: [local] (layer 0): ",
     "uses 5184 bytes of Darknet's shared workspace, but Darknet allocates only the largest "
     "workspace_size of the layers, 1296 bytes (a [local] counts its floats as bytes)"},
    {"[net]\nheight=8\nwidth=8\nchannels=4\n[crnn]\n[connected]\n",
     "t.cfg:5: [crnn] (layer 0): ", "0 bytes (a [crnn] counts nothing for its 3x3 convs)"},
    /* memory: 10 layers of 1000 x 1000 x 16 at batch 64, 81 GiB */
    {"[net]\nbatch=64\nheight=1000\nwidth=1000\nchannels=3\n" BIG BIG BIG BIG BIG BIG BIG BIG BIG
         BIG,
     "t.cfg:2: [net] batch = '64': ", "more than this machine's"},
};

/* Run each of n cases; the message must start with where and hold what. */
static void expect_errors(const bad_case *bad, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        im_cfg_model m;
        im_dn_shapes sh;
        char err[1024] = "";
        im_status st = run(bad[i].text, &m, &sh, err, sizeof err);
        if (st != IM_ERR_FORMAT || strncmp(err, bad[i].where, strlen(bad[i].where)) ||
            !strstr(err, bad[i].what) || strchr(err, '\n'))
            fail_msg("case %zu: status %d, '%s' (expected '%s...%s...')", i, st, err,
                     bad[i].where, bad[i].what);
        assert_null(sh.layer);
        im_cfg_model_free(&m);
    }
}

static void errors(void **state)
{
    (void)state;
    expect_errors(bad, sizeof bad / sizeof bad[0]);
}

/* The orders that crash this Darknet's training (tests/test_check.py shows
 * libdarknet dying on each plain cfg). */
#define FIRST "cannot be the first layer: "
static const bad_case crashing[] = {
    {NET "[maxpool]\n", "t.cfg:6: [maxpool] (layer 0): ", FIRST "backward_maxpool_layer"},
    {NET "[activation]\n", "t.cfg:6: [activation] (layer 0): ", FIRST "backward_activation"},
    {NET "[avgpool]\n", "t.cfg:6: [avgpool] (layer 0): ", FIRST "backward_avgpool_layer"},
    {NET "[softmax]\n", "t.cfg:6: [softmax] (layer 0): ", FIRST "backward_softmax_layer"},
    {NET "[cost]\n", "t.cfg:6: [cost] (layer 0): ", FIRST "backward_cost_layer"},
    {NET "[l2norm]\n", "t.cfg:6: [l2norm] (layer 0): ", FIRST "backward_l2norm_layer"},
    {NET "[logistic]\n", "t.cfg:6: [logistic] (layer 0): ", FIRST "backward_logistic_layer"},
    {NET "[lrn]\n", "t.cfg:6: [lrn] (layer 0): ", FIRST "backward_normalization_layer"},
    {NET "[upsample]\n", "t.cfg:6: [upsample] (layer 0): ", FIRST "backward_upsample_layer"},
    {NET "[reorg]\n", "t.cfg:6: [reorg] (layer 0): ", FIRST "backward_reorg_layer"},
    {"[net]\nheight=8\nwidth=8\nchannels=25\n[region]\n", "t.cfg:5: [region] (layer 0): ",
     FIRST "backward_region_layer"},
    {"[net]\nheight=8\nwidth=8\nchannels=6\n[yolo]\nclasses=1\n",
     "t.cfg:5: [yolo] (layer 0): ", FIRST "backward_yolo_layer"},
    {"[net]\ninputs=539\n[detection]\ncoords=4\n", "t.cfg:3: [detection] (layer 0): ",
     FIRST "backward_detection_layer"},
    {"[net]\nheight=8\nwidth=8\nchannels=52\n[iseg]\n", "t.cfg:5: [iseg] (layer 0): ",
     FIRST "backward_iseg_layer"},
    {NET "[dropout]\n", "t.cfg:6: [dropout] (layer 0): ", FIRST "parse_network_cfg gives a "
                                                             "dropout the output of the layer "
                                                             "before it, layers[-1] here"},
    {NET "[route]\nlayers=-1\n", "t.cfg:7: [route] layers = '-1': ",
     "names layer -1, but this is layer 0"},
    {NET "[shortcut]\nfrom=0\n", "t.cfg:6: [shortcut] (layer 0): ", FIRST},
    /* [crop] has no delta: nothing that writes into it may follow. */
    {NET "[crop]\ncrop_height=6\ncrop_width=6\n[maxpool]\n", "t.cfg:9: [maxpool] (layer 1): ",
     "cannot follow the [crop] at line 6: that layer has no delta"},
    {NET "[crop]\ncrop_height=6\ncrop_width=6\n[dropout]\n[activation]\n",
     "t.cfg:10: [activation] (layer 2): ", "cannot follow the [crop] at line 6"},
    {NET "[crop]\ncrop_height=6\ncrop_width=6\n" CONV "[route]\nlayers=0\n",
     "t.cfg:14: [route] layers = '0': ", "layer 0 ([crop], line 6) has no delta"},
    {NET "[crop]\ncrop_height=6\ncrop_width=6\n" CONV "[shortcut]\nfrom=-2\n",
     "t.cfg:14: [shortcut] from = '-2': ", "layer 0 ([crop], line 6) has no delta"},
    /* A monitor watches the layer before it; one of a loss layer is detached (monitor.h). */
    {NET "[infomonitor]\n[connected]\n", "t.cfg:6: [infomonitor]: ",
     FIRST "it watches the layer before it"},
    {NET "[connected]\n[softmax]\n[infomonitor]\n[cost]\n", "t.cfg:9: [cost] (layer 2): ",
     "cannot follow the monitor at line 8: a monitor of a loss layer has no delta"},
#ifndef GPU
    /* CPU Darknet (a -DGPU build checks for a GPU libdarknet, which has them). */
    {NET CONV "[batchnorm]\n", "t.cfg:10: [batchnorm] (layer 1): ",
     "crashes this CPU Darknet: make_batchnorm_layer allocates x and x_norm only for the GPU"},
    {"[net]\ninputs=4\n[connected]\n[lstm]\n", "t.cfg:4: [lstm] (layer 1): ",
     "crashes this CPU Darknet: make_lstm_layer sets no CPU backward function"},
#endif
};

static void crashing_orders(void **state)
{
    (void)state;
    expect_errors(crashing, sizeof crashing / sizeof crashing[0]);
}

/* Layers at or before a stopbackward=1 never run backward: a first maxpool
 * is fine then; monitors count no layers in route/shortcut indices; a
 * monitor of a non-loss layer shares its delta; [gru] warns. */
static void orders_that_work(void **state)
{
    (void)state;
    static const char *const ok[] = {
        NET "[maxpool]\n[convolutional]\nstopbackward=1\n[softmax]\n",
        NET "[crop]\ncrop_height=6\ncrop_width=6\n[maxpool]\n[connected]\nstopbackward=1\n",
        NET CONV "[infomonitor]\n[maxpool]\n[infomonitor]\n[infomonitor]\n[route]\nlayers=-2\n"
                 "[shortcut]\nfrom=1\n",
        NET "[connected]\n[infomonitor]\n[softmax]\n[cost]\n",
        NET "[crop]\ncrop_height=6\ncrop_width=6\n[dropout]\n" CONV "[softmax]\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        im_cfg_model m;
        im_dn_shapes sh;
        char err[1024] = "";
        if (run(ok[i], &m, &sh, err, sizeof err) != IM_OK)
            fail_msg("case %zu: %s", i, err);
        im_dn_shapes_free(&sh);
        im_cfg_model_free(&m);
    }
    im_cfg_model m;
    im_dn_shapes sh;
    char err[1024] = "";
    assert_int_equal(run("[net]\ninputs=4\n[gru]\n[gru]\n", &m, &sh, err, sizeof err), IM_OK);
#ifndef GPU
    assert_non_null(m.warnings);
    assert_non_null(strstr(m.warnings, "t.cfg:3: [gru] (layer 0): this CPU Darknet's "
                                       "backward_gru_layer is empty"));
    assert_non_null(strstr(m.warnings, "t.cfg:4: [gru] (layer 1)"));
#else
    assert_true(m.warnings == NULL || strstr(m.warnings, "backward_gru_layer") == NULL);
#endif
    im_dn_shapes_free(&sh);
    im_cfg_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_shapes),    cmocka_unit_test(inputs_and_columns),
        cmocka_unit_test(darknet_batch),   cmocka_unit_test(memory_estimate),
        cmocka_unit_test(errors),          cmocka_unit_test(crashing_orders),
        cmocka_unit_test(orders_that_work),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
