# SPDX-License-Identifier: MIT
"""Thumbnails: resize's default interp=auto against explicit interpolations on
a zone plate (a ring pattern whose frequency grows from 0 at the centre to
Nyquist at the edge), measured numerically.

- Shrinking by 10 (scale=0.1): every ring past 1/20 cycle per pixel is above
  the thumbnail's Nyquist, so an alias-free thumbnail is flat gray there; the
  standard deviation of that region is the aliased (moire) energy.  auto
  (INTER_AREA) must carry a small fraction of linear's.
- Enlarging by 4: the plate is sampled from a known function, so the truth at
  the enlarged pixel centres is known; auto (INTER_CUBIC) must be closer to it
  than linear.  Why cubic: it is 1.4 to 3.5 times closer on plates of 0.1 to
  0.3 cycles per pixel.

Usage: thumbnail.py CVAPP.  Prints the numbers; exit 1 on a failed check."""
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np


def plate(n, fmax, x, y):
    """127.5 + 127.5 cos(pi fmax / (n/2) r^2): fmax r / (n/2) cycles per pixel at radius r."""
    c = (n - 1) / 2
    return 127.5 + 127.5 * np.cos(np.pi * fmax / (n / 2) * ((x - c) ** 2 + (y - c) ** 2))


def run(cvapp, tmp, src, spec):
    out = os.path.join(tmp, "out.png")
    subprocess.run([cvapp, "-q", "-p", spec, "-o", out, src], check=True)
    return cv2.imread(out, cv2.IMREAD_UNCHANGED).astype(np.float64)


def main():
    cvapp = sys.argv[1]
    failed = 0

    def check(cond, what):
        nonlocal failed
        print(("ok   " if cond else "FAIL ") + what)
        failed += not cond

    with tempfile.TemporaryDirectory() as tmp:
        n = 1000
        y, x = np.mgrid[0:n, 0:n].astype(np.float64)
        src = os.path.join(tmp, "plate.png")
        cv2.imwrite(src, np.clip(np.rint(plate(n, 0.5, x, y)), 0, 255).astype(np.uint8))
        # Thumbnail pixels whose rings were above 0.1 cycle/pixel (twice the
        # thumbnail's Nyquist): radius over 200 source pixels, 20 thumbnail ones.
        t = n // 10
        ty, tx = np.mgrid[0:t, 0:t]
        r = np.hypot(tx - (t - 1) / 2, ty - (t - 1) / 2)
        high = (r > 20) & (r < t / 2 - 1)
        moire = {}
        for spec in ("resize scale=0.1", "resize scale=0.1 interp=linear",
                     "resize scale=0.1 interp=area", "resize width=100"):
            im = run(cvapp, tmp, src, spec)
            check(im.shape == (t, t), f"{spec}: {im.shape[1]}x{im.shape[0]}")
            moire[spec] = float(im[high].std())
            print(f"     {spec}: moire (std above Nyquist) {moire[spec]:.2f} levels")
        auto, linear = moire["resize scale=0.1"], moire["resize scale=0.1 interp=linear"]
        check(auto < 0.1 * linear, f"auto moire {auto:.2f} under a tenth of linear's {linear:.2f}")
        check(auto == moire["resize scale=0.1 interp=area"], "auto shrinking is area")
        check(moire["resize width=100"] < 0.1 * linear, "width=100 (auto) is alias-free too")

        n, s = 200, 4
        y, x = np.mgrid[0:n, 0:n].astype(np.float64)
        small = os.path.join(tmp, "small.png")
        cv2.imwrite(small, np.clip(np.rint(plate(n, 0.2, x, y)), 0, 255).astype(np.uint8))
        Y, X = np.mgrid[0:n * s, 0:n * s].astype(np.float64)
        truth = plate(n, 0.2, (X + 0.5) / s - 0.5, (Y + 0.5) / s - 0.5)
        inner = (slice(8, n * s - 8),) * 2
        err = {}
        for spec in ("resize scale=4", "resize scale=4 interp=linear", "resize scale=4 interp=cubic"):
            im = run(cvapp, tmp, small, spec)
            err[spec] = float(np.sqrt(((im - truth)[inner] ** 2).mean()))
            print(f"     {spec}: RMS error against the true plate {err[spec]:.2f} levels")
        check(err["resize scale=4"] == err["resize scale=4 interp=cubic"], "auto enlarging is cubic")
        check(err["resize scale=4"] < 0.5 * err["resize scale=4 interp=linear"],
              "auto enlarging is under half linear's error")
    print(f"{'FAILED' if failed else 'passed'}: {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
