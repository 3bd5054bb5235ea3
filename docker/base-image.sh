#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# base-image.sh [IMAGE] - make sure the Debian base image exists locally
# (default debian:bookworm-slim): present, or pulled, or else (offline) a
# stand-in built with debootstrap and imported under the same name.
#
# The stand-in is debootstrap's minbase variant of the image's suite, made
# like the official slim image: dpkg excludes documentation (but keeps each
# package's copyright), manuals and translations, and apt's caches are empty.
# Its apt sources are this host's when the host runs the same Debian suite
# (so its packages match the host's), else debootstrap's default mirror.
# Needs root and debootstrap (docker/install-deps.sh --test installs it).
set -euo pipefail
IMAGE=${1:-debian:bookworm-slim}
docker image inspect "$IMAGE" >/dev/null 2>&1 && exit 0
if docker pull -q "$IMAGE" >/dev/null 2>&1; then exit 0; fi
case "$IMAGE" in
  debian:*) suite=${IMAGE#debian:}; suite=${suite%-slim} ;;
  *) echo "base-image.sh: cannot pull $IMAGE and can only stand in for debian:SUITE[-slim]" >&2; exit 1 ;;
esac
command -v debootstrap >/dev/null || { echo "base-image.sh: cannot pull $IMAGE; debootstrap is needed for a stand-in" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "base-image.sh: cannot pull $IMAGE; a debootstrap stand-in needs root" >&2; exit 1; }
echo "base-image.sh: cannot pull $IMAGE; making a stand-in with debootstrap ($suite, minbase)" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
if ! debootstrap --variant=minbase "$suite" "$root" >"$tmp/log" 2>&1; then
  tail -n 20 "$tmp/log" >&2
  exit 1
fi
src=/etc/apt/sources.list.d/debian.sources
if [ -f "$src" ] && grep -Eq "^Suites:.*[[:space:]]$suite([[:space:]]|$)" "$src"; then
  cp "$src" "$root/etc/apt/sources.list.d/debian.sources"
  rm -f "$root/etc/apt/sources.list"
fi
cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
# as in Debian's slim images: no documentation but the copyright files
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
CFG
find "$root/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$root"/usr/share/{man,info,groff,lintian,locale}/* "$root"/var/cache/apt/*.bin \
  "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$IMAGE" >/dev/null
echo "base-image.sh: $IMAGE is a debootstrap stand-in" >&2
