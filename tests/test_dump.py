#!/usr/bin/python3
"""Tests of the monitor option dump=DIR (dump_every, dump_max) and of the
re-analysis of a dump with `./infomonitor estimate` (about 10 s):
  - the files: DIR/<monitor>/itNNNNNN_{X,T,Y,delta_k,delta_out}.npy and
    itNNNNNN.json for exactly the iterations that dump_every and dump_max
    select, float32 (Y int32) in the estimator's layout, mode 0666 less the
    umask, no temporary file left;
  - X and Y are what the network saw: every row of X is a training image
    (pixels / 255) and Y its label, read from the IDX files here; a probe
    monitor's X and Y are the valid split's first N;
  - the JSON's widths are those of the numpy reference (tests/ref_renyi.py)
    on the dumped arrays, and the reference's quantities on them match the
    CSV row within the fp32 engines' 1e-4 bits;
  - `estimate` on the dumped arrays with the JSON's alpha and sigmas gives
    every quantity of the CSV row (H_X, H_T, H_Y, I_XT, I_TY, sat_T, the pid
    columns, dead: the maps of T whose samples coincide, counted here, and, from delta_out and delta_k, I_delta and H_dK) within 1e-6
    bits; with the width rule and h instead of the sigmas, too; at another
    alpha it gives the reference's values at that alpha;
  - bad input: a folder that cannot be written or made, a file in the way,
    dump_every / dump_max without dump, bad values, a name with '/': exit 2
    naming cfg:line, the key and the value, and `check` makes no folder; a
    write that fails mid-run (a file size limit) stops the run with exit 2
    naming the file, and leaves no partial file.
usage: test_dump.py [path/to/infomonitor]
"""
import glob
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile

import numpy as np

import ref_renyi as rr
import test_train as tt
from tap import check, summary

EXE = tt.EXE
TOL = 1e-6          # estimate against the CSV row (the CSV has 7 significant digits, values < 10)
REF_TOL = 1e-4      # the numpy reference against the fp32 engines


def dump_cfg(d, name, dump, conv="dump_every=2\ndump_max=3\n", fc="", probe=True):
    """tt.cfg_file's net with dumps: conv1 (every iteration, pid and delta),
    fc1 (every 4) and, with probe, conv1p (a probe of 8 on conv1)."""
    extra = f"dump={dump}\n{conv}"
    if probe:
        extra += f"\n[infomonitor]\nname=conv1p\nprobe=8\nquantities=ixt,ity,pid\ndump={dump}\n"
    return tt.cfg_file(d, name, extra_monitor=extra, fc_extra=f"dump={dump}\n{fc}")


def its_of(folder):
    return sorted(int(os.path.basename(p)[2:-5]) for p in glob.glob(f"{folder}/it*.json"))


def csv_rows(path):
    rows = tt.read_csv(path)
    head = rows[0]
    return {(int(r[0]), r[head.index("monitor")]): dict(zip(head, r)) for r in rows[1:]}


def estimate(*args):
    r = subprocess.run([EXE, "estimate", *args], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        return {"error": r.stderr.strip()}
    return json.loads(r.stdout)


def files_and_layout(dump, d):
    """Which iterations, which files, their dtypes, shapes, modes."""
    check("conv1: dump_every=2, dump_max=3 dump iterations 1, 3, 5", its_of(f"{dump}/conv1") == [1, 3, 5],
          its_of(f"{dump}/conv1"))
    check("fc1 (every=4): its measured iterations 1, 5, 9", its_of(f"{dump}/fc1") == [1, 5, 9],
          its_of(f"{dump}/fc1"))
    check("conv1p (probe): every iteration 1..12", its_of(f"{dump}/conv1p") == list(range(1, 13)))
    names = sorted(os.listdir(f"{dump}/conv1"))
    want = sorted(f"it{i:06d}{s}" for i in (1, 3, 5) for s in
                  (".json", "_X.npy", "_T.npy", "_Y.npy", "_delta_k.npy", "_delta_out.npy"))
    check("conv1's folder holds exactly its files (no temporary file)", names == want, names)
    check("fc1 and conv1p (no delta) have no delta files",
          not glob.glob(f"{dump}/fc1/*delta*") and not glob.glob(f"{dump}/conv1p/*delta*"))
    shapes = {"X": ((16, 64), "<f4"), "T": ((16, 4, 36), "<f4"), "Y": ((16,), "<i4"),
              "delta_k": ((16, 4, 36), "<f4"), "delta_out": ((16, 3), "<f4")}
    got = {k: np.load(f"{dump}/conv1/it000003_{k}.npy") for k in shapes}
    check("conv1: X (n, inputs), T and delta_k (n, C, h*w), Y (n,) int32, delta_out (n, classes)",
          all(got[k].shape == s and got[k].dtype == np.dtype(t) for k, (s, t) in shapes.items()),
          {k: (v.shape, v.dtype.str) for k, v in got.items()})
    t = np.load(f"{dump}/fc1/it000005_T.npy")
    check("fc1: T is (n, outputs), one variable", t.shape == (16, 3) and t.dtype == np.float32)
    mask = os.umask(0)
    os.umask(mask)
    modes = {oct(os.stat(p).st_mode & 0o777) for p in glob.glob(f"{dump}/*/*")}
    check("dump files have mode 0666 less the umask", modes == {oct(0o666 & ~mask)}, modes)
    # X and Y are the network's: rows of the training set and their labels.
    images = tt.read_idx(f"{d}/train-images-idx3-ubyte.gz").reshape(96, -1)
    labels = tt.read_idx(f"{d}/train-labels-idx1-ubyte.gz")
    scaled = images.astype(np.float32) / np.float32(255)
    x, y = got["X"], got["Y"]
    hit = [np.flatnonzero((scaled == row).all(axis=1)) for row in x]
    check("every row of X is a training image / 255, and Y its label",
          all(len(h) >= 1 and labels[h[0]] == yy for h, yy in zip(hit, y)))
    vx = tt.read_idx(f"{d}/t10k-images-idx3-ubyte.gz")[:8].reshape(8, -1)
    vy = tt.read_idx(f"{d}/t10k-labels-idx1-ubyte.gz")[:8]
    px, py = np.load(f"{dump}/conv1p/it000007_X.npy"), np.load(f"{dump}/conv1p/it000007_Y.npy")
    check("a probe monitor's X and Y are the valid split's first 8",
          px.shape == (8, 64) and np.array_equal(px, vx.astype(np.float32) / np.float32(255)) and
          np.array_equal(py, vy))


def settings(dump, mon, it):
    with open(f"{dump}/{mon}/it{it:06d}.json") as f:
        return json.load(f)


def compare(name, got, row, keys, tol):
    """got[key] (a number, or a path into a dict) against float(row[col])."""
    worst, bad = 0.0, []
    for k, col in keys:
        v = got
        for part in k.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        if v is None or row[col] == "":
            bad.append(col)
            continue
        e = abs(float(v) - float(row[col]))
        worst = max(worst, e)
        if e > tol:
            bad.append(f"{col}: {v} vs {row[col]}")
    check(f"{name} (worst {worst:.1e})", not bad, bad)


FORWARD = (("H_X", "H_X"), ("H_T", "H_T"), ("H_Y", "H_Y"), ("I_XT", "I_XT"), ("I_TY", "I_TY"))
PID = (("pid_x.rs", "rs"), ("pid_x.wnr", "wnr"), ("pid_x.rs_pct", "rs_pct"),
       ("pid_x.wnr_pct", "wnr_pct"), ("pid_y.wnr", "wnr_y"))


def reproduce(dump, rows):
    """estimate on dumps reproduces their CSV rows."""
    for mon, it in (("conv1", 1), ("conv1", 5), ("fc1", 9), ("conv1p", 12)):
        s = settings(dump, mon, it)
        row = rows[(it, mon)]
        f = lambda k: f"{dump}/{mon}/{s['files'][k]}"  # noqa: E731
        pid = ["--pid"] if "pid" in s["quantities"] else []
        sig = ["--sigma-x", repr(s["sigma_x"]), "--sigma-t", repr(s["sigma_t"])]
        e = estimate(f("X"), f("T"), f("Y"), "--alpha", repr(s["alpha"]), *sig, *pid)
        e["sat_T"] = e.get("H_T", 0) / np.log2(s["n"])
        t = np.load(f("T"))
        maps = [t[:, c] for c in range(t.shape[1])] if t.ndim == 3 else [t]
        e["dead"] = sum(bool(np.all(m == m[0])) for m in maps)
        compare(f"{mon} it {it}: estimate with the JSON's sigmas gives the CSV row",
                e, row, FORWARD + (("sat_T", "sat_T"), ("dead", "dead")) + (PID if pid else ()), TOL)
        check(f"{mon} it {it}: the JSON's n, C, layer, sigmas are the CSV's",
              (s["n"], s["C"], s["layer"]) == (int(row["n"]), int(row["C"]), int(row["layer"])) and
              abs(s["sigma_x"] - float(row["sigma_x"])) <= 1e-6 * s["sigma_x"] and
              abs(s["sigma_t"] - float(row["sigma_t"])) <= 1e-6 * s["sigma_t"], (s, row))
        rule = ["--kernel-width", s["kernel_width"], "--h-x", repr(s["h"]), "--h-t", repr(s["h"])]
        e = estimate(f("X"), f("T"), f("Y"), "--alpha", repr(s["alpha"]), *rule, *pid)
        compare(f"{mon} it {it}: estimate with the rule and h gives the CSV row", e, row,
                FORWARD + (("sigma_x", "sigma_x"), ("sigma_t", "sigma_t")), TOL)
        if "delta_k" in s["files"]:
            e = estimate(f("delta_out"), f("delta_k"), "--alpha", repr(s["alpha"]),
                         "--sigma-x", repr(s["sigma_delta_out"]), "--sigma-t", repr(s["sigma_delta"]))
            compare(f"{mon} it {it}: estimate(delta_out, delta_k) gives I_delta and H_dK", e, row,
                    (("I_XT", "I_delta"), ("H_X", "H_dK"), ("sigma_t", "sigma_delta")), TOL)


def reference(dump, rows):
    """The numpy reference on the dumped arrays: the JSON's widths, the CSV's values,
    and another alpha through estimate."""
    s = settings(dump, "conv1", 3)
    row = rows[(3, "conv1")]
    load = lambda k: np.load(f"{dump}/conv1/{s['files'][k]}")  # noqa: E731
    X, T, Y = load("X"), load("T"), load("Y")
    sx = rr.width(X, "silverman-dim", 0.5)
    st = rr.width(T.reshape(16, -1), "silverman-dim", 0.5)
    sd = rr.width(load("delta_k").reshape(16, -1), "silverman-dim", 2.0)
    so = rr.width(load("delta_out"), "silverman-dim", 2.0)
    got = (s["sigma_x"], s["sigma_t"], s["sigma_delta"], s["sigma_delta_out"])
    check("the JSON's sigma_x, sigma_t, sigma_delta, sigma_delta_out are silverman-dim's "
          "(h 0.5, delta_h 2) on the dumped arrays, by the reference",
          all(abs(a - b) <= 1e-9 * b for a, b in zip(got, (sx, st, sd, so))), (got, (sx, st, sd, so)))
    ref = rr.estimate(X, T, Y, alpha=1.01, pid=True)
    compare("conv1 it 3: the reference's quantities on the dump match the CSV row", ref, row,
            FORWARD + PID, REF_TOL)
    refd = rr.estimate(load("delta_out"), load("delta_k"), alpha=1.01, sigma_x=so, sigma_t=sd)
    compare("conv1 it 3: the reference's I(delta_out; delta_k) matches I_delta", refd, row,
            (("I_XT", "I_delta"), ("H_X", "H_dK")), REF_TOL)
    f = lambda k: f"{dump}/conv1/{s['files'][k]}"  # noqa: E731
    e = estimate(f("X"), f("T"), f("Y"), "--alpha", "2", "--sigma-x", repr(sx), "--sigma-t", repr(st))
    r2 = rr.estimate(X, T, Y, alpha=2.0, sigma_x=sx, sigma_t=st)
    check("re-analysis at alpha = 2 gives the reference's alpha-2 values, not the CSV's",
          all(abs(e[k] - r2[k]) <= REF_TOL for k in ("H_X", "H_T", "I_XT", "I_TY")) and
          abs(e["I_XT"] - float(row["I_XT"])) > 1e-3, (e, r2))


def bad_input(d, data):
    """Exit 2 naming cfg:line, the key and the value; nothing made."""
    def bad(name, cfg, needles, verb="train"):
        args = [verb, cfg, data] if verb == "check" else [verb, data, cfg]
        r = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=60)
        msg = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
        check(f"bad input: {name} (exit 2)", r.returncode == 2 and all(n in msg for n in needles),
              f"rc={r.returncode} {msg!r}")

    # A folder this process cannot write: a mode 500 one, or for root (whom
    # modes do not stop) /proc/sys, which the kernel keeps read-only.
    ro = f"{d}/ro"
    os.makedirs(ro)
    os.chmod(ro, 0o500)
    if os.geteuid() == 0:
        ro = "/proc/sys"
    if os.access(ro, os.W_OK):
        print(f"skipped: no folder that this process cannot write ({ro} is writable)")
    else:
        c = dump_cfg(d, "ro.cfg", f"{ro}/new/dump", probe=False)
        line = tt.line_of(c, f"dump={ro}/new/dump")
        for verb in ("train", "check"):
            bad(f"{verb}: dump under a read-only folder", c,
                [f"{c}:{line}:", f"dump = '{ro}/new/dump'",
                 f"cannot be made: folder {ro} is not writable"], verb)
        c = dump_cfg(d, "ro2.cfg", ro, probe=False)
        bad("dump into a read-only folder", c,
            [f"{c}:{tt.line_of(c, f'dump={ro}')}:", f"folder {ro} is not writable"])
    with open(f"{d}/afile", "w") as f:
        f.write("x")
    c = dump_cfg(d, "file.cfg", f"{d}/afile/sub", probe=False)
    bad("a file in the way", c,
        [f"{c}:{tt.line_of(c, f'dump={d}/afile/sub')}:", f"cannot be made: {d}/afile is not a folder"])
    c = tt.cfg_file(d, "every.cfg", extra_monitor="dump_every=2\n")
    bad("dump_every without dump", c, [f"{c}:{tt.line_of(c, 'dump_every=2')}:", "dump_every is only used with dump"])
    c = tt.cfg_file(d, "max.cfg", extra_monitor="dump_max=5\n")
    bad("dump_max without dump", c, [f"{c}:{tt.line_of(c, 'dump_max=5')}:", "dump_max is only used with dump"])
    c = dump_cfg(d, "max0.cfg", f"{d}/dz", conv="dump_max=0\n", probe=False)
    bad("dump_max = 0", c, [f"{c}:{tt.line_of(c, 'dump_max=0')}:", "dump_max = '0'", "whole number >= 1"])
    c = dump_cfg(d, "every0.cfg", f"{d}/dz", conv="dump_every=x\n", probe=False)
    bad("dump_every = x", c, [f"{c}:{tt.line_of(c, 'dump_every=x')}:", "dump_every = 'x'"])
    c = tt.cfg_file(d, "slash.cfg", extra_monitor=f"\n[infomonitor]\nname=a/b\ndump={d}/dz\n")
    bad("a monitor name with '/' and dump", c,
        [f"{c}:{tt.line_of(c, '[infomonitor]', 2)}:", "'a/b'", "'/'"])
    check("check and refused runs made no dump folder", not os.path.exists(f"{ro}/new") and
          not os.path.exists(f"{d}/dz/conv1"), os.listdir(d))


def failed_write(d, data):
    """A file size limit below X.npy's size: the worker's write fails, the run stops
    with exit 2 naming the file, and no partial or temporary file is left."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))
    dump = f"{d}/fdump"
    c = dump_cfg(d, "fsize.cfg", dump, probe=False)
    r = subprocess.run([EXE, "train", data, c, "-seed", "7", "-log", f"{d}/fsize.csv"],
                       capture_output=True, text=True, timeout=60, preexec_fn=limit)
    msg = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    check("a failed dump write stops the run: exit 2 naming the file",
          r.returncode == 2 and f"{dump}/conv1/it000001_X.npy" in msg and "cannot write" in msg,
          f"rc={r.returncode} {msg!r}")
    left = sorted(os.listdir(f"{dump}/conv1")) if os.path.isdir(f"{dump}/conv1") else []
    check("no partial or temporary dump file is left", not any("X" in f for f in left), left)


def main():
    with tempfile.TemporaryDirectory() as d:
        tt.make_data(d)
        data = tt.data_file(d)
        dump = f"{d}/dump/run1"
        cfg = dump_cfg(d, "dump.cfg", dump)
        r = tt.run("train", data, cfg, "-seed", "7", "-log", f"{d}/dump.csv")
        if not check("train with dump exits 0", r.returncode == 0, r.stderr[-800:]):
            sys.exit(summary())
        rows = csv_rows(f"{d}/dump.csv")
        files_and_layout(dump, d)
        reproduce(dump, rows)
        reference(dump, rows)
        bad_input(d, data)
        failed_write(d, data)
    sys.exit(summary())


if __name__ == "__main__":
    main()
