/* Connected and recurrent layers, route and shortcut, as parser.c's
 * parse_<type> and make_<type>_layer compute them (Darknet git 61c9d02e). */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "cfg_shapes_internal.h"
#include "util/parse.h"

im_status im_sh_connected(sh_walk *w, im_dn_layer_shape *l)
{
    int bn;
    im_status st = im_sh_int(w, "output", 1, 1, &l->filters);
    if (st == IM_OK)
        st = im_sh_flag(w, "batch_normalize", 0, &bn);
    if (st == IM_OK)
        st = im_sh_out(w, l, "output", l->filters, 1, 1, l->filters);
    if (st == IM_OK)
        st = im_sh_connected_arrays(w, l, w->out->batch, l->inputs, l->outputs, bn);
    return st;
}

/* rnn, gru, lstm: `output` outputs, no image; k_in connected layers
 * inputs -> output and k_self output -> output at Darknet's batch, and
 * `per_batch` arrays of output floats at batch / time_steps (`per_all` at
 * Darknet's batch). */
static im_status recurrent(sh_walk *w, im_dn_layer_shape *l, int k_in, int k_self,
                           int per_batch, int per_all)
{
    int bn, out;
    im_status st = im_sh_int(w, "output", 1, 1, &out);
    if (st == IM_OK)
        st = im_sh_flag(w, "batch_normalize", 0, &bn);
    long long b = w->out->batch;
    for (int i = 0; st == IM_OK && i < k_in + k_self; i++)
        st = im_sh_connected_arrays(w, l, b, i < k_in ? l->inputs : out, out, bn);
    if (st != IM_OK)
        return st;
    l->filters = l->outputs = out;
    im_sh_floats(l, per_batch * (b / w->steps) * out + per_all * b * out);
    return IM_OK;
}

im_status im_sh_rnn(sh_walk *w, im_dn_layer_shape *l)
{
    return recurrent(w, l, 1, 2, 2, 0); /* input, self, output layers; state, prev_state */
}

im_status im_sh_gru(sh_walk *w, im_dn_layer_shape *l)
{
    return recurrent(w, l, 3, 3, 7, 2); /* uz, ur, uh; wz, wr, wh; output, delta */
}

im_status im_sh_lstm(sh_walk *w, im_dn_layer_shape *l)
{
    return recurrent(w, l, 4, 4, 14, 2); /* uf..uo; wf..wo; output and cell_cpu at batch */
}

/* One of crnn's 3x3 convs (stride 1, padding 1), c -> n channels on
 * h x w, at Darknet's batch. */
static im_status crnn_conv(const sh_walk *w, im_dn_layer_shape *l, long long c, long long n,
                           int bn)
{
    long long hw = (long long)l->out_w * l->out_h, outs = im_sh_mul(hw, n);
    im_status st = im_sh_int_fits(w, outs, "an inner conv's outputs w x h x filters");
    if (st == IM_OK)
        st = im_sh_int_fits(w, im_sh_mul(hw * 9, c), "an inner conv's im2col columns");
    if (st == IM_OK)
        st = im_sh_conv_arrays(w, l, w->out->batch, im_sh_mul(9 * c, n), n, outs, bn);
    return st;
}

im_status im_sh_crnn(sh_walk *w, im_dn_layer_shape *l)
{
    int hid, bn;
    im_status st = im_sh_int(w, "output_filters", 1, 1, &l->filters);
    if (st == IM_OK)
        st = im_sh_int(w, "hidden_filters", 1, 1, &hid);
    if (st == IM_OK)
        st = im_sh_flag(w, "batch_normalize", 0, &bn);
    /* parse_crnn passes (w, h) where make_crnn_layer takes (h, w). */
    if (st == IM_OK)
        st = im_sh_out(w, l, "output_filters", l->filters, l->h, l->w, l->filters);
    if (st == IM_OK)
        st = crnn_conv(w, l, l->c, hid, bn);
    if (st == IM_OK)
        st = crnn_conv(w, l, hid, hid, bn);
    if (st == IM_OK)
        st = crnn_conv(w, l, hid, l->filters, bn);
    if (st != IM_OK)
        return st;
    long long hw = (long long)l->w * l->h, state = im_sh_mul(hw * hid, w->out->batch / w->steps);
    if ((st = im_sh_int_fits(w, im_sh_mul(state, w->steps + 1LL), "the state")) != IM_OK)
        return st;
    im_sh_floats(l, state * (w->steps + 1LL));
    /* make_crnn_layer leaves its workspace_size 0; its convs use 9 x max(c, hidden) x w x h. */
    w->ws_need = (uint64_t)im_sh_mul(hw * 9, l->c > hid ? l->c : hid) * sizeof(float);
    return IM_OK;
}

/* Item text of a comma list into *target (an earlier layer, without
 * monitors): relative (< 0) or absolute, as parse_route's atoi, strictly. */
static im_status index_item(const sh_walk *w, const char *key, const char *item, size_t k,
                            int *target)
{
    long long v;
    int self = w->s->layer;
    if (strlen(item) >= 32 || !im_parse_int(item, INT_MIN, INT_MAX, &v))
        return im_sh_bad(w, key, 0, "expected layer indices separated by ',' (item %zu is "
                                    "'%.40s')", k, item);
    long long t = v < 0 ? self + v : v;
    if (t < 0 || t >= self)
        return im_sh_bad(w, key, 0,
                         "item %zu (%lld) names layer %lld, but this is layer %d: expected an "
                         "earlier layer (-%d..-1 or 0..%d; indices count the layers without "
                         "monitors)",
                         k, v, t, self, self, self - 1);
    *target = (int)t;
    return im_sh_ref_delta(w, key, *target);
}

/* The key's value, required (Darknet reads it through strlen/atoi of NULL). */
static const im_cfg_opt *required(const sh_walk *w, const char *key, im_status *st)
{
    const im_cfg_opt *o = im_cfg_find(w->s, key);
    if (o == NULL)
        *st = im_sh_bad_layer(w, "needs %s= (Darknet reads it without a check and crashes)", key);
    return o;
}

/* Concatenate target t (item k) onto the route's output; first: item 1's
 * layer. */
static im_status route_add(const sh_walk *w, im_dn_layer_shape *l, size_t k, int t, int first,
                           long long *c, long long *outs)
{
    const im_dn_layer_shape *src = &w->out->layer[t], *one = &w->out->layer[first];
    if (src->out_w != one->out_w || src->out_h != one->out_h) {
        char a[64], b[64];
        im_sh_describe(one->out_w, one->out_h, one->out_c, one->outputs, a, sizeof a);
        im_sh_describe(src->out_w, src->out_h, src->out_c, src->outputs, b, sizeof b);
        return im_sh_bad(w, "layers", 0,
                         "item %zu (layer %d, %s) differs in width or height from item 1 (layer "
                         "%d, %s): Darknet concatenates channels of one w x h (else it sets the "
                         "route's shape to 0 x 0 x 0)",
                         k, t, b, first, a);
    }
    l->out_w = one->out_w;
    l->out_h = one->out_h;
    *c += src->out_c;
    *outs += src->outputs;
    return im_sh_int_fits(w, *outs, "the sum of the inputs' outputs");
}

im_status im_sh_route(sh_walk *w, im_dn_layer_shape *l)
{
    im_status st = IM_OK;
    const im_cfg_opt *o = required(w, "layers", &st);
    long long c = 0, outs = 0;
    char item[32]; /* as cfg_rewrite.c's remap reads them */
    size_t k = 0;
    int first = 0;
    for (const char *p = o ? o->val : ""; o != NULL && st == IM_OK; p++) {
        size_t len = strcspn(p, ",");
        snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : 0), p);
        int t;
        st = index_item(w, "layers", len < sizeof item ? item : "(too long)", ++k, &t);
        first = k == 1 ? t : first;
        if (st == IM_OK)
            st = route_add(w, l, k, t, first, &c, &outs);
        p += len;
        if (*p == '\0')
            break;
    }
    if (st != IM_OK)
        return st;
    l->out_c = (int)c;
    l->outputs = (int)outs;
    st = im_sh_int_fits(w, im_sh_mul(w->out->batch, outs), "batch x outputs");
    if (st == IM_OK)
        im_sh_floats(l, 2LL * w->out->batch * outs);
    return st;
}

im_status im_sh_shortcut(sh_walk *w, im_dn_layer_shape *l)
{
    im_status st = IM_OK;
    const im_cfg_opt *o = required(w, "from", &st);
    int t;
    if (o == NULL || (st = index_item(w, "from", o->val, 1, &t)) != IM_OK)
        return st;
    const im_dn_layer_shape *f = &w->out->layer[t];
    char a[64], b[64];
    im_sh_describe(f->out_w, f->out_h, f->out_c, f->outputs, a, sizeof a);
    im_sh_describe(l->w, l->h, l->c, l->inputs, b, sizeof b);
    /* shortcut_cpu divides the widths and asserts stride == h1/h2, sample == h2/h1. */
    if (f->out_w < 1 || f->out_h < 1 || l->w < 1 || l->h < 1 ||
        f->out_w / l->w != f->out_h / l->h || l->w / f->out_w != l->h / f->out_h)
        return im_sh_bad(w, "from", t,
                         "layer %d's output (%s) and this layer's input (%s) must be images whose "
                         "widths and heights scale by one factor (shortcut_cpu divides them and "
                         "asserts it)",
                         t, a, b);
    if ((st = im_sh_out(w, l, "from", t, l->w, l->h, l->c)) != IM_OK ||
        (st = im_sh_int_fits(w, im_sh_mul(w->out->batch, l->outputs), "batch x outputs")) !=
            IM_OK)
        return st;
    im_sh_floats(l, 2LL * w->out->batch * l->outputs);
    return IM_OK;
}
