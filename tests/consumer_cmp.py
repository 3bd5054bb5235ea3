#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""cv2's side of tests/consumer_test.sh, on the same raw pixels.

  consumer_cmp.py make IMAGE OUT.ppm       decode IMAGE with cv2, write a binary PPM
                                           of its BGR bytes in file order
  consumer_cmp.py check IN.ppm OUT.ppm KP  the consumer's outputs equal cv2's:
                                           GaussianBlur 5x5 sigma 1.5 then filter2D
                                           (a 3x3 sharpening kernel) byte for byte,
                                           ORB_create() detectAndCompute keypoints
                                           and descriptors line for line
  consumer_cmp.py ctypes LIB IN.ppm        load LIB with ctypes, run cvs_gaussian
                                           on a numpy array, compare with cv2
Prints one line per mismatch and exits 1 on any.
"""
import ctypes
import sys

import cv2
import numpy as np


def read_pnm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1
    magic, w, h = fields[0], int(fields[1]), int(fields[2])
    ch = 1 if magic == b"P5" else 3
    arr = np.frombuffer(data[pos:pos + w * h * ch], np.uint8)
    return arr.reshape((h, w, ch) if ch == 3 else (h, w))


def keypoint_lines(img):
    kps, desc = cv2.ORB_create().detectAndCompute(img, None)
    lines = ["%.9g %.9g %.9g %.9g %.9g %d" % (k.pt[0], k.pt[1], k.size, k.angle, k.response,
                                               k.octave) for k in kps]
    n = 0 if desc is None else desc.shape[0]
    lines.append("descriptors %d %d" % (n, 32 if n else 0))
    lines += [bytes(row).hex() for row in (desc if desc is not None else [])]
    return lines


def check(inp, out, kp_path):
    img = read_pnm(inp)
    bad = 0
    sharpen = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float64)
    want = cv2.filter2D(cv2.GaussianBlur(img, (5, 5), 1.5, sigmaY=0), -1, sharpen)
    got = read_pnm(out)
    if got.shape != want.shape or not np.array_equal(got, want):
        diff = "shape %s vs %s" % (got.shape, want.shape) if got.shape != want.shape else \
            "%d bytes differ" % int(np.count_nonzero(got != want))
        print("gaussian, filter2d: the consumer's result differs from cv2's: " + diff)
        bad += 1
    with open(kp_path) as f:
        got_lines = f.read().splitlines()
    want_lines = keypoint_lines(img)
    if got_lines != want_lines:
        first = next((i for i, (a, b) in enumerate(zip(got_lines, want_lines)) if a != b),
                     min(len(got_lines), len(want_lines)))
        print("orb: %d lines, cv2 %d; first difference at line %d: %r vs %r" % (
            len(got_lines), len(want_lines), first + 1,
            got_lines[first] if first < len(got_lines) else None,
            want_lines[first] if first < len(want_lines) else None))
        bad += 1
    n = sum(1 for line in want_lines if line.count(" ") == 5)
    print("compared %dx%d pixels and %d keypoints" % (img.shape[1], img.shape[0], n))
    return bad


class CvsImage(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("channels", ctypes.c_int),
                ("stride", ctypes.c_size_t), ("data", ctypes.POINTER(ctypes.c_uint8)),
                ("capacity", ctypes.c_size_t)]


def via_ctypes(lib_path, inp):
    lib = ctypes.CDLL(lib_path)
    lib.cvs_version_string.restype = ctypes.c_char_p
    lib.cvs_last_error.restype = ctypes.c_char_p
    lib.cvs_gaussian.argtypes = [ctypes.POINTER(CvsImage), ctypes.POINTER(CvsImage),
                                 ctypes.c_int, ctypes.c_double, ctypes.c_double]
    lib.cvs_gaussian.restype = ctypes.c_int
    lib.cvs_image_free.argtypes = [ctypes.POINTER(CvsImage)]
    img = np.ascontiguousarray(read_pnm(inp))
    ch = 1 if img.ndim == 2 else img.shape[2]
    # A borrowed view of the numpy array (capacity 0); dst is the library's.
    src = CvsImage(img.shape[1], img.shape[0], ch, img.strides[0],
                   img.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)), 0)
    dst = CvsImage()
    st = lib.cvs_gaussian(ctypes.byref(src), ctypes.byref(dst), 7, 2.0, 0.0)
    if st != 0:
        print("ctypes: cvs_gaussian failed (%d): %s" % (st, lib.cvs_last_error().decode()))
        return 1
    got = np.ctypeslib.as_array(dst.data, shape=(dst.height * dst.stride,)).copy()
    got = got.reshape(dst.height, dst.stride)[:, :dst.width * dst.channels]
    got = got.reshape(img.shape)
    lib.cvs_image_free(ctypes.byref(dst))
    want = cv2.GaussianBlur(img, (7, 7), 2.0, sigmaY=0)
    if not np.array_equal(got, want):
        print("ctypes: cvs_gaussian differs from cv2.GaussianBlur in %d bytes" %
              int(np.count_nonzero(got != want)))
        return 1
    print("ctypes: libcvshim %s: cvs_gaussian equals cv2.GaussianBlur on %dx%d" % (
        lib.cvs_version_string().decode(), img.shape[1], img.shape[0]))
    return 0


def main(argv):
    if argv[1] == "make":
        img = cv2.imread(argv[2], cv2.IMREAD_COLOR)
        if img is None:
            print("%s: cv2 cannot read it" % argv[2])
            return 1
        with open(argv[3], "wb") as f:
            f.write(b"P6\n%d %d\n255\n" % (img.shape[1], img.shape[0]))
            f.write(np.ascontiguousarray(img).tobytes())
        return 0
    if argv[1] == "check":
        return 1 if check(argv[2], argv[3], argv[4]) else 0
    if argv[1] == "ctypes":
        return via_ctypes(argv[2], argv[3])
    print("unknown mode " + argv[1])
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
