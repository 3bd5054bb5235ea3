#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# closure.sh - stage a root filesystem that holds ELF programs, every shared
# library they load and the dynamic loader, nothing else; plus where each
# file came from. The runtime image (FROM scratch) is this directory.
#
# usage: closure.sh [options] ROOT PROGRAM[=DEST]...
#   PROGRAM        an ELF executable; it goes to DEST inside ROOT (default: the same path)
#   --file PATH    also stage this file (not followed as ELF), e.g. /etc/os-release
#   --local NAME=VERSION[,LICENSE]
#                  provenance for the PROGRAMs that no Debian package owns,
#                  and for the libraries installed with them: those they load
#                  through a RUNPATH relative to $ORIGIN (cvapp's libcvshim.so
#                  when CMake's CVAPP_LINK is shared); their license file, if
#                  given, goes to /usr/share/doc/NAME/copyright
#   --linked LIST  LIST names static archives linked into the PROGRAMs, one
#                  per line (CMake writes build/static-archives.txt); the
#                  packages they come from are recorded like those of the
#                  shared libraries (license, dpkg status), as their code is
#                  in the image too
#   --built NAME=VERSION,LICENSE
#                  a component built from source into the PROGRAMs (OpenCV
#                  from Debian's source package): a dpkg status record for it
#                  and its license file as /usr/share/doc/NAME/copyright
#   --substitute NAME=FILE
#                  wherever a library needs NAME, stage FILE under that name
#                  instead of the library the loader would find (and none of
#                  that library's own dependencies): a stand-in built with the
#                  PROGRAMs (build/glx-stub/libGLX.so.0 for Debian's shared
#                  OpenCV core, docs/containers.md "No X11 or GL"); it is
#                  recorded as --local's, which it needs
#   --manifest P   where the manifest goes inside ROOT (default /usr/share/cvapp/manifest.tsv)
#   --verify       afterwards run the staged loader in ROOT (chroot) to list
#                  each program's libraries; any "not found" fails (a
#                  program of another architecture runs through the kernel's
#                  binfmt handler: qemu-user-static)
#   --arch ARCH    the Debian architecture of the PROGRAMs, recorded for the
#                  --built components (default: this machine's); the
#                  libraries are found by ELF class and machine either way
#
# How it works:
# - DT_NEEDED entries are followed recursively (readelf), each name resolved
#   as the loader does: the object's RUNPATH/RPATH, then the ld.so cache
#   (ldconfig -p), then the default directories; a candidate must have the
#   program's ELF class and machine. An unresolved name fails (exit 1) after
#   all of them are reported.
# - A file is staged under the name that was asked for (the SONAME, the
#   PT_INTERP path) in its directory's real location; directory symlinks on
#   the way (merged /usr: /lib -> usr/lib, /lib64 -> usr/lib64) are
#   recreated as symlinks; file symlink chains (libfoo.so.1 ->
#   libfoo.so.1.2.3, Debian's alternatives for libblas.so.3 and
#   liblapack.so.3) are resolved into one regular file with the asked-for name.
# - Each staged file's Debian package comes from dpkg-query -S. For every
#   package: its license (/usr/share/doc/PKG/copyright) is staged too, and its
#   dpkg status record is written to /var/lib/dpkg/status.d/PKG, as
#   distroless images do, so that scanners (Trivy, Grype) see the packages.
#   A file of unknown origin fails unless it is a PROGRAM covered by --local.
# - The manifest (tab-separated, sorted): path, kind (file|symlink), size in
#   bytes (file) or target (symlink), package, version. It lists every file
#   and symlink in ROOT except itself.
set -euo pipefail

die() { echo "closure.sh: $*" >&2; exit 2; }

ROOT="" MANIFEST=/usr/share/cvapp/manifest.tsv VERIFY=0 ARCH="" LOCAL_NAME="" LOCAL_VERSION="" LOCAL_LICENSE=""
PROGS=() FILES=() LINKED=() BUILT=()
declare -A SUBST=()    # DT_NEEDED name -> the stand-in staged for it
while [ $# -gt 0 ]; do
  case "$1" in
    --file) [ $# -ge 2 ] || die "--file needs a path"; FILES+=("$2"); shift 2 ;;
    --local) [[ ${2:-} == ?*=?* ]] || die "--local needs NAME=VERSION[,LICENSE]"
             LOCAL_NAME=${2%%=*} LOCAL_VERSION=${2#*=}
             if [[ $LOCAL_VERSION == *,* ]]; then
               LOCAL_LICENSE=${LOCAL_VERSION#*,} LOCAL_VERSION=${LOCAL_VERSION%%,*}
               [ -f "$LOCAL_LICENSE" ] || die "--local: $LOCAL_LICENSE: no such license file"
             fi
             shift 2 ;;
    --linked) [ -f "${2:-}" ] || die "--linked needs a file listing archives"
              while read -r a; do [ -z "$a" ] || LINKED+=("$a"); done <"$2"; shift 2 ;;
    --built) [[ ${2:-} == ?*=?*,?* ]] || die "--built needs NAME=VERSION,LICENSE"
             [ -f "${2#*,}" ] || die "--built: ${2#*,}: no such license file"; BUILT+=("$2"); shift 2 ;;
    --substitute) [[ ${2:-} == ?*=?* ]] || die "--substitute needs NAME=FILE"
                  [ -f "${2#*=}" ] || die "--substitute: ${2#*=}: no such file"
                  SUBST[${2%%=*}]=${2#*=}; shift 2 ;;
    --manifest) [ $# -ge 2 ] || die "--manifest needs a path"; MANIFEST=$2; shift 2 ;;
    --verify) VERIFY=1; shift ;;
    --arch) [ $# -ge 2 ] || die "--arch needs a Debian architecture"; ARCH=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) if [ -z "$ROOT" ]; then ROOT=$1; else PROGS+=("$1"); fi; shift ;;
  esac
done
if [ -z "$ROOT" ] || [ ${#PROGS[@]} -eq 0 ]; then die "usage: closure.sh [options] ROOT PROGRAM[=DEST]..."; fi
[ ${#SUBST[@]} -eq 0 ] || [ -n "$LOCAL_NAME" ] || die "--substitute needs --local (the stand-in's provenance)"
ARCH=${ARCH:-$(dpkg --print-architecture)}
for tool in readelf ldconfig dpkg-query; do
  command -v "$tool" >/dev/null || die "$tool is needed (binutils, libc-bin, dpkg)"
done
CHROOT=$(command -v chroot || true)
[ "$VERIFY" -eq 0 ] || [ -n "$CHROOT" ] || die "--verify needs chroot (coreutils)"
CHROOT_CMD=("$CHROOT")   # without root: chroot inside a user namespace
[ "$(id -u)" -eq 0 ] || CHROOT_CMD=("$(command -v unshare)" -r "$CHROOT")
mkdir -p "$ROOT"
ROOT=$(cd "$ROOT" && pwd)

declare -A KIND=()     # staged path -> file|symlink
declare -A ORIGIN=()   # staged path -> host paths to ask dpkg about, space separated
declare -A LOCALF=()   # staged path -> 1 when --local covers it
declare -A BUILTF=()   # staged status record -> NAME=VERSION of --built
declare -A ELFDONE=()  # host real path -> 1 once its DT_NEEDED were followed
declare -A LOCALELF=() # host real path -> 1 for a --local program or a library installed with it
declare -A CACHE=()    # soname -> host paths from ldconfig -p, space separated
ERRORS=0

# The loader's cache: "libz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1".
while read -r name _ _ _ path; do
  [ -n "$path" ] && CACHE[$name]+="$path "
done < <(ldconfig -p | sed -n 's/^[[:space:]]*\([^ ]*\) (\([^)]*\)) => \(.*\)$/\1 x x x \3/p')

elf_id() { readelf -hW "$1" 2>/dev/null | sed -n 's/^ *\(Class\|Machine\): *//p' | tr '\n' ' '; }

# mirror_dir DIR: make host directory DIR exist under ROOT, each symlinked
# component recreated as the same symlink (and its target made to exist).
mirror_dir() {
  local cur="" comp target
  local -a parts
  IFS=/ read -ra parts <<<"${1#/}"
  for comp in "${parts[@]}"; do
    [ -n "$comp" ] || continue
    cur="$cur/$comp"
    if [ -L "$cur" ]; then
      if [ ! -L "$ROOT$cur" ]; then
        [ ! -e "$ROOT$cur" ] || die "$ROOT$cur exists and is not a symlink"
        ln -s "$(readlink "$cur")" "$ROOT$cur"
        KIND[$cur]=symlink ORIGIN[$cur]=$cur
      fi
      target=$(readlink -f "$cur")
      mirror_dir "$target"
      cur=$target
    elif [ ! -d "$ROOT$cur" ]; then
      mkdir "$ROOT$cur"
    fi
  done
}

# stage SRC [DEST]: copy the file SRC names (symlinks resolved) to DEST
# (default SRC) inside ROOT, under DEST's base name in its directory's real
# location; sets STAGED to that path. A file already staged under another
# name becomes a relative symlink to it (libc's DT_NEEDED on the loader).
declare -A BYREAL=()   # host real path -> staged path
STAGED=""
stage() {
  local src=$1 dest=${2:-$1} real dir
  real=$(readlink -f "$src")
  [ -f "$real" ] || die "$src: not a file"
  dir=$(dirname "$dest")
  mirror_dir "$dir"
  [ ! -d "$dir" ] || dir=$(readlink -f "$dir")
  STAGED="${dir%/}/$(basename "$dest")"
  [ -z "${KIND[$STAGED]:-}" ] || return 0
  if [ -n "${BYREAL[$real]:-}" ]; then
    ln -s "$(realpath -s -m --relative-to="$dir" "${BYREAL[$real]}")" "$ROOT$STAGED"
    KIND[$STAGED]=symlink
  else
    cp -p "$real" "$ROOT$STAGED"
    KIND[$STAGED]="file"
    BYREAL[$real]=$STAGED
  fi
  ORIGIN[$STAGED]="$real $src"
}

# resolve NAME OBJECT: the host path the loader would open for DT_NEEDED NAME of OBJECT.
resolve() {
  local name=$1 obj=$2 id rp d cand
  if [[ $name == */* ]]; then [ -e "$name" ] && { echo "$name"; return 0; }; return 1; fi
  id=$(elf_id "$obj")
  rp=$(readelf -dW "$obj" | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]$/\2/p' | head -n1)
  rp=${rp//\$ORIGIN/$(dirname "$(readlink -f "$obj")")}
  rp=${rp//\$\{ORIGIN\}/$(dirname "$(readlink -f "$obj")")}
  local -a dirs=()
  [ -z "$rp" ] || IFS=: read -ra dirs <<<"$rp"
  for d in "${dirs[@]}"; do
    cand="$d/$name"
    [ -e "$cand" ] && [ "$(elf_id "$cand")" = "$id" ] && { echo "$cand"; return 0; }
  done
  for cand in ${CACHE[$name]:-}; do
    [ -e "$cand" ] && [ "$(elf_id "$cand")" = "$id" ] && { echo "$cand"; return 0; }
  done
  for d in /lib/*-linux-gnu* /usr/lib/*-linux-gnu* /lib64 /usr/lib64 /lib /usr/lib; do
    cand="$d/$name"
    [ -e "$cand" ] && [ "$(elf_id "$cand")" = "$id" ] && { echo "$cand"; return 0; }
  done
  return 1
}

# origin_dirs OBJ: the directories of OBJ's RUNPATH written relative to
# $ORIGIN (installed with OBJ), as real paths.
origin_dirs() {
  local rp d here
  local -a ds=()
  here=$(dirname "$(readlink -f "$1")")
  rp=$(readelf -dW "$1" | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]$/\2/p' | head -n1)
  [ -z "$rp" ] || IFS=: read -ra ds <<<"$rp"
  for d in "${ds[@]}"; do
    [[ $d == *'$ORIGIN'* || $d == *'${ORIGIN}'* ]] || continue
    d=${d//\$ORIGIN/$here}
    readlink -f "${d//\$\{ORIGIN\}/$here}" || true
  done
}

# follow ELF: stage the loader and every library ELF needs, recursively.
follow() {
  local elf=$1 real interp name path
  real=$(readlink -f "$elf")
  [ -z "${ELFDONE[$real]:-}" ] || return 0
  ELFDONE[$real]=1
  interp=$(readelf -lW "$real" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p')
  [ -z "$interp" ] || stage "$interp"
  while read -r name; do
    [ -n "$name" ] || continue
    if [ -n "${SUBST[$name]:-}" ]; then
      # In the directory where the loader finds the real one (else the
      # needing library's own), so that it is found the same way.
      path=$(resolve "$name" "$real") || path=$(dirname "$real")/$name
      [ "$(elf_id "${SUBST[$name]}")" = "$(elf_id "$real")" ] ||
        die "--substitute: ${SUBST[$name]} is not of $real's class and machine"
      stage "${SUBST[$name]}" "$(dirname "$path")/$name"
      LOCALF[$STAGED]=1 LOCALELF[$(readlink -f "${SUBST[$name]}")]=1
      follow "${SUBST[$name]}"
    elif path=$(resolve "$name" "$real"); then
      stage "$path" "$(dirname "$path")/$name"
      if [ -n "${LOCALELF[$real]:-}" ] &&
         origin_dirs "$real" | grep -qxF -- "$(dirname "$(readlink -f "$path")")"; then
        LOCALF[$STAGED]=1 LOCALELF[$(readlink -f "$path")]=1
      fi
      follow "$path"
    else
      echo "closure.sh: unresolved: $name (needed by $elf)" >&2
      ERRORS=$((ERRORS + 1))
    fi
  done < <(readelf -dW "$real" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
}

for p in "${PROGS[@]}"; do
  src=${p%%=*} dest=${p#*=}
  [ -f "$src" ] || die "$src: no such program"
  readelf -hW "$src" >/dev/null 2>&1 || die "$src: not an ELF file"
  stage "$src" "$dest"
  [ -z "$LOCAL_NAME" ] || { LOCALF[$STAGED]=1; LOCALELF[$(readlink -f "$src")]=1; }
  follow "$src"
done
for f in "${FILES[@]}"; do stage "$f"; done
[ "$ERRORS" -eq 0 ] || { echo "closure.sh: $ERRORS unresolved libraries" >&2; exit 1; }

# owner PATH...: the package owning the first path dpkg knows, also trying
# each path with and without the merged-/usr prefix.
owner() {
  local p q out
  for p in "$@"; do
    for q in "$p" "${p#/usr}" "/usr$p"; do
      out=$(dpkg-query -S -- "$q" 2>/dev/null | grep -v '^diversion' | head -n1) || true
      [ -n "$out" ] || continue
      out=${out%%: /*}
      if [[ $out == *,* ]]; then
        # One Multi-Arch: same package of several architectures (their
        # shared copyright file): the target's; else a directory that
        # several packages share, not one package's file.
        local -a owners
        local o
        IFS=', ' read -ra owners <<<"$out"
        for o in "${owners[@]}"; do [ "${o%%:*}" = "${owners[0]%%:*}" ] || return 1; done
        out=${owners[0]}
        for o in "${owners[@]}"; do [ "${o#*:}" != "$ARCH" ] || out=$o; done
      fi
      echo "$out"
      return 0
    done
  done
  return 1
}

declare -A PKG=()      # staged path -> package (with :arch when dpkg gives one)
declare -A PKGS=()     # package -> 1
declare -A ASKED=()    # staged path -> 1 once its owner was looked up
declare -A LICDONE=()  # package -> 1 once its license was staged
# license PKG: stage /usr/share/doc/PKG/copyright. Where that directory is
# a symlink to another package of the same source (Debian policy 12.5;
# libstdc++6 -> gcc-12-base), which slim images leave out, recreate it.
license() {
  local pk=$1 name=${1%%:*} src dep doc
  doc=/usr/share/doc/$name
  if [ -e "$doc/copyright" ]; then stage "$doc/copyright"; return 0; fi
  src=$(dpkg-query -W -f='${source:Package}' "$pk")
  for dep in $(dpkg-query -W -f='${Depends}' "$pk" | sed 's/[,|]/\n/g' | sed 's/(.*//; s/:any//; s/ //g'); do
    [ -e "/usr/share/doc/$dep/copyright" ] || continue
    [ "$(dpkg-query -W -f='${source:Package}' "$dep" 2>/dev/null)" = "$src" ] || continue
    stage "/usr/share/doc/$dep/copyright"
    if [ ! -e "$ROOT$doc" ]; then
      mirror_dir /usr/share/doc
      ln -s "$dep" "$ROOT$doc"
      KIND[$doc]=symlink ORIGIN[$doc]=$doc
    fi
    return 0
  done
  return 1
}

# The packages of the static archives: no file of theirs is staged but the
# license and the status record, yet their code is in the programs.
for a in "${LINKED[@]}"; do
  [ -f "$a" ] || die "--linked: $a: no such archive"
  if pk=$(owner "$(readlink -f "$a")" "$a"); then
    PKGS[$pk]=1
  else
    echo "closure.sh: no Debian package owns the linked archive $a" >&2
    ERRORS=$((ERRORS + 1))
  fi
done

# Each round finds the owners of the entries staged so far, then stages the
# license of each new package, whose owner may be one more package
# (libstdc++6's doc directory is a symlink to gcc-12-base's).
new=1
while :; do
  for s in "${!KIND[@]}"; do
    [ -z "${ASKED[$s]:-}" ] || continue
    ASKED[$s]=1
    # shellcheck disable=SC2086 # ORIGIN holds space-separated paths
    if pk=$(owner ${ORIGIN[$s]}); then
      PKG[$s]=$pk
      [ -n "${PKGS[$pk]:-}" ] || { PKGS[$pk]=1; new=1; }
    elif [ "${KIND[$s]}" = file ] && [ -z "${LOCALF[$s]:-}" ]; then
      echo "closure.sh: no Debian package owns $s (from ${ORIGIN[$s]})" >&2
      ERRORS=$((ERRORS + 1))
    fi
  done
  [ "$new" -eq 1 ] || break
  new=0
  for pk in "${!PKGS[@]}"; do
    [ -z "${LICDONE[$pk]:-}" ] || continue
    LICDONE[$pk]=1
    license "$pk" || { echo "closure.sh: $pk has no license file /usr/share/doc/${pk%%:*}/copyright" >&2; ERRORS=$((ERRORS + 1)); }
  done
done
[ "$ERRORS" -eq 0 ] || exit 1

# dpkg status records, one file per package.
mkdir -p "$ROOT/var/lib/dpkg/status.d"
for pk in "${!PKGS[@]}"; do
  s=/var/lib/dpkg/status.d/${pk%%:*}
  dpkg-query -s "$pk" >"$ROOT$s"
  KIND[$s]=file PKG[$s]=$pk
done

# Components built from source: a status record of their own, so that
# scanners see them as they would the package.
for b in "${BUILT[@]}"; do
  lic=${b#*,} b=${b%%,*}
  name=${b%%=*} s=/var/lib/dpkg/status.d/${b%%=*}
  [ ! -e "$ROOT$s" ] || die "--built $name: a package of that name is already recorded"
  printf 'Package: %s\nStatus: install ok installed\nArchitecture: %s\nVersion: %s\nDescription: %s, built from source into %s\n' \
    "$name" "$ARCH" "${b#*=}" "$name" "${PROGS[0]#*=}" >"$ROOT$s"
  KIND[$s]=file BUILTF[$s]=$b
  d=/usr/share/doc/$name
  mirror_dir "$d"
  cp "$lic" "$ROOT$d/copyright"
  KIND[$d/copyright]=file BUILTF[$d/copyright]=$b
done

# The local programs' own license.
if [ -n "$LOCAL_LICENSE" ]; then
  d=/usr/share/doc/$LOCAL_NAME
  mirror_dir "$d"
  cp "$LOCAL_LICENSE" "$ROOT$d/copyright"
  KIND[$d/copyright]=file LOCALF[$d/copyright]=1
fi

version_of() { dpkg-query -W -f='${Version}' "$1"; }
mkdir -p "$ROOT$(dirname "$MANIFEST")"
{
  printf '# path\tkind\tsize-or-target\tpackage\tversion\n'
  for s in "${!KIND[@]}"; do
    if [ "${KIND[$s]}" = symlink ]; then what=$(readlink "$ROOT$s"); else what=$(stat -c %s "$ROOT$s"); fi
    if [ -n "${PKG[$s]:-}" ]; then
      pk=${PKG[$s]} ver=$(version_of "$pk")
    elif [ -n "${LOCALF[$s]:-}" ]; then
      pk=$LOCAL_NAME ver=$LOCAL_VERSION
    elif [ -n "${BUILTF[$s]:-}" ]; then
      pk=${BUILTF[$s]%%=*} ver=${BUILTF[$s]#*=}
    else
      pk=- ver=-
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$s" "${KIND[$s]}" "$what" "${pk%%:*}" "$ver"
  done | LC_ALL=C sort
} >"$ROOT$MANIFEST"

if [ "$VERIFY" -eq 1 ]; then
  interp=$(readelf -lW "${PROGS[0]%%=*}" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]$/\1/p')
  for p in "${PROGS[@]}"; do
    dest=${p#*=}
    out=$(env -i "${CHROOT_CMD[@]}" "$ROOT" "$interp" --list "$dest" 2>&1) || { echo "$out" >&2; die "verify: the staged loader cannot load $dest"; }
    if grep -q 'not found' <<<"$out"; then echo "$out" >&2; die "verify: $dest has unresolved libraries in $ROOT"; fi
  done
fi
echo "closure.sh: staged ${#KIND[@]} entries from ${#PKGS[@]} packages in $ROOT" >&2
