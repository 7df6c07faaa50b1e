/* The fast CPU back end "cpu": the SIMD kernels of simd_spectra.h over
 * groups of matrices, the groups shared out among threads.
 *
 * Precision: alpha >= 1 runs in fp32, alpha < 1 in fp64 (16 or 8 matrices
 * per group with AVX-512, 8 or 4 with AVX2, 4 or 2 otherwise); eigenvalue
 * powers, sums and logs are fp64.  Orders
 * above IM_FAST_MAX_N, and alpha = 2 without eigenvalues (an O(n^2) Frobenius
 * norm), go to the LAPACKE reference.  A term's result does not depend on
 * the batch it came in or on the thread that ran it. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "backend.h"
#include "infomonitor/entropy.h"
#include "simd.h"
#include "util/errfmt.h"

/* Above this order one group's workspace (n^2/2 vectors of 64 bytes) no
 * longer fits in a core's cache, and LAPACK's blocked reduction wins. */
#define IM_FAST_MAX_N 256

typedef struct {
    im_backend base;
    im_backend *ref;
    int threads;
    const im_simd_kernel *f32, *f64;
} cpu_fast;

typedef struct {
    const double *const *factors;
    size_t n, B;
    const uint32_t *off, *idx;
    double alpha;
    double *S, *eig;
    const im_simd_kernel *kernel;
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

static void *run(void *arg)
{
    job *j = arg;
    size_t n = j->n;
    void *work = aligned_alloc(64, im_simd_work_bytes(n));
    int lanes = j->kernel->lanes, bad[IM_SIMD_MAX_LANES];
    double *eig = malloc((size_t)lanes * n * sizeof(double));
    if (work == NULL || eig == NULL) {
        atomic_store(&j->nomem, 1);
        goto out;
    }
    for (size_t g; (g = atomic_fetch_add(&j->next, 1)) < j->groups;) {
        size_t b0 = g * (size_t)lanes;
        int count = j->B - b0 < (size_t)lanes ? (int)(j->B - b0) : lanes;
        j->kernel->group(j->factors, n, j->off, j->idx, b0, count, work, eig, bad);
        for (int q = 0; q < count; q++) {
            double *lam = eig + (size_t)q * n, *dst = j->eig ? j->eig + (b0 + q) * n : NULL;
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
            /* The products are positive semi-definite (Schur product
             * theorem) with trace 1, so their eigenvalues form a probability
             * vector.  In fp32 the computed ones come out down to -n eps32
             * and sum to 1 +- n eps32; near alpha = 1 that deviation alone
             * moves S_alpha by alpha/(1-alpha) * n eps32 (1e-4 bits at
             * alpha = 1.01, n = 128).  So negatives are set to 0 and the
             * rest rescaled to sum 1, in fp64. */
            double sum = 0.0;
            for (size_t i = 0; i < n; i++) {
                lam[i] = fmax(lam[i], 0.0);
                sum += lam[i];
            }
            for (size_t i = 0; i < n; i++)
                lam[i] /= sum;
            j->S[b0 + q] = im_entropy_from_eigenvalues(lam, n, j->alpha);
            if (dst != NULL) {
                memcpy(dst, lam, n * sizeof(double));
                qsort(dst, n, sizeof(double), ascending);
            }
        }
    }
out:
    free(work);
    free(eig);
    return NULL;
}

static im_status run_groups(cpu_fast *b, const double *const *factors, size_t n,
                            const uint32_t *off, const uint32_t *idx, size_t B, double alpha,
                            double *S, double *eig, char *err, size_t errlen)
{
    job j = {.factors = factors, .n = n, .B = B, .off = off, .idx = idx, .alpha = alpha,
             .S = S, .eig = eig};
    j.kernel = alpha >= 1.0 ? b->f32 : b->f64;
    j.groups = (B + (size_t)j.kernel->lanes - 1) / (size_t)j.kernel->lanes;
    atomic_init(&j.next, 0);
    atomic_init(&j.nomem, 0);
    atomic_init(&j.unconverged, 0);
    size_t nt = (size_t)b->threads < j.groups ? (size_t)b->threads : j.groups;
    pthread_t tid[64];
    size_t started = 0;
    for (; started + 1 < nt && started < 64; started++)
        if (pthread_create(&tid[started], NULL, run, &j) != 0)
            break;
    run(&j);
    for (size_t t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    if (atomic_load(&j.nomem)) {
        snprintf(err, errlen, "out of memory for the workspace of order %zu", n);
        return IM_ERR_NOMEM;
    }
    size_t u = atomic_load(&j.unconverged);
    if (u != 0) {
        snprintf(err, errlen, "QL iteration did not converge on term %zu (order %zu)", u - 1, n);
        return IM_ERR_SOLVER;
    }
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
        snprintf(err, errlen, "out of memory for a batch of %zu matrices", B);
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

static void fast_destroy(im_backend *self)
{
    cpu_fast *b = (cpu_fast *)self;
    b->ref->destroy(b->ref);
    free(b);
}

/* The kernels of the widest instruction set this processor has, or the
 * one `want` names (avx512, avx2, generic) for comparisons. */
static im_status pick_kernels(cpu_fast *b, const char *want, char *err, size_t errlen)
{
    const struct {
        const im_simd_kernel *f32, *f64;
        int ok;
    } k[] = {
#ifdef IM_SIMD_X86
        {&im_simd_f32_avx512, &im_simd_f64_avx512, __builtin_cpu_supports("x86-64-v4") > 0},
        {&im_simd_f32_avx2, &im_simd_f64_avx2, __builtin_cpu_supports("x86-64-v3") > 0},
#endif
        {&im_simd_f32_generic, &im_simd_f64_generic, 1},
    };
    size_t nk = sizeof k / sizeof k[0];
    for (size_t i = 0; i < nk; i++) {
        if (want != NULL && *want != '\0' ? strcmp(want, k[i].f32->isa) == 0 : k[i].ok) {
            if (!k[i].ok) {
                return im_errf(err, errlen, IM_ERR_ARG,
                               "instruction set '%s': this processor lacks it", want);
            }
            b->f32 = k[i].f32;
            b->f64 = k[i].f64;
            return IM_OK;
        }
    }
    im_errf(err, errlen, IM_ERR_ARG, "instruction set '%s': expected one of", want);
    for (size_t i = 0; i < nk; i++)
        im_errf_append(err, errlen, IM_ERR_ARG, " %s", k[i].f32->isa);
    return IM_ERR_ARG;
}

im_status im_backend_cpu_fast_create(const im_backend_opts *o, im_backend **out, char *err,
                                     size_t errlen)
{
    int threads = o->threads;
    im_status st;
    cpu_fast *b = calloc(1, sizeof *b);
    if (b == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory creating the cpu back end");
    if ((st = pick_kernels(b, o->simd, err, errlen)) != IM_OK ||
        (st = im_backend_cpu_ref_create(o, &b->ref, err, errlen)) != IM_OK) {
        free(b);
        return st;
    }
    b->threads = threads;
    snprintf(b->base.detail, sizeof b->base.detail, "%s kernels, %d thread%s", b->f32->isa,
             threads, threads == 1 ? "" : "s");
    b->base.name = "cpu";
    b->base.entropy_batch = fast_batch;
    b->base.entropy_products = fast_products;
    b->base.destroy = fast_destroy;
    *out = &b->base;
    return IM_OK;
}
