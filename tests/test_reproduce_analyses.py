#!/usr/bin/python3
"""Tests of scripts/reproduce_analyses.py that train nothing (under a second):
  - bad arguments (an unknown --skip step, bad seeds, --conv1 without 6, --keep out of
    (0, 1], a missing --exe): exit status 2 and one line naming it;
  - reuse_base_run: the conv2 sweep's 6-12 cfg is, line for line, the conv1 sweep's 6
    cfg (sweep.py's topology_cfg on cfg/lenet5-relu.cfg), and the copied folder's
    run.data is the one sweep.py writes for it, so sweep.py finds the copy complete and
    does not train it again; an unfinished source is not copied;
  - top1 reads `valid`'s line; dead_maps counts the last logged `dead` per conv layer and
    the filters of rank's CSV under 0.01 bits.
usage: test_reproduce_analyses.py [path/to/infomonitor]
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import reproduce_analyses as ra  # noqa: E402
import sweep  # noqa: E402
import lenet_runs as lr  # noqa: E402
from tap import check, summary  # noqa: E402

EXE = sys.argv[1] if len(sys.argv) > 1 else "./infomonitor"
SCRIPT = os.path.join(ROOT, "scripts", "reproduce_analyses.py")


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def bad_args():
    cases = (("--skip", "sweeps,foo"), ("--seeds", "1,x"), ("--conv1", "2,4"),
             ("--keep", "0"), ("--keep", "1.5"), ("--exe", "/nonexistent/infomonitor"))
    for flag, value in cases:
        r = run(flag, value, "--exe", EXE) if flag != "--exe" else run(flag, value)
        lines = r.stderr.strip().splitlines()
        check("bad %s %s: exit 2, one line" % (flag, value),
              r.returncode == 2 and len(lines) == 1 and flag in lines[0],
              "rc %d, stderr %r" % (r.returncode, r.stderr))


class Args:
    pass


def reuse(d):
    base = open(os.path.join(ROOT, ra.CFG)).read().splitlines()
    c1 = sweep.topology_cfg(base, [("conv1", "filters", ["6"])], ["6"])
    c2 = sweep.topology_cfg(base, [("conv1", "filters", ["6"]), ("conv2", "filters", ["12"])],
                            ["6", "12"])
    check("conv2 sweep's 6-12 cfg equals conv1 sweep's 6 cfg", c1 == c2)
    a = Args()
    a.out, a.epochs = d, 3
    src = os.path.join(d, "sweep-conv1", "6-s1")
    os.makedirs(src)
    open(os.path.join(src, "net.cfg"), "w").write(c1)
    lr.data_copy(os.path.join(ROOT, ra.FMNIST), os.path.join(src, "run.data"), src)
    open(os.path.join(src, "train.log"), "w").write("epoch 1: x\nepoch 2: x\n")
    cwd = os.getcwd()
    os.chdir(ROOT)          # ra.FMNIST is relative to the repository, as sweep.py's default
    try:
        ra.reuse_base_run(a, 1)
        dst = os.path.join(d, "sweep-conv2", "6-12-s1")
        check("an unfinished run is not copied", not os.path.exists(dst))
        open(os.path.join(src, "train.log"), "a").write("epoch 3: x\n")
        ra.reuse_base_run(a, 1)
        check("a finished run is copied", lr.complete(dst, 3))
        want = os.path.join(d, "want.data")
        lr.data_copy(ra.FMNIST, want, dst)          # what sweep.prepare writes for dst
        check("the copy's run.data is sweep.py's", open(want).read() ==
              open(os.path.join(dst, "run.data")).read())
        check("the copy's cfg is sweep.py's", open(os.path.join(dst, "net.cfg")).read() == c2)
    finally:
        os.chdir(cwd)


def helpers(d):
    check("top1 reads valid's line", ra.top1("Loading...\ntop-1: 0.7422, top-2: 0.88 (1505 images)")
          == 0.7422)
    rd, rk = os.path.join(d, "run"), os.path.join(d, "rank")
    os.makedirs(rd)
    os.makedirs(rk)
    with open(os.path.join(rd, "metrics.csv"), "w") as f:
        f.write("iteration,layer,C,dead\n1,0,6,1\n1,0,6,\n2,0,6,4\n2,2,12,6\n2,4,84,\n")
    for name, vals in (("conv1", (0.0, 1e-5, 2.5)), ("conv2", (0.5, 0.009, 0.0, 3.0))):
        with open(os.path.join(rk, "%s.csv" % name), "w") as f:
            f.write("rank,filter,I_XT,I_TY,objective,beta,n,batches\n")
            for i, v in enumerate(vals):
                f.write("%d,%d,%g,0,0,2,128,4\n" % (i + 1, i, v))
    got = ra.dead_maps(rd, rk)
    check("dead_maps", got == {0: (4, {0, 1}), 2: (6, {1, 2})}, repr(got))


def main():
    bad_args()
    with tempfile.TemporaryDirectory() as d:
        reuse(d)
    with tempfile.TemporaryDirectory() as d:
        helpers(d)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
