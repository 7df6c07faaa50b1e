/* The training driver (modelled on Darknet's `classifier train`) and the
 * validation pass, both with [infomonitor] support, and the ABI guard: the
 * entry points that the adapter exports to the CLI (adapter.h).  They live
 * in driver.c, valid.c and net_load.c. */
#ifndef IM_DN_DRIVER_H
#define IM_DN_DRIVER_H

#include <stdint.h>
#include "infomonitor/status.h"

typedef struct im_train_opts {
    const char *datacfg; /* .data file */
    const char *cfg;     /* network .cfg, may hold [infomonitor] sections */
    const char *weights; /* initial weights or NULL */
    const char *log;     /* metrics CSV; NULL = <backup>/<cfg base>.metrics.csv */
    uint64_t seed;       /* weight initialisation (srand) and epoch shuffles */
    int clear;           /* reset the image counter of loaded weights */
    int append;          /* a fresh run may add its rows to a metrics log that holds rows */
    int epochs;          /* stop after this many epochs; 0 = at max_batches */
    int monitors;        /* 0: ignore [infomonitor] sections (they stay pass-through) */
    int gpu;             /* Darknet's device (a GPU build only); -1: the CPU path */
} im_train_opts;

/* Train; prints Darknet's per-iteration line on stdout. */
im_status im_dn_train(const im_train_opts *o, char *err, size_t errlen);

/* Top-1 and top-k accuracy of `weights` on the .data file's valid split. */
im_status im_dn_valid(const char *datacfg, const char *cfg, const char *weights, char *err,
                      size_t errlen);

/* Validate cfg (and datacfg, NULL: none) as training would, without
 * building the network; print the layer table on stdout and the warnings
 * on stderr (check.c). */
im_status im_dn_check(const char *cfg, const char *datacfg, char *err, size_t errlen);

/* Print each line of `lines` (a warnings string such as im_datacfg's;
 * NULL: none) on stderr as "infomonitor: warning: <line>". */
void im_dn_print_warnings(const char *lines);

/* Refuse a Darknet library whose struct layout differs from the one this
 * plugin was compiled for (a GPU build exports cuda_pull_array). */
im_status im_dn_check_abi(char *err, size_t errlen);

#endif
