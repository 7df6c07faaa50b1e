/* The estimator context: options, the spectrum back end, scratch memory and
 * the last error message.  There is no global mutable state; one context may
 * be used by one thread at a time.  The context owns its back end (and the
 * back end's worker threads) and its scratch memory; every buffer a caller
 * passes to a function of this library stays the caller's. */
#ifndef INFOMONITOR_CONTEXT_H
#define INFOMONITOR_CONTEXT_H

#include <stddef.h>
#include "api.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct im_context im_context;

/* Options of a context.  Fields left at their defaults take the environment
 * variable named beside them when it is set, so that a user can steer a
 * program that does not expose these options; an explicit value wins. */
typedef struct im_options {
    double alpha;        /* Renyi order, > 0.  Default 1.01 (the paper's choice). */
    const char *backend; /* back-end name (im_backend_name()), or NULL/"auto" for the fastest
                            that starts.  Default: IM_BACKEND, else NULL. */
    int threads;         /* threads of the cpu back end, 1..64; 0 = IM_THREADS, else the
                            online processors (at most 64) */
    const char *simd;    /* instruction set of the cpu back end: "avx512", "avx2",
                            "generic"; NULL = IM_SIMD, else the widest this processor has */
    int device;          /* the CUDA device of the cuda back end (a program training on GPU N
                            passes N, so that device pointers of its buffers are valid
                            there); -1 = the calling thread's current device.  The cpu back
                            ends ignore it. */
} im_options;

/* Fill *opt with the defaults (alpha = 1.01, backend NULL, threads 0, simd NULL,
 * device -1). */
IM_API void im_options_default(im_options *opt);

/* Create a context.  Returns IM_OK and *out; or, with *out = NULL:
 * IM_ERR_ARG (out is NULL, alpha, threads or device out of range, a bad IM_THREADS
 * or IM_SIMD, an instruction set this processor lacks; these are checked
 * whichever back end starts, and "auto" does not fall back over them: a
 * bad value is an error, never a silent default), IM_ERR_BACKEND (the
 * back end is unknown or not available here; with the variable's name and
 * value when IM_BACKEND chose it), IM_ERR_SOLVER (a GPU that fails its
 * start-up self-check) or IM_ERR_NOMEM.  "auto" passes over the back ends
 * that are not available here and no others: one that is here but fails
 * to start (IM_ERR_SOLVER, IM_ERR_NOMEM) is an error naming it, so that a
 * broken GPU or a thread pool that cannot start never means a silent
 * switch to a slower engine.  The message is copied to errbuf
 * (errlen bytes) when errbuf != NULL.  The caller owns the context and
 * frees it with im_context_destroy(). */
IM_API im_status im_context_create(const im_options *opt, im_context **out, char *errbuf,
                                   size_t errlen);
/* Free a context and its back end (NULL is allowed). */
IM_API void im_context_destroy(im_context *ctx);

/* The alpha the context computes with. */
IM_API double im_context_alpha(const im_context *ctx);
/* Change alpha: IM_OK, or IM_ERR_ARG when alpha is not a finite number > 0. */
IM_API im_status im_context_set_alpha(im_context *ctx, double alpha);
/* Name of the spectrum back end in use ("cpu", "cpu-ref", "cuda"); static storage. */
IM_API const char *im_context_backend(const im_context *ctx);
/* What that back end runs on, for logs: "avx512 kernels, 2 threads",
 * a GPU's name, ...; owned by the context. */
IM_API const char *im_context_backend_detail(const im_context *ctx);
/* 1 when the context's back end reads data in GPU memory (the cuda back
 * end, with cuBLAS): im_gram_rbf_maps_device then takes device pointers;
 * 0 for the cpu back ends. */
IM_API int im_context_device_memory(const im_context *ctx);
/* Last error message of this context ("" when none); owned by the context
 * and overwritten by the next failing call. */
IM_API const char *im_context_error(const im_context *ctx);

/* The back ends this build knows, fastest first (the order "auto" tries):
 * name i, or NULL for i past the last.  Static storage. */
IM_API const char *im_backend_name(size_t i);
/* 1 when name is one of those or "auto". */
IM_API int im_backend_known(const char *name);
/* The names joined by sep into buf (len bytes, always terminated when
 * len > 0); returns the length the whole list needs, as snprintf does. */
IM_API size_t im_backend_names(char *buf, size_t len, const char *sep);

#ifdef __cplusplus
}
#endif
#endif
