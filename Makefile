# Convenience wrapper around CMake; plain `cmake -S . -B build && cmake --build build` works too.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all build deps demo check test readme bench bench-readme clean

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

# Every test: Check suites, CLI (plain and under valgrind), parity with OpenCV's Python bindings.
check test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

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
