/* The per-layer arrays of a Darknet weights file (weights_layout.h). */
#include "util/errfmt.h"
#include "weights_layout.h"

typedef struct walk {
    im_dn_weights_dir dir;
    const char *cfg;
    int index; /* the layer being walked (a sub-layer's parent) */
    im_dn_weights_fn fn;
    void *arg;
    char *err;
    size_t errlen;
} walk;

size_t im_dn_weights_seen_bytes(int32_t major, int32_t minor)
{
    return major * 10 + minor >= 2 && major < 1000 && minor < 1000 ? sizeof(size_t)
                                                                   : sizeof(int32_t);
}

static im_status scales(const walk *w, const layer *l, size_t n)
{
    im_status st;
    if ((st = w->fn(w->arg, l->scales, n, w->err, w->errlen)) != IM_OK ||
        (st = w->fn(w->arg, l->rolling_mean, n, w->err, w->errlen)) != IM_OK)
        return st;
    return w->fn(w->arg, l->rolling_variance, n, w->err, w->errlen);
}

/* save_convolutional_weights / load_convolutional_weights */
static im_status conv(const walk *w, const layer *l)
{
    size_t n = (size_t)l->n, nw = (size_t)l->nweights;
    int bn = l->batch_normalize;
    if (w->dir == IM_DN_WEIGHTS_LOAD) {
        if (l->groups <= 0)
            return im_errf(w->err, w->errlen, IM_ERR_FORMAT,
                           "%s: layer %d: groups = %d: Darknet's load_weights divides by it and "
                           "would crash, so no weights can be loaded into this network (every "
                           "[deconvolutional] layer has 0)",
                           w->cfg, w->index, l->groups);
        if (l->numload < 0 || l->numload > l->n)
            return im_errf(w->err, w->errlen, IM_ERR_FORMAT,
                           "%s: layer %d: numload = %d must be in 0..%d (the layer's filters)",
                           w->cfg, w->index, l->numload, l->n);
        if (l->numload)
            n = (size_t)l->numload;
        nw = (size_t)(l->c / l->groups) * n * (size_t)l->size * (size_t)l->size;
        bn = bn && !l->dontloadscales;
    }
    im_status st = w->fn(w->arg, l->biases, n, w->err, w->errlen);
    if (st == IM_OK && bn)
        st = scales(w, l, n);
    return st != IM_OK ? st : w->fn(w->arg, l->weights, nw, w->err, w->errlen);
}

/* save_connected_weights / load_connected_weights */
static im_status connected(const walk *w, const layer *l)
{
    size_t out = (size_t)l->outputs;
    int bn = l->batch_normalize && !(w->dir == IM_DN_WEIGHTS_LOAD && l->dontloadscales);
    im_status st = w->fn(w->arg, l->biases, out, w->err, w->errlen);
    if (st == IM_OK)
        st = w->fn(w->arg, l->weights, (size_t)l->inputs * out, w->err, w->errlen);
    return st == IM_OK && bn ? scales(w, l, out) : st;
}

static im_status subs(const walk *w, layer *const *sub, int n,
                      im_status (*each)(const walk *, const layer *))
{
    im_status st = IM_OK;
    for (int i = 0; i < n && st == IM_OK; i++)
        st = each(w, sub[i]);
    return st;
}

static im_status local(const walk *w, const layer *l)
{
    size_t size = (size_t)l->size * (size_t)l->size * (size_t)l->c * (size_t)l->n *
                  (size_t)l->out_w * (size_t)l->out_h;
    im_status st = w->fn(w->arg, l->biases, (size_t)l->outputs, w->err, w->errlen);
    return st != IM_OK ? st : w->fn(w->arg, l->weights, size, w->err, w->errlen);
}

static im_status one_layer(const walk *w, const layer *l)
{
    switch (l->type) {
    case CONVOLUTIONAL:
    case DECONVOLUTIONAL:
        return conv(w, l);
    case CONNECTED:
        return connected(w, l);
    case BATCHNORM:
        return scales(w, l, (size_t)l->c);
    case RNN:
        return subs(w, (layer *[]){l->input_layer, l->self_layer, l->output_layer}, 3, connected);
    case GRU:
        return subs(w, (layer *[]){l->wz, l->wr, l->wh, l->uz, l->ur, l->uh}, 6, connected);
    case LSTM:
        return subs(w, (layer *[]){l->wi, l->wf, l->wo, l->wg, l->ui, l->uf, l->uo, l->ug}, 8,
                    connected);
    case CRNN:
        return subs(w, (layer *[]){l->input_layer, l->self_layer, l->output_layer}, 3, conv);
    case LOCAL:
        return local(w, l);
    default:
        return IM_OK;
    }
}

im_status im_dn_weights_walk(const network *net, im_dn_weights_dir dir, const char *cfg,
                             im_dn_weights_fn fn, void *arg, char *err, size_t errlen)
{
    walk w = {dir, cfg, 0, fn, arg, err, errlen};
    im_status st = IM_OK;
    for (int i = 0; i < net->n && st == IM_OK; i++) {
        const layer *l = &net->layers[i];
        if (dir == IM_DN_WEIGHTS_SAVE ? l->dontsave : l->dontload)
            continue;
        w.index = i;
        st = one_layer(&w, l);
    }
    return st;
}

static im_status count(void *arg, const float *a, size_t n, char *err, size_t errlen)
{
    (void)a;
    (void)err;
    (void)errlen;
    *(size_t *)arg += n;
    return IM_OK;
}

im_status im_dn_weights_floats(const network *net, im_dn_weights_dir dir, const char *cfg,
                               size_t *floats, char *err, size_t errlen)
{
    *floats = 0;
    return im_dn_weights_walk(net, dir, cfg, count, floats, err, errlen);
}
