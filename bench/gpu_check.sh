#!/bin/bash
# GPU checks as one prepared script, for a session's device machine (which
# cannot install packages and may lack OpenBLAS, LAPACKE, cmocka and
# Debian's darknet).  It has not yet run on a device (bench/RESULTS.md).
#
#   bench/gpu_check.sh pack   here: build the test and benchmark binaries and
#                             the GPU build (make GPU=1), and copy the shared
#                             libraries they need that are not part of glibc,
#                             the NVIDIA driver or the CUDA runtime into
#                             .gpulibs/, and Fashion-MNIST into .gpudata/
#   bench/gpu_check.sh run    there (carry: build/tests/test_backends,
#                             build/bench_spectra, build/gpu, darknet/gpu-build,
#                             .gpulibs, .gpudata), with IM_REQUIRE_BACKEND=cuda,
#                             in under 8 minutes:
#     1. the back-end tests, cuda against cpu-ref (a skip of cuda fails them);
#        the cuda back end runs its self-check when it starts;
#     2. the spectrum benchmark's GPU rows (GPU peers under the machine's
#        python3 where it has JAX or CuPy);
#     3. LeNet-5 (ReLU) on Fashion-MNIST on the GPU, 200 iterations, with and
#        without monitors (seconds per iteration from Darknet's lines);
#     4. the GPU run's metrics (cuda back end) against a run on Darknet's CPU
#        path of the same build (cpu-ref back end) with the same seed, so the
#        same weights and batch, at iteration 1: |gpu - cpu| <= 1e-4 bits,
#        the cuda back end's tolerance for alpha >= 1 (README, Back ends);
#   then one summary table.  The log also goes to $OUT/gpu_check.txt when
#   OUT is set.  The CUDA 13 runtime (libcudart, libcublas, libcurand) must be
#   on the machine: ldd's report is printed first.
set -u
cd "$(dirname "$0")/.."
FASHION=/usr/share/datasets/fashion-mnist
SYSTEM_LIBS='/(libc|libm|libpthread|libdl|librt|libgcc_s|libstdc\+\+|ld-linux[^/]*|libcuda|libcudart|libcublas|libcublasLt|libcurand)\.so'

pack() {
    make all build/tests/test_backends build/bench_spectra || exit 1
    make GPU=1 all || exit 1
    rm -rf .gpulibs .gpudata && mkdir .gpulibs .gpudata
    ldd build/tests/test_backends build/bench_spectra build/gpu/infomonitor \
        build/gpu/libinfomonitor-darknet.so | awk '/=> \// { print $3 }' | sort -u |
        grep -v -E "$SYSTEM_LIBS" | grep -v gpu-build | xargs -r cp -L -t .gpulibs
    cp "$FASHION"/*-ubyte.gz .gpudata/
    du -sh .gpulibs .gpudata build/gpu darknet/gpu-build/libdarknet.so
}

# train NAME FLAGS...: 200 iterations of LeNet-5 (ReLU); the log in
# $work/NAME.log, the metrics in $work/NAME.csv, the mean seconds per
# iteration (Darknet's lines, iterations 11..200) in $work/NAME.sec.
train() {
    local name=$1
    shift
    /usr/bin/env time -f %e -o "$work/$name.wall" build/gpu/infomonitor train "$work/fm.data" \
        "$work/lenet5.cfg" -seed 1 -log "$work/$name.csv" "$@" > "$work/$name.log" \
        2> "$work/$name.err" || { tail -3 "$work/$name.err"; return 1; }
    awk -F', ' '$1 + 0 > 10 { split($5, s, " "); t += s[1]; k++ }
        END { printf "%.4f\n", k ? t / k : 0 }' "$work/$name.log" > "$work/$name.sec"
}

# The largest |gpu - cpu| over the information columns of iteration 1.
compare() {
    python3 - "$work/gpu.csv" "$work/cpu.csv" <<'PY'
import csv, math, sys
cols = ("H_X", "H_T", "H_Y", "I_XT", "I_TY", "I_delta", "H_dK")
def rows(p):
    return {r["monitor"]: r for r in csv.DictReader(open(p)) if r["iteration"] == "1"}
g, c = rows(sys.argv[1]), rows(sys.argv[2])
worst = 0.0
for m in sorted(set(g) & set(c)):
    for k in cols:
        if g[m].get(k) not in (None, "") and c[m].get(k) not in (None, ""):
            worst = max(worst, abs(float(g[m][k]) - float(c[m][k])))
print(f"{worst:.3g} {len(set(g) & set(c))}" if g and c else "nan 0")
PY
}

run() {
    log=${OUT:+$OUT/gpu_check.txt}
    exec > >(tee "${log:-/dev/null}") 2>&1
    export LD_LIBRARY_PATH=$PWD/.gpulibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export IM_REQUIRE_BACKEND=cuda
    nvidia-smi -L || echo "gpu_check: nvidia-smi failed"
    ldd build/gpu/libinfomonitor-darknet.so darknet/gpu-build/libdarknet.so | grep 'not found'
    work=$(mktemp -d)
    sed 's/^max_batches=.*/max_batches=200/' cfg/lenet5-relu.cfg > "$work/lenet5.cfg"
    sed -e "s|$FASHION|$PWD/.gpudata|" -e "s|^backup=.*|backup=$work|" cfg/fashion-mnist.data \
        > "$work/fm.data"
    declare -A st
    IM_REQUIRE_BACKEND=cuda build/tests/test_backends > "$work/backends.txt" 2>&1 && st[backends]=pass ||
        st[backends]=FAIL
    tail -5 "$work/backends.txt"
    PYTHON=${PYTHON:-python3} build/bench_spectra && st[bench]=pass || st[bench]=FAIL
    IM_BACKEND=cuda train gpu -gpu 0 && st[gpu]=pass || st[gpu]=FAIL
    train gpu_nomon -gpu 0 -no-monitors && st[gpu_nomon]=pass || st[gpu_nomon]=FAIL
    IM_BACKEND=cpu-ref IM_REQUIRE_BACKEND= train cpu && st[cpu]=pass || st[cpu]=FAIL
    read -r worst nmon <<< "$(compare)"
    st[metrics]=$(python3 -c "import sys; w=float(sys.argv[1]); print('pass' if w <= 1e-4 and int(sys.argv[2]) > 0 else 'FAIL')" "$worst" "$nmon")
    echo
    echo "| check | result | figure |"
    echo "|---|---|---|"
    echo "| back-end tests, cuda vs cpu-ref (self-check at start) | ${st[backends]} | |"
    echo "| bench_spectra (GPU rows above) | ${st[bench]} | |"
    echo "| LeNet-5 GPU, 200 it, monitors | ${st[gpu]} | $(cat "$work/gpu.sec" 2>/dev/null) s/it |"
    echo "| LeNet-5 GPU, 200 it, no monitors | ${st[gpu_nomon]} | $(cat "$work/gpu_nomon.sec" 2>/dev/null) s/it |"
    echo "| LeNet-5 CPU path, 200 it, monitors (cpu-ref) | ${st[cpu]} | $(cat "$work/cpu.sec" 2>/dev/null) s/it |"
    echo "| GPU vs CPU metrics, iteration 1, $nmon monitors | ${st[metrics]} | max diff $worst bits (tol 1e-4) |"
    rc=0
    for k in "${!st[@]}"; do [ "${st[$k]}" = pass ] || rc=1; done
    echo "gpu_check: exit status $rc"
    exit $rc
}

case "${1:-}" in
pack) pack ;;
run) run ;;
*)
    echo "usage: bench/gpu_check.sh pack|run" >&2
    exit 2
    ;;
esac
