#!/bin/bash
# SPDX-License-Identifier: MIT
# k8s_manifest_test.sh CVAPP SRCDIR: docker/k8s-indexed-job.yaml and
# docker/k8s-data-pod.yaml, decoded by kubectl, meet the Kubernetes Pod
# Security Standard "restricted" (every control of the baseline and
# restricted profiles, checked field by field); the Job is a consistent
# Indexed Job (--shard=auto/N with N = completions, the index from the pod's
# annotation, one report per index where docs/sharding.md says,
# --skip-existing) on docker/k8s-pvc.yaml's ReadWriteMany volume.  Each rule
# is also shown to fire on a manifest broken on purpose.
#
# The procedure of docs/sharding.md is run as written: its offline step
# (the block marked `<!-- test: k8s-offline -->`) as it stands, and every
# kubectl command of its cluster steps (the blocks k8s-cluster, k8s-watch,
# k8s-resume, k8s-cleanup) against an API server that is not there
# (127.0.0.1:1), which must be what stops it, not a flag or an argument.
# No cluster runs here, and `kubectl create --dry-run=client`
# still asks an API server for discovery (kubectl 1.20 and 1.32 alike), so
# the manifests are decoded with `kubectl label --local --dry-run=client -o
# json`, which needs none.  Skipped when kubectl is not installed.
set -u
SRC=$(realpath "$2")
# shellcheck source=lib.sh
. "$SRC/tests/lib.sh"
PY=/usr/bin/python3
MANIFEST=$SRC/docker/k8s-indexed-job.yaml

t "prerequisites"
command -v kubectl >/dev/null || skip_all "kubectl is not installed (Debian package kubernetes-client)"
[ -x "$PY" ] || skip_all "$PY is missing"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PAGE=$SRC/docs/sharding.md
# No kubectl command here may reach a cluster: the only one it knows is an
# API server on a closed port of the loopback.
cat >"$T/kubeconfig" <<'EOF'
apiVersion: v1
kind: Config
clusters:
  - name: absent
    cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
users:
  - name: absent
    user: {token: absent}
contexts:
  - name: absent
    context: {cluster: absent, user: absent}
current-context: absent
EOF
export KUBECONFIG=$T/kubeconfig

t "kubectl decodes the manifest"
run kubectl label --local --dry-run=client -f "$MANIFEST" cvapp-check=pss -o json
expect_rc 0
cp "$OUT" "$T/job.json"
rm -f "$OUT"

# The checker: `pss.py FILE` prints one line per violation of the
# restricted profile; `pss.py --selftest FILE` breaks FILE's pod one field
# at a time and prints "ok NAME" or "FAIL NAME: ..." per case.
cat >"$T/pss.py" <<'EOF'
import copy, json, sys

# Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards)
SAFE_SYSCTLS = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
                "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes"}
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                      "projected", "secret"}
SELINUX_TYPES = {None, "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}


def containers(pod):
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        for c in pod.get(kind) or []:
            yield f"{kind}[{c.get('name')}]", c


def violations(job):
    v = []
    if job.get("kind") == "Pod":
        meta, pod = job.get("metadata") or {}, job["spec"]
    else:
        meta, pod = job["spec"]["template"].get("metadata") or {}, job["spec"]["template"]["spec"]
    psc = pod.get("securityContext") or {}
    # baseline
    for f in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(f):
            v.append(f"{f} is true")
    if (psc.get("windowsOptions") or {}).get("hostProcess"):
        v.append("pod windowsOptions.hostProcess is true")
    for vol in pod.get("volumes") or []:
        kinds = [k for k in vol if k != "name"]
        if "hostPath" in kinds:
            v.append(f"volume {vol['name']} is a hostPath")
        elif not set(kinds) <= RESTRICTED_VOLUMES:
            v.append(f"volume {vol['name']} has type {kinds}, not one restricted allows")
    for s in psc.get("sysctls") or []:
        if s.get("name") not in SAFE_SYSCTLS:
            v.append(f"sysctl {s.get('name')} is not a safe sysctl")
    for key, val in (meta.get("annotations") or {}).items():
        if key.startswith("container.apparmor.security.beta.kubernetes.io/") and val != "runtime/default" \
                and not val.startswith("localhost/"):
            v.append(f"annotation {key} is {val}")
    def common(where, sc):
        if (sc.get("seLinuxOptions") or {}).get("type") not in SELINUX_TYPES:
            v.append(f"{where} seLinuxOptions.type is {sc['seLinuxOptions']['type']}")
        for f in ("user", "role"):
            if (sc.get("seLinuxOptions") or {}).get(f):
                v.append(f"{where} seLinuxOptions.{f} is set")
        if (sc.get("appArmorProfile") or {}).get("type") not in (None, "RuntimeDefault", "Localhost"):
            v.append(f"{where} appArmorProfile.type is {sc['appArmorProfile']['type']}")
        if sc.get("runAsUser") == 0:
            v.append(f"{where} runAsUser is 0")
        if sc.get("runAsNonRoot") is False:
            v.append(f"{where} runAsNonRoot is false")
        if (sc.get("seccompProfile") or {}).get("type") not in (None, "RuntimeDefault", "Localhost"):
            v.append(f"{where} seccompProfile.type is {sc['seccompProfile']['type']}")
    common("pod", psc)
    for where, c in containers(pod):
        sc = c.get("securityContext") or {}
        common(where, sc)
        if (sc.get("windowsOptions") or {}).get("hostProcess"):
            v.append(f"{where} windowsOptions.hostProcess is true")
        if sc.get("privileged"):
            v.append(f"{where} is privileged")
        if sc.get("procMount") not in (None, "Default"):
            v.append(f"{where} procMount is {sc['procMount']}")
        for p in c.get("ports") or []:
            if p.get("hostPort"):
                v.append(f"{where} uses hostPort {p['hostPort']}")
        # restricted
        if sc.get("allowPrivilegeEscalation") is not False:
            v.append(f"{where} allowPrivilegeEscalation is not false")
        if sc.get("runAsNonRoot") is not True and psc.get("runAsNonRoot") is not True:
            v.append(f"{where} runAsNonRoot is not true (nor the pod's)")
        if not (sc.get("seccompProfile") or psc.get("seccompProfile")):
            v.append(f"{where} has no seccompProfile (nor the pod)")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            v.append(f"{where} does not drop ALL capabilities")
        for cap in caps.get("add") or []:
            if cap != "NET_BIND_SERVICE":
                v.append(f"{where} adds capability {cap}")
    return v


def selftest(job):
    C = "containers[cvapp]"
    def pod(j): return j["spec"]["template"]["spec"]
    def csc(j): return pod(j)["containers"][0]["securityContext"]
    def psc(j): return pod(j)["securityContext"]
    cases = [
        ("pod seccompProfile missing", lambda j: psc(j).pop("seccompProfile"),
         [f"{C} has no seccompProfile (nor the pod)"]),
        ("container seccomp Unconfined", lambda j: csc(j).update(seccompProfile={"type": "Unconfined"}),
         [f"{C} seccompProfile.type is Unconfined"]),
        ("pod seccomp Unconfined", lambda j: psc(j).update(seccompProfile={"type": "Unconfined"}),
         ["pod seccompProfile.type is Unconfined"]),
        ("runAsNonRoot missing", lambda j: psc(j).pop("runAsNonRoot"),
         [f"{C} runAsNonRoot is not true (nor the pod's)"]),
        ("container runAsNonRoot false", lambda j: csc(j).update(runAsNonRoot=False),
         [f"{C} runAsNonRoot is false"]),
        ("pod runAsUser 0", lambda j: psc(j).update(runAsUser=0), ["pod runAsUser is 0"]),
        ("container runAsUser 0", lambda j: csc(j).update(runAsUser=0), [f"{C} runAsUser is 0"]),
        ("allowPrivilegeEscalation missing", lambda j: csc(j).pop("allowPrivilegeEscalation"),
         [f"{C} allowPrivilegeEscalation is not false"]),
        ("allowPrivilegeEscalation true", lambda j: csc(j).update(allowPrivilegeEscalation=True),
         [f"{C} allowPrivilegeEscalation is not false"]),
        ("capabilities not dropped", lambda j: csc(j).pop("capabilities"),
         [f"{C} does not drop ALL capabilities"]),
        ("capability added", lambda j: csc(j)["capabilities"].update(add=["SYS_ADMIN"]),
         [f"{C} adds capability SYS_ADMIN"]),
        ("NET_BIND_SERVICE allowed", lambda j: csc(j)["capabilities"].update(add=["NET_BIND_SERVICE"]), []),
        ("privileged", lambda j: csc(j).update(privileged=True), [f"{C} is privileged"]),
        ("hostNetwork", lambda j: pod(j).update(hostNetwork=True), ["hostNetwork is true"]),
        ("hostPID", lambda j: pod(j).update(hostPID=True), ["hostPID is true"]),
        ("hostIPC", lambda j: pod(j).update(hostIPC=True), ["hostIPC is true"]),
        ("hostPath volume", lambda j: pod(j)["volumes"].append({"name": "h", "hostPath": {"path": "/"}}),
         ["volume h is a hostPath"]),
        ("nfs volume", lambda j: pod(j)["volumes"].append({"name": "n", "nfs": {"server": "s", "path": "/"}}),
         ["volume n has type ['nfs'], not one restricted allows"]),
        ("emptyDir allowed", lambda j: pod(j)["volumes"].append({"name": "e", "emptyDir": {}}), []),
        ("hostPort", lambda j: pod(j)["containers"][0].update(ports=[{"containerPort": 80, "hostPort": 80}]),
         [f"{C} uses hostPort 80"]),
        ("procMount", lambda j: csc(j).update(procMount="Unmasked"), [f"{C} procMount is Unmasked"]),
        ("unsafe sysctl", lambda j: psc(j).update(sysctls=[{"name": "kernel.msgmax", "value": "1"}]),
         ["sysctl kernel.msgmax is not a safe sysctl"]),
        ("SELinux type", lambda j: csc(j).update(seLinuxOptions={"type": "spc_t"}),
         [f"{C} seLinuxOptions.type is spc_t"]),
        ("AppArmor unconfined", lambda j: csc(j).update(appArmorProfile={"type": "Unconfined"}),
         [f"{C} appArmorProfile.type is Unconfined"]),
        ("hostProcess", lambda j: csc(j).update(windowsOptions={"hostProcess": True}),
         [f"{C} windowsOptions.hostProcess is true"]),
        ("init container unrestricted", lambda j: pod(j).update(initContainers=[{"name": "init", "image": "x"}]),
         ["initContainers[init] allowPrivilegeEscalation is not false",
          "initContainers[init] does not drop ALL capabilities"]),
    ]
    for name, breaks, want in cases:
        j = copy.deepcopy(job)
        breaks(j)
        got = violations(j)
        print(f"ok {name}" if got == want else f"FAIL {name}: got {got}, want {want}")


job = json.load(open(sys.argv[-1]))
if sys.argv[1] == "--selftest":
    selftest(job)
else:
    for line in violations(job):
        print(line)
EOF

t "the manifests meet the restricted Pod Security Standard"
bad=$("$PY" "$T/pss.py" "$T/job.json")
expect_eq "$bad" ""
run kubectl label --local --dry-run=client -f "$SRC/docker/k8s-data-pod.yaml" cvapp-check=pss -o json
expect_rc 0
cp "$OUT" "$T/pod.json"
rm -f "$OUT"
bad=$("$PY" "$T/pss.py" "$T/pod.json")
expect_eq "$bad" ""

t "each restricted rule fires on a manifest broken on purpose"
results=$("$PY" "$T/pss.py" --selftest "$T/job.json")
expect_eq "$(grep -c '^ok ' <<<"$results")" 26
while IFS= read -r line; do ko "$line"; done < <(grep -v '^ok ' <<<"$results")

t "an Indexed Job whose shard count is its completions"
facts=$("$PY" - "$T/job.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
s = j["spec"]
c = s["template"]["spec"]["containers"][0]
args = c.get("args") or []
shard = [a.split("=", 1)[1] for a in args if a.startswith("--shard=")]
env = {e["name"]: e for e in c.get("env") or []}
idx = env.get("JOB_COMPLETION_INDEX", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
report = [a for a in args if a.startswith("--report=")]
print(s.get("completionMode"), s.get("completions"), shard, idx, "--skip-existing" in args,
      report and "$(JOB_COMPLETION_INDEX)" in report[0], s["template"]["spec"].get("restartPolicy"))
EOF
)
n=$(sed -n 's/^Indexed \([0-9]*\) .*/\1/p' <<<"$facts")
expect_eq "$facts" "Indexed $n ['auto/$n'] metadata.annotations['batch.kubernetes.io/job-completion-index'] True True Never"
[ -n "$n" ] && [ "$n" -ge 2 ] && ok || ko "completions '$n'"

t "the volume: one ReadWriteMany PVC, the Job's and the data pod's; the report where the docs say"
run kubectl label --local --dry-run=client -f "$SRC/docker/k8s-pvc.yaml" cvapp-check=pvc -o json
expect_rc 0
cp "$OUT" "$T/pvc.json"
rm -f "$OUT"
# The report path of the page's general command (OUT/reports/TASK.jsonl),
# with OUT the Job's --out-dir and TASK its index.
doc_report=$(sed -n 's/^ *cvapp .*--report \(OUT\/[^ ]*\) .*/\1/p' "$PAGE" | head -n 1)
expect_eq "$doc_report" "OUT/reports/TASK.jsonl"
facts=$("$PY" - "$T/pvc.json" "$T/job.json" "$T/pod.json" "$doc_report" <<'EOF'
import json, sys
pvc, job, pod = (json.load(open(f)) for f in sys.argv[1:4])
doc = sys.argv[4]
jpod = job["spec"]["template"]["spec"]
def claims(p):
    return [v["persistentVolumeClaim"]["claimName"] for v in p.get("volumes") or [] if "persistentVolumeClaim" in v]
args = jpod["containers"][0].get("args") or []
opt = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in args if a.startswith("--") and "=" in a}
want = doc.replace("OUT", opt.get("--out-dir", "?"), 1).replace("TASK", "$(JOB_COMPLETION_INDEX)")
print(pvc["kind"], pvc["spec"].get("accessModes"), claims(jpod) == claims(pod["spec"]) == [pvc["metadata"]["name"]],
      jpod["securityContext"]["runAsUser"] == pod["spec"]["securityContext"]["runAsUser"],
      opt.get("--report") == want or f"report {opt.get('--report')}, docs {want}")
EOF
)
expect_eq "$facts" "PersistentVolumeClaim ['ReadWriteMany'] True True True"

# The docs' blocks run in a directory whose docker/ is the tree's, so that
# what they write (cvapp-job.yaml) stays in the test's directory.
mkdir -p "$T/root" "$T/broken/docker"
ln -s "$SRC/docker" "$T/root/docker"
IMAGE=registry.example.com/team/cvapp:1.0
block() { # NAME: the page's block NAME, or a failure
  doc_block "$PAGE" "$1" || ko "docs/sharding.md has no block '<!-- test: $1 -->'"
}

t "the docs' offline step, as written"
offline=$(block k8s-offline)
expect_eq "$(wc -l <<<"$offline")" 2
run env -C "$T/root" IMAGE="$IMAGE" bash -euo pipefail -c "$offline"
expect_rc 0
expect_eq "$(tr '\n' ' ' <"$OUT")" "persistentvolumeclaim/cvapp-data pod/cvapp-data job.batch/cvapp-batch "
rm -f "$OUT"
# cvapp-job.yaml is the shipped Job with the image, nothing else changed.
same=$("$PY" - "$T/root/cvapp-job.yaml" "$SRC/docker/k8s-indexed-job.yaml" "$IMAGE" <<'EOF'
import sys, yaml
got, want = (yaml.safe_load(open(f)) for f in sys.argv[1:3])
c = want["spec"]["template"]["spec"]["containers"][0]
c["image"] = sys.argv[3]
# kubectl adds empty creation times and an empty status.
got["metadata"].pop("creationTimestamp", None)
got.pop("status", None)
tmeta = got["spec"]["template"].get("metadata") or {}
tmeta.pop("creationTimestamp", None)
if not tmeta:
    got["spec"]["template"].pop("metadata", None)
print("same" if got == want else f"differs:\n{yaml.safe_dump(got)}")
EOF
)
expect_eq "$same" same

t "the offline step stops on a Job broken on purpose"
cp "$SRC"/docker/k8s-pvc.yaml "$SRC"/docker/k8s-data-pod.yaml "$T/broken/docker/"
sed 's/^  completions: [0-9]*$/  completions: four/' "$SRC/docker/k8s-indexed-job.yaml" >"$T/broken/docker/k8s-indexed-job.yaml"
run env -C "$T/broken" IMAGE="$IMAGE" bash -euo pipefail -c "$offline"
[ "$RC" -ne 0 ] && ok || ko "the offline step passed a Job whose completions is 'four'"
expect_err "cannot unmarshal string into Go struct field JobSpec.spec.completions"
rm -f "$OUT"

# cluster_line LINE: LINE run as a user would (bash, from the docs' root),
# where no API server answers: it must fail for that reason alone. Prints
# the problem, if any.
cluster_line() {
  local err
  err=$(env -C "$T/root" IN="$SRC/samples" OUT="$T/fetched" bash -o pipefail -c "$1" 2>&1 >"$T/line.out" </dev/null)
  if grep -qiE 'unknown (flag|shorthand|command)|unrecognized|invalid argument|usage:|required flag|must specify|error: (you must|unable to read|the path)' <<<"$err"; then
    echo "$1: $(grep -m 1 -iE 'unknown|unrecognized|invalid|usage|required|must|unable|path' <<<"$err")"
  elif ! grep -q '127.0.0.1:1.*refused' <<<"$err"; then
    echo "$1: did not stop at the absent API server: $(head -n 2 <<<"$err" | tr '\n' ' ')"
  fi
}

t "each kubectl command of the docs' cluster steps is well formed"
n=0
for name in k8s-cluster k8s-watch k8s-resume k8s-cleanup; do
  while IFS= read -r line; do
    case "$line" in *kubectl*) ;; *) continue ;; esac
    n=$((n + 1))
    why=$(cluster_line "$line")
    [ -z "$why" ] && ok || ko "$why"
  done < <(block "$name")
done
[ "$n" -ge 15 ] && ok || ko "only $n kubectl commands in the blocks k8s-cluster, k8s-watch, k8s-resume and k8s-cleanup"
# Every kubectl command in the page's code blocks is one of those run here.
all=$(awk '/^ *```/ { f = !f; next } f && /kubectl/' "$PAGE" | wc -l)
expect_eq "$all" "$((n + $(grep -c kubectl <<<"$offline")))"

t "the check fires on commands broken on purpose"
for line in "kubectl wait --for=condition=complete --timout=1h job/cvapp-batch" \
  "kubectl apply -f docker/k8s-pvcs.yaml" "kubectl exec cvapp-data -x -- true"; do
  why=$(cluster_line "$line")
  [ -n "$why" ] && ok || ko "'$line' passed"
done

finish
