/* The layers that need an image input: their keys, output sizes and arrays,
 * as parser.c's parse_<type> and make_<type>_layer compute them (Darknet
 * git 61c9d02e).  Sizes are computed in long long with Darknet's C integer
 * division, then checked against Darknet's int. */
#include <limits.h>
#include "cfg_shapes_internal.h"

/* filters, size, stride (>= 1, default 1), as every windowed layer reads them. */
static im_status window(sh_walk *w, im_dn_layer_shape *l)
{
    im_status st = im_sh_int(w, "filters", 1, 1, &l->filters);
    if (st == IM_OK)
        st = im_sh_int(w, "size", 1, 1, &l->size);
    if (st == IM_OK)
        st = im_sh_int(w, "stride", 1, 1, &l->stride);
    return st;
}

/* pad and padding: Darknet's `if(pad) padding = size/2`. */
static im_status padding(sh_walk *w, const im_dn_layer_shape *l, int *p)
{
    int pad;
    im_status st = im_sh_flag(w, "pad", 0, &pad);
    if (st == IM_OK)
        st = im_sh_int(w, "padding", 0, 0, p);
    if (st == IM_OK && pad)
        *p = l->size / 2;
    if (st == IM_OK && (long long)l->w + 2LL * *p > INT_MAX)
        return im_sh_bad(w, "padding", *p, "width + 2 x padding exceeds Darknet's int");
    return st;
}

/* groups >= 1 dividing the channels and the filters. */
static im_status groups(sh_walk *w, const im_dn_layer_shape *l, int *g)
{
    im_status st = im_sh_int(w, "groups", 1, 1, g);
    if (st != IM_OK)
        return st;
    if (l->c % *g)
        return im_sh_bad(w, "groups", *g,
                         "expected a divisor of the input's %d channels (each group convolves "
                         "channels/groups of them; the rest are dropped)",
                         l->c);
    if (l->filters % *g)
        return im_sh_bad(w, "groups", *g,
                         "expected a divisor of filters = %d (each group has filters/groups "
                         "filters; the rest are never computed)",
                         l->filters);
    return IM_OK;
}

im_status im_sh_conv(sh_walk *w, im_dn_layer_shape *l)
{
    int p, g, bn, binary, xnor;
    im_status st = window(w, l);
    if (st == IM_OK)
        st = padding(w, l, &p);
    if (st == IM_OK)
        st = im_sh_need_image(w, l);
    if (st == IM_OK)
        st = groups(w, l, &g);
    if (st == IM_OK)
        st = im_sh_flag(w, "batch_normalize", 0, &bn);
    if (st == IM_OK)
        st = im_sh_flag(w, "binary", 0, &binary);
    if (st == IM_OK)
        st = im_sh_flag(w, "xnor", 0, &xnor);
    if (st != IM_OK)
        return st;
    long long ow = (l->w + 2LL * p - l->size) / l->stride + 1;
    long long oh = (l->h + 2LL * p - l->size) / l->stride + 1;
    if ((st = im_sh_out(w, l, "size", l->size, ow, oh, l->filters)) != IM_OK)
        return st;
    long long k = im_sh_mul((long long)(l->c / g) * l->size, l->size);
    long long cols = im_sh_mul(k, (long long)l->out_w * l->out_h);
    st = im_sh_int_fits(w, cols, "im2col's columns size^2 x channels/groups x out_w x out_h");
    if (st != IM_OK)
        return st;
    w->ws_alloc = w->ws_need = (uint64_t)cols * sizeof(float);
    long long nw = im_sh_mul(k, l->filters), bi = im_sh_mul(w->out->batch, l->inputs);
    if ((st = im_sh_conv_arrays(w, l, w->out->batch, nw, l->filters, l->outputs, bn)) != IM_OK)
        return st;
    if (xnor && (st = im_sh_int_fits(w, bi, "batch x inputs")) != IM_OK)
        return st;
    if (binary)
        im_sh_floats(l, nw + nw / 4 + 1 + l->filters); /* binary_weights, cweights, scales */
    if (xnor)
        im_sh_floats(l, nw + bi); /* binary_weights, binary_input */
    return IM_OK;
}

im_status im_sh_deconv(sh_walk *w, im_dn_layer_shape *l)
{
    int p, bn;
    im_status st = window(w, l);
    if (st == IM_OK)
        st = padding(w, l, &p);
    if (st == IM_OK)
        st = im_sh_flag(w, "batch_normalize", 0, &bn);
    if (st == IM_OK)
        st = im_sh_need_image(w, l);
    if (st != IM_OK)
        return st;
    long long ow = im_sh_mul(l->w - 1LL, l->stride) + l->size - 2LL * p;
    long long oh = im_sh_mul(l->h - 1LL, l->stride) + l->size - 2LL * p;
    if ((st = im_sh_out(w, l, "size", l->size, ow, oh, l->filters)) != IM_OK)
        return st;
    long long k = im_sh_mul(im_sh_mul(l->c, l->filters), (long long)l->size * l->size);
    long long cols = im_sh_mul((long long)l->size * l->size * l->filters, (long long)l->w * l->h);
    if ((st = im_sh_int_fits(w, cols, "col2im's columns size^2 x filters x w x h")) != IM_OK)
        return st;
    w->ws_alloc = w->ws_need = (uint64_t)cols * sizeof(float);
    return im_sh_conv_arrays(w, l, w->out->batch, k, l->filters, l->outputs, bn);
}

im_status im_sh_local(sh_walk *w, im_dn_layer_shape *l)
{
    int pad;
    im_status st = window(w, l);
    if (st == IM_OK)
        st = im_sh_flag(w, "pad", 0, &pad);
    if (st == IM_OK)
        st = im_sh_need_image(w, l);
    if (st != IM_OK)
        return st;
    if (pad && l->size != 3)
        return im_sh_bad(w, "pad", pad,
                         "works only with size = 3: local_out_height takes (h - 1)/stride + 1 "
                         "outputs, but im2col pads by 1 pixel, so with size = %d the two disagree",
                         l->size);
    long long cut = pad ? 1 : l->size;
    if ((st = im_sh_out(w, l, "size", l->size, (l->w - cut) / l->stride + 1,
                        (l->h - cut) / l->stride + 1, l->filters)) != IM_OK)
        return st;
    long long loc = (long long)l->out_w * l->out_h, k = (long long)l->size * l->size * l->c;
    long long nw = im_sh_mul(im_sh_mul(k, l->filters), loc), cols = im_sh_mul(k, loc);
    long long bo = im_sh_mul(w->out->batch, l->outputs);
    if ((st = im_sh_int_fits(w, nw, "the weights count size^2 x channels x filters x "
                                    "locations")) != IM_OK ||
        (st = im_sh_int_fits(w, cols, "the workspace size^2 x channels x locations")) != IM_OK ||
        (st = im_sh_int_fits(w, bo, "batch x outputs")) != IM_OK)
        return st;
    /* make_local_layer sets workspace_size to the count of floats, in bytes. */
    w->ws_alloc = (uint64_t)cols;
    w->ws_need = (uint64_t)cols * sizeof(float);
    im_sh_floats(l, 2 * nw + 2 * (long long)l->outputs + 2 * bo);
    return IM_OK;
}

im_status im_sh_maxpool(sh_walk *w, im_dn_layer_shape *l)
{
    int p;
    im_status st = im_sh_int(w, "stride", 1, 1, &l->stride);
    if (st == IM_OK)
        st = im_sh_int(w, "size", l->stride, 1, &l->size);
    if (st == IM_OK)
        st = im_sh_int(w, "padding", l->size - 1LL, 0, &p);
    if (st == IM_OK)
        st = im_sh_need_image(w, l);
    if (st != IM_OK)
        return st;
    if ((long long)l->w + p > INT_MAX)
        return im_sh_bad(w, "padding", p, "width + padding exceeds Darknet's int");
    long long ow = ((long long)l->w + p - l->size) / l->stride + 1;
    long long oh = ((long long)l->h + p - l->size) / l->stride + 1;
    if ((st = im_sh_out(w, l, "size", l->size, ow, oh, l->c)) != IM_OK)
        return st;
    long long bo = im_sh_mul(w->out->batch, l->outputs);
    if ((st = im_sh_int_fits(w, bo, "batch x outputs")) != IM_OK)
        return st;
    im_sh_floats(l, 3 * bo); /* indexes, output, delta */
    return IM_OK;
}

im_status im_sh_avgpool(sh_walk *w, im_dn_layer_shape *l)
{
    im_status st = im_sh_need_image(w, l);
    if (st == IM_OK)
        st = im_sh_out(w, l, "size", 1, 1, 1, l->c);
    if (st == IM_OK)
        st = im_sh_int_fits(w, im_sh_mul(w->out->batch, l->c), "batch x channels");
    if (st == IM_OK)
        im_sh_floats(l, 2LL * w->out->batch * l->c);
    return st;
}

im_status im_sh_crop(sh_walk *w, im_dn_layer_shape *l)
{
    int ch, cw;
    im_status st = im_sh_int(w, "crop_height", 1, 1, &ch);
    if (st == IM_OK)
        st = im_sh_int(w, "crop_width", 1, 1, &cw);
    if (st == IM_OK)
        st = im_sh_need_image(w, l);
    if (st != IM_OK)
        return st;
    /* forward_crop_layer draws the offset as rand() % (h - crop_height + 1). */
    if (ch > l->h)
        return im_sh_bad(w, "crop_height", ch,
                         "expected at most the input's height %d (Darknet would read outside "
                         "the image)", l->h);
    if (cw > l->w)
        return im_sh_bad(w, "crop_width", cw,
                         "expected at most the input's width %d (Darknet would read outside "
                         "the image)", l->w);
    if ((st = im_sh_out(w, l, "crop_height", ch, cw, ch, l->c)) != IM_OK ||
        (st = im_sh_int_fits(w, im_sh_mul(w->out->batch, l->outputs), "batch x outputs")) !=
            IM_OK)
        return st;
    im_sh_floats(l, (long long)w->out->batch * l->outputs); /* output only: no delta */
    return IM_OK;
}

/* reorg_cpu and flatten move w*h*c values whatever the output holds. */
static im_status reorg_fits(sh_walk *w, const im_dn_layer_shape *l, int s, int reverse,
                            int flatten)
{
    if (!reverse && (l->w % s || l->h % s))
        return im_sh_bad(w, "stride", s,
                         "expected a divisor of the input's width and height (%d x %d): "
                         "reorg moves all w x h x c values into a smaller output",
                         l->w, l->h);
    if ((reverse || !flatten) && l->c % ((long long)s * s))
        return im_sh_bad(w, "stride", s,
                         "the input's %d channels must be a multiple of stride^2 = %lld "
                         "(reorg_cpu groups channels by stride^2; else it divides by zero or "
                         "writes past its output)",
                         l->c, (long long)s * s);
    return IM_OK;
}

im_status im_sh_reorg(sh_walk *w, im_dn_layer_shape *l)
{
    int s, reverse, flatten, extra;
    im_status st = im_sh_int(w, "stride", 1, 1, &s);
    if (st == IM_OK)
        st = im_sh_flag(w, "reverse", 0, &reverse);
    if (st == IM_OK)
        st = im_sh_flag(w, "flatten", 0, &flatten);
    if (st == IM_OK)
        st = im_sh_int(w, "extra", 0, 0, &extra);
    if (st == IM_OK)
        st = im_sh_need_image(w, l);
    if (st == IM_OK && !extra)
        st = reorg_fits(w, l, s, reverse, flatten);
    if (st != IM_OK)
        return st;
    l->stride = s;
    long long s2 = (long long)s * s;
    if (extra) {
        if ((st = im_sh_int_fits(w, (long long)l->inputs + extra, "inputs + extra")) != IM_OK)
            return st;
        l->outputs = l->inputs + extra;
    } else if (reverse)
        st = im_sh_out(w, l, "stride", s, im_sh_mul(l->w, s), im_sh_mul(l->h, s), l->c / s2);
    else
        st = im_sh_out(w, l, "stride", s, l->w / s, l->h / s, im_sh_mul(l->c, s2));
    if (st == IM_OK)
        st = im_sh_int_fits(w, im_sh_mul(w->out->batch, l->outputs), "batch x outputs");
    if (st == IM_OK)
        im_sh_floats(l, 2LL * w->out->batch * l->outputs);
    return st;
}
