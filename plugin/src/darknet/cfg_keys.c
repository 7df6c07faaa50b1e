/* The keys Darknet reads per section (cfg_keys.h), from parser.c of the
 * Darknet this adapter links (git 61c9d02e). */
#include <string.h>
#include "cfg_keys.h"
#include "util/errfmt.h"
#include "util/suggest.h"

#define KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* parse_net_options. */
static const char *const net_keys[] = {
    "batch",     "learning_rate", "momentum",  "decay",      "subdivisions", "time_steps",
    "notruth",   "random",        "adam",      "B1",         "B2",           "eps",
    "height",    "width",         "channels",  "inputs",     "max_crop",     "min_crop",
    "max_ratio", "min_ratio",     "center",    "clip",       "angle",        "aspect",
    "saturation", "exposure",     "hue",       "policy",     "burn_in",      "power",
    "step",      "scale",         "steps",     "scales",     "gamma",        "max_batches",
    NULL};

/* parse_network_cfg, for every layer. */
static const char *const layer_keys[] = {"truth",      "onlyforward", "stopbackward",
                                         "dontsave",   "dontload",    "numload",
                                         "dontloadscales", "learning_rate", "smooth", NULL};

typedef struct sec_keys {
    const char *type, *alias;  /* alias: NULL or the other name of the section */
    const char *const *keys;   /* NULL-terminated */
    const char *const *legacy; /* keys an older Darknet read; NULL-terminated or NULL */
} sec_keys;

static const sec_keys tables[] = {
    {"[net]", "[network]", net_keys, KEYS("seen")},
    {"[conv]", "[convolutional]",
     KEYS("filters", "size", "stride", "pad", "padding", "groups", "activation",
          "batch_normalize", "binary", "xnor", "flipped", "dot"),
     NULL},
    {"[deconv]", "[deconvolutional]",
     KEYS("filters", "size", "stride", "activation", "batch_normalize", "pad", "padding"), NULL},
    {"[local]", NULL, KEYS("filters", "size", "stride", "pad", "activation"), NULL},
    {"[crnn]", NULL,
     KEYS("output_filters", "hidden_filters", "activation", "batch_normalize", "shortcut"), NULL},
    {"[rnn]", NULL, KEYS("output", "activation", "batch_normalize", "shortcut"), KEYS("hidden")},
    {"[gru]", NULL, KEYS("output", "batch_normalize", "tanh"), NULL},
    {"[lstm]", NULL, KEYS("output", "batch_normalize"), NULL},
    {"[conn]", "[connected]", KEYS("output", "activation", "batch_normalize"), NULL},
    {"[soft]", "[softmax]", KEYS("groups", "temperature", "tree", "spatial", "noloss"), NULL},
    {"[yolo]", NULL,
     KEYS("classes", "num", "mask", "max", "jitter", "ignore_thresh", "truth_thresh", "random",
          "map", "anchors"),
     NULL},
    {"[iseg]", NULL, KEYS("classes", "ids"), NULL},
    {"[region]", NULL,
     KEYS("coords", "classes", "num", "log", "sqrt", "softmax", "background", "max", "jitter",
          "rescore", "thresh", "classfix", "absolute", "random", "coord_scale", "object_scale",
          "noobject_scale", "mask_scale", "class_scale", "bias_match", "tree", "map", "anchors"),
     NULL},
    {"[detection]", NULL,
     KEYS("coords", "classes", "rescore", "num", "side", "softmax", "sqrt", "max", "coord_scale",
          "forced", "object_scale", "noobject_scale", "class_scale", "jitter", "random", "reorg"),
     NULL},
    {"[cost]", NULL, KEYS("type", "scale", "ratio", "noobj", "thresh"), NULL},
    {"[crop]", NULL,
     KEYS("crop_height", "crop_width", "flip", "angle", "saturation", "exposure", "noadjust",
          "shift"),
     NULL},
    {"[reorg]", NULL, KEYS("stride", "reverse", "flatten", "extra"), NULL},
    {"[max]", "[maxpool]", KEYS("stride", "size", "padding"), NULL},
    {"[avg]", "[avgpool]", KEYS(NULL), NULL},
    {"[dropout]", NULL, KEYS("probability"), NULL},
    {"[lrn]", "[normalization]", KEYS("alpha", "beta", "kappa", "size"), NULL},
    {"[batchnorm]", NULL, KEYS(NULL), NULL},
    {"[shortcut]", NULL, KEYS("from", "activation", "alpha", "beta"), NULL},
    {"[l2norm]", NULL, KEYS(NULL), NULL},
    {"[logistic]", NULL, KEYS(NULL), NULL},
    {"[activation]", NULL, KEYS("activation"), NULL},
    {"[upsample]", NULL, KEYS("stride", "scale"), NULL},
    {"[route]", NULL, KEYS("layers"), NULL},
};

static const sec_keys *table_of(const char *type)
{
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (!strcmp(type, tables[i].type) ||
            (tables[i].alias != NULL && !strcmp(type, tables[i].alias)))
            return &tables[i];
    return NULL;
}

static int listed(const char *const *list, const char *key)
{
    for (size_t i = 0; list != NULL && list[i] != NULL; i++)
        if (!strcmp(list[i], key))
            return 1;
    return 0;
}

/* Append ", "-separated list to err (after the first item: sep). */
static void append_list(char *err, size_t errlen, const char *const *list, int first)
{
    for (size_t i = 0; list[i] != NULL; i++, first = 0)
        im_errf_append(err, errlen, IM_ERR_FORMAT, "%s%s", first ? "" : ", ", list[i]);
}

static im_status unknown_key(const im_cfg_model *m, const im_cfg_section *s,
                             const im_cfg_opt *o, const sec_keys *t, char *err, size_t errlen)
{
    const char *near = im_suggest(o->key, t->keys);
    const char *near_l = t->keys == net_keys ? NULL : im_suggest(o->key, layer_keys);
    if (near == NULL || (near_l != NULL && im_edit_distance(o->key, near_l) <
                                               im_edit_distance(o->key, near)))
        near = near_l;
    im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: %s %s = '%s': Darknet reads no such key in %s",
            m->path, o->line, s->type, o->key, o->val, s->type);
    if (near != NULL)
        return im_errf_append(err, errlen, IM_ERR_FORMAT, " (did you mean '%s'?)", near);
    im_errf_append(err, errlen, IM_ERR_FORMAT, " (its keys: ");
    append_list(err, errlen, t->keys, 1);
    if (t->keys != net_keys) {
        im_errf_append(err, errlen, IM_ERR_FORMAT, "%s", t->keys[0] ? "; in every layer: " : "");
        append_list(err, errlen, layer_keys, 1);
    }
    return im_errf_append(err, errlen, IM_ERR_FORMAT, ")");
}

static im_status section_keys(im_cfg_model *m, const im_cfg_section *s, char *err,
                              size_t errlen)
{
    const sec_keys *t = table_of(s->type);
    if (t == NULL)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: unknown section %s", m->path,
                       s->line, s->type);
    for (size_t k = 0; k < s->nopt; k++) {
        const im_cfg_opt *o = &s->opt[k];
        if (listed(t->keys, o->key) || (t->keys != net_keys && listed(layer_keys, o->key)))
            continue;
        if (!listed(t->legacy, o->key))
            return unknown_key(m, s, o, t, err, errlen);
        if (im_cfg_warn(m, o->line, "%s %s = '%s': ignored (an older Darknet's key)", s->type,
                        o->key, o->val) != IM_OK)
            return im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory", m->path);
    }
    return IM_OK;
}

im_status im_dn_cfg_keys_check(im_cfg_model *m, char *err, size_t errlen)
{
    for (size_t i = 0; i < m->nsec; i++) {
        if (m->sec[i].monitor)
            continue;
        im_status st = section_keys(m, &m->sec[i], err, errlen);
        if (st != IM_OK)
            return st;
    }
    return IM_OK;
}
