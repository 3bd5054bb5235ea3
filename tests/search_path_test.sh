#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Where the build's programs look for libraries. No RUNPATH or RPATH entry
# of anything the build links may be empty or relative: the loader reads an
# empty entry as the current directory and a relative one from it, so a
# libz.so.1 left in whatever directory cvapp runs from would be loaded.
# CMake pads the build tree's RUNPATH of an installed target with a trailing
# ':' (room for the install rewrite); CMakeLists.txt links the installed
# cvapp separately so build/cvapp never gets it.
# usage: search_path_test.sh CVAPP SRCDIR
set -u
SRC=$(cd "$2" && pwd)
CVAPP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
BUILD=$(dirname "$CVAPP")
. "$SRC/tests/lib.sh"
command -v readelf >/dev/null || skip_all "readelf (binutils) is missing"
in_workdir

# search_path OBJ: OBJ's RUNPATH or RPATH, or nothing.
search_path() { readelf -dW "$1" 2>/dev/null | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]$/\2/p' | head -n1; }
is_elf() { [ "$(head -c4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }

t "search path: every ELF object the build made has only absolute or \$ORIGIN entries"
n=0 bad=""
while IFS= read -r f; do
  is_elf "$f" || continue
  n=$((n + 1))
  rp=$(search_path "$f")
  [ -n "$rp" ] || continue
  # An empty entry shows as a leading, trailing or doubled ':'.
  case ":$rp:" in *::*) bad="$bad ${f#"$BUILD"/} [$rp]"; continue ;; esac
  IFS=: read -ra parts <<<"$rp"
  for p in "${parts[@]}"; do
    case $p in /* | '$ORIGIN' | '$ORIGIN/'* | '${ORIGIN}'*) ;; *) bad="$bad ${f#"$BUILD"/} [$rp]" ;; esac
  done
done < <(find "$BUILD" -path "$BUILD/CMakeFiles" -prune -o -type f \( -perm -u+x -o -name '*.so*' \) -print)
if [ "$n" -lt 2 ]; then ko "found $n ELF objects under $BUILD"
elif [ -z "$bad" ]; then ok
else ko "empty or relative entries:$bad"; fi

t "search path: build/cvapp's RUNPATH is exactly its two build directories"
rp=$(search_path "$CVAPP")
if [ -z "$rp" ] || [ "$rp" = "$BUILD/glx-stub:$BUILD" ] || [ "$rp" = "$BUILD" ]; then ok
else ko "RUNPATH [$rp]"; fi

# Decoys: a file that is not a library under every name cvapp and libcvshim
# ask the loader for, in the directory cvapp runs from. Loading one fails
# ("file too short"), so a run that prints its version found none.
needed() { readelf -dW "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'; }
mkdir decoys
for so in $(needed "$CVAPP") $( [ -e "$BUILD/libcvshim.so" ] && needed "$BUILD/libcvshim.so"); do
  echo "not a library" > "decoys/$so"
done
# runs_beside_decoys BIN: BIN --version, run from the decoys' directory.
runs_beside_decoys() {
  run bash -c 'cd decoys && exec "$0" --version' "$1"
  if [ "$RC" -eq 0 ] && grep -q '^cvapp ' "$OUT"; then ok
  else ko "exit $RC; stderr: $ERR"; fi
}
t "search path: build/cvapp run beside decoy libraries ($(ls decoys | wc -l)) loads none of them"
runs_beside_decoys "$CVAPP"

t "search path: the installed cvapp run beside the same decoys loads none of them"
if command -v cmake >/dev/null && [ -f "$BUILD/cmake_install.cmake" ]; then
  if cmake --install "$BUILD" --prefix "$W/prefix" --component cvapp >/dev/null 2>&1 &&
    { [ ! -e "$BUILD/libcvshim.so" ] || cmake --install "$BUILD" --prefix "$W/prefix" >/dev/null 2>&1; }; then
    runs_beside_decoys "$W/prefix/bin/cvapp"
  else ko "cmake --install $BUILD failed"; fi
else skip "no cmake or no cmake_install.cmake in $BUILD"; fi

finish
