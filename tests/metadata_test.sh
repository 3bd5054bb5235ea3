#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Alpha and metadata (docs/images.md, "Alpha and metadata"): alpha through the
# ops that keep it, byte for byte against cv2 on the BGRA array; JPEG outputs
# flattened onto --background; the ICC profile and EXIF carried over, checked
# with exiftool (and ImageMagick when present) against the bytes that went in;
# --strip.  Alpha checks need /usr/bin/python3 with cv2; metadata checks need
# exiftool (libimage-exiftool-perl) and icc-profiles-free; each is skipped,
# visibly, without them.
# usage: metadata_test.sh CVAPP SRCDIR
set -u
CVAPP=$1 SRC=$2
. "$SRC/tests/lib.sh"
cv() { run "$CVAPP" "$@"; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
PY=/usr/bin/python3
ICC=/usr/share/color/icc/compatibleWithAdobeRGB1998.icc
have_cv2=0 have_exiftool=0
"$PY" -c "import cv2" 2>/dev/null && have_cv2=1
command -v exiftool >/dev/null && [ -r "$ICC" ] && have_exiftool=1

t "the op reference shows which ops keep alpha and the ICC profile"
cv --list-ops
expect_rc 0
grep -A1 '^resize (' "$OUT" | grep -q 'Keeps alpha (PNG). Keeps the ICC profile.' && ok || ko "resize: $(grep -A1 '^resize (' "$OUT")"
grep -A1 '^canny (' "$OUT" | grep -q 'Keeps' && ko "canny claims to keep alpha or colours" || ok
grep -A1 '^bilateral (' "$OUT" | grep -q 'Keeps alpha' && ko "bilateral: OpenCV has no 4-channel bilateral" || ok

t "--background takes #RRGGBB"
"$PY" -c 1 2>/dev/null # (nothing to make: the option is refused before any input is read)
for bad in red '#fff' '#12345g' '#1234567' ''; do
  cv --background "$bad" -o "$W/x.jpg" "$SRC/samples/fruits.jpg"
  expect_rc 2; expect_err "--background: '$bad' is not a colour #RRGGBB"
done
expect_no_file "$W/x.jpg"

if [ $have_cv2 = 0 ]; then
  t "alpha"; skip "$PY cannot import cv2 (python3-opencv)"
else
  # A logo: transparent background, a half-transparent edge, an opaque body;
  # gray+alpha, palette with tRNS and gray with tRNS variants (written here).
  "$PY" - "$W" <<'EOF'
import struct, sys, zlib
import cv2, numpy as np
d = sys.argv[1]
rng = np.random.RandomState(15)
logo = np.zeros((61, 83, 4), np.uint8)
logo[..., :3] = rng.randint(0, 256, (61, 83, 3))
logo[10:50, 12:70, 3] = 255
logo[8:10, 10:72, 3] = 128
logo[20:30, 30:40, 3] = rng.randint(0, 256, (10, 10))
cv2.imwrite(f"{d}/logo.png", logo)
ga = np.dstack([logo[..., 0], logo[..., 0], logo[..., 0], logo[..., 3]])
def chunk(t, b): return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
def png(w, h, ctype, rows, extra=b""):
    raw = b"".join(b"\0" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0)) +
            extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
g = logo[..., 0]
open(f"{d}/gray_alpha.png", "wb").write(png(83, 61, 4, [bytes(np.dstack([g, logo[..., 3]])[y].ravel()) for y in range(61)]))
idx = (rng.randint(0, 4, (9, 13))).astype(np.uint8)
plte = bytes([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120])
open(f"{d}/palette.png", "wb").write(png(13, 9, 3, [bytes(idx[y]) for y in range(9)],
                                         chunk(b"PLTE", plte) + chunk(b"tRNS", bytes([0, 100, 255]))))
gt = np.array([[10, 200, 10], [200, 10, 77]], np.uint8)
open(f"{d}/gray_trns.png", "wb").write(png(3, 2, 0, [bytes(gt[y]) for y in range(2)],
                                           chunk(b"tRNS", struct.pack(">H", 10))))
EOF
  # cmp.py GOT WANT_EXPR: GOT (IMREAD_UNCHANGED) equals the expression, where
  # `im(f)` reads f with IMREAD_UNCHANGED.
  cat >"$W/cmp.py" <<'EOF'
import sys
import cv2, numpy as np
d = sys.argv[3]
def im(f): return cv2.imread(f"{d}/{f}", cv2.IMREAD_UNCHANGED)
got, want = cv2.imread(sys.argv[1], cv2.IMREAD_UNCHANGED), eval(sys.argv[2])
if got.shape != want.shape:
    sys.exit(f"shape {got.shape}, want {want.shape}")
if not np.array_equal(got, want):
    diff = np.abs(got.astype(int) - want.astype(int))
    sys.exit(f"{int((diff > 0).sum())} values differ (max {int(diff.max())})")
EOF
  same() { # same OUT WANT_EXPR
    local msg
    if msg=$("$PY" "$W/cmp.py" "$1" "$2" "$W" 2>&1); then ok; else ko "$2: $msg"; fi
  }
  op_is() { # op_is INPUT SPEC WANT_EXPR: cvapp's PNG of SPEC on INPUT is the expression
    cv -q -p "$2" -o "$W/out.png" "$W/$1"
    expect_rc 0
    same "$W/out.png" "$3"
  }

  t "a transparent logo resized to PNG keeps alpha equal to cv2.resize on BGRA"
  for interp in nearest linear cubic area lanczos; do
    flag=INTER_$(echo "$interp" | tr a-z A-Z); [ "$interp" = lanczos ] && flag=INTER_LANCZOS4
    op_is logo.png "resize width=40 height=29 interp=$interp" "cv2.resize(im('logo.png'), (40, 29), interpolation=cv2.$flag)"
  done
  op_is logo.png "resize scale=2.5 interp=cubic" "cv2.resize(im('logo.png'), None, fx=2.5, fy=2.5, interpolation=cv2.INTER_CUBIC)"

  t "flip, crop, rotate and the per-channel filters keep alpha exactly"
  op_is logo.png "flip axis=both" "cv2.flip(im('logo.png'), -1)"
  op_is logo.png "crop x=5 y=7 width=30 height=20" "im('logo.png')[7:27, 5:35]"
  op_is logo.png "rotate angle=270" "cv2.rotate(im('logo.png'), cv2.ROTATE_90_COUNTERCLOCKWISE)"
  op_is logo.png "gaussian ksize=5 sigma=1.2 | median ksize=7 | blur ksize=3" "cv2.blur(cv2.medianBlur(cv2.GaussianBlur(im('logo.png'), (5, 5), 1.2), 7), (3, 3))"
  op_is logo.png "sharpen sigma=1.5 amount=2" "cv2.addWeighted(im('logo.png'), 3, cv2.GaussianBlur(im('logo.png'), (0, 0), 1.5), -2, 0)"

  t "gray+alpha and palette tRNS decode to BGRA as cv2's IMREAD_UNCHANGED"
  op_is gray_alpha.png "flip" "cv2.flip(im('gray_alpha.png'), 1)"
  op_is gray_alpha.png "resize width=20 height=15 interp=area" "cv2.resize(im('gray_alpha.png'), (20, 15), interpolation=cv2.INTER_AREA)"
  op_is palette.png "crop" "im('palette.png')"

  t "gray with tRNS keeps its transparency (cv2 drops it): BGRA, alpha 0 on the keyed value"
  op_is gray_trns.png "crop" "np.array([[[10,10,10,0],[200,200,200,255],[10,10,10,0]],[[200,200,200,255],[10,10,10,0],[77,77,77,255]]], np.uint8)"

  t "an op without the flag drops alpha first (COLOR_BGRA2BGR: dropped, not flattened)"
  op_is logo.png "resize width=40 height=29 | invert" "255 - cv2.resize(im('logo.png')[..., :3], (40, 29), interpolation=cv2.INTER_AREA)"
  op_is logo.png "flip | canny" "cv2.Canny(cv2.flip(im('logo.png')[..., :3], 1), 50, 150)"
  op_is logo.png "bilateral" "cv2.bilateralFilter(im('logo.png')[..., :3], 9, 75, 75)"

  t "JPEG output flattens alpha onto --background: (c*a + bg*(255-a) + 127) / 255"
  # Gray 16x16 blocks (one 4:2:0 MCU each) at quality 100 come back exact.
  "$PY" - "$W" <<'EOF'
import sys
import cv2, numpy as np
a = np.zeros((32, 32, 4), np.uint8)
a[:16, :16] = (0, 0, 0, 128); a[:16, 16:] = (200, 200, 200, 64)
a[16:, :16] = (10, 10, 10, 255); a[16:, 16:] = (50, 50, 50, 0)
cv2.imwrite(f"{sys.argv[1]}/tiles.png", a)
EOF
  blocks() { "$PY" -c "
import sys, cv2
a = cv2.imread(sys.argv[1], cv2.IMREAD_UNCHANGED)
print(' '.join(f'{a[y0:y0+16, x0:x0+16].min()}-{a[y0:y0+16, x0:x0+16].max()}' for y0 in (0, 16) for x0 in (0, 16)), a.shape[2])" "$1"; }
  cv -q --quality 100 -p crop -o "$W/t_white.jpg" "$W/tiles.png"
  expect_rc 0
  # 0*128 + 255*127 -> 127; 200*64 + 255*191 -> 241; opaque 10; transparent -> 255
  expect_eq "$(blocks "$W/t_white.jpg")" "127-127 241-241 10-10 255-255 3"
  cv -q --quality 100 --background '#000000' -p crop -o "$W/t_black.jpg" "$W/tiles.png"
  expect_eq "$(blocks "$W/t_black.jpg")" "0-0 50-50 10-10 0-0 3"
  cv -q --quality 100 --background '#808080' -p 'flip axis=v' -o "$W/t_gray.jpg" "$W/tiles.png"
  # flipped top-bottom; 128*127 + 0 -> 64 (16256 + 127) / 255; 200*64 + 128*191 -> 146
  expect_eq "$(blocks "$W/t_gray.jpg")" "10-10 128-128 64-64 146-146 3"
fi

if [ $have_exiftool = 0 ]; then
  t "metadata"; skip "exiftool (libimage-exiftool-perl) or $ICC (icc-profiles-free) missing"
else
  # A photo as a phone writes it: EXIF with Orientation 6 and a thumbnail, an
  # Adobe RGB compatible profile; and a PNG with iCCP and eXIf.
  cp "$SRC/tests/fixtures/orient_1.jpg" "$W/photo.jpg"
  cp "$SRC/tests/fixtures/1x1.jpg" "$W/thumb.jpg"
  exiftool -q -overwrite_original "-icc_profile<=$ICC" -Make=Acme -Model='Cam 1' \
    -DateTimeOriginal='2024:05:06 07:08:09' -Orientation#=6 "-ThumbnailImage<=$W/thumb.jpg" "$W/photo.jpg" \
    >/dev/null 2>&1
  cv -q -p crop --strip -o "$W/plain.png" "$SRC/tests/fixtures/orient_1.jpg"
  exiftool -q -overwrite_original "-icc_profile<=$ICC" -Make=Acme -Orientation#=3 "$W/plain.png" >/dev/null 2>&1
  tag() { exiftool -s3 -n "-$1" "$2"; }
  icc_same() { # icc_same FILE: its profile is $ICC byte for byte
    if exiftool -b -icc_profile "$1" | cmp -s - "$ICC"; then ok; else ko "$1: the ICC profile is not $ICC's bytes"; fi
  }
  expect_eq "$(tag Orientation "$W/photo.jpg") $(tag ThumbnailLength "$W/photo.jpg" | grep -c .)" "6 1"

  t "the ICC profile and EXIF go into JPEG and PNG outputs; Orientation 1, no thumbnail"
  w0=$(tag ImageWidth "$W/photo.jpg") h0=$(tag ImageHeight "$W/photo.jpg")
  for out in r.jpg r.png; do
    cv -q -p "resize scale=0.5" -o "$W/$out" "$W/photo.jpg"
    expect_rc 0
    icc_same "$W/$out"
    expect_eq "$(tag Make "$W/$out")|$(tag Model "$W/$out")|$(tag DateTimeOriginal "$W/$out")" "Acme|Cam 1|2024:05:06 07:08:09"
    expect_eq "$(tag Orientation "$W/$out")" "1"
    expect_eq "$(tag ThumbnailLength "$W/$out")$(tag ThumbnailOffset "$W/$out")" ""
    # The pixels were turned (stored 24x16 -> shown 16x24 -> half).
    expect_eq "$(tag ImageWidth "$W/$out")x$(tag ImageHeight "$W/$out")" "$((h0 / 2))x$((w0 / 2))"
  done
  # (a convert that is not ImageMagick's, such as a stand-in script, is no second opinion)
  if convert -version 2>/dev/null | grep -q '^Version: ImageMagick'; then
    convert "$W/r.jpg" "$W/im.icc" 2>/dev/null && cmp -s "$W/im.icc" "$ICC" && ok || ko "ImageMagick reads another profile from r.jpg"
  else
    skip "ImageMagick's convert is not installed (second opinion on the profile; apt-get install imagemagick)"
  fi

  t "a PNG's iCCP goes into PNG and JPEG outputs"
  for out in p.png p.jpg; do
    cv -q -p "flip | gaussian" -o "$W/$out" "$W/plain.png"
    expect_rc 0
    icc_same "$W/$out"
    expect_eq "$(tag Make "$W/$out") $(tag Orientation "$W/$out")" "Acme 1"
  done

  t "a detector keeps the profile; grayscale, edges and thresholds drop it, EXIF stays"
  cv -q -p "orb | resize scale=0.5" -o "$W/d.jpg" "$W/photo.jpg"
  icc_same "$W/d.jpg"
  for step in grayscale canny "threshold value=100" "resize scale=0.5 | sobel"; do
    cv -q -p "$step" -o "$W/n.jpg" "$W/photo.jpg"
    expect_rc 0
    expect_eq "$(exiftool -b -icc_profile "$W/n.jpg" | wc -c) $(tag Make "$W/n.jpg") $(tag Orientation "$W/n.jpg")" "0 Acme 1"
  done

  t "--strip writes no metadata"
  for out in s.jpg s.png; do
    cv -q --strip -p "resize scale=0.5" -o "$W/$out" "$W/photo.jpg"
    expect_rc 0
    expect_eq "$(exiftool -b -icc_profile "$W/$out" | wc -c)|$(tag Make "$W/$out")|$(exiftool -s3 -EXIF:all "$W/$out" | wc -l)" "0||0"
  done

  t "--ignore-orientation keeps the orientation tag (the pixels were not turned)"
  cv -q --ignore-orientation -p crop -o "$W/i.jpg" "$W/photo.jpg"
  expect_eq "$(tag Orientation "$W/i.jpg")" "6"

  t "a profile over one APP2 segment is split and put back together"
  # A profile of 150000 bytes (three APP2 chunks): sRGB.icc padded, its size field set.
  "$PY" -c "
import sys, struct
p = bytearray(open('/usr/share/color/icc/sRGB.icc', 'rb').read())
p += bytes(range(256)) * ((150000 - len(p)) // 256 + 1)
p = p[:150000]; p[0:4] = struct.pack('>I', len(p))
open(sys.argv[1], 'wb').write(p)" "$W/big.icc" 2>/dev/null || head -c 150000 /dev/zero >"$W/big.icc"
  cp "$SRC/tests/fixtures/orient_1.jpg" "$W/big.jpg"
  exiftool -q -overwrite_original "-icc_profile<=$W/big.icc" "$W/big.jpg" >/dev/null 2>&1
  cv -q -p flip -o "$W/big_out.jpg" "$W/big.jpg"
  expect_rc 0
  exiftool -b -icc_profile "$W/big_out.jpg" | cmp -s - "$W/big.icc" && ok || ko "the 150000-byte profile changed"
  expect_eq "$(grep -c ICC_PROFILE "$W/big_out.jpg" | head -1)" "$(grep -c ICC_PROFILE "$W/big.jpg" | head -1)"
fi

# Every encoding of the orientation tag the reader takes: SHORT, LONG, a
# BYTE, either byte order, the tag twice (LONG 6 first, SHORT 3 second), IFD0
# at an odd offset. The pixels turn as cv2.imread turns them, and the
# output's every orientation entry says 1 (SHORT); with --ignore-orientation
# nothing turns and the entries stay as they were.
if [ $have_exiftool = 0 ] || [ $have_cv2 = 0 ]; then
  t "orientation encodings"; skip "exiftool or python3-opencv missing"
else
  "$PY" - "$SRC/tests/fixtures/orient_1.jpg" "$W/enc" <<'EOF2'
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
import cv2
jpg = cv2.imencode(".jpg", cv2.imread(src))[1].tobytes()  # no EXIF of its own
def tiff(order, entries, pad=0):
    e = "<" if order == "II" else ">"
    ifd = 8 + pad
    body = struct.pack(e + "H", len(entries))
    for tag, typ, val in entries:
        if typ == 3:
            body += struct.pack(e + "HHIHH", tag, 3, 1, val, 0)
        elif typ == 4:
            body += struct.pack(e + "HHII", tag, 4, 1, val)
        else:  # BYTE
            body += struct.pack(e + "HHIBBBB", tag, 1, 1, val, 0, 0, 0)
    return order.encode() + struct.pack(e + "HI", 42, ifd) + b"\0" * pad + body + struct.pack(e + "I", 0)
cases = {}
for order in ("II", "MM"):
    cases[f"short-{order}"] = tiff(order, [(0x0112, 3, 6)])
    cases[f"long-{order}"] = tiff(order, [(0x0112, 4, 6)])
    cases[f"byte-{order}"] = tiff(order, [(0x0112, 1, 6)])
    cases[f"twice-{order}"] = tiff(order, [(0x0112, 4, 6), (0x0112, 3, 3)])
    cases[f"odd-{order}"] = tiff(order, [(0x0112, 3, 8)], pad=1)
at = 4 + struct.unpack(">H", jpg[4:6])[0] if jpg[2:4] == b"\xff\xe0" else 2
for name, t in cases.items():
    seg = b"Exif\0\0" + t
    open(f"{out}/{name}.jpg", "wb").write(jpg[:at] + b"\xff\xe1" + struct.pack(">H", len(seg) + 2) + seg + jpg[at:])
EOF2
  shape() { "$PY" -c 'import cv2, sys; print("x".join(map(str, cv2.imread(sys.argv[1]).shape[:2])))' "$1"; }
  n_enc=0
  for f in "$W"/enc/*.jpg; do
    n_enc=$((n_enc + 1))
    name=$(basename "$f" .jpg)
    t "orientation stored as $name: turned as cv2.imread turns it, every entry 1 in the output"
    cv -q -p crop -o "$W/enc/$name.out.jpg" "$f"
    expect_rc 0
    expect_eq "$(shape "$W/enc/$name.out.jpg")" "$(shape "$f")"
    expect_eq "$(exiftool -a -s3 -n -Orientation "$W/enc/$name.out.jpg" | sort -u | tr '\n' ' ')" "1 "
    t "orientation stored as $name, --ignore-orientation: not turned, the entries as they were"
    cv -q --ignore-orientation -p crop -o "$W/enc/$name.kept.jpg" "$f"
    expect_rc 0
    expect_eq "$(exiftool -a -s3 -n -Orientation "$W/enc/$name.kept.jpg")" "$(exiftool -a -s3 -n -Orientation "$f")"
  done
  t "orientation encodings"
  expect_eq "$n_enc" 10
fi
finish
