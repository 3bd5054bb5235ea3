#!/bin/sh
# SPDX-License-Identifier: MIT
# binfmt.sh ARCH - make this machine run programs of Debian architecture ARCH
# (arm64, armhf, ppc64el, s390x, riscv64) through qemu-user-static, as
# cross-built images' test stages and their containers need (docs/containers.md).
#
# Mounts binfmt_misc when it is not mounted, and registers the handler of
# Debian's qemu-user-static (/usr/lib/binfmt.d/qemu-CPU.conf) when it is not
# registered. Its flags include F: the kernel opens the emulator once, so it
# also runs programs inside containers, which do not have it. Needs root for
# a change; a handler already there is enough. Exit status: 0 registered, 1
# not (the reason on stderr), 2 usage. ARCH equal to this machine's: 0.
set -eu
ARCH=${1:?usage: binfmt.sh ARCH (a Debian architecture: arm64, ...)}
[ "$ARCH" != "$(dpkg --print-architecture 2>/dev/null)" ] || exit 0
case "$ARCH" in
  arm64) cpu=aarch64 ;; armhf) cpu=arm ;; ppc64el) cpu=ppc64le ;;
  s390x) cpu=s390x ;; riscv64) cpu=riscv64 ;; amd64) cpu=x86_64 ;;
  *) echo "binfmt.sh: unknown architecture '$ARCH'" >&2; exit 2 ;;
esac
dir=/proc/sys/fs/binfmt_misc
if [ -f "$dir/qemu-$cpu" ] && grep -qx enabled "$dir/qemu-$cpu"; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "binfmt.sh: no binfmt handler for $ARCH ($cpu) and only root can register one" >&2
  exit 1
fi
if [ ! -f "$dir/register" ]; then
  mount -t binfmt_misc binfmt_misc "$dir" 2>/dev/null || {
    echo "binfmt.sh: cannot mount binfmt_misc on $dir" >&2; exit 1; }
fi
conf=/usr/lib/binfmt.d/qemu-$cpu.conf
if [ ! -f "$conf" ]; then
  echo "binfmt.sh: no $conf: install qemu-user-static (docker/install-deps.sh --test does)" >&2
  exit 1
fi
if [ -f "$dir/qemu-$cpu" ]; then
  echo 1 >"$dir/qemu-$cpu"
else
  grep -v '^#' "$conf" | head -n1 >"$dir/register" || {
    echo "binfmt.sh: the kernel refused the handler in $conf" >&2; exit 1; }
fi
grep -qx enabled "$dir/qemu-$cpu" || { echo "binfmt.sh: the $cpu handler is not enabled" >&2; exit 1; }
