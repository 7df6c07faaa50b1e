#!/usr/bin/python3
"""End-to-end tests of scripts/prepare_imagefolder.sh, prepare_hasyv2.sh and
prepare_cifar10.sh on small trees and files generated here in the published
layouts (Fruits 360: Training/<class>/ and Test/<class>/ with spaces and class
names that are substrings of each other; HASYv2: hasy-data-labels.csv,
hasy-data/*.png, fold-1 CSVs, symbol ids 3, 31 and 310; CIFAR-10: binary batches
of random records and batches.meta.txt):
  - list lengths, every listed file exists, labels.txt, the .data file; the
    CIFAR-10 PNGs hold their records' pixels exactly;
  - the real loader labels every image right: each generated image carries a
    bright marker pixel at a position that codes its class, and `valid` with a
    hand-written one-layer network that reads those positions gets top-1 = 1
    on both lists;
  - cfg/alexnet-fruits360.cfg, alexnet-hasyv2.cfg and vgg16-cifar10.cfg (batch
    and output count cut down to the tiny data) parse in Darknet and train one
    epoch on the prepared data, every monitor writing its rows;
  - bad input (no arguments, a missing Test/ folder, a missing CSV, a truncated
    CIFAR-10 batch): exit status 2 and a message naming the file.
usage: test_prepare.py [path/to/infomonitor]
"""
import csv
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

from tap import check, summary

EXE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./infomonitor")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RNG = random.Random(11)
FRUITS = ["Apple", "Apple Braeburn", "Grape", "Grape White", "Grape White 2", "Tomato 1",
          "Tomato 10"]
HASY_IDS = [31, 3, 310, 1000, 70]
CIFAR = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def marker(k, side):
    """The pixel (row, column) that marks class k; never the transpose of another class's."""
    return k % side, (2 * k + 1) % side


def pixels(k, side, channels):
    """A side x side image of class k, row-major, channels interleaved: noise in 0..100, the
    marker 255 in the first channel (red, or gray)."""
    px = bytearray(RNG.randrange(101) for _ in range(side * side * channels))
    r, c = marker(k, side)
    px[(r * side + c) * channels] = 255
    return px


def png(path, px, side, channels):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    row = side * channels
    raw = b"".join(b"\0" + bytes(px[y * row:(y + 1) * row]) for y in range(side))
    ctype = 2 if channels == 3 else 0
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, ctype, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def png_pixels(path):
    """The pixels of a PNG written by prepare_images.py (one IDAT, filter 0 on every row)."""
    data = open(path, "rb").read()
    w, h = struct.unpack(">II", data[16:24])
    at = data.index(b"IDAT")
    raw = zlib.decompress(data[at + 4:at + 4 + struct.unpack(">I", data[at - 4:at])[0]])
    row = len(raw) // h
    return b"".join(raw[y * row + 1:(y + 1) * row] for y in range(h))


def run(args, cwd=None):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=cwd)


def script(name, *args):
    return run([os.path.join(ROOT, "scripts", name), *args])


def lines(path):
    with open(path) as f:
        return f.read().splitlines()


def read_data(path):
    return dict(l.split("=", 1) for l in lines(path))


def reader_net(d, side, channels, labels):
    """A batch-1 cfg of one linear connected layer and weights that make output k the input's
    marker pixel for class k: argmax is the class the image's pixels code."""
    cfg = os.path.join(d, "reader.cfg")
    with open(cfg, "w") as f:
        f.write(f"[net]\nbatch=1\nheight={side}\nwidth={side}\nchannels={channels}\n\n"
                f"[connected]\noutput={len(labels)}\nactivation=linear\n\n[softmax]\n")
    inputs = side * side * channels
    w = [0.0] * (len(labels) * inputs)
    for k in range(len(labels)):
        r, c = marker(k, side)
        w[k * inputs + r * side + c] = 1.0  # channel 0 (CHW)
    weights = os.path.join(d, "reader.weights")
    with open(weights, "wb") as f:
        f.write(struct.pack("<iiiQ", 0, 2, 0, 0))
        f.write(struct.pack("<%df" % len(labels), *[0.0] * len(labels)))
        f.write(struct.pack("<%df" % len(w), *w))
    return cfg, weights


def check_prepared(tag, out, data_name, labels, n_train, n_test, side, channels):
    """The files, then the loader's labels through `valid` on both lists."""
    data = os.path.join(out, data_name)
    keys = read_data(data) if os.path.isfile(data) else {}
    check(f"{tag}: .data keys", keys == {
        "classes": str(len(labels)), "train": f"{out}/train.list", "valid": f"{out}/test.list",
        "labels": f"{out}/labels.txt", "backup": f"backup/{data_name[:-5]}",
        "top": str(min(5, len(labels)))}, keys)
    check(f"{tag}: labels.txt", lines(f"{out}/labels.txt") == labels, lines(f"{out}/labels.txt"))
    train, test = lines(f"{out}/train.list"), lines(f"{out}/test.list")
    check(f"{tag}: list lengths {n_train} and {n_test}", (len(train), len(test)) == (n_train, n_test),
          (len(train), len(test)))
    check(f"{tag}: every listed image exists, absolute path",
          all(os.path.isabs(p) and os.path.isfile(p) for p in train + test))
    rd = out + "-reader"
    os.makedirs(rd)
    cfg, weights = reader_net(rd, side, channels, labels)
    tdata = os.path.join(rd, "train-as-valid.data")
    with open(tdata, "w") as f:
        f.writelines(f"{k}={v if k != 'valid' else keys['train']}\n" for k, v in keys.items())
    for split, dfile, n in (("test", data, n_test), ("train", tdata, n_train)):
        r = run([EXE, "valid", dfile, cfg, weights], cwd=rd)
        check(f"{tag}: the loader labels every {split} image right (valid top-1 = 1)",
              r.returncode == 0 and re.search(rf"^top-1: 1\.0000, .*\({n} images\)$", r.stdout, re.M),
              r.stdout[-300:] + r.stderr[-600:])
    return data


def train_cfg(tag, d, data, cfg_name, classes, batch, monitors):
    """The repository cfg with batch and the last output= cut down, one epoch on data."""
    text = open(os.path.join(ROOT, "cfg", cfg_name)).read()
    text = text.replace("batch=128\n", f"batch={batch}\n", 1)
    last = text.rindex("output=")
    text = text[:last] + re.sub(r"output=\d+", f"output={classes}", text[last:], 1)
    cfg = os.path.join(d, cfg_name)
    with open(cfg, "w") as f:
        f.write(text)
    log = os.path.join(d, cfg_name + ".csv")
    r = run([EXE, "train", data, cfg, "-epochs", "1", "-seed", "3", "-log", log], cwd=d)
    rows = list(csv.reader(open(log)))[1:] if os.path.isfile(log) else []
    names = sorted({x[6] for x in rows})
    check(f"{tag}: cfg/{cfg_name} parses and trains one epoch, every monitor in the CSV",
          r.returncode == 0 and "epoch 1: valid top-1" in r.stdout and names == sorted(monitors),
          f"rc={r.returncode} monitors={names} {r.stderr[-800:]}")


def fruits(d):
    src, out = f"{d}/fruits-360", f"{d}/out/fruits360"
    counts = {}
    for split, per in (("Training", 2), ("Test", 1)):
        for k, cls in enumerate(FRUITS):
            os.makedirs(f"{src}/{split}/{cls}")
            for i in range(per):
                png(f"{src}/{split}/{cls}/{'r_' if i else ''}{i}_100.png", pixels(k, 100, 3), 100, 3)
            counts[split] = counts.get(split, 0) + per
    r = script("prepare_imagefolder.sh", src, out)
    check("imagefolder: exits 0", r.returncode == 0, r.stderr[-600:])
    test = lines(f"{out}/test.list")
    check("imagefolder: lists name the images in place, spaces kept",
          test == [f"{src}/Test/{c}/0_100.png" for c in FRUITS], test)
    data = check_prepared("imagefolder", out, "fruits360.data", FRUITS, counts["Training"],
                          counts["Test"], 100, 3)
    train_cfg("imagefolder", d, data, "alexnet-fruits360.cfg", len(FRUITS), 4,
              ["conv1", "conv2", "conv3", "conv4", "fc1", "fc2", "fc3"])
    shutil.rmtree(f"{src}/Test")
    r = script("prepare_imagefolder.sh", src, f"{d}/out/bad1")
    check("imagefolder: no Test/ -> exit 2 naming it",
          r.returncode == 2 and f"{src}/Test: no such folder" in r.stderr, r.stderr)


def hasy(d):
    src = f"{d}/HASYv2"
    os.makedirs(f"{src}/hasy-data")
    os.makedirs(f"{src}/classification-task/fold-1")
    labels = sorted(HASY_IDS)
    rows, fold = [], {"train": [], "test": []}
    for j in range(10 * len(HASY_IDS)):
        sid = HASY_IDS[j % len(HASY_IDS)]
        name = "v2-%05d.png" % j
        png(f"{src}/hasy-data/{name}", pixels(labels.index(sid), 32, 1), 32, 1)
        rows.append((name, sid))
        fold["test" if j % 4 == 0 else "train"].append((name, sid))
    header = "path,symbol_id,latex,user_id\n"
    with open(f"{src}/hasy-data-labels.csv", "w") as f:
        f.write(header + "".join(f"hasy-data/{n},{s},\\alpha,{i}\n" for i, (n, s) in enumerate(rows)))
    for s, items in fold.items():
        with open(f"{src}/classification-task/fold-1/{s}.csv", "w") as f:
            f.write(header + "".join(f"../../hasy-data/{n},{i},x,1\n" for n, i in items))
    want = ["s%04d" % i for i in labels]
    out = f"{d}/out/hasy-fold"
    r = script("prepare_hasyv2.sh", src, out)
    check("hasyv2 fold 1: exits 0", r.returncode == 0, r.stderr[-600:])
    train = lines(f"{out}/train.list")
    check("hasyv2: list entries are links OUT/train/<label>/<file> to the images",
          all(os.path.islink(p) and os.path.dirname(p) == f"{out}/train/s%04d" % sid and
              os.path.realpath(p) == f"{src}/hasy-data/{n}"
              for p, (n, sid) in zip(train, fold["train"])) and len(train) == len(fold["train"]))
    data = check_prepared("hasyv2 fold 1", out, "hasyv2.data", want, len(fold["train"]),
                          len(fold["test"]), 32, 1)
    train_cfg("hasyv2", d, data, "alexnet-hasyv2.cfg", len(want), 8,
              ["conv1", "conv2", "conv3", "fc1", "fc2", "fc3"])
    shutil.rmtree(f"{src}/classification-task")
    out = f"{d}/out/hasy-nofold"
    r = script("prepare_hasyv2.sh", src, out)
    check("hasyv2 without folds: exits 0, says so", r.returncode == 0 and "no fold files" in r.stdout,
          r.stdout + r.stderr[-600:])
    check_prepared("hasyv2 without folds", out, "hasyv2.data", want, 9 * len(want), len(want), 32, 1)
    os.remove(f"{src}/hasy-data-labels.csv")
    r = script("prepare_hasyv2.sh", src, f"{d}/out/bad2")
    check("hasyv2: missing CSV -> exit 2 naming it",
          r.returncode == 2 and f"{src}/hasy-data-labels.csv: cannot read" in r.stderr, r.stderr)


def cifar(d):
    src, out = f"{d}/cifar-10-batches-bin", f"{d}/out/cifar10"
    os.makedirs(src)
    with open(f"{src}/batches.meta.txt", "w") as f:
        f.write("\n".join(CIFAR) + "\n\n")
    records = {"train": [], "test": []}
    for split, names in (("train", [f"data_batch_{k}.bin" for k in range(1, 6)]),
                         ("test", ["test_batch.bin"])):
        for name in names:
            blob = b""
            for _ in range(8):
                k = RNG.randrange(len(CIFAR))
                px = pixels(k, 32, 3)  # interleaved, the marker in red: split into planes
                rec = bytes([k]) + bytes(px[0::3]) + bytes(px[1::3]) + bytes(px[2::3])
                records[split].append(rec)
                blob += rec
            with open(f"{src}/{name}", "wb") as f:
                f.write(blob)
    r = script("prepare_cifar10.sh", src, out)
    check("cifar10: exits 0", r.returncode == 0, r.stderr[-600:])
    data = check_prepared("cifar10", out, "cifar10.data", CIFAR, 40, 8, 32, 3)
    exact = True
    for split in records:
        for i, (p, rec) in enumerate(zip(lines(f"{out}/{split}.list"), records[split])):
            px = png_pixels(p)
            exact &= (p == f"{out}/{split}/{CIFAR[rec[0]]}/%05d.png" % i and
                      [px[c::3] for c in range(3)] == [rec[1 + c * 1024:1 + (c + 1) * 1024] for c in range(3)])
    check("cifar10: PNG i of a split is record i, in OUT/<split>/<class>/, pixels exact", exact)
    train_cfg("cifar10", d, data, "vgg16-cifar10.cfg", len(CIFAR), 4,
              ["conv1-2", "conv2-2", "conv3-3", "conv4-3", "conv5-3", "fc1", "fc2", "fc3"])
    with open(f"{src}/data_batch_3.bin", "ab") as f:
        f.write(b"\0" * 100)
    r = script("prepare_cifar10.sh", src, f"{d}/out/bad3")
    check("cifar10: truncated batch -> exit 2 naming it",
          r.returncode == 2 and f"{src}/data_batch_3.bin: 24684 bytes, not a whole number" in r.stderr,
          r.stderr)


def main():
    for name in ("prepare_imagefolder.sh", "prepare_hasyv2.sh", "prepare_cifar10.sh"):
        r = script(name)
        check(f"{name} without arguments: exit 2, a usage line",
              r.returncode == 2 and r.stderr.startswith("usage: ") and not r.stdout, r.stderr)
        r = script(name, "--help")
        check(f"{name} --help: exit 0, usage on stdout", r.returncode == 0 and "usage: " in r.stdout)
    with tempfile.TemporaryDirectory() as d:
        fruits(d)
        hasy(d)
        cifar(d)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
