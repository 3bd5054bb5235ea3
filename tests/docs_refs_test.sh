#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What README.md, CONTRIBUTING.md and docs/*.md name exists. In their code (code
# spans, shell blocks, indented blocks), each rule naming the page and the line:
# - options: in a cvapp command (`cvapp ...`, `build/cvapp ...`, the image's
#   arguments in `docker run ... cvapp ...`, the cvapp options after
#   `[sbatch ...] docker/slurm-array.sh [--SBATCH-OPTION...] IN OUT`) and in
#   the first column of an "option" table, every option is one `cvapp --help`
#   lists; the options of other programs (docker's --rm, install-deps.sh's
#   --test, ...) are not checked;
# - ops: every step of a `-p`/`--pipeline` spec in such a command, every op of
#   `cvapp help OP` and `--list-ops OP`, and every code span written as a
#   pipeline (`grayscale | canny low=30`, `harris threshold=0`) names an op of
#   `cvapp --list-ops` and only parameters that op has;
# - targets: `make TARGET` is a target of the Makefile;
# - scripts: a bare `NAME.sh` or `NAME.py` is a file somewhere in the tree;
# and in the text and the code alike:
# - paths: every repository path (app/, shim/, tests/, docker/, docs/, bench/,
#   samples/, tools/, cmake/, .ci/) exists; a wildcard, a {template} or an
#   upper-case placeholder (tests/fuzz/corpus/NAME/, docs/img/ops/OP.jpg) is not
#   a path; outputs are named under build/, which is not checked, or by cvapp's
#   own output names (samples/fruits.cvapp.png).
# The last checks show that each rule fires on a copy broken on purpose.
# Outside a git checkout (the image build's copy holds only part of the tree)
# the path, target and script rules are skipped, visibly.
# usage: docs_refs_test.sh CVAPP SRCDIR
set -u
SRC=$(cd "$2" && pwd) CVAPP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$SRC/tests/lib.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

TREE=1
[ -e "$SRC/.git" ] || TREE=0

# check_refs PAGE...: one line "PAGE:LINE: problem" per reference that does not
# exist (a PAGE relative to $SRC, or absolute); a non-zero exit status, the
# reason on stderr, when the checker itself cannot run.
check_refs() {
  (cd "$SRC" && /usr/bin/python3 - "$CVAPP" "$TREE" "$@") <<'PYEOF'
import os, re, shlex, subprocess, sys

cvapp, tree, pages = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]

def run(*args):
    r = subprocess.run([cvapp, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"cannot run {cvapp} {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout

# cvapp's options from --help: "  -p, --pipeline SPEC  ..." and "      --strip ..."
takes = {}  # option -> does it take a value
for m in re.finditer(r"^ {2,6}(?:(-\w), )?(--[a-z][\w-]*)( [A-Z/]+)?", run("--help"), re.M):
    for opt in filter(None, (m.group(1), m.group(2))):
        takes[opt] = bool(m.group(3))
# ops and their parameters from --list-ops: "name (filter)" then "    param  type ..."
params, op = {}, None
for line in run("--list-ops").splitlines():
    if m := re.match(r"^([a-z][a-z0-9_]*) \((?:filter|detector)\)$", line):
        op = m.group(1)
        params[op] = set()
    elif op and (m := re.match(r"^    ([a-z][a-z0-9_]*) +(?:int|real|bool|choice|kernel|path) ", line)):
        params[op].add(m.group(1))
if len(takes) < 20 or len(params) < 20:
    sys.exit(f"{cvapp} --help or --list-ops gave too little ({len(takes)} options, {len(params)} ops)")
targets = set()
if tree:
    for m in re.finditer(r"^([\w.-]+(?: +[\w.-]+)*) *:(?!=)", open("Makefile", encoding="utf-8").read(), re.M):
        targets.update(m.group(1).split())
    names = set()
    for d, dirs, files in os.walk("."):
        dirs[:] = [x for x in dirs if not x.startswith((".git", "build"))]
        names.update(files)

problems = []
def problem(page, n, what):
    problems.append(f"{page}:{n}: {what}")

PLACEHOLDER = re.compile(r"(?<![A-Za-z])[A-Z][A-Z0-9]+(?![a-z])")
PATH = re.compile(r"(?<![\w./$-])((?:app|shim|tests|docker|docs|bench|samples|tools|cmake|\.ci)/[\w.+*/{}-]*[\w*}])")
SCRIPT = re.compile(r"(?<![\w./$-])([\w][\w.-]*\.(?:sh|py))\b")
STEP = r"[a-z][a-z0-9_]*(?: +[a-z][a-z0-9_]*=[^\s|`]+)*"
PIPELINE = re.compile(rf"^ *{STEP}(?: *\| *{STEP})* *$")
SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")", "|&", ";;"}
REDIRECTS = {"<", ">", ">>", ">&", "<&", "&>", "<<", "<<<"}
CVAPP_WORD = re.compile(r"^(?:\S*/)?cvapp$|^\$\{?CVAPP\}?$")
IMAGE_WORD = re.compile(r"^(?:[\w.:-]+/)*cvapp(?::[\w.-]+)?$")

def check_pipeline(page, n, spec):
    """Every step of a pipeline spec names an op and only its parameters."""
    for step in spec.split("|"):
        words = step.split()
        if not words or not re.fullmatch(r"[a-z][a-z0-9_]*", words[0]):
            continue  # a placeholder (SPEC, ...), a variable, an @FILE
        if words[0] not in params:
            problem(page, n, f"pipeline step '{step.strip()}': cvapp --list-ops lists no op '{words[0]}'")
            continue
        for w in words[1:]:
            key = w.split("=", 1)[0]
            if "=" in w and re.fullmatch(r"[a-z][a-z0-9_]*", key) and key not in params[words[0]]:
                problem(page, n, f"pipeline step '{step.strip()}': op {words[0]} has no parameter '{key}'")

def check_option(page, n, opt):
    name = opt.split("=", 1)[0]
    if name not in takes:
        problem(page, n, f"{opt}: cvapp --help lists no option {name}")

def split_short(args):
    """-rq as -r -q, -j2 as -j 2: short options written together."""
    out = []
    for a in args:
        if not re.fullmatch(r"-[a-zA-Z]\w+", a):
            out.append(a)
            continue
        for k, c in enumerate(a[1:], 2):
            out.append("-" + c)
            if takes.get("-" + c):  # the rest of the word is its value
                out += [a[k:]] if a[k:] else []
                break
    return out

def check_cvapp_args(page, n, args):
    """The arguments of one cvapp command."""
    args, i = split_short(args), 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "help" and i == 1 and i < len(args):
            check_pipeline(page, n, args[i])
        elif a.startswith("-") and a != "-" and not re.match(r"^-\d", a):
            check_option(page, n, a)
            name, _, value = a.partition("=")
            if name not in takes:
                continue
            if takes[name] and not value and i < len(args):
                value = args[i]
                i += 1
            if name in ("-p", "--pipeline") and not value.startswith(("@", "$")):
                check_pipeline(page, n, value)
            elif name == "--list-ops" and i < len(args) and not args[i].startswith("-"):
                check_pipeline(page, n, args[i])
                i += 1

def commands(text):
    """Shell words of each simple command of text (separators and redirections out)."""
    try:
        lex = shlex.shlex(text, posix=True, punctuation_chars=True)
        lex.whitespace_split = True
        words = list(lex)
    except ValueError:  # unbalanced quotes: a cut example
        words = text.split()
    cmd, skip = [], False
    for w in words + [";"]:
        if skip:
            skip = False
        elif w in SEPARATORS:
            if cmd:
                yield cmd
            cmd = []
        elif w in REDIRECTS or re.fullmatch(r"\d?[<>]&?", w):
            skip = True
        else:
            cmd.append(w)

def check_code(page, n, text, prose):
    """A code span (prose) or a line of a shell block."""
    if prose and "|" not in text and "=" in text and PIPELINE.match(text):
        check_pipeline(page, n, text)  # `harris threshold=0`
    elif prose and "|" in text and PIPELINE.match(text) and any(
            step.split()[0] in params for step in text.split("|") if step.split()):
        check_pipeline(page, n, text)  # `grayscale | canny`, not `sort | uniq`
    for cmd in commands(text):
        while cmd and (re.fullmatch(r"[A-Za-z_]\w*=\S*", cmd[0]) or cmd[0] in ("time", "exec", "env", "sudo")):
            cmd = cmd[1:]
        if not cmd:
            continue
        if CVAPP_WORD.match(cmd[0]):
            check_cvapp_args(page, n, cmd[1:])
        elif cmd[0] in ("docker", "podman") and "run" in cmd[1:3]:
            image = next((k for k, w in enumerate(cmd) if k > 1 and IMAGE_WORD.match(w)), None)
            if image is not None:
                check_cvapp_args(page, n, cmd[image + 1:])
        elif cmd[0] == "sbatch" or cmd[0].endswith("slurm-array.sh"):
            script = next((k for k, w in enumerate(cmd) if w.endswith("slurm-array.sh")), None)
            if script is not None:
                rest = cmd[script + 1:]
                while rest and rest[0].startswith("--"):  # the script's own sbatch options
                    rest = rest[1:]
                check_cvapp_args(page, n, rest[2:])
        elif cmd[0] == "make" and tree:
            rest = iter(cmd[1:])
            for w in rest:
                if w in ("-C", "-f", "-j", "-o", "-W"):
                    next(rest, None)
                elif not w.startswith("-") and "=" not in w and w not in targets and not PLACEHOLDER.search(w):
                    problem(page, n, f"make {w}: the Makefile has no target '{w}'")
    if tree:
        for m in SCRIPT.finditer(text):
            if m.group(1) not in names and not PLACEHOLDER.search(m.group(1)):
                problem(page, n, f"{m.group(1)}: no file of that name in the tree")

def check_page(page):
    lines = open(page, encoding="utf-8").read().split("\n")
    fence, shell, joined, option_table, blank, code_block = None, False, None, False, True, False
    for n, line in enumerate(lines, 1):
        if tree:
            for m in PATH.finditer(line):
                path = m.group(1)
                if not re.search(r"[*{}]|\.cvapp\.", path) and not PLACEHOLDER.search(path) and not os.path.exists(path):
                    problem(page, n, f"{path}: no such file or directory")
        if fence:
            if re.match(rf"^\s*{fence}\s*$", line):
                fence = None
            elif shell:  # a command continued with \ is checked as one line
                more = line.endswith("\\")
                text = line[:-1] if more else line
                joined = (joined[0], joined[1] + " " + text) if joined else (n, text)
                if not more:
                    check_code(page, *joined, False)
                    joined = None
            continue
        if m := re.match(r"^\s*(```|~~~)\s*(\w*)", line):
            fence, shell = m.group(1), m.group(2) in ("", "sh", "bash", "shell", "console")
            continue
        if re.match(r"^(    |\t)", line) and (blank or code_block) and not re.match(r"^\s*([-*+]|\d+\.) ", line):
            code_block = True
            check_code(page, n, line.strip(), False)
            blank = False
            continue
        code_block, blank = False, not line.strip()
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line)[1:]
            if re.fullmatch(r"\s*option\s*", cells[0] if cells else ""):
                option_table = True
            elif option_table and not re.fullmatch(r"[\s:-]*", cells[0]):
                for span in re.findall(r"`([^`]*)`", cells[0]):
                    for opt in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", span):
                        check_option(page, n, opt)
        else:
            option_table = False
        for m in re.finditer(r"(`+)(.+?)(?<!`)\1(?!`)", line):
            check_code(page, n, m.group(2).replace("\\|", "|").strip(), True)

for page in pages:
    check_page(page)
for p in problems:
    print(p)
PYEOF
}

# The real pages.
pages=()
for p in "$SRC/README.md" "$SRC/CONTRIBUTING.md" "$SRC"/docs/*.md; do
  [ -f "$p" ] && pages+=("${p#"$SRC/"}")
done
[ "$TREE" = 1 ] || { t "paths, make targets and scripts"; skip "$SRC is not a git checkout: the docs name files of the whole repository"; }
check_refs "${pages[@]}" >"$W/problems" 2>"$W/err"
rc=$?
t "the checker runs"
if [ "$rc" -eq 0 ]; then ok; else ko "exit $rc: $(cat "$W/err")"; finish; exit; fi
for p in "${pages[@]}"; do
  t "$p"
  found=$(grep "^${p//./\\.}:" "$W/problems")
  if [ -z "$found" ]; then ok; else
    while IFS= read -r line; do ko "line ${line#"$p":}"; done <<<"$found"
  fi
done

# Each rule fires on a page broken on purpose, and stays quiet on the forms
# other programs' options and placeholders take.
broken=$W/broken.md
cat >"$broken" <<'EOF'
# A broken page

Run `cvapp --frobnicate samples/fruits.jpg` or
`build/cvapp -p "grayscale | blurr ksize=3" -o x.png in.jpg`, or `cvapp help nosuchop`.

```sh
docker run --rm --network none -v "$PWD:/data" cvapp --nosuch-flag x.jpg
sbatch --array=0-3 docker/slurm-array.sh /in /out --invented && docker/slurm-array.sh --array=0-1 --wait /in /out -q --invented2
make nosuch-target
docker run --rm --read-only --user "$(id -u):$(id -g)" \
  -v "$PWD:/data" cvapp -rqz in/
cvapp -rj2 -p grayscale -q in/ && docker/install-deps.sh --test --no-container && make check BUILD=build
docker run --rm --platform linux/arm64 registry.example.com/cvapp:0.1.0 --version
```

    cvapp -r --shard auto -p "gaussian ksize=5 radius=2" in

`canny low=30 | sharpish` and `docker/nosuch.sh` and `no_such_script.py`,
but `sort | uniq`, `tests/fuzz/corpus/NAME/`, `docs/img/ops/*.jpg`, `closure.sh --linked`,
`build/nosuch.png`, `samples/nosuch.cvapp.png`.

| option | meaning |
|---|---|
| `-p, --made-up N` | nothing |
EOF
# Its paths are read from $SRC, as the real pages' are.
check_refs "$broken" >"$W/selfcheck" 2>&1
selfcheck() { # selfcheck WHAT LINE TEXT: the rule fired on that line
  t "self-check: $1"
  if grep -qF -- "$broken:$2: $3" "$W/selfcheck"; then ok; else ko "not reported: '$broken:$2: $3'; got: $(cat "$W/selfcheck")"; fi
}
selfcheck "a made-up option in a code span" 3 "--frobnicate: cvapp --help lists no option --frobnicate"
selfcheck "a made-up op in -p" 4 "pipeline step 'blurr ksize=3': cvapp --list-ops lists no op 'blurr'"
selfcheck "a made-up op of cvapp help" 4 "pipeline step 'nosuchop': cvapp --list-ops lists no op 'nosuchop'"
selfcheck "a made-up option after docker run's image" 7 "--nosuch-flag: cvapp --help lists no option --nosuch-flag"
selfcheck "a made-up option after slurm-array.sh IN OUT" 8 "--invented: cvapp --help lists no option --invented"
selfcheck "a made-up option after slurm-array.sh SBATCH-OPTIONS IN OUT" 8 "--invented2: cvapp --help lists no option --invented2"
selfcheck "a made-up short option among others, in a continued line" 10 "-z: cvapp --help lists no option -z"
selfcheck "a made-up parameter in an indented block" 16 "pipeline step 'gaussian ksize=5 radius=2': op gaussian has no parameter 'radius'"
selfcheck "a made-up op in a pipeline span" 18 "pipeline step 'sharpish': cvapp --list-ops lists no op 'sharpish'"
selfcheck "a made-up option in an option table" 24 "--made-up: cvapp --help lists no option --made-up"
n=10
if [ "$TREE" = 1 ]; then
  selfcheck "a make target the Makefile lacks" 9 "make nosuch-target: the Makefile has no target 'nosuch-target'"
  selfcheck "a path that does not exist" 18 "docker/nosuch.sh: no such file or directory"
  selfcheck "a script that does not exist" 18 "no_such_script.py: no file of that name in the tree"
  n=13
fi
t "self-check: nothing else (docker's, make's and install-deps.sh's options, shell pipes, placeholders, outputs)"
expect_eq "$(grep -c "^$broken:" "$W/selfcheck")" "$n"
finish
