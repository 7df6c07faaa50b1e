/* Darknet .data files; the keys and forms are in datacfg.h. Darknet's
 * read_data_cfg exits on a missing file, so the file is read here. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "darknet/data_io.h"
#include "darknet/datacfg.h"
#include "darknet/idx.h"
#include "darknet/image_list.h"
#include "darknet/labels.h"
#include "util/errfmt.h"
#include "util/parse.h"
#include "util/suggest.h"

enum {
    K_CLASSES,
    K_TOP,
    K_TRAIN,
    K_VALID,
    K_LABELS,
    K_NAMES,
    K_BACKUP,
    K_TRAIN_LABELS,
    K_VALID_LABELS,
    K_COUNT,
    K_DARKNET /* read by Darknet's examples, not by us: accepted, not kept */
};

static const struct {
    const char *name;
    int slot;
} data_keys[] = {
    {"classes", K_CLASSES},     {"top", K_TOP},       {"train", K_TRAIN},
    {"valid", K_VALID},         {"labels", K_LABELS}, {"names", K_NAMES},
    {"backup", K_BACKUP},       {"train_labels", K_TRAIN_LABELS},
    {"valid_labels", K_VALID_LABELS},
    {"eval", K_DARKNET},        {"map", K_DARKNET},   {"results", K_DARKNET},
    {"leaves", K_DARKNET},      {"tree", K_DARKNET},  {"tag", K_DARKNET},
    {"test", K_DARKNET},
};

/* The same names, for suggestions. */
static const char *const key_names[] = {
    "classes", "top", "train", "valid", "labels", "names", "backup", "train_labels",
    "valid_labels", "eval", "map", "results", "leaves", "tree", "tag", "test", NULL};

/* The values of a .data file per slot (malloc'd, NULL = absent), their line
 * numbers, and the warnings so far. */
typedef struct datacfg_keys {
    char *val[K_COUNT];
    int line_of[K_COUNT];
    char *warnings;
} datacfg_keys;

void im_datacfg_free(im_datacfg *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->train);
    free(c->valid);
    free(c->labels);
    free(c->backup);
    free(c->train_labels);
    free(c->valid_labels);
    free(c->warnings);
    memset(c, 0, sizeof *c);
}

static int slot_of(const char *key)
{
    for (size_t i = 0; i < sizeof data_keys / sizeof data_keys[0]; i++)
        if (strcmp(key, data_keys[i].name) == 0)
            return data_keys[i].slot;
    return -1;
}

/* A key that neither Darknet nor this adapter reads: a warning. */
static im_status unknown_key(const char *path, int lineno, const char *key, datacfg_keys *k,
                             char *err, size_t errlen)
{
    const char *near = im_suggest(key, key_names);
    if (im_warnf(&k->warnings, "%s:%d: unknown key \"%s\" ignored (%s%s%s)", path, lineno, key,
                 near ? "did you mean \"" : "neither Darknet nor infomonitor reads it",
                 near ? near : "", near ? "\"?" : "") != IM_OK)
        return im_errf(err, errlen, IM_ERR_NOMEM, "%s:%d: out of memory", path, lineno);
    return IM_OK;
}

/* One line s (trimmed, not blank, not a comment) of path into k. */
static im_status datacfg_line(const char *path, int lineno, char *s, datacfg_keys *k, char *err,
                              size_t errlen)
{
    char *eq = strchr(s, '=');
    if (!eq)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: expected \"key = value\", got \"%s\"",
                       path, lineno, s);
    *eq = '\0';
    char *key = im_data_trim(s, 1), *value = im_data_trim(eq + 1, 1);
    if (!*key)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: empty key", path, lineno);
    int slot = slot_of(key);
    if (slot < 0)
        return unknown_key(path, lineno, key, k, err, errlen);
    if (!*value)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: empty value for %s", path, lineno, key);
    if (slot == K_DARKNET)
        return IM_OK;
    if (k->val[slot])
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: %s repeats %s from line %d", path,
                       lineno, key, key, k->line_of[slot]);
    if (!(k->val[slot] = strdup(value)))
        return im_errf(err, errlen, IM_ERR_NOMEM, "%s:%d: out of memory", path, lineno);
    k->line_of[slot] = lineno;
    return IM_OK;
}

typedef struct {
    const char *path;
    datacfg_keys *k;
} datacfg_reader;

/* One line that is not a comment ('#' or ';'). */
static im_status datacfg_each(void *arg, int lineno, char *s, char *err, size_t errlen)
{
    datacfg_reader *r = arg;
    if (*s == '#' || *s == ';')
        return IM_OK;
    return datacfg_line(r->path, lineno, s, r->k, err, errlen);
}

/* The "key = value" lines of path into k. */
static im_status datacfg_read(const char *path, datacfg_keys *k, char *err, size_t errlen)
{
    errno = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", path, im_data_errno_str());
    datacfg_reader r = {path, k};
    im_status st = im_data_lines(f, path, 1, datacfg_each, &r, err, errlen);
    fclose(f);
    return st;
}

/* classes and top, when given, as ints in [1, INT_MAX]; top stays 1 when
 * absent. */
static im_status datacfg_ints(const char *path, const datacfg_keys *k, int *classes, int *top,
                              char *err, size_t errlen)
{
    long long v;
    if (k->val[K_CLASSES]) {
        if (!im_parse_int(k->val[K_CLASSES], 1, INT_MAX, &v))
            return im_errf(err, errlen, IM_ERR_FORMAT,
                           "%s:%d: classes = \"%s\" is not an integer > 0", path,
                           k->line_of[K_CLASSES], k->val[K_CLASSES]);
        *classes = (int)v;
    }
    if (k->val[K_TOP]) {
        if (!im_parse_int(k->val[K_TOP], 1, INT_MAX, &v))
            return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: top = \"%s\" is not an integer >= 1",
                           path, k->line_of[K_TOP], k->val[K_TOP]);
        *top = (int)v;
    }
    return IM_OK;
}

/* Checks the keys of a parsed .data file against the two forms of datacfg.h. */
static im_status datacfg_check(const char *path, const datacfg_keys *k, int classes, int top,
                               char *err, size_t errlen)
{
    char *const *val = k->val;
    if (!val[K_CLASSES])
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: no classes key (the number of classes is required)", path);
    if (top > classes)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: top = %d exceeds classes = %d", path,
                       k->line_of[K_TOP], top, classes);
    if (!val[K_TRAIN] && !val[K_VALID])
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s: neither train nor valid is given", path);
    if (val[K_TRAIN_LABELS] || val[K_VALID_LABELS]) {
        static const int pairs[2][2] = {{K_TRAIN, K_TRAIN_LABELS}, {K_VALID, K_VALID_LABELS}};
        static const char *names[2][2] = {{"train", "train_labels"}, {"valid", "valid_labels"}};
        for (int i = 0; i < 2; i++) {
            int has_img = val[pairs[i][0]] != NULL, has_lab = val[pairs[i][1]] != NULL;
            if (has_img != has_lab)
                return im_errf(
                    err, errlen, IM_ERR_FORMAT,
                    "%s:%d: %s without %s (the IDX form pairs each images file with a labels file)",
                    path, k->line_of[pairs[i][has_img ? 0 : 1]], names[i][has_img ? 0 : 1],
                    names[i][has_img ? 1 : 0]);
        }
    } else if (!val[K_LABELS] && !val[K_NAMES]) {
        return im_errf(
            err, errlen, IM_ERR_FORMAT,
            "%s: no labels key (image lists need labels = a file with one class name per line;"
            " IDX files need train_labels/valid_labels)",
            path);
    }
    return IM_OK;
}

/* Moves the strings of k into out (out->path is already set) and frees the
 * ones out does not keep.  labels is labels, or names without it. */
static void datacfg_take(im_datacfg *out, datacfg_keys *k, int classes, int top)
{
    int lab = k->val[K_LABELS] ? K_LABELS : K_NAMES;
    free(k->val[K_CLASSES]);
    free(k->val[K_TOP]);
    free(k->val[lab == K_LABELS ? K_NAMES : K_LABELS]);
    out->classes = classes;
    out->top = top;
    out->train = k->val[K_TRAIN];
    out->valid = k->val[K_VALID];
    out->labels = k->val[lab];
    out->backup = k->val[K_BACKUP];
    out->train_labels = k->val[K_TRAIN_LABELS];
    out->valid_labels = k->val[K_VALID_LABELS];
    out->line_train = k->line_of[K_TRAIN];
    out->line_valid = k->line_of[K_VALID];
    out->line_labels = k->line_of[lab];
    out->line_classes = k->line_of[K_CLASSES];
    out->warnings = k->warnings;
}

im_status im_datacfg_load(const char *path, im_datacfg *out, char *err, size_t errlen)
{
    if (!out)
        return im_errf(err, errlen, IM_ERR_ARG, "im_datacfg_load: out is NULL");
    memset(out, 0, sizeof *out);
    if (!path)
        return im_errf(err, errlen, IM_ERR_ARG, "im_datacfg_load: path is NULL");

    datacfg_keys k = {0};
    int classes = 0, top = 1;
    im_status st = datacfg_read(path, &k, err, errlen);
    if (st == IM_OK)
        st = datacfg_ints(path, &k, &classes, &top, err, errlen);
    if (st == IM_OK)
        st = datacfg_check(path, &k, classes, top, err, errlen);
    if (st == IM_OK && !k.val[K_BACKUP] && !(k.val[K_BACKUP] = strdup("backup")))
        st = im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory", path);
    if (st == IM_OK && !(out->path = strdup(path)))
        st = im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory", path);
    if (st != IM_OK) {
        for (int i = 0; i < K_COUNT; i++)
            free(k.val[i]);
        free(k.warnings);
        free(out->path);
        out->path = NULL;
        return st;
    }
    datacfg_take(out, &k, classes, top);
    return IM_OK;
}

im_status im_datacfg_split(const im_datacfg *cfg, int which, size_t w, size_t h, size_t c,
                           im_dataset *out, char *err, size_t errlen)
{
    if (!out)
        return im_errf(err, errlen, IM_ERR_ARG, "im_datacfg_split: out is NULL");
    memset(out, 0, sizeof *out);
    if (!cfg || !cfg->path || (which != 0 && which != 1))
        return im_errf(err, errlen, IM_ERR_ARG, "im_datacfg_split: %s",
                       cfg && cfg->path ? "which must be 0 (train) or 1 (valid)"
                                        : "no .data file loaded");
    const char *key = which ? "valid" : "train";
    const char *images = which ? cfg->valid : cfg->train;
    const char *idx_labels = which ? cfg->valid_labels : cfg->train_labels;
    int line = which ? cfg->line_valid : cfg->line_train;
    if (!images)
        return im_errf(err, errlen, IM_ERR_ARG, "%s: no %s key, so there is no %s split", cfg->path,
                       key, key);

    /* Class names: required in the list form, optional in the IDX form;
     * their number must be classes either way. */
    char **names = NULL;
    size_t nnames = 0;
    im_status st = IM_OK;
    if (cfg->labels) {
        st = im_labels_load(cfg->labels, &names, &nnames, err, errlen);
        if (st != IM_OK)
            return st;
        if (nnames != (size_t)cfg->classes) {
            st = im_errf(err, errlen, IM_ERR_FORMAT,
                         "%s:%d: classes = %d, but %s (line %d) holds %zu labels", cfg->path,
                         cfg->line_classes, cfg->classes, cfg->labels, cfg->line_labels, nnames);
            goto done;
        }
    }
    if (idx_labels) {
        st = im_idx_load(images, idx_labels, (size_t)cfg->classes, out, err, errlen);
        if (st == IM_OK && (out->w != w || out->h != h || out->c != c)) {
            st = im_errf(
                err, errlen, IM_ERR_FORMAT,
                "%s:%d: %s images %s are %zux%zux%zu (w x h x c), the network input is %zux%zux%zu",
                cfg->path, line, key, images, out->w, out->h, out->c, w, h, c);
            im_dataset_free(out);
        }
    } else {
        st = im_imagelist_load(images, names, nnames, w, h, c, out, err, errlen);
    }
done:
    im_labels_free(names, nnames);
    return st;
}
