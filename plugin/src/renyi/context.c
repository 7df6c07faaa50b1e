/* Context life cycle, options and error reporting. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"
#include "util/errfmt.h"
#include "util/parse.h"

void im_options_default(im_options *opt)
{
    opt->alpha = 1.01;
    opt->backend = NULL;
    opt->threads = 0;
    opt->device = -1;
    opt->simd = NULL;
}

im_status im_fail(im_context *ctx, im_status st, const char *fmt, ...)
{
    if (ctx != NULL) {
        va_list ap;
        va_start(ap, fmt);
        im_verrf(ctx->err, sizeof ctx->err, 0, st, fmt, ap);
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

/* An option left at its default (NULL, or "auto" when auto_default) takes
 * the environment variable `var`. */
static const char *from_env(const char *value, const char *var, int auto_default)
{
    if (value != NULL && !(auto_default && strcmp(value, "auto") == 0))
        return value;
    const char *env = getenv(var);
    return env != NULL && env[0] != '\0' ? env : value;
}

/* The instruction set, when one is named, must be one the cpu back end
 * knows and this processor has, whichever back end starts. */
static im_status check_simd(const im_options *opt, const char *simd, char *err, size_t errlen)
{
    char why[256];
    if (simd == NULL || im_backend_cpu_simd_check(simd, why, sizeof why) == IM_OK)
        return IM_OK;
    return im_errf(err, errlen, IM_ERR_ARG,
                   simd != opt->simd ? "IM_SIMD='%s': %s" : "simd '%s': %s", simd, why);
}

/* The back end's threads: opt->threads, else IM_THREADS, else the online
 * processors (at most IM_MAX_THREADS). */
static im_status resolve_threads(const im_options *opt, int *out, char *err, size_t errlen)
{
    if (opt->threads != 0) {
        if (opt->threads < 1 || opt->threads > IM_MAX_THREADS)
            return im_errf(err, errlen, IM_ERR_ARG, "threads must be in 1..%d, got %d",
                           IM_MAX_THREADS, opt->threads);
        *out = opt->threads;
        return IM_OK;
    }
    const char *env = getenv("IM_THREADS");
    long long t;
    if (env != NULL && *env != '\0') {
        if (!im_parse_int(env, 1, IM_MAX_THREADS, &t))
            return im_errf(err, errlen, IM_ERR_ARG,
                           "IM_THREADS='%s': expected an integer from 1 to %d", env,
                           IM_MAX_THREADS);
        *out = (int)t;
        return IM_OK;
    }
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    *out = c < 1 ? 1 : c > IM_MAX_THREADS ? IM_MAX_THREADS : (int)c;
    return IM_OK;
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
    if (out == NULL)
        return im_errf(errbuf, errlen, IM_ERR_ARG, "im_context_create: out is NULL");
    *out = NULL;
    if (opt == NULL) {
        im_options_default(&def);
        opt = &def;
    }
    if (!alpha_ok(opt->alpha))
        return im_errf(errbuf, errlen, IM_ERR_ARG, "alpha must be a finite number > 0, got %g",
                       opt->alpha);
    if (opt->device < -1)
        return im_errf(errbuf, errlen, IM_ERR_ARG, "device must be >= 0 (or -1: the current one), got %d",
                       opt->device);
    im_backend_opts bo = {.simd = from_env(opt->simd, "IM_SIMD", 0), .device = opt->device};
    im_status st = resolve_threads(opt, &bo.threads, errbuf, errlen);
    if (st != IM_OK || (st = check_simd(opt, bo.simd, errbuf, errlen)) != IM_OK)
        return st;
    const char *name = from_env(opt->backend, "IM_BACKEND", 1);
    im_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return im_errf(errbuf, errlen, IM_ERR_NOMEM, "out of memory creating a context");
    ctx->alpha = opt->alpha;
    if ((st = im_backend_create(name, &bo, &ctx->backend, errbuf, errlen)) != IM_OK) {
        if (name != opt->backend) {
            /* Say where the name came from. */
            char why[256];
            snprintf(why, sizeof why, "%s", errbuf);
            im_errf(errbuf, errlen, st, "IM_BACKEND='%s': %s", name, why);
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

int im_context_device_memory(const im_context *ctx)
{
    return ctx->backend->gram_device != NULL;
}

const char *im_context_backend_detail(const im_context *ctx)
{
    return ctx->backend->detail;
}

const char *im_context_error(const im_context *ctx)
{
    return ctx == NULL ? "no context" : ctx->err;
}
