#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What a user would write instead of cvapp: a plain python3-opencv loop.

usage: pyloop.py reference|filter|thumb OUTDIR INPUT...
"""
import json
import os
import sys

import cv2


def stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def main():
    mode, outdir, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(outdir, exist_ok=True)
    orb = cv2.ORB_create(500)
    for path in inputs:
        img = cv2.imread(path)
        if mode == "thumb":
            h, w = img.shape[:2]  # 320 wide, the height as cvapp rounds it
            small = cv2.resize(img, (320, max(1, round(320 * h / w))), interpolation=cv2.INTER_AREA)
            cv2.imwrite(os.path.join(outdir, stem(path) + ".jpg"), small, [cv2.IMWRITE_JPEG_QUALITY, 95])
            continue
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        blur = cv2.GaussianBlur(gray, (5, 5), 1.5)
        if mode == "filter":
            cv2.imwrite(os.path.join(outdir, stem(path) + ".png"), blur)
            continue
        kps = orb.detect(blur)
        edges = cv2.Canny(blur, 50, 150)
        cv2.imwrite(os.path.join(outdir, stem(path) + ".png"), edges)
        with open(os.path.join(outdir, stem(path) + ".json"), "w") as f:
            json.dump({"input": path, "width": img.shape[1], "height": img.shape[0],
                       "keypoints": [{"x": k.pt[0], "y": k.pt[1], "size": k.size, "angle": k.angle,
                                      "response": k.response, "octave": k.octave} for k in kps]}, f)


if __name__ == "__main__":
    main()
