#!/usr/bin/env python3
"""`infomonitor check` and the validation of Darknet's sections.

  test_check.py BIN [--reference]

- Every cfg Debian's darknet ships passes (exit 0), as is and with an
  [infomonitor] after every [convolutional]; the layer table is the same.
- --reference: the independent reference.  build/tests/dn_layers
  (tests/dn_layers.c) parses each Debian cfg with Debian's libdarknet and
  prints what Darknet built; every layer's output w x h x c (or count of
  values), Darknet's batch, inputs and outputs must be what check printed,
  and the memory estimate within 3% of the virtual memory the parse took.
- Bad cfgs exit 2 with one line naming file:line, one per error kind.
- The layer orders the validation refuses as crashing: check exits 2, and
  (with --reference) libdarknet really dies of a signal on the same cfg in
  one training step, while the same layers in a working order train.
- train runs the same validation.
"""
import concurrent.futures
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, summary  # noqa: E402

BIN = sys.argv[1]
REFERENCE = "--reference" in sys.argv[2:]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DN_LAYERS = os.path.join(ROOT, "build", "tests", "dn_layers")
DEBIAN = sorted(glob.glob("/usr/share/darknet/cfg/*.cfg"))

ROW_RE = re.compile(r"^\s*(\d+)\s+(\S+)\s.*->\s+(?:(\d+) x\s*(\d+) x\s*(\d+)|(\d+))\s*$")
SUMMARY_RE = re.compile(r"valid: (\d+) layers, (\d+) monitors, batch (\d+), inputs (\d+), "
                        r"outputs (\d+), about ([0-9.]+) MiB")


def run(args, timeout=120):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def check_cfg(cfg):
    return run([BIN, "check", cfg])


def table(stdout):
    """{layer: (type, (w, h, c) or count)} and the summary's numbers."""
    rows = {}
    for line in stdout.splitlines():
        m = ROW_RE.match(line)
        if m:
            out = (int(m.group(3)), int(m.group(4)), int(m.group(5))) if m.group(3) \
                else int(m.group(6))
            rows[int(m.group(1))] = (m.group(2), out)
    m = SUMMARY_RE.search(stdout)
    return rows, (tuple(int(x) for x in m.groups()[:5]) + (float(m.group(6)),) if m else None)


def with_monitors(src, dst):
    """src with an [infomonitor] after each [convolutional]; their count."""
    out, conv, n = [], False, 0
    for line in open(src):
        if line.lstrip().startswith("["):
            if conv:
                out.append("\n[infomonitor]\nevery=2\n\n")
                n += 1
            conv = line.strip() == "[convolutional]"
        out.append(line)
    if conv:
        out.append("\n[infomonitor]\nevery=2\n")
        n += 1
    with open(dst, "w") as f:
        f.writelines(out)
    return n


def debian_cfgs(tmp):
    check("Debian's darknet ships 40+ cfgs", len(DEBIAN) >= 40, len(DEBIAN))
    results = {}
    for cfg in DEBIAN:
        name = os.path.basename(cfg)
        r = check_cfg(cfg)
        rows, summ = table(r.stdout)
        ok = r.returncode == 0 and summ is not None and len(rows) == summ[0]
        check(f"{name}: check exits 0 with a row per layer", ok, r.stderr[-400:])
        mon = os.path.join(tmp, name)
        k = with_monitors(cfg, mon)
        rm = check_cfg(mon)
        mrows, msumm = table(rm.stdout)
        check(f"{name}: with {k} monitors after the convs, exit 0 and the same table",
              rm.returncode == 0 and mrows == rows and msumm is not None and msumm[1] == k
              and msumm[:1] + msumm[2:5] == summ[:1] + summ[2:5], rm.stderr[-400:])
        results[cfg] = (rows, summ)
    return results


def reference(cfg, train=False):
    """What libdarknet builds: [(out_w, out_h, out_c, outputs)], (batch, inputs, outputs),
    the parse's virtual memory, the return code, stdout."""
    r = subprocess.run([DN_LAYERS, cfg] + (["train"] if train else []), capture_output=True,
                       text=True, timeout=600)
    layers, net, mem = [], None, None
    for line in r.stdout.splitlines():
        f = line.split()
        if f and f[0] == "L":
            layers.append(tuple(int(x) for x in f[6:10]))
        elif f and f[0] == "N":
            net = tuple(int(x) for x in f[1:4])
        elif f and f[0] == "M":
            mem = int(f[1])
    return layers, net, mem, r.returncode, r.stdout


def compare_reference(results):
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        refs = dict(zip(DEBIAN, ex.map(reference, DEBIAN)))
    for cfg in DEBIAN:
        name = os.path.basename(cfg)
        layers, net, mem, rc, _ = refs[cfg]
        rows, summ = results[cfg]
        if not check(f"{name}: libdarknet parses it", rc == 0 and net is not None, rc):
            continue
        bad = []
        for i, (w, h, c, n) in enumerate(layers):
            want = (w, h, c) if w > 0 and h > 0 and c > 0 else n
            got = rows.get(i, (None, None))[1]
            if got != want or (isinstance(want, tuple) and w * h * c != n):
                bad.append((i, got, (w, h, c, n)))
        check(f"{name}: every layer's output as libdarknet's ({len(layers)} layers)",
              not bad and len(layers) == len(rows), bad[:3])
        check(f"{name}: batch, inputs, outputs as libdarknet's {net}",
              summ is not None and summ[2:5] == net, summ)
        est = summ[5] * 2**20 if summ else 0
        check(f"{name}: memory estimate {est / 2**20:.1f} MiB within 3% of the parse's "
              f"{mem / 2**20:.1f} MiB", abs(est - mem) <= 0.03 * mem + 2**20, (est, mem))


NET = "[net]\nbatch=2\nheight=8\nwidth=8\nchannels=4\n"   # lines 1-5
CONV = "[convolutional]\nfilters=4\nsize=3\npad=1\n"      # 8 x 8 x 4 -> 8 x 8 x 4

# (text, "line: [section] key = 'value'" or "line: [section] (layer K)", words)
BAD = [
    ("[net]\nbatch=4\nsubdivisions=8\ninputs=4\n[connected]\n", "3: [net] subdivisions = '8'",
     "mini-batches of batch / subdivisions = 0"),
    ("[net]\ntime_steps=0\ninputs=4\n[connected]\n", "2: [net] time_steps = '0'", ">= 1"),
    ("[net]\nbatch=2\n[connected]\n", "1: [net]", "No input parameters supplied"),
    ("[net]\nheight=8\nwidth=8\n[connected]\n", "1: [net] channels = 0 (the default)",
     "needs height, width and channels"),
    (NET + "[convolutional]\nsize=30\n", "7: [convolutional] size = '30'",
     "the output would be -21 x -21 x 1"),
    (NET + "[convolutional]\nfilters=0\n", "7: [convolutional] filters = '0'", ">= 1"),
    (NET + "[convolutional]\nstride=0\n", "7: [convolutional] stride = '0'", ">= 1"),
    (NET + "[convolutional]\nfilters=6\ngroups=4\n", "8: [convolutional] groups = '4'",
     "a divisor of filters = 6"),
    (NET + "[convolutional]\ngroups=3\n", "7: [convolutional] groups = '3'",
     "a divisor of the input's 4 channels"),
    (NET + CONV + "[maxpool]\nsize=13\npadding=0\nstride=2\n", "11: [maxpool] size = '13'",
     "the output would be -1 x -1 x 4"),
    (NET + "[local]\nsize=10\n", "7: [local] size = '10'", "the output would be -1 x -1 x 1"),
    (NET + "[crop]\ncrop_height=9\n", "7: [crop] crop_height = '9'",
     "at most the input's height 8"),
    (NET + "[connected]\noutput=0\n", "7: [connected] output = '0'", ">= 1"),
    (NET + CONV + "[route]\nlayers=-2\n", "11: [route] layers = '-2'",
     "names layer -1, but this is layer 1"),
    (NET + CONV + "[route]\nlayers=1\n", "11: [route] layers = '1'",
     "names layer 1, but this is layer 1"),
    (NET + CONV + "[route]\n", "10: [route] (layer 1)", "needs layers="),
    (NET + CONV + "[shortcut]\nfrom=5\n", "11: [shortcut] from = '5'",
     "names layer 5, but this is layer 1"),
    (NET + CONV + "[maxpool]\nstride=2\n[route]\nlayers=-1,-2\n", "13: [route] layers = '-1,-2'",
     "differs in width or height"),
    (NET + "[connected]\n[softmax]\n[convolutional]\n", "8: [convolutional] (layer 2)",
     "needs an image input"),
    (NET + "[convolutional]\nfilters=17\n[yolo]\nclasses=1\nnum=3\n", "8: [yolo] (layer 1)",
     "num x (classes + 5) = 18 channels"),
    (NET + CONV + "[reorg]\nstride=4\n", "11: [reorg] stride = '4'",
     "must be a multiple of stride^2 = 16"),
    (NET + CONV + "[upsample]\nstride=0\n", "11: [upsample] stride = '0'", "other than 0"),
    (NET + "[connected]\noutput=6\n[softmax]\ngroups=4\n", "9: [softmax] groups = '4'",
     "a divisor of the 6 inputs"),
    (NET + "[connected]\noutput=100000000\n", "6: [connected] (layer 0)",
     "exceeds Darknet's int"),
    (NET + "min_crop=20\n[connected]\n", "6: [net] min_crop = '20'", "at most max_crop = 16"),
    ("[net]\nheight=1000000000\nwidth=1000000000\nchannels=3\n[connected]\n",
     "4: [net] channels = '3'", "exceeds Darknet's int"),
    ("[net]\nbatch=64\nheight=1000\nwidth=1000\nchannels=3\n"
     + "[convolutional]\nfilters=16\nsize=3\npad=1\n" * 10, "2: [net] batch = '64'",
     "more than this machine's"),
    (NET + "[local]\nsize=3\n", "6: [local] (layer 0)", "shared workspace"),
]

# Orders that crash this Darknet: (text, where, words, dies in libdarknet)
FIRST = "cannot be the first layer"
CRASHING = [
    (NET + "[maxpool]\n[connected]\n[softmax]\n", "6: [maxpool] (layer 0)", FIRST, True),
    (NET + "[activation]\n[connected]\n[softmax]\n", "6: [activation] (layer 0)", FIRST, True),
    (NET + "[avgpool]\n[connected]\n[softmax]\n", "6: [avgpool] (layer 0)", FIRST, True),
    (NET + "[softmax]\n", "6: [softmax] (layer 0)", FIRST, True),
    (NET + "[cost]\n", "6: [cost] (layer 0)", FIRST, True),
    (NET + "[lrn]\n[connected]\n[softmax]\n", "6: [lrn] (layer 0)", FIRST, True),
    (NET + "[upsample]\n[connected]\n[softmax]\n", "6: [upsample] (layer 0)", FIRST, True),
    (NET + "[logistic]\n", "6: [logistic] (layer 0)", FIRST, True),
    (NET + "[l2norm]\n[connected]\n[softmax]\n", "6: [l2norm] (layer 0)", FIRST, True),
    (NET + "[dropout]\n[connected]\n[softmax]\n", "6: [dropout] (layer 0)", FIRST, True),
    (NET + "[batchnorm]\n[connected]\n[softmax]\n", "6: [batchnorm] (layer 0)",
     "crashes this CPU Darknet", True),
    (NET + CONV + "[maxpool]\n[batchnorm]\n[connected]\n[softmax]\n", "11: [batchnorm] (layer 2)",
     "crashes this CPU Darknet", True),
    (NET + CONV + "[batchnorm]\n[connected]\n[softmax]\n", "10: [batchnorm] (layer 1)",
     "crashes this CPU Darknet", True),
    ("[net]\ninputs=4\n[connected]\n[lstm]\n[connected]\n[softmax]\n", "4: [lstm] (layer 1)",
     "crashes this CPU Darknet", True),
    (NET + "[crop]\ncrop_height=6\ncrop_width=6\n[maxpool]\n[connected]\n[softmax]\n",
     "9: [maxpool] (layer 1)", "cannot follow the [crop] at line 6", True),
    (NET + "[crop]\ncrop_height=6\ncrop_width=6\n" + CONV + "[route]\nlayers=0\n[connected]\n"
     "[softmax]\n", "14: [route] layers = '0'", "([crop], line 6) has no delta", True),
    ("[net]\ninputs=4\n[connected]\n[softmax]\ntree=/nonexistent/tree\n",
     "5: [softmax] tree = '/nonexistent/tree'", "cannot open it", True),
    (NET + CONV + "[reorg]\nstride=4\n[connected]\n[softmax]\n", "11: [reorg] stride = '4'",
     "stride^2", True),
    (NET + CONV + "[crop]\ncrop_width=4\ncrop_height=8\n[convolutional]\n[shortcut]\nfrom=0\n"
     "[connected]\n[softmax]\n", "15: [shortcut] from = '0'", "scale by one factor", True),
    (NET + "[connected]\n[softmax]\n[infomonitor]\n[cost]\n", "9: [cost] (layer 2)",
     "cannot follow the monitor at line 8", False),
]

# The same layers in orders that work: check exits 0 and libdarknet trains.
WORKING = [
    NET + CONV + "[maxpool]\n[activation]\n[avgpool]\n[connected]\n[softmax]\n[cost]\n",
    NET + "[crop]\ncrop_height=6\ncrop_width=6\n" + CONV + "[maxpool]\n[connected]\n[softmax]\n",
    NET + CONV + "[convolutional]\nfilters=16\n[reorg]\nstride=2\n[lrn]\n[upsample]\n"
    "[connected]\n[softmax]\n",
    NET + "[maxpool]\n[connected]\nstopbackward=1\n[connected]\n[softmax]\n",
]


def bad_cfgs(tmp):
    path = os.path.join(tmp, "bad.cfg")
    for text, where, what in BAD:
        with open(path, "w") as f:
            f.write(text)
        r = check_cfg(path)
        lines = r.stderr.splitlines()
        ok = (r.returncode == 2 and len(lines) == 1 and
              lines[0].startswith(f"infomonitor check: {path}:{where}") and what in lines[0])
        check(f"{where}: exit 2, one line with '{what}'", ok, (r.returncode, r.stderr[-500:]))


def crashing_orders(tmp):
    path = os.path.join(tmp, "order.cfg")
    for text, where, what, dies in CRASHING:
        with open(path, "w") as f:
            f.write(text)
        r = check_cfg(path)
        lines = r.stderr.splitlines()
        check(f"{where}: refused, '{what}'",
              r.returncode == 2 and len(lines) == 1 and f"{path}:{where}" in lines[0]
              and what in lines[0], r.stderr[-500:])
        if REFERENCE and dies:
            *_, rc, out = reference(path, train=True)
            check(f"{where}: libdarknet dies of a signal in training ({rc})",
                  rc < 0 and "T " not in out, out[-300:])
    for i, text in enumerate(WORKING):
        with open(path, "w") as f:
            f.write(text)
        r = check_cfg(path)
        check(f"working order {i}: check exits 0", r.returncode == 0, r.stderr[-300:])
        if REFERENCE:
            *_, rc, out = reference(path, train=True)
            check(f"working order {i}: libdarknet trains a step", rc == 0 and "\nT " in out,
                  (rc, out[-300:]))


def train_validates(tmp):
    data = os.path.join(tmp, "x.data")
    with open(data, "w") as f:
        f.write("classes=2\ntrain=/nonexistent\ntrain_labels=/nonexistent\n")
    cfg = os.path.join(tmp, "train.cfg")
    with open(cfg, "w") as f:
        f.write(NET + "[maxpool]\n[connected]\noutput=2\n[softmax]\n")
    r = run([BIN, "train", data, cfg])
    check("train refuses a crashing order with check's message",
          r.returncode == 2 and f"{cfg}:6: [maxpool] (layer 0): cannot be the first layer"
          in r.stderr, r.stderr[-500:])
    with open(data, "w") as f:
        f.write("classes=3\ntrain=/nonexistent\ntrain_labels=/nonexistent\n")
    r = run([BIN, "check", os.path.join(ROOT, "cfg", "lenet5-relu.cfg"), data])
    check("check DATA: classes against the network's outputs",
          r.returncode == 2 and "classes = 3, but the network's output layer has 10 outputs"
          in r.stderr, r.stderr[-300:])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        results = debian_cfgs(tmp)
        if REFERENCE:
            compare_reference(results)
        bad_cfgs(tmp)
        crashing_orders(tmp)
        train_validates(tmp)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
