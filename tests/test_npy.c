/* The .npy reader and writer: round trips, files written by real numpy
 * (format versions 1.0, 2.0 and 3.0), conversions to float32 and int32
 * labels, and every kind of bad input. Fixtures live in a mkdtemp folder;
 * the numpy ones are written at start-up by /usr/bin/python3, and the tests
 * that need them are skipped when it or numpy is missing. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp, mkfifo, fork */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "util/npy.h"

#define PYTHON "/usr/bin/python3"

static char g_dir[] = "/tmp/test_npy_XXXXXX";
static int g_numpy; /* the numpy fixtures were written */

/* Fixtures written by numpy: name, array, format version. The float values
 * are computed in double and rounded once, exactly as the C checks do. */
static const char FIXTURE_SCRIPT[] =
    "import sys, numpy as np\n"
    "from numpy.lib import format as F\n"
    "d = sys.argv[1]\n"
    "def w(name, arr, version):\n"
    "    with open(d + '/' + name, 'wb') as f:\n"
    "        F.write_array(f, arr, version=version)\n"
    "w('f4_r0_v1.npy', np.array(3.5, dtype='<f4'), (1, 0))\n"
    "w('f4_r3_v2.npy', ((np.arange(24) - 5) * 0.25 + 1 / 3).astype('<f4').reshape(2, 3, 4),"
    " (2, 0))\n"
    "w('f8_r1_v1.npy', np.array([0.1, -2.5, 1e300, 5e-324, np.inf, -np.inf, -0.0]), (1, 0))\n"
    "w('i1_r1_v3.npy', np.array([-128, -1, 0, 1, 127], dtype='i1'), (3, 0))\n"
    "w('i8_r1_v2.npy', np.array([-2**63, -1, 0, 2**40, 2**63 - 1], dtype='<i8'), (2, 0))\n"
    "w('u1_r4_v3.npy', (np.arange(12) * 21 + 3).astype('u1').reshape(2, 1, 3, 2), (3, 0))\n"
    "w('b1_r3_v1.npy', np.array([1, 0, 0, 1, 1, 0], dtype=bool).reshape(1, 2, 3), (1, 0))\n"
    "w('f4_empty_v1.npy', np.zeros((2, 0, 3), dtype='<f4'), (1, 0))\n"
    "np.save(d + '/i4_np_save.npy', np.arange(6, dtype='<i4').reshape(2, 3))\n"
    "w('be_f4.npy', np.array([1, 2], dtype='>f4'), (1, 0))\n"
    "w('fortran.npy', np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3)), (1, 0))\n"
    "w('c8.npy', np.array([1 + 2j], dtype='<c8'), (1, 0))\n"
    "w('str_U3.npy', np.array(['abc'], dtype='<U3'), (1, 0))\n";

/* ---- helpers ---------------------------------------------------------- */

static void tpath(char out[256], const char *name)
{
    snprintf(out, 256, "%s/%s", g_dir, name);
}

static void write_raw(char path[256], const char *name, const void *bytes, size_t n)
{
    tpath(path, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* A .npy image: magic, version major.0, header length (uint16 LE for 1.0,
 * uint32 LE otherwise), dict padded with spaces and '\n' to a multiple of
 * 64 bytes as numpy does, then data. Returns the size; *img is malloc'd. */
static size_t make_npy(unsigned char **img, int major, const char *dict, const void *data,
                       size_t datalen)
{
    size_t lenbytes = major == 1 ? 2 : 4;
    size_t dlen = strlen(dict);
    size_t pad = (64 - (8 + lenbytes + dlen + 1) % 64) % 64;
    size_t hlen = dlen + pad + 1;
    size_t size = 8 + lenbytes + hlen + datalen;
    unsigned char *p = malloc(size);
    assert_non_null(p);
    memcpy(p, "\x93NUMPY", 6);
    p[6] = (unsigned char)major;
    p[7] = 0;
    for (size_t k = 0; k < lenbytes; k++)
        p[8 + k] = (unsigned char)(hlen >> (8 * k));
    memcpy(p + 8 + lenbytes, dict, dlen);
    memset(p + 8 + lenbytes + dlen, ' ', pad);
    p[8 + lenbytes + hlen - 1] = '\n';
    if (datalen)
        memcpy(p + 8 + lenbytes + hlen, data, datalen);
    *img = p;
    return size;
}

static void write_npy(char path[256], const char *name, int major, const char *dict,
                      const void *data, size_t datalen)
{
    unsigned char *img;
    size_t n = make_npy(&img, major, dict, data, datalen);
    write_raw(path, name, img, n);
    free(img);
}

/* err is one line, names path (unless NULL) and contains frag (unless NULL). */
static void check_message(const char *err, const char *path, const char *frag)
{
    if (path && !strstr(err, path))
        fail_msg("message '%s' does not name '%s'", err, path);
    if (frag && !strstr(err, frag))
        fail_msg("message '%s' lacks '%s'", err, frag);
    if (strchr(err, '\n') || strchr(err, '\r'))
        fail_msg("message '%s' spans lines", err);
}

/* Loading path fails with want, a message naming path and frag, and leaves
 * the output empty. */
static void check_load_error(const char *path, im_status want, const char *frag)
{
    im_npy a;
    char err[512];
    memset(&a, 0x5a, sizeof a);
    im_status st = im_npy_load(path, &a, err, sizeof err);
    if (st != want)
        fail_msg("%s: status %d, want %d (message '%s')", path, (int)st, (int)want,
                 st == IM_OK ? "" : err);
    check_message(err, path, frag);
    assert_null(a.data);
    assert_int_equal(a.ndim, 0);
    assert_int_equal(a.count, 0);
}

/* A one-header .npy with 8 bytes of data (two f4), expected to fail. */
static void check_header_error(const char *name, int major, const char *dict, im_status want,
                               const char *frag)
{
    char path[256];
    const float two[2] = {1.0f, 2.0f};
    write_npy(path, name, major, dict, two, sizeof two);
    check_load_error(path, want, frag);
}

static void load_ok(const char *path, im_npy *a)
{
    char err[512];
    im_status st = im_npy_load(path, a, err, sizeof err);
    if (st != IM_OK)
        fail_msg("loading %s: status %d: %s", path, (int)st, err);
    assert_non_null(a->data);
}

static void check_shape(const im_npy *a, char kind, int itemsize, int ndim,
                        const size_t *shape)
{
    size_t count = 1;
    assert_int_equal(a->kind, kind);
    assert_int_equal(a->itemsize, itemsize);
    assert_int_equal(a->ndim, ndim);
    for (int k = 0; k < ndim; k++) {
        assert_int_equal(a->shape[k], shape[k]);
        count *= shape[k];
    }
    assert_int_equal(a->count, count);
}

static void need_numpy(void)
{
    if (!g_numpy) {
        fprintf(stderr, "skipped: %s with numpy is not available for the fixtures\n", PYTHON);
        skip();
    }
}

/* Load fixture name written by numpy and check its dtype, shape and bytes. */
static void check_fixture(const char *name, char kind, int itemsize, int ndim,
                          const size_t *shape, const void *want, size_t wantlen)
{
    char path[256];
    im_npy a;
    need_numpy();
    tpath(path, name);
    load_ok(path, &a);
    check_shape(&a, kind, itemsize, ndim, shape);
    assert_int_equal(a.count * (size_t)a.itemsize, wantlen);
    assert_memory_equal(a.data, want, wantlen);
    im_npy_free(&a);
    assert_null(a.data);
}

static im_npy make_array(char kind, int itemsize, size_t count, const void *data)
{
    im_npy a;
    memset(&a, 0, sizeof a);
    a.kind = kind;
    a.itemsize = itemsize;
    a.ndim = 1;
    a.shape[0] = count;
    a.count = count;
    a.data = (void *)(uintptr_t)data;
    return a;
}

static int group_setup(void **state)
{
    (void)state;
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return -1;
    }
    g_numpy = 0;
    if (system(PYTHON " -c 'import numpy' >/dev/null 2>&1") != 0) {
        fprintf(stderr, "note: %s with numpy not found; numpy fixture tests will be skipped\n",
                PYTHON);
        return 0;
    }
    char script[256], cmd[600];
    write_raw(script, "fixtures.py", FIXTURE_SCRIPT, sizeof FIXTURE_SCRIPT - 1);
    snprintf(cmd, sizeof cmd, "%s '%s' '%s'", PYTHON, script, g_dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "note: writing the numpy fixtures failed; those tests will be skipped\n");
        return 0;
    }
    g_numpy = 1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- save and load ---------------------------------------------------- */

static void round_trip(void **state)
{
    (void)state;
    static const struct {
        int ndim;
        size_t shape[8];
    } cases[] = {
        {0, {0}},          {1, {7}},          {2, {3, 4}},       {4, {2, 1, 2, 3}},
        {1, {0}},          {3, {3, 0, 2}},    {8, {1, 2, 1, 2, 1, 1, 1, 2}},
    };
    float data[24] = {42.25f, NAN, -0.0f, INFINITY, -INFINITY, FLT_TRUE_MIN, FLT_MAX, -1e-30f};
    for (int k = 8; k < 24; k++)
        data[k] = (float)k / 3.0f - 2.0f;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char path[256], name[32], err[512];
        im_npy a;
        snprintf(name, sizeof name, "round_trip_%zu.npy", c);
        tpath(path, name);
        im_status st = im_npy_save_f32(path, data, cases[c].ndim, cases[c].shape, err, sizeof err);
        if (st != IM_OK)
            fail_msg("saving %s: %s", path, err);
        load_ok(path, &a);
        check_shape(&a, 'f', 4, cases[c].ndim, cases[c].shape);
        assert_memory_equal(a.data, data, a.count * sizeof(float));
        /* As np.save: the data starts at a multiple of 64 bytes. */
        struct stat sb;
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(((size_t)sb.st_size - a.count * sizeof(float)) % 64, 0);
        im_npy_free(&a);
    }
}

static void save_rank0_without_shape(void **state)
{
    (void)state;
    char path[256], err[256];
    im_npy a;
    const float v = -7.5f;
    tpath(path, "rank0.npy");
    assert_int_equal(im_npy_save_f32(path, &v, 0, NULL, err, sizeof err), IM_OK);
    load_ok(path, &a);
    check_shape(&a, 'f', 4, 0, NULL);
    assert_true(((float *)a.data)[0] == v);
    im_npy_free(&a);
}

static void save_errors(void **state)
{
    (void)state;
    char path[256], err[512];
    const float d[4] = {0};
    size_t shape[9] = {2, 2, 1, 1, 1, 1, 1, 1, 1};
    size_t huge[2] = {SIZE_MAX / 2, 3};
    size_t empty[2] = {0, 5};
    tpath(path, "save_errors.npy");

    assert_int_equal(im_npy_save_f32(NULL, d, 1, shape, err, sizeof err), IM_ERR_ARG);
    check_message(err, NULL, "path");
    assert_int_equal(im_npy_save_f32(path, d, 9, shape, err, sizeof err), IM_ERR_ARG);
    check_message(err, path, "9");
    assert_int_equal(im_npy_save_f32(path, d, -1, shape, err, sizeof err), IM_ERR_ARG);
    check_message(err, path, "-1");
    assert_int_equal(im_npy_save_f32(path, d, 2, NULL, err, sizeof err), IM_ERR_ARG);
    check_message(err, path, "shape");
    assert_int_equal(im_npy_save_f32(path, NULL, 2, shape, err, sizeof err), IM_ERR_ARG);
    check_message(err, path, "(2, 2)");
    assert_int_equal(im_npy_save_f32(path, d, 2, huge, err, sizeof err), IM_ERR_ARG);
    check_message(err, path, "too large");
    /* Nothing was created by the refused calls. */
    assert_int_not_equal(access(path, F_OK), 0);
    /* No data is needed for no elements. */
    assert_int_equal(im_npy_save_f32(path, NULL, 2, empty, err, sizeof err), IM_OK);

    tpath(path, "no_such_dir/x.npy");
    assert_int_equal(im_npy_save_f32(path, d, 1, shape, err, sizeof err), IM_ERR_IO);
    check_message(err, path, "No such file or directory");

    struct stat sb;
    if (stat("/dev/full", &sb) == 0 && S_ISCHR(sb.st_mode)) {
        assert_int_equal(im_npy_save_f32("/dev/full", d, 2, shape, err, sizeof err), IM_ERR_IO);
        check_message(err, "/dev/full", "No space left");
        assert_int_equal(stat("/dev/full", &sb), 0);
    }
}

static void numpy_reads_saved_file(void **state)
{
    (void)state;
    char path[256], err[256], cmd[1024];
    float d[24];
    const size_t shape[3] = {2, 3, 4};
    need_numpy();
    for (int k = 0; k < 24; k++)
        d[k] = (float)k * 0.5f - 3.0f;
    tpath(path, "for_numpy.npy");
    assert_int_equal(im_npy_save_f32(path, d, 3, shape, err, sizeof err), IM_OK);
    snprintf(cmd, sizeof cmd,
             "%s -c \"import sys, numpy as np; a = np.load(sys.argv[1]); "
             "sys.exit(0 if a.dtype == np.dtype('<f4') and a.shape == (2, 3, 4) and "
             "(a.ravel() == np.arange(24, dtype='<f4') * 0.5 - 3).all() else 1)\" '%s'",
             PYTHON, path);
    assert_int_equal(system(cmd), 0);
}

/* im_npy_write of int32 labels to a stream: numpy reads '<i4' and the
 * values; no stream or an unknown type is IM_ERR_ARG. */
static void numpy_reads_streamed_i32(void **state)
{
    (void)state;
    char path[256], err[256], cmd[1024];
    const int32_t y[5] = {-1, 0, 7, 2147483647, -2147483647 - 1};
    const size_t shape[1] = {5};
    need_numpy();
    tpath(path, "labels_i4.npy");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(im_npy_write(f, path, IM_NPY_I32, y, 1, shape, err, sizeof err), IM_OK);
    assert_int_equal(fclose(f), 0);
    snprintf(cmd, sizeof cmd,
             "%s -c \"import sys, numpy as np; a = np.load(sys.argv[1]); "
             "sys.exit(0 if a.dtype == np.dtype('<i4') and a.shape == (5,) and "
             "a.tolist() == [-1, 0, 7, 2**31 - 1, -2**31] else 1)\" '%s'",
             PYTHON, path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(im_npy_write(NULL, path, IM_NPY_I32, y, 1, shape, err, sizeof err),
                     IM_ERR_ARG);
    assert_int_equal(im_npy_write(stdout, path, (im_npy_dtype)7, y, 1, shape, err, sizeof err),
                     IM_ERR_ARG);
    check_message(err, path, "unknown element type 7");
}

/* ---- files written by numpy ------------------------------------------- */

static void numpy_f4_rank0_v1(void **state)
{
    (void)state;
    const float want = 3.5f;
    check_fixture("f4_r0_v1.npy", 'f', 4, 0, NULL, &want, sizeof want);
}

static void numpy_f4_rank3_v2(void **state)
{
    (void)state;
    const size_t shape[3] = {2, 3, 4};
    float want[24];
    for (int k = 0; k < 24; k++)
        want[k] = (float)((double)(k - 5) * 0.25 + 1.0 / 3.0);
    check_fixture("f4_r3_v2.npy", 'f', 4, 3, shape, want, sizeof want);
}

static void numpy_f8_rank1_v1(void **state)
{
    (void)state;
    const size_t shape[1] = {7};
    const double want[7] = {0.1, -2.5, 1e300, 4.9406564584124654e-324, INFINITY, -INFINITY, -0.0};
    check_fixture("f8_r1_v1.npy", 'f', 8, 1, shape, want, sizeof want);
}

static void numpy_i1_rank1_v3(void **state)
{
    (void)state;
    const size_t shape[1] = {5};
    const int8_t want[5] = {-128, -1, 0, 1, 127};
    check_fixture("i1_r1_v3.npy", 'i', 1, 1, shape, want, sizeof want);
}

static void numpy_i8_rank1_v2(void **state)
{
    (void)state;
    const size_t shape[1] = {5};
    const int64_t want[5] = {INT64_MIN, -1, 0, (int64_t)1 << 40, INT64_MAX};
    check_fixture("i8_r1_v2.npy", 'i', 8, 1, shape, want, sizeof want);
}

static void numpy_u1_rank4_v3(void **state)
{
    (void)state;
    const size_t shape[4] = {2, 1, 3, 2};
    uint8_t want[12];
    for (int k = 0; k < 12; k++)
        want[k] = (uint8_t)(k * 21 + 3);
    check_fixture("u1_r4_v3.npy", 'u', 1, 4, shape, want, sizeof want);
}

static void numpy_b1_rank3_v1(void **state)
{
    (void)state;
    const size_t shape[3] = {1, 2, 3};
    const uint8_t want[6] = {1, 0, 0, 1, 1, 0};
    check_fixture("b1_r3_v1.npy", 'b', 1, 3, shape, want, sizeof want);
}

static void numpy_empty_v1(void **state)
{
    (void)state;
    const size_t shape[3] = {2, 0, 3};
    check_fixture("f4_empty_v1.npy", 'f', 4, 3, shape, "", 0);
}

static void numpy_np_save(void **state)
{
    (void)state;
    const size_t shape[2] = {2, 3};
    const int32_t want[6] = {0, 1, 2, 3, 4, 5};
    check_fixture("i4_np_save.npy", 'i', 4, 2, shape, want, sizeof want);
}

static void numpy_rejected_files(void **state)
{
    (void)state;
    char path[256];
    need_numpy();
    tpath(path, "be_f4.npy");
    check_load_error(path, IM_ERR_FORMAT, "big-endian dtype '>f4'");
    tpath(path, "fortran.npy");
    check_load_error(path, IM_ERR_FORMAT, "Fortran order is not supported");
    tpath(path, "c8.npy");
    check_load_error(path, IM_ERR_FORMAT, "unsupported dtype '<c8'");
    tpath(path, "str_U3.npy");
    check_load_error(path, IM_ERR_FORMAT, "unsupported dtype '<U3'");
}

/* ---- header variants (hand-made) -------------------------------------- */

static void header_variants(void **state)
{
    (void)state;
    static const struct {
        int major;
        const char *dict;
        char kind;
        int itemsize, ndim;
        size_t shape[3];
    } cases[] = {
        {1, "{'shape': (2,), 'fortran_order': False, 'descr': '<i2', }", 'i', 2, 1, {2}},
        {2, "{ \"descr\" : \"<u2\" ,\"fortran_order\":False,\"shape\":( 2 , )}", 'u', 2, 1, {2}},
        {3, "{'descr': '=i4', 'fortran_order': False, 'shape': (1, 2)}", 'i', 4, 2, {1, 2}},
        {1, "{'descr': '<i1', 'fortran_order': False, 'shape': (8,), }", 'i', 1, 1, {8}},
        {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 4), }", 'i', 1, 2, {2, 4}},
        {1, "{'descr': '|u1', 'fortran_order': False, 'shape': (8,), }", 'u', 1, 1, {8}},
        {1, "{'descr': '>u1', 'fortran_order': False, 'shape': (8,), }", 'u', 1, 1, {8}},
        {1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2, 2), }", 'b', 1, 3, {2, 2, 2}},
        {1, "{'descr': '<u4', 'fortran_order': False, 'shape': (2L,), }", 'u', 4, 1, {2}},
        {2, "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", 'i', 8, 1, {1}},
        {2, "{'descr': '<u8', 'fortran_order': False, 'shape': (1, 1, 1, ), }", 'u', 8, 3,
         {1, 1, 1}},
        {3, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 'f', 8, 0, {0}},
        {1, "{'descr': '=f4',\t'fortran_order': False,\n 'shape': (2,)}\n", 'f', 4, 1, {2}},
        /* A shape with a zero has no elements, however large the rest. */
        {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 0), }",
         'f', 8, 3, {4294967296u, 4294967296u, 0}},
    };
    const unsigned char bytes[8] = {1, 0x82, 3, 0x84, 5, 0x86, 7, 0x88};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char path[256], name[32];
        im_npy a;
        size_t len = cases[c].itemsize;
        for (int k = 0; k < cases[c].ndim; k++)
            len *= cases[c].shape[k];
        snprintf(name, sizeof name, "variant_%zu.npy", c);
        write_npy(path, name, cases[c].major, cases[c].dict, bytes, len);
        load_ok(path, &a);
        check_shape(&a, cases[c].kind, cases[c].itemsize, cases[c].ndim, cases[c].shape);
        assert_memory_equal(a.data, bytes, len);
        im_npy_free(&a);
    }
}

/* ---- conversions -------------------------------------------------------- */

static void check_floats(const im_npy *a, const float *want)
{
    float *f = NULL;
    char err[256];
    im_status st = im_npy_as_float(a, &f, err, sizeof err);
    if (st != IM_OK)
        fail_msg("as_float(%c%d): %s", a->kind, a->itemsize, err);
    for (size_t k = 0; k < a->count; k++)
        if (!(f[k] == want[k] || (isnan(f[k]) && isnan(want[k]))) ||
            signbit(f[k]) != signbit(want[k]))
            fail_msg("as_float(%c%d)[%zu] = %.9g, want %.9g", a->kind, a->itemsize, k,
                     (double)f[k], (double)want[k]);
    free(f);
}

static void as_float_all_dtypes(void **state)
{
    (void)state;
    const float f4[3] = {1.5f, -0.0f, NAN};
    const double f8[5] = {0.1, -2.5, 1e300, -1e300, NAN};
    const int8_t i1[2] = {-128, 127};
    const int16_t i2[2] = {-32768, 32767};
    const int32_t i4[2] = {INT32_MIN, 16777217};
    const int64_t i8[3] = {INT64_MIN, INT64_MAX, 16777217};
    const uint8_t u1[2] = {0, 255};
    const uint16_t u2[1] = {65535};
    const uint32_t u4[1] = {UINT32_MAX};
    const uint64_t u8[1] = {UINT64_MAX};
    const uint8_t b1[3] = {0, 1, 2};
    im_npy a;

    a = make_array('f', 4, 3, f4);
    check_floats(&a, f4);
    a = make_array('f', 8, 5, f8);
    check_floats(&a, (const float[]){0.1f, -2.5f, INFINITY, -INFINITY, NAN});
    a = make_array('i', 1, 2, i1);
    check_floats(&a, (const float[]){-128.0f, 127.0f});
    a = make_array('i', 2, 2, i2);
    check_floats(&a, (const float[]){-32768.0f, 32767.0f});
    a = make_array('i', 4, 2, i4);
    check_floats(&a, (const float[]){-2147483648.0f, 16777216.0f});
    a = make_array('i', 8, 3, i8);
    check_floats(&a, (const float[]){-9223372036854775808.0f, 9223372036854775808.0f,
                                     16777216.0f});
    a = make_array('u', 1, 2, u1);
    check_floats(&a, (const float[]){0.0f, 255.0f});
    a = make_array('u', 2, 1, u2);
    check_floats(&a, (const float[]){65535.0f});
    a = make_array('u', 4, 1, u4);
    check_floats(&a, (const float[]){4294967296.0f});
    a = make_array('u', 8, 1, u8);
    check_floats(&a, (const float[]){18446744073709551616.0f});
    a = make_array('b', 1, 3, b1);
    check_floats(&a, (const float[]){0.0f, 1.0f, 1.0f});
}

static void as_float_errors(void **state)
{
    (void)state;
    float *f = (float *)&f;
    char err[256];
    const float one = 1.0f;
    im_npy a = make_array('f', 4, 1, &one);
    assert_int_equal(im_npy_as_float(NULL, &f, err, sizeof err), IM_ERR_ARG);
    check_message(err, NULL, "array");
    assert_int_equal(im_npy_as_float(&a, NULL, err, sizeof err), IM_ERR_ARG);
    a = make_array('c', 8, 1, &one);
    assert_int_equal(im_npy_as_float(&a, &f, err, sizeof err), IM_ERR_ARG);
    check_message(err, NULL, "dtype");
    a = make_array('f', 2, 1, &one);
    assert_int_equal(im_npy_as_float(&a, &f, err, sizeof err), IM_ERR_ARG);
    a = make_array('f', 4, 3, NULL);
    assert_int_equal(im_npy_as_float(&a, &f, err, sizeof err), IM_ERR_ARG);
    check_message(err, NULL, "3 elements");
    /* No elements: a valid (empty) result. */
    a = make_array('f', 4, 0, NULL);
    assert_int_equal(im_npy_as_float(&a, &f, err, sizeof err), IM_OK);
    assert_non_null(f);
    free(f);
}

static void check_labels(const im_npy *a, const int32_t *want)
{
    int32_t *l = NULL;
    char err[256];
    im_status st = im_npy_as_labels(a, "labels.npy", &l, err, sizeof err);
    if (st != IM_OK)
        fail_msg("as_labels(%c%d): %s", a->kind, a->itemsize, err);
    assert_memory_equal(l, want, a->count * sizeof(int32_t));
    free(l);
}

static void as_labels_all_dtypes(void **state)
{
    (void)state;
    const int8_t i1[2] = {-128, 127};
    const int16_t i2[2] = {-32768, 32767};
    const int32_t i4[2] = {INT32_MIN, INT32_MAX};
    const int64_t i8[3] = {INT32_MIN, INT32_MAX, 0};
    const uint8_t u1[2] = {0, 255};
    const uint16_t u2[1] = {65535};
    const uint32_t u4[2] = {0, INT32_MAX};
    const uint64_t u8[2] = {9, INT32_MAX};
    const uint8_t b1[3] = {0, 1, 5};
    const float f4[5] = {-3.0f, 0.0f, 7.0f, -0.0f, 2147483520.0f};
    const double f8[3] = {-2147483648.0, 2147483647.0, 42.0};
    im_npy a;

    a = make_array('i', 1, 2, i1);
    check_labels(&a, (const int32_t[]){-128, 127});
    a = make_array('i', 2, 2, i2);
    check_labels(&a, (const int32_t[]){-32768, 32767});
    a = make_array('i', 4, 2, i4);
    check_labels(&a, i4);
    a = make_array('i', 8, 3, i8);
    check_labels(&a, (const int32_t[]){INT32_MIN, INT32_MAX, 0});
    a = make_array('u', 1, 2, u1);
    check_labels(&a, (const int32_t[]){0, 255});
    a = make_array('u', 2, 1, u2);
    check_labels(&a, (const int32_t[]){65535});
    a = make_array('u', 4, 2, u4);
    check_labels(&a, (const int32_t[]){0, INT32_MAX});
    a = make_array('u', 8, 2, u8);
    check_labels(&a, (const int32_t[]){9, INT32_MAX});
    a = make_array('b', 1, 3, b1);
    check_labels(&a, (const int32_t[]){0, 1, 1});
    a = make_array('f', 4, 5, f4);
    check_labels(&a, (const int32_t[]){-3, 0, 7, 0, 2147483520});
    a = make_array('f', 8, 3, f8);
    check_labels(&a, (const int32_t[]){INT32_MIN, INT32_MAX, 42});
}

/* as_labels of a one-element-or-more array fails, naming path, value, index. */
static void check_label_error(char kind, int itemsize, size_t count, const void *data,
                              im_status want, const char *frag)
{
    const char *path = "/data/labels.npy";
    int32_t *l = (int32_t *)&l;
    char err[256];
    im_npy a = make_array(kind, itemsize, count, data);
    im_status st = im_npy_as_labels(&a, path, &l, err, sizeof err);
    if (st != want)
        fail_msg("as_labels(%c%d) status %d, want %d ('%s')", kind, itemsize, (int)st,
                 (int)want, st == IM_OK ? "" : err);
    check_message(err, path, frag);
    assert_null(l);
}

static void as_labels_errors(void **state)
{
    (void)state;
    const float f4_half[2] = {1.0f, 1.5f};
    const float f4_big[1] = {2147483648.0f};
    const double f8_nan[1] = {NAN};
    const double f8_inf[1] = {-INFINITY};
    const double f8_3e9[1] = {3e9};
    const double f8_2p31[1] = {2147483648.0};
    const double f8_low[1] = {-2147483649.0};
    const double f8_frac[1] = {2147483647.5};
    const double f8_tiny[3] = {0.0, 1.0, 1e-300};
    const int64_t i8_2p31[3] = {0, 1, 2147483648LL};
    const int64_t i8_low[1] = {-2147483649LL};
    const int64_t i8_min[1] = {INT64_MIN};
    const uint32_t u4_2p31[1] = {2147483648u};
    const uint64_t u8_max[1] = {UINT64_MAX};

    check_label_error('f', 4, 2, f4_half, IM_ERR_FORMAT,
                      "label 1.5 at element 1 is not an integer");
    check_label_error('f', 4, 1, f4_big, IM_ERR_FORMAT, "2147483648 at element 0 is out of int32");
    check_label_error('f', 8, 1, f8_nan, IM_ERR_FORMAT, "nan at element 0 is not an integer");
    check_label_error('f', 8, 1, f8_inf, IM_ERR_FORMAT, "-inf at element 0 is not an integer");
    check_label_error('f', 8, 1, f8_3e9, IM_ERR_FORMAT, "label 3000000000 at element 0 is out");
    check_label_error('f', 8, 1, f8_2p31, IM_ERR_FORMAT, "2147483648 at element 0 is out");
    check_label_error('f', 8, 1, f8_low, IM_ERR_FORMAT, "-2147483649 at element 0 is out");
    check_label_error('f', 8, 1, f8_frac, IM_ERR_FORMAT, "2147483647.5 at element 0 is not");
    check_label_error('f', 8, 3, f8_tiny, IM_ERR_FORMAT, "1e-300 at element 2 is not an integer");
    check_label_error('i', 8, 3, i8_2p31, IM_ERR_FORMAT,
                      "label 2147483648 at element 2 is out of int32 range");
    check_label_error('i', 8, 1, i8_low, IM_ERR_FORMAT, "label -2147483649 at element 0");
    check_label_error('i', 8, 1, i8_min, IM_ERR_FORMAT, "-9223372036854775808");
    check_label_error('u', 4, 1, u4_2p31, IM_ERR_FORMAT, "label 2147483648 at element 0");
    check_label_error('u', 8, 1, u8_max, IM_ERR_FORMAT, "label 18446744073709551615");
    check_label_error('x', 4, 1, f4_big, IM_ERR_ARG, "dtype");
    check_label_error('i', 4, 2, NULL, IM_ERR_ARG, "2 elements");

    /* Without a path the message still says what failed. */
    int32_t *l = NULL;
    char err[256];
    im_npy a = make_array('f', 4, 2, f4_half);
    assert_int_equal(im_npy_as_labels(&a, NULL, &l, err, sizeof err), IM_ERR_FORMAT);
    check_message(err, NULL, "label 1.5 at element 1");
    assert_int_equal(im_npy_as_labels(NULL, "x.npy", &l, err, sizeof err), IM_ERR_ARG);
    check_message(err, "x.npy", NULL);
}

/* ---- bad files -------------------------------------------------------- */

static void missing_file_and_directory(void **state)
{
    (void)state;
    char path[256];
    tpath(path, "does_not_exist.npy");
    check_load_error(path, IM_ERR_IO, "cannot open: No such file or directory");
    check_load_error(g_dir, IM_ERR_IO, "Is a directory");
}

static void empty_file(void **state)
{
    (void)state;
    char path[256];
    write_raw(path, "empty.npy", "", 0);
    check_load_error(path, IM_ERR_FORMAT, "empty file");
}

static void bad_magic(void **state)
{
    (void)state;
    char path[256];
    write_raw(path, "text.npy", "hello, world\n", 13);
    check_load_error(path, IM_ERR_FORMAT, "not a .npy file (bad magic)");
    write_raw(path, "npz.npy", "\x93NUMPZ\x01\x00\x10\x00", 10);
    check_load_error(path, IM_ERR_FORMAT, "bad magic");
    write_raw(path, "short_magic.npy", "\x93NUM", 4);
    check_load_error(path, IM_ERR_FORMAT, "bad magic");
}

static void truncated_header(void **state)
{
    (void)state;
    char path[256];
    write_raw(path, "no_version.npy", "\x93NUMPY\x01", 7);
    check_load_error(path, IM_ERR_FORMAT, "truncated header: file has only 7 bytes");
    write_raw(path, "half_len_v1.npy", "\x93NUMPY\x01\x00\x76", 9);
    check_load_error(path, IM_ERR_FORMAT, "truncated header: file has only 9 bytes");
    write_raw(path, "half_len_v2.npy", "\x93NUMPY\x02\x00\x76\x00", 10);
    check_load_error(path, IM_ERR_FORMAT, "truncated header: file has only 10 bytes");
    /* Header length beyond the end of the file. */
    unsigned char img[10 + 20];
    memcpy(img, "\x93NUMPY\x01\x00\xe8\x03", 10); /* 1000 */
    memcpy(img + 10, "{'descr': '<f4', 'fo", 20);
    write_raw(path, "hlen_beyond_file.npy", img, sizeof img);
    check_load_error(path, IM_ERR_FORMAT, "truncated header: header says 1000 bytes, file has 20");
    memcpy(img, "\x93NUMPY\x03\x00\xc8\x00\x00\x00", 12); /* 200 */
    write_raw(path, "hlen_beyond_file_v3.npy", img, 20);
    check_load_error(path, IM_ERR_FORMAT, "truncated header: header says 200 bytes, file has 8");
}

static void header_too_long(void **state)
{
    (void)state;
    char path[256];
    write_raw(path, "hlen_huge.npy", "\x93NUMPY\x02\x00\xf0\xff\xff\xff{}", 14);
    check_load_error(path, IM_ERR_FORMAT, "header too long: 4294967280 bytes");
    /* Just over the limit, with the header really there. */
    size_t n = 12 + 65537;
    unsigned char *img = malloc(n);
    assert_non_null(img);
    memcpy(img, "\x93NUMPY\x02\x00\x01\x00\x01\x00", 12);
    memset(img + 12, ' ', 65537);
    img[12] = '{';
    write_raw(path, "hlen_over_limit.npy", img, n);
    free(img);
    check_load_error(path, IM_ERR_FORMAT, "header too long: 65537 bytes");
}

static void unsupported_version(void **state)
{
    (void)state;
    char path[256];
    write_raw(path, "v4.npy", "\x93NUMPY\x04\x00\x10\x00\x00\x00", 12);
    check_load_error(path, IM_ERR_FORMAT, "unsupported .npy format version 4.0");
    write_raw(path, "v1_1.npy", "\x93NUMPY\x01\x01\x10\x00", 10);
    check_load_error(path, IM_ERR_FORMAT, "version 1.1");
    write_raw(path, "v0.npy", "\x93NUMPY\x00\x00\x10\x00", 10);
    check_load_error(path, IM_ERR_FORMAT, "version 0.0");
}

static void truncated_data(void **state)
{
    (void)state;
    char path[256];
    unsigned char data[100] = {0};
    write_npy(path, "short_data.npy", 1,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (1024,), }", data, 100);
    check_load_error(path, IM_ERR_FORMAT,
                     "truncated: header says 4096 bytes of data, file has 100");
    write_npy(path, "no_data.npy", 2,
              "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", NULL, 0);
    check_load_error(path, IM_ERR_FORMAT, "header says 48 bytes of data, file has 0");
    /* A shape far beyond the file is refused before anything is allocated. */
    write_npy(path, "huge_shape.npy", 1,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }", data, 8);
    check_load_error(path, IM_ERR_FORMAT, "header says 4000000000000 bytes of data, file has 8");
}

static void trailing_bytes(void **state)
{
    (void)state;
    char path[256];
    unsigned char data[20] = {0};
    write_npy(path, "trailing.npy", 1,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data, 20);
    check_load_error(path, IM_ERR_FORMAT, "file has 12 bytes after the data");
    write_npy(path, "trailing_empty.npy", 3,
              "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", data, 1);
    check_load_error(path, IM_ERR_FORMAT, "file has 1 bytes after the data");
}

static void fortran_order(void **state)
{
    (void)state;
    check_header_error("fortran_hand.npy", 1,
                       "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1), }",
                       IM_ERR_FORMAT, "Fortran order is not supported");
}

static void big_endian(void **state)
{
    (void)state;
    check_header_error("be_f8.npy", 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (1,)}",
                       IM_ERR_FORMAT, "big-endian dtype '>f8' is not supported");
    check_header_error("be_i4.npy", 2, "{'descr': '>i4', 'fortran_order': False, 'shape': (2,)}",
                       IM_ERR_FORMAT, "big-endian dtype '>i4'");
    check_header_error("be_u2.npy", 3, "{'descr': '>u2', 'fortran_order': False, 'shape': (4,)}",
                       IM_ERR_FORMAT, "big-endian dtype '>u2'");
}

static void unsupported_dtypes(void **state)
{
    (void)state;
    static const char *const descrs[] = {"'<c8'", "'<U3'", "'<f2'", "'|O'", "'<i3'", "'<f16'",
                                         "'|S5'", "'<M8[ns]'", "''", "'f4'", "'>c8'"};
    for (size_t c = 0; c < sizeof descrs / sizeof descrs[0]; c++) {
        char name[32], dict[128], frag[64];
        snprintf(name, sizeof name, "dtype_%zu.npy", c);
        snprintf(dict, sizeof dict, "{'descr': %s, 'fortran_order': False, 'shape': (2,), }",
                 descrs[c]);
        snprintf(frag, sizeof frag, "unsupported dtype %s", descrs[c]);
        check_header_error(name, 1, dict, IM_ERR_FORMAT, frag);
    }
    check_header_error("dtype_struct.npy", 1,
                       "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
                       IM_ERR_FORMAT, "unsupported dtype [('a', '<f4')]");
}

static void malformed_dicts(void **state)
{
    (void)state;
    static const struct {
        const char *dict, *frag;
    } cases[] = {
        {"", "expected '{', found end of header"},
        {"[1, 2]", "expected '{' at byte 0, found '[1, 2]"},
        {"{'descr': '<f4', 'fortran_order': False}", "header has no 'shape'"},
        {"{'shape': (2,), 'fortran_order': False}", "header has no 'descr'"},
        {"{'descr': '<f4', 'shape': (2,)}", "header has no 'fortran_order'"},
        {"{}", "header has no 'descr'"},
        {"{'descr' '<f4', 'fortran_order': False, 'shape': (2,)}", "expected ':' after a key"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
         "unexpected key 'extra'"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
         "key 'descr' appears twice"},
        {"{'descr': '<f4', 'fortran_order': maybe, 'shape': (2,)}",
         "fortran_order must be True or False, got 'maybe'"},
        {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,)}", "got 'Falsey'"},
        {"{'descr': '<f4", "expected a quoted dtype"},
        {"{'descr': <f4, 'fortran_order': False, 'shape': (2,)}", "expected a quoted dtype"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': 2}", "shape must be a tuple, got '2'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2)}", "shape '(2)' is not a tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, x)}", "expected a dimension"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 1)}", "expected ',' or ')'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,", "expected a dimension"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk",
         "expected only blanks after '}'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", "expected ',' or '}'"},
        {"{'descr': '<f4',, 'fortran_order': False, 'shape': (2,)}", "expected a quoted key"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,2)}",
         "shape has more than 8 dimensions"},
        {"{'de\\'scr': '<f4', 'fortran_order': False, 'shape': (2,)}", "expected a quoted key"},
        /* Control characters from the file are shown as '?'. */
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\x01\x1b[2J",
         "found '??[2J"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char name[32];
        snprintf(name, sizeof name, "malformed_%zu.npy", c);
        check_header_error(name, c % 3 + 1, cases[c].dict, IM_ERR_FORMAT, cases[c].frag);
    }
}

static void bad_dimensions(void **state)
{
    (void)state;
    check_header_error("neg_dim.npy", 1,
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }",
                       IM_ERR_FORMAT, "negative dimension '-3' in shape");
    check_header_error("neg_dim2.npy", 1,
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }",
                       IM_ERR_FORMAT, "negative dimension '-1'");
    check_header_error("huge_dim.npy", 2,
                       "{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (99999999999999999999999,), }",
                       IM_ERR_FORMAT, "dimension 99999999999999999999999 in shape is too large");
    check_header_error("product_overflow.npy", 1,
                       "{'descr': '<u1', 'fortran_order': False, "
                       "'shape': (4294967296, 4294967296, 4294967296), }",
                       IM_ERR_FORMAT, "shape (4294967296, 4294967296, 4294967296) is too large");
    /* 2^62 elements fit in size_t, 2^65 bytes do not. */
    check_header_error("bytes_overflow.npy", 1,
                       "{'descr': '<f8', 'fortran_order': False, "
                       "'shape': (4611686018427387904,), }",
                       IM_ERR_FORMAT, "too large");
}

/* A stream of unknown size (a FIFO): the same checks after reading. */
static void check_fifo(const char *name, const void *img, size_t n, im_status want,
                       const char *frag)
{
    char path[256], err[512];
    im_npy a;
    tpath(path, name);
    assert_int_equal(mkfifo(path, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY);
        if (fd >= 0 && write(fd, img, n) == (ssize_t)n)
            _exit(0);
        _exit(1);
    }
    im_status st = im_npy_load(path, &a, err, sizeof err);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (st != want)
        fail_msg("%s: status %d, want %d ('%s')", path, (int)st, (int)want,
                 st == IM_OK ? "" : err);
    if (want == IM_OK) {
        assert_int_equal(a.count, 2);
        assert_true(((float *)a.data)[1] == 2.0f);
        im_npy_free(&a);
    } else {
        check_message(err, path, frag);
        assert_null(a.data);
    }
}

static void stream_input(void **state)
{
    (void)state;
    const float data[5] = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f};
    unsigned char *img;
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    size_t n = make_npy(&img, 1, dict, data, sizeof data);
    check_fifo("fifo_ok.fifo", img, n - 12, IM_OK, NULL);
    check_fifo("fifo_trailing.fifo", img, n, IM_ERR_FORMAT, "file has 12 bytes after the data");
    check_fifo("fifo_truncated.fifo", img, n - 16, IM_ERR_FORMAT,
               "truncated: header says 8 bytes of data, file has 4");
    free(img);
}

static void error_buffer_handling(void **state)
{
    (void)state;
    char path[256], err[12];
    im_npy a;
    tpath(path, "missing.npy");
    /* No buffer, an empty one, a short one: the status is the same. */
    assert_int_equal(im_npy_load(path, &a, NULL, 0), IM_ERR_IO);
    assert_int_equal(im_npy_load(path, &a, err, 0), IM_ERR_IO);
    memset(err, 'x', sizeof err);
    assert_int_equal(im_npy_load(path, &a, err, sizeof err), IM_ERR_IO);
    assert_int_equal(strlen(err), sizeof err - 1);
    assert_int_equal(im_npy_load(NULL, &a, NULL, 0), IM_ERR_ARG);
    assert_int_equal(im_npy_load(path, NULL, NULL, 0), IM_ERR_ARG);
    /* A newline in the path does not split the message. */
    char big[512];
    tpath(path, "bad\nname.npy");
    assert_int_equal(im_npy_load(path, &a, big, sizeof big), IM_ERR_IO);
    check_message(big, NULL, "bad?name.npy: cannot open");
    im_npy_free(NULL);
    memset(&a, 0, sizeof a);
    im_npy_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(save_rank0_without_shape),
        cmocka_unit_test(save_errors),
        cmocka_unit_test(numpy_reads_saved_file),
        cmocka_unit_test(numpy_reads_streamed_i32),
        cmocka_unit_test(numpy_f4_rank0_v1),
        cmocka_unit_test(numpy_f4_rank3_v2),
        cmocka_unit_test(numpy_f8_rank1_v1),
        cmocka_unit_test(numpy_i1_rank1_v3),
        cmocka_unit_test(numpy_i8_rank1_v2),
        cmocka_unit_test(numpy_u1_rank4_v3),
        cmocka_unit_test(numpy_b1_rank3_v1),
        cmocka_unit_test(numpy_empty_v1),
        cmocka_unit_test(numpy_np_save),
        cmocka_unit_test(numpy_rejected_files),
        cmocka_unit_test(header_variants),
        cmocka_unit_test(as_float_all_dtypes),
        cmocka_unit_test(as_float_errors),
        cmocka_unit_test(as_labels_all_dtypes),
        cmocka_unit_test(as_labels_errors),
        cmocka_unit_test(missing_file_and_directory),
        cmocka_unit_test(empty_file),
        cmocka_unit_test(bad_magic),
        cmocka_unit_test(truncated_header),
        cmocka_unit_test(header_too_long),
        cmocka_unit_test(unsupported_version),
        cmocka_unit_test(truncated_data),
        cmocka_unit_test(trailing_bytes),
        cmocka_unit_test(fortran_order),
        cmocka_unit_test(big_endian),
        cmocka_unit_test(unsupported_dtypes),
        cmocka_unit_test(malformed_dicts),
        cmocka_unit_test(bad_dimensions),
        cmocka_unit_test(stream_input),
        cmocka_unit_test(error_buffer_handling),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
