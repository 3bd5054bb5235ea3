#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every relative link and picture in README.md, CONTRIBUTING.md and docs/**/*.md points
# at a file or directory of the repository, and every #anchor at a heading of its page
# (GitHub's anchor rules). Links inside code are not links; http(s) links are not fetched.
# The paths, options, ops, scripts and make targets the pages name outside links:
# tests/docs_refs_test.sh.
# Needs a git checkout: a tree without .git (the image build's copy) holds only part of
# the files the links point at, and the test reports itself skipped there.
# usage: docs_links_test.sh CVAPP SRCDIR (CVAPP is not used)
set -u
SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
[ -e "$SRC/.git" ] || skip_all "$SRC is not a git checkout: the links point into the whole repository"
exec /usr/bin/python3 - "$SRC" <<'PYEOF'
import os, re, sys

src = sys.argv[1]
pages = [p for p in ("README.md", "CONTRIBUTING.md") if os.path.exists(os.path.join(src, p))]
for d, _, files in os.walk(os.path.join(src, "docs")):
    pages += sorted(os.path.relpath(os.path.join(d, f), src) for f in files if f.endswith(".md"))

def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes."""
    h = re.sub(r"`|\*|_(?=\W)|(?<=\W)_", "", heading.strip().lower())
    h = re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", h)
    return re.sub(r"[^\w\- ]", "", h).replace(" ", "-")

def strip_code(text):
    text = re.sub(r"^(```|~~~).*?^\1[ \t]*$", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)

anchors = {}
def anchors_of(page):
    if page not in anchors:
        seen, out = {}, set()
        text = re.sub(r"^(```|~~~).*?^\1[ \t]*$", "", open(os.path.join(src, page), encoding="utf-8").read(),
                      flags=re.S | re.M)
        for m in re.finditer(r"^#{1,6} +(.*?) *#*$", text, flags=re.M):
            s = slug(m.group(1))
            n = seen.get(s, 0)
            seen[s] = n + 1
            out.add(s if n == 0 else f"{s}-{n}")
        anchors[page] = out
    return anchors[page]

passed = failed = 0
for page in pages:
    text = strip_code(open(os.path.join(src, page), encoding="utf-8").read())
    for m in re.finditer(r"!?\[(?:[^]\[]|\[[^]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", text):
        target = m.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue
        path, _, anchor = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
        problem = None
        if dest.startswith(".."):
            problem = "points outside the repository"
        elif not os.path.exists(os.path.join(src, dest)):
            problem = "no such file"
        elif anchor and dest.endswith(".md") and anchor not in anchors_of(dest):
            problem = f"no heading with anchor #{anchor} in {dest}"
        if problem:
            failed += 1
            print(f"FAIL [{page}]: link ({target}): {problem}", file=sys.stderr)
        else:
            passed += 1
print(f"{passed} passed, {failed} failed ({len(pages)} pages)")
sys.exit(1 if failed or not passed else 0)
PYEOF
