/* Internals shared by the monitor's files:
 *   monitor_taps.c      the forward/backward taps and how they find their registry;
 *   monitor_registry.c  attaching monitors to a network, and freeing them;
 *   monitor_worker.c    the worker thread and the submit/drain hand-over;
 *   monitor_measure.c   turning one monitor's captures into a row of
 *                       metrics through the estimator core;
 *   monitor_probe.c     the probe set and the probe pass;
 *   monitor_dump.c      the `dump` option: a measured iteration's arrays as
 *                       .npy files and its settings as JSON.
 * Layout of every capture: Darknet's, n rows of `cols` floats, row i at
 * i*cols (output[b*outputs + c*h*w + k] for a conv layer). */
#ifndef IM_DN_MONITOR_INTERNAL_H
#define IM_DN_MONITOR_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include "monitor.h"

/* A cached Gram matrix of a shared variable (X, Y or delta_K) for one
 * iteration and kernel width: monitors with the same options share it,
 * and its entropy S when computed at alpha S_alpha (NaN: not yet).  The
 * align rule's running width (gram.h) is advanced once per iteration:
 * run_prev is its value before iteration run_iter, so that a rebuild in
 * the same iteration (another monitor's options) starts from it again. */
typedef struct {
    size_t iter, n;
    int valid;
    im_width w;
    double *K; /* n*n */
    double sigma;
    double S, S_alpha;
    double run, run_prev;
    size_t run_iter;
} gram_cache;

/* What the taps of one training step copy.  There are two of each: the
 * taps fill the front one while the worker thread measures the back one. */
typedef struct {
    float *t, *dk; /* n*outputs captures of T and delta_k: host memory, or device
                      memory when the monitor's on_device is set */
    size_t fwd_iter, bwd_iter, dk_iter;
} mon_capture;

typedef struct {
    float *x, *dK; /* nmax rows of the network input / of the softmax's delta */
    int32_t *y;    /* nmax labels (argmax of the one-hot truth) */
    size_t x_iter, y_iter, dK_iter;
} shared_capture;

/* Where a monitor's forward quantities take X and Y from: the training
 * batch's back captures and cached Gram matrices, or the probe's. */
typedef struct {
    const shared_capture *cap;
    gram_cache *gx, *gy;
} xy_source;

typedef struct {
    im_monitor_spec spec;
    im_context *ctx; /* shared by the monitors with the same `backend` option */
    int owns_ctx;    /* this monitor created ctx and destroys it */
    size_t n;        /* samples per measurement */
    size_t outputs;  /* values per sample of the watched layer */
    size_t C, d;     /* variables of T (and delta_k) and values per variable */
    int on_device; /* its T and delta_k captures are device memory, which the
                      cuda back end reads (im_mon_device_captures) */
    mon_capture cap[2];
    size_t done_iter;        /* last iteration measured */
    double *Kt, *Kd;         /* C*n*n Gram matrices of the maps of T and delta_k */
    double *run_t, *run_d;   /* C running widths of the align rule (gram.h), 0 at first */
    const double **Tm, **Dm; /* C pointers into Kt and Kd */
    size_t dumped;           /* iterations dumped so far (the `dump` option) */
} monitor;

struct im_registry {
    network *net;
    layer *layers; /* lookup key: the taps receive a copy of the network */
    size_t nmon;
    monitor *mon;
    monitor **by_index;     /* layer index -> monitor (NULL elsewhere) */
    int softmax;            /* index of the last softmax layer, -1 if none */
    size_t x_cols, dK_cols; /* net->inputs and the softmax's outputs, read once: the
                               worker never touches the network */
    size_t nmax;            /* largest n of any monitor */
    shared_capture cap[2];
    int front; /* the taps write cap[front] and pcap[front]; the worker reads the others */
    gram_cache gx, gy, gd;
    /* The probe (monitor_probe.c): probe_n samples, the largest N of a probe
     * monitor (0: none); the batch the probe pass feeds the network (the
     * probe, repeated to fill it) and the probe's labels, set once; the probe
     * pass's captures of X and Y (probe_n rows each; dK unused) and their
     * cached Gram matrices. */
    size_t probe_n;
    float *probe_x;
    int32_t *probe_y;
    int probe_ready; /* im_registry_set_probe was called */
    int probing;     /* inside the probe pass */
    shared_capture pcap[2];
    gram_cache pgx, pgy;
    /* The worker thread and its job: measure the back captures. */
    pthread_t thread;
    int has_thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int posted, done, quit;
    /* A tap's failure to copy a capture on the GPU (training thread only),
     * which the next submit reports. */
    im_status tap_st;
    char tap_err[256];
    im_train_point job_point;
    im_metrics *job_rows;
    size_t job_nrows;
    int job_nonfinite;
    im_status job_st;
    char job_err[512];
};

/* Layers that compute their delta in their own forward pass (softmax,
 * cost, ...). */
int im_mon_loss_layer(LAYER_TYPE t);

/* Make reg's pass-through layers call the taps, and let the taps find reg
 * (IM_ERR_ARG when too many networks are monitored at once). */
im_status im_mon_taps_install(im_registry *reg, char *err, size_t errlen);
/* Forget reg (its layers keep the tap pointers; they find nothing). */
void im_mon_taps_remove(const im_registry *reg);

/* The iteration that the network's current step belongs to, 1-based
 * (*seen is advanced at the step's start; all its subdivisions count as
 * one), and whether monitor m measures at iteration it. */
size_t im_mon_iteration(const network *net);

/* How a tap reads Darknet's buffers: a layer's output and delta, the
 * network's delta (the previous layer's, in a backward pass), a copy of
 * `count` floats from such a buffer to host memory, and (GPU path only) a
 * copy of them into device memory, which returns NULL or CUDA's message.
 * The CPU path's reads host arrays with memcpy; the GPU path's
 * (monitor_taps_gpu.c) reads output_gpu/delta_gpu with Darknet's
 * cuda_pull_array, or copies them on the device for a monitor whose
 * captures are there. */
typedef struct im_tap_io {
    const float *(*output)(const layer *l);
    const float *(*delta)(const layer *l);
    const float *(*net_delta)(const network *net);
    void (*copy)(float *dst, const float *src, size_t count);
    const char *(*copy_device)(float *dst, const float *src, size_t count);
} im_tap_io;

/* The taps' work for a monitor's pass-through layer l in a forward or a
 * backward pass of net (the copy Darknet hands the layer): on a measured
 * iteration, copy T (forward) or delta_k and delta_K (backward) through io
 * into the registry's front captures, and X and Y from the host arrays. */
void im_mon_tap_forward(const layer *l, const network *net, const im_tap_io *io);
void im_mon_tap_backward(const layer *l, const network *net, const im_tap_io *io);

/* On a GPU build (-DGPU), point self's forward_gpu/backward_gpu at taps
 * that read through the GPU io; IM_ERR_BACKEND if libdarknet lacks
 * cuda_pull_array.  On a CPU build, IM_OK and nothing else. */
im_status im_mon_taps_install_gpu(layer *self, char *err, size_t errlen);

/* Device captures (monitor_taps_gpu.c).  im_mon_device_captures: 1 when a
 * monitor of net with context ctx keeps its T and delta_k captures in
 * device memory: a GPU build, net on the GPU (gpu_index >= 0) and a back
 * end that reads device memory (im_context_device_memory); always 0 on a
 * CPU build, where the other three are never called.
 * im_mon_device_alloc: count zeroed floats of device memory, or NULL;
 * im_mon_device_free: frees them (NULL is allowed);
 * im_mon_device_pull: copies count floats from device memory to the host
 * (IM_ERR_BACKEND with CUDA's message on failure). */
int im_mon_device_captures(const network *net, const im_context *ctx);
float *im_mon_device_alloc(size_t count);
void im_mon_device_free(float *p);
im_status im_mon_device_pull(float *dst, const float *src, size_t count, char *err, size_t errlen);
int im_mon_measures(const monitor *m, size_t it);

/* The probe's buffers, for reg->probe_n samples (nothing when 0), and
 * freeing them. */
im_status im_mon_probe_open(im_registry *reg, char *err, size_t errlen);
void im_mon_probe_free(im_registry *reg);

/* The worker thread's function (arg: the registry). */
void *im_mon_worker(void *arg);

/* One monitor's row from its back captures cap, the shared ones g (delta_K)
 * and its X and Y in xy (g's, or the probe's); a failure is an error, its
 * message in err (errlen >= 1).  Non-finite activations are not a failure:
 * their values are NaN. */
im_status im_mon_measure(im_registry *reg, monitor *m, const mon_capture *cap,
                         const shared_capture *g, const xy_source *xy, im_metrics *r, char *err,
                         size_t errlen);
/* 0 when a computed field of r is NaN or Inf. */
int im_mon_finite_row(const im_metrics *r);

/* The kernel width monitor spec s gives X and T (error_chain 0) or the
 * error chain's delta_k and delta_K (1); y: the labels of the align rule. */
im_width im_mon_width(const im_monitor_spec *s, int error_chain, const int32_t *y);

/* Dumps (monitor_dump.c).  A monitor with `dump` writes, on the worker
 * thread after measuring iteration `it`, into DIR/<name>/ (every file
 * atomic, atomic_file.h; the JSON last, so that it marks a whole dump):
 *   itNNNNNN_X.npy        float32 (n, inputs): the network input (a probe
 *                         monitor's: the probe)
 *   itNNNNNN_T.npy        float32 (n, C, d) when T is split into C >= 2
 *                         maps, else (n, outputs): the watched layer's output
 *   itNNNNNN_Y.npy        int32 (n,): the labels (-1 for a row of no class)
 *   itNNNNNN_delta_k.npy  float32, T's shape: the error at the watched layer
 *   itNNNNNN_delta_out.npy float32 (n, classes): delta_K, the softmax's delta
 *   itNNNNNN.json         the settings and the widths used (below)
 * (the deltas only when the error chain was measured), NNNNNN the
 * iteration with at least 6 digits.  These are exactly the float32 arrays
 * the estimator was given (the core's Gram matrices take float32 and
 * compute in fp64).  The JSON: monitor, layer (the index without monitors),
 * iteration, n, C, d, alpha, kernel_width, h, delta_h (median or sigma
 * under those rules), delta_kernel_width (the error chain's rule), probe,
 * quantities, sigma_x, sigma_t (the mean over the maps), sigma_t_shared
 * (every map has width sigma_t), sigma_delta (delta_k's), sigma_delta_out,
 * each null when not computed, and files (the names above).
 *
 * im_mon_dump_open makes DIR/<name> (at attach; errors name cfg_path and
 * the section's line); im_mon_dump_due says whether iteration `it` (one
 * that m measures) is dumped: every dump_every-th measured one while fewer
 * than dump_max are; im_mon_dump writes them (r: the row just measured from
 * the same captures) and counts the dump.  A failed write is IM_ERR_IO
 * naming the file. */
im_status im_mon_dump_open(const monitor *m, const char *cfg_path, char *err, size_t errlen);
int im_mon_dump_due(const monitor *m, size_t it);
im_status im_mon_dump(const im_registry *reg, monitor *m, const mon_capture *cap,
                      const shared_capture *g, const xy_source *xy, const im_metrics *r, char *err,
                      size_t errlen);

#endif
