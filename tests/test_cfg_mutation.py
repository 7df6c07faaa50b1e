#!/usr/bin/python3
"""Mutation test of whole cfgs through `infomonitor train`: a tiny LeNet-like
network (conv, shortcut, route, maxpool, batch-normalized conv, dropout,
connected, softmax, three monitors) on a generated 12x12 IDX data set of 3
classes, mutated COUNT times (from SEED: each case's mutations come from
random.Random(SEED * 100003 + case), so one case can be run again alone)
with 1 to 3 of: delete, duplicate or swap lines; a number made 0, -1,
huge, fractional or not a number; a misspelt key; a section renamed, two
sections' names swapped, a section moved, deleted or doubled; an
[infomonitor] inserted anywhere; route/shortcut indices changed; a key
added with an odd value.  Each cfg trains one epoch (-epochs 1, 4
iterations at the base batch) with a timeout.

Asserted: no run ends in a signal or a timeout, and every non-zero exit
ends with a one-line message naming the cfg or the .data file.  Printed:
the counts (accepted: exit 0; refused: exit 2; other exits; signals;
timeouts), and for each failing case its mutations, a diff against the
base cfg, the end of its stderr and the command to run it again; with
--keep DIR the failing cfgs are copied there.

usage: test_cfg_mutation.py [path/to/infomonitor] [--count N] [--seed S]
                            [--jobs J] [--timeout T] [--memory MIB] [--only CASE]
                            [--keep DIR]
"""
import argparse
import collections
import concurrent.futures
import difflib
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

import numpy as np

from tap import check, summary
from test_train import write_idx

BASE_CFG = """[net]
batch=8
subdivisions=1
height=12
width=12
channels=1
learning_rate=0.01
momentum=0.9
decay=0.0005
policy=steps
steps=2,3
scales=0.5,0.5
max_batches=8

[convolutional]
filters=4
size=3
stride=1
pad=1
activation=relu

[infomonitor]
name=conv1

[convolutional]
filters=4
size=3
stride=1
pad=1
activation=linear

[shortcut]
from=-2
activation=relu

[route]
layers=-1,-3

[maxpool]
size=2
stride=2

[convolutional]
batch_normalize=1
filters=6
size=3
stride=1
pad=0
activation=leaky

[infomonitor]
quantities=ixt,ity,mmi
every=2

[dropout]
probability=0.2

[connected]
output=3
activation=linear

[infomonitor]
quantities=ixt,ity,delta

[softmax]
groups=1
"""

SECTIONS = ["convolutional", "maxpool", "avgpool", "connected", "softmax", "dropout", "route",
            "shortcut", "batchnorm", "activation", "local", "deconvolutional", "crop", "cost",
            "upsample", "reorg", "yolo", "region", "detection", "lstm", "rnn", "gru", "crnn",
            "l2norm", "logistic", "normalization", "net", "infomonitor", "convolutinal"]
NUMBERS = ["0", "-1", "-2", "1", "2", "3", "2147483647", "2147483648", "-2147483648",
           "99999999999999999999", "1e9", "1e-9", "0.5", "-0.5", "abc", "1x", "nan", "inf",
           "0x10", "3.", "+1", "1,2"]
INDICES = ["-1", "-2", "-3", "-9", "0", "1", "3", "5", "99", "-1,-2", "-1,-1,-1", "0,1,2,3",
           "1000000000", "-1000000000", "2147483648", ",", "-1,", "a", "-1,x", " -1"]
ADDED_KEYS = ["groups=2", "groups=3", "stride=0", "stride=5", "size=0", "size=13", "filters=0",
              "pad=1", "padding=7", "batch_normalize=1", "activation=bogus", "subdivisions=3",
              "batch=0", "output=0", "probability=1", "flipped=1", "binary=1", "xnor=1",
              "dot=1", "spatial=1", "temperature=0.01", "classes=3", "num=2", "from=-1",
              "layers=-2", "reverse=1", "scale=2", "stopbackward=1", "dontload=1", "tree=x",
              "crop_height=4", "crop_width=4", "type=sse", "alpha=0.5", "truth=1"]
MONITOR_OPTIONS = ["name=m{k}", "every=3", "samples=4", "samples=9", "samples=1",
                   "quantities=pid", "quantities=ixt", "quantities=delta", "kernel_width=median",
                   "kernel_width=fixed", "sigma=1", "alpha=2", "alpha=0", "h=0.1",
                   "backend=cpu", "probe=4", "probe=100", "probe_seed=2", "median=0.5"]


def sections(lines):
    """(start, end) of each section: its header line to before the next."""
    heads = [i for i, l in enumerate(lines) if l.startswith("[")] + [len(lines)]
    return list(zip(heads, heads[1:]))


def key_lines(lines, key=None):
    return [i for i, l in enumerate(lines)
            if "=" in l and not l.startswith("[") and (key is None or l.split("=")[0] == key)]


def text_lines(lines):
    return [i for i, l in enumerate(lines) if l]


def m_delete_line(rng, lines):
    if not text_lines(lines):
        return None
    i = rng.choice(text_lines(lines))
    return f"delete line {i + 1} ({lines.pop(i)!r})"


def m_duplicate_line(rng, lines):
    if not text_lines(lines):
        return None
    i = rng.choice(text_lines(lines))
    lines.insert(i, lines[i])
    return f"duplicate line {i + 1} ({lines[i]!r})"


def m_swap_lines(rng, lines):
    if not text_lines(lines):
        return None
    i, j = rng.choice(text_lines(lines)), rng.choice(text_lines(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return f"swap lines {i + 1} and {j + 1}"


def m_number(rng, lines):
    cand = [i for i in key_lines(lines) if re.search(r"\d", lines[i])]
    if not cand:
        return None
    i = rng.choice(cand)
    key, val = lines[i].split("=", 1)
    nums = list(re.finditer(r"-?\d+(\.\d+)?", val))
    m = rng.choice(nums)
    new = rng.choice(NUMBERS)
    lines[i] = f"{key}={val[:m.start()]}{new}{val[m.end():]}"
    return f"line {i + 1}: {key}={val} -> {lines[i]}"


def misspell(rng, word):
    k = rng.randrange(len(word))
    how = rng.randrange(5)
    if how == 0:
        return word[:k] + word[k + 1:]
    if how == 1:
        return word[:k] + word[k] + word[k:]
    if how == 2 and len(word) > 1:
        k = min(k, len(word) - 2)
        return word[:k] + word[k + 1] + word[k] + word[k + 2:]
    if how == 3:
        return word.upper()
    return word + "s"


def m_misspell_key(rng, lines):
    if not key_lines(lines):
        return None
    i = rng.choice(key_lines(lines))
    key, val = lines[i].split("=", 1)
    lines[i] = f"{misspell(rng, key)}={val}"
    return f"line {i + 1}: key {key} -> {lines[i].split('=')[0]}"


def m_rename_section(rng, lines):
    if not sections(lines):
        return None
    start, _ = rng.choice(sections(lines))
    old = lines[start]
    lines[start] = f"[{rng.choice(SECTIONS)}]"
    return f"line {start + 1}: {old} -> {lines[start]}"


def m_swap_section_names(rng, lines):
    if len(sections(lines)) < 2:
        return None
    (a, _), (b, _) = rng.sample(sections(lines), 2)
    lines[a], lines[b] = lines[b], lines[a]
    return f"swap the headers of lines {a + 1} and {b + 1} ({lines[b]}, {lines[a]})"


def m_move_section(rng, lines):
    if not sections(lines):
        return None
    start, end = rng.choice(sections(lines))
    block = lines[start:end]
    del lines[start:end]
    to = rng.choice([s for s, _ in sections(lines)] + [len(lines)])
    lines[to:to] = block
    return f"move {block[0]} (line {start + 1}) to line {to + 1}"


def m_delete_section(rng, lines):
    if not sections(lines):
        return None
    start, end = rng.choice(sections(lines))
    head = lines[start]
    del lines[start:end]
    return f"delete {head} (line {start + 1})"


def m_duplicate_section(rng, lines):
    if not sections(lines):
        return None
    start, end = rng.choice(sections(lines))
    lines[end:end] = lines[start:end]
    return f"duplicate {lines[start]} (line {start + 1})"


def m_insert_monitor(rng, lines):
    at = rng.randrange(len(lines) + 1)
    opts = [o.format(k=at) for o in rng.sample(MONITOR_OPTIONS, rng.randrange(3))]
    lines[at:at] = ["[infomonitor]", *opts]
    return f"insert [infomonitor] {' '.join(opts)} at line {at + 1}"


def m_indices(rng, lines):
    i = rng.choice(key_lines(lines, "layers") + key_lines(lines, "from") or [None])
    if i is None:
        return None
    key = lines[i].split("=")[0]
    old = lines[i]
    lines[i] = f"{key}={rng.choice(INDICES)}"
    return f"line {i + 1}: {old} -> {lines[i]}"


def m_add_key(rng, lines):
    if not sections(lines):
        return None
    start, end = rng.choice(sections(lines))
    kv = rng.choice(ADDED_KEYS)
    lines.insert(end, kv)
    return f"add {kv} to {lines[start]} (line {start + 1})"


MUTATIONS = [m_delete_line, m_duplicate_line, m_swap_lines, m_number, m_number, m_number,
             m_misspell_key, m_rename_section, m_swap_section_names, m_move_section,
             m_delete_section, m_duplicate_section, m_insert_monitor, m_insert_monitor,
             m_indices, m_indices, m_add_key, m_add_key]


def mutate(seed, case):
    """The mutated cfg text of a case and what was done."""
    rng = random.Random(seed * 100003 + case)
    lines = BASE_CFG.splitlines()
    done, want = [], rng.randint(1, 3)
    while len(done) < want:
        what = rng.choice(MUTATIONS)(rng, lines)
        if what:
            done.append(what)
    return "\n".join(lines) + "\n", done


def make_data(d):
    """3 classes of 12x12 images (a bright band per class, plus noise)."""
    rng = np.random.default_rng(3)
    for split, n in (("train", 32), ("t10k", 16)):
        y = np.arange(n) % 3
        x = rng.integers(0, 60, size=(n, 12, 12))
        for i in range(n):
            x[i, 2 + 3 * y[i]:5 + 3 * y[i], :] += 180
        write_idx(f"{d}/{split}-images-idx3-ubyte.gz", x, 0x803)
        write_idx(f"{d}/{split}-labels-idx1-ubyte.gz", y, 0x801)
    with open(f"{d}/tiny.data", "w") as f:
        f.write("classes=3\ntrain=train-images-idx3-ubyte.gz\n"
                "train_labels=train-labels-idx1-ubyte.gz\nvalid=t10k-images-idx3-ubyte.gz\n"
                "valid_labels=t10k-labels-idx1-ubyte.gz\nbackup=backup\n")


def limit_memory(mib):
    """The address space of a run (so that a huge allocation fails rather
    than swamp the machine); 0: none (an ASan build reserves terabytes)."""
    if mib:
        resource.setrlimit(resource.RLIMIT_AS, (mib << 20, mib << 20))


def run_case(exe, d, seed, case, timeout, memory):
    text, done = mutate(seed, case)
    name = f"m{seed}-{case:04d}.cfg"
    with open(f"{d}/{name}", "w") as f:
        f.write(text)
    cmd = [exe, "train", "tiny.data", name, "-seed", "1", "-epochs", "1", "-log",
           f"{name}.csv"]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    try:
        r = subprocess.run(cmd, cwd=d, capture_output=True, text=True, errors="replace",
                           timeout=timeout, env=env, preexec_fn=lambda: limit_memory(memory))
        rc, err = r.returncode, r.stderr
    except subprocess.TimeoutExpired as e:
        rc, err = "timeout", (e.stderr or b"").decode(errors="replace")
    return {"case": case, "name": name, "text": text, "done": done, "rc": rc, "stderr": err}


def outcome(r):
    """accepted, refused, exit N, a signal's name, or timeout."""
    rc = r["rc"]
    if rc == "timeout":
        return "timeout"
    if rc < 0:
        return signal.Signals(-rc).name
    return {0: "accepted", 2: "refused"}.get(rc, f"exit {rc}")


def names_a_file(r):
    """The last line of stderr names the cfg or the .data file."""
    last = ([l for l in r["stderr"].splitlines() if l.strip()] or [""])[-1]
    return r["name"] in last or "tiny.data" in last


def report(r, exe, args):
    diff = difflib.unified_diff(BASE_CFG.splitlines(), r["text"].splitlines(), "base.cfg",
                                r["name"], n=1, lineterm="")
    tail = [l for l in r["stderr"].splitlines() if l.strip()][-4:]
    print(f"# case {r['case']}: {outcome(r)}; " + "; ".join(r["done"]))
    print("\n".join("#   " + l for l in list(diff)[2:]))
    print("\n".join("#   stderr: " + l[:300] for l in tail))
    print(f"#   again: {sys.argv[0]} {args.exe} --seed {args.seed} --only {r['case']}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("exe", nargs="?", default="./infomonitor")
    p.add_argument("--count", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--only", type=int)
    p.add_argument("--memory", type=int, default=4096, help="MiB of address space, 0: no limit")
    p.add_argument("--keep")
    args = p.parse_args()
    exe = os.path.abspath(args.exe)
    cases = [args.only] if args.only is not None else range(args.count)
    d = tempfile.mkdtemp(prefix="im_mutation_")
    try:
        make_data(d)
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(lambda c: run_case(exe, d, args.seed, c, args.timeout, args.memory), cases))
        crashes = [r for r in results if outcome(r) == "timeout" or outcome(r).startswith("SIG")]
        unnamed = [r for r in results
                   if isinstance(r["rc"], int) and r["rc"] > 0 and not names_a_file(r)]
        for r in sorted(crashes + unnamed, key=lambda r: r["case"]):
            report(r, exe, args)
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                shutil.copy(f"{d}/{r['name']}", args.keep)
        counts = collections.Counter(outcome(r) for r in results)
        print(f"# {len(results)} mutated cfgs (seed {args.seed}): "
              + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        check(f"no run of {len(results)} ends in a signal or a timeout", not crashes,
              ", ".join(f"case {r['case']}: {outcome(r)}" for r in crashes))
        check("every non-zero exit ends with a message naming the cfg or the .data file",
              not unnamed, ", ".join(f"case {r['case']}" for r in unnamed))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
