"""Generated data with a known structure for the analyses of a trained layer
(tests/test_width.py, tests/test_rank.py): D variables, the labels a
function of three of them, and a network whose layer 0 is an identity
connected layer (T = X, so the filters are the variables themselves).

    d = make_case(folder)   -> dict with data, cfg, weights, x, y, informative

and what the tests of both share: running the CLI, reading its table, the
numpy Gram matrices of the default width rule (through tests/ref_renyi.py).
"""
import os
import struct
import subprocess
import tempfile

import numpy as np

import ref_renyi as rr
from test_train import write_idx

D = 10                   # variables (layer 0's units)
INFORMATIVE = (1, 4, 7)  # Y = 4 [x1 > 1/2] + 2 [x4 > 1/2] + [x7 > 1/2]
CLASSES = 8


def labels_of(pix):
    """The class of each row of 0..255 pixels: the three informative bits."""
    b = (pix[:, list(INFORMATIVE)] / 255.0 > 0.5).astype(int)
    return 4 * b[:, 0] + 2 * b[:, 1] + b[:, 2]


def cfg_text(batch, monitors):
    mon = "\n[infomonitor]\nname=identity\n" if monitors else ""
    return (f"[net]\nbatch={batch}\nsubdivisions=1\nheight=1\nwidth={D}\nchannels=1\n\n"
            f"[connected]\noutput={D}\nactivation=linear\n{mon}\n"
            f"[connected]\noutput={CLASSES}\nactivation=linear\n\n[softmax]\n")


def write_weights(path, first):
    """Darknet weights (header 0.2.0, seen as size_t) for cfg_text: layer 0
    biases 0 and the D x D matrix `first` (row o holds output o's weights),
    layer 1 zeros.  The size is the layout's: biases, then weights, per
    connected layer."""
    with open(path, "wb") as f:
        f.write(struct.pack("<iiiQ", 0, 2, 0, 0))
        f.write(np.zeros(D, "<f4").tobytes())
        f.write(np.asarray(first, "<f4").tobytes())
        f.write(np.zeros(CLASSES + CLASSES * D, "<f4").tobytes())


def make_case(folder, n=1024, seed=3, batch=64, monitors=False):
    rng = np.random.default_rng(seed)
    pix = rng.integers(0, 256, size=(n, 1, D))
    y = labels_of(pix[:, 0, :])
    write_idx(os.path.join(folder, "x.gz"), pix, 0x803)
    write_idx(os.path.join(folder, "y.gz"), y, 0x801)
    data = os.path.join(folder, "sel.data")
    with open(data, "w") as f:
        f.write(f"classes={CLASSES}\nvalid={folder}/x.gz\nvalid_labels={folder}/y.gz\n"
                f"backup={folder}/backup\n")
    cfg = os.path.join(folder, "sel.cfg")
    with open(cfg, "w") as f:
        f.write(cfg_text(batch, monitors))
    weights = os.path.join(folder, "sel.weights")
    write_weights(weights, np.eye(D))
    return {"data": data, "cfg": cfg, "weights": weights, "x": pix[:, 0, :] / 255.0, "y": y,
            "informative": INFORMATIVE}


def run(exe, *args):
    """Run the CLI; the CompletedProcess (text)."""
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True)


def table(stdout, ncols):
    """The rows of a command's table: the lines that start with a step or rank number and have
    ncols fields, as lists of strings."""
    out = []
    for line in stdout.splitlines():
        f = line.split()
        if len(f) == ncols and f[0].isdigit():
            out.append(f)
    return out


def ref_grams(x, y):
    """Independent numpy Gram matrices of the default width rule (silverman-dim, h = 0.5): one
    width for the whole layer (s and d of all its values), each variable its own matrix; the
    input X (here the same values) one variable; Y the delta kernel."""
    s = rr.width(x, "silverman-dim", 0.5)
    T = [rr.rbf_gram(x[:, [c]], s) for c in range(x.shape[1])]
    return rr.rbf_gram(x, rr.width(x, "silverman-dim", 0.5)), T, rr.label_gram(y)


def close(got, want, atol=1e-4, rtol=1e-3):
    """The tolerance of tests/test_cli.py against ref_renyi (the fp32 engines)."""
    return abs(got - want) <= atol + rtol * abs(want)


def run_each(*cases):
    """Call each case(folder) with a fresh folder of its own name under one
    temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory() as d:
        for fn in cases:
            sub = os.path.join(d, fn.__name__)
            os.mkdir(sub)
            fn(sub)
