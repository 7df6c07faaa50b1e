#!/bin/bash
# GPU checks of the cuda back end as one prepared script, for a session's
# device machine (which cannot install packages and may lack OpenBLAS,
# LAPACKE and cmocka).
#
#   bench/gpu_check.sh pack   here: build the test and benchmark binaries and
#                             copy the shared libraries they need that are not
#                             part of glibc or the NVIDIA driver into .gpulibs/
#   bench/gpu_check.sh run    there (carry: build/tests/test_backends,
#                             build/bench_spectra, .gpulibs; 53 MB): the
#                             back-end tests, which must run cuda rather than
#                             skip it (IM_REQUIRE_BACKEND=cuda makes a skip a
#                             failure), then the spectrum benchmark with the GPU
#                             peers under the machine's python3 (numpy, JAX,
#                             CuPy).  The log also goes to $OUT/gpu_check.txt
#                             when OUT is set.
set -u
cd "$(dirname "$0")/.."
case "${1:-}" in
pack)
    make all build/tests/test_backends build/bench_spectra || exit 1
    rm -rf .gpulibs && mkdir .gpulibs
    ldd build/tests/test_backends build/bench_spectra | awk '/=> \// { print $3 }' | sort -u |
        grep -v -E '/(libc|libm|libpthread|libdl|librt|libgcc_s|libstdc\+\+|ld-linux[^/]*)\.so' |
        xargs -r cp -L -t .gpulibs
    ls .gpulibs
    ;;
run)
    log=${OUT:+$OUT/gpu_check.txt}
    exec > >(tee "${log:-/dev/null}") 2>&1
    export LD_LIBRARY_PATH=$PWD/.gpulibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    nvidia-smi -L || echo "gpu_check: nvidia-smi failed"
    rc=0
    # A skip of cuda fails the tests (IM_REQUIRE_BACKEND), so their exit
    # status says it all.
    IM_REQUIRE_BACKEND=cuda build/tests/test_backends || rc=1
    PYTHON=${PYTHON:-python3} build/bench_spectra || rc=1
    echo "gpu_check: exit status $rc"
    exit $rc
    ;;
*)
    echo "usage: bench/gpu_check.sh pack|run" >&2
    exit 2
    ;;
esac
