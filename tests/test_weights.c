/* The weights file layout (weights_layout.h) against this Darknet itself,
 * for every layer type that has weights: the plugin's writer gives the
 * bytes of Darknet's save_weights, and load_weights puts the floats of a
 * file whose every float is its own index exactly where the LOAD walk
 * says (so the walk's order and sizes are Darknet's), also with the cfg
 * flags dontload, dontloadscales, numload and dontsave.  A
 * [deconvolutional] layer, which the walk refuses to load, does crash
 * load_weights.  Then the file checks (weights_check.h) and the atomic
 * save's failures.  Everything is written in a mkdtemp folder, the
 * working directory. */
#include "tmpdir_fixture.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "darknet.h"
#include "darknet/weights_check.h"
#include "darknet/weights_layout.h"
#include "darknet/weights_save.h"

typedef struct net_case {
    const char *name;
    const char *input; /* [net] height, width, channels (and time_steps) */
    const char *layers;
} net_case;

#define IMG(h, w, c) "height=" #h "\nwidth=" #w "\nchannels=" #c "\n"
#define SEQ(c) IMG(1, 1, c) "time_steps=1\n"

/* One of each layer type with weights, with and without batch norm;
 * layers without weights around them. */
static const net_case k_cases[] = {
    {"conv", IMG(8, 8, 1), "[convolutional]\nfilters=4\nsize=3\npad=0\nactivation=relu\n"},
    {"conv-bn", IMG(8, 8, 2),
     "[convolutional]\nfilters=4\nsize=3\npad=1\nbatch_normalize=1\nactivation=relu\n"},
    {"conv-groups", IMG(8, 8, 4), "[convolutional]\nfilters=4\nsize=3\ngroups=2\n"},
    {"connected", IMG(8, 8, 1), "[maxpool]\nsize=2\nstride=2\n\n[connected]\noutput=3\n"},
    {"connected-bn", IMG(8, 8, 1), "[connected]\noutput=3\nbatch_normalize=1\n\n[softmax]\n"},
    {"batchnorm", IMG(8, 8, 3), "[batchnorm]\n\n[dropout]\nprobability=0\n"},
    {"rnn", SEQ(5), "[rnn]\noutput=3\nactivation=leaky\n"},
    {"rnn-bn", SEQ(5), "[rnn]\noutput=3\nbatch_normalize=1\n"},
    {"lstm", SEQ(5), "[lstm]\noutput=3\n"},
    {"gru", SEQ(5), "[gru]\noutput=3\n"},
    {"crnn", IMG(6, 6, 2) "time_steps=1\n",
     "[crnn]\noutput_filters=3\nhidden_filters=4\nactivation=leaky\n"},
    {"local", IMG(6, 6, 2), "[local]\nfilters=3\nsize=3\nstride=1\npad=0\n"},
    {"lenet", IMG(8, 8, 1),
     "[convolutional]\nfilters=2\nsize=3\npad=1\n\n[maxpool]\nsize=2\nstride=2\n\n"
     "[convolutional]\nfilters=3\nsize=3\npad=1\nbatch_normalize=1\n\n[connected]\noutput=5\n\n"
     "[connected]\noutput=3\n\n[softmax]\n"},
};

/* The cfg flags that change what load_weights reads or save_weights writes. */
static const net_case k_flags[] = {
    {"dontloadscales", IMG(8, 8, 2),
     "[convolutional]\nfilters=4\nsize=3\nbatch_normalize=1\ndontloadscales=1\n\n"
     "[connected]\noutput=2\nbatch_normalize=1\ndontloadscales=1\n"},
    {"numload", IMG(8, 8, 1),
     "[convolutional]\nfilters=4\nsize=3\nnumload=2\n\n"
     "[connected]\noutput=2\n"},
    {"dontload", IMG(8, 8, 1),
     "[convolutional]\nfilters=4\nsize=3\ndontload=1\n\n"
     "[connected]\noutput=2\n"},
    {"dontsave", IMG(8, 8, 1),
     "[convolutional]\nfilters=4\nsize=3\n\n"
     "[connected]\noutput=2\ndontsave=1\n"},
};

static network *parse(const net_case *c, unsigned seed)
{
    char path[64];
    snprintf(path, sizeof path, "%s.cfg", c->name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "[net]\nbatch=2\n%s\n%s", c->input, c->layers);
    fclose(f);
    srand(seed);
    return parse_network_cfg(path);
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static void assert_same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    assert_non_null(fa);
    assert_non_null(fb);
    int ca, cb;
    long at = 0;
    do {
        ca = fgetc(fa);
        cb = fgetc(fb);
        if (ca != cb)
            fail_msg("%s and %s differ at byte %ld", a, b, at);
        at++;
    } while (ca != EOF);
    fclose(fa);
    fclose(fb);
}

static size_t floats(const network *net, im_dn_weights_dir dir)
{
    size_t n = 0;
    char err[256] = "";
    if (im_dn_weights_floats(net, dir, "x.cfg", &n, err, sizeof err) != IM_OK)
        fail_msg("%s", err);
    return n;
}

/* The plugin's bytes are save_weights' bytes, of the size the walk gives. */
static void save_case(const net_case *c)
{
    network *net = parse(c, 1);
    *net->seen = 123456789;
    char theirs[80], ours[80], err[256] = "";
    snprintf(theirs, sizeof theirs, "%s.darknet.weights", c->name);
    snprintf(ours, sizeof ours, "%s.plugin.weights", c->name);
    save_weights(net, theirs);
    if (im_dn_weights_save(net, ours, err, sizeof err) != IM_OK)
        fail_msg("%s: %s", c->name, err);
    assert_same_file(theirs, ours);
    long want = 12 + (long)sizeof(size_t) + 4 * (long)floats(net, IM_DN_WEIGHTS_SAVE);
    if (file_size(ours) != want)
        fail_msg("%s: %ld bytes, the walk says %ld", c->name, file_size(ours), want);
    free_network(net);
}

static void writer_is_save_weights(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof k_cases / sizeof *k_cases; i++)
        save_case(&k_cases[i]);
    for (size_t i = 0; i < sizeof k_flags / sizeof *k_flags; i++)
        save_case(&k_flags[i]);
}

/* A 0.2.0 file of k floats, each its own index, then 16 floats -1. */
static void write_indexed(const char *path, size_t k)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    int32_t v[3] = {0, 2, 0};
    size_t seen = 77;
    fwrite(v, sizeof v, 1, f);
    fwrite(&seen, sizeof seen, 1, f);
    for (size_t i = 0; i < k + 16; i++) {
        float x = i < k ? (float)i : -1.0f;
        fwrite(&x, sizeof x, 1, f);
    }
    fclose(f);
}

/* Each array the walk visits holds the next floats of the file. */
static im_status expect_next(void *arg, const float *a, size_t n, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    size_t *at = arg;
    for (size_t i = 0; i < n; i++)
        if (a[i] != (float)(*at + i))
            fail_msg("float %zu of an array of %zu is %g, expected %zu", i, n, a[i], *at + i);
    *at += n;
    return IM_OK;
}

static void load_case(const net_case *c)
{
    network *net = parse(c, 1);
    size_t k = floats(net, IM_DN_WEIGHTS_LOAD), at = 0;
    write_indexed("indexed.weights", k);
    load_weights(net, "indexed.weights");
    char err[256] = "";
    assert_int_equal(
        im_dn_weights_walk(net, IM_DN_WEIGHTS_LOAD, "x.cfg", expect_next, &at, err, sizeof err),
        IM_OK);
    assert_int_equal(at, k);
    assert_int_equal(*net->seen, 77);
    free_network(net);
}

static void load_walk_is_load_weights(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof k_cases / sizeof *k_cases; i++) {
        load_case(&k_cases[i]);
        network *net = parse(&k_cases[i], 1);
        /* without flags, load_weights reads what save_weights writes */
        assert_int_equal(floats(net, IM_DN_WEIGHTS_LOAD), floats(net, IM_DN_WEIGHTS_SAVE));
        free_network(net);
    }
    for (size_t i = 0; i < sizeof k_flags / sizeof *k_flags; i++)
        load_case(&k_flags[i]);
}

/* What the flags do, counted by hand: conv 4 filters of 3x3 over c
 * channels (6x6 out), connected 144 -> 2. */
static void flags_counted(void **state)
{
    (void)state;
    const size_t conv1 = 4 + 4 * 9, fc = 2 + 144 * 2;
    const size_t want[][2] = {/* save, load */
                              {4 + 12 + 4 * 18 + fc + 6, 4 + 4 * 18 + fc},
                              {conv1 + fc, 2 + 2 * 9 + fc},
                              {conv1 + fc, fc},
                              {conv1, conv1 + fc}};
    for (size_t i = 0; i < sizeof k_flags / sizeof *k_flags; i++) {
        network *net = parse(&k_flags[i], 1);
        assert_int_equal(floats(net, IM_DN_WEIGHTS_SAVE), want[i][0]);
        assert_int_equal(floats(net, IM_DN_WEIGHTS_LOAD), want[i][1]);
        free_network(net);
    }
}

/* load_weights divides by a [deconvolutional] layer's groups (0): the walk
 * refuses it, and Darknet does die on it (in a child). */
static void deconvolutional_refused(void **state)
{
    (void)state;
    const net_case c = {"deconv", IMG(4, 4, 2), "[deconvolutional]\nfilters=3\nsize=2\nstride=2\n"};
    network *net = parse(&c, 1);
    assert_int_equal(net->layers[0].type, DECONVOLUTIONAL);
    assert_int_equal(net->layers[0].groups, 0);
    char err[256] = "";
    size_t n;
    assert_int_equal(im_dn_weights_floats(net, IM_DN_WEIGHTS_LOAD, "d.cfg", &n, err, sizeof err),
                     IM_ERR_FORMAT);
    assert_non_null(strstr(err, "d.cfg: layer 0: groups = 0"));
    assert_int_equal(floats(net, IM_DN_WEIGHTS_SAVE), 3 + 2 * 3 * 2 * 2);
    assert_int_equal(im_dn_weights_save(net, "deconv.weights", err, sizeof err), IM_OK);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGFPE, SIG_DFL); /* not cmocka's handler, which would go on testing */
        freopen("/dev/null", "w", stderr);
        freopen("/dev/null", "w", stdout);
        load_weights(net, "deconv.weights");
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGFPE);
    free_network(net);
}

/* numload above the filters would make load_weights write past the arrays. */
static void numload_above_filters_refused(void **state)
{
    (void)state;
    const net_case c = {"numload5", IMG(8, 8, 1),
                        "[convolutional]\nfilters=4\nsize=3\nnumload=5\n"};
    network *net = parse(&c, 1);
    char err[256] = "";
    size_t n;
    assert_int_equal(im_dn_weights_floats(net, IM_DN_WEIGHTS_LOAD, "n.cfg", &n, err, sizeof err),
                     IM_ERR_FORMAT);
    assert_non_null(strstr(err, "n.cfg: layer 0: numload = 5 must be in 0..4"));
    free_network(net);
}

static void put_header(const char *path, int32_t major, int32_t minor, size_t seen_bytes,
                       size_t floats_n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    int32_t v[3] = {major, minor, 0};
    fwrite(v, sizeof v, 1, f);
    for (size_t i = 0; i < seen_bytes + 4 * floats_n; i++)
        fputc(0, f);
    fclose(f);
}

static void check_ok(const network *net, const char *path)
{
    char err[512] = "";
    if (im_dn_weights_check(net, "net.cfg", path, err, sizeof err) != IM_OK)
        fail_msg("%s refused: %s", path, err);
}

static void check_bad(const network *net, const char *path, im_status st, const char *needle)
{
    char err[512] = "";
    assert_int_equal(im_dn_weights_check(net, "net.cfg", path, err, sizeof err), st);
    if (!strstr(err, path) || !strstr(err, needle))
        fail_msg("message '%s' lacks '%s' or '%s'", err, path, needle);
}

/* The header's versions: 8-byte or 4-byte seen; implausible headers. */
static void check_headers(void **state)
{
    (void)state;
    network *net = parse(&k_cases[0], 1);
    size_t k = floats(net, IM_DN_WEIGHTS_LOAD);
    put_header("v020.weights", 0, 2, sizeof(size_t), k);
    check_ok(net, "v020.weights");
    put_header("v010.weights", 0, 1, 4, k); /* seen as an int32 */
    check_ok(net, "v010.weights");
    put_header("v01001.weights", 0, 1001, 4, k); /* transposed: seen an int32 */
    check_ok(net, "v01001.weights");
    put_header("v010-8.weights", 0, 1, sizeof(size_t), k);
    check_bad(net, "v010-8.weights", IM_ERR_FORMAT,
              "longer than expected: 180 bytes, but net.cfg's network needs 176");
    put_header("v120.weights", 1, 2, sizeof(size_t), k);
    check_bad(net, "v120.weights", IM_ERR_FORMAT, "version 1.2.0");
    put_header("vneg.weights", 0, -3, sizeof(size_t), k);
    check_bad(net, "vneg.weights", IM_ERR_FORMAT, "not a Darknet weights file");
    check_bad(net, "none.weights", IM_ERR_IO, "cannot open");
    put_header("short.weights", 0, 2, 4, 0);
    check_bad(net, "short.weights", IM_ERR_FORMAT, "truncated: 16 bytes");
    FILE *f = fopen("tiny.weights", "wb");
    fputs("abc", f);
    fclose(f);
    check_bad(net, "tiny.weights", IM_ERR_FORMAT,
              "truncated: 3 bytes, net.cfg's network needs 180");
    free_network(net);
}

/* The save fails into a missing folder, naming the path, and leaves
 * nothing; a save over a file replaces it with the mode fopen gives, and
 * leaves no temporary file. */
static void save_failures_and_replace(void **state)
{
    (void)state;
    network *net = parse(&k_cases[0], 1);
    char err[512] = "";
    assert_int_equal(im_dn_weights_save(net, "gone/net.weights", err, sizeof err), IM_ERR_IO);
    assert_non_null(strstr(err, "gone/net.weights"));
    mkdir("w", 0777);
    FILE *f = fopen("w/net.weights", "w");
    fputs("old", f);
    fclose(f);
    mode_t mask = umask(022);
    assert_int_equal(im_dn_weights_save(net, "w/net.weights", err, sizeof err), IM_OK);
    umask(mask);
    struct stat sb;
    assert_int_equal(stat("w/net.weights", &sb), 0);
    assert_int_equal(sb.st_size, 180);
    assert_int_equal(sb.st_mode & 0777, 0644);
    assert_int_equal(remove("w/net.weights"), 0);
    assert_int_equal(rmdir("w"), 0); /* nothing else in it */
    free_network(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writer_is_save_weights),
        cmocka_unit_test(load_walk_is_load_weights),
        cmocka_unit_test(flags_counted),
        cmocka_unit_test(deconvolutional_refused),
        cmocka_unit_test(numload_above_filters_refused),
        cmocka_unit_test(check_headers),
        cmocka_unit_test(save_failures_and_replace),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
