#!/usr/bin/python3
"""Estimate-only demo: I(X;T), I(T;Y) and the PID pair quantities for 128
Fashion-MNIST images X, a fixed random convolution T of them (6 feature maps,
5x5 filters, ReLU; seed 0) and their labels Y.

usage: demo_estimate.py [INFOMONITOR] [OUTDIR] [--fashion DIR]
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import textwrap

import numpy as np

FASHION = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """An IDX file (gzip or plain) as a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
        sys.exit(f"{path}: not an unsigned-byte IDX file (magic {raw[:4].hex()})")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        sys.exit(f"{path}: header says {dims}, file holds {data.size} values")
    return data.reshape(dims)


def conv_relu(x, w):
    """Valid 2-D convolution of x (n,1,H,W) with w (C,k,k), then ReLU."""
    n, _, H, W = x.shape
    C, k, _ = w.shape
    out = np.zeros((n, C, H - k + 1, W - k + 1), dtype=np.float64)
    for dy in range(k):
        for dx in range(k):
            patch = x[:, 0, dy:dy + H - k + 1, dx:dx + W - k + 1]
            out += w[None, :, dy, dx, None, None] * patch[:, None]
    return np.maximum(out, 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("infomonitor", nargs="?", default="./infomonitor")
    ap.add_argument("outdir", nargs="?", default="results/demo")
    ap.add_argument("--fashion", default=FASHION, help="folder with the Fashion-MNIST IDX files")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    images = read_idx(os.path.join(a.fashion, "train-images-idx3-ubyte.gz"))[:128]
    labels = read_idx(os.path.join(a.fashion, "train-labels-idx1-ubyte.gz"))[:128]
    x = (images.astype(np.float32) / 255.0)[:, None]
    w = np.random.default_rng(0).normal(0.0, 0.2, size=(6, 5, 5))
    t = conv_relu(x.astype(np.float64), w).astype(np.float32)
    paths = [os.path.join(a.outdir, f) for f in ("X.npy", "T.npy", "Y.npy")]
    np.save(paths[0], x)
    np.save(paths[1], t)
    np.save(paths[2], labels.astype(np.int64))
    print(f"demo: X {x.shape}, T {t.shape} (fixed random 5x5 convolution + ReLU), Y {labels.shape}",
          flush=True)
    out = subprocess.run([a.infomonitor, "estimate", *paths, "--pid"], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    with open(os.path.join(a.outdir, "estimate.json"), "w") as f:
        f.write(out)
    print(out, end="")
    r = json.loads(out)
    px, py = r["pid_x"], r["pid_y"]
    share = lambda v: "not measured" if v is None else f"{100 * v:.0f}%"  # noqa: E731
    bits = lambda v: "not measured" if v is None else f"{v:.3f} bits"  # noqa: E731
    dpi_note = ""
    if r["I_TY"] > r["I_XY"]:
        dpi_note = (" (I(T;Y) > I(X;Y) is not a DPI violation of the true MI but a feature of the"
                    " estimator: X and T are measured with different kernel widths.)")
    text = f"""Reading: the 128 images carry H(X) = {r['H_X']:.3f} bits (a mini-batch of 128 holds at most
log2(128) = 7).  The six feature maps together keep I(X;T) = {r['I_XT']:.3f} bits of it
({100 * r['I_XT'] / r['H_X']:.0f}%), within the DPI's bound I(X;T) <= H(X).  About the labels
they hold I(T;Y) = {r['I_TY']:.3f} of H(Y) = {r['H_Y']:.3f} bits; the pixels hold
I(X;Y) = {r['I_XY']:.3f}.{dpi_note}  Over the {px['pairs']} pairs of live maps the
redundancy-synergy trade-off about X averages {bits(px['rs'])} ({share(px['rs_pct'])} of a
pair's MI; positive means redundancy dominates) and the weighted non-redundant information
{bits(px['wnr'])} ({share(px['wnr_pct'])}); about Y they are {bits(py['rs'])} and
{bits(py['wnr'])}."""
    print()
    print(textwrap.fill(" ".join(text.split()), width=78))
    print(f"Files: {a.outdir}/estimate.json and the inputs {', '.join(paths)}.")

if __name__ == "__main__":
    main()
