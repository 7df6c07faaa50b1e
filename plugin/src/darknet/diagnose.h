/* Warnings that tell a finding from an artefact, each printed once on
 * stderr with the iteration:
 *   - the input X is saturated (H_X >= 0.98 log2 n; once per run, as X is
 *     shared), or a monitor's T is (H_T >= 0.98 log2 n): the Gram matrices
 *     are near the identity, so every MI is near its bound whatever the
 *     layer does (a wider kernel resolves it);
 *   - all the maps of a conv monitor (C >= 2) are dead (their samples
 *     coincide);
 *   - the run has collapsed: the average loss is not finite, or it rose
 *     back above log(classes),
 *     the loss of a uniform guess, after it had fallen below half of it
 *     (early noise around log(classes) is no fall); or the
 *     valid top-1 accuracy is within two binomial standard deviations of
 *     chance, 1/classes, after an epoch above it or for two epochs running
 *     (one epoch at chance is a slow start: the sigmoid LeNet-5 on MNIST is
 *     at chance after epoch 1 and at 95% after 10).  The rows of a
 *     collapsed run are not findings. */
#ifndef IM_DN_DIAGNOSE_H
#define IM_DN_DIAGNOSE_H

#include <stddef.h>
#include "monitor.h"

typedef struct {
    const char *monitor; /* im_metrics.monitor: the registry's name, by pointer */
    unsigned warned;     /* the warnings already printed for it */
} im_dn_diag_mon;

typedef struct im_dn_diag {
    im_dn_diag_mon *mon;
    size_t nmon, cap;
    size_t classes;
    int fell, collapsed, x_saturated;
    int learned;      /* some epoch's valid accuracy was above chance */
    size_t at_chance; /* epochs at chance in a row, before any above it */
} im_dn_diag;

/* For a run of `monitors` monitors and `classes` classes.  IM_OK, or
 * IM_ERR_NOMEM. */
im_status im_dn_diag_init(im_dn_diag *d, size_t monitors, size_t classes, char *err, size_t errlen);
void im_dn_diag_free(im_dn_diag *d);

/* The rows of one measured iteration. */
void im_dn_diag_rows(im_dn_diag *d, const im_metrics *rows, size_t nr, size_t iteration);

/* Darknet's running average loss after step `iteration`. */
void im_dn_diag_loss(im_dn_diag *d, size_t iteration, double avg_loss);

/* The valid split's top-1 accuracy over n images after `epoch`, which
 * ended at step `iteration`. */
void im_dn_diag_accuracy(im_dn_diag *d, size_t iteration, size_t epoch, double top1, size_t n);

#endif
