/* Labels files; the format is in labels.h. Darknet's get_labels exits on a
 * missing file, so the file is read here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "darknet/data_io.h"
#include "darknet/labels.h"
#include "util/errfmt.h"

/* The labels read so far, with the line each came from. */
typedef struct label_set {
    char **names;
    int *lines;
    size_t count, cap;
} label_set;

/* Appends a copy of name, read at line lineno of path, to set; a name
 * already there is an error naming both lines. */
static im_status label_add(label_set *set, const char *path, int lineno, const char *name,
                           char *err, size_t errlen)
{
    for (size_t j = 0; j < set->count; j++)
        if (strcmp(set->names[j], name) == 0)
            return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: label \"%s\" repeats line %d", path,
                           lineno, name, set->lines[j]);
    if (set->count == set->cap) {
        size_t ncap = set->cap ? 2 * set->cap : 16;
        char **nn = realloc(set->names, ncap * sizeof *nn);
        if (nn)
            set->names = nn;
        int *nl = realloc(set->lines, ncap * sizeof *nl);
        if (nl)
            set->lines = nl;
        if (!nn || !nl)
            return im_errf(err, errlen, IM_ERR_NOMEM, "%s:%d: out of memory", path, lineno);
        set->cap = ncap;
    }
    if (!(set->names[set->count] = strdup(name)))
        return im_errf(err, errlen, IM_ERR_NOMEM, "%s:%d: out of memory", path, lineno);
    set->lines[set->count++] = lineno;
    return IM_OK;
}

void im_labels_free(char **labels, size_t n)
{
    if (!labels)
        return;
    for (size_t i = 0; i < n; i++)
        free(labels[i]);
    free(labels);
}

typedef struct {
    label_set *set;
    const char *path;
} label_reader;

static im_status label_each(void *arg, int lineno, char *s, char *err, size_t errlen)
{
    label_reader *r = arg;
    return label_add(r->set, r->path, lineno, s, err, errlen);
}

im_status im_labels_load(const char *path, char ***labels, size_t *n, char *err, size_t errlen)
{
    if (!labels || !n)
        return im_errf(err, errlen, IM_ERR_ARG, "im_labels_load: NULL output");
    *labels = NULL;
    *n = 0;
    if (!path)
        return im_errf(err, errlen, IM_ERR_ARG, "im_labels_load: path is NULL");
    errno = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", path, im_data_errno_str());

    label_set set = {0};
    label_reader r = {&set, path};
    im_status st = im_data_lines(f, path, 1, label_each, &r, err, errlen);
    if (st == IM_OK && set.count == 0)
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s: no labels (the file has no non-blank line)",
                     path);
    free(set.lines);
    fclose(f);
    if (st != IM_OK) {
        im_labels_free(set.names, set.count);
        return st;
    }
    *labels = set.names;
    *n = set.count;
    return IM_OK;
}
