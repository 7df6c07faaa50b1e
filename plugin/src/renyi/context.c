/* Context life cycle, options and error reporting. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

void im_options_default(im_options *opt)
{
    opt->alpha = 1.01;
    opt->backend = NULL;
}

im_status im_fail(im_context *ctx, im_status st, const char *fmt, ...)
{
    if (ctx != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->err, sizeof ctx->err, fmt, ap);
        va_end(ap);
    }
    return st;
}

im_status im_check_n(im_context *ctx, size_t n)
{
    if (ctx == NULL)
        return IM_ERR_ARG;
    if (n < 2)
        return im_fail(ctx, IM_ERR_ARG, "need at least 2 samples, got n = %zu", n);
    return IM_OK;
}

static int alpha_ok(double alpha)
{
    return isfinite(alpha) && alpha > 0.0;
}

im_status im_context_create(const im_options *opt, im_context **out, char *errbuf, size_t errlen)
{
    im_options def;
    char local[512];
    if (errbuf == NULL || errlen == 0) {
        errbuf = local;
        errlen = sizeof local;
    }
    errbuf[0] = '\0';
    if (out == NULL) {
        snprintf(errbuf, errlen, "im_context_create: out is NULL");
        return IM_ERR_ARG;
    }
    *out = NULL;
    if (opt == NULL) {
        im_options_default(&def);
        opt = &def;
    }
    if (!alpha_ok(opt->alpha)) {
        snprintf(errbuf, errlen, "alpha must be a finite number > 0, got %g", opt->alpha);
        return IM_ERR_ARG;
    }
    const char *name = opt->backend;
    if (name == NULL || strcmp(name, "auto") == 0) {
        const char *env = getenv("IM_BACKEND");
        if (env != NULL && env[0] != '\0')
            name = env;
    }
    im_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) {
        snprintf(errbuf, errlen, "out of memory creating a context");
        return IM_ERR_NOMEM;
    }
    ctx->alpha = opt->alpha;
    im_status st = im_backend_create(name, &ctx->backend, errbuf, errlen);
    if (st != IM_OK) {
        if (name != opt->backend && errbuf != NULL && errlen > 0) {
            /* Say where the name came from. */
            char why[256];
            snprintf(why, sizeof why, "%s", errbuf);
            snprintf(errbuf, errlen, "IM_BACKEND=%s: %s", name, why);
        }
        free(ctx);
        return st;
    }
    *out = ctx;
    return IM_OK;
}

void im_context_destroy(im_context *ctx)
{
    if (ctx == NULL)
        return;
    ctx->backend->destroy(ctx->backend);
    free(ctx->scratch);
    free(ctx);
}

double *im_scratch(im_context *ctx, size_t count)
{
    if (count <= ctx->scratch_cap)
        return ctx->scratch;
    double *p = realloc(ctx->scratch, count * sizeof(double));
    if (p == NULL) {
        im_fail(ctx, IM_ERR_NOMEM, "out of memory for %zu doubles of scratch", count);
        return NULL;
    }
    ctx->scratch = p;
    ctx->scratch_cap = count;
    return p;
}

double im_context_alpha(const im_context *ctx)
{
    return ctx->alpha;
}

im_status im_context_set_alpha(im_context *ctx, double alpha)
{
    if (ctx == NULL)
        return IM_ERR_ARG;
    if (!alpha_ok(alpha))
        return im_fail(ctx, IM_ERR_ARG, "alpha must be a finite number > 0, got %g", alpha);
    ctx->alpha = alpha;
    return IM_OK;
}

const char *im_context_backend(const im_context *ctx)
{
    return ctx->backend->name;
}

const char *im_context_backend_detail(const im_context *ctx)
{
    return ctx->backend->detail;
}

const char *im_context_error(const im_context *ctx)
{
    return ctx == NULL ? "no context" : ctx->err;
}
