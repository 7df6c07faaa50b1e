#!/usr/bin/python3
"""Monitoring overhead: LeNet-5 (ReLU, cfg/lenet5-relu.cfg) on Fashion-MNIST,
wall time per training iteration (train_network plus measurement and CSV)
without monitors, with the four default monitors (conv1, conv2, fc1, fc2;
ixt, ity, mmi, delta) every 10 iterations, and every iteration; then with
the two pid monitors as well (15 + 66 pairs of feature maps), every
iteration, once on the cpu-ref back end and once on cpu.  One run of each,
interleaved and repeated (best of 5), timed from the first to the last log
line (data loading excluded).  The other runs use the default back end.

usage: bench_monitor.py [--iters N] [--infomonitor PATH]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOG_RE = re.compile(r"^\d+, \d+\.\d+: ")


def make_cfg(path, every, iters, pid=False):
    """lenet5-relu.cfg with max_batches = iters; monitors every `every`
    iterations (None: no monitors).  The pid monitors are kept only with
    pid=True."""
    with open(os.path.join(ROOT, "cfg", "lenet5-relu.cfg")) as f:
        sections = f.read().split("\n[")
    out = []
    for s in sections:
        if s.startswith("infomonitor]"):
            if every is None or ("quantities=pid" in s and not pid):
                continue
            s = re.sub(r"\nevery=\d+", "", s.rstrip("\n")) + f"\nevery={every}\n\n"
        out.append(s)
    text = "\n[".join(out)
    text = re.sub(r"max_batches=\d+", f"max_batches={iters}", text)
    with open(path, "w") as f:
        f.write(text)


def time_run(exe, data, cfg, log, backend):
    env = dict(os.environ)
    if backend:
        env["IM_BACKEND"] = backend
    p = subprocess.Popen([exe, "train", data, cfg, "-seed", "1", "-log", log],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    stamps = []
    for line in p.stdout:
        if LOG_RE.match(line):
            stamps.append(time.monotonic())
    if p.wait() != 0:
        sys.exit(f"bench_monitor: {cfg}: infomonitor train failed")
    return (stamps[-1] - stamps[0]) / (len(stamps) - 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--infomonitor", default=os.path.join(ROOT, "infomonitor"))
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "f.data")
        fm = "/usr/share/datasets/fashion-mnist"
        with open(data, "w") as f:
            f.write(f"classes=10\ntrain={fm}/train-images-idx3-ubyte.gz\n"
                    f"train_labels={fm}/train-labels-idx1-ubyte.gz\nbackup={d}\n")
        runs = (("no monitors", None, False, None), ("every=10", 10, False, None),
                ("every=1", 1, False, None), ("+pid, cpu-ref", 1, True, "cpu-ref"),
                ("+pid, cpu", 1, True, "cpu"))
        res = {run[0]: float("inf") for run in runs}
        # Interleaved repeats, best of each: the machine's speed drifts.
        for rep in range(a.repeats):
            for k, (label, every, pid, backend) in enumerate(runs):
                cfg = os.path.join(d, f"lenet-{k}.cfg")
                make_cfg(cfg, every, a.iters, pid)
                print(f"bench_monitor: {label}, run {rep + 1}/{a.repeats}: {a.iters} iterations",
                      file=sys.stderr, flush=True)
                t = time_run(a.infomonitor, data, cfg, os.path.join(d, f"{k}-{rep}.csv"),
                             backend)
                res[label] = min(res[label], t)
    base = res["no monitors"]
    print(f"LeNet-5 (ReLU), Fashion-MNIST, batch 128, {a.iters} iterations, 4 monitors "
          f"(ixt, ity, mmi, delta) and, in the +pid runs, 2 pid monitors; back end "
          f"{os.environ.get('IM_BACKEND', 'auto')} unless named")
    print(f"{'run':<14} {'ms/iteration':>13} {'ratio':>7}")
    for k, v in res.items():
        print(f"{k:<14} {1000 * v:>13.1f} {v / base:>7.2f}")


if __name__ == "__main__":
    main()
