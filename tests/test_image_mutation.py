#!/usr/bin/python3
"""A mutation test of image lists through `./infomonitor train`.

Four valid 8x8 images (PNG written here with zlib; JPEG, BMP and PPM written
by PIL, an encoder independent of the stb decoder that the plugin uses) are
mutated at random, seeded: cut short, bytes flipped, header bytes replaced,
bytes inserted, a span zeroed.  Each mutated file is line 2 of a 16-line image
list (the others one valid PNG) that trains a tiny network for one iteration.  Asserted per case:
  - no signal and no hang;
  - the exit status is 0 or 2, and a refusal is one line naming
    list:2: and the image path;
  - nothing is written into the working folder (Darknet's bad.list).
The counts (trained, refused, and how PIL judges the files of each group)
are printed for docs/RELIABILITY.md.  PIL disagreeing is reported, not
failed: stb and PIL differ on what they check (PNG CRCs, JPEG markers).
usage: test_image_mutation.py [path/to/infomonitor] [cases] [seed]
"""
import io
import os
import random
import subprocess
import sys
import tempfile

from PIL import Image

import test_train as tt  # the tiny net, its .data and the PNG writer
from tap import check, summary

ARGS = sys.argv[1:] + [None] * (3 - len(sys.argv[1:]))
EXE = os.path.abspath(ARGS[0] or "./infomonitor")
CASES = int(ARGS[1] or 200)
SEED = int(ARGS[2] or 1)


def bases():
    pix = bytes((x * 37 + 11) % 256 for x in range(64))
    gray = Image.frombytes("L", (8, 8), pix)
    rgb = Image.merge("RGB", (gray, gray.transpose(Image.FLIP_LEFT_RIGHT), gray.rotate(90)))
    out = {"png": tt.png_bytes(8, 8, pix)}
    for ext, fmt, im in (("jpg", "JPEG", rgb), ("bmp", "BMP", rgb), ("ppm", "PPM", rgb)):
        buf = io.BytesIO()
        im.save(buf, fmt)
        out[ext] = buf.getvalue()
    return out


def mutate(rng, body):
    b = bytearray(body)
    kind = rng.choice(("cut", "flip", "header", "insert", "zero"))
    if kind == "cut":
        b = b[:rng.randrange(1, len(b))]
    elif kind == "flip":
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif kind == "header":
        at = rng.randrange(0, min(len(b), 32) - 4)
        b[at:at + 4] = bytes(rng.randrange(256) for _ in range(4))
    elif kind == "insert":
        at = rng.randrange(len(b))
        b[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    else:
        at = rng.randrange(len(b))
        b[at:at + rng.randint(1, 64)] = bytes(min(64, len(b) - at))
    return kind, bytes(b)


def pil_decodes(path):
    try:
        with Image.open(path) as im:
            im.load()
        return True
    except Exception:  # PIL's judgement only; any failure counts as "refuses"
        return False


def run_case(d, work, cfg, i, ext, body):
    path = f"{work}/one_m{i}.{ext}"
    with open(path, "wb") as f:
        f.write(body)
    lst = f"{work}/m{i}.list"
    with open(lst, "w") as f:
        f.write(f"{work}/zero.png\n{path}\n" + f"{work}/zero.png\n" * 14)
    data = tt.data_file(d, f"m{i}.data", train=lst, train_labels=None, labels=f"{work}/labels.txt",
                        valid=None, valid_labels=None, backup=f"{work}/backup")
    try:
        r = subprocess.run([EXE, "train", data, cfg, "-seed", "3"], capture_output=True, text=True,
                           timeout=60, cwd=work)
    except subprocess.TimeoutExpired:
        return "hang", "", path, lst
    return r.returncode, r.stderr.strip(), path, lst


def main():
    rng = random.Random(SEED)
    counts, problems = {}, []
    with tempfile.TemporaryDirectory() as d:
        work = f"{d}/work"
        os.makedirs(work)
        with open(f"{work}/labels.txt", "w") as f:
            f.write("zero\none\ntwo\n")
        with open(f"{work}/zero.png", "wb") as f:
            f.write(bases()["png"])
        cfg = tt.cfg_file(d, "tiny.cfg", monitors=False, max_batches=1)
        images = bases()
        for i in range(CASES):
            ext = rng.choice(sorted(images))
            kind, body = mutate(rng, images[ext])
            rc, err, path, lst = run_case(d, work, cfg, i, ext, body)
            last = err.splitlines()[-1] if err else ""
            verdict = "trained" if rc == 0 else "refused" if rc == 2 else f"rc {rc}"
            pil = "PIL decodes" if pil_decodes(path) else "PIL refuses"
            counts[(verdict, pil)] = counts.get((verdict, pil), 0) + 1
            if (verdict == "trained") != (pil == "PIL decodes"):
                print(f"# case {i} ({ext}, {kind}): {verdict}, {pil}: {last[-150:]}")
            if rc not in (0, 2) or (rc == 2 and not (f"{lst}:2:" in last and path in last)):
                problems.append(f"case {i} ({ext}, {kind}): rc={rc} msg={last!r}")
        stray = sorted(set(os.listdir(work)) - {f for f in os.listdir(work)
                                                if f.startswith(("m", "one_m", "zero", "labels", "backup"))})
    for (verdict, pil), n in sorted(counts.items()):
        print(f"# {verdict:8s} {pil:12s} {n}")
    check(f"{CASES} mutated images (seed {SEED}): no signal, no hang, exit 0 or 2, every refusal "
          "names list:2: and the image", not problems, "\n".join(problems[:10]))
    check("nothing written into the working folder (no bad.list)", not stray, str(stray))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
