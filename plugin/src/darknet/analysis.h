/* The analyses of one trained layer (the paper's Sec. IV and Appendix B),
 * the adapter's entry points behind `infomonitor width`, `rank` and `prune`
 * (adapter.h).  Declared without Darknet's types, so the CLI compiles
 * without darknet.h.  Each prints its table on stdout and, with csv set,
 * writes it as a CSV; each returns a status and a one-line message in err
 * (IM_ERR_ARG / IM_ERR_FORMAT / IM_ERR_IO for bad input, IM_ERR_NOMEM,
 * or the core's statuses). */
#ifndef IM_DN_ANALYSIS_H
#define IM_DN_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>
#include "infomonitor/status.h"

/* What every analysis is given. */
typedef struct im_an_opts {
    const char *datacfg; /* .data file; its valid split is measured */
    const char *cfg;     /* network .cfg ([infomonitor] sections allowed) */
    const char *weights; /* trained weights, checked against cfg */
    const char *csv;     /* NULL: no CSV */
    int layer;           /* K, counting the layers without monitors */
    size_t n;            /* samples per mini-batch, >= 2 */
    size_t batches;      /* B >= 1 disjoint mini-batches; estimates are their means */
    uint64_t seed;       /* draws the batches (and the permutations of width) */
} im_an_opts;

/* Greedy forward selection of K's filters with CMI-permutation as the
 * stopping rule (Appendix B, Alg. 1); see width.c. */
typedef struct im_width_opts {
    im_an_opts an;
    size_t permutations; /* P >= 1 */
    double significance; /* in (0, 1) */
    size_t steps;        /* 0: until the test stops; else exactly this many steps (at most
                            K's filters), past the stop */
} im_width_opts;

im_status im_dn_width(const im_width_opts *o, char *err, size_t errlen);

/* Each filter's I(X;T^i), I(T^i;Y) and IB objective I(X;T^i) - beta I(T^i;Y),
 * ascending by the objective (Sec. IV, Fig. 9); see rank.c. */
typedef struct im_rank_opts {
    im_an_opts an;
    double beta; /* >= 0 */
} im_rank_opts;

im_status im_dn_rank(const im_rank_opts *o, char *err, size_t errlen);

/* A smaller network without K's least important filters: a cfg and
 * matching weights (the next layer's inputs from the dropped filters
 * removed); see prune.c. */
typedef enum im_prune_by {
    IM_PRUNE_IB,    /* keep the smallest IB objectives (beta), as rank lists them */
    IM_PRUNE_L1,    /* keep the largest absolute weight sums */
    IM_PRUNE_RANDOM /* keep a random set (seed) */
} im_prune_by;

typedef struct im_prune_opts {
    im_an_opts an;
    double keep;     /* the share of filters kept, in (0, 1]: round(keep * C), at least 1 */
    im_prune_by by;  /* the importance */
    double beta;     /* for IM_PRUNE_IB, >= 0 */
    const char *out; /* writes <out>.cfg and <out>.weights */
} im_prune_opts;

im_status im_dn_prune(const im_prune_opts *o, char *err, size_t errlen);

#endif
