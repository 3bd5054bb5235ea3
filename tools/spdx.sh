#!/bin/sh
# SPDX-License-Identifier: MIT
#
# spdx.sh - the SPDX licence line of every source file.
#
#   tools/spdx.sh [--fix] [FILE...]
#
# Without FILE: every source file of the tree (C, C++, shell, Python, CMake,
# Makefile, Dockerfiles and compose/k8s YAML; git's list when the tree is a
# checkout, else find).  Without --fix: lists the files whose first comment
# line is not the SPDX line and exits 1 if there is one.  With --fix: adds the
# line as the first line (after a #! line), in the file's comment syntax:
#   /* SPDX-License-Identifier: MIT */   C (.c .h)
#   // SPDX-License-Identifier: MIT      C++ (.cpp .hpp)
#   # SPDX-License-Identifier: MIT       everything else
set -eu
ID='SPDX-License-Identifier: MIT'
fix=0
if [ "${1:-}" = --fix ]; then fix=1; shift; fi
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Is this path a source file that must carry the line?
is_source() {
    case $1 in
        */fixtures/*|*/corpus/*|samples/*|build*/*) return 1 ;;
        *.c|*.h|*.cpp|*.hpp|*.sh|*.py|*.cmake|*.cmake.in|*.pc.in) return 0 ;;
        CMakeLists.txt|*/CMakeLists.txt|Makefile|.ci/run) return 0 ;;
        docker/Dockerfile*|docker/*.yaml) return 0 ;;
    esac
    return 1
}

line_for() {
    case $1 in
        *.c|*.h) printf '/* %s */\n' "$ID" ;;
        *.cpp|*.hpp) printf '// %s\n' "$ID" ;;
        *) printf '# %s\n' "$ID" ;;
    esac
}

# The file's first line, or its second after a #! line.
first_comment() {
    if head -c 2 "$1" | grep -q '^#!'; then sed -n 2p "$1"; else sed -n 1p "$1"; fi
}

list_all() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files --cached --others --exclude-standard
    else
        find . -type f ! -path './.git/*' | sed 's|^\./||'
    fi
}

if [ $# -eq 0 ]; then
    set -- $(list_all | while read -r f; do
        if is_source "$f" && [ -f "$f" ]; then echo "$f"; fi
    done)
fi

missing=0
for f in "$@"; do
    want=$(line_for "$f")
    [ "$(first_comment "$f")" = "$want" ] && continue
    if [ $fix = 0 ]; then
        echo "no SPDX line: $f"
        missing=$((missing + 1))
        continue
    fi
    tmp=$(mktemp "$f.spdx.XXXXXX")
    if head -c 2 "$f" | grep -q '^#!'; then
        { sed -n 1p "$f"; echo "$want"; sed 1d "$f"; } > "$tmp"
    else
        { echo "$want"; cat "$f"; } > "$tmp"
    fi
    chmod --reference="$f" "$tmp"
    mv "$tmp" "$f"
    echo "added: $f"
done
if [ $missing -gt 0 ]; then
    echo "$missing file(s) without the line '$ID' first: run tools/spdx.sh --fix"
    exit 1
fi
