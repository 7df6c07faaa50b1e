#!/usr/bin/python3
"""Independent numpy (float64) reference for Infomonitor's estimator.

Matrix-based Renyi alpha-entropy, joint entropy, (multivariate) mutual
information and the pairwise PID quantities of Yu et al., "Understanding
Convolutional Neural Networks with Information Theory" (shared/paper,
Section II and Eqs. 2, 3, 7, 11, 12), with the conventions of
shared/DESIGN.md section 2.  Written for readability, not speed: it is the
yardstick the C code is tested against (tests/test_cli.py).

As a module:
    import ref_renyi as rr
    A = rr.normalize(rr.rbf_gram(x, rr.silverman(5, n, d)))
    rr.entropy(A, 1.01)

As a command line (same interface and JSON as `infomonitor estimate`):
    /usr/bin/python3 tests/ref_renyi.py estimate X.npy [T.npy] [Y.npy]
        [--alpha A] [--h-x H] [--h-t H] [--sigma-x S] [--sigma-t S] [--pid] [--flat]

All entropies and informations are in bits.  A non-finite result is NaN
in the returned dict and `null` in the printed JSON.
"""
import json
import math
import sys

import numpy as np

# ---------------------------------------------------------------- Gram matrices


def rbf_gram(x, sigma):
    """K_ij = exp(-||x_i - x_j||^2 / (2 sigma^2)) for x of shape (n, d).

    Distances are computed directly (broadcast differences), so the diagonal
    is exactly 1 for finite rows, also when 2 sigma^2 underflows to 0 (a
    distance of 0 gives 1, the others 0).  Any non-finite input gives an
    all-NaN K.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    n = x.shape[0]
    if not np.all(np.isfinite(x)):
        return np.full((n, n), np.nan)
    diff = x[:, None, :] - x[None, :, :]
    d2 = np.sum(diff * diff, axis=-1)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return np.where(d2 > 0, np.exp(-d2 / (2.0 * sigma * sigma)), 1.0)


def silverman(h, n, d):
    """Silverman's rule of thumb as used in the paper: sigma = h * n^(-1/(4+d))."""
    return h * n ** (-1.0 / (4.0 + d))


def median_distance(x):
    """The median of the pairwise Euclidean distances i < j of x (n, d), or
    of the positive ones when more than half are 0 (0 when all are)."""
    n = x.shape[0]
    diff = x[:, None, :] - x[None, :, :]
    dist = np.sqrt(np.sum(diff * diff, axis=-1))[np.triu_indices(n, 1)]
    med = float(np.median(dist))
    if med == 0:  # most samples coincide: the median of the positive distances
        pos = dist[dist > 0]
        med = float(np.median(pos)) if pos.size else 0.0
    return med


def alignment(K, L):
    """Kernel alignment <K, L>_F / (|K|_F |L|_F) (Cristianini et al.)."""
    return float(np.sum(K * L) / math.sqrt(np.sum(K * K) * np.sum(L * L)))


def align_width(x, y):
    """The align rule's width of x (n, d) for labels y: the sigma on the grid
    m 2^k (k = -8..4, m the median distance), refined by steps of 2^(1/4)
    and then 2^(1/16), three each way, that maximizes the alignment of the
    RBF Gram matrix with the label kernel (the first of equal maxima); 0
    when all samples coincide."""
    m = median_distance(x)
    if m == 0:
        return 0.0
    L = label_gram(y)
    best = m
    for step, ks in ((2.0, range(-8, 5)), (2.0 ** 0.25, range(-3, 4)),
                     (2.0 ** (1 / 16), range(-3, 4))):
        grid = [best * step ** k for k in ks]
        scores = [alignment(rbf_gram(x, s), L) for s in grid]
        best = grid[int(np.argmax(scores))]
    return best


def width(x, rule, h, median=0.15, labels=None):
    """The kernel width of x (n, d) under a rule of DESIGN.md section 2:
    silverman h n^(-1/(4+d)); silverman-scaled h s n^(-1/(4+d)) with s the
    root of the mean population variance of the coordinates (0 when all
    samples coincide: the Gram matrix is then all ones); silverman-dim the
    same times sqrt(d), i.e. s sqrt(d) the root of the summed variance; median: `median`
    times median_distance; align: align_width with the labels (h unused)."""
    x = np.asarray(x, dtype=np.float64).reshape(x.shape[0], -1)
    n, d = x.shape
    if not np.all(np.isfinite(x)):
        return silverman(h, n, d) if rule == "silverman" else float("nan")
    if rule == "silverman":
        return silverman(h, n, d)
    if rule == "silverman-scaled":
        return silverman(h * math.sqrt(np.mean(np.var(x, axis=0))), n, d)
    if rule == "silverman-dim":
        return silverman(h * math.sqrt(np.sum(np.var(x, axis=0))), n, d)
    if rule == "median":
        return median * median_distance(x)
    if rule == "align":
        return align_width(x, labels)
    raise ValueError("unknown width rule %r" % rule)


def rbf_gram_width(x, sigma):
    """rbf_gram, with sigma = 0 meaning coinciding samples: all ones."""
    x = np.asarray(x, dtype=np.float64)
    if sigma == 0:
        return np.ones((x.shape[0], x.shape[0]))
    return rbf_gram(x, sigma)


def label_gram(y):
    """Kronecker-delta kernel of labels y (n,): K_ij = 1 if y_i == y_j else 0."""
    y = np.asarray(y).reshape(-1)
    return (y[:, None] == y[None, :]).astype(np.float64)


def normalize(K):
    """A_ij = K_ij / (n sqrt(K_ii K_jj)), so that tr(A) = 1 (Eq. 2)."""
    K = np.asarray(K, dtype=np.float64)
    n = K.shape[0]
    dg = np.sqrt(np.diag(K))
    return K / (n * np.outer(dg, dg))


# ---------------------------------------------------------------- entropies


def entropy(M, alpha):
    """Renyi alpha-entropy (bits) of M / tr(M) (Eq. 2).

    Eigenvalues by numpy.linalg.eigvalsh; negative ones (round-off) clipped
    to 0.  alpha == 1 is Shannon's limit -sum lam log2 lam with 0 log 0 = 0.
    Otherwise the power sum is taken in the log domain, log2 sum lam^alpha =
    alpha log2 m + log2 sum (lam/m)^alpha with m the largest eigenvalue: the
    second sum lies in [1, n], so no alpha > 0 makes it underflow or
    overflow, and S_alpha = alpha/(1-alpha) log2 m + log2(sum)/(1-alpha)
    tends to the min-entropy -log2 m as alpha grows.  Next to alpha = 1 the
    two terms cancel, leaving an error of about 1e-16 / |1 - alpha| bits
    (1.5e-12 at alpha = 1.0001).
    """
    M = np.asarray(M, dtype=np.float64)
    if not np.all(np.isfinite(M)):
        return math.nan
    tr = np.trace(M)
    if not np.isfinite(tr) or tr <= 0:
        return math.nan
    lam = np.linalg.eigvalsh(M / tr)
    lam = np.clip(lam, 0.0, None)
    if alpha == 1:
        nz = lam[lam > 0]
        return float(-np.sum(nz * np.log2(nz)))
    m = np.max(lam)
    return float(alpha / (1.0 - alpha) * np.log2(m)
                 + np.log2(np.sum((lam / m) ** alpha)) / (1.0 - alpha))


def hadamard(mats):
    """Elementwise product of a non-empty list of equal-shape matrices."""
    P = np.array(mats[0], dtype=np.float64, copy=True)
    for M in mats[1:]:
        P = P * M
    return P


def joint(mats, alpha=1.01):
    """Joint entropy S(A1, ..., AC) = S(A1 o ... o AC / tr(.)) (Eq. 3)."""
    return entropy(hadamard(list(mats)), alpha)


def mmi(B, As, alpha=1.01):
    """I(B; {A1..AC}) = S(B) + S(o A) - S(o A o B) (Eq. 7)."""
    As = list(As)
    return entropy(B, alpha) + joint(As, alpha) - joint(As + [B], alpha)


def mi(A, B, alpha=1.01):
    """I(A; B) = S(A) + S(B) - S(A o B)."""
    return mmi(A, [B], alpha)


def cmi(As, Bs, Cs, alpha=1.01):
    """I(A; B | C) = S(A,C) + S(B,C) - S(A,B,C) - S(C); each argument a list of Gram matrices."""
    As, Bs, Cs = list(As), list(Bs), list(Cs)
    return (joint(As + Cs, alpha) + joint(Bs + Cs, alpha)
            - joint(As + Bs + Cs, alpha) - joint(Cs, alpha))


def pid(X, Ts, alpha=1.01):
    """Pairwise redundancy-synergy quantities (Eqs. 11, 12) of target X and maps Ts.

    Over all pairs i < j:
      r_ij = I(X;Ti) + I(X;Tj) - I(X;{Ti,Tj})      (trade-off)
      w_ij = 2 I(X;{Ti,Tj}) - I(X;Ti) - I(X;Tj)    (weighted non-redundant)
    Returns means of r, w, r/I(X;{Ti,Tj}) and w/I(X;{Ti,Tj}) (fractions).
    A map whose samples all coincide (constant matrix) is left out with its
    pairs; the ratios are averaged over the pairs with I(X;{Ti,Tj}) > 1e-4
    bits; a mean over no pair is None (not measured).  pairs and informative
    count the pairs of each kind of mean.
    """
    Ts = list(Ts)
    C = len(Ts)
    if C < 2:
        raise ValueError("pid needs at least 2 variables")
    live = [not np.all(T == T.flat[0]) for T in Ts]
    single = [mi(X, T, alpha) for T in Ts]
    r, w, rp, wp = [], [], [], []
    for i in range(C):
        for j in range(i + 1, C):
            if not (live[i] and live[j]):
                continue
            Ip = mmi(X, [Ts[i], Ts[j]], alpha)
            rij = single[i] + single[j] - Ip
            wij = 2.0 * Ip - single[i] - single[j]
            r.append(rij)
            w.append(wij)
            if Ip > 1e-4 or not math.isfinite(Ip):
                rp.append(rij / Ip)
                wp.append(wij / Ip)
    mean = lambda v: float(np.mean(v)) if v else None  # noqa: E731
    return {"rs": mean(r), "wnr": mean(w), "rs_pct": mean(rp), "wnr_pct": mean(wp),
            "pairs": len(r), "informative": len(rp)}


pid_pairs = pid  # estimate() has a `pid` flag argument that shadows the function


# ---------------------------------------------------------------- estimate


def split_T(T, flat=False):
    """(n, C, ...) -> list of C arrays (n, d); rank <= 2 or flat -> one variable."""
    T = np.asarray(T, dtype=np.float64)
    n = T.shape[0]
    if flat or T.ndim <= 2:
        return [T.reshape(n, -1)]
    C = T.shape[1]
    return [T[:, c].reshape(n, -1) for c in range(C)]


DEFAULT_RULE = "silverman-dim"   # gram.h IM_WIDTH_DEFAULT
DEFAULT_H = {"silverman": 5.0, "silverman-scaled": 5.0, "silverman-dim": 0.5}  # and IM_DIM_H


def estimate(X, T=None, Y=None, alpha=1.01, h_x=None, h_t=None, sigma_x=None, sigma_t=None,
             pid=False, flat=False, rule=DEFAULT_RULE, median=0.15):
    """The dict that `infomonitor estimate` prints (NaN where the C program prints null).
    rule is --kernel-width; h_x and h_t default to the rule's multiplier
    (DEFAULT_H); sigma_t is the mean width over T's maps."""
    h_x = DEFAULT_H.get(rule) if h_x is None else h_x
    h_t = DEFAULT_H.get(rule) if h_t is None else h_t
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    Xf = X.reshape(n, -1)
    if rule == "align" and Y is None:
        raise UsageError("--kernel-width align needs the labels Y.npy")
    sx = float(sigma_x) if sigma_x is not None else width(Xf, rule, h_x, median, Y)
    Ax = normalize(rbf_gram_width(Xf, sx))
    out = {"n": n}
    if T is None:
        out.update(alpha=alpha, sigma_x=sx, H_X=entropy(Ax, alpha))
        return out
    maps = split_T(T, flat)
    C = len(maps)
    if sigma_t is None and rule == "silverman-dim" and C > 1:
        # the layer's width, shared by its maps (gram.h)
        sigma_t = width(np.concatenate(maps, axis=1), rule, h_t)
    sig = [float(sigma_t) if sigma_t is not None else width(m, rule, h_t, median, Y)
           for m in maps]
    st = float(np.mean(sig))
    At = [normalize(rbf_gram_width(m, w)) for m, w in zip(maps, sig)]
    out.update(C=C, alpha=alpha, sigma_x=sx, sigma_t=st,
               H_X=entropy(Ax, alpha), H_T=joint(At, alpha), I_XT=mmi(Ax, At, alpha))
    Ay = None
    if Y is not None:
        Ay = normalize(label_gram(Y))
        out.update(H_Y=entropy(Ay, alpha), I_TY=mmi(Ay, At, alpha), I_XY=mi(Ax, Ay, alpha))
    if pid:
        out["pid_x"] = pid_pairs(Ax, At, alpha)
        if Ay is not None:
            out["pid_y"] = pid_pairs(Ay, At, alpha)
    return out


# ---------------------------------------------------------------- command line


class UsageError(Exception):
    pass


USAGE = """usage: ref_renyi.py estimate X.npy [T.npy] [Y.npy] [options]
  --alpha A    Renyi order > 0 (default 1.01)
  --h-x H      Silverman multiplier for X (default: the rule's, DEFAULT_H)
  --h-t H      Silverman multiplier for T (default: the rule's)
  --sigma-x S  fixed kernel width for X
  --sigma-t S  fixed kernel width for T
  --kernel-width R  silverman-dim (default), silverman, silverman-scaled, median or align
  --median F   the median rule's fraction (default 0.15)
  --pid        pairwise redundancy-synergy quantities (C >= 2)
  --flat       T is one variable even with rank >= 3
"""


def load_npy(path, kinds):
    """Load a C-order .npy whose dtype kind is in `kinds`; UsageError otherwise."""
    fmt = np.lib.format
    try:
        f = open(path, "rb")
    except OSError as e:
        raise UsageError("%s: cannot open: %s" % (path, e.strerror))
    with f:
        try:
            version = fmt.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(f)
            else:
                shape, fortran, dtype = fmt.read_array_header_2_0(f)
        except Exception as e:
            raise UsageError("%s: not a valid .npy file (%s)" % (path, str(e).splitlines()[0]))
        if fortran:
            raise UsageError("%s: Fortran-order array not supported" % path)
        if dtype.hasobject or dtype.kind not in kinds:
            raise UsageError("%s: unsupported dtype %s" % (path, dtype))
        count = int(np.prod(shape)) if shape else 1
        raw = f.read()
        if len(raw) < count * dtype.itemsize:
            raise UsageError("%s: truncated: %d data bytes, need %d"
                             % (path, len(raw), count * dtype.itemsize))
        a = np.frombuffer(raw[:count * dtype.itemsize], dtype=dtype).reshape(shape)
    if a.ndim == 0:
        raise UsageError("%s: rank-0 array" % path)
    if a.shape[0] < 2:
        raise UsageError("%s: n = %d; need at least 2 samples" % (path, a.shape[0]))
    return a


def positive(flag, text):
    try:
        v = float(text)
    except ValueError:
        raise UsageError("%s must be a number > 0, got '%s'" % (flag, text))
    if not math.isfinite(v) or v <= 0:
        raise UsageError("%s must be a number > 0, got '%s'" % (flag, text))
    return v


def parse_estimate(argv):
    opts = {"alpha": 1.01, "h_x": None, "h_t": None, "sigma_x": None, "sigma_t": None,
            "pid": False, "flat": False, "rule": DEFAULT_RULE, "median": 0.15}
    valued = {"--alpha": "alpha", "--h-x": "h_x", "--h-t": "h_t",
              "--sigma-x": "sigma_x", "--sigma-t": "sigma_t", "--median": "median"}
    paths = []
    i = 0
    while i < len(argv):
        s = argv[i]
        if s in ("-h", "--help"):
            sys.stdout.write(USAGE)
            sys.exit(0)
        elif s in valued:
            if i + 1 >= len(argv):
                raise UsageError("option %s needs a value" % s)
            opts[valued[s]] = positive(s, argv[i + 1])
            i += 1
        elif s == "--kernel-width":
            if i + 1 >= len(argv) or argv[i + 1] not in ("silverman", "silverman-scaled",
                                                         "silverman-dim", "median", "align"):
                raise UsageError("--kernel-width must be silverman, silverman-scaled, "
                                 "silverman-dim, median or align")
            opts["rule"] = argv[i + 1]
            i += 1
        elif s == "--pid":
            opts["pid"] = True
        elif s == "--flat":
            opts["flat"] = True
        elif s.startswith("-") and s != "-":
            raise UsageError("unknown option '%s'" % s)
        else:
            if len(paths) == 3:
                raise UsageError("too many files: '%s'" % s)
            paths.append(s)
        i += 1
    if not paths:
        raise UsageError("missing X.npy")
    return paths, opts


def to_json(v):
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    if isinstance(v, (int, np.integer)):
        return int(v)
    v = float(v)
    return v if math.isfinite(v) else None


def has_nonfinite(v):
    if isinstance(v, dict):
        return any(has_nonfinite(x) for x in v.values())
    return not math.isfinite(float(v))


def cli_estimate(argv):
    paths, opts = parse_estimate(argv)
    X = load_npy(paths[0], "fiu")
    T = load_npy(paths[1], "fiu") if len(paths) > 1 else None
    Y = load_npy(paths[2], "iub") if len(paths) > 2 else None
    for p, a in ((paths[1:2], T), (paths[2:3], Y)):
        if a is not None and a.shape[0] != X.shape[0]:
            raise UsageError("%s: n = %d does not match n = %d of %s"
                             % (p[0], a.shape[0], X.shape[0], paths[0]))
    if Y is not None and Y.ndim != 1:
        raise UsageError("%s: labels must have shape (n,)" % paths[2])
    if opts["pid"]:
        C = len(split_T(T, opts["flat"])) if T is not None else 0
        if C < 2:
            raise UsageError("--pid needs T with C >= 2 feature maps (got C = %d)" % C)
    for p, a in zip(paths, (X, T)):
        if a is not None and not np.all(np.isfinite(a.astype(np.float64))):
            sys.stderr.write("ref_renyi: warning: %s has non-finite values (NaN/Inf)\n" % p)
    res = estimate(X, T, Y, **opts)
    if has_nonfinite(res):
        sys.stderr.write("ref_renyi: warning: some results are non-finite (NaN), printed as null\n")
    print(json.dumps(to_json(res), indent=1))


def main(argv):
    if len(argv) < 1 or argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0 if argv else 2
    if argv[0] != "estimate":
        sys.stderr.write("ref_renyi: unknown command '%s'\n" % argv[0])
        return 2
    try:
        with np.errstate(all="ignore"):
            cli_estimate(argv[1:])
    except UsageError as e:
        sys.stderr.write("ref_renyi estimate: %s\n" % e)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
