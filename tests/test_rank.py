#!/usr/bin/python3
"""Tests of `./infomonitor rank` (Sec. IV, Fig. 9) through the real command:
  - on generated data (tests/analysis_data.py: labels from variables 1, 4 and 7 of 10, an
    identity connected layer) the three informative variables rank first;
  - on one mini-batch of the whole split every I(X;T^i), I(T^i;Y) and objective equals an
    independent numpy computation (tests/ref_renyi.py), for beta = 2 and 0.5, and the order
    is ascending by the objective;
  - a convolutional layer with weights written here: numpy computes its feature maps (Darknet's
    cross-correlation with zero padding) and their quantities, a dead map (zero weights) gives
    0, and the table matches;
  - bad input: exit status 2 and a one-line message; the CSV holds the table;
  - scripts/plot_rank.py draws the histogram.
usage: test_rank.py [path/to/infomonitor]
"""
import csv
import os
import struct
import subprocess
import sys

import numpy as np

import analysis_data as ad
import ref_renyi as rr
from tap import check, summary

EXE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./infomonitor")
HERE = os.path.dirname(os.path.abspath(__file__))
PLOT = os.path.join(HERE, "..", "scripts", "plot_rank.py")
COLUMNS = "rank,filter,I_XT,I_TY,objective,beta,n,batches".split(",")


def rank(case, *extra, layer=0):
    return ad.run(EXE, "rank", case["data"], case["cfg"], case["weights"], "-layer", layer,
                  *extra)


def informative_first(d):
    case = ad.make_case(d)
    path = os.path.join(d, "r.csv")
    r = rank(case, "-samples", 128, "-batches", 8, "-csv", path)
    if not check("rank runs", r.returncode == 0, r.stderr[-500:]):
        return
    rows = ad.table(r.stdout, 5)
    check("10 rows", len(rows) == 10, str(rows))
    check("the three informative variables rank first",
          sorted(int(f[1]) for f in rows[:3]) == [1, 4, 7], str(rows))
    obj = [float(f[4]) for f in rows]
    check("ascending by the objective", obj == sorted(obj), str(obj))
    with open(path) as f:
        got = list(csv.reader(f))
    check("CSV header", got[0] == COLUMNS, str(got[0]))
    check("CSV rows are the table", len(got) == 11 and all(
        g[:2] == f[:2] and abs(float(g[4]) - float(f[4])) < 1e-4 and g[5:] == ["2", "128", "8"]
        for g, f in zip(got[1:], rows)), str(got))
    png = os.path.join(d, "r.png")
    p = subprocess.run([sys.executable, PLOT, path, png], capture_output=True, text=True)
    check("plot_rank.py writes a PNG", p.returncode == 0 and
          open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n", p.stderr[-300:])
    p = subprocess.run([sys.executable, PLOT, os.path.join(d, "none.csv"), png],
                       capture_output=True, text=True)
    check("plot_rank.py: a missing CSV, exit 2", p.returncode == 2 and "none.csv" in p.stderr,
          p.stderr)


def ref_rank(X, T, Y, beta):
    """(filter, I(X;T), I(T;Y), objective), ascending by the objective."""
    rows = []
    for c, Tc in enumerate(T):
        ixt, ity = rr.mi(X, Tc), rr.mi(Tc, Y)
        rows.append((c, ixt, ity, ixt - beta * ity))
    return sorted(rows, key=lambda r: r[3])


def matches(stdout, ref, tol=2e-4):
    rows = ad.table(stdout, 5)
    return len(rows) == len(ref) and all(
        int(f[1]) == c and ad.close(float(f[2]), a, tol) and ad.close(float(f[3]), b, tol) and
        ad.close(float(f[4]), o, tol) for f, (c, a, b, o) in zip(rows, ref))


def against_numpy(d):
    case = ad.make_case(d, n=160, seed=11)
    X, T, Y = ad.ref_grams(case["x"], case["y"])
    for beta in ("2", "0.5", "0"):
        r = rank(case, "-samples", 160, "-batches", 1, *(["-beta", beta] if beta != "2" else []))
        check("beta %s: every value equals numpy's, in numpy's order" % beta,
              r.returncode == 0 and matches(r.stdout, ref_rank(X, T, Y, float(beta))),
              r.stdout[-900:] + r.stderr[-300:])


def conv_case(d, n=96, side=4, filters=3):
    """Images side x side, a 3x3 convolution (pad 1, linear) with random weights except a dead
    last filter, then a connected layer and a softmax; the labels: which half is brighter."""
    rng = np.random.default_rng(17)
    pix = rng.integers(0, 256, size=(n, side, side))
    y = (pix[:, : side // 2].sum(axis=(1, 2)) > pix[:, side // 2:].sum(axis=(1, 2))).astype(int)
    ad.write_idx(os.path.join(d, "x.gz"), pix, 0x803)
    ad.write_idx(os.path.join(d, "y.gz"), y, 0x801)
    data = os.path.join(d, "conv.data")
    with open(data, "w") as f:
        f.write(f"classes=2\nvalid={d}/x.gz\nvalid_labels={d}/y.gz\n")
    cfg = os.path.join(d, "conv.cfg")
    with open(cfg, "w") as f:
        f.write(f"[net]\nbatch=32\nheight={side}\nwidth={side}\nchannels=1\n\n"
                f"[convolutional]\nfilters={filters}\nsize=3\nstride=1\npad=1\nactivation=linear"
                f"\n\n[connected]\noutput=2\nactivation=linear\n\n[softmax]\n")
    w = rng.normal(size=(filters, 1, 3, 3)).astype("<f4")
    b = rng.normal(size=filters).astype("<f4")
    w[-1], b[-1] = 0, 0
    weights = os.path.join(d, "conv.weights")
    with open(weights, "wb") as f:
        f.write(struct.pack("<iiiQ", 0, 2, 0, 0))
        f.write(b.tobytes() + w.tobytes())  # conv: biases, then weights [f][c][ky][kx]
        f.write(np.zeros(2 + 2 * filters * side * side, "<f4").tobytes())
    x = pix / 255.0
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    maps = np.zeros((n, filters, side, side))
    for ky in range(3):
        for kx in range(3):
            maps += w[None, :, 0, ky, kx, None, None] * padded[:, None, ky:ky + side, kx:kx + side]
    maps += b[None, :, None, None]
    return {"data": data, "cfg": cfg, "weights": weights, "x": x.reshape(n, -1),
            "maps": maps.reshape(n, filters, -1), "y": y}


def conv_layer(d):
    case = conv_case(d)
    n, C, hw = case["maps"].shape
    s = rr.width(case["maps"].reshape(n, -1), "silverman-dim", 0.5)  # the layer's width
    T = [rr.rbf_gram_width(case["maps"][:, c], s) for c in range(C)]
    X = rr.rbf_gram(case["x"], rr.width(case["x"], "silverman-dim", 0.5))
    Y = rr.label_gram(case["y"])
    ref = ref_rank(X, T, Y, 2.0)
    r = rank(case, "-samples", n, "-batches", 1)
    check("a conv layer: 3 maps of 4x4", r.returncode == 0 and "3 maps of 4x4" in r.stdout,
          r.stdout[:300] + r.stderr[-300:])
    check("a conv layer: every value equals numpy's on Darknet's maps",
          matches(r.stdout, ref), r.stdout[-600:] + "\nref %s" % ref)
    dead = [f for f in ad.table(r.stdout, 5) if f[1] == str(C - 1)]
    check("a dead map carries nothing", dead and all(float(v) == 0 for v in dead[0][2:]),
          str(dead))


def bad_input(d):
    case = ad.make_case(d)
    for name, extra, needle in [("-beta -1", ["-beta", "-1"], "-beta"),
                                ("-beta abc", ["-beta", "abc"], "abc"),
                                ("-beta inf", ["-beta", "inf"], "inf"),
                                ("-samples 1", ["-samples", "1"], "-samples"),
                                ("-batches 0", ["-batches", "0"], "-batches")]:
        r = rank(case, *extra)
        msg = r.stderr.strip().splitlines()
        check("%s: exit 2 and one line naming it" % name,
              r.returncode == 2 and msg and needle in msg[-1] and
              msg[-1].startswith("infomonitor rank: "), "%d %r" % (r.returncode, r.stderr))
    r = rank(case, layer=2)
    check("-layer 2 (a softmax): exit 2 naming it", r.returncode == 2 and "[softmax]" in r.stderr,
          r.stderr[-300:])
    r = ad.run(EXE, "rank", case["data"], case["cfg"], case["cfg"], "-layer", 0)
    check("a cfg as weights: exit 2", r.returncode == 2 and "sel.cfg" in r.stderr, r.stderr[-300:])
    r = ad.run(EXE, "rank", "--help")
    check("--help", r.returncode == 0 and "-beta B" in r.stdout)


def main():
    ad.run_each(informative_first, against_numpy, conv_layer, bad_input)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
