#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Two builds of cvapp (two architectures) on every parity case: where do
their results differ?

usage: /usr/bin/python3 arch_compare.py CVAPP_A CVAPP_B SAMPLES_DIR [EXPECTED]

Runs each case of parity.py (and parity_*.py) on each sample (those
CVAPP_PARITY_TIER selects, as parity does) with both programs (--exact, as parity does) and compares the output images pixel for
pixel and the features JSON value for value. CVAPP_B may be a program of
another architecture: with ROOT=PROGRAM (an unpacked image's root and the
program's path inside it) it runs through the kernel's binfmt handler with
QEMU_LD_PREFIX=ROOT, so that its loader and libraries are the image's.

Prints one line per difference, "CASE on IMAGE: what differs", then a
summary. With EXPECTED (a file of such lines, '#' comments allowed), the
differences found must be exactly those listed there, by "CASE on IMAGE":
exit 1 otherwise, naming each one that is new or gone.

usage: /usr/bin/python3 arch_compare.py --outputs DIR_A DIR_B

The same output files (*.cvapp.* and everything under out/) in two
directories: images byte for byte, features JSON equal but for keypoint
responses and angles within 1e-5 relative. Exit 1 on any other difference.
"""
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cv2  # noqa: E402
import numpy as np  # noqa: E402
import parity  # noqa: E402  (its CASES, parity_*.py included)


def command(spec):
    """(argv prefix, environment) for 'PROGRAM' or 'ROOT=PROGRAM'."""
    if "=" in spec:
        root, prog = spec.split("=", 1)
        return [os.path.join(root, prog.lstrip("/"))], dict(os.environ, QEMU_LD_PREFIX=root)
    return [spec], None


def run(prog, spec, src, out, js):
    argv, env = prog
    r = subprocess.run(argv + ["-q", "--exact", "-p", spec, "-o", out, "--features", js, src],
                       capture_output=True, text=True, env=env)
    return r.returncode, r.stderr.strip()


def keypoint_summary(ka, kb):
    """Which keypoint fields differ, how often and by how much."""
    if len(ka) != len(kb):
        return [f"keypoints: {len(ka)} vs {len(kb)}"]
    out = []
    for field in sorted({k for kp in ka for k in kp} | {k for kp in kb for k in kp}):
        diffs = [(x.get(field), y.get(field)) for x, y in zip(ka, kb) if x.get(field) != y.get(field)]
        if not diffs:
            continue
        numeric = [(x, y) for x, y in diffs if isinstance(x, (int, float)) and isinstance(y, (int, float))]
        if len(numeric) == len(diffs):
            rel = max(abs(x - y) / max(abs(x), abs(y), 1e-30) for x, y in numeric)
            out.append(f"keypoints {field}: {len(diffs)} of {len(ka)} (max relative {rel:.1e})")
        else:
            out.append(f"keypoints {field}: {len(diffs)} of {len(ka)}")
    return out


def describe(a, b, path=""):
    """Where two features JSON documents differ, as short strings."""
    if not path and isinstance(a, dict) and isinstance(b, dict):
        out = keypoint_summary(a.get("keypoints", []), b.get("keypoints", []))
        rest = {k: v for k, v in a.items() if k != "keypoints"}, {k: v for k, v in b.items() if k != "keypoints"}
        return out + describe_value(*rest)
    return describe_value(a, b, path)


def describe_value(a, b, path=""):
    """The first places where two JSON values differ, as short strings."""
    if type(a) is not type(b):
        return [f"{path or 'document'}: {a!r} vs {b!r}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += describe_value(a.get(k), b.get(k), f"{path}.{k}" if path else k)
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += describe_value(x, y, f"{path}[{i}]")
            if len(out) >= 3:
                break
        return out
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def compare(progs, samples, tmp, i, name, spec, img):
    src = os.path.join(samples, img)
    res = []
    for k, prog in enumerate(progs):
        out, js = os.path.join(tmp, f"{i}-{k}-{img}.png"), os.path.join(tmp, f"{i}-{k}-{img}.json")
        rc, err = run(prog, spec, src, out, js)
        if rc != 0:
            return f"{name} on {img}: program {k + 1} exit {rc}: {err}"
        with open(js) as f:
            doc = json.load(f)
        res.append((cv2.imread(out, cv2.IMREAD_UNCHANGED), doc))
    (ia, ja), (ib, jb) = res
    problems = []
    if ia is None or ib is None:
        problems.append(f"output image missing ({'program 1' if ia is None else 'program 2'})")
    elif ia.shape != ib.shape:
        problems.append(f"shape {ia.shape} vs {ib.shape}")
    elif not np.array_equal(ia, ib):
        d = np.abs(ia.astype(int) - ib.astype(int))
        problems.append(f"{int((d > 0).sum())} of {d.size} pixel values differ (max {int(d.max())})")
    diffs = describe(ja, jb)
    if diffs:
        problems.append("JSON " + "; ".join(diffs[:8]) + (" ..." if len(diffs) > 8 else ""))
    return f"{name} on {img}: {', '.join(problems)}" if problems else None


def close_enough(ja, jb, tolerance=1e-5):
    """Two features JSON documents equal but for keypoint scores and angles
    within a relative tolerance (the float noise between architectures)."""
    ka, kb = ja.get("keypoints", []), jb.get("keypoints", [])
    if len(ka) != len(kb) or describe_value({k: v for k, v in ja.items() if k != "keypoints"},
                                            {k: v for k, v in jb.items() if k != "keypoints"}):
        return False
    for x, y in zip(ka, kb):
        for field in set(x) | set(y):
            u, v = x.get(field), y.get(field)
            if u == v:
                continue
            if field not in ("response", "angle") or not isinstance(u, float) or not isinstance(v, float):
                return False
            if abs(u - v) > tolerance * max(abs(u), abs(v)):
                return False
    return True


def compare_outputs(dir_a, dir_b):
    """--outputs: the same files in two output trees; images byte for byte,
    features JSON equal or close_enough. 0 when they agree."""
    def files(d):
        return sorted(os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(d) for f in fs
                      if ".cvapp." in f or os.path.relpath(r, d).split(os.sep)[0] == "out")
    fa, fb = files(dir_a), files(dir_b)
    if fa != fb:
        print(f"FAIL different files: {sorted(set(fa) ^ set(fb))}")
        return 1
    status = close = 0
    for f in fa:
        with open(os.path.join(dir_a, f), "rb") as x, open(os.path.join(dir_b, f), "rb") as y:
            a, b = x.read(), y.read()
        if a == b:
            continue
        if f.endswith(".json") and close_enough(json.loads(a), json.loads(b)):
            close += 1
            print(f"close: {f}: {'; '.join(describe(json.loads(a), json.loads(b)))}")
            continue
        print(f"FAIL {f} differs" + (f": {'; '.join(describe(json.loads(a), json.loads(b))[:8])}"
                                     if f.endswith(".json") else ""))
        status = 1
    print(f"{len(fa)} files, {len(fa) - close - status} equal byte for byte, {close} within float noise")
    return status


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--outputs":
        return compare_outputs(sys.argv[2], sys.argv[3])
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    progs = [command(sys.argv[1]), command(sys.argv[2])]
    samples = sys.argv[3]
    images = parity.sample_images(samples)
    pairs = [(i, name, spec, img) for i, (name, spec, _) in enumerate(parity.CASES) for img in images]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        found = [d for d in pool.map(lambda p: compare(progs, samples, tmp, *p), pairs) if d]
    for line in found:
        print(line)
    print(f"{len(pairs)} case runs ({len(parity.CASES)} cases x {len(images)} images), {len(found)} differ")
    if len(sys.argv) < 5:
        return 0
    # Listed differences on samples left out of this run are not expected.
    with open(sys.argv[4]) as f:
        expected = {ln.split(":", 1)[0].strip() for ln in f if ln.strip() and not ln.startswith("#")}
    expected = {k for k in expected if k.rsplit(" on ", 1)[-1] in images}
    got = {d.split(":", 1)[0] for d in found}
    status = 0
    for key in sorted(got - expected):
        print(f"FAIL new difference: {key}")
        status = 1
    for key in sorted(expected - got):
        print(f"FAIL listed difference not found: {key}")
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
