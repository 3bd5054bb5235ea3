#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the JPEG/PNG conformance set of tests/conformance_test.sh.

    /usr/bin/python3 tests/conformance/make_conformance.py OUTDIR JPEG_CMYK

OUTDIR gets the files and OUTDIR/expect.txt, one line a file:
    NAME|decode                    libjpeg/libpng decode it: cvapp must equal imread
    NAME|refuse|REASON             cvapp must exit 1 naming REASON (libjpeg's or
                                   libpng's own words), leaving nothing behind
    NAME|strict|REASON             the same, but imread decodes it (a documented
                                   difference: libjpeg warned, or failed only after
                                   the last row)
JPEG_CMYK is the built tests/conformance/jpeg_cmyk (CMYK and YCCK files).

JPEG (Debian's cjpeg, libjpeg-turbo-progs): sampling factors 1..4 per axis per
component that libjpeg accepts (all with Cb = Cr, a fixed sample of the others,
and the ones TurboJPEG 2.1 cannot name), chroma finer than luma; baseline,
progressive, arithmetic, optimised, restart intervals, RGB, gray, CMYK/YCCK at
several samplings, odd sizes, with and without an EXIF orientation; corrupt
files each breaking one thing.  PNG (written here with zlib): every colour type
at every bit depth, interlaced or not, tRNS, sBIT, gAMA, iCCP, bKGD, cHRM,
sRGB, text chunks, every filter type, 1xN and Nx1; corrupt files each breaking
one thing.  Nothing random: the same files every run.
"""
import itertools
import os
import random
import struct
import subprocess
import sys
import zlib

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fuzz"))
from make_corpus import ADAM7, pack_rows as pack, png_chunk as chunk  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

OUT = None
EXPECT = []


def put(name, data, kind="decode", reason=""):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    EXPECT.append(f"{name}|{kind}" + (f"|{reason}" if reason else ""))


def image(w, h):
    img = cv2.imread(os.path.join(ROOT, "samples", "baboon.jpg"), cv2.IMREAD_COLOR)
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)


# ---------------------------------------------------------------- JPEG

def cjpeg(ppm, *args):
    r = subprocess.run(["cjpeg", *args], input=ppm, capture_output=True)
    return r.stdout if r.returncode == 0 else None


def ppm(bgr):
    h, w = bgr.shape[:2]
    if bgr.ndim == 2:
        return b"P5 %d %d 255\n" % (w, h) + bgr.tobytes()
    return b"P6 %d %d 255\n" % (w, h) + bgr[:, :, ::-1].tobytes()


def with_exif(data, orientation):
    """An APP1 Exif segment (little-endian TIFF, IFD0: Orientation) after SOI."""
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1)
    tiff += struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0)
    payload = b"Exif\x00\x00" + tiff
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + data[2:]


def segments(data):
    """(marker, offset of 0xFF, length incl. marker) of each header segment up to SOS."""
    out, i = [], 2
    while i + 4 <= len(data):
        m = data[i + 1]
        n = struct.unpack(">H", data[i + 2:i + 4])[0]
        out.append((m, i, n + 2))
        if m == 0xDA:
            break
        i += n + 2
    return out


def seg(data, marker):
    return next((o, n) for m, o, n in segments(data) if m == marker)


def sampling_sets():
    f = [(h, v) for h in range(1, 5) for v in range(1, 5)]
    valid = []
    for c in itertools.product(f, f, f):
        mh, mv = max(x[0] for x in c), max(x[1] for x in c)
        if any(mh % x[0] or mv % x[1] for x in c) or sum(x[0] * x[1] for x in c) > 10:
            continue
        valid.append(c)
    same = [c for c in valid if c[1] == c[2]]
    rest = [c for c in valid if c[1] != c[2]]
    random.Random(14).shuffle(rest)
    named = [((4, 2), (1, 1), (1, 1)), ((2, 4), (1, 1), (1, 1)), ((1, 4), (1, 1), (1, 1)),
             ((1, 3), (1, 1), (1, 1)), ((2, 2), (2, 1), (1, 1)), ((4, 1), (2, 1), (2, 2)),
             ((1, 1), (2, 2), (2, 2)), ((1, 1), (1, 2), (2, 1))]
    return list(dict.fromkeys(same + rest[:50] + named))


def samp_name(c):
    return "_".join(f"{h}x{v}" for h, v in c)


def jpegs(cmyk_tool):
    bgr = image(45, 37)
    src, gray = ppm(bgr), ppm(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    n = 0
    for c in sampling_sets():
        s = ",".join(f"{h}x{v}" for h, v in c)
        data = cjpeg(src, "-sample", s)
        if data is None:  # too many blocks for an interleaved scan: progressive only
            data = cjpeg(src, "-sample", s, "-progressive")
        if data is not None:
            put(f"j_samp_{samp_name(c)}.jpg", data)
            n += 1
    # 4x1 luma with 1x4 chroma: 12 blocks, only in non-interleaved (progressive) scans.
    data = cjpeg(src, "-sample", "4x1,1x4,1x4", "-progressive")
    if data:
        put("j_samp_4x1_1x4_1x4_prog.jpg", data)
    modes = {"prog": ["-progressive"], "arith": ["-arithmetic"],
             "prog_arith": ["-progressive", "-arithmetic"], "opt": ["-optimize"],
             "rst1": ["-restart", "1"], "rst3b": ["-restart", "3B"], "q100": ["-quality", "100"],
             "q5": ["-quality", "5"], "rgb": ["-rgb"], "fastdct": ["-dct", "fast"],
             "smooth": ["-smooth", "30"]}
    for samp in ("2x2,1x1,1x1", "4x2,1x1,1x1", "1x1,2x2,2x2", "2x2,2x1,1x1"):
        for m, args in modes.items():
            data = cjpeg(src, "-sample", samp, *args)
            put(f"j_{m}_{samp.replace(',', '_')}.jpg", data)
    for m, args in (("gray", []), ("gray_prog", ["-progressive"]), ("gray_arith", ["-arithmetic"]),
                    ("gray_2x2", ["-sample", "2x2"]), ("gray_rst", ["-restart", "1"])):
        put(f"j_{m}.jpg", cjpeg(gray, "-grayscale", *args))
    for w, h in ((1, 1), (1, 40), (40, 1), (17, 13), (9, 33)):
        small = ppm(cv2.resize(bgr, (w, h), interpolation=cv2.INTER_AREA))
        for samp in ("2x2,1x1,1x1", "4x1,1x1,1x1", "1x2,2x1,1x1"):
            put(f"j_size_{w}x{h}_{samp.replace(',', '_')}.jpg", cjpeg(small, "-sample", samp))
    # CMYK and YCCK (Adobe), with the sampling the issue names (2x2 first, K 1x1).
    for cs in ("cmyk", "ycck"):
        for samp in ("1x1,1x1,1x1,1x1", "2x2,1x1,1x1,2x2", "2x2,1x1,1x1,1x1", "2x1,1x1,1x1,1x2",
                     "1x1,2x2,2x2,1x1"):
            for prog in ("", "progressive"):
                name = os.path.join(OUT, f"j_{cs}_{samp.replace(',', '_')}{'_prog' if prog else ''}.jpg")
                subprocess.run([cmyk_tool, name, "45", "37", cs, samp] + ([prog] if prog else []),
                               check=True)
                EXPECT.append(f"{os.path.basename(name)}|decode")
    # EXIF orientation on the fast path, the fallback, gray and CMYK.
    bases = {"420": cjpeg(src, "-sample", "2x2,1x1,1x1"), "410": cjpeg(src, "-sample", "4x2,1x1,1x1"),
             "gray": cjpeg(gray, "-grayscale"), "prog_1x3": cjpeg(src, "-sample", "1x3,1x1,1x1",
                                                                "-progressive")}
    subprocess.run([cmyk_tool, os.path.join(OUT, "cmyk.tmp"), "45", "37", "cmyk",
                    "2x2,1x1,1x1,1x1"], check=True)
    with open(os.path.join(OUT, "cmyk.tmp"), "rb") as f:
        bases["cmyk_2x2"] = f.read()
    os.unlink(os.path.join(OUT, "cmyk.tmp"))
    for b, data in bases.items():
        for o in range(1, 9):
            put(f"j_exif{o}_{b}.jpg", with_exif(data, o))
    corrupt_jpegs(bases["420"], bases["410"], bases["prog_1x3"])


def corrupt_jpegs(d420, d410, dprog):
    for tag, good in (("tj", d420), ("lj", d410)):
        sos, sos_n = seg(good, 0xDA)
        sof, _ = seg(good, 0xC0)
        body = sos + sos_n
        # Truncations: the data ends early, or the EOI is missing.
        put(f"j_bad_{tag}_truncated.jpg", good[:body + (len(good) - body) // 2], "strict",
            "corrupt JPEG data: Premature end of JPEG file")
        put(f"j_bad_{tag}_no_eoi.jpg", good[:-2], "strict",
            "corrupt JPEG data: Premature end of JPEG file")
        # Junk between segments: libjpeg warns and skips it.
        dqt, _ = seg(good, 0xDB)
        put(f"j_bad_{tag}_extraneous.jpg", good[:dqt] + b"\x00\x01\x02" + good[dqt:], "strict",
            "corrupt JPEG header: 3 extraneous bytes before marker 0xdb")
        # A marker libjpeg does not know, after the last row.
        put(f"j_bad_{tag}_trailer_marker.jpg", good[:-2] + b"\xff\x02" + good[-2:], "strict",
            "corrupt JPEG data: Unsupported marker type 0x02")
        # Scrambled entropy-coded data.
        data = bytearray(good)
        for i in range(body + 10, len(data) - 2, 7):
            data[i] = 0xFF if i % 2 else 0x00
        put(f"j_bad_{tag}_scrambled.jpg", bytes(data).replace(b"\xff\xff", b"\xff\x00"), "strict",
            "corrupt JPEG data: ")
        # SOS naming a component count of 0 (Invalid SOS parameters? no: "Invalid component ...").
        bad = bytearray(good)
        bad[sos + 4] = 0  # Ns = 0
        put(f"j_bad_{tag}_sos_ns0.jpg", bytes(bad), "refuse", "corrupt JPEG header: ")
        # SOF: precision 12 (an 8-bit library), zero width, 5 components announced.
        bad = bytearray(good)
        bad[sof + 4] = 12
        put(f"j_bad_{tag}_12bit.jpg", bytes(bad), "refuse",
            "unsupported JPEG: Unsupported JPEG data precision 12")
        bad = bytearray(good)
        bad[sof + 7:sof + 9] = b"\x00\x00"
        put(f"j_bad_{tag}_width0.jpg", bytes(bad), "refuse",
            "corrupt JPEG header: Empty JPEG image (DNL not supported)")
        # A Huffman table definition that overflows.
        dht, _ = seg(good, 0xC4)
        bad = bytearray(good)
        bad[dht + 5:dht + 21] = b"\xff" * 16
        put(f"j_bad_{tag}_dht.jpg", bytes(bad), "refuse",
            "corrupt JPEG header: Bogus Huffman table definition")
        # A quantization table index out of range.
        bad = bytearray(good)
        bad[dqt + 4] = 0x07
        put(f"j_bad_{tag}_dqt.jpg", bytes(bad), "refuse", "corrupt JPEG header: Bogus DQT index 7")
        put(f"j_bad_{tag}_header_only.jpg", good[:sos], "refuse", "corrupt JPEG header: ")
    # Sampling ratios that are not whole: Y 3x1 over Cb 2x1 (libjpeg cannot upsample).
    sof, _ = seg(d410, 0xC0)
    bad = bytearray(d410)
    bad[sof + 11], bad[sof + 14] = 0x31, 0x21
    put("j_bad_fractional_sampling.jpg", bytes(bad), "refuse",
        "unsupported JPEG: Fractional sampling not implemented yet")
    # Progressive: a scan with an invalid spectral selection.
    sos, _ = seg(dprog, 0xDA)
    bad = bytearray(dprog)
    ns = bad[sos + 4]
    bad[sos + 5 + 2 * ns] = 70  # Ss past 63
    put("j_bad_prog_sos.jpg", bytes(bad), "refuse",
        "corrupt JPEG data: Invalid progressive parameters Ss=70")


# ----------------------------------------------------------------- PNG

def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def filt(row, prev, kind, bpp):
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i] if prev is not None else 0
        c = prev[i - bpp] if prev is not None and i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x - pred) & 255)
    return bytes(out)


def idat_raw(a, depth, interlace, filters=(0,)):
    h, w, ch = a.shape
    bpp = max(1, depth * ch // 8)
    raw = b""
    for x0, y0, dx, dy in (ADAM7 if interlace else [(0, 0, 1, 1)]):
        sub = a[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prev = None
        for k, row in enumerate(pack(sub.reshape(sub.shape[0], -1), depth)):
            f = filters[k % len(filters)]
            raw += bytes([f]) + filt(row, prev, f, bpp)
            prev = row
    return raw


def png(a, ctype, depth=8, interlace=False, extra=(), after=(), filters=(0,), palette=None,
        ihdr=None, raw=None, idat=None, end=True):
    if a.ndim == 2:
        a = a[:, :, None]
    h, w = a.shape[:2]
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", ihdr or struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, int(interlace)))
    for kind, body in extra:
        out += chunk(kind, body)
    if palette is not None:
        out += chunk(b"PLTE", bytes(np.asarray(palette, np.uint8).reshape(-1)))
    if raw is None:
        raw = idat_raw(a, depth, interlace, filters)
    data = idat if idat is not None else zlib.compress(raw, 9)
    # Two IDAT chunks when there is enough data: libpng joins them.
    half = len(data) // 2 if len(data) > 64 else len(data)
    out += chunk(b"IDAT", data[:half]) + (chunk(b"IDAT", data[half:]) if half < len(data) else b"")
    for kind, body in after:
        out += chunk(kind, body)
    return out + (chunk(b"IEND", b"") if end else b"")


def pngs():
    bgr = image(29, 21)
    rgb = bgr[:, :, ::-1]
    g8 = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    y, x = np.mgrid[0:21, 0:29]
    g16 = (g8.astype(np.uint16) * 257) ^ ((x * 37 + y * 11) & 255).astype(np.uint16)
    rgb16 = rgb.astype(np.uint16) * 257 + ((x * 7 + y * 3) & 255)[:, :, None].astype(np.uint16)
    alpha = ((x * 9 + y * 5) % 256).astype(np.uint8)
    for il in (False, True):
        t = "_il" if il else ""
        for depth in (1, 2, 4, 8, 16):
            g = g16 if depth == 16 else g8 >> (8 - depth)
            put(f"p_gray{depth}{t}.png", png(g, 0, depth, il))
            trns = struct.pack(">H", int(g[3, 4]))
            put(f"p_gray{depth}_trns{t}.png", png(g, 0, depth, il, extra=[(b"tRNS", trns)]))
        for depth in (1, 2, 4, 8):
            n = 1 << depth
            pal = [((i * 97) % 256, (i * 53 + 20) % 256, (255 - i * 31) % 256) for i in range(n)]
            idx = (g8 >> (8 - depth)).astype(np.uint8)
            put(f"p_pal{depth}{t}.png", png(idx, 3, depth, il, palette=pal))
        for depth, a in ((8, rgb), (16, rgb16)):
            put(f"p_rgb{depth}{t}.png", png(a, 2, depth, il))
            trns = struct.pack(">HHH", *map(int, a[2, 2]))
            put(f"p_rgb{depth}_trns{t}.png", png(a, 2, depth, il, extra=[(b"tRNS", trns)]))
            al = alpha.astype(np.uint16) * 257 if depth == 16 else alpha
            put(f"p_rgba{depth}{t}.png", png(np.dstack([a, al]), 6, depth, il))
            ga = g16 if depth == 16 else g8
            put(f"p_graya{depth}{t}.png", png(np.dstack([ga, al]), 4, depth, il))
    # Palettes with tRNS (PLTE must come first: written by hand).
    for depth, il in itertools.product((1, 2, 4, 8), (False, True)):
        n = 1 << depth
        pal = [((i * 97) % 256, (i * 53 + 20) % 256, (255 - i * 31) % 256) for i in range(n)]
        idx = (g8 >> (8 - depth)).astype(np.uint8)
        base = png(idx, 3, depth, il, palette=pal)
        i = base.index(b"IDAT") - 4
        tr = chunk(b"tRNS", bytes((k * 40) % 256 for k in range(min(n, 5))))
        put(f"p_pal{depth}_trns{'_il' if il else ''}.png", base[:i] + tr + base[i:])
    # Ancillary chunks imread ignores: sBIT, gAMA, iCCP, bKGD, cHRM, sRGB, pHYs, text.
    icc = zlib.compress(b"\x00" * 128)
    anc = {"sbit": [(b"sBIT", b"\x05\x06\x05")], "gama": [(b"gAMA", struct.pack(">I", 100000))],
           "iccp": [(b"iCCP", b"bogus\x00\x00" + icc)],
           "bkgd": [(b"bKGD", struct.pack(">HHH", 255, 0, 0))],
           "chrm": [(b"cHRM", struct.pack(">8I", 31270, 32900, 64000, 33000, 30000, 60000,
                                          15000, 6000))],
           "srgb": [(b"sRGB", b"\x00")], "phys": [(b"pHYs", struct.pack(">IIB", 2835, 2835, 1))],
           "text": [(b"tEXt", b"Comment\x00hello"), (b"zTXt", b"Title\x00\x00" + zlib.compress(b"x"))],
           "all": [(b"gAMA", struct.pack(">I", 45455)), (b"sBIT", b"\x08\x08\x08"),
                   (b"bKGD", struct.pack(">HHH", 1, 2, 3))]}
    for k, ex in anc.items():
        put(f"p_anc_{k}.png", png(rgb, 2, 8, extra=ex))
    put("p_anc_gray_gama_sbit.png", png(g8 >> 4, 0, 4, extra=[(b"gAMA", struct.pack(">I", 220000)),
                                                              (b"sBIT", b"\x03")]))
    put("p_anc_rgb16_bkgd_gama.png", png(rgb16, 2, 16, extra=[(b"gAMA", struct.pack(">I", 45455)),
                                                               (b"bKGD", struct.pack(">HHH", 9, 9, 9))]))
    put("p_text_after_idat.png", png(rgb, 2, 8, after=[(b"tEXt", b"After\x00data")]))
    # Every filter type, and a mix row by row.
    for f in range(5):
        put(f"p_filter{f}.png", png(rgb, 2, 8, filters=(f,)))
        put(f"p_filter{f}_il.png", png(g8, 0, 8, True, filters=(f,)))
    put("p_filter_mix16.png", png(rgb16, 2, 16, filters=(0, 1, 2, 3, 4)))
    # Odd sizes.
    for w, h in ((1, 1), (1, 37), (37, 1), (2, 2), (3, 9), (9, 3)):
        a = cv2.resize(bgr, (w, h), interpolation=cv2.INTER_AREA)[:, :, ::-1]
        put(f"p_size_{w}x{h}.png", png(a, 2, 8))
        put(f"p_size_{w}x{h}_il.png", png(a, 2, 8, True))
        put(f"p_size_{w}x{h}_gray1_il.png", png(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY) >> 7, 0, 1, True))
    # Data after IEND: libpng stops at IEND.
    put("p_trailing_bytes.png", png(rgb, 2, 8) + b"trailing junk")
    corrupt_pngs(rgb, g8)


def corrupt_pngs(rgb, g8):
    good = png(rgb, 2, 8)
    raw = idat_raw(rgb, 8, False)
    w, h = 29, 21
    def ihdr(**kw):
        f = dict(w=w, h=h, depth=8, ctype=2, comp=0, filt=0, il=0)
        f.update(kw)
        return struct.pack(">IIBBBBB", f["w"], f["h"], f["depth"], f["ctype"], f["comp"],
                           f["filt"], f["il"])
    bad_ihdr = {
        "width0": (ihdr(w=0), "Invalid IHDR data: Image width is zero in IHDR"),
        "height0": (ihdr(h=0), "Invalid IHDR data: Image height is zero in IHDR"),
        "width_huge": (ihdr(w=0x80000000), "PNG unsigned integer out of range"),
        "depth3": (ihdr(depth=3), "Invalid IHDR data: Invalid bit depth in IHDR"),
        "ctype5": (ihdr(ctype=5), "Invalid IHDR data: Invalid color type in IHDR"),
        "rgb_depth4": (ihdr(depth=4), "Invalid IHDR data: Invalid color type/bit depth combination in IHDR"),
        "compression1": (ihdr(comp=1), "Invalid IHDR data: Unknown compression method in IHDR"),
        "filter1": (ihdr(filt=1), "Invalid IHDR data: Unknown filter method in IHDR"),
        "interlace2": (ihdr(il=2), "Invalid IHDR data: Unknown interlace method in IHDR"),
    }
    for k, (body, reason) in bad_ihdr.items():
        put(f"p_bad_ihdr_{k}.png", png(rgb, 2, 8, ihdr=body), "refuse", "corrupt PNG: " + reason)
    # CRC errors in critical chunks.
    i = good.index(b"IHDR")
    bad = bytearray(good)
    bad[i + 17] ^= 1
    put("p_bad_crc_ihdr.png", bytes(bad), "refuse", "corrupt PNG: IHDR: CRC error")
    i = good.index(b"IDAT")
    n = struct.unpack(">I", good[i - 4:i])[0]
    bad = bytearray(good)
    bad[i + 4 + n] ^= 0x55
    put("p_bad_crc_idat.png", bytes(bad), "refuse", "corrupt PNG: IDAT: CRC error")
    # An invalid filter type byte in a row.
    r = bytearray(raw)
    r[(1 + 29 * 3) * 5] = 5
    put("p_bad_filter_type.png", png(rgb, 2, 8, raw=bytes(r)), "refuse",
        "corrupt PNG: bad adaptive filter value")
    # zlib: a bad header, a corrupt stream, too little data.
    z = zlib.compress(raw, 9)
    put("p_bad_zlib_header.png", png(rgb, 2, 8, idat=b"\x78\x00" + z[2:]), "refuse",
        "corrupt PNG: IDAT: incorrect header check")
    zz = bytearray(z)
    zz[2] = 0xFF  # a reserved block type
    put("p_bad_zlib_stream.png", png(rgb, 2, 8, idat=bytes(zz)), "refuse", "corrupt PNG: IDAT: ")
    put("p_bad_too_little_data.png", png(rgb, 2, 8, idat=zlib.compress(raw[:len(raw) // 2])),
        "refuse", "corrupt PNG: Not enough image data")
    # Missing IEND; the file cut inside IDAT; a chunk running past the end.
    put("p_bad_no_iend.png", png(rgb, 2, 8, end=False), "refuse", "truncated PNG: data ends at byte")
    cut = good.index(b"IDAT") + 40
    put("p_bad_truncated_idat.png", good[:cut], "refuse", "truncated PNG: data ends at byte")
    i = good.index(b"IEND")
    put("p_bad_chunk_past_end.png", good[:i - 4] + struct.pack(">I", 1000) + good[i:], "refuse",
        "truncated PNG: data ends at byte")
    put("p_bad_signature_only.png", good[:8], "refuse", "truncated PNG: data ends at byte 8")
    # Structure: IHDR not first, palette image without PLTE, IDAT before PLTE.
    put("p_bad_no_ihdr.png", good[:8] + chunk(b"tEXt", b"a\x00b") + good[8:], "refuse",
        "corrupt PNG: tEXt: missing IHDR")
    # Every chunk cvapp has libpng skip unread (app/png.c) is still refused
    # before IHDR, as libpng's own handler of it refuses it.
    for kind in (b"zTXt", b"iTXt", b"iCCP", b"sPLT"):
        put(f"p_bad_{kind.decode()}_before_ihdr.png", good[:8] + chunk(kind, b"a\x00\x00\x00\x00b") + good[8:],
            "refuse", f"corrupt PNG: {kind.decode()}: missing IHDR")
    put("p_bad_no_plte.png", png((g8 >> 6).astype(np.uint8), 3, 2), "refuse",
        "corrupt PNG: ")


def main():
    global OUT
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    OUT = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    jpegs(sys.argv[2])
    pngs()
    with open(os.path.join(OUT, "expect.txt"), "w") as f:
        f.write("\n".join(EXPECT) + "\n")


if __name__ == "__main__":
    main()
