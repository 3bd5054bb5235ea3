#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every source file's first comment line is its SPDX licence line
# (tools/spdx.sh lists the files that lack it; `tools/spdx.sh --fix` adds it).
# usage: spdx_test.sh CVAPP SRCDIR (CVAPP is not used)
set -u
SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
# The image build's copy of the tree holds only part of it (no tools/).
[ -e "$SRC/.git" ] || skip_all "$SRC is not a git checkout: the file list is the repository's"

t "spdx: every source file"
run sh "$SRC/tools/spdx.sh"
expect_rc 0
[ "$RC" -eq 0 ] || cat "$OUT" >&2

t "spdx: a file without the line is named, --fix adds it after #!"
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
printf '#!/bin/sh\necho hi\n' > "$dir/a.sh"
printf 'int x;\n' > "$dir/b.c"
printf 'int y;\n' > "$dir/c.cpp"
run sh "$SRC/tools/spdx.sh" "$dir/a.sh" "$dir/b.c" "$dir/c.cpp"
expect_rc 1
expect_out "no SPDX line: $dir/a.sh"
expect_out "no SPDX line: $dir/c.cpp"
run sh "$SRC/tools/spdx.sh" --fix "$dir/a.sh" "$dir/b.c" "$dir/c.cpp"
expect_rc 0
expect_eq "$(cat "$dir/a.sh")" $'#!/bin/sh\n# SPDX-License-Identifier: MIT\necho hi'
expect_eq "$(cat "$dir/b.c")" $'/* SPDX-License-Identifier: MIT */\nint x;'
expect_eq "$(cat "$dir/c.cpp")" $'// SPDX-License-Identifier: MIT\nint y;'
run sh "$SRC/tools/spdx.sh" "$dir/a.sh" "$dir/b.c" "$dir/c.cpp"
expect_rc 0
finish
