#!/usr/bin/python3
"""The CMI curve of `infomonitor width -csv` (Yu et al., Fig. 6).

usage: plot_width.py CSV PNG [--title T]

x: the number of filters selected, |Ts| after step k (= k); y: I(Tr;Y|Ts), the information
about Y the remaining filters add to the selected ones (the column cmi), with the mean of the
permuted copies' CMI (perm_mean) dashed beside it.  A vertical line marks the width N, where
CMI-permutation first said stop (N = that step - 1), when the CSV has such a step; the title
names N, the mini-batches and the permutations.

Bad input (a missing or unreadable file, a missing column, no rows, a cell that is not a
number) gives one line on stderr naming the file, and exit status 2.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import csv_in  # noqa: E402

REQUIRED = ("step", "filter", "cmi", "perm_mean", "p_value", "decision", "n", "batches",
            "permutations")


def die(msg):
    csv_in.die("plot_width.py", msg)


def read(path):
    rows = csv_in.rows("plot_width.py", path, REQUIRED)
    try:
        return [{"step": int(r["step"]), "cmi": float(r["cmi"]), "perm": float(r["perm_mean"]),
                 "stop": r["decision"] == "stop", "n": r["n"], "B": r["batches"],
                 "P": r["permutations"]} for r in rows]
    except (TypeError, ValueError) as e:
        die("%s: %s" % (path, e))


def plot(rows, png, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    k = [r["step"] for r in rows]
    ax.plot(k, [r["cmi"] for r in rows], "o-", ms=3, label="I(Tr;Y|Ts)")
    ax.plot(k, [r["perm"] for r in rows], "--", color="gray", label="permuted candidate (mean)")
    stops = [r["step"] for r in rows if r["stop"]]
    head = title or ""
    if stops:
        N = stops[0] - 1
        ax.axvline(N, color="red", ls=":", label="N = %d" % N)
        head = head or "CMI-permutation suggests %d filters" % N
    ax.set_xlabel("filters selected |Ts|")
    ax.set_ylabel("CMI (bits)")
    ax.set_title(head, fontsize=10)
    ax.text(0.99, 0.97, "n = %s, %s mini-batches, %s permutations" % (rows[0]["n"], rows[0]["B"],
                                                                      rows[0]["P"]),
            transform=ax.transAxes, ha="right", va="top", fontsize=8)
    ax.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    print("wrote %s" % png)


def main(argv):
    args, title = [], None
    it = iter(argv)
    for a in it:
        if a == "--title":
            title = next(it, None)
            if title is None:
                die("--title needs a value")
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            args.append(a)
    if len(args) != 2:
        die("usage: plot_width.py CSV PNG [--title T]")
    plot(read(args[0]), args[1], title)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
