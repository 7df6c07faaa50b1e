/* The check the cuda back end runs on itself when it starts: the GPU
 * against closed forms and the host reference, in both precisions (alpha
 * 1.01 and 1 in fp32; 0.5 and 0.25, which magnify round-off near 0, in
 * fp64), and its Gram matrices, of host data and of fp32 data on the
 * device, against a plain loop.  A GPU that disagrees is
 * not used: the constructor fails with IM_ERR_SOLVER, and so does "auto"
 * (it passes over unavailable back ends only), naming the GPU's failure. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <vector>
#include "cuda_internal.h"
#include "util/errfmt.h"

namespace im_cuda {
namespace {

constexpr size_t kN = 64; /* order of the test matrices */

im_status check_failed(const char *what, double alpha, int term, double got, double want,
                       char *err, size_t errlen)
{
    return im_errf(err, errlen, IM_ERR_SOLVER,
                   "cuda: self-check failed (%s, alpha %.2f, term %d: GPU %.9g, expected %.9g); "
                   "not using the GPU",
                   what, alpha, term, got, want);
}

/* x: kN reproducible numbers in [0, 4).  F: three kN x kN factors, I (whose
 * entropy is log2 64 = 6), 4 equal all-ones blocks (rank 4: 2) and the RBF
 * Gram matrix of x. */
void make_inputs(std::vector<double> &x, std::vector<double> &F)
{
    const size_t n = kN, nn = n * n;
    x.resize(n);
    F.resize(3 * nn);
    unsigned long long s = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        x[i] = (double)(s >> 11) / 9007199254740992.0 * 4.0;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            F[i * n + j] = i == j;
            F[nn + i * n + j] = (i / 16 == j / 16);
            F[2 * nn + i * n + j] = exp(-(x[i] - x[j]) * (x[i] - x[j]));
        }
}

/* The upper triangle of the GPU's G against Xc Xc^T by a plain loop, to
 * 1e-12 (Xc: n*d row-major). */
im_status compare_gram(const std::vector<double> &G, const std::vector<double> &Xc, size_t n,
                       size_t d, const char *what, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            double g = 0.0;
            for (size_t k = 0; k < d; k++)
                g += Xc[i * d + k] * Xc[j * d + k];
            if (!(fabs(G[i * n + j] - g) <= 1e-12 * (1.0 + fabs(g))))
                return check_failed(what, 0.0, (int)(i * n + j), G[i * n + j], g, err, errlen);
        }
    return IM_OK;
}

/* The GPU's Gram matrix of data built from x against a plain loop, to
 * 1e-12.  Without cuBLAS the Gram matrices stay on the host. */
im_status check_gram(cuda_backend *c, const std::vector<double> &x, char *err, size_t errlen)
{
    const size_t n = kN, dx = 5;
    if (load_blas(c, err, errlen) != IM_OK) {
        c->base.gram = NULL;
        c->base.gram_device = NULL;
        size_t len = strlen(c->base.detail);
        snprintf(c->base.detail + len, sizeof c->base.detail - len, ", Gram matrices on the host");
        if (errlen > 0)
            err[0] = '\0';
        return IM_OK;
    }
    std::vector<double> Xc(n * dx), G(n * n);
    for (size_t i = 0; i < n * dx; i++)
        Xc[i] = x[i % n] - (double)(i % 7);
    im_status gs = cuda_gram(&c->base, Xc.data(), n, dx, G.data(), err, errlen);
    if (gs != IM_OK)
        return gs;
    return compare_gram(G, Xc, n, dx, "Gram entry", err, errlen);
}

/* The Gram matrix of fp32 data on the device (strided rows, ld > d)
 * against a plain loop over the centred values, to 1e-12; a NaN among them
 * must be reported as not finite. */
im_status check_gram_device(cuda_backend *c, const std::vector<double> &x, char *err,
                            size_t errlen)
{
    if (c->base.gram_device == NULL)
        return IM_OK;
    const size_t n = kN, d = 3, ld = 5;
    std::vector<float> h(n * ld);
    for (size_t i = 0; i < n * ld; i++)
        h[i] = (float)(x[i % n] * (double)(1 + i % 3));
    std::vector<double> Xc(n * d), G(n * n);
    for (size_t j = 0; j < d; j++) {
        double mean = 0.0;
        for (size_t i = 0; i < n; i++)
            mean += h[i * ld + j];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
            Xc[i * d + j] = (double)h[i * ld + j] - mean;
    }
    float *dx = NULL;
    IM_CUDA_CHECK(cudaMalloc((void **)&dx, h.size() * sizeof(float)), "cudaMalloc");
    int finite = 0, finite_nan = 1;
    cudaError_t e = cudaMemcpy(dx, h.data(), h.size() * sizeof(float), cudaMemcpyHostToDevice);
    im_status st = e == cudaSuccess ? cuda_gram_device(&c->base, dx, n, d, ld, G.data(), &finite,
                                                       err, errlen)
                                    : cuda_fail(e, "upload", err, errlen);
    const float nan = NAN;
    if (st == IM_OK && (e = cudaMemcpy(dx + 7 * ld + 1, &nan, sizeof nan,
                                       cudaMemcpyHostToDevice)) != cudaSuccess)
        st = cuda_fail(e, "upload", err, errlen);
    if (st == IM_OK)
        st = cuda_gram_device(&c->base, dx, n, d, ld, G.data(), &finite_nan, err, errlen);
    cudaFree(dx);
    if (st != IM_OK)
        return st;
    if (!finite || finite_nan)
        return im_errf(err, errlen, IM_ERR_SOLVER,
                       "cuda: self-check failed (device Gram: finite data reported %s, data "
                       "with a NaN reported %s); not using the GPU",
                       finite ? "finite" : "not finite", finite_nan ? "finite" : "not finite");
    return compare_gram(G, Xc, n, d, "device Gram entry", err, errlen);
}

/* Terms: I, the blocks, blocks o RBF (n = 64); [[1,.5],[.5,1]], whose
 * first Sturm pivot at the midpoint is exactly 0 (n = 2).  Each against
 * the host reference and, where there is one, its closed form. */
im_status check_terms(cuda_backend *c, const std::vector<double> &F, char *err, size_t errlen)
{
    const size_t n = kN, nn = n * n;
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

im_status self_check(cuda_backend *c, char *err, size_t errlen)
{
    std::vector<double> x, F;
    make_inputs(x, F);
    im_status st = check_gram(c, x, err, errlen);
    if (st == IM_OK)
        st = check_gram_device(c, x, err, errlen);
    if (st == IM_OK)
        st = check_terms(c, F, err, errlen);
    if (st != IM_ERR_BACKEND)
        return st;
    /* A call on the GPU failed: the check could not run, which is a failed
     * check, not a missing GPU. */
    char why[256];
    snprintf(why, sizeof why, "%s", errlen > 0 ? err : "");
    return im_errf(err, errlen, IM_ERR_SOLVER,
                   "cuda: self-check could not run (%s); not using the GPU", why);
}

} /* namespace im_cuda */
