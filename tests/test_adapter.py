#!/usr/bin/python3
"""The split between ./infomonitor and the Darknet adapter it dlopens.

Run:  /usr/bin/python3 tests/test_adapter.py [path/to/infomonitor]   (default ./infomonitor)

Checks, on the build that the binary belongs to (its folder holds
libinfomonitor.so and libinfomonitor-darknet.so):
  * `estimate --help`, `--help` and `train --help` load neither libdarknet nor
    more than 25 shared objects (LD_DEBUG=files);
  * without the adapter, `train` and `valid` fail with status 1 and a message
    naming the library and the paths looked at, while `estimate` still works;
  * an adapter of another build (wrong ABI number, or no entry point) and a
    file that is not a library are refused with status 1 and a message;
  * the installed layout (bin/infomonitor, lib/infomonitor/) finds it;
  * libinfomonitor.so exports exactly the IM_API functions of the public
    headers, the adapter only its entry point, and --version prints
    IM_VERSION of version.h.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from tap import check, summary

ADAPTER = "libinfomonitor-darknet.so"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(exe, *args, env=None):
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=60, env=env)


def loaded_objects(exe, *args):
    """Distinct shared objects the dynamic loader opens for exe args."""
    env = dict(os.environ, LD_DEBUG="files")
    r = run(exe, *args, env=env)
    return r.returncode, sorted(set(re.findall(r"file=(\S+)", r.stderr)))


def startup_checks(exe):
    for args in (["estimate", "--help"], ["--help"], ["train", "--help"]):
        rc, objs = loaded_objects(exe, *args)
        name = " ".join(args)
        check(f"{name}: exit 0", rc == 0, f"rc={rc}")
        check(f"{name}: no libdarknet", not any("darknet" in o for o in objs), str(objs))
        check(f"{name}: at most 25 shared objects ({len(objs)})", len(objs) <= 25, str(objs))


def refused(name, exe, args, needles):
    r = run(exe, *args)
    msg = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    check(name, r.returncode == 1 and all(n in msg for n in needles),
          f"rc={r.returncode} msg={msg!r}")


def fake_adapter(d, body):
    """Compile a shared object from C source `body` into d/ADAPTER."""
    src = f"{d}/fake.c"
    with open(src, "w") as f:
        f.write(body)
    cc = subprocess.run(["cc", "-shared", "-fPIC", src, "-o", f"{d}/{ADAPTER}"],
                        capture_output=True, text=True)
    return check("compile a fake adapter", cc.returncode == 0, cc.stderr)


def missing_and_foreign(exe, d):
    alone = f"{d}/alone"
    os.makedirs(alone)
    shutil.copy(exe, alone)
    bin_ = f"{alone}/{os.path.basename(exe)}"
    refused("train without the adapter", bin_, ["train", "a.data", "b.cfg"],
            [ADAPTER, "missing", alone, "lib/infomonitor"])
    refused("valid without the adapter", bin_, ["valid", "a.data", "b.cfg", "c.weights"],
            [ADAPTER, "missing"])
    r = run(bin_, "estimate", "--help")
    check("estimate works without the adapter", r.returncode == 0 and "usage" in r.stdout,
          f"rc={r.returncode}")
    if fake_adapter(alone, "int im_dn_adapter_get_other(void) { return 0; }\n"):
        refused("adapter without its entry point", bin_, ["train", "a.data", "b.cfg"],
                [ADAPTER, "not the adapter of this build"])
    table = ("struct t { int abi; const char *version; void *train, *valid; };\n"
             "static const struct t k = {999, \"0\", 0, 0};\n"
             "const struct t *im_dn_adapter_get(void) { return &k; }\n")
    if fake_adapter(alone, table):
        refused("adapter of another ABI", bin_, ["train", "a.data", "b.cfg"],
                [ADAPTER, "not the adapter of this build"])
    with open(f"{alone}/{ADAPTER}", "w") as f:
        f.write("not a shared object\n")
    refused("adapter that is not a library", bin_, ["train", "a.data", "b.cfg"],
            [ADAPTER, "cannot load"])


def installed_layout(exe, d):
    prefix = f"{d}/prefix"
    os.makedirs(f"{prefix}/bin")
    os.makedirs(f"{prefix}/lib/infomonitor")
    shutil.copy(exe, f"{prefix}/bin/infomonitor")
    shutil.copy(f"{os.path.dirname(exe)}/{ADAPTER}", f"{prefix}/lib/infomonitor/")
    r = run(f"{prefix}/bin/infomonitor", "valid", f"{d}/none.data", "b.cfg", "c.weights")
    msg = r.stderr.strip()
    # The adapter ran: its own message about the .data file, status 2.
    check("installed layout finds the adapter", r.returncode == 2 and f"{d}/none.data" in msg,
          f"rc={r.returncode} msg={msg!r}")


def declared_api():
    """The functions that the public headers declare IM_API."""
    names = set()
    inc = f"{ROOT}/plugin/include/infomonitor"
    for h in sorted(os.listdir(inc)):
        with open(f"{inc}/{h}") as f:
            names |= set(re.findall(r"IM_API\s[^;(]*?\b(im_\w+)\s*\(", f.read()))
    return names


def exports(exe):
    build = os.path.dirname(exe)
    api = declared_api()
    check(f"the public headers declare IM_API functions ({len(api)})", len(api) > 20, str(api))
    for lib, want in (("libinfomonitor.so", api), (ADAPTER, {"im_dn_adapter_get"})):
        nm = subprocess.run(["nm", "-D", "--defined-only", f"{build}/{lib}"],
                            capture_output=True, text=True)
        syms = {line.split()[-1] for line in nm.stdout.splitlines() if line.strip()}
        check(f"{lib} exports exactly its API ({len(syms)} symbols)",
              nm.returncode == 0 and syms == want,
              f"rc={nm.returncode} extra={sorted(syms - want)[:8]} missing={sorted(want - syms)[:8]}")
    with open(f"{ROOT}/plugin/include/infomonitor/version.h") as f:
        want = re.search(r'#define IM_VERSION "([^"]+)"', f.read()).group(1)
    r = run(exe, "--version")
    check("--version prints version.h's IM_VERSION", r.stdout.strip() == f"infomonitor {want}",
          r.stdout)


def main():
    exe = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else "./infomonitor")
    with tempfile.TemporaryDirectory() as d:
        startup_checks(exe)
        missing_and_foreign(exe, d)
        installed_layout(exe, d)
        exports(exe)
    sys.exit(summary())


if __name__ == "__main__":
    main()
