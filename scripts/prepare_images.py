#!/usr/bin/python3
"""Darknet image lists for Infomonitor: the work of scripts/prepare_imagefolder.sh,
prepare_hasyv2.sh and prepare_cifar10.sh (their headers say what each reads).

usage: prepare_images.py imagefolder|hasyv2|cifar10 SRC_DIR OUT_DIR

Each writes into OUT_DIR, and nowhere else: train.list and test.list (absolute
image paths, one a line), labels.txt (class names, one a line, in class index
order) and NAME.data (classes, train, valid, labels, backup, top).  Every
listed image's class name is a whole directory component of its path, which is
what the image-list loader needs to tell labels that are substrings of each
other apart ("Grape White" in ".../Grape White 2/...").  Exit status 2 with a
message naming the file on bad input.
"""
import csv
import os
import struct
import sys
import zlib

PROG = "prepare_" + (sys.argv[1] if len(sys.argv) > 1 else "images")
IMAGE_EXT = (".jpg", ".jpeg", ".png")
TOP = 5


class Bad(Exception):
    pass


def say(msg):
    print("%s: %s" % (PROG, msg), flush=True)


def check_class_name(name, where):
    """A class name must be usable as one directory name and as one line of labels.txt."""
    if (not name or name in (".", "..") or "/" in name or "\n" in name or "\r" in name
            or name != name.strip()):
        raise Bad("%s: class name %r cannot be a label (empty, '.', '..', a '/', a line break, "
                  "or white space at either end)" % (where, name))


def write_outputs(out, name, labels, train, test):
    """The lists, labels.txt and NAME.data; train and test are lists of absolute paths."""
    for split, paths in (("train", train), ("test", test)):
        if not paths:
            raise Bad("%s: no %s images found" % (out, split))
    files = {"train.list": train, "test.list": test, "labels.txt": labels}
    for fname, lines in files.items():
        with open(os.path.join(out, fname), "w") as f:
            f.writelines(l + "\n" for l in lines)
    data = os.path.join(out, name + ".data")
    with open(data, "w") as f:
        f.write("classes=%d\ntrain=%s\nvalid=%s\nlabels=%s\nbackup=backup/%s\ntop=%d\n"
                % (len(labels), os.path.join(out, "train.list"), os.path.join(out, "test.list"),
                   os.path.join(out, "labels.txt"), name, min(TOP, len(labels))))
    say("%d classes, %d train and %d test images; wrote %s" % (len(labels), len(train), len(test),
                                                               data))


# ---- one folder per class (Fruits 360) -----------------------------------------------------

def image_folder(src, out):
    """SRC/Training/<class>/<image> and SRC/Test/<class>/<image>: the lists name the images
    where they are (no copies); the classes are Training's folders, sorted."""
    splits = {}
    for split in ("Training", "Test"):
        top = os.path.join(src, split)
        if not os.path.isdir(top):
            raise Bad("%s: no such folder (expected SRC_DIR/Training/<class>/ and "
                      "SRC_DIR/Test/<class>/, the Fruits 360 layout)" % top)
        classes = {}
        for cls in sorted(os.listdir(top)):
            folder = os.path.join(top, cls)
            if cls.startswith(".") or not os.path.isdir(folder):
                continue
            check_class_name(cls, folder)
            imgs = sorted(f for f in os.listdir(folder)
                          if f.lower().endswith(IMAGE_EXT) and os.path.isfile(os.path.join(folder, f)))
            if not imgs:
                raise Bad("%s: no images (%s) in this class folder" % (folder, ", ".join(IMAGE_EXT)))
            classes[cls] = [os.path.join(folder, f) for f in imgs]
        say("%s: %d classes, %d images" % (top, len(classes), sum(map(len, classes.values()))))
        splits[split] = classes
    labels = sorted(splits["Training"])
    extra = sorted(set(splits["Test"]) - set(labels))
    if extra:
        raise Bad("%s: class folder(s) not in Training: %s"
                  % (os.path.join(src, "Test"), ", ".join(map(repr, extra))))
    lists = [[p for c in sorted(splits[s]) for p in splits[s][c]] for s in ("Training", "Test")]
    write_outputs(out, os.path.basename(out), labels, *lists)


# ---- HASYv2 ----------------------------------------------------------------------------------

HASY_HEADER = ["path", "symbol_id", "latex", "user_id"]
HASY_FOLDS = ("classification-task/fold-1", "10-fold-cross-validation/fold-1")
TEST_EVERY = 10


def hasy_rows(path):
    """(line, absolute image path, symbol id) of a HASYv2 CSV; image paths are relative to
    the CSV's folder."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except OSError as e:
        raise Bad("%s: cannot read: %s" % (path, e.strerror))
    if not rows or rows[0] != HASY_HEADER:
        raise Bad("%s:1: header is %s, expected %s"
                  % (path, ",".join(rows[0]) if rows else "missing", ",".join(HASY_HEADER)))
    base = os.path.dirname(os.path.abspath(path))
    out = []
    for line, row in enumerate(rows[1:], 2):
        if len(row) != len(HASY_HEADER) or not row[1].isdigit():
            raise Bad("%s:%d: expected path,symbol_id,latex,user_id with a whole-number "
                      "symbol_id, got %r" % (path, line, ",".join(row)))
        img = os.path.normpath(os.path.join(base, row[0]))
        if not os.path.isfile(img):
            raise Bad("%s:%d: image %s does not exist" % (path, line, img))
        out.append((line, img, int(row[1])))
    return out


def hasyv2(src, out):
    """Classes: the symbol_ids of hasy-data-labels.csv, as labels sNNNN (zero-padded to one
    width, so that no label is a substring of another: s0031, s0310); each image is symlinked
    to OUT/<split>/<label>/<file>.  Split: fold 1 of the release if present, else a
    deterministic one: per class, in CSV order, every 10th image (the 10th, 20th, ...) to test."""
    rows = hasy_rows(os.path.join(src, "hasy-data-labels.csv"))
    ids = sorted({r[2] for r in rows})
    width = max(4, len(str(ids[-1])))
    label = lambda i: "s%0*d" % (width, i)
    fold = next((os.path.join(src, f) for f in HASY_FOLDS
                 if os.path.isfile(os.path.join(src, f, "train.csv"))), None)
    if fold:
        say("split: %s/{train,test}.csv" % fold)
        split = {s: [r[1:] for r in hasy_rows(os.path.join(fold, s + ".csv"))] for s in ("train", "test")}
        known = set(ids)
        for s in split:
            bad = sorted({i for _, i in split[s]} - known)
            if bad:
                raise Bad("%s: symbol_id %d is not in hasy-data-labels.csv"
                          % (os.path.join(fold, s + ".csv"), bad[0]))
    else:
        say("no fold files (%s); split: every %dth image of each class to test"
            % (" or ".join(f + "/train.csv" for f in HASY_FOLDS), TEST_EVERY))
        seen, split = {}, {"train": [], "test": []}
        for _, img, i in rows:
            seen[i] = seen.get(i, 0) + 1
            split["test" if seen[i] % TEST_EVERY == 0 else "train"].append((img, i))
    lists = {}
    for s, items in split.items():
        lists[s] = []
        for k, (img, i) in enumerate(items, 1):
            folder = os.path.join(out, s, label(i))
            os.makedirs(folder, exist_ok=True)
            link = os.path.join(folder, os.path.basename(img))
            if os.path.lexists(link):
                os.remove(link)
            os.symlink(img, link)
            lists[s].append(link)
            if k % 20000 == 0:
                say("%s: %d of %d links" % (s, k, len(items)))
    write_outputs(out, "hasyv2", [label(i) for i in ids], lists["train"], lists["test"])


# ---- CIFAR-10 binary ---------------------------------------------------------------------------

CIFAR_SIDE = 32
CIFAR_RECORD = 1 + 3 * CIFAR_SIDE * CIFAR_SIDE
CIFAR_BATCHES = {"train": ["data_batch_%d.bin" % k for k in range(1, 6)], "test": ["test_batch.bin"]}


def png_rgb(rgb, w, h):
    """An 8-bit RGB PNG of w*h pixels (rgb: bytes, row-major, R G B interleaved)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\0" + rgb[y * 3 * w:(y + 1) * 3 * w] for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def cifar10(src, out):
    """CIFAR-10's binary batches to PNGs OUT/<split>/<class>/NNNNN.png (NNNNN: the record's
    number in its split, batch after batch); classes from batches.meta.txt, in its order (the
    label byte's)."""
    meta = os.path.join(src, "batches.meta.txt")
    try:
        with open(meta) as f:
            labels = [l.strip() for l in f if l.strip()]
    except OSError as e:
        raise Bad("%s: cannot read: %s" % (meta, e.strerror))
    if not labels or len(set(labels)) != len(labels):
        raise Bad("%s: expected distinct class names, one a line, got %r" % (meta, labels))
    for name in labels:
        check_class_name(name, meta)
    n = CIFAR_SIDE * CIFAR_SIDE
    lists = {}
    for split, names in CIFAR_BATCHES.items():
        for name in labels:
            os.makedirs(os.path.join(out, split, name), exist_ok=True)
        lists[split] = []
        for bname in names:
            path = os.path.join(src, bname)
            try:
                with open(path, "rb") as f:
                    raw = f.read()
            except OSError as e:
                raise Bad("%s: cannot read: %s" % (path, e.strerror))
            if not raw or len(raw) % CIFAR_RECORD:
                raise Bad("%s: %d bytes, not a whole number of %d-byte records (1 label byte, "
                          "then 3072 bytes of R, G, B planes of 32x32)" % (path, len(raw), CIFAR_RECORD))
            for r in range(len(raw) // CIFAR_RECORD):
                rec = raw[r * CIFAR_RECORD:(r + 1) * CIFAR_RECORD]
                if rec[0] >= len(labels):
                    raise Bad("%s: record %d has label %d; %s names %d classes"
                              % (path, r, rec[0], meta, len(labels)))
                rgb = bytearray(3 * n)
                for c in range(3):
                    rgb[c::3] = rec[1 + c * n:1 + (c + 1) * n]
                img = os.path.join(out, split, labels[rec[0]], "%05d.png" % len(lists[split]))
                with open(img, "wb") as f:
                    f.write(png_rgb(bytes(rgb), CIFAR_SIDE, CIFAR_SIDE))
                lists[split].append(img)
            say("%s: %d images" % (path, len(raw) // CIFAR_RECORD))
    write_outputs(out, "cifar10", labels, lists["train"], lists["test"])


def main():
    kinds = {"imagefolder": image_folder, "hasyv2": hasyv2, "cifar10": cifar10}
    if len(sys.argv) != 4 or sys.argv[1] not in kinds:
        print("usage: prepare_images.py %s SRC_DIR OUT_DIR" % "|".join(kinds), file=sys.stderr)
        return 2
    src, out = sys.argv[2], os.path.abspath(sys.argv[3])
    try:
        if not os.path.isdir(src):
            raise Bad("%s: not a folder" % src)
        os.makedirs(out, exist_ok=True)
        kinds[sys.argv[1]](os.path.abspath(src), out)
    except (Bad, OSError) as e:
        print("%s: error: %s" % (PROG, e), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
