/* IDX reader; the format and the rules are in idx.h. zlib's gzread reads
 * gzip-compressed and plain files alike. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "darknet/data_io.h"
#include "darknet/idx.h"
#include "util/errfmt.h"

#define IDX_IMAGES_MAGIC 0x00000803u /* unsigned bytes, 3 dims */
#define IDX_LABELS_MAGIC 0x00000801u /* unsigned bytes, 1 dim */

/* IDX data is read in pieces that grow from this size, so a header that
 * claims more than the file holds fails as truncated, not as a huge malloc. */
#define IDX_FIRST_CHUNK ((size_t)1 << 20)

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
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot read: %s", path, im_data_errno_str());
    return im_errf(err, errlen, IM_ERR_FORMAT, "%s: bad gzip data: %s", path, msg);
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Reads the header, a 4-byte magic {0, 0, type 0x08, ndims} then ndims
 * big-endian uint32 sizes, into dims; *inner = the product of dims[1..).
 * The magic is checked first, so that a labels file given as images is
 * named as such rather than as a short header. Then dims[0] and *inner must
 * be non-zero and at most INT_MAX (Darknet's int sizes). */
static im_status idx_header(gzFile f, const char *path, unsigned magic, unsigned ndims,
                            uint32_t dims[3], size_t *inner, char *err, size_t errlen)
{
    const char *what = ndims == 3 ? "images" : "labels";
    unsigned char head[16];
    size_t head_len = 4 + 4 * (size_t)ndims;
    long long got = gz_read_full(f, head, 4), more = 0;
    if (got == 4)
        more = gz_read_full(f, head + 4, head_len - 4);
    if (got < 0 || more < 0)
        return gz_fail(f, path, err, errlen);
    if (got < 4)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s: truncated IDX header: %lld of %zu bytes",
                       path, got, head_len);
    unsigned found = be32(head);
    if (found != magic)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: bad magic 0x%08x, expected 0x%08x (IDX %s: unsigned bytes, %u dim%s)%s",
                       path, found, magic, what, ndims, ndims == 1 ? "" : "s",
                       found == IDX_IMAGES_MAGIC   ? " - this is an images file"
                       : found == IDX_LABELS_MAGIC ? " - this is a labels file"
                                                   : "");
    if ((size_t)more < head_len - 4)
        return im_errf(err, errlen, IM_ERR_FORMAT, "%s: truncated IDX header: %lld of %zu bytes",
                       path, 4 + more, head_len);
    *inner = 1;
    for (unsigned i = 0; i < ndims; i++) {
        dims[i] = be32(head + 4 + 4 * i);
        if (i > 0)
            *inner *= dims[i];
    }
    if (dims[0] == 0 || *inner == 0)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: the IDX header announces no data (%u %s of %zu bytes)", path,
                       (unsigned)dims[0], what, *inner);
    if (dims[0] > INT_MAX || *inner > INT_MAX)
        return im_errf(err, errlen, IM_ERR_FORMAT,
                       "%s: %u %s of %zu bytes each is too large (Darknet sizes are int)", path,
                       (unsigned)dims[0], what, *inner);
    return IM_OK;
}

/* Reads up to total bytes into a malloc'd *bytes that grows from
 * IDX_FIRST_CHUNK; *have < total means the data ended early. *bytes is
 * NULL after a failure. */
static im_status idx_read_grow(gzFile f, const char *path, size_t total, unsigned char **bytes,
                               size_t *have, char *err, size_t errlen)
{
    size_t cap = total < IDX_FIRST_CHUNK ? total : IDX_FIRST_CHUNK;
    unsigned char *buf = malloc(cap);
    *bytes = NULL;
    *have = 0;
    if (!buf)
        return im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory for %zu bytes", path, cap);
    for (;;) {
        long long got = gz_read_full(f, buf + *have, cap - *have);
        if (got < 0) {
            free(buf);
            return gz_fail(f, path, err, errlen);
        }
        *have += (size_t)got;
        if (*have < cap || cap == total)
            break;
        size_t next = cap > total / 2 ? total : 2 * cap;
        unsigned char *grown = realloc(buf, next);
        if (!grown) {
            free(buf);
            return im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory for %zu bytes", path,
                           next);
        }
        buf = grown;
        cap = next;
    }
    *bytes = buf;
    return IM_OK;
}

/* The data after the header: exactly dims[0] * inner bytes, nothing after. */
static im_status idx_body(gzFile f, const char *path, const char *what, uint32_t count,
                          size_t inner, unsigned char **bytes, char *err, size_t errlen)
{
    size_t total = (size_t)count * inner, have; /* exact: both <= INT_MAX */
    unsigned char *buf;
    im_status st = idx_read_grow(f, path, total, &buf, &have, err, errlen);
    if (st != IM_OK)
        return st;
    if (have < total)
        st = im_errf(err, errlen, IM_ERR_FORMAT,
                     "%s: truncated data: the header announces %u %s of %zu bytes (%zu bytes), "
                     "only %zu follow",
                     path, (unsigned)count, what, inner, total, have);
    if (st == IM_OK) {
        unsigned char extra;
        long long got = gz_read_full(f, &extra, 1);
        if (got < 0)
            st = gz_fail(f, path, err, errlen);
        else if (got > 0)
            st = im_errf(err, errlen, IM_ERR_FORMAT,
                         "%s: trailing data after the %zu bytes of %u %s the header announces",
                         path, total, (unsigned)count, what);
    }
    if (st == IM_OK)
        *bytes = buf;
    else
        free(buf);
    return st;
}

/* One IDX file of unsigned bytes with ndims (1 or 3) dimensions: the
 * header's sizes into dims, the data into a malloc'd *bytes. */
static im_status idx_read(const char *path, unsigned magic, unsigned ndims, uint32_t dims[3],
                          unsigned char **bytes, char *err, size_t errlen)
{
    *bytes = NULL;
    errno = 0;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return im_errf(err, errlen, IM_ERR_IO, "%s: cannot open: %s", path, im_data_errno_str());
    size_t inner = 0;
    im_status st = idx_header(f, path, magic, ndims, dims, &inner, err, errlen);
    if (st == IM_OK)
        st =
            idx_body(f, path, ndims == 3 ? "images" : "labels", dims[0], inner, bytes, err, errlen);
    gzclose(f);
    return st;
}

/* Fills out from the n images of d pixels and their labels, both checked. */
static im_status idx_fill(const char *images, const unsigned char *pix, const char *labels,
                          const unsigned char *lab, size_t n, size_t d, size_t classes,
                          im_dataset *out, char *err, size_t errlen)
{
    unsigned maxlab = 0;
    for (size_t i = 0; i < n; i++) {
        if (classes > 0 && lab[i] >= classes)
            return im_errf(err, errlen, IM_ERR_FORMAT,
                           "%s: label %u of item %zu is not below classes = %zu", labels, lab[i], i,
                           classes);
        if (lab[i] > maxlab)
            maxlab = lab[i];
    }
    out->x = malloc(n * d * sizeof *out->x);
    out->y = malloc(n * sizeof *out->y);
    if (!out->x || !out->y) {
        im_dataset_free(out);
        return im_errf(err, errlen, IM_ERR_NOMEM, "%s: out of memory for %zu images of %zu floats",
                       images, n, d);
    }
    /* Rows are already CHW with c = 1: row-major rows x cols. p/255.0 in
     * double, as Darknet's mat_to_image computes it. */
    for (size_t i = 0; i < n * d; i++)
        out->x[i] = (float)(pix[i] / 255.0);
    for (size_t i = 0; i < n; i++)
        out->y[i] = lab[i];
    out->n = n;
    out->classes = classes > 0 ? classes : (size_t)maxlab + 1;
    return IM_OK;
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
    if (ldims[0] != idims[0])
        st = im_errf(err, errlen, IM_ERR_FORMAT, "%s: %u labels, but %s holds %zu images", labels,
                     (unsigned)ldims[0], images, n);
    else
        st = idx_fill(images, pix, labels, lab, n, d, classes, out, err, errlen);
    if (st == IM_OK) {
        out->w = idims[2];
        out->h = idims[1];
        out->c = 1;
    }
    free(pix);
    free(lab);
    return st;
}
