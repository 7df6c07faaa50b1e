/* Darknet's gpu_index from -gpu N, with the checks a GPU build needs: a
 * CUDA driver at least as new as the runtime, and the device. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include "darknet.h"
#include "gpu_select.h"
#include "util/errfmt.h"

#ifdef GPU

/* CUDA versions are 1000*major + 10*minor. */
static im_status check_device(int gpu, char *err, size_t errlen)
{
    int drv = 0, rt = 0, count = 0;
    cudaDriverGetVersion(&drv);
    cudaRuntimeGetVersion(&rt);
    if (drv / 1000 < rt / 1000)
        return im_errf(err, errlen, IM_ERR_BACKEND,
                       "-gpu %d: %s (cudaDriverGetVersion: %d), but this Darknet was built "
                       "with CUDA runtime %d.%d and needs an NVIDIA driver for CUDA >= %d.0",
                       gpu, drv ? "the CUDA driver is too old" : "no CUDA driver is installed",
                       drv, rt / 1000, rt % 1000 / 10, rt / 1000);
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess)
        return im_errf(err, errlen, IM_ERR_BACKEND,
                       "-gpu %d: cudaGetDeviceCount failed: %s (driver %d.%d, runtime %d.%d)",
                       gpu, cudaGetErrorString(e), drv / 1000, drv % 1000 / 10, rt / 1000,
                       rt % 1000 / 10);
    if (gpu >= count)
        return im_errf(err, errlen, IM_ERR_BACKEND,
                       "-gpu %d: no such GPU: cudaGetDeviceCount found %d (indices 0..%d)", gpu,
                       count, count - 1);
    /* Darknet's layer constructors allocate on the current device of its own
     * CUDA runtime (libcudart.so; this adapter has the static one), and
     * only its training loops, not used here, select it: cuda_set_device
     * does, looked up as monitor_taps_gpu.c looks up cuda_pull_array. */
    void (*set_device)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "cuda_set_device");
    if (set_device == NULL)
        return im_errf(err, errlen, IM_ERR_BACKEND,
                       "-gpu %d: libdarknet has no cuda_set_device: not a GPU build of Darknet",
                       gpu);
    set_device(gpu);
    return IM_OK;
}

#else

static im_status check_device(int gpu, char *err, size_t errlen)
{
    return im_errf(err, errlen, IM_ERR_ARG,
                   "-gpu %d: this infomonitor is a CPU build (against a CPU libdarknet, such as "
                   "Debian's); training on a GPU needs a CUDA build of Darknet and of the "
                   "plugin: build them with 'make GPU=1' (darknet/README.md)",
                   gpu);
}

#endif

im_status im_dn_select_gpu(int gpu, char *err, size_t errlen)
{
    gpu_index = -1;
    if (gpu < 0)
        return IM_OK;
    im_status st = check_device(gpu, err, errlen);
    if (st == IM_OK)
        gpu_index = gpu;
    return st;
}
