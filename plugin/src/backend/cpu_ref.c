/* The reference back end: LAPACKE_dsyevd (eigenvalues only) on each
 * trace-normalized matrix, fp64 throughout.  Every faster back end is tested
 * against this one. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backend.h"
#include "infomonitor/entropy.h"
#include "util/errfmt.h"

typedef struct {
    im_backend base;
    double *work; /* n*n copy that dsyevd overwrites */
    double *w;    /* n eigenvalues */
    size_t cap_n;
} cpu_ref;

static im_status reserve(cpu_ref *b, size_t n, char *err, size_t errlen)
{
    if (n <= b->cap_n)
        return IM_OK;
    double *work = realloc(b->work, n * n * sizeof(double));
    if (work == NULL)
        goto nomem;
    b->work = work;
    double *w = realloc(b->w, n * sizeof(double));
    if (w == NULL)
        goto nomem;
    b->w = w;
    b->cap_n = n;
    return IM_OK;
nomem:
    return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory for a %zux%zu eigenvalue workspace", n,
                   n);
}

static double trace(const double *M, size_t n)
{
    double t = 0.0;
    for (size_t i = 0; i < n; i++)
        t += M[i * n + i];
    return t;
}

static im_status ref_entropy_batch(im_backend *self, const double *M, size_t B, size_t n,
                                   double alpha, double *S, double *eig, char *err, size_t errlen)
{
    cpu_ref *b = (cpu_ref *)self;
    size_t nn = n * n;
    im_status st = reserve(b, n, err, errlen);
    if (st != IM_OK)
        return st;
    for (size_t k = 0; k < B; k++) {
        const double *Mk = M + k * nn;
        double tr = trace(Mk, n);
        if (!im_all_finite(Mk, nn) || !(tr > 0.0)) {
            S[k] = NAN;
            if (eig != NULL)
                for (size_t i = 0; i < n; i++)
                    eig[k * n + i] = NAN;
            continue;
        }
        double inv = 1.0 / tr;
        if (alpha == 2.0 && eig == NULL) {
            /* tr(A^2) = ||A||_F^2 for symmetric A: no eigenvalues needed. */
            double f = 0.0;
            for (size_t e = 0; e < nn; e++)
                f += Mk[e] * Mk[e];
            S[k] = -log2(f * inv * inv);
            continue;
        }
        for (size_t e = 0; e < nn; e++)
            b->work[e] = Mk[e] * inv;
        /* The matrix is symmetric, so its row-major buffer is also its
         * column-major one: LAPACK_COL_MAJOR spares LAPACKE a transposed copy
         * (about 40% of the time at n = 128).  Lower triangle. */
        lapack_int info =
            LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', (lapack_int)n, b->work, (lapack_int)n, b->w);
        if (info != 0) {
            return im_errf(err, errlen, IM_ERR_SOLVER,
                           "LAPACKE_dsyevd failed (info %d) on a %zux%zu matrix", (int)info, n, n);
        }
        if (eig != NULL)
            memcpy(eig + k * n, b->w, n * sizeof(double));
        S[k] = im_entropy_from_eigenvalues(b->w, n, alpha);
    }
    return IM_OK;
}

static void ref_destroy(im_backend *self)
{
    cpu_ref *b = (cpu_ref *)self;
    free(b->work);
    free(b->w);
    free(b);
}

/* The BLAS thread policy.  The spectra are many small (n = 128) problems,
 * where OpenBLAS's threads cost more than they give (0.73 vs 1.2 ms per
 * 128x128 dsyevd on these 2-core machines), and the fast back ends
 * parallelise across matrices themselves.  So OpenBLAS runs one thread
 * unless the user set OPENBLAS_NUM_THREADS. */
static void set_blas_threads(void)
{
    if (getenv("OPENBLAS_NUM_THREADS") == NULL)
        openblas_set_num_threads(1);
}

/* Once per process: the setting is global, and another context may be in
 * a BLAS call on another thread. */
static void blas_threads(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, set_blas_threads);
}

im_status im_backend_cpu_ref_create(const im_backend_opts *o, im_backend **out, char *err,
                                    size_t errlen)
{
    (void)o;
    blas_threads();
    cpu_ref *b = calloc(1, sizeof *b);
    if (b == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory creating the cpu-ref back end");
    b->base.name = "cpu-ref";
    snprintf(b->base.detail, sizeof b->base.detail, "LAPACKE dsyevd, fp64");
    b->base.entropy_batch = ref_entropy_batch;
    b->base.entropy_products = im_backend_products_via_batch;
    b->base.destroy = ref_destroy;
    *out = &b->base;
    return IM_OK;
}
