/* The metrics CSV: a header, then one row per monitor per measured
 * iteration, each iteration's rows flushed together.
 *
 * Columns: iteration, epoch, loss, avg_loss, rate, seconds, monitor, layer,
 * n, C, sigma_x, sigma_t, sigma_delta, H_X, H_T, H_Y, I_XT, I_TY, I_delta,
 * H_dK, sat_T, dead, rs, wnr, rs_pct, wnr_pct, wnr_y, run.  A quantity that
 * is off is an empty cell; a value that is not finite is `nan`.  `run` is
 * the id of the process that wrote the row (im_metrics_run_id).
 *
 * Ownership: a log belongs to the runs whose rows it holds.  A fresh run
 * (one that starts at iteration 1) refuses a log that holds rows, unless
 * told to append; a resume (a run that continues its weights' run, from an
 * iteration > 0) appends to it.  While a run has its log open it holds an
 * exclusive advisory lock (flock) on it, so a second process refuses the
 * same log. */
#ifndef IM_DN_METRICS_LOG_H
#define IM_DN_METRICS_LOG_H

#include <stdint.h>
#include <stdio.h>
#include "monitor.h"

extern const char *const im_metrics_columns;

#define IM_METRICS_RUN_MAX 64

/* Who opens a log. */
typedef struct im_metrics_owner {
    const char *run; /* its run id */
    int resume;      /* it continues its weights' run: append without being told */
    int append;      /* a fresh run may add its rows to a log that holds rows */
} im_metrics_owner;

/* The run id of a process that starts now with `seed`, resuming after
 * iteration `from` (0: a fresh run): the UTC time to the millisecond in
 * ISO-8601 basic format, then -s<seed>, and -r<from> for a resume, e.g.
 * 20261202T073300.125Z-s1 or 20261202T090000.042Z-s1-r600.  No commas. */
void im_metrics_run_id(uint64_t seed, size_t from, char id[IM_METRICS_RUN_MAX]);

/* Open `path` for appending and lock it (LOCK_EX, held until fclose).  A
 * new or empty file gets the header.  An existing one must start with the
 * header; when it holds rows, a fresh owner (neither resume nor append)
 * is refused, the file left as it was.  Before appending, a partial last
 * line (a run killed mid-write) is cut off, with a warning on stderr naming
 * the file and the bytes dropped.  IM_ERR_IO (cannot open, write or lock;
 * locked by another process), IM_ERR_FORMAT (not a metrics log of this
 * version, or another run's log). */
im_status im_metrics_open(const char *path, const im_metrics_owner *who, FILE **out, char *err,
                          size_t errlen);

/* Write one row of run `run` (buffered: im_metrics_flush sends it). */
im_status im_metrics_write(FILE *f, const char *path, const char *run, const im_train_point *p,
                           const im_metrics *r, char *err, size_t errlen);

/* Hand the rows written so far to the kernel (fflush): once per iteration,
 * so that a kill loses no row of an iteration that was written. */
im_status im_metrics_flush(FILE *f, const char *path, char *err, size_t errlen);

#endif
