/* Gram matrices of the cuda back end: G = Xc Xc^T by cublasDsyrk (fp64),
 * from centred host data (cuda_gram, the core's gram hook) or from fp32
 * data already on the device (cuda_gram_device, the gram_device entry:
 * the monitors of a GPU-trained network hand it their device captures, so
 * that activations do not cross to the host).  The centring of device data
 * runs here in fp64, as the core's host route does (renyi/gram.c). */
#include "cuda_internal.h"
#include "util/errfmt.h"

namespace im_cuda {
namespace {

constexpr int kCentreThreads = 256;

/* Column j of the n rows of x (row i at x + i*ld): Xc[i*d + j] = x - the
 * column mean, in fp64; *bad = 1 when a value is not finite.  One thread
 * per column: consecutive threads read consecutive floats of a row. */
__global__ void centre_columns(const float *x, size_t n, size_t d, size_t ld, double *Xc, int *bad)
{
    size_t j = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= d)
        return;
    double mean = 0.0;
    int finite = 1;
    for (size_t i = 0; i < n; i++) {
        float v = x[i * ld + j];
        finite &= isfinite(v) ? 1 : 0;
        mean += (double)v;
    }
    if (!finite) {
        *bad = 1;
        return;
    }
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        Xc[i * d + j] = (double)x[i * ld + j] - mean;
}

/* G (host) = c->X c->X^T for c->X (n x d, row-major, on the device).
 * Row-major Xc is column-major A = Xc^T (d x n), so G = A^T A; the
 * row-major upper triangle the core reads is the column-major lower one. */
im_status syrk_to_host(cuda_backend *c, size_t n, size_t d, double *G, char *err, size_t errlen)
{
    im_status st = grow(&c->G, &c->capG, n * n, err, errlen);
    if (st != IM_OK)
        return st;
    const double one = 1.0, zero = 0.0;
    if (c->bl.syrk(c->bl.h, CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_T, (int)n, (int)d, &one, c->X,
                   (int)d, &zero, c->G, (int)n) != CUBLAS_STATUS_SUCCESS)
        return im_errf(err, errlen, IM_ERR_BACKEND, "cuda: cublasDsyrk failed for n = %zu, d = %zu",
                       n, d);
    IM_CUDA_CHECK(cudaMemcpy(G, c->G, n * n * sizeof(double), cudaMemcpyDeviceToHost),
                  "download");
    return IM_OK;
}

/* cuBLAS, and room for nd fp64 values in c->X (the device selected). */
im_status prepare(cuda_backend *c, size_t nd, char *err, size_t errlen)
{
    im_status st = load_blas(c, err, errlen);
    return st != IM_OK ? st : grow(&c->X, &c->capX, nd, err, errlen);
}

} /* namespace */

im_status cuda_gram(im_backend *self, const double *Xc, size_t n, size_t d, double *G, char *err,
                    size_t errlen)
{
    cuda_backend *c = reinterpret_cast<cuda_backend *>(self);
    device_guard dg(c->dev);
    IM_CUDA_CHECK(dg.e, "cudaSetDevice");
    im_status st = prepare(c, n * d, err, errlen);
    if (st != IM_OK)
        return st;
    IM_CUDA_CHECK(cudaMemcpy(c->X, Xc, n * d * sizeof(double), cudaMemcpyHostToDevice),
                  "upload");
    return syrk_to_host(c, n, d, G, err, errlen);
}

im_status cuda_gram_device(im_backend *self, const float *x, size_t n, size_t d, size_t ld,
                           double *G, int *finite, char *err, size_t errlen)
{
    cuda_backend *c = reinterpret_cast<cuda_backend *>(self);
    device_guard dg(c->dev);
    IM_CUDA_CHECK(dg.e, "cudaSetDevice");
    im_status st = prepare(c, n * d, err, errlen);
    if (st != IM_OK)
        return st;
    if (c->bad == NULL)
        IM_CUDA_CHECK(cudaMalloc((void **)&c->bad, sizeof(int)), "cudaMalloc");
    IM_CUDA_CHECK(cudaMemset(c->bad, 0, sizeof(int)), "cudaMemset");
    unsigned blocks = (unsigned)((d + kCentreThreads - 1) / kCentreThreads);
    centre_columns<<<blocks, kCentreThreads>>>(x, n, d, ld, c->X, c->bad);
    IM_CUDA_CHECK(cudaGetLastError(), "centre_columns launch");
    int bad = 0;
    IM_CUDA_CHECK(cudaMemcpy(&bad, c->bad, sizeof bad, cudaMemcpyDeviceToHost), "download");
    *finite = !bad;
    return bad ? IM_OK : syrk_to_host(c, n, d, G, err, errlen);
}

} /* namespace im_cuda */
