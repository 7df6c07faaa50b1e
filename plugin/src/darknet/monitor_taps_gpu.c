/* The taps on Darknet's GPU path (a -DGPU build, gpu_index >= 0): Darknet
 * then calls forward_gpu/backward_gpu, and the host copies of outputs and
 * deltas are stale.  These taps run the same logic as the CPU taps
 * (monitor_taps.c), reading output_gpu/delta_gpu with Darknet's
 * cuda_pull_array on the measured iterations only.  (Handing the device
 * arrays to the cuda back end without the copy is not done yet.) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include "monitor_internal.h"
#include "util/errfmt.h"

#ifdef GPU

/* Darknet's cuda_pull_array(x_gpu, x, n): a blocking copy of n floats from
 * the device to the host.  Looked up rather than linked, so that this
 * adapter still loads against a CPU libdarknet and its ABI guard can
 * explain the mismatch (net_load.c). */
typedef void (*pull_fn)(float *x_gpu, float *x, size_t n);
static pull_fn g_pull;

static const float *device_output(const layer *l)
{
    return l->output_gpu;
}

static const float *device_delta(const layer *l)
{
    return l->delta_gpu;
}

static const float *device_net_delta(const network *net)
{
    return net->delta_gpu;
}

static void device_copy(float *dst, const float *src, size_t count)
{
    g_pull((float *)src, dst, count);
}

static const im_tap_io device_io = {device_output, device_delta, device_net_delta, device_copy};

static void tap_forward_gpu(layer l, network net)
{
    im_mon_tap_forward(&l, &net, &device_io);
}

static void tap_backward_gpu(layer l, network net)
{
    im_mon_tap_backward(&l, &net, &device_io);
}

im_status im_mon_taps_install_gpu(layer *self, char *err, size_t errlen)
{
    if (g_pull == NULL)
        g_pull = (pull_fn)dlsym(RTLD_DEFAULT, "cuda_pull_array");
    if (g_pull == NULL)
        return im_errf(err, errlen, IM_ERR_BACKEND,
                       "libdarknet has no cuda_pull_array: not a GPU build of Darknet");
    self->forward_gpu = tap_forward_gpu;
    self->backward_gpu = tap_backward_gpu;
    return IM_OK;
}

#else

im_status im_mon_taps_install_gpu(layer *self, char *err, size_t errlen)
{
    (void)self;
    (void)err;
    (void)errlen;
    return IM_OK;
}

#endif
