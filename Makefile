# Convenience wrapper around CMake; plain `cmake -S . -B build && cmake --build build` works too.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all build deps demo check check-asan test readme bench bench-readme clean

all: build

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

deps:
	docker/install-deps.sh --test

# The main job on the samples: each image gets STEM.cvapp.png and STEM.cvapp.json beside it.
demo: build
	$(BUILD)/cvapp $(filter-out %.cvapp.png,$(wildcard samples/*.jpg samples/*.png))

# Every test: Check suites, CLI and batch (plain and under valgrind), parity with OpenCV's
# Python bindings, parameter validation, containers; then the same Check, CLI and batch
# suites again in an AddressSanitizer + UndefinedBehaviorSanitizer build.
check test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) check-asan

# OpenCV itself is not instrumented; valgrind cannot run under ASan, and parity,
# container and closure tests exercise no code the other suites do not.
ASAN_BUILD ?= build-asan
check-asan:
	cmake -S . -B $(ASAN_BUILD) -DCVAPP_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -E 'valgrind|parity|container|closure'

# Regenerates the README's op reference from the op table.
readme: build
	$(BUILD)/cvapp --list-ops --markdown > $(BUILD)/ops.md
	awk -v f=$(BUILD)/ops.md '/<!-- ops:end -->/{while((getline l < f)>0) print l; skip=0} !skip{print} /<!-- ops:begin -->/{skip=1}' README.md > $(BUILD)/README.md
	mv $(BUILD)/README.md README.md

# Benchmark against python3-opencv, ImageMagick and libvips (needs install-deps.sh --bench).
bench: build
	/usr/bin/python3 bench/bench.py $(BUILD)/cvapp

bench-readme: build
	/usr/bin/python3 bench/bench.py $(BUILD)/cvapp --update-readme

clean:
	rm -rf $(BUILD)
