/* Checked decoding of one image; the rules are in image_decode.h. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "darknet.h"
#include "darknet/data_io.h"
#include "darknet/image_decode.h"
#include "darknet/stbi.h"
#include "util/errfmt.h"

#define DECODED "JPEG, PNG, BMP, binary 8-bit PGM/PPM (P5/P6)"

/* "list:line: "path" " and the message. */
__attribute__((format(printf, 5, 6))) static im_status
ref_err(const im_image_ref *ref, char *err, size_t errlen, im_status st, const char *fmt, ...)
{
    im_errf(err, errlen, st, "%s:%d: \"%s\" ", ref->list, ref->line, ref->path);
    va_list ap;
    va_start(ap, fmt);
    im_verrf(err, errlen, err && errlen ? strlen(err) : 0, st, fmt, ap);
    va_end(ap);
    return st;
}

/* All of ref->path in *buf (malloc'd, *n bytes), at most IM_IMAGE_MAX_FILE. */
static im_status read_image_file(const im_image_ref *ref, unsigned char **buf, size_t *n, char *err,
                                 size_t errlen)
{
    errno = 0;
    FILE *f = fopen(ref->path, "rb");
    if (!f)
        return ref_err(ref, err, errlen, IM_ERR_IO, "cannot be opened: %s", im_data_errno_str());
    unsigned char *b = NULL;
    size_t len = 0, cap = 0, got = 1;
    im_status st = IM_OK;
    /* One byte past the limit tells an over-large file. */
    while (got > 0 && len <= IM_IMAGE_MAX_FILE) {
        if (len == cap) {
            size_t ncap = cap ? 2 * cap : 1u << 16;
            if (ncap > IM_IMAGE_MAX_FILE + 1)
                ncap = IM_IMAGE_MAX_FILE + 1;
            unsigned char *grown = realloc(b, ncap);
            if (!grown) {
                st = ref_err(ref, err, errlen, IM_ERR_NOMEM, "cannot be read: out of memory");
                break;
            }
            b = grown;
            cap = ncap;
        }
        len += got = fread(b + len, 1, cap - len, f);
    }
    if (st == IM_OK && ferror(f))
        st = ref_err(ref, err, errlen, IM_ERR_IO, "cannot be read: %s", im_data_errno_str());
    else if (st == IM_OK && len > IM_IMAGE_MAX_FILE)
        st = ref_err(ref, err, errlen, IM_ERR_FORMAT,
                     "is over the limit of %u MiB on an image file (IM_IMAGE_MAX_FILE)",
                     IM_IMAGE_MAX_FILE >> 20);
    fclose(f);
    if (st != IM_OK)
        free(b), b = NULL, len = 0;
    *buf = b;
    *n = len;
    return st;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return le16(p) | le16(p + 2) << 16;
}

/* The structural checks: NULL when b[0..n) passes, else what is wrong. */

/* The tables of a JPEG DHT segment (p[0..len)), checked as libjpeg checks
 * them: at most 256 symbols a table, and a DC table's symbols (difference
 * categories) within 0..15.  stb_image 2.19 checks neither: it writes the
 * symbols of a larger table past its 256 entries, and asserts (aborts) on
 * a DC category above 16 (and reads past its bias table at 16). */
static const char *jpeg_dht_check(const unsigned char *p, size_t len)
{
    while (len > 0) {
        size_t count = 0;
        for (size_t i = 1; i <= 16 && i < len; i++)
            count += p[i];
        if (len < 17 || count > len - 17)
            return "a Huffman table (DHT) runs past its segment";
        if (count > 256)
            return "a Huffman table (DHT) has over 256 symbols";
        for (size_t i = 0; p[0] >> 4 == 0 && i < count; i++)
            if (p[17 + i] > 15)
                return "a DC Huffman table (DHT) has a category over 15";
        p += 17 + count;
        len -= 17 + count;
    }
    return NULL;
}

/* The DHT segments of a JPEG, found as stb_image finds its markers: from
 * SOI on, a marker is 0xFF and a code (fill 0xFF bytes before it), with a
 * length unless it is TEM, RSTn, SOI or EOI; in the entropy-coded data
 * after an SOS, 0xFF 0x00 is a stuffed byte.  Up to the first EOI. */
static const char *jpeg_segments(const unsigned char *b, size_t n)
{
    size_t at = 2;
    while (at + 1 < n) {
        unsigned m = b[at + 1];
        if (b[at] != 0xff || m == 0xff) {
            at++;
            continue;
        }
        if (m == 0xd9)
            return NULL;
        if (m == 0x00 || m == 0x01 || (m >= 0xd0 && m <= 0xd8)) {
            at += 2;
            continue;
        }
        size_t len = at + 3 < n ? (size_t)b[at + 2] << 8 | b[at + 3] : 0;
        if (len < 2 || len > n - at - 2)
            return "a marker segment runs past the end of the file";
        const char *why = m == 0xc4 ? jpeg_dht_check(b + at + 4, len - 2) : NULL;
        if (why)
            return why;
        at += 2 + len;
    }
    return NULL;
}

/* JPEG: the EOI marker ends the file (only 0x00 padding may follow it),
 * and the DHT segments hold what libjpeg accepts. */
static const char *jpeg_check(const unsigned char *b, size_t n)
{
    size_t end = n;
    while (end > 0 && b[end - 1] == 0)
        end--;
    if (end < 4 || b[end - 2] != 0xff || b[end - 1] != 0xd9)
        return "it does not end with the EOI marker FF D9";
    return jpeg_segments(b, n);
}

/* The pairs of bit depth and colour type that PNG allows (and libpng
 * checks): gray 1, 2, 4, 8, 16; palette 1, 2, 4, 8; RGB, gray + alpha and
 * RGBA 8, 16.  stb_image 2.19 takes any depth of 1 to 16 with any of them,
 * and asserts (aborts) when a row of samples has more bytes than pixels
 * (RGB at 4 bits, say: found by fuzz_image_decode). */
static int png_depth_ok(unsigned depth, unsigned colour)
{
    switch (colour) {
    case 0:
        return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3:
        return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:
    case 4:
    case 6:
        return depth == 8 || depth == 16;
    default:
        return 0;
    }
}

/* PNG: an IHDR chunk first, with a bit depth and colour type PNG allows,
 * then chunks (length, type, data, CRC) that run up to an IEND chunk, each
 * CRC matching its type and data (stb_image checks no CRC, and its inflate
 * no Adler-32, so a flipped bit could decode to other pixels). */
static const char *png_check(const unsigned char *b, size_t n)
{
    if (n < 33 || be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) != 0)
        return "it does not start with an IHDR chunk";
    if (!png_depth_ok(b[24], b[25]))
        return "its IHDR pairs a bit depth with a colour type that PNG does not allow";
    for (size_t at = 8; n - at >= 12;) {
        uint32_t len = be32(b + at);
        if (len > n - at - 12)
            break;
        if (crc32(0, b + at + 4, len + 4) != be32(b + at + 8 + len))
            return "a chunk's CRC-32 does not match its bytes";
        if (memcmp(b + at + 4, "IEND", 4) == 0)
            return NULL;
        at += 12 + (size_t)len;
    }
    return "its chunks end before an IEND chunk";
}

/* BMP, uncompressed (stb_image refuses RLE): the rows from the pixel offset.
 * A size over the limits is left to the size check. */
static const char *bmp_check(const unsigned char *b, size_t n)
{
    if (n < 26 || (le32(b + 14) != 12 && n < 34))
        return "its header is cut";
    uint64_t w = le16(b + 18), h = le16(b + 20), bpp = le16(b + 24);
    if (le32(b + 14) != 12) {
        int32_t sw = (int32_t)le32(b + 18), sh = (int32_t)le32(b + 22);
        w = sw < 0 ? -(int64_t)sw : sw;
        h = sh < 0 ? -(int64_t)sh : sh;
        bpp = le16(b + 28);
        if (le32(b + 30) != 0 && le32(b + 30) != 3)
            return NULL;
    }
    if (w > IM_IMAGE_MAX_SIDE || h > IM_IMAGE_MAX_SIDE || bpp > 32)
        return NULL;
    return le32(b + 10) + (w * bpp + 31) / 32 * 4 * h <= n ? NULL : "its pixel rows end early";
}

static int pnm_space(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r';
}

/* PGM/PPM (P5/P6): width, height and maxval as stb_image reads them (blanks
 * and # comments between), maxval 255 (OpenCV scaled another, stb_image does
 * not), one blank, then width * height * channels bytes. */
static const char *pnm_check(const unsigned char *b, size_t n)
{
    size_t at = 2;
    uint64_t v[3];
    for (int i = 0; i < 3; i++) {
        while (at < n && (pnm_space(b[at]) || b[at] == '#'))
            if (b[at++] == '#')
                while (at < n && b[at] != '\n' && b[at] != '\r')
                    at++;
        size_t start = at;
        for (v[i] = 0; at < n && at - start < 9 && b[at] >= '0' && b[at] <= '9'; at++)
            v[i] = v[i] * 10 + (b[at] - '0');
        if (at == start || (at < n && b[at] >= '0' && b[at] <= '9'))
            return "its header is cut, malformed or over 9 digits a number";
    }
    if (v[2] != 255)
        return "its maxval is not 255 (only 8-bit PGM/PPM with maxval 255 is decoded)";
    if (at >= n || !pnm_space(b[at]))
        return "its header is malformed";
    uint64_t need = v[0] * v[1] * (b[1] == '6' ? 3 : 1);
    return need <= n - at - 1 ? NULL : "its pixel bytes end early";
}

/* PNG's size, from its IHDR (png_check passed): stb_image's refusal of a
 * large one would read "unknown image type". */
static int png_size(const unsigned char *b, size_t n, int *w, int *h)
{
    (void)n;
    uint32_t pw = be32(b + 16), ph = be32(b + 20);
    *w = pw > INT_MAX ? INT_MAX : (int)pw;
    *h = ph > INT_MAX ? INT_MAX : (int)ph;
    return 1;
}

/* Any other format's size, as stb_image reads its header (its reason for a
 * failure is the last format it tried, "unknown image type"). */
static int stb_size(const unsigned char *b, size_t n, int *w, int *h)
{
    int comp;
    return stbi_info_from_memory(b, (int)n, w, h, &comp);
}

typedef const char *(*body_check)(const unsigned char *b, size_t n);
typedef int (*header_size)(const unsigned char *b, size_t n, int *w, int *h);

/* Signatures: the formats decoded (with their check and size), then the ones OpenCV
 * read and stb_image does not (check NULL), named in the message. */
static const struct format {
    size_t off, len;
    const char *sig, *name;
    body_check check;
    header_size size;
} formats[] = {
    {0, 3, "\xff\xd8\xff", "JPEG", jpeg_check, stb_size},
    {0, 8, "\x89PNG\r\n\x1a\n", "PNG", png_check, png_size},
    {0, 2, "BM", "BMP", bmp_check, stb_size},
    {0, 2, "P5", "PGM", pnm_check, stb_size},
    {0, 2, "P6", "PPM", pnm_check, stb_size},
    {0, 4, "II*\0", "TIFF", NULL, NULL},
    {0, 4, "MM\0*", "TIFF", NULL, NULL},
    {8, 4, "WEBP", "WebP", NULL, NULL},
    {0, 4, "\xff\x4f\xff\x51", "JPEG 2000", NULL, NULL},
    {0, 12, "\0\0\0\x0cjP  \r\n\x87\n", "JPEG 2000", NULL, NULL},
    {0, 4, "\x59\xa6\x6a\x95", "Sun raster", NULL, NULL},
    {0, 2, "#?", "Radiance HDR", NULL, NULL},
    {0, 4, "\x76\x2f\x31\x01", "OpenEXR", NULL, NULL},
    {0, 4, "GIF8", "GIF", NULL, NULL},
    {0, 2, "P1", "ASCII PBM (P1)", NULL, NULL},
    {0, 2, "P2", "ASCII PGM (P2)", NULL, NULL},
    {0, 2, "P3", "ASCII PPM (P3)", NULL, NULL},
    {0, 2, "P4", "1-bit PBM (P4)", NULL, NULL},
    {0, 2, "P7", "PAM (P7)", NULL, NULL},
    {0, 2, "Pf", "PFM (Pf)", NULL, NULL},
    {0, 2, "PF", "PFM (PF)", NULL, NULL},
};

static const struct format *find_format(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (n >= formats[i].off + formats[i].len &&
            memcmp(b + formats[i].off, formats[i].sig, formats[i].len) == 0)
            return &formats[i];
    return NULL;
}

static const char *stb_reason(void)
{
    const char *r = stbi_failure_reason();
    return r && *r ? r : "no reason given";
}

/* b (format f) as a 3-channel Darknet image, its size checked first. */
static im_status decode_rgb(const im_image_ref *ref, const unsigned char *b, size_t n,
                            const struct format *f, image *out, char *err, size_t errlen)
{
    int iw, ih, comp, lw, lh;
    const char *name = f->name;
    if (!f->size(b, n, &iw, &ih))
        return ref_err(ref, err, errlen, IM_ERR_FORMAT,
                       "is a corrupt %s: stb_image cannot read its header", name);
    if (iw < 1 || ih < 1 || iw > IM_IMAGE_MAX_SIDE || ih > IM_IMAGE_MAX_SIDE ||
        (uint64_t)iw * (uint64_t)ih > IM_IMAGE_MAX_PIXELS)
        return ref_err(ref, err, errlen, IM_ERR_FORMAT,
                       "is %dx%d pixels: over the limit of %d pixels a side and %u in all "
                       "(IM_IMAGE_MAX_SIDE, IM_IMAGE_MAX_PIXELS)",
                       iw, ih, IM_IMAGE_MAX_SIDE, IM_IMAGE_MAX_PIXELS);
    unsigned char *px = stbi_load_from_memory(b, (int)n, &lw, &lh, &comp, 3);
    if (!px || lw != iw || lh != ih) {
        stbi_image_free(px);
        return ref_err(ref, err, errlen, IM_ERR_FORMAT, "is a corrupt %s (stb_image: %s)", name,
                       px ? "size differs from its header" : stb_reason());
    }
    *out = make_image(iw, ih, 3);
    size_t wh = (size_t)iw * (size_t)ih;
    for (size_t k = 0; out->data && k < 3; k++)
        for (size_t i = 0; i < wh; i++)
            out->data[k * wh + i] = (float)(px[3 * i + k] / 255.0);
    stbi_image_free(px);
    if (!out->data)
        return ref_err(ref, err, errlen, IM_ERR_NOMEM, "is %dx%d pixels: out of memory", iw, ih);
    return IM_OK;
}

/* im (RGB) resized to w x h as load_image does, gray for c = 1, into row;
 * frees im. */
static void to_row(image im, size_t w, size_t h, size_t c, float *row)
{
    if ((size_t)im.w != w || (size_t)im.h != h) {
        image resized = resize_image(im, (int)w, (int)h);
        free_image(im);
        im = resized;
    }
    if (c == 1) {
        image gray = grayscale_image(im);
        memcpy(row, gray.data, w * h * sizeof *row);
        free_image(gray);
    } else {
        memcpy(row, im.data, w * h * 3 * sizeof *row);
    }
    free_image(im);
}

im_status im_image_decode(const im_image_ref *ref, size_t w, size_t h, size_t c, float *row,
                          char *err, size_t errlen)
{
    unsigned char *b = NULL;
    size_t n = 0;
    im_status st = read_image_file(ref, &b, &n, err, errlen);
    if (st != IM_OK)
        return st;
    const struct format *f = find_format(b, n);
    const char *why = NULL;
    image im = {0};
    if (!f)
        st = ref_err(ref, err, errlen, IM_ERR_FORMAT, "is not an image (%s; decoded: " DECODED ")",
                     n ? "unknown signature" : "empty file");
    else if (!f->check)
        st = ref_err(ref, err, errlen, IM_ERR_FORMAT,
                     "is %s, a format not decoded here (decoded: " DECODED ")", f->name);
    else if ((why = f->check(b, n)))
        st = ref_err(ref, err, errlen, IM_ERR_FORMAT, "is a truncated or corrupt %s: %s", f->name,
                     why);
    else
        st = decode_rgb(ref, b, n, f, &im, err, errlen);
    free(b);
    if (st == IM_OK)
        to_row(im, w, h, c, row);
    return st;
}
