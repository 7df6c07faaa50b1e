#!/usr/bin/python3
"""Whole-process benchmark: `infomonitor estimate X.npy T.npy Y.npy --pid` against a numpy
process that computes the same quantities (tests/ref_renyi.py, the project's fp64 reference).

Run:  /usr/bin/python3 bench/bench_estimate.py [path/to/infomonitor]   (default ./infomonitor)

Inputs (fixed seed, written as .npy to a temporary folder): n = 128 samples of 10 classes;
X (128, 784) float32, class prototypes plus noise; T (128, 32, 12, 12) float32, a 32-map conv
layer (scaled tanh of a fixed random projection of X); Y (128,) int64 labels.  Both programs run with
the defaults (alpha 1.01, Silverman widths, h = 5) and --pid, so each computes H and I for X,
T and Y and the PID quantities of all 496 pairs of maps against X and against Y.

Each side is a whole process, start-up included: the reference runs as its own python3
process.  Both run 5 times, interleaved, and the best time of each is kept.  The two JSON
results must agree on every key within |got - ref| <= 1e-4 + 1e-3 |ref| (the contract of
tests/test_cli.py) before any time is printed.  Also printed: the shared objects that
`infomonitor estimate --help` loads (distinct file= lines of LD_DEBUG=files).

Exit status 0, or 1 when the results disagree or a process fails.
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "..", "tests", "ref_renyi.py")
REPEATS = 5
ABS_TOL = 1e-4
REL_TOL = 1e-3


def make_inputs(folder):
    """Write X.npy, T.npy and Y.npy to folder; return their paths."""
    rng = np.random.default_rng(20261127)
    n, classes = 128, 10
    y = rng.permutation(np.arange(n) % classes)
    # Scales chosen so that the Silverman widths leave the quantities below
    # their ceilings (log2 n for H, H(Y) for I(T;Y)): H(X) 2.3 bits, one
    # map's H 0.8, H(T) 5.9 of 7.
    protos = 0.1 * rng.standard_normal((classes, 784))
    x = protos[y] + 0.05 * rng.standard_normal((n, 784))
    w = rng.standard_normal((784, 32 * 12 * 12)) / math.sqrt(784.0)
    t = 0.2 * np.tanh(x @ w / x.std())
    x = x.astype(np.float32)
    t = t.reshape(n, 32, 12, 12).astype(np.float32)
    paths = [os.path.join(folder, s) for s in ("X.npy", "T.npy", "Y.npy")]
    for p, a in zip(paths, (x, t, y.astype(np.int64))):
        np.save(p, a)
    return paths


def timed(cmd):
    """(seconds, stdout) of one run of cmd; raises on a non-zero exit status."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("%s: exit status %d: %s"
                           % (" ".join(cmd), p.returncode, p.stderr.decode()[:400]))
    return dt, p.stdout.decode()


def flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        key = prefix + "." + k if prefix else k
        if isinstance(v, dict):
            out.update(flatten(v, key))
        else:
            out[key] = v
    return out


def disagreements(got, ref):
    """Descriptions of the keys where got and ref differ (empty when they agree)."""
    g, r = flatten(got), flatten(ref)
    errs = ["key sets differ: only in infomonitor %s, only in numpy %s"
            % (sorted(set(g) - set(r)), sorted(set(r) - set(g)))] if set(g) != set(r) else []
    for k in sorted(set(g) & set(r)):
        a, b = g[k], r[k]
        if a is None or b is None or not abs(a - b) <= ABS_TOL + REL_TOL * abs(b):
            errs.append("%s: infomonitor %r, numpy %r" % (k, a, b))
    return errs


def shared_objects(cli):
    """Distinct shared objects that `cli estimate --help` loads (LD_DEBUG=files)."""
    env = dict(os.environ, LD_DEBUG="files")
    p = subprocess.run([cli, "estimate", "--help"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env)
    return len(set(re.findall(r"\bfile=(\S+)", p.stderr.decode("utf-8", "replace"))))


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else "./infomonitor"
    if not (os.path.isfile(cli) and os.access(cli, os.X_OK)):
        sys.stderr.write("bench_estimate: %s is not an executable file\n" % cli)
        return 1
    folder = tempfile.mkdtemp(prefix="infomonitor-bench-")
    try:
        paths = make_inputs(folder)
        sides = {"infomonitor": [cli, "estimate"] + paths + ["--pid"],
                 "numpy": [sys.executable, REF, "estimate"] + paths + ["--pid"]}
        best = {k: math.inf for k in sides}
        out = {}
        for _ in range(REPEATS):
            for k, cmd in sides.items():
                dt, out[k] = timed(cmd)
                best[k] = min(best[k], dt)
    except (RuntimeError, OSError) as e:
        sys.stderr.write("bench_estimate: %s\n" % e)
        return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    got, ref = json.loads(out["infomonitor"]), json.loads(out["numpy"])
    errs = disagreements(got, ref)
    if errs:
        sys.stderr.write("bench_estimate: the results disagree:\n  %s\n" % "\n  ".join(errs))
        return 1
    print("Whole process: estimate X (128, 784), T (128, 32, 12, 12), Y (128,) --pid")
    print("  %d keys agree within %g + %g|ref|; C = %d maps, %d pairs against X and Y"
          % (len(flatten(got)), ABS_TOL, REL_TOL, got["C"], got["C"] * (got["C"] - 1) // 2))
    print("  infomonitor  %.3f s  (best of %d, %s)" % (best["infomonitor"], REPEATS, cli))
    print("  numpy        %.3f s  (best of %d, tests/ref_renyi.py, fp64)"
          % (best["numpy"], REPEATS))
    print("  ratio        %.1fx" % (best["numpy"] / best["infomonitor"]))
    print("  shared objects loaded by `estimate --help`: %d" % shared_objects(cli))
    return 0


if __name__ == "__main__":
    sys.exit(main())
