/* Back-end registry: name -> constructor, and the choice of the default.
 * This table is the only list of back-end names; the CLI, the cfg parser
 * and the tests read it through im_backend_name(). */
#include <stdio.h>
#include <string.h>
#include "backend.h"
#include "infomonitor/context.h"
#include "util/errfmt.h"

#ifndef IM_HAVE_CUDA
im_status im_backend_cuda_create(const im_backend_opts *o, im_backend **out, char *err,
                                 size_t errlen)
{
    (void)o;
    *out = NULL;
    return im_errf(err, errlen, IM_ERR_BACKEND,
                   "back end 'cuda' is not in this build (no nvcc was found, or GPU=0)");
}
#endif

/* Fastest first: "auto" takes the first one that is available. */
static const im_backend_entry k_backends[] = {
    {"cuda", im_backend_cuda_create},
    {"cpu", im_backend_cpu_fast_create},
    {"cpu-ref", im_backend_cpu_ref_create},
};
#define NB (sizeof k_backends / sizeof k_backends[0])

const char *im_backend_name(size_t i)
{
    return i < NB ? k_backends[i].name : NULL;
}

int im_backend_known(const char *name)
{
    if (name != NULL && strcmp(name, "auto") == 0)
        return 1;
    for (size_t i = 0; name != NULL && i < NB; i++)
        if (strcmp(name, k_backends[i].name) == 0)
            return 1;
    return 0;
}

size_t im_backend_names(char *buf, size_t len, const char *sep)
{
    size_t used = 0;
    if (len > 0)
        buf[0] = '\0';
    for (size_t i = 0; i < NB; i++)
        used += (size_t)snprintf(buf + (used < len ? used : len), used < len ? len - used : 0,
                                 "%s%s", i ? sep : "", k_backends[i].name);
    return used;
}

im_status im_backend_auto(const im_backend_entry *list, size_t n, const im_backend_opts *o,
                          im_backend **out, char *err, size_t errlen)
{
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        im_status st = list[i].create(o, out, err, errlen);
        if (st == IM_OK || st == IM_ERR_ARG)
            return st;
        if (st == IM_ERR_BACKEND) /* not here: the next one */
            continue;
        char why[384];
        snprintf(why, sizeof why, "%s", errlen > 0 ? err : "");
        return im_errf(err, errlen, st,
                       "auto: back end '%s' is here but failed to start (%s); auto only passes "
                       "over back ends that are not available, so name one (IM_BACKEND, "
                       "--backend or the monitor's backend=) to run without it",
                       list[i].name, why);
    }
    return im_errf(err, errlen, IM_ERR_BACKEND, "no spectrum back end could be started");
}

im_status im_backend_create(const char *name, const im_backend_opts *o, im_backend **out, char *err,
                            size_t errlen)
{
    *out = NULL;
    if (name == NULL || strcmp(name, "auto") == 0)
        return im_backend_auto(k_backends, NB, o, out, err, errlen);
    for (size_t i = 0; i < NB; i++)
        if (strcmp(name, k_backends[i].name) == 0)
            return k_backends[i].create(o, out, err, errlen);
    char names[96];
    im_backend_names(names, sizeof names, ", ");
    return im_errf(err, errlen, IM_ERR_BACKEND, "unknown back end '%s' (known: %s, auto)", name,
                   names);
}
