/* Parsing an [infomonitor] section's options (monitor_spec.h). */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "monitor_spec.h"
#include "util/errfmt.h"
#include "util/folder.h"
#include "util/parse.h"

/* ---- Parsers of monitor values.  Each reads the whole value text into the
 * field it is given and returns 1, or returns 0 for a bad value. */

#define SPEC_FIELD_SIZE(f) sizeof(((im_monitor_spec *)0)->f)

/* An int in [lo, 1e9]. */
static int parse_count(const char *v, long long lo, int *out)
{
    long long x;
    if (!im_parse_int(v, lo, 1000000000LL, &x))
        return 0;
    *out = (int)x;
    return 1;
}

static int opt_every(const char *v, void *field)
{
    return parse_count(v, 1, field);
}

static int opt_samples(const char *v, void *field)
{
    return parse_count(v, 2, field);
}

/* A seed: a whole number >= 0, into a long long. */
static int opt_seed(const char *v, void *field)
{
    return im_parse_int(v, 0, LLONG_MAX, field);
}

static int opt_positive(const char *v, void *field)
{
    return im_parse_positive(v, field);
}

/* A number in (0, 1]. */
static int opt_fraction(const char *v, void *field)
{
    double x;
    if (!im_parse_positive(v, &x) || x > 1.0)
        return 0;
    *(double *)field = x;
    return 1;
}

/* A name that fits, without the CSV log's ',' and '"'. */
static int opt_name(const char *v, void *field)
{
    if (!*v || strlen(v) >= SPEC_FIELD_SIZE(name) || strchr(v, ',') || strchr(v, '"'))
        return 0;
    strcpy(field, v);
    return 1;
}

static int opt_width(const char *v, void *field)
{
    return im_width_rule_parse(v, field);
}

/* The `quantities` names, in the order im_monitor_quantities_str writes. */
static const struct {
    const char *name;
    unsigned bit;
} k_quantities[] = {
    {"ixt", IM_Q_IXT},     {"ity", IM_Q_ITY}, {"mmi", IM_Q_MMI},
    {"delta", IM_Q_DELTA}, {"pid", IM_Q_PID},
};
#define NQUANT (sizeof k_quantities / sizeof k_quantities[0])

void im_monitor_quantities_str(unsigned bits, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < NQUANT && used < len; i++)
        if (bits & k_quantities[i].bit) {
            int w = snprintf(out + used, len - used, "%s%s", used ? "," : "", k_quantities[i].name);
            used += w > 0 ? (size_t)w : 0;
        }
}

/* A comma list of distinct quantity names; pid brings mmi along. */
static int opt_quantities(const char *v, void *field)
{
    unsigned bits = 0;
    const char *p = v;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        unsigned bit = 0;
        for (size_t i = 0; i < NQUANT; i++)
            if (strlen(k_quantities[i].name) == n && !strncmp(k_quantities[i].name, p, n))
                bit = k_quantities[i].bit;
        if (!bit || (bits & bit))
            return 0;
        bits |= bit;
        p += n + (e != NULL);
        if (e && !*p)
            return 0;
    }
    if (!bits)
        return 0;
    /* Pairs of feature maps exist only with T split into its maps. */
    if (bits & IM_Q_PID)
        bits |= IM_Q_MMI;
    *(unsigned *)field = bits;
    return 1;
}

/* A folder path that fits the field (whether it can be written is checked
 * in dump_finish, with the reason). */
static int opt_dump(const char *v, void *field)
{
    if (!*v || strlen(v) >= SPEC_FIELD_SIZE(dump))
        return 0;
    strcpy(field, v);
    return 1;
}

/* "auto" or a name of the back-end registry, if it fits the field. */
static int opt_backend(const char *v, void *field)
{
    if (!im_backend_known(v) || strlen(v) >= SPEC_FIELD_SIZE(backend))
        return 0;
    strcpy(field, v);
    return 1;
}

/* ---- The [infomonitor] keys. */

typedef struct {
    const char *key;
    int (*parse)(const char *val, void *field); /* 1 on success, 0 for a bad value */
    size_t field;                               /* offsetof the field in im_monitor_spec */
    const char *want; /* what a bad value should have been; NULL: auto or a registry name */
} opt_entry;

#define F(f) offsetof(im_monitor_spec, f)
static const opt_entry k_opts[] = {
    {"name", opt_name, F(name), "a name of 1-63 characters without ',' or '\"'"},
    {"every", opt_every, F(every), "a whole number >= 1"},
    {"samples", opt_samples, F(samples), "a whole number >= 2"},
    {"alpha", opt_positive, F(alpha), "a number > 0"},
    {"h", opt_positive, F(h), "a number > 0"},
    {"delta_h", opt_positive, F(delta_h), "a number > 0"},
    {"kernel_width", opt_width, F(rule),
     "silverman, silverman-scaled, silverman-dim, median, fixed or align"},
    {"sigma", opt_positive, F(sigma), "a number > 0"},
    {"median", opt_fraction, F(median), "a fraction in (0, 1]"},
    {"quantities", opt_quantities, F(quantities),
     "a comma list of distinct ixt, ity, mmi, delta, pid"},
    {"backend", opt_backend, F(backend), NULL},
    {"probe", opt_samples, F(probe), "a whole number >= 2"},
    {"probe_seed", opt_seed, F(probe_seed), "a whole number >= 0"},
    {"dump", opt_dump, F(dump), "a folder path of 1-1023 characters"},
    {"dump_every", opt_every, F(dump_every), "a whole number >= 1"},
    {"dump_max", opt_every, F(dump_max), "a whole number >= 1"},
};
#undef F
#define NOPT (sizeof k_opts / sizeof k_opts[0])
_Static_assert(SPEC_FIELD_SIZE(name) == 64, "the name's 'want' text says 1-63 characters");
_Static_assert(SPEC_FIELD_SIZE(dump) == 1024, "the dump's 'want' text says 1-1023 characters");

/* Index of key in k_opts, or NOPT. */
static size_t opt_index(const char *key)
{
    size_t k = 0;
    while (k < NOPT && strcmp(k_opts[k].key, key))
        k++;
    return k;
}

static im_status unknown_key(const char *path, int line, const char *key, char *err, size_t errlen)
{
    im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: [infomonitor] unknown key '%s' (known: ", path,
            line, key);
    for (size_t k = 0; k < NOPT; k++)
        im_errf_append(err, errlen, IM_ERR_FORMAT, "%s%s", k ? ", " : "", k_opts[k].key);
    return im_errf_append(err, errlen, IM_ERR_FORMAT, ")");
}

static im_status bad_value(const char *path, int line, const opt_entry *o, const char *val,
                           char *err, size_t errlen)
{
    if (o->want != NULL)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: [infomonitor] %s = '%s': expected %s",
                       path, line, o->key, val, o->want);
    char names[128];
    im_backend_names(names, sizeof names, ", ");
    return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: [infomonitor] %s = '%s': expected auto, %s",
                   path, line, o->key, val, names);
}

/* Apply one `key=value` of an [infomonitor] section; seen[k] is the line of k_opts[k]
 * (0: not given). */
static im_status monitor_option(im_monitor_spec *m, int seen[NOPT], const char *path, int line,
                                const char *key, const char *val, char *err, size_t errlen)
{
    size_t k = opt_index(key);
    if (k == NOPT)
        return unknown_key(path, line, key, err, errlen);
    if (seen[k])
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: [infomonitor] key '%s' given twice",
                       path, line, key);
    seen[k] = line;
    const opt_entry *o = &k_opts[k];
    if (!o->parse(val, (char *)m + o->field))
        return bad_value(path, line, o, val, err, errlen);
    return IM_OK;
}

/* The probe options' checks that need the whole section. */
static im_status probe_finish(const im_monitor_spec *m, const int seen[NOPT], const char *path,
                              char *err, size_t errlen)
{
    if (!m->probe)
        return seen[opt_index("probe_seed")]
                   ? im_errf(err, errlen, IM_ERR_FORMAT,
                             "%s:%d: [infomonitor] probe_seed is only used with probe", path,
                             m->line)
                   : IM_OK;
    if (seen[opt_index("samples")])
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] samples is not used with probe = %d (a probe "
                       "monitor measures its %d probe samples)",
                       path, m->line, m->probe, m->probe);
    if (!(m->quantities & (IM_Q_IXT | IM_Q_ITY | IM_Q_PID)))
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] probe = %d applies to ixt, ity and pid, and "
                       "quantities has none of them (the error chain stays on the training batch)",
                       path, m->line, m->probe);
    return IM_OK;
}

/* The dump options' checks: dump_every and dump_max need dump, whose
 * folder must be writable or makable now, not when the first dump is due. */
static im_status dump_finish(const im_monitor_spec *m, const int seen[NOPT], const char *path,
                             char *err, size_t errlen)
{
    const char *extra[] = {"dump_every", "dump_max"};
    for (size_t i = 0; i < 2 && !m->dump[0]; i++)
        if (seen[opt_index(extra[i])])
            return im_errf(err, errlen, IM_ERR_FORMAT,
                           "%s:%d: [infomonitor] %s is only used with dump", path,
                           seen[opt_index(extra[i])], extra[i]);
    if (!m->dump[0])
        return IM_OK;
    char why[512];
    if (im_folder_check(m->dump, why, sizeof why) != IM_OK)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: [infomonitor] dump = '%s': %s", path,
                       seen[opt_index("dump")], m->dump, why);
    return IM_OK;
}

/* The defaults that depend on the rule: h is the rule's own
 * (im_width_default_param; the other rules keep silverman's, unused), and
 * delta_h is IM_DIM_DELTA_H under silverman-dim, h under silverman-scaled
 * and 0.1 otherwise (a width on the raw scale of the deltas, for silverman
 * and for fixed's error chain). */
static void width_defaults(im_monitor_spec *m, const int seen[NOPT])
{
    bool scale_aware = m->rule == IM_WIDTH_SILVERMAN_SCALED || m->rule == IM_WIDTH_SILVERMAN_DIM;
    if (!seen[opt_index("h")])
        m->h = im_width_default_param(scale_aware ? m->rule : IM_WIDTH_SILVERMAN);
    if (!seen[opt_index("delta_h")])
        m->delta_h = m->rule == IM_WIDTH_SILVERMAN_DIM ? IM_DIM_DELTA_H : scale_aware ? m->h : 0.1;
}

/* Checks that need the whole section, after the rule's defaults. */
static im_status monitor_finish(im_monitor_spec *m, const int seen[NOPT], const char *path,
                                char *err, size_t errlen)
{
    width_defaults(m, seen);
    bool has_sigma = seen[opt_index("sigma")], has_median = seen[opt_index("median")];
    if (m->rule == IM_WIDTH_FIXED && !has_sigma)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] kernel_width = fixed needs a sigma", path, m->line);
    if (m->rule != IM_WIDTH_FIXED && has_sigma)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] sigma is only used with kernel_width = fixed", path,
                       m->line);
    if (m->rule != IM_WIDTH_MEDIAN && has_median)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] median is only used with kernel_width = median", path,
                       m->line);
    im_status st = probe_finish(m, seen, path, err, errlen);
    return st != IM_OK ? st : dump_finish(m, seen, path, err, errlen);
}

static void spec_default(im_monitor_spec *m)
{
    memset(m, 0, sizeof *m);
    m->every = 1;
    m->alpha = 1.01;
    m->rule = IM_WIDTH_DEFAULT;
    m->median = im_width_default_param(IM_WIDTH_MEDIAN);
    m->quantities = IM_Q_DEFAULT;
    strcpy(m->backend, "auto");
    m->probe_seed = -1;
    m->dump_every = 1;
    m->dump_max = 100;
}

im_status im_monitor_spec_parse(const im_cfg_model *m, const im_cfg_section *s,
                                im_monitor_spec *spec, char *err, size_t errlen)
{
    int seen[NOPT] = {0};
    spec_default(spec);
    spec->line = s->line;
    for (size_t k = 0; k < s->nopt; k++) {
        const im_cfg_opt *o = &s->opt[k];
        im_status st = monitor_option(spec, seen, m->path, o->line, o->key, o->val, err, errlen);
        if (st != IM_OK)
            return st;
    }
    return monitor_finish(spec, seen, m->path, err, errlen);
}
