# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# rootfs_lib.sh - checks shared by closure_test.sh (a staged root filesystem)
# and container_test.sh (the image's layers unpacked). Sourced after lib.sh.
MANIFEST_PATH=/usr/share/cvapp/manifest.tsv
SBOM_PATH=/usr/share/cvapp/sbom.spdx.json
SHELLS="sh bash dash ash zsh busybox"

# expect_no_shell ROOT: no shell under any name in ROOT
expect_no_shell() {
  local found n
  found=$(for n in $SHELLS; do find "$1" -name "$n" \( -type f -o -type l \); done)
  if [ -z "$found" ]; then ok; else ko "shell found: $found"; fi
}

# expect_no_display_libs ROOT: no X11, xcb, Wayland or OpenGL/EGL library
# in ROOT (a server image; docs/containers.md, "No X11 or GL"), but for
# cvapp's stand-in libGLX.so.0 (shim/no_opengl.c, staged by docker/closure.sh
# --substitute): a libGLX.so.0 there must need no library but libc, if
# any, and define the three GLX functions only.
expect_no_display_libs() {
  local stub defs needs found
  stub=$(find "$1" -name libGLX.so.0 -type f | head -n1)
  if [ -n "$stub" ]; then
    defs=$(nm -D --defined-only "$stub" | awk '$2 == "T" {print $3}' | LC_ALL=C sort | tr '\n' ' ')
    needs=$(readelf -dW "$stub" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | tr '\n' ' ')
    if [ "$defs" = "glXGetCurrentContext glXGetCurrentDisplay glXGetProcAddressARB " ] && { [ -z "$needs" ] || [ "$needs" = "libc.so.6 " ]; }; then ok
    else ko "libGLX.so.0 in the image is not the stand-in (defines: $defs; needs: $needs)"; fi
  fi
  found=$(find "$1" \( -name 'libGL*' -o -name 'libEGL*' -o -name 'libOpenGL*' -o -name 'libX*' \
    -o -name 'libxcb*' -o -name 'libwayland*' \) ! -name libGLX.so.0 \( -type f -o -type l \) -printf '%P ')
  if [ -z "$found" ]; then ok; else ko "display libraries in the image: $found"; fi
}

# expect_manifest ROOT: the manifest lists exactly ROOT's files and symlinks
# (but itself and the SBOM made from it), with their sizes and targets; every package it names has a
# dpkg status record of that version and a license file; alternatives and
# library symlink chains were resolved (no link into /etc/alternatives).
expect_manifest() {
  local root=$1 m=$1$MANIFEST_PATH listed actual path kind what pkg ver bad=0
  [ -s "$m" ] || { ko "no manifest $MANIFEST_PATH"; return; }
  listed=$(grep -v '^#' "$m" | cut -f1 | LC_ALL=C sort)
  actual=$(cd "$root" && find . \( -type f -o -type l \) | sed 's|^\.||' | grep -vxF -e "$MANIFEST_PATH" -e "$SBOM_PATH" | LC_ALL=C sort)
  if [ "$listed" = "$actual" ]; then ok; else
    ko "manifest and files differ: $(diff <(echo "$listed") <(echo "$actual") | grep '^[<>]' | head -n 10 | tr '\n' ' ')"
  fi
  while IFS=$'\t' read -r path kind what pkg ver; do
    case "$kind" in
      file) if [ ! -f "$root$path" ] || [ -L "$root$path" ] || [ "$(stat -c %s "$root$path")" != "$what" ]; then
              bad=1; ko "$path: not a file of $what bytes"
            fi ;;
      symlink) [ "$(readlink "$root$path")" = "$what" ] || { bad=1; ko "$path: not a symlink to $what"; } ;;
      *) bad=1; ko "$path: kind '$kind'" ;;
    esac
    case "$what" in /etc/alternatives/*) bad=1; ko "$path points into /etc/alternatives" ;; esac
    [ "$pkg" != - ] || [ "$kind" = symlink ] || { bad=1; ko "$path: no package"; }
    if [ "$pkg" = - ] || [ "$pkg" = cvapp ]; then continue; fi
    if ! grep -qx "Package: $pkg" "$root/var/lib/dpkg/status.d/$pkg" 2>/dev/null \
       || ! grep -qx "Version: $ver" "$root/var/lib/dpkg/status.d/$pkg"; then
      bad=1; ko "$path: no status.d record for $pkg $ver"
    fi
    [ -s "$root/usr/share/doc/$pkg/copyright" ] || { bad=1; ko "$pkg: no license file"; }
  done < <(grep -v '^#' "$m")
  if [ $bad -eq 0 ]; then ok; fi
}

# expect_same_outputs DIR_A DIR_B: the same output files (*.cvapp.*, and
# everything under out/ when present), byte for byte
expect_same_outputs() {
  local a=$1 b=$2 la lb f bad=0
  la=$(cd "$a" && find . -type f \( -name '*.cvapp.*' -o -path './out/*' \) | LC_ALL=C sort)
  lb=$(cd "$b" && find . -type f \( -name '*.cvapp.*' -o -path './out/*' \) | LC_ALL=C sort)
  [ -n "$la" ] || { ko "no outputs in $a"; return; }
  [ "$la" = "$lb" ] || { ko "different outputs: $(echo "$la" | tr '\n' ' ') vs $(echo "$lb" | tr '\n' ' ')"; return; }
  for f in $la; do cmp -s "$a/$f" "$b/$f" || { bad=1; ko "$f differs"; }; done
  if [ $bad -eq 0 ]; then ok; fi
}

# copy_samples DIR: the sample images (not outputs) and pipelines into DIR
copy_samples() {
  local f
  mkdir -p "$1"
  for f in "$SRC"/samples/*.jpg "$SRC"/samples/*.png "$SRC"/samples/*.pipeline; do
    case "$f" in *.cvapp.*) continue ;; esac
    cp "$f" "$1/"
  done
}
# sample_names: the sample images' base names, sorted
sample_names() {
  local f
  for f in "$SRC"/samples/*.jpg "$SRC"/samples/*.png; do
    case "$f" in *.cvapp.*) ;; *) basename "$f" ;; esac
  done | LC_ALL=C sort
}
