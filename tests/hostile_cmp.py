#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Compares cvapp's decoded outputs with OpenCV's own imread (python3-opencv).

usage: /usr/bin/python3 hostile_cmp.py MODE SRC GOT [MODE SRC GOT ...]

GOT is a lossless PNG that cvapp wrote from SRC with a pipeline that does
not change pixels (or with the step named by MODE); it must equal OpenCV's
result exactly:
  color       cv2.imread(SRC, IMREAD_COLOR)
  color-ign   cv2.imread(SRC, IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION)
  gray        cv2.imread(SRC, IMREAD_GRAYSCALE)            (JPEG luma decoding)
  gray-ign    the same with IMREAD_IGNORE_ORIENTATION
  cvt         cv2.cvtColor(cv2.imread(SRC), COLOR_BGR2GRAY) (a gray image as is)
  cvt-ign     the same with IMREAD_IGNORE_ORIENTATION
  shrinkN:WxH cv2.resize(cv2.imread(SRC, IMREAD_REDUCED_COLOR_N), (W, H),
              interpolation=INTER_AREA)                    (shrink on load)
  shrinkN-ign:WxH  the same with IMREAD_IGNORE_ORIENTATION
  none        OpenCV cannot read SRC either (GOT is not read; give "-")
cvapp keeps a gray image one channel where IMREAD_COLOR repeats it in
three: then OpenCV's three channels must be equal and equal cvapp's one.
No tolerance: 16-bit samples keep their high byte in both.
Prints one line per pair, "ok ...", "FAIL ..." or "SKIP ..." (no reference
to compare with on this OpenCV); exits 1 if any failed.
"""
import sys

import cv2
import numpy as np


def want(mode, src):
    ign = cv2.IMREAD_IGNORE_ORIENTATION
    if mode == "color":
        return cv2.imread(src, cv2.IMREAD_COLOR)
    if mode == "color-ign":
        return cv2.imread(src, cv2.IMREAD_COLOR | ign)
    if mode == "gray":
        return cv2.imread(src, cv2.IMREAD_GRAYSCALE)
    if mode == "gray-ign":
        return cv2.imread(src, cv2.IMREAD_GRAYSCALE | ign)
    if mode in ("cvt", "cvt-ign"):
        im = cv2.imread(src, cv2.IMREAD_COLOR | (ign if mode == "cvt-ign" else 0))
        return cv2.cvtColor(im, cv2.COLOR_BGR2GRAY) if im is not None else None
    if mode.startswith("shrink"):
        n, size = mode[6:].split(":")
        extra = 0
        if n.endswith("-ign"):
            n, extra = n[:-4], ign
        w, h = map(int, size.split("x"))
        flag = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
                8: cv2.IMREAD_REDUCED_COLOR_8}[int(n)]
        return cv2.resize(cv2.imread(src, flag | extra), (w, h), interpolation=cv2.INTER_AREA)
    raise SystemExit(f"unknown mode {mode}")


# cvapp applies EXIF orientation as OpenCV 4.6 does. OpenCV 4.5 (Debian 11)
# applies none to PNG and reads an oversized EXIF count differently, so
# with it those cases have no reference to compare with.
OLD_EXIF = tuple(int(x) for x in cv2.__version__.split(".")[:2]) < (4, 6)


def no_reference(mode, src):
    oriented = mode != "none" and "ign" not in mode
    return OLD_EXIF and oriented and (src.endswith(".png") or src.endswith("exif_huge_count.jpg"))


def gray_trns(src):
    """A gray PNG's bit depth and tRNS key (None without one)."""
    data = open(src, "rb").read()
    depth, pos = data[24], 8
    while pos + 8 <= len(data):
        n, kind = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8]
        if kind == b"tRNS" and n >= 2:
            return depth, int.from_bytes(data[pos + 8:pos + 10], "big")
        if kind == b"IDAT":
            break
        pos += n + 12
    return depth, None


def compare(mode, src, got_path):
    if mode == "none":
        return None if cv2.imread(src, cv2.IMREAD_COLOR) is None else "OpenCV reads it"
    ref = want(mode, src)
    got = cv2.imread(got_path, cv2.IMREAD_UNCHANGED)
    if ref is None:
        return "OpenCV cannot read it"
    if got is None:
        return "cvapp's output does not decode"
    if got.ndim == 3 and got.shape[2] == 4:
        # The pipeline kept alpha (docs/images.md, "Alpha and metadata"):
        # B, G, R are IMREAD_COLOR's, alpha is IMREAD_UNCHANGED's (its high
        # byte when 16-bit), which orients nothing: no such fixture is turned.
        full = cv2.imread(src, cv2.IMREAD_UNCHANGED)
        if full.ndim == 2:
            # Gray with a tRNS key, which imread drops and cvapp keeps:
            # alpha 0 exactly where the stored sample is the key.
            depth, key = gray_trns(src)
            if key is None:
                return f"cvapp gave alpha, OpenCV's IMREAD_UNCHANGED has {full.shape}"
            if depth < 8:
                key = key * 255 // ((1 << depth) - 1)  # as imread expands low depths
            alpha = np.where(full == key, 0, 255)
        elif full.ndim != 3 or full.shape[2] != 4:
            return f"cvapp gave alpha, OpenCV's IMREAD_UNCHANGED has {full.shape}"
        else:
            alpha = full[..., 3] >> 8 if full.dtype == np.uint16 else full[..., 3]
        if not np.array_equal(got[..., 3], alpha.astype(np.uint8)):
            return "alpha differs from IMREAD_UNCHANGED's"
        got = got[..., :3]
    if got.ndim == 2 and ref.ndim == 3:
        if not (np.array_equal(ref[..., 0], ref[..., 1]) and np.array_equal(ref[..., 0], ref[..., 2])):
            return f"cvapp gave gray, OpenCV color {ref.shape}"
        ref = ref[..., 0]
    if got.shape != ref.shape:
        return f"shape {got.shape}, OpenCV {ref.shape}"
    if not np.array_equal(got, ref):
        d = np.abs(got.astype(int) - ref.astype(int))
        return f"{int((d > 0).sum())} values differ (max {int(d.max())})"
    return None


def main(args):
    if len(args) % 3:
        raise SystemExit(__doc__)
    bad = 0
    for i in range(0, len(args), 3):
        mode, src, got = args[i:i + 3]
        if no_reference(mode, src):
            print(f"SKIP {mode} {src}: not compared, OpenCV {cv2.__version__} orients it otherwise")
            continue
        problem = compare(mode, src, got)
        print(f"{'FAIL' if problem else 'ok'} {mode} {src}" + (f": {problem}" if problem else ""))
        bad += problem is not None
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
