# Infomonitor: build, test, demo.
#   make            library (static + shared), infomonitor.pc, the Darknet adapter
#                   libinfomonitor-darknet.so and ./infomonitor
#   make demo       the main job end to end (installs what is missing)
#   make test       unit tests, an ASan/UBSan build of them, a short fuzz run,
#                   CLI tests against numpy, the cfg mutation test
#   make bench      benchmarks (ratios against a baseline in the same run)
#   make deps       install missing Debian packages (apt-get)
#   make fuzz       each libFuzzer harness (tests/fuzz/) for FUZZ_SECONDS;
#                   make fuzz-smoke: FUZZ_RUNS inputs each (in make test)
#   make mutation-test  mutated cfgs through train (in make test)
#   make install    PREFIX=/usr/local
#   make GPU=1      the same against a CUDA build of Darknet (darknet/README.md):
#                   darknet/gpu-build/libdarknet.so from Debian's source package,
#                   the plugin compiled with -DGPU into build/gpu
#   make gpu-tests  what needs no device against that build (ABI guard, loading)
# Switches: DEBUG=1 (-O0), SANITIZE=1 (ASan + UBSan), BUILD=dir (object folder),
#           CUDA=0 (no CUDA spectrum back end even where nvcc is found),
#           GPU=1 (Darknet built with CUDA), CUDA_ARCH=90 (its card; default:
#           nvidia-smi's compute capability where a driver exists, else 90),
#           FUZZ=1 (the libFuzzer build's flags; make fuzz sets it, with clang).

PREFIX   ?= /usr/local
CUDA_HOME ?= /usr/local/cuda
NVCC      ?= $(firstword $(wildcard $(CUDA_HOME)/bin/nvcc) $(shell command -v nvcc 2>/dev/null))
GPU       ?= 0
ifeq ($(GPU),1)
include darknet/gpu.mk
endif
.DEFAULT_GOAL := all
BUILD    ?= build
CC       ?= cc
PYTHON   ?= /usr/bin/python3

DEB_PKGS  = build-essential pkg-config libopenblas-dev liblapacke-dev libcmocka-dev zlib1g-dev \
            python3-numpy python3-matplotlib dataset-fashion-mnist darknet

# Darknet: Debian's package by default, or DARKNET=/path/to/a/darknet/tree
# (its include/darknet.h and libdarknet.so).  See darknet/README.md.
DARKNET  ?= /usr/lib/darknet
DN_INC    = $(DARKNET)/include
DN_LIBS   = -L$(DARKNET) -ldarknet -Wl,-rpath,$(abspath $(DARKNET)) -lz $(DN_GPU_LIBS)

OPT       = -O2
ifeq ($(DEBUG),1)
OPT       = -O0 -g3
endif
SANFLAGS  =
ifeq ($(SANITIZE),1)
SANFLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
ifeq ($(FUZZ),1)
SANFLAGS  = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
endif

CPPFLAGS += -Iplugin/include -Iplugin/src -D_POSIX_C_SOURCE=200809L
CFLAGS   ?= $(OPT) -g
CFLAGS   += -std=c11 -Wall -Wextra -fPIC -fvisibility=hidden $(SANFLAGS)
LDFLAGS  += $(SANFLAGS) -pthread
LDLIBS    = -llapacke -lopenblas -lm

VERSION  := $(shell sed -n 's/^\#define IM_VERSION "\(.*\)"/\1/p' plugin/include/infomonitor/version.h)

LIB_SRC  := $(wildcard plugin/src/renyi/*.c plugin/src/backend/*.c plugin/src/util/*.c)
CLI_SRC  := $(wildcard plugin/src/cli/*.c)
# *_testing.c: accessors for the unit tests only, not in the adapter.
DN_SRC   := $(filter-out %_testing.c,$(wildcard plugin/src/darknet/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
DN_OBJ   := $(DN_SRC:%.c=$(BUILD)/%.o)
NPY_OBJ  := $(BUILD)/plugin/src/util/npy.o

TESTS    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))

.PHONY: all deps demo test unit-tests asan-tests cli-tests gpu-tests bench clean install infomonitor \
        fuzz fuzz-smoke fuzz-build fuzzers mutation-test

# ./infomonitor is the CPU build's; GPU=1 builds build/gpu/infomonitor only.
all: $(BUILD)/libinfomonitor.a $(BUILD)/libinfomonitor.so $(BUILD)/infomonitor.pc \
     $(if $(filter 1,$(GPU)),$(BUILD)/infomonitor $(BUILD)/libinfomonitor-darknet.so,infomonitor)

deps:
	@scripts/install-deps.sh $(DEB_PKGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# The SIMD kernels (one template, plugin/src/backend/simd_spectra.h) need
# -O3 (loops over lanes become vector instructions) and -fno-math-errno (sqrt
# without the errno call).  On x86-64 each is built three times, for AVX-512,
# AVX2 + FMA and the baseline; the back end picks one at run time, so the
# default build runs on any x86-64.  -Wno-psabi: the vector helpers are
# static inline, so no call crosses an ABI boundary.  -std=c11 keeps FMA
# contraction off, so every instruction set gives bit-identical results.
# The fuzz build (FUZZ=1) leaves the variants out: clang 14's
# __builtin_cpu_supports does not know "x86-64-v4", and no harness calls a kernel.
SIMD_X86 := $(if $(filter 1,$(FUZZ)),,$(if $(findstring x86_64,$(shell $(CC) -dumpmachine)),1,))
SIMD_OBJ := $(BUILD)/plugin/src/backend/simd_f32.o $(BUILD)/plugin/src/backend/simd_f64.o
ifeq ($(SIMD_X86),1)
SIMD_ISA_OBJ := $(foreach p,f32 f64,$(foreach v,avx2 avx512,$(BUILD)/plugin/src/backend/simd_$(p)_$(v).o))
SIMD_OBJ += $(SIMD_ISA_OBJ)
LIB_OBJ  += $(SIMD_ISA_OBJ)
CPPFLAGS += -DIM_SIMD_X86
$(BUILD)/plugin/src/backend/simd_%_avx2.o: plugin/src/backend/simd_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -march=x86-64-v3 -MMD -MP -c $< -o $@
$(BUILD)/plugin/src/backend/simd_%_avx512.o: plugin/src/backend/simd_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -march=x86-64-v4 -MMD -MP -c $< -o $@
endif
ifneq ($(DEBUG),1)
$(SIMD_OBJ): CFLAGS += -O3
endif
$(SIMD_OBJ): CFLAGS += -fno-math-errno -Wno-psabi

# CUDA back end: built when nvcc is found (CUDA_HOME/bin/nvcc or on PATH),
# unless CUDA=0.  ASan builds leave it out: ASan's shadow memory and the CUDA
# driver's address reservations do not mix, and device code is not
# instrumented anyway.  cudart is linked statically; cuSOLVER (orders above
# one block's shared memory) is loaded with dlopen when first needed.
CUDA      ?= $(if $(NVCC),1,0)
ifneq ($(filter 1,$(SANITIZE) $(FUZZ)),)
override CUDA := 0
endif
# sm_80 (A100), sm_90 (H100/H200) binaries, and PTX for newer cards.
CUDA_GENCODE ?= -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
             -gencode arch=compute_90,code=compute_90
ifeq ($(CUDA),1)
CUDA_DIR := $(patsubst %/bin/nvcc,%,$(NVCC))
LIB_OBJ  += $(patsubst %.cu,$(BUILD)/%.o,$(wildcard plugin/src/backend/*.cu))
CPPFLAGS += -DIM_HAVE_CUDA
LDLIBS   += -L$(CUDA_DIR)/lib64 -lcudart_static -ldl -lrt -lstdc++
$(BUILD)/%.o: %.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(CUDA_GENCODE) -O3 -std=c++17 -Xcompiler -fPIC,-Wall,-Wextra,-fvisibility=hidden $(CPPFLAGS) \
		-DIM_CUDA_LIBDIR='"$(CUDA_DIR)/lib64"' -MMD -MP -c $< -o $@
endif

ifeq ($(MAKELEVEL),0)
$(info infomonitor $(VERSION): Darknet $(DARKNET) ($(if $(filter 1,$(GPU)),GPU,CPU) build); \
CUDA back end $(if $(filter 1,$(CUDA)),on ($(NVCC)),off); cpu kernels $(if $(SIMD_X86),avx512 avx2 generic (picked at run time),generic))
endif

# The objects that include darknet.h (under GPU=1: its -DGPU layout, after
# darknet/build-gpu.sh has made it).
DN_USERS := $(DN_OBJ) $(BUILD)/plugin/src/darknet/monitor_testing.o $(BUILD)/tests/test_data.o \
            $(BUILD)/tests/test_monitor.o $(BUILD)/tests/test_diagnose.o \
            $(BUILD)/tests/test_weights.o $(BUILD)/tests/test_transparent.o \
            $(BUILD)/tests/test_maxpool_guard.o
$(DN_USERS): CPPFLAGS += -I$(DN_INC) $(DN_GPU_FLAGS)
$(DN_USERS): | $(DN_GPU_DEPS)
# The shape checks differ between a CPU and a GPU Darknet (cfg_shapes*.c).
$(BUILD)/tests/test_cfg_shapes.o: CPPFLAGS += $(DN_GPU_FLAGS)

# Rebuilt from scratch: `ar r` only adds members, so a removed source would
# leave its stale object behind.
$(BUILD)/libinfomonitor.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libinfomonitor.so: $(LIB_OBJ) plugin/libinfomonitor.map
	$(CC) -shared -Wl,-soname,libinfomonitor.so.0 -Wl,--version-script,plugin/libinfomonitor.map \
	    $(LDFLAGS) $(LIB_OBJ) -o $@ $(LDLIBS)

# infomonitor.pc for PREFIX; `make install` writes it anew, so that the
# installed one names the PREFIX it was installed to.  Libs.private (for a
# static link) holds the libraries without this machine's -L folders: a CUDA
# build's libcudart_static.a is found through the user's own LIBRARY_PATH
# or -L (README, The library).
LIBS_PRIVATE := $(filter-out -L%,$(LDLIBS)) -lpthread
PC_GEN = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
             -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|' plugin/infomonitor.pc.in

$(BUILD)/infomonitor.pc: plugin/infomonitor.pc.in plugin/include/infomonitor/version.h Makefile
	$(PC_GEN) > $@

# The Darknet adapter: the only object that links libdarknet (and with it
# OpenCV, Qt, GDAL ...: 261 shared objects).  ./infomonitor dlopens it for
# the verbs that need a network, so `estimate` and `--help` never load
# Darknet.  It carries its own copy of the static core, hidden by its
# version script, and exports only im_dn_adapter_get().
$(BUILD)/libinfomonitor-darknet.so: $(DN_OBJ) $(BUILD)/libinfomonitor.a plugin/libinfomonitor-darknet.map
	$(CC) -shared $(LDFLAGS) -Wl,--version-script,plugin/libinfomonitor-darknet.map \
	    $(DN_OBJ) $(BUILD)/libinfomonitor.a -o $@ $(LDLIBS) $(DN_LIBS)

$(BUILD)/infomonitor: $(CLI_OBJ) $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) -ldl \
	    -Wl,--export-dynamic-symbol=error,--export-dynamic-symbol=file_error,--export-dynamic-symbol=malloc_error

# ./infomonitor is a link to the build's binary, which finds the adapter
# beside itself.  Phony, so that it follows BUILD.
infomonitor: $(BUILD)/infomonitor $(BUILD)/libinfomonitor-darknet.so
	ln -sfn $(BUILD)/infomonitor $@

$(BUILD)/tests/test_npy: $(BUILD)/tests/test_npy.o $(NPY_OBJ) $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS)

# The cfg checks: keys, values and shapes (cfg_validate.h); with them the
# objects of the cfg rewrite, and those of the data readers.
CFG_CHECK_OBJ := $(patsubst %,$(BUILD)/plugin/src/darknet/%.o,cfg_model cfg_keys cfg_values \
                   cfg_shapes cfg_shapes_util cfg_shapes_image cfg_shapes_keep cfg_shapes_flat \
                   cfg_shapes_order)
CFG_OBJ  := $(CFG_CHECK_OBJ) $(patsubst %,$(BUILD)/plugin/src/darknet/%.o,cfg_rewrite monitor_spec cfg_validate)
DATA_OBJ := $(patsubst %,$(BUILD)/plugin/src/darknet/%.o,dataset data_io idx labels image_list image_decode datacfg)

$(BUILD)/tests/test_cfg: $(BUILD)/tests/test_cfg.o $(CFG_OBJ) $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS)

$(BUILD)/tests/test_cfg_shapes: $(BUILD)/tests/test_cfg_shapes.o $(CFG_CHECK_OBJ) \
                              $(BUILD)/plugin/src/darknet/cfg_validate.o $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS)

$(BUILD)/tests/test_cfg_model: $(BUILD)/tests/test_cfg_model.o $(BUILD)/plugin/src/darknet/cfg_model.o \
                             $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS)

$(BUILD)/tests/test_cfg_check: $(BUILD)/tests/test_cfg_check.o \
                             $(patsubst %,$(BUILD)/plugin/src/darknet/%.o,cfg_model cfg_keys cfg_values) \
                             $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS)

$(BUILD)/tests/test_cfg_text: $(BUILD)/tests/test_cfg_text.o $(BUILD)/plugin/src/darknet/cfg_text.o \
                            $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS)

$(BUILD)/tests/test_data: $(BUILD)/tests/test_data.o $(DATA_OBJ) $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS) $(DN_LIBS)

$(BUILD)/tests/test_weights: $(BUILD)/tests/test_weights.o \
                           $(patsubst %,$(BUILD)/plugin/src/darknet/%.o,weights_layout weights_check weights_save atomic_file) \
                           $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS) $(DN_LIBS)

$(BUILD)/tests/test_maxpool_guard: $(BUILD)/tests/test_maxpool_guard.o \
                                  $(BUILD)/plugin/src/darknet/maxpool_guard.o
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(DN_LIBS)

$(BUILD)/tests/test_diagnose: $(BUILD)/tests/test_diagnose.o \
                            $(BUILD)/plugin/src/darknet/diagnose.o $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS)

$(BUILD)/tests/test_monitor: $(BUILD)/tests/test_monitor.o $(DN_OBJ) \
                           $(BUILD)/plugin/src/darknet/monitor_testing.o $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS) $(DN_LIBS)

$(BUILD)/tests/test_transparent: $(BUILD)/tests/test_transparent.o $(DN_OBJ) $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS) $(DN_LIBS)

# tests/test_check.py's reference: what Debian's libdarknet builds from a cfg.
$(BUILD)/tests/dn_layers: tests/dn_layers.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -I$(DN_INC) $(CFLAGS) $< -o $@ $(LDFLAGS) $(DN_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS)

unit-tests: $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 $$t; done

asan-tests:
	$(MAKE) --no-print-directory SANITIZE=1 BUILD=build/asan unit-tests \
	    $(if $(filter 1,$(SANITIZE)),,build/asan/infomonitor build/asan/libinfomonitor-darknet.so)

# GPU=1's unit tests: those that build no network (no device is needed).
GPU_UNIT_TESTS := $(patsubst %,build/gpu/tests/test_%,cfg cfg_shapes cfg_model cfg_check cfg_text \
                    data diagnose npy)

# What needs no device against the GPU build (tests/test_gpu_build.py);
# skipped, saying so, where nvcc is missing.
gpu-tests:
ifeq ($(NVCC),)
	@echo "gpu-tests: SKIPPED: no nvcc ($(CUDA_HOME)/bin/nvcc, none on PATH); make GPU=1 needs the CUDA toolkit"
else
	$(MAKE) --no-print-directory GPU=1 all $(GPU_UNIT_TESTS)
	@set -e; for t in $(GPU_UNIT_TESTS); do echo "== $$t (-DGPU)"; $$t; done
	$(PYTHON) tests/test_gpu_build.py build/gpu darknet/gpu-build $(DARKNET)
endif

cli-tests: infomonitor $(BUILD)/tests/dn_layers
	$(PYTHON) tests/test_adapter.py ./infomonitor
	$(PYTHON) tests/test_cli.py ./infomonitor
	$(PYTHON) tests/test_cli.py build/asan/infomonitor
	$(PYTHON) tests/test_check.py ./infomonitor --reference
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 $(PYTHON) tests/test_check.py build/asan/infomonitor
	$(PYTHON) tests/test_train.py ./infomonitor
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 $(PYTHON) tests/test_train.py build/asan/infomonitor
	$(PYTHON) tests/test_dump.py ./infomonitor
	$(PYTHON) tests/test_sweep.py ./infomonitor
	$(PYTHON) tests/test_reproduce_analyses.py ./infomonitor
	$(PYTHON) tests/test_weights.py ./infomonitor
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 $(PYTHON) tests/test_weights.py build/asan/infomonitor
	$(PYTHON) tests/test_metrics_log.py ./infomonitor
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 $(PYTHON) tests/test_metrics_log.py build/asan/infomonitor
	$(PYTHON) tests/test_plot_ip.py
	$(PYTHON) tests/test_prepare.py ./infomonitor
	$(PYTHON) tests/test_image_mutation.py ./infomonitor 200 1
	$(PYTHON) tests/test_width.py ./infomonitor
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 $(PYTHON) tests/test_width.py build/asan/infomonitor
	$(PYTHON) tests/test_rank.py ./infomonitor
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 $(PYTHON) tests/test_rank.py build/asan/infomonitor
	$(PYTHON) tests/test_prune.py ./infomonitor
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 $(PYTHON) tests/test_prune.py build/asan/infomonitor
	IM_CUDA_LIBDIR=$(if $(filter 1,$(CUDA)),$(CUDA_DIR)/lib64) $(PYTHON) tests/test_install.py $(BUILD)

test: deps
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory unit-tests
	$(MAKE) --no-print-directory asan-tests
	$(MAKE) --no-print-directory fuzz-smoke
	$(MAKE) --no-print-directory cli-tests
	$(MAKE) --no-print-directory mutation-test

demo: deps
	$(MAKE) --no-print-directory all
	scripts/demo.sh results/demo

$(BUILD)/bench_spectra: $(BUILD)/bench/bench_spectra.o $(NPY_OBJ) $(BUILD)/libinfomonitor.a
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

bench: deps
	$(MAKE) --no-print-directory all $(BUILD)/bench_spectra
	PYTHON=$(PYTHON) $(BUILD)/bench_spectra
	$(PYTHON) bench/bench_estimate.py $(BUILD)/infomonitor
	$(PYTHON) bench/bench_monitor.py

# ---- Fuzzing: tests/fuzz/, docs/RELIABILITY.md --------------------------
# One libFuzzer harness per parser, built with clang under build/fuzz: the
# library's objects with -fsanitize=fuzzer-no-link,address,undefined
# (FUZZ=1), each harness linked with -fsanitize=fuzzer.  tests/fuzz/run.py
# runs each on the seeds of tests/fuzz/corpus/<harness>/ and prints the
# inputs tried and what failed:
#   make fuzz        FUZZ_SECONDS each, the corpus growing under
#                    build/fuzz/corpus/
#   make fuzz-smoke  FUZZ_RUNS inputs each from a fresh corpus, libFuzzer
#                    seed 1 (part of make test)
# A failing input is left in build/fuzz/artifacts/; the harness run on it
# (build/fuzz/tests/fuzz/fuzz_cfg FILE) shows the report again.
FUZZ_CC      ?= clang
FUZZ_PKGS     = clang libclang-rt-14-dev
FUZZ_BUILD    = build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?= 100000
FUZZERS      := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_HELPERS := $(patsubst %,$(BUILD)/tests/fuzz/%.o,files split show)
FUZZ_LINK     = $(CC) -fsanitize=fuzzer $(LDFLAGS) $^ -o $@ $(LDLIBS)
DN_O          = $(patsubst %,$(BUILD)/plugin/src/darknet/%.o,$(1))

$(BUILD)/tests/fuzz/fuzz_npy: $(BUILD)/tests/fuzz/fuzz_npy.o $(FUZZ_HELPERS) $(NPY_OBJ) \
                              $(BUILD)/libinfomonitor.a
	$(FUZZ_LINK)

$(BUILD)/tests/fuzz/fuzz_cfg: $(BUILD)/tests/fuzz/fuzz_cfg.o $(FUZZ_HELPERS) $(CFG_OBJ) \
                              $(BUILD)/libinfomonitor.a
	$(FUZZ_LINK)

$(BUILD)/tests/fuzz/fuzz_idx: $(BUILD)/tests/fuzz/fuzz_idx.o $(FUZZ_HELPERS) \
                              $(call DN_O,idx data_io dataset) $(BUILD)/libinfomonitor.a
	$(FUZZ_LINK) -lz

# datacfg.o calls the split loaders, and through them libdarknet's stb_image.
$(BUILD)/tests/fuzz/fuzz_datacfg: $(BUILD)/tests/fuzz/fuzz_datacfg.o $(FUZZ_HELPERS) $(DATA_OBJ) \
                                  $(BUILD)/libinfomonitor.a
	$(FUZZ_LINK) $(DN_LIBS)

$(BUILD)/tests/fuzz/fuzz_image_decode: $(BUILD)/tests/fuzz/fuzz_image_decode.o $(FUZZ_HELPERS) \
                                       $(call DN_O,image_decode data_io) $(BUILD)/libinfomonitor.a
	$(FUZZ_LINK) $(DN_LIBS)

$(BUILD)/tests/fuzz/fuzz_image_list: $(BUILD)/tests/fuzz/fuzz_image_list.o $(FUZZ_HELPERS) \
                                     $(call DN_O,image_list image_decode data_io dataset) \
                                     $(BUILD)/libinfomonitor.a
	$(FUZZ_LINK) $(DN_LIBS)

fuzzers: $(FUZZERS:%=$(BUILD)/tests/fuzz/%)

fuzz-build:
	@scripts/install-deps.sh $(FUZZ_PKGS)
	$(MAKE) --no-print-directory CC=$(FUZZ_CC) FUZZ=1 BUILD=$(FUZZ_BUILD) fuzzers

fuzz-smoke: fuzz-build
	$(PYTHON) tests/fuzz/run.py --runs $(FUZZ_RUNS) $(FUZZ_BUILD) $(FUZZERS)

fuzz: fuzz-build
	$(PYTHON) tests/fuzz/run.py --seconds $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZERS)

# Whole cfgs mutated and trained for an epoch (tests/test_cfg_mutation.py):
# MUTATION_COUNT cfgs from MUTATION_SEED; the failing ones are kept in
# build/mutation/.
MUTATION_COUNT ?= 300
MUTATION_SEED  ?= 1
mutation-test: infomonitor
	$(PYTHON) tests/test_cfg_mutation.py ./infomonitor --count $(MUTATION_COUNT) \
	    --seed $(MUTATION_SEED) --keep build/mutation

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/infomonitor \
	    $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/infomonitor
	install -m 644 $(BUILD)/libinfomonitor.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libinfomonitor.so $(DESTDIR)$(PREFIX)/lib/libinfomonitor.so.0
	ln -sf libinfomonitor.so.0 $(DESTDIR)$(PREFIX)/lib/libinfomonitor.so
	install -m 644 plugin/include/infomonitor/*.h $(DESTDIR)$(PREFIX)/include/infomonitor/
	$(PC_GEN) > $(DESTDIR)$(PREFIX)/lib/pkgconfig/infomonitor.pc
	install -m 755 $(BUILD)/libinfomonitor-darknet.so $(DESTDIR)$(PREFIX)/lib/infomonitor/
	install -m 755 $(BUILD)/infomonitor $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf build infomonitor

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
