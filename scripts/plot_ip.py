#!/usr/bin/python3
"""Plots from the metrics CSV(s) that `infomonitor train` writes.

usage: plot_ip.py [--out DIR] [--title T] LABEL=FILE.csv [LABEL=FILE.csv ...]

  e.g. plot_ip.py relu=results/demo/relu.metrics.csv sigmoid=results/demo/sigmoid.metrics.csv

Each LABEL=FILE pair is one run; runs are drawn side by side with shared axes.
PNGs written into --out (default: the folder of the first CSV):

  ip.png    information plane: I(X;T) on x, I(T;Y) on y, one marker style and
            line per monitored layer, points coloured by iteration.
  mip.png   modified information plane (x = wnr, mean weighted non-redundant
            information about X over feature-map pairs; y = wnr_y, the same
            about Y).  Only when some row has both.
  dpi.png   data-processing-inequality chains: I(X;T) of each monitor, ordered
            by layer, at the first, an early-middle (the measured iteration
            nearest to first + 25% of the span) and the last measured
            iteration; a second row does the same for I_delta = I(delta_K;
            delta_k), the error chain, when present.  A monitor with no
            finite value at exactly that iteration leaves a gap.
  pid.png   rs_pct and wnr_pct (as %) vs iteration per monitor.  Only when
            rs_pct has data.
  loss.png  loss (thin) and avg_loss (thick) vs iteration, one colour per LABEL.

CSV: a header row, one row per monitor per measured iteration.  Required
columns: iteration, monitor, layer.  Every other column is optional; an empty
cell means the quantity was off, `nan` that it was not finite.  Both are
skipped when plotting.  Rows with a short field count or an unreadable
iteration (e.g. the last line of a run still being written) are skipped with
a warning.  All information quantities are in bits.

One line `wrote PATH` is printed per file written.  Bad input (a missing or
unreadable file, no header, a missing required column, no data rows, a
malformed LABEL=FILE) gives one line on stderr naming the file or argument,
and exit status 2.
"""
import argparse
import csv
import math
import os
import sys

PROG = "plot_ip.py"
REQUIRED = ("iteration", "monitor", "layer")
NUMERIC = ("epoch", "loss", "avg_loss", "rate", "seconds", "n", "C",
           "sigma_x", "sigma_t", "sigma_delta", "H_X", "H_T", "H_Y",
           "I_XT", "I_TY", "I_delta", "rs", "wnr", "rs_pct", "wnr_pct",
           "wnr_y")
KNOWN = REQUIRED + NUMERIC
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p"]
EARLY_MIDDLE = 0.25


class InputError(Exception):
    """Bad input: reported as one stderr line, exit status 2."""


def die(msg):
    print("%s: error: %s" % (PROG, msg), file=sys.stderr)
    sys.exit(2)


class Parser(argparse.ArgumentParser):
    """argparse, but its errors are one stderr line and exit 2."""

    def error(self, message):
        die(message + " (see --help)")


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
                           "layer": int(lay) if lay is not None and math.isfinite(lay) else -1}
                    for c in NUMERIC:
                        i = idx.get(c)
                        row[c] = to_float(fields[i]) if i is not None and i < len(fields) else None
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

    def series(self, mon, *cols):
        """Rows of monitor `mon` where every column in cols is finite, as lists."""
        out = [[] for _ in ("iteration",) + cols]
        for r in self.by_mon[mon]:
            vals = [r[c] for c in cols]
            if all(v is not None and math.isfinite(v) for v in vals):
                out[0].append(r["iteration"])
                for k, v in enumerate(vals):
                    out[k + 1].append(v)
        return out

    def has(self, *cols):
        """True when some monitor row has every column in cols finite."""
        return any(all(r[c] is not None and math.isfinite(r[c]) for c in cols)
                   for r in self.rows if r["monitor"])

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


# ---------------------------------------------------------------- plotting

def mon_styles(runs):
    """The same marker and colour for a monitor name in every panel."""
    import matplotlib.pyplot as plt
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    order = []
    for run in runs:
        for m in run.monitors:
            if m not in order:
                order.append(m)
    return {m: (MARKERS[i % len(MARKERS)], colors[i % len(colors)])
            for i, m in enumerate(order)}


def iter_norm(runs, *cols):
    from matplotlib.colors import Normalize
    its = [r["iteration"] for run in runs for r in run.rows
           if r["monitor"] and all(r[c] is not None and math.isfinite(r[c]) for c in cols)]
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
    fig.savefig(path, dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    print("wrote %s" % path)


def plane(runs, out, title, xcol, ycol, xlabel, ylabel, name, what):
    """Information plane (or modified one): a panel per run, points coloured by iteration."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    styles = mon_styles(runs)
    norm = iter_norm(runs, xcol, ycol)
    cmap = plt.get_cmap("viridis")
    n = len(runs)
    fig, axes = plt.subplots(1, n, figsize=(4.8 * n + 1.2, 4.6), sharex=True,
                             sharey=True, squeeze=False)
    axes = axes[0]
    handles, sc = {}, None
    for ax, run in zip(axes, runs):
        ax.set_title(run.label)
        ax.set_xlabel(xlabel)
        drawn = False
        for m in run.monitors:
            its, xs, ys = run.series(m, xcol, ycol)
            if not its:
                continue
            marker, color = styles[m]
            ax.plot(xs, ys, "-", color=color, lw=0.8, alpha=0.5, zorder=1)
            sc = ax.scatter(xs, ys, c=its, cmap=cmap, norm=norm, marker=marker,
                            s=28, edgecolors=color, linewidths=0.8, zorder=2)
            handles.setdefault(run.mon_label(m), Line2D(
                [], [], color=color, marker=marker, markerfacecolor="none", lw=0.8))
            drawn = True
        if not drawn:
            no_data(ax, what)
    axes[0].set_ylabel(ylabel)
    if handles:
        axes[-1].legend(list(handles.values()), list(handles), fontsize="small",
                        title="monitor", loc="best")
    if sc is not None:
        fig.colorbar(sc, ax=list(axes), label="iteration", pad=0.02)
    if title:      # the colorbar spans the axes, so no tight_layout: lift the title instead
        fig.suptitle(title, y=1.0)
    finish(fig, os.path.join(out, name), None, tight=False)


def pick_iterations(its):
    """First, early-middle (nearest to first + 25% of the span) and last of sorted its."""
    its = sorted(set(its))
    if not its:
        return []
    first, last = its[0], its[-1]
    target = first + EARLY_MIDDLE * (last - first)
    mid = min(its, key=lambda t: (abs(t - target), t))
    return sorted({first, mid, last})


def dpi(runs, out, title):
    """DPI chains: the quantity per monitor (in layer order) at three iterations."""
    import matplotlib.pyplot as plt
    rows = [("I_XT", "I(X;T) [bits]", "forward chain I(X;T)")]
    if any(run.has("I_delta") for run in runs):
        rows.append(("I_delta", "I(δ_K;δ_k) [bits]", "error chain I(δ_K;δ_k)"))
    n = len(runs)
    fig, axes = plt.subplots(len(rows), n, figsize=(4.8 * n, 3.9 * len(rows)),
                             sharey="row", squeeze=False)
    cmap = plt.get_cmap("plasma")
    for r, (col, ylabel, what) in enumerate(rows):
        for c, run in enumerate(runs):
            ax = axes[r][c]
            ax.set_title("%s: %s" % (run.label, what), fontsize="medium")
            mons = run.monitors
            its = [t for m in mons for t in run.series(m, col)[0]]
            chosen = pick_iterations(its)
            if not chosen:
                no_data(ax, col)
                continue
            for k, t in enumerate(chosen):
                ys = []
                for m in mons:
                    mits, vals = run.series(m, col)
                    ys.append(vals[mits.index(t)] if t in mits else math.nan)
                color = cmap(0.85 * k / max(1, len(chosen) - 1))
                ax.plot(range(len(mons)), ys, "-o", color=color,
                        label="iteration %d" % t)
            ax.set_xticks(range(len(mons)))
            ax.set_xticklabels(["%s\nL%d" % (m, run.by_mon[m][0]["layer"]) for m in mons],
                               fontsize="small")
            ax.set_xlim(-0.5, len(mons) - 0.5)
            ax.legend(fontsize="small")
            if c == 0:
                ax.set_ylabel(ylabel)
    finish(fig, os.path.join(out, "dpi.png"), title)


def pid(runs, out, title):
    """rs_pct (top) and wnr_pct (bottom) vs iteration, a line per monitor."""
    import matplotlib.pyplot as plt
    styles = mon_styles(runs)
    n = len(runs)
    fig, axes = plt.subplots(2, n, figsize=(4.8 * n + 1.5, 6.8), sharex=True,
                             sharey="row", squeeze=False)
    rows = [("rs_pct", "redundancy-synergy trade-off [%]"),
            ("wnr_pct", "weighted non-redundant info [%]")]
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
                if v is not None and math.isfinite(v) and r["iteration"] not in per_it:
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
                usage="%(prog)s [--out DIR] [--title T] LABEL=FILE.csv [LABEL=FILE.csv ...]")
    ap.add_argument("--out", metavar="DIR",
                    help="folder for the PNGs (default: the first CSV's folder)")
    ap.add_argument("--title", metavar="T", help="title over every figure")
    ap.add_argument("pairs", nargs="+", metavar="LABEL=FILE.csv",
                    help="one run: a label for the plots and its metrics CSV")
    args = ap.parse_args(argv)
    try:
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
    plane(runs, out, args.title, "I_XT", "I_TY", "I(X;T) [bits]", "I(T;Y) [bits]",
          "ip.png", "I(X;T)/I(T;Y)")
    if any(run.has("wnr", "wnr_y") for run in runs):
        plane(runs, out, args.title, "wnr", "wnr_y",
              "mean w about X (wnr) [bits]", "mean w about Y (wnr_y) [bits]",
              "mip.png", "wnr/wnr_y")
    dpi(runs, out, args.title)
    if any(run.has("rs_pct") for run in runs):
        pid(runs, out, args.title)
    loss(runs, out, args.title)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
