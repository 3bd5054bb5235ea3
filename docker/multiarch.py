#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""multiarch.py - join per-architecture cvapp images into one multi-platform
image (an OCI image index) and push it.

  docker/multiarch.py [--tls-verify=false] DEST ARCH=IMAGE [ARCH=IMAGE ...]

  DEST   where the index goes: a registry reference (127.0.0.1:5000/cvapp:0.1.0)
         or an OCI layout (oci:DIR:TAG)
  ARCH   the Debian architecture of IMAGE (amd64, arm64, armhf, ppc64el,
         s390x, riscv64)
  IMAGE  an image in the local Docker engine (cvapp:arm64)

Each image is copied out of the engine with skopeo; its cvapp binary's ELF
machine must be ARCH's (a mislabelled or mixed-up image stops here); its
config gets ARCH's platform (os, architecture, variant), which the classic
builder cannot set for a cross-built FROM scratch image (it labels every
image with the engine's own architecture). Layers are not touched: their
digests stay those of the image built. Then skopeo pushes the index and every
image in it (--tls-verify=false for a plain-HTTP registry; Docker's own
engine allows 127.0.0.0/8 without TLS). Prints the index's digest.
Exit status: 0 done, 1 a check failed, 2 usage.
"""
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile

# Debian architecture -> (OCI architecture, variant, ELF e_machine)
PLATFORMS = {
    "amd64": ("amd64", None, 62),
    "arm64": ("arm64", "v8", 183),
    "armhf": ("arm", "v7", 40),
    "ppc64el": ("ppc64le", None, 21),
    "s390x": ("s390x", None, 22),
    "riscv64": ("riscv64", None, 243),
}
PROGRAM = "usr/local/bin/cvapp"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"


def fail(msg, code=1):
    print(f"multiarch.py: {msg}", file=sys.stderr)
    sys.exit(code)


def blob_path(layout, digest):
    algo, hexd = digest.split(":", 1)
    return os.path.join(layout, "blobs", algo, hexd)


def read_json(layout, digest):
    with open(blob_path(layout, digest), "rb") as f:
        return json.load(f)


def write_blob(layout, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = blob_path(layout, digest)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return digest, len(data)


def elf_machine(layout, manifest):
    """e_machine of PROGRAM in the image's top-most layer that holds it."""
    found = None
    for layer in manifest["layers"]:
        path = blob_path(layout, layer["digest"])
        with open(path, "rb") as raw:
            magic = raw.read(2)
        opener = gzip.open if magic == b"\x1f\x8b" else open
        with opener(path, "rb") as f, tarfile.open(fileobj=f, mode="r|") as tar:
            for member in tar:
                if member.name.lstrip("./") == PROGRAM and member.isfile():
                    head = tar.extractfile(member).read(20)
                    if head[:4] != b"\x7fELF":
                        fail(f"{PROGRAM} in the image is not an ELF file")
                    order = "little" if head[5] == 1 else "big"
                    found = int.from_bytes(head[18:20], order)
    return found


def main(argv):
    tls = []
    args = []
    for a in argv:
        if a.startswith("--tls-verify="):
            tls = [f"--dest-tls-verify={a.split('=', 1)[1]}"]
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif a.startswith("-"):
            fail(f"unknown option {a}", 2)
        else:
            args.append(a)
    if len(args) < 2 or any("=" not in a for a in args[1:]):
        fail("usage: multiarch.py [--tls-verify=false] DEST ARCH=IMAGE [ARCH=IMAGE ...]", 2)
    dest = args[0]
    if not dest.startswith("oci:"):
        dest = "docker://" + dest
    pairs = [a.split("=", 1) for a in args[1:]]
    for arch, _ in pairs:
        if arch not in PLATFORMS:
            fail(f"unknown architecture {arch} (known: {' '.join(PLATFORMS)})", 2)
    if len({arch for arch, _ in pairs}) != len(pairs):
        fail("an architecture is given twice", 2)

    with tempfile.TemporaryDirectory(prefix="multiarch.") as tmp:
        layout = os.path.join(tmp, "layout")
        for arch, image in pairs:
            r = subprocess.run(["skopeo", "copy", "--quiet", f"docker-daemon:{image}",
                                f"oci:{layout}:{arch}"], capture_output=True, text=True)
            if r.returncode != 0:
                fail(f"{image}: skopeo could not copy it out of the engine: {r.stderr.strip()}")
        with open(os.path.join(layout, "index.json")) as f:
            top = json.load(f)
        by_name = {m.get("annotations", {}).get("org.opencontainers.image.ref.name"): m
                   for m in top["manifests"]}
        entries = []
        for arch, image in pairs:
            goarch, variant, machine = PLATFORMS[arch]
            desc = by_name[arch]
            manifest = read_json(layout, desc["digest"])
            got = elf_machine(layout, manifest)
            if got is None:
                fail(f"{image}: no /{PROGRAM} in the image")
            if got != machine:
                fail(f"{image}: /{PROGRAM} is for ELF machine {got}, not {arch} ({machine})")
            config = read_json(layout, manifest["config"]["digest"])
            config["os"] = "linux"
            config["architecture"] = goarch
            config.pop("variant", None)
            if variant:
                config["variant"] = variant
            cdigest, csize = write_blob(layout, json.dumps(config, separators=(",", ":")).encode())
            manifest["config"]["digest"], manifest["config"]["size"] = cdigest, csize
            mdigest, msize = write_blob(layout, json.dumps(manifest, separators=(",", ":")).encode())
            platform = {"architecture": goarch, "os": "linux"}
            if variant:
                platform["variant"] = variant
            entries.append({"mediaType": desc["mediaType"], "digest": mdigest,
                            "size": msize, "platform": platform})
        index = {"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": entries}
        idigest, isize = write_blob(layout, json.dumps(index, separators=(",", ":")).encode())
        top["manifests"] = [{"mediaType": INDEX_TYPE, "digest": idigest, "size": isize,
                             "annotations": {"org.opencontainers.image.ref.name": "multiarch"}}]
        with open(os.path.join(layout, "index.json"), "w") as f:
            json.dump(top, f)
        r = subprocess.run(["skopeo", "copy", "--quiet", "--all", *tls,
                            f"oci:{layout}:multiarch", dest], capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"{dest}: skopeo could not push the index: {r.stderr.strip()}")
    # The digest as stored (skopeo may compress the layers on the way).
    inspect_tls = [t.replace("--dest-", "--") for t in tls]
    r = subprocess.run(["skopeo", "inspect", "--raw", *inspect_tls, dest], capture_output=True)
    if r.returncode != 0:
        fail(f"{dest}: skopeo could not read the index back: {r.stderr.decode().strip()}")
    print("sha256:" + hashlib.sha256(r.stdout).hexdigest())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
