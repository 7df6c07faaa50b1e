#!/usr/bin/python3
"""Tests of `./infomonitor prune` through the real command:
  - the pruned network's forward pass (Darknet's own network_predict, run through ctypes in a
    child process) equals the original's with the dropped filters' outputs forced to zero
    (their biases and batch-norm scales set to 0 before a ReLU), for a conv layer with batch
    normalization read by a conv layer after a maxpool, one read by a connected layer after a
    maxpool, and a connected layer read by a connected one; by l1 and by random;
  - the weights file has the size tests/test_weights.py computes from the pruned cfg, and
    `valid` (which checks it against weights_layout.c) accepts the pair;
  - the cfg is the original line for line but K's count (comments and monitors kept);
  - -by ib keeps the informative variables of tests/analysis_data.py; -by l1 the filters of
    largest absolute weight sum, computed here; the same seed, the same draw;
  - refused, exit status 2: -keep outside (0, 1], a bad -by, a layer that feeds the softmax,
    a layer read by a [route], a layer that is not conv/connected.
usage: test_prune.py [path/to/infomonitor]
       test_prune.py --forward CFG WEIGHTS X.npy OUT.npy   (the child: Darknet's forward pass)
"""
import ctypes
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

import analysis_data as ad
from tap import check, summary

EXE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./infomonitor")
LIBDARKNET = "/usr/lib/darknet/libdarknet.so"


def forward_child(cfg, weights, x_path, out_path):
    """network_predict on the rows of X (exactly the cfg's batch), the outputs to OUT."""
    dn = ctypes.CDLL(LIBDARKNET)
    dn.load_network.restype = ctypes.c_void_p
    dn.load_network.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
    dn.network_predict.restype = ctypes.POINTER(ctypes.c_float)
    dn.network_predict.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float)]
    x = np.ascontiguousarray(np.load(x_path), dtype=np.float32)
    net = dn.load_network(cfg.encode(), weights.encode(), 0)
    out = dn.network_predict(net, x.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
    classes = int(sys.argv[6])
    np.save(out_path, np.ctypeslib.as_array(out, shape=(x.shape[0] * classes,)).copy())


def forward(d, cfg, weights, x, classes):
    xp, op = os.path.join(d, "x.npy"), os.path.join(d, "out.npy")
    np.save(xp, x)
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--forward", cfg, weights, xp,
                        op, str(classes)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-500:])
    return np.load(op).reshape(x.shape[0], classes)


# ---------------------------------------------------------------- networks with known weights

SIDE, BATCH, CLASSES = 6, 16, 3


def layer_specs(kind):
    """(cfg text, [(kind, shape info)]) of the three test networks; K is layer 0."""
    net = f"[net]\nbatch={BATCH}\nheight={SIDE}\nwidth={SIDE}\nchannels=1\n\n"
    conv_k = ("# K: 4 filters with batch norm\n[convolutional]\nbatch_normalize=1\nfilters=4\n"
              "size=3\nstride=1\npad=1\nactivation=relu\n\n")
    pool = "[maxpool]\nsize=2\nstride=2\n\n"
    tail = f"[connected]\noutput={CLASSES}\nactivation=linear\n\n[softmax]\n"
    if kind == "conv-conv":
        return net + conv_k + pool + ("[convolutional]\nfilters=3\nsize=3\nstride=1\npad=1\n"
                                      "activation=relu\n\n") + tail
    if kind == "conv-fc":
        return net + conv_k + pool + tail
    return net + ("[connected]\noutput=6\nactivation=relu\n\n[connected]\noutput=5\n"
                  "activation=relu\n\n") + tail


def random_weights(kind, rng):
    """Per layer, the arrays in file order, as numpy arrays."""
    if kind == "fc-fc":
        ins = SIDE * SIDE
        return [[rng.normal(size=6), rng.normal(size=(6, ins)) / 6],
                [rng.normal(size=5), rng.normal(size=(5, 6))],
                [rng.normal(size=CLASSES), rng.normal(size=(CLASSES, 5))]]
    k = [rng.normal(size=4), rng.uniform(0.5, 2, 4), rng.normal(size=4) * 0.1,
         rng.uniform(0.5, 2, 4), rng.normal(size=(4, 1, 3, 3))]
    if kind == "conv-conv":
        return [k, [rng.normal(size=3), rng.normal(size=(3, 4, 3, 3))],
                [rng.normal(size=CLASSES), rng.normal(size=(CLASSES, 3 * 9))]]
    return [k, [rng.normal(size=CLASSES), rng.normal(size=(CLASSES, 4 * 9))]]


def write_weights(path, layers):
    with open(path, "wb") as f:
        f.write(struct.pack("<iiiQ", 0, 2, 0, 0))
        for arrays in layers:
            for a in arrays:
                f.write(np.asarray(a, "<f4").tobytes())


def zeroed(kind, layers, dropped):
    """The original weights with the dropped filters of layer 0 giving 0: bias 0 (and scale 0
    under batch norm), so that ReLU(0) = 0."""
    z = [[np.array(a, dtype=float) for a in arrays] for arrays in layers]
    z[0][0][dropped] = 0
    if kind != "fc-fc":
        z[0][1][dropped] = 0
    else:
        z[0][1][dropped, :] = 0
    return z


def network_case(d, kind, seed):
    rng = np.random.default_rng(seed)
    cfg = os.path.join(d, kind + ".cfg")
    with open(cfg, "w") as f:
        f.write(layer_specs(kind))
    layers = random_weights(kind, rng)
    weights = os.path.join(d, kind + ".weights")
    write_weights(weights, layers)
    pix = rng.integers(0, 256, size=(64, SIDE, SIDE))
    y = rng.integers(0, CLASSES, size=64)
    ad.write_idx(os.path.join(d, "x.gz"), pix, 0x803)
    ad.write_idx(os.path.join(d, "y.gz"), y, 0x801)
    data = os.path.join(d, "net.data")
    with open(data, "w") as f:
        f.write(f"classes={CLASSES}\nvalid={d}/x.gz\nvalid_labels={d}/y.gz\n")
    return {"cfg": cfg, "weights": weights, "data": data, "layers": layers,
            "x": (pix[:BATCH] / 255.0).reshape(BATCH, -1)}


def kept_of(stdout):
    for line in stdout.splitlines():
        if line.startswith("keep "):
            return [int(v) for v in line.split(":")[1].split()]
    return None


def pruned_equals_zeroed(d, kind, by, seed):
    from test_weights import expected_bytes
    name = "%s by %s" % (kind, by)
    sub = os.path.join(d, kind + "-" + by)
    os.mkdir(sub)
    case = network_case(sub, kind, seed)
    out = os.path.join(sub, "small")
    r = ad.run(EXE, "prune", case["data"], case["cfg"], case["weights"], "-layer", 0, "-keep",
               0.5, "-by", by, "-out", out, "-seed", seed)
    if not check("%s: prune runs" % name, r.returncode == 0, r.stderr[-500:]):
        return
    kept = kept_of(r.stdout)
    C = 6 if kind == "fc-fc" else 4
    check("%s: keeps half of %d" % (name, C), kept is not None and len(kept) == C // 2, r.stdout)
    if by == "l1":
        l1 = np.abs(case["layers"][0][-1 if kind != "fc-fc" else 1].reshape(C, -1)).sum(axis=1)
        check("%s: the filters of largest absolute weight sum" % name,
              kept == sorted(np.argsort(-l1)[:C // 2].tolist()), "%s vs %s" % (kept, l1))
    dropped = [c for c in range(C) if c not in kept]
    zw = os.path.join(sub, "zeroed.weights")
    write_weights(zw, zeroed(kind, case["layers"], dropped))
    a = forward(sub, out + ".cfg", out + ".weights", case["x"], CLASSES)
    b = forward(sub, case["cfg"], zw, case["x"], CLASSES)
    check("%s: the pruned forward pass equals the original with dropped outputs 0" % name,
          np.allclose(a, b, rtol=1e-5, atol=1e-6) and not np.allclose(a, a[0]),
          "max |diff| %g" % np.max(np.abs(a - b)))
    check("%s: the weights file has the pruned cfg's size" % name,
          os.path.getsize(out + ".weights") == expected_bytes(out + ".cfg"),
          "%d vs %d" % (os.path.getsize(out + ".weights"), expected_bytes(out + ".cfg")))
    v = ad.run(EXE, "valid", case["data"], out + ".cfg", out + ".weights")
    check("%s: valid accepts the pair" % name, v.returncode == 0, v.stderr[-300:])
    orig, new = open(case["cfg"]).read().splitlines(), open(out + ".cfg").read().splitlines()
    diff = [(o, n) for o, n in zip(orig, new) if o != n]
    key = "output" if kind == "fc-fc" else "filters"
    check("%s: the cfg changes only K's %s" % (name, key), len(orig) == len(new) and
          diff == [("%s=%d" % (key, C), "%s=%d" % (key, C // 2))], str(diff))


def ib_keeps_informative(d):
    case = ad.make_case(d, monitors=True)
    out = os.path.join(d, "sel-small")
    r = ad.run(EXE, "prune", case["data"], case["cfg"], case["weights"], "-layer", 0, "-keep",
               0.3, "-samples", 128, "-batches", 8, "-out", out)
    check("-by ib keeps the informative variables 1, 4, 7", r.returncode == 0 and
          kept_of(r.stdout) == [1, 4, 7], r.stdout[-400:] + r.stderr[-300:])
    text = open(out + ".cfg").read() if os.path.exists(out + ".cfg") else ""
    check("the pruned cfg keeps the [infomonitor] section", "[infomonitor]\nname=identity" in text,
          text)
    again = [ad.run(EXE, "prune", case["data"], case["cfg"], case["weights"], "-layer", 0, "-keep",
                    0.5, "-by", "random", "-seed", 7, "-out", out + "r%d" % i) for i in (1, 2)]
    check("-by random: the same seed, the same filters", all(g.returncode == 0 for g in again) and
          kept_of(again[0].stdout) == kept_of(again[1].stdout), again[0].stderr[-300:])


def bad_input(d):
    case = ad.make_case(d)
    route, route_w = os.path.join(d, "route.cfg"), os.path.join(d, "route.weights")
    with open(route, "w") as f:  # layer 2 routes layer 0's outputs to layer 3
        f.write(ad.cfg_text(64, False).replace(
            "[softmax]", "[route]\nlayers=-2\n\n[connected]\noutput=8\nactivation=linear\n\n"
            "[softmax]"))
    write_weights(route_w, [[np.zeros(10), np.eye(10)], [np.zeros(8), np.zeros((8, 10))],
                            [np.zeros(8), np.zeros((8, 10))]])
    base = ["prune", case["data"], case["cfg"], case["weights"]]
    cases = [
        ("-keep 0", base + ["-layer", 0, "-keep", 0], "-keep"),
        ("-keep 1.5", base + ["-layer", 0, "-keep", 1.5], "(0, 1]"),
        ("no -keep", base + ["-layer", 0], "-keep"),
        ("-by foo", base + ["-layer", 0, "-keep", 0.5, "-by", "foo"], "foo"),
        ("a layer that feeds the softmax", base + ["-layer", 1, "-keep", 0.5], "[softmax]"),
        ("a softmax", base + ["-layer", 2, "-keep", 0.5], "[softmax]"),
        ("a layer a [route] reads", ["prune", case["data"], route, route_w, "-layer", 0, "-keep",
                                     0.5, "-by", "l1"], "[route]"),
    ]
    for name, args, needle in cases:
        r = ad.run(EXE, *args, "-out", os.path.join(d, "refused"))
        msg = r.stderr.strip().splitlines()
        check("%s: exit 2 naming it" % name, r.returncode == 2 and msg and needle in msg[-1],
              "%d %r" % (r.returncode, r.stderr[-300:]))
    check("nothing written by the refused runs", not any(
        f.startswith("refused") for f in os.listdir(d)), str(os.listdir(d)))
    r = ad.run(EXE, "prune", "--help")
    check("--help", r.returncode == 0 and "-keep F" in r.stdout)


def main():
    with tempfile.TemporaryDirectory() as d:
        for kind, by, seed in (("conv-conv", "l1", 1), ("conv-conv", "random", 2),
                               ("conv-fc", "l1", 3), ("fc-fc", "random", 4)):
            pruned_equals_zeroed(d, kind, by, seed)
        for fn in (ib_keeps_informative, bad_input):
            sub = os.path.join(d, fn.__name__)
            os.mkdir(sub)
            fn(sub)
    return summary()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--forward":
        forward_child(*sys.argv[2:6])
        sys.exit(0)
    sys.exit(main())
