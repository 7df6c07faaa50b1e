/* The SIMD spectrum kernels (simd_spectra.h): one per precision and
 * instruction set.  A kernel's group function takes `lanes` product terms
 * b0 .. b0+count-1 (count <= lanes; the CSR form of im_entropy_products) of
 * order n and writes the n eigenvalues of each normalized product,
 * unsorted, to eig[q*n ..] (lanes*n doubles).  bad[q] is 0 for a good lane,
 * 1 for a missing term or one with a non-finite entry or a trace <= 0, 2
 * when the QL iteration did not converge.  work is im_simd_work_bytes(n)
 * bytes, 64-byte aligned. */
#ifndef IM_SIMD_H
#define IM_SIMD_H

#include <stddef.h>
#include <stdint.h>

/* The most lanes of any kernel (fp32 in 64-byte vectors). */
#define IM_SIMD_MAX_LANES 16

typedef struct {
    const char *isa; /* "avx512", "avx2" or "generic" */
    int lanes;
    void (*group)(const double *const *factors, size_t n, const uint32_t *off,
                  const uint32_t *idx, size_t b0, int count, void *work, double *eig, int *bad);
} im_simd_kernel;

extern const im_simd_kernel im_simd_f32_generic, im_simd_f64_generic;
#ifdef IM_SIMD_X86
extern const im_simd_kernel im_simd_f32_avx2, im_simd_f64_avx2;
extern const im_simd_kernel im_simd_f32_avx512, im_simd_f64_avx512;
#endif

/* Workspace of one group: the packed lower triangle and six n-vectors, at
 * the widest vector size. */
static inline size_t im_simd_work_bytes(size_t n)
{
    return (n * (n + 1) / 2 + 6 * n) * 64;
}

#endif
