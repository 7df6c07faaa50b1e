/* The files a training run writes.  All but the metrics CSV lie in the
 * .data file's backup folder, named after <base>, the cfg's file name up to
 * its first '.' (Darknet's basecfg):
 *   <base>_<epoch>.weights, <base>.backup, <base>.weights   weights
 *   <base>.metrics.csv (or -log)   metrics, one row per monitor per
 *                                  measured iteration (metrics_log.h)
 *   <base>.accuracy.csv            epoch,iteration,images,top1,top<k>
 * Both CSVs are appended to, so a resumed run continues them; the metrics
 * CSV only by its owners (metrics_log.h).  The weights (weights_save.h) and
 * the accuracy CSV are written atomically (atomic_file.h): the accuracy CSV
 * is kept in memory and written whole at each row; the metrics CSV is
 * written as it goes. */
#ifndef IM_DN_TRAIN_OUT_H
#define IM_DN_TRAIN_OUT_H

#include <stdio.h>
#include "metrics_log.h"
#include "monitor.h"

#define IM_DN_PATH_MAX 4096

typedef struct im_dn_out {
    const char *backup; /* the backup folder (borrowed) */
    char *base;
    char logpath[IM_DN_PATH_MAX];
    FILE *log;                    /* metrics CSV, or NULL */
    char run[IM_METRICS_RUN_MAX]; /* the run id its rows carry */
    char accpath[IM_DN_PATH_MAX];
    char *acc;      /* the accuracy CSV's text, or NULL */
    size_t acc_len; /* its length */
    int warned;     /* the non-finite warning was printed */
} im_dn_out;

/* Zero *out, create the backup folder (and its parents) and check that it
 * is writable (so that a run does not fail at its first save), then open
 * the metrics CSV at `log` (NULL: <backup>/<base>.metrics.csv) for `who`
 * (NULL: no metrics; metrics_log.h: the lock, who may append), and, when
 * top > 0 (the k of top-k), read the accuracy CSV, writing it with its
 * header when it is new or empty.  im_dn_out_close() is safe after a
 * failure.  IM_ERR_NOMEM, IM_ERR_IO (folder, file), IM_ERR_ARG (a path too
 * long), the metrics log's errors. */
im_status im_dn_out_open(im_dn_out *out, const char *backup, const char *cfg, const char *log,
                         const im_metrics_owner *who, int top, char *err, size_t errlen);

/* path = <backup>/<base><suffix>; suffix has at most 31 characters. */
void im_dn_out_path(const im_dn_out *out, const char *suffix, char path[IM_DN_PATH_MAX]);

/* Write the nr rows of the iteration at p to the metrics CSV, and flush
 * them together (one iteration's rows reach the kernel at once); when
 * `nonfinite` is set or the loss is not finite, warn on stderr (once per
 * run) that they are logged as nan.  With nr = 0 nothing was measured and
 * p is not read. */
im_status im_dn_out_rows(im_dn_out *out, const im_train_point *p, const im_metrics *rows, size_t nr,
                         int nonfinite, char *err, size_t errlen);

/* Append a row to the accuracy CSV (opened with top > 0), writing the
 * file anew atomically.  IM_ERR_IO naming it (it is then as before the
 * row), IM_ERR_NOMEM. */
im_status im_dn_out_accuracy(im_dn_out *out, size_t epoch, size_t iteration, size_t images,
                             double top1, double topk, char *err, size_t errlen);

/* Close the files (which releases the metrics log's lock) and free *out's
 * memory. */
void im_dn_out_close(im_dn_out *out);

#endif
