#!/usr/bin/python3
"""Tests of scripts/plot_ip.py on synthetic metrics CSVs.

Run:  /usr/bin/python3 tests/test_plot_ip.py

Plain script (no pytest).  It writes synthetic CSVs in the training driver's
schema to a temporary directory (with nan cells, empty columns, a CSV with
only some quantities, a monitor with a single row, a truncated last line),
runs plot_ip.py on them (60 s timeout per call) and checks:
  * the expected PNGs exist and are valid PNGs (signature, IHDR chunk,
    non-trivial size), and the conditional ones (mip.png, pid.png) are
    absent when their columns hold no data;
  * one `wrote` line on stdout per written file, and one `dpi:` line per
    run and DPI chain;
  * the DPI chains on a constructed CSV: a pid-only monitor (no I_XT, no
    I_delta) is left out of both chains; the violation shares are the known
    ones (forward: a rise with depth of more than 0.05 bits, also over two
    steps; error: a rise away from the output), counted over the iterations
    with at least 2 layers; the snapshots are initialization, after epoch 1
    (or "absent" when no row reaches epoch 1 or there is no epoch column)
    and the end, or exactly the iterations --at names;
  * --smooth N runs (N = 1, 3, more than the rows); the moving average and
    the per-epoch means (imported from the script) on known series;
  * bad inputs (missing file, empty file, no header, missing required
    columns, malformed LABEL=FILE, duplicate label, unknown option, a bad
    --at or --smooth) exit 2 with one stderr line naming the file or argument;
  * --help exits 0 and explains the usage.

Each check prints `ok - name` or `FAIL - name: detail`; the last line is
`N passed, M failed`, and the exit status is 1 if M > 0.
"""
import importlib.util
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(os.path.dirname(HERE), "scripts", "plot_ip.py")
TIMEOUT_S = 60
PNG_SIG = b"\x89PNG\r\n\x1a\n"
MIN_PNG_BYTES = 5000

HEADER = ("iteration,epoch,loss,avg_loss,rate,seconds,monitor,layer,n,C,sigma_x,"
          "sigma_t,sigma_delta,H_X,H_T,H_Y,I_XT,I_TY,I_delta,rs,wnr,rs_pct,wnr_pct,wnr_y,run")
COLS = HEADER.split(",")

from tap import check, fail, summary  # noqa: E402


def fmt(v):
    if v is None:
        return ""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan"
    return str(v)


def synth_rows(iters, monitors, act="relu", drop=(), nan_at=()):
    """Rows in the driver's schema.  drop: columns left empty; nan_at: (iteration, monitor, col)."""
    rows = []
    T = max(iters)
    for it in iters:
        f = it / float(T)
        loss = 2.3 * math.exp(-3 * f) + 0.1 + 0.05 * math.sin(it)
        for k, (mon, layer, C) in enumerate(monitors):
            ixt = 6.5 - 0.8 * k - (1.2 if act == "sigmoid" else 0.6) * f * (1 - f) * 4 + 0.3 * f
            ity = 1.0 + 2.0 * (1 - math.exp(-4 * f)) - 0.2 * k
            r = dict(iteration=it, epoch=round(it * 128 / 8500.0, 4), loss=round(loss, 5),
                     avg_loss=round(loss + 0.05, 5), rate=0.01, seconds=0.024, monitor=mon,
                     layer=layer, n=128, C=C, sigma_x=2.1, sigma_t=1.3 + 0.1 * k,
                     sigma_delta=0.05, H_X=7.0, H_T=ixt + 0.2, H_Y=3.32, I_XT=round(ixt, 5),
                     I_TY=round(ity, 5), I_delta=round(3.0 - 0.5 * k + f, 5),
                     rs=round(0.5 - 0.3 * f, 5), wnr=round(1.0 + 0.4 * f - 0.1 * k, 5),
                     rs_pct=round(0.3 - 0.2 * f + 0.05 * k, 5),
                     wnr_pct=round(0.2 + 0.1 * f - 0.03 * k, 5),
                     wnr_y=round(0.2 + 0.5 * f, 5), run="20261202T073300.125Z-s1")
            for c in drop:
                r[c] = None
            for (i2, m2, c2) in nan_at:
                if i2 == it and m2 == mon:
                    r[c2] = float("nan")
            rows.append(r)
    return rows


def write_csv(path, rows, cols=COLS, trailer=""):
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for r in rows:
            f.write(",".join(fmt(r.get(c)) for c in cols) + "\n")
        f.write(trailer)


def run(args):
    try:
        p = subprocess.run([sys.executable, SCRIPT] + args, capture_output=True,
                           text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None
    return p


def png_ok(path):
    """'' when path is a valid, non-trivial PNG, else why not."""
    if not os.path.isfile(path):
        return "missing"
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(PNG_SIG):
        return "bad signature %r" % data[:8]
    if data[12:16] != b"IHDR":
        return "no IHDR chunk"
    w, h = struct.unpack(">II", data[16:24])
    if w < 100 or h < 100:
        return "tiny image %dx%d" % (w, h)
    if len(data) < MIN_PNG_BYTES:
        return "only %d bytes" % len(data)
    if not data.rstrip(b"\0").endswith(b"IEND\xaeB`\x82"):
        return "no IEND chunk"
    return ""


def check_pngs(name, out, present, absent=()):
    for png in present:
        why = png_ok(os.path.join(out, png))
        check("%s: %s is a valid PNG" % (name, png), not why, why)
    for png in absent:
        check("%s: %s not written" % (name, png), not os.path.exists(os.path.join(out, png)),
              "exists")


def check_success(name, p, out, present, absent=()):
    if p is None:
        fail(name, "timed out after %d s" % TIMEOUT_S)
        return
    check("%s: exit 0" % name, p.returncode == 0,
          "exit %d, stderr: %s" % (p.returncode, p.stderr.strip()[-800:]))
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    wrote = [l for l in lines if l.startswith("wrote ")]
    check("%s: one 'wrote' line per file" % name,
          len(wrote) == len(present) and all(any(png in l for l in wrote) for png in present),
          "stdout: %r" % p.stdout)
    check("%s: the other stdout lines are 'dpi:' lines" % name,
          all(l.startswith(("wrote ", "dpi: ")) for l in lines), "stdout: %r" % p.stdout)
    check_pngs(name, out, present, absent)


def check_bad(name, args, needle):
    p = run(args)
    if p is None:
        fail(name, "timed out")
        return
    err = [l for l in p.stderr.splitlines() if l.strip()]
    check("%s: exit 2" % name, p.returncode == 2, "exit %d" % p.returncode)
    check("%s: one stderr line naming %r" % (name, needle.replace(os.path.dirname(needle), "TMP")
                                              if os.sep in needle else needle),
          len(err) == 1 and needle in err[0], "stderr: %r" % p.stderr)
    check("%s: nothing on stdout" % name, p.stdout.strip() == "", "stdout: %r" % p.stdout)


def load_script():
    """The plotting script as a module (its functions, without running main)."""
    spec = importlib.util.spec_from_file_location("plot_ip", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


DPI_ITERS = list(range(1, 21))
# forward chain, I_XT must not rise with depth (conv1 6, conv2 5, fc1 4 by default):
FWD_RISE = {3: 5.2, 8: 5.2, 13: 5.2}        # fc1 over conv2 by 0.2: violated
FWD_WITHIN = {5: 5.03, 10: 5.03}           # fc1 over conv2 by 0.03: within the tolerance
FWD_TWO_STEP = 17                          # conv1 6, conv2 6.04, fc1 6.08: 0.08 over conv1
FWD_ONE_LAYER = 19                         # conv2 and fc1 nan: not a measured iteration
# error chain, I_delta must not rise away from the output (conv1 1, conv2 2, fc1 3):
ERR_RISE = {2: 2.2, 4: 2.2}                # conv1 over conv2 by 0.2: violated
ERR_WITHIN = {6: 1.98}                     # fc1 at 1.98, conv2 over it by 0.02: within
FWD_EXPECT = (4, 19)                       # violated, measured
ERR_EXPECT = (2, 20)


def dpi_rows(epochs=lambda it: it / 10.0):
    """conv1, conv1-pid (pid columns only, same layer), conv2, fc1 over iterations 1..20."""
    rows = []
    for it in DPI_ITERS:
        ixt = {"conv1": 6.0, "conv2": 5.0, "fc1": FWD_RISE.get(it, FWD_WITHIN.get(it, 4.0))}
        if it == FWD_TWO_STEP:
            ixt = {"conv1": 6.0, "conv2": 6.04, "fc1": 6.08}
        if it == FWD_ONE_LAYER:
            ixt["conv2"] = ixt["fc1"] = float("nan")
        idel = {"conv1": ERR_RISE.get(it, 1.0), "conv2": 2.0, "fc1": ERR_WITHIN.get(it, 3.0)}
        base = dict(iteration=it, epoch=epochs(it), loss=2.0 - 0.05 * it, avg_loss=2.0,
                    rate=0.1, seconds=0.02, n=128, sigma_x=2.0, sigma_delta=0.1,
                    H_X=6.5, H_Y=3.3)
        for mon, layer, C in (("conv1", 0, 6), ("conv2", 4, 12), ("fc1", 8, 1)):
            r = dict(base, monitor=mon, layer=layer, C=C, sigma_t=1.0, H_T=ixt[mon],
                     I_XT=ixt[mon], I_TY=float(it), I_delta=idel[mon])
            rows.append(r)
            if mon == "conv1":
                rows.append(dict(base, monitor="conv1-pid", layer=0, C=6, sigma_t=1.0,
                                 H_X=None, H_Y=None, sigma_delta=None, rs=0.5, wnr=1.0 + 0.1 * it,
                                 rs_pct=0.3, wnr_pct=0.6, wnr_y=0.5 + 0.05 * it))
    return rows


def dpi_line(p, label, chain):
    """The stdout 'dpi:' line of one run and chain ('forward' or 'error'), or ''."""
    for l in (p.stdout.splitlines() if p else []):
        if l.startswith("dpi: %s: %s " % (label, chain)):
            return l
    return ""


def check_dpi_line(name, line, layers, expect, snaps):
    check("%s: dpi line printed" % name, bool(line), "no line")
    if not line:
        return
    check("%s: chain layers %s (pid-only monitor left out)" % (name, ", ".join(layers)),
          ("layers %s;" % ", ".join(layers)) in line, line)
    m = re.search(r"in (\d+) of (\d+) measured iterations \(([\d.]+)%\)", line)
    got = (int(m.group(1)), int(m.group(2))) if m else None
    check("%s: violated in %d of %d measured iterations" % ((name,) + expect), got == expect,
          "got %r in %r" % (got, line))
    if m:
        share = 100.0 * expect[0] / expect[1]
        check("%s: share %.1f%%" % (name, share), abs(float(m.group(3)) - share) < 0.051,
              line)
    check("%s: snapshots %s" % (name, snaps), line.endswith("snapshots: " + snaps), line)


def dpi_tests(tmp):
    csvp = os.path.join(tmp, "dpi.csv")
    write_csv(csvp, dpi_rows())
    out = os.path.join(tmp, "dpi_out")
    p = run(["--out", out, "a=" + csvp])
    check_success("dpi case", p, out, ["ip.png", "mip.png", "dpi.png", "pid.png", "loss.png"])
    layers = ["conv1", "conv2", "fc1"]
    default = "initialization it 1, after epoch 1 it 10, end it 20"
    check_dpi_line("dpi forward", dpi_line(p, "a", "forward"), layers, FWD_EXPECT, default)
    check_dpi_line("dpi error", dpi_line(p, "a", "error"), layers, ERR_EXPECT, default)
    check("dpi forward: worst pair named", "most often fc1 over conv2 (3)"
          in dpi_line(p, "a", "forward"), dpi_line(p, "a", "forward"))
    check("dpi error: worst pair named", "most often conv1 over conv2 (2)"
          in dpi_line(p, "a", "error"), dpi_line(p, "a", "error"))

    # --at: exactly the named iterations, in order, an unmeasured one said so
    out = os.path.join(tmp, "dpi_at")
    p = run(["--out", out, "--at", "12,5,999,5", "a=" + csvp])
    check_success("--at", p, out, ["ip.png", "mip.png", "dpi.png", "pid.png", "loss.png"])
    at = "iteration 5, iteration 12, iteration 999: not measured"
    check_dpi_line("--at forward", dpi_line(p, "a", "forward"), layers, FWD_EXPECT, at)
    check_dpi_line("--at error", dpi_line(p, "a", "error"), layers, ERR_EXPECT, at)

    # no row reaches epoch 1; no epoch column at all
    early = os.path.join(tmp, "early.csv")
    write_csv(early, dpi_rows(epochs=lambda it: it / 100.0))
    noep = os.path.join(tmp, "noepoch.csv")
    write_csv(noep, dpi_rows(), cols=[c for c in COLS if c != "epoch"])
    out = os.path.join(tmp, "dpi_early")
    p = run(["--out", out, "e=" + early, "x=" + noep])
    check_success("epoch 1 absent", p, out,
                  ["ip.png", "mip.png", "dpi.png", "pid.png", "loss.png"])
    check_dpi_line("epoch < 1", dpi_line(p, "e", "forward"), layers, FWD_EXPECT,
                   "initialization it 1, after epoch 1: absent (epoch < 1 throughout), "
                   "end it 20")
    check_dpi_line("no epoch column", dpi_line(p, "x", "error"), layers, ERR_EXPECT,
                   "initialization it 1, after epoch 1: absent (no epoch column), end it 20")

    # the same functions in-process
    try:
        mod = load_script()
    except Exception as e:      # noqa: BLE001 - any import failure is a test failure
        fail("import plot_ip", repr(e))
        return
    r = mod.Run("a", csvp)
    check("Chain skips the pid-only monitor",
          mod.Chain(r, "I_XT").monitors == layers and mod.Chain(r, "I_delta").monitors == layers,
          "%r" % mod.Chain(r, "I_XT").monitors)
    check("Chain of wnr holds only the pid-only monitor",
          mod.Chain(r, "wnr").monitors == ["conv1-pid"], "%r" % mod.Chain(r, "wnr").monitors)
    got = mod.dpi_violations(mod.Chain(r, "I_XT"), "forward")[:2]
    check("dpi_violations forward", got == FWD_EXPECT, "%r" % (got,))
    got = mod.dpi_violations(mod.Chain(r, "I_delta"), "error")[:2]
    check("dpi_violations error", got == ERR_EXPECT, "%r" % (got,))
    got = mod.dpi_violations(mod.Chain(r, "I_delta"), "forward")[:2]
    check("the two directions differ (forward rule on the error chain: 20 of 20)",
          got == (20, 20), "%r" % (got,))
    ma = mod.moving_average([1.0, 2.0, 3.0, 4.0, 5.0], 3)
    check("moving_average, window 3", ma == [1.5, 2.0, 3.0, 4.0, 4.5], "%r" % ma)
    ma = mod.moving_average([1.0, 2.0, 3.0, 4.0], 2)
    check("moving_average, window 2", ma == [1.5, 2.5, 3.5, 4.0], "%r" % ma)
    ma = mod.moving_average([3.0, 1.0, 2.0], 1)
    check("moving_average, window 1 is the series", ma == [3.0, 1.0, 2.0], "%r" % ma)
    ma = mod.moving_average([3.0, 1.0, 2.0], 50)
    check("moving_average, window over the series is its mean", ma == [2.0] * 3, "%r" % ma)
    # epochs it/10: iterations 1..10 are epoch 1 (I_TY mean 5.5), 11..20 epoch 2 (15.5)
    its, xs, ys, mode = mod.curve(r, "conv1", "I_XT", "I_TY", None)
    check("curve: start, then per-epoch means", mode == "epoch" and ys == [1.0, 5.5, 15.5]
          and its == [1, 5.5, 15.5], "%r %r %r" % (mode, its, ys))
    its, xs, ys, mode = mod.curve(r, "conv1", "I_XT", "I_TY", 3)
    check("curve: --smooth 3", mode == "smooth" and len(ys) == 20 and ys[0] == 1.5
          and ys[5] == 6.0 and ys[-1] == 19.5, "%r %r" % (mode, ys))


def main():
    if not os.path.isfile(SCRIPT):
        fail("script exists", SCRIPT)
        return summary()
    tmp = tempfile.mkdtemp(prefix="test_plot_ip.")
    try:
        mons = [("conv1", 1, 6), ("conv2", 4, 12), ("fc1", 7, 1)]
        iters = list(range(0, 2001, 100))
        nans = [(300, "conv1", "I_XT"), (500, "conv2", "I_TY"), (700, "fc1", "wnr"),
                (900, "conv1", "rs_pct"), (1100, "conv2", "loss")]

        # 1. two full runs (with nan cells), default --out = first CSV's folder
        relu = os.path.join(tmp, "relu.metrics.csv")
        sigm = os.path.join(tmp, "sigmoid.metrics.csv")
        write_csv(relu, synth_rows(iters, mons, "relu", nan_at=nans))
        write_csv(sigm, synth_rows(iters, mons, "sigmoid", nan_at=nans))
        p = run(["--title", "synthetic", "relu=" + relu, "sigmoid=" + sigm])
        check_success("full", p, tmp, ["ip.png", "mip.png", "dpi.png", "pid.png", "loss.png"])

        # 2. some quantities only: PID/error-chain columns empty, a monitor with
        #    a single row, a truncated last line (run still being written)
        out2 = os.path.join(tmp, "partial_out")
        part = os.path.join(tmp, "partial.csv")
        rows = synth_rows(iters, mons[:2], drop=("rs", "wnr", "rs_pct", "wnr_pct", "wnr_y",
                                                 "I_delta", "sigma_delta"))
        rows += synth_rows([1000], [("conv3", 6, 16)],
                           drop=("rs", "wnr", "rs_pct", "wnr_pct", "wnr_y", "I_delta"))
        write_csv(part, rows, trailer="2100,3.1,0.2")
        p = run(["--out", out2, "part=" + part])
        check_success("partial", p, out2, ["ip.png", "dpi.png", "loss.png"],
                      ["mip.png", "pid.png"])
        if p is not None:
            check("partial: warns about the truncated row",
                  "skipped 1 malformed row" in p.stderr, "stderr: %r" % p.stderr)

        # 3. a CSV with only the required columns plus a few, in another order,
        #    and one whose I_XT column is all nan (plots say "no data")
        out3 = os.path.join(tmp, "minimal_out")
        mini = os.path.join(tmp, "minimal.csv")
        cols = ["monitor", "layer", "iteration", "I_XT", "loss"]
        write_csv(mini, synth_rows(iters, mons), cols=cols)
        alln = os.path.join(tmp, "allnan.csv")
        write_csv(alln, synth_rows([10, 20], mons,
                                   nan_at=[(t, m, "I_XT") for t in (10, 20) for m, _, _ in mons]),
                  cols=["iteration", "monitor", "layer", "I_XT", "I_TY"])
        p = run(["--out", out3, "mini=" + mini, "allnan=" + alln])
        check_success("minimal", p, out3, ["ip.png", "dpi.png", "loss.png"],
                      ["mip.png", "pid.png"])

        # 3b. the run column: a resume's rows are the same run; two fresh runs
        #     in one file (train -append) are warned about
        resumed = os.path.join(tmp, "resumed.csv")
        more = synth_rows([2100, 2200], mons)
        for r in more:
            r["run"] = "20261202T090000.042Z-s1-r2000"
        write_csv(resumed, synth_rows(iters, mons) + more)
        p = run(["--out", os.path.join(tmp, "resumed_out"), "res=" + resumed])
        check("a resumed run's file: no warning about runs",
              p is not None and p.returncode == 0 and "fresh runs" not in p.stderr,
              "stderr: %r" % (p and p.stderr))
        for r in more:
            r["run"] = "20261202T090000.042Z-s2"
        write_csv(resumed, synth_rows(iters, mons) + more)
        p = run(["--out", os.path.join(tmp, "resumed_out"), "two=" + resumed])
        check("two fresh runs in one file: a warning naming both",
              p is not None and p.returncode == 0 and "holds 2 fresh runs" in p.stderr and
              "20261202T090000.042Z-s2" in p.stderr, "stderr: %r" % (p and p.stderr))

        # 4. one monitor, one row
        out4 = os.path.join(tmp, "single_out")
        one = os.path.join(tmp, "one.csv")
        write_csv(one, synth_rows([5], mons[:1]))
        p = run(["--out", out4, "one=" + one])
        check_success("single row", p, out4,
                      ["ip.png", "mip.png", "dpi.png", "pid.png", "loss.png"])

        # 5. --smooth on the full runs, a window of 1 and one longer than the runs
        for n in ("3", "1", "1000"):
            out5 = os.path.join(tmp, "smooth_%s" % n)
            p = run(["--out", out5, "--smooth", n, "relu=" + relu, "sigmoid=" + sigm])
            check_success("--smooth %s" % n, p, out5,
                          ["ip.png", "mip.png", "dpi.png", "pid.png", "loss.png"])
        out5 = os.path.join(tmp, "smooth_single")
        p = run(["--out", out5, "--smooth", "5", "--at", "5", "one=" + one])
        check_success("--smooth, --at on one row", p, out5,
                      ["ip.png", "mip.png", "dpi.png", "pid.png", "loss.png"])

        # --dpi scales the pixel size (bbox_inches="tight" rounds a little)
        widths = {}
        for d in ("55", None):
            out_d = os.path.join(tmp, "dpi%s" % d)
            p = run(["--out", out_d] + (["--dpi", d] if d else []) + ["relu=" + relu])
            check_success("--dpi %s" % d, p, out_d,
                          ["ip.png", "mip.png", "dpi.png", "pid.png", "loss.png"])
            with open(os.path.join(out_d, "ip.png"), "rb") as f:
                widths[d] = struct.unpack(">I", f.read(24)[16:20])[0]
        ratio = widths["55"] / widths[None]
        check("--dpi 55 halves the width of the default 110 dpi (%.3f)" % ratio,
              abs(ratio - 0.5) < 0.03)

        # 6. the DPI chains on a constructed case
        dpi_tests(tmp)

        # 7. bad inputs: exit 2, one stderr line naming the file or argument
        missing = os.path.join(tmp, "nope.csv")
        check_bad("missing file", ["a=" + missing], missing)
        empty = os.path.join(tmp, "empty.csv")
        open(empty, "w").close()
        check_bad("empty file", ["a=" + empty], empty)
        nohdr = os.path.join(tmp, "noheader.csv")
        with open(nohdr, "w") as f:
            f.write("100,0.1,2.3,2.3,0.01,0.02,conv1,1\n200,0.2,2.1,2.2,0.01,0.02,conv1,1\n")
        check_bad("no header", ["a=" + nohdr], nohdr)
        nolayer = os.path.join(tmp, "nolayer.csv")
        write_csv(nolayer, synth_rows(iters, mons), cols=["iteration", "monitor", "I_XT"])
        check_bad("missing column layer", ["a=" + nolayer], "layer")
        check_bad("missing column layer names file", ["a=" + nolayer], nolayer)
        hdronly = os.path.join(tmp, "headeronly.csv")
        write_csv(hdronly, [])
        check_bad("header only", ["a=" + hdronly], hdronly)
        check_bad("no '='", [relu], relu)
        check_bad("empty label", ["=" + relu], "=" + relu)
        check_bad("empty file part", ["relu="], "relu=")
        check_bad("duplicate label", ["a=" + relu, "a=" + sigm], "a=" + sigm)
        check_bad("second pair bad", ["a=" + relu, "b=" + missing], missing)
        check_bad("no arguments", [], "LABEL=FILE")
        check_bad("unknown option", ["--bogus", "a=" + relu], "--bogus")
        check_bad("--at not a number", ["--at", "1,x", "a=" + relu], "--at '1,x'")
        check_bad("--at empty item", ["--at", "1,,2", "a=" + relu], "--at '1,,2'")
        check_bad("--at negative", ["--at", "-5", "a=" + relu], "--at")
        check_bad("--smooth 0", ["--smooth", "0", "a=" + relu], "--smooth '0'")
        check_bad("--smooth not a number", ["--smooth", "x", "a=" + relu], "--smooth 'x'")
        check_bad("--dpi 10", ["--dpi", "10", "a=" + relu], "--dpi '10'")
        check_bad("--dpi not a number", ["--dpi", "1e2", "a=" + relu], "--dpi '1e2'")

        # 8. --help
        p = run(["--help"])
        check("--help exits 0", p is not None and p.returncode == 0,
              "exit %s" % (p and p.returncode))
        check("--help explains usage and outputs",
              p is not None and "LABEL=FILE" in p.stdout and "ip.png" in p.stdout
              and "--out" in p.stdout and "--at" in p.stdout and "--smooth" in p.stdout,
              "stdout: %r" % (p and p.stdout[:300]))
    finally:
        if os.environ.get("KEEP_TMP"):
            print("# kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
