/* What width, rank and prune share around their own computation: the
 * loaded network and layer (analysis_load.h), an estimator context, the
 * mini-batches' Gram matrices (analysis_grams.h), the CSV (written
 * atomically: the file appears complete or not at all) and the header
 * lines that say what is measured.  Nothing here exits. */
#ifndef IM_DN_ANALYSIS_SESSION_H
#define IM_DN_ANALYSIS_SESSION_H

#include <stdint.h>
#include <stdio.h>
#include "analysis.h"
#include "analysis_grams.h"
#include "analysis_load.h"
#include "atomic_file.h"

/* What im_an_begin builds besides the network. */
typedef enum im_an_want {
    IM_AN_NET_ONLY, /* no context, no Gram matrices */
    IM_AN_GRAMS_TY, /* the context and the matrices of T and Y */
    IM_AN_GRAMS_XTY /* also X's */
} im_an_want;

typedef struct im_an_session {
    im_an_net net;
    im_context *ctx; /* default options (alpha 1.01, the auto back end); NULL with
                        IM_AN_NET_ONLY */
    im_an_grams g;
    im_atomic csv; /* csv.f is NULL without -csv */
    uint64_t rng;  /* seeded with o->seed; drew the batches, goes on for the caller */
} im_an_session;

/* Open o's CSV (first, so that a bad path fails before any work; none
 * when o->csv is NULL), the network and layer, and as `want` says the
 * context and the Gram matrices; then print on stdout, for `verb`:
 *   <verb>: layer K ([type] cfg:line, C maps of h x w | C units)
 * and with Gram matrices
 *   data: B mini-batches of n samples of the valid split of DATA (seed S);
 *         every value is the mean over the B mini-batches
 *   estimator: alpha, the width rule and its multiplier, the mean sigmas, the back end
 * The statuses of im_an_open, im_an_grams_build, im_atomic_open and
 * im_context_create (IM_ERR_BACKEND for IM_BACKEND naming a back end that
 * is not here).  *s must be closed with im_an_end, also on failure. */
im_status im_an_begin(const im_an_opts *o, im_an_want want, const char *verb, im_an_session *s,
                      char *err, size_t errlen);

/* Commit the CSV (IM_ERR_IO when it cannot be written) when st is IM_OK,
 * else remove its temporary file; free everything.  Returns st, or the
 * commit's failure. */
im_status im_an_end(im_an_session *s, im_status st, char *err, size_t errlen);

/* The core's last message as this adapter's error (status st). */
im_status im_an_core_fail(const im_an_session *s, im_status st, char *err, size_t errlen);

#endif
