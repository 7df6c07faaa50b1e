#!/usr/bin/python3
"""Writes the fuzz harnesses' seed corpus, tests/fuzz/corpus/<harness>/: a
few valid files of each format (and the harness's framing, see each
fuzz_*.c).  The corpus is committed; this script is how it was made, and
makes it again (it needs numpy and Debian's darknet).
usage: make_corpus.py [OUT]   (default: the corpus folder beside this script)
"""
import ctypes
import gzip
import os
import shutil
import struct
import sys
import tempfile
import zlib

import numpy as np
from numpy.lib import format as npy_format

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
ROOT = os.path.dirname(os.path.dirname(HERE))
DEBIAN_CFG = "/usr/share/darknet/cfg"
SEP = b"\n--8<--\n"  # split.h's FUZZ_SEP
STB = ctypes.CDLL("/usr/lib/darknet/libdarknet.so")


def put(harness, name, data):
    os.makedirs(os.path.join(OUT, harness), exist_ok=True)
    with open(os.path.join(OUT, harness, name), "wb") as f:
        f.write(data)


def npy_bytes(arr, version):
    with tempfile.TemporaryFile() as f:
        npy_format.write_array(f, arr, version=version)
        f.seek(0)
        return f.read()


def npy_corpus():
    put("npy", "f4_2x3_v1.npy", npy_bytes(np.arange(6, dtype="<f4").reshape(2, 3) / 3, (1, 0)))
    put("npy", "i8_labels_v2.npy", npy_bytes(np.array([0, 2, 1, 7], dtype="<i8"), (2, 0)))
    put("npy", "b1_v3.npy", npy_bytes(np.array([[True, False]]), (3, 0)))
    put("npy", "u1_scalar.npy", npy_bytes(np.array(200, dtype="u1"), (1, 0)))
    put("npy", "f8_empty.npy", npy_bytes(np.zeros((0, 4), dtype="<f8"), (1, 0)))
    put("npy", "f4_labels.npy", npy_bytes(np.array([1.0, 3.0, -2.0], dtype="<f4"), (1, 0)))


ROUTES_CFG = b"""[net]
batch=8
subdivisions=2
height=16
width=16
channels=3
learning_rate=0.01
momentum=0.9
decay=0.0005
policy=steps
steps=100,200
scales=0.1,0.1
max_batches=300

[convolutional]
batch_normalize=1
filters=8
size=3
stride=1
pad=1
activation=leaky

[infomonitor]
name=c1
quantities=ixt,ity
probe=4
probe_seed=3

[convolutional]
filters=8
size=3
stride=1
pad=1
activation=linear

[shortcut]
from=-2
activation=relu

[infomonitor]
kernel_width=fixed
sigma=2.5
every=5

[route]
layers=-1,0

[maxpool]
size=2
stride=2

[infomonitor]
kernel_width=median
median=0.3
backend=cpu

[connected]
output=4
activation=linear

[softmax]
groups=1
"""


def cfg_corpus():
    shutil.copy(os.path.join(ROOT, "cfg", "lenet5-relu.cfg"), os.path.join(OUT, "cfg"))
    put("cfg", "routes-monitors.cfg", ROUTES_CFG)
    for name in ("yolov3-tiny.cfg", "resnet18.cfg", "rnn.cfg"):
        shutil.copy(os.path.join(DEBIAN_CFG, name), os.path.join(OUT, "cfg", name))


def datacfg_corpus():
    os.makedirs(os.path.join(OUT, "datacfg"), exist_ok=True)
    for name in ("coco.data", "imagenet1k.data", "voc.data", "openimages.data"):
        shutil.copy(os.path.join(DEBIAN_CFG, name), os.path.join(OUT, "datacfg", name))
    shutil.copy(os.path.join(ROOT, "cfg", "mnist.data"), os.path.join(OUT, "datacfg"))
    put("datacfg", "list-form.data", b"# image lists\nclasses = 3\ntop = 2\ntrain = train.list\n"
        b"valid=valid.list\r\nlabels = labels.txt\n; Darknet's keys\neval = imagenet\n"
        b"backpu = typo\n")


def idx_file(magic, arr):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in arr.shape) + \
        arr.astype(np.uint8).tobytes()


def idx_corpus():
    rng = np.random.default_rng(1)
    images = idx_file(0x803, rng.integers(0, 256, size=(3, 4, 5)))
    labels = idx_file(0x801, np.array([0, 2, 1]))
    put("idx", "plain", b"\0\3" + images + SEP + labels)
    put("idx", "gzip-by-harness", b"\3\0" + images + SEP + labels)
    put("idx", "gzip-files", b"\0\4" + gzip.compress(images, mtime=0) + SEP +
        gzip.compress(labels, mtime=0))
    put("idx", "swapped", b"\0\0" + labels + SEP + images)


def png_bytes(w, h, color, pix):
    """An 8-bit PNG (gray or RGB) with every row filter, written with zlib."""
    chunk = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
    row = w * (3 if color else 1)
    rows = b"".join(bytes([y % 5]) + pix[y * row:(y + 1) * row] for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2 if color else 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + \
        chunk(b"IEND", b"")


def stb_bytes(kind, w, h, comp, pix):
    """A JPEG or BMP written by libdarknet's stb_image_write."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "image").encode()
        ok = STB.stbi_write_jpg(path, w, h, comp, pix, 90) if kind == "jpg" else \
            STB.stbi_write_bmp(path, w, h, comp, pix)
        assert ok == 1, kind
        with open(path, "rb") as f:
            return f.read()


def images():
    pix = bytes((i * 37 + 11) % 256 for i in range(3 * 9 * 7))
    return {
        "gray.png": png_bytes(9, 7, False, pix),
        "rgb.png": png_bytes(5, 3, True, pix),
        "gray.jpg": stb_bytes("jpg", 9, 7, 1, pix),
        "rgb.jpg": stb_bytes("jpg", 8, 8, 3, pix),
        "rgb.bmp": stb_bytes("bmp", 5, 4, 3, pix),
        "gray.pgm": b"P5\n# comment\n4 3\n255\n" + pix[:12],
        "rgb.ppm": b"P6 3 2 255\n" + pix[:18],
    }


def image_corpus():
    for name, data in images().items():
        put("image_decode", name, b"\6\6\1" + data)
    im = images()
    files = [im["rgb.png"], im["gray.jpg"], im["rgb.bmp"], im["rgb.ppm"]]
    listing = b"cat.png\ndog.jpg\nbirds/bird.bmp\ntrain/cat7.ppm\n"  # fuzz_image_list's IMAGES
    put("image_list", "four", b"\5\3\1" + listing + SEP + SEP.join(files))
    put("image_list", "gray-repeats", b"\2\2\0" + b"cat.png  \n\ndog.jpg\r\ncat.png\n" + SEP +
        im["gray.png"] + SEP + im["rgb.jpg"])


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    npy_corpus()
    os.makedirs(os.path.join(OUT, "cfg"), exist_ok=True)
    cfg_corpus()
    datacfg_corpus()
    idx_corpus()
    image_corpus()


if __name__ == "__main__":
    main()
