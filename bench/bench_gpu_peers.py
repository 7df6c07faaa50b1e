#!/usr/bin/env python3
"""GPU peers of bench_spectra: JAX's jitted batched eigvalsh and CuPy's
eigvalsh on the same matrices as the cuda back end, eigenvalues only (no
Gram or Hadamard work counted, matrices already on the GPU), as in
DESIGN.md section 5.

usage: bench_gpu_peers.py X.npy T.npy SIGMA_X SIGMA_T K ALPHA
Forms the 2K trace-normalized products Ti*Tj and Ti*Tj*X of the first K
pairs i<j in fp32, times each importable peer (one warm-up call, then the
best of 3), and checks the entropies of its first 64 spectra against
numpy's fp64 ones.  Prints one line per peer.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_numpy_pairs import entropy, gram  # noqa: E402


def products(xp, tp, sx, st, k):
    x = np.load(xp).astype(np.float64)
    t = np.load(tp).astype(np.float64)
    n, c = t.shape[0], t.shape[1]
    kx = gram(x.reshape(n, -1), sx)
    kt = [gram(t[:, i].reshape(n, -1), st) for i in range(c)]
    pairs = [(i, j) for i in range(c) for j in range(i + 1, c)][:k]
    out = np.empty((2 * len(pairs), n, n))
    for p, (i, j) in enumerate(pairs):
        out[2 * p] = kt[i] * kt[j]
        out[2 * p + 1] = out[2 * p] * kx
    out /= np.trace(out, axis1=1, axis2=2)[:, None, None]
    return out


def entropy_of(lam, alpha):
    lam = np.asarray(lam, dtype=np.float64)
    lam = lam[lam > 0]
    if alpha == 1:
        return float(-(lam * np.log2(lam)).sum())
    return float(np.log2((lam ** alpha).sum()) / (1 - alpha))


def best_of_3(fn):
    fn()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def report(name, spectra, seconds, lam, ref, alpha):
    worst = max(abs(entropy_of(lam[i], alpha) - ref[i]) for i in range(len(ref)))
    rate = spectra / seconds
    print("%-8s %10.0f spectra/s %10.0f pairs/s   (max |dS| %.1e bits vs numpy fp64)"
          % (name, rate, rate / 2, worst), flush=True)


def main():
    xp, tp, sx, st, k, alpha = sys.argv[1:7]
    a = float(alpha)
    m = products(xp, tp, float(sx), float(st), int(k))
    ref = [entropy(m[i], a) for i in range(min(64, len(m)))]
    m32 = m.astype(np.float32)
    try:
        import jax
        import jax.numpy as jnp

        f = jax.jit(jnp.linalg.eigvalsh)
        dm = jax.device_put(m32)
        seconds = best_of_3(lambda: f(dm).block_until_ready())
        report("jax", len(m32), seconds, np.asarray(f(dm)), ref, a)
    except ImportError as e:
        print("jax      not importable (%s)" % e)
    try:
        import cupy

        dm = cupy.asarray(m32)

        def run():
            w = cupy.linalg.eigvalsh(dm)
            cupy.cuda.Stream.null.synchronize()
            return w

        seconds = best_of_3(run)
        report("cupy", len(m32), seconds, cupy.asnumpy(run()), ref, a)
    except ImportError as e:
        print("cupy     not importable (%s)" % e)


if __name__ == "__main__":
    main()
