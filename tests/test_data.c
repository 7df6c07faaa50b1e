/* The Darknet adapter's data loaders. Every input is written here at test
 * time, into a mkdtemp folder that is also the working directory (so paths
 * are short, relative, and free of the folder's random name): IDX files plain
 * and gzipped, PGM/PPM, PNG, BMP and JPEG images (the last three with
 * libdarknet's stb_image_write), broken ones, image lists, labels and .data
 * files. */
#include "tmpdir_fixture.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "darknet.h"
#include "darknet/data.h"
#include "darknet/image_decode.h"
#include "darknet/stbi.h"

/* ---- writers ----------------------------------------------------------- */

/* Creates the directories above path. */
static void make_parents(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
}

/* Writes n bytes, through zlib's gzip writer when gz. */
static void write_bytes(const char *path, int gz, const void *data, size_t n)
{
    make_parents(path);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(gzwrite(f, data, (unsigned)n), (int)n);
        assert_int_equal(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, n, f), n);
        assert_int_equal(fclose(f), 0);
    }
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, 0, text, strlen(text));
}

/* An IDX file: big-endian magic and nd dims, then n data bytes (n may differ
 * from what the dims announce, to make broken files). */
static void write_idx(const char *path, int gz, uint32_t magic, const uint32_t *dims, unsigned nd,
                      const unsigned char *data, size_t n)
{
    unsigned char *buf = malloc(4 + 4 * nd + n + 1);
    assert_non_null(buf);
    uint32_t words[4] = {magic};
    for (unsigned i = 0; i < nd; i++)
        words[i + 1] = dims[i];
    for (unsigned i = 0; i <= nd; i++)
        for (unsigned b = 0; b < 4; b++)
            buf[4 * i + b] = (unsigned char)(words[i] >> (24 - 8 * b));
    if (n)
        memcpy(buf + 4 + 4 * nd, data, n);
    write_bytes(path, gz, buf, 4 + 4 * nd + n);
    free(buf);
}

/* A binary PGM (P5, c = 1) or PPM (P6, c = 3) of w x h, pixels row-major with
 * interleaved channels. */
static void write_pnm(const char *path, size_t w, size_t h, size_t c, const unsigned char *pix)
{
    char head[64];
    int hl = snprintf(head, sizeof head, "%s\n%zu %zu\n255\n", c == 1 ? "P5" : "P6", w, h);
    unsigned char *buf = malloc((size_t)hl + w * h * c);
    assert_non_null(buf);
    memcpy(buf, head, (size_t)hl);
    memcpy(buf + hl, pix, w * h * c);
    write_bytes(path, 0, buf, (size_t)hl + w * h * c);
    free(buf);
}

/* A w x h image of one colour (c values). */
static void write_flat(const char *path, size_t w, size_t h, size_t c, const unsigned char *colour)
{
    unsigned char *pix = malloc(w * h * c);
    assert_non_null(pix);
    for (size_t i = 0; i < w * h; i++)
        memcpy(pix + i * c, colour, c);
    write_pnm(path, w, h, c, pix);
    free(pix);
}

/* ---- checks ------------------------------------------------------------ */

/* status is want and err contains each of the NULL-terminated strings. */
static void expect_err(im_status got, im_status want, const char *err, ...)
{
    if (got != want)
        fail_msg("status %d, expected %d; message: %s", (int)got, (int)want, err);
    va_list ap;
    va_start(ap, err);
    for (const char *s; (s = va_arg(ap, const char *));)
        if (!strstr(err, s))
            fail_msg("message \"%s\" lacks \"%s\"", err, s);
    va_end(ap);
    assert_null(strchr(err, '\n'));
}

static void expect_empty(const im_dataset *d)
{
    assert_int_equal(d->n, 0);
    assert_null(d->x);
    assert_null(d->y);
}

/* Every value of a w*h plane within tol of v. */
static void expect_plane(const float *x, size_t wh, double v, double tol)
{
    for (size_t i = 0; i < wh; i++)
        if (!(x[i] >= v - tol && x[i] <= v + tol))
            fail_msg("pixel %zu = %.6f, expected %.6f +- %.6f", i, (double)x[i], v, tol);
}

/* ---- IDX --------------------------------------------------------------- */

enum { N = 5, ROWS = 4, COLS = 3 };
static const uint32_t img_dims[3] = {N, ROWS, COLS}, lab_dims[1] = {N};
static const unsigned char lab_vals[N] = {2, 0, 1, 2, 0};

static void fill_pixels(unsigned char *pix)
{
    for (size_t i = 0; i < N * ROWS * COLS; i++)
        pix[i] = (unsigned char)(i * 37 + 11);
}

/* A valid pair: <stem>-images and <stem>-labels, gzipped when gz. */
static void write_pair(const char *img, const char *lab, int gz)
{
    unsigned char pix[N * ROWS * COLS];
    fill_pixels(pix);
    write_idx(img, gz, 0x803, img_dims, 3, pix, sizeof pix);
    write_idx(lab, gz, 0x801, lab_dims, 1, lab_vals, N);
}

static void idx_values(void **state)
{
    (void)state;
    char err[512] = "";
    unsigned char pix[N * ROWS * COLS];
    fill_pixels(pix);
    write_pair("idx/plain-images", "idx/plain-labels", 0);
    for (size_t classes = 0; classes <= 3; classes += 3) {
        im_dataset d;
        assert_int_equal(im_idx_load("idx/plain-images", "idx/plain-labels", classes, &d, err, sizeof err), IM_OK);
        assert_int_equal(d.n, N);
        assert_int_equal(d.w, COLS);
        assert_int_equal(d.h, ROWS);
        assert_int_equal(d.c, 1);
        assert_int_equal(d.classes, 3); /* given, or max label + 1 */
        for (size_t i = 0; i < N * ROWS * COLS; i++)
            assert_true(d.x[i] == (float)(pix[i] / 255.0));
        for (size_t i = 0; i < N; i++)
            assert_int_equal(d.y[i], lab_vals[i]);
        im_dataset_free(&d);
        expect_empty(&d);
    }
    im_dataset_free(NULL);
}

static void idx_gzip_matches_plain(void **state)
{
    (void)state;
    char err[512] = "";
    write_pair("idx/plain-images", "idx/plain-labels", 0);
    write_pair("idx/gz-images.gz", "idx/gz-labels.gz", 1);
    im_dataset a, b, c;
    assert_int_equal(im_idx_load("idx/plain-images", "idx/plain-labels", 3, &a, err, sizeof err), IM_OK);
    assert_int_equal(im_idx_load("idx/gz-images.gz", "idx/gz-labels.gz", 3, &b, err, sizeof err), IM_OK);
    assert_int_equal(im_idx_load("idx/gz-images.gz", "idx/plain-labels", 3, &c, err, sizeof err), IM_OK);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.x, b.x, N * ROWS * COLS * sizeof(float));
    assert_memory_equal(a.y, b.y, N * sizeof(int32_t));
    assert_memory_equal(a.x, c.x, N * ROWS * COLS * sizeof(float));
    im_dataset_free(&a);
    im_dataset_free(&b);
    im_dataset_free(&c);
}

static void idx_errors(void **state)
{
    (void)state;
    char err[512];
    unsigned char pix[N * ROWS * COLS + 1];
    fill_pixels(pix);
    pix[N * ROWS * COLS] = 9;
    write_pair("bad/images", "bad/labels", 0);
    im_dataset d;

    write_idx("bad/magic", 0, 0x801, img_dims, 3, pix, N * ROWS * COLS);
    expect_err(im_idx_load("bad/magic", "bad/labels", 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/magic", "0x00000801", "0x00000803", NULL);
    expect_empty(&d);
    /* Swapped arguments: the labels file is not an images file. */
    expect_err(im_idx_load("bad/labels", "bad/images", 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/labels", "labels file", NULL);

    write_bytes("bad/short-header", 0, "\0\0\x08\x03\0\0", 6);
    expect_err(im_idx_load("bad/short-header", "bad/labels", 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/short-header", "truncated IDX header", "6 of 16", NULL);

    write_idx("bad/short-data", 0, 0x803, img_dims, 3, pix, 50);
    expect_err(im_idx_load("bad/short-data", "bad/labels", 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/short-data", "truncated data", "(60 bytes)", "only 50 follow", NULL);
    write_idx("bad/short-data.gz", 1, 0x803, img_dims, 3, pix, 50);
    expect_err(im_idx_load("bad/short-data.gz", "bad/labels", 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/short-data.gz", "truncated data", NULL);

    /* A header that claims 784 MB over 10 bytes fails as truncated, without
     * allocating what the header claims. */
    const uint32_t huge[3] = {1000000, 28, 28};
    write_idx("bad/huge", 0, 0x803, huge, 3, pix, 10);
    expect_err(im_idx_load("bad/huge", "bad/labels", 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/huge", "truncated data", "1000000 images", NULL);

    write_idx("bad/trailing", 0, 0x803, img_dims, 3, pix, N * ROWS * COLS + 1);
    expect_err(im_idx_load("bad/trailing", "bad/labels", 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/trailing", "trailing data", NULL);
    write_idx("bad/trailing.gz", 1, 0x803, img_dims, 3, pix, N * ROWS * COLS + 1);
    expect_err(im_idx_load("bad/trailing.gz", "bad/labels", 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/trailing.gz", "trailing data", NULL);
    const uint32_t four[1] = {4};
    write_idx("bad/labels-trailing", 0, 0x801, four, 1, lab_vals, 5);
    expect_err(im_idx_load("bad/images", "bad/labels-trailing", 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/labels-trailing", "trailing data", NULL);

    write_idx("bad/labels4", 0, 0x801, four, 1, lab_vals, 4);
    expect_err(im_idx_load("bad/images", "bad/labels4", 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/labels4", "4 labels", "bad/images", "5 images", NULL);

    expect_err(im_idx_load("bad/images", "bad/labels", 2, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/labels", "label 2 of item 0", "classes = 2", NULL);
    expect_empty(&d);

    expect_err(im_idx_load("bad/none", "bad/labels", 3, &d, err, sizeof err), IM_ERR_IO, err,
               "bad/none", "cannot open", NULL);
    expect_err(im_idx_load("bad/images", "bad/none", 3, &d, err, sizeof err), IM_ERR_IO, err,
               "bad/none", NULL);

    const uint32_t empty[3] = {0, ROWS, COLS};
    write_idx("bad/empty", 0, 0x803, empty, 3, pix, 0);
    expect_err(im_idx_load("bad/empty", "bad/labels", 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/empty", "no data", NULL);

    /* A gzip stream with a corrupted body. */
    write_pair("bad/gz-images.gz", "bad/gz-labels.gz", 1);
    FILE *f = fopen("bad/gz-images.gz", "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    for (long at = 12; at < size - 8; at++) {
        fseek(f, at, SEEK_SET);
        fputc(0xff, f);
    }
    fclose(f);
    expect_err(im_idx_load("bad/gz-images.gz", "bad/labels", 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "bad/gz-images.gz", NULL);
    expect_empty(&d);
}

/* ---- labels files ------------------------------------------------------ */

static void labels_files(void **state)
{
    (void)state;
    char err[512];
    char **labels;
    size_t n;
    write_text("lab/ok.txt", "  cat \r\n\n dog\t\r\n \nApple Braeburn\n");
    assert_int_equal(im_labels_load("lab/ok.txt", &labels, &n, err, sizeof err), IM_OK);
    assert_int_equal(n, 3);
    assert_string_equal(labels[0], "cat");
    assert_string_equal(labels[1], "dog");
    assert_string_equal(labels[2], "Apple Braeburn");
    im_labels_free(labels, n);

    expect_err(im_labels_load("lab/none.txt", &labels, &n, err, sizeof err), IM_ERR_IO, err,
               "lab/none.txt", "cannot open", NULL);
    assert_null(labels);
    write_text("lab/blank.txt", "\n  \r\n\t\n");
    expect_err(im_labels_load("lab/blank.txt", &labels, &n, err, sizeof err), IM_ERR_FORMAT, err,
               "lab/blank.txt", "no labels", NULL);
    write_text("lab/dup.txt", "cat\ndog\n\ncat \n");
    expect_err(im_labels_load("lab/dup.txt", &labels, &n, err, sizeof err), IM_ERR_FORMAT, err,
               "lab/dup.txt:4:", "\"cat\"", "line 1", NULL);
    assert_null(labels);
    assert_int_equal(n, 0);
}

/* ---- image lists ------------------------------------------------------- */

static char *weather[] = {"rain", "sun", "snow"};

static void imagelist_labels_and_gray(void **state)
{
    (void)state;
    char err[512] = "";
    write_flat("train/sun/a.pgm", 7, 5, 1, (const unsigned char[]){128});
    write_flat("train/rain/b.pgm", 7, 5, 1, (const unsigned char[]){64});
    write_flat("train/snow_1.pgm", 7, 5, 1, (const unsigned char[]){200});
    /* "rain" occurs in "train" on every line: the whole directory "sun" and
     * the file name prefix "snow" win over it. */
    write_text("train.list", "train/sun/a.pgm\r\n\n   \ntrain/rain/b.pgm  \t\ntrain/snow_1.pgm");
    im_dataset d;
    assert_int_equal(im_imagelist_load("train.list", weather, 3, 4, 3, 1, &d, err, sizeof err), IM_OK);
    assert_int_equal(d.n, 3);
    assert_int_equal(d.w, 4);
    assert_int_equal(d.h, 3);
    assert_int_equal(d.c, 1);
    assert_int_equal(d.classes, 3);
    assert_int_equal(d.y[0], 1);
    assert_int_equal(d.y[1], 0);
    assert_int_equal(d.y[2], 2);
    const double v[3] = {128, 64, 200};
    for (size_t i = 0; i < 3; i++)
        expect_plane(d.x + i * 12, 12, v[i] / 255.0, 1.0 / 255.0);
    im_dataset_free(&d);

    /* Gray to 3 channels: the value in each plane. */
    assert_int_equal(im_imagelist_load("train.list", weather, 3, 5, 6, 3, &d, err, sizeof err), IM_OK);
    assert_int_equal(d.c, 3);
    for (size_t i = 0; i < 3; i++)
        expect_plane(d.x + i * 90, 90, v[i] / 255.0, 1.0 / 255.0);
    im_dataset_free(&d);
}

static void imagelist_color(void **state)
{
    (void)state;
    char err[512] = "";
    write_flat("color/sun/flat.ppm", 5, 4, 3, (const unsigned char[]){200, 100, 50});
    write_text("color.list", "color/sun/flat.ppm\n");
    im_dataset d;
    assert_int_equal(im_imagelist_load("color.list", weather, 3, 6, 6, 3, &d, err, sizeof err), IM_OK);
    /* Planes in RGB order. */
    expect_plane(d.x, 36, 200 / 255.0, 1.0 / 255.0);
    expect_plane(d.x + 36, 36, 100 / 255.0, 1.0 / 255.0);
    expect_plane(d.x + 72, 36, 50 / 255.0, 1.0 / 255.0);
    im_dataset_free(&d);
    /* To gray: 0.299 R + 0.587 G + 0.114 B = 124.2. */
    assert_int_equal(im_imagelist_load("color.list", weather, 3, 6, 6, 1, &d, err, sizeof err), IM_OK);
    expect_plane(d.x, 36, 124.2 / 255.0, 1e-6);
    im_dataset_free(&d);
}

/* Without a resize the values are exact and the layout is CHW, row-major. */
static void imagelist_layout(void **state)
{
    (void)state;
    char err[512] = "";
    const unsigned char gray[6] = {0, 50, 100, 150, 200, 250};
    unsigned char rgb[2 * 3 * 3];
    for (size_t i = 0; i < sizeof rgb; i++)
        rgb[i] = (unsigned char)(i * 13 + 7);
    write_pnm("layout/sun_gray.pgm", 3, 2, 1, gray);
    write_pnm("layout/snow-rgb.ppm", 3, 2, 3, rgb);
    write_text("gray.list", "layout/sun_gray.pgm\n");
    write_text("rgb.list", "layout/snow-rgb.ppm\n");
    im_dataset d;
    assert_int_equal(im_imagelist_load("gray.list", weather, 3, 3, 2, 1, &d, err, sizeof err), IM_OK);
    assert_int_equal(d.y[0], 1);
    /* Gray goes through RGB and back: exact up to float rounding. */
    for (size_t i = 0; i < 6; i++)
        assert_float_equal(d.x[i], gray[i] / 255.0, 1e-6);
    im_dataset_free(&d);
    assert_int_equal(im_imagelist_load("rgb.list", weather, 3, 3, 2, 3, &d, err, sizeof err), IM_OK);
    assert_int_equal(d.y[0], 2);
    for (size_t k = 0; k < 3; k++)
        for (size_t y = 0; y < 2; y++)
            for (size_t x = 0; x < 3; x++)
                assert_true(d.x[k * 6 + y * 3 + x] == (float)(rgb[(y * 3 + x) * 3 + k] / 255.0));
    im_dataset_free(&d);
}

static void imagelist_errors(void **state)
{
    (void)state;
    char err[1024];
    im_dataset d;
    write_flat("errs/sun/a.pgm", 4, 4, 1, (const unsigned char[]){1});

    /* Both "rain" and "snow" are whole directory names. */
    write_text("amb.list", "errs/sun/a.pgm\nrain/snow/x.pgm\n");
    expect_err(im_imagelist_load("amb.list", weather, 3, 4, 4, 1, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "amb.list:2:", "rain/snow/x.pgm", "ambiguous", "\"rain\"", "\"snow\"", NULL);
    expect_empty(&d);

    /* "rain" only inside "train", "cloud" not a whole word of "cloudy". */
    char *sky[] = {"rain", "cloud"};
    write_text("weak.list", "train/cloudy.pgm\n");
    expect_err(im_imagelist_load("weak.list", sky, 2, 4, 4, 1, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "weak.list:1:", "train/cloudy.pgm", "\"rain\"", "\"cloud\"", "directory name \"train\"",
               "\"/train/\"", NULL);

    write_text("nomatch.list", "\nother/x.pgm\n");
    expect_err(im_imagelist_load("nomatch.list", weather, 3, 4, 4, 1, &d, err, sizeof err), IM_ERR_FORMAT,
               err, "nomatch.list:2:", "other/x.pgm", "no label", "\"rain\", \"sun\", \"snow\"", NULL);

    write_text("missing.list", "errs/sun/a.pgm\nerrs/sun/missing.pgm\n");
    expect_err(im_imagelist_load("missing.list", weather, 3, 4, 4, 1, &d, err, sizeof err), IM_ERR_IO, err,
               "missing.list:2:", "errs/sun/missing.pgm", NULL);
    expect_empty(&d);

    write_text("errs/sun/notes.txt", "not an image\n");
    write_text("errs/sun/empty.png", "");
    write_text("text.list", "errs/sun/notes.txt\n");
    expect_err(im_imagelist_load("text.list", weather, 3, 4, 4, 1, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "text.list:1:", "errs/sun/notes.txt", "not an image", NULL);
    write_text("empty.list", "errs/sun/empty.png\n");
    expect_err(im_imagelist_load("empty.list", weather, 3, 4, 4, 1, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "empty.list:1:", "empty file", NULL);

    write_text("blank.list", "\n \n");
    expect_err(im_imagelist_load("blank.list", weather, 3, 4, 4, 1, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "blank.list", "no image paths", NULL);
    expect_err(im_imagelist_load("nolist.list", weather, 3, 4, 4, 1, &d, err, sizeof err), IM_ERR_IO, err,
               "nolist.list", "cannot open", NULL);
    expect_err(im_imagelist_load("amb.list", weather, 3, 4, 4, 2, &d, err, sizeof err), IM_ERR_ARG, err,
               "channels = 2", NULL);
    expect_err(im_imagelist_load("amb.list", weather, 3, 4, 1, 1, &d, err, sizeof err), IM_ERR_ARG, err,
               "4x1", NULL);
}

/* A w x h image of c channels, a pattern that differs per channel. */
static unsigned char *pattern(size_t w, size_t h, size_t c)
{
    unsigned char *pix = malloc(w * h * c);
    assert_non_null(pix);
    for (size_t i = 0; i < w * h * c; i++)
        pix[i] = (unsigned char)((i * 37 + (i % c) * 91 + 11) % 256);
    return pix;
}

/* All of path; *n its size. */
static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    assert_true(len > 0);
    rewind(f);
    unsigned char *b = malloc((size_t)len);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

/* Lossless images decode to exactly the floats of Darknet's load_image
 * (OpenCV in Debian's build), at their size and resized, RGB and gray. */
static void imagelist_matches_darknet(void **state)
{
    (void)state;
    static const struct { const char *path; size_t w, h, c; } imgs[] = {
        {"match/sun/rgb.png", 13, 9, 3}, {"match/sun/gray.png", 11, 7, 1},
        {"match/sun/rgba.png", 8, 6, 4}, {"match/sun/rgb.bmp", 10, 5, 3},
        {"match/sun/rgb.ppm", 9, 4, 3},  {"match/sun/gray.pgm", 6, 12, 1},
    };
    enum { NIMG = sizeof imgs / sizeof imgs[0] };
    char list[512] = "";
    for (size_t i = 0; i < NIMG; i++) {
        unsigned char *pix = pattern(imgs[i].w, imgs[i].h, imgs[i].c);
        int w = (int)imgs[i].w, h = (int)imgs[i].h, c = (int)imgs[i].c;
        make_parents(imgs[i].path);
        if (strstr(imgs[i].path, ".png"))
            assert_true(stbi_write_png(imgs[i].path, w, h, c, pix, w * c));
        else if (strstr(imgs[i].path, ".bmp"))
            assert_true(stbi_write_bmp(imgs[i].path, w, h, c, pix));
        else
            write_pnm(imgs[i].path, imgs[i].w, imgs[i].h, imgs[i].c, pix);
        free(pix);
        strcat(strcat(list, imgs[i].path), "\n");
    }
    write_text("match.list", list);
    static const size_t sizes[][2] = {{0, 0}, {7, 5}, {16, 3}};
    char err[512] = "";
    for (size_t s = 0; s < 3; s++)
        for (size_t c = 1; c <= 3; c += 2)
            for (size_t i = 0; i < NIMG; i++) {
                size_t w = sizes[s][0] ? sizes[s][0] : imgs[i].w;
                size_t h = sizes[s][1] ? sizes[s][1] : imgs[i].h;
                im_dataset d;
                assert_int_equal(im_imagelist_load("match.list", weather, 3, w, h, c, &d, err, sizeof err), IM_OK);
                image ref = load_image((char *)imgs[i].path, (int)w, (int)h, 3);
                if (c == 1) {
                    image gray = grayscale_image(ref);
                    free_image(ref);
                    ref = gray;
                }
                assert_int_equal(ref.w * ref.h * ref.c, w * h * c);
                float maxdiff = 0;
                for (size_t k = 0; k < w * h * c; k++) {
                    float diff = d.x[i * w * h * c + k] - ref.data[k];
                    maxdiff = diff > maxdiff ? diff : -diff > maxdiff ? -diff : maxdiff;
                }
                if (maxdiff != 0)
                    fail_msg("%s at %zux%zux%zu: max |ours - load_image| = %g", imgs[i].path, w, h, c, (double)maxdiff);
                free_image(ref);
                im_dataset_free(&d);
            }
}

/* path (written with n bytes of data unless data is NULL) on line 2 of a list is an IM_ERR_FORMAT naming
 * list:2, the path and part; nothing is loaded. */
static void expect_bad_image(const char *path, const void *data, size_t n, const char *part)
{
    char err[1024] = "", list[256];
    im_dataset d;
    if (data)
        write_bytes(path, 0, data, n);
    snprintf(list, sizeof list, "corrupt/sun/ok.pgm\n%s\n", path);
    write_text("corrupt.list", list);
    expect_err(im_imagelist_load("corrupt.list", weather, 3, 4, 4, 1, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "corrupt.list:2:", path, part, NULL);
    assert_null(strstr(err, "/proc/"));
    expect_empty(&d);
}

/* A PNG of an IHDR (w x h, 8-bit RGB) and an IEND, no pixel data. */
static void write_png_header(const char *path, uint32_t w, uint32_t h)
{
    unsigned char b[8 + 25 + 12] = "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR";
    for (int i = 0; i < 4; i++) {
        b[16 + i] = (unsigned char)(w >> (24 - 8 * i));
        b[20 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    b[24] = 8, b[25] = 2;
    uLong crc = crc32(0, b + 12, 17);
    for (int i = 0; i < 4; i++)
        b[29 + i] = (unsigned char)(crc >> (24 - 8 * i));
    memcpy(b + 33, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
    write_bytes(path, 0, b, sizeof b);
}

/* One PNG chunk at b: length, type, data, CRC; returns its size. */
static size_t png_chunk(unsigned char *b, const char *type, const unsigned char *data, uint32_t n)
{
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(n >> (24 - 8 * i));
    memcpy(b + 4, type, 4);
    if (n)
        memcpy(b + 8, data, n);
    uLong crc = crc32(0, b + 4, 4 + n);
    for (int i = 0; i < 4; i++)
        b[8 + n + i] = (unsigned char)(crc >> (24 - 8 * i));
    return 12 + n;
}

/* A w x h PNG of the given bit depth and colour type whose rows (a filter
 * byte, then w * channels * depth bits; 1 channel for a colour type PNG
 * does not define) are all zero. */
static void write_png_zero(const char *path, uint32_t w, uint32_t h, int depth, int colour)
{
    static const int channels[7] = {1, 1, 3, 1, 2, 1, 4};
    int ch = colour >= 0 && colour < 7 ? channels[colour] : 1;
    size_t row = 1 + ((size_t)w * ch * depth + 7) / 8, raw = row * h;
    unsigned char *zero = calloc(raw, 1), *b = malloc(raw + 1024);
    uLongf zn = raw + 900;
    assert_non_null(zero);
    assert_non_null(b);
    assert_int_equal(compress(b + 512, &zn, zero, raw), Z_OK);
    unsigned char ihdr[13] = {0};
    for (int i = 0; i < 4; i++) {
        ihdr[i] = (unsigned char)(w >> (24 - 8 * i));
        ihdr[4 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    ihdr[8] = (unsigned char)depth, ihdr[9] = (unsigned char)colour;
    unsigned char *file = malloc(zn + 64);
    assert_non_null(file);
    size_t n = 8;
    memcpy(file, "\x89PNG\r\n\x1a\n", 8);
    n += png_chunk(file + n, "IHDR", ihdr, 13);
    n += png_chunk(file + n, "IDAT", b + 512, (uint32_t)zn);
    n += png_chunk(file + n, "IEND", NULL, 0);
    write_bytes(path, 0, file, n);
    free(file);
    free(b);
    free(zero);
}

/* A generated file, cut to n - cut bytes (or n / 2 when cut is 0). */
static void expect_cut(const char *src, const char *path, size_t cut, const char *part)
{
    size_t n;
    unsigned char *b = read_all(src, &n);
    expect_bad_image(path, b, cut ? n - cut : n / 2, part);
    free(b);
}

static void imagelist_corrupt(void **state)
{
    (void)state;
    write_flat("corrupt/sun/ok.pgm", 4, 4, 1, (const unsigned char[]){9});
    unsigned char *pix = pattern(16, 12, 3);
    assert_true(stbi_write_png("corrupt/sun/good.png", 16, 12, 3, pix, 48));
    assert_true(stbi_write_jpg("corrupt/sun/good.jpg", 16, 12, 3, pix, 90));
    assert_true(stbi_write_bmp("corrupt/sun/good.bmp", 16, 12, 3, pix));
    write_pnm("corrupt/sun/good.ppm", 16, 12, 3, pix);
    free(pix);

    /* Cut by one byte (the IEND's CRC, which stb_image accepts), or in half. */
    expect_cut("corrupt/sun/good.png", "corrupt/sun/cut1.png", 1, "truncated or corrupt PNG: its chunks end before an IEND chunk");
    expect_cut("corrupt/sun/good.png", "corrupt/sun/half.png", 0, "IEND");
    expect_cut("corrupt/sun/good.jpg", "corrupt/sun/noeoi.jpg", 2, "truncated or corrupt JPEG: it does not end with the EOI marker FF D9");
    expect_cut("corrupt/sun/good.jpg", "corrupt/sun/half.jpg", 0, "EOI marker");
    expect_cut("corrupt/sun/good.bmp", "corrupt/sun/cut.bmp", 1, "truncated or corrupt BMP: its pixel rows end early");
    expect_cut("corrupt/sun/good.ppm", "corrupt/sun/cut.ppm", 1, "truncated or corrupt PPM: its pixel bytes end early");

    /* stb_image_write's PNG: IHDR, one IDAT (data from byte 41 to its CRC
     * at n - 16), IEND.  One flipped bit in the data: the CRC catches it.
     * Data that is garbage under a matching CRC: stb_image's own error. */
    size_t n;
    unsigned char *b = read_all("corrupt/sun/good.png", &n);
    b[45] ^= 0x10;
    expect_bad_image("corrupt/sun/flip.png", b, n, "corrupt PNG: a chunk's CRC-32 does not match its bytes");
    for (size_t i = 41; i < n - 16; i++)
        b[i] ^= 0x5a;
    uLong crc = crc32(0, b + 37, (uInt)(n - 16 - 37));
    for (int i = 0; i < 4; i++)
        b[n - 16 + i] = (unsigned char)(crc >> (24 - 8 * i));
    expect_bad_image("corrupt/sun/garbled.png", b, n, "is a corrupt PNG (stb_image: ");
    free(b);

    /* Sizes over the limits are refused from the header; 8192 x 8192 is
     * within them, and stb_image then finds no pixel data. */
    write_png_header("corrupt/sun/huge.png", 100000, 100000);
    expect_bad_image("corrupt/sun/huge.png", NULL, 0,
                     "is 100000x100000 pixels: over the limit of 16384 pixels a side and 67108864 in all");
    write_png_header("corrupt/sun/tall.png", 10, 20000);
    expect_bad_image("corrupt/sun/tall.png", NULL, 0, "is 10x20000 pixels: over the limit");
    write_png_header("corrupt/sun/wide.png", 10000, 10000);
    expect_bad_image("corrupt/sun/wide.png", NULL, 0, "is 10000x10000 pixels: over the limit");
    write_png_header("corrupt/sun/limit.png", 8192, 8192);
    expect_bad_image("corrupt/sun/limit.png", NULL, 0, "is a corrupt PNG (stb_image: ");

    expect_bad_image("corrupt/sun/empty.png", "", 0, "is not an image (empty file; decoded: JPEG, PNG, BMP");
    unsigned char junk[300];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 151 + 7);
    memcpy(junk, "\x89PNG\r\n\x1a\n", 8);
    expect_bad_image("corrupt/sun/junk.png", junk, sizeof junk, "truncated or corrupt PNG");
    memcpy(junk, "\xff\xd8\xff", 3);
    expect_bad_image("corrupt/sun/junk.jpg", junk, sizeof junk, "truncated or corrupt JPEG");
    junk[sizeof junk - 2] = 0xff, junk[sizeof junk - 1] = 0xd9;
    expect_bad_image("corrupt/sun/junk-eoi.jpg", junk, sizeof junk,
                     "truncated or corrupt JPEG: a marker segment runs past the end of the file");
    expect_bad_image("corrupt/sun/bare.jpg", "\xff\xd8\xff\xd9", 4, "is a corrupt JPEG: stb_image cannot read its header");
    memcpy(junk, "BM", 2);
    expect_bad_image("corrupt/sun/junk.bmp", junk, sizeof junk, "corrupt BMP");

    memcpy(junk, "II*\0", 4);
    expect_bad_image("corrupt/sun/scan.tif", junk, sizeof junk,
                     "is TIFF, a format not decoded here (decoded: JPEG, PNG, BMP, binary 8-bit PGM/PPM (P5/P6))");
    memcpy(junk, "RIFF\x10\0\0\0WEBPVP8 ", 16);
    expect_bad_image("corrupt/sun/photo.webp", junk, sizeof junk, "is WebP, a format not decoded here");
    expect_bad_image("corrupt/sun/ascii.pgm", "P2\n2 2\n255\n0 1 2 3\n", 19, "is ASCII PGM (P2), a format not decoded");
    expect_bad_image("corrupt/sun/dim.pgm", "P5\n2 2\n15\n\1\2\3\4", 14, "its maxval is not 255");
    expect_bad_image("corrupt/sun/long.pgm", "P5\n2 1234567890 255\n", 20, "over 9 digits");

    /* No bad.list, the file Darknet's load_image appends failures to. */
    assert_int_equal(access("bad.list", F_OK), -1);
}

/* The offset of the first DHT segment (FF C4) of a JPEG. */
static size_t dht_at(const unsigned char *b, size_t n)
{
    for (size_t i = 2; i + 1 < n; i++)
        if (b[i] == 0xff && b[i + 1] == 0xc4)
            return i;
    fail_msg("no DHT segment");
    return 0;
}

/* The Huffman tables are checked as libjpeg checks them before stb_image
 * sees them: it asserts (SIGABRT) on a DC category above 16 and writes
 * past its tables for one of over 256 symbols (found by fuzz_image_decode). */
static void imagelist_jpeg_tables(void **state)
{
    (void)state;
    unsigned char *pix = pattern(9, 7, 3);
    make_parents("dht/sun/good.jpg");
    assert_true(stbi_write_jpg("dht/sun/good.jpg", 9, 7, 3, pix, 90));
    free(pix);
    size_t n;
    unsigned char *b = read_all("dht/sun/good.jpg", &n);
    size_t at = dht_at(b, n), len = (size_t)b[at + 2] << 8 | b[at + 3];
    assert_int_equal(b[at + 4], 0x00); /* the first table: DC, number 0 */
    unsigned char *bad = malloc(n + 400);
    assert_non_null(bad);
    for (unsigned v = 16; v < 256; v += 239) {
        memcpy(bad, b, n);
        bad[at + 4 + 17] = (unsigned char)v; /* its first symbol */
        expect_bad_image("dht/sun/dc.jpg", bad, n, "corrupt JPEG: a DC Huffman table (DHT) has a category over 15");
    }
    /* A table of 300 symbols (an AC one, 20 of each length from 2 on) in a
     * segment before the first DHT. */
    unsigned char big[4 + 17 + 300] = {0xff, 0xc4, (4 + 17 + 300 - 2) >> 8, (4 + 17 + 300 - 2) & 0xff, 0x10};
    for (int i = 2; i <= 16; i++)
        big[4 + i] = 20;
    memcpy(bad, b, at);
    memcpy(bad + at, big, sizeof big);
    memcpy(bad + at + sizeof big, b + at, n - at);
    expect_bad_image("dht/sun/big.jpg", bad, n + sizeof big, "corrupt JPEG: a Huffman table (DHT) has over 256 symbols");
    /* The segment's length cut to end inside the second table (the first,
     * of 12 symbols, complete). */
    size_t first = 0;
    for (int i = 1; i <= 16; i++)
        first += b[at + 4 + i];
    assert_int_equal(first, 12);
    assert_true(len > 2 + 17 + 12 + 5);
    memcpy(bad, b, n);
    bad[at + 2] = 0, bad[at + 3] = 2 + 17 + 12 + 5;
    expect_bad_image("dht/sun/cut.jpg", bad, n, "corrupt JPEG: a Huffman table (DHT) runs past its segment");
    free(bad);
    free(b);
}

/* A PNG's bit depth must be one PNG allows with its colour type, as libpng
 * checks: stb_image 2.19 asserts (SIGABRT) on RGB at 4 bits, whose rows
 * have more bytes than pixels (found by fuzz_image_decode). */
static void imagelist_png_depths(void **state)
{
    (void)state;
    static const struct {
        int depth, colour;
    } bad[] = {{4, 2}, {2, 2}, {1, 6}, {4, 6}, {2, 4}, {16, 3}, {8, 1}, {8, 5}, {8, 7}, {3, 0}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_png_zero("depth/sun/bad.png", 5, 4, bad[i].depth, bad[i].colour);
        expect_bad_image("depth/sun/bad.png", NULL, 0,
                         "corrupt PNG: its IHDR pairs a bit depth with a colour type that PNG does not allow");
    }
    /* Allowed pairs decode (to black). */
    static const struct {
        int depth, colour;
    } good[] = {{1, 0}, {4, 0}, {16, 0}, {8, 2}, {16, 2}, {8, 4}, {16, 6}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        write_png_zero("depth/sun/good.png", 5, 4, good[i].depth, good[i].colour);
        write_text("depth.list", "depth/sun/good.png\n");
        char err[512] = "";
        im_dataset d;
        assert_int_equal(im_imagelist_load("depth.list", weather, 3, 5, 4, 3, &d, err, sizeof err), IM_OK);
        for (size_t k = 0; k < 5 * 4 * 3; k++)
            assert_true(d.x[k] == 0.0f);
        im_dataset_free(&d);
    }
}

/* A JPEG padded with 0x00 after its EOI marker decodes as the bare one. */
static void imagelist_jpeg_padding(void **state)
{
    (void)state;
    unsigned char *pix = pattern(9, 7, 3);
    make_parents("pad/sun/bare.jpg");
    assert_true(stbi_write_jpg("pad/sun/bare.jpg", 9, 7, 3, pix, 90));
    free(pix);
    size_t n;
    unsigned char *b = read_all("pad/sun/bare.jpg", &n);
    unsigned char *padded = calloc(n + 64, 1);
    assert_non_null(padded);
    memcpy(padded, b, n);
    write_bytes("pad/sun/padded.jpg", 0, padded, n + 64);
    free(padded);
    free(b);
    write_text("pad.list", "pad/sun/bare.jpg\npad/sun/padded.jpg\n");
    char err[512] = "";
    im_dataset d;
    assert_int_equal(im_imagelist_load("pad.list", weather, 3, 9, 7, 3, &d, err, sizeof err), IM_OK);
    assert_memory_equal(d.x, d.x + 9 * 7 * 3, 9 * 7 * 3 * sizeof *d.x);
    im_dataset_free(&d);
}

/* ---- .data files ------------------------------------------------------- */

static void datacfg_forms(void **state)
{
    (void)state;
    char err[512] = "";
    im_datacfg c;
    write_text("idx.data", "# Fashion-MNIST\n\nclasses = 10\ntrain = a.gz\ntrain_labels=b.gz\n"
                           " valid = c.gz \nvalid_labels = d.gz\n; Darknet comment\ntop=5\n");
    assert_int_equal(im_datacfg_load("idx.data", &c, err, sizeof err), IM_OK);
    assert_string_equal(c.path, "idx.data");
    assert_int_equal(c.classes, 10);
    assert_int_equal(c.top, 5);
    assert_string_equal(c.train, "a.gz");
    assert_string_equal(c.train_labels, "b.gz");
    assert_string_equal(c.valid, "c.gz");
    assert_string_equal(c.valid_labels, "d.gz");
    assert_string_equal(c.backup, "backup");
    assert_null(c.labels);
    assert_int_equal(c.line_classes, 3);
    assert_int_equal(c.line_train, 4);
    assert_int_equal(c.line_valid, 6);
    assert_int_equal(c.line_labels, 0);
    im_datacfg_free(&c);
    assert_null(c.path);

    write_text("list.data", "classes=3\ntrain = my data/train.list\nnames = labels.txt\nbackup = out/\n");
    assert_int_equal(im_datacfg_load("list.data", &c, err, sizeof err), IM_OK);
    assert_int_equal(c.top, 1);
    assert_string_equal(c.train, "my data/train.list");
    assert_string_equal(c.labels, "labels.txt");
    assert_int_equal(c.line_labels, 3);
    assert_string_equal(c.backup, "out/");
    assert_null(c.valid);
    assert_null(c.train_labels);
    im_datacfg_free(&c);
    im_datacfg_free(NULL);
}

static void datacfg_errors(void **state)
{
    (void)state;
    static const struct { const char *file, *text, *where, *what; } cases[] = {
        {"dup.data", "classes=3\ntrain=a\n\ntrain = b\n", "dup.data:4:", "line 2"},
        {"dupnames.data", "classes=3\nnames=a\nnames=b\ntrain=t\n", "dupnames.data:3:", "names from line 2"},
        {"noeq.data", "classes=3\ntrain a.list\n", "noeq.data:2:", "train a.list"},
        {"novalue.data", "classes=3\ntrain =  \n", "novalue.data:2:", "empty value for train"},
        {"nokey.data", "classes=3\n = x\n", "nokey.data:2:", "empty key"},
        {"word.data", "# n\nclasses = ten\n", "word.data:2:", "\"ten\""},
        {"zero.data", "classes=0\n", "zero.data:1:", "\"0\""},
        {"neg.data", "classes=-3\n", "neg.data:1:", "\"-3\""},
        {"suffix.data", "classes=10x\n", "suffix.data:1:", "\"10x\""},
        {"big.data", "classes=99999999999\n", "big.data:1:", "\"99999999999\""},
        {"top0.data", "classes=3\ntop=0\n", "top0.data:2:", "top"},
        {"top9.data", "classes=3\ntop=9\ntrain=t\nlabels=l\n", "top9.data:2:", "exceeds classes = 3"},
        {"noclasses.data", "train=t\nlabels=l\n", "noclasses.data", "no classes key"},
        {"nosplit.data", "classes=3\nlabels=l\n", "nosplit.data", "neither train nor valid"},
        {"nolabels.data", "classes=3\ntrain=t\n", "nolabels.data", "no labels key"},
        {"halfidx.data", "classes=3\ntrain=t\ntrain_labels=tl\n\nvalid=v\n", "halfidx.data:5:",
         "valid without valid_labels"},
        {"halfidx2.data", "classes=3\ntrain=t\ntrain_labels=tl\nvalid_labels=v\n", "halfidx2.data:4:",
         "valid_labels without valid"},
    };
    char err[512];
    im_datacfg c;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(cases[i].file, cases[i].text);
        expect_err(im_datacfg_load(cases[i].file, &c, err, sizeof err), IM_ERR_FORMAT, err, cases[i].where,
                   cases[i].what, NULL);
        assert_null(c.path);
        assert_null(c.train);
    }
    expect_err(im_datacfg_load("absent.data", &c, err, sizeof err), IM_ERR_IO, err, "absent.data",
               "cannot open", NULL);
}

/* Every key Darknet's examples read is accepted; names serves as labels
 * only without labels; a key nobody reads is a warning. */
static void datacfg_keys(void **state)
{
    (void)state;
    char err[512] = "";
    im_datacfg c;
    write_text("both.data", "classes=2\ntrain=t\nnames=n.txt\nlabels=l.txt\neval=coco\nmap=m\n"
                            "results=r\nleaves=x\ntree=y\ntag=1\ntest=z\n");
    assert_int_equal(im_datacfg_load("both.data", &c, err, sizeof err), IM_OK);
    assert_string_equal(c.labels, "l.txt");
    assert_int_equal(c.line_labels, 4);
    assert_null(c.warnings);
    im_datacfg_free(&c);

    write_text("warn.data", "classes=2\ntrain=t\nlabels=l\nvlaid=v\ncolour=red\n");
    assert_int_equal(im_datacfg_load("warn.data", &c, err, sizeof err), IM_OK);
    assert_null(c.valid);
    assert_string_equal(c.warnings,
                        "warn.data:4: unknown key \"vlaid\" ignored (did you mean \"valid\"?)\n"
                        "warn.data:5: unknown key \"colour\" ignored (neither Darknet nor "
                        "infomonitor reads it)\n");
    im_datacfg_free(&c);
    assert_null(c.warnings);
}

/* Debian's .data files load with no warning; their lists are not on this
 * machine, so a split fails on the missing file, not on a key. */
static void datacfg_debian(void **state)
{
    (void)state;
    FILE *ls = popen("ls /usr/share/darknet/cfg/*.data /usr/share/darknet/cfg/*.dataset", "r");
    assert_non_null(ls);
    char path[512], err[512];
    int n = 0;
    while (fgets(path, sizeof path, ls)) {
        path[strcspn(path, "\n")] = '\0';
        im_datacfg c;
        if (im_datacfg_load(path, &c, err, sizeof err) != IM_OK)
            fail_msg("%s", err);
        assert_null(c.warnings);
        assert_non_null(c.labels);
        im_datacfg_free(&c);
        n++;
    }
    pclose(ls);
    assert_int_equal(n, 7);
    im_datacfg c;
    im_dataset d;
    assert_int_equal(im_datacfg_load("/usr/share/darknet/cfg/imagenet1k.data", &c, err, sizeof err),
                     IM_OK);
    assert_string_equal(c.labels, "/usr/share/darknet/data/imagenet.labels.list");
    assert_int_equal(c.top, 5);
    im_datacfg_free(&c);
    assert_int_equal(im_datacfg_load("/usr/share/darknet/cfg/voc.data", &c, err, sizeof err), IM_OK);
    assert_string_equal(c.labels, "/usr/share/darknet/data/voc.names");
    expect_err(im_datacfg_split(&c, 0, 28, 28, 3, &d, err, sizeof err), IM_ERR_IO, err,
               "/home/pjreddie/data/voc/train.txt", NULL);
    im_datacfg_free(&c);
}

/* ---- splits ------------------------------------------------------------ */

static void split_idx(void **state)
{
    (void)state;
    char err[512] = "";
    write_pair("split/images.gz", "split/labels.gz", 1);
    write_text("split.data", "classes = 3\ntrain = split/images.gz\ntrain_labels = split/labels.gz\n");
    im_datacfg c;
    im_dataset d;
    assert_int_equal(im_datacfg_load("split.data", &c, err, sizeof err), IM_OK);
    assert_int_equal(im_datacfg_split(&c, 0, COLS, ROWS, 1, &d, err, sizeof err), IM_OK);
    assert_int_equal(d.n, N);
    assert_int_equal(d.classes, 3);
    assert_int_equal(d.y[0], lab_vals[0]);
    im_dataset_free(&d);
    expect_err(im_datacfg_split(&c, 0, 28, 28, 1, &d, err, sizeof err), IM_ERR_FORMAT, err, "split.data:2:",
               "split/images.gz", "3x4x1", "28x28x1", NULL);
    expect_empty(&d);
    expect_err(im_datacfg_split(&c, 0, COLS, ROWS, 3, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "3x4x3", NULL);
    expect_err(im_datacfg_split(&c, 1, COLS, ROWS, 1, &d, err, sizeof err), IM_ERR_ARG, err, "split.data",
               "no valid key", NULL);
    expect_err(im_datacfg_split(&c, 2, COLS, ROWS, 1, &d, err, sizeof err), IM_ERR_ARG, err, "which", NULL);
    im_datacfg_free(&c);

    /* classes below the largest label. */
    write_text("split2.data", "classes = 2\ntrain = split/images.gz\ntrain_labels = split/labels.gz\n");
    assert_int_equal(im_datacfg_load("split2.data", &c, err, sizeof err), IM_OK);
    expect_err(im_datacfg_split(&c, 0, COLS, ROWS, 1, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "split/labels.gz", "classes = 2", NULL);
    im_datacfg_free(&c);

    /* Optional class names in the IDX form must number classes. */
    write_text("split/names.txt", "a\nb\n");
    write_text("split3.data", "classes = 3\nnames = split/names.txt\nvalid = split/images.gz\n"
                              "valid_labels = split/labels.gz\n");
    assert_int_equal(im_datacfg_load("split3.data", &c, err, sizeof err), IM_OK);
    expect_err(im_datacfg_split(&c, 1, COLS, ROWS, 1, &d, err, sizeof err), IM_ERR_FORMAT, err,
               "split3.data:1:", "classes = 3", "split/names.txt", "2 labels", NULL);
    expect_err(im_datacfg_split(&c, 0, COLS, ROWS, 1, &d, err, sizeof err), IM_ERR_ARG, err, "no train key",
               NULL);
    im_datacfg_free(&c);
}

static void split_list(void **state)
{
    (void)state;
    char err[512] = "";
    write_flat("sl/train/sun/a.pgm", 6, 6, 1, (const unsigned char[]){10});
    write_flat("sl/train/snow/b.pgm", 6, 6, 1, (const unsigned char[]){20});
    write_text("sl/train.list", "sl/train/sun/a.pgm\nsl/train/snow/b.pgm\n");
    write_text("sl/labels.txt", "rain\nsun\nsnow\n");
    write_text("sl.data", "classes = 3\ntrain = sl/train.list\nlabels = sl/labels.txt\n");
    im_datacfg c;
    im_dataset d;
    assert_int_equal(im_datacfg_load("sl.data", &c, err, sizeof err), IM_OK);
    assert_int_equal(im_datacfg_split(&c, 0, 6, 6, 1, &d, err, sizeof err), IM_OK);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.classes, 3);
    assert_int_equal(d.y[0], 1);
    assert_int_equal(d.y[1], 2);
    expect_plane(d.x + 36, 36, 20 / 255.0, 1e-6);
    im_dataset_free(&d);
    im_datacfg_free(&c);

    write_text("sl2.data", "classes = 2\ntrain = sl/train.list\nlabels = sl/labels.txt\n");
    assert_int_equal(im_datacfg_load("sl2.data", &c, err, sizeof err), IM_OK);
    expect_err(im_datacfg_split(&c, 0, 6, 6, 1, &d, err, sizeof err), IM_ERR_FORMAT, err, "sl2.data:1:",
               "classes = 2", "sl/labels.txt (line 3)", "3 labels", NULL);
    expect_empty(&d);
    im_datacfg_free(&c);

    write_text("sl3.data", "classes = 3\ntrain = sl/train.list\nlabels = sl/nolabels.txt\n");
    assert_int_equal(im_datacfg_load("sl3.data", &c, err, sizeof err), IM_OK);
    expect_err(im_datacfg_split(&c, 0, 6, 6, 1, &d, err, sizeof err), IM_ERR_IO, err, "sl/nolabels.txt", NULL);
    im_datacfg_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(idx_values),
        cmocka_unit_test(idx_gzip_matches_plain),
        cmocka_unit_test(idx_errors),
        cmocka_unit_test(labels_files),
        cmocka_unit_test(imagelist_labels_and_gray),
        cmocka_unit_test(imagelist_color),
        cmocka_unit_test(imagelist_layout),
        cmocka_unit_test(imagelist_errors),
        cmocka_unit_test(imagelist_matches_darknet),
        cmocka_unit_test(imagelist_corrupt),
        cmocka_unit_test(imagelist_jpeg_padding),
        cmocka_unit_test(imagelist_jpeg_tables),
        cmocka_unit_test(imagelist_png_depths),
        cmocka_unit_test(datacfg_forms),
        cmocka_unit_test(datacfg_errors),
        cmocka_unit_test(datacfg_keys),
        cmocka_unit_test(datacfg_debian),
        cmocka_unit_test(split_idx),
        cmocka_unit_test(split_list),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
