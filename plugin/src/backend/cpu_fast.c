/* The fast CPU back end "cpu": the SIMD kernels of simd_spectra.h over
 * groups of matrices, the groups shared out among the threads of a pool
 * (pool.h) that lives as long as the back end.
 *
 * Precision: alpha >= 1 runs in fp32, alpha < 1 in fp64 (16 or 8 matrices
 * per group with AVX-512, 8 or 4 with AVX2, 4 or 2 otherwise); eigenvalue
 * powers, sums and logs are fp64.  Orders
 * above IM_FAST_MAX_N, and alpha = 2 without eigenvalues (an O(n^2) Frobenius
 * norm), go to the LAPACKE reference.  A term's result does not depend on
 * the batch it came in, on the thread that ran it or on the thread count. */
#include <assert.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backend.h"
#include "infomonitor/entropy.h"
#include "pool.h"
#include "simd.h"
#include "util/errfmt.h"

/* Above this order one group's workspace (n^2/2 vectors of 64 bytes) no
 * longer fits in a core's cache, and LAPACK's blocked reduction wins. */
#define IM_FAST_MAX_N 256

/* One pool thread's buffers, kept between calls and grown on demand: the
 * kernel's workspace (im_simd_work_bytes(n)) and one group's eigenvalues
 * (IM_SIMD_MAX_LANES * n), for every order up to n. */
typedef struct {
    void *work;
    double *eig;
    size_t n;
} workspace;

typedef struct {
    im_backend base;
    im_backend *ref;
    im_pool *pool;
    workspace *ws; /* one per pool thread, indexed by the worker number */
    const im_simd_kernel *f32, *f64;
} cpu_fast;

typedef struct {
    const double *const *factors;
    size_t n, B;
    const uint32_t *off, *idx;
    double alpha;
    double *S, *eig;
    const im_simd_kernel *kernel;
    workspace *ws;
    size_t groups;
    atomic_size_t next;
    atomic_int nomem;
    atomic_size_t unconverged; /* first term that did not converge, plus one */
} job;

static int ascending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Make w hold the buffers for order n: 1, or 0 when out of memory. */
static int workspace_reserve(workspace *w, size_t n)
{
    if (w->n >= n)
        return 1;
    free(w->work);
    free(w->eig);
    w->work = aligned_alloc(64, im_simd_work_bytes(n));
    w->eig = malloc((size_t)IM_SIMD_MAX_LANES * n * sizeof(double));
    w->n = w->work != NULL && w->eig != NULL ? n : 0;
    return w->n != 0;
}

/* Term b's entropy (and its ascending eigenvalues in dst, when not NULL)
 * from the n unsorted eigenvalues lam of its normalized product. */
static void finish_term(const job *j, size_t b, double *lam, double *dst)
{
    size_t n = j->n;
    /* The products are positive semi-definite (Schur product theorem) with
     * trace 1, so their eigenvalues form a probability vector.  In fp32 the
     * computed ones come out down to -n eps32 and sum to 1 +- n eps32.  The
     * entropy formula takes the eigenvalues over their own sum (renyi_sum.h),
     * so that deviation does not reach S_alpha (near alpha = 1 it would move
     * it by alpha/(1-alpha) * n eps32); negatives are set to 0 and the rest
     * rescaled to sum 1, in fp64, so that the returned eigenvalues are a
     * probability vector too. */
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        lam[i] = fmax(lam[i], 0.0);
        sum += lam[i];
    }
    for (size_t i = 0; i < n; i++)
        lam[i] /= sum;
    j->S[b] = im_entropy_from_eigenvalues(lam, n, j->alpha);
    if (dst != NULL) {
        memcpy(dst, lam, n * sizeof(double));
        qsort(dst, n, sizeof(double), ascending);
    }
}

/* A pool worker: takes groups until none is left.  Its buffers are
 * reserved when it takes its first group. */
static void run(void *arg, int worker)
{
    job *j = arg;
    size_t n = j->n;
    workspace *w = &j->ws[worker];
    int lanes = j->kernel->lanes, bad[IM_SIMD_MAX_LANES];
    for (size_t g; (g = atomic_fetch_add(&j->next, 1)) < j->groups;) {
        if (!workspace_reserve(w, n)) {
            atomic_store(&j->nomem, 1);
            return;
        }
        size_t b0 = g * (size_t)lanes;
        int count = j->B - b0 < (size_t)lanes ? (int)(j->B - b0) : lanes;
        j->kernel->group(j->factors, n, j->off, j->idx, b0, count, w->work, w->eig, bad);
        for (int q = 0; q < count; q++) {
            double *dst = j->eig ? j->eig + (b0 + q) * n : NULL;
            if (bad[q] == 2) {
                size_t none = 0;
                atomic_compare_exchange_strong(&j->unconverged, &none, b0 + q + 1);
            }
            if (bad[q]) {
                j->S[b0 + q] = NAN;
                for (size_t i = 0; dst != NULL && i < n; i++)
                    dst[i] = NAN;
                continue;
            }
            finish_term(j, b0 + q, w->eig + (size_t)q * n, dst);
        }
    }
}

static im_status run_groups(cpu_fast *b, const double *const *factors, size_t n,
                            const uint32_t *off, const uint32_t *idx, size_t B, double alpha,
                            double *S, double *eig, char *err, size_t errlen)
{
    job j = {.factors = factors,
             .n = n,
             .B = B,
             .off = off,
             .idx = idx,
             .alpha = alpha,
             .S = S,
             .eig = eig,
             .ws = b->ws};
    j.kernel = alpha >= 1.0 ? b->f32 : b->f64;
    j.groups = (B + (size_t)j.kernel->lanes - 1) / (size_t)j.kernel->lanes;
    atomic_init(&j.next, 0);
    atomic_init(&j.nomem, 0);
    atomic_init(&j.unconverged, 0);
    im_pool_run(b->pool, run, &j, j.groups);
    if (atomic_load(&j.nomem))
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for the workspace of order %zu",
                       n);
    size_t u = atomic_load(&j.unconverged);
    if (u != 0)
        return im_errf(err, errlen, IM_ERR_SOLVER,
                       "QL iteration did not converge on term %zu (order %zu)", u - 1, n);
    return IM_OK;
}

static im_status fast_products(im_backend *self, const double *const *factors, size_t n,
                               const uint32_t *off, const uint32_t *idx, size_t B, double alpha,
                               double *S, char *err, size_t errlen)
{
    cpu_fast *b = (cpu_fast *)self;
    if (n > IM_FAST_MAX_N || alpha == 2.0)
        return b->ref->entropy_products(b->ref, factors, n, off, idx, B, alpha, S, err, errlen);
    return run_groups(b, factors, n, off, idx, B, alpha, S, NULL, err, errlen);
}

static im_status fast_batch(im_backend *self, const double *M, size_t B, size_t n, double alpha,
                            double *S, double *eig, char *err, size_t errlen)
{
    cpu_fast *b = (cpu_fast *)self;
    if (n > IM_FAST_MAX_N || (alpha == 2.0 && eig == NULL) || B > UINT32_MAX - 1)
        return b->ref->entropy_batch(b->ref, M, B, n, alpha, S, eig, err, errlen);
    const double **f = malloc(B * sizeof *f);
    uint32_t *off = malloc((B + 1) * sizeof *off), *idx = malloc(B * sizeof *idx);
    im_status st = IM_ERR_NOMEM;
    if (f == NULL || off == NULL || idx == NULL)
        im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for a batch of %zu matrices", B);
    else {
        off[0] = 0;
        for (size_t k = 0; k < B; k++) {
            f[k] = M + k * n * n;
            idx[k] = (uint32_t)k;
            off[k + 1] = (uint32_t)(k + 1);
        }
        st = run_groups(b, f, n, off, idx, B, alpha, S, eig, err, errlen);
    }
    free(f);
    free(off);
    free(idx);
    return st;
}

/* Join the pool, then free the buffers its threads kept. */
static void fast_destroy(im_backend *self)
{
    cpu_fast *b = (cpu_fast *)self;
    int threads = b->pool != NULL ? im_pool_threads(b->pool) : 0;
    im_pool_destroy(b->pool);
    for (int w = 0; b->ws != NULL && w < threads; w++) {
        free(b->ws[w].work);
        free(b->ws[w].eig);
    }
    free(b->ws);
    if (b->ref != NULL)
        b->ref->destroy(b->ref);
    free(b);
}

/* The instruction sets of this build, widest first, and whether this
 * processor has each. */
typedef struct {
    const im_simd_kernel *f32, *f64;
    int ok;
} isa_entry;

static size_t isa_table(isa_entry k[3])
{
    size_t nk = 0;
#ifdef IM_SIMD_X86
    k[nk++] = (isa_entry){&im_simd_f32_avx512, &im_simd_f64_avx512,
                          __builtin_cpu_supports("x86-64-v4") > 0};
    k[nk++] =
        (isa_entry){&im_simd_f32_avx2, &im_simd_f64_avx2, __builtin_cpu_supports("x86-64-v3") > 0};
#endif
    k[nk++] = (isa_entry){&im_simd_f32_generic, &im_simd_f64_generic, 1};
    return nk;
}

im_status im_backend_cpu_simd_check(const char *isa, char *err, size_t errlen)
{
    isa_entry k[3];
    size_t nk = isa_table(k);
    for (size_t i = 0; i < nk; i++)
        if (strcmp(isa, k[i].f32->isa) == 0)
            return k[i].ok ? IM_OK
                           : im_errf(err, errlen, IM_ERR_ARG,
                                     "this processor lacks that instruction set");
    im_errf(err, errlen, IM_ERR_ARG, "expected one of");
    for (size_t i = 0; i < nk; i++)
        im_errf_append(err, errlen, IM_ERR_ARG, " %s", k[i].f32->isa);
    return IM_ERR_ARG;
}

/* The kernels of the widest instruction set this processor has, or of the
 * one `want` names (avx512, avx2, generic) for comparisons. */
static im_status pick_kernels(cpu_fast *b, const char *want, char *err, size_t errlen)
{
    isa_entry k[3];
    size_t nk = isa_table(k), i = 0;
    if (want != NULL) {
        im_status st = im_backend_cpu_simd_check(want, err, errlen);
        if (st != IM_OK)
            return st;
        while (strcmp(want, k[i].f32->isa) != 0)
            i++;
    } else {
        while (!k[i].ok)
            i++;
    }
    assert(i < nk);
    /* run() keeps one flag per lane in bad[IM_SIMD_MAX_LANES]. */
    assert(k[i].f32->lanes >= 1 && k[i].f32->lanes <= IM_SIMD_MAX_LANES);
    assert(k[i].f64->lanes >= 1 && k[i].f64->lanes <= IM_SIMD_MAX_LANES);
    b->f32 = k[i].f32;
    b->f64 = k[i].f64;
    return IM_OK;
}

im_status im_backend_cpu_fast_create(const im_backend_opts *o, im_backend **out, char *err,
                                     size_t errlen)
{
    im_status st;
    *out = NULL;
    cpu_fast *b = calloc(1, sizeof *b);
    if (b == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory creating the cpu back end");
    if ((st = pick_kernels(b, o->simd, err, errlen)) != IM_OK ||
        (st = im_backend_cpu_ref_create(o, &b->ref, err, errlen)) != IM_OK ||
        (st = im_pool_create(o->threads, &b->pool, err, errlen)) != IM_OK) {
        fast_destroy(&b->base);
        return st;
    }
    int threads = im_pool_threads(b->pool);
    b->ws = calloc((size_t)threads, sizeof *b->ws);
    if (b->ws == NULL) {
        fast_destroy(&b->base);
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory creating the cpu back end");
    }
    snprintf(b->base.detail, sizeof b->base.detail, "%s kernels, %d thread%s", b->f32->isa, threads,
             threads == 1 ? "" : "s");
    b->base.name = "cpu";
    b->base.entropy_batch = fast_batch;
    b->base.entropy_products = fast_products;
    b->base.destroy = fast_destroy;
    *out = &b->base;
    return IM_OK;
}
