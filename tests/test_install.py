#!/usr/bin/python3
"""`make install PREFIX=P` into a temporary prefix, used as an outside project
would use it:
  - the install rebuilds nothing in the build folder (the other tests use it);
  - P/lib/pkgconfig/infomonitor.pc names prefix P, and its Libs.private
    holds no path (no folder of the build machine);
  - an outside C program built with `pkg-config --cflags --libs infomonitor`
    (PKG_CONFIG_PATH=P/lib/pkgconfig) and run through the rpath the README
    gives finds P's libinfomonitor.so.0 and computes entropies whose values
    are known: S(I/n) = log2 n for an identity Gram matrix and H(Y) = log2 k
    for k balanced classes; linked statically (the archive and Libs.private)
    it gives the same;
  - P/bin/infomonitor: --version prints version.h's IM_VERSION, it needs no
    libinfomonitor.so nor any folder of the build (no RPATH/RUNPATH), its
    `estimate` on a small .npy gives H(X) = log2 n for samples far apart at a
    fixed width, and it finds its adapter in P/lib/infomonitor/.
usage: test_install.py BUILD        (the build folder, as make's BUILD)
The environment variable IM_CUDA_LIBDIR (set by the Makefile for a CUDA
build) is the folder of libcudart_static.a for the static link.
"""
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

from tap import check, summary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROGRAM = r"""
#include <math.h>
#include <stdio.h>
#include <infomonitor/infomonitor.h>

int main(void)
{
    enum { n = 8 };
    double K[n * n] = {0}, H_I, H_Y;
    int32_t y[n] = {0, 1, 2, 3, 0, 1, 2, 3};
    for (int i = 0; i < n; i++)
        K[i * n + i] = 1.0;
    im_context *ctx;
    char err[256];
    if (im_context_create(NULL, &ctx, err, sizeof err) != IM_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (im_entropy(ctx, K, n, &H_I) != IM_OK || im_gram_labels(ctx, y, n, K) != IM_OK ||
        im_entropy(ctx, K, n, &H_Y) != IM_OK) {
        fprintf(stderr, "%s\n", im_context_error(ctx));
        return 1;
    }
    printf("%s %.12f %.12f\n", im_version(), H_I, H_Y);
    im_context_destroy(ctx);
    return 0;
}
"""


def sh(args, env=None, cwd=None):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


def make_env():
    """The environment without make's jobserver (its descriptors do not
    reach this process), keeping the variables given on make's command line."""
    env = dict(os.environ)
    flags = env.get("MAKEFLAGS", "").split()
    env["MAKEFLAGS"] = " ".join(f for f in flags if not f.startswith(("--jobserver", "-j")))
    env.pop("MFLAGS", None)
    return env


def snapshot(build):
    out = {}
    for dirpath, _, files in os.walk(build):
        for f in files:
            p = os.path.join(dirpath, f)
            out[p] = os.stat(p).st_mtime_ns
    return out


def version():
    with open(f"{ROOT}/plugin/include/infomonitor/version.h") as f:
        return re.search(r'#define IM_VERSION "([^"]+)"', f.read()).group(1)


def install(build, prefix):
    """make install with make's BUILD (relative to the repository or absolute)."""
    folder = os.path.join(ROOT, build)
    before = snapshot(folder)
    r = sh(["make", "-s", "--no-print-directory", "install", f"PREFIX={prefix}",
            f"BUILD={build}"], env=make_env(), cwd=ROOT)
    ok = check("make install PREFIX=<tmp> succeeds", r.returncode == 0, r.stderr[-800:])
    changed = [p for p, t in snapshot(folder).items() if before.get(p) != t]
    check("make install rebuilds nothing in the build folder", not changed, str(changed[:5]))
    return ok


def pc_file(prefix):
    pc = open(f"{prefix}/lib/pkgconfig/infomonitor.pc").read()
    check("infomonitor.pc names the install prefix", f"prefix={prefix}\n" in pc, pc)
    priv = re.search(r"^Libs.private:(.*)$", pc, re.M)
    toks = priv.group(1).split() if priv else []
    check("Libs.private holds libraries and no path of the build machine",
          toks and all(t.startswith("-l") and "/" not in t for t in toks), str(toks))
    return toks


def outside_program(prefix, d, cuda_libdir):
    env = dict(os.environ, PKG_CONFIG_PATH=f"{prefix}/lib/pkgconfig")
    pc = sh(["pkg-config", "--cflags", "--libs", "infomonitor"], env=env)
    libdir = sh(["pkg-config", "--variable=libdir", "infomonitor"], env=env).stdout.strip()
    check("pkg-config --cflags --libs infomonitor points at the prefix",
          pc.returncode == 0 and f"-I{prefix}/include" in pc.stdout and
          f"-L{prefix}/lib" in pc.stdout and libdir == f"{prefix}/lib", pc.stdout + pc.stderr)
    src = f"{d}/outside.c"
    with open(src, "w") as f:
        f.write(PROGRAM)
    cc = sh(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", src, "-o", f"{d}/outside",
             *pc.stdout.split(), f"-Wl,-rpath,{libdir}"])
    if not check("an outside program compiles and links against the prefix", cc.returncode == 0,
                 cc.stderr[-800:]):
        return
    ldd = sh(["ldd", f"{d}/outside"]).stdout
    check("it loads the prefix's libinfomonitor.so.0",
          re.search(rf"libinfomonitor\.so\.0 => {re.escape(prefix)}/lib/", ldd) is not None, ldd)
    results(f"{d}/outside", "shared")
    static = sh(["pkg-config", "--static", "--libs", "infomonitor"], env=env).stdout.split()
    libs = [f"{prefix}/lib/libinfomonitor.a" if t == "-linfomonitor" else t for t in static
            if not t.startswith("-L")]
    senv = dict(os.environ)
    if cuda_libdir:
        senv["LIBRARY_PATH"] = cuda_libdir
    cc = sh(["cc", "-std=c11", src, "-o", f"{d}/outside-static",
             *sh(["pkg-config", "--cflags", "infomonitor"], env=env).stdout.split(), *libs],
            env=senv)
    if check("linked statically with the archive and Libs.private alone", cc.returncode == 0,
             cc.stderr[-800:]):
        results(f"{d}/outside-static", "static")


def results(exe, how):
    r = sh([exe])
    parts = r.stdout.split()
    ok = r.returncode == 0 and len(parts) == 3
    check(f"{how}: S(I/8) = log2 8 = 3 bits, H(Y) = log2 4 = 2 bits for 4 balanced classes, "
          "and the version",
          ok and parts[0] == version() and abs(float(parts[1]) - 3.0) <= 1e-6 and
          abs(float(parts[2]) - 2.0) <= 1e-6, r.stdout + r.stderr)


def installed_binary(prefix, d):
    exe = f"{prefix}/bin/infomonitor"
    r = sh([exe, "--version"])
    check("installed infomonitor --version", r.stdout.strip() == f"infomonitor {version()}",
          r.stdout + r.stderr)
    dyn = sh(["readelf", "-d", exe]).stdout
    ldd = sh(["ldd", exe]).stdout
    check("it needs no libinfomonitor.so and no folder of the build (no RPATH/RUNPATH)",
          "PATH" not in dyn and "libinfomonitor" not in ldd and ROOT not in ldd, dyn + ldd)
    x = (1000.0 * np.arange(8, dtype=np.float32)).reshape(8, 1)
    np.save(f"{d}/far.npy", x)
    r = sh([exe, "estimate", f"{d}/far.npy", "--sigma-x", "1"])
    m = re.search(r'"H_X": ([0-9.eE+-]+)', r.stdout)
    check("installed estimate: H(X) = log2 8 for 8 samples 1000 sigma apart",
          r.returncode == 0 and m and abs(float(m.group(1)) - math.log2(8)) <= 1e-9,
          r.stdout + r.stderr)
    r = sh([exe, "valid", f"{d}/none.data", "b.cfg", "c.weights"])
    check("installed train/valid find the adapter in lib/infomonitor/ (its own message)",
          r.returncode == 2 and f"{d}/none.data" in r.stderr, r.stderr)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    with tempfile.TemporaryDirectory() as d:
        prefix = f"{d}/prefix"
        if install(build, prefix):
            pc_file(prefix)
            outside_program(prefix, d, os.environ.get("IM_CUDA_LIBDIR", ""))
            installed_binary(prefix, d)
    sys.exit(summary())


if __name__ == "__main__":
    main()
