#!/usr/bin/python3
"""CLI tests of `infomonitor estimate` against the numpy reference (tests/ref_renyi.py).

Run:  /usr/bin/python3 tests/test_cli.py [path/to/infomonitor]     (default ./infomonitor)

Plain script (no pytest).  It writes fixed, seeded inputs to a temporary
directory, runs the CLI on each case (30 s timeout per call, so a hang is a
failure), parses its JSON and compares it with ref_renyi.estimate() on the
same arrays:
  * the key sets (nested ones included) must be identical;
  * every number must agree within  |got - ref| <= 1e-4 + 1e-3 * |ref|.
    The inputs are float32, so a relative 1e-3 is the contract; 1e-4
    absolute covers values near 0.  A value that is NaN in the reference
    must be JSON null, and null is accepted nowhere else.
It also checks the reference itself against known answers (DESIGN.md
section 2), every bad-input case (exit status 2, empty stdout, one stderr
line naming the file or flag), the NaN/Inf case (null, warning, status 0)
and --help.

Each check prints `ok - name` or `FAIL - name: detail`; the last line is
`N passed, M failed`, and the exit status is 1 if M > 0.
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref_renyi as rr  # noqa: E402

ABS_TOL = 1e-4
REL_TOL = 1e-3
TIMEOUT_S = 30

from tap import check, fail, ok, summary  # noqa: E402


def close(got, ref, abs_tol=ABS_TOL, rel_tol=REL_TOL):
    return abs(got - ref) <= abs_tol + rel_tol * abs(ref)


# ------------------------------------------------------------ running the CLI


def run(cli, args, env=None):
    """(returncode, stdout, stderr); returncode None on timeout or failure to start.
    env: variables set for this run on top of the environment."""
    try:
        p = subprocess.run(cli + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT_S, env=dict(os.environ, **(env or {})))
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %d s" % TIMEOUT_S
    except OSError as e:
        return None, "", "cannot run %s: %s" % (cli, e)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def _reject_constant(tok):
    raise ValueError("non-JSON constant %s (non-finite values must be null)" % tok)


def parse_json(text):
    return json.loads(text, parse_constant=_reject_constant)


def compare(got, ref, path=""):
    """List of mismatch descriptions (empty when got matches ref)."""
    errs = []
    if isinstance(ref, dict):
        if not isinstance(got, dict):
            return ["%s: expected an object, got %r" % (path or "top", got)]
        if set(got) != set(ref):
            errs.append("%s keys: missing %s, extra %s"
                        % (path or "top", sorted(set(ref) - set(got)), sorted(set(got) - set(ref))))
        for k in sorted(set(got) & set(ref)):
            errs += compare(got[k], ref[k], path + "." + k if path else k)
        return errs
    r = float("nan") if ref is None else float(ref)
    if not math.isfinite(r):
        if got is not None:
            errs.append("%s: expected null (reference %r), got %r" % (path, r, got))
        return errs
    if got is None:
        return ["%s: got null, reference %.9g" % (path, r)]
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return ["%s: not a number: %r" % (path, got)]
    if not close(float(got), r):
        errs.append("%s: got %.9g, reference %.9g (diff %.3g)" % (path, got, r, got - r))
    return errs


# ------------------------------------------------------------ inputs


def make_inputs(rng):
    n = 32
    y = rng.permutation(np.arange(n) % 4)
    protos = 0.5 * rng.standard_normal((4, 1, 8, 8))
    x = protos[y] + 0.5 * rng.standard_normal((n, 1, 8, 8))
    # a fixed "convolution" layer: 4 filters 4x4, valid, then tanh -> (n, 4, 5, 5)
    w = rng.standard_normal((4, 1, 4, 4)) * 0.5
    b = rng.standard_normal(4) * 0.1
    t = np.zeros((n, 4, 5, 5))
    for c in range(4):
        for i in range(5):
            for j in range(5):
                t[:, c, i, j] = np.sum(x[:, :, i:i + 4, j:j + 4] * w[c], axis=(1, 2, 3)) + b[c]
    t = np.tanh(t) * 0.8
    # values are chosen so that no quantity saturates at log2 n = 5 bits
    return x.astype(np.float32), t.astype(np.float32), y.astype(np.int64)


# ------------------------------------------------------------ reference self-checks


def reference_checks():
    K = np.array([[1, .9, 0], [.9, 1, 0], [0, 0, 1]])
    A = rr.normalize(K)
    known = {2: 0.962032, 1: 1.109227, 1.01: 1.106869, 3: 0.890179, 0.5: 1.275215}
    for a, v in known.items():
        h = rr.entropy(A, a)
        check("ref known answer H_%g = %.6f" % (a, v), abs(h - v) <= 1e-6, "got %.9f" % h)
    alphas = (0.5, 1, 1.01, 2, 3)
    n = 7
    for a in alphas:
        h = rr.entropy(np.eye(n) / n, a)
        check("ref S_%g(I/n) = log2 n" % a, abs(h - math.log2(n)) <= 1e-9, "got %.12g" % h)
    blocks = np.kron(np.eye(3), np.ones((2, 2)))
    for a in alphas:
        h = rr.entropy(rr.normalize(blocks), a)
        check("ref S_%g(3 all-ones blocks) = log2 3" % a, abs(h - math.log2(3)) <= 1e-9,
              "got %.12g" % h)
        h = rr.entropy(rr.normalize(np.ones((5, 5))), a)
        # eigenvalue round-off (~1e-17) raised to alpha < 1 is ~1e-8: allow 1e-6
        check("ref S_%g(all ones) = 0" % a, abs(h) <= 1e-6, "got %.12g" % h)
    # Orders whose power sums underflow (every lam^alpha of 5000, 1e6, 1e300):
    # the log domain keeps them finite.  p = (1/2, 1/4, 1/4) and two zero
    # eigenvalues: sum p^alpha = 2^-alpha (1 + 2^(1-alpha)), by hand.
    for a in (5000, 1e6, 1e300, 1.0001, 0.5):
        u = (a - 1) * math.log(2)
        want = 1 - math.log1p(math.expm1(-u) / 2) / u
        h = rr.entropy(np.diag([2.0, 1, 1, 0, 0]), a)
        # next to 1 the two log terms cancel: about 1e-16 / |1 - alpha| bits
        check("ref S_%g(diag(1/2, 1/4, 1/4, 0, 0)) = %.12g" % (a, want),
              abs(h - want) <= 1e-12 + 1e-15 / abs(1 - a), "got %.15g" % h)
        h = rr.entropy(np.eye(n) / n, a)
        check("ref S_%g(I/n) = log2 n" % a, abs(h - math.log2(n)) <= 1e-9, "got %.12g" % h)
    K = rr.rbf_gram(np.arange(6.0)[:, None], 1e-170)
    check("ref rbf_gram at sigma 1e-170 (2 sigma^2 underflows) is the identity",
          np.array_equal(K, np.eye(6)), str(K))
    rng = np.random.default_rng(7)
    x = rng.standard_normal((20, 6))
    z = rng.standard_normal((20, 3))
    Kx = rr.rbf_gram(x, 2.0)
    # direct formula vs. the GEMM trick, unit diagonal, symmetry
    sq = np.sum(x * x, 1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0)
    check("ref rbf_gram matches exp(-d2/2s^2)",
          np.allclose(Kx, np.exp(-d2 / 8.0), atol=1e-12), "max diff %g"
          % np.max(np.abs(Kx - np.exp(-d2 / 8.0))))
    check("ref rbf_gram unit diagonal, symmetric",
          np.all(np.diag(Kx) == 1.0) and np.array_equal(Kx, Kx.T))
    check("ref normalize has trace 1", abs(np.trace(rr.normalize(Kx)) - 1) <= 1e-12)
    check("ref silverman", abs(rr.silverman(5, 128, 784) - 5 * 128 ** (-1 / 788)) <= 1e-15)
    Ax = rr.normalize(Kx)
    Az = rr.normalize(rr.rbf_gram(z, 1.5))
    Ay = rr.normalize(rr.label_gram(np.arange(21) % 3))
    for a in alphas:
        hx = rr.entropy(Ax, a)
        # For RBF grams A o A is the gram of width sigma/sqrt(2), so I(X;X) =
        # 2 S(A) - S(A o A) lies in [0, H(X)] (Corollary 1) but is not H(X).
        # Only a 0/1 (Kronecker) gram is Hadamard-idempotent: I(Y;Y) = H(Y).
        ixx = rr.mi(Ax, Ax, a)
        check("ref 0 <= I_%g(X;X) <= H(X)" % a, -1e-9 <= ixx <= hx + 1e-9,
              "I=%.12g H=%.12g" % (ixx, hx))
        hxx = rr.entropy(rr.normalize(rr.rbf_gram(x, 2.0 / math.sqrt(2))), a)
        check("ref S_%g(A o A) = S(gram of width sigma/sqrt 2)" % a,
              abs(rr.joint([Ax, Ax], a) - hxx) <= 1e-9)
        hy = rr.entropy(Ay, a)
        check("ref I_%g(Y;Y) = H(Y) = log2 3" % a,
              abs(rr.mi(Ay, Ay, a) - hy) <= 1e-6 and abs(hy - math.log2(3)) <= 1e-6,
              "I=%.12g H=%.12g" % (rr.mi(Ay, Ay, a), hy))
        hz = rr.entropy(Az, a)
        hj = rr.joint([Ax, Az], a)
        check("ref Corollary 1 at alpha %g: max <= joint <= sum" % a,
              max(hx, hz) - 1e-9 <= hj <= hx + hz + 1e-9, "hx %g hz %g joint %g" % (hx, hz, hj))
        ones = rr.normalize(np.ones((20, 20)))
        check("ref cmi(X;Z|const) = I(X;Z) at alpha %g" % a,
              abs(rr.cmi([Ax], [Az], [ones], a) - rr.mi(Ax, Az, a)) <= 1e-6)
    # pid identities: rs + wnr = mean pair MMI, rs_pct + wnr_pct = 1
    Ts = [rr.normalize(rr.rbf_gram(rng.standard_normal((20, 4)) + x[:, :4] * s, 2.0))
          for s in (0.5, 1, 2)]
    p = rr.pid(Ax, Ts, 1.01)
    pairs = [rr.mmi(Ax, [Ts[i], Ts[j]], 1.01) for i in range(3) for j in range(i + 1, 3)]
    check("ref pid rs + wnr = mean I(X;{Ti,Tj})",
          abs(p["rs"] + p["wnr"] - np.mean(pairs)) <= 1e-9)
    check("ref pid rs_pct + wnr_pct = 1", abs(p["rs_pct"] + p["wnr_pct"] - 1) <= 1e-9)
    check("ref NaN input gives NaN entropy",
          math.isnan(rr.entropy(rr.normalize(rr.rbf_gram(np.array([[0.], [np.nan]]), 1)), 1.01)))


# ------------------------------------------------------------ CLI cases


def load(path):
    return np.load(path)


def cli_case(cli, name, args, files, kw, extra=None):
    """Run the CLI on args, compare its JSON with rr.estimate(*arrays, **kw)."""
    rc, out, err = run(cli, args)
    if rc != 0:
        fail(name, "exit status %s, stderr: %s" % (rc, err.strip()[:300]))
        return None
    try:
        got = parse_json(out)
    except ValueError as e:
        fail(name, "stdout is not one JSON object (%s): %r" % (e, out[:200]))
        return None
    arrays = [load(f) for f in files]
    with np.errstate(all="ignore"):
        ref = rr.estimate(*arrays, **kw)
    errs = compare(got, ref)
    if errs:
        fail(name, "; ".join(errs))
    else:
        ok(name)
    if extra:
        extra(name, got)
    return got


def good_cases(cli, d, X, T, Y):
    P = lambda s: os.path.join(d, s)  # noqa: E731
    np.save(P("X.npy"), X)
    np.save(P("T.npy"), T)
    np.save(P("Y.npy"), Y)
    np.save(P("X64.npy"), X.astype(np.float64))
    np.save(P("T64.npy"), T.astype(np.float64))
    np.save(P("Y32.npy"), Y.astype(np.int32))
    np.save(P("Ybool.npy"), (Y % 2).astype(bool))
    np.save(P("Xi32.npy"), np.round(X * 10).astype(np.int32))
    np.save(P("Xu8.npy"), np.clip(np.round(X * 40 + 128), 0, 255).astype(np.uint8))
    np.save(P("T2.npy"), T.reshape(32, -1)[:, :20].copy())
    np.save(P("T3.npy"), T.reshape(32, 4, 25))
    np.save(P("X2.npy"), X.reshape(32, 64))
    np.save(P("Tonehot.npy"), np.eye(4, dtype=np.float32)[Y])
    x, t, y = P("X.npy"), P("T.npy"), P("Y.npy")

    def num(got, *keys):
        return all(isinstance(got.get(k), (int, float)) for k in keys)

    def same_as_x(name, got):
        # RBF: I(X;X) = 2 S(A) - S(A o A) is in [0, H(X)], not equal to H(X)
        if not num(got, "I_XT", "H_X", "H_T"):
            return fail(name + ": H(T) = H(X), 0 <= I(X;X) <= H(X)", "missing values")
        check(name + ": H(T) = H(X), 0 <= I(X;X) <= H(X)",
              close(got["H_T"], got["H_X"]) and -ABS_TOL <= got["I_XT"] <= got["H_X"] + ABS_TOL,
              "I_XT %r H_X %r H_T %r" % (got["I_XT"], got["H_X"], got["H_T"]))

    def onehot_is_y(name, got):
        # T = one-hot(Y) with sigma_t 0.01: its gram is exactly the Kronecker one
        if not num(got, "H_T", "H_Y", "I_TY", "I_XT", "I_XY"):
            return fail(name + ": T carries Y exactly", "missing values")
        check(name + ": I(T;Y) = H(T) = H(Y), I(X;T) = I(X;Y)",
              close(got["I_TY"], got["H_Y"]) and close(got["H_T"], got["H_Y"])
              and close(got["I_XT"], got["I_XY"]),
              "H_T %r H_Y %r I_TY %r I_XT %r I_XY %r"
              % (got["H_T"], got["H_Y"], got["I_TY"], got["I_XT"], got["I_XY"]))
        check(name + ": H(Y) = 2 bits (4 equal classes)", close(got["H_Y"], 2.0),
              "H_Y %r" % got["H_Y"])

    def pid_sums(name, got):
        for k in ("pid_x", "pid_y"):
            p = got.get(k)
            if isinstance(p, dict) and all(isinstance(p.get(q), (int, float))
                                           for q in ("rs_pct", "wnr_pct")):
                check("%s: %s rs_pct + wnr_pct = 1" % (name, k),
                      abs(p["rs_pct"] + p["wnr_pct"] - 1) <= 1e-3,
                      "rs_pct %r wnr_pct %r" % (p["rs_pct"], p["wnr_pct"]))

    def substantial(name, got):
        v = got.get("I_XT")
        check(name + ": I(X;T) is substantial (> 1 bit)", isinstance(v, (int, float)) and v > 1,
              "I_XT = %r" % v)

    cases = [
        ("X only", [x], [x], {}),
        ("X only, --sigma-x 3", [x, "--sigma-x", "3"], [x], {"sigma_x": 3.0}),
        ("X only, --h-x 2", [x, "--h-x", "2"], [x], {"h_x": 2.0}),
        ("X T", [x, t], [x, t], {}),
        ("X T Y", [x, t, y], [x, t, y], {}),
    ]
    for a in ("0.5", "1", "1.01", "2", "3", "1.0001", "5000", "1e6", "1e300"):
        cases.append(("X T Y --alpha " + a, [x, t, y, "--alpha", a], [x, t, y],
                      {"alpha": float(a)}))
    cases += [
        ("float64 X T", [P("X64.npy"), P("T64.npy"), y], [P("X64.npy"), P("T64.npy"), y], {}),
        ("int32 labels", [x, t, P("Y32.npy")], [x, t, P("Y32.npy")], {}),
        ("bool labels", [x, t, P("Ybool.npy")], [x, t, P("Ybool.npy")], {}),
        ("int32 X", [P("Xi32.npy"), t, y], [P("Xi32.npy"), t, y], {}),
        ("uint8 X", [P("Xu8.npy"), t, y], [P("Xu8.npy"), t, y], {}),
        ("rank-2 X", [P("X2.npy"), t, y], [P("X2.npy"), t, y], {}),
        ("--flat", [x, t, y, "--flat"], [x, t, y], {"flat": True}),
        ("--flat --alpha 2", [x, t, y, "--flat", "--alpha", "2"], [x, t, y],
         {"flat": True, "alpha": 2.0}),
        ("rank-2 T", [x, P("T2.npy"), y], [x, P("T2.npy"), y], {}),
        ("rank-3 T", [x, P("T3.npy"), y], [x, P("T3.npy"), y], {}),
        ("--sigma-x 6 --sigma-t 3", [x, t, y, "--sigma-x", "6", "--sigma-t", "3"], [x, t, y],
         {"sigma_x": 6.0, "sigma_t": 3.0}),
        ("--sigma-t 1.5 only", [x, t, "--sigma-t", "1.5"], [x, t], {"sigma_t": 1.5}),
        ("--sigma-x 1e-155", [x, t, y, "--sigma-x", "1e-155"], [x, t, y], {"sigma_x": 1e-155}),
        ("--sigma-x 1e-155 --sigma-t 1e-155 --alpha 5000 --pid",
         [x, t, y, "--sigma-x", "1e-155", "--sigma-t", "1e-155", "--alpha", "5000", "--pid"],
         [x, t, y], {"sigma_x": 1e-155, "sigma_t": 1e-155, "alpha": 5000.0, "pid": True}),
        ("--h-x 2 --h-t 8", [x, t, y, "--h-x", "2", "--h-t", "8"], [x, t, y],
         {"h_x": 2.0, "h_t": 8.0}),
        ("--pid without Y", [x, t, "--pid"], [x, t], {"pid": True}),
        ("--pid with Y", [x, t, y, "--pid"], [x, t, y], {"pid": True}),
        ("--pid --alpha 2 --sigma-t 2", [x, t, y, "--pid", "--alpha", "2", "--sigma-t", "2"],
         [x, t, y], {"pid": True, "alpha": 2.0, "sigma_t": 2.0}),
        ("--pid rank-3 T --alpha 1", [x, P("T3.npy"), y, "--pid", "--alpha", "1"],
         [x, P("T3.npy"), y], {"pid": True, "alpha": 1.0}),
        ("--kernel-width silverman-scaled --pid",
         [x, t, y, "--kernel-width", "silverman-scaled", "--pid"], [x, t, y],
         {"rule": "silverman-scaled", "pid": True}),
        ("--kernel-width silverman-scaled --h-x 20 --h-t 2",
         [x, t, y, "--kernel-width", "silverman-scaled", "--h-x", "20", "--h-t", "2"],
         [x, t, y], {"rule": "silverman-scaled", "h_x": 20.0, "h_t": 2.0}),
        ("--kernel-width silverman-scaled --sigma-x 6",
         [x, t, y, "--kernel-width", "silverman-scaled", "--sigma-x", "6"], [x, t, y],
         {"rule": "silverman-scaled", "sigma_x": 6.0}),
        ("--kernel-width median", [x, t, y, "--kernel-width", "median"], [x, t, y],
         {"rule": "median"}),
        ("--kernel-width silverman-dim --pid --h-x 0.5",
         [x, t, y, "--kernel-width", "silverman-dim", "--pid", "--h-x", "0.5"], [x, t, y],
         {"rule": "silverman-dim", "pid": True, "h_x": 0.5}),
        ("--kernel-width align", [x, t, y, "--kernel-width", "align"], [x, t, y],
         {"rule": "align"}),
        ("--kernel-width align --pid --alpha 2",
         [x, t, y, "--kernel-width", "align", "--pid", "--alpha", "2"], [x, t, y],
         {"rule": "align", "pid": True, "alpha": 2.0}),
        ("--kernel-width align --sigma-x 6",
         [x, t, y, "--kernel-width", "align", "--sigma-x", "6"], [x, t, y],
         {"rule": "align", "sigma_x": 6.0}),
        ("coinciding X (all-ones Gram) under each rule", None, None, None),
        ("--kernel-width median --median 0.3 --pid",
         [x, t, y, "--kernel-width", "median", "--median", "0.3", "--pid"], [x, t, y],
         {"rule": "median", "median": 0.3, "pid": True}),
    ]
    np.save(P("Xconst.npy"), np.full_like(X, 0.5))
    Tdead = T.copy()
    Tdead[:, 1] = 0.25
    np.save(P("Tdead.npy"), Tdead)
    cases = [c for c in cases if c[1] is not None]
    for rule in ("silverman", "silverman-scaled", "silverman-dim", "median", "align"):
        cases.append(("coinciding X and a dead map of T, --kernel-width %s --pid" % rule,
                      [P("Xconst.npy"), P("Tdead.npy"), y, "--kernel-width", rule, "--pid"],
                      [P("Xconst.npy"), P("Tdead.npy"), y], {"rule": rule, "pid": True}))
    def dead_x(name, got):
        p = got["pid_x"]
        vals = [got["I_XT"], p["rs"], p["wnr"]]
        check(name + ": X carries nothing: I(X;T) = 0, pid_x's means 0 over the 3 pairs of "
              "live maps, no informative pair, so its percentages null (not measured)",
              all(isinstance(v, (int, float)) and abs(v) <= 1e-4 for v in vals) and
              p["pairs"] == 3 and p["informative"] == 0 and p["rs_pct"] is None and
              p["wnr_pct"] is None, str(p))

    def finite(name, got):
        vals = flat_values(got, skip=())
        check(name + ": every value a finite number",
              all(isinstance(v, (int, float)) and math.isfinite(v) for v in vals.values()),
              str(vals))

    def identity_x(name, got):
        # 1/(2 sigma^2) overflows: K_X = I, so H(X) = log2 n and I(X;T) = H(T)
        finite(name, got)
        if not num(got, "H_X", "H_T", "I_XT"):
            return fail(name + ": H(X) = log2 n = 5, I(X;T) = H(T)", "missing values")
        check(name + ": H(X) = log2 n = 5, I(X;T) = H(T)",
              abs(got["H_X"] - 5) <= 1e-9 and close(got["I_XT"], got["H_T"]),
              "H_X %r H_T %r I_XT %r" % (got["H_X"], got["H_T"], got["I_XT"]))

    for name, args, files, kw in cases:
        extra = pid_sums if kw.get("pid") else None
        if name.startswith("coinciding"):
            extra = dead_x
        if name == "X T Y":
            extra = substantial
        if kw.get("alpha", 1) >= 1000:
            extra = finite
        if kw.get("sigma_x") == 1e-155:
            extra = identity_x
        cli_case(cli, name, args, files, kw, extra)
    # Every back end against the numpy reference; cuda only where it starts.
    for be in ("cpu-ref", "cpu"):
        for a in ("1.01", "0.5", "5000"):
            cli_case(cli, "--backend %s --pid --alpha %s" % (be, a),
                     [x, t, y, "--pid", "--alpha", a, "--backend", be], [x, t, y],
                     {"pid": True, "alpha": float(a)}, pid_sums)
    rc, _, err = run(cli, [x, t, "--backend", "cuda"])
    if rc == 0:
        cli_case(cli, "--backend cuda --pid", [x, t, y, "--pid", "--backend", "cuda"],
                 [x, t, y], {"pid": True}, pid_sums)
    else:
        print("# SKIP --backend cuda: %s" % err.strip())
    scale_cases(cli, P, x, t, y, X, T)
    # T = X itself (one channel of 8x8): I(X;X) = H(X)
    cli_case(cli, "X X (T = X)", [x, x], [x, x], {}, same_as_x)
    for a in ("1.01", "2", "0.5"):
        cli_case(cli, "T = one-hot(Y), --sigma-t 0.01 --alpha " + a,
                 [x, P("Tonehot.npy"), y, "--sigma-t", "0.01", "--alpha", a],
                 [x, P("Tonehot.npy"), y], {"sigma_t": 0.01, "alpha": float(a)}, onehot_is_y)


def flat_values(got, skip=("sigma_x", "sigma_t")):
    """{key: number} of a result, nested keys as 'pid_x.rs', widths left out."""
    out = {}
    for k, v in got.items():
        if isinstance(v, dict):
            out.update({"%s.%s" % (k, kk): vv for kk, vv in v.items()})
        elif k not in skip:
            out[k] = v
    return out


def scale_cases(cli, P, x, t, y, X, T):
    """The scale-aware rules make every quantity invariant to scaling X and T:
    by 8 (exact in fp32) to 1e-9 bits; by 10, where fp32 rounds the scaled
    data, to 1e-6 bits (silverman-dim, whose wide kernels give a nearly
    singular spectrum that amplifies the rounding, to 1e-5).  The literal
    rule moves them."""
    for f in (8, 10):
        np.save(P("X%d.npy" % f), (X * f).astype(np.float32))
        np.save(P("T%d.npy" % f), (T * f).astype(np.float32))
    hs = {"silverman-dim": ["--h-x", "1", "--h-t", "1"]}
    res = {}
    for rule in ("silverman-scaled", "silverman-dim", "align", "silverman"):
        for f in ("", "8", "10"):
            xx, tt = (x, t) if not f else (P("X%s.npy" % f), P("T%s.npy" % f))
            rc, out, err = run(cli, [xx, tt, y, "--pid", "--kernel-width", rule] + hs.get(rule, []))
            res[rule, f] = flat_values(parse_json(out)) if rc == 0 else None

    def moved(rule, f):
        a, b = res[rule, ""], res[rule, f]
        return max(abs(a[k] - b[k]) for k in a) if a and b else float("inf")
    for rule in ("silverman-scaled", "silverman-dim", "align"):
        tol = 1e-5 if rule == "silverman-dim" else 1e-6
        check("%s: every quantity invariant to scaling X and T by 8 (%.1e bits)"
              % (rule, moved(rule, "8")), moved(rule, "8") <= 1e-9)
        check("%s: and by 10 (%.1e bits, fp32 rounding; tolerance %g)"
              % (rule, moved(rule, "10"), tol), moved(rule, "10") <= tol)
    lit = moved("silverman", "10") if res["silverman", "10"] else 0.0
    check("silverman (literal): scaling X and T by 10 moves the quantities (%.2f bits)" % lit,
          lit > 1e-3)


# ------------------------------------------------------------ bad inputs


def bad_case(cli, name, args, mention, env=None):
    """Exit status 2, nothing on stdout, one stderr line containing one of `mention`."""
    rc, out, err = run(cli, args, env)
    lines = err.strip("\n").split("\n") if err.strip() else []
    problems = []
    if rc != 2:
        problems.append("exit status %s (want 2)" % rc)
    if out.strip():
        problems.append("stdout not empty: %r" % out[:100])
    if len(lines) != 1:
        problems.append("stderr has %d lines (want 1): %r" % (len(lines), err[:300]))
    if not any(m in err for m in mention):
        problems.append("stderr does not mention %s: %r" % (" or ".join(mention), err[:300]))
    if problems:
        fail("bad input: " + name, "; ".join(problems))
    else:
        ok("bad input: " + name)


def bad_cases(cli, d, X, T, Y):
    P = lambda s: os.path.join(d, s)  # noqa: E731
    x, t, y = P("X.npy"), P("T.npy"), P("Y.npy")
    b = os.path.basename
    # truncated data: header intact, half the data
    raw = open(x, "rb").read()
    with open(P("trunc.npy"), "wb") as f:
        f.write(raw[:len(raw) - X.nbytes // 2])
    with open(P("trunchdr.npy"), "wb") as f:
        f.write(raw[:20])
    with open(P("notnpy.npy"), "w") as f:
        f.write("this is not a numpy file\n1 2 3\n")
    with open(P("empty.npy"), "wb"):
        pass
    np.save(P("cplx.npy"), X.astype(np.complex64))
    np.save(P("Ycplx.npy"), Y.astype(np.complex64))
    np.save(P("fort.npy"), np.asfortranarray(X.reshape(32, 64)))
    np.save(P("rank0.npy"), np.float32(1.5))
    np.save(P("n1.npy"), X[:1])
    np.save(P("T31.npy"), T[:31])
    np.save(P("Y30.npy"), Y[:30])
    np.save(P("Tflat.npy"), T.reshape(32, -1))
    shutil.copy(x, P("extra.npy"))
    with open(P("fort.npy"), "rb") as f:
        assert b"'fortran_order': True" in f.read(200)

    cases = [
        ("missing X file", [P("nope.npy")], ["nope.npy"]),
        ("missing T file", [x, P("noT.npy")], ["noT.npy"]),
        ("missing Y file", [x, t, P("noY.npy")], ["noY.npy"]),
        ("truncated data", [P("trunc.npy"), t], ["trunc.npy"]),
        ("truncated header", [P("trunchdr.npy")], ["trunchdr.npy"]),
        ("truncated T", [x, P("trunc.npy")], ["trunc.npy"]),
        ("empty file", [P("empty.npy")], ["empty.npy"]),
        ("non-npy file", [P("notnpy.npy"), t], ["notnpy.npy"]),
        ("complex64 X", [P("cplx.npy"), t], ["cplx.npy"]),
        ("complex64 Y", [x, t, P("Ycplx.npy")], ["Ycplx.npy"]),
        ("Fortran-order X", [P("fort.npy"), t], ["fort.npy"]),
        ("rank-0 X", [P("rank0.npy")], ["rank0.npy"]),
        ("rank-0 T", [x, P("rank0.npy")], ["rank0.npy"]),
        ("n < 2", [P("n1.npy")], ["n1.npy"]),
        ("n mismatch X/T", [x, P("T31.npy")], ["T31.npy", b(x)]),
        ("n mismatch X/Y", [x, t, P("Y30.npy")], ["Y30.npy", b(x), b(t)]),
        ("--alpha 0", [x, t, "--alpha", "0"], ["--alpha"]),
        ("--alpha -1", [x, t, "--alpha", "-1"], ["--alpha"]),
        ("--alpha abc", [x, t, "--alpha", "abc"], ["--alpha"]),
        ("--sigma-x 0", [x, t, "--sigma-x", "0"], ["--sigma-x"]),
        ("--sigma-t -1", [x, t, "--sigma-t", "-1"], ["--sigma-t"]),
        ("--h-x 0", [x, t, "--h-x", "0"], ["--h-x"]),
        ("--h-t -2", [x, t, "--h-t", "-2"], ["--h-t"]),
        ("unknown flag --bogus", [x, t, "--bogus"], ["--bogus"]),
        ("unknown back end", [x, t, "--backend", "gpu"], ["--backend gpu"]),
        ("--alpha missing its value", [x, t, "--alpha"], ["--alpha"]),
        ("--sigma-t missing its value", [x, t, "--sigma-t"], ["--sigma-t"]),
        ("too many positionals", [x, t, y, P("extra.npy")], ["extra.npy"]),
        ("--pid with --flat (C = 1)", [x, t, y, "--pid", "--flat"], ["--pid"]),
        ("--pid with rank-2 T (C = 1)", [x, P("Tflat.npy"), "--pid"], ["--pid"]),
        ("--kernel-width gauss", [x, t, "--kernel-width", "gauss"], ["'gauss'"]),
        ("--kernel-width missing its value", [x, t, "--kernel-width"], ["--kernel-width"]),
        ("--median 0", [x, t, "--kernel-width", "median", "--median", "0"], ["--median"]),
        ("--median 1.5", [x, t, "--kernel-width", "median", "--median", "1.5"], ["'1.5'"]),
        ("--median without the median rule", [x, t, "--median", "0.2"], ["--median"]),
        ("--kernel-width align without labels", [x, t, "--kernel-width", "align"],
         ["align", "labels"]),
        ("--sigma-x with --h-x", [x, t, "--sigma-x", "2", "--h-x", "3"],
         ["--sigma-x fixes the width of X, so --h-x"]),
        ("--h-t before --sigma-t", [x, t, "--h-t", "3", "--sigma-t", "2"],
         ["--sigma-t fixes the width of T, so --h-t"]),
    ]
    for name, args, mention in cases:
        # a file name may be printed as given or as its base name
        mention = [b(m) if m.endswith(".npy") else m for m in mention]
        bad_case(cli, name, args, mention)
    # a bad IM_THREADS, IM_SIMD or IM_BACKEND: an error naming the variable and
    # the value, with the default back end (auto) and with one named
    for var, val in (("IM_THREADS", "0"), ("IM_THREADS", "65"), ("IM_THREADS", "2x"),
                     ("IM_SIMD", "sse9"), ("IM_BACKEND", "gpu")):
        for extra in ([], ["--backend", "cpu-ref"]):
            if var == "IM_BACKEND" and extra:
                continue  # --backend wins over IM_BACKEND
            bad_case(cli, "%s=%s %s" % (var, val, " ".join(extra)), [x, t] + extra,
                     ["%s='%s'" % (var, val)], env={var: val})
    # the value of a bad flag is named as well
    for flag, val in (("--alpha", "abc"), ("--alpha", "-1"), ("--sigma-t", "-1"),
                      ("--h-t", "-2")):
        rc, out, err = run(cli, [x, t, flag, val])
        check("bad input: %s %s names the value" % (flag, val), rc == 2 and val in err,
              "rc %s stderr %r" % (rc, err[:200]))


# ------------------------------------------------------------ NaN / Inf


def nonfinite_cases(cli, d, X, T, Y):
    P = lambda s: os.path.join(d, s)  # noqa: E731
    t, y = P("T.npy"), P("Y.npy")
    xn = X.copy()
    xn[3, 0, 2, 5] = np.nan
    xi = X.copy()
    xi[7, 0, 1, 1] = np.inf
    tn = T.copy()
    tn[5, 2, 3, 3] = np.nan
    np.save(P("Xnan.npy"), xn)
    np.save(P("Xinf.npy"), xi)
    np.save(P("Tnan.npy"), tn)
    for name, files, kw in (("NaN in X", [P("Xnan.npy"), t, y], {"pid": True}),
                            ("Inf in X", [P("Xinf.npy"), t, y], {}),
                            ("NaN in X, X only", [P("Xnan.npy")], {}),
                            ("NaN in T", [P("X.npy"), P("Tnan.npy"), y], {"pid": True})):
        args = files + (["--pid"] if kw.get("pid") else [])
        rc, out, err = run(cli, args)
        if not check(name + ": exit 0, no hang", rc == 0, "rc %s stderr %r" % (rc, err[:300])):
            continue
        check(name + ": warning on stderr", "NaN" in err or "non-finite" in err.lower(),
              "stderr %r" % err[:300])
        try:
            got = parse_json(out)
        except ValueError as e:
            fail(name + ": JSON", "%s: %r" % (e, out[:200]))
            continue
        with np.errstate(all="ignore"):
            ref = rr.estimate(*[np.load(f) for f in files], **kw)
        nulls = sorted(k for k, v in ref.items() if not isinstance(v, dict) and math.isnan(v))
        check(name + ": reference has nulls " + ",".join(nulls), len(nulls) > 0)
        errs = compare(got, ref)
        check(name + ": null exactly where affected, other values match", not errs,
              "; ".join(errs))


# ------------------------------------------------------------ help


OPTIONS = ("--alpha", "--h-x", "--h-t", "--sigma-x", "--sigma-t", "--pid", "--flat")


def help_cases(cli):
    for args in (["--help"], ["estimate", "--help"]):
        rc, out, err = run(cli, args)
        name = " ".join(args)
        check(name + " exits 0", rc == 0, "rc %s stderr %r" % (rc, err[:200]))
        text = out + err
        if args[0] == "--help":
            check(name + " mentions estimate", "estimate" in text, text[:300])
        else:
            missing = [o for o in OPTIONS if o not in text]
            check(name + " mentions every option", not missing, "missing %s" % missing)


# ------------------------------------------------------------ main


def main():
    cli_path = sys.argv[1] if len(sys.argv) > 1 else "./infomonitor"
    cli = [cli_path]
    rng = np.random.default_rng(20200601)
    X, T, Y = make_inputs(rng)
    reference_checks()
    d = tempfile.mkdtemp(prefix="infomonitor-cli-")
    try:
        if not (os.path.isfile(cli_path) and os.access(cli_path, os.X_OK)):
            fail("CLI exists", "%s is not an executable file" % cli_path)
        else:
            cli = [cli_path, "estimate"]
            help_cases([cli_path])
            good_cases(cli, d, X, T, Y)
            bad_cases(cli, d, X, T, Y)
            nonfinite_cases(cli, d, X, T, Y)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
