/* cuBLAS and cuSOLVER for the cuda back end, loaded with dlopen when first
 * needed so that linking needs only the static CUDA runtime, and the path
 * of matrices too large for one block's shared memory (cusolverDnDsyevd,
 * fp64, eigenvalues only).  The Gram matrices that use cuBLAS are in
 * cuda_gram.cu. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <vector>
#include "cuda_internal.h"
#include "infomonitor/entropy.h"
#include "util/errfmt.h"

namespace im_cuda {
namespace {

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

/* Uploads M / tr (n*n) to c->F; the eigenvalues go to c->eig. */
im_status upload_normalized(cuda_backend *c, const double *M, size_t n, double tr, char *err,
                            size_t errlen)
{
    size_t nn = n * n;
    std::vector<double> A(M, M + nn);
    for (double &x : A)
        x /= tr;
    im_status st;
    if ((st = grow(&c->F, &c->capF, nn, err, errlen)) != IM_OK ||
        (st = grow(&c->eig, &c->capEig, n, err, errlen)) != IM_OK)
        return st;
    if (c->info == NULL)
        IM_CUDA_CHECK(cudaMalloc((void **)&c->info, sizeof(int)), "cudaMalloc");
    IM_CUDA_CHECK(cudaMemcpy(c->F, A.data(), nn * sizeof(double), cudaMemcpyHostToDevice),
                  "upload");
    return IM_OK;
}

/* The n eigenvalues of the matrix in c->F into w (host), ascending. */
im_status device_syevd(cuda_backend *c, size_t n, double *w, char *err, size_t errlen)
{
    int lwork = 0;
    /* Symmetric: the row-major buffer is its own column-major transpose. */
    if (c->sv.bufsize(c->sv.h, CUSOLVER_EIG_MODE_NOVECTOR, CUBLAS_FILL_MODE_LOWER, (int)n, c->F,
                      (int)n, c->eig, &lwork) != CUSOLVER_STATUS_SUCCESS)
        return im_errf(err, errlen, IM_ERR_SOLVER,
                       "cuda: cusolverDnDsyevd_bufferSize failed for order %zu", n);
    im_status st = grow(&c->work, &c->capWork, (size_t)lwork, err, errlen);
    if (st != IM_OK)
        return st;
    int info = 0;
    if (c->sv.syevd(c->sv.h, CUSOLVER_EIG_MODE_NOVECTOR, CUBLAS_FILL_MODE_LOWER, (int)n, c->F,
                    (int)n, c->eig, c->work, lwork, c->info) != CUSOLVER_STATUS_SUCCESS)
        return im_errf(err, errlen, IM_ERR_SOLVER, "cuda: cusolverDnDsyevd failed for order %zu",
                       n);
    IM_CUDA_CHECK(cudaMemcpy(&info, c->info, sizeof(int), cudaMemcpyDeviceToHost), "download");
    IM_CUDA_CHECK(cudaMemcpy(w, c->eig, n * sizeof(double), cudaMemcpyDeviceToHost), "download");
    if (info != 0)
        return im_errf(err, errlen, IM_ERR_SOLVER, "cuda: cusolverDnDsyevd info %d for order %zu",
                       info, n);
    return IM_OK;
}

} /* namespace */

im_status load_solver(cuda_backend *c, char *err, size_t errlen)
{
    if (c->sv.lib != NULL)
        return IM_OK;
    c->sv.lib = open_lib("libcusolver.so.12");
    if (c->sv.lib == NULL)
        return im_errf(err, errlen, IM_ERR_BACKEND, "cuda: cannot load cuSOLVER: %s", dlerror());
    c->sv.create = (decltype(c->sv.create))dlsym(c->sv.lib, "cusolverDnCreate");
    c->sv.destroy = (decltype(c->sv.destroy))dlsym(c->sv.lib, "cusolverDnDestroy");
    c->sv.bufsize = (decltype(c->sv.bufsize))dlsym(c->sv.lib, "cusolverDnDsyevd_bufferSize");
    c->sv.syevd = (decltype(c->sv.syevd))dlsym(c->sv.lib, "cusolverDnDsyevd");
    if (!c->sv.create || !c->sv.destroy || !c->sv.bufsize || !c->sv.syevd ||
        c->sv.create(&c->sv.h) != CUSOLVER_STATUS_SUCCESS) {
        dlclose(c->sv.lib);
        c->sv.lib = NULL;
        return im_errf(err, errlen, IM_ERR_BACKEND, "cuda: cuSOLVER could not be started");
    }
    return IM_OK;
}

im_status large_entropy(cuda_backend *c, const double *M, size_t n, double alpha, double *S,
                        double *eig, char *err, size_t errlen)
{
    im_status st = load_solver(c, err, errlen);
    if (st != IM_OK)
        return st;
    double tr = 0.0;
    for (size_t i = 0; i < n; i++)
        tr += M[i * n + i];
    if (!(tr > 0.0) || !im_all_finite(M, n * n)) {
        *S = NAN;
        for (size_t i = 0; eig != NULL && i < n; i++)
            eig[i] = NAN;
        return IM_OK;
    }
    std::vector<double> w(n);
    if ((st = upload_normalized(c, M, n, tr, err, errlen)) != IM_OK ||
        (st = device_syevd(c, n, w.data(), err, errlen)) != IM_OK)
        return st;
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
    if (c->bl.lib == NULL)
        return im_errf(err, errlen, IM_ERR_BACKEND,
                       "cuda: cannot load cuBLAS for Gram matrices: %s", dlerror());
    c->bl.create = (decltype(c->bl.create))dlsym(c->bl.lib, "cublasCreate_v2");
    c->bl.destroy = (decltype(c->bl.destroy))dlsym(c->bl.lib, "cublasDestroy_v2");
    c->bl.syrk = (decltype(c->bl.syrk))dlsym(c->bl.lib, "cublasDsyrk_v2");
    if (!c->bl.create || !c->bl.destroy || !c->bl.syrk ||
        c->bl.create(&c->bl.h) != CUBLAS_STATUS_SUCCESS) {
        dlclose(c->bl.lib);
        c->bl.lib = NULL;
        return im_errf(err, errlen, IM_ERR_BACKEND, "cuda: cuBLAS could not be started");
    }
    return IM_OK;
}

void libs_close(cuda_backend *c)
{
    if (c->bl.lib != NULL) {
        c->bl.destroy(c->bl.h);
        dlclose(c->bl.lib);
        c->bl.lib = NULL;
    }
    if (c->sv.lib != NULL) {
        c->sv.destroy(c->sv.h);
        dlclose(c->sv.lib);
        c->sv.lib = NULL;
    }
}

} /* namespace im_cuda */
