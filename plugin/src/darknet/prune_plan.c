/* Finding and checking the layers a pruning touches. */
#include "monitor_internal.h"
#include "prune_plan.h"
#include "util/errfmt.h"

/* The section of Darknet layer i (monitors are sections of their own). */
static const im_cfg_section *section_of(const im_an_net *a, int i)
{
    const im_cfg_model *m = &a->rw.model;
    for (size_t s = 0; s < m->nsec; s++)
        if (m->sec[s].dn_index == i)
            return &m->sec[s];
    return &m->sec[0];
}

/* "-layer K: cannot prune it: <who> [type] (cfg:line) <why>" for layer i. */
static im_status refuse(const im_an_net *a, int i, const char *who, const char *why, char *err,
                        size_t errlen)
{
    const im_cfg_section *s = section_of(a, i);
    return im_errf(err, errlen, IM_ERR_ARG, "-layer %d: cannot prune it: %s %s (%s:%d) %s",
                   a->layer, who, s->type, a->rw.model.path, s->line, why);
}

static int partial(const layer *l)
{
    return l->numload || l->dontload || l->dontloadscales || l->dontsave;
}

static int passes_channels(LAYER_TYPE t)
{
    return t == MAXPOOL || t == AVGPOOL || t == DROPOUT;
}

/* 1 when layer l reads a layer in [lo, hi). */
static int reads_between(const layer *l, int lo, int hi)
{
    if (l->type == SHORTCUT)
        return l->index >= lo && l->index < hi;
    if (l->type == ROUTE)
        for (int k = 0; k < l->n; k++)
            if (l->input_layers[k] >= lo && l->input_layers[k] < hi)
                return 1;
    return 0;
}

static im_status find_reader(const im_an_net *a, im_prune_plan *p, char *err, size_t errlen)
{
    const network *net = a->net;
    for (int i = p->dn + 1; i < net->n; i++) {
        const layer *l = &net->layers[i];
        if (passes_channels(l->type))
            continue;
        if (l->type == CONVOLUTIONAL && l->groups == 1 && (size_t)l->c == p->C && !partial(l)) {
            p->next = i;
            p->block = (size_t)l->size * (size_t)l->size;
            p->next_sec = section_of(a, i);
            return IM_OK;
        }
        if (l->type == CONNECTED && (size_t)l->inputs % p->C == 0 && !partial(l)) {
            p->next = i;
            p->block = (size_t)l->inputs / p->C;
            p->next_sec = section_of(a, i);
            return IM_OK;
        }
        if (im_mon_loss_layer(l->type))
            return refuse(a, i, "it feeds", "directly: its filters are the network's outputs", err,
                          errlen);
        return refuse(a, i, "its next layer,",
                      "is not a convolutional (ungrouped) or connected layer that reads all "
                      "of the layer's filters and loads all its weights",
                      err, errlen);
    }
    return im_errf(err, errlen, IM_ERR_ARG,
                   "-layer %d: cannot prune it: no layer reads its filters (it is the last)",
                   a->layer);
}

im_status im_prune_plan_make(const im_an_net *a, im_prune_plan *p, char *err, size_t errlen)
{
    const layer *l = im_an_layer(a);
    *p = (im_prune_plan){.dn = a->dn, .C = a->C};
    if (partial(l) || (l->type == CONVOLUTIONAL && l->groups != 1))
        return refuse(a, a->dn, "the layer,",
                      "is grouped or loads or saves only part of its weights", err, errlen);
    im_status st = find_reader(a, p, err, errlen);
    if (st != IM_OK)
        return st;
    for (int i = 0; i < a->net->n; i++)
        if (reads_between(&a->net->layers[i], p->dn, p->next))
            return refuse(a, i, "the layer",
                          "reads its output or a layer between it and the next that uses it", err,
                          errlen);
    return IM_OK;
}
