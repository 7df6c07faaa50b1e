/* Keys, messages and Darknet's int sizes for the shape rules
 * (cfg_shapes_internal.h). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cfg_shapes_internal.h"
#include "util/errfmt.h"
#include "util/parse.h"

im_status im_sh_int(sh_walk *w, const char *key, long long def, long long lo, int *out)
{
    long long v;
    if (im_cfg_int(w->m, w->s, key, def, lo, INT_MAX, &v, NULL, 0) == IM_OK) {
        *out = (int)v;
        return IM_OK;
    }
    const im_cfg_opt *o = im_cfg_find(w->s, key);
    if (im_parse_int(o->val, lo, LLONG_MAX, &v))
        return im_errf(w->err, w->errlen, IM_ERR_FORMAT,
                       "%s:%d: %s %s = '%s': expected at most %d (Darknet reads an int)",
                       w->m->path, o->line, w->s->type, key, o->val, INT_MAX);
    return im_errf(w->err, w->errlen, IM_ERR_FORMAT,
                   "%s:%d: %s %s = '%s': expected a whole number >= %lld", w->m->path, o->line,
                   w->s->type, key, o->val, lo);
}

im_status im_sh_flag(sh_walk *w, const char *key, int def, int *out)
{
    long long v;
    im_status st = im_cfg_int(w->m, w->s, key, def, 0, 1, &v, NULL, 0);
    if (st == IM_OK) {
        *out = (int)v;
        return IM_OK;
    }
    const im_cfg_opt *o = im_cfg_find(w->s, key);
    return im_errf(w->err, w->errlen, IM_ERR_FORMAT, "%s:%d: %s %s = '%s': expected 0 or 1",
                   w->m->path, o->line, w->s->type, key, o->val);
}

static im_status append(const sh_walk *w, const char *fmt, va_list ap)
{
    if (w->err == NULL || w->errlen == 0)
        return IM_ERR_FORMAT;
    return im_verrf(w->err, w->errlen, strlen(w->err), IM_ERR_FORMAT, fmt, ap);
}

im_status im_sh_bad(const sh_walk *w, const char *key, long long val, const char *fmt, ...)
{
    const im_cfg_opt *o = im_cfg_find(w->s, key);
    if (o != NULL)
        im_errf(w->err, w->errlen, IM_ERR_FORMAT, "%s:%d: %s %s = '%s': ", w->m->path, o->line,
                w->s->type, key, o->val);
    else
        im_errf(w->err, w->errlen, IM_ERR_FORMAT, "%s:%d: %s %s = %lld (the default): ",
                w->m->path, w->s->line, w->s->type, key, val);
    va_list ap;
    va_start(ap, fmt);
    im_status st = append(w, fmt, ap);
    va_end(ap);
    return st;
}

im_status im_sh_bad_layer(const sh_walk *w, const char *fmt, ...)
{
    if (w->s->layer < 0)
        im_errf(w->err, w->errlen, IM_ERR_FORMAT, "%s:%d: %s: ", w->m->path, w->s->line,
                w->s->type);
    else
        im_errf(w->err, w->errlen, IM_ERR_FORMAT, "%s:%d: %s (layer %d): ", w->m->path,
                w->s->line, w->s->type, w->s->layer);
    va_list ap;
    va_start(ap, fmt);
    im_status st = append(w, fmt, ap);
    va_end(ap);
    return st;
}

void im_sh_describe(int w, int h, int c, int n, char *buf, size_t len)
{
    if (w > 0 && h > 0 && c > 0)
        snprintf(buf, len, "%d x %d x %d", w, h, c);
    else
        snprintf(buf, len, "%d values without an image shape", n);
}

im_status im_sh_tree_file(const sh_walk *w)
{
    const im_cfg_opt *o = im_cfg_find(w->s, "tree");
    FILE *f = o != NULL ? fopen(o->val, "r") : NULL;
    if (o == NULL || f != NULL) {
        if (f != NULL)
            fclose(f);
        return IM_OK;
    }
    return im_sh_bad(w, "tree", 0,
                     "cannot open it: %s (Darknet's read_tree reads it without a check and "
                     "crashes)",
                     strerror(errno));
}

im_status im_sh_need_image(const sh_walk *w, const im_dn_layer_shape *l)
{
    if (l->w > 0 && l->h > 0 && l->c > 0)
        return IM_OK;
    char in[64];
    im_sh_describe(l->w, l->h, l->c, l->inputs, in, sizeof in);
    if (w->prev == NULL)
        return im_sh_bad_layer(w, "needs an image input, but [net] gives %s (Darknet exits: "
                                  "'Layer before ... layer must output image')", in);
    return im_sh_bad_layer(w,
                           "needs an image input, but the layer before (%s, line %d) outputs %s "
                           "(Darknet exits: 'Layer before ... layer must output image')",
                           w->prev->type, w->prev->line, in);
}

long long im_sh_mul(long long a, long long b)
{
    if (a <= 0 || b <= 0)
        return a < 0 || b < 0 ? -1 : 0;
    if (a >= IM_SH_HUGE || b >= IM_SH_HUGE || a > IM_SH_HUGE / b)
        return IM_SH_HUGE;
    return a * b;
}

im_status im_sh_int_fits(const sh_walk *w, long long v, const char *what)
{
    if (v <= INT_MAX)
        return IM_OK;
    if (v >= IM_SH_HUGE)
        return im_sh_bad_layer(w, "%s exceeds 2^62, far beyond Darknet's int (at most %d)", what,
                               INT_MAX);
    return im_sh_bad_layer(w, "%s = %lld exceeds Darknet's int (at most %d)", what, v, INT_MAX);
}

im_status im_sh_out(const sh_walk *w, im_dn_layer_shape *l, const char *key, long long val,
                    long long ow, long long oh, long long oc)
{
    char in[64];
    im_sh_describe(l->w, l->h, l->c, l->inputs, in, sizeof in);
    if (ow < 1 || oh < 1 || oc < 1)
        return im_sh_bad(w, key, val, "the output would be %lld x %lld x %lld (input %s)", ow, oh,
                         oc, in);
    long long n = im_sh_mul(im_sh_mul(ow, oh), oc);
    if (ow > INT_MAX || oh > INT_MAX || n > INT_MAX)
        return im_sh_bad(w, key, val,
                         "the output %lld x %lld x %lld (input %s) exceeds Darknet's int (at most "
                         "%d values)",
                         ow, oh, oc, in, INT_MAX);
    l->out_w = (int)ow;
    l->out_h = (int)oh;
    l->out_c = (int)oc;
    l->outputs = (int)n;
    return IM_OK;
}

void im_sh_floats(im_dn_layer_shape *l, long long n)
{
    l->bytes += (uint64_t)(n > 0 ? n : 0) * sizeof(float);
}

im_status im_sh_connected_arrays(const sh_walk *w, im_dn_layer_shape *l, long long b,
                                 long long in, long long outs, int bn)
{
    long long nw = im_sh_mul(in, outs), bo = im_sh_mul(b, outs);
    im_status st = im_sh_int_fits(w, nw, "the connected weights inputs x outputs");
    if (st == IM_OK)
        st = im_sh_int_fits(w, bo, "batch x outputs");
    if (st != IM_OK)
        return st;
    im_sh_floats(l, 2 * nw + 2 * outs + 2 * bo); /* weights, updates, biases, output, delta */
    if (w->adam)
        im_sh_floats(l, 2 * nw + 4 * outs);
    if (bn)
        im_sh_floats(l, 8 * outs + 2 * bo); /* scales ... rolling, x, x_norm */
    return IM_OK;
}

im_status im_sh_conv_arrays(const sh_walk *w, im_dn_layer_shape *l, long long b, long long nw,
                            long long n, long long outputs, int bn)
{
    long long bo = im_sh_mul(b, outputs);
    im_status st = im_sh_int_fits(w, nw, "the weights count channels/groups x filters x size^2");
    if (st == IM_OK)
        st = im_sh_int_fits(w, bo, "batch x outputs");
    if (st != IM_OK)
        return st;
    im_sh_floats(l, 2 * nw + 2 * n + 2 * bo); /* weights, updates, biases, output, delta */
    if (bn)
        im_sh_floats(l, 8 * n + 2 * bo); /* scales ... rolling_variance, x, x_norm */
    if (w->adam)
        im_sh_floats(l, 2 * nw + 4 * n);
    return IM_OK;
}
