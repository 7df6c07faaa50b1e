/* Monitors attached to a parsed Darknet network.
 *
 * Each monitor is a pass-through [dropout] layer (see cfg_rewrite.h) whose
 * forward/backward functions are replaced by taps.  On a measured iteration
 * the forward tap copies the first n rows of the watched layer's output
 * (T), of the network input (X) and of the one-hot truth (Y); the backward
 * tap copies the error at the watched layer's output (delta_k, which the
 * pass-through shares) and the output error delta_K (the softmax's delta,
 * truth - prediction, which is what the layer feeding the softmax receives).
 * The taps only read Darknet's buffers and draw no random numbers, so the
 * training is unchanged.  A worker thread turns the copies into the
 * information quantities, through the estimator core (im_mmi_sets and
 * im_pid_pairs: the adapter computes no quantity itself), while Darknet
 * trains the next iteration (the captures are double-buffered).  The files:
 * monitor_taps.c, monitor_registry.c, monitor_worker.c, monitor_measure.c,
 * monitor_probe.c; monitor_testing.h gives the tests the last captures.
 *
 * The probe (the `probe` option): a probe monitor takes T, X and Y, so
 * every forward quantity (I(X;T), I(T;Y), the MMI, the pair quantities),
 * from N fixed samples instead of the training batch: after a training
 * step in which it measures, the probe pass (im_registry_probe_pass) runs
 * the network once more, train off, over a batch holding the probe, and
 * its forward tap copies T from that pass, X from the probe batch and Y
 * from the probe's labels.  Its error chain (delta_k, delta_K) stays on the
 * training batch's first N rows.  All probe monitors of a network share one
 * probe set, sized by their largest N; each takes its first N samples.
 *
 * Shapes: Darknet stores a batch as output[b*outputs + c*h*w + i]; a monitor
 * on a conv-shaped layer (out_c > 1, out_h*out_w > 1) with `mmi` on treats T
 * as its C feature maps of h*w values each (Eq. 7); otherwise T is one
 * variable of `outputs` values.  delta_k is split the same way. */
#ifndef IM_DN_MONITOR_H
#define IM_DN_MONITOR_H

#include <stddef.h>
#include <stdint.h>
#include "cfg_rewrite.h"
#include "darknet.h"

/* One monitor's results for one measured iteration.  `have` has a bit for
 * each field that was computed (IM_HAVE_*); the others stay unset, and the
 * metrics log leaves their cells empty: not measured.  So do the pair
 * means when no pair of live maps was left to average (every map but one
 * dead), and the percentages when no pair carried information (im_pid). */
enum {
    IM_HAVE_X = 1u << 0,     /* sigma_x, H_X */
    IM_HAVE_T = 1u << 1,     /* sigma_t, H_T, sat_T, dead */
    IM_HAVE_Y = 1u << 2,     /* H_Y */
    IM_HAVE_IXT = 1u << 3,   /* I_XT */
    IM_HAVE_ITY = 1u << 4,   /* I_TY */
    IM_HAVE_DELTA = 1u << 5, /* sigma_delta, I_delta, H_dK */
    IM_HAVE_PID = 1u << 6,       /* the pair quantities were computed (sigma_x, sigma_t) */
    IM_HAVE_PID_PAIRS = 1u << 7, /* rs, wnr, wnr_y: there was a pair of live maps */
    IM_HAVE_PID_PCT = 1u << 8    /* rs_pct, wnr_pct: a pair carried information about X */
};

typedef struct im_metrics {
    const char *monitor;
    int layer;
    size_t n, C;
    unsigned have;
    double sigma_x, sigma_t, sigma_delta;
    double H_X, H_T, H_Y, I_XT, I_TY, I_delta;
    double H_dK;  /* S(delta_K), the error chain's bound: I_delta <= H_dK */
    double sat_T; /* H_T / log2 n: 1 when T's Gram matrices are (near) the identity */
    size_t dead;  /* maps of T whose samples all coincide (all-ones Gram matrix) */
    double rs, wnr, rs_pct, wnr_pct, wnr_y;
} im_metrics;

/* The training state that a row of the metrics log carries. */
typedef struct im_train_point {
    size_t iteration;
    double epoch, loss, avg_loss, rate, seconds;
} im_train_point;

typedef struct im_registry im_registry;

/* Attach the monitors of `rw` to `net` (parsed from rw's text): checks each
 * watched layer (it must have an output; `delta` needs a softmax layer;
 * samples <= batch; probe <= batch), creates one estimator context per distinct `backend`
 * option (the monitors share it, each at its own alpha) and installs the
 * taps.  Errors name cfg_path and the section's line. */
im_status im_registry_attach(network *net, const im_cfg_rewrite *rw, const char *cfg_path,
                             im_registry **out, char *err, size_t errlen);

/* Give every pass-through after a loss layer (softmax, cost, ...) its own
 * NULL delta: Darknet zeroes a layer's delta before its forward, and a loss
 * layer computes its delta in its own forward, so a shared delta would be
 * wiped.  Call right after parsing, with or without attaching monitors. */
void im_monitor_detach_loss_deltas(network *net, const im_cfg_rewrite *rw);

/* Detach the taps' lookup entry and free everything (the network keeps the
 * pass-through layers). */
void im_registry_free(im_registry *reg);

size_t im_registry_count(const im_registry *reg);

/* The context of monitor i (its back end, for logs). */
const im_context *im_registry_context(const im_registry *reg, size_t i);
/* 1 when monitor i's activations stay on the GPU (its captures are device
 * memory that the cuda back end reads), for logs. */
int im_registry_on_device(const im_registry *reg, size_t i);

/* The probe set the monitors ask for: n, the largest `probe` of a monitor
 * (0: no probe monitor), their probe_seed (the same for all, cfg_rewrite.h;
 * -1: none) and the cfg line of a monitor with that largest probe. */
typedef struct im_probe_request {
    size_t n;
    long long seed;
    int line;
} im_probe_request;

void im_registry_probe_request(const im_registry *reg, im_probe_request *q);

/* Give the registry its probe, before the first training step when some
 * monitor has one: n samples (n = the request's n) in x, rows of cols
 * floats (cols = the network's inputs), and their labels y; copied, and
 * repeated to fill a batch when n < batch.  IM_ERR_ARG for another n or
 * cols. */
im_status im_registry_set_probe(im_registry *reg, const float *x, const int32_t *y, size_t n,
                                size_t cols, char *err, size_t errlen);

/* The probe pass: call after each train_network() and before submit().
 * When a probe monitor measures at this iteration, it runs the network
 * forward once over the probe batch with train off (network_predict), the
 * taps capturing for the probe monitors; otherwise it does nothing.  It
 * leaves the network as training needs it: the loss sequence and weights
 * are the same with and without probe monitors.  IM_ERR_ARG when probe
 * monitors measure and no probe was set. */
im_status im_registry_probe_pass(im_registry *reg, char *err, size_t errlen);

/* Asynchronous measurement, for a training loop: after each training step,
 * submit() first waits for the measurement submitted before (if any) and
 * returns its rows and the point given with it, then hands this step's
 * captures (if any monitor captured) to the worker with point p.  drain()
 * waits for the last submission and returns its rows.  rows must hold
 * im_registry_count() entries; *nrows is set to the number filled (0 when
 * nothing was pending).  *nonfinite is set when any value is NaN or Inf
 * (non-finite activations); the rows then hold NaN there. */
im_status im_registry_submit(im_registry *reg, const im_train_point *p, im_metrics *rows,
                             size_t *nrows, im_train_point *point, int *nonfinite, char *err,
                             size_t errlen);
im_status im_registry_drain(im_registry *reg, im_metrics *rows, size_t *nrows,
                            im_train_point *point, int *nonfinite, char *err, size_t errlen);

/* Synchronous: measure the captures of the last training step and return
 * their rows (for callers that do not overlap measuring with training;
 * nothing may be pending from submit()). */
im_status im_registry_measure(im_registry *reg, im_metrics *rows, size_t *nrows, int *nonfinite,
                              char *err, size_t errlen);

#endif
