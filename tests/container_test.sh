#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Container tests with a real Docker engine, started here when none answers
# (as root: dockerd without a bridge network). Builds docker/Dockerfile with
# the classic builder: the default image with its whole test stage, the slim
# variant and the builder stage, then checks the runtime image: size budget,
# non-root user, labels, no shell, a read-only run with a volume, the native
# build's pixels and keypoints, stdin/stdout, the manifest against the
# image's layers; a second build of the commit gives the same layers; that a
# failing test fails the image build and that a source change reinstalls no
# package; the sizes table. Every other variant (OPENCV=bullseye, trixie,
# source; the other architectures of CVAPP_TEST_ARCHS, default arm64) is
# built with its smoke test stage (TESTS=smoke: closure, parity on the small
# samples) and checked here: --version, the default pipeline's and a feature
# batch's outputs equal to the default image's, its files; then one
# multi-platform index pushed to a registry on 127.0.0.1 and pulled per
# platform.
#
# CVAPP_TEST_MATRIX=full (make check-matrix, docs/containers.md) adds the
# rest: every variant's whole test stage (arm64's under emulation, and
# CROSS_TESTS=all), every OPENCV choice cross-built for each architecture, a
# double build on each architecture, every parity case compared across
# architectures, the single-stage image and LINK=shared.
# usage: container_test.sh CVAPP SRCDIR
# CVAPP_NO_CONTAINER_TESTS=1 skips (exit 77), for the image build's own test
# stage only, which has no engine. Anywhere else a missing engine is started.
set -u
CVAPP=$(readlink -f "$1") SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
if [ -n "${CVAPP_NO_CONTAINER_TESTS:-}" ]; then
  skip_all "CVAPP_NO_CONTAINER_TESTS is set (the image build's own test stage has no engine)"
fi
. "$SRC/tests/rootfs_lib.sh"
REPO=${CVAPP_TEST_REPO:-cvapp-test}
BUDGET=20000000                # the runtime image: at most 20 MB
MIN_BUDGET=12000000            # the minimal static image (OPENCV=source): at most 12 MB
export DOCKER_BUILDKIT=0       # the classic builder: the one every engine has
W=$(mktemp -d)
DOCKERD_PID="" REGISTRY_PID=""
# Each check's seconds (from one t to the next) go to W/sections.tsv,
# kept beside the build as container-sections.tsv (make check-all's table).
SECTION_T0=$SECONDS
t() {
  [ -z "$CURRENT" ] || printf '%s\t%s\n' "$((SECONDS - SECTION_T0))" "$CURRENT" >>"$W/sections.tsv"
  SECTION_T0=$SECONDS CURRENT="$*"
}
cleanup() {
  t ""
  cp "$W/sections.tsv" "$(dirname "$CVAPP")/container-sections.tsv" 2>/dev/null
  if [ -n "$REGISTRY_PID" ]; then kill "$REGISTRY_PID" 2>/dev/null; wait "$REGISTRY_PID" 2>/dev/null; fi
  if [ -n "$DOCKERD_PID" ]; then kill "$DOCKERD_PID" 2>/dev/null; wait "$DOCKERD_PID" 2>/dev/null; fi
  rm -rf "$W"
}
trap cleanup EXIT
# One run at a time on this machine: the image tags are shared.
exec 9>"${TMPDIR:-/tmp}/cvapp-container-test.lock"
flock 9
stop() { finish; exit 1; }
MATRIX=${CVAPP_TEST_MATRIX:-}
# What a variant's test stage runs: the smoke label in CI, everything in the matrix.
if [ "$MATRIX" = full ]; then VARIANT_TESTS=all; else VARIANT_TESTS=smoke; fi

t "a Docker engine answers (started here when none did)"
if ! command -v docker >/dev/null; then
  ko "no docker command; docker/install-deps.sh --test installs docker.io"; stop
elif docker info >/dev/null 2>&1; then
  ok
elif [ "$(id -u)" -ne 0 ] || ! command -v dockerd >/dev/null; then
  ko "no engine answers and none can be started here (needs root and dockerd)"; stop
else
  dockerd --bridge=none --iptables=false --ip6tables=false >"$W/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  if docker info >/dev/null 2>&1; then ok; else ko "dockerd did not start: $(tail -n 5 "$W/dockerd.log")"; stop; fi
fi

t "the base images are there: pulled, or debootstrap stand-ins (the classic builder needs all three)"
# The three at once: each is mostly waiting on the network.
for suite in bookworm bullseye trixie; do
  "$SRC/docker/base-image.sh" "debian:$suite-slim" >"$W/base-$suite.log" 2>&1 &
  echo $! >"$W/base-$suite.pid"
done
for suite in bookworm bullseye trixie; do
  if wait "$(cat "$W/base-$suite.pid")"; then ok; else ko "debian:$suite-slim: $(tail -n 5 "$W/base-$suite.log")"; fi
done

VERSION=$(sed -n 's/^project(cvapp VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
REVISION=$(git -C "$SRC" rev-parse HEAD 2>/dev/null || echo unknown)
# build TAG ARGS...: docker build SRC as REPO:TAG, the log in W/build-TAG.log;
# its time goes to W/times.tsv (for docker/sizes.sh), marked when cached
build() {
  local tag=$1 t0=$SECONDS note=""
  shift
  if docker build --network host -t "$REPO:$tag" "$@" "$SRC" >"$W/build-$tag.log" 2>&1; then
    grep -q '^ ---> Running in' "$W/build-$tag.log" || note=" (cached)"
    printf '%s\t%s%s\n' "$tag" "$((SECONDS - t0))" "$note" >>"$W/times.tsv"
    ok; echo "built $REPO:$tag in $((SECONDS - t0)) s$note"
  else
    ko "docker build $REPO:$tag failed: $(tail -n 40 "$W/build-$tag.log")"; stop
  fi
}
t "docker build: the runtime (its test stage runs the suite), the slim variant, the builder"
build latest -f "$SRC/docker/Dockerfile" --build-arg REVISION="$REVISION"
build slim -f "$SRC/docker/Dockerfile" --build-arg REVISION="$REVISION" --build-arg RUNTIME_BASE=debian:bookworm-slim
build builder -f "$SRC/docker/Dockerfile" --target builder
# The single-stage image and LINK=shared only measure what the multi-stage
# build and static linking save (docker/sizes.sh): the matrix's, or when asked.
if [ "$MATRIX" = full ]; then
  build single -f "$SRC/docker/Dockerfile.single"
fi
if [ "$MATRIX" = full ] || [ -n "${CVAPP_TEST_SHARED:-}" ]; then
  build shared -f "$SRC/docker/Dockerfile" --build-arg REVISION="$REVISION" --build-arg LINK=shared
fi

t "reproducible: a second build of this commit (builder rerun, smoke test stage) gives the same runtime layer"
build repro -f "$SRC/docker/Dockerfile" --build-arg REVISION="$REVISION" --build-arg CVAPP_REBUILD="$$-$RANDOM" \
  --build-arg TESTS=smoke
if grep -q '^ ---> Running in' "$W/build-repro.log"; then ok; else ko "the second build reran nothing"; fi
expect_eq "$(docker image inspect -f '{{json .RootFS.Layers}}' "$REPO:repro")" \
  "$(docker image inspect -f '{{json .RootFS.Layers}}' "$REPO:latest")"
docker rmi -f "$REPO:repro" >/dev/null 2>&1

t "docker build: the OpenCV variants, each with its $VARIANT_TESTS test stage"
for v in bullseye trixie source; do
  build "$v" -f "$SRC/docker/Dockerfile" --build-arg REVISION="$REVISION" --build-arg OPENCV=$v \
    --build-arg TESTS=$VARIANT_TESTS
done

# test_log TAG ARGS...: the ctest log of the test stage built with ARGS (cached)
test_log() {
  local tag=$1
  shift
  build "$tag" -f "$SRC/docker/Dockerfile" --target test "$@"
  run docker run --rm --network none --entrypoint cat "$REPO:$tag" /src/build/ctest.log
  expect_rc 0
  expect_out "100% tests passed, 0 tests failed"
}
t "the default test stage ran the suite but valgrind, kill and Slurm (host only); the container tests skipped there"
test_log test
expect_out "closure ....."
expect_out "parity_large ....."
expect_out "container (Skipped)"
if grep -qE 'Test +#[0-9]+: (cli_valgrind|kill|slurm) ' "$OUT"; then ko "a host-only test ran in the image's test stage"; else ok; fi

inspect() { docker image inspect -f "$2" "$REPO:$1"; }
t "the runtime image is within the budget"
size=$(inspect latest '{{.Size}}')
echo "runtime image: $size bytes, budget $BUDGET"
if [ "$size" -le "$BUDGET" ]; then ok; else ko "$size bytes, over $BUDGET"; fi
expect_eq "$(inspect latest '{{index .Config.Labels "io.github.cvapp.opencv"}}')" bookworm

t "it starts from /data with CVAPP_DATA_DIR set (cvapp leaves root for its owner), exec-form entrypoint"
expect_eq "$(inspect latest '{{.Config.User}}')" ""
if inspect latest '{{json .Config.Env}}' | grep -q '"CVAPP_DATA_DIR=/data"'; then ok; else ko "no CVAPP_DATA_DIR=/data"; fi
expect_eq "$(inspect latest '{{json .Config.Entrypoint}}')" '["/usr/local/bin/cvapp"]'
expect_eq "$(inspect latest '{{.Config.WorkingDir}}')" /data

t "OCI labels: title, version (the CMake project's), revision, source, licenses"
label() { inspect latest "{{index .Config.Labels \"org.opencontainers.image.$1\"}}"; }
expect_eq "$(label title)" cvapp
expect_eq "$(label version)" "$VERSION"
expect_eq "$(label revision)" "$REVISION"
expect_eq "$(label licenses)" MIT
if inspect latest '{{json .Config.Labels}}' | grep -q '"org.opencontainers.image.source"'; then ok; else ko "no source label"; fi

# unpack TAG DIR: the image's files (its layers, in order) into DIR
unpack() {
  local d=$W/save-$1 layer
  mkdir -p "$d" "$2"
  docker save "$REPO:$1" | tar -C "$d" -x
  for layer in $(grep -o '"[^"]*layer.tar"' "$d/manifest.json" | tr -d '"'); do
    tar -C "$2" -xf "$d/$layer"
  done
  rm -rf "$d"
}

t "the image's files (its layers unpacked): no shell, no X11 or GL library; the manifest lists exactly them"
unpack latest "$W/img"
expect_no_shell "$W/img"
expect_no_display_libs "$W/img"
expect_manifest "$W/img"
run docker run --rm --network none --entrypoint /bin/sh "$REPO:latest" -c true
if [ "$RC" -ne 0 ]; then ok; else ko "a shell ran in the runtime image"; fi

t "the SBOM in the image: SPDX 2.3, valid, every file with its package, version, license and checksums"
expect_eq "$(inspect latest '{{index .Config.Labels "io.github.cvapp.sbom"}}')" "$SBOM_PATH"
run /usr/bin/python3 "$SRC/tests/sbom_check.py" "$W/img"
expect_rc 0
expect_out "0 problems"
if grep -q '"licenseDeclared": "Apache-2.0' "$W/img$SBOM_PATH"; then ok; else ko "OpenCV's license is not in the SBOM"; fi
expect_eq "$(stat -c %Y "$W/img/usr/local/bin/cvapp")" 0

t "the README's container command, as written, in a clone an ordinary user owns"
# A directory that an ordinary host user (1234:2345) owns, mode 0755, with
# the README's sample: the outputs are theirs, with no extra flag.
D=$W/vol
mkdir -m 0755 "$D" "$D/samples"
cp "$SRC/samples/fruits.jpg" "$D/photo.jpg"
cp "$SRC/samples/fruits.jpg" "$D/samples/fruits.jpg"
chown -R 1234:2345 "$D"
cmd=$(grep -m1 '^docker run --rm -v "$PWD:/data" cvapp ' "$SRC/README.md")
expect_eq "$cmd" 'docker run --rm -v "$PWD:/data" cvapp samples/fruits.jpg'
run env -C "$D" bash -c "${cmd/ cvapp / $REPO:latest }"
expect_rc 0
expect_magic "$D/samples/fruits.cvapp.png" png
expect_file "$D/samples/fruits.cvapp.json"
expect_eq "$(stat -c %u:%g "$D/samples/fruits.cvapp.png")" 1234:2345

t "read-only root, no network: the same; a root-owned directory is refused with the uid and the fix"
run docker run --rm --read-only --network none -v "$D:/data" "$REPO:latest" -q -p grayscale --no-features -o ro.png photo.jpg
expect_rc 0
expect_eq "$(stat -c %u "$D/ro.png")" 1234
R=$W/rootdir
mkdir -m 0755 "$R"
cp "$SRC/samples/fruits.jpg" "$R/photo.jpg"
run docker run --rm --network none -v "$R:/data" "$REPO:latest" photo.jpg
expect_rc 1
expect_err "Permission denied (in the container cvapp runs as uid 65532 gid 65532"
expect_err_lines 1
expect_no_file "$R/photo.cvapp.png"

t "an explicit --user runs as given; a file that is not mounted names the -v form"
run docker run --rm --network none --user 1234:2345 -v "$D:/data" "$REPO:latest" -q -p grayscale --no-features -o given.png photo.jpg
expect_rc 0
expect_eq "$(stat -c %u:%g "$D/given.png")" 1234:2345
run docker run --rm --network none "$REPO:latest" photo.jpg
expect_rc 1
expect_err 'docker run -v "$PWD:/data" cvapp FILE'

t "the container's pixels and keypoints equal the native build's (default pipeline, feature batch)"
C=$W/c N=$W/n
copy_samples "$C"
copy_samples "$N"
chown -R 1234:2345 "$C"
mapfile -t IMGS < <(sample_names)
run docker run --rm --read-only --network none -v "$C:/data" "$REPO:latest" -q "${IMGS[@]}"
expect_rc 0
run docker run --rm --read-only --network none -v "$C:/data" "$REPO:latest" -q -j 2 -p @features.pipeline -d out "${IMGS[@]}"
expect_rc 0
(cd "$N" && "$CVAPP" -q "${IMGS[@]}" && "$CVAPP" -q -j 2 -p @features.pipeline -d out "${IMGS[@]}") || ko "native run failed"
expect_same_outputs "$C" "$N"
expect_eq "$(find "$C/out" -name '*.json' | wc -l)" "${#IMGS[@]}"

t "stdin to stdout: docker run -i ... -o - - gives the native bytes"
"$CVAPP" -q -p "gaussian ksize=9" -f jpg -o - - <"$SRC/samples/fruits.jpg" >"$W/native.jpg"
docker run -i --rm --network none "$REPO:latest" -q -p "gaussian ksize=9" -f jpg -o - - <"$SRC/samples/fruits.jpg" >"$W/container.jpg"
expect_magic "$W/container.jpg" jpg
if cmp -s "$W/native.jpg" "$W/container.jpg"; then ok; else ko "stdout image differs from the native one"; fi

t "the shipped engine files for real: Compose's shards, the Job's container spec per index (engines_container_test.sh)"
run bash "$SRC/tests/engines_container_test.sh" "$REPO:latest"
cat "$OUT"
expect_rc 0

t "the Debian packages (make deb) install with apt-get in a clean Debian 12 and work (deb_install.sh)"
if make -C "$SRC" deb DEB_BUILD="$W/debbuild" >"$W/deb.log" 2>&1; then
  ok
  run docker run --rm --network host -v "$W/debbuild:/debs:ro" -v "$SRC:/src:ro" debian:bookworm-slim \
    bash /src/tests/deb_install.sh /debs /src
  cat "$OUT"
  expect_rc 0
else
  ko "make deb failed: $(tail -n 20 "$W/deb.log")"
fi

t "slim variant: the same closure and manifest, plus a shell"
run docker run --rm --network none --entrypoint /bin/sh "$REPO:slim" -c "cvapp --version && cat $MANIFEST_PATH"
expect_rc 0
expect_out "cvapp $VERSION"
if grep -v '^cvapp \|^OpenCV \|^lib' "$OUT" | cmp -s - "$W/img$MANIFEST_PATH"; then ok; else ko "the slim variant's manifest differs"; fi
docker run -i --rm --network none "$REPO:slim" -q -p "gaussian ksize=9" -f jpg -o - - <"$SRC/samples/fruits.jpg" >"$W/slim.jpg"
if cmp -s "$W/native.jpg" "$W/slim.jpg"; then ok; else ko "the slim variant's image differs from the native one"; fi

t "OPENCV=source: within its budget, nothing but glibc beside cvapp, OpenCV recorded, no shell"
ssize=$(inspect source '{{.Size}}')
echo "minimal static image: $ssize bytes, budget $MIN_BUDGET"
if [ "$ssize" -le "$MIN_BUDGET" ]; then ok; else ko "$ssize bytes, over $MIN_BUDGET"; fi
unpack source "$W/src-img"
expect_no_shell "$W/src-img"
expect_manifest "$W/src-img"
libs=$(cd "$W/src-img" && find . -name '*.so*' \( -type f -o -type l \) -printf '%f\n' | LC_ALL=C sort -u | tr '\n' ' ')
expect_eq "$libs" "ld-linux-x86-64.so.2 libc.so.6 libm.so.6 "
if grep -q "^Version: 4\.6\." "$W/src-img/var/lib/dpkg/status.d/opencv" 2>/dev/null; then ok; else ko "no status record for the OpenCV built from source"; fi
if [ -s "$W/src-img/usr/share/doc/opencv/copyright" ]; then ok; else ko "no OpenCV license in the image"; fi
if ! grep -q "libopencv" "$W/src-img$MANIFEST_PATH"; then ok; else ko "a Debian OpenCV package is recorded in the source image"; fi
expect_eq "$(docker run --rm --network none "$REPO:source" --version)" \
  "$(docker run --rm --network none "$REPO:latest" --version)"

t "OPENCV=source gives the packaged 4.6 build's pixels and keypoints (default pipeline, feature batch)"
# sample_outputs TAG DIR: the samples copied into DIR (writable by the
# image's user), then TAG's default pipeline and feature batch run on them
sample_outputs() {
  copy_samples "$2"
  chmod 0777 "$2"
  run docker run --rm --read-only --network none -v "$2:/data" "$REPO:$1" -q "${IMGS[@]}"
  expect_rc 0
  run docker run --rm --read-only --network none -v "$2:/data" "$REPO:$1" -q -j 2 -p @features.pipeline -d out "${IMGS[@]}"
  expect_rc 0
}
sample_outputs source "$W/cs"
expect_same_outputs "$W/cs" "$N"
t "OPENCV=source: its $VARIANT_TESTS test stage passed (closure, parity)"
test_log source-test --build-arg OPENCV=source --build-arg TESTS=$VARIANT_TESTS
expect_out "closure ....."
expect_out "parity ....."

for v in bullseye trixie; do
  case $v in bullseye) want="OpenCV 4.5." ;; trixie) want="OpenCV 4.10." ;; esac
  t "$v: its own OpenCV ($want), its $VARIANT_TESTS test stage passed (closure, parity), the default image's outputs"
  run docker run --rm --network none "$REPO:$v" --version
  expect_rc 0; expect_out "$want"
  test_log "$v-test" --build-arg OPENCV=$v --build-arg TESTS=$VARIANT_TESTS
  expect_out "closure ....."
  expect_out "parity ....."
  sample_outputs "$v" "$W/c-$v"
  expect_same_outputs "$W/c-$v" "$N"
  t "$v: within the budget, no X11 or GL library"
  vsize=$(inspect "$v" '{{.Size}}')
  echo "$v runtime image: $vsize bytes, budget $BUDGET"
  if [ "$vsize" -le "$BUDGET" ]; then ok; else ko "$vsize bytes, over $BUDGET"; fi
  unpack "$v" "$W/img-$v"
  expect_no_display_libs "$W/img-$v"
  rm -rf "$W/img-$v"
done

if [ -n "${CVAPP_TEST_SHARED:-}" ]; then
  t "LINK=shared: Debian's shared OpenCV libraries, the same pixels, a larger image"
  docker run -i --rm --network none "$REPO:shared" -q -p "gaussian ksize=9" -f jpg -o - - <"$SRC/samples/fruits.jpg" >"$W/shared.jpg"
  if cmp -s "$W/native.jpg" "$W/shared.jpg"; then ok; else ko "the shared variant's image differs from the native one"; fi
  if [ "$(inspect shared '{{.Size}}')" -gt "$size" ]; then ok; else ko "the shared variant is not larger than the static-opencv one"; fi
  t "LINK=shared: no X11 or GL library, Debian's libGLX.so.0 replaced by cvapp's stand-in"
  unpack shared "$W/img-shared"
  expect_no_display_libs "$W/img-shared"
  if find "$W/img-shared" -name 'libopencv_core.so*' | grep -q .; then ok; else ko "no shared OpenCV core in the LINK=shared image"; fi
  rm -rf "$W/img-shared"
fi

# Other architectures: cross-built on this machine's (Debian multiarch), run
# through qemu-user-static's binfmt handler. CVAPP_TEST_ARCHS lists them
# (default arm64; empty: none). CVAPP_TEST_MATRIX=full (make check-matrix)
# adds every OPENCV choice and the double build on each.
ARCHS=${CVAPP_TEST_ARCHS-arm64}
ARCH_OK=()
for a in $ARCHS; do
  t "$a: this machine runs $a programs (docker/binfmt.sh: qemu-user-static's handler)"
  if "$SRC/docker/binfmt.sh" "$a" 2>"$W/binfmt.log"; then ok; ARCH_OK+=("$a"); else
    skip "$a images not built: $(cat "$W/binfmt.log")"; continue
  fi

  t "$a: cross-built (no emulated compiler); its $VARIANT_TESTS test stage ran under emulation, parity against $a's python3-opencv"
  build "$a" -f "$SRC/docker/Dockerfile" --build-arg REVISION="$REVISION" --build-arg TARGETARCH="$a" \
    --build-arg TESTS=$VARIANT_TESTS
  test_log "$a-test" --build-arg TARGETARCH="$a" --build-arg TESTS=$VARIANT_TESTS
  expect_out "closure ....."
  expect_out "parity ....."
  grep -E 'Test +#[0-9]+: .*(Skipped|Not Run)' "$OUT" | sed "s/^/  $a test stage: /"
  # The stage's machine and its C compiler are this machine's architecture;
  # the compiler's name is the target's cross compiler; python3 is the target's.
  run docker run --rm --network none --entrypoint sh "$REPO:$a-test" -c \
    'uname -m
     cc=$(sed -n "s/^set(CMAKE_C_COMPILER \"\(.*\)\")$/\1/p" /src/build/CMakeFiles/*/CMakeCCompiler.cmake)
     basename "$cc"
     readelf -hW "$(readlink -f "$cc")" | sed -n "s/^ *Machine: *//p"
     python3 -c "import platform; print(platform.machine())"'
  expect_eq "$(sed -n 1p "$OUT")" "$(uname -m)"
  expect_eq "$(sed -n 2p "$OUT")" "$(dpkg-architecture -a"$a" -qDEB_HOST_GNU_TYPE 2>/dev/null)-gcc"
  expect_eq "$(sed -n 3p "$OUT")" "$(readelf -hW /bin/true | sed -n 's/^ *Machine: *//p')"
  expect_eq "$(sed -n 4p "$OUT")" "$(dpkg-architecture -a"$a" -qDEB_HOST_GNU_CPU 2>/dev/null)"

  t "$a: the runtime image holds $a's cvapp, loader and libraries, no shell, its manifest, a valid SBOM of $a packages"
  asize=$(inspect "$a" '{{.Size}}')
  echo "$a runtime image: $asize bytes, budget $BUDGET"
  if [ "$asize" -le "$BUDGET" ]; then ok; else ko "$asize bytes, over $BUDGET"; fi
  unpack "$a" "$W/img-$a"
  machine=$(readelf -hW "$W/img-$a/usr/local/bin/cvapp" | sed -n 's/^ *Machine: *//p')
  case "$a" in arm64) expect_eq "$machine" AArch64 ;; esac
  interp=$(readelf -lW "$W/img-$a/usr/local/bin/cvapp" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p')
  if [ -n "$interp" ] && [ -e "$W/img-$a$interp" ]; then ok; else ko "no loader '$interp' in the $a image"; fi
  expect_no_shell "$W/img-$a"
  expect_no_display_libs "$W/img-$a"
  expect_manifest "$W/img-$a"
  run /usr/bin/python3 "$SRC/tests/sbom_check.py" "$W/img-$a"
  expect_rc 0
  expect_out "0 problems"
  if grep -q "?arch=$a\"" "$W/img-$a$SBOM_PATH"; then ok; else ko "no $a package in the $a image's SBOM"; fi
  # But base-files: /etc/os-release and /etc/debian_version, the same text on
  # every architecture, come from the build machine's (the target's cannot
  # be installed beside it).
  native=$(grep -o "\"pkg:deb/debian/[^@\"]*@[^\"]*?arch=$(dpkg --print-architecture)\"" "$W/img-$a$SBOM_PATH" |
    grep -v '/base-files@' || true)
  if [ -z "$native" ]; then ok; else ko "packages of the build machine's architecture in the $a image's SBOM: $native"; fi

  t "$a: the container runs under emulation and gives this machine's pixels, keypoints and JPEG bytes (scores and angles within float noise)"
  sample_outputs "$a" "$W/c-$a"
  run /usr/bin/python3 "$SRC/tests/arch_compare.py" --outputs "$W/c-$a" "$N"
  cat "$OUT"
  expect_rc 0
  docker run -i --rm --network none "$REPO:$a" -q -p "gaussian ksize=9" -f jpg -o - - <"$SRC/samples/fruits.jpg" >"$W/$a.jpg"
  if cmp -s "$W/native.jpg" "$W/$a.jpg"; then ok; else ko "the $a image's JPEG differs from the native one"; fi

  if [ "$MATRIX" = full ]; then
    t "$a (full matrix): every parity case, every sample, on both architectures: the differences are exactly those tests/arch_differences/$a.txt documents"
    run env CVAPP_PARITY_TIER=all /usr/bin/python3 "$SRC/tests/arch_compare.py" "$CVAPP" \
      "$W/img-$a=/usr/local/bin/cvapp" "$SRC/samples" "$SRC/tests/arch_differences/$a.txt"
    cat "$OUT"
    expect_rc 0

    t "$a (full matrix): the whole suite under emulation (CROSS_TESTS=all); every OPENCV choice builds and passes its test stage; a second build gives the same layers"
    build "$a-all-test" -f "$SRC/docker/Dockerfile" --build-arg TARGETARCH="$a" --build-arg CROSS_TESTS=all --target test
    run docker run --rm --network none --entrypoint cat "$REPO:$a-all-test" /src/build/ctest.log
    expect_out "100% tests passed, 0 tests failed"
    for v in bullseye trixie source; do
      build "$a-$v" -f "$SRC/docker/Dockerfile" --build-arg REVISION="$REVISION" --build-arg OPENCV=$v --build-arg TARGETARCH="$a"
      docker run -i --rm --network none "$REPO:$a-$v" -q -p "gaussian ksize=9" -f png -o - - \
        <"$SRC/samples/fruits.jpg" >"$W/$a-$v.png"
      expect_magic "$W/$a-$v.png" png
    done
    build "$a-repro" -f "$SRC/docker/Dockerfile" --build-arg REVISION="$REVISION" --build-arg TARGETARCH="$a" \
      --build-arg CVAPP_REBUILD="$$-$RANDOM" --build-arg TESTS=smoke
    expect_eq "$(inspect "$a-repro" '{{json .RootFS.Layers}}')" "$(inspect "$a" '{{json .RootFS.Layers}}')"
    docker rmi -f "$REPO:$a-repro" >/dev/null 2>&1
  fi
done

if [ ${#ARCH_OK[@]} -gt 0 ]; then
  t "one multi-platform image: docker/multiarch.py joins the images in an OCI index, a registry on 127.0.0.1 serves it, each platform pulls and runs its own"
  port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$W/registry"
  printf 'version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: "127.0.0.1:%s"}\n' \
    "$W/registry/data" "$port" >"$W/registry/config.yml"
  docker-registry serve "$W/registry/config.yml" >"$W/registry/log" 2>&1 &
  REGISTRY_PID=$!
  for _ in $(seq 30); do
    /usr/bin/python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/v2/', timeout=2)" 2>/dev/null && break
    sleep 1
  done
  REF=127.0.0.1:$port/cvapp:$VERSION
  pairs=("$(dpkg --print-architecture)=$REPO:latest")
  for a in "${ARCH_OK[@]}"; do pairs+=("$a=$REPO:$a"); done
  run "$SRC/docker/multiarch.py" --tls-verify=false "$REF" "${pairs[@]}"
  expect_rc 0
  expect_out "sha256:"
  run docker manifest inspect --insecure "$REF"
  expect_rc 0
  cp "$OUT" "$W/index.json"
  for p in "${pairs[@]}"; do
    a=${p%%=*} img=${p#*=}
    if grep -q "\"architecture\": \"$a\"," "$W/index.json"; then ok; else ko "no $a entry in the index: $(cat "$W/index.json")"; fi
    docker rmi -f "$REF" >/dev/null 2>&1
    plat=linux/$a
    case "$a" in arm64) want=linux/arm64/v8 ;; *) want=$plat ;; esac
    run docker pull -q --platform "$plat" "$REF"
    expect_rc 0
    expect_eq "$(docker image inspect -f '{{.Os}}/{{.Architecture}}{{with .Variant}}/{{.}}{{end}}' "$REF")" "$want"
    expect_eq "$(docker image inspect -f '{{json .RootFS.Layers}}' "$REF")" "$(docker image inspect -f '{{json .RootFS.Layers}}' "$img")"
    run docker run --rm --network none --platform "$plat" "$REF" --version
    expect_rc 0
    expect_out "cvapp $VERSION"
    docker run -i --rm --network none --platform "$plat" "$REF" -q -p "gaussian ksize=9" -f jpg -o - - \
      <"$SRC/samples/fruits.jpg" >"$W/pulled-$a.jpg"
    if cmp -s "$W/native.jpg" "$W/pulled-$a.jpg"; then ok; else ko "$plat: the pulled image's JPEG differs"; fi
  done
  docker rmi -f "$REF" >/dev/null 2>&1
  kill "$REGISTRY_PID" 2>/dev/null
  wait "$REGISTRY_PID" 2>/dev/null
  REGISTRY_PID=""
fi

if [ "$MATRIX" = full ]; then
  t "the single-stage image runs cvapp"
  run docker run --rm --network none "$REPO:single" --version
  expect_rc 0; expect_out "cvapp $VERSION"
fi

t "docker/sizes.sh: runtime < slim (< single in the matrix), and the table"
run "$SRC/docker/sizes.sh" "$REPO" "$W/times.tsv"
expect_rc 0
expect_out "| \`$REPO:latest\` |"
cat "$OUT"
# Kept beside the build (ctest shows a passing test's output only with -V):
# the table and the build times it was made from.
cp "$OUT" "$(dirname "$CVAPP")/image-sizes.md"
cp "$W/times.tsv" "$(dirname "$CVAPP")/image-build-times.tsv"
slim=$(inspect slim '{{.Size}}')
if [ "$size" -lt "$slim" ]; then ok; else ko "sizes: runtime $size, slim $slim"; fi
if [ "$MATRIX" = full ]; then
  single=$(inspect single '{{.Size}}')
  if [ "$slim" -lt "$single" ]; then ok; else ko "sizes: slim $slim, single $single"; fi
fi

if [ "$MATRIX" != full ]; then
  # What CI's run leaves to the matrix, listed with every skip at the end of check-all.
  t "left to make check-matrix (docs/containers.md#the-matrix)"
  skip "the whole test stage of OPENCV=bullseye, trixie and source (CI ran their smoke stage)"
  for a in "${ARCH_OK[@]}"; do
    skip "$a: its whole test stage under emulation (CROSS_TESTS=subset and all; CI ran the smoke stage), every parity case against amd64's (tests/arch_differences/$a.txt), OPENCV=bullseye, trixie and source cross-built, a second build"
  done
  skip "the single-stage image (docker/Dockerfile.single) and LINK=shared, built only to be measured"
fi

t "a failing test fails the image build; a source change reinstalls no package"
P=$W/probe
mkdir -p "$P"
# Every source the Dockerfile copies, read from its COPY lines, so a file
# added to the image cannot be missing from the probe's context.
cp -a "$SRC/.dockerignore" "$P/"
for f in $(sed -n 's/^COPY \([^-].*\) [^ ]*$/\1/p' "$SRC/docker/Dockerfile"); do
  mkdir -p "$P/$(dirname "$f")"
  cp -a "$SRC/${f%/}" "$P/$(dirname "$f")/"
done
echo '/* container_test probe */' >>"$P/app/main.c"
echo 'add_test(NAME probe_fails COMMAND false)' >"$P/tests/CMakeLists.txt"
if docker build --network host -f "$P/docker/Dockerfile" -t "$REPO:probe" "$P" >"$W/probe.log" 2>&1; then
  ko "the image built although a test failed"
else
  ok
fi
if grep -q "ctest .*returned a non-zero code" "$W/probe.log"; then ok; else ko "the build did not fail in the test stage: $(tail -n 5 "$W/probe.log")"; fi
installs=$(grep -A1 'RUN cvapp-install-deps' "$W/probe.log" | grep -c 'Using cache')
expect_eq "$installs" 2
if docker image inspect "$REPO:probe" >/dev/null 2>&1; then ko "$REPO:probe was tagged"; else ok; fi

finish
