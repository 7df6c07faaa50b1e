#!/usr/bin/python3
"""What can be checked of `make GPU=1` without a device (`make gpu-tests`):

  - the GPU-built libdarknet loads (dlopen, RTLD_NOW) on this machine, exports
    the GPU functions, does not need the driver library libcuda, and its
    gpu_index starts at 0;
  - struct layer and struct network have the sizes DESIGN.md section 3
    states for each header (CPU 1184/272 bytes, GPU 1672/304);
  - the ABI guard of the GPU build refuses Debian's CPU libdarknet (exit 2,
    naming both builds and the fix) before it reads anything;
  - -gpu 0 without a CUDA driver exits 2 naming cudaDriverGetVersion's
    result (skipped, with a message, where a driver is installed);
  - -gpus 0,1 exits 2: one GPU only.

No network is built: in this Darknet's GPU build every layer constructor
but conv and deconv calls cuda_make_array, which aborts without a device.

usage: test_gpu_build.py GPU_BUILD GPU_DARKNET CPU_DARKNET
  e.g. test_gpu_build.py build/gpu darknet/gpu-build /usr/lib/darknet
"""
import ctypes
import os
import subprocess
import sys
import tempfile

FAILS = []


def check(name, ok, detail=""):
    print(("ok - " if ok else "FAIL - ") + name + ("" if ok else f": {detail}"))
    if not ok:
        FAILS.append(name)


def last_line(text):
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def library_checks(gpu_dn):
    lib = f"{gpu_dn}/libdarknet.so"
    h = ctypes.CDLL(os.path.abspath(lib), mode=ctypes.RTLD_GLOBAL)
    for sym in ("cuda_pull_array", "cuda_make_array", "forward_network_gpu",
                "backward_network_gpu", "parse_network_cfg", "train_network"):
        check(f"the GPU libdarknet exports {sym}", hasattr(h, sym))
    check("gpu_index starts at 0 in libdarknet", ctypes.c_int.in_dll(h, "gpu_index").value == 0)
    dyn = subprocess.run(["readelf", "-d", lib], capture_output=True, text=True).stdout
    needed = [ln.split("[")[1].rstrip("]") for ln in dyn.splitlines() if "(NEEDED)" in ln]
    check("the GPU libdarknet does not need the driver's libcuda",
          not any(n.startswith("libcuda.so") for n in needed), needed)
    check("the GPU libdarknet needs cudart", any(n.startswith("libcudart.so") for n in needed),
          needed)


def struct_sizes(gpu_dn, cpu_dn, cuda_inc, tmp):
    src = f"{tmp}/sizes.c"
    with open(src, "w") as f:
        f.write('#include <stdio.h>\n#include "darknet.h"\n'
                'int main(void) { printf("%zu %zu\\n", sizeof(layer), sizeof(network)); '
                'return 0; }\n')
    for name, flags, want in (("CPU", [f"-I{cpu_dn}/include"], "1184 272"),
                              ("GPU", ["-DGPU", f"-I{gpu_dn}/include", f"-I{cuda_inc}"],
                               "1672 304")):
        exe = f"{tmp}/sizes_{name}"
        cc = subprocess.run(["cc", *flags, src, "-o", exe], capture_output=True, text=True)
        got = subprocess.run([exe], capture_output=True, text=True).stdout.strip() \
            if cc.returncode == 0 else cc.stderr
        check(f"{name} header: sizeof(layer), sizeof(network) = {want}", got == want, got)


def guard_checks(exe, cpu_dn, tmp):
    cfg = f"{tmp}/net.cfg"
    with open(cfg, "w") as f:
        f.write("[net]\nbatch=4\nheight=4\nwidth=4\nchannels=1\n\n[connected]\noutput=2\n\n"
                "[softmax]\n")
    env = dict(os.environ, LD_LIBRARY_PATH=cpu_dn)
    r = subprocess.run([exe, "train", f"{tmp}/none.data", cfg], capture_output=True, text=True,
                       env=env)
    msg = last_line(r.stderr)
    check("the GPU build refuses Debian's CPU libdarknet (exit 2) before reading the .data",
          r.returncode == 2 and all(n in msg for n in (
              "libdarknet is a CPU build", "this infomonitor is a GPU build", "make GPU=1")),
          f"rc={r.returncode} msg={msg!r}")
    r = subprocess.run([exe, "train", f"{tmp}/none.data", cfg, "-gpus", "0,1"],
                       capture_output=True, text=True)
    check("-gpus 0,1: one GPU only (exit 2)",
          r.returncode == 2 and "one GPU only" in last_line(r.stderr), r.stderr)
    if os.path.exists("/proc/driver/nvidia/version"):
        print("skip - -gpu 0 without a CUDA driver: an NVIDIA driver is installed here")
        return
    r = subprocess.run([exe, "train", f"{tmp}/none.data", cfg, "-gpu", "0"],
                       capture_output=True, text=True)
    msg = last_line(r.stderr)
    check("-gpu 0 without a CUDA driver: exit 2 naming cudaDriverGetVersion's 0",
          r.returncode == 2 and "no CUDA driver is installed (cudaDriverGetVersion: 0)" in msg
          and "needs an NVIDIA driver for CUDA >=" in msg, f"rc={r.returncode} msg={msg!r}")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    gpu_build, gpu_dn, cpu_dn = sys.argv[1:]
    cuda_inc = os.environ.get("CUDA_HOME", "/usr/local/cuda") + "/include"
    library_checks(gpu_dn)
    with tempfile.TemporaryDirectory() as tmp:
        struct_sizes(gpu_dn, cpu_dn, cuda_inc, tmp)
        guard_checks(f"{gpu_build}/infomonitor", cpu_dn, tmp)
    print(f"{len(FAILS)} failed" if FAILS else "all passed")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
