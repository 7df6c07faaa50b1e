/* The estimator context: options, the spectrum back end, scratch memory and
 * the last error message.  There is no global mutable state; one context may
 * be used by one thread at a time. */
#ifndef INFOMONITOR_CONTEXT_H
#define INFOMONITOR_CONTEXT_H

#include <stddef.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct im_context im_context;

typedef struct im_options {
    double alpha;          /* Renyi order, > 0.  Default 1.01 (the paper's choice). */
    const char *backend;   /* back-end name ("cpu-ref"), or NULL/"auto" for the fastest available.
                              The environment variable IM_BACKEND overrides NULL/"auto". */
} im_options;

/* Fill *opt with the defaults (alpha = 1.01, backend = NULL). */
void im_options_default(im_options *opt);

/* Create a context.  On failure *out is NULL and the status says why; the
 * message (if any) is copied to errbuf when errbuf != NULL. */
im_status im_context_create(const im_options *opt, im_context **out, char *errbuf, size_t errlen);
void im_context_destroy(im_context *ctx);

/* The alpha the context computes with. */
double im_context_alpha(const im_context *ctx);
/* Change alpha (> 0). */
im_status im_context_set_alpha(im_context *ctx, double alpha);
/* Name of the spectrum back end in use ("cpu", "cpu-ref", "cuda"). */
const char *im_context_backend(const im_context *ctx);
/* What that back end runs on, for logs: "avx512 kernels, 2 threads",
 * a GPU's name, ... */
const char *im_context_backend_detail(const im_context *ctx);
/* Last error message of this context ("" when none). */
const char *im_context_error(const im_context *ctx);

#ifdef __cplusplus
}
#endif
#endif
