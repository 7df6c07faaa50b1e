/* The layers that keep (or scale) their input's shape, and the loss heads
 * sized by it, as parser.c's parse_<type> and make_<type>_layer compute
 * them (Darknet git 61c9d02e). */
#include <limits.h>
#include <string.h>
#include "cfg_shapes_internal.h"
#include "util/errfmt.h"

/* outputs = inputs, the input's shape kept; per batch sample `arrays`
 * arrays of inputs floats (of 8 bytes each when wide: activation's). */
static im_status keep(sh_walk *w, im_dn_layer_shape *l, int arrays, int wide)
{
    long long bi = im_sh_mul(w->out->batch, l->inputs);
    im_status st = im_sh_int_fits(w, bi, "batch x inputs");
    if (st != IM_OK)
        return st;
    l->out_w = l->w;
    l->out_h = l->h;
    l->out_c = l->c;
    l->outputs = l->inputs;
    im_sh_floats(l, (long long)arrays * (wide ? 2 : 1) * bi);
    return IM_OK;
}

im_status im_sh_dropout(sh_walk *w, im_dn_layer_shape *l)
{
    return keep(w, l, 1, 0); /* rand; output and delta are the previous layer's */
}

im_status im_sh_activation(sh_walk *w, im_dn_layer_shape *l)
{
    return keep(w, l, 2, 1); /* output, delta: calloc(batch*inputs, sizeof(float*)) */
}

im_status im_sh_keep3(sh_walk *w, im_dn_layer_shape *l)
{
    return keep(w, l, 3, 0); /* l2norm: output, scales, delta; logistic: loss, output, delta */
}

im_status im_sh_upsample(sh_walk *w, im_dn_layer_shape *l)
{
    long long s;
    if (im_cfg_int(w->m, w->s, "stride", 2, -INT_MAX, INT_MAX, &s, NULL, 0) != IM_OK || s == 0) {
        const im_cfg_opt *o = im_cfg_find(w->s, "stride");
        return im_errf(w->err, w->errlen, IM_ERR_FORMAT,
                       "%s:%d: %s stride = '%s': expected a whole number other than 0 (k > 0 "
                       "upsamples by k, -k downsamples)",
                       w->m->path, o->line, w->s->type, o->val);
    }
    l->stride = (int)s;
    long long ow = s > 0 ? im_sh_mul(l->w, s) : l->w / -s;
    long long oh = s > 0 ? im_sh_mul(l->h, s) : l->h / -s;
    im_status st = im_sh_out(w, l, "stride", s, ow, oh, l->c);
    if (st == IM_OK)
        st = im_sh_int_fits(w, im_sh_mul(w->out->batch, l->outputs), "batch x outputs");
    if (st == IM_OK)
        im_sh_floats(l, 2LL * w->out->batch * l->outputs);
    return st;
}

/* lrn and batchnorm: outputs = w*h*c of the input (not its inputs). */
static im_status image_same(sh_walk *w, im_dn_layer_shape *l, const char *key, long long val)
{
    im_status st = im_sh_out(w, l, key, val, l->w, l->h, l->c);
    if (st == IM_OK)
        st = im_sh_int_fits(w, im_sh_mul(w->out->batch, l->outputs), "batch x outputs");
    return st;
}

im_status im_sh_lrn(sh_walk *w, im_dn_layer_shape *l)
{
    im_status st = im_sh_int(w, "size", 5, 1, &l->size);
    if (st == IM_OK)
        st = image_same(w, l, "size", l->size);
    if (st == IM_OK)
        im_sh_floats(l, 4LL * w->out->batch * l->outputs); /* output, delta, squared, norms */
    return st;
}

im_status im_sh_batchnorm(sh_walk *w, im_dn_layer_shape *l)
{
    im_status st = image_same(w, l, "batch", w->out->batch);
    if (st == IM_OK)
        im_sh_floats(l, 2LL * w->out->batch * l->outputs + 8LL * l->c);
    return st;
}

im_status im_sh_softmax(sh_walk *w, im_dn_layer_shape *l)
{
    int g;
    im_status st = im_sh_int(w, "groups", 1, 1, &g);
    if (st == IM_OK)
        st = im_sh_tree_file(w);
    if (st == IM_OK && l->inputs % g)
        return im_sh_bad(w, "groups", g,
                         "expected a divisor of the %d inputs (make_softmax_layer asserts it)",
                         l->inputs);
    if (st == IM_OK)
        st = keep(w, l, 3, 0); /* loss, output, delta */
    l->out_w = l->out_h = l->out_c = 0;
    return st;
}

im_status im_sh_cost(sh_walk *w, im_dn_layer_shape *l)
{
    im_status st = keep(w, l, 2, 0); /* output, delta */
    l->out_w = l->out_h = l->out_c = 0;
    return st;
}

/* A head whose output is its input: c channels of w x h must be what
 * Darknet's `assert(l.outputs == params.inputs)` wants. */
static im_status head(sh_walk *w, im_dn_layer_shape *l, long long c, const char *how)
{
    long long outs = im_sh_mul(im_sh_mul(l->w, l->h), c);
    if (outs != l->inputs || l->w < 1) {
        char in[64];
        im_sh_describe(l->w, l->h, l->c, l->inputs, in, sizeof in);
        return im_sh_bad_layer(w,
                               "its input (%s) must have %s = %lld channels of w x h (Darknet "
                               "asserts that the output, w x h x %lld, is its input)",
                               in, how, c, c);
    }
    im_status st = keep(w, l, 2, 0); /* output, delta */
    l->out_c = (int)c;
    return st;
}

/* classes >= 0, num >= 1 (and coords >= 4 if asked), with Darknet's defaults. */
static im_status head_keys(sh_walk *w, int *classes, int cdef, int *num, int *coords, int kdef)
{
    im_status st = im_sh_int(w, "classes", cdef, 0, classes);
    if (st == IM_OK)
        st = im_sh_int(w, "num", 1, 1, num);
    if (st == IM_OK && coords != NULL && (st = im_sh_int(w, "coords", kdef, 0, coords)) == IM_OK &&
        *coords < 4)
        return im_sh_bad(w, "coords", *coords,
                         "expected at least 4 (Darknet's box code reads x, y, w and h)");
    return st;
}

im_status im_sh_region(sh_walk *w, im_dn_layer_shape *l)
{
    int classes, num, coords;
    im_status st = head_keys(w, &classes, 20, &num, &coords, 4);
    if (st == IM_OK)
        st = im_sh_tree_file(w);
    if (st == IM_OK)
        st = head(w, l, im_sh_mul(num, classes + coords + 1LL), "num x (classes + coords + 1)");
    if (st == IM_OK)
        im_sh_floats(l, 4LL * num); /* biases, bias_updates */
    w->truths = 30LL * (coords + 1);
    return st;
}

/* The mask's items (cfg_values.c checked them), or num without one. */
static int mask_count(const im_cfg_section *s, int num)
{
    const im_cfg_opt *o = im_cfg_find(s, "mask");
    if (o == NULL)
        return num;
    int n = 1;
    for (const char *p = o->val; *p; p++)
        n += *p == ',';
    return n;
}

im_status im_sh_yolo(sh_walk *w, im_dn_layer_shape *l)
{
    int classes, num;
    im_status st = head_keys(w, &classes, 20, &num, NULL, 0);
    int n = st == IM_OK ? mask_count(w->s, num) : 0;
    if (st == IM_OK)
        st = head(w, l, im_sh_mul(n, classes + 5LL),
                  im_cfg_find(w->s, "mask") ? "mask items x (classes + 5)" : "num x (classes + 5)");
    if (st == IM_OK)
        im_sh_floats(l, 2LL * num + 2LL * n + n); /* biases, bias_updates, mask */
    w->truths = 90 * 5;
    return st;
}

im_status im_sh_iseg(sh_walk *w, im_dn_layer_shape *l)
{
    int classes, ids;
    im_status st = im_sh_int(w, "classes", 20, 0, &classes);
    if (st == IM_OK)
        st = im_sh_int(w, "ids", 32, 0, &ids);
    if (st == IM_OK)
        st = head(w, l, (long long)classes + ids, "classes + ids");
    if (st == IM_OK)
        im_sh_floats(l, 90LL * ids + 90);
    w->truths = im_sh_mul(90, (long long)l->w * l->h + 1);
    return st;
}

im_status im_sh_detection(sh_walk *w, im_dn_layer_shape *l)
{
    int classes, num, coords, side;
    im_status st = head_keys(w, &classes, 1, &num, &coords, 1);
    if (st == IM_OK)
        st = im_sh_int(w, "side", 7, 1, &side);
    if (st != IM_OK)
        return st;
    long long want = im_sh_mul(im_sh_mul(side, side), im_sh_mul(1LL + coords, num) + classes);
    if (want != l->inputs)
        return im_sh_bad_layer(w,
                               "side x side x ((1 + coords) x num + classes) = %d x %d x ((1 + "
                               "%d) x %d + %d) = %lld must be its %d inputs (Darknet asserts it)",
                               side, side, coords, num, classes, want, l->inputs);
    st = keep(w, l, 2, 0); /* output, delta */
    l->out_w = l->out_h = l->out_c = 0;
    w->truths = im_sh_mul(im_sh_mul(side, side), 1LL + coords + classes);
    return st;
}
