/* Darknet image lists; the rules are in image_list.h. Darknet's get_paths
 * exits on a missing file, so the list is read here; images are decoded by
 * image_decode.c. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup */
#endif
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "darknet/data_io.h"
#include "darknet/image_decode.h"
#include "darknet/image_list.h"
#include "util/errfmt.h"

/* The file name part of path (after the last '/'). */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* label equals a whole directory component of path, or is a whole-word
 * prefix of the file name without its extension: the stem ends there, or
 * the next character does not continue the word (letter after letter or
 * digit after digit). */
static int strong_match(const char *path, const char *label)
{
    size_t len = strlen(label);
    const char *base = base_name(path);
    for (const char *p = path; p < base;) {
        const char *end = strchr(p, '/');
        if ((size_t)(end - p) == len && memcmp(p, label, len) == 0)
            return 1;
        p = end + 1;
    }
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    if (len == 0 || len > stem || memcmp(base, label, len) != 0)
        return 0;
    if (len == stem)
        return 1;
    unsigned char last = (unsigned char)label[len - 1], next = (unsigned char)base[len];
    return !(isalnum(last) && isalnum(next) && !isalpha(last) == !isalpha(next));
}

/* The label index of path among labels (rules in image_list.h), or an error that
 * names list:line, the path and the candidates. */
static im_status resolve_label(const char *list, int line, const char *path, char *const *labels,
                               size_t nlabels, int32_t *label, char *err, size_t errlen)
{
    size_t matches = 0, strong = 0, pick = 0;
    for (size_t i = 0; i < nlabels; i++)
        if (strstr(path, labels[i]))
            matches++, pick = i;
    if (matches == 1) {
        *label = (int32_t)pick;
        return IM_OK;
    }
    if (matches == 0) {
        im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: no label occurs in \"%s\"; labels:", list, line,
                path);
        for (size_t i = 0; i < nlabels; i++)
            im_errf_append(err, errlen, IM_ERR_FORMAT, "%s \"%s\"", i ? "," : "", labels[i]);
        return IM_ERR_FORMAT;
    }
    for (size_t i = 0; i < nlabels; i++)
        if (strstr(path, labels[i]) && strong_match(path, labels[i]))
            strong++, pick = i;
    if (strong == 1) {
        *label = (int32_t)pick;
        return IM_OK;
    }
    im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: ambiguous label for \"%s\": it contains", list,
            line, path);
    const char *inside = NULL;
    size_t listed = 0;
    for (size_t i = 0; i < nlabels; i++) {
        if (!strstr(path, labels[i]) || (strong > 1 && !strong_match(path, labels[i])))
            continue;
        im_errf_append(err, errlen, IM_ERR_FORMAT, "%s \"%s\"", listed++ ? "," : "", labels[i]);
        if (!inside && !strong_match(path, labels[i]) && !strstr(base_name(path), labels[i]))
            inside = labels[i];
    }
    im_errf_append(
        err, errlen, IM_ERR_FORMAT, "%s",
        strong > 1 ? ", each a whole directory name or a whole-word prefix of the file name"
                   : " and none of them is a whole directory name or a whole-word prefix of the "
                     "file name");
    if (inside) {
        /* Quote the directory name that holds the label. */
        const char *at = strstr(path, inside), *start = at, *end = at;
        while (start > path && start[-1] != '/')
            start--;
        while (*end && *end != '/')
            end++;
        im_errf_append(
            err, errlen, IM_ERR_FORMAT,
            " (\"%s\" occurs only inside the directory name \"%.*s\": labels match by substring,"
            " as in Darknet, where \"rain\" matches \"/train/\")",
            inside, (int)(end - start), start);
    }
    return IM_ERR_FORMAT;
}

/* One entry of an image list. */
typedef struct list_entry {
    char *path;
    int line;
    int32_t label;
} list_entry;

/* The entries of a list, in file order. */
typedef struct list_entries {
    list_entry *at;
    size_t n, cap;
} list_entries;

static void entries_free(list_entries *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->at[i].path);
    free(e->at);
}

/* The arguments of im_imagelist_load besides the list and its file. */
static im_status list_check_args(const char *list, size_t nlabels, size_t w, size_t h, size_t c,
                                 char *err, size_t errlen)
{
    if (c != 1 && c != 3)
        return im_errf(err, errlen, IM_ERR_ARG, "%s: channels = %zu, Darknet's loader gives 1 or 3",
                       list, c);
    if (w < 2 || h < 2 || w > INT_MAX / 3 || h > INT_MAX / 3 / w)
        return im_errf(
            err, errlen, IM_ERR_ARG,
            "%s: image size %zux%zu is out of range (2 to %d pixels a side, w*h*c within int)",
            list, w, h, INT_MAX / 3);
    if (nlabels > INT32_MAX)
        return im_errf(err, errlen, IM_ERR_ARG, "%s: %zu labels are too many", list, nlabels);
    return IM_OK;
}

typedef struct {
    const char *list;
    char *const *labels;
    size_t nlabels;
    list_entries *e;
} list_reader;

/* One path of the list and its label. */
static im_status list_each(void *arg, int lineno, char *path, char *err, size_t errlen)
{
    list_reader *r = arg;
    list_entries *e = r->e;
    if (e->n == e->cap) {
        size_t ncap = e->cap ? 2 * e->cap : 64;
        list_entry *grown = realloc(e->at, ncap * sizeof *grown);
        if (!grown)
            return im_errf(err, errlen, IM_ERR_NOMEM, "%s:%d: out of memory", r->list, lineno);
        e->at = grown;
        e->cap = ncap;
    }
    list_entry *ent = &e->at[e->n];
    im_status st =
        resolve_label(r->list, lineno, path, r->labels, r->nlabels, &ent->label, err, errlen);
    if (st == IM_OK && !(ent->path = strdup(path)))
        st = im_errf(err, errlen, IM_ERR_NOMEM, "%s:%d: out of memory", r->list, lineno);
    if (st == IM_OK)
        ent->line = lineno, e->n++;
    return st;
}

/* Pass 1: the paths of f (the file list) and their labels, so that a label
 * error comes before any decoding; at least one path, and at most what an
 * int and a buffer of rows of d floats hold. */
static im_status list_read(FILE *f, const char *list, char *const *labels, size_t nlabels, size_t d,
                           list_entries *e, char *err, size_t errlen)
{
    list_reader r = {list, labels, nlabels, e};
    im_status st = im_data_lines(f, list, 0, list_each, &r, err, errlen);
    if (st != IM_OK)
        return st;
    if (e->n == 0)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: no image paths (the file has no non-blank line)", list);
    if (e->n > INT_MAX || e->n > SIZE_MAX / sizeof(float) / d)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s: %zu images are too many", list, e->n);
    return IM_OK;
}

/* Pass 2: decodes the entries into out, rows of w*h*c floats. */
static im_status list_decode(const char *list, const list_entries *e, size_t w, size_t h, size_t c,
                             size_t nlabels, im_dataset *out, char *err, size_t errlen)
{
    size_t n = e->n, d = w * h * c;
    out->x = malloc(n * d * sizeof *out->x);
    out->y = malloc(n * sizeof *out->y);
    if (!out->x || !out->y)
        return im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory for %zu images of %zu floats",
                       list, n, d);
    im_status st = IM_OK;
    for (size_t i = 0; i < n && st == IM_OK; i++) {
        im_image_ref ref = {list, e->at[i].line, e->at[i].path};
        st = im_image_decode(&ref, w, h, c, out->x + i * d, err, errlen);
        out->y[i] = e->at[i].label;
    }
    if (st != IM_OK)
        return st;
    out->n = n;
    out->w = w;
    out->h = h;
    out->c = c;
    out->classes = nlabels;
    return IM_OK;
}

im_status im_imagelist_load(const char *list, char *const *labels, size_t nlabels, size_t w,
                            size_t h, size_t c, im_dataset *out, char *err, size_t errlen)
{
    if (!out)
        return im_errf(err, errlen, IM_ERR_ARG, "im_imagelist_load: out is NULL");
    memset(out, 0, sizeof *out);
    if (!list || !labels || nlabels == 0)
        return im_errf(err, errlen, IM_ERR_ARG, "im_imagelist_load: %s",
                       list ? "no labels" : "list path is NULL");
    im_status st = list_check_args(list, nlabels, w, h, c, err, errlen);
    if (st != IM_OK)
        return st;

    errno = 0;
    FILE *f = fopen(list, "r");
    if (!f)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", list, im_data_errno_str());
    list_entries e = {0};
    st = list_read(f, list, labels, nlabels, w * h * c, &e, err, errlen);
    if (st == IM_OK)
        st = list_decode(list, &e, w, h, c, nlabels, out, err, errlen);
    if (st != IM_OK)
        im_dataset_free(out);
    entries_free(&e);
    fclose(f);
    return st;
}
