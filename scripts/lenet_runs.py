"""Training runs with monitors and summarising their metrics CSVs: the code
that scripts/width_study.py, scripts/reproduce.py and scripts/sweep.py share
(run_all, the .data files, per-epoch means, accuracy, the collapse warning).

A run lives in one folder d: the command's stdout in d/train.log, its stderr
in d/stderr, the metrics in d/metrics.csv, and the .data file points its
backup (weights, accuracy CSV) at d.  analyse() returns, per run:

  measured   iterations in which the forward chain has >= 2 layers
  fwd_ok     share of them in which the forward DPI holds, I(X;T_j) >=
             I(X;T_k) for every j < k within 0.05 bits (plot_ip.py's rule)
  fwd_ok_e1  the same after epoch 1 (the iterations with epoch >= 1)
  ty_ok      the same for I(T;Y) (Y -> X -> T_1 -> ... is a Markov chain too)
  err_ok     share in which the error chain holds, I(d_K;d_j) <= I(d_K;d_k)
  err_ok_h   the same without the output layer (the one feeding the softmax):
             its delta is d_K itself, and the estimator's I(d_K;d_K) =
             2 S(A) - S(A o A) lies below S(A) = H(d_K), the chain's bound
  err_sat    mean I(d_K;d_k) / H(d_K) over those layers: near 1, the chain
             sits at its bound (the deltas' Gram matrices near the identity)
  unsat      share of measured iterations in which every conv layer has
             H_T < 0.95 log2 n (not saturated)
  sat_conv   mean H_T / log2 n of the conv layers; sat_X: of H_X
  ixt_drop   per layer, the largest per-epoch mean of I(X;T) minus the last
             epoch's (compression in the IP), the mean over the layers
  ity_rise   last epoch's mean I(T;Y) minus the first epoch's, mean over layers
  wnr_drop   the same as ixt_drop for the pid monitors' wnr (the M-IP)
  top1       Darknet's valid top-1 after the last epoch
  warnings   the diagnostics train printed (sat, dead, collapsed: counts)
"""
import bisect
import csv
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_ip as pi  # noqa: E402

SUMMARY = ("measured", "fwd_ok", "fwd_ok_e1", "ty_ok", "err_ok", "err_ok_h", "err_sat", "unsat", "sat_conv", "sat_X",
           "ixt_drop", "ity_rise", "wnr_drop", "top1", "warnings")


def log(prog, msg):
    print("%s: %s" % (prog, msg), file=sys.stderr, flush=True)


def data_file(path, idx_dir, backup):
    """A .data file for the four gzipped IDX files of idx_dir, weights to backup."""
    with open(path, "w") as f:
        f.write("classes=10\n"
                "train=%s/train-images-idx3-ubyte.gz\n"
                "train_labels=%s/train-labels-idx1-ubyte.gz\n"
                "valid=%s/t10k-images-idx3-ubyte.gz\n"
                "valid_labels=%s/t10k-labels-idx1-ubyte.gz\n"
                "backup=%s\ntop=2\n" % (idx_dir, idx_dir, idx_dir, idx_dir, backup))


def complete(d, epochs):
    """True when d's train.log reports the last epoch (a finished run)."""
    p = os.path.join(d, "train.log")
    return os.path.exists(p) and ("epoch %d:" % epochs) in open(p).read()


def data_copy(src, path, backup):
    """A .data file at path: src's keys, but backup (weights, accuracy CSV) = backup.
    Relative paths in src stay relative to the folder train runs in."""
    lines = [l for l in open(src).read().splitlines()
             if l.split("=", 1)[0].strip() != "backup"]
    with open(path, "w") as f:
        f.write("\n".join(lines + ["backup=%s" % backup]) + "\n")


def run_all(prog, exe, jobs, todo):
    """Train the runs of todo, (name, argv, folder) each, `jobs` at a time, one
    estimator thread each; progress lines on stderr (run k of N, its name, its
    time and the time since the first started).  A run that an earlier
    attempt left unfinished starts afresh: its d/metrics.csv goes first (train
    refuses to add a fresh run's rows to another run's log)."""
    env = dict(os.environ, IM_THREADS="1")
    pending, active, total, t0 = list(todo), [], len(todo), time.time()
    while pending or active:
        while pending and len(active) < jobs:
            name, argv, d = pending.pop(0)
            k = total - len(pending)
            stale = os.path.join(d, "metrics.csv")
            if os.path.exists(stale):
                os.remove(stale)
                log(prog, "%s: removed the unfinished attempt's %s" % (name, stale))
            log(prog, "run %d of %d: training %s" % (k, total, name))
            p = subprocess.Popen([exe] + argv, env=env,
                                 stdout=open(os.path.join(d, "train.log"), "w"),
                                 stderr=open(os.path.join(d, "stderr"), "w"))
            active.append((name, p, time.time(), k))
        time.sleep(0.2)
        for a in list(active):
            if a[1].poll() is not None:
                active.remove(a)
                log(prog, "run %d of %d: %s: exit %d after %.0f s (%.0f s elapsed)"
                    % (a[3], total, a[0], a[1].returncode, time.time() - a[2], time.time() - t0))


def share_ok(run, col, direction, min_epoch=None, drop_last=False):
    """(share of measured iterations in which the chain of col holds, measured);
    min_epoch: only iterations with epoch >= it; drop_last: without the last
    layer of the chain."""
    chain = pi.Chain(run, col)
    if min_epoch is not None:
        chain.iterations = [t for t in chain.iterations if chain.epoch.get(t, 0) >= min_epoch]
    if drop_last:
        chain.monitors = chain.monitors[:-1]
        chain.values = {t: v[:-1] for t, v in chain.values.items()}
    bad, measured, _ = pi.dpi_violations(chain, direction)
    return (1.0 - bad / measured if measured else float("nan")), measured


def epoch_bins(run, mon, col, ends=None):
    """{k: mean of col over monitor mon's rows of epoch k} (k from 1; non-finite values
    left out).  Epoch k is the rows whose epoch lies in (k-1, k] (plot_ip.py's rule),
    or, given ends (the iterations that ended epochs 1, 2, ..., ascending: epoch_ends),
    the rows after the end of epoch k-1 up to that of epoch k: the steps whose model
    the epoch's accuracy measures (rows after the last end are epoch len(ends) + 1)."""
    bins = {}
    for r in run.by_mon[mon]:
        if not pi.finite(r[col]) or (ends is None and not pi.finite(r["epoch"])):
            continue
        k = bisect.bisect_left(ends, r["iteration"]) + 1 if ends is not None \
            else pi.epoch_bin(r["epoch"]) + 1
        bins.setdefault(k, []).append(r[col])
    return {k: sum(v) / len(v) for k, v in bins.items()}


def epoch_means(run, mon, col):
    """Per-epoch means of col for monitor mon, in epoch order."""
    return [v for _, v in sorted(epoch_bins(run, mon, col).items())]


def mean(vals):
    vals = [v for v in vals if pi.finite(v)]
    return sum(vals) / len(vals) if vals else float("nan")


def shape(run, mons, col, kind):
    """Mean over mons of the largest epoch mean minus the last (drop), or of
    the last epoch mean minus the first (rise)."""
    out = []
    for m in mons:
        e = epoch_means(run, m, col)
        if len(e) >= 2:
            out.append(max(e) - e[-1] if kind == "drop" else e[-1] - e[0])
    return mean(out)


def saturation(run, convs):
    """(share of iterations with every conv H_T < 0.95 log2 n, mean conv sat_T, mean sat_X)."""
    per_it, sats, satx = {}, [], []
    for m in convs:
        for r in run.by_mon[m]:
            if pi.finite(r["sat_T"]):
                per_it.setdefault(r["iteration"], []).append(r["sat_T"] < 0.95)
                sats.append(r["sat_T"])
            if pi.finite(r["H_X"]) and pi.finite(r["n"]):
                satx.append(r["H_X"] / math.log2(r["n"]))
    ok = [all(v) for v in per_it.values() if len(v) == len(convs)]
    return (sum(ok) / len(ok) if ok else float("nan")), mean(sats), mean(satx)


def delta_saturation(run):
    """Mean I(d_K;d_k) / H(d_K) over the error chain's layers but the last
    (near 1: the chain sits at its bound and says nothing)."""
    mons = pi.Chain(run, "I_delta").monitors[:-1]
    return mean([r["I_delta"] / r["H_dK"] for m in mons for r in run.by_mon[m]
                 if pi.finite(r["I_delta"]) and pi.finite(r["H_dK"]) and r["H_dK"] > 0])


def accuracy_rows(d):
    """The rows of the run's accuracy CSV (train_out.c: epoch, iteration, images,
    top1, top-k), or [] without one."""
    for f in os.listdir(d):
        if f.endswith(".accuracy.csv"):
            return list(csv.DictReader(open(os.path.join(d, f))))
    return []


def accuracy(d):
    """{epoch: valid top-1}."""
    return {int(r["epoch"]): float(r["top1"]) for r in accuracy_rows(d)}


def epoch_ends(d):
    """The iterations that ended epochs 1, 2, ... (the steps after which train measured
    the accuracy), or None without an accuracy CSV."""
    rows = accuracy_rows(d)
    return [int(r["iteration"]) for r in rows] if rows else None


def top1(d):
    """The last valid top-1 of the run's accuracy CSV, or NaN."""
    acc = accuracy(d)
    return acc[max(acc)] if acc else float("nan")


def collapsed(d):
    """True when train warned that the run collapsed (diagnose.c): its rows describe
    a broken network, not a finding."""
    p = os.path.join(d, "stderr")
    return os.path.exists(p) and "the run has collapsed" in open(p).read()


def warnings(d):
    kinds = (("is saturated", "sat"), ("are dead", "dead"), ("collapsed", "collapsed"))
    text = open(os.path.join(d, "stderr")).read()
    return " ".join("%s:%d" % (k, text.count(n)) for n, k in kinds if n in text) or "-"


def analyse(label, d):
    """The summary of the run in folder d (metrics.csv, stderr, the accuracy CSV)."""
    run = pi.Run(label, os.path.join(d, "metrics.csv"))
    main = [m for m in run.monitors if run.series(m, "I_XT")[0]]
    convs = [m for m in main if (run.by_mon[m][0]["C"] or 1) > 1]
    pids = [m for m in run.monitors if run.series(m, "wnr")[0]]
    fwd, measured = share_ok(run, "I_XT", "forward")
    unsat, sat_conv, sat_x = saturation(run, convs)
    return {"measured": measured, "fwd_ok": fwd,
            "fwd_ok_e1": share_ok(run, "I_XT", "forward", 1)[0],
            "ty_ok": share_ok(run, "I_TY", "forward")[0],
            "err_ok": share_ok(run, "I_delta", "error")[0],
            "err_ok_h": share_ok(run, "I_delta", "error", drop_last=True)[0],
            "err_sat": delta_saturation(run),
            "unsat": unsat, "sat_conv": sat_conv, "sat_X": sat_x,
            "ixt_drop": shape(run, main, "I_XT", "drop"),
            "ity_rise": shape(run, main, "I_TY", "rise"),
            "wnr_drop": shape(run, pids, "wnr", "drop"),
            "top1": top1(d), "warnings": warnings(d)}


def fmt(v, col):
    """A summary value for a markdown table."""
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(v)
    if not pi.finite(v):
        return "n/a"
    if col in ("fwd_ok", "fwd_ok_e1", "ty_ok", "err_ok", "err_ok_h", "unsat"):
        return "%.1f%%" % (100 * v)
    return "%.3f" % v if col in ("sat_conv", "sat_X", "err_sat", "top1") else "%+.2f" % v


def write_tables(prog, out, columns, rows):
    """out/study.csv and out/study.md (a markdown table) of rows (dicts)."""
    with open(os.path.join(out, "study.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(out, "study.md"), "w") as f:
        f.write("| " + " | ".join(columns) + " |\n")
        f.write("|" + "---|" * len(columns) + "\n")
        for r in rows:
            f.write("| " + " | ".join(fmt(r[c], c) for c in columns) + " |\n")
    log(prog, "wrote %s/study.csv and %s/study.md" % (out, out))
