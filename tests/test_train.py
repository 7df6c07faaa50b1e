#!/usr/bin/python3
"""End-to-end tests of `./infomonitor train` and `valid` on a tiny generated
IDX data set (well under a minute):
  - Darknet's log line on stdout, one per iteration, in Darknet's format;
  - the metrics CSV: exact header, one row per monitor per measured
    iteration (every=N honoured), empty cells for quantities that are off,
    finite values, appended on resume;
  - monitoring does not change training: the loss lines are bit-identical
    with and without [infomonitor] sections for the same seed, also with
    probe monitors (and the weights, batch-norm statistics included) and
    with dump=DIR (and the metrics);
  - a probe monitor measures X and Y on its fixed probe (H_X and H_Y equal
    the numpy reference's on the probe at every iteration) and the error
    chain on the batch;
  - weights files, the accuracy CSV, and `valid`;
  - a diverging learning rate: `nan` in the CSV, a warning, training goes on,
    and the collapse is diagnosed; a saturated monitor is warned about once,
    a normal run gets no diagnostic warning;
  - bad input (cfg, .data, IDX, flags, a GPU-built libdarknet): exit status
    != 0 and a message naming the file and line or key;
  - image lists: valid PNGs train; a truncated PNG or JPEG, a 100000x100000
    PNG, an empty file, junk after a PNG signature, a TIFF: exit status 2
    naming list:line: and the image, and no ./bad.list.
usage: test_cli.py [path/to/infomonitor]
"""
import csv
import ctypes
import gzip
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np

import ref_renyi as rr
from tap import check, summary

EXE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./infomonitor")
COLUMNS = ("iteration,epoch,loss,avg_loss,rate,seconds,monitor,layer,n,C,sigma_x,sigma_t,"
           "sigma_delta,H_X,H_T,H_Y,I_XT,I_TY,I_delta,H_dK,sat_T,dead,rs,wnr,rs_pct,wnr_pct,wnr_y,"
           "run").split(",")
LOG_RE = re.compile(r"^(\d+), (\d+\.\d{3}): (\S+), (\S+) avg, (\S+) rate, (\S+) seconds, (\d+) images$")

def write_idx(path, arr, magic):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">I", magic))
        for d in arr.shape:
            f.write(struct.pack(">I", d))
        f.write(arr.astype(np.uint8).tobytes())


def read_idx(path):
    """An IDX file as a uint8 array, read independently of the C loader."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = struct.unpack(">" + "I" * raw[3], raw[4:4 + 4 * raw[3]])
    return np.frombuffer(raw[4 + 4 * raw[3]:], dtype=np.uint8).reshape(dims)


def make_data(d):
    """3 classes of 8x8 images: a bright row band per class, plus noise."""
    rng = np.random.default_rng(5)
    for split, n in (("train", 96), ("t10k", 48)):
        y = np.arange(n) % 3
        x = rng.integers(0, 60, size=(n, 8, 8))
        for i in range(n):
            x[i, 1 + 2 * y[i]:3 + 2 * y[i], :] += 180
        write_idx(f"{d}/{split}-images-idx3-ubyte.gz", x, 0x803)
        write_idx(f"{d}/{split}-labels-idx1-ubyte.gz", y, 0x801)


def data_file(d, name="tiny.data", **over):
    keys = {"classes": "3", "train": f"{d}/train-images-idx3-ubyte.gz",
            "train_labels": f"{d}/train-labels-idx1-ubyte.gz",
            "valid": f"{d}/t10k-images-idx3-ubyte.gz",
            "valid_labels": f"{d}/t10k-labels-idx1-ubyte.gz", "backup": f"{d}/backup", "top": "2"}
    keys.update(over)
    path = f"{d}/{name}"
    with open(path, "w") as f:
        for k, v in keys.items():
            if v is not None:
                f.write(f"{k}={v}\n")
    return path


def cfg_file(d, name, monitors=True, lr="0.05", max_batches=12, extra_monitor="", conv_extra="",
             fc_extra=""):
    mon = lambda text: text if monitors else ""
    text = f"""[net]
batch=16
subdivisions=1
height=8
width=8
channels=1
learning_rate={lr}
momentum=0.9
decay=0
max_batches={max_batches}

[convolutional]
filters=4
size=3
stride=1
pad=0
activation=relu
{conv_extra}{mon(f'''
[infomonitor]
name=conv1
quantities=ixt,ity,mmi,delta,pid
{extra_monitor}''')}
[connected]
output=3
activation=linear
{mon(f'''
[infomonitor]
every=4
quantities=ixt,ity
{fc_extra}''')}
[softmax]
"""
    path = f"{d}/{name}"
    with open(path, "w") as f:
        f.write(text)
    return path


def line_of(path, text, nth=1):
    """The 1-based number of the nth line of path that reads text."""
    with open(path) as f:
        hits = [i + 1 for i, l in enumerate(f.read().splitlines()) if l == text]
    return hits[nth - 1]


def run(*args, env=None, cwd=None):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120, env=env,
                          cwd=cwd)


def png_bytes(w, h, pix):
    """An 8-bit gray PNG of w x h (pix: h*w bytes), written here with zlib."""
    chunk = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
    rows = b"".join(b"\0" + pix[y * w:(y + 1) * w] for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def jpeg_bytes(path, w, h, pix):
    """A gray JPEG written by libdarknet's stb_image_write (no PIL here)."""
    lib = ctypes.CDLL("/usr/lib/darknet/libdarknet.so")
    check(f"stbi_write_jpg wrote {path}", lib.stbi_write_jpg(path.encode(), w, h, 1, pix, 90) == 1)
    with open(path, "rb") as f:
        return f.read()


def image_list_cases(d, cfg, bad):
    """A .data with an image list: valid PNGs train; a broken image on line 2
    is exit status 2 naming list:2: and its path, and no ./bad.list appears
    in the working folder (Darknet's load_image writes one)."""
    work = f"{d}/imgwork"
    os.makedirs(f"{work}/img", exist_ok=True)
    with open(f"{work}/labels.txt", "w") as f:
        f.write("zero\none\ntwo\n")
    pix = lambda k: bytes((k * 80 + x * 3) % 256 for x in range(64))
    for k, name in enumerate(("zero", "one", "two")):
        with open(f"{work}/img/{name}.png", "wb") as f:
            f.write(png_bytes(8, 8, pix(k)))
    with open(f"{work}/img/one.png", "rb") as f:
        good = f.read()
    jpg = jpeg_bytes(f"{work}/img/two.jpg", 8, 8, pix(2))
    huge = bytearray(png_bytes(8, 8, pix(0)))
    huge[16:24] = struct.pack(">II", 100000, 100000)
    huge[29:33] = struct.pack(">I", zlib.crc32(bytes(huge[12:29])))

    def data_for(name, lines):
        lst = f"{work}/{name}.list"
        with open(lst, "w") as f:
            f.write("".join(l + "\n" for l in lines))
        return data_file(d, f"{name}.data", train=lst, train_labels=None, labels=f"{work}/labels.txt",
                         valid=None, valid_labels=None, backup=f"{work}/backup"), lst

    ok_data, _ = data_for("good", [f"{work}/img/{n}.png" for n in ("zero", "one", "two")] * 6)
    rg = run("train", ok_data, cfg, "-seed", "7", cwd=work)
    check("an image list of valid PNGs trains", rg.returncode == 0, rg.stderr[-600:])
    cases = (("truncated PNG", "one_cut.png", good[:len(good) // 2], "IEND"),
             ("truncated JPEG", "two_cut.jpg", jpg[:-40], "EOI marker"),
             ("PNG of 100000x100000", "one_huge.png", bytes(huge), "100000x100000 pixels"),
             ("zero-byte file", "one_empty.png", b"", "empty file"),
             ("random bytes after a PNG signature", "one_junk.png",
              b"\x89PNG\r\n\x1a\n" + bytes((i * 151 + 7) % 256 for i in range(200)), "corrupt PNG"),
             ("TIFF", "one_scan.tif", b"II*\0" + bytes(200), "TIFF, a format not decoded here"))
    for name, fname, body, needle in cases:
        path = f"{work}/img/{fname}"
        with open(path, "wb") as f:
            f.write(body)
        data, lst = data_for(fname.split(".")[0], [f"{work}/img/zero.png", path])
        bad(f"image list: {name} (exit 2, list:line:path)", ["train", data, cfg],
            [f"{lst}:2:", f'"{path}"', needle], status=2, cwd=work)
    check("no ./bad.list after the broken images", not os.path.exists(f"{work}/bad.list"),
          str(os.listdir(work)))


def read_csv(path):
    with open(path) as f:
        return list(csv.reader(f))


def loss_lines(out):
    return [LOG_RE.match(l).group(3, 4) for l in out.splitlines() if LOG_RE.match(l)]


def epoch_lines(out):
    return [l for l in out.splitlines() if l.startswith("epoch ")]


def same_file(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def ref_entropies(d, n):
    """H(X) and H(Y) of the valid split's first n samples by the numpy
    reference: X the pixels / 255 (the IDX loader's scaling, in float32),
    the default width rule (rr.DEFAULT_RULE with its h) and alpha = 1.01."""
    x = read_idx(f"{d}/t10k-images-idx3-ubyte.gz")[:n].reshape(n, -1)
    y = read_idx(f"{d}/t10k-labels-idx1-ubyte.gz")[:n]
    x = x.astype(np.float32) / np.float32(255)
    rule = rr.DEFAULT_RULE
    hx = rr.entropy(rr.normalize(rr.rbf_gram_width(x, rr.width(x, rule, rr.DEFAULT_H[rule]))),
                    1.01)
    return hx, rr.entropy(rr.normalize(rr.label_gram(y)), 1.01)


def probe_runs(d, plain, base_conv):
    """probe=N: training as without it; X and Y fixed (the valid split's
    first N, or N drawn with probe_seed), the error chain on the batch.
    plain: the run without monitors; base_conv: conv1's rows of a run
    without probe."""
    # conv1 on a probe of 8 (< batch: the probe batch repeats it), conv1b on
    # the same layer without probe (its error chain on the batch's first 8
    # samples), fc1 on a probe of 16.
    cfg = cfg_file(d, "probe.cfg", fc_extra="probe=16\n", extra_monitor=(
        "probe=8\n\n[infomonitor]\nname=conv1b\nsamples=8\nquantities=mmi,delta\n"))
    rp = run("train", data_file(d, "probe.data", backup=f"{d}/bp"), cfg, "-seed", "7",
             "-log", f"{d}/probe.csv")
    check("probe run exits 0 and announces the probe",
          rp.returncode == 0 and "probe of the first 16 valid samples" in rp.stderr,
          rp.stderr[-600:])
    check("loss sequence bit-identical with probe monitors",
          loss_lines(rp.stdout) == loss_lines(plain.stdout) and len(loss_lines(rp.stdout)) == 12,
          f"{loss_lines(rp.stdout)[:3]} vs {loss_lines(plain.stdout)[:3]}")
    check("weights and accuracy identical with probe monitors",
          same_file(f"{d}/bp/probe.weights", f"{d}/b2/net.weights") and
          epoch_lines(rp.stdout) == epoch_lines(plain.stdout))
    col = {c: i for i, c in enumerate(COLUMNS)}
    rows = read_csv(f"{d}/probe.csv")[1:]
    of = lambda name: [x for x in rows if x[col["monitor"]] == name]
    conv, conv_b, fc = of("conv1"), of("conv1b"), of("fc1")
    check("probe monitors measured on schedule with n = N",
          [int(x[0]) for x in conv] == list(range(1, 13)) and [int(x[0]) for x in fc] == [1, 5, 9]
          and all(x[col["n"]] == "8" for x in conv) and all(x[col["n"]] == "16" for x in fc))
    hx8, hy8 = ref_entropies(d, 8)
    hx16, hy16 = ref_entropies(d, 16)
    for name, got, hx, hy in (("conv1", conv, hx8, hy8), ("fc1", fc, hx16, hy16)):
        check(f"{name}: H_X and H_Y the same at every iteration and the reference's on the probe",
              len({(x[col["H_X"]], x[col["H_Y"]], x[col["sigma_x"]]) for x in got}) == 1 and
              abs(float(got[0][col["H_X"]]) - hx) <= 1e-4 and
              abs(float(got[0][col["H_Y"]]) - hy) <= 1e-4,
              f"{got[0][col['H_X']]} vs {hx}, {got[0][col['H_Y']]} vs {hy}")
    check("without probe, H_X varies with the batch",
          len({x[col["H_X"]] for x in base_conv}) > 1)
    dl = ("sigma_delta", "I_delta", "H_dK")
    check("a probe monitor's error chain is the batch's (= conv1b's, samples=8)",
          len(conv) == len(conv_b) and all(x[col["I_delta"]] != "" for x in conv) and
          all([a[col[c]] for c in dl] == [b[col[c]] for c in dl] for a, b in zip(conv, conv_b)))
    return float(conv[0][col["H_X"]])


def probe_batchnorm(d, hx_first8):
    """A seeded probe in a network with batch normalization: the pass runs
    with train off, so the rolling statistics (in the weights) are the
    same as without monitors; X is fixed, and another sample than the
    first 8."""
    cfg = cfg_file(d, "bn.cfg", conv_extra="batch_normalize=1\n",
                   extra_monitor="probe=8\nprobe_seed=3\n")
    ra = run("train", data_file(d, "bn1.data", backup=f"{d}/bn1"), cfg, "-seed", "7",
             "-log", f"{d}/bn.csv")
    rb = run("train", data_file(d, "bn2.data", backup=f"{d}/bn2"), cfg, "-seed", "7",
             "-no-monitors")
    check("batch norm + probe: loss, accuracy and weights as without monitors",
          ra.returncode == 0 and rb.returncode == 0 and
          loss_lines(ra.stdout) == loss_lines(rb.stdout) and len(loss_lines(ra.stdout)) == 12 and
          epoch_lines(ra.stdout) == epoch_lines(rb.stdout) and
          same_file(f"{d}/bn1/bn.weights", f"{d}/bn2/bn.weights"), ra.stderr[-600:])
    col = {c: i for i, c in enumerate(COLUMNS)}
    hx = {x[col["H_X"]] for x in read_csv(f"{d}/bn.csv")[1:] if x[col["monitor"]] == "conv1"}
    check("probe_seed: H_X fixed, and not the first 8 samples'",
          "drawn with seed 3" in ra.stderr and len(hx) == 1 and
          abs(float(next(iter(hx))) - hx_first8) > 1e-3, f"{hx} vs {hx_first8}")


def probe_bad_input(d, data, bad):
    """Each bad probe or probe_seed: exit 2, a message with file:line, the
    key and the value."""
    def cfg(name, **kw):
        return cfg_file(d, name, **kw)
    c = cfg("p1.cfg", extra_monitor="probe=1\n")
    bad("probe = 1", ["train", data, c], [f"{c}:{line_of(c, 'probe=1')}:", "probe = '1'",
                                         "whole number >= 2"], status=2)
    c = cfg("pbig.cfg", extra_monitor="probe=32\n")
    bad("probe above the batch", ["train", data, c],
        [f"{c}:{line_of(c, '[infomonitor]')}:", "probe = 32", "batch size (16)"], status=2)
    c = cfg("p12.cfg", extra_monitor="probe=12\n")
    small = f"{d}/small"
    os.makedirs(small, exist_ok=True)
    x = read_idx(f"{d}/t10k-images-idx3-ubyte.gz")[:10]
    write_idx(f"{small}/v-images.gz", x, 0x803)
    write_idx(f"{small}/v-labels.gz", read_idx(f"{d}/t10k-labels-idx1-ubyte.gz")[:10], 0x801)
    sd = data_file(d, "small.data", valid=f"{small}/v-images.gz",
                   valid_labels=f"{small}/v-labels.gz")
    bad("probe above the valid split", ["train", sd, c],
        [f"{c}:{line_of(c, '[infomonitor]')}:", "probe = 12", f"{small}/v-images.gz: 10 samples"],
        status=2)
    nv = data_file(d, "novalid.data", valid=None, valid_labels=None)
    bad("probe without a valid split", ["train", nv, c],
        [f"{c}:{line_of(c, '[infomonitor]')}:", "probe = 12", f"{nv} has no 'valid' key"], status=2)
    c = cfg("ps.cfg", extra_monitor="probe_seed=4\n")
    bad("probe_seed without probe", ["train", data, c],
        [f"{c}:{line_of(c, '[infomonitor]')}:", "probe_seed is only used with probe"], status=2)
    c = cfg("psbad.cfg", extra_monitor="probe=8\nprobe_seed=-2\n")
    bad("bad probe_seed", ["train", data, c],
        [f"{c}:{line_of(c, 'probe_seed=-2')}:", "probe_seed = '-2'", "whole number >= 0"], status=2)
    c = cfg("ps2.cfg", extra_monitor="probe=8\nprobe_seed=1\n", fc_extra="probe=8\n")
    bad("probe monitors with different seeds", ["train", data, c],
        [f"{c}:{line_of(c, '[infomonitor]', 2)}:", "no probe_seed", "probe_seed = 1"], status=2)
    c = cfg("psam.cfg", extra_monitor="probe=8\nsamples=8\n")
    bad("samples with probe", ["train", data, c],
        [f"{c}:{line_of(c, '[infomonitor]')}:", "samples is not used with probe"], status=2)


def gpu_cases(data, cfg, bad):
    """-gpu on this CPU build: refused (exit 2) with the build named and the
    way to a GPU one; several GPUs and bad indices are refused by the CLI."""
    for flag in ("-gpu", "-gpus"):
        bad(f"{flag} 0 on a CPU build", ["train", data, cfg, flag, "0"],
            [f"-gpu 0", "CPU build", "make GPU=1"], status=2)
    bad("-gpus 0,1: one GPU only", ["train", data, cfg, "-gpus", "0,1"],
        ["-gpus", "'0,1'", "one GPU only"], status=2)
    for v in ("x", "-1", "1024"):
        bad(f"-gpu {v}: not an index", ["train", data, cfg, "-gpu", v], ["-gpu", f"'{v}'"],
            status=2)
    bad("-gpu without a value", ["train", data, cfg, "-gpu"], ["-gpu"], status=2)


def main():
    with tempfile.TemporaryDirectory() as d:
        make_data(d)
        data = data_file(d)
        cfg = cfg_file(d, "net.cfg")
        r = run("train", data, cfg, "-seed", "7")
        check("train exits 0", r.returncode == 0, r.stderr[-800:])
        lines = [l for l in r.stdout.splitlines() if LOG_RE.match(l)]
        check("12 Darknet log lines", len(lines) == 12, r.stdout[:500])
        check("iterations 1..12 in order",
              [int(LOG_RE.match(l).group(1)) for l in lines] == list(range(1, 13)))
        check("images count = 16 per iteration", lines and LOG_RE.match(lines[-1]).group(7) == "192")
        check("epoch lines with accuracy", "epoch 1: valid top-1" in r.stdout, r.stdout[-300:])
        log = f"{d}/backup/net.metrics.csv"
        rows = read_csv(log) if os.path.exists(log) else [[]]
        check("CSV header", rows[0] == COLUMNS, rows[0])
        body = rows[1:]
        conv = [x for x in body if x[6] == "conv1"]
        fc = [x for x in body if x[6] == "fc1"]
        check("conv1 measured every iteration", [int(x[0]) for x in conv] == list(range(1, 13)))
        check("fc1 (every=4) measured at 1, 5, 9", [int(x[0]) for x in fc] == [1, 5, 9])
        col = {c: i for i, c in enumerate(COLUMNS)}
        check("conv1 has C=4 and n=16", all(x[col["C"]] == "4" and x[col["n"]] == "16" for x in conv))
        num = ["H_X", "H_T", "H_Y", "I_XT", "I_TY", "I_delta", "H_dK", "rs", "wnr", "rs_pct",
               "wnr_pct", "wnr_y"]
        check("conv1 quantities all present and finite",
              all(np.isfinite(float(x[col[c]])) for x in conv for c in num))
        check("fc1 leaves delta and pid cells empty",
              all(x[col[c]] == "" for x in fc for c in ("I_delta", "H_dK", "sigma_delta", "rs", "wnr_y")))
        check("fc1 quantities finite", all(np.isfinite(float(x[col[c]])) for x in fc
                                           for c in ("H_X", "H_T", "I_XT", "I_TY")))
        check("sat_T = H_T / log2 n, dead = 0",
              all(abs(float(x[col["sat_T"]]) - float(x[col["H_T"]]) / 4.0) <= 1e-6 and
                  x[col["dead"]] == "0" for x in conv))
        check("a normal run gives no diagnostic warning",
              not any(w in r.stderr for w in ("saturated", "collapsed", "are dead")),
              r.stderr[-600:])
        check("I(delta_K;delta_k) <= H(delta_K)",
              all(float(x[col["I_delta"]]) <= float(x[col["H_dK"]]) + 1e-6 for x in conv))
        over = max(max(float(x[col["I_XT"]]) - float(x[col["H_X"]]),
                       float(x[col["I_TY"]]) - float(x[col["H_Y"]])) for x in body)
        check("I(X;T) <= H(X) and I(T;Y) <= H(Y) within the fp32 engines' 1e-4 bits "
              "(worst excess %.1e)" % over, over <= 1e-4)
        ids = {x[col["run"]] for x in body}
        run_id = next(iter(ids)) if len(ids) == 1 else ""
        check("every row carries the run id: UTC start to the ms and the seed, announced",
              re.fullmatch(r"\d{8}T\d{6}\.\d{3}Z-s7", run_id) and
              f"(run {run_id})" in r.stderr, f"{ids} {r.stderr[-300:]}")
        table = {int(m.group(1)) for m in re.finditer(r"^ *(\d+) dropout +p = 0\.00", r.stderr,
                                                        re.M)}
        named = re.search(r"the (\d+) \[infomonitor\] section\(s\) are the pass-throughs "
                          r"shown as dropout p = 0\.00: (.*)", r.stderr)
        listed = {int(i) for i in re.findall(r"layer (\d+) \(", named.group(2))} if named else set()
        check("the monitors in Darknet's layer table (dropout p = 0.00) are named, all of them",
              named and table and listed == table and int(named.group(1)) == len(table),
              f"{sorted(table)} {named.group(0) if named else r.stderr[-300:]}")
        check("CSV loss equals the log line's",
              all(f"{float(x[2]):.6f}" == LOG_RE.match(lines[int(x[0]) - 1]).group(3) for x in conv))
        for f in ("net.weights", "net_2.weights", "net.accuracy.csv"):
            check(f"file {f}", os.path.exists(f"{d}/backup/{f}"))

        # Monitoring does not change training.
        plain = cfg_file(d, "net.cfg.plain", monitors=False)
        os.makedirs(f"{d}/b2", exist_ok=True)
        r2 = run("train", data_file(d, "plain.data", backup=f"{d}/b2"), plain, "-seed", "7")
        loss = loss_lines
        check("loss sequence bit-identical without monitors", loss(r.stdout) == loss(r2.stdout) and
              len(loss(r.stdout)) == 12, f"{loss(r.stdout)[:3]} vs {loss(r2.stdout)[:3]}")
        # Nor does dumping the measured arrays (dump=DIR; tests/test_dump.py
        # checks the files): the same loss, weights and metrics.
        dcfg = cfg_file(d, "dump.cfg", extra_monitor=f"dump={d}/dump\n",
                        fc_extra=f"dump={d}/dump\n")
        rdump = run("train", data_file(d, "dump.data", backup=f"{d}/bdump"), dcfg, "-seed", "7",
                    "-log", f"{d}/dump.csv")
        same_rows = lambda a, b: [x[:5] + x[6:-1] for x in a] == [x[:5] + x[6:-1] for x in b]  # noqa: E731
        check("loss sequence, weights and metrics bit-identical with dump",
              rdump.returncode == 0 and loss(rdump.stdout) == loss(r2.stdout) and
              same_file(f"{d}/bdump/dump.weights", f"{d}/b2/net.weights") and
              same_rows(read_csv(f"{d}/dump.csv")[1:], body) and
              os.path.exists(f"{d}/dump/conv1/it000012.json"), rdump.stderr[-600:])
        r3 = run("train", data, cfg, "-seed", "8", "-log", f"{d}/other.csv")
        check("another seed gives another loss sequence", loss(r3.stdout) != loss(r.stdout))
        hx_first8 = probe_runs(d, r2, conv)
        probe_batchnorm(d, hx_first8)

        # The monitor's backend option: the LAPACKE reference gives the same
        # metrics as the default (fastest) back end, within the fp32 engine's
        # stated 1e-4 bits; the log names the back end.
        ref = cfg_file(d, "ref.cfg", extra_monitor="backend=cpu-ref\n")
        rr = run("train", data_file(d, "ref.data", backup=f"{d}/bref"), ref, "-seed", "7",
                 "-log", f"{d}/ref.csv")
        check("backend=cpu-ref named in the log", "spectra on cpu-ref" in rr.stderr,
              rr.stderr[-300:])
        rref = [x for x in read_csv(f"{d}/ref.csv")[1:] if x[6] == "conv1"]
        diff = max((abs(float(a[col[c]]) - float(b[col[c]])) for a, b in zip(conv, rref)
                    for c in num), default=float("inf"))
        check("backend=cpu-ref agrees with the default within 1e-4 bits",
              len(rref) == len(conv) and diff <= 1e-4, f"max diff {diff}")

        # A monitor after the softmax must not wipe its gradient, with or
        # without measuring.
        tail = f"{d}/tail.cfg"
        with open(tail, "w") as f:
            f.write(open(plain).read() + "\n[infomonitor]\nname=prob\nquantities=ixt,ity\n")
        for flag in ([], ["-no-monitors"]):
            rt = run("train", data_file(d, "tail.data", backup=f"{d}/b3"), tail, "-seed", "7",
                     "-log", f"{d}/tail.csv", *flag)
            check(f"monitor after softmax keeps training identical {flag}",
                  loss(rt.stdout) == loss(r2.stdout), rt.stderr[-300:])

        # valid
        rv = run("valid", data, cfg, f"{d}/backup/net.weights")
        m = re.search(r"top-1: ([0-9.]+), top-2: ([0-9.]+) \(48 images\)", rv.stdout)
        check("valid prints top-1/top-2", rv.returncode == 0 and m, rv.stdout + rv.stderr[-300:])

        # Resume: appended, one header.
        r4 = run("train", data, cfg, f"{d}/backup/net.weights", "-seed", "7", "-epochs", "1")
        rows2 = read_csv(log)
        check("resume appends to the CSV with one header",
              r4.returncode == 0 and len(rows2) > len(rows) and
              sum(1 for x in rows2 if x and x[0] == "iteration") == 1, r4.stderr[-300:])
        first_it = [int(x[0]) for x in rows2[len(rows):]]
        check("resumed iterations continue from 12", first_it and min(first_it) == 13, first_it[:3])
        ids = {x[col["run"]] for x in rows2[len(rows):]}
        check("the resume's rows carry its own run id, marked -r12 (resumed after 12)",
              len(ids) == 1 and re.fullmatch(r"\d{8}T\d{6}\.\d{3}Z-s7-r12", next(iter(ids))) and
              run_id not in ids, f"{ids} vs {run_id}")

        # Divergence: nan in the CSV, a warning, all iterations run.
        div = cfg_file(d, "div.cfg", lr="1e9", max_batches=10)
        rd = run("train", data, div, "-seed", "1", "-log", f"{d}/div.csv")
        dl = [l for l in rd.stdout.splitlines() if LOG_RE.match(l)]
        check("diverging run completes", rd.returncode == 0 and len(dl) == 10, rd.stderr[-400:])
        check("diverging run warns", "nan" in rd.stderr.lower(), rd.stderr[-400:])
        dv = read_csv(f"{d}/div.csv")[1:] if os.path.exists(f"{d}/div.csv") else []
        check("diverging run logs nan", any("nan" in x for x in dv), dv[-1:] if dv else "no csv")
        check("diverging run is diagnosed as collapsed", "the run has collapsed" in rd.stderr,
              rd.stderr[-600:])
        sat = cfg_file(d, "sat.cfg", extra_monitor="h=0.01\n")
        rs = run("train", data, sat, "-seed", "7", "-log", f"{d}/sat.csv")
        sw = [l for l in rs.stderr.splitlines() if "is saturated" in l]
        check("a saturated monitor (h = 0.01 for X and T) is warned about once, and X once",
              rs.returncode == 0 and len(sw) == 2 and
              sum("monitor conv1 is saturated (H_T" in l for l in sw) == 1 and
              sum("the input X is saturated (H_X" in l for l in sw) == 1, rs.stderr[-600:])

        # Bad input.
        def bad(name, args, needles, env=None, status=None, cwd=None):
            rb = run(*args, env=env, cwd=cwd)
            msg = rb.stderr.strip().splitlines()[-1] if rb.stderr.strip() else ""
            ok = (rb.returncode == status if status else rb.returncode not in (0, None)) and \
                all(n in msg for n in needles)
            check(f"bad input: {name}", ok, f"rc={rb.returncode} msg={msg!r}")

        first = f"{d}/first.cfg"
        with open(first, "w") as f:
            f.write("[net]\nbatch=16\nheight=8\nwidth=8\nchannels=1\n\n[infomonitor]\n[softmax]\n")
        bad("monitor as first layer", ["train", data, first], [first + ":7:", "first layer"])
        noin = f"{d}/noinput.cfg"
        with open(noin, "w") as f:
            f.write("[net]\nbatch=16\n\n[connected]\noutput=3\n\n[softmax]\n")
        bad("a [net] without an input size (Darknet's error()) is refused before Darknet parses",
            ["train", data, noin], [noin + ":1:", "No input parameters supplied"], status=2)
        nomap = f"{d}/nomap.cfg"
        with open(nomap, "w") as f:
            f.write("[net]\nbatch=16\nheight=8\nwidth=8\nchannels=1\n\n[convolutional]\n"
                    "filters=25\n\n[region]\nmap=/nonexistent/map\n")
        bad("Darknet's own file_error() (a [region] map that is not there): exit 2 with it",
            ["train", data, nomap], [f"infomonitor train: {nomap}: (Darknet)",
                                     "cannot open file /nonexistent/map"], status=2)
        nolab = f"{d}/nolabels.cfg"
        with open(nolab, "w") as f:
            f.write("[net]\nbatch=16\nheight=8\nwidth=8\nchannels=1\n\n[connected]\noutput=3\n\n"
                    "[infomonitor]\nkernel_width=align\nquantities=ixt\n")
        bad("kernel_width = align without class labels (no [softmax])", ["train", data, nolab],
            [nolab + ":10:", "align", "labels"])
        badopt = cfg_file(d, "badopt.cfg", extra_monitor="alpha=0\n")
        bad("bad monitor option", ["train", data, badopt], [badopt + ":", "alpha = '0'"])
        unk = cfg_file(d, "unk.cfg", extra_monitor="colour=red\n")
        bad("unknown monitor key", ["train", data, unk], [unk + ":", "'colour'"])
        bad("missing cfg", ["train", data, f"{d}/nope.cfg"], [f"{d}/nope.cfg"])
        bad("missing .data", ["train", f"{d}/nope.data", cfg], [f"{d}/nope.data"])
        bad("missing train file", ["train", data_file(d, "m.data", train=f"{d}/gone.gz"), cfg],
            [f"{d}/gone.gz"])
        bad("wrong class count", ["train", data_file(d, "c.data", classes="5"), cfg],
            ["c.data", "classes"])
        # A .data key nobody reads is a warning (Darknet ignores it too); the
        # run then fails on the missing train file, not on the key.
        kd = data_file(d, "k.data", colour="red", train=f"{d}/gone.gz")
        rk = run("train", kd, cfg)
        check("an unknown .data key is a warning, not an error",
              rk.returncode not in (0, None) and
              f'infomonitor: warning: {kd}:8: unknown key "colour" ignored' in rk.stderr and
              f"{d}/gone.gz" in rk.stderr.strip().splitlines()[-1], rk.stderr[-600:])
        with open(f"{d}/badmagic.gz", "wb") as f:
            f.write(gzip.compress(b"\x00\x00\x08\x04" + b"\x00" * 64))
        bad("IDX bad magic", ["train", data_file(d, "bm.data", train=f"{d}/badmagic.gz"), cfg],
            [f"{d}/badmagic.gz"])
        x = np.zeros((10, 8, 8))
        write_idx(f"{d}/short-images.gz", x, 0x803)
        with gzip.open(f"{d}/short-images.gz", "rb") as f:
            raw = f.read()
        with gzip.open(f"{d}/trunc-images.gz", "wb") as f:
            f.write(raw[:-20])
        bad("IDX truncated", ["train", data_file(d, "tr.data", train=f"{d}/trunc-images.gz"), cfg],
            [f"{d}/trunc-images.gz"])
        bad("IDX label count mismatch", ["train", data_file(d, "lc.data", train=f"{d}/short-images.gz"),
                                         cfg], ["label"])
        bad("unknown flag", ["train", data, cfg, "-bogus"], ["-bogus"])
        ro = f"{d}/readonly"
        os.makedirs(ro, exist_ok=True)
        os.chmod(ro, 0o500)
        if os.geteuid() != 0:
            bad("backup folder not writable", ["train", data_file(d, "ro.data", backup=ro), cfg],
                [ro, "not writable"])
        for var, val in (("IM_THREADS", "0"), ("IM_THREADS", "2x"), ("IM_SIMD", "sse9"),
                         ("IM_BACKEND", "gpu")):
            bad(f"{var}={val}: an error naming the variable, the value and the monitor",
                ["train", data, cfg], [f"{cfg}:{line_of(cfg, '[infomonitor]')}:", f"{var}='{val}'"],
                env=dict(os.environ, **{var: val}), status=2)
        bad("bad seed", ["train", data, cfg, "-seed", "x1"], ["-seed", "x1"])
        for e in ("0", "100001", "-1"):
            bad(f"-epochs {e}: its range in the message", ["train", data, cfg, "-epochs", e],
                ["-epochs must be a whole number in 1..100000", f"'{e}'"], status=2)
        rh = run("train", "--help")
        check("train --help gives -epochs' range", "-epochs E     stop after E epochs, E in 1..100000"
              in rh.stdout, rh.stdout)
        bad("missing weights", ["train", data, cfg, f"{d}/none.weights"], [f"{d}/none.weights"])
        probe_bad_input(d, data, bad)
        image_list_cases(d, cfg, bad)

        # A libdarknet built with GPU fields is refused.
        src = f"{d}/fakecuda.c"
        with open(src, "w") as f:
            f.write("void cuda_pull_array(float *x, float *y, unsigned long n) { (void)x; (void)y; (void)n; }\n")
        cc = subprocess.run(["cc", "-shared", "-fPIC", src, "-o", f"{d}/libfakecuda.so"],
                            capture_output=True, text=True)
        env = dict(os.environ, LD_PRELOAD=f"{d}/libfakecuda.so")
        if "asan" in EXE:
            env["ASAN_OPTIONS"] = "verify_asan_link_order=0:detect_leaks=0"
        if cc.returncode == 0:
            bad("GPU libdarknet refused by the CPU build: which build each is, and the fix",
                ["train", data, cfg], ["libdarknet is a GPU build", "this infomonitor is a CPU build",
                                       "make GPU=1"], env=env, status=2)
            bad("the GPU libdarknet is refused before the .data file is read",
                ["train", f"{d}/none.data", cfg], ["libdarknet is a GPU build"], env=env, status=2)
        else:
            check("compile fake GPU symbol", False, cc.stderr)
        gpu_cases(data, cfg, bad)
    sys.exit(summary())


if __name__ == "__main__":
    main()
