/* The importance of each filter of the analysed layer K, for rank and
 * prune.  Nothing here prints or exits. */
#ifndef IM_DN_IMPORTANCE_H
#define IM_DN_IMPORTANCE_H

#include <stddef.h>
#include <stdint.h>
#include "analysis_session.h"

/* ib[c], ixt[c], ity[c] (C = s->g.C entries each): filter c's
 * I(X;T^c) - beta I(T^c;Y), I(X;T^c) and I(T^c;Y) (im_ib_objective, one
 * call per mini-batch), each the mean over the mini-batches.  Needs the
 * session's X (im_an_begin with IM_AN_GRAMS_XTY).  IM_ERR_NOMEM or the
 * core's statuses (its message). */
im_status im_an_ib_means(const im_an_session *s, double beta, double *ib, double *ixt, double *ity,
                         char *err, size_t errlen);

/* l1[c] = the sum of |w| over filter c's weights (its c_in*size*size
 * weights, or a connected unit's inputs): the "absolute weight sum" of
 * Li et al. (2017), the paper's [49].  C entries. */
void im_an_l1(const im_an_net *a, double *l1);

#endif
