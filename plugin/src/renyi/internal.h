/* Internals shared by the estimator core's files. */
#ifndef IM_RENYI_INTERNAL_H
#define IM_RENYI_INTERNAL_H

#include <stddef.h>
#include "infomonitor/infomonitor.h"
#include "../backend/backend.h"

struct im_context {
    double alpha;
    im_backend *backend;
    double *scratch;      /* grows on demand; reused by the Gram builders */
    size_t scratch_cap;   /* in doubles */
    char err[512];
};

/* At least `count` doubles of context-owned scratch memory (NULL after
 * recording an IM_ERR_NOMEM message). */
double *im_scratch(im_context *ctx, size_t count);

/* Record a formatted message in ctx->err and return st. */
im_status im_fail(im_context *ctx, im_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Check the arguments every quantity shares (ctx, n >= 2). */
im_status im_check_n(im_context *ctx, size_t n);

#endif
