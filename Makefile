# SPDX-License-Identifier: MIT
# Convenience wrapper around CMake; plain `cmake -S . -B build && cmake --build build` works too.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all build deps demo check check-all check-matrix check-asan check-fuzz lint test docs readme bench bench-static bench-docs bench-readme bench-memory abi-dump deb clean

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

# Test tiers (docs/testing.md):
#   make check        the fast tier (ctest label `fast`), after every change
#   make check-all    everything CI runs (.ci/run): both ctest tiers, the
#                     container test (in the background), the ASan+UBSan build,
#                     the fuzzers and the static analysis; it ends with every
#                     skipped check and the time of each stage (tests/check_all.sh)
#   make check-matrix the container matrix beyond CI, whenever docker/ changes
check test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L fast

check-all: build
	BUILD=$(BUILD) ASAN_BUILD=$(ASAN_BUILD) FUZZ_BUILD=$(FUZZ_BUILD) JOBS=$(JOBS) \
	  CMAKE_FLAGS="$(CMAKE_FLAGS)" tests/check_all.sh

# The whole container matrix, beyond what CI runs (docs/containers.md): every
# variant's whole test stage (CI runs their smoke stage), every OPENCV choice
# cross-built for each architecture in CVAPP_TEST_ARCHS (default arm64) with
# its emulated test stage, a second build on each architecture, every parity
# case compared across architectures, the single-stage image, LINK=shared.
check-matrix: build
	CVAPP_TEST_MATRIX=full bash tests/container_test.sh $(BUILD)/cvapp .

# OpenCV itself is not instrumented; valgrind cannot run under ASan, and parity
# exercises no code the other fast suites do not.
ASAN_BUILD ?= build-asan
check-asan:
	cmake -S . -B $(ASAN_BUILD) -DCVAPP_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -L fast -E parity

# Static analysis: cppcheck over the C and the C++ (the shim and bench/'s
# peers) with no finding allowed; suppressions are written where they apply
# (// cppcheck-suppress ...), with the reason beside them. One style rule is
# off for the shim: useStlAlgorithm (each flagged loop copies OpenCV's
# results into the C structs one field at a time, clearer as a loop than as
# std::transform with a lambda).
CPPCHECK = cppcheck --enable=warning,style,performance,portability --inline-suppr \
	--quiet --error-exitcode=1 -I app -I shim
lint:
	$(CPPCHECK) --std=c11 --language=c app tests/*.c tests/fuzz/*.c tests/fault/*.c bench/*.c
	$(CPPCHECK) --std=c++17 --language=c++ --suppress=useStlAlgorithm shim bench/*.cpp

# libFuzzer harnesses (tests/fuzz: JPEG, PNG, EXIF, pipeline parser, whole pipeline) in a clang
# ASan + UBSan build: every committed corpus input replayed (ctest), then each harness
# fuzzed FUZZ_TIME seconds from a scratch copy of its corpus (tests/fuzz/run.sh); a failing
# input lands in $(FUZZ_BUILD)/artifacts/NAME/ and the message names it.
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 30
check-fuzz:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCVAPP_FUZZ=ON -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	cd $(FUZZ_BUILD) && ctest --output-on-failure -j $(JOBS) -L fuzz
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME)

# Regenerates the generated parts of the docs: the op reference docs/ops.md from the op
# table, with a picture of each op's result (docs/img/ops/), and the README's options
# table from the option table (cvapp --help --markdown). `readme` is its old name.
docs readme: build
	docs/make_op_pictures.sh $(BUILD)/cvapp
	$(BUILD)/cvapp --help --markdown > $(BUILD)/options.md
	awk -v f=$(BUILD)/options.md '/<!-- options:end -->/{while((getline l < f)>0) print l; skip=0} !skip{print} /<!-- options:begin -->/{skip=1}' README.md > $(BUILD)/README.md
	mv $(BUILD)/README.md README.md

# libcvshim's ABI dump of this version into tests/abi/ (at a release; the `abi` test
# of check-all compares the library with the newest dump there: docs/cvshim.md).
abi-dump: build
	bash tests/abi_test.sh $(BUILD)/cvapp . --update

# Debian packages cvapp, libcvshim0 and libcvshim-dev (cmake/packaging.cmake) from a
# /usr build with Debian's hardening flags, then lintian (no error or warning allowed).
DEB_BUILD ?= build-deb
LINTIAN ?= lintian
deb:
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all; \
	  CFLAGS="$$(dpkg-buildflags --get CFLAGS) $$(dpkg-buildflags --get CPPFLAGS)" \
	  CXXFLAGS="$$(dpkg-buildflags --get CXXFLAGS) $$(dpkg-buildflags --get CPPFLAGS)" \
	  LDFLAGS="$$(dpkg-buildflags --get LDFLAGS)" \
	  cmake -S . -B $(DEB_BUILD) -DCMAKE_INSTALL_PREFIX=/usr -DCVAPP_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(DEB_BUILD) -j $(JOBS)
	cd $(DEB_BUILD) && rm -f ./*.deb && cpack -G DEB
	$(LINTIAN) --fail-on error,warning $(DEB_BUILD)/*.deb

# Benchmark against python3-opencv, ImageMagick, libvips and a C++ program
# (bench/cpp_peer.cpp), with start-up, the libvips task and throughput at
# -j 1 and -j 2 (needs install-deps.sh --bench); the static-opencv build is
# made in STATIC_BUILD for its start-up.
STATIC_BUILD ?= build-static
bench-static: build
	cmake -S . -B $(STATIC_BUILD) -DCVAPP_LINK=static-opencv -DCVAPP_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(STATIC_BUILD) -j $(JOBS) --target cvapp

bench: bench-static
	/usr/bin/python3 bench/bench.py $(BUILD)/cvapp --static=$(STATIC_BUILD)/cvapp

# The same, and the figures of docs/performance.md. `bench-readme` is its old name.
bench-docs bench-readme: bench-static
	/usr/bin/python3 bench/bench.py $(BUILD)/cvapp --static=$(STATIC_BUILD)/cvapp --update-docs

# Peak memory of each detector on a 25 MP image (docs/limits-and-security.md,
# "Detector memory"); OLD=path/to/cvapp adds another build's column.
bench-memory: build
	/usr/bin/python3 bench/detector_memory.py $(BUILD)/cvapp $(OLD)

clean:
	rm -rf $(BUILD)
