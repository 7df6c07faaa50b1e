/* Back-end registry: name -> constructor, and the choice of the default. */
#include <stdio.h>
#include <string.h>
#include "backend.h"

im_status im_backend_cpu_ref_create(im_backend **out, char *err, size_t errlen);
im_status im_backend_cpu_fast_create(im_backend **out, char *err, size_t errlen);
#ifdef IM_HAVE_CUDA
im_status im_backend_cuda_create(im_backend **out, char *err, size_t errlen);
#else
static im_status im_backend_cuda_create(im_backend **out, char *err, size_t errlen)
{
    (void)out;
    snprintf(err, errlen, "back end 'cuda' is not in this build (no nvcc was found, or GPU=0)");
    return IM_ERR_BACKEND;
}
#endif

typedef struct {
    const char *name;
    im_status (*create)(im_backend **out, char *err, size_t errlen);
} entry;

/* Fastest first: "auto" takes the first one that starts. */
static const entry k_backends[] = {
    {"cuda", im_backend_cuda_create},
    {"cpu", im_backend_cpu_fast_create},
    {"cpu-ref", im_backend_cpu_ref_create},
};

im_status im_backend_create(const char *name, im_backend **out, char *err, size_t errlen)
{
    size_t nb = sizeof k_backends / sizeof k_backends[0];
    *out = NULL;
    if (name == NULL || strcmp(name, "auto") == 0) {
        for (size_t i = 0; i < nb; i++)
            if (k_backends[i].create(out, err, errlen) == IM_OK)
                return IM_OK;
        snprintf(err, errlen, "no spectrum back end could be started");
        return IM_ERR_BACKEND;
    }
    for (size_t i = 0; i < nb; i++)
        if (strcmp(name, k_backends[i].name) == 0)
            return k_backends[i].create(out, err, errlen);
    size_t len = (size_t)snprintf(err, errlen, "unknown back end '%s' (known:", name);
    for (size_t i = 0; i < nb && len < errlen; i++)
        len += (size_t)snprintf(err + len, errlen - len, " %s,", k_backends[i].name);
    if (len < errlen)
        snprintf(err + len, errlen - len, " auto)");
    return IM_ERR_BACKEND;
}
