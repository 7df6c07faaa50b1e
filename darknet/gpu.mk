# make GPU=1: Infomonitor against a CUDA build of Darknet (darknet/README.md,
# The GPU build).  Included by the Makefile before its defaults, so that
# DARKNET and BUILD point at the GPU build unless given.
#   darknet/gpu-build/   libdarknet.so and include/darknet.h, built by
#                        darknet/build-gpu.sh from Debian's source package
#   build/gpu/           the plugin, compiled with -DGPU against that header
ifeq ($(NVCC),)
$(error GPU=1 builds Darknet with CUDA and needs nvcc, but there is no $(CUDA_HOME)/bin/nvcc and none on PATH: install the CUDA toolkit (or set CUDA_HOME), or build without GPU=1)
endif
GPU_DARKNET  := darknet/gpu-build
GPU_CUDA_DIR := $(patsubst %/bin/nvcc,%,$(NVCC))
CUDA_ARCH    ?= auto
DARKNET      ?= $(GPU_DARKNET)
BUILD        ?= build/gpu
# For the objects that include darknet.h: its GPU layout, which includes
# cuda_runtime.h, cublas_v2.h and curand.h.
DN_GPU_FLAGS := -DGPU -I$(GPU_CUDA_DIR)/include
DN_GPU_DEPS  := $(GPU_DARKNET)/include/darknet.h
# cudart: the device checks of -gpu N (gpu_select.c).
DN_GPU_LIBS  := -L$(GPU_CUDA_DIR)/lib64 -lcudart -Wl,-rpath,$(GPU_CUDA_DIR)/lib64

$(GPU_DARKNET)/libdarknet.so: darknet/build-gpu.sh
	darknet/build-gpu.sh $(GPU_DARKNET) $(NVCC) $(CUDA_ARCH)

$(GPU_DARKNET)/include/darknet.h: $(GPU_DARKNET)/libdarknet.so ;
