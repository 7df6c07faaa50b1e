#!/usr/bin/python3
"""The distribution of the IB objective over a layer's filters, from `infomonitor rank -csv`
(Yu et al., Fig. 9).

usage: plot_rank.py CSV PNG [--threshold T] [--bins N] [--title T]

A histogram of I(X;T^i) - beta I(T^i;Y) (the column objective) over the filters; the smaller
the objective, the more important the filter.  A red dashed line at T (default: the mean
objective) with the share of filters above it, the less important ones (the paper reads
"nearly 55% of filters" above its line in VGG-16's conv5-3).  --bins: 30 by default.

Bad input (a missing or unreadable file, a missing column, no rows, a cell that is not a
number, a bad option) gives one line on stderr naming it, and exit status 2.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import csv_in  # noqa: E402

REQUIRED = ("filter", "objective", "beta", "n", "batches")


def die(msg):
    csv_in.die("plot_rank.py", msg)


def read(path):
    rows = csv_in.rows("plot_rank.py", path, REQUIRED)
    try:
        return [float(r["objective"]) for r in rows], rows[0]
    except (TypeError, ValueError) as e:
        die("%s: %s" % (path, e))


def number(flag, text, cast):
    try:
        return cast(text)
    except (TypeError, ValueError):
        die("%s needs a number, got %r" % (flag, text))


def plot(values, meta, png, threshold, bins, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    t = sum(values) / len(values) if threshold is None else threshold
    above = sum(v > t for v in values) / len(values)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist(values, bins=bins, color="tab:blue", edgecolor="white")
    ax.axvline(t, color="red", ls="--", label="%.0f%% of filters above %.3g" % (100 * above, t))
    ax.set_xlabel("I(X;T) - %s I(T;Y) (bits)" % meta["beta"])
    ax.set_ylabel("filters")
    ax.set_title(title or "IB objective of %d filters (n = %s, %s mini-batches)"
                 % (len(values), meta["n"], meta["batches"]), fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    print("wrote %s (%.0f%% of filters above %.4g)" % (png, 100 * above, t))


def main(argv):
    args, threshold, bins, title = [], None, 30, None
    it = iter(argv)
    for a in it:
        if a in ("--threshold", "--bins", "--title"):
            v = next(it, None)
            if v is None:
                die("%s needs a value" % a)
            if a == "--threshold":
                threshold = number(a, v, float)
            elif a == "--bins":
                bins = number(a, v, int)
                if bins < 1:
                    die("--bins must be >= 1, got %d" % bins)
            else:
                title = v
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            args.append(a)
    if len(args) != 2:
        die("usage: plot_rank.py CSV PNG [--threshold T] [--bins N] [--title T]")
    values, meta = read(args[0])
    plot(values, meta, args[1], threshold, bins, title)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
