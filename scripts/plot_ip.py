#!/usr/bin/python3
"""Plots from the metrics CSV(s) that `infomonitor train` writes.

usage: plot_ip.py [--out DIR] [--title T] [--at IT1,IT2,...] [--smooth N] [--dpi D] LABEL=FILE.csv [LABEL=FILE.csv ...]

  e.g. plot_ip.py relu=results/demo/relu.metrics.csv sigmoid=results/demo/sigmoid.metrics.csv

Each LABEL=FILE pair is one run; runs are drawn side by side with shared axes.
PNGs written into --out (default: the folder of the first CSV):

  ip.png    information plane (paper Fig. 7, 13): I(X;T) on x, I(T;Y) on y, one
            curve per monitored layer.  The curve starts at the layer's first
            measured point and joins its per-epoch means (epoch k = the rows
            whose `epoch` lies in (k-1, k]), or, with --smooth N, it is a
            centred moving average over N consecutive measured iterations
            (the window shorter at the ends); its markers are coloured by
            iteration.  The raw points are drawn faded below it.  Dashed
            reference lines: H(X) (mean of H_X), H(Y) (mean of H_Y) and
            log2(n), each where it lies within the data's range or within 20%
            of that range beyond it.
  mip.png   modified information plane (Fig. 7, 13), drawn the same way:
            x = wnr, mean weighted non-redundant information about X over
            feature-map pairs; y = wnr_y, the same about Y.  Only when some
            row has both.
  dpi.png   the two data-processing-inequality chains (Fig. 2): I(X;T_k)
            against the layer (it should not increase with depth) and, when
            present, I(delta_K;delta_k), the error chain (it should not
            increase away from the output, i.e. it grows towards the output).
            A chain holds the monitors that have the quantity, in layer order;
            the others (e.g. pid-only monitors) are left out, so the rest stay
            joined.  Snapshots: initialization (the first measured iteration),
            after epoch 1 (the first row whose epoch >= 1; the legend says
            when there is none) and the end (the last measured iteration),
            or the iterations --at names.  A layer with no value at a
            snapshot's iteration is skipped by that line.  Each panel states
            the violation share: the fraction of measured iterations (those
            with the quantity in at least 2 layers) in which some layer
            exceeds a layer that should bound it by more than 0.05 bits.
  pid.png   rs_pct and wnr_pct (as %) vs iteration per monitor (Fig. 5, 12).
            Only when rs_pct has data.
  loss.png  loss (thin) and avg_loss (thick) vs iteration, one colour per LABEL.

CSV: a header row, one row per monitor per measured iteration.  Required
columns: iteration, monitor, layer.  Every other column is optional; an empty
cell means the quantity was off, `nan` that it was not finite.  Both are
skipped when plotting.  Rows with a short field count or an unreadable
iteration (e.g. the last line of a run still being written) are skipped with
a warning.  All information quantities are in bits.  The column run (the
run id of each row) is optional; a file that holds more than one fresh run
(ids without the -r<iteration> of a resume: runs added with train -append)
gets a warning, since their rows are drawn as one run.

Standard output: for each run and DPI chain one line
  dpi: LABEL: forward I(X;T): layers A, B, ...; violated (> 0.05 bits) in K of
  N measured iterations (P%)[; most often X over Y (M)]; snapshots: ...
("most often X over Y": the layer pair with the largest excess in most of the
violated iterations, X being the layer whose value is too large), then one
line `wrote PATH` per file written.  Bad input (a missing or unreadable file,
no header, a missing required column, no data rows, a malformed LABEL=FILE,
--at or --smooth) gives one line on stderr naming the file or argument, and
exit status 2.
"""
import argparse
import csv
import math
import os
import re
import sys

PROG = "plot_ip.py"
REQUIRED = ("iteration", "monitor", "layer")
NUMERIC = ("epoch", "loss", "avg_loss", "rate", "seconds", "n", "C",
           "sigma_x", "sigma_t", "sigma_delta", "H_X", "H_T", "H_Y",
           "I_XT", "I_TY", "I_delta", "H_dK", "sat_T", "dead", "rs", "wnr", "rs_pct", "wnr_pct",
           "wnr_y")
KNOWN = REQUIRED + NUMERIC + ("run",)
RESUMED = re.compile(r"-r\d+$")  # the run id of a resumed run ends so
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p"]
DPI_TOL = 0.05          # bits a chain may rise against the DPI before it counts as violated
REF_REACH = 0.20        # a reference line is drawn up to this fraction of the data range outside it
CURVE_MARKERS = 12      # markers (coloured by iteration) on a moving-average curve
FIG_DPI = [110]         # --dpi: the PNGs' resolution, dots per inch
# the two DPI chains (paper Sec. IV-A): column, axis label, panel name, the rule, stdout
# name, direction.  X -> T_1 -> ... -> T_K and delta_K -> delta_{K-1} -> ... -> delta_1 are
# Markov chains, so, for layers j < k (j nearer the input):
# "forward": I(X;T_j) >= I(X;T_k), no rise with depth;
# "error":   I(d_K;d_j) <= I(d_K;d_k), no rise away from the output (it falls towards the input).
CHAINS = (("I_XT", "I(X;T), bits", "forward chain I(X;T)", "no rise with depth",
           "forward I(X;T)", "forward"),
          ("I_delta", r"I($\delta_K$;$\delta_k$), bits", r"error chain I($\delta_K$;$\delta_k$)",
           "no rise away from the output", "error I(delta_K;delta_k)", "error"))


class InputError(Exception):
    """Bad input: reported as one stderr line, exit status 2."""


def die(msg):
    print("%s: error: %s" % (PROG, msg), file=sys.stderr)
    sys.exit(2)


class Parser(argparse.ArgumentParser):
    """argparse, but its errors are one stderr line and exit 2."""

    def error(self, message):
        die(message + " (see --help)")


def finite(v):
    return v is not None and math.isfinite(v)


# ---------------------------------------------------------------- reading

def to_float(cell):
    """A CSV cell as a float: None when empty (quantity off), nan when not finite."""
    cell = cell.strip()
    if cell == "":
        return None
    try:
        return float(cell)
    except ValueError:
        return math.nan


class Run:
    """One LABEL=FILE: rows grouped per monitor, ordered by (layer, name)."""

    def __init__(self, label, path):
        self.label = label
        self.path = path
        self.rows = []          # dicts: iteration(int), monitor, layer(int), numeric cols
        self.columns = set()
        self.skipped = 0
        self._read()
        by_mon = {}
        for r in self.rows:
            if r["monitor"]:
                by_mon.setdefault(r["monitor"], []).append(r)
        for rs in by_mon.values():
            rs.sort(key=lambda r: r["iteration"])
        self.monitors = sorted(by_mon, key=lambda m: (by_mon[m][0]["layer"], m))
        self.by_mon = by_mon

    def _read(self):
        path = self.path
        if not os.path.exists(path):
            raise InputError("%s: no such file" % path)
        if os.path.isdir(path):
            raise InputError("%s: is a directory, not a CSV file" % path)
        try:
            with open(path, newline="", encoding="utf-8-sig") as f:
                reader = csv.reader(f)
                header = next(reader, None)
                if header is None or not any(h.strip() for h in header):
                    raise InputError("%s: empty file, no header row" % path)
                header = [h.strip() for h in header]
                if not any(h in KNOWN for h in header):
                    raise InputError("%s: no header row (first line lacks %s)"
                                     % (path, ",".join(REQUIRED)))
                missing = [c for c in REQUIRED if c not in header]
                if missing:
                    raise InputError("%s: missing required column(s): %s"
                                     % (path, ",".join(missing)))
                idx = {h: i for i, h in enumerate(header) if h in KNOWN}
                self.columns = set(idx)
                need = max(idx[c] for c in REQUIRED) + 1
                for fields in reader:
                    if not fields or not any(x.strip() for x in fields):
                        continue
                    if len(fields) < need:
                        self.skipped += 1
                        continue
                    it = to_float(fields[idx["iteration"]])
                    if it is None or not math.isfinite(it):
                        self.skipped += 1
                        continue
                    lay = to_float(fields[idx["layer"]])
                    row = {"iteration": int(it),
                           "monitor": fields[idx["monitor"]].strip(),
                           "layer": int(lay) if finite(lay) else -1}
                    for c in NUMERIC:
                        i = idx.get(c)
                        row[c] = to_float(fields[i]) if i is not None and i < len(fields) else None
                    i = idx.get("run")
                    row["run"] = fields[i].strip() if i is not None and i < len(fields) else ""
                    self.rows.append(row)
        except InputError:
            raise
        except (OSError, UnicodeDecodeError, csv.Error) as e:
            raise InputError("%s: cannot read: %s" % (path, e))
        if not self.rows:
            raise InputError("%s: header but no data rows" % path)
        if self.skipped:
            print("%s: warning: %s: skipped %d malformed row(s)"
                  % (PROG, path, self.skipped), file=sys.stderr)
        fresh = sorted({r["run"] for r in self.rows if r["run"] and not RESUMED.search(r["run"])})
        if len(fresh) > 1:
            print("%s: warning: %s: holds %d fresh runs (column run: %s); they are drawn as one"
                  % (PROG, path, len(fresh), ", ".join(fresh)), file=sys.stderr)

    def series(self, mon, *cols):
        """Rows of monitor `mon` where every column in cols is finite, as lists."""
        out = [[] for _ in ("iteration",) + cols]
        for r in self.by_mon[mon]:
            vals = [r[c] for c in cols]
            if all(finite(v) for v in vals):
                out[0].append(r["iteration"])
                for k, v in enumerate(vals):
                    out[k + 1].append(v)
        return out

    def has(self, *cols):
        """True when some monitor row has every column in cols finite."""
        return any(all(finite(r[c]) for c in cols) for r in self.rows if r["monitor"])

    def mean(self, col):
        """Mean of a column over every row where it is finite, or None."""
        vals = [r[col] for r in self.rows if finite(r[col])]
        return sum(vals) / len(vals) if vals else None

    def mon_label(self, mon):
        return "%s (layer %d)" % (mon, self.by_mon[mon][0]["layer"])


def parse_pairs(pairs):
    runs, seen = [], set()
    for p in pairs:
        label, eq, path = p.partition("=")
        label = label.strip()
        if not eq or not label or not path:
            raise InputError("%r: expected LABEL=FILE.csv" % p)
        if label in seen:
            raise InputError("%r: duplicate label %r" % (p, label))
        seen.add(label)
        runs.append(Run(label, path))
    return runs


def parse_at(text):
    """--at IT1,IT2,...: sorted distinct iterations (whole numbers >= 0)."""
    its = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit():
            raise InputError("--at %r: expected iterations separated by commas, e.g. "
                             "--at 1,500,4690" % text)
        its.append(int(part))
    return sorted(set(its))


def parse_dpi(text):
    """--dpi D: a whole number in 30..600."""
    if not text.strip().isdigit() or not 30 <= int(text) <= 600:
        raise InputError("--dpi %r: expected a whole number of dots per inch in 30..600" % text)
    return int(text)


def parse_smooth(text):
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise InputError("--smooth %r: expected a window of N >= 1 measured iterations" % text)
    return n


# ---------------------------------------------------------------- DPI chains

class Chain:
    """The monitors of a run that have `col`, in layer order, and their values per iteration."""

    def __init__(self, run, col):
        self.run = run
        self.col = col
        self.monitors = [m for m in run.monitors if run.series(m, col)[0]]
        self.values = {}       # iteration -> [value or None per chain monitor]
        self.epoch = {}        # iteration -> epoch (first finite one among the chain's rows)
        for k, m in enumerate(self.monitors):
            for r in run.by_mon[m]:
                if not finite(r[col]):
                    continue
                t = r["iteration"]
                self.values.setdefault(t, [None] * len(self.monitors))[k] = r[col]
                if finite(r["epoch"]) and t not in self.epoch:
                    self.epoch[t] = r["epoch"]
        self.iterations = sorted(self.values)


def dpi_violations(chain, direction, tol=DPI_TOL):
    """(violated, measured, worst) over the iterations where >= 2 chain layers have a value.

    An iteration is violated when some pair j < k (layer order) breaks the chain's DPI by
    more than tol: forward, v_k - v_j > tol; error, v_j - v_k > tol.  worst counts, per
    violated iteration, the pair with the largest excess, as (too large, should bound it)."""
    violated = measured = 0
    worst = {}
    for t in chain.iterations:
        present = [(k, v) for k, v in enumerate(chain.values[t]) if v is not None]
        if len(present) < 2:
            continue
        measured += 1
        best, pair = tol, None
        for a in range(len(present)):
            for b in range(a + 1, len(present)):
                (j, vj), (k, vk) = present[a], present[b]
                if direction == "forward":
                    excess, big, small = vk - vj, k, j
                else:
                    excess, big, small = vj - vk, j, k
                if excess > best:
                    best, pair = excess, (big, small)
        if pair is not None:
            violated += 1
            worst[pair] = worst.get(pair, 0) + 1
    return violated, measured, worst


def snapshots(chain, at=None):
    """[(name, iteration or None)] for the DPI panel: name None for an --at pick; iteration
    None for an absent snapshot, whose name says why (the legend shows it)."""
    its = chain.iterations
    if not its:
        return []
    if at:
        have = set(its)
        return [(None, t) if t in have else ("iteration %d: not measured" % t, None)
                for t in at]
    e1 = next((t for t in its if t in chain.epoch and chain.epoch[t] >= 1), None)
    picks = [("initialization", its[0]), ("after epoch 1", e1), ("end", its[-1])]
    out, where = [], {}
    for name, t in picks:
        if t is None:
            why = "no epoch column" if not chain.epoch else "epoch < 1 throughout"
            out.append(("after epoch 1: absent (%s)" % why, None))
        elif t in where:
            i = where[t]
            out[i] = (out[i][0] + " = " + name, t)
        else:
            where[t] = len(out)
            out.append((name, t))
    return out


def snap_text(name, t, sep=" "):
    """'initialization it 1' (sep ' ') or 'initialization (it 1)' (sep ' ('), 'iteration 5'."""
    if t is None:
        return name
    if name is None:
        return "iteration %d" % t
    return "%s%sit %d%s" % (name, sep, t, ")" if sep.endswith("(") else "")


def describe_chain(run, chain, direction, name, at):
    """The stdout line for one chain (see the module doc)."""
    snaps = snapshots(chain, at)
    head = "dpi: %s: %s: layers %s" % (run.label, name, ", ".join(chain.monitors) or "none")
    viol, meas, worst = dpi_violations(chain, direction)
    if meas == 0:
        body = "no iteration with 2 or more layers measured"
    else:
        body = "violated (> %g bits) in %d of %d measured iterations (%.1f%%)" % (
            DPI_TOL, viol, meas, 100.0 * viol / meas)
        if worst:
            (big, small), cnt = max(worst.items(), key=lambda kv: (kv[1], -kv[0][0]))
            body += "; most often %s over %s (%d)" % (chain.monitors[big],
                                                     chain.monitors[small], cnt)
    snap = ", ".join(snap_text(name, t) for name, t in snaps)
    return "%s; %s; snapshots: %s" % (head, body, snap or "none"), viol, meas


# ---------------------------------------------------------------- curves

def moving_average(vals, n):
    """Centred moving average over n points, the window cut short at the ends."""
    lo_off = (n - 1) // 2
    hi_off = n - 1 - lo_off
    pre = [0.0]
    for v in vals:
        pre.append(pre[-1] + v)
    out = []
    for i in range(len(vals)):
        lo, hi = max(0, i - lo_off), min(len(vals), i + hi_off + 1)
        out.append((pre[hi] - pre[lo]) / (hi - lo))
    return out


def epoch_bin(e):
    """Epoch k (0-based) holds the rows whose epoch column lies in (k, k+1]."""
    return max(0, int(math.ceil(e - 1e-9)) - 1)


def curve(run, mon, xcol, ycol, smooth):
    """(its, xs, ys, mode): the layer's curve on a plane and what it is.

    smooth None: the first measured point (initialization), then the per-epoch means (its:
    the mean iteration of each epoch); rows without an epoch are left out of the means, and
    a monitor with none at all gets its raw points.
    smooth N: moving averages of x and y over N measured iterations."""
    its, xs, ys = run.series(mon, xcol, ycol)
    if not its:
        return [], [], [], None
    if smooth:
        return its, moving_average(xs, smooth), moving_average(ys, smooth), "smooth"
    bins = {}
    for r in run.by_mon[mon]:
        if finite(r[xcol]) and finite(r[ycol]) and finite(r["epoch"]):
            b = bins.setdefault(epoch_bin(r["epoch"]), [0, 0.0, 0.0, 0.0])
            b[0] += 1
            b[1] += r["iteration"]
            b[2] += r[xcol]
            b[3] += r[ycol]
    if not bins:
        return its, xs, ys, "raw"
    keys = sorted(bins)
    return ([its[0]] + [bins[k][1] / bins[k][0] for k in keys],
            [xs[0]] + [bins[k][2] / bins[k][0] for k in keys],
            [ys[0]] + [bins[k][3] / bins[k][0] for k in keys], "epoch")


def marker_subset(n):
    """Indices of at most CURVE_MARKERS points spread over n, first and last included."""
    if n <= CURVE_MARKERS:
        return list(range(n))
    return sorted({round(i * (n - 1) / (CURVE_MARKERS - 1)) for i in range(CURVE_MARKERS)})


# ---------------------------------------------------------------- plotting

def name_styles(names):
    """{name: (marker, colour)}, one pair per name in order (sweep.py's topologies too)."""
    import matplotlib.pyplot as plt
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {m: (MARKERS[i % len(MARKERS)], colors[i % len(colors)]) for i, m in enumerate(names)}


def mon_styles(runs):
    """The same marker and colour for a monitor name in every panel."""
    order = []
    for run in runs:
        for m in run.monitors:
            if m not in order:
                order.append(m)
    return name_styles(order)


def iter_norm(runs, *cols):
    from matplotlib.colors import Normalize
    its = [r["iteration"] for run in runs for r in run.rows
           if r["monitor"] and all(finite(r[c]) for c in cols)]
    lo, hi = (min(its), max(its)) if its else (0, 1)
    if hi <= lo:
        hi = lo + 1
    return Normalize(vmin=lo, vmax=hi)


def no_data(ax, what):
    ax.text(0.5, 0.5, "no %s data" % what, ha="center", va="center",
            transform=ax.transAxes, color="0.4")


def finish(fig, path, title, rect=(0, 0, 1, 1), tight=True):
    """Title, lay out (tight_layout leaves room for the title), save, close, report."""
    if title:
        fig.suptitle(title)
    if tight:
        fig.tight_layout(rect=rect)
    fig.savefig(path, dpi=FIG_DPI[0], bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    print("wrote %s" % path)


def reference_values(run, axis):
    """[(name, value)] of the bounds for one axis of a plane: H(X) on x, H(Y) on y, log2(n)."""
    refs = []
    h = run.mean("H_X" if axis == "x" else "H_Y")
    if h is not None:
        refs.append(("H(X)" if axis == "x" else "H(Y)", h))
    ns = sorted({int(r["n"]) for r in run.rows if finite(r["n"]) and r["n"] >= 1})
    for n in ns:
        refs.append(("log2(n)" if len(ns) == 1 else "log2(%d)" % n, math.log2(n)))
    return refs


def fit_range(vals, refs):
    """Axis limits: the data's range, widened to the refs within REF_REACH of it; the refs kept."""
    lo, hi = min(vals), max(vals)
    span = max(hi - lo, 1e-3 * max(1.0, abs(hi)))
    reach = (lo - REF_REACH * span, hi + REF_REACH * span)
    keep = [v for v in refs if reach[0] <= v <= reach[1]]
    lo, hi = min([lo] + keep), max([hi] + keep)
    pad = 0.04 * max(hi - lo, span)
    return (lo - pad, hi + pad), set(keep)


def plane(runs, out, title, xcol, ycol, xlabel, ylabel, name, what, smooth):
    """Information plane (or modified one): a panel per run, a curve per layer."""
    import matplotlib.pyplot as plt
    import matplotlib.transforms as mtransforms
    from matplotlib.lines import Line2D
    styles = mon_styles(runs)
    norm = iter_norm(runs, xcol, ycol)
    cmap = plt.get_cmap("viridis")
    n = len(runs)
    fig, axes = plt.subplots(1, n, figsize=(4.8 * n + 1.2, 4.6), sharex=True,
                             sharey=True, squeeze=False)
    axes = axes[0]
    handles, sc, allx, ally, modes = {}, None, [], [], set()
    for ax, run in zip(axes, runs):
        ax.set_title(run.label)
        ax.set_xlabel(xlabel)
        drawn = False
        for m in run.monitors:
            its, xs, ys = run.series(m, xcol, ycol)
            if not its:
                continue
            marker, color = styles[m]
            allx += xs
            ally += ys
            ax.scatter(xs, ys, marker=marker, s=12, color=color,
                       alpha=0.15 if len(xs) >= 100 else 0.3,
                       linewidths=0, zorder=1)
            cits, cxs, cys, mode = curve(run, m, xcol, ycol, smooth)
            modes.add(mode)
            ax.plot(cxs, cys, "-", color=color, lw=1.8, alpha=0.9, zorder=2)
            sel = marker_subset(len(cits)) if mode == "smooth" else range(len(cits))
            sc = ax.scatter([cxs[i] for i in sel], [cys[i] for i in sel],
                            c=[cits[i] for i in sel], cmap=cmap, norm=norm, marker=marker,
                            s=36, edgecolors=color, linewidths=1.0, zorder=3)
            handles.setdefault(run.mon_label(m), Line2D(
                [], [], color=color, marker=marker, markerfacecolor="none", lw=1.8))
            drawn = True
        if not drawn:
            no_data(ax, what)
    if allx:
        xrefs = [(run, reference_values(run, "x")) for run in runs]
        yrefs = [(run, reference_values(run, "y")) for run in runs]
        xlim, xkeep = fit_range(allx, [v for _, rs in xrefs for _, v in rs])
        ylim, ykeep = fit_range(ally, [v for _, rs in yrefs for _, v in rs])
        for ax, (_, xr), (_, yr) in zip(axes, xrefs, yrefs):
            tx = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
            ty = mtransforms.blended_transform_factory(ax.transAxes, ax.transData)
            for lab, v in xr:
                if v in xkeep:
                    ax.axvline(v, ls="--", lw=0.9, color="0.45", zorder=0)
                    ax.text(v, 0.02, lab + " ", transform=tx, rotation=90, ha="right",
                            va="bottom", fontsize="x-small", color="0.35")
            for lab, v in yr:
                if v in ykeep:
                    ax.axhline(v, ls="--", lw=0.9, color="0.45", zorder=0)
                    ax.text(0.01, v, " " + lab, transform=ty, ha="left", va="bottom",
                            fontsize="x-small", color="0.35")
        axes[0].set_xlim(*xlim)
        axes[0].set_ylim(*ylim)
    axes[0].set_ylabel(ylabel)
    if handles:
        how = {"epoch": "start, then per-epoch means", "smooth": "moving average over %s iterations" % smooth,
               "raw": "raw (no epoch column)"}
        lines = [how[m] for m in ("epoch", "smooth", "raw") if m in modes]
        fig.legend(list(handles.values()), list(handles), fontsize="small",
                   title_fontsize="small", loc="upper center",
                   bbox_to_anchor=(0.45, -0.05 if "\n" in xlabel else 0.0),
                   ncol=min(4, len(handles)),
                   title="curves: %s; faint: every measured iteration" % ", ".join(lines))
    if sc is not None:
        fig.colorbar(sc, ax=list(axes), label="iteration", pad=0.02)
    if title:      # the colorbar spans the axes, so no tight_layout: lift the title instead
        fig.suptitle(title, y=1.0)
    finish(fig, os.path.join(out, name), None, tight=False)


def dpi(runs, out, title, at):
    """DPI chains: the quantity per chain monitor (layer order) at the snapshot iterations."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    rows = [CHAINS[0]]
    if any(run.has("I_delta") for run in runs):
        rows.append(CHAINS[1])
    n = len(runs)
    fig, axes = plt.subplots(len(rows), n, figsize=(4.8 * n, 4.1 * len(rows)),
                             sharey="row", squeeze=False)
    cmap = plt.get_cmap("plasma")
    for r, (col, ylabel, what, rule, sname, direction) in enumerate(rows):
        for c, run in enumerate(runs):
            ax = axes[r][c]
            chain = Chain(run, col)
            line, viol, meas = describe_chain(run, chain, direction, sname, at)
            print(line)
            if c == 0:
                ax.set_ylabel(ylabel)
            if not chain.iterations:
                ax.set_title("%s: %s" % (run.label, what), fontsize="medium")
                no_data(ax, col)
                continue
            share = ("violated (> %g bits)\nin %.1f%% of %d measured iterations"
                     % (DPI_TOL, 100.0 * viol / meas, meas) if meas
                     else "not testable:\nfewer than 2 layers measured")
            ax.set_title("%s: %s\nDPI (%s) %s" % (run.label, what, rule, share),
                         fontsize="medium")
            snaps = snapshots(chain, at)
            handles = []
            for k, (lab, t) in enumerate(snaps):
                color = cmap(0.85 * k / max(1, len(snaps) - 1))
                if t is None:
                    handles.append(Line2D([], [], ls="none", label=lab))
                    continue
                pts = [(i, v) for i, v in enumerate(chain.values[t]) if v is not None]
                label = snap_text(lab, t, " (")
                if len(pts) < len(chain.monitors):
                    label += ", %d of %d layers" % (len(pts), len(chain.monitors))
                h, = ax.plot([p[0] for p in pts], [p[1] for p in pts], "-o", color=color,
                             label=label)
                handles.append(h)
            bound = run.mean("H_dK") if direction == "error" else None
            if bound is not None:
                handles.append(ax.axhline(bound, ls="--", lw=0.9, color="0.45", zorder=0,
                                          label=r"H($\delta_K$), its bound (mean %.2f)" % bound))
            ax.set_xticks(range(len(chain.monitors)))
            ax.set_xticklabels(["%s\nL%d" % (m, run.by_mon[m][0]["layer"])
                                for m in chain.monitors], fontsize="small")
            ax.set_xlim(-0.5, len(chain.monitors) - 0.5)
            ax.legend(handles=handles, fontsize="small")
    finish(fig, os.path.join(out, "dpi.png"), title)


def pid(runs, out, title):
    """rs_pct (top) and wnr_pct (bottom) vs iteration, a line per monitor."""
    import matplotlib.pyplot as plt
    styles = mon_styles(runs)
    n = len(runs)
    fig, axes = plt.subplots(2, n, figsize=(4.8 * n + 1.5, 6.8), sharex=True,
                             sharey="row", squeeze=False)
    rows = [("rs_pct", "redundancy-synergy trade-off, %"),
            ("wnr_pct", "weighted non-redundant information, %")]
    for c, run in enumerate(runs):
        for r, (col, ylabel) in enumerate(rows):
            ax = axes[r][c]
            if r == 0:
                ax.set_title(run.label)
            drawn = False
            for m in run.monitors:
                its, vals = run.series(m, col)
                if its:
                    marker, color = styles[m]
                    ax.plot(its, [100.0 * v for v in vals], "-", marker=marker,
                            markersize=3, color=color, label=run.mon_label(m))
                    drawn = True
            if not drawn:
                no_data(ax, col)
            if c == 0:
                ax.set_ylabel(ylabel)
            if r == 1:
                ax.set_xlabel("iteration")
    handles = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    if handles:
        fig.legend(list(handles.values()), list(handles), loc="center right",
                   fontsize="small", title="monitor")
    finish(fig, os.path.join(out, "pid.png"), title,
           rect=(0, 0, 1 - 1.4 / (4.8 * n + 1.5), 1) if handles else (0, 0, 1, 1))


def loss(runs, out, title):
    """loss (thin) and avg_loss (thick) vs iteration, one colour per run."""
    import matplotlib.pyplot as plt
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    drawn = False
    for k, run in enumerate(runs):
        color = colors[k % len(colors)]
        for col, lw, alpha in (("loss", 0.8, 0.45), ("avg_loss", 2.0, 1.0)):
            per_it = {}
            for r in run.rows:       # loss is per iteration, repeated on each monitor's row
                v = r[col]
                if finite(v) and r["iteration"] not in per_it:
                    per_it[r["iteration"]] = v
            if per_it:
                its = sorted(per_it)
                ax.plot(its, [per_it[t] for t in its], "-", lw=lw, alpha=alpha,
                        color=color, marker="o" if len(its) == 1 else None,
                        label="%s %s" % (run.label, col))
                drawn = True
    if drawn:
        ax.legend(fontsize="small")
    else:
        no_data(ax, "loss")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    finish(fig, os.path.join(out, "loss.png"), title)


def main(argv):
    parts = __doc__.split("\n\n")      # title, usage (argparse prints its own), the rest
    ap = Parser(prog=PROG, description="\n\n".join(parts[:1] + parts[2:]),
                formatter_class=argparse.RawDescriptionHelpFormatter,
                usage="%(prog)s [--out DIR] [--title T] [--at IT1,IT2,...] [--smooth N] "
                      "[--dpi D] LABEL=FILE.csv [LABEL=FILE.csv ...]")
    ap.add_argument("--out", metavar="DIR",
                    help="folder for the PNGs (default: the first CSV's folder)")
    ap.add_argument("--title", metavar="T", help="title over every figure")
    ap.add_argument("--at", metavar="IT1,IT2,...",
                    help="DPI snapshots at these iterations (default: initialization, "
                         "after epoch 1 and the end)")
    ap.add_argument("--smooth", metavar="N",
                    help="IP and M-IP curves: a moving average over N measured iterations "
                         "(default: per-epoch means)")
    ap.add_argument("--dpi", metavar="D",
                    help="resolution of the PNGs in dots per inch, 30 to 600 (default 110)")
    ap.add_argument("pairs", nargs="+", metavar="LABEL=FILE.csv",
                    help="one run: a label for the plots and its metrics CSV")
    args = ap.parse_args(argv)
    try:
        at = parse_at(args.at) if args.at is not None else None
        smooth = parse_smooth(args.smooth) if args.smooth is not None else None
        if args.dpi is not None:
            FIG_DPI[0] = parse_dpi(args.dpi)
        runs = parse_pairs(args.pairs)
    except InputError as e:
        die(str(e))
    out = args.out if args.out else (os.path.dirname(runs[0].path) or ".")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        die("--out %s: %s" % (out, e.strerror or e))
    if not os.access(out, os.W_OK):
        die("--out %s: not writable" % out)

    import matplotlib
    matplotlib.use("Agg")
    plane(runs, out, args.title, "I_XT", "I_TY", "I(X;T), bits", "I(T;Y), bits",
          "ip.png", "I(X;T)/I(T;Y)", smooth)
    if any(run.has("wnr", "wnr_y") for run in runs):
        plane(runs, out, args.title, "wnr", "wnr_y",
              "mean weighted non-redundant information\nabout X (wnr), bits",
              "mean weighted non-redundant information\nabout Y (wnr_y), bits",
              "mip.png", "wnr/wnr_y", smooth)
    dpi(runs, out, args.title, at)
    if any(run.has("rs_pct") for run in runs):
        pid(runs, out, args.title)
    loss(runs, out, args.title)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
