/* Data loaders for the Darknet adapter; formats and rules are in data.h.
 * Darknet's own readers (read_data_cfg, get_paths, get_labels) exit(0) on a
 * missing file, so every file is read here; only load_image() is Darknet's. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* getline, fileno, access */
#endif
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "darknet.h"
#include "darknet/data.h"
#include "util/errfmt.h"

#define IDX_IMAGES_MAGIC 0x00000803u /* unsigned bytes, 3 dims */
#define IDX_LABELS_MAGIC 0x00000801u /* unsigned bytes, 1 dim */

/* IDX data is read in pieces that grow from this size, so a header that
 * claims more than the file holds fails as truncated, not as a huge malloc. */
#define IDX_FIRST_CHUNK ((size_t)1 << 20)

/* Darknet's failure path sprintf's "echo %s >> bad.list" into 256 bytes; the
 * /proc/self/fd/N name handed to it instead is always far shorter. */
#define FD_PATH_LEN 64

static const char *errno_str(void)
{
    return strerror(errno ? errno : EIO);
}

/* Trims spaces, tabs, '\r' and '\n' at the end, and at the start too when
 * both_ends; returns the start. */
static char *trim(char *s, int both_ends)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    if (both_ends)
        while (*s == ' ' || *s == '\t')
            s++;
    return s;
}

/* Reads up to len bytes; returns the count (short only at the end of the
 * data) or -1 on a read or decompression error. */
static long long gz_read_full(gzFile f, unsigned char *buf, size_t len)
{
    size_t have = 0;
    while (have < len) {
        size_t want = len - have;
        if (want > (size_t)INT_MAX)
            want = (size_t)INT_MAX;
        int r = gzread(f, buf + have, (unsigned)want);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        have += (size_t)r;
    }
    return (long long)have;
}

static im_status gz_fail(gzFile f, const char *path, char *err, size_t errlen)
{
    int zerr;
    const char *msg = gzerror(f, &zerr);
    if (zerr == Z_ERRNO)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot read: %s", path, errno_str());
    return im_errf(err, errlen, IM_ERR_FORMAT, "%s: bad gzip data: %s", path, msg);
}

/* One IDX file of unsigned bytes with ndims (1 or 3) dimensions: checks the
 * magic, dims[0] <= INT_MAX and the product of the other dims <= INT_MAX
 * (Darknet's int sizes), reads exactly the announced bytes into a malloc'd
 * *bytes and refuses anything after them. */
static im_status idx_read(const char *path, unsigned magic, unsigned ndims, uint32_t dims[3],
                          unsigned char **bytes, char *err, size_t errlen)
{
    const char *what = ndims == 3 ? "images" : "labels";
    *bytes = NULL;
    errno = 0;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", path, errno_str());

    /* Header: 4-byte magic {0, 0, type 0x08, ndims}, then ndims big-endian
     * uint32 sizes. The magic is checked first, so that a labels file given
     * as images is named as such rather than as a short header. */
    unsigned char head[16];
    size_t head_len = 4 + 4 * (size_t)ndims;
    im_status st = IM_OK;
    long long got = gz_read_full(f, head, 4), more = 0;
    if (got == 4)
        more = gz_read_full(f, head + 4, head_len - 4);
    if (got < 0 || more < 0) {
        st = gz_fail(f, path, err, errlen);
        goto out;
    }
    if (got < 4) {
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s: truncated IDX header: %lld of %zu bytes",
                        path, got, head_len);
        goto out;
    }
    unsigned found =
        (unsigned)head[0] << 24 | (unsigned)head[1] << 16 | (unsigned)head[2] << 8 | head[3];
    if (found != magic) {
        st =
            im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: bad magic 0x%08x, expected 0x%08x (IDX %s: unsigned bytes, %u dim%s)%s",
                       path, found, magic, what, ndims, ndims == 1 ? "" : "s",
                       found == IDX_IMAGES_MAGIC   ? " - this is an images file"
                       : found == IDX_LABELS_MAGIC ? " - this is a labels file"
                                                   : "");
        goto out;
    }
    if ((size_t)more < head_len - 4) {
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s: truncated IDX header: %lld of %zu bytes",
                        path, 4 + more, head_len);
        goto out;
    }
    size_t total = 1, inner = 1;
    for (unsigned i = 0; i < ndims; i++) {
        const unsigned char *b = head + 4 + 4 * i;
        dims[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        total *= dims[i]; /* exact once dims[0] and inner are <= INT_MAX, checked below */
        if (i > 0)
            inner *= dims[i];
    }
    if (dims[0] == 0 || inner == 0) {
        st = im_errf(err, errlen, IM_ERR_FORMAT,
                        "%s: the IDX header announces no data (%u %s of %zu bytes)", path,
                        (unsigned)dims[0], what, inner);
        goto out;
    }
    if (dims[0] > INT_MAX || inner > INT_MAX) {
        st = im_errf(err, errlen, IM_ERR_FORMAT,
                        "%s: %u %s of %zu bytes each is too large (Darknet sizes are int)", path,
                        (unsigned)dims[0], what, inner);
        goto out;
    }

    size_t cap = total < IDX_FIRST_CHUNK ? total : IDX_FIRST_CHUNK, have = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        st = im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory for %zu bytes", path, cap);
        goto out;
    }
    for (;;) {
        got = gz_read_full(f, buf + have, cap - have);
        if (got < 0) {
            st = gz_fail(f, path, err, errlen);
            break;
        }
        have += (size_t)got;
        if (have < cap || cap == total)
            break;
        size_t next = cap > total / 2 ? total : 2 * cap;
        unsigned char *grown = realloc(buf, next);
        if (!grown) {
            st = im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory for %zu bytes", path,
                            next);
            break;
        }
        buf = grown;
        cap = next;
    }
    if (st == IM_OK && have < total)
        st = im_errf(err, errlen, IM_ERR_FORMAT,
                        "%s: truncated data: the header announces %u %s of %zu bytes (%zu bytes), "
                        "only %zu follow",
                        path, (unsigned)dims[0], what, inner, total, have);
    if (st == IM_OK) {
        unsigned char extra;
        got = gz_read_full(f, &extra, 1);
        if (got < 0)
            st = gz_fail(f, path, err, errlen);
        else if (got > 0)
            st = im_errf(err, errlen, IM_ERR_FORMAT,
                            "%s: trailing data after the %zu bytes of %u %s the header announces",
                            path, total, (unsigned)dims[0], what);
    }
    if (st == IM_OK)
        *bytes = buf;
    else
        free(buf);
out:
    gzclose(f);
    return st;
}

void im_dataset_free(im_dataset *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

im_status im_idx_load(const char *images, const char *labels, size_t classes, im_dataset *out,
                      char *err, size_t errlen)
{
    if (!out)
        return im_errf(err, errlen, IM_ERR_ARG, "im_idx_load: out is NULL");
    memset(out, 0, sizeof *out);
    if (!images || !labels)
        return im_errf(err, errlen, IM_ERR_ARG, "im_idx_load: %s path is NULL",
                          images ? "labels" : "images");

    uint32_t idims[3], ldims[3];
    unsigned char *pix, *lab;
    im_status st = idx_read(images, IDX_IMAGES_MAGIC, 3, idims, &pix, err, errlen);
    if (st != IM_OK)
        return st;
    st = idx_read(labels, IDX_LABELS_MAGIC, 1, ldims, &lab, err, errlen);
    if (st != IM_OK) {
        free(pix);
        return st;
    }
    size_t n = idims[0], d = (size_t)idims[1] * idims[2];
    if (ldims[0] != idims[0]) {
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s: %u labels, but %s holds %zu images",
                        labels, (unsigned)ldims[0], images, n);
        goto done;
    }
    unsigned maxlab = 0;
    for (size_t i = 0; i < n; i++) {
        if (classes > 0 && lab[i] >= classes) {
            st = im_errf(err, errlen, IM_ERR_FORMAT,
                            "%s: label %u of item %zu is not below classes = %zu", labels, lab[i],
                            i, classes);
            goto done;
        }
        if (lab[i] > maxlab)
            maxlab = lab[i];
    }
    out->x = malloc(n * d * sizeof *out->x);
    out->y = malloc(n * sizeof *out->y);
    if (!out->x || !out->y) {
        im_dataset_free(out);
        st = im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory for %zu images of %zu floats",
                        images, n, d);
        goto done;
    }
    /* Rows are already CHW with c = 1: row-major rows x cols. p/255.0 in
     * double, as Darknet's mat_to_image computes it. */
    for (size_t i = 0; i < n * d; i++)
        out->x[i] = (float)(pix[i] / 255.0);
    for (size_t i = 0; i < n; i++)
        out->y[i] = lab[i];
    out->n = n;
    out->w = idims[2];
    out->h = idims[1];
    out->c = 1;
    out->classes = classes > 0 ? classes : (size_t)maxlab + 1;
done:
    free(pix);
    free(lab);
    return st;
}

/* ---- labels files ------------------------------------------------------ */

void im_labels_free(char **labels, size_t n)
{
    if (!labels)
        return;
    for (size_t i = 0; i < n; i++)
        free(labels[i]);
    free(labels);
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
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", path, errno_str());

    char **names = NULL, *line = NULL;
    int *lines = NULL;
    size_t count = 0, cap = 0, linecap = 0;
    int lineno = 0;
    im_status st = IM_OK;
    while (getline(&line, &linecap, f) >= 0) {
        lineno++;
        char *s = trim(line, 1);
        if (!*s)
            continue;
        for (size_t j = 0; j < count; j++)
            if (strcmp(names[j], s) == 0) {
                st = im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: label \"%s\" repeats line %d",
                                path, lineno, s, lines[j]);
                goto done;
            }
        if (count == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (nn)
                names = nn;
            int *nl = realloc(lines, ncap * sizeof *nl);
            if (nl)
                lines = nl;
            if (!nn || !nl) {
                st = im_errf(err, errlen, IM_ERR_NOMEM, "%s:%d: out of memory", path, lineno);
                goto done;
            }
            cap = ncap;
        }
        if (!(names[count] = strdup(s))) {
            st = im_errf(err, errlen, IM_ERR_NOMEM, "%s:%d: out of memory", path, lineno);
            goto done;
        }
        lines[count++] = lineno;
    }
    if (ferror(f))
        st = im_errf(err, errlen, IM_ERR_IO, "%s: cannot read: %s", path, errno_str());
    else if (count == 0)
        st = im_errf(err, errlen, IM_ERR_FORMAT,
                        "%s: no labels (the file has no non-blank line)", path);
done:
    free(line);
    free(lines);
    fclose(f);
    if (st != IM_OK) {
        im_labels_free(names, count);
        return st;
    }
    *labels = names;
    *n = count;
    return IM_OK;
}

/* ---- image lists ------------------------------------------------------- */

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

/* The label index of path among labels (rules in data.h), or an error that
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
        im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: no label occurs in \"%s\"; labels:", list,
                   line, path);
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
    im_errf_append(err, errlen, IM_ERR_FORMAT, "%s",
                 strong > 1
                     ? ", each a whole directory name or a whole-word prefix of the file name"
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

/* Does the file start like an image OpenCV's imread decodes? */
static int image_magic(const unsigned char *b, size_t n)
{
    static const struct {
        size_t off, len;
        const char *sig;
    } sigs[] = {
        {0, 3, "\xff\xd8\xff"},      /* JPEG */
        {0, 8, "\x89PNG\r\n\x1a\n"}, /* PNG */
        {0, 2, "BM"},                /* BMP */
        {0, 4, "II*\0"},
        {0, 4, "MM\0*"},                     /* TIFF */
        {8, 4, "WEBP"},                      /* WebP (RIFF container) */
        {0, 4, "\xff\x4f\xff\x51"},          /* JPEG 2000 codestream */
        {0, 12, "\0\0\0\x0cjP  \r\n\x87\n"}, /* JPEG 2000 JP2 */
        {0, 4, "\x59\xa6\x6a\x95"},          /* Sun raster */
        {0, 2, "#?"},                        /* Radiance HDR */
        {0, 4, "\x76\x2f\x31\x01"},          /* OpenEXR */
    };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (n >= sigs[i].off + sigs[i].len &&
            memcmp(b + sigs[i].off, sigs[i].sig, sigs[i].len) == 0)
            return 1;
    /* PNM P1-P6, PAM P7, PFM Pf/PF */
    return n >= 2 && b[0] == 'P' && ((b[1] >= '1' && b[1] <= '7') || b[1] == 'f' || b[1] == 'F');
}

/* Decodes one image into row (w*h*c floats, CHW): opens and checks it here,
 * then has Darknet's load_image read it through /proc/self/fd/N. */
static im_status load_one(const char *list, int line, const char *path, size_t w, size_t h,
                          size_t c, float *row, char *err, size_t errlen)
{
    errno = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return im_errf(err, errlen, IM_ERR_IO, "%s:%d: cannot open image \"%s\": %s", list, line,
                          path, errno_str());
    unsigned char head[16];
    size_t got = fread(head, 1, sizeof head, f);
    char fdpath[FD_PATH_LEN];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fileno(f));
    im_status st = IM_OK;
    if (ferror(f)) {
        st = im_errf(err, errlen, IM_ERR_IO, "%s:%d: cannot read image \"%s\": %s", list, line,
                        path, errno_str());
    } else if (!image_magic(head, got)) {
        st = im_errf(err, errlen, IM_ERR_FORMAT,
                        "%s:%d: \"%s\" is not an image OpenCV reads (%s; expected JPEG, PNG, BMP, "
                        "PNM, TIFF, WebP ...)",
                        list, line, path, got == 0 ? "empty file" : "unknown signature");
    } else if (access(fdpath, R_OK) != 0) {
        st = im_errf(err, errlen, IM_ERR_IO, "%s:%d: cannot reopen \"%s\" as %s: %s", list, line,
                        path, fdpath, errno_str());
    } else {
        /* Always 3 channels: for 1, Darknet's mat_to_image swaps planes 0
         * and 2 of the 1-plane image, writing outside it. */
        image im = load_image(fdpath, (int)w, (int)h, 3);
        if ((size_t)im.w != w || (size_t)im.h != h || im.c != 3 || !im.data) {
            st = im_errf(
                err, errlen, IM_ERR_FORMAT,
                "%s:%d: Darknet could not decode \"%s\" (got %dx%dx%d, wanted %zux%zux3)", list,
                line, path, im.w, im.h, im.c, w, h);
        } else if (c == 1) {
            image gray = grayscale_image(im);
            memcpy(row, gray.data, w * h * sizeof *row);
            free_image(gray);
        } else {
            memcpy(row, im.data, w * h * 3 * sizeof *row);
        }
        free_image(im);
    }
    fclose(f);
    return st;
}

/* One entry of an image list. */
typedef struct list_entry {
    char *path;
    int line;
    int32_t label;
} list_entry;

im_status im_imagelist_load(const char *list, char *const *labels, size_t nlabels, size_t w,
                            size_t h, size_t c, im_dataset *out, char *err, size_t errlen)
{
    if (!out)
        return im_errf(err, errlen, IM_ERR_ARG, "im_imagelist_load: out is NULL");
    memset(out, 0, sizeof *out);
    if (!list || !labels || nlabels == 0)
        return im_errf(err, errlen, IM_ERR_ARG, "im_imagelist_load: %s",
                          list ? "no labels" : "list path is NULL");
    if (c != 1 && c != 3)
        return im_errf(err, errlen, IM_ERR_ARG,
                          "%s: channels = %zu, Darknet's loader gives 1 or 3", list, c);
    if (w < 2 || h < 2 || w > INT_MAX / 3 || h > INT_MAX / 3 / w)
        return im_errf(
            err, errlen, IM_ERR_ARG,
            "%s: image size %zux%zu is out of range (2 to %d pixels a side, w*h*c within int)",
            list, w, h, INT_MAX / 3);
    if (nlabels > INT32_MAX)
        return im_errf(err, errlen, IM_ERR_ARG, "%s: %zu labels are too many", list, nlabels);
    size_t d = w * h * c;

    errno = 0;
    FILE *f = fopen(list, "r");
    if (!f)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", list, errno_str());
    list_entry *ents = NULL;
    size_t n = 0, cap = 0, linecap = 0;
    char *line = NULL;
    int lineno = 0;
    im_status st = IM_OK;

    /* Pass 1: paths and labels, so a label error comes before any decoding. */
    while (getline(&line, &linecap, f) >= 0) {
        lineno++;
        char *path = trim(line, 0);
        if (!*path)
            continue;
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            list_entry *grown = realloc(ents, ncap * sizeof *grown);
            if (!grown) {
                st = im_errf(err, errlen, IM_ERR_NOMEM, "%s:%d: out of memory", list, lineno);
                goto done;
            }
            ents = grown;
            cap = ncap;
        }
        st = resolve_label(list, lineno, path, labels, nlabels, &ents[n].label, err, errlen);
        if (st != IM_OK)
            goto done;
        if (!(ents[n].path = strdup(path))) {
            st = im_errf(err, errlen, IM_ERR_NOMEM, "%s:%d: out of memory", list, lineno);
            goto done;
        }
        ents[n++].line = lineno;
    }
    if (ferror(f)) {
        st = im_errf(err, errlen, IM_ERR_IO, "%s: cannot read: %s", list, errno_str());
        goto done;
    }
    if (n == 0) {
        st = im_errf(err, errlen, IM_ERR_FORMAT,
                        "%s: no image paths (the file has no non-blank line)", list);
        goto done;
    }
    if (n > INT_MAX || n > SIZE_MAX / sizeof(float) / d) {
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s: %zu images are too many", list, n);
        goto done;
    }

    /* Pass 2: decode into rows of d floats. */
    out->x = malloc(n * d * sizeof *out->x);
    out->y = malloc(n * sizeof *out->y);
    if (!out->x || !out->y) {
        st = im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory for %zu images of %zu floats",
                        list, n, d);
        goto done;
    }
    for (size_t i = 0; i < n && st == IM_OK; i++) {
        st = load_one(list, ents[i].line, ents[i].path, w, h, c, out->x + i * d, err, errlen);
        out->y[i] = ents[i].label;
    }
    if (st == IM_OK) {
        out->n = n;
        out->w = w;
        out->h = h;
        out->c = c;
        out->classes = nlabels;
    }
done:
    if (st != IM_OK)
        im_dataset_free(out);
    for (size_t i = 0; i < n; i++)
        free(ents[i].path);
    free(ents);
    free(line);
    fclose(f);
    return st;
}

/* ---- .data files ------------------------------------------------------- */

enum {
    K_CLASSES,
    K_TOP,
    K_TRAIN,
    K_VALID,
    K_LABELS,
    K_BACKUP,
    K_TRAIN_LABELS,
    K_VALID_LABELS,
    K_COUNT
};

static const struct {
    const char *name;
    int slot;
} data_keys[] = {
    {"classes", K_CLASSES},
    {"top", K_TOP},
    {"train", K_TRAIN},
    {"valid", K_VALID},
    {"labels", K_LABELS},
    {"names", K_LABELS},
    {"backup", K_BACKUP},
    {"train_labels", K_TRAIN_LABELS},
    {"valid_labels", K_VALID_LABELS},
};

#define KNOWN_KEYS "classes, top, train, valid, labels, names, backup, train_labels, valid_labels"

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
    memset(c, 0, sizeof *c);
}

/* An int in [lo, INT_MAX] written in decimal with nothing else around it. */
static int parse_int(const char *s, int lo, int *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end || errno || x < lo || x > INT_MAX)
        return 0;
    *v = (int)x;
    return 1;
}

/* The "key = value" lines of path: values (malloc'd) and line numbers per
 * slot, and the key name that filled each slot (for "names" vs "labels"). */
static im_status datacfg_read(const char *path, char *val[K_COUNT], int line_of[K_COUNT],
                              const char *name_of[K_COUNT], char *err, size_t errlen)
{
    errno = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", path, errno_str());
    char *line = NULL;
    size_t linecap = 0;
    int lineno = 0;
    im_status st = IM_OK;
    while (st == IM_OK && getline(&line, &linecap, f) >= 0) {
        lineno++;
        char *s = trim(line, 1);
        if (!*s || *s == '#' || *s == ';')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            st = im_errf(err, errlen, IM_ERR_FORMAT,
                            "%s:%d: expected \"key = value\", got \"%s\"", path, lineno, s);
            break;
        }
        *eq = '\0';
        char *key = trim(s, 1), *value = trim(eq + 1, 1);
        int slot = -1;
        const char *name = NULL;
        for (size_t i = 0; i < sizeof data_keys / sizeof data_keys[0]; i++)
            if (strcmp(key, data_keys[i].name) == 0)
                slot = data_keys[i].slot, name = data_keys[i].name;
        if (slot < 0)
            st = im_errf(err, errlen, IM_ERR_FORMAT,
                            "%s:%d: unknown key \"%s\" (known: " KNOWN_KEYS ")", path, lineno, key);
        else if (!*value)
            st = im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: empty value for %s", path, lineno,
                            key);
        else if (val[slot])
            st = im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: %s repeats %s from line %d", path,
                            lineno, key, name_of[slot], line_of[slot]);
        else if (!(val[slot] = strdup(value)))
            st = im_errf(err, errlen, IM_ERR_NOMEM, "%s:%d: out of memory", path, lineno);
        else
            line_of[slot] = lineno, name_of[slot] = name;
    }
    if (st == IM_OK && ferror(f))
        st = im_errf(err, errlen, IM_ERR_IO, "%s: cannot read: %s", path, errno_str());
    free(line);
    fclose(f);
    return st;
}

/* Checks the keys of a parsed .data file against the two forms of data.h. */
static im_status datacfg_check(const char *path, char *val[K_COUNT], const int line_of[K_COUNT],
                               int classes, int top, char *err, size_t errlen)
{
    if (!val[K_CLASSES])
        return im_errf(err, errlen, IM_ERR_FORMAT,
                          "%s: no classes key (the number of classes is required)", path);
    if (top > classes)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: top = %d exceeds classes = %d", path,
                          line_of[K_TOP], top, classes);
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
                    path, line_of[pairs[i][has_img ? 0 : 1]], names[i][has_img ? 0 : 1],
                    names[i][has_img ? 1 : 0]);
        }
    } else if (!val[K_LABELS]) {
        return im_errf(
            err, errlen, IM_ERR_FORMAT,
            "%s: no labels key (image lists need labels = a file with one class name per line;"
            " IDX files need train_labels/valid_labels)",
            path);
    }
    return IM_OK;
}

im_status im_datacfg_load(const char *path, im_datacfg *out, char *err, size_t errlen)
{
    if (!out)
        return im_errf(err, errlen, IM_ERR_ARG, "im_datacfg_load: out is NULL");
    memset(out, 0, sizeof *out);
    if (!path)
        return im_errf(err, errlen, IM_ERR_ARG, "im_datacfg_load: path is NULL");

    char *val[K_COUNT] = {0};
    int line_of[K_COUNT] = {0};
    const char *name_of[K_COUNT] = {0};
    int classes = 0, top = 1;
    im_status st = datacfg_read(path, val, line_of, name_of, err, errlen);
    if (st == IM_OK && val[K_CLASSES] && !parse_int(val[K_CLASSES], 1, &classes))
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: classes = \"%s\" is not an integer > 0",
                        path, line_of[K_CLASSES], val[K_CLASSES]);
    if (st == IM_OK && val[K_TOP] && !parse_int(val[K_TOP], 1, &top))
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s:%d: top = \"%s\" is not an integer >= 1",
                        path, line_of[K_TOP], val[K_TOP]);
    if (st == IM_OK)
        st = datacfg_check(path, val, line_of, classes, top, err, errlen);
    if (st == IM_OK && !val[K_BACKUP] && !(val[K_BACKUP] = strdup("backup")))
        st = im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory", path);
    if (st == IM_OK && !(out->path = strdup(path)))
        st = im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory", path);
    if (st != IM_OK) {
        for (int i = 0; i < K_COUNT; i++)
            free(val[i]);
        free(out->path);
        out->path = NULL;
        return st;
    }
    free(val[K_CLASSES]);
    free(val[K_TOP]);
    out->classes = classes;
    out->top = top;
    out->train = val[K_TRAIN];
    out->valid = val[K_VALID];
    out->labels = val[K_LABELS];
    out->backup = val[K_BACKUP];
    out->train_labels = val[K_TRAIN_LABELS];
    out->valid_labels = val[K_VALID_LABELS];
    out->line_train = line_of[K_TRAIN];
    out->line_valid = line_of[K_VALID];
    out->line_labels = line_of[K_LABELS];
    out->line_classes = line_of[K_CLASSES];
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
        return im_errf(err, errlen, IM_ERR_ARG, "%s: no %s key, so there is no %s split",
                          cfg->path, key, key);

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
