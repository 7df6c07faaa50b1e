#!/usr/bin/python3
"""End-to-end tests of `./infomonitor train` and `valid` on a tiny generated
IDX data set (well under a minute):
  - Darknet's log line on stdout, one per iteration, in Darknet's format;
  - the metrics CSV: exact header, one row per monitor per measured
    iteration (every=N honoured), empty cells for quantities that are off,
    finite values, appended on resume;
  - monitoring does not change training: the loss lines are bit-identical
    with and without [infomonitor] sections for the same seed;
  - weights files, the accuracy CSV, and `valid`;
  - a diverging learning rate: `nan` in the CSV, a warning, training goes on,
    and the collapse is diagnosed; a saturated monitor is warned about once,
    a normal run gets no diagnostic warning;
  - bad input (cfg, .data, IDX, flags, a GPU-built libdarknet): exit status
    != 0 and a message naming the file and line or key.
usage: test_cli.py [path/to/infomonitor]
"""
import csv
import gzip
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np

from tap import check, summary

EXE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./infomonitor")
COLUMNS = ("iteration,epoch,loss,avg_loss,rate,seconds,monitor,layer,n,C,sigma_x,sigma_t,"
           "sigma_delta,H_X,H_T,H_Y,I_XT,I_TY,I_delta,H_dK,sat_T,dead,rs,wnr,rs_pct,wnr_pct,wnr_y").split(",")
LOG_RE = re.compile(r"^(\d+), (\d+\.\d{3}): (\S+), (\S+) avg, (\S+) rate, (\S+) seconds, (\d+) images$")

def write_idx(path, arr, magic):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">I", magic))
        for d in arr.shape:
            f.write(struct.pack(">I", d))
        f.write(arr.astype(np.uint8).tobytes())


def make_data(d):
    """3 classes of 8x8 images: a bright row band per class, plus noise."""
    rng = np.random.default_rng(5)
    for split, n in (("train", 96), ("t10k", 48)):
        y = np.arange(n) % 3
        x = rng.integers(0, 60, size=(n, 8, 8))
        for i in range(n):
            x[i, 1 + 2 * y[i]:3 + 2 * y[i], :] += 180
        write_idx(f"{d}/{split}-images-idx3-ubyte.gz", x, 0x803)
        write_idx(f"{d}/{split}-labels-idx1-ubyte.gz", y, 0x801)


def data_file(d, name="tiny.data", **over):
    keys = {"classes": "3", "train": f"{d}/train-images-idx3-ubyte.gz",
            "train_labels": f"{d}/train-labels-idx1-ubyte.gz",
            "valid": f"{d}/t10k-images-idx3-ubyte.gz",
            "valid_labels": f"{d}/t10k-labels-idx1-ubyte.gz", "backup": f"{d}/backup", "top": "2"}
    keys.update(over)
    path = f"{d}/{name}"
    with open(path, "w") as f:
        for k, v in keys.items():
            if v is not None:
                f.write(f"{k}={v}\n")
    return path


def cfg_file(d, name, monitors=True, lr="0.05", max_batches=12, extra_monitor=""):
    mon = lambda text: text if monitors else ""
    text = f"""[net]
batch=16
subdivisions=1
height=8
width=8
channels=1
learning_rate={lr}
momentum=0.9
decay=0
max_batches={max_batches}

[convolutional]
filters=4
size=3
stride=1
pad=0
activation=relu
{mon(f'''
[infomonitor]
name=conv1
quantities=ixt,ity,mmi,delta,pid
{extra_monitor}''')}
[connected]
output=3
activation=linear
{mon('''
[infomonitor]
every=4
quantities=ixt,ity
''')}
[softmax]
"""
    path = f"{d}/{name}"
    with open(path, "w") as f:
        f.write(text)
    return path


def run(*args, env=None):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120, env=env)


def read_csv(path):
    with open(path) as f:
        return list(csv.reader(f))


def main():
    with tempfile.TemporaryDirectory() as d:
        make_data(d)
        data = data_file(d)
        cfg = cfg_file(d, "net.cfg")
        r = run("train", data, cfg, "-seed", "7")
        check("train exits 0", r.returncode == 0, r.stderr[-800:])
        lines = [l for l in r.stdout.splitlines() if LOG_RE.match(l)]
        check("12 Darknet log lines", len(lines) == 12, r.stdout[:500])
        check("iterations 1..12 in order",
              [int(LOG_RE.match(l).group(1)) for l in lines] == list(range(1, 13)))
        check("images count = 16 per iteration", lines and LOG_RE.match(lines[-1]).group(7) == "192")
        check("epoch lines with accuracy", "epoch 1: valid top-1" in r.stdout, r.stdout[-300:])
        log = f"{d}/backup/net.metrics.csv"
        rows = read_csv(log) if os.path.exists(log) else [[]]
        check("CSV header", rows[0] == COLUMNS, rows[0])
        body = rows[1:]
        conv = [x for x in body if x[6] == "conv1"]
        fc = [x for x in body if x[6] == "fc1"]
        check("conv1 measured every iteration", [int(x[0]) for x in conv] == list(range(1, 13)))
        check("fc1 (every=4) measured at 1, 5, 9", [int(x[0]) for x in fc] == [1, 5, 9])
        col = {c: i for i, c in enumerate(COLUMNS)}
        check("conv1 has C=4 and n=16", all(x[col["C"]] == "4" and x[col["n"]] == "16" for x in conv))
        num = ["H_X", "H_T", "H_Y", "I_XT", "I_TY", "I_delta", "H_dK", "rs", "wnr", "rs_pct",
               "wnr_pct", "wnr_y"]
        check("conv1 quantities all present and finite",
              all(np.isfinite(float(x[col[c]])) for x in conv for c in num))
        check("fc1 leaves delta and pid cells empty",
              all(x[col[c]] == "" for x in fc for c in ("I_delta", "H_dK", "sigma_delta", "rs", "wnr_y")))
        check("fc1 quantities finite", all(np.isfinite(float(x[col[c]])) for x in fc
                                           for c in ("H_X", "H_T", "I_XT", "I_TY")))
        check("sat_T = H_T / log2 n, dead = 0",
              all(abs(float(x[col["sat_T"]]) - float(x[col["H_T"]]) / 4.0) <= 1e-6 and
                  x[col["dead"]] == "0" for x in conv))
        check("a normal run gives no diagnostic warning",
              not any(w in r.stderr for w in ("saturated", "collapsed", "are dead")),
              r.stderr[-600:])
        check("I(delta_K;delta_k) <= H(delta_K)",
              all(float(x[col["I_delta"]]) <= float(x[col["H_dK"]]) + 1e-6 for x in conv))
        check("I(X;T) <= H(X) and I(T;Y) <= H(Y)",
              all(float(x[col["I_XT"]]) <= float(x[col["H_X"]]) + 1e-6 and
                  float(x[col["I_TY"]]) <= float(x[col["H_Y"]]) + 1e-6 for x in body))
        check("CSV loss equals the log line's",
              all(f"{float(x[2]):.6f}" == LOG_RE.match(lines[int(x[0]) - 1]).group(3) for x in conv))
        for f in ("net.weights", "net_2.weights", "net.accuracy.csv"):
            check(f"file {f}", os.path.exists(f"{d}/backup/{f}"))

        # Monitoring does not change training.
        plain = cfg_file(d, "net.cfg.plain", monitors=False)
        os.makedirs(f"{d}/b2", exist_ok=True)
        r2 = run("train", data_file(d, "plain.data", backup=f"{d}/b2"), plain, "-seed", "7")
        loss = lambda out: [LOG_RE.match(l).group(3, 4) for l in out.splitlines() if LOG_RE.match(l)]
        check("loss sequence bit-identical without monitors", loss(r.stdout) == loss(r2.stdout) and
              len(loss(r.stdout)) == 12, f"{loss(r.stdout)[:3]} vs {loss(r2.stdout)[:3]}")
        r3 = run("train", data, cfg, "-seed", "8", "-log", f"{d}/other.csv")
        check("another seed gives another loss sequence", loss(r3.stdout) != loss(r.stdout))

        # The monitor's backend option: the LAPACKE reference gives the same
        # metrics as the default (fastest) back end, within the fp32 engine's
        # stated 1e-4 bits; the log names the back end.
        ref = cfg_file(d, "ref.cfg", extra_monitor="backend=cpu-ref\n")
        rr = run("train", data_file(d, "ref.data", backup=f"{d}/bref"), ref, "-seed", "7",
                 "-log", f"{d}/ref.csv")
        check("backend=cpu-ref named in the log", "spectra on cpu-ref" in rr.stderr,
              rr.stderr[-300:])
        rref = [x for x in read_csv(f"{d}/ref.csv")[1:] if x[6] == "conv1"]
        diff = max((abs(float(a[col[c]]) - float(b[col[c]])) for a, b in zip(conv, rref)
                    for c in num), default=float("inf"))
        check("backend=cpu-ref agrees with the default within 1e-4 bits",
              len(rref) == len(conv) and diff <= 1e-4, f"max diff {diff}")

        # A monitor after the softmax must not wipe its gradient, with or
        # without measuring.
        tail = f"{d}/tail.cfg"
        with open(tail, "w") as f:
            f.write(open(plain).read() + "\n[infomonitor]\nname=prob\nquantities=ixt,ity\n")
        for flag in ([], ["-no-monitors"]):
            rt = run("train", data_file(d, "tail.data", backup=f"{d}/b3"), tail, "-seed", "7",
                     "-log", f"{d}/tail.csv", *flag)
            check(f"monitor after softmax keeps training identical {flag}",
                  loss(rt.stdout) == loss(r2.stdout), rt.stderr[-300:])

        # valid
        rv = run("valid", data, cfg, f"{d}/backup/net.weights")
        m = re.search(r"top-1: ([0-9.]+), top-2: ([0-9.]+) \(48 images\)", rv.stdout)
        check("valid prints top-1/top-2", rv.returncode == 0 and m, rv.stdout + rv.stderr[-300:])

        # Resume: appended, one header.
        r4 = run("train", data, cfg, f"{d}/backup/net.weights", "-seed", "7", "-epochs", "1")
        rows2 = read_csv(log)
        check("resume appends to the CSV with one header",
              r4.returncode == 0 and len(rows2) > len(rows) and
              sum(1 for x in rows2 if x and x[0] == "iteration") == 1, r4.stderr[-300:])
        first_it = [int(x[0]) for x in rows2[len(rows):]]
        check("resumed iterations continue from 12", first_it and min(first_it) == 13, first_it[:3])

        # Divergence: nan in the CSV, a warning, all iterations run.
        div = cfg_file(d, "div.cfg", lr="1e9", max_batches=10)
        rd = run("train", data, div, "-seed", "1", "-log", f"{d}/div.csv")
        dl = [l for l in rd.stdout.splitlines() if LOG_RE.match(l)]
        check("diverging run completes", rd.returncode == 0 and len(dl) == 10, rd.stderr[-400:])
        check("diverging run warns", "nan" in rd.stderr.lower(), rd.stderr[-400:])
        dv = read_csv(f"{d}/div.csv")[1:] if os.path.exists(f"{d}/div.csv") else []
        check("diverging run logs nan", any("nan" in x for x in dv), dv[-1:] if dv else "no csv")
        check("diverging run is diagnosed as collapsed", "the run has collapsed" in rd.stderr,
              rd.stderr[-600:])
        sat = cfg_file(d, "sat.cfg", extra_monitor="h=0.01\n")
        rs = run("train", data, sat, "-seed", "7", "-log", f"{d}/sat.csv")
        sw = [l for l in rs.stderr.splitlines() if "is saturated" in l]
        check("a saturated monitor (h = 0.01 for X and T) is warned about once, and X once",
              rs.returncode == 0 and len(sw) == 2 and
              sum("monitor conv1 is saturated (H_T" in l for l in sw) == 1 and
              sum("the input X is saturated (H_X" in l for l in sw) == 1, rs.stderr[-600:])

        # Bad input.
        def bad(name, args, needles, env=None):
            rb = run(*args, env=env)
            msg = rb.stderr.strip().splitlines()[-1] if rb.stderr.strip() else ""
            ok = rb.returncode not in (0, None) and all(n in msg for n in needles)
            check(f"bad input: {name}", ok, f"rc={rb.returncode} msg={msg!r}")

        first = f"{d}/first.cfg"
        with open(first, "w") as f:
            f.write("[net]\nbatch=16\nheight=8\nwidth=8\nchannels=1\n\n[infomonitor]\n[softmax]\n")
        bad("monitor as first layer", ["train", data, first], [first + ":7:", "first layer"])
        nolab = f"{d}/nolabels.cfg"
        with open(nolab, "w") as f:
            f.write("[net]\nbatch=16\nheight=8\nwidth=8\nchannels=1\n\n[connected]\noutput=3\n\n"
                    "[infomonitor]\nkernel_width=align\nquantities=ixt\n")
        bad("kernel_width = align without class labels (no [softmax])", ["train", data, nolab],
            [nolab + ":10:", "align", "labels"])
        badopt = cfg_file(d, "badopt.cfg", extra_monitor="alpha=0\n")
        bad("bad monitor option", ["train", data, badopt], [badopt + ":", "alpha = '0'"])
        unk = cfg_file(d, "unk.cfg", extra_monitor="colour=red\n")
        bad("unknown monitor key", ["train", data, unk], [unk + ":", "'colour'"])
        bad("missing cfg", ["train", data, f"{d}/nope.cfg"], [f"{d}/nope.cfg"])
        bad("missing .data", ["train", f"{d}/nope.data", cfg], [f"{d}/nope.data"])
        bad("missing train file", ["train", data_file(d, "m.data", train=f"{d}/gone.gz"), cfg],
            [f"{d}/gone.gz"])
        bad("wrong class count", ["train", data_file(d, "c.data", classes="5"), cfg],
            ["c.data", "classes"])
        bad("unknown .data key", ["train", data_file(d, "k.data", colour="red"), cfg],
            ["k.data", "colour"])
        with open(f"{d}/badmagic.gz", "wb") as f:
            f.write(gzip.compress(b"\x00\x00\x08\x04" + b"\x00" * 64))
        bad("IDX bad magic", ["train", data_file(d, "bm.data", train=f"{d}/badmagic.gz"), cfg],
            [f"{d}/badmagic.gz"])
        x = np.zeros((10, 8, 8))
        write_idx(f"{d}/short-images.gz", x, 0x803)
        with gzip.open(f"{d}/short-images.gz", "rb") as f:
            raw = f.read()
        with gzip.open(f"{d}/trunc-images.gz", "wb") as f:
            f.write(raw[:-20])
        bad("IDX truncated", ["train", data_file(d, "tr.data", train=f"{d}/trunc-images.gz"), cfg],
            [f"{d}/trunc-images.gz"])
        bad("IDX label count mismatch", ["train", data_file(d, "lc.data", train=f"{d}/short-images.gz"),
                                         cfg], ["label"])
        bad("unknown flag", ["train", data, cfg, "-bogus"], ["-bogus"])
        ro = f"{d}/readonly"
        os.makedirs(ro, exist_ok=True)
        os.chmod(ro, 0o500)
        if os.geteuid() != 0:
            bad("backup folder not writable", ["train", data_file(d, "ro.data", backup=ro), cfg],
                [ro, "not writable"])
        bad("bad seed", ["train", data, cfg, "-seed", "x1"], ["-seed", "x1"])
        bad("missing weights", ["train", data, cfg, f"{d}/none.weights"], [f"{d}/none.weights"])

        # A libdarknet built with GPU fields is refused.
        src = f"{d}/fakecuda.c"
        with open(src, "w") as f:
            f.write("void cuda_pull_array(float *x, float *y, unsigned long n) { (void)x; (void)y; (void)n; }\n")
        cc = subprocess.run(["cc", "-shared", "-fPIC", src, "-o", f"{d}/libfakecuda.so"],
                            capture_output=True, text=True)
        env = dict(os.environ, LD_PRELOAD=f"{d}/libfakecuda.so")
        if "asan" in EXE:
            env["ASAN_OPTIONS"] = "verify_asan_link_order=0:detect_leaks=0"
        if cc.returncode == 0:
            bad("GPU libdarknet refused", ["train", data, cfg], ["GPU", "-DGPU"], env=env)
        else:
            check("compile fake GPU symbol", False, cc.stderr)
    sys.exit(summary())


if __name__ == "__main__":
    main()
