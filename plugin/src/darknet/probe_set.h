/* The probe set of a training run (the [infomonitor] option `probe`,
 * monitor.h): the valid split's first N samples, or N distinct ones drawn
 * with `probe_seed` (util/rng.h), checked against the .data file before
 * training starts and handed to the monitors' registry. */
#ifndef IM_DN_PROBE_SET_H
#define IM_DN_PROBE_SET_H

#include "data.h"
#include "monitor.h"

/* Give reg the probe that its monitors ask for (nothing when none does),
 * taken from `valid`, the valid split of the .data file dc as loaded for
 * the network (empty when dc has no `valid` key).  IM_ERR_FORMAT, with
 * cfg:line, the key and its value, when dc has no valid split or it holds
 * fewer than N samples (the message names the split and its size);
 * IM_ERR_NOMEM. */
im_status im_dn_probe_setup(im_registry *reg, const char *cfg, const im_datacfg *dc,
                            const im_dataset *valid, char *err, size_t errlen);

#endif
