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
#     3. LeNet-5 (ReLU) on Fashion-MNIST on the GPU, 200 iterations, every
#        monitor (pid included) measuring every iteration, with and without
#        monitors (wall-clock seconds per iteration; goal: <= 1.5x), whose
#        loss lines must be bit-identical;
#     4. the metrics at iteration 1 of three runs with the same seed, so the
#        same weights and batch: the GPU run (cuda back end; its log must say
#        that activations stay on the GPU), the GPU run with the cpu back end
#        (captures pulled to the host: the device-pointer path against the
#        copy) and Darknet's CPU path of the same build (cpu-ref back end).
#        |difference| <= 1e-4 bits for the entropies and MIs, the cuda back
#        end's tolerance for alpha >= 1 (README, Back ends), and 1e-3 for the
#        PID quantities, sums of up to 9 entropies;
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

# train NAME CFG FLAGS...: LeNet-5 (ReLU) with cfg $work/CFG.cfg; the log
# in $work/NAME.log, the metrics in $work/NAME.csv, and in $work/NAME.sec
# the mean wall-clock seconds per iteration over iterations 11.., between
# Darknet's lines as they arrive: the whole loop, the wait for the
# monitors' worker included (Darknet's own "seconds" time train_network
# alone).
train() {
    local name=$1 cfg=$2
    shift 2
    set -o pipefail
    /usr/bin/env time -f %e -o "$work/$name.wall" build/gpu/infomonitor train "$work/fm.data" \
        "$work/$cfg.cfg" -seed 1 -log "$work/$name.csv" "$@" 2> "$work/$name.err" |
        python3 -u -c '
import re, sys, time
with open(sys.argv[1], "w") as ts:
    for line in sys.stdin:
        sys.stdout.write(line)
        m = re.match(r"(\d+), ", line)
        if m:
            ts.write(f"{m.group(1)} {time.monotonic():.6f}\n")
' "$work/$name.ts" > "$work/$name.log" || { set +o pipefail; tail -3 "$work/$name.err"; return 1; }
    set +o pipefail
    awk '$1 == 10 { t0 = $2 } $1 > 10 { t1 = $2; k++ }
        END { printf "%.4f\n", k ? (t1 - t0) / k : 0 }' "$work/$name.ts" > "$work/$name.sec"
}

# compare A B: "info pid monitors", the largest |A - B| over the entropies
# and MIs, and over the PID quantities, of iteration 1's rows.
compare() {
    python3 - "$work/$1.csv" "$work/$2.csv" <<'PY'
import csv, sys
info = ("H_X", "H_T", "H_Y", "I_XT", "I_TY", "I_delta", "H_dK")
pid = ("rs", "wnr", "wnr_y")
def rows(p):
    try:
        return {r["monitor"]: r for r in csv.DictReader(open(p)) if r["iteration"] == "1"}
    except OSError:
        return {}
a, b = rows(sys.argv[1]), rows(sys.argv[2])
both = sorted(set(a) & set(b))
def worst(cols):
    w = 0.0
    for m in both:
        for k in cols:
            if a[m].get(k) not in (None, "") and b[m].get(k) not in (None, ""):
                w = max(w, abs(float(a[m][k]) - float(b[m][k])))
    return w
print(f"{worst(info):.3g} {worst(pid):.3g} {len(both)}" if both else "nan nan 0")
PY
}

# verdict INFO PID MONITORS: pass when both are within tolerance.
verdict() {
    python3 -c "import sys; i, p, m = map(float, sys.argv[1:]); print('pass' if i <= 1e-4 and p <= 1e-3 and m > 0 else 'FAIL')" "$@"
}

# The loss fields of Darknet's lines (iteration, loss, average).
losses() {
    awk -F', ' '/ avg, / { print $1, $2, $3 }' "$work/$1.log"
}

run() {
    log=${OUT:+$OUT/gpu_check.txt}
    exec > >(tee "${log:-/dev/null}") 2>&1
    export LD_LIBRARY_PATH=$PWD/.gpulibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export IM_REQUIRE_BACKEND=cuda
    nvidia-smi -L || echo "gpu_check: nvidia-smi failed"
    ldd build/gpu/libinfomonitor-darknet.so darknet/gpu-build/libdarknet.so | grep 'not found'
    work=$(mktemp -d)
    sed -e 's/^max_batches=.*/max_batches=200/' -e 's/^every=.*/every=1/' cfg/lenet5-relu.cfg \
        > "$work/lenet5.cfg"
    sed 's/^max_batches=.*/max_batches=2/' "$work/lenet5.cfg" > "$work/lenet5_short.cfg"
    sed -e "s|$FASHION|$PWD/.gpudata|" -e "s|^backup=.*|backup=$work|" cfg/fashion-mnist.data \
        > "$work/fm.data"
    declare -A st
    IM_REQUIRE_BACKEND=cuda build/tests/test_backends > "$work/backends.txt" 2>&1 && st[backends]=pass ||
        st[backends]=FAIL
    tail -5 "$work/backends.txt"
    PYTHON=${PYTHON:-python3} build/bench_spectra && st[bench]=pass || st[bench]=FAIL
    IM_BACKEND=cuda train gpu lenet5 -gpu 0 && st[gpu]=pass || st[gpu]=FAIL
    grep -q 'read on the GPU, not copied' "$work/gpu.err" && st[device_path]=pass ||
        st[device_path]=FAIL
    train gpu_nomon lenet5 -gpu 0 -no-monitors && st[gpu_nomon]=pass || st[gpu_nomon]=FAIL
    [ -s "$work/gpu.log" ] && [ "$(losses gpu)" = "$(losses gpu_nomon)" ] && st[loss]=pass ||
        st[loss]=FAIL
    IM_BACKEND=cpu IM_REQUIRE_BACKEND= train gpu_pull lenet5_short -gpu 0 && st[gpu_pull]=pass ||
        st[gpu_pull]=FAIL
    IM_BACKEND=cpu-ref IM_REQUIRE_BACKEND= train cpu lenet5_short && st[cpu]=pass || st[cpu]=FAIL
    read -r pi pp pm <<< "$(compare gpu gpu_pull)"
    read -r ci cp cm <<< "$(compare gpu cpu)"
    st[vs_pull]=$(verdict "$pi" "$pp" "$pm")
    st[vs_cpu]=$(verdict "$ci" "$cp" "$cm")
    ratio=$(python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{a / b:.2f}' if b > 0 else 'nan')" \
        "$(cat "$work/gpu.sec" 2>/dev/null || echo 0)" "$(cat "$work/gpu_nomon.sec" 2>/dev/null || echo 0)")
    echo
    echo "| check | result | figure |"
    echo "|---|---|---|"
    echo "| back-end tests, cuda vs cpu-ref (self-check at start) | ${st[backends]} | |"
    echo "| bench_spectra (GPU rows above) | ${st[bench]} | |"
    echo "| LeNet-5 GPU, 200 it, every monitor every iteration | ${st[gpu]} | $(cat "$work/gpu.sec" 2>/dev/null) s/it |"
    echo "| LeNet-5 GPU, 200 it, no monitors | ${st[gpu_nomon]} | $(cat "$work/gpu_nomon.sec" 2>/dev/null) s/it; with monitors ${ratio}x (goal <= 1.5x) |"
    echo "| activations kept on the GPU (cuda back end) | ${st[device_path]} | |"
    echo "| loss lines bit-identical with and without monitors | ${st[loss]} | $(losses gpu | wc -l) lines |"
    echo "| GPU, cpu back end (captures pulled), 2 it | ${st[gpu_pull]} | |"
    echo "| CPU path, cpu-ref back end, 2 it | ${st[cpu]} | |"
    echo "| iteration 1: device captures vs pulled, $pm monitors | ${st[vs_pull]} | max diff $pi bits, PID $pp |"
    echo "| iteration 1: GPU vs CPU path, $cm monitors | ${st[vs_cpu]} | max diff $ci bits, PID $cp |"
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
