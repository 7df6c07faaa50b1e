/* Rewriting [infomonitor] sections into pass-through [dropout] layers. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cfg_rewrite.h"
#include "util/errfmt.h"

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

static int parse_int(const char *v, int lo, int *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno || x < lo || x > 1000000000L)
        return -1;
    *out = (int)x;
    return 0;
}

static int parse_pos(const char *v, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(x) || x <= 0)
        return -1;
    *out = x;
    return 0;
}

static int parse_quantities(const char *v, unsigned *out)
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
            return -1;
        bits |= bit;
        p += n + (e != NULL);
        if (e && !*p)
            return -1;
    }
    if (!bits)
        return -1;
    /* Pairs of feature maps exist only with T split into its maps. */
    if (bits & IM_Q_PID)
        bits |= IM_Q_MMI;
    *out = bits;
    return 0;
}

/* Apply one `key=value` of an [infomonitor] section. */
static im_status monitor_option(im_monitor_spec *m, const char *path, int line, const char *key,
                                const char *val, unsigned *seen, char *err, size_t errlen)
{
    static const char *keys[] = {"name",   "every",   "samples",      "alpha",
                                 "h",      "delta_h", "kernel_width", "sigma",
                                 "median", "quantities", "backend"};
    size_t nk = sizeof keys / sizeof keys[0], k = 0;
    while (k < nk && strcmp(keys[k], key))
        k++;
    if (k == nk)
        return im_errf(
            err, errlen, IM_ERR_FORMAT,
            "%s:%d: [infomonitor] unknown key '%s' (known: name, every, samples, alpha, h, "
            "delta_h, kernel_width, sigma, median, quantities, backend)",
            path, line, key);
    if (*seen & (1u << k))
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: [infomonitor] key '%s' given twice",
                          path, line, key);
    *seen |= 1u << k;
    int bad = 0;
    const char *want = "";
    switch (k) {
    case 0:
        bad = !*val || strlen(val) >= sizeof m->name || strchr(val, ',') || strchr(val, '"');
        want = "a name of 1-63 characters without ',' or '\"'";
        if (!bad)
            strcpy(m->name, val);
        break;
    case 1:
        bad = parse_int(val, 1, &m->every);
        want = "a whole number >= 1";
        break;
    case 2:
        bad = parse_int(val, 2, &m->samples);
        want = "a whole number >= 2";
        break;
    case 3:
        bad = parse_pos(val, &m->alpha);
        want = "a number > 0";
        break;
    case 4:
        bad = parse_pos(val, &m->h);
        want = "a number > 0";
        break;
    case 5:
        bad = parse_pos(val, &m->delta_h);
        want = "a number > 0";
        break;
    case 6:
        if (!strcmp(val, "silverman"))
            m->rule = IM_WIDTH_SILVERMAN;
        else if (!strcmp(val, "median"))
            m->rule = IM_WIDTH_MEDIAN;
        else if (!strcmp(val, "fixed"))
            m->rule = IM_WIDTH_FIXED;
        else
            bad = 1;
        want = "silverman, median or fixed";
        break;
    case 7:
        bad = parse_pos(val, &m->sigma);
        want = "a number > 0";
        break;
    case 8:
        bad = parse_pos(val, &m->median) || m->median > 1.0;
        want = "a fraction in (0, 1]";
        break;
    case 9:
        bad = parse_quantities(val, &m->quantities);
        want = "a comma list of distinct ixt, ity, mmi, delta, pid";
        break;
    default:
        bad = strcmp(val, "auto") && strcmp(val, "cuda") && strcmp(val, "cpu") &&
              strcmp(val, "cpu-ref");
        want = "auto, cuda, cpu or cpu-ref";
        if (!bad)
            strcpy(m->backend, val);
        break;
    }
    if (bad)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: [infomonitor] %s = '%s': expected %s",
                          path, line, key, val, want);
    return IM_OK;
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
    if (parse_int(v, 1, dst))
        return im_errf(err, errlen, IM_ERR_FORMAT,
                          "%s:%d: [net] %.*s = '%s': expected a whole number >= 1", path, line,
                          (int)(v - sq - 1), sq, v);
    return IM_OK;
}

static void spec_default(im_monitor_spec *m)
{
    memset(m, 0, sizeof *m);
    m->every = 1;
    m->alpha = 1.01;
    m->h = 5.0;
    m->delta_h = 0.1;
    m->rule = IM_WIDTH_SILVERMAN;
    m->median = 0.15;
    m->quantities = IM_Q_DEFAULT;
    strcpy(m->backend, "auto");
}

/* Checks that need the whole section. */
static im_status monitor_finish(const im_monitor_spec *m, const char *path, unsigned seen,
                                char *err, size_t errlen)
{
    int has_sigma = (seen >> 7) & 1, has_median = (seen >> 8) & 1;
    if (m->rule == IM_WIDTH_FIXED && !has_sigma)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                          "%s:%d: [infomonitor] kernel_width = fixed needs a sigma", path, m->line);
    if (m->rule != IM_WIDTH_FIXED && has_sigma)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                          "%s:%d: [infomonitor] sigma is only used with kernel_width = fixed", path,
                          m->line);
    if (m->rule != IM_WIDTH_MEDIAN && has_median)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                          "%s:%d: [infomonitor] median is only used with kernel_width = median",
                          path, m->line);
    return IM_OK;
}

im_status im_cfg_rewrite_file(const char *path, im_cfg_rewrite *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    sbuf sb = {0};
    char *line = NULL, *sq = NULL, **types = NULL;
    size_t cap = 0, ntypes = 0, capmon = 0;
    ssize_t len;
    int lineno = 0, in_mon = 0, nsections = 0, batch = 1, subdiv = 1;
    unsigned seen = 0;
    im_status st = IM_OK;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        char *nsq = realloc(sq, (size_t)len + 1);
        if (nsq == NULL)
            goto nomem;
        sq = nsq;
        squeeze(line, (size_t)len, sq);
        if (sq[0] == '[') {
            if (in_mon && (st = monitor_finish(&out->mon[out->nmon - 1], path, seen, err, errlen)))
                goto done;
            in_mon = 0;
            if (!known_section(sq)) {
                st = im_errf(err, errlen, IM_ERR_FORMAT,
                                "%s:%d: unknown section %s (Darknet would insert a broken layer)",
                                path, lineno, sq);
                goto done;
            }
            if (nsections > 0 && (!strcmp(sq, "[net]") || !strcmp(sq, "[network]"))) {
                st = im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: a second %s section", path,
                                lineno, sq);
                goto done;
            }
            if (nsections++ == 0) {
                if (strcmp(sq, "[net]") && strcmp(sq, "[network]")) {
                    st = im_errf(err, errlen, IM_ERR_FORMAT,
                                    "%s:%d: the first section must be [net], found %s", path,
                                    lineno, sq);
                    goto done;
                }
                if (sb_line(&sb, line, (size_t)len))
                    goto nomem;
                continue;
            }
            int index = nsections - 2;
            char **nt = realloc(types, (ntypes + 1) * sizeof *nt);
            if (nt == NULL)
                goto nomem;
            types = nt;
            if ((types[ntypes++] = strdup(sq)) == NULL)
                goto nomem;
            if (strcmp(sq, "[infomonitor]")) {
                if (sb_line(&sb, line, (size_t)len))
                    goto nomem;
                continue;
            }
            if (index == 0) {
                st = im_errf(
                    err, errlen, IM_ERR_FORMAT,
                    "%s:%d: [infomonitor] cannot be the first layer: it watches the layer "
                    "before it",
                    path, lineno);
                goto done;
            }
            if (out->nmon == capmon) {
                capmon = capmon ? 2 * capmon : 8;
                im_monitor_spec *nm = realloc(out->mon, capmon * sizeof *nm);
                if (nm == NULL)
                    goto nomem;
                out->mon = nm;
            }
            im_monitor_spec *m = &out->mon[out->nmon++];
            spec_default(m);
            m->index = index;
            m->line = lineno;
            m->layer = index - 1;
            /* After another monitor: watch the same layer as that one. */
            if (out->nmon > 1 && out->mon[out->nmon - 2].index == index - 1)
                m->layer = out->mon[out->nmon - 2].layer;
            in_mon = 1;
            seen = 0;
            if (sb_put(&sb, "[dropout]\nprobability=0\n", 24))
                goto nomem;
            continue;
        }
        if (sq[0] == '\0' || sq[0] == '#' || sq[0] == ';') {
            if (!in_mon && sb_line(&sb, line, (size_t)len))
                goto nomem;
            continue;
        }
        if (nsections == 0) {
            st = im_errf(err, errlen, IM_ERR_FORMAT,
                            "%s:%d: option '%s' before the first section", path, lineno, sq);
            goto done;
        }
        if (!in_mon) {
            if (nsections == 1 &&
                (st = net_option(sq, path, lineno, &batch, &subdiv, err, errlen)) != IM_OK)
                goto done;
            if (sb_line(&sb, line, (size_t)len))
                goto nomem;
            continue;
        }
        char *eq = strchr(sq, '=');
        if (eq == NULL || eq == sq || eq[1] == '\0') {
            st =
                im_errf(err, errlen, IM_ERR_FORMAT,
                           "%s:%d: [infomonitor] expected key=value, found '%s'", path, lineno, sq);
            goto done;
        }
        *eq = '\0';
        if ((st = monitor_option(&out->mon[out->nmon - 1], path, lineno, sq, eq + 1, &seen, err,
                                 errlen)))
            goto done;
    }
    if (ferror(f)) {
        st = im_errf(err, errlen, IM_ERR_IO, "%s: read error: %s", path, strerror(errno));
        goto done;
    }
    if (nsections == 0) {
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s: no sections (expected [net] and layers)",
                        path);
        goto done;
    }
    if (in_mon && (st = monitor_finish(&out->mon[out->nmon - 1], path, seen, err, errlen)))
        goto done;
    if (batch / subdiv < 1) {
        st = im_errf(err, errlen, IM_ERR_FORMAT,
                        "%s: [net] batch = %d and subdivisions = %d give mini-batches of 0 images",
                        path, batch, subdiv);
        goto done;
    }
    out->nlayers = nsections - 1;
    /* Default names: short type of the watched layer and its ordinal among
     * layers of that type (conv1, fc2, ...). */
    for (size_t i = 0; i < out->nmon; i++) {
        im_monitor_spec *m = &out->mon[i];
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
    out->text = sb.buf;
    sb.buf = NULL;
    goto done;
nomem:
    st = im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory", path);
done:
    fclose(f);
    free(line);
    free(sq);
    for (size_t i = 0; i < ntypes; i++)
        free(types[i]);
    free(types);
    free(sb.buf);
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

im_status im_cfg_write_temp(const im_cfg_rewrite *r, char **tmp_path, char *err, size_t errlen)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || !*dir)
        dir = "/tmp";
    size_t n = strlen(dir) + 32;
    char *p = malloc(n);
    if (p == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory");
    snprintf(p, n, "%s/infomonitor-XXXXXX", dir);
    int fd = mkstemp(p);
    if (fd < 0) {
        im_status st = im_errf(err, errlen, IM_ERR_IO, "%s: cannot create a temporary cfg: %s",
                                  p, strerror(errno));
        free(p);
        return st;
    }
    size_t len = strlen(r->text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, r->text + off, len - off);
        if (w <= 0) {
            im_status st =
                im_errf(err, errlen, IM_ERR_IO, "%s: write failed: %s", p, strerror(errno));
            close(fd);
            unlink(p);
            free(p);
            return st;
        }
        off += (size_t)w;
    }
    close(fd);
    *tmp_path = p;
    return IM_OK;
}
