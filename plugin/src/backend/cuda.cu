/* The CUDA back end "cuda": the whole product pipeline on the GPU, one
 * thread block per term (cuda_kernels.cu), returning only the entropies.
 * This file holds its entry points and its constructor; cuda_internal.h
 * lists the other files.
 *
 * Gram matrices: Xc Xc^T of the centred data by cublasDsyrk (fp64), of
 * host data or of fp32 data already on the device (cuda_gram.cu); the core
 * turns it into distances and the kernel.
 *
 * Precision: alpha >= 1 runs the kernel's eigenvalue steps in fp32 and
 * alpha < 1 in fp64, as the CPU engine does and for the same reason
 * (lambda^alpha with alpha < 1 magnifies the round-off of eigenvalues near
 * 0).  Orders too large for one block's shared memory go to cuSOLVER's
 * dsyevd (fp64, eigenvalues only), and alpha = 2 without eigenvalues to the
 * host reference (its O(n^2) fast path).  cuBLAS and cuSOLVER are loaded
 * with dlopen when first needed (cuda_libs.cu).
 *
 * The back end checks itself when it starts (cuda_selfcheck.cu); if the GPU
 * disagrees it refuses to start (IM_ERR_SOLVER), and "auto" stops with that
 * error rather than pass over a GPU that is here but broken. */
#include <stdio.h>
#include <stdlib.h>
#include <vector>
#include "cuda_internal.h"
#include "util/errfmt.h"

namespace im_cuda {

im_status cuda_fail(cudaError_t e, const char *what, char *err, size_t errlen)
{
    return im_errf(err, errlen, IM_ERR_BACKEND, "cuda: %s: %s", what, cudaGetErrorString(e));
}

namespace {

int nmax(cuda_backend *c, double alpha)
{
    return alpha >= 1.0 ? c->nmax32 : c->nmax64;
}

/* The factors that the nidx entries of idx name, in order of first use
 * (used), and idx renumbered into that list (local). */
void renumber(const double *const *factors, const uint32_t *idx, size_t nidx,
              std::vector<const double *> &used, std::vector<unsigned> &local)
{
    std::vector<unsigned> map;
    local.resize(nidx);
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
}

/* Orders too large for one block: one matrix at a time through cuSOLVER,
 * or all on the host when cuSOLVER will not load. */
im_status batch_large(cuda_backend *c, const double *M, size_t B, size_t n, double alpha,
                      double *S, double *eig, char *err, size_t errlen)
{
    if (c->sv_failed || (c->sv_failed = load_solver(c, err, errlen) != IM_OK))
        return c->ref->entropy_batch(c->ref, M, B, n, alpha, S, eig, err, errlen);
    size_t nn = n * n;
    for (size_t k = 0; k < B; k++) {
        im_status st = large_entropy(c, M + k * nn, n, alpha, S + k, eig ? eig + k * n : NULL,
                                     err, errlen);
        if (st != IM_OK)
            return st;
    }
    return IM_OK;
}

/* Whole matrices as one-factor terms, in chunks of at most 256 MiB. */
im_status batch_small(cuda_backend *c, const double *M, size_t B, size_t n, double alpha,
                      double *S, double *eig, char *err, size_t errlen)
{
    size_t nn = n * n;
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
        IM_CUDA_CHECK(cudaMemcpy(c->F, M + b0 * nn, nb * nn * sizeof(double),
                                 cudaMemcpyHostToDevice),
                      "upload");
        if ((st = launch(c, n, off.data(), idx.data(), nb, alpha, S + b0,
                         eig ? eig + b0 * n : NULL, err, errlen)) != IM_OK)
            return st;
    }
    return IM_OK;
}

im_status cuda_batch(im_backend *self, const double *M, size_t B, size_t n, double alpha,
                     double *S, double *eig, char *err, size_t errlen)
{
    cuda_backend *c = reinterpret_cast<cuda_backend *>(self);
    device_guard dg(c->dev);
    IM_CUDA_CHECK(dg.e, "cudaSetDevice");
    if (alpha == 2.0 && eig == NULL)
        return c->ref->entropy_batch(c->ref, M, B, n, alpha, S, eig, err, errlen);
    if ((int)n > nmax(c, alpha))
        return batch_large(c, M, B, n, alpha, S, eig, err, errlen);
    return batch_small(c, M, B, n, alpha, S, eig, err, errlen);
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
    cudaFree(c->bad);
    libs_close(c);
    if (c->ref != NULL)
        c->ref->destroy(c->ref);
    free(c);
}

/* Device `want` (-1: the current one) and its properties; IM_ERR_BACKEND
 * when there is no device or no driver, IM_ERR_ARG when `want` does not
 * exist. */
im_status find_device(int want, int *dev, cudaDeviceProp *prop, char *err, size_t errlen)
{
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0)
        return im_errf(err, errlen, IM_ERR_BACKEND, "no usable GPU for the cuda back end (%s)",
                       e != cudaSuccess ? cudaGetErrorString(e) : "no device");
    if (want >= count)
        return im_errf(err, errlen, IM_ERR_ARG,
                       "cuda: no device %d: cudaGetDeviceCount found %d (indices 0..%d)", want,
                       count, count - 1);
    if (want >= 0)
        *dev = want;
    else
        IM_CUDA_CHECK(cudaGetDevice(dev), "cudaGetDevice");
    IM_CUDA_CHECK(cudaGetDeviceProperties(prop, *dev), "cudaGetDeviceProperties");
    return IM_OK;
}

} /* namespace */

/* The factors the terms use go to the device once per call (renumbered in
 * order of first use); then one launch computes every term. */
im_status cuda_products(im_backend *self, const double *const *factors, size_t n,
                        const uint32_t *off, const uint32_t *idx, size_t B, double alpha,
                        double *S, char *err, size_t errlen)
{
    cuda_backend *c = reinterpret_cast<cuda_backend *>(self);
    device_guard dg(c->dev);
    IM_CUDA_CHECK(dg.e, "cudaSetDevice");
    if (alpha == 2.0)
        return c->ref->entropy_products(c->ref, factors, n, off, idx, B, alpha, S, err, errlen);
    if ((int)n > nmax(c, alpha))
        return im_backend_products_via_batch(self, factors, n, off, idx, B, alpha, S, err,
                                             errlen);
    std::vector<const double *> used;
    std::vector<unsigned> local;
    renumber(factors, idx, off[B], used, local);
    size_t nn = n * n;
    im_status st = grow(&c->F, &c->capF, used.size() * nn, err, errlen);
    if (st != IM_OK)
        return st;
    for (size_t f = 0; f < used.size(); f++)
        IM_CUDA_CHECK(cudaMemcpy(c->F + f * nn, used[f], nn * sizeof(double),
                                 cudaMemcpyHostToDevice),
                      "upload");
    return launch(c, n, off, local.data(), B, alpha, S, NULL, err, errlen);
}

} /* namespace im_cuda */

/* The back end on device o->device (-1: the current one), which must pass
 * the self-check.
 * Statuses (as in backend.h):
 *   IM_ERR_BACKEND  not available here: no device or driver, or a device
 *                   that this build has no kernels for or cannot open (also
 *                   "not in this build", from registry.c);
 *   IM_ERR_SOLVER   a GPU was found and opened but failed the self-check:
 *                   it computes wrong results, or a call on it failed while
 *                   the check ran;
 *   IM_ERR_ARG      o->device does not exist;
 *   IM_ERR_NOMEM    host memory ran out;
 * and those of im_backend_cpu_ref_create (its reference). */
im_status im_backend_cuda_create(const im_backend_opts *o, im_backend **out, char *err,
                                 size_t errlen)
{
    using namespace im_cuda;
    *out = NULL;
    int dev = 0;
    cudaDeviceProp prop;
    im_status st = find_device(o->device, &dev, &prop, err, errlen);
    if (st != IM_OK)
        return st;
    cuda_backend *c = (cuda_backend *)calloc(1, sizeof *c);
    if (c == NULL)
        return im_errf(err, errlen, IM_ERR_NOMEM, "out of memory creating the cuda back end");
    c->dev = dev;
    device_guard dg(dev);
    if (dg.e != cudaSuccess) {
        free(c);
        return cuda_fail(dg.e, "cudaSetDevice", err, errlen);
    }
    c->base.name = "cuda";
    c->base.entropy_batch = cuda_batch;
    c->base.entropy_products = cuda_products;
    c->base.gram = cuda_gram;
    c->base.gram_device = cuda_gram_device;
    c->base.destroy = cuda_destroy;
    st = kernels_setup(c, prop.sharedMemPerBlockOptin, err, errlen);
    snprintf(c->base.detail, sizeof c->base.detail, "%.60s, orders <= %d in one block", prop.name,
             c->nmax32);
    if (st == IM_OK)
        st = im_backend_cpu_ref_create(o, &c->ref, err, errlen);
    if (st == IM_OK)
        st = self_check(c, err, errlen);
    if (st != IM_OK) {
        cuda_destroy(&c->base);
        return st;
    }
    *out = &c->base;
    return IM_OK;
}
