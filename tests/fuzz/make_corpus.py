#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora of the fuzz harnesses into tests/fuzz/corpus/.

    /usr/bin/python3 tests/fuzz/make_corpus.py CVAPP

CVAPP is a built cvapp (its --list-ops gives one seed spec per op).  The
images are the samples shrunk to a few dozen pixels (each file under 4 KB),
in the JPEG and PNG variants the decoders branch on: baseline, progressive,
restart markers, gray, odd sizes, an EXIF orientation, YCCK (CMYK), sampling
factors only the libjpeg fallback decodes (cjpeg -sample); PNG gray
at 1, 4, 8 and 16 bits, gray+alpha, RGB(A) at 8 and 16 bits, palettes with
transparency, interlaced.  The EXIF seeds are the TIFF blocks of the
hostile fixtures (tests/fixtures: every orientation, both byte orders, the
malformed ones) and a few written here.  The PNG files are written here, not by OpenCV,
so every variant is exactly what it says.  Regression inputs found by
fuzzing go into the same directories by hand; this script only adds and
overwrites its own seeds.
"""
import os
import re
import struct
import subprocess
import sys
import zlib

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from make_fixtures import cjpeg, tj_compress_cmyk  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
LIMIT = 4096


def sample(name, w, h, gray=False):
    img = cv2.imread(os.path.join(ROOT, "samples", name),
                     cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR)
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)


def write(kind, name, data):
    assert len(data) < LIMIT, f"{kind}/{name} is {len(data)} bytes"
    os.makedirs(os.path.join(CORPUS, kind), exist_ok=True)
    with open(os.path.join(CORPUS, kind, name), "wb") as f:
        f.write(data)


def jpeg(img, *params):
    ok, buf = cv2.imencode(".jpg", img, list(params))
    assert ok
    return buf.tobytes()


def with_exif_orientation(data, orientation):
    """The JPEG with an APP1 Exif segment (big-endian TIFF, one IFD entry:
    Orientation) right after SOI."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    tiff += struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
    tiff += struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + data[2:]


def small_icc(space=b"RGB ", n=600):
    """An ICC profile libpng accepts (header, no tags) of n bytes: for the
    metadata reader (app/meta.c) and the writers it feeds."""
    head = struct.pack(">I", n) + b"\0" * 4 + struct.pack(">I", 0x02100000) + b"mntr" + space
    head += b"XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 28 + struct.pack(">III", 0xF6D6, 0x10000, 0xD32D)
    head += b"\0" * (132 - len(head))
    return head + bytes((i * 7) & 255 for i in range(n - 132))


def exif_with_thumbnail(orientation):
    """Little-endian TIFF: IFD0 (Make, Orientation) linked to IFD1 with a
    thumbnail at the end, which cvapp cuts off when it carries the EXIF."""
    tiff = b"II\x2a\x00" + struct.pack("<I", 8) + struct.pack("<H", 2)
    tiff += struct.pack("<HHII", 0x010F, 2, 5, 38) + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
    tiff += struct.pack("<I", 44) + b"Acme\0\0" + struct.pack("<H", 2)
    tiff += struct.pack("<HHII", 0x0201, 4, 1, 74) + struct.pack("<HHII", 0x0202, 4, 1, 16)
    return tiff + struct.pack("<I", 0) + b"\xff\xd8" + b"\0" * 12 + b"\xff\xd9"


def with_icc_and_exif(data, icc, tiff, chunks=2):
    """The JPEG with APP1 Exif and the profile in `chunks` APP2 ICC_PROFILE
    segments after SOI."""
    seg = lambda m, body: b"\xff" + bytes([m]) + struct.pack(">H", len(body) + 2) + body
    out = seg(0xE1, b"Exif\0\0" + tiff)
    step = -(-len(icc) // chunks)
    for i in range(chunks):
        out += seg(0xE2, b"ICC_PROFILE\0" + bytes([i + 1, chunks]) + icc[i * step:(i + 1) * step])
    return data[:2] + out + data[2:]


def ycck_jpeg(bgr, quality=80):
    """A 4-component (YCCK, Adobe marker) JPEG through TurboJPEG's CMYK input."""
    rgb = bgr[:, :, ::-1].astype(np.int32)
    k = 255 - rgb.max(axis=2)
    cmyk = np.dstack([255 - rgb[:, :, 0] - k, 255 - rgb[:, :, 1] - k, 255 - rgb[:, :, 2] - k, k])
    cmyk = 255 - np.clip(cmyk, 0, 255).astype(np.uint8)  # Adobe: inverted
    return tj_compress_cmyk(cmyk, 2, quality)  # 4:2:0


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pack_rows(a, depth):
    """Rows of samples (h x w*channels, uint8 or uint16) as PNG scanlines."""
    rows = []
    for r in a:
        if depth == 16:
            rows.append(r.astype(">u2").tobytes())
        elif depth == 8:
            rows.append(r.astype(np.uint8).tobytes())
        else:
            per = 8 // depth
            vals = list(r) + [0] * (-len(r) % per)
            b = bytearray()
            for i in range(0, len(vals), per):
                v = 0
                for s in vals[i:i + per]:
                    v = (v << depth) | int(s)
                b.append(v)
            rows.append(bytes(b))
    return rows


# Adam7: (x0, y0, dx, dy) of each pass.
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2)]


def png(a, ctype, depth=8, palette=None, trns=None, interlace=False, filt=0):
    """a: h x w x channels (or h x w) array of samples; ctype: PNG color type."""
    if a.ndim == 2:
        a = a[:, :, None]
    h, w, ch = a.shape
    raw = b""
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        sub = a[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        for row in pack_rows(sub.reshape(sub.shape[0], -1), depth):
            raw += bytes([filt]) + (row if filt == 0 else sub_filter(row, depth, ch))
    out = b"\x89PNG\r\n\x1a\n"
    out += png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, int(interlace)))
    if palette is not None:
        out += png_chunk(b"PLTE", bytes(np.asarray(palette, np.uint8).reshape(-1)))
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    out += png_chunk(b"IDAT", zlib.compress(raw, 9))
    out += png_chunk(b"IEND", b"")
    return out


def sub_filter(row, depth, ch):
    bpp = max(1, depth * ch // 8)
    return bytes((row[i] - (row[i - bpp] if i >= bpp else 0)) & 255 for i in range(len(row)))


def images():
    bab = sample("baboon.jpg", 32, 32)
    home = sample("home.jpg", 40, 30)
    fruits_g = sample("fruits.jpg", 24, 24, gray=True)
    bld = sample("building.jpg", 17, 13)
    chess = sample("chessboard.png", 48, 48, gray=True)
    Q = cv2.IMWRITE_JPEG_QUALITY
    jp = {
        "baboon-420-q75.jpg": jpeg(bab, Q, 75),
        "home-progressive.jpg": jpeg(home, Q, 80, cv2.IMWRITE_JPEG_PROGRESSIVE, 1),
        "home-restart-optimized.jpg": jpeg(home, Q, 70, cv2.IMWRITE_JPEG_RST_INTERVAL, 1,
                                           cv2.IMWRITE_JPEG_OPTIMIZE, 1),
        "fruits-gray.jpg": jpeg(fruits_g, Q, 80),
        "building-17x13.jpg": jpeg(bld, Q, 60),
        "one-pixel.jpg": jpeg(bab[:1, :1], Q, 90),
        "baboon-exif-orientation6.jpg": with_exif_orientation(jpeg(bab[:16, :24], Q, 50), 6),
        "baboon-ycck.jpg": ycck_jpeg(bab[:16, :16]),
        "baboon-icc-exif.jpg": with_icc_and_exif(jpeg(bab[:16, :16], Q, 50), small_icc(),
                                                 exif_with_thumbnail(6)),
        "chessboard-gray.jpg": jpeg(chess, Q, 50),
        # Sampling factors TurboJPEG 2.1 cannot name: the libjpeg fallback.
        "baboon-410-cjpeg.jpg": cjpeg(bab[:16, :24], "-sample", "4x2,1x1,1x1", "-quality", "50"),
        "baboon-chroma-finer-cjpeg.jpg": cjpeg(bab[:16, :16], "-sample", "1x1,2x2,2x2"),
        "home-1x3-progressive-cjpeg.jpg": cjpeg(home[:20, :20], "-sample", "1x3,1x1,1x1",
                                                "-progressive"),
    }
    rgb = lambda bgr: bgr[:, :, ::-1]
    g16 = fruits_g.astype(np.uint16) * 257
    alpha = np.full(fruits_g.shape, 200, np.uint8)
    small = rgb(sample("fruits.jpg", 12, 10))
    pal_idx = (fruits_g[:16, :16] >> 6).astype(np.uint8)  # 4 levels
    palette = [(0, 0, 0), (255, 0, 0), (0, 255, 0), (255, 255, 255)]
    pn = {
        "gray8.png": png(fruits_g, 0),
        "gray1-chessboard.png": png((chess > 127).astype(np.uint8), 0, depth=1),
        "gray4.png": png(fruits_g[:10, :9] >> 4, 0, depth=4),
        "gray16.png": png(g16[:12, :12], 0, depth=16),
        "gray-alpha.png": png(np.dstack([fruits_g, alpha])[:12, :12], 4),
        "rgb8-sub-filter.png": png(small, 2, filt=1),
        "rgba8.png": png(np.dstack([small, np.full(small.shape[:2], 128, np.uint8)]), 6),
        "rgb16.png": png(small[:6, :6].astype(np.uint16) * 257, 2, depth=16),
        "palette2-trns.png": png(pal_idx, 3, depth=2, palette=palette, trns=b"\x00\xff"),
        "palette8.png": png(np.arange(64, dtype=np.uint8).reshape(8, 8), 3,
                            palette=[(i * 4, 255 - i * 4, i) for i in range(64)]),
        "rgb8-interlaced.png": png(rgb(sample("home.jpg", 13, 11)), 2, interlace=True),
        "gray8-interlaced.png": png(fruits_g[:9, :7], 0, interlace=True),
        "chessboard-opencv.png": cv2.imencode(".png", chess[:24, :24])[1].tobytes(),
        "rgb-trns.png": png(small[:6, :6], 2, trns=struct.pack(">HHH", *small[0, 0])),
        "gray-trns.png": png(fruits_g[:8, :8], 0, trns=struct.pack(">H", int(fruits_g[0, 0]))),
    }
    # Alpha with iCCP and eXIf: what cvapp reads (app/meta.c) and writes back.
    rgba = pn["rgba8.png"]
    extra = png_chunk(b"iCCP", b"icc\0\0" + zlib.compress(small_icc())) + \
        png_chunk(b"eXIf", exif_with_thumbnail(3))
    pn["rgba-iccp-exif.png"] = rgba[:33] + extra + rgba[33:]
    return jp, pn, {"bab": bab, "home": home, "chess": chess, "fruits_g": fruits_g}


def exif_blocks():
    """{name: TIFF block} for fuzz_exif: the EXIF of every fixture that has one
    (a JPEG's first APP1 after "Exif\\0\\0", a PNG's eXIf chunks), and blocks
    whose orientation entry follows entries the reader must step over."""
    fx = os.path.join(ROOT, "tests", "fixtures")
    out = {}
    for name in sorted(os.listdir(fx)):
        with open(os.path.join(fx, name), "rb") as f:
            data = f.read()
        stem = os.path.splitext(name)[0]
        if data[:2] == b"\xff\xd8":
            i = data.find(b"\xff\xe1")
            if i > 0:
                n = struct.unpack(">H", data[i + 2:i + 4])[0]
                out[f"{stem}.tiff"] = data[i + 10:i + 2 + n]
        elif data[:4] == b"\x89PNG":
            i, k = 8, 0
            while i + 8 <= len(data):
                n = struct.unpack(">I", data[i:i + 4])[0]
                if data[i + 4:i + 8] == b"eXIf":
                    out[f"{stem}-{k}.tiff"] = data[i + 8:i + 8 + n]
                    k += 1
                i += 12 + n
    def block(le, entries):
        e = "<" if le else ">"
        t = (b"II*\x00" if le else b"MM\x00*") + struct.pack(e + "I", 8)
        t += struct.pack(e + "H", len(entries))
        data_at = 8 + 2 + 12 * len(entries) + 4
        tail = b""
        for tag, typ, count, value in entries:
            if isinstance(value, bytes):
                t += struct.pack(e + "HHII", tag, typ, count, data_at + len(tail))
                tail += value
            else:
                t += struct.pack(e + "HHIHH", tag, typ, count, value, 0)
        return t + b"\0\0\0\0" + tail
    for le in (0, 1):
        bo = "le" if le else "be"
        out[f"make-resolution-orient5-{bo}.tiff"] = block(le, [
            (0x010F, 2, 9, b"OpenCV!!\0"), (0x011A, 5, 1, b"\0\0\0\x48\0\0\0\x01"),
            (0x0128, 3, 1, 2), (0x0112, 3, 1, 5)])
        out[f"white-point-orient7-{bo}.tiff"] = block(le, [
            (0x013E, 5, 2, b"\0" * 16), (0x0213, 3, 1, 1), (0x0112, 3, 1, 7)])
    return out


README_SPECS = [
    "grayscale | gaussian ksize=5 sigma=1.5 | orb nfeatures=500 | canny low=50 high=150",
    "grayscale | canny low=30 high=90",
    "orb nfeatures=1000 descriptors=true",
    "gaussian ksize=9",
    "grayscale | gaussian ksize=5 sigma=1.5",
    "resize width=320 height=180 interp=area",
]


def op_table(cvapp):
    """{op: [(param, type, default, allowed)]} from cvapp --list-ops."""
    text = subprocess.run([cvapp, "--list-ops"], check=True, capture_output=True,
                          text=True).stdout
    ops, op = {}, None
    for line in text.splitlines():
        m = re.match(r"^(\w+) \((filter|detector)\)$", line)
        if m:
            op = m.group(1)
            ops[op] = []
            continue
        m = re.match(r"^    (\w+)\s+(int|real|bool|choice|kernel|path)\s+default (\S+)\s+(\S+)", line)
        if m and op:
            ops[op].append(m.groups())
    return ops


def op_specs(ops):
    """One spec per op, every parameter given its default."""
    specs = {op: " ".join([op] + [f"{p}={d}" for p, _, d, _ in params])
             for op, params in ops.items()}
    specs["resize"] = "resize width=8 height=6 interp=cubic"
    specs["crop"] = "crop x=1 y=2 width=5 height=4"
    specs["convolve"] = 'convolve kernel="1 2 1; 2 4 2; 1 2 1" scale=0.0625 border=replicate'
    specs["template"] = "template ref=stamp.png method=sqdiff_normed threshold=0.1 max_count=3"
    return specs


def pipeline_dict(ops):
    """libFuzzer dictionary: op names, "param=", choices, the separators."""
    words = {" | ", "|", "=", "#", "\n", " ", "true", "false", "yes", "off", "0", "1", "-1",
             "1e9", "0.5", "65535", "255", "@", "\"", "'", ";", ","}
    for op, params in ops.items():
        words.add(op)
        for p, kind, _, allowed in params:
            words.add(p + "=")
            if kind == "choice":
                words.update(allowed.split("|"))
    # libFuzzer's dictionary escapes: \\, \" and \xNN only.
    esc = lambda w: "".join(c if c.isprintable() and c not in '\\"' else
                            ("\\" + c if c in '\\"' else f"\\x{ord(c):02x}") for c in w)
    lines = ["# Generated by tests/fuzz/make_corpus.py from cvapp --list-ops: op names,",
             "# parameter names with their '=', choices and separators."]
    lines += [f"\"{esc(w)}\"" for w in sorted(words) if w]
    return ("\n".join(lines) + "\n").encode()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    jp, pn, src = images()
    for name, data in jp.items():
        write("jpeg", name, data)
    for name, data in pn.items():
        write("png", name, data)

    for name, data in exif_blocks().items():
        write("exif", name, data)

    ops = op_table(sys.argv[1])
    with open(os.path.join(HERE, "pipeline.dict"), "wb") as f:
        f.write(pipeline_dict(ops))
    specs = op_specs(ops)
    for op, spec in specs.items():
        write("pipeline_parse", f"op-{op}.txt", spec.encode())
    for i, spec in enumerate(README_SPECS):
        write("pipeline_parse", f"readme-{i}.txt", spec.encode())
    for name in ("edges.pipeline", "features.pipeline"):
        with open(os.path.join(ROOT, "samples", name), "rb") as f:
            write("pipeline_parse", name, f.read())
    write("pipeline_parse", "all-ops.txt", " | ".join(specs[op] for op in specs).encode())
    write("pipeline_parse", "errors.txt",
          b"gausian ksize=4\nblur ksize=0 | | sobel dx=0 dy=0\n# comment\n  \n")

    color = jpeg(src["bab"], cv2.IMWRITE_JPEG_QUALITY, 70)
    chess = png(src["chess"], 0)
    home = jpeg(src["home"], cv2.IMWRITE_JPEG_QUALITY, 70)
    gray_png = pn["gray8.png"]
    runs = {
        "default-color-jpeg": (README_SPECS[0], 0, color),
        "default-luma-only": (README_SPECS[0], 1, home),
        "edges-file": (open(os.path.join(ROOT, "samples", "edges.pipeline")).read(), 0, chess),
        "orb-descriptors": ("orb nfeatures=50 descriptors=true edge_threshold=4 patch_size=8",
                            0, color),
        "shrink-resize-rotate-crop": ("resize width=12 height=10 interp=area | rotate angle=270"
                                      " | crop x=1 y=1 width=6 height=8 | flip axis=both",
                                      4 << 1, home),
        "otsu-contours-draw": ("threshold type=otsu | contours mode=tree method=none | "
                               "draw color=red thickness=2", 16, chess),
        "hough": ("canny low=20 high=60 | hough_lines threshold=10 min_length=5 | "
                  "hough_circles param2=10 min_dist=5 | draw", 0, chess),
        "descriptors": ("sift descriptors=true | akaze descriptors=true | "
                        "brisk descriptors=true octaves=1", 0, color),
        "corners": ("harris | gftt max_corners=20 | fast threshold=20 | blobs min_area=4", 0,
                    chess),
        "filters": ("median ksize=3 | bilateral d=5 | sharpen | laplacian ksize=3 | "
                    "normalize | convert alpha=1.5 beta=-10 | invert", 0, color),
        "gray-filters": ("grayscale | clahe tile=4 | equalize | adaptive_threshold block=5 | "
                         "open ksize=3 shape=ellipse | sobel dx=1 dy=1 ksize=3 | scharr", 1,
                         gray_png),
        "scale-up": ("resize scale=2 interp=lanczos | blur ksize=5 | tophat | blackhat", 0,
                     gray_png),
    }
    for name, (spec, flags, image) in runs.items():
        write("pipeline_run", name, spec.encode() + b"\0" + bytes([flags]) + image)


if __name__ == "__main__":
    main()
