#!/usr/bin/python3
"""Which kernel-width rule makes the estimator meet what the paper reports?

usage: width_study.py [--epochs E] [--out DIR] [--jobs J] [--only NAME,...]
                      [--acts relu,logistic] [--exe ./infomonitor] [--idx DIR]

Trains the paper's LeNet-5 (cfg/lenet5-relu.cfg, cfg/lenet5-logistic.cfg) on
Fashion-MNIST (or the gzipped IDX files of --idx DIR) for E epochs (default 5) once per width rule of RULES below,
same seed, with the cfgs' monitors (conv1, conv2, fc1, fc2 every iteration,
the conv pid monitors every 10), their kernel options replaced by the rule's.
Then, per run, the summary of scripts/lenet_runs.py (DPI shares of the
forward chain, of I(T;Y) and of the error chain, saturation, IP and M-IP
shapes, valid top-1, the diagnostics' warnings), one table row per run.

Writes DIR/study.csv, DIR/study.md (the table), and per run
DIR/RUN/{metrics.csv,train.log,stderr,*.cfg}.  A run whose CSV is already
complete is not trained again (delete its folder to redo it).  Progress goes
to stderr.  Bad arguments: one line on stderr, exit status 2.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lenet_runs as lr  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"
# name -> the monitor keys that replace the cfgs' kernel options ("default":
# none, the defaults this build chose from the other rows)
RULES = {
    "default": "",
    "silverman-h5": "kernel_width=silverman\nh=5\ndelta_h=0.1",
    "scaled-h5": "kernel_width=silverman-scaled\nh=5",
    "scaled-h1": "kernel_width=silverman-scaled\nh=1",
    "dim-h0.5": "kernel_width=silverman-dim\nh=0.5",
    "dim-h1": "kernel_width=silverman-dim\nh=1",
    "dim-h2": "kernel_width=silverman-dim\nh=2",
    "median-0.15": "kernel_width=median\nmedian=0.15",
    "median-0.5": "kernel_width=median\nmedian=0.5",
    "median-1": "kernel_width=median\nmedian=1",
    "align": "kernel_width=align",
}
KERNEL_KEYS = ("kernel_width", "h", "delta_h", "sigma", "median")
COLUMNS = ("rule", "act") + lr.SUMMARY
PROG = "width_study"


class UsageError(Exception):
    pass


def monitor_cfg(base, keys):
    """base's text with each [infomonitor] section's kernel keys replaced by keys."""
    out, in_mon = [], False
    for line in open(base).read().splitlines():
        s = line.strip()
        if s.startswith("["):
            in_mon = s == "[infomonitor]"
            out.append(line)
            if in_mon and keys:
                out.extend(keys.split("\n"))
            continue
        if in_mon and s.split("=", 1)[0].strip() in KERNEL_KEYS:
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def prepare(out, rule, act, epochs, idx):
    """The run's folder, cfg and .data; (name, argv, folder)."""
    name = "%s-%s" % (act, rule)
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(d, "lenet5-%s.cfg" % act)
    with open(cfg, "w") as f:
        f.write(monitor_cfg("cfg/lenet5-%s.cfg" % act, RULES[rule]))
    data = os.path.join(d, "lenet5.data")
    lr.data_file(data, idx, d)
    argv = ["train", data, cfg, "-epochs", str(epochs), "-seed", "1",
            "-log", os.path.join(d, "metrics.csv")]
    return name, argv, d


def parse(argv):
    ap = argparse.ArgumentParser(prog="width_study.py", description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--out", default="results/width-study")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default=",".join(RULES))
    ap.add_argument("--acts", default="relu,logistic")
    ap.add_argument("--exe", default="./infomonitor")
    ap.add_argument("--idx", default=FASHION)
    a = ap.parse_args(argv)
    a.only = [r for r in a.only.split(",") if r]
    a.acts = [x for x in a.acts.split(",") if x]
    bad = [r for r in a.only if r not in RULES]
    if bad:
        raise UsageError("--only: unknown rule(s) %s (known: %s)" % (",".join(bad), ",".join(RULES)))
    if any(x not in ("relu", "logistic") for x in a.acts):
        raise UsageError("--acts: expected relu and/or logistic, got %s" % ",".join(a.acts))
    if a.epochs < 1 or a.jobs < 1:
        raise UsageError("--epochs and --jobs must be >= 1")
    if not os.access(a.exe, os.X_OK):
        raise UsageError("--exe %s: not an executable (run make first)" % a.exe)
    return a


def main(argv):
    try:
        a = parse(argv)
    except UsageError as e:
        print("width_study.py: %s" % e, file=sys.stderr)
        return 2
    runs = [prepare(a.out, r, act, a.epochs, a.idx) for r in a.only for act in a.acts]
    lr.run_all(PROG, a.exe, a.jobs, [x for x in runs if not lr.complete(x[2], a.epochs)])
    rows = []
    for (name, _, d), (rule, act) in zip(runs, [(r, x) for r in a.only for x in a.acts]):
        try:
            rows.append(dict(lr.analyse(name, d), rule=rule, act=act))
        except lr.pi.InputError as e:
            lr.log(PROG, "%s: no results: %s" % (name, e))
    lr.write_tables(PROG, a.out, COLUMNS, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
