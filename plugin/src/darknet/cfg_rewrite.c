/* Rewriting [infomonitor] sections into pass-through [dropout] layers, and
 * route/shortcut indices into Darknet's (cfg_rewrite.h). */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cfg_rewrite.h"
#include "cfg_validate.h"
#include "util/errfmt.h"
#include "util/parse.h"

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf;

static int sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
        char *p = realloc(b->buf, cap);
        if (p == NULL)
            return -1;
        b->buf = p;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return 0;
}

static const char *short_type(const char *section)
{
    if (!strcmp(section, "[convolutional]") || !strcmp(section, "[conv]"))
        return "conv";
    if (!strcmp(section, "[connected]") || !strcmp(section, "[conn]"))
        return "fc";
    if (!strcmp(section, "[maxpool]") || !strcmp(section, "[max]"))
        return "pool";
    if (!strcmp(section, "[softmax]") || !strcmp(section, "[soft]"))
        return "softmax";
    return NULL;
}

typedef struct {
    const im_cfg_model *m;
    im_cfg_rewrite *out;
    char *err;
    size_t errlen;
    sbuf text;   /* the rewritten cfg so far */
    int *dn_of;  /* Darknet's index of each layer without monitors */
} rw_state;

static im_status nomem(const rw_state *s)
{
    return im_errf(s->err, s->errlen, IM_ERR_NOMEM, "%s: out of memory", s->m->path);
}

static im_status put(rw_state *s, const char *a, const char *b, const char *c)
{
    if (sb_put(&s->text, a, strlen(a)) || sb_put(&s->text, b, strlen(b)) ||
        sb_put(&s->text, c, strlen(c)))
        return nomem(s);
    return IM_OK;
}

/* Darknet's index for index text v of the layer with indices (user, dn):
 * relative (< 0) stays relative, absolute stays absolute.  The shape check
 * (cfg_shapes.h) has made sure that v is a whole number naming a layer
 * before this one. */
static void remap_one(const rw_state *s, const char *v, int user, int dn, char *out, size_t n)
{
    long long x = 0;
    im_parse_int(v, INT_MIN, INT_MAX, &x);
    int target = (int)(x < 0 ? user + x : x);
    snprintf(out, n, "%d", x < 0 ? s->dn_of[target] - dn : s->dn_of[target]);
}

/* Item p[0..len) of an index list of Darknet layer sec, remapped. */
static im_status put_item(rw_state *s, const im_cfg_section *sec, const char *p, size_t len)
{
    char *item = strndup(p, len), mapped[24];
    if (item == NULL)
        return nomem(s);
    remap_one(s, item, sec->layer, sec->dn_index, mapped, sizeof mapped);
    free(item);
    return put(s, mapped, "", "");
}

/* `key=value` of Darknet layer sec, with route layers= and shortcut from=
 * remapped (each item of the comma list). */
static im_status put_option(rw_state *s, const im_cfg_section *sec, const im_cfg_opt *o)
{
    int indices = (!strcmp(sec->type, "[route]") && !strcmp(o->key, "layers")) ||
                  (!strcmp(sec->type, "[shortcut]") && !strcmp(o->key, "from"));
    if (!indices)
        return put(s, o->key, "=", o->val) == IM_OK ? put(s, "\n", "", "") : nomem(s);
    im_status st = put(s, o->key, "=", "");
    for (const char *p = o->val; st == IM_OK && *p;) {
        size_t len = strcspn(p, ",");
        st = put_item(s, sec, p, len);
        p += len;
        if (st == IM_OK && *p == ',')
            st = put(s, ",", "", ""), p++;
    }
    return st != IM_OK ? st : put(s, "\n", "", "");
}

/* The monitor of section i: its options, and the layer it watches (the
 * nearest Darknet layer before it; the shape check refuses a monitor as the
 * first layer, cfg_shapes.h). */
static im_status add_monitor(rw_state *s, size_t i)
{
    const im_cfg_section *sec = &s->m->sec[i];
    size_t w = i;
    while (w > 1 && s->m->sec[w].layer < 0)
        w--;
    im_monitor_spec *spec = &s->out->mon[s->out->nmon];
    im_status st = im_monitor_spec_parse(s->m, sec, spec, s->err, s->errlen);
    if (st != IM_OK)
        return st;
    s->out->nmon++;
    spec->index = sec->dn_index;
    spec->layer = s->m->sec[w].dn_index;
    spec->user_layer = s->m->sec[w].layer;
    return put(s, "[dropout]\nprobability=0\n", "", "");
}

static im_status put_section(rw_state *s, size_t i)
{
    const im_cfg_section *sec = &s->m->sec[i];
    if (sec->monitor)
        return add_monitor(s, i);
    im_status st = put(s, sec->type, "\n", "");
    for (size_t k = 0; st == IM_OK && k < sec->nopt; k++)
        st = put_option(s, sec, &sec->opt[k]);
    return st;
}

/* "probe_seed = S" or "no probe_seed", for messages. */
static void seed_words(long long seed, char out[48])
{
    if (seed < 0)
        snprintf(out, 48, "no probe_seed");
    else
        snprintf(out, 48, "probe_seed = %lld", seed);
}

/* The probe monitors share one probe set: their probe_seed must agree. */
static im_status check_probe_seeds(const rw_state *s)
{
    const im_monitor_spec *first = NULL;
    for (size_t i = 0; i < s->out->nmon; i++) {
        const im_monitor_spec *m = &s->out->mon[i];
        if (!m->probe || (first != NULL && m->probe_seed == first->probe_seed))
            continue;
        if (first == NULL) {
            first = m;
            continue;
        }
        char mine[48], theirs[48];
        seed_words(m->probe_seed, mine);
        seed_words(first->probe_seed, theirs);
        return im_errf(s->err, s->errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] probe with %s, but the probe monitor at line %d has "
                       "%s: the probe monitors of a network share one probe set",
                       s->m->path, m->line, mine, first->line, theirs);
    }
    return IM_OK;
}

/* Each monitor's rows are told apart by its name: no two may share one.
 * given[i]: monitor i's name was written in the file (else it is the
 * default of its watched layer). */
static im_status check_names(const rw_state *s, const bool *given)
{
    const im_cfg_rewrite *o = s->out;
    for (size_t j = 1; j < o->nmon; j++)
        for (size_t i = 0; i < j; i++) {
            const im_monitor_spec *a = &o->mon[i], *b = &o->mon[j];
            if (strcmp(a->name, b->name) != 0)
                continue;
            return im_errf(s->err, s->errlen, IM_ERR_FORMAT,
                           "%s:%d: [infomonitor] name '%s'%s is also the name of the monitor at "
                           "line %d%s: the metrics CSV tells monitors apart by name; give each "
                           "its own name=",
                           s->m->path, b->line, b->name, given[j] ? "" : " (its default)", a->line,
                           given[i] ? "" : " (its default)");
        }
    return IM_OK;
}

/* Default names: short type of the watched layer and its ordinal among
 * layers of that type (conv1, fc2, ...); layerK (K without monitors) for
 * other types. */
static void default_name(const im_cfg_model *m, im_monitor_spec *spec)
{
    const im_cfg_section *w = NULL;
    for (size_t i = 1; i < m->nsec && w == NULL; i++)
        if (m->sec[i].dn_index == spec->layer)
            w = &m->sec[i];
    const char *t = short_type(w->type);
    int ord = 0;
    for (size_t i = 1; i < m->nsec && &m->sec[i] <= w; i++)
        ord += !strcmp(m->sec[i].type, w->type);
    if (t)
        snprintf(spec->name, sizeof spec->name, "%s%d", t, ord);
    else
        snprintf(spec->name, sizeof spec->name, "layer%d", spec->user_layer);
}

/* Default names where none was given, then the check that they differ. */
static im_status name_monitors(rw_state *s)
{
    im_cfg_rewrite *o = s->out;
    bool *given = malloc((o->nmon ? o->nmon : 1) * sizeof *given);
    if (given == NULL)
        return nomem(s);
    for (size_t i = 0; i < o->nmon; i++) {
        given[i] = o->mon[i].name[0] != '\0';
        if (!given[i])
            default_name(s->m, &o->mon[i]);
    }
    im_status st = check_names(s, given);
    free(given);
    return st;
}

static im_status rewrite(rw_state *s)
{
    const im_cfg_model *m = s->m;
    size_t nmon = (size_t)(m->dn_layers - m->nlayers);
    s->out->mon = malloc((nmon ? nmon : 1) * sizeof *s->out->mon);
    s->dn_of = malloc((m->nlayers ? (size_t)m->nlayers : 1) * sizeof *s->dn_of);
    if (s->out->mon == NULL || s->dn_of == NULL)
        return nomem(s);
    for (size_t i = 1; i < m->nsec; i++)
        if (m->sec[i].layer >= 0)
            s->dn_of[m->sec[i].layer] = m->sec[i].dn_index;
    im_status st = IM_OK;
    for (size_t i = 0; st == IM_OK && i < m->nsec; i++)
        st = put_section(s, i);
    if (st != IM_OK || (st = check_probe_seeds(s)) != IM_OK || (st = name_monitors(s)) != IM_OK)
        return st;
    s->out->nlayers = m->dn_layers;
    s->out->text = s->text.buf;
    s->text.buf = NULL;
    return IM_OK;
}

im_status im_cfg_rewrite_file(const char *path, im_cfg_rewrite *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    im_status st = im_cfg_model_read(path, &out->model, err, errlen);
    if (st == IM_OK)
        st = im_dn_cfg_validate(&out->model, &out->shapes, err, errlen);
    if (st != IM_OK) {
        im_cfg_rewrite_free(out);
        return st;
    }
    rw_state s = {.m = &out->model, .out = out, .err = err, .errlen = errlen};
    st = rewrite(&s);
    free(s.dn_of);
    free(s.text.buf);
    if (st != IM_OK)
        im_cfg_rewrite_free(out);
    return st;
}

void im_cfg_rewrite_free(im_cfg_rewrite *r)
{
    free(r->text);
    free(r->mon);
    im_cfg_model_free(&r->model);
    im_dn_shapes_free(&r->shapes);
    memset(r, 0, sizeof *r);
}
