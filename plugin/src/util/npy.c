/* .npy reading and writing; the file layout is described in npy.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* fstat, fileno */
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "util/npy.h"
#include "util/errfmt.h"

/* Elements are kept exactly as stored, which is native order only here. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.c assumes a little-endian host"
#endif

/* The dtypes read here need headers under 300 bytes; numpy's own reader
 * refuses more than 10000 by default. */
#define MAX_HEADER 65536UL

/* Magic (6 bytes) + major + minor: numpy's MAGIC_LEN. */
#define PREAMBLE 8

/* np.save pads the preamble, length and header to a multiple of this. */
#define ARRAY_ALIGN 64

/* numpy >= 1.24 leaves room after the shape for the first axis to grow to
 * this many digits. */
#define GROWTH_AXIS_MAX_DIGITS 21

/* Longest excerpt of file content quoted in a message. */
#define SNIP 40

/* Where messages go and which file they are about. */
typedef struct ctx {
    const char *path;
    char *err;
    size_t errlen;
} ctx;

/* Write "path: message" into c->err as one line: control characters (a
 * newline in a path, say) become '?'. Returns st. */
static im_status fail(const ctx *c, im_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static im_status fail(const ctx *c, im_status st, const char *fmt, ...)
{
    va_list ap;
    im_errf(c->err, c->errlen, st, "%s: ", c->path ? c->path : "npy array");
    va_start(ap, fmt);
    im_verrf(c->err, c->errlen, c->err != NULL ? strnlen(c->err, c->errlen) : 0, st, fmt, ap);
    va_end(ap);
    return st;
}

static im_status read_error(const ctx *c)
{
    return fail(c, IM_ERR_IO, "cannot read: %s", strerror(errno ? errno : EIO));
}

/* Copy s[0..n) into out as printable ASCII ('?' for anything else), cut to
 * SNIP characters with "..." so that file content never breaks the line. */
static const char *snip(char out[SNIP + 4], const char *s, size_t n)
{
    size_t k = 0;
    for (; k < n && k < SNIP; k++) {
        unsigned char ch = (unsigned char)s[k];
        out[k] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (k < n) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

/* Room for "(d, d, ...)" with IM_NPY_MAX_DIMS 20-digit dimensions. */
#define SHAPE_STR (IM_NPY_MAX_DIMS * 24 + 8)

/* "(3, 4)", "(5,)" or "()": the Python repr numpy writes. */
static void shape_str(char out[SHAPE_STR], int ndim, const size_t *shape)
{
    size_t used = (size_t)snprintf(out, SHAPE_STR, "(");
    for (int k = 0; k < ndim && used < SHAPE_STR; k++)
        used += (size_t)snprintf(out + used, SHAPE_STR - used, "%zu%s", shape[k],
                                 k + 1 < ndim ? ", "
                                 : ndim == 1  ? ","
                                              : "");
    if (used < SHAPE_STR)
        snprintf(out + used, SHAPE_STR - used, ")");
}

/* Product of the dimensions; 0 if it overflows size_t (a zero dimension
 * makes the product 0 whatever the others are, so *overflow is set apart). */
static size_t shape_count(int ndim, const size_t *shape, int *overflow)
{
    size_t count = 1;
    *overflow = 0;
    for (int k = 0; k < ndim; k++)
        if (shape[k] == 0)
            return 0;
    for (int k = 0; k < ndim; k++) {
        if (count > SIZE_MAX / shape[k]) {
            *overflow = 1;
            return 0;
        }
        count *= shape[k];
    }
    return count;
}

static int valid_dtype(char kind, int itemsize)
{
    switch (kind) {
    case 'f':
        return itemsize == 4 || itemsize == 8;
    case 'i':
    case 'u':
        return itemsize == 1 || itemsize == 2 || itemsize == 4 || itemsize == 8;
    case 'b':
        return itemsize == 1;
    default:
        return 0;
    }
}

/* ---- header dict ------------------------------------------------------ */

/* Cursor over the header text, which is not NUL-terminated. */
typedef struct cursor {
    const char *start, *p, *end;
} cursor;

static void skip_ws(cursor *h)
{
    while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r'))
        h->p++;
}

/* Skip blanks, then consume ch if it comes next. */
static int accept(cursor *h, char ch)
{
    skip_ws(h);
    if (h->p < h->end && *h->p == ch) {
        h->p++;
        return 1;
    }
    return 0;
}

static im_status malformed(const ctx *c, const cursor *h, const char *expected)
{
    char s[SNIP + 4];
    if (h->p >= h->end)
        return fail(c, IM_ERR_FORMAT, "malformed header: expected %s, found end of header",
                    expected);
    return fail(c, IM_ERR_FORMAT, "malformed header: expected %s at byte %zu, found '%s'", expected,
                (size_t)(h->p - h->start), snip(s, h->p, (size_t)(h->end - h->p)));
}

/* A Python string literal in ' or " quotes without escapes. */
static int parse_str(cursor *h, const char **s, size_t *n)
{
    skip_ws(h);
    if (h->p >= h->end || (*h->p != '\'' && *h->p != '"'))
        return 0;
    char q = *h->p;
    const char *b = h->p + 1;
    const char *e = b;
    while (e < h->end && *e != q && *e != '\\')
        e++;
    if (e >= h->end || *e != q)
        return 0;
    *s = b;
    *n = (size_t)(e - b);
    h->p = e + 1;
    return 1;
}

static int is_ident(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

/* The word at the cursor (identifier characters), for messages. */
static const char *word_at(char out[SNIP + 4], const cursor *h)
{
    const char *e = h->p;
    while (e < h->end && (is_ident(*e) || *e == '-' || *e == '.'))
        e++;
    if (e == h->p)
        e = h->p < h->end ? h->p + 1 : h->p;
    return snip(out, h->p, (size_t)(e - h->p));
}

/* descr: "<f4" and friends. '<' and '=' (native, little-endian here) are
 * accepted for every size, '|' (no byte order) too, and '>' for one-byte
 * types, where the byte order is moot. */
static im_status parse_descr(const ctx *c, cursor *h, im_npy *out)
{
    const char *s;
    size_t n;
    char shown[SNIP + 4];
    skip_ws(h);
    if (!parse_str(h, &s, &n)) {
        if (h->p >= h->end || *h->p != '[')
            return malformed(c, h, "a quoted dtype after 'descr'");
        /* A list is a structured dtype: quote it up to its closing ']'. */
        const char *e = h->p;
        int depth = 0;
        while (e < h->end) {
            char ch = *e++;
            depth += ch == '[' ? 1 : ch == ']' ? -1 : 0;
            if (depth == 0)
                break;
        }
        return fail(c, IM_ERR_FORMAT, "unsupported dtype %s",
                    snip(shown, h->p, (size_t)(e - h->p)));
    }
    snip(shown, s, n);
    int size = n == 3 && s[2] >= '1' && s[2] <= '9' ? s[2] - '0' : 0;
    if (n != 3 || !strchr("<>|=", s[0]) || s[0] == '\0' || !valid_dtype(s[1], size))
        return fail(c, IM_ERR_FORMAT, "unsupported dtype '%s'", shown);
    if (s[0] == '>' && size > 1)
        return fail(c, IM_ERR_FORMAT, "big-endian dtype '%s' is not supported", shown);
    out->kind = s[1];
    out->itemsize = size;
    return IM_OK;
}

static im_status parse_fortran(const ctx *c, cursor *h, int *fortran)
{
    char shown[SNIP + 4];
    skip_ws(h);
    size_t left = (size_t)(h->end - h->p);
    if (left >= 4 && memcmp(h->p, "True", 4) == 0 && (left == 4 || !is_ident(h->p[4]))) {
        h->p += 4;
        *fortran = 1;
        return IM_OK;
    }
    if (left >= 5 && memcmp(h->p, "False", 5) == 0 && (left == 5 || !is_ident(h->p[5]))) {
        h->p += 5;
        *fortran = 0;
        return IM_OK;
    }
    if (left == 0)
        return malformed(c, h, "True or False after 'fortran_order'");
    return fail(c, IM_ERR_FORMAT, "malformed header: fortran_order must be True or False, got '%s'",
                word_at(shown, h));
}

/* One non-negative dimension (Python 2 numpy wrote a trailing 'L'). */
static im_status parse_dim(const ctx *c, cursor *h, size_t *dim)
{
    char shown[SNIP + 4];
    skip_ws(h);
    const char *b = h->p;
    if (b < h->end && *b == '-')
        return fail(c, IM_ERR_FORMAT, "negative dimension '%s' in shape", word_at(shown, h));
    size_t v = 0;
    int overflow = 0;
    while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
        size_t d = (size_t)(*h->p - '0');
        if (v > (SIZE_MAX - d) / 10)
            overflow = 1;
        else
            v = v * 10 + d;
        h->p++;
    }
    if (h->p == b)
        return malformed(c, h, "a dimension in shape");
    if (overflow)
        return fail(c, IM_ERR_FORMAT, "dimension %s in shape is too large",
                    snip(shown, b, (size_t)(h->p - b)));
    if (h->p < h->end && *h->p == 'L')
        h->p++;
    *dim = v;
    return IM_OK;
}

/* shape: "()", "(5,)", "(3, 4)", "(3, 4,)". "(5)" is an int in Python, not a
 * tuple, and numpy rejects it too. */
static im_status parse_shape(const ctx *c, cursor *h, im_npy *out)
{
    char shown[SNIP + 4];
    if (!accept(h, '('))
        return fail(c, IM_ERR_FORMAT, "malformed header: shape must be a tuple, got '%s'",
                    word_at(shown, h));
    const char *open = h->p - 1;
    int ndim = 0;
    for (;;) {
        if (accept(h, ')'))
            break;
        if (ndim == IM_NPY_MAX_DIMS)
            return fail(c, IM_ERR_FORMAT, "shape has more than %d dimensions", IM_NPY_MAX_DIMS);
        im_status st = parse_dim(c, h, &out->shape[ndim]);
        if (st != IM_OK)
            return st;
        ndim++;
        if (accept(h, ','))
            continue;
        if (accept(h, ')')) {
            if (ndim == 1)
                return fail(c, IM_ERR_FORMAT,
                            "malformed header: shape '%s' is not a tuple (needs a comma)",
                            snip(shown, open, (size_t)(h->p - open)));
            break;
        }
        return malformed(c, h, "',' or ')' in shape");
    }
    out->ndim = ndim;
    return IM_OK;
}

/* The dict: the three keys numpy writes, each once, in any order, with an
 * optional trailing comma; only blanks may follow the closing brace. */
static im_status parse_header(const ctx *c, const char *text, size_t len, im_npy *out)
{
    cursor h = {text, text, text + len};
    int have_descr = 0, have_fortran = 0, have_shape = 0, fortran = 0;
    char shown[SNIP + 4];
    if (!accept(&h, '{'))
        return malformed(c, &h, "'{'");
    for (;;) {
        const char *key;
        size_t klen;
        im_status st;
        if (accept(&h, '}'))
            break;
        if (!parse_str(&h, &key, &klen))
            return malformed(c, &h, "a quoted key or '}'");
        if (!accept(&h, ':'))
            return malformed(c, &h, "':' after a key");
        int *seen;
        if (klen == 5 && memcmp(key, "descr", 5) == 0) {
            seen = &have_descr;
            st = *seen ? IM_OK : parse_descr(c, &h, out);
        } else if (klen == 13 && memcmp(key, "fortran_order", 13) == 0) {
            seen = &have_fortran;
            st = *seen ? IM_OK : parse_fortran(c, &h, &fortran);
        } else if (klen == 5 && memcmp(key, "shape", 5) == 0) {
            seen = &have_shape;
            st = *seen ? IM_OK : parse_shape(c, &h, out);
        } else {
            return fail(c, IM_ERR_FORMAT, "unexpected key '%s' in header", snip(shown, key, klen));
        }
        if (*seen)
            return fail(c, IM_ERR_FORMAT, "key '%s' appears twice in header",
                        snip(shown, key, klen));
        if (st != IM_OK)
            return st;
        *seen = 1;
        if (accept(&h, ','))
            continue;
        if (accept(&h, '}'))
            break;
        return malformed(c, &h, "',' or '}'");
    }
    skip_ws(&h);
    if (h.p < h.end)
        return malformed(c, &h, "only blanks after '}'");
    if (!have_descr || !have_fortran || !have_shape)
        return fail(c, IM_ERR_FORMAT, "header has no '%s'",
                    !have_descr     ? "descr"
                    : !have_fortran ? "fortran_order"
                                    : "shape");
    if (fortran)
        return fail(c, IM_ERR_FORMAT, "Fortran order is not supported");
    return IM_OK;
}

/* ---- load ----------------------------------------------------------- */

/* The file's size, when it is a regular file (*sized = 1). */
static im_status file_size(const ctx *c, FILE *f, int *sized, unsigned long long *fsize)
{
    struct stat sb;
    *sized = 0;
    *fsize = 0;
    if (fstat(fileno(f), &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return fail(c, IM_ERR_IO, "cannot read: %s", strerror(EISDIR));
        if (S_ISREG(sb.st_mode)) {
            *sized = 1;
            *fsize = (unsigned long long)sb.st_size;
        }
    }
    return IM_OK;
}

/* Preamble: magic, major, minor, then 2 or 4 bytes of header length;
 * *lenbytes gets that width and *hlen the header length. */
static im_status read_preamble(const ctx *c, FILE *f, size_t *lenbytes, unsigned long *hlen)
{
    unsigned char pre[PREAMBLE + 4];
    errno = 0;
    size_t got = fread(pre, 1, PREAMBLE, f);
    if (got < PREAMBLE && ferror(f))
        return read_error(c);
    if (got == 0)
        return fail(c, IM_ERR_FORMAT, "empty file (not a .npy file)");
    if (got < 6 || memcmp(pre, "\x93NUMPY", 6) != 0)
        return fail(c, IM_ERR_FORMAT, "not a .npy file (bad magic)");
    if (got < PREAMBLE)
        return fail(c, IM_ERR_FORMAT, "truncated header: file has only %zu bytes", got);
    unsigned major = pre[6], minor = pre[7];
    if (minor != 0 || major < 1 || major > 3)
        return fail(c, IM_ERR_FORMAT, "unsupported .npy format version %u.%u", major, minor);
    *lenbytes = major == 1 ? 2 : 4;
    got = fread(pre + PREAMBLE, 1, *lenbytes, f);
    if (got < *lenbytes) {
        if (ferror(f))
            return read_error(c);
        return fail(c, IM_ERR_FORMAT, "truncated header: file has only %zu bytes", PREAMBLE + got);
    }
    *hlen = (unsigned long)pre[8] | (unsigned long)pre[9] << 8;
    if (*lenbytes == 4)
        *hlen |= (unsigned long)pre[10] << 16 | (unsigned long)pre[11] << 24;
    if (*hlen > MAX_HEADER)
        return fail(c, IM_ERR_FORMAT, "header too long: %lu bytes (limit %lu)", *hlen, MAX_HEADER);
    return IM_OK;
}

/* The header text of hlen bytes, parsed into out. */
static im_status read_header(const ctx *c, FILE *f, unsigned long hlen, im_npy *out)
{
    char *text = malloc(hlen ? hlen : 1);
    if (!text)
        return fail(c, IM_ERR_NOMEM, "cannot allocate %lu bytes for the header", hlen);
    size_t got = fread(text, 1, hlen, f);
    if (got < hlen) {
        free(text);
        if (ferror(f))
            return read_error(c);
        return fail(c, IM_ERR_FORMAT, "truncated header: header says %lu bytes, file has %zu", hlen,
                    got);
    }
    im_status st = parse_header(c, text, hlen, out);
    free(text);
    return st;
}

/* The data: its size checked against the file's (avail bytes after the
 * header, when sized) before the allocation, then read to EOF. */
static im_status read_data(const ctx *c, FILE *f, int sized, unsigned long long avail, im_npy *out)
{
    char shown[SHAPE_STR];
    int overflow;
    out->count = shape_count(out->ndim, out->shape, &overflow);
    if (overflow || out->count > SIZE_MAX / (size_t)out->itemsize) {
        shape_str(shown, out->ndim, out->shape);
        return fail(c, IM_ERR_FORMAT, "shape %s is too large", shown);
    }
    size_t nbytes = out->count * (size_t)out->itemsize;
    if (sized && avail < nbytes)
        return fail(c, IM_ERR_FORMAT, "truncated: header says %zu bytes of data, file has %llu",
                    nbytes, avail);
    if (sized && avail > nbytes)
        return fail(c, IM_ERR_FORMAT, "file has %llu bytes after the data", avail - nbytes);
    out->data = malloc(nbytes ? nbytes : 1);
    if (!out->data)
        return fail(c, IM_ERR_NOMEM, "cannot allocate %zu bytes for the data", nbytes);
    size_t got = fread(out->data, 1, nbytes, f);
    if (got < nbytes) {
        if (ferror(f))
            return read_error(c);
        return fail(c, IM_ERR_FORMAT, "truncated: header says %zu bytes of data, file has %zu",
                    nbytes, got);
    }
    /* A stream of unknown size (or a file that grew) may still hold more. */
    unsigned long long extra = 0;
    char buf[4096];
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        extra += got;
    if (ferror(f))
        return read_error(c);
    if (extra)
        return fail(c, IM_ERR_FORMAT, "file has %llu bytes after the data", extra);
    return IM_OK;
}

/* The file is checked against its size (when it is a regular file) before
 * anything large is allocated; a stream of unknown size is read until EOF. */
static im_status load_file(const ctx *c, FILE *f, im_npy *out)
{
    int sized;
    unsigned long long fsize;
    size_t lenbytes = 0;
    unsigned long hlen = 0;
    im_status st = file_size(c, f, &sized, &fsize);
    if (st != IM_OK || (st = read_preamble(c, f, &lenbytes, &hlen)) != IM_OK)
        return st;
    unsigned long long offset = PREAMBLE + lenbytes + hlen;
    if (sized && fsize < offset)
        return fail(c, IM_ERR_FORMAT, "truncated header: header says %lu bytes, file has %llu",
                    hlen, fsize > PREAMBLE + lenbytes ? fsize - PREAMBLE - lenbytes : 0);
    if ((st = read_header(c, f, hlen, out)) != IM_OK)
        return st;
    return read_data(c, f, sized, sized ? fsize - offset : 0, out);
}

im_status im_npy_load(const char *path, im_npy *out, char *err, size_t errlen)
{
    ctx c = {path, err, errlen};
    if (err && errlen)
        err[0] = '\0';
    if (out)
        memset(out, 0, sizeof *out);
    if (!path || !out)
        return fail(&c, IM_ERR_ARG, "im_npy_load needs a path and an output array");
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(&c, IM_ERR_IO, "cannot open: %s", strerror(errno));
    im_status st = load_file(&c, f, out);
    fclose(f);
    if (st != IM_OK)
        im_npy_free(out);
    return st;
}

void im_npy_free(im_npy *a)
{
    if (!a)
        return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* ---- conversions ------------------------------------------------------ */

/* a is usable: a known dtype, and data unless it is empty. */
static im_status check_array(const ctx *c, const im_npy *a, const void *out)
{
    if (!a || !out)
        return fail(c, IM_ERR_ARG, "no array or no output pointer");
    if (!valid_dtype(a->kind, a->itemsize))
        return fail(c, IM_ERR_ARG, "invalid array dtype (kind %d, itemsize %d)", a->kind,
                    a->itemsize);
    if (a->count > 0 && !a->data)
        return fail(c, IM_ERR_ARG, "array of %zu elements has no data", a->count);
    return IM_OK;
}

/* kind and itemsize as one switch value. */
#define DTYPE(kind, size) ((kind)*16 + (size))

/* Apply BODY to each element v (of type T) of the array a in scope. */
#define EACH(T, BODY)                                                                              \
    do {                                                                                           \
        const T *src_ = a->data;                                                                   \
        for (size_t k = 0; k < a->count; k++) {                                                    \
            T v = src_[k];                                                                         \
            BODY;                                                                                  \
        }                                                                                          \
    } while (0)

im_status im_npy_as_float(const im_npy *a, float **out, char *err, size_t errlen)
{
    ctx c = {NULL, err, errlen};
    if (out)
        *out = NULL;
    im_status st = check_array(&c, a, out);
    if (st != IM_OK)
        return st;
    if (a->count > SIZE_MAX / sizeof(float))
        return fail(&c, IM_ERR_NOMEM, "cannot allocate %zu floats", a->count);
    float *dst = malloc(a->count ? a->count * sizeof(float) : 1);
    if (!dst)
        return fail(&c, IM_ERR_NOMEM, "cannot allocate %zu floats", a->count);
    /* C11 Annex F (IEEE) conversions: doubles beyond FLT_MAX become +-inf. */
    switch (DTYPE(a->kind, a->itemsize)) {
    case DTYPE('f', 4):
        if (a->count)
            memcpy(dst, a->data, a->count * sizeof(float));
        break;
    case DTYPE('f', 8):
        EACH(double, dst[k] = (float)v);
        break;
    case DTYPE('i', 1):
        EACH(int8_t, dst[k] = (float)v);
        break;
    case DTYPE('i', 2):
        EACH(int16_t, dst[k] = (float)v);
        break;
    case DTYPE('i', 4):
        EACH(int32_t, dst[k] = (float)v);
        break;
    case DTYPE('i', 8):
        EACH(int64_t, dst[k] = (float)v);
        break;
    case DTYPE('u', 1):
        EACH(uint8_t, dst[k] = (float)v);
        break;
    case DTYPE('u', 2):
        EACH(uint16_t, dst[k] = (float)v);
        break;
    case DTYPE('u', 4):
        EACH(uint32_t, dst[k] = (float)v);
        break;
    case DTYPE('u', 8):
        EACH(uint64_t, dst[k] = (float)v);
        break;
    default:
        EACH(uint8_t, dst[k] = v ? 1.0f : 0.0f);
        break; /* 'b' */
    }
    *out = dst;
    return IM_OK;
}

/* v for a message: integers in full (below 1e18), otherwise the shortest %g
 * that reads back as the same float (single) or double. */
static const char *num_str(char out[40], double v, int single)
{
    if (v != v)
        return "nan";
    if (v > -1e18 && v < 1e18 && (double)(long long)v == v) {
        snprintf(out, 40, "%lld", (long long)v);
        return out;
    }
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(out, 40, "%.*g", digits, v);
        if (single ? strtof(out, NULL) == (float)v : strtod(out, NULL) == v)
            break;
    }
    return out;
}

/* A float label: integral and within int32. The range test also rejects NaN. */
static im_status float_label(const ctx *c, double v, int single, size_t k, int32_t *label)
{
    char shown[40];
    if (!(v > -2147483649.0 && v < 2147483648.0)) {
        if (v != v || v - v != 0.0) /* NaN or infinite */
            return fail(c, IM_ERR_FORMAT, "label %s at element %zu is not an integer",
                        num_str(shown, v, single), k);
        return fail(c, IM_ERR_FORMAT, "label %s at element %zu is out of int32 range",
                    num_str(shown, v, single), k);
    }
    int32_t i = (int32_t)v;
    if ((double)i != v)
        return fail(c, IM_ERR_FORMAT, "label %s at element %zu is not an integer",
                    num_str(shown, v, single), k);
    *label = i;
    return IM_OK;
}

im_status im_npy_as_labels(const im_npy *a, const char *path, int32_t **out, char *err,
                           size_t errlen)
{
    ctx c = {path, err, errlen};
    if (out)
        *out = NULL;
    im_status st = check_array(&c, a, out);
    if (st != IM_OK)
        return st;
    if (a->count > SIZE_MAX / sizeof(int32_t))
        return fail(&c, IM_ERR_NOMEM, "cannot allocate %zu labels", a->count);
    int32_t *dst = malloc(a->count ? a->count * sizeof(int32_t) : 1);
    if (!dst)
        return fail(&c, IM_ERR_NOMEM, "cannot allocate %zu labels", a->count);

#define SIGNED_LABEL                                                                               \
    if (v < INT32_MIN || v > INT32_MAX) {                                                          \
        st = fail(&c, IM_ERR_FORMAT, "label %lld at element %zu is out of int32 range",            \
                  (long long)v, k);                                                                \
        break;                                                                                     \
    }                                                                                              \
    dst[k] = (int32_t)v
#define UNSIGNED_LABEL                                                                             \
    if ((uint64_t)v > INT32_MAX) {                                                                 \
        st = fail(&c, IM_ERR_FORMAT, "label %llu at element %zu is out of int32 range",            \
                  (unsigned long long)v, k);                                                       \
        break;                                                                                     \
    }                                                                                              \
    dst[k] = (int32_t)v
#define FLOAT_LABEL(single)                                                                        \
    if ((st = float_label(&c, v, single, k, &dst[k])) != IM_OK)                                    \
    break

    switch (DTYPE(a->kind, a->itemsize)) {
    case DTYPE('f', 4):
        EACH(float, FLOAT_LABEL(1));
        break;
    case DTYPE('f', 8):
        EACH(double, FLOAT_LABEL(0));
        break;
    case DTYPE('i', 1):
        EACH(int8_t, dst[k] = v);
        break;
    case DTYPE('i', 2):
        EACH(int16_t, dst[k] = v);
        break;
    case DTYPE('i', 4):
        EACH(int32_t, dst[k] = v);
        break;
    case DTYPE('i', 8):
        EACH(int64_t, SIGNED_LABEL);
        break;
    case DTYPE('u', 1):
        EACH(uint8_t, dst[k] = v);
        break;
    case DTYPE('u', 2):
        EACH(uint16_t, dst[k] = v);
        break;
    case DTYPE('u', 4):
        EACH(uint32_t, UNSIGNED_LABEL);
        break;
    case DTYPE('u', 8):
        EACH(uint64_t, UNSIGNED_LABEL);
        break;
    default:
        EACH(uint8_t, dst[k] = v ? 1 : 0);
        break; /* 'b' */
    }
#undef SIGNED_LABEL
#undef UNSIGNED_LABEL
#undef FLOAT_LABEL
    if (st != IM_OK) {
        free(dst);
        return st;
    }
    *out = dst;
    return IM_OK;
}

/* ---- save ------------------------------------------------------------- */

/* The header np.save writes for a little-endian C-order array of descr
 * ('<f4', '<i4') and shape: magic, version 1.0, uint16 LE length, then the
 * dict, growth room, spaces and '\n' up to a multiple of ARRAY_ALIGN.
 * Returns its length in bytes. */
static size_t npy_header(char *hdr, size_t cap, const char *descr, int ndim, const size_t *shape)
{
    char shown[SHAPE_STR];
    shape_str(shown, ndim, shape);
    memcpy(hdr, "\x93NUMPY\x01\x00", PREAMBLE);
    int n = snprintf(hdr + PREAMBLE + 2, cap - PREAMBLE - 2,
                     "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shown);
    size_t len = (size_t)n;
    if (ndim > 0) {
        char first[24];
        size_t growth =
            GROWTH_AXIS_MAX_DIGITS - (size_t)snprintf(first, sizeof first, "%zu", shape[0]);
        memset(hdr + PREAMBLE + 2 + len, ' ', growth);
        len += growth;
    }
    size_t pad = ARRAY_ALIGN - (PREAMBLE + 2 + len + 1) % ARRAY_ALIGN;
    memset(hdr + PREAMBLE + 2 + len, ' ', pad);
    len += pad;
    hdr[PREAMBLE + 2 + len++] = '\n';
    hdr[PREAMBLE] = (char)(len & 0xff);
    hdr[PREAMBLE + 1] = (char)(len >> 8);
    return PREAMBLE + 2 + len;
}

/* The checks of a write's arguments; *count gets the number of elements. */
static im_status write_args(const ctx *c, im_npy_dtype type, const void *data, int ndim,
                            const size_t *shape, size_t *count)
{
    if (type != IM_NPY_F32 && type != IM_NPY_I32)
        return fail(c, IM_ERR_ARG, "unknown element type %d", (int)type);
    if (ndim < 0 || ndim > IM_NPY_MAX_DIMS)
        return fail(c, IM_ERR_ARG, "cannot write %d dimensions (0..%d)", ndim, IM_NPY_MAX_DIMS);
    if (ndim > 0 && !shape)
        return fail(c, IM_ERR_ARG, "no shape for %d dimensions", ndim);
    char shown[SHAPE_STR];
    shape_str(shown, ndim, shape);
    int overflow;
    *count = shape_count(ndim, shape, &overflow);
    if (overflow || *count > SIZE_MAX / 4)
        return fail(c, IM_ERR_ARG, "shape %s is too large", shown);
    if (*count > 0 && !data)
        return fail(c, IM_ERR_ARG, "no data for shape %s", shown);
    return IM_OK;
}

im_status im_npy_write(FILE *f, const char *path, im_npy_dtype type, const void *data, int ndim,
                       const size_t *shape, char *err, size_t errlen)
{
    ctx c = {path ? path : "(stream)", err, errlen};
    if (err && errlen)
        err[0] = '\0';
    size_t count;
    im_status st = f ? write_args(&c, type, data, ndim, shape, &count)
                     : fail(&c, IM_ERR_ARG, "no output stream");
    if (st != IM_OK)
        return st;
    char hdr[PREAMBLE + 2 + SHAPE_STR + 64 + GROWTH_AXIS_MAX_DIGITS + ARRAY_ALIGN + 1];
    size_t len = npy_header(hdr, sizeof hdr, type == IM_NPY_F32 ? "<f4" : "<i4", ndim, shape);
    errno = 0;
    if (fwrite(hdr, 1, len, f) != len || (count > 0 && fwrite(data, 4, count, f) != count))
        return fail(&c, IM_ERR_IO, "cannot write: %s", strerror(errno ? errno : EIO));
    return IM_OK;
}

im_status im_npy_save_f32(const char *path, const float *data, int ndim, const size_t *shape,
                          char *err, size_t errlen)
{
    ctx c = {path, err, errlen};
    if (err && errlen)
        err[0] = '\0';
    size_t count;
    im_status st = path ? write_args(&c, IM_NPY_F32, data, ndim, shape, &count)
                        : fail(&c, IM_ERR_ARG, "no output path");
    if (st != IM_OK)
        return st;
    FILE *f = fopen(path, "wb");
    if (!f)
        return fail(&c, IM_ERR_IO, "cannot open for writing: %s", strerror(errno));
    /* Only a regular file is removed after a failed write (never /dev/...). */
    struct stat sb;
    int regular = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode);
    st = im_npy_write(f, path, IM_NPY_F32, data, ndim, shape, err, errlen);
    errno = 0;
    if (st == IM_OK && fflush(f) != 0)
        st = fail(&c, IM_ERR_IO, "cannot write: %s", strerror(errno ? errno : EIO));
    if (fclose(f) != 0 && st == IM_OK)
        st = fail(&c, IM_ERR_IO, "cannot write: %s", strerror(errno ? errno : EIO));
    if (st != IM_OK && regular)
        remove(path);
    return st;
}
