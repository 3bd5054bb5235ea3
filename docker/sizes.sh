#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# sizes.sh [REPO [TIMES]] - a markdown table of the cvapp images: image size
# (docker image inspect: the uncompressed size `docker images` shows), the
# cvapp binary's size and the number of files (from the image's manifest,
# or the image's layers), and the build time when TIMES (lines "TAG<TAB>
# seconds", as tests/container_test.sh writes them) has it.
# Expects REPO:builder, :single (make check-matrix), :shared, :slim, :latest, :bullseye, :trixie,
# :source and the arm64 builds :arm64, :arm64-bullseye, :arm64-trixie,
# :arm64-source (default REPO cvapp), built as docs/containers.md's section
# shows; a missing one is left out.
set -euo pipefail
REPO=${1:-cvapp}
TIMES=${2:-}
rows=(
  "builder|\`--target builder\`: compilers, -dev packages, sources, build tree"
  "single|\`Dockerfile.single\`: everything in one image"
  "shared|\`LINK=shared\`: Debian's shared OpenCV 4.6 libraries, FROM scratch"
  "slim|\`RUNTIME_BASE=debian:bookworm-slim\`: the default closure on Debian slim (a shell, apt)"
  "latest|default: OpenCV 4.6 (Debian 12) static archives, FROM scratch"
  "bullseye|\`OPENCV=bullseye\`: OpenCV 4.5 (Debian 11), FROM scratch"
  "trixie|\`OPENCV=trixie\`: OpenCV 4.10 (Debian 13), FROM scratch"
  "source|\`OPENCV=source\`: OpenCV 4.6 built from Debian's source package, minimal and static, FROM scratch"
  "arm64|\`TARGETARCH=arm64\`: the default, cross-built for arm64, FROM scratch"
  "arm64-bullseye|\`TARGETARCH=arm64 OPENCV=bullseye\`"
  "arm64-trixie|\`TARGETARCH=arm64 OPENCV=trixie\`"
  "arm64-source|\`TARGETARCH=arm64 OPENCV=source\`: minimal and static"
)
size_of() { docker image inspect -f '{{.Size}}' "$REPO:$1"; }
# (no single-stage image, CI's container test: that column reads "-")
single=$(size_of single 2>/dev/null) || single=""
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# files TAG: "BINARY_BYTES FILES" of the image, from its manifest when it
# has one, else from its layers (builder, single: the binary's size only)
files() {
  local c m n
  c=$(docker create "$REPO:$1" 2>/dev/null) || { echo "- -"; return; }
  if docker cp "$c:/usr/share/cvapp/manifest.tsv" "$W/m" 2>/dev/null; then
    m=$(awk -F'\t' '$1 == "/usr/local/bin/cvapp" { print $3 }' "$W/m")
    n=$(awk -F'\t' '!/^#/ && $2 == "file"' "$W/m" | wc -l)
    echo "$m $((n + 1))"   # the manifest itself is a file too
  elif docker cp "$c:/usr/local/bin/cvapp" "$W/cvapp" 2>/dev/null; then
    echo "$(stat -c %s "$W/cvapp") -"
  else
    echo "- -"
  fi
  docker rm "$c" >/dev/null
  rm -f "$W/m" "$W/cvapp"
}
echo "| image | what it holds | size | of single-stage | cvapp binary | files | build |"
echo "|---|---|---:|---:|---:|---:|---:|"
for r in "${rows[@]}"; do
  tag=${r%%|*} what=${r#*|}
  s=$(size_of "$tag" 2>/dev/null) || continue
  read -r bin n < <(files "$tag")
  t=-
  if [ -n "$TIMES" ] && [ -f "$TIMES" ]; then
    # "122" or "0 (cached)": seconds, then the note
    t=$(awk -F'\t' -v t="$tag" '$1 == t { n = split($2, a, " "); v = a[1] " s" (n > 1 ? " " a[2] : "") }
                                  END { print v ? v : "-" }' "$TIMES")
  fi
  awk -v t="$REPO:$tag" -v w="$what" -v s="$s" -v b="$single" -v bin="$bin" -v n="$n" -v tm="$t" \
    'BEGIN { printf "| `%s` | %s | %.1f MB | %s | %s | %s | %s |\n", t, w, s / 1e6,
             b == "" ? "-" : sprintf("%.0f%%", 100 * s / b),
             bin == "-" ? "-" : sprintf("%.1f MB", bin / 1e6), n, tm }'
done
echo
for b in bookworm bullseye trixie; do
  id=$(docker image inspect -f '{{.Id}}' "debian:$b-slim" 2>/dev/null | cut -c8-19) || continue
  comment=$(docker history --no-trunc --format '{{.Comment}}' "debian:$b-slim" 2>/dev/null | tail -n1) || comment=""
  case "$comment" in
    Imported*) echo "Base \`debian:$b-slim\` ($id): a debootstrap stand-in (docker/base-image.sh)." ;;
    *) echo "Base \`debian:$b-slim\` ($id)." ;;
  esac
done
