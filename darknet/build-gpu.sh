#!/bin/bash
# Build a GPU (CUDA) libdarknet from Debian's source package (darknet/README.md,
# The GPU build).  Called by `make GPU=1`; nothing of Darknet's is committed.
#
#   darknet/build-gpu.sh OUT NVCC ARCH
#     OUT   folder for the build (ignored by git), e.g. darknet/gpu-build;
#           the result is OUT/libdarknet.so and OUT/include/darknet.h, the
#           layout that the Makefile's DARKNET= expects
#     NVCC  path of nvcc (its folder's parent is the CUDA toolkit)
#     ARCH  compute capability such as 90 (sm_90: H100/H200), or "auto":
#           nvidia-smi's compute_cap where a driver exists, else 90
#
# apt-get source reads a private deb-src list made from the system's Debian
# entry, under OUT/apt; the system's apt configuration is not changed.  The
# fixes after Debian's own patches (DESIGN.md, section 3): GPU=1 CUDNN=0
# OPENCV=0, ARCH for the card, cudaThreadSynchronize (gone in CUDA 13)
# replaced by cudaDeviceSynchronize, and no -lcuda, so the library loads
# where no NVIDIA driver is installed (Darknet calls no driver API).
set -euo pipefail
out=${1:?usage: build-gpu.sh OUT NVCC ARCH}
nvcc=${2:?usage: build-gpu.sh OUT NVCC ARCH}
arch=${3:-auto}
debsrc=/etc/apt/sources.list.d/debian.sources

die() { echo "build-gpu.sh: $*" >&2; exit 2; }

[ -x "$nvcc" ] || die "nvcc not found at '$nvcc' (install the CUDA toolkit or set CUDA_HOME)"
cuda=$(cd "$(dirname "$nvcc")/.." && pwd)
if [ "$arch" = auto ]; then
    cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n1 | tr -d ' .' || true)
    arch=${cap:-90}
fi
[[ "$arch" =~ ^[0-9]{2,3}$ ]] || die "CUDA_ARCH must be a compute capability such as 90, not '$arch'"
[ -f "$out/libdarknet.so" ] && [ "$(cat "$out/arch" 2>/dev/null)" = "$arch" ] && exit 0

mkdir -p "$out/apt/sources" "$out/apt/lists/partial" "$out/apt/cache/archives/partial" "$out/src"
out=$(cd "$out" && pwd)
[ -f "$debsrc" ] || die "$debsrc not found: no Debian entry to make a deb-src list from"
sed 's/^Types: deb$/Types: deb-src/' "$debsrc" > "$out/apt/sources/debian-src.sources"
apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$out/apt/sources"
          -o "Dir::State::Lists=$out/apt/lists" -o "Dir::Cache=$out/apt/cache"
          -o Debug::NoLocking=1)

if [ ! -d "$out/src/tree" ]; then
    echo "build-gpu.sh: fetching Darknet's Debian source package (private apt lists in $out/apt)"
    apt-get "${apt_opts[@]}" -qq update
    rm -rf "$out/src" && mkdir -p "$out/src"
    (cd "$out/src" && apt-get "${apt_opts[@]}" -qq source darknet)
    tree=$(find "$out/src" -mindepth 1 -maxdepth 1 -type d -name 'darknet-*' | head -n1)
    [ -n "$tree" ] || die "apt-get source darknet gave no darknet-* folder in $out/src"
    mv "$tree" "$out/src/tree"
fi

cd "$out/src/tree"
sed -i -e 's/^GPU=.*/GPU=1/' -e 's/^CUDNN=.*/CUDNN=0/' -e 's/^OPENCV=.*/OPENCV=0/' \
       -e 's/^OPENMP=.*/OPENMP=0/' -e 's/^DEBUG=.*/DEBUG=0/' \
       -e "s|^NVCC=.*|NVCC=$nvcc|" -e "s|/usr/local/cuda|$cuda|g" \
       -e 's/ -lcuda / /' -e 's/ -lcuda$//' Makefile
sed -i -e '/^ARCH=/,/^$/d' Makefile
sed -i "1i ARCH= -gencode arch=compute_$arch,code=[sm_$arch,compute_$arch]\n" Makefile
sed -i 's/cudaThreadSynchronize/cudaDeviceSynchronize/g' src/*.c src/*.cu src/*.h
make clean >/dev/null && mkdir -p obj
make -j"${JOBS:-2}" libdarknet.so
cp libdarknet.so "$out/libdarknet.so"
mkdir -p "$out/include" && cp include/darknet.h "$out/include/darknet.h"
echo "$arch" > "$out/arch"
echo "build-gpu.sh: $out/libdarknet.so (GPU=1, sm_$arch, CUDNN=0, OPENCV=0)"
