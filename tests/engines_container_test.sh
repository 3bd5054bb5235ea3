#!/bin/bash
# SPDX-License-Identifier: MIT
# engines_container_test.sh IMAGE: the shipped engine files run for real
# against a built cvapp image (not run by ctest: the container test calls
# it with the tag it built).
#
#   1. docker/compose.yaml with a real Compose (`docker compose` plugin or
#      Debian's docker-compose 1.29): its shards over a bind-mounted
#      ./data produce outputs equal, byte for byte, to one run of the same
#      image with the same options, and their reports name every input
#      exactly once; run again, every shard skips everything.
#   2. docker/k8s-indexed-job.yaml's container spec run with Docker the way
#      the Job would: each index its own container with the manifest's
#      user, read-only root, dropped capabilities, no privilege escalation,
#      CPU and memory limits, JOB_COMPLETION_INDEX and the args with
#      $(JOB_COMPLETION_INDEX) expanded, over one shared directory in place
#      of the claim.  Index 0 is stopped mid-way the way the kubelet stops
#      a pod (SIGTERM, then SIGKILL after the grace period) and retried as
#      a new container: it resumes, and the outputs equal one run.
# Needs a running Docker daemon; skipped otherwise.  (Exercised so far only
# against a stand-in docker CLI that runs the local binary with /data mapped
# to the bind-mounted directory, not against a real daemon.)
set -u
IMAGE=${1:?usage: engines_container_test.sh IMAGE}
SRC=$(realpath "$(dirname "$0")/..")
# shellcheck source=lib.sh
. "$SRC/tests/lib.sh"
PY=/usr/bin/python3

t "prerequisites"
command -v docker >/dev/null || skip_all "docker is not installed"
docker info >/dev/null 2>&1 || skip_all "no Docker daemon answers"
if docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
elif command -v docker-compose >/dev/null; then
  COMPOSE=(docker-compose)
else
  skip_all "neither the docker compose plugin nor docker-compose is installed"
fi
"$PY" -c 'import yaml' 2>/dev/null || skip_all "$PY has no yaml module (Debian package python3-yaml)"
docker image inspect "$IMAGE" >/dev/null 2>&1 || { ko "image $IMAGE not found"; finish; exit 1; }

T=$(mktemp -d)
chmod 0755 "$T"
P=cvappengines$$
CONTAINERS=()
cleanup() {
  [ -e "$T/docker/compose.yaml" ] &&
    "${COMPOSE[@]}" -p "$P" -f "$T/docker/compose.yaml" down --remove-orphans >/dev/null 2>&1
  local c
  for c in "${CONTAINERS[@]}"; do docker rm -f "$c" >/dev/null 2>&1; done
  # Outputs belong to the containers' user: root removes them.
  rm -rf "$T" 2>/dev/null || echo "note: $T is left behind (files of the containers' user)" >&2
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# make_inputs DIR: 40 images (5 samples x 8, half in sub/), as regular
# files: symbolic links would point outside the container's volume
make_inputs() {
  mkdir -p "$1/in/sub" "$1/out"
  local i d f
  for i in 0 1 2 3 4 5 6 7; do
    d=$1/in
    [ "$i" -ge 4 ] && d=$1/in/sub
    for f in "$SRC"/samples/*.jpg "$SRC"/samples/*.png; do cp "$f" "$d/$i-$(basename "$f")"; done
  done
  chmod -R a+rX "$1/in"
  chmod 0777 "$1" "$1/out" # the containers run as a non-root user
}

# single ARGS-FILE DIR: one run of the image over DIR/in into DIR/out with
# the NUL-separated cvapp arguments in ARGS-FILE (already without --shard,
# --report and --skip-existing)
single() {
  local args
  mapfile -d '' args <"$1"
  make_inputs "$2"
  run docker run --rm --network none --read-only --user 65532:65532 -v "$2:/data" "$IMAGE" "${args[@]}"
}

# same_outputs GOT REF EXCLUDE...: GOT/out holds REF/out's files byte for
# byte, besides the EXCLUDEd names (reports)
same_outputs() {
  local got=$1 ref=$2 x ex=()
  shift 2
  for x in "$@"; do ex+=(-x "$x"); done
  if diff -r -q "${ex[@]}" "$ref/out" "$got/out" >"$T/diff.txt"; then ok; else
    ko "$(wc -l <"$T/diff.txt") differences from one run: $(head -3 "$T/diff.txt" | tr '\n' ' ')"
  fi
}

# cover MODE FILE...: the reports FILE... against every input under /data/in.
#   ok, skipped  the rows with that status name every input exactly once
#   once         no input has two "ok" rows; every input has an "ok" or a
#                "skipped" row (a rerun that appends to its report or
#                starts it afresh passes alike)
cover() {
  "$PY" - "$T/inputs.txt" "$@" <<'EOF'
import json, os, sys
mode, files = sys.argv[2], sys.argv[3:]
for name in files:
    if not os.path.exists(name):
        sys.exit(f"no report {name}")
want = sorted(open(sys.argv[1]).read().split())
rows = [r for name in files for r in map(json.loads, open(name))]
ok = [r["input"] for r in rows if r["status"] == "ok"]
if mode == "once":
    seen = [r["input"] for r in rows if r["status"] in ("ok", "skipped")]
    counted = ok
else:
    seen = counted = [r["input"] for r in rows if r["status"] == mode]
twice = sorted({x for x in counted if counted.count(x) > 1})
if twice or sorted(set(seen)) != want:
    print(f"{mode}: {len(seen)} rows for {len(want)} inputs, twice {twice[:3]}, "
          f"missing {sorted(set(want) - set(seen))[:3]}, unexpected {sorted(set(seen) - set(want))[:3]}")
    sys.exit(1)
EOF
}
# rows STATUS FILE: how many distinct inputs FILE's rows of STATUS (or any) name
rows() {
  "$PY" -c 'import json, sys
print(len({r["input"] for r in map(json.loads, open(sys.argv[2])) if sys.argv[1] in ("any", r["status"])}))' "$@"
}
make_inputs "$T/probe"
(cd "$T/probe/in" && find . -type f | sed 's|^\./|/data/in/|' | sort) >"$T/inputs.txt"
rm -rf "$T/probe"

# ---------------------------------------------------------------- Compose
t "compose: the file is used as shipped, with this image"
mkdir -p "$T/docker"
sed "s|image: cvapp:latest|image: $IMAGE|" "$SRC/docker/compose.yaml" >"$T/docker/compose.yaml"
"${COMPOSE[@]}" -p "$P" -f "$T/docker/compose.yaml" config >"$T/compose.config.yaml"
RC=$?
expect_rc 0
# Per service: its command (NUL-separated) for a shard, the command for one
# whole run, the report path on the host.
"$PY" - "$T/compose.config.yaml" "$T" "$IMAGE" <<'EOF' >"$T/compose.check"
import os, sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
tdir, image = sys.argv[2], sys.argv[3]
problems, reports, whole = [], [], None
for name, svc in sorted(cfg["services"].items()):
    if svc.get("image") != image:
        problems.append(f"{name}: image {svc.get('image')}")
    vols = [v if isinstance(v, str) else f"{v.get('source')}:{v.get('target')}" for v in svc.get("volumes", [])]
    if not any(v.split(":")[0] == os.path.join(tdir, "data") and v.split(":")[1] == "/data" for v in vols):
        problems.append(f"{name}: no bind mount of ../data at /data ({vols}); update this test")
    cmd = svc.get("command") or []
    rep = [a.split("=", 1)[1] for a in cmd if a.startswith("--report=")]
    if len(rep) != 1 or not rep[0].startswith("/data/out/"):
        problems.append(f"{name}: report {rep}")
    else:
        reports.append(rep[0][len("/data/out/"):])
    rest = [a for a in cmd if not a.startswith(("--shard=", "--report=")) and a != "--skip-existing"]
    if whole is not None and rest != whole:
        problems.append(f"{name}: options {rest} differ from the other shards' {whole}")
    whole = rest
open(os.path.join(tdir, "whole.args"), "wb").write(b"\0".join(a.encode() for a in whole or []) + b"\0")
print(len(cfg["services"]), " ".join(reports))
for p in problems:
    print("PROBLEM", p)
EOF
read -r nservices reports <"$T/compose.check"
grep '^PROBLEM' "$T/compose.check" | while IFS= read -r line; do echo "FAIL [compose]: $line" >&2; done
expect_eq "$(grep -c '^PROBLEM' "$T/compose.check")" 0
expect_eq "$nservices" 3
# shellcheck disable=SC2206
reports=($reports)
# The whole.args file ends with a NUL; drop the empty last element.
sed -i 's/\x0$//' "$T/whole.args"

t "compose: one run of the image (reference)"
single "$T/whole.args" "$T/ref"
expect_rc 0

t "compose up: the shards equal one run, the reports cover every input once"
make_inputs "$T/data"
run "${COMPOSE[@]}" -p "$P" -f "$T/docker/compose.yaml" up --no-color
expect_rc 0
codes=$(for c in $("${COMPOSE[@]}" -p "$P" -f "$T/docker/compose.yaml" ps -a -q); do
  docker inspect -f '{{.State.ExitCode}}' "$c"; done | sort | tr '\n' ' ')
expect_eq "$codes" "0 0 0 "
excl=()
for r in "${reports[@]}"; do excl+=("${r%%/*}"); done # reports/N.jsonl: the directory
same_outputs "$T/data" "$T/ref" "${excl[@]}"
files=()
for r in "${reports[@]}"; do files+=("$T/data/out/$r"); done
if why=$(cover ok "${files[@]}" 2>&1); then ok; else ko "$why"; fi
sums=$(cd "$T/data/out" && find . -type f \( -name '*.png' -o -name '*.jpg' \) -exec sha256sum {} + | sort)

t "compose up again: every shard skips everything"
run "${COMPOSE[@]}" -p "$P" -f "$T/docker/compose.yaml" up --no-color
expect_rc 0
expect_eq "$(cd "$T/data/out" && find . -type f \( -name '*.png' -o -name '*.jpg' \) -exec sha256sum {} + | sort)" "$sums"
if why=$(cover skipped "${files[@]}" 2>&1); then ok; else ko "$why"; fi
"${COMPOSE[@]}" -p "$P" -f "$T/docker/compose.yaml" down >/dev/null 2>&1
echo "$(date +%T) compose: $nservices shards, run twice"

# ------------------------------------------------------- Kubernetes spec
t "k8s: the Job's container spec"
"$PY" - "$SRC/docker/k8s-indexed-job.yaml" "$T" <<'EOF' >"$T/k8s.check"
import os, re, sys, yaml
job = yaml.safe_load(open(sys.argv[1]))
tdir = sys.argv[2]
spec = job["spec"]
pod = spec["template"]["spec"]
c = pod["containers"][0]
psc, csc = pod.get("securityContext") or {}, c.get("securityContext") or {}
user = csc.get("runAsUser", psc.get("runAsUser"))
group = csc.get("runAsGroup", psc.get("runAsGroup", user))
lim = (c.get("resources") or {}).get("limits") or {}
def mem(q):  # Kubernetes quantity to Docker bytes
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi|k|M|G)?", str(q))
    mult = {None: 1, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "k": 1000, "M": 1000**2, "G": 1000**3}
    return int(m.group(1)) * mult[m.group(2)]
def cpu(q):
    q = str(q)
    return str(int(q[:-1]) / 1000) if q.endswith("m") else q
mount = [m["mountPath"] for m in c.get("volumeMounts") or []]
opts = ["--network", "none", "--user", f"{user}:{group}", "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges"]
if psc.get("fsGroup") is not None:
    opts += ["--group-add", str(psc["fsGroup"])]
if csc.get("readOnlyRootFilesystem"):
    opts.append("--read-only")
if "cpu" in lim:
    opts += ["--cpus", cpu(lim["cpu"])]
if "memory" in lim:
    opts += ["--memory", str(mem(lim["memory"])), "--memory-swap", str(mem(lim["memory"]))]
for e in c.get("env") or []:
    if "value" in e:
        opts += ["-e", f"{e['name']}={e['value']}"]
open(os.path.join(tdir, "k8s.opts"), "wb").write(b"\0".join(a.encode() for a in opts))
args = c.get("args") or []
open(os.path.join(tdir, "k8s.args"), "wb").write(b"\0".join(a.encode() for a in args))
rest = [a for a in args if not a.startswith(("--shard=", "--report=")) and a != "--skip-existing"]
open(os.path.join(tdir, "k8s.whole"), "wb").write(b"\0".join(a.encode() for a in rest))
report = [a.split("=", 1)[1] for a in args if a.startswith("--report=")]
print(spec["completions"], spec.get("parallelism", 1), mount[0] if len(mount) == 1 else "?",
      report[0] if report else "?")
EOF
read -r completions parallelism mountpath report <"$T/k8s.check"
expect_eq "$mountpath" /data
mapfile -d '' kopts <"$T/k8s.opts"
mapfile -d '' kargs <"$T/k8s.args"
case "$report" in
  /data/out/*'$(JOB_COMPLETION_INDEX)'*) ok ;;
  *) ko "report path '$report' is not per index under /data/out" ;;
esac

# pod INDEX [DOCKER-OPTION...]: the container the Job's pod INDEX runs
pod() {
  local i=$1 a args=()
  shift
  for a in "${kargs[@]}"; do args+=("${a//\$(JOB_COMPLETION_INDEX)/$i}"); done
  CONTAINERS+=("$P-k8s-$i")
  docker run --name "$P-k8s-$i" "${kopts[@]}" -e JOB_COMPLETION_INDEX="$i" -v "$T/k8s:/data" "$@" \
    "$IMAGE" "${args[@]}"
}
reportof() { local r=${report//\$(JOB_COMPLETION_INDEX)/$1}; echo "$T/k8s/out/${r#/data/out/}"; }

t "k8s: one run with the manifest's options (reference)"
sed -i 's/\x0$//' "$T/k8s.whole"
single "$T/k8s.whole" "$T/kref"
expect_rc 0

t "k8s: index 0 stopped mid-way like a pod (SIGTERM, grace period)"
make_inputs "$T/k8s"
pod 0 -d >/dev/null
stopped=
for _ in $(seq 1 1200); do
  if [ -s "$(reportof 0)" ]; then docker stop -t 30 "$P-k8s-0" >/dev/null && stopped=1; break; fi
  sleep 0.05
done
[ -n "$stopped" ] && ok || ko "index 0 wrote no report row"
expect_eq "$(docker inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' "$P-k8s-0")" "143 false"
done0=$(rows ok "$(reportof 0)")
docker rm "$P-k8s-0" >/dev/null

t "k8s: every index, index 0 retried as a new pod, equals one run"
pids=()
for ((i = 0; i < completions; i++)); do
  # At most `parallelism` pods at once, as the Job controller would.
  while [ "$(jobs -rp | wc -l)" -ge "$parallelism" ]; do wait -n; done
  (pod "$i" >"$T/pod-$i.log" 2>&1; echo $? >"$T/pod-$i.rc") &
  pids+=($!)
done
wait "${pids[@]}"
codes=$(for ((i = 0; i < completions; i++)); do cat "$T/pod-$i.rc"; done | tr '\n' ' ')
expect_eq "$codes" "$(for ((i = 0; i < completions; i++)); do printf '0 '; done)"
# The reports' first name under /data/out (a directory, or the files'
# pattern) is left out of the comparison.
rel=${report#/data/out/}
rel=${rel%%/*}
same_outputs "$T/k8s" "$T/kref" "${rel//\$(JOB_COMPLETION_INDEX)/*}"
size0=$(rows any "$(reportof 0)")
if [ "$done0" -ge 1 ] && [ "$done0" -lt "$size0" ]; then ok; else
  ko "the stopped index 0 had done $done0 of its $size0 inputs: not mid-way"
fi
expect_eq "$(rows skipped "$(reportof 0)")" "$done0"
files=()
for ((i = 0; i < completions; i++)); do files+=("$(reportof "$i")"); done
# Whether a rerun appends to its report or starts it afresh, no input is
# processed twice and every one is processed or skipped as done.
if why=$(cover once "${files[@]}" 2>&1); then ok; else ko "$why"; fi
echo "$(date +%T) k8s: $completions indexes, index 0 stopped after $done0 of $size0 inputs, retried"

finish
