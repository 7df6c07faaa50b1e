/* Accuracy of a network on a data set, for the validation after each
 * training epoch and for `valid` (im_dn_valid, declared in driver.h). */
#ifndef IM_DN_VALID_H
#define IM_DN_VALID_H

#include "darknet.h"
#include "data.h"
#include "infomonitor/status.h"

/* Top-1 and top-k (topk in 1..d->classes) accuracy over the d->n > 0 samples
 * of d, whose rows hold net->inputs values and whose classes match
 * net->outputs.  Predicts net->batch rows at a time (the last batch is
 * padded with zeros).  IM_ERR_NOMEM: out of memory. */
im_status im_dn_accuracy(network *net, const im_dataset *d, int topk, double *top1, double *topn,
                         char *err, size_t errlen);

#endif
