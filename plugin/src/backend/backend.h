/* Spectrum back ends: the batched interface that every information quantity
 * goes through.  A back end turns B symmetric n*n matrices (or B Hadamard
 * products of shared factor matrices) into their Renyi entropies S_alpha,
 * each matrix normalized by its trace.  Internal to libinfomonitor. */
#ifndef IM_BACKEND_H
#define IM_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "infomonitor/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct im_backend im_backend;

struct im_backend {
    const char *name;
    char detail[96]; /* what it runs on, for logs */
    /* S[b] = S_alpha(M_b / tr M_b), M is B*n*n row-major fp64.  eig (may be
     * NULL) receives B*n ascending eigenvalues of the normalized matrices. */
    im_status (*entropy_batch)(im_backend *self, const double *M, size_t B, size_t n, double alpha,
                               double *S, double *eig, char *err, size_t errlen);
    /* S[b] = S_alpha(P_b / tr P_b), P_b the Hadamard product of the factors
     * idx[off[b] .. off[b+1]-1] (see im_entropy_products). */
    im_status (*entropy_products)(im_backend *self, const double *const *factors, size_t n,
                                  const uint32_t *off, const uint32_t *idx, size_t B, double alpha,
                                  double *S, char *err, size_t errlen);
    /* Optional (NULL: the core calls cblas_dsyrk): G = Xc Xc^T, at least its
     * upper triangle, for centred fp64 data Xc (n*d row-major); G is n*n
     * row-major. */
    im_status (*gram)(im_backend *self, const double *Xc, size_t n, size_t d, double *G, char *err,
                      size_t errlen);
    /* Optional (NULL: the back end reads host memory only): the Gram matrix
     * of fp32 data in the back end's device memory (a pointer of the CUDA
     * device it runs on, which it reads only).  For the n rows of d floats
     * at x + i*ld (ld >= d): *finite = 1 when all n*d values are finite,
     * and then G (host, n*n row-major, at least its upper triangle) =
     * Xc Xc^T of the rows with each column centred, in fp64, as the core
     * computes it from host data (gram.h); *finite = 0 leaves G unset. */
    im_status (*gram_device)(im_backend *self, const float *x, size_t n, size_t d, size_t ld,
                             double *G, int *finite, char *err, size_t errlen);
    void (*destroy)(im_backend *self);
};

/* Run-time options of a back end, resolved by the context from im_options
 * and the environment before any back end is created. */
typedef struct im_backend_opts {
    int threads;      /* worker threads, 1..IM_MAX_THREADS */
    const char *simd; /* instruction set of the cpu kernels ("avx512", "avx2",
                         "generic"), or NULL for the widest this processor has */
    int device;       /* the CUDA device of the cuda back end, or -1 for the
                         calling thread's current one */
} im_backend_opts;

#define IM_MAX_THREADS 64

/* Create the back end called `name` ("cpu-ref"; "auto" or NULL for the
 * fastest available, in the order of im_backend_name(), as
 * im_backend_auto() picks it).  On failure *out is NULL, err holds the
 * reason, and the status is IM_ERR_BACKEND (not available here),
 * IM_ERR_ARG (a bad option), IM_ERR_SOLVER (a GPU that fails its start-up
 * self-check) or IM_ERR_NOMEM. */
im_status im_backend_create(const char *name, const im_backend_opts *o, im_backend **out, char *err,
                            size_t errlen);

/* A back end of the registry: its name and constructor. */
typedef struct im_backend_entry {
    const char *name;
    im_status (*create)(const im_backend_opts *o, im_backend **out, char *err, size_t errlen);
} im_backend_entry;

/* "auto" over list[0..n-1]: the first back end that starts.  Only one that
 * is not available here (IM_ERR_BACKEND) is passed over; any other failure
 * of a back end that is here (IM_ERR_SOLVER: a GPU that fails its
 * self-check; IM_ERR_NOMEM: memory or threads that cannot be had;
 * IM_ERR_ARG: a bad option) stops the choice with that status and a
 * message naming the back end, so that "auto" never falls back silently
 * over a broken one.  IM_ERR_BACKEND when none is available.  (The
 * registry's list is the one im_backend_create uses; the tests pass their
 * own.) */
im_status im_backend_auto(const im_backend_entry *list, size_t n, const im_backend_opts *o,
                          im_backend **out, char *err, size_t errlen);

/* IM_OK when the cpu back end can run the instruction set `isa` here;
 * IM_ERR_ARG with "expected one of ..." for a name it does not know, or
 * "this processor lacks that instruction set". */
im_status im_backend_cpu_simd_check(const char *isa, char *err, size_t errlen);

/* The constructors that the registry (registry.c) lists, fastest first.
 * The cuda one keeps "not here" apart from "broken": IM_ERR_BACKEND when it
 * is not available (not in this build, no device or driver, or a device
 * that the build has no kernels for or cannot open); IM_ERR_SOLVER when a
 * GPU was found but failed the start-up self-check (wrong results, or a
 * call on it failed while the check ran); IM_ERR_NOMEM when host memory ran
 * out.  "auto" passes over IM_ERR_BACKEND only (im_backend_auto). */
im_status im_backend_cuda_create(const im_backend_opts *o, im_backend **out, char *err,
                                 size_t errlen);
im_status im_backend_cpu_fast_create(const im_backend_opts *o, im_backend **out, char *err,
                                     size_t errlen);
im_status im_backend_cpu_ref_create(const im_backend_opts *o, im_backend **out, char *err,
                                    size_t errlen);

/* Generic entropy_products for back ends that only batch whole matrices:
 * forms the products in chunks of scratch memory and calls entropy_batch. */
im_status im_backend_products_via_batch(im_backend *self, const double *const *factors, size_t n,
                                        const uint32_t *off, const uint32_t *idx, size_t B,
                                        double alpha, double *S, char *err, size_t errlen);

/* 1 when every one of the m doubles is finite. */
int im_all_finite(const double *v, size_t m);

#ifdef __cplusplus
}
#endif

#endif
