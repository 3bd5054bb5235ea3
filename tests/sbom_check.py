#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""sbom_check.py ROOT: the SBOM of a staged root (docker/sbom.py's output)
validates against tests/schema/spdx-2.3.schema.json and says the truth: every
file of the manifest is listed once with its real SHA-1 and SHA-256, every
package has a version, a declared license other than NOASSERTION and a
status record, every file of a package is CONTAINed by it, every SPDX id is
unique and every relationship points at one. Prints one line per problem;
exit 1 on any, 77 when jsonschema is missing."""
import hashlib, json, os, sys

root = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema missing")
    sys.exit(77)
doc = json.load(open(root + "/usr/share/cvapp/sbom.spdx.json"))
schema = json.load(open(os.path.join(here, "schema/spdx-2.3.schema.json")))
bad = [f"schema: {e.message} at {'/'.join(map(str, e.absolute_path))}"
       for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]
ids = [doc["SPDXID"]] + [p["SPDXID"] for p in doc["packages"]] + [f["SPDXID"] for f in doc["files"]]
if len(ids) != len(set(ids)):
    bad.append("duplicate SPDX ids")
known = set(ids)
for r in doc["relationships"]:
    for k in ("spdxElementId", "relatedSpdxElement"):
        if r[k] not in known:
            bad.append(f"relationship to unknown {r[k]}")
files = {f["fileName"][1:]: f for f in doc["files"]}
contains = {r["relatedSpdxElement"]: r["spdxElementId"] for r in doc["relationships"]
            if r["relationshipType"] == "CONTAINS"}
pkgs = {p["name"]: p for p in doc["packages"]}
for line in open(root + "/usr/share/cvapp/manifest.tsv"):
    if line.startswith("#"):
        continue
    path, kind, _what, pkg, ver = line.rstrip("\n").split("\t")
    if kind != "file":
        continue
    f = files.pop(path, None)
    if f is None:
        bad.append(f"{path}: not in the SBOM")
        continue
    data = open(root + path, "rb").read()
    want = {"SHA1": hashlib.sha1(data).hexdigest(), "SHA256": hashlib.sha256(data).hexdigest()}
    got = {c["algorithm"]: c["checksumValue"] for c in f["checksums"]}
    if got != want:
        bad.append(f"{path}: checksums {got} != {want}")
    if pkg != "-":
        if pkg not in pkgs or pkgs[pkg]["versionInfo"] != ver:
            bad.append(f"{path}: package {pkg} {ver} missing")
        elif contains.get(f["SPDXID"]) != pkgs[pkg]["SPDXID"]:
            bad.append(f"{path}: not CONTAINed by {pkg}")
for path in files:
    bad.append(f"{path}: in the SBOM, not in the manifest")
for p in doc["packages"]:
    if p["licenseDeclared"] == "NOASSERTION":
        bad.append(f"package {p['name']}: no declared license")
    if p["name"] != "cvapp" and not os.path.exists(f"{root}/var/lib/dpkg/status.d/{p['name']}"):
        bad.append(f"package {p['name']}: no status record")
if "cvapp" not in pkgs:
    bad.append("no cvapp package")
for b in bad:
    print(b)
print(f"sbom_check: {len(doc['packages'])} packages, {len(doc['files'])} files, {len(bad)} problems")
sys.exit(1 if bad else 0)
