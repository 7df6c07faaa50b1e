#!/usr/bin/python3
"""Tests of scripts/sweep.py on a tiny generated IDX set (tests/test_train.py's
make_data and cfg_file; about 20 s):
  - a two-topology sweep (conv1.filters=2,4 x seeds 2,3, 2 epochs) writes
    sweep.csv, mmi.png and pid.png, and progress lines (run k of N, the
    topology and seed, elapsed) on stderr;
  - every run row of sweep.csv equals the per-epoch means recomputed here with
    csv and numpy from that run's metrics.csv (conv1's I_XT, H_X, rs_pct,
    wnr_pct, rs, wnr, wnr_y over the iterations of epoch k: up to the one
    that ended it in the accuracy CSV, whose top-1 it gets; 90 training
    samples in batches of 16, so that epoch 1 ends past an epoch of 1.0) and
    every mean row the mean of the recomputed values over the seeds;
  - a run made to collapse (learning rate 1e20: NaN from the second step, for
    any seed; 1e9, tests/test_train.py's diverging case, converges for some)
    is marked collapsed, left out of its topology's means (status none,
    left_out naming the seed), and the note says so;
  - a run whose train exits non-zero (an --exe wrapper) is marked failed, and
    the sweep exits 1 naming it;
  - the pid columns leave out iterations with fewer than two live maps (a generated
    metrics.csv whose pid cells are empty there, as the monitors write them);
  - the x axis: the one --set key that varies gives a numeric axis (beside keys with one
    value each), two varying keys or a non-numeric one the topologies in order;
  - bad input: an unknown section, an unknown key (through `infomonitor
    check`), a malformed --set, no seeds, bad seeds: exit status 2, one line
    naming it, nothing trained.
usage: test_sweep.py [path/to/infomonitor]
"""
import csv
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import test_train as tt
from tap import check, summary

EXE = tt.EXE
SWEEP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "sweep.py")
QUANT = {"mmi": "I_XT", "H_X": "H_X", "rs_pct": "rs_pct", "wnr_pct": "wnr_pct", "rs": "rs",
         "wnr": "wnr", "wnr_y": "wnr_y"}


def sweep(*args):
    t0 = time.time()
    r = subprocess.run([sys.executable, SWEEP, *args, "--exe", EXE], capture_output=True,
                       text=True, timeout=300)
    return r, time.time() - t0


def read_dicts(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def small_train_set(d, n=90):
    """Cut the training split to n samples, not a multiple of the batch (16): epoch 1
    then ends at iteration 6 (96 images seen), whose epoch column reads 1.0667."""
    for kind, magic in (("images-idx3", 0x803), ("labels-idx1", 0x801)):
        path = f"{d}/train-{kind}-ubyte.gz"
        tt.write_idx(path, tt.read_idx(path)[:n], magic)


def expected(run_dir, monitor="conv1"):
    """{epoch: {column: mean}} of one run, recomputed from its metrics.csv: epoch k
    is the iterations up to the one that ended it in the accuracy CSV (after the
    one that ended k-1), whose top1 it gets."""
    acc = read_dicts(f"{run_dir}/net.accuracy.csv")
    ends = [(int(r["epoch"]), int(r["iteration"]), float(r["top1"])) for r in acc]
    rows = [r for r in read_dicts(f"{run_dir}/metrics.csv") if r["monitor"] == monitor]
    out = {}
    for e, end, top1 in ends:
        start = max([x[1] for x in ends if x[0] < e], default=0)
        sel = [r for r in rows if start < int(r["iteration"]) <= end]
        out[e] = {q: float(np.mean([float(r[c]) for r in sel])) for q, c in QUANT.items()}
        out[e]["top1"] = top1
    return out


def close(a, b):
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def same_values(row, want):
    return all(row[q] != "" and close(float(row[q]), v) for q, v in want.items())


def two_topologies(d, data, base):
    out = f"{d}/A"
    r, secs = sweep(base, "--set", "conv1.filters=2,4", "--seeds", "2,3", "--epochs", "2",
                    "--data", data, "--out", out, "--jobs", "2")
    check("two-topology sweep exits 0 (%.1f s)" % secs, r.returncode == 0, r.stderr[-800:])
    ends = [r["iteration"] for r in read_dicts(f"{out}/2-s2/net.accuracy.csv")]
    check("epochs end at iterations 6 and 12 (90 samples, batch 16)", ends == ["6", "12"], ends)
    for f in ("sweep.csv", "mmi.png", "pid.png"):
        p = f"{out}/{f}"
        ok = os.path.exists(p) and (f.endswith(".csv") or open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n")
        check(f"writes {f}", ok and os.path.getsize(p) > 100)
    check("progress lines: run k of 4, topology, seed, elapsed",
          all(f"run {k} of 4" in r.stderr for k in range(1, 5)) and
          "topology 2, seed 2" in r.stderr and "topology 4, seed 3" in r.stderr and
          "elapsed" in r.stderr, r.stderr[-600:])
    check("stdout: no run left out", "no run left out" in r.stdout, r.stdout)
    rows = read_dicts(f"{out}/sweep.csv")
    runs = [x for x in rows if x["kind"] == "run"]
    check("one run row per topology, seed and epoch (conv1 only), all ok",
          sorted((x["topology"], x["seed"], x["epoch"]) for x in runs) ==
          sorted((t, s, e) for t in ("2", "4") for s in ("2", "3") for e in ("1", "2")) and
          all(x["status"] == "ok" and x["monitor"] == "conv1" and x["conv1.filters"] == x["topology"]
              and x["C"] == x["topology"] for x in runs), runs[:2])
    want = {(t, s): expected(f"{out}/{t}-s{s}") for t in ("2", "4") for s in ("2", "3")}
    bad = [(x["topology"], x["seed"], x["epoch"]) for x in runs
           if not same_values(x, want[(x["topology"], x["seed"])][int(x["epoch"])])]
    check("run rows equal the per-epoch means recomputed from each run's metrics.csv",
          not bad, bad)
    means = [x for x in rows if x["kind"] == "mean"]
    bad = []
    for x in means:
        per_seed = [want[(x["topology"], s)][int(x["epoch"])] for s in ("2", "3")]
        avg = {q: float(np.mean([p[q] for p in per_seed])) for q in per_seed[0]}
        if not (same_values(x, avg) and x["seed"] == "2 3" and x["left_out"] == ""):
            bad.append((x["topology"], x["epoch"]))
    check("mean rows (2 topologies x 2 epochs) are the seeds' means", len(means) == 4 and not bad,
          bad)
    t0 = os.path.getmtime(f"{out}/2-s2/metrics.csv")
    r2, secs2 = sweep(base, "--set", "conv1.filters=2,4", "--seeds", "2,3", "--epochs", "2",
                      "--data", data, "--out", out)
    check("a second sweep trains nothing again (%.1f s)" % secs2,
          r2.returncode == 0 and "training" not in r2.stderr and
          os.path.getmtime(f"{out}/2-s2/metrics.csv") == t0, r2.stderr[-300:])
    return secs


def collapse(d, data, base):
    out = f"{d}/B"
    r, secs = sweep(base, "--set", "net.learning_rate=0.05,1e20", "--seeds", "2", "--epochs", "2",
                    "--data", data, "--out", out)
    check("sweep with a diverging learning rate exits 0", r.returncode == 0, r.stderr[-600:])
    with open(f"{out}/1e20-s2/stderr") as f:
        check("the lr = 1e20 run collapsed (train's warning)", "the run has collapsed" in f.read())
    rows = read_dicts(f"{out}/sweep.csv")
    div = [x for x in rows if x["topology"] == "1e20"]
    good = [x for x in rows if x["topology"] == "0.05"]
    check("its run rows are marked collapsed, the other topology's ok",
          any(x["kind"] == "run" for x in div) and
          all(x["status"] == "collapsed" for x in div if x["kind"] == "run") and
          all(x["status"] == "ok" for x in good), div)
    m = [x for x in div if x["kind"] == "mean"]
    check("it is left out of the means: status none, left_out names seed 2",
          len(m) == 1 and m[0]["status"] == "none" and m[0]["left_out"] == "2 (collapsed)" and
          m[0]["mmi"] == "", m)
    check("the note names it", "left out of the means: 1e20 seed 2 (collapsed)" in r.stdout, r.stdout)
    return secs


def failed_run(d, data, base):
    """A train that exits non-zero (an --exe wrapper whose train fails, whose check
    is infomonitor's): the run is marked failed, and the sweep exits 1 naming it."""
    exe = f"{d}/failing-train"
    with open(exe, "w") as f:
        f.write('#!/bin/sh\nif [ "$1" = train ]; then echo "injected failure" >&2; exit 3; fi\n'
                'exec "%s" "$@"\n' % EXE)
    os.chmod(exe, 0o755)
    out = f"{d}/C"
    r = subprocess.run([sys.executable, SWEEP, base, "--set", "conv1.filters=2", "--seeds", "1",
                        "--epochs", "1", "--data", data, "--out", out, "--exe", exe],
                       capture_output=True, text=True, timeout=120)
    rows = read_dicts(f"{out}/sweep.csv") if os.path.exists(f"{out}/sweep.csv") else []
    check("a run whose train fails is marked failed; exit 1 naming it and its error",
          r.returncode == 1 and [x["status"] for x in rows] == ["failed", "none"] and
          "topology 2, seed 1 failed" in r.stderr and "injected failure" in r.stderr,
          f"rc={r.returncode} {rows} {r.stderr[-300:]}")


def bad_input(d, data, base):
    def bad(name, args, needles):
        out = f"{d}/bad-{len(os.listdir(d))}"
        r, _ = sweep(base, *args, "--epochs", "1", "--data", data, "--out", out)
        msg = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
        trained = [p for p, _, fs in os.walk(out) if "train.log" in fs] if os.path.isdir(out) else []
        check(f"bad input: {name}: exit 2, one line naming it, nothing trained",
              r.returncode == 2 and all(n in msg for n in needles) and not trained and
              len(r.stderr.strip().splitlines()) == 1, f"rc={r.returncode} {r.stderr!r}")

    seeds = ["--seeds", "1"]
    bad("unknown section conv3", ["--set", "conv3.filters=2"] + seeds,
        ["--set conv3.filters", "unknown section conv3", "1 [convolutional] section"])
    bad("unknown section type foo1", ["--set", "foo1.size=2"] + seeds, ["foo1", "unknown section"])
    bad("unknown key conv1.filterz", ["--set", "conv1.filterz=2,4"] + seeds,
        ["--set conv1.filterz=2", "filterz", "did you mean 'filters'"])
    bad("malformed --set (no =)", ["--set", "conv1.filters"] + seeds,
        ["'conv1.filters'", "SECTION.KEY=V1,V2"])
    bad("malformed --set (no section)", ["--set", "filters=2"] + seeds, ["'filters=2'"])
    bad("malformed --set (empty value)", ["--set", "conv1.filters=2,,4"] + seeds,
        ["'conv1.filters=2,,4'"])
    bad("no seeds", ["--set", "conv1.filters=2"], ["no seeds", "--seeds"])
    bad("empty --seeds", ["--set", "conv1.filters=2", "--seeds", ""], ["no seeds"])
    bad("bad seeds", ["--set", "conv1.filters=2", "--seeds", "1,x"], ["--seeds '1,x'"])
    bad("no --set", seeds, ["--set"])


def x_axis():
    """x_positions: the one key that varies gives a numeric axis, even beside fixed keys."""
    sys.path.insert(0, os.path.dirname(SWEEP))
    import sweep as sw

    class A:
        pass
    a = A()
    a.sets = [("conv1", "filters", ["6"]), ("conv2", "filters", ["4", "8", "32"])]
    res = {"6-%s" % v: (("6", v), [], [], {}) for v in ("4", "8", "32")}
    xs, ticks, name = sw.x_positions(a, res)
    check("x axis: the varying key's values beside a fixed key",
          xs == {"6-4": 4.0, "6-8": 8.0, "6-32": 32.0} and ticks is None
          and name == "conv2.filters", repr((xs, ticks, name)))
    a.sets = [("conv1", "filters", ["2", "4"]), ("conv2", "filters", ["8", "16"])]
    res = {"%s-%s" % (x, y): ((x, y), [], [], {}) for x in ("2", "4") for y in ("8", "16")}
    xs, ticks, name = sw.x_positions(a, res)
    check("x axis: two varying keys give the topologies in order",
          ticks == list(res) and name == "conv1.filters-conv2.filters", repr((xs, ticks, name)))
    a.sets = [("net", "policy", ["constant", "steps"])]
    res = {v: ((v,), [], [], {}) for v in ("constant", "steps")}
    xs, ticks, name = sw.x_positions(a, res)
    check("x axis: a non-numeric key gives the topologies in order", ticks == list(res))


def dead_pairs(d):
    """run_rows: the empty pid cells of an iteration with fewer than 2 live maps (not
    measured, as the monitors write them) are left out of the epoch's means."""
    sys.path.insert(0, os.path.dirname(SWEEP))
    import sweep as sw
    cols = ("iteration,epoch,loss,avg_loss,rate,seconds,monitor,layer,n,C,sigma_x,sigma_t,"
            "sigma_delta,H_X,H_T,H_Y,I_XT,I_TY,I_delta,H_dK,sat_T,dead,rs,wnr,rs_pct,wnr_pct,"
            "wnr_y,run").split(",")
    rows = []
    for it, dead in ((1, 0), (2, 0), (3, 2), (4, 3)):
        base = {"iteration": it, "epoch": it / 4, "loss": 1, "avg_loss": 1, "rate": 0.1,
                "seconds": 0.1, "layer": 0, "n": 16, "C": 3, "run": "r1"}
        rows.append(dict(base, monitor="m", H_X=2.0, I_XT=1.0, dead=dead))
        pct = 0.5 if dead < 2 else ""           # empty: no pair of live maps
        rows.append(dict(base, monitor="m-pid", rs=pct, wnr=pct, rs_pct=pct, wnr_pct=pct,
                         wnr_y=pct))
    with open(os.path.join(d, "metrics.csv"), "w") as f:
        f.write(",".join(cols) + "\n")
        for r in rows:
            f.write(",".join(str(r.get(c, "")) for c in cols) + "\n")
    with open(os.path.join(d, "net.accuracy.csv"), "w") as f:
        f.write("epoch,iteration,images,top1,top2\n1,4,64,0.5,0.7\n")
    with open(os.path.join(d, "train.log"), "w") as f:
        f.write("epoch 1: valid top-1 0.5\n")
    with open(os.path.join(d, "stderr"), "w") as f:
        f.write("")
    got, status = sw.run_rows("t", 1, d, 1)
    check("pid means leave out iterations with fewer than 2 live maps",
          status == "ok" and len(got) == 1 and close(got[0]["rs_pct"], 0.5)
          and close(got[0]["wnr_pct"], 0.5) and close(got[0]["mmi"], 1.0), repr(got))


def main():
    x_axis()
    with tempfile.TemporaryDirectory() as d:
        dead_pairs(d)
    with tempfile.TemporaryDirectory() as d:
        tt.make_data(d)
        small_train_set(d)
        data = tt.data_file(d)
        base = tt.cfg_file(d, "base.cfg")
        t0 = time.time()
        secs = two_topologies(d, data, base)
        collapse(d, data, base)
        failed_run(d, data, base)
        bad_input(d, data, base)
        print("# two-topology sweep (4 runs): %.1f s; the whole test: %.1f s" % (secs, time.time() - t0))
    sys.exit(summary())


if __name__ == "__main__":
    main()
