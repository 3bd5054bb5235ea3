#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""sbom.py - the runtime image's SPDX 2.3 JSON document, from what
docker/closure.sh recorded: its manifest (every file, its Debian package and
version), the dpkg status records and the license files.

usage: sbom.py ROOT [--manifest PATH] [--out PATH] [--created EPOCH]
                    [--namespace-base URL]

Every file of the manifest is an SPDX file with its SHA-1 and SHA-256 (the
manifest itself and the document are not listed); every package a file
comes from (and each package whose static archive was linked into cvapp,
recorded by closure.sh --linked) is an SPDX package with its version, its
declared license (from the DEP-5 `Files: *` paragraph of its copyright file,
mapped to SPDX identifiers; names SPDX lacks become LicenseRef-*), a purl,
and CONTAINS relationships to its files. The creation time is EPOCH
(SOURCE_DATE_EPOCH), so that two builds of one commit give the same bytes.
Only the Python standard library is used.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import sys

# Debian's short license names (DEP-5) and the SPDX identifiers they mean.
DEBIAN_TO_SPDX = {
    "expat": "MIT", "mit": "MIT", "apache-2.0": "Apache-2.0", "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause", "bsd-4-clause": "BSD-4-Clause", "zlib": "Zlib",
    "libpng": "Libpng", "libpng-2.0": "libpng-2.0", "ijg": "IJG", "isc": "ISC",
    "gpl-2": "GPL-2.0-only", "gpl-2+": "GPL-2.0-or-later", "gpl-3": "GPL-3.0-only",
    "gpl-3+": "GPL-3.0-or-later", "lgpl-2.1": "LGPL-2.1-only", "lgpl-2.1+": "LGPL-2.1-or-later",
    "lgpl-2": "LGPL-2.0-only", "lgpl-2+": "LGPL-2.0-or-later", "lgpl-3": "LGPL-3.0-only",
    "lgpl-3+": "LGPL-3.0-or-later", "mpl-2.0": "MPL-2.0", "public-domain": "LicenseRef-public-domain",
    "gcc-exception-3.1": "GCC-exception-3.1", "bsl-1.0": "BSL-1.0", "cc0-1.0": "CC0-1.0",
}
# Packages of the closures whose copyright file is not machine-readable
# (DEP-5): the license that file states for the library code shipped.
NOT_DEP5 = {
    "libc6": "LGPL-2.1-or-later", "base-files": "GPL-2.0-or-later",
    "gcc-12-base": "GPL-3.0-or-later WITH GCC-exception-3.1",
    "libgcc-s1": "GPL-3.0-or-later WITH GCC-exception-3.1",
    "libstdc++6": "GPL-3.0-or-later WITH GCC-exception-3.1",
    "libgfortran5": "GPL-3.0-or-later WITH GCC-exception-3.1",
    "libquadmath0": "LGPL-2.1-or-later",
    "libturbojpeg0": "IJG AND BSD-3-Clause AND Zlib", "libjpeg62-turbo": "IJG AND BSD-3-Clause AND Zlib",
    "libjpeg-turbo": "IJG AND BSD-3-Clause AND Zlib",
    "libtbb2": "Apache-2.0", "libtbb12": "Apache-2.0",
    "libx11-6": "X11", "libxau6": "MIT-open-group", "libxcb1": "X11", "libxdmcp6": "MIT-open-group",
}
SPDX_ID = re.compile(r"[^A-Za-z0-9.-]+")


def spdx_ref(kind, name):
    return f"SPDXRef-{kind}-{SPDX_ID.sub('-', name)}"


def license_expression(debian, refs):
    """A DEP-5 License line as an SPDX expression; unknown names are added
    to refs as LicenseRef-* identifiers."""
    out = []
    for tok in re.split(r"\s+", debian.strip()):
        low = tok.lower().rstrip(",")
        if low in ("or", "and", "with"):
            out.append(low.upper())
        elif low in ("", "exception"):
            continue
        elif low in DEBIAN_TO_SPDX:
            out.append(DEBIAN_TO_SPDX[low])
        else:
            ref = "LicenseRef-" + SPDX_ID.sub("-", tok)
            refs.add(ref)
            out.append(ref)
    # "X with Y exception": Y must be an exception id; keep an unknown one as a ref.
    expr = " ".join(out)
    return expr or "NOASSERTION"


def not_dep5(pkg):
    """NOT_DEP5's license, also for GCC's versioned runtime packages
    (gcc-10-base on Debian 11, gcc-14-base on Debian 13, ...)."""
    if pkg in NOT_DEP5:
        return NOT_DEP5[pkg]
    if re.fullmatch(r"gcc-\d+-base|libgcc-s\d+|libgcc-\d+-dev|libstdc\+\+\d+|libgfortran\d+|"
                    r"libgfortran-\d+-dev", pkg):
        return "GPL-3.0-or-later WITH GCC-exception-3.1"
    if re.fullmatch(r"libquadmath\d+", pkg):
        return "LGPL-2.1-or-later"
    return "NOASSERTION"


def declared_license(root, pkg, refs):
    """The package's declared license; one this script cannot name is a
    LicenseRef pointing at the package's copyright file in the image."""
    lic = declared_license_known(root, pkg, refs)
    if lic == "NOASSERTION":
        lic = "LicenseRef-Debian-copyright-" + SPDX_ID.sub("-", pkg)
        refs.add(lic)
    return lic


def declared_license_known(root, pkg, refs):
    path = os.path.join(root, "usr/share/doc", pkg, "copyright")
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return not_dep5(pkg)
    # DEP-5: the License of the `Files: *` paragraph.
    for para in re.split(r"\n\s*\n", text):
        if re.search(r"^Files:\s*\*\s*$", para, re.M):
            m = re.search(r"^License:\s*(\S.*)$", para, re.M)
            if m:
                return license_expression(m.group(1), refs)
    return not_dep5(pkg)


def hashes(path):
    sha1, sha256 = hashlib.sha1(), hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            sha1.update(chunk)
            sha256.update(chunk)
    return sha1.hexdigest(), sha256.hexdigest()


def status_record(root, pkg):
    rec = {}
    try:
        for line in open(os.path.join(root, "var/lib/dpkg/status.d", pkg), encoding="utf-8"):
            if ":" in line and not line.startswith(" "):
                k, v = line.split(":", 1)
                rec[k.strip()] = v.strip()
    except OSError:
        pass
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root")
    ap.add_argument("--manifest", default="/usr/share/cvapp/manifest.tsv")
    ap.add_argument("--out", default="/usr/share/cvapp/sbom.spdx.json")
    ap.add_argument("--created", type=int, default=int(os.environ.get("SOURCE_DATE_EPOCH", "0")))
    ap.add_argument("--namespace-base", default="https://spdx.org/spdxdocs/cvapp")
    a = ap.parse_args()
    root = a.root
    rows = []
    for line in open(root + a.manifest, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        path, kind, what, pkg, ver = line.rstrip("\n").split("\t")
        rows.append((path, kind, what, pkg, ver))

    refs = set()
    packages, files, rels = {}, [], []
    for path, kind, _what, pkg, ver in rows:
        if pkg != "-" and pkg not in packages:
            packages[pkg] = ver
    # Packages recorded by status.d without a file (static archives linked in).
    sd = os.path.join(root, "var/lib/dpkg/status.d")
    for name in sorted(os.listdir(sd)) if os.path.isdir(sd) else []:
        rec = status_record(root, name)
        if name not in packages and rec.get("Version"):
            packages[name] = rec["Version"]

    spdx_packages = []
    for pkg in sorted(packages):
        rec = status_record(root, pkg)
        arch = rec.get("Architecture", "")
        local = pkg == "cvapp"
        p = {
            "name": pkg,
            "SPDXID": spdx_ref("Package", pkg),
            "versionInfo": packages[pkg],
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": False,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "MIT" if local else declared_license(root, pkg, refs),
            "copyrightText": "NOASSERTION",
            "supplier": "Organization: cvapp" if local else "Organization: Debian",
        }
        if not local and not rec.get("Description", "").endswith(", built from source into /usr/local/bin/cvapp"):
            purl = f"pkg:deb/debian/{pkg}@{packages[pkg]}" + (f"?arch={arch}" if arch else "")
            p["externalRefs"] = [{"referenceCategory": "PACKAGE-MANAGER",
                                  "referenceType": "purl", "referenceLocator": purl}]
        spdx_packages.append(p)

    for i, (path, kind, _what, pkg, _ver) in enumerate(sorted(rows)):
        if kind != "file":
            continue
        sha1, sha256 = hashes(root + path)
        fid = spdx_ref("File", f"{i}-{os.path.basename(path)}")
        files.append({
            "fileName": "." + path,
            "SPDXID": fid,
            "checksums": [{"algorithm": "SHA1", "checksumValue": sha1},
                          {"algorithm": "SHA256", "checksumValue": sha256}],
            "licenseConcluded": "NOASSERTION",
            "copyrightText": "NOASSERTION",
        })
        if pkg != "-":
            rels.append({"spdxElementId": spdx_ref("Package", pkg),
                         "relationshipType": "CONTAINS", "relatedSpdxElement": fid})

    if "cvapp" in packages:
        rels.insert(0, {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                        "relatedSpdxElement": spdx_ref("Package", "cvapp")})
        for pkg in sorted(packages):
            if pkg != "cvapp":
                rels.append({"spdxElementId": spdx_ref("Package", "cvapp"),
                             "relationshipType": "DEPENDS_ON",
                             "relatedSpdxElement": spdx_ref("Package", pkg)})

    digest = hashlib.sha256(open(root + a.manifest, "rb").read()).hexdigest()[:16]
    created = datetime.datetime.fromtimestamp(a.created, datetime.timezone.utc)
    doc = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"cvapp-image-{packages.get('cvapp', 'unknown')}",
        "documentNamespace": f"{a.namespace_base}/{packages.get('cvapp', 'unknown')}-{digest}",
        "creationInfo": {"created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "creators": ["Tool: cvapp-docker/sbom.py"]},
        "packages": spdx_packages,
        "files": files,
        "relationships": rels,
    }
    if refs:
        doc["hasExtractedLicensingInfos"] = [
            {"licenseId": r, "extractedText": "See the package's /usr/share/doc/PACKAGE/copyright "
             "in this image (a Debian license name SPDX does not list).", "name": r[len("LicenseRef-"):]}
            for r in sorted(refs)]
    out = root + a.out
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"sbom.py: {len(spdx_packages)} packages, {len(files)} files in {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
