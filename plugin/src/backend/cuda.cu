/* The CUDA back end "cuda": the whole product pipeline on the GPU, one
 * thread block per term, returning only the entropies.
 *
 * Per block (blockDim = n rounded up to a warp, thread t owns row t):
 *   1. the Hadamard product of the term's factors, divided by its trace, into
 *      shared memory (row-major, odd leading dimension n|1 so that the
 *      threads of a warp, each reading its own row, hit different banks);
 *   2. Householder reduction to tridiagonal form (unblocked, like LAPACK's
 *      sytd2 on the lower triangle, the full matrix kept symmetric);
 *   3. eigenvalue t of the tridiagonal matrix by bisection on Sturm counts
 *      (each thread one eigenvalue, so they come out ascending);
 *   4. negatives set to 0, the rest rescaled to sum 1, sum lambda^alpha and
 *      the logarithm in fp64.
 * Gram matrices: X Xc^T of the centred data by cublasDsyrk (fp64); the core
 * turns it into distances and the kernel.
 *
 * Precision: alpha >= 1 runs steps 1-3 in fp32 and alpha < 1 in fp64, as the
 * CPU engine does and for the same reason (lambda^alpha with alpha < 1
 * magnifies the round-off of eigenvalues near 0).  Orders too large for one
 * block's shared memory go to cuSOLVER's dsyevd (fp64, eigenvalues only).
 * cuBLAS and cuSOLVER are loaded with dlopen when first needed, so that
 * linking needs only the static CUDA runtime.
 *
 * The back end checks itself when it starts (closed forms and a random term
 * against the host reference); if the GPU disagrees it refuses to start, and
 * "auto" falls back to the CPU engine. */
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusolverDn.h>
#include <dlfcn.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vector>
#include "backend.h"
#include "infomonitor/entropy.h"

namespace {

constexpr int kMaxThreads = 1024;

/* Sum over the block; every thread gets the result.  red: 32 doubles of
 * shared memory. */
__device__ double block_sum(double x, double *red)
{
    for (int o = 16; o > 0; o >>= 1)
        x += __shfl_xor_sync(0xffffffffu, x, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
    __syncthreads();
    if (lane == 0)
        red[warp] = x;
    __syncthreads();
    double s = 0.0;
    for (int k = 0; k < nw; k++)
        s += red[k];
    return s;
}

__device__ double block_min(double x, double *red)
{
    for (int o = 16; o > 0; o >>= 1)
        x = fmin(x, __shfl_xor_sync(0xffffffffu, x, o));
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
    __syncthreads();
    if (lane == 0)
        red[warp] = x;
    __syncthreads();
    double s = red[0];
    for (int k = 1; k < nw; k++)
        s = fmin(s, red[k]);
    return s;
}

/* Shared memory of one block: A (n x (n|1), bounded by n x (n+1)), v, w, d,
 * e, e^2 (n each) in T, then 32 doubles for reductions. */
template <typename T> __host__ __device__ size_t smem_bytes(int n)
{
    size_t b = ((size_t)n * (n + 1) + 5 * (size_t)n) * sizeof(T);
    return (b + 7) / 8 * 8 + 32 * sizeof(double);
}

/* Number of eigenvalues of the tridiagonal (d, e2 = e^2) below x.  A pivot
 * smaller than pivmin is replaced by -pivmin before it is counted, as in
 * LAPACK's dlaebz: a pivot of exactly 0 (x equal to an eigenvalue of a
 * leading block, common with the constant diagonals of RBF Gram matrices)
 * then counts once, not zero times. */
template <typename T> __device__ int sturm_count(const T *d, const T *e2, int n, T x)
{
    const T pivmin = sizeof(T) == 4 ? (T)1e-30 : (T)1e-290;
    T q = d[0] - x;
    if (fabs(q) < pivmin)
        q = -pivmin;
    int c = q < 0;
    for (int i = 1; i < n; i++) {
        q = d[i] - x - e2[i - 1] / q;
        if (fabs(q) < pivmin)
            q = -pivmin;
        c += q < 0;
    }
    return c;
}

/* Term b = b0 + blockIdx.x per block.  F: the factors, n*n fp64 each
 * (row-major, symmetric), contiguous; off/idx the CSR term lists.  S[b] the
 * entropy; eig (may be NULL) the n eigenvalues of the normalized term,
 * ascending, at eig[b*n]. */
template <typename T>
__global__ void __launch_bounds__(kMaxThreads)
    term_entropy(const double *F, int n, const unsigned *off, const unsigned *idx, size_t b0,
                 double alpha, double *S, double *eig)
{
    extern __shared__ double smem_d[];
    T *A = reinterpret_cast<T *>(smem_d);
    const int ld = n | 1; /* odd: each thread's row starts in another bank */
    T *v = A + (size_t)n * ld, *w = v + n, *d = w + n, *e = d + n, *e2 = e + n;
    double *red = smem_d + (smem_bytes<T>(n) / 8 - 32);
    const int t = threadIdx.x;
    const size_t b = b0 + blockIdx.x;
    const bool row = t < n;
    const size_t nn = (size_t)n * n;
    const unsigned k0 = off[b], k1 = off[b + 1];

    /* 1. Trace, then thread t writes column t (coalesced reads of the
     * symmetric factors' rows). */
    double diag = 0.0;
    if (row) {
        diag = F[(size_t)idx[k0] * nn + (size_t)t * n + t];
        for (unsigned k = k0 + 1; k < k1; k++)
            diag *= F[(size_t)idx[k] * nn + (size_t)t * n + t];
    }
    double tr = block_sum(diag, red);
    double chk = 0.0;
    if (row)
        for (int i = 0; i < n; i++) {
            double x = F[(size_t)idx[k0] * nn + (size_t)i * n + t];
            for (unsigned k = k0 + 1; k < k1; k++)
                x *= F[(size_t)idx[k] * nn + (size_t)i * n + t];
            x /= tr;
            chk += x;
            A[i * ld + t] = (T)x;
        }
    chk = block_sum(chk, red);
    if (!(tr > 0.0) || !isfinite(tr) || !isfinite(chk)) {
        if (t == 0)
            S[b] = nan("");
        if (eig != NULL && row)
            eig[(size_t)b * n + t] = nan("");
        return;
    }

    /* 2. Householder: H_k = I - tau v v^T maps column k below the diagonal
     * to beta e_1; then p = tau A22 v, w = p - (tau/2)(p.v) v,
     * A22 -= v w^T + w v^T. */
    for (int k = 0; k + 2 < n; k++) {
        T xk = (row && t > k) ? A[t * ld + k] : (T)0;
        double sigma = block_sum((row && t > k + 1) ? (double)xk * xk : 0.0, red);
        T alpha_k = A[(k + 1) * ld + k];
        /* A column below 1e-30 (the matrix has trace 1) is already reduced:
         * reflecting it would divide by numbers that underflow in fp32. */
        T tau = 0, scale = 0, beta = alpha_k;
        if (sigma > 1e-60) {
            T mu = (T)sqrt((double)alpha_k * alpha_k + sigma);
            beta = alpha_k > 0 ? -mu : mu;
            tau = (beta - alpha_k) / beta;
            scale = (T)1 / (alpha_k - beta);
        }
        T vt = t == k + 1 ? (T)1 : (row && t > k + 1 ? xk * scale : (T)0);
        if (row)
            v[t] = vt;
        if (t == 0) {
            d[k] = A[k * ld + k];
            e[k] = beta;
        }
        __syncthreads();
        T p = 0;
        if (row && t > k) {
            for (int j = k + 1; j < n; j++)
                p += A[t * ld + j] * v[j];
            p *= tau;
        }
        double pv = block_sum((double)p * vt, red);
        T wt = p - (T)(0.5 * (double)tau * pv) * vt;
        if (row)
            w[t] = wt;
        __syncthreads();
        if (row && t > k)
            for (int j = k + 1; j < n; j++)
                A[t * ld + j] -= vt * w[j] + wt * v[j];
        __syncthreads();
    }
    if (t == 0) {
        if (n >= 2) {
            d[n - 2] = A[(n - 2) * ld + n - 2];
            e[n - 2] = A[(n - 1) * ld + n - 2];
        }
        d[n - 1] = A[(n - 1) * ld + n - 1];
        e[n - 1] = 0;
    }
    __syncthreads();

    /* 3. Bisection: Gershgorin bounds, then eigenvalue t (0-based, the
     * (t+1)-th smallest) in each thread. */
    double glo = 1e300, ghi = -1e300;
    if (row) {
        double r = fabs((double)e[t]) + (t ? fabs((double)e[t - 1]) : 0.0);
        glo = d[t] - r;
        ghi = d[t] + r;
        e2[t] = e[t] * e[t];
    }
    glo = block_min(glo, red);
    ghi = -block_min(-ghi, red);
    T lo = (T)glo, hi = (T)ghi;
    /* Widen by a few ulps so that the bounds hold in T. */
    T pad = (T)(4.0 * (sizeof(T) == 4 ? 1.2e-7 : 2.3e-16) * fmax(fabs(glo), fabs(ghi)) + 1e-30);
    lo -= pad;
    hi += pad;
    if (row)
        for (int it = 0; it < (sizeof(T) == 4 ? 40 : 64); it++) {
            T mid = lo + (hi - lo) / 2;
            if (mid <= lo || mid >= hi)
                break;
            if (sturm_count<T>(d, e2, n, mid) > t)
                hi = mid;
            else
                lo = mid;
        }
    double lam = row ? fmax((double)(lo + (hi - lo) / 2), 0.0) : 0.0;

    /* 4. Entropy in fp64, with im_entropy_from_eigenvalues's rule:
     * eigenvalues at or below n eps64 max(lambda) count as 0. */
    double sum = block_sum(lam, red);
    lam /= sum;
    if (eig != NULL && row)
        eig[(size_t)b * n + t] = lam;
    double cut = (double)n * DBL_EPSILON * -block_min(-lam, red);
    double term = 0.0;
    if (lam > cut)
        term = alpha == 1.0 ? -lam * log2(lam) : pow(lam, alpha);
    double acc = block_sum(term, red);
    if (t == 0)
        S[b] = alpha == 1.0 ? acc : log2(acc) / (1.0 - alpha);
}

/* cuSOLVER, loaded when a matrix is too large for one block. */
struct solver {
    void *lib;
    cusolverDnHandle_t h;
    decltype(&cusolverDnCreate) create;
    decltype(&cusolverDnDestroy) destroy;
    decltype(&cusolverDnDsyevd_bufferSize) bufsize;
    decltype(&cusolverDnDsyevd) syevd;
};

/* cuBLAS, loaded for the first Gram matrix. */
struct blas {
    void *lib;
    cublasHandle_t h;
    decltype(&cublasCreate_v2) create;
    decltype(&cublasDestroy_v2) destroy;
    decltype(&cublasDsyrk_v2) syrk;
};

/* Selects a device for a scope and gives the caller's back at its end. */
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

struct cuda_backend {
    im_backend base;
    int dev;         /* the device current at creation; every entry point selects it */
    im_backend *ref; /* cpu-ref: alpha = 2 without eigenvalues, and the self-check */
    int nmax32, nmax64; /* largest order one block holds, fp32 / fp64 */
    /* device buffers, grown on demand */
    double *F, *S, *eig, *work;
    unsigned *off, *idx;
    size_t capF, capS, capEig, capWork, capOff, capIdx;
    double *X, *G; /* Gram: data and result */
    size_t capX, capG;
    int *info;
    bool sv_failed; /* cuSOLVER would not load: large orders stay on the host */
    solver sv;
    blas bl;
};

im_status cuda_fail(cudaError_t e, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "cuda: %s: %s", what, cudaGetErrorString(e));
    return IM_ERR_BACKEND;
}

#define CK(call, what)                                                                           \
    do {                                                                                         \
        cudaError_t e_ = (call);                                                                 \
        if (e_ != cudaSuccess)                                                                   \
            return cuda_fail(e_, what, err, errlen);                                            \
    } while (0)

template <typename P> im_status grow(P **buf, size_t *cap, size_t need, char *err, size_t errlen)
{
    if (need <= *cap)
        return IM_OK;
    cudaFree(*buf);
    *buf = NULL;
    *cap = 0;
    CK(cudaMalloc((void **)buf, need * sizeof(P)), "cudaMalloc");
    *cap = need;
    return IM_OK;
}

/* B terms (CSR off/idx, host) over the factors already in c->F. */
im_status launch(cuda_backend *c, size_t n, const unsigned *off, const unsigned *idx, size_t B,
                 double alpha, double *S, double *eig, char *err, size_t errlen)
{
    size_t nidx = off[B];
    im_status st;
    if ((st = grow(&c->off, &c->capOff, B + 1, err, errlen)) != IM_OK ||
        (st = grow(&c->idx, &c->capIdx, nidx, err, errlen)) != IM_OK ||
        (st = grow(&c->S, &c->capS, B, err, errlen)) != IM_OK ||
        (eig && (st = grow(&c->eig, &c->capEig, B * n, err, errlen)) != IM_OK))
        return st;
    CK(cudaMemcpy(c->off, off, (B + 1) * sizeof(unsigned), cudaMemcpyHostToDevice), "upload");
    CK(cudaMemcpy(c->idx, idx, nidx * sizeof(unsigned), cudaMemcpyHostToDevice), "upload");
    int threads = (int)((n + 31) / 32 * 32);
    bool f32 = alpha >= 1.0;
    size_t smem = f32 ? smem_bytes<float>((int)n) : smem_bytes<double>((int)n);
    double *de = eig ? c->eig : NULL;
    (void)cudaGetLastError(); /* clear an error an earlier call already reported */
    /* Grid x is at most 2^31 - 1 blocks. */
    const size_t slice = (size_t)1 << 30;
    for (size_t b0 = 0; b0 < B; b0 += slice) {
        unsigned nb = (unsigned)(B - b0 < slice ? B - b0 : slice);
        if (f32)
            term_entropy<float><<<nb, threads, smem>>>(c->F, (int)n, c->off, c->idx, b0, alpha,
                                                       c->S, de);
        else
            term_entropy<double><<<nb, threads, smem>>>(c->F, (int)n, c->off, c->idx, b0, alpha,
                                                        c->S, de);
        CK(cudaGetLastError(), "kernel launch");
    }
    CK(cudaMemcpy(S, c->S, B * sizeof(double), cudaMemcpyDeviceToHost), "download");
    if (eig)
        CK(cudaMemcpy(eig, c->eig, B * n * sizeof(double), cudaMemcpyDeviceToHost), "download");
    return IM_OK;
}

/* A CUDA library by its soname, from the loader's path or the toolkit the
 * build used. */
void *open_lib(const char *soname)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", IM_CUDA_LIBDIR, soname);
        h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    }
    return h;
}

im_status load_solver(cuda_backend *c, char *err, size_t errlen)
{
    if (c->sv.lib != NULL)
        return IM_OK;
    c->sv.lib = open_lib("libcusolver.so.12");
    if (c->sv.lib == NULL) {
        snprintf(err, errlen, "cuda: cannot load cuSOLVER: %s", dlerror());
        return IM_ERR_BACKEND;
    }
    c->sv.create = (decltype(c->sv.create))dlsym(c->sv.lib, "cusolverDnCreate");
    c->sv.destroy = (decltype(c->sv.destroy))dlsym(c->sv.lib, "cusolverDnDestroy");
    c->sv.bufsize = (decltype(c->sv.bufsize))dlsym(c->sv.lib, "cusolverDnDsyevd_bufferSize");
    c->sv.syevd = (decltype(c->sv.syevd))dlsym(c->sv.lib, "cusolverDnDsyevd");
    if (!c->sv.create || !c->sv.destroy || !c->sv.bufsize || !c->sv.syevd ||
        c->sv.create(&c->sv.h) != CUSOLVER_STATUS_SUCCESS) {
        dlclose(c->sv.lib);
        c->sv.lib = NULL;
        snprintf(err, errlen, "cuda: cuSOLVER could not be started");
        return IM_ERR_BACKEND;
    }
    return IM_OK;
}

/* One large matrix through cusolverDnDsyevd (fp64, eigenvalues only). */
im_status large_entropy(cuda_backend *c, const double *M, size_t n, double alpha, double *S,
                        double *eig, char *err, size_t errlen)
{
    im_status st = load_solver(c, err, errlen);
    if (st != IM_OK)
        return st;
    size_t nn = n * n;
    double tr = 0.0;
    for (size_t i = 0; i < n; i++)
        tr += M[i * n + i];
    if (!(tr > 0.0) || !im_all_finite(M, nn)) {
        *S = NAN;
        for (size_t i = 0; eig != NULL && i < n; i++)
            eig[i] = NAN;
        return IM_OK;
    }
    std::vector<double> A(M, M + nn), w(n);
    for (double &x : A)
        x /= tr;
    if ((st = grow(&c->F, &c->capF, nn, err, errlen)) != IM_OK ||
        (st = grow(&c->eig, &c->capEig, n, err, errlen)) != IM_OK)
        return st;
    if (c->info == NULL)
        CK(cudaMalloc((void **)&c->info, sizeof(int)), "cudaMalloc");
    CK(cudaMemcpy(c->F, A.data(), nn * sizeof(double), cudaMemcpyHostToDevice), "upload");
    int lwork = 0;
    /* Symmetric: the row-major buffer is its own column-major transpose. */
    if (c->sv.bufsize(c->sv.h, CUSOLVER_EIG_MODE_NOVECTOR, CUBLAS_FILL_MODE_LOWER, (int)n, c->F,
                      (int)n, c->eig, &lwork) != CUSOLVER_STATUS_SUCCESS) {
        snprintf(err, errlen, "cuda: cusolverDnDsyevd_bufferSize failed for order %zu", n);
        return IM_ERR_SOLVER;
    }
    if ((st = grow(&c->work, &c->capWork, (size_t)lwork, err, errlen)) != IM_OK)
        return st;
    int info = 0;
    if (c->sv.syevd(c->sv.h, CUSOLVER_EIG_MODE_NOVECTOR, CUBLAS_FILL_MODE_LOWER, (int)n, c->F,
                    (int)n, c->eig, c->work, lwork, c->info) != CUSOLVER_STATUS_SUCCESS) {
        snprintf(err, errlen, "cuda: cusolverDnDsyevd failed for order %zu", n);
        return IM_ERR_SOLVER;
    }
    CK(cudaMemcpy(&info, c->info, sizeof(int), cudaMemcpyDeviceToHost), "download");
    CK(cudaMemcpy(w.data(), c->eig, n * sizeof(double), cudaMemcpyDeviceToHost), "download");
    if (info != 0) {
        snprintf(err, errlen, "cuda: cusolverDnDsyevd info %d for order %zu", info, n);
        return IM_ERR_SOLVER;
    }
    if (eig != NULL)
        memcpy(eig, w.data(), n * sizeof(double));
    *S = im_entropy_from_eigenvalues(w.data(), n, alpha);
    return IM_OK;
}

im_status load_blas(cuda_backend *c, char *err, size_t errlen)
{
    if (c->bl.lib != NULL)
        return IM_OK;
    c->bl.lib = open_lib("libcublas.so.13");
    if (c->bl.lib == NULL) {
        snprintf(err, errlen, "cuda: cannot load cuBLAS for Gram matrices: %s", dlerror());
        return IM_ERR_BACKEND;
    }
    c->bl.create = (decltype(c->bl.create))dlsym(c->bl.lib, "cublasCreate_v2");
    c->bl.destroy = (decltype(c->bl.destroy))dlsym(c->bl.lib, "cublasDestroy_v2");
    c->bl.syrk = (decltype(c->bl.syrk))dlsym(c->bl.lib, "cublasDsyrk_v2");
    if (!c->bl.create || !c->bl.destroy || !c->bl.syrk ||
        c->bl.create(&c->bl.h) != CUBLAS_STATUS_SUCCESS) {
        dlclose(c->bl.lib);
        c->bl.lib = NULL;
        snprintf(err, errlen, "cuda: cuBLAS could not be started");
        return IM_ERR_BACKEND;
    }
    return IM_OK;
}

/* G = Xc Xc^T.  Row-major Xc (n x d) is column-major A = Xc^T (d x n), so
 * G = A^T A; the row-major upper triangle the core reads is the
 * column-major lower one. */
im_status cuda_gram(im_backend *self, const double *Xc, size_t n, size_t d, double *G, char *err,
                    size_t errlen)
{
    cuda_backend *c = reinterpret_cast<cuda_backend *>(self);
    device_guard dg(c->dev);
    CK(dg.e, "cudaSetDevice");
    im_status st;
    if ((st = load_blas(c, err, errlen)) != IM_OK ||
        (st = grow(&c->X, &c->capX, n * d, err, errlen)) != IM_OK ||
        (st = grow(&c->G, &c->capG, n * n, err, errlen)) != IM_OK)
        return st;
    CK(cudaMemcpy(c->X, Xc, n * d * sizeof(double), cudaMemcpyHostToDevice), "upload");
    const double one = 1.0, zero = 0.0;
    if (c->bl.syrk(c->bl.h, CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_T, (int)n, (int)d, &one, c->X,
                   (int)d, &zero, c->G, (int)n) != CUBLAS_STATUS_SUCCESS) {
        snprintf(err, errlen, "cuda: cublasDsyrk failed for n = %zu, d = %zu", n, d);
        return IM_ERR_BACKEND;
    }
    CK(cudaMemcpy(G, c->G, n * n * sizeof(double), cudaMemcpyDeviceToHost), "download");
    return IM_OK;
}

int nmax(cuda_backend *c, double alpha)
{
    return alpha >= 1.0 ? c->nmax32 : c->nmax64;
}

/* The factors the terms use go to the device once per call (renumbered in
 * order of first use); then one launch computes every term. */
im_status cuda_products(im_backend *self, const double *const *factors, size_t n,
                        const uint32_t *off, const uint32_t *idx, size_t B, double alpha,
                        double *S, char *err, size_t errlen)
{
    cuda_backend *c = reinterpret_cast<cuda_backend *>(self);
    device_guard dg(c->dev);
    CK(dg.e, "cudaSetDevice");
    if (alpha == 2.0)
        return c->ref->entropy_products(c->ref, factors, n, off, idx, B, alpha, S, err, errlen);
    if ((int)n > nmax(c, alpha))
        return im_backend_products_via_batch(self, factors, n, off, idx, B, alpha, S, err,
                                             errlen);
    size_t nidx = off[B];
    std::vector<unsigned> map, local(nidx);
    std::vector<const double *> used;
    for (size_t k = 0; k < nidx; k++) {
        size_t f = idx[k];
        if (f >= map.size())
            map.resize(f + 1, ~0u);
        if (map[f] == ~0u) {
            map[f] = (unsigned)used.size();
            used.push_back(factors[f]);
        }
        local[k] = map[f];
    }
    size_t nn = n * n;
    im_status st = grow(&c->F, &c->capF, used.size() * nn, err, errlen);
    if (st != IM_OK)
        return st;
    for (size_t f = 0; f < used.size(); f++)
        CK(cudaMemcpy(c->F + f * nn, used[f], nn * sizeof(double), cudaMemcpyHostToDevice),
           "upload");
    return launch(c, n, off, local.data(), B, alpha, S, NULL, err, errlen);
}

im_status cuda_batch(im_backend *self, const double *M, size_t B, size_t n, double alpha,
                     double *S, double *eig, char *err, size_t errlen)
{
    cuda_backend *c = reinterpret_cast<cuda_backend *>(self);
    size_t nn = n * n;
    device_guard dg(c->dev);
    CK(dg.e, "cudaSetDevice");
    if (alpha == 2.0 && eig == NULL)
        return c->ref->entropy_batch(c->ref, M, B, n, alpha, S, eig, err, errlen);
    if ((int)n > nmax(c, alpha)) {
        /* Without cuSOLVER, large orders stay on the host. */
        if (c->sv_failed || (c->sv_failed = load_solver(c, err, errlen) != IM_OK))
            return c->ref->entropy_batch(c->ref, M, B, n, alpha, S, eig, err, errlen);
        for (size_t k = 0; k < B; k++) {
            im_status st = large_entropy(c, M + k * nn, n, alpha, S + k, eig ? eig + k * n : NULL,
                                         err, errlen);
            if (st != IM_OK)
                return st;
        }
        return IM_OK;
    }
    /* Whole matrices are one-factor terms, in chunks of at most 256 MiB. */
    size_t chunk = ((size_t)256 << 20) / (nn * sizeof(double));
    chunk = chunk < 1 ? 1 : chunk > B ? B : chunk;
    std::vector<unsigned> off(chunk + 1), idx(chunk);
    for (size_t k = 0; k <= chunk; k++)
        off[k] = (unsigned)k;
    for (size_t k = 0; k < chunk; k++)
        idx[k] = (unsigned)k;
    im_status st = grow(&c->F, &c->capF, chunk * nn, err, errlen);
    if (st != IM_OK)
        return st;
    for (size_t b0 = 0; b0 < B; b0 += chunk) {
        size_t nb = B - b0 < chunk ? B - b0 : chunk;
        CK(cudaMemcpy(c->F, M + b0 * nn, nb * nn * sizeof(double), cudaMemcpyHostToDevice),
           "upload");
        if ((st = launch(c, n, off.data(), idx.data(), nb, alpha, S + b0,
                         eig ? eig + b0 * n : NULL, err, errlen)) != IM_OK)
            return st;
    }
    return IM_OK;
}

void cuda_destroy(im_backend *self)
{
    cuda_backend *c = reinterpret_cast<cuda_backend *>(self);
    device_guard dg(c->dev);
    cudaFree(c->F);
    cudaFree(c->S);
    cudaFree(c->eig);
    cudaFree(c->work);
    cudaFree(c->off);
    cudaFree(c->idx);
    cudaFree(c->info);
    cudaFree(c->X);
    cudaFree(c->G);
    if (c->bl.lib != NULL) {
        c->bl.destroy(c->bl.h);
        dlclose(c->bl.lib);
    }
    if (c->ref != NULL)
        c->ref->destroy(c->ref);
    if (c->sv.lib != NULL) {
        c->sv.destroy(c->sv.h);
        dlclose(c->sv.lib);
    }
    free(c);
}

im_status check_failed(const char *what, double alpha, int term, double got, double want,
                       char *err, size_t errlen)
{
    snprintf(err, errlen,
             "cuda: self-check failed (%s, alpha %.2f, term %d: GPU %.9g, expected %.9g); not "
             "using the GPU",
             what, alpha, term, got, want);
    return IM_ERR_BACKEND;
}

/* The GPU against closed forms and the host reference, in both precisions
 * (alpha 1.01 and 1 in fp32; 0.5 and 0.25, which magnify round-off near 0,
 * in fp64), and its Gram matrix against a plain loop.  A GPU that disagrees
 * is not used.  Without cuBLAS the Gram matrices stay on the host. */
im_status self_check(cuda_backend *c, char *err, size_t errlen)
{
    const size_t n = 64, nn = n * n, dx = 5;
    std::vector<double> F(3 * nn), x(n);
    unsigned long long s = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        x[i] = (double)(s >> 11) / 9007199254740992.0 * 4.0;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            F[i * n + j] = i == j;                  /* I/n: log2 64 = 6 */
            F[nn + i * n + j] = (i / 16 == j / 16); /* 4 equal blocks, rank 4: 2 */
            F[2 * nn + i * n + j] = exp(-(x[i] - x[j]) * (x[i] - x[j]));
        }
    if (load_blas(c, err, errlen) != IM_OK) {
        c->base.gram = NULL;
        size_t len = strlen(c->base.detail);
        snprintf(c->base.detail + len, sizeof c->base.detail - len, ", Gram matrices on the host");
        if (errlen > 0)
            err[0] = '\0';
    } else {
        std::vector<double> Xc(n * dx), G(nn);
        for (size_t i = 0; i < n * dx; i++)
            Xc[i] = x[i % n] - (double)(i % 7);
        im_status gs = cuda_gram(&c->base, Xc.data(), n, dx, G.data(), err, errlen);
        if (gs != IM_OK)
            return gs;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i; j < n; j++) {
                double g = 0.0;
                for (size_t k = 0; k < dx; k++)
                    g += Xc[i * dx + k] * Xc[j * dx + k];
                if (!(fabs(G[i * n + j] - g) <= 1e-12 * (1.0 + fabs(g))))
                    return check_failed("Gram entry", 0.0, (int)(i * n + j), G[i * n + j], g, err,
                                        errlen);
            }
    }
    /* Terms: I, the blocks, blocks o RBF (n = 64); [[1,.5],[.5,1]], whose
     * first Sturm pivot at the midpoint is exactly 0 (n = 2). */
    const double *f[3] = {F.data(), F.data() + nn, F.data() + 2 * nn};
    const uint32_t off[4] = {0, 1, 2, 4}, idx[4] = {0, 1, 1, 2}, off2[2] = {0, 1}, idx2[1] = {0};
    const double two[4] = {1.0, 0.5, 0.5, 1.0}, *f2[1] = {two};
    const double alphas[4] = {1.01, 1.0, 0.5, 0.25};
    for (int a = 0; a < 4; a++) {
        double al = alphas[a], tol = al >= 1.0 ? 1e-4 : 1e-6;
        double got[4], want[4];
        im_status st;
        if ((st = c->ref->entropy_products(c->ref, f, n, off, idx, 3, al, want, err, errlen)) !=
                IM_OK ||
            (st = cuda_products(&c->base, f, n, off, idx, 3, al, got, err, errlen)) != IM_OK ||
            (st = cuda_products(&c->base, f2, 2, off2, idx2, 1, al, got + 3, err, errlen)) !=
                IM_OK)
            return st;
        want[3] = log2(pow(0.75, al) + pow(0.25, al)) / (1.0 - al);
        const double closed[2] = {6.0, 2.0};
        for (int k = 0; k < 4; k++) {
            if (!(fabs(got[k] - want[k]) <= tol))
                return check_failed("against the host", al, k, got[k], want[k], err, errlen);
            if (k < 2 && !(fabs(got[k] - closed[k]) <= tol))
                return check_failed("closed form", al, k, got[k], closed[k], err, errlen);
        }
    }
    return IM_OK;
}

} /* namespace */

im_status im_backend_cuda_create(const im_backend_opts *o, im_backend **out, char *err,
                                 size_t errlen)
{
    *out = NULL;
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
        snprintf(err, errlen, "no usable GPU for the cuda back end (%s)",
                 e != cudaSuccess ? cudaGetErrorString(e) : "no device");
        return IM_ERR_BACKEND;
    }
    int dev = 0;
    CK(cudaGetDevice(&dev), "cudaGetDevice");
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, dev), "cudaGetDeviceProperties");
    cuda_backend *c = (cuda_backend *)calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(err, errlen, "out of memory creating the cuda back end");
        return IM_ERR_NOMEM;
    }
    c->dev = dev;
    size_t optin = prop.sharedMemPerBlockOptin;
    c->nmax32 = c->nmax64 = 1;
    while (c->nmax32 < kMaxThreads && smem_bytes<float>(c->nmax32 + 1) <= optin)
        c->nmax32++;
    while (c->nmax64 < kMaxThreads && smem_bytes<double>(c->nmax64 + 1) <= optin)
        c->nmax64++;
    cudaError_t a1 = cudaFuncSetAttribute(term_entropy<float>,
                                          cudaFuncAttributeMaxDynamicSharedMemorySize,
                                          (int)smem_bytes<float>(c->nmax32));
    cudaError_t a2 = cudaFuncSetAttribute(term_entropy<double>,
                                          cudaFuncAttributeMaxDynamicSharedMemorySize,
                                          (int)smem_bytes<double>(c->nmax64));
    c->base.name = "cuda";
    snprintf(c->base.detail, sizeof c->base.detail, "%.60s, orders <= %d in one block", prop.name,
             c->nmax32);
    c->base.entropy_batch = cuda_batch;
    c->base.entropy_products = cuda_products;
    c->base.gram = cuda_gram;
    c->base.destroy = cuda_destroy;
    im_status st = im_backend_cpu_ref_create(o, &c->ref, err, errlen);
    if (st == IM_OK && (a1 != cudaSuccess || a2 != cudaSuccess))
        st = cuda_fail(a1 != cudaSuccess ? a1 : a2, "cudaFuncSetAttribute", err, errlen);
    if (st == IM_OK)
        st = self_check(c, err, errlen);
    if (st != IM_OK) {
        cuda_destroy(&c->base);
        return st;
    }
    *out = &c->base;
    return IM_OK;
}
