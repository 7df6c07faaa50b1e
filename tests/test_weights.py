#!/usr/bin/python3
"""End-to-end tests of the weights files and the other files `train` and
`valid` read and write (on test_train.py's tiny IDX data set):
  - the weights `train` writes have the size computed here from the cfg
    (expected_bytes, this script's own formula), load back exactly (`valid`
    on them prints the last epoch's accuracy) and resume the run; the
    accuracy CSV keeps one header and gets the resumed epoch's row;
  - a weights file that is not this network's (another network's, 100
    bytes, empty, /dev/null, a folder, a text file, 4 bytes too many, a
    truncated one to resume from) is refused by `train` and `valid` with
    exit status 2 and a message naming the file, the expected size and the
    actual one;
  - a save that fails (a file size limit, a full tmpfs where one can be
    mounted, a folder where the weights go) stops the run with an error
    naming the path, and leaves no partial, empty or temporary file;
  - the rewritten cfg leaves no file in TMPDIR, also when Darknet's parser
    aborts, and no message shows its /proc/self/fd path.
usage: test_weights.py [path/to/infomonitor]
"""
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile

import test_train as tt
from tap import check, summary

HEADER = 12 + 8  # int32 major, minor, revision; size_t seen (save_weights' 0.2.0)


def sections(path):
    """The cfg's sections as (type, {key: value}), in order."""
    out = []
    for line in open(path).read().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("["):
            out.append((line, {}))
        elif "=" in line and out:
            k, v = line.split("=", 1)
            out[-1][1][k.strip()] = v.strip()
    return out


def expected_bytes(cfg):
    """The size of a weights file for cfg, from Darknet's layer formulas:
    convolutional: n biases, [3n batch-norm values], c/groups*n*size^2
    weights; connected: outputs biases, inputs*outputs weights, [3 outputs];
    maxpool, softmax, dropout and [infomonitor] (a dropout): none."""
    secs = sections(cfg)
    net = secs[0][1]
    h, w, c = int(net["height"]), int(net["width"]), int(net["channels"])
    floats = 0
    for kind, o in secs[1:]:
        bn = int(o.get("batch_normalize", 0))
        if kind == "[convolutional]":
            n, size = int(o["filters"]), int(o.get("size", 1))
            stride, groups = int(o.get("stride", 1)), int(o.get("groups", 1))
            pad = size // 2 if int(o.get("pad", 0)) else int(o.get("padding", 0))
            floats += n + 3 * n * bn + c // groups * n * size * size
            h, w, c = (h + 2 * pad - size) // stride + 1, (w + 2 * pad - size) // stride + 1, n
        elif kind == "[connected]":
            out = int(o["output"])
            floats += out + h * w * c * out + 3 * out * bn
            h, w, c = 1, 1, out
        elif kind == "[maxpool]":
            size, stride = int(o.get("size", 1)), int(o.get("stride", 1))
            pad = int(o.get("padding", size - 1))
            h, w = (h + pad - size) // stride + 1, (w + pad - size) // stride + 1
        elif kind not in ("[softmax]", "[dropout]", "[infomonitor]"):
            raise ValueError(f"{cfg}: no formula for {kind}")
    return HEADER + 4 * floats


def size(path):
    return os.stat(path).st_size


def last_line(r):
    lines = r.stderr.strip().splitlines()
    return lines[-1] if lines else ""


def refused(name, args, needles):
    """exit status 2 and a last stderr line with every needle."""
    r = tt.run(*args)
    msg = last_line(r)
    return check(f"refused: {name}", r.returncode == 2 and all(n in msg for n in needles),
                 f"rc={r.returncode} msg={msg!r}")


def stray_files(folder, keep):
    """Files in folder other than those named in keep, and empty ones."""
    names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    return [f for f in names if f not in keep or size(f"{folder}/{f}") == 0]


def good_weights(d, data, cfg):
    """Sizes, the round trip through `valid`, and a resume."""
    want = expected_bytes(cfg)
    check("expected size of the test cfg by hand: 20 + 4 (40 + 435) bytes", want == 1920, want)
    r = tt.run("train", data, cfg, "-seed", "7", "-no-monitors")
    check("train exits 0", r.returncode == 0, r.stderr[-600:])
    backup = f"{d}/backup"
    files = ("net_1.weights", "net_2.weights", "net.weights")
    check("every weights file has the size computed from the cfg",
          all(size(f"{backup}/{f}") == want for f in files),
          [size(f"{backup}/{f}") for f in files])
    check("no temporary or empty file in the backup folder",
          stray_files(backup, files + ("net.accuracy.csv",)) == [], os.listdir(backup))
    bn = tt.cfg_file(d, "bn.cfg", monitors=False, conv_extra="batch_normalize=1\n")
    rb = tt.run("train", tt.data_file(d, "bn.data", backup=f"{d}/bbn"), bn, "-seed", "7",
                "-epochs", "1")
    check("with batch norm too (12 more floats)", rb.returncode == 0 and
          size(f"{d}/bbn/bn.weights") == expected_bytes(bn) == want + 48, rb.stderr[-300:])
    last = tt.epoch_lines(r.stdout)[-1]
    m = re.search(r"top-1 ([0-9.]+), top-2 ([0-9.]+)", last)
    rv = tt.run("valid", data, cfg, f"{backup}/net.weights")
    check("valid on the final weights gives the last epoch's accuracy (they load back exactly)",
          rv.returncode == 0 and m and f"top-1: {m.group(1)}, top-2: {m.group(2)}" in rv.stdout,
          f"{last!r} vs {rv.stdout!r}")
    start = f"{d}/start.weights"
    with open(start, "wb") as f:
        f.write(open(f"{backup}/net.weights", "rb").read())
    ra = tt.run("train", data, cfg, start, "-seed", "7", "-epochs", "1", "-no-monitors")
    rb = tt.run("train", tt.data_file(d, "r2.data", backup=f"{d}/b-r2"), cfg, start, "-seed", "7",
                "-epochs", "1", "-no-monitors")
    its = [int(tt.LOG_RE.match(l).group(1)) for l in ra.stdout.splitlines() if tt.LOG_RE.match(l)]
    check("resume continues from iteration 13 (seen from the header)",
          ra.returncode == 0 and its[:1] == [13] and len(its) == 6, its)
    acc = tt.read_csv(f"{backup}/net.accuracy.csv")
    tops = [re.search(r"top-1 ([0-9.]+)", l).group(1)
            for l in tt.epoch_lines(r.stdout) + tt.epoch_lines(ra.stdout)]
    check("the accuracy CSV, rewritten whole at each epoch, has one header and every epoch's row",
          acc[0] == ["epoch", "iteration", "images", "top1", "top2"] and
          [x[:2] for x in acc[1:]] == [["1", "6"], ["2", "12"], ["3", "18"]] and
          [f"{float(x[3]):.4f}" for x in acc[1:]] == tops, acc)
    check("two resumes from the same weights are bit-identical",
          tt.loss_lines(ra.stdout) == tt.loss_lines(rb.stdout) and
          tt.same_file(f"{backup}/net.weights", f"{d}/b-r2/net.weights"), ra.stderr[-300:])
    return want


def bad_weights(d, data, cfg, want):
    """Each wrong file, for train (also as a resume) and valid."""
    w = f"{d}/w"
    os.makedirs(w, exist_ok=True)
    other = f"{d}/other6.cfg"
    with open(other, "w") as f:
        f.write(open(cfg).read().replace("filters=4", "filters=6"))
    ro = tt.run("train", tt.data_file(d, "o.data", backup=f"{d}/bo"), other, "-seed", "7",
                "-epochs", "1")
    theirs = f"{d}/bo/other6.weights"
    check("the other network's weights have its own size",
          ro.returncode == 0 and size(theirs) == expected_bytes(other) != want, ro.stderr[-300:])
    good = open(f"{d}/backup/net.weights", "rb").read()
    files = {"100 bytes": (f"{w}/100.weights", good[:100], "truncated: 100 bytes"),
             "empty": (f"{w}/empty.weights", b"", "empty (0 bytes)"),
             "text": (f"{w}/text.weights", b"these are not weights\n" * 100,
                      "not a Darknet weights file"),
             "4 extra bytes": (f"{w}/long.weights", good + b"\0\0\0\0",
                               f"longer than expected: {want + 4} bytes"),
             "truncated resume": (f"{w}/short.weights", good[:1000], "truncated: 1000 bytes")}
    for path, body, _ in files.values():
        with open(path, "wb") as f:
            f.write(body)
    cases = [(k, p, [p, n, str(want)]) for k, (p, _, n) in files.items()]
    cases += [("text file's size", files["text"][0], [f"the file has {len(files['text'][1])}"]),
              ("another network's weights", theirs,
               [theirs, f"{size(theirs)} bytes", f"needs {want}"]),
              ("/dev/null", "/dev/null", ["/dev/null", "a device", str(want)]),
              ("a folder", w, [w + ":", "a folder", str(want)])]
    for name, path, needles in cases:
        refused(f"train {name}", ["train", data, cfg, path, "-seed", "7"], needles)
        refused(f"valid {name}", ["valid", data, cfg, path], needles)
    check("a refused file is left as it was", size(files["empty"][0]) == 0 and
          open(files["truncated resume"][0], "rb").read() == good[:1000])


def limited(n):
    """preexec_fn: files of at most n bytes; writes beyond fail (EFBIG)
    instead of killing the process (SIGXFSZ ignored)."""
    def set_limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
    return set_limit


def failed_save(name, d, tag, cfg, needle_path, preexec=None, backup=None):
    """Train into a backup folder where saving fails: exit != 0, the path
    named, no empty, partial or temporary file."""
    backup = backup or f"{d}/{tag}"
    data = tt.data_file(d, f"{tag}.data", backup=backup)
    r = subprocess.run([tt.EXE, "train", data, cfg, "-seed", "7", "-no-monitors"],
                       capture_output=True, text=True, timeout=120, preexec_fn=preexec)
    msg = last_line(r)
    check(f"failed save ({name}): exit status != 0, the path named",
          r.returncode not in (0, None) and needle_path in msg and "cannot write" in msg,
          f"rc={r.returncode} msg={msg!r}")
    left = [f for f in os.listdir(backup) if f.endswith(".weights") or ".weights." in f]
    check(f"failed save ({name}): no weights file left", left == [] or
          left == [os.path.basename(needle_path)] and os.path.isdir(needle_path), left)


def tmpfs_full(d, cfg):
    """A real ENOSPC: a one-page tmpfs, where the accuracy CSV fits and
    the weights do not.  Needs root and mount(2); skipped otherwise."""
    mnt = f"{d}/tiny"
    os.makedirs(mnt, exist_ok=True)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", mnt],
                                           capture_output=True).returncode != 0:
        print("skip - failed save (full tmpfs): cannot mount a tmpfs here")
        return
    try:
        failed_save("full tmpfs", d, "tiny", cfg, f"{mnt}/net_1.weights", backup=mnt)
    finally:
        subprocess.run(["umount", mnt], capture_output=True)


def failed_saves(d, cfg):
    failed_save("file size limit", d, "bfs", cfg, f"{d}/bfs/net_1.weights", limited(1000))
    os.makedirs(f"{d}/bdir/net_1.weights")
    failed_save("a folder at the target", d, "bdir", cfg, f"{d}/bdir/net_1.weights")
    tmpfs_full(d, cfg)


def temp_cfg(d, data):
    """A private TMPDIR stays empty: after a run, and when Darknet's parser
    dies: a [route] without `layers` (a segfault) and a [net] without an
    input size (Darknet's error(), "No input parameters supplied", which in
    ./infomonitor resolves to glibc's error(3) and exits)."""
    tmp = f"{d}/tmpdir"
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, TMPDIR=tmp)
    r = tt.run("train", data, tt.cfg_file(d, "t.cfg"), "-seed", "7", "-epochs", "1", env=env)
    check("a run leaves TMPDIR empty", r.returncode == 0 and os.listdir(tmp) == [],
          os.listdir(tmp))
    dying = {"route.cfg": "[net]\nbatch=16\nheight=8\nwidth=8\nchannels=1\n\n[connected]\n"
                          "output=3\n\n[route]\n\n[softmax]\n",
             "noinput.cfg": "[net]\nbatch=16\n\n[connected]\noutput=3\n\n[infomonitor]\n\n"
                            "[softmax]\n"}
    for name, text in dying.items():
        with open(f"{d}/{name}", "w") as f:
            f.write(text)
        r = tt.run("train", data, f"{d}/{name}", "-seed", "7", env=env)
        check(f"{name}: Darknet's parser dies, and TMPDIR stays empty",
              r.returncode not in (0, None) and not tt.loss_lines(r.stdout) and
              os.listdir(tmp) == [], f"rc={r.returncode} {os.listdir(tmp)} {r.stderr[-200:]!r}")
        check(f"{name}: no message shows the /proc/self/fd path",
              "/proc/self/fd" not in r.stderr + r.stdout, r.stderr[-300:])


def main():
    with tempfile.TemporaryDirectory() as d:
        tt.make_data(d)
        data = tt.data_file(d)
        cfg = tt.cfg_file(d, "net.cfg", monitors=False)
        want = good_weights(d, data, cfg)
        bad_weights(d, data, cfg, want)
        failed_saves(d, cfg)
        temp_cfg(d, data)
    sys.exit(summary())


if __name__ == "__main__":
    main()
