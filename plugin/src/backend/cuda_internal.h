/* Internals of the CUDA back end "cuda", shared by its four files:
 *   cuda.cu            the back end's entry points and its constructor;
 *   cuda_kernels.cu    the product-entropy kernel and its launch;
 *   cuda_libs.cu       cuBLAS and cuSOLVER, loaded with dlopen, and the
 *                      path of orders too large for one block;
 *   cuda_gram.cu       Gram matrices (cuBLAS) of host data and of fp32
 *                      data already on the device;
 *   cuda_selfcheck.cu  the check the back end runs on itself at start-up.
 * Every function returns IM_OK or a status with a one-line message in
 * err[errlen] (util/errfmt.h).  C++17, compiled by nvcc only. */
#ifndef IM_BACKEND_CUDA_INTERNAL_H
#define IM_BACKEND_CUDA_INTERNAL_H

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusolverDn.h>
#include <stddef.h>
#include "backend.h"

namespace im_cuda {

/* The largest block of the kernel, and so the largest order it takes. */
constexpr int kMaxThreads = 1024;

/* cuSOLVER, loaded when a matrix is too large for one block. */
struct solver {
    void *lib; /* NULL until loaded */
    cusolverDnHandle_t h;
    decltype(&cusolverDnCreate) create;
    decltype(&cusolverDnDestroy) destroy;
    decltype(&cusolverDnDsyevd_bufferSize) bufsize;
    decltype(&cusolverDnDsyevd) syevd;
};

/* cuBLAS, loaded for the first Gram matrix. */
struct blas {
    void *lib; /* NULL until loaded */
    cublasHandle_t h;
    decltype(&cublasCreate_v2) create;
    decltype(&cublasDestroy_v2) destroy;
    decltype(&cublasDsyrk_v2) syrk;
};

/* Selects a device for a scope and gives the caller's back at its end; e is
 * the status of the selection. */
struct device_guard {
    int prev = -1;
    cudaError_t e;
    explicit device_guard(int dev)
    {
        e = cudaGetDevice(&prev);
        if (e == cudaSuccess)
            e = cudaSetDevice(dev);
    }
    ~device_guard()
    {
        if (prev >= 0)
            cudaSetDevice(prev);
    }
};

/* The back end; base comes first, so an im_backend * is a cuda_backend *. */
struct cuda_backend {
    im_backend base;
    int dev;         /* the device current at creation; every entry point selects it */
    im_backend *ref; /* cpu-ref: alpha = 2 without eigenvalues, and the self-check */
    int nmax32, nmax64; /* largest order one block holds, fp32 / fp64 */
    /* device buffers, grown on demand (grow()); cap* in elements */
    double *F, *S, *eig, *work;
    unsigned *off, *idx;
    size_t capF, capS, capEig, capWork, capOff, capIdx;
    double *X, *G; /* Gram: data and result */
    size_t capX, capG;
    int *bad;      /* Gram of device data: set when a value is not finite */
    int *info;
    bool sv_failed; /* cuSOLVER would not load: large orders stay on the host */
    solver sv;
    blas bl;
};

/* cuda.cu.  IM_ERR_BACKEND with "cuda: <what>: <CUDA's message for e>". */
im_status cuda_fail(cudaError_t e, const char *what, char *err, size_t errlen);

/* Returns cuda_fail(call's error, what) from the calling function (which
 * has err and errlen in scope) when the CUDA call fails. */
#define IM_CUDA_CHECK(call, what)                                                                \
    do {                                                                                         \
        cudaError_t e_ = (call);                                                                 \
        if (e_ != cudaSuccess)                                                                   \
            return im_cuda::cuda_fail(e_, what, err, errlen);                                    \
    } while (0)

/* Device buffer *buf of *cap elements holds at least need: a smaller one is
 * freed and replaced (its contents are lost). */
template <typename P> im_status grow(P **buf, size_t *cap, size_t need, char *err, size_t errlen)
{
    if (need <= *cap)
        return IM_OK;
    cudaFree(*buf);
    *buf = NULL;
    *cap = 0;
    IM_CUDA_CHECK(cudaMalloc((void **)buf, need * sizeof(P)), "cudaMalloc");
    *cap = need;
    return IM_OK;
}

/* cuda.cu: the back end's entry points (see struct im_backend), also run by
 * the self-check. */
im_status cuda_products(im_backend *self, const double *const *factors, size_t n,
                        const uint32_t *off, const uint32_t *idx, size_t B, double alpha,
                        double *S, char *err, size_t errlen);
im_status cuda_gram(im_backend *self, const double *Xc, size_t n, size_t d, double *G, char *err,
                    size_t errlen);
im_status cuda_gram_device(im_backend *self, const float *x, size_t n, size_t d, size_t ld,
                           double *G, int *finite, char *err, size_t errlen);

/* cuda_kernels.cu.  Sets c->nmax32 and c->nmax64, the largest orders whose
 * term fits one block's shared memory (optin bytes, the device's opt-in
 * limit), and allows the kernels that much shared memory.  Needs the
 * device current. */
im_status kernels_setup(cuda_backend *c, size_t optin, char *err, size_t errlen);

/* cuda_kernels.cu.  S[b] (host, B doubles) = S_alpha of the B terms given
 * by the host CSR lists off (B+1) and idx (off[B]) over the factors already
 * in c->F (n*n fp64 each, row-major, contiguous); eig (host, may be NULL)
 * gets each normalized term's n eigenvalues, ascending.  n <= the nmax of
 * alpha's precision (fp32 for alpha >= 1, fp64 below).  A term whose trace
 * is not positive or that has a non-finite entry gives NaN. */
im_status launch(cuda_backend *c, size_t n, const unsigned *off, const unsigned *idx, size_t B,
                 double alpha, double *S, double *eig, char *err, size_t errlen);

/* cuda_libs.cu.  Loads and starts cuSOLVER (once); IM_ERR_BACKEND when it
 * cannot be loaded or started. */
im_status load_solver(cuda_backend *c, char *err, size_t errlen);

/* cuda_libs.cu.  Loads and starts cuBLAS (once, for cuda_gram.cu);
 * IM_ERR_BACKEND when it cannot be loaded or started. */
im_status load_blas(cuda_backend *c, char *err, size_t errlen);

/* cuda_libs.cu.  *S = S_alpha(M / tr M) for one n*n row-major fp64 matrix
 * M (host) of any order, by cusolverDnDsyevd in fp64; eig (may be NULL)
 * gets its n ascending eigenvalues.  NaN for a trace that is not positive
 * or a non-finite entry; IM_ERR_SOLVER when cuSOLVER fails. */
im_status large_entropy(cuda_backend *c, const double *M, size_t n, double alpha, double *S,
                        double *eig, char *err, size_t errlen);

/* cuda_libs.cu.  Stops and unloads whichever of cuBLAS and cuSOLVER were
 * loaded. */
void libs_close(cuda_backend *c);

/* cuda_selfcheck.cu.  IM_OK when the GPU agrees with closed forms and
 * c->ref.  IM_ERR_SOLVER when it does not, or when a call on the GPU fails
 * while the check runs: err says which.  IM_ERR_NOMEM when the host
 * reference runs out of memory.  Without cuBLAS it clears c->base.gram and
 * c->base.gram_device (Gram matrices on the host, of host data) and says
 * so in c->base.detail. */
im_status self_check(cuda_backend *c, char *err, size_t errlen);

} /* namespace im_cuda */

#endif
