#!/usr/bin/python3
"""Tests of `./infomonitor width` (Appendix B, Alg. 1) through the real command, on generated
data whose structure is known (tests/analysis_data.py): 10 variables, the labels a function of
three of them (1, 4, 7), and a network whose layer 0 is an identity connected layer, so that
its 10 units are the variables.
  - the greedy selection takes the three informative variables first and stops at 3 +- 1;
  - the same seed gives the same output, byte for byte; the CSV holds the printed table;
  - on one mini-batch of the whole split the filters chosen, I(Ts,t;Y) and I(Tr;Y|Ts) equal
    an independent numpy greedy selection (tests/ref_renyi.py) within the CLI tests' tolerance;
  - [infomonitor] sections do not move -layer K; -steps runs past the stop;
  - bad input: exit status 2 and a one-line message naming the value;
  - scripts/plot_width.py draws the CSV.
usage: test_width.py [path/to/infomonitor]
"""
import csv
import os
import subprocess
import sys

import numpy as np

import analysis_data as ad
import ref_renyi as rr
from tap import check, summary

EXE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./infomonitor")
HERE = os.path.dirname(os.path.abspath(__file__))
PLOT = os.path.join(HERE, "..", "scripts", "plot_width.py")
COLUMNS = ("step,filter,I_TsT_Y,cmi,perm_mean,p_value,decision,n,batches,permutations,"
           "significance").split(",")


def width(case, *extra):
    return ad.run(EXE, "width", case["data"], case["cfg"], case["weights"], "-layer", 0, *extra)


def width_of(stdout):
    for line in stdout.splitlines():
        if line.startswith("width N = "):
            return int(line.split()[3])
    return None


def selection(d):
    """3 informative of 10, 8 mini-batches of 128 (the whole split), seed 1."""
    case = ad.make_case(d)
    csv_path = os.path.join(d, "w.csv")
    r = width(case, "-samples", 128, "-batches", 8, "-seed", 1, "-csv", csv_path)
    if not check("width runs", r.returncode == 0, r.stderr[-500:]):
        return
    rows = ad.table(r.stdout, 7)
    first = sorted(int(f[1]) for f in rows[:3])
    check("the three informative variables are selected first", first == [1, 4, 7],
          "order %s" % [f[1] for f in rows])
    N = width_of(r.stdout)
    check("it stops at 3 +- 1", N is not None and 2 <= N <= 4, "N = %s" % N)
    check("steps continue until the stop, which is the last", bool(rows) and
          all(f[6] == "continue" for f in rows[:-1]) and rows[-1][6] == "stop" and
          len(rows) == N + 1, str(rows))
    check("decision is p <= significance", all((float(f[5]) <= 0.05) == (f[6] == "continue")
                                               for f in rows), str(rows))
    check("says the values are means over the mini-batches",
          "mean over the 8 mini-batches" in r.stdout, r.stdout[:400])
    again = width(case, "-samples", 128, "-batches", 8, "-seed", 1)
    check("the same seed gives the same output", again.stdout == r.stdout)
    with open(csv_path) as f:
        got = list(csv.reader(f))
    check("CSV header", got[0] == COLUMNS, str(got[0]))
    same = len(got) == len(rows) + 1 and all(
        g[0] == f[0] and g[1] == f[1] and g[6] == f[6] and
        abs(float(g[3]) - float(f[3])) < 1e-4 and g[7:] == ["128", "8", "100", "0.05"]
        for g, f in zip(got[1:], rows))
    check("CSV rows are the printed table", same, str(got))
    png = os.path.join(d, "w.png")
    p = subprocess.run([sys.executable, PLOT, csv_path, png], capture_output=True, text=True)
    check("plot_width.py writes a PNG", p.returncode == 0 and os.path.getsize(png) > 1000 and
          open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n", p.stderr[-300:])
    bad = os.path.join(d, "bad.csv")
    with open(bad, "w") as f:
        f.write("step,filter\n1,2\n")
    p = subprocess.run([sys.executable, PLOT, bad, png], capture_output=True, text=True)
    check("plot_width.py refuses a CSV without its columns (exit 2)", p.returncode == 2 and
          "bad.csv" in p.stderr, p.stderr)


def ref_selection(x, y, steps):
    """Greedy forward selection by I({Ts, t}; Y), with I({Tr - t}; Y | {Ts, t}) per step."""
    _, T, Y = ad.ref_grams(x, y)
    sel, rest, out = [], list(range(x.shape[1])), []
    for _ in range(steps):
        gains = [rr.mmi(Y, [T[i] for i in sel + [t]]) for t in rest]
        t = rest[int(np.argmax(gains))]
        others = [T[i] for i in rest if i != t]
        out.append((t, max(gains), rr.cmi(others, [Y], [T[i] for i in sel + [t]])))
        sel.append(t)
        rest.remove(t)
    return out


def against_numpy(d):
    """One mini-batch of the whole split: the order of the samples does not change any value,
    so numpy needs no knowledge of the draw."""
    case = ad.make_case(d, n=160, seed=11)
    r = width(case, "-samples", 160, "-batches", 1, "-steps", 4, "-permutations", 5)
    if not check("width on one batch of the whole split runs", r.returncode == 0, r.stderr[-500:]):
        return
    rows = ad.table(r.stdout, 7)
    ref = ref_selection(case["x"], case["y"], 4)
    check("-steps 4 runs 4 steps", len(rows) == 4, str(rows))
    check("the same filters as numpy's greedy selection",
          [int(f[1]) for f in rows] == [t for t, _, _ in ref], "%s vs %s" % (rows, ref))
    check("I(Ts,t;Y) and I(Tr;Y|Ts) equal numpy's",
          all(ad.close(float(f[2]), g, 2e-4) and ad.close(float(f[3]), c, 2e-4)
              for f, (_, g, c) in zip(rows, ref)), "%s vs %s" % (rows, ref))


def monitors_do_not_count(d):
    plain = ad.make_case(d)
    mon_dir = os.path.join(d, "mon")
    os.mkdir(mon_dir)
    mon = ad.make_case(mon_dir, monitors=True)
    a = width(plain, "-samples", 64, "-batches", 2, "-steps", 3)
    b = width(mon, "-samples", 64, "-batches", 2, "-steps", 3)
    check("an [infomonitor] after layer 0 leaves -layer 0 and its table as they were",
          a.returncode == 0 and ad.table(a.stdout, 7) == ad.table(b.stdout, 7),
          a.stderr[-300:] + b.stderr[-300:])
    c = ad.run(EXE, "width", mon["data"], mon["cfg"], mon["weights"], "-layer", 1, "-samples",
               64, "-batches", 2, "-steps", 1)
    check("-layer 1 is the second connected layer (8 units), not the monitor",
          c.returncode == 0 and "8 units" in c.stdout, c.stdout[:300] + c.stderr[-300:])


def bad_input(d):
    case = ad.make_case(d)
    short = os.path.join(d, "short.weights")
    with open(case["weights"], "rb") as f, open(short, "wb") as g:
        g.write(f.read()[:-4])
    cases = [
        ("-permutations 0", ["-permutations", "0"], "-permutations"),
        ("-significance 0", ["-significance", "0"], "-significance"),
        ("-significance 1", ["-significance", "1"], "-significance"),
        ("-significance 1.5", ["-significance", "1.5"], "1.5"),
        ("-significance abc", ["-significance", "abc"], "abc"),
        ("-samples 1", ["-samples", "1"], "-samples"),
        ("-batches 0", ["-batches", "0"], "-batches"),
        ("-steps 11 (10 filters)", ["-steps", "11"], "10 filters"),
        ("-layer 3 (out of range)", ["-layer", "3"], "0..2"),
        ("-layer 2 (a softmax)", ["-layer", "2"], "[softmax]"),
        ("n B above the split", ["-samples", "600", "-batches", "2"], "1024"),
        ("an unknown option", ["-sample", "5"], "-sample"),
        ("a CSV in a missing folder", ["-csv", os.path.join(d, "no", "w.csv")], "no/w.csv"),
    ]
    for name, extra, needle in cases:
        args = [c for c in extra]
        if "-layer" not in args:
            args = ["-layer", "0"] + args
        r = ad.run(EXE, "width", case["data"], case["cfg"], case["weights"], *args)
        msg = r.stderr.strip().splitlines()
        check("%s: exit 2 and one line naming it" % name,
              r.returncode == 2 and msg and needle in msg[-1] and
              msg[-1].startswith("infomonitor width: "), "%d %r" % (r.returncode, r.stderr[-300:]))
    r = ad.run(EXE, "width", case["data"], case["cfg"], short, "-layer", "0")
    check("weights that do not match the cfg: exit 2 naming both sizes",
          r.returncode == 2 and "short.weights" in r.stderr and "808" in r.stderr, r.stderr[-300:])
    r = ad.run(EXE, "width", case["data"], case["cfg"], case["weights"])
    check("no -layer: exit 2", r.returncode == 2 and "-layer" in r.stderr, r.stderr)
    r = ad.run(EXE, "width", "--help")
    check("--help", r.returncode == 0 and "-permutations P" in r.stdout)


def main():
    ad.run_each(selection, against_numpy, monitors_do_not_count, bad_input)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
