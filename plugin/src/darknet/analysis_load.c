/* The network, weights, valid split and layer K of an analysis. */
#include <stdlib.h>
#include <string.h>
#include "analysis_load.h"
#include "driver.h"
#include "net_load.h"
#include "util/errfmt.h"

/* The section of the layer the user calls K, or -1. */
static long find_section(const im_cfg_model *m, int K)
{
    for (size_t i = 0; i < m->nsec; i++)
        if (!m->sec[i].monitor && m->sec[i].layer == K)
            return (long)i;
    return -1;
}

/* K's section, Darknet index and filters; IM_ERR_ARG naming K otherwise. */
static im_status locate_layer(im_an_net *a, int K, char *err, size_t errlen)
{
    const im_cfg_model *m = &a->rw.model;
    long s = K >= 0 ? find_section(m, K) : -1;
    if (s < 0)
        return im_errf(err, errlen, IM_ERR_ARG,
                       "-layer %d: %s has layers 0..%d (counted without [infomonitor] sections)", K,
                       m->path, m->nlayers - 1);
    const im_cfg_section *sec = &m->sec[s];
    const layer *l = &a->net->layers[sec->dn_index];
    if (l->type != CONVOLUTIONAL && l->type != CONNECTED)
        return im_errf(err, errlen, IM_ERR_ARG,
                       "-layer %d is a %s layer (%s:%d); it needs a convolutional or connected "
                       "layer (its feature maps or units are the variables measured)",
                       K, sec->type, m->path, sec->line);
    a->layer = K;
    a->sec = (size_t)s;
    a->dn = sec->dn_index;
    a->C = (size_t)(l->type == CONVOLUTIONAL ? l->out_c : l->outputs);
    a->d = (size_t)l->outputs / a->C;
    return IM_OK;
}

im_status im_an_open(const char *datacfg, const char *cfg, const char *weights, int layer,
                     im_an_net *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    im_status st = im_datacfg_load(datacfg, &a->dc, err, errlen);
    if (st != IM_OK)
        return st;
    im_dn_print_warnings(a->dc.warnings);
    if (a->dc.valid == NULL)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: no 'valid' key (the analyses use the "
                       "valid split)",
                       datacfg);
    if ((st = im_dn_load_net(cfg, weights, 0, 0, -1, &a->rw, &a->net, err, errlen)) != IM_OK)
        return st;
    im_dn_print_warnings(a->rw.model.warnings);
    if ((st = locate_layer(a, layer, err, errlen)) != IM_OK ||
        (st = im_dn_check_data(&a->dc, a->net->outputs, err, errlen)) != IM_OK)
        return st;
    return im_datacfg_split(&a->dc, 1, (size_t)a->net->w, (size_t)a->net->h, (size_t)a->net->c,
                            &a->data, err, errlen);
}

void im_an_close(im_an_net *a)
{
    if (a->net)
        free_network(a->net);
    im_dataset_free(&a->data);
    im_cfg_rewrite_free(&a->rw);
    im_datacfg_free(&a->dc);
    memset(a, 0, sizeof *a);
}

const layer *im_an_layer(const im_an_net *a)
{
    return &a->net->layers[a->dn];
}

im_status im_an_forward(im_an_net *a, const size_t *rows, size_t m, float *t, char *err,
                        size_t errlen)
{
    size_t B = (size_t)a->net->batch, cols = (size_t)a->net->inputs, out = a->C * a->d;
    float *buf = calloc(B * cols, sizeof(float)); /* B input rows of cols, row-major */
    if (buf == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for a batch of %zu inputs", B);
    for (size_t s = 0; s < m; s += B) {
        size_t k = m - s < B ? m - s : B;
        for (size_t i = 0; i < k; i++)
            memcpy(buf + i * cols, a->data.x + rows[s + i] * cols, cols * sizeof(float));
        memset(buf + k * cols, 0, (B - k) * cols * sizeof(float));
        network_predict(a->net, buf);
        memcpy(t + s * out, im_an_layer(a)->output, k * out * sizeof(float));
    }
    free(buf);
    return IM_OK;
}
