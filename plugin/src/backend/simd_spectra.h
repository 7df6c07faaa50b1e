/* Batched symmetric spectra, vectorised across matrices: lane q of every
 * vector belongs to matrix q of a group, so every step of the algorithm is
 * one vector instruction for the whole group and no lane waits on another.
 * A template: simd_f32.c and simd_f64.c include it with
 *   SIMD_R      the real type (float or double),
 *   SIMD_I      the signed integer of the same size,
 *   SIMD_EPS    the unit round-off of SIMD_R,
 *   SIMD_TINY   the smallest normal SIMD_R,
 *   SIMD_PREFIX the kernel's name without the instruction-set suffix;
 * and the Makefile compiles each of them three times: -march=x86-64-v4
 * (AVX-512, 64-byte vectors), -march=x86-64-v3 (AVX2 + FMA, 32 bytes) and
 * the default (16 bytes).  cpu_fast.c picks one at run time.
 *
 * Per group: (1) form the trace-normalized Hadamard products into packed
 * lower-triangular storage, column-major, one vector per entry; (2) reduce to
 * tridiagonal form with Householder reflections, each rank-2 update fused
 * with the next step's symmetric matrix-vector product (one pass over the
 * matrix per column); (3) implicit QL with Wilkinson shifts on the
 * tridiagonal matrices, lanes masked where they have converged. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "simd.h"

#if defined(__AVX512F__)
#define SIMD_BYTES 64
#define SIMD_ISA avx512
#elif defined(__AVX2__)
#define SIMD_BYTES 32
#define SIMD_ISA avx2
#else
#define SIMD_BYTES 16
#define SIMD_ISA generic
#endif
#define SIMD_CAT2(a, b) a##_##b
#define SIMD_CAT(a, b) SIMD_CAT2(a, b)
#define SIMD_STR2(a) #a
#define SIMD_STR(a) SIMD_STR2(a)

#define SIMD_L ((int)(SIMD_BYTES / sizeof(SIMD_R)))

typedef SIMD_R vr __attribute__((vector_size(SIMD_BYTES), aligned(SIMD_BYTES)));
typedef SIMD_I vi __attribute__((vector_size(SIMD_BYTES), aligned(SIMD_BYTES)));

#define ALWAYS static inline __attribute__((always_inline))

ALWAYS vr splat(SIMD_R x)
{
    vr v;
    for (int q = 0; q < SIMD_L; q++)
        v[q] = x;
    return v;
}

ALWAYS vi splat_i(SIMD_I x)
{
    vi v;
    for (int q = 0; q < SIMD_L; q++)
        v[q] = x;
    return v;
}

/* mask ? a : b, mask lanes all ones or all zeros (a vector comparison). */
ALWAYS vr pick(vi mask, vr a, vr b)
{
    return (vr)((mask & (vi)a) | (~mask & (vi)b));
}

ALWAYS vi pick_i(vi mask, vi a, vi b)
{
    return (mask & a) | (~mask & b);
}

ALWAYS vr vabs(vr x)
{
    return (vr)((vi)x & ~(vi)splat(-0.0));
}

ALWAYS vr vmax(vr a, vr b)
{
    return pick(a > b, a, b);
}

ALWAYS vr vsqrt(vr x)
{
    vr r;
    for (int q = 0; q < SIMD_L; q++)
        r[q] = sizeof(SIMD_R) == 4 ? sqrtf((float)x[q]) : sqrt((double)x[q]);
    return r;
}

ALWAYS int any(vi m)
{
    SIMD_I a = 0;
    for (int q = 0; q < SIMD_L; q++)
        a |= m[q];
    return a != 0;
}

/* Index of entry (j, j) in packed lower column-major storage of order n. */
ALWAYS size_t col_at(size_t n, size_t j)
{
    return j * n - j * (j - 1) / 2;
}

/* (1) Lane q of a (packed, n(n+1)/2 vectors) = the product of the factors
 * idx[off[b]..off[b+1]-1], b = b0 + q, divided by its trace.  Lanes past
 * `count`, and terms with a non-finite entry or a trace that is not positive,
 * get I/n and a mark in bad[q].  col is n doubles of scratch. */
ALWAYS void load(vr *a, size_t n, const double *const *factors, const uint32_t *off,
                 const uint32_t *idx, size_t b0, int count, int *bad, double *col)
{
    SIMD_R *s = (SIMD_R *)a;
    for (int q = 0; q < SIMD_L; q++) {
        bad[q] = q >= count;
        double tr = 0.0, sum = 0.0;
        uint32_t k0 = bad[q] ? 0 : off[b0 + q], k1 = bad[q] ? 0 : off[b0 + q + 1];
        for (size_t i = 0; i < n && !bad[q]; i++) {
            double x = factors[idx[k0]][i * n + i];
            for (uint32_t k = k0 + 1; k < k1; k++)
                x *= factors[idx[k]][i * n + i];
            tr += x;
        }
        bad[q] = bad[q] || !(tr > 0.0) || !isfinite(tr);
        /* Column j of the lower triangle is row j of the symmetric
         * row-major factors: contiguous reads, one factor at a time. */
        for (size_t j = 0; j < n && !bad[q]; j++) {
            memcpy(col + j, factors[idx[k0]] + j * n + j, (n - j) * sizeof(double));
            for (uint32_t k = k0 + 1; k < k1; k++) {
                const double *f = factors[idx[k]] + j * n;
                for (size_t i = j; i < n; i++)
                    col[i] *= f[i];
            }
            SIMD_R *dst = s + col_at(n, j) * SIMD_L + q;
            double inv = 1.0 / tr;
            for (size_t i = j; i < n; i++) {
                sum += col[i];
                dst[(i - j) * SIMD_L] = (SIMD_R)(col[i] * inv);
            }
        }
        bad[q] = bad[q] || !isfinite(sum);
        if (bad[q])
            for (size_t j = 0; j < n; j++) {
                SIMD_R *dst = s + col_at(n, j) * SIMD_L + q;
                dst[0] = (SIMD_R)(1.0 / (double)n);
                for (size_t i = j + 1; i < n; i++)
                    dst[(i - j) * SIMD_L] = 0;
            }
    }
}

/* (2) Householder tridiagonalization of the packed lower triangle a:
 * d (n) diagonal, e (n) sub-diagonal with e[n-1] = 0.  Step k builds
 * H_k = I - tau v v^T from column k below the diagonal and needs
 * p = tau A22 v, w = p - (tau/2)(p.v) v and A22 -= v w^T + w v^T.  The
 * update of step k is applied lazily by step k+1 in the same sweep that
 * forms its product with the next v.  vp/wp hold the pending v and w,
 * vn the new v, p the product; each n vectors. */
ALWAYS void tridiagonalize(vr *a, size_t n, vr *d, vr *e, vr *vp, vr *wp, vr *vn, vr *p)
{
    const vr zero = splat(0), one = splat(1), two = splat(2), half = splat((SIMD_R)0.5);
    const vr safe = splat((SIMD_R)sqrt(SIMD_TINY / SIMD_EPS));
    for (size_t i = 0; i < n; i++)
        vp[i] = wp[i] = zero;
    size_t k = 0;
    for (; k + 2 < n; k++) {
        vr *ck = a + col_at(n, k);
        vr vk = vp[k], wk = wp[k];
        for (size_t i = k; i < n; i++)
            ck[i - k] -= vp[i] * wk + wp[i] * vk;
        d[k] = ck[0];
        /* A column whose largest entry is below `safe` is divided by that
         * entry before its norm is taken: the squares of its entries would
         * underflow and lose their precision (products of near-identity
         * Gram matrices have many such), and the reflection would not be
         * orthogonal.  Other columns are taken as they are (sc = 1, exact).
         * A column whose entries are all below SIMD_TINY is taken as
         * reduced: their effect on the eigenvalues is below SIMD_TINY. */
        vr amax = vabs(ck[1]);
        for (size_t i = k + 2; i < n; i++)
            amax = vmax(amax, vabs(ck[i - k]));
        vi zero_col = amax <= splat(SIMD_TINY);
        vr sc = pick((amax < safe) & ~zero_col, amax, one), inv = one / sc;
        vr alpha = ck[1] * inv, sigma = zero;
        for (size_t i = k + 2; i < n; i++)
            sigma += (ck[i - k] * inv) * (ck[i - k] * inv);
        vi flat = zero_col | (sigma == zero);
        vr mu = vsqrt(alpha * alpha + sigma);
        vr beta = pick(alpha > zero, -mu, mu);
        vr denom = pick(flat, one, alpha - beta), bden = pick(flat, one, beta);
        vr tau = pick(flat, zero, (beta - alpha) / bden);
        vr scale = pick(flat, zero, inv / denom);
        e[k] = pick(flat, ck[1], beta * sc);
        vn[k + 1] = one;
        for (size_t i = k + 2; i < n; i++)
            vn[i] = ck[i - k] * scale;
        for (size_t i = k + 1; i < n; i++)
            p[i] = zero;
        for (size_t j = k + 1; j < n; j++) {
            vr *cj = a + col_at(n, j);
            vr vj = vp[j], wj = wp[j], uj = vn[j];
            vr x = cj[0] - two * vj * wj;
            cj[0] = x;
            vr acc = x * uj;
            for (size_t i = j + 1; i < n; i++) {
                x = cj[i - j] - (vp[i] * wj + wp[i] * vj);
                cj[i - j] = x;
                acc += x * vn[i];
                p[i] += x * uj;
            }
            p[j] += acc;
        }
        vr pv = zero;
        for (size_t i = k + 1; i < n; i++) {
            p[i] *= tau;
            pv += p[i] * vn[i];
        }
        vr kk = half * tau * pv;
        for (size_t i = k + 1; i < n; i++) {
            wp[i] = p[i] - kk * vn[i];
            vp[i] = vn[i];
        }
    }
    /* The last 2x2 (or 1x1) block, with the pending update. */
    if (n >= 2) {
        vr *ck = a + col_at(n, k);
        for (size_t i = k; i < n; i++)
            ck[i - k] -= vp[i] * wp[k] + wp[i] * vp[k];
        vr *cl = a + col_at(n, n - 1);
        cl[0] -= two * vp[n - 1] * wp[n - 1];
        d[n - 2] = ck[0];
        e[n - 2] = ck[1];
        d[n - 1] = cl[0];
    } else
        d[0] = a[0];
    e[n - 1] = zero;
}

/* First m >= l (per lane) with |e[m]| <= tol, or n-1. */
ALWAYS vi split_point(const vr *e, size_t n, vi l, vr tol)
{
    vi m = splat_i((SIMD_I)(n - 1));
    vi found = l >= splat_i((SIMD_I)(n - 1));
    SIMD_I lo = (SIMD_I)n;
    for (int q = 0; q < SIMD_L; q++)
        lo = l[q] < lo ? l[q] : lo;
    for (size_t i = (size_t)lo; i + 1 < n; i++) {
        vi ii = splat_i((SIMD_I)i);
        vi hit = ~found & (ii >= l) & (vabs(e[i]) <= tol);
        m = pick_i(hit, ii, m);
        found |= hit;
        if (!any(~found))
            break;
    }
    return m;
}

/* (3) Eigenvalues of the symmetric tridiagonal (d, e), into d, by implicit
 * QL with Wilkinson shifts (the classical tql1 recurrence).  An off-diagonal
 * entry with |e| <= eps * max row sum is treated as zero, which moves no
 * eigenvalue by more than that.  Returns a mask of the lanes that did not
 * converge within 30 sweeps per eigenvalue. */
ALWAYS vi ql_eigenvalues(vr *d, vr *e, size_t n)
{
    const vr zero = splat(0), one = splat(1), two = splat(2);
    vr norm = zero;
    for (size_t i = 0; i < n; i++) {
        vr r = vabs(d[i]) + vabs(e[i]) + (i ? vabs(e[i - 1]) : zero);
        norm = pick(r > norm, r, norm);
    }
    vr tol = splat(SIMD_EPS) * norm;
    vi l = splat_i(0), last = splat_i((SIMD_I)(n - 1));
    for (size_t sweep = 0; sweep < 30 * n; sweep++) {
        vi m;
        for (;;) {
            m = split_point(e, n, l, tol);
            vi done = (m == l) & (l < last);
            if (!any(done))
                break;
            l -= done;
        }
        vi act = m > l;
        if (!any(act))
            return splat_i(0);
        SIMD_R *ds = (SIMD_R *)d, *es = (SIMD_R *)e;
        vr dl, dl1, el, dm;
        SIMD_I lo = (SIMD_I)n, hi = 0;
        for (int q = 0; q < SIMD_L; q++) {
            SIMD_I lq = act[q] ? l[q] : 0, mq = act[q] ? m[q] : 1;
            dl[q] = ds[lq * SIMD_L + q];
            dl1[q] = ds[(lq + 1) * SIMD_L + q];
            el[q] = es[lq * SIMD_L + q];
            dm[q] = ds[mq * SIMD_L + q];
            if (act[q]) {
                lo = lq < lo ? lq : lo;
                hi = mq > hi ? mq : hi;
            }
        }
        el = pick(act, el, one);
        vr g = (dl1 - dl) / (two * el);
        vr r = vsqrt(g * g + one);
        vr sr = (vr)(((vi)r & ~(vi)splat(-0.0)) | ((vi)g & (vi)splat(-0.0)));
        g = dm - dl + el / (g + sr);
        vr s = one, c = one, p = zero;
        for (SIMD_I i = hi - 1; i >= lo; i--) {
            vi ii = splat_i(i);
            vi on = act & (ii >= l) & (ii < m);
            vr f = s * e[i], b = c * e[i];
            r = vsqrt(f * f + g * g);
            vi rz = r == zero;
            vr rr = pick(rz, one, r);
            vr sn = pick(rz, zero, f / rr), cn = pick(rz, one, g / rr);
            e[i + 1] = pick(on, r, e[i + 1]);
            vr gn = d[i + 1] - p;
            vr rn = (d[i] - gn) * sn + two * cn * b;
            vr pn = sn * rn;
            d[i + 1] = pick(on, gn + pn, d[i + 1]);
            g = pick(on, cn * rn - b, g);
            s = pick(on, sn, s);
            c = pick(on, cn, c);
            p = pick(on, pn, p);
        }
        for (int q = 0; q < SIMD_L; q++)
            if (act[q]) {
                ds[l[q] * SIMD_L + q] -= p[q];
                es[l[q] * SIMD_L + q] = g[q];
                es[m[q] * SIMD_L + q] = 0;
            }
    }
    return l < last;
}

static void group(const double *const *factors, size_t n, const uint32_t *off,
                  const uint32_t *idx, size_t b0, int count, void *work, double *eig, int *bad)
{
    vr *a = work, *d = a + n * (n + 1) / 2, *e = d + n, *vp = e + n, *wp = vp + n, *vn = wp + n,
       *p = vn + n;
    load(a, n, factors, off, idx, b0, count, bad, eig);
    tridiagonalize(a, n, d, e, vp, wp, vn, p);
    vi fail = ql_eigenvalues(d, e, n);
    for (int q = 0; q < SIMD_L; q++) {
        if (fail[q] && !bad[q])
            bad[q] = 2;
        for (size_t i = 0; i < n; i++)
            eig[(size_t)q * n + i] = (double)d[i][q];
    }
}

const im_simd_kernel SIMD_CAT(SIMD_PREFIX, SIMD_ISA) = {
    .isa = SIMD_STR(SIMD_ISA),
    .lanes = SIMD_L,
    .group = group,
};
