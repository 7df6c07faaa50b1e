/* The kernel of the cuda back end: one thread block per product term,
 * returning only the entropies (and the eigenvalues on request).
 *
 * Per block (blockDim = n rounded up to a warp, thread t owns row t):
 *   1. the Hadamard product of the term's factors, divided by its trace, into
 *      shared memory (row-major, odd leading dimension n|1 so that the
 *      threads of a warp, each reading its own row, hit different banks);
 *   2. Householder reduction to tridiagonal form (unblocked, like LAPACK's
 *      sytd2 on the lower triangle, the full matrix kept symmetric);
 *   3. eigenvalue t of the tridiagonal matrix by bisection on Sturm counts
 *      (each thread one eigenvalue, so they come out ascending);
 *   4. negatives set to 0, the rest rescaled to sum 1, and S_alpha in fp64
 *      in the log domain (renyi_sum.h, the host's code).
 * Steps 1-3 run in T: fp32 for alpha >= 1, fp64 below (see cuda.cu). */
#include <math.h>
#include "cuda_internal.h"
#include "renyi_sum.h"

namespace im_cuda {
namespace {

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

/* Step 1: the product of the factors idx[k0 .. k1-1] (F: n*n fp64 each,
 * row-major, symmetric) divided by its trace into A (leading dimension
 * ld).  Thread t writes column t (coalesced reads of the factors' rows).
 * False, in every thread, when the trace is not positive or an entry is not
 * finite. */
template <typename T>
__device__ __forceinline__ bool load_term(const double *F, int n, const unsigned *idx,
                                          unsigned k0, unsigned k1, T *A, int ld, double *red)
{
    const int t = threadIdx.x;
    const bool row = t < n;
    const size_t nn = (size_t)n * n;
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
    return tr > 0.0 && isfinite(tr) && isfinite(chk);
}

/* Step 2: Householder reduction of A (n x n, leading dimension ld) to the
 * tridiagonal (d, e), e[n-1] = 0; v and w are n-vector scratch.  H_k =
 * I - tau v v^T maps column k below the diagonal to beta e_1; then
 * p = tau A22 v, w = p - (tau/2)(p.v) v, A22 -= v w^T + w v^T. */
template <typename T>
__device__ __forceinline__ void tridiagonalize(T *A, int ld, int n, T *v, T *w, T *d, T *e,
                                               double *red)
{
    const int t = threadIdx.x;
    const bool row = t < n;
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
}

/* Step 3: eigenvalue t (0-based, the (t+1)-th smallest) of the tridiagonal
 * (d, e) in thread t < n, clipped at 0; 0 in the other threads.  Gershgorin
 * bounds, then bisection; e2 (n) receives e^2. */
template <typename T>
__device__ __forceinline__ double bisect(const T *d, const T *e, T *e2, int n, double *red)
{
    const int t = threadIdx.x;
    const bool row = t < n;
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
    return row ? fmax((double)(lo + (hi - lo) / 2), 0.0) : 0.0;
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

    if (!load_term<T>(F, n, idx, off[b], off[b + 1], A, ld, red)) {
        if (t == 0)
            S[b] = nan("");
        if (eig != NULL && row)
            eig[(size_t)b * n + t] = nan("");
        return;
    }
    tridiagonalize<T>(A, ld, n, v, w, d, e, red);
    double lam = bisect<T>(d, e, e2, n, red);

    /* 4. Entropy in fp64, with im_entropy_from_eigenvalues's rule and
     * formula (renyi_sum.h): eigenvalues at or below n eps64 max(lambda)
     * count as 0. */
    double sum = block_sum(lam, red);
    lam /= sum;
    if (eig != NULL && row)
        eig[(size_t)b * n + t] = lam;
    double top = -block_min(-lam, red), cut = im_renyi_cut((size_t)n, top);
    double s = block_sum(lam > cut ? lam : 0.0, red);
    double acc = block_sum(im_renyi_term(lam, cut, alpha, top), red);
    if (t == 0)
        S[b] = im_renyi_finish(acc, alpha, top, s);
}

/* The largest order (at most kMaxThreads) whose block fits optin bytes. */
template <typename T> int max_order(size_t optin)
{
    int n = 1;
    while (n < kMaxThreads && smem_bytes<T>(n + 1) <= optin)
        n++;
    return n;
}

} /* namespace */

im_status kernels_setup(cuda_backend *c, size_t optin, char *err, size_t errlen)
{
    c->nmax32 = max_order<float>(optin);
    c->nmax64 = max_order<double>(optin);
    IM_CUDA_CHECK(cudaFuncSetAttribute(term_entropy<float>,
                                       cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       (int)smem_bytes<float>(c->nmax32)),
                  "cudaFuncSetAttribute");
    IM_CUDA_CHECK(cudaFuncSetAttribute(term_entropy<double>,
                                       cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       (int)smem_bytes<double>(c->nmax64)),
                  "cudaFuncSetAttribute");
    return IM_OK;
}

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
    IM_CUDA_CHECK(cudaMemcpy(c->off, off, (B + 1) * sizeof(unsigned), cudaMemcpyHostToDevice),
                  "upload");
    IM_CUDA_CHECK(cudaMemcpy(c->idx, idx, nidx * sizeof(unsigned), cudaMemcpyHostToDevice),
                  "upload");
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
        IM_CUDA_CHECK(cudaGetLastError(), "kernel launch");
    }
    IM_CUDA_CHECK(cudaMemcpy(S, c->S, B * sizeof(double), cudaMemcpyDeviceToHost), "download");
    if (eig)
        IM_CUDA_CHECK(cudaMemcpy(eig, c->eig, B * n * sizeof(double), cudaMemcpyDeviceToHost),
                      "download");
    return IM_OK;
}

} /* namespace im_cuda */
