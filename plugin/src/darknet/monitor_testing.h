/* TESTING ONLY: the last captures of a registry, so that the unit tests can
 * check what the taps saw and recompute a row with the estimator core.
 * Nothing in the product uses these, and monitor_testing.c is linked into
 * the tests only, not into the adapter.  Each returns n rows (*n) in Darknet's
 * layout, owned by the registry and valid until the next training step. */
#ifndef IM_DN_MONITOR_TESTING_H
#define IM_DN_MONITOR_TESTING_H

#include "monitor.h"

/* T and delta_k of monitor i: n rows of the watched layer's outputs. */
const float *im_registry_last_t(const im_registry *reg, size_t i, size_t *n);
const float *im_registry_last_delta(const im_registry *reg, size_t i, size_t *n);
/* The network input X (rows of *cols floats), the labels Y, and delta_K
 * (rows of *cols floats, the softmax's delta), nmax rows each. */
const float *im_registry_last_x(const im_registry *reg, size_t *n, size_t *cols);
const int32_t *im_registry_last_y(const im_registry *reg, size_t *n);
const float *im_registry_last_dK(const im_registry *reg, size_t *n, size_t *cols);
/* The probe pass's X (rows of *cols floats) and Y, the probe's n rows each. */
const float *im_registry_last_probe_x(const im_registry *reg, size_t *n, size_t *cols);
const int32_t *im_registry_last_probe_y(const im_registry *reg, size_t *n);

#endif
