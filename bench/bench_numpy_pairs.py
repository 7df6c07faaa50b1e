#!/usr/bin/python3
"""The numpy baseline of bench_spectra: PID pair entropies written as a user
would (fp64, numpy.linalg.eigvalsh), on the arrays that bench_spectra saved.

usage: bench_numpy_pairs.py X.npy T.npy SIGMA_X SIGMA_T K ALPHA
Prints one JSON object: {"pairs": K, "seconds": s, "S": [[S(Ti*Tj), S(Ti*Tj*X)], ...]}
for the first K pairs i<j in order.  Gram matrices are built before timing.
"""
import json
import sys
import time

import numpy as np


def gram(v, sigma):
    sq = (v * v).sum(1)
    d = np.maximum(sq[:, None] + sq[None, :] - 2 * v @ v.T, 0)
    return np.exp(-d / (2 * sigma * sigma))


def entropy(m, alpha):
    lam = np.linalg.eigvalsh(m / np.trace(m))
    lam = lam[lam > 0]
    if alpha == 1:
        return float(-(lam * np.log2(lam)).sum())
    return float(np.log2((lam ** alpha).sum()) / (1 - alpha))


def main():
    xp, tp, sx, st, k, alpha = sys.argv[1:7]
    x = np.load(xp).astype(np.float64)
    t = np.load(tp).astype(np.float64)
    n, c = t.shape[0], t.shape[1]
    kx = gram(x.reshape(n, -1), float(sx))
    kt = [gram(t[:, i].reshape(n, -1), float(st)) for i in range(c)]
    pairs = [(i, j) for i in range(c) for j in range(i + 1, c)][:int(k)]
    a = float(alpha)
    t0 = time.perf_counter()
    out = []
    for i, j in pairs:
        p = kt[i] * kt[j]
        out.append([entropy(p, a), entropy(p * kx, a)])
    dt = time.perf_counter() - t0
    print(json.dumps({"pairs": len(pairs), "seconds": dt, "S": out}))


if __name__ == "__main__":
    main()
