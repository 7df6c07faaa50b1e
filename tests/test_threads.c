/* The thread pool of the "cpu" back end, and how a context picks its
 * thread count (im_options.threads, else IM_THREADS, else the online
 * processors).
 *
 *   - 1, 2 and 3 threads give bit-identical entropies (each group of terms
 *     is computed alone, whatever thread takes it), within 1e-4 bits
 *     (alpha >= 1, fp32 kernels) or 1e-9 bits (alpha < 1, fp64) of cpu-ref:
 *     the tolerances of test_backends.c;
 *   - im_context_backend_detail() names the thread count;
 *   - an explicit threads wins over IM_THREADS, and 0 takes IM_THREADS;
 *   - threads outside 1..64 is IM_ERR_ARG, with the value in the message;
 *   - a context's workers live exactly as long as the context: creating and
 *     destroying many leaves the process's thread count where it was
 *     (counted in /proc/self/task), and their buffers are freed (LSan). */
#include <dirent.h>
#include <string.h>
#include <time.h>
#include "testutil.h"

#define NF 8 /* factor matrices */
#define MAX_TERMS 128

/* A context on `backend` with `threads` (0: the default rules); NULL and
 * the message in err when it cannot be created. */
static im_context *ctx_threads(const char *backend, int threads, double alpha, im_status *st,
                               char *err, size_t errlen)
{
    im_options o;
    im_options_default(&o);
    o.alpha = alpha;
    o.backend = backend;
    o.threads = threads;
    im_context *ctx = NULL;
    *st = im_context_create(&o, &ctx, err, errlen);
    return ctx;
}

static im_context *must_ctx(const char *backend, int threads, double alpha)
{
    char err[256];
    im_status st;
    im_context *ctx = ctx_threads(backend, threads, alpha, &st, err, sizeof err);
    if (st != IM_OK)
        fail_msg("im_context_create(%s, threads %d): %s", backend, threads, err);
    return ctx;
}

/* The thread count that the back end's detail names ("..., 3 threads"). */
static int detail_threads(const im_context *ctx)
{
    const char *d = im_context_backend_detail(ctx), *comma = strrchr(d, ',');
    int t = -1;
    if (comma == NULL || sscanf(comma, ", %d thread", &t) != 1)
        fail_msg("no thread count in the detail '%s'", d);
    if (strstr(d, t == 1 ? "1 thread" : "threads") == NULL)
        fail_msg("detail '%s' does not say '%d thread%s'", d, t, t == 1 ? "" : "s");
    return t;
}

/* Threads of this process. */
static int task_count(void)
{
    DIR *dir = opendir("/proc/self/task");
    assert_non_null(dir);
    int count = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;)
        count += e->d_name[0] != '.';
    closedir(dir);
    return count;
}

/* The thread count once it reaches `want`, or after 2 s.  A joined thread
 * can stay listed in /proc/self/task for a moment: pthread_join returns
 * when the thread has released its memory, before the kernel reaps it. */
static int task_count_settled(int want)
{
    int count = task_count();
    for (int tries = 0; count != want && tries < 2000; tries++) {
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        count = task_count();
    }
    return count;
}

/* The thread count once it has not changed for 100 ms (at most 2 s): the
 * baseline, after the threads of earlier contexts are reaped. */
static int task_count_stable(void)
{
    int count = task_count(), same = 0;
    for (int tries = 0; same < 100 && tries < 2000; tries++) {
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        int now = task_count();
        same = now == count ? same + 1 : 0;
        count = now;
    }
    return count;
}

/* NF RBF Gram matrices of order n (data of 1 to 8 dimensions, so some are
 * close to rank-deficient and some close to I). */
static double **grams(size_t n, uint64_t seed)
{
    im_context *ref = tu_ctx(1.01);
    double **f = malloc(NF * sizeof *f);
    assert_non_null(f);
    for (size_t k = 0; k < NF; k++) {
        size_t d = k + 1;
        float *x = tu_randn(&seed, n, d);
        f[k] = tu_gram(ref, x, n, d, 0.8 + 0.4 * (double)k);
        free(x);
    }
    im_context_destroy(ref);
    return f;
}

static void products(im_context *ctx, double **f, size_t n, const uint32_t *off,
                     const uint32_t *idx, size_t B, double *S)
{
    assert_int_equal(im_entropy_products(ctx, (const double *const *)f, NF, n, off, idx, B, S),
                     IM_OK);
}

/* 1, 2 and 3 threads: the same bits, and within tolerance of cpu-ref. */
static void thread_counts_identical(void **state)
{
    (void)state;
    static const size_t ns[] = {37, 128};
    static const double alphas[] = {0.5, 1.01};
    uint32_t off[MAX_TERMS + 1], idx[3 * MAX_TERMS];
    size_t B = tu_all_terms(NF, off, idx);
    assert_int_equal(B, 92);
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        double **f = grams(ns[t], 7 + ns[t]);
        for (size_t a = 0; a < sizeof alphas / sizeof alphas[0]; a++) {
            double S[3][MAX_TERMS], Sr[MAX_TERMS], atol = alphas[a] >= 1.0 ? 1e-4 : 1e-9;
            im_context *ref = tu_ctx(alphas[a]);
            products(ref, f, ns[t], off, idx, B, Sr);
            im_context_destroy(ref);
            for (int k = 0; k < 3; k++) {
                im_context *ctx = must_ctx("cpu", k + 1, alphas[a]);
                assert_int_equal(detail_threads(ctx), k + 1);
                products(ctx, f, ns[t], off, idx, B, S[k]);
                /* Again on the same workers, whose buffers are now warm. */
                double again[MAX_TERMS];
                products(ctx, f, ns[t], off, idx, B, again);
                assert_memory_equal(again, S[k], B * sizeof(double));
                im_context_destroy(ctx);
            }
            for (size_t b = 0; b < B; b++) {
                assert_memory_equal(&S[1][b], &S[0][b], sizeof(double));
                assert_memory_equal(&S[2][b], &S[0][b], sizeof(double));
                tu_close(S[0][b], Sr[b], atol, 0);
            }
        }
        tu_free_mats(f, NF);
    }
}

/* A small batch after a larger one on the same context (fewer groups than
 * threads), then a larger order (the workers' buffers grow). */
static void batches_of_every_size(void **state)
{
    (void)state;
    uint32_t off[MAX_TERMS + 1], idx[3 * MAX_TERMS];
    assert_int_equal(tu_all_terms(NF, off, idx), 92);
    double **f = grams(64, 3), **g = grams(200, 4);
    im_context *one = must_ctx("cpu", 1, 1.01), *three = must_ctx("cpu", 3, 1.01);
    static const size_t sizes[] = {92, 1, 17, 92};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        double S1[MAX_TERMS], S3[MAX_TERMS];
        products(one, f, 64, off, idx, sizes[s], S1);
        products(three, f, 64, off, idx, sizes[s], S3);
        assert_memory_equal(S3, S1, sizes[s] * sizeof(double));
        products(one, g, 200, off, idx, sizes[s], S1);
        products(three, g, 200, off, idx, sizes[s], S3);
        assert_memory_equal(S3, S1, sizes[s] * sizeof(double));
    }
    im_context_destroy(one);
    im_context_destroy(three);
    tu_free_mats(f, NF);
    tu_free_mats(g, NF);
}

/* options.threads wins over IM_THREADS (even a malformed one); 0 takes it. */
static void explicit_threads_win(void **state)
{
    (void)state;
    setenv("IM_THREADS", "3", 1);
    im_context *ctx = must_ctx("cpu", 2, 1.01);
    assert_int_equal(detail_threads(ctx), 2);
    im_context_destroy(ctx);
    ctx = must_ctx("cpu", 0, 1.01);
    assert_int_equal(detail_threads(ctx), 3);
    im_context_destroy(ctx);
    setenv("IM_THREADS", "1", 1);
    ctx = must_ctx("cpu", 0, 1.01);
    assert_int_equal(detail_threads(ctx), 1);
    im_context_destroy(ctx);
    setenv("IM_THREADS", "lots", 1);
    ctx = must_ctx("cpu", 3, 1.01);
    assert_int_equal(detail_threads(ctx), 3);
    im_context_destroy(ctx);
    unsetenv("IM_THREADS");
}

/* threads = 65 or -1: IM_ERR_ARG, no context, the value in the message. */
static void out_of_range_threads(void **state)
{
    (void)state;
    static const struct {
        int threads;
        const char *value;
    } bad[] = {{65, "65"}, {-1, "-1"}, {1000, "1000"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        static const char *const backends[] = {"cpu", "cpu-ref", NULL};
        for (size_t k = 0; k < sizeof backends / sizeof backends[0]; k++) {
            char err[256] = "";
            im_status st;
            im_context *ctx = ctx_threads(backends[k], bad[i].threads, 1.01, &st, err, sizeof err);
            assert_int_equal(st, IM_ERR_ARG);
            assert_null(ctx);
            if (strstr(err, "threads") == NULL || strstr(err, bad[i].value) == NULL)
                fail_msg("threads = %d: message '%s' does not name it", bad[i].threads, err);
        }
    }
}

/* Contexts created, used and destroyed in a loop: each holds threads - 1
 * workers while it lives and none after. */
static void no_thread_leak(void **state)
{
    (void)state;
    uint32_t off[MAX_TERMS + 1], idx[3 * MAX_TERMS];
    size_t B = tu_all_terms(NF, off, idx);
    double **f = grams(48, 5), S[MAX_TERMS];
    /* A context without workers first, so that any thread a library starts
     * on first use is in the base count. */
    im_context_destroy(must_ctx("cpu", 1, 1.01));
    int base = task_count_stable();
    for (int i = 0; i < 200; i++) {
        int threads = 1 + i % 4;
        im_context *ctx = must_ctx("cpu", threads, i % 2 ? 1.01 : 0.5);
        assert_int_equal(task_count_settled(base + threads - 1), base + threads - 1);
        if (i % 3 != 2)
            products(ctx, f, 48, off, idx, 1 + (size_t)i % B, S);
        im_context_destroy(ctx);
        assert_int_equal(task_count_settled(base), base);
    }
    tu_free_mats(f, NF);
}

int main(void)
{
    unsetenv("IM_THREADS");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thread_counts_identical), cmocka_unit_test(batches_of_every_size),
        cmocka_unit_test(explicit_threads_win),    cmocka_unit_test(out_of_range_threads),
        cmocka_unit_test(no_thread_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
