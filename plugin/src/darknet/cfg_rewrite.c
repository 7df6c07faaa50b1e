/* Rewriting [infomonitor] sections into pass-through [dropout] layers. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cfg_rewrite.h"
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

/* Append a line read by getline without its '\r's (Darknet's strip()
 * keeps them, and "[net]\r" makes its parser abort), ending in a newline. */
static int sb_line(sbuf *b, const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != '\r' && sb_put(b, line + i, 1))
            return -1;
    return (len == 0 || line[len - 1] != '\n') ? sb_put(b, "\n", 1) : 0;
}

/* Darknet's reading of a line: every space, tab and CR/LF removed. */
static void squeeze(const char *in, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)in[i]))
            out[k++] = in[i];
    out[k] = '\0';
}

/* Section names Darknet's parser knows (string_to_layer_type, parser.c);
 * any other becomes a zeroed layer that crashes the next one. */
static int known_section(const char *s)
{
    static const char *const k[] = {
        "[shortcut]",   "[crop]",          "[cost]",    "[detection]",
        "[region]",     "[yolo]",          "[iseg]",    "[local]",
        "[conv]",       "[convolutional]", "[deconv]",  "[deconvolutional]",
        "[activation]", "[logistic]",      "[crnn]",    "[gru]",
        "[lstm]",       "[rnn]",           "[conn]",    "[connected]",
        "[max]",        "[maxpool]",       "[reorg]",   "[avg]",
        "[avgpool]",    "[dropout]",       "[lrn]",     "[normalization]",
        "[batchnorm]",  "[soft]",          "[softmax]", "[route]",
        "[upsample]",   "[net]",           "[network]", "[infomonitor]"};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(s, k[i]))
            return 1;
    return 0;
}

static int is_net_section(const char *s)
{
    return !strcmp(s, "[net]") || !strcmp(s, "[network]");
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

/* A comma list of distinct quantity names; pid brings mmi along. */
static int opt_quantities(const char *v, void *field)
{
    static const struct {
        const char *name;
        unsigned bit;
    } q[] = {
        {"ixt", IM_Q_IXT},     {"ity", IM_Q_ITY}, {"mmi", IM_Q_MMI},
        {"delta", IM_Q_DELTA}, {"pid", IM_Q_PID},
    };
    unsigned bits = 0;
    const char *p = v;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
            if (strlen(q[i].name) == n && !strncmp(q[i].name, p, n))
                bit = q[i].bit;
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
};
#undef F
#define NOPT (sizeof k_opts / sizeof k_opts[0])
_Static_assert(SPEC_FIELD_SIZE(name) == 64, "the name's 'want' text says 1-63 characters");

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

/* Apply one `key=value` of an [infomonitor] section; seen[k] marks k_opts[k] given. */
static im_status monitor_option(im_monitor_spec *m, bool seen[NOPT], const char *path, int line,
                                const char *key, const char *val, char *err, size_t errlen)
{
    size_t k = opt_index(key);
    if (k == NOPT)
        return unknown_key(path, line, key, err, errlen);
    if (seen[k])
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: [infomonitor] key '%s' given twice",
                       path, line, key);
    seen[k] = true;
    const opt_entry *o = &k_opts[k];
    if (!o->parse(val, (char *)m + o->field))
        return bad_value(path, line, o, val, err, errlen);
    return IM_OK;
}

/* The probe options' checks that need the whole section. */
static im_status probe_finish(const im_monitor_spec *m, const bool seen[NOPT], const char *path,
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

/* The defaults that depend on the rule: h is the rule's own
 * (im_width_default_param; the other rules keep silverman's, unused), and
 * delta_h is IM_DIM_DELTA_H under silverman-dim, h under silverman-scaled
 * and 0.1 otherwise (a width on the raw scale of the deltas, for silverman
 * and for fixed's error chain). */
static void width_defaults(im_monitor_spec *m, const bool seen[NOPT])
{
    bool scale_aware = m->rule == IM_WIDTH_SILVERMAN_SCALED || m->rule == IM_WIDTH_SILVERMAN_DIM;
    if (!seen[opt_index("h")])
        m->h = im_width_default_param(scale_aware ? m->rule : IM_WIDTH_SILVERMAN);
    if (!seen[opt_index("delta_h")])
        m->delta_h = m->rule == IM_WIDTH_SILVERMAN_DIM ? IM_DIM_DELTA_H : scale_aware ? m->h : 0.1;
}

/* Checks that need the whole section, after the rule's defaults. */
static im_status monitor_finish(im_monitor_spec *m, const bool seen[NOPT], const char *path,
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
    return probe_finish(m, seen, path, err, errlen);
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
}

/* [net] keys that Darknet would divide by: batch and subdivisions >= 1. */
static im_status net_option(const char *sq, const char *path, int line, int *batch, int *subdiv,
                            char *err, size_t errlen)
{
    int *dst = !strncmp(sq, "batch=", 6)           ? batch
               : !strncmp(sq, "subdivisions=", 13) ? subdiv
                                                   : NULL;
    if (dst == NULL)
        return IM_OK;
    const char *v = strchr(sq, '=') + 1;
    if (!parse_count(v, 1, dst))
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: [net] %.*s = '%s': expected a whole number >= 1", path, line,
                       (int)(v - sq - 1), sq, v);
    return IM_OK;
}

/* ---- Reading the cfg line by line. */

typedef struct {
    const char *path;
    char *err;
    size_t errlen;
    im_cfg_rewrite *out;
    sbuf text;             /* the rewritten cfg so far */
    char **types;          /* section name of each layer after [net] */
    size_t ntypes, capmon; /* capmon: room in out->mon */
    int line;              /* number of the line being read */
    int nsections;         /* sections so far, [net] included */
    int batch, subdiv;     /* of [net] */
    im_monitor_spec *mon;  /* the monitor whose options are being read, or NULL */
    bool seen[NOPT];       /* its keys given so far */
} rw_state;

static im_status nomem(const rw_state *s)
{
    return im_errf(s->err, s->errlen, IM_ERR_NOMEM, "%s: out of memory", s->path);
}

/* Copy the line read into the rewritten text. */
static im_status keep(rw_state *s, const char *line, size_t len)
{
    return sb_line(&s->text, line, len) ? nomem(s) : IM_OK;
}

static im_status finish_monitor(rw_state *s)
{
    im_monitor_spec *m = s->mon;
    s->mon = NULL;
    return m ? monitor_finish(m, s->seen, s->path, s->err, s->errlen) : IM_OK;
}

/* Start an [infomonitor] section, already counted as a layer: the watched
 * layer, the defaults, and the dropout that replaces it in the text. */
static im_status begin_monitor(rw_state *s)
{
    im_cfg_rewrite *o = s->out;
    int index = s->nsections - 2;
    if (index == 0)
        return im_errf(s->err, s->errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] cannot be the first layer: it watches the layer "
                       "before it",
                       s->path, s->line);
    if (o->nmon == s->capmon) {
        size_t cap = s->capmon ? 2 * s->capmon : 8;
        im_monitor_spec *nm = realloc(o->mon, cap * sizeof *nm);
        if (nm == NULL)
            return nomem(s);
        o->mon = nm;
        s->capmon = cap;
    }
    im_monitor_spec *m = &o->mon[o->nmon++];
    spec_default(m);
    m->index = index;
    m->line = s->line;
    m->layer = index - 1;
    /* After another monitor: watch the same layer as that one. */
    if (o->nmon > 1 && o->mon[o->nmon - 2].index == index - 1)
        m->layer = o->mon[o->nmon - 2].layer;
    s->mon = m;
    memset(s->seen, 0, sizeof s->seen);
    return sb_put(&s->text, "[dropout]\nprobability=0\n", 24) ? nomem(s) : IM_OK;
}

/* A section header `sq` (squeezed) read from `line`. */
static im_status section_line(rw_state *s, const char *line, size_t len, const char *sq)
{
    im_status st = finish_monitor(s);
    if (st != IM_OK)
        return st;
    if (!known_section(sq))
        return im_errf(s->err, s->errlen, IM_ERR_FORMAT,
                       "%s:%d: unknown section %s (Darknet would insert a broken layer)", s->path,
                       s->line, sq);
    if (s->nsections > 0 && is_net_section(sq))
        return im_errf(s->err, s->errlen, IM_ERR_FORMAT, "%s:%d: a second %s section", s->path,
                       s->line, sq);
    if (s->nsections++ == 0) {
        if (!is_net_section(sq))
            return im_errf(s->err, s->errlen, IM_ERR_FORMAT,
                           "%s:%d: the first section must be [net], found %s", s->path, s->line,
                           sq);
        return keep(s, line, len);
    }
    char **nt = realloc(s->types, (s->ntypes + 1) * sizeof *nt);
    if (nt == NULL)
        return nomem(s);
    s->types = nt;
    if ((s->types[s->ntypes] = strdup(sq)) == NULL)
        return nomem(s);
    s->ntypes++;
    return strcmp(sq, "[infomonitor]") ? keep(s, line, len) : begin_monitor(s);
}

/* An option line `sq` (squeezed, so modifiable) of an [infomonitor] section. */
static im_status monitor_line(rw_state *s, char *sq)
{
    char *eq = strchr(sq, '=');
    if (eq == NULL || eq == sq || eq[1] == '\0')
        return im_errf(s->err, s->errlen, IM_ERR_FORMAT,
                       "%s:%d: [infomonitor] expected key=value, found '%s'", s->path, s->line, sq);
    *eq = '\0';
    return monitor_option(s->mon, s->seen, s->path, s->line, sq, eq + 1, s->err, s->errlen);
}

/* One line as read (`line`, len bytes) and squeezed (`sq`). */
static im_status one_line(rw_state *s, const char *line, size_t len, char *sq)
{
    if (sq[0] == '[')
        return section_line(s, line, len, sq);
    if (sq[0] == '\0' || sq[0] == '#' || sq[0] == ';')
        return s->mon ? IM_OK : keep(s, line, len);
    if (s->nsections == 0)
        return im_errf(s->err, s->errlen, IM_ERR_FORMAT,
                       "%s:%d: option '%s' before the first section", s->path, s->line, sq);
    if (s->mon != NULL)
        return monitor_line(s, sq);
    if (s->nsections == 1) {
        im_status st = net_option(sq, s->path, s->line, &s->batch, &s->subdiv, s->err, s->errlen);
        if (st != IM_OK)
            return st;
    }
    return keep(s, line, len);
}

static im_status read_lines(rw_state *s, FILE *f)
{
    char *line = NULL, *sq = NULL;
    size_t cap = 0, sqcap = 0;
    ssize_t len;
    im_status st = IM_OK;
    while (st == IM_OK && (len = getline(&line, &cap, f)) >= 0) {
        s->line++;
        if ((size_t)len + 1 > sqcap) {
            char *nsq = realloc(sq, (size_t)len + 1);
            if (nsq == NULL) {
                st = nomem(s);
                break;
            }
            sq = nsq;
            sqcap = (size_t)len + 1;
        }
        squeeze(line, (size_t)len, sq);
        st = one_line(s, line, (size_t)len, sq);
    }
    if (st == IM_OK && ferror(f))
        st = im_errf(s->err, s->errlen, IM_ERR_IO, "%s: read error: %s", s->path, strerror(errno));
    free(line);
    free(sq);
    return st;
}

/* Default names: short type of the watched layer and its ordinal among
 * layers of that type (conv1, fc2, ...). */
static void default_names(im_cfg_rewrite *r, char *const *types)
{
    for (size_t i = 0; i < r->nmon; i++) {
        im_monitor_spec *m = &r->mon[i];
        if (m->name[0])
            continue;
        const char *t = short_type(types[m->layer]);
        int ord = 0;
        for (int k = 0; k <= m->layer; k++)
            ord += !strcmp(types[k], types[m->layer]);
        if (t)
            snprintf(m->name, sizeof m->name, "%s%d", t, ord);
        else
            snprintf(m->name, sizeof m->name, "layer%d", m->layer);
    }
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
                       s->path, m->line, mine, first->line, theirs);
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
                           s->path, b->line, b->name, given[j] ? "" : " (its default)", a->line,
                           given[i] ? "" : " (its default)");
        }
    return IM_OK;
}

/* Default names where none was given, then the check that they differ. */
static im_status name_monitors(rw_state *s)
{
    im_cfg_rewrite *o = s->out;
    bool *given = malloc((o->nmon ? o->nmon : 1) * sizeof *given);
    if (given == NULL)
        return nomem(s);
    for (size_t i = 0; i < o->nmon; i++)
        given[i] = o->mon[i].name[0] != '\0';
    default_names(o, s->types);
    im_status st = check_names(s, given);
    free(given);
    return st;
}

/* After the last line: checks of the whole file, names, the text. */
static im_status finish_file(rw_state *s)
{
    if (s->nsections == 0)
        return im_errf(s->err, s->errlen, IM_ERR_FORMAT,
                       "%s: no sections (expected [net] and layers)", s->path);
    im_status st = finish_monitor(s);
    if (st != IM_OK || (st = check_probe_seeds(s)) != IM_OK)
        return st;
    if (s->batch / s->subdiv < 1)
        return im_errf(s->err, s->errlen, IM_ERR_FORMAT,
                       "%s: [net] batch = %d and subdivisions = %d give mini-batches of 0 images",
                       s->path, s->batch, s->subdiv);
    s->out->nlayers = s->nsections - 1;
    if ((st = name_monitors(s)) != IM_OK)
        return st;
    s->out->text = s->text.buf;
    s->text.buf = NULL;
    return IM_OK;
}

im_status im_cfg_rewrite_file(const char *path, im_cfg_rewrite *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    rw_state s = {.path = path, .err = err, .errlen = errlen, .out = out, .batch = 1, .subdiv = 1};
    im_status st = read_lines(&s, f);
    if (st == IM_OK)
        st = finish_file(&s);
    fclose(f);
    for (size_t i = 0; i < s.ntypes; i++)
        free(s.types[i]);
    free(s.types);
    free(s.text.buf);
    if (st != IM_OK)
        im_cfg_rewrite_free(out);
    return st;
}

void im_cfg_rewrite_free(im_cfg_rewrite *r)
{
    free(r->text);
    free(r->mon);
    memset(r, 0, sizeof *r);
}
