/* Information quantities built from the entropies of entropy.h, in bits.
 * Every argument named like A, B, X, Y, T[c] is an n*n Gram matrix (unit
 * diagonal from gram.h, or any matrix with positive diagonal that the trace
 * normalization suits).  Each function batches all the entropies it needs
 * into one call to the back end.
 *
 * Ownership: every matrix, list and output stays the caller's; nothing is
 * kept after a call returns.
 * Statuses (all functions): IM_OK; IM_ERR_ARG for misuse (ctx NULL, n < 2,
 * a NULL matrix or output, a count out of range; the message names the
 * function and the value); IM_ERR_NOMEM; IM_ERR_SOLVER when the back end's
 * eigenvalue solver fails; IM_ERR_BACKEND when the back end fails at run
 * time (a GPU error).  NaN or Inf in a matrix is not an error: the values
 * that depend on it are NaN. */
#ifndef INFOMONITOR_INFO_H
#define INFOMONITOR_INFO_H

#include <stddef.h>
#include <stdint.h>
#include "api.h"
#include "context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* I(A;B) = S(A) + S(B) - S(A o B). */
IM_API im_status im_mutual_information(im_context *ctx, const double *A, const double *B, size_t n,
                                       double *mi);

/* Multivariate MI of Eq. 7: I(B;{T1..TC}) = S(B) + S(T1 o..o TC) - S(T1 o..o TC o B).
 * Optional outputs (may be NULL): S_B = S(B), S_T = S(T1 o..o TC). */
IM_API im_status im_mmi(im_context *ctx, const double *B, const double *const *T, size_t C,
                        size_t n, double *mi, double *S_B, double *S_T);

/* Several variable sets, each with several targets (Eq. 7 for each pair):
 *   mi[k]  = I(targets[k]; {T[0..C-1]}) = S(targets[k]) + S(T) - S(T o targets[k])
 * S_target (nt entries) is in/out: a finite value is taken as the cached
 * S(targets[k]) (computed by the caller at the context's alpha), a NaN is
 * computed and written back, so a caller that measures several sets against
 * the same X computes S(X) once.  S_T (may be NULL) receives S(T).  nt may
 * be 0 (then only S(T) is computed). */
typedef struct im_mmi_set {
    const double *const *T; /* C >= 1 matrices */
    size_t C;
    const double *const *targets; /* nt matrices */
    size_t nt;
    double *S_target; /* nt, in/out */
    double *S_T;      /* out, may be NULL */
    double *mi;       /* nt, out */
} im_mmi_set;

/* Every entropy of every set in one back-end batch; the values equal those
 * of im_mmi on the same matrices, bit for bit. */
IM_API im_status im_mmi_sets(im_context *ctx, const im_mmi_set *sets, size_t nsets, size_t n);

/* Conditional MI I(A;B|C) = S(A,C) + S(B,C) - S(A,B,C) - S(C), where A, B and
 * C are sets of variables (a set's joint matrix is the Hadamard product of its
 * members).  nC may be 0: then it is the (multivariate) MI I(A;B). */
IM_API im_status im_cmi(im_context *ctx, const double *const *A, size_t nA, const double *const *B,
                        size_t nB, const double *const *C, size_t nC, size_t n, double *mi);

/* Pair quantities over the C(C-1)/2 pairs i<j of T (Eqs. 11 and 12):
 *   r_ij = I(X;Ti) + I(X;Tj) - I(X;{Ti,Tj})    redundancy-synergy trade-off
 *   w_ij = 2 I(X;{Ti,Tj}) - I(X;Ti) - I(X;Tj)  weighted non-redundant information
 * and their means; the percentages are means of r_ij / I(X;{Ti,Tj}) and
 * w_ij / I(X;{Ti,Tj}), as fractions.  A map whose Gram matrix is constant
 * (im_gram_constant: its samples coincide, a dead feature map) carries no
 * information, and
 * the pairs that hold it are left out, so the means are those of the other
 * maps; the percentages are taken over the pairs with I(X;{Ti,Tj}) > 1e-4
 * bits, the accuracy of the fp32 engines (the others have no information
 * to split into shares).  With no pair to average, the mean is 0: pairs
 * and informative say how many pairs each mean is over, so that a caller
 * can report such a 0 as not measured (the monitors leave those cells
 * empty; estimate prints null). */
typedef struct im_pid {
    double rs;          /* mean r_ij */
    double wnr;         /* mean w_ij */
    double rs_pct;      /* mean r_ij / I(X;{Ti,Tj}) */
    double wnr_pct;     /* mean w_ij / I(X;{Ti,Tj}) */
    size_t pairs;       /* the pairs of live maps that rs and wnr average */
    size_t informative; /* those with I(X;{Ti,Tj}) > 1e-4 bits, which the percentages average */
} im_pid;

/* targets[0..nt-1] are the variables playing X (the input X, and the labels
 * Y for the modified plane); out[k] holds the quantities for targets[k].
 * C >= 2.  The entropies S(Ti) and S(Ti,Tj) are shared between targets, so
 * the cost is C + C(C-1)/2 + nt (1 + C + C(C-1)/2) spectra.
 * i_single (may be NULL) receives nt*C values: I(targets[k];Ti) at [k*C+i]. */
IM_API im_status im_pid_pairs(im_context *ctx, const double *const *targets, size_t nt,
                              const double *const *T, size_t C, size_t n, im_pid *out,
                              double *i_single);

/* Information-bottleneck importance of each variable (Sec. IV of the paper):
 * ib[c] = I(X;Tc) - beta I(Tc;Y); smaller means more important.
 * ixt, ity (may be NULL) receive the two MI terms. */
IM_API im_status im_ib_objective(im_context *ctx, const double *X, const double *Y,
                                 const double *const *T, size_t C, size_t n, double beta,
                                 double *ib, double *ixt, double *ity);

/* One step of CMI-permutation (Appendix B, Alg. 1).  Ts are the selected
 * variables (nS may be 0), Tr the remaining ones, t an index into Tr (the
 * candidate), Y the labels' Gram matrix.  It estimates
 *     cmi      = I({Tr - t}; Y | {Ts, t})
 * and, for P random permutations t~ of the candidate's samples (Y is not
 * permuted), cmi_perm = I({Tr - t}; Y | {Ts, t~}).  fraction is the share of
 * permutations with cmi >= cmi_perm; keep = (fraction <= significance), i.e.
 * "continue filter selection" in Alg. 1.  When Tr holds only t, {Tr - t} is
 * empty and the CMI is 0 (nothing remains to explain).  Permutations come
 * from `seed` (splitmix64 + Fisher-Yates), so a result is reproducible. */
typedef struct im_cmi_perm {
    double cmi;
    double fraction;
    int keep;
} im_cmi_perm;

IM_API im_status im_cmi_permutation(im_context *ctx, const double *const *Ts, size_t nS,
                                    const double *const *Tr, size_t nR, size_t t, const double *Y,
                                    size_t n, size_t P, double significance, uint64_t seed,
                                    im_cmi_perm *out);

/* Alg. 1 averaged over B mini-batches of the same variables (the paper's
 * estimates, taken over several batches): batch b holds its own Gram
 * matrices Ts (nS, NULL when nS = 0), Tr (nR) and Y; the candidate t is
 * the same index in every batch.
 *     out->cmi  = mean over b of I({Tr - t}; Y | {Ts, t})
 *     perm[p]   = mean over b of I({Tr - t}; Y | {Ts, t~p})   (p < P)
 * where batch b's P permutations come from seed + b as in
 * im_cmi_permutation, so B = 1 is im_cmi_permutation and batch b alone
 * (with seed + b) gives that batch's terms.  fraction and keep compare
 * out->cmi with the P means.  perm (P doubles) may be NULL.  The
 * 4(P+1)B entropies go to the back end in one batch; the sets Tr - t and
 * Ts are multiplied out once per batch, so a term has at most 4 factors.
 * Memory: (P + 2) n*n doubles per batch, in groups of batches of at most
 * 256 MiB (one back-end call per group). */
typedef struct im_cmi_perm_batch {
    const double *const *Ts;
    const double *const *Tr;
    const double *Y;
} im_cmi_perm_batch;

IM_API im_status im_cmi_permutation_mean(im_context *ctx, const im_cmi_perm_batch *batch, size_t B,
                                         size_t nS, size_t nR, size_t t, size_t n, size_t P,
                                         double significance, uint64_t seed, im_cmi_perm *out,
                                         double *perm);

#ifdef __cplusplus
}
#endif
#endif
