#!/usr/bin/env bash
# sizes.sh [REPO] - a markdown table of the cvapp image sizes, measured with
# docker image inspect (the uncompressed size docker images shows).
# Expects REPO:builder, REPO:single, REPO:slim and REPO:latest (default REPO
# cvapp), built as the README's "Containers" section shows.
set -euo pipefail
REPO=${1:-cvapp}
rows=(
  "builder|docker/Dockerfile --target builder: compilers, -dev packages, sources, build tree"
  "single|docker/Dockerfile.single: the single-stage build, everything in one image"
  "slim|docker/Dockerfile, RUNTIME_BASE=debian:bookworm-slim: the closure on Debian slim (a shell, apt)"
  "latest|docker/Dockerfile: the runtime FROM scratch, cvapp and its closure only"
)
size_of() { docker image inspect -f '{{.Size}}' "$REPO:$1"; }
single=$(size_of single)
echo "| image | what it holds | size | MiB | of single-stage |"
echo "|---|---|---:|---:|---:|"
for r in "${rows[@]}"; do
  tag=${r%%|*} what=${r#*|}
  s=$(size_of "$tag")
  awk -v t="$REPO:$tag" -v w="$what" -v s="$s" -v b="$single" \
    'BEGIN { printf "| `%s` | %s | %.1f MB | %.1f | %.0f%% |\n", t, w, s / 1e6, s / 1048576, 100 * s / b }'
done
base=$(docker image inspect -f '{{.Id}}' debian:bookworm-slim 2>/dev/null | cut -c8-19) || base="?"
comment=$(docker history --no-trunc --format '{{.Comment}}' debian:bookworm-slim 2>/dev/null | tail -n1) || comment=""
case "$comment" in
  Imported*) echo; echo "Base \`debian:bookworm-slim\` ($base): a debootstrap stand-in (docker/base-image.sh)." ;;
  *) echo; echo "Base \`debian:bookworm-slim\` ($base)." ;;
esac
