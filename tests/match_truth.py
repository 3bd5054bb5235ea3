#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Ground truth for match (and warp): the model cvapp finds maps the
reference's corners within a few pixels of where the true transform puts
them; a reference that is not in the image is not found.

usage: /usr/bin/python3 match_truth.py CVAPP SAMPLES_DIR [GRAF_DIR]

Synthetic cases: a part of a sample (the reference) warped by a known
homography into a larger image of another sample, with Gaussian noise.
GRAF_DIR (OpenCV's sample data, Debian's opencv-doc): graf1.png matched in
graf3.png against the homography H1to3p.xml that comes with them.  Prints
one line per failure and "N passed, N failed".
"""
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

# Pixels, for each corner: ORB's keypoints (on a pyramid of 1.2 steps,
# not refined below a pixel) place the outline less precisely.
TOLERANCE = {"orb": 5.0, "sift": 3.0, "akaze": 3.0, "brisk": 3.0}


def corners_of(w, h):
    return np.float64([[0, 0], [w, 0], [w, h], [0, h]])


def project(hm, pts):
    return cv2.perspectiveTransform(pts.reshape(-1, 1, 2), hm).reshape(-1, 2)


def run(cvapp, tmp, spec, image, name):
    js, out = os.path.join(tmp, "out-" + name + ".json"), os.path.join(tmp, "out-" + name + ".png")
    r = subprocess.run([cvapp, "-q", "-p", spec, "-o", out, "--features", js, image],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, None, r.stderr.strip()
    with open(js) as f:
        return json.load(f)["matches"][0], out, None


def main():
    cvapp, samples = sys.argv[1], sys.argv[2]
    graf = sys.argv[3] if len(sys.argv) > 3 else ""
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL " + what)

    def check_found(m, err, label, want, tol):
        """A match that must find the reference: found, each corner within
        tol pixels of want."""
        if m is None:
            check(False, f"{label}: cvapp failed: {err}")
            return
        check(m["model"]["found"], f"{label}: not found ({m['model']['inliers']} inliers)")
        if m["corners"]:
            d = np.abs(np.float64(m["corners"]) - want).max()
            check(d <= tol, f"{label}: a corner is {d:.1f} px from the truth")

    rng = np.random.default_rng(7)
    baboon = cv2.imread(os.path.join(samples, "baboon.jpg"))
    home = cv2.imread(os.path.join(samples, "home.jpg"))
    building = cv2.imread(os.path.join(samples, "building.jpg"))
    with tempfile.TemporaryDirectory() as tmp:
        ref = building[150:390, 250:530].copy()  # 280x240
        ref_path = os.path.join(tmp, "ref.png")
        cv2.imwrite(ref_path, ref)
        h, w = ref.shape[:2]
        background = cv2.resize(home, (800, 600), interpolation=cv2.INTER_AREA)
        # Known homographies: a shift and turn, a scale-down with a tilt, a
        # strong perspective.
        truths = {
            "turn": cv2.getPerspectiveTransform(
                np.float32(corners_of(w, h)),
                np.float32([[250, 120], [520, 170], [480, 420], [210, 370]])),
            "small": cv2.getPerspectiveTransform(
                np.float32(corners_of(w, h)),
                np.float32([[400, 300], [590, 310], [585, 470], [395, 455]])),
            "perspective": cv2.getPerspectiveTransform(
                np.float32(corners_of(w, h)),
                np.float32([[100, 80], [460, 140], [430, 380], [130, 500]])),
        }
        for name, hm in truths.items():
            img = background.copy()
            warped = cv2.warpPerspective(ref, hm, (800, 600))
            mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), hm, (800, 600))
            img[mask > 0] = warped[mask > 0]
            noisy = np.clip(img.astype(np.float64) + rng.normal(0, 3, img.shape), 0, 255)
            img_path = os.path.join(tmp, name + ".png")
            cv2.imwrite(img_path, noisy.astype(np.uint8))
            want = project(hm, corners_of(w, h))
            # ORB needs more keypoints and USAC under strong perspective.
            for detector in ("orb nfeatures=2000 method=usac", "sift", "akaze", "brisk"):
                label = f"{name} with {detector.split()[0]}"
                m, _, err = run(cvapp, tmp, f"match ref={ref_path} detector={detector}", img_path,
                                name)
                check_found(m, err, label, want, TOLERANCE[detector.split()[0]])
            # warp: the image aligned to the reference's frame is the reference again.
            m, out, err = run(cvapp, tmp, f"match ref={ref_path} detector=sift | warp", img_path,
                              name + "-warp")
            if out is None:
                check(False, f"{name} warped: cvapp failed: {err}")
            else:
                got = cv2.imread(out)
                check(got.shape == ref.shape, f"{name} warped: {got.shape}, want {ref.shape}")
                if got.shape == ref.shape:
                    inner = (slice(8, h - 8), slice(8, w - 8))
                    diff = np.abs(got[inner].astype(int) - ref[inner].astype(int)).mean()
                    # Noise (sigma 3) and two resamplings: a few levels.
                    check(diff < 6, f"{name} warped: mean difference {diff:.1f} from the reference")

        # A reference that is not in the image: not found, whatever the detector.
        other = baboon[100:340, 120:400].copy()
        other_path = os.path.join(tmp, "other.png")
        cv2.imwrite(other_path, other)
        for detector in ("orb", "sift", "akaze", "brisk"):
            m, _, err = run(cvapp, tmp, f"match ref={other_path} detector={detector}",
                            os.path.join(tmp, "turn.png"), "absent")
            if m is None:
                check(False, f"absent reference with {detector}: cvapp failed: {err}")
            else:
                check(not m["model"]["found"],
                      f"absent reference with {detector}: found, {m['model']['inliers']} inliers")

        # OpenCV's own pair with its true homography.
        if graf:
            g1, g3 = os.path.join(graf, "graf1.png"), os.path.join(graf, "graf3.png")
            fs = cv2.FileStorage(os.path.join(graf, "H1to3p.xml"), cv2.FILE_STORAGE_READ)
            hm = fs.getNode("H13").mat()
            gw, gh = cv2.imread(g1).shape[1::-1]
            want = project(hm, corners_of(gw, gh))
            for detector in ("sift", "akaze"):
                m, _, err = run(cvapp, tmp, f"match ref={g1} detector={detector}", g3, "graf")
                check_found(m, err, f"graf1 in graf3 with {detector}", want, 5)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
