/* The metrics CSV: a header, then one row per monitor per measured
 * iteration, flushed per row and appended to on resume.
 *
 * Columns: iteration, epoch, loss, avg_loss, rate, seconds, monitor, layer,
 * n, C, sigma_x, sigma_t, sigma_delta, H_X, H_T, H_Y, I_XT, I_TY, I_delta,
 * H_dK, sat_T, dead, rs, wnr, rs_pct, wnr_pct, wnr_y.  A quantity that is off is an empty
 * cell; a value that is not finite is `nan`. */
#ifndef IM_DN_METRICS_LOG_H
#define IM_DN_METRICS_LOG_H

#include <stdio.h>
#include "monitor.h"

extern const char *const im_metrics_columns;

/* Open `path` for appending (creating it and writing the header when it is
 * new or empty); an existing non-empty file must start with the header. */
im_status im_metrics_open(const char *path, FILE **out, char *err, size_t errlen);

/* Write one row and flush. */
im_status im_metrics_write(FILE *f, const char *path, const im_train_point *p, const im_metrics *r,
                           char *err, size_t errlen);

#endif
