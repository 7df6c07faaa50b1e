/* The non-shape values of a Darknet cfg (cfg_values.h); the names and
 * rules follow Darknet git 61c9d02e (activations.c, cost_layer.c,
 * parser.c, network.c's get_current_rate). */
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "cfg_values.h"
#include "util/errfmt.h"
#include "util/parse.h"
#include "util/suggest.h"

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

typedef enum kind { FLAG, INT0, INT1, NUM, NUM0, POS, FRAC } kind;

static const char *const want_of[] = {
    [FLAG] = "0 or 1",          [INT0] = "a whole number >= 0", [INT1] = "a whole number >= 1",
    [NUM] = "a finite number",  [NUM0] = "a number >= 0",       [POS] = "a number > 0",
    [FRAC] = "a number in [0, 1)"};

/* The number kinds by key; keys not here are shapes (cfg_shapes.h), names
 * or lists (below) or paths (tree, map). */
static const struct {
    const char *key;
    kind k;
} rules[] = {
    {"batch_normalize", FLAG}, {"binary", FLAG},      {"xnor", FLAG},        {"flipped", FLAG},
    {"shortcut", FLAG},        {"tanh", FLAG},        {"noloss", FLAG},      {"random", FLAG},
    {"log", FLAG},             {"sqrt", FLAG},        {"softmax", FLAG},     {"background", FLAG},
    {"rescore", FLAG},         {"classfix", FLAG},    {"absolute", FLAG},    {"bias_match", FLAG},
    {"forced", FLAG},          {"reorg", FLAG},       {"noadjust", FLAG},    {"flip", FLAG},
    {"adam", FLAG},            {"center", FLAG},      {"notruth", FLAG},     {"truth", FLAG},
    {"onlyforward", FLAG},     {"stopbackward", FLAG}, {"dontsave", FLAG},   {"dontload", FLAG},
    {"dontloadscales", FLAG},  {"burn_in", INT0},     {"max_batches", INT0}, {"max", INT0},
    {"numload", INT0},         {"max_crop", INT0},    {"min_crop", INT0},    {"step", INT1},
    {"learning_rate", NUM0},   {"decay", NUM0},       {"jitter", NUM0},      {"clip", NUM0},
    {"max_ratio", NUM0},       {"min_ratio", NUM0},   {"coord_scale", NUM0}, {"object_scale", NUM0},
    {"noobject_scale", NUM0},  {"class_scale", NUM0}, {"mask_scale", NUM0},  {"momentum", FRAC},
    {"B1", FRAC},              {"B2", FRAC},          {"probability", FRAC}, {"eps", POS},
    {"temperature", POS},      {"dot", NUM},          {"smooth", NUM},       {"spatial", NUM},
    {"angle", NUM},            {"aspect", NUM},       {"saturation", NUM},   {"exposure", NUM},
    {"hue", NUM},              {"shift", NUM},        {"power", NUM},        {"gamma", NUM},
    {"scale", NUM},            {"ratio", NUM},        {"noobj", NUM},        {"thresh", NUM},
    {"ignore_thresh", NUM},    {"truth_thresh", NUM}, {"alpha", NUM},        {"beta", NUM},
    {"kappa", NUM},
};

static const char *const activations[] = {"logistic", "loggy", "relu",  "elu",    "selu",
                                          "relie",    "plse",  "hardtan", "lhtan", "linear",
                                          "ramp",     "leaky", "tanh",  "stair",  NULL};
static const char *const policies[] = {"constant", "step", "steps",  "exp",
                                       "poly",     "sigmoid", "random", NULL};
static const char *const costs[] = {"seg", "sse", "masked", "smooth", "L1", "wgan", NULL};

static im_status bad(const im_cfg_model *m, const im_cfg_section *s, const im_cfg_opt *o,
                     const char *want, char *err, size_t errlen)
{
    return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: %s %s = '%s': expected %s", m->path,
                   o->line, s->type, o->key, o->val, want);
}

static int fits(const char *v, kind k)
{
    long long i;
    double x;
    switch (k) {
    case FLAG:
        return im_parse_int(v, 0, 1, &i);
    case INT0:
        return im_parse_int(v, 0, INT_MAX, &i);
    case INT1:
        return im_parse_int(v, 1, INT_MAX, &i);
    case NUM:
        return im_parse_num(v, -FLT_MAX, FLT_MAX, &x);
    case NUM0:
        return im_parse_num(v, 0, FLT_MAX, &x);
    case POS:
        return im_parse_num(v, 0, FLT_MAX, &x) && x > 0;
    case FRAC:
        return im_parse_num(v, 0, 1, &x) && x < 1;
    }
    return 0;
}

/* o's value is one of names[] (NULL-terminated); else the error names
 * them, or the near one. */
static im_status name_in(const im_cfg_model *m, const im_cfg_section *s, const im_cfg_opt *o,
                         const char *what, const char *const *names, char *err, size_t errlen)
{
    for (size_t i = 0; names[i] != NULL; i++)
        if (!strcmp(o->val, names[i]))
            return IM_OK;
    const char *near = im_suggest(o->val, names);
    if (near != NULL) {
        bad(m, s, o, what, err, errlen);
        return im_errf_append(err, errlen, IM_ERR_FORMAT, " (did you mean '%s'?)", near);
    }
    bad(m, s, o, what, err, errlen);
    for (size_t i = 0; names[i] != NULL; i++)
        im_errf_append(err, errlen, IM_ERR_FORMAT, "%s%s", i ? ", " : ": ", names[i]);
    return IM_ERR_FORMAT;
}

/* The items of a comma list (o's value), each strictly a number in [lo, hi]
 * (whole: an integer); *n gets their number, *neg whether one is < 0 and
 * *drop the index of the first item below its predecessor (0 if none). */
typedef struct list_info {
    size_t n, drop;
    int neg;
} list_info;

static im_status items(const im_cfg_model *m, const im_cfg_section *s, const im_cfg_opt *o,
                       int whole, double lo, double hi, const char *want, list_info *li,
                       char *err, size_t errlen)
{
    memset(li, 0, sizeof *li);
    char item[64];
    double prev = 0;
    for (const char *p = o->val;; p++) {
        size_t len = strcspn(p, ",");
        long long i;
        double x = 0;
        int ok = len < sizeof item;
        if (ok) {
            memcpy(item, p, len);
            item[len] = '\0';
            ok = whole ? im_parse_int(item, (long long)lo, (long long)hi, &i)
                       : im_parse_num(item, lo, hi, &x);
            if (ok && whole)
                x = (double)i;
        }
        if (!ok) {
            bad(m, s, o, want, err, errlen);
            return im_errf_append(err, errlen, IM_ERR_FORMAT, " (item %zu is '%.*s')", li->n + 1,
                                  (int)(len < 40 ? len : 40), p);
        }
        if (li->n > 0 && x < prev && li->drop == 0)
            li->drop = li->n + 1;
        li->neg |= x < 0;
        prev = x;
        li->n++;
        p += len;
        if (*p == '\0')
            return IM_OK;
    }
}

/* [yolo] mask and [yolo]/[region] anchors against num (when num is valid). */
static im_status anchor_list(const im_cfg_model *m, const im_cfg_section *s,
                             const im_cfg_opt *o, char *err, size_t errlen)
{
    long long num;
    int has_num = im_cfg_int(m, s, "num", 1, 1, INT_MAX, &num, NULL, 0) == IM_OK;
    list_info li;
    if (!strcmp(o->key, "mask")) {
        char want[64];
        snprintf(want, sizeof want, "anchor indices in 0..%lld separated by ','", num - 1);
        return items(m, s, o, 1, 0, has_num ? (double)num - 1 : INT_MAX,
                     has_num ? want : "whole numbers >= 0 separated by ','", &li, err, errlen);
    }
    im_status st = items(m, s, o, 0, 0, FLT_MAX, "numbers >= 0 separated by ','", &li, err,
                         errlen);
    if (st == IM_OK && has_num && li.n > 2 * (size_t)num) {
        char want[96];
        snprintf(want, sizeof want, "at most %lld numbers (2 per anchor, num = %lld), found %zu",
                 2 * num, num, li.n);
        st = bad(m, s, o, want, err, errlen);
    }
    return st;
}

/* One option's value, by its key. */
static im_status option_value(const im_cfg_model *m, const im_cfg_section *s,
                              const im_cfg_opt *o, char *err, size_t errlen)
{
    const char *k = o->key;
    list_info li;
    if (!strcmp(k, "activation"))
        return name_in(m, s, o, "one of Darknet's activations", activations, err, errlen);
    if (!strcmp(k, "policy"))
        return name_in(m, s, o, "one of Darknet's policies", policies, err, errlen);
    if (!strcmp(k, "type"))
        return name_in(m, s, o, "one of Darknet's cost types", costs, err, errlen);
    if (!strcmp(k, "steps"))
        return items(m, s, o, 1, INT_MIN, INT_MAX, "whole numbers separated by ','", &li, err,
                     errlen);
    if (!strcmp(k, "scales"))
        return items(m, s, o, 0, 0, FLT_MAX, "numbers >= 0 separated by ','", &li, err, errlen);
    if (!strcmp(k, "mask") || !strcmp(k, "anchors"))
        return anchor_list(m, s, o, err, errlen);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (!strcmp(k, rules[i].key))
            return fits(o->val, rules[i].k) ? IM_OK : bad(m, s, o, want_of[rules[i].k], err, errlen);
    return IM_OK;
}

static im_status warn(im_cfg_model *m, const im_cfg_section *s, const im_cfg_opt *o,
                      const char *why, char *err, size_t errlen)
{
    if (im_cfg_warn(m, o->line, "%s %s = '%s': %s", s->type, o->key, o->val, why) == IM_OK)
        return IM_OK;
    return im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory", m->path);
}

/* [net] keys that parse_net_options reads only in some cases. */
static im_status unread_keys(im_cfg_model *m, const im_cfg_section *s, char *err, size_t errlen)
{
    static const struct {
        const char *key, *when, *why;
    } cases[] = {
        {"steps", " steps ", "ignored: Darknet reads it only with policy=steps"},
        {"scales", " steps ", "ignored: Darknet reads it only with policy=steps"},
        {"step", " step sigmoid ", "ignored: Darknet reads it only with policy=step or sigmoid"},
        {"scale", " step ", "ignored: Darknet reads it only with policy=step"},
        {"gamma", " exp sigmoid ", "ignored: Darknet reads it only with policy=exp or sigmoid"},
        {"B1", NULL, "ignored: Darknet reads it only with adam=1"},
        {"B2", NULL, "ignored: Darknet reads it only with adam=1"},
        {"eps", NULL, "ignored: Darknet reads it only with adam=1"},
    };
    const im_cfg_opt *po = im_cfg_find(s, "policy"), *ao = im_cfg_find(s, "adam");
    char policy[32];
    snprintf(policy, sizeof policy, " %s ", po ? po->val : "constant");
    int adam = ao != NULL && !strcmp(ao->val, "1");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const im_cfg_opt *o = im_cfg_find(s, cases[i].key);
        int read = cases[i].when ? strstr(cases[i].when, policy) != NULL : adam;
        im_status st = o && !read ? warn(m, s, o, cases[i].why, err, errlen) : IM_OK;
        if (st != IM_OK)
            return st;
    }
    return IM_OK;
}

/* policy=steps: steps and scales given, of one length, steps never
 * decreasing; a negative step is a warning.  The items are already valid. */
static im_status steps_schedule(im_cfg_model *m, const im_cfg_section *s, char *err,
                                size_t errlen)
{
    const im_cfg_opt *po = im_cfg_find(s, "policy");
    if (po == NULL || strcmp(po->val, "steps"))
        return IM_OK;
    const im_cfg_opt *so = im_cfg_find(s, "steps"), *co = im_cfg_find(s, "scales");
    if (so == NULL || co == NULL)
        return bad(m, s, po, "steps= and scales= beside it (Darknet exits without them)", err,
                   errlen);
    list_info a, b;
    items(m, s, so, 1, INT_MIN, INT_MAX, "", &a, err, errlen);
    items(m, s, co, 0, 0, FLT_MAX, "", &b, err, errlen);
    char want[192];
    if (a.n != b.n) {
        snprintf(want, sizeof want, "%zu numbers, one per step (steps, line %d, has %zu)", a.n,
                 so->line, a.n);
        return bad(m, s, co, want, err, errlen);
    }
    if (a.drop) {
        snprintf(want, sizeof want,
                 "steps that never decrease (item %zu is below item %zu; Darknet stops at the "
                 "first step above the iteration)",
                 a.drop, a.drop - 1);
        return bad(m, s, so, want, err, errlen);
    }
    if (a.neg)
        return warn(m, s, so,
                    "a step < 0 never applies, nor do the steps after it (this Darknet compares "
                    "steps with an unsigned iteration count)",
                    err, errlen);
    return IM_OK;
}

static im_status section_values(im_cfg_model *m, const im_cfg_section *s, char *err,
                                size_t errlen)
{
    im_status st = IM_OK;
    for (size_t k = 0; st == IM_OK && k < s->nopt; k++)
        st = option_value(m, s, &s->opt[k], err, errlen);
    const im_cfg_opt *d = im_cfg_find(s, "decay");
    double decay;
    if (st == IM_OK && d != NULL && im_parse_num(d->val, 1, FLT_MAX, &decay))
        st = warn(m, s, d, "the weights shrink by learning_rate times their value every step",
                  err, errlen);
    if (st == IM_OK && s == &m->sec[0])
        st = steps_schedule(m, s, err, errlen);
    if (st == IM_OK && s == &m->sec[0])
        st = unread_keys(m, s, err, errlen);
    return st;
}

im_status im_dn_cfg_values_check(im_cfg_model *m, char *err, size_t errlen)
{
    for (size_t i = 0; i < m->nsec; i++) {
        if (m->sec[i].monitor)
            continue;
        im_status st = section_values(m, &m->sec[i], err, errlen);
        if (st != IM_OK)
            return st;
    }
    return IM_OK;
}
