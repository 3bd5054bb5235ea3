#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Parity: cvapp's pixels and keypoints equal OpenCV's own (python3-opencv).

usage: /usr/bin/python3 parity.py CVAPP SAMPLES_DIR

Each case is a cvapp pipeline and the same computation written with cv2.
The image cvapp writes (PNG, lossless) must equal OpenCV's result pixel for
pixel, and its keypoints must equal OpenCV's (position, size, angle,
response, octave) as float32 values.
"""
import base64
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np


def gray(im):
    return im if im.ndim == 2 else cv2.cvtColor(im, cv2.COLOR_BGR2GRAY)


def orb(im, **kw):
    return im, cv2.ORB_create(**kw).detect(im)


# (name, cvapp pipeline, function of the decoded input -> (image, keypoints or None))
CASES = [
    ("decode", "orb nfeatures=1", lambda im: (im, None)),
    ("grayscale", "grayscale", lambda im: (gray(im), None)),
    ("gaussian", "gaussian ksize=5 sigma=1.5", lambda im: (cv2.GaussianBlur(im, (5, 5), 1.5), None)),
    ("gaussian-aniso", "gaussian ksize=7 sigma=2 sigma_y=0.5",
     lambda im: (cv2.GaussianBlur(im, (7, 7), 2, sigmaY=0.5), None)),
    ("gaussian-sigma-only", "gaussian ksize=0 sigma=2.5", lambda im: (cv2.GaussianBlur(im, (0, 0), 2.5), None)),
    ("canny", "canny", lambda im: (cv2.Canny(im, 50, 150), None)),
    ("canny-l2", "canny low=20 high=90 aperture=5 l2=true",
     lambda im: (cv2.Canny(im, 20, 90, apertureSize=5, L2gradient=True), None)),
    ("orb", "orb", lambda im: orb(im)),
    ("orb-fast", "orb nfeatures=200 score_type=fast nlevels=4 fast_threshold=10",
     lambda im: orb(im, nfeatures=200, scoreType=cv2.ORB_FAST_SCORE, nlevels=4, fastThreshold=10)),
    ("reference", "grayscale | gaussian ksize=5 sigma=1.5 | orb nfeatures=500 | canny low=50 high=150",
     lambda im: (lambda b: (cv2.Canny(b, 50, 150), cv2.ORB_create(500).detect(b)))(
         cv2.GaussianBlur(gray(im), (5, 5), 1.5))),
]


def kp_tuple(x, y, size, angle, response, octave):
    f = np.float32
    return (f(x), f(y), f(size), f(angle), f(response), int(octave))


def descriptor_text(row):
    """A descriptor row as the features JSON writes it."""
    if row.dtype == np.uint8:
        return row.tobytes().hex()
    return base64.b64encode(row.astype("<f4").tobytes()).decode()


def want_keypoints(want_kp):
    """Sorted keypoint tuples; {"keypoints": k, "descriptors": d} adds each row's text."""
    kps, desc = (want_kp["keypoints"], want_kp["descriptors"]) if isinstance(want_kp, dict) \
        else (want_kp, None)
    return sorted(kp_tuple(k.pt[0], k.pt[1], k.size, k.angle, k.response, k.octave)
                  + ((descriptor_text(desc[i]),) if desc is not None else ())
                  for i, k in enumerate(kps))


def got_keypoints(doc):
    return sorted(kp_tuple(k["x"], k["y"], k["size"], k["angle"], k["response"], k["octave"])
                  + ((k["descriptor"],) if "descriptor" in k else ())
                  for k in doc["keypoints"])


# Items of the other JSON arrays, in order, as comparable tuples: float32
# where OpenCV's values are float32; doubles (contour area and perimeter)
# as printed, with 9 significant digits.
ITEM = {
    "lines": lambda l: (l["x1"], l["y1"], l["x2"], l["y2"]),
    "circles": lambda c: (np.float32(c["x"]), np.float32(c["y"]), np.float32(c["radius"])),
    "contours": lambda c: (c["area"], c["perimeter"], tuple(c["bbox"]), c["parent"],
                           tuple(map(tuple, c["points"]))),
    "boxes": lambda b: (b["x"], b["y"], b["width"], b["height"], np.float32(b["score"])),
    "matches": lambda m: (m["ref_width"], m["ref_height"], m["ref_keypoints"],
                          tuple((x["keypoint"], x["ref_keypoint"], np.float32(x["distance"]),
                                 x["inlier"]) for x in m["matches"]),
                          m["model"]["type"],
                          tuple(m["model"]["matrix"]) if m["model"]["matrix"] else None,
                          m["model"]["inliers"], m["model"]["found"],
                          tuple(map(tuple, m["corners"])) if m["corners"] else None),
}


# Extra cases may be registered by files named parity_*.py beside this one,
# each defining CASES in the same form, where a case's function may also
# return a third item: {"lines"|"circles"|"contours"|"boxes"|"matches": [tuple as in ITEM]},
# and its keypoints may be {"keypoints": k, "descriptors": d} to compare
# descriptors too.
here = os.path.dirname(os.path.abspath(__file__))
for f in sorted(os.listdir(here)):
    if f.startswith("parity_") and f.endswith(".py"):
        scope = {"cv2": cv2, "np": np, "gray": gray, "orb": orb, "here": here}
        exec(compile(open(os.path.join(here, f)).read(), f, "exec"), scope)
        CASES += scope["CASES"]


@functools.lru_cache(maxsize=None)
def load(src):
    """The sample as cvapp decodes it (alpha dropped), read once."""
    im = cv2.imread(src, cv2.IMREAD_UNCHANGED)
    return im[:, :, :3].copy() if im.ndim == 3 and im.shape[2] == 4 else im


@functools.lru_cache(maxsize=None)
def load_bgra(src):
    """The sample with its alpha, as cvapp decodes it for a pipeline that keeps alpha."""
    im = cv2.imread(src, cv2.IMREAD_UNCHANGED)
    assert im.ndim == 3 and im.shape[2] == 4, f"{src}: cvapp kept an alpha channel it does not have"
    return im


# The samples of each tier (CVAPP_PARITY_TIER): "small" those up to a
# megapixel (the fast tier's `parity`), "large" the others (`parity_large`,
# check-all: chessboard.png's 13 megapixels take most of parity's time),
# "all" (or unset) every one.
LARGE_PIXELS = 1_000_000


def sample_images(samples):
    """The samples of CVAPP_PARITY_TIER, sorted; each one left to the other
    tier is named on a NOTE line (it runs there: not a skip)."""
    images = sorted(f for f in os.listdir(samples) if f.endswith((".jpg", ".png")) and ".cvapp." not in f)
    tier = os.environ.get("CVAPP_PARITY_TIER", "all") or "all"
    if tier not in ("small", "large", "all"):
        sys.exit(f"parity: CVAPP_PARITY_TIER={tier}: not small, large or all")
    if tier == "all":
        return images
    kept = []
    for img in images:
        im = cv2.imread(os.path.join(samples, img), cv2.IMREAD_UNCHANGED)
        large = im.shape[0] * im.shape[1] > LARGE_PIXELS
        if large == (tier == "large"):
            kept.append(img)
        else:
            other = "parity_large" if large else "parity"
            print(f"NOTE: {img} ({im.shape[1]}x{im.shape[0]}) runs in {other}, not in this tier")
    return kept


def check_case(cvapp, samples, tmp, i, name, spec, fn, img):
    """One case on one image: None when cvapp equals OpenCV, else the FAIL line."""
    src = os.path.join(samples, img)
    out, js = os.path.join(tmp, f"{i}-{img}.png"), os.path.join(tmp, f"{i}-{img}.json")
    r = subprocess.run([cvapp, "-q", "--exact", "-p", spec, "-o", out, "--features", js, src],
                       capture_output=True, text=True)
    label = f"{name} on {img}"
    if r.returncode != 0:
        return f"FAIL {label}: cvapp exit {r.returncode}: {r.stderr.strip()}"
    got_img = cv2.imread(out, cv2.IMREAD_UNCHANGED)
    # A pipeline whose steps all keep alpha keeps a BGRA input's
    # (docs/images.md): then the reference runs on BGRA too.
    keeps_alpha = got_img is not None and got_img.ndim == 3 and got_img.shape[2] == 4
    want_img, want_kp, *more = fn(load_bgra(src).copy() if keeps_alpha else load(src).copy())
    problems = []
    if got_img.shape != want_img.shape:
        problems.append(f"shape {got_img.shape} != {want_img.shape}")
    elif not np.array_equal(got_img, want_img):
        d = np.abs(got_img.astype(int) - want_img.astype(int))
        problems.append(f"{int((d > 0).sum())} pixels differ (max {int(d.max())})")
    with open(js) as f:
        doc = json.load(f)
    if want_kp is not None:
        got, want = got_keypoints(doc), want_keypoints(want_kp)
        if got != want:
            problems.append(f"keypoints differ ({len(got)} vs {len(want)})")
    for key, want in (more[0] if more else {}).items():
        got = [ITEM[key](x) for x in doc[key]]
        if got != want:
            problems.append(f"{key} differ ({len(got)} vs {len(want)})")
    return f"FAIL {label}: {'; '.join(problems)}" if problems else None


@functools.lru_cache(maxsize=None)
def inexact(name):
    """1 for a case CVAPP_PARITY_INEXACT (a regular expression of case names)
    names: an OpenCV built otherwise than python3-opencv's, where those
    results differ by design (CVAPP_PARITY_INEXACT_WHY says why). Each one
    is a SKIP line, which parity_test.sh reports as a skip."""
    pattern = os.environ.get("CVAPP_PARITY_INEXACT")
    if not pattern or not re.search(pattern, name):
        return False
    print(f"SKIP {name}: {os.environ.get('CVAPP_PARITY_INEXACT_WHY', 'CVAPP_PARITY_INEXACT')}")
    return True


def main():
    cvapp, samples = sys.argv[1], sys.argv[2]
    images = sample_images(samples)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        # Every (case, image) pair on its own files, run on all CPUs; the
        # results are printed in the cases' order.
        pairs = [(i, name, spec, fn, img) for i, (name, spec, fn) in enumerate(CASES) for img in images
                 if not inexact(name)]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for problem in pool.map(lambda p: check_case(cvapp, samples, tmp, *p), pairs):
                if problem:
                    print(problem)
                    failed += 1
                else:
                    passed += 1
    # The shortcuts (default without --exact) stay close to the exact path:
    # luma decoding for a leading grayscale, shrink-on-load for a leading resize.
    shortcuts = [
        ("luma", "grayscale", lambda im: gray(im), lambda d: (d > 0).mean() < 0.01 and d.max() <= 32),
        ("shrink", "resize width=160 height=120 interp=area",
         lambda im: cv2.resize(im, (160, 120), interpolation=cv2.INTER_AREA), lambda d: d.mean() < 3),
        ("shrink-scale", "resize scale=0.2 interp=area",
         lambda im: cv2.resize(im, None, fx=0.2, fy=0.2, interpolation=cv2.INTER_AREA), lambda d: d.mean() < 6),
        # interp=auto shrinking is area, shortcut included (the same bytes: below).
        ("shrink-auto", "resize width=160",
         lambda im: cv2.resize(im, (160, round(160 * im.shape[0] / im.shape[1])),
                               interpolation=cv2.INTER_AREA), lambda d: d.mean() < 3),
        # Other interpolations keep the exact path.
        ("no-shrink-linear", "resize scale=0.2 interp=linear",
         lambda im: cv2.resize(im, None, fx=0.2, fy=0.2), lambda d: d.max() == 0),
    ]
    for name, spec, ref, close in shortcuts:
        for img in images:
            if not img.endswith(".jpg"):
                continue
            src = os.path.join(samples, img)
            want = ref(cv2.imread(src))
            with tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "g.png")
                subprocess.run([cvapp, "-q", "-p", spec, "-o", out, src], check=True)
                got = cv2.imread(out, cv2.IMREAD_UNCHANGED)
            if got.shape != want.shape:
                print(f"FAIL {name} shortcut on {img}: shape {got.shape} != {want.shape}")
                failed += 1
                continue
            d = np.abs(got.astype(int) - want.astype(int))
            if close(d):
                passed += 1
            else:
                print(f"FAIL {name} shortcut on {img}: mean {d.mean():.2f}, max {int(d.max())}, "
                      f"{(d > 0).mean():.2%} differ")
                failed += 1
    # auto + shrink-on-load gives exactly what area + shrink-on-load gives.
    for img in images:
        if not img.endswith(".jpg"):
            continue
        src = os.path.join(samples, img)
        with tempfile.TemporaryDirectory() as tmp:
            outs = []
            for spec in ("resize scale=0.2", "resize scale=0.2 interp=area"):
                outs.append(os.path.join(tmp, f"{len(outs)}.png"))
                subprocess.run([cvapp, "-q", "-p", spec, "-o", outs[-1], src], check=True)
            a, b = (cv2.imread(o, cv2.IMREAD_UNCHANGED) for o in outs)
        if a.shape == b.shape and np.array_equal(a, b):
            passed += 1
        else:
            print(f"FAIL auto shrink-on-load on {img}: differs from area's")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
