#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Peak memory of each detector on a 25 MP image (docs/limits-and-security.md).

    /usr/bin/python3 bench/detector_memory.py CVAPP [OLD_CVAPP]

Each detector runs once, `-j 1 --max-features 1000`, on a 5000x5000 image
made to make it find as much as it can (noise; blurred noise for blobs and
circles; binary noise for contours), the pipeline converting to gray
first. The table gives what it found, what was kept, and the peak resident
memory of the process (getrusage); with OLD_CVAPP, that build's peak too.
The first row is the decode and gray conversion alone: what every row
carries before its detector starts.
"""
import json
import os
import resource
import subprocess
import sys
import tempfile

import cv2
import numpy as np

SIDE = 5000
ROWS = [
    ("(decode and gray only)", "noise.jpg", "grayscale"),
    ("harris", "noise.jpg", "grayscale | harris threshold=0"),
    ("fast", "noise.jpg", "grayscale | fast threshold=1 nonmax=false"),
    ("gftt", "noise.jpg", "grayscale | gftt max_corners=0 quality=0.0001 min_distance=0"),
    ("orb", "noise.jpg", "grayscale | orb nfeatures=100000 descriptors=true"),
    ("contours", "binary.png", "grayscale | contours mode=list method=none"),
    ("hough_lines", "noise.jpg", "grayscale | canny low=100 high=200 | hough_lines threshold=10 min_length=0"),
    ("hough_circles", "blur.jpg", "grayscale | hough_circles param2=8 min_dist=3 max_radius=12"),
    ("blobs", "blur.jpg", "grayscale | blobs min_area=1"),
]


def images(d):
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, (SIDE, SIDE), dtype=np.uint8)
    cv2.imwrite(os.path.join(d, "noise.jpg"), noise, [cv2.IMWRITE_JPEG_QUALITY, 95])
    cv2.imwrite(os.path.join(d, "blur.jpg"), cv2.GaussianBlur(noise, (0, 0), 2), [cv2.IMWRITE_JPEG_QUALITY, 95])
    cv2.imwrite(os.path.join(d, "binary.png"), (noise > 127).astype(np.uint8) * 255)


def peak(cmd):
    """Runs cmd in a child that reports its own child's peak RSS (KiB)."""
    probe = ("import resource, subprocess, sys\n"
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
             "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe] + cmd, capture_output=True, text=True, check=True)
    rc, kib = out.stdout.split()
    return int(rc), int(kib)


def main():
    cvapp = os.path.abspath(sys.argv[1])
    old = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as d:
        images(d)
        head = "| detector | pipeline | found | kept | peak RSS |" + (" before |" if old else "")
        print(head)
        print("|---|---|---:|---:|---:|" + ("---:|" if old else ""))
        for name, img, pipe in ROWS:
            feat = os.path.join(d, "f.json")
            args = ["-q", "-j", "1", "--max-features", "1000", "-p", pipe, "-o", os.path.join(d, "o.png"),
                    "--features", feat, os.path.join(d, img)]
            rc, kib = peak([cvapp] + args)
            found = kept = "-"
            if rc == 0 and pipe != "grayscale":
                with open(feat) as f:
                    det = json.load(f)["detectors"][-1]
                kept = det["count"]
                found = det.get("found", kept)
            cell = pipe.replace("|", "\\|")  # a | inside a table cell
            row = f"| {name} | `{cell}` | {found} | {kept} | {kib // 1024} MB |"
            if rc != 0:
                row = f"| {name} | `{cell}` | exit {rc} | | {kib // 1024} MB |"
            if old:
                orc, okib = peak([old] + args)
                row += f" {okib // 1024} MB |" if orc == 0 else f" exit {orc}, {okib // 1024} MB |"
            print(row, flush=True)


if __name__ == "__main__":
    main()
