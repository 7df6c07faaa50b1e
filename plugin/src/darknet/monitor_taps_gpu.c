/* The taps on Darknet's GPU path (a -DGPU build, gpu_index >= 0): Darknet
 * then calls forward_gpu/backward_gpu, and the host copies of outputs and
 * deltas are stale.  These taps run the same logic as the CPU taps
 * (monitor_taps.c) on the measured iterations only.  A monitor whose back
 * end reads device memory (cuda) keeps its captures of T and delta_k on
 * the device: the taps copy output_gpu/delta_gpu there (device to device)
 * and the worker hands them to the back end (im_gram_rbf_maps_device), so
 * those activations never cross to the host.  The other monitors' captures,
 * and delta_K, are read with Darknet's cuda_pull_array.  Darknet allocates
 * through its libcudart.so; this adapter and the back end carry the static
 * CUDA runtime.  Both runtimes work in the device's primary context, which
 * the runtimes of a process share, so the pointers of one are valid in the
 * other and both use that context's legacy default stream. */
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

/* On the legacy default stream, after Darknet's kernels that wrote src and
 * before those that overwrite it; synchronized, so that the copy is
 * complete when the worker thread hands dst to the back end. */
static const char *device_keep(float *dst, const float *src, size_t count)
{
    cudaError_t e = cudaMemcpy(dst, src, count * sizeof(float), cudaMemcpyDeviceToDevice);
    if (e == cudaSuccess)
        e = cudaStreamSynchronize(0);
    return e == cudaSuccess ? NULL : cudaGetErrorString(e);
}

static const im_tap_io device_io = {device_output, device_delta, device_net_delta, device_copy,
                                    device_keep};

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

int im_mon_device_captures(const network *net, const im_context *ctx)
{
    return net->gpu_index >= 0 && im_context_device_memory(ctx);
}

float *im_mon_device_alloc(size_t count)
{
    float *p = NULL;
    if (cudaMalloc((void **)&p, count * sizeof(float)) != cudaSuccess)
        return NULL;
    if (cudaMemset(p, 0, count * sizeof(float)) != cudaSuccess) {
        cudaFree(p);
        return NULL;
    }
    return p;
}

void im_mon_device_free(float *p)
{
    if (p != NULL)
        cudaFree(p);
}

im_status im_mon_device_pull(float *dst, const float *src, size_t count, char *err, size_t errlen)
{
    cudaError_t e = cudaMemcpy(dst, src, count * sizeof(float), cudaMemcpyDeviceToHost);
    return e == cudaSuccess ? IM_OK
                            : im_errf(err, errlen, IM_ERR_BACKEND,
                                      "copying %zu floats from the GPU: %s", count,
                                      cudaGetErrorString(e));
}

#else

im_status im_mon_taps_install_gpu(layer *self, char *err, size_t errlen)
{
    (void)self;
    (void)err;
    (void)errlen;
    return IM_OK;
}

int im_mon_device_captures(const network *net, const im_context *ctx)
{
    (void)net;
    (void)ctx;
    return 0;
}

float *im_mon_device_alloc(size_t count)
{
    (void)count;
    return NULL;
}

void im_mon_device_free(float *p)
{
    (void)p;
}

im_status im_mon_device_pull(float *dst, const float *src, size_t count, char *err, size_t errlen)
{
    (void)dst;
    (void)src;
    return im_errf(err, errlen, IM_ERR_BACKEND,
                   "copying %zu floats from the GPU: this is a CPU build", count);
}

#endif
