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
  * one stdout line per written file;
  * bad inputs (missing file, empty file, no header, missing required
    columns, malformed LABEL=FILE, duplicate label, unknown option) exit 2
    with one stderr line naming the file or argument;
  * --help exits 0 and explains the usage.

Each check prints `ok - name` or `FAIL - name: detail`; the last line is
`N passed, M failed`, and the exit status is 1 if M > 0.
"""
import math
import os
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
          "sigma_t,sigma_delta,H_X,H_T,H_Y,I_XT,I_TY,I_delta,rs,wnr,rs_pct,wnr_pct,wnr_y")
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
                     wnr_y=round(0.2 + 0.5 * f, 5))
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
    check("%s: one stdout line per file" % name,
          len(lines) == len(present) and all(any(png in l for l in lines) for png in present),
          "stdout: %r" % p.stdout)
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

        # 4. one monitor, one row
        out4 = os.path.join(tmp, "single_out")
        one = os.path.join(tmp, "one.csv")
        write_csv(one, synth_rows([5], mons[:1]))
        p = run(["--out", out4, "one=" + one])
        check_success("single row", p, out4,
                      ["ip.png", "mip.png", "dpi.png", "pid.png", "loss.png"])

        # 5. bad inputs: exit 2, one stderr line naming the file or argument
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

        # 6. --help
        p = run(["--help"])
        check("--help exits 0", p is not None and p.returncode == 0,
              "exit %s" % (p and p.returncode))
        check("--help explains usage and outputs",
              p is not None and "LABEL=FILE" in p.stdout and "ip.png" in p.stdout
              and "--out" in p.stdout, "stdout: %r" % (p and p.stdout[:300]))
    finally:
        if os.environ.get("KEEP_TMP"):
            print("# kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
