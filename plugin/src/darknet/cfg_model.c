/* Reading a Darknet .cfg into sections and options (cfg_model.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cfg_model.h"
#include "util/errfmt.h"
#include "util/parse.h"

/* Section names Darknet's parser knows (string_to_layer_type, parser.c). */
static int known_section(const char *s)
{
    static const char *const k[] = {
        "[shortcut]",   "[crop]",          "[cost]",     "[detection]",
        "[region]",     "[yolo]",          "[iseg]",     "[local]",
        "[conv]",       "[convolutional]", "[deconv]",   "[deconvolutional]",
        "[activation]", "[logistic]",      "[l2norm]",   "[crnn]",
        "[gru]",        "[lstm]",          "[rnn]",      "[conn]",
        "[connected]",  "[max]",           "[maxpool]",  "[reorg]",
        "[avg]",        "[avgpool]",       "[dropout]",  "[lrn]",
        "[normalization]", "[batchnorm]",  "[soft]",     "[softmax]",
        "[route]",      "[upsample]",      "[net]",      "[network]",
        "[infomonitor]"};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(s, k[i]))
            return 1;
    return 0;
}

static int is_net(const char *s)
{
    return !strcmp(s, "[net]") || !strcmp(s, "[network]");
}

static im_status nomem(const im_cfg_model *m, char *err, size_t errlen)
{
    return im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory", m->path);
}

/* Remove every blank, in place. */
static void squeeze(char *s)
{
    size_t k = 0;
    for (size_t i = 0; s[i]; i++)
        if (!isspace((unsigned char)s[i]))
            s[k++] = s[i];
    s[k] = '\0';
}

static im_status add_section(im_cfg_model *m, const char *type, int line, char *err,
                             size_t errlen)
{
    if (!known_section(type))
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: unknown section %s (Darknet would insert a broken layer)", m->path,
                       line, type);
    if (m->nsec == 0 && !is_net(type))
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s:%d: the first section must be [net], found %s", m->path, line, type);
    if (m->nsec > 0 && is_net(type))
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: a second %s section", m->path, line,
                       type);
    im_cfg_section *ns = realloc(m->sec, (m->nsec + 1) * sizeof *ns);
    if (ns == NULL)
        return nomem(m, err, errlen);
    m->sec = ns;
    im_cfg_section *s = &m->sec[m->nsec];
    memset(s, 0, sizeof *s);
    if ((s->type = strdup(type)) == NULL)
        return nomem(m, err, errlen);
    m->nsec++;
    s->line = line;
    s->monitor = !strcmp(type, "[infomonitor]");
    s->layer = -1;
    s->dn_index = -1;
    if (m->nsec > 1) {
        s->dn_index = m->dn_layers++;
        if (!s->monitor)
            s->layer = m->nlayers++;
    }
    return IM_OK;
}

static im_status add_option(im_cfg_model *m, char *sq, int line, char *err, size_t errlen)
{
    if (m->nsec == 0)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: option '%s' before the first section",
                       m->path, line, sq);
    im_cfg_section *s = &m->sec[m->nsec - 1];
    char *eq = strchr(sq, '=');
    if (eq == NULL || eq == sq || eq[1] == '\0')
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: %s expected key=value, found '%s'",
                       m->path, line, s->type, sq);
    *eq = '\0';
    const im_cfg_opt *first = im_cfg_find(s, sq);
    if (first != NULL && !s->monitor) {
        im_status st = im_cfg_warn(m, line, "%s %s given twice: Darknet reads line %d's", s->type,
                                   sq, first->line);
        if (st != IM_OK)
            return nomem(m, err, errlen);
    }
    im_cfg_opt *no = realloc(s->opt, (s->nopt + 1) * sizeof *no);
    if (no == NULL)
        return nomem(m, err, errlen);
    s->opt = no;
    im_cfg_opt *o = &s->opt[s->nopt];
    o->line = line;
    o->key = strdup(sq);
    o->val = strdup(eq + 1);
    if (o->key == NULL || o->val == NULL) {
        free(o->key);
        free(o->val);
        return nomem(m, err, errlen);
    }
    s->nopt++;
    return IM_OK;
}

static im_status read_lines(im_cfg_model *m, FILE *f, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    im_status st = IM_OK;
    while (st == IM_OK && getline(&line, &cap, f) >= 0) {
        lineno++;
        squeeze(line);
        if (line[0] == '[')
            st = add_section(m, line, lineno, err, errlen);
        else if (line[0] != '\0' && line[0] != '#' && line[0] != ';')
            st = add_option(m, line, lineno, err, errlen);
    }
    if (st == IM_OK && ferror(f))
        st = im_errf(err, errlen, IM_ERR_IO, "%s: read error: %s", m->path, strerror(errno));
    free(line);
    if (st == IM_OK && m->nsec == 0)
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s: no sections (expected [net] and layers)",
                     m->path);
    return st;
}

im_status im_cfg_model_read(const char *path, im_cfg_model *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if ((out->path = strdup(path)) == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory", path);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        im_status st = im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", path,
                               strerror(errno));
        im_cfg_model_free(out);
        return st;
    }
    im_status st = read_lines(out, f, err, errlen);
    fclose(f);
    if (st != IM_OK)
        im_cfg_model_free(out);
    return st;
}

void im_cfg_model_free(im_cfg_model *m)
{
    for (size_t i = 0; i < m->nsec; i++) {
        for (size_t k = 0; k < m->sec[i].nopt; k++) {
            free(m->sec[i].opt[k].key);
            free(m->sec[i].opt[k].val);
        }
        free(m->sec[i].opt);
        free(m->sec[i].type);
    }
    free(m->sec);
    free(m->path);
    free(m->warnings);
    memset(m, 0, sizeof *m);
}

const im_cfg_opt *im_cfg_find(const im_cfg_section *s, const char *key)
{
    for (size_t k = 0; k < s->nopt; k++)
        if (!strcmp(s->opt[k].key, key))
            return &s->opt[k];
    return NULL;
}

im_status im_cfg_warn(im_cfg_model *m, int line, const char *fmt, ...)
{
    char msg[512];
    size_t at = (size_t)snprintf(msg, sizeof msg, line ? "%s:%d: " : "%s: ", m->path, line);
    if (at >= sizeof msg)
        at = sizeof msg - 1;
    va_list ap;
    va_start(ap, fmt);
    im_verrf(msg, sizeof msg, at, IM_OK, fmt, ap);
    va_end(ap);
    return im_warnf(&m->warnings, "%s", msg);
}

im_status im_cfg_int(const im_cfg_model *m, const im_cfg_section *s, const char *key,
                     long long def, long long lo, long long hi, long long *out, char *err,
                     size_t errlen)
{
    const im_cfg_opt *o = im_cfg_find(s, key);
    if (o == NULL) {
        *out = def;
        return IM_OK;
    }
    if (im_parse_int(o->val, lo, hi, out))
        return IM_OK;
    if (hi == lo)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: %s %s = '%s': expected %lld",
                       m->path, o->line, s->type, key, o->val, lo);
    return im_errf(err, errlen, IM_ERR_FORMAT,
                   "%s:%d: %s %s = '%s': expected a whole number in %lld..%lld", m->path, o->line,
                   s->type, key, o->val, lo, hi);
}

im_status im_cfg_num(const im_cfg_model *m, const im_cfg_section *s, const char *key, double def,
                     double lo, double hi, double *out, char *err, size_t errlen)
{
    const im_cfg_opt *o = im_cfg_find(s, key);
    if (o == NULL) {
        *out = def;
        return IM_OK;
    }
    if (im_parse_num(o->val, lo, hi, out))
        return IM_OK;
    return im_errf(err, errlen, IM_ERR_FORMAT,
                   "%s:%d: %s %s = '%s': expected a number in [%g, %g]", m->path, o->line,
                   s->type, key, o->val, lo, hi);
}
