#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile inputs (tests/fixtures, made by make_fixtures.py): every fixture
# decodes to exactly what OpenCV's own imread gives, or fails with exit 1,
# one line naming the file and the reason, and no output left behind; EXIF
# orientation as imread applies it; a disk that fills up mid-batch.
# usage: hostile_test.sh CVAPP SRCDIR
set -u
CVAPP=$1 SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
FX=$SRC/tests/fixtures
PY=/usr/bin/python3
W=$(mktemp -d)
MNT=""
cleanup() {
  if [ -n "$MNT" ]; then umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null; fi
  rm -rf "$W"
}
trap cleanup EXIT
cv() { run "$CVAPP" "$@"; }
# A check that cannot be made here is a visible skip (tests/lib.sh's skip).
is_jpeg() { [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = "ffd8" ]; }

t "the committed fixtures are what make_fixtures.py makes"
# They were made on Debian 12: other suites' libjpeg-turbo and zlib encode
# other bytes (the fixtures themselves are used everywhere).
if [ "$(cut -d. -f1 /etc/debian_version 2>/dev/null)" != 12 ]; then
  skip "regeneration: the fixtures come from Debian 12's encoders, this is Debian $(cat /etc/debian_version 2>/dev/null)"
elif ! command -v jpegtran >/dev/null; then
  ko "jpegtran is not installed (libjpeg-turbo-progs; docker/install-deps.sh --test installs it)"
elif $PY "$FX/make_fixtures.py" "$W/regen" >/dev/null 2>"$W/regen.err"; then
  ok
  expect_eq "$(cd "$W/regen" && ls | tr '\n' ' ')" "$(cd "$FX" && ls | grep -v '\.py$' | tr '\n' ' ')"
  for f in "$W/regen"/*; do
    cmp -s "$f" "$FX/${f##*/}" && ok || ko "${f##*/} differs from what make_fixtures.py makes"
  done
else
  ko "make_fixtures.py failed: $(tail -3 "$W/regen.err")"
fi

# Fixtures that decode; the rest must fail.
DECODE=(orient_1.jpg orient_2.jpg orient_3.jpg orient_4.jpg orient_5.jpg orient_6.jpg orient_7.jpg
  orient_8.jpg orient_6_gray.jpg orient_5_shrink.jpg
  exif_xmp_first.jpg exif_no_ident.jpg exif_bad_ifd.jpg exif_truncated.jpg exif_huge_count.jpg
  exif_bad_make.jpg exif_orient_9.jpg exif_long_be.jpg exif_long_le.jpg
  cmyk.jpg cmyk_orient_7.jpg arithmetic.jpg progressive.jpg progressive_orient_8.jpg
  1x1.jpg 1x65500.jpg jpeg_named.png sampling_410_orient_6.jpg
  rgb16.png gray16.png palette.png palette_trns_4bit.png gray1.png gray_alpha.png rgba.png
  interlaced.png interlaced_rgba16.png 1x1.png 1x65535.png
  exif_6.png exif_3_end.png exif_bad_crc.png exif_two.png text_bad_crc.png text_1000.png com_1000.jpg)

t "every decodable fixture equals OpenCV's imread, with and without --ignore-orientation"
# crop with no arguments copies the image: the output PNG is the decode.
# grayscale: JPEG luma decoding (IMREAD_GRAYSCALE), else cvtColor.
mkdir -p "$W/dec"
pairs=()
for f in "${DECODE[@]}"; do
  gray=cvt
  is_jpeg "$FX/$f" && gray=gray
  for mode in color color-ign $gray $gray-ign; do
    extra=(--strip) step=crop # pixels only: no EXIF for the checksums below
    case $mode in *-ign) extra+=(--ignore-orientation) ;; esac
    case $mode in gray* | cvt*) step=grayscale ;; esac
    out=$W/dec/$f.$mode.png
    cv -q "${extra[@]}" -p "$step" -o "$out" "$FX/$f"
    if [ "$RC" -eq 0 ]; then ok; pairs+=("$mode" "$FX/$f" "$out"); else ko "$f ($mode): exit $RC: $ERR"; fi
  done
done
$PY "$SRC/tests/hostile_cmp.py" "${pairs[@]}" >"$W/cmp.txt" 2>"$W/cmp.err" # libpng's warnings
expect_eq "$(grep -c '^ok \|^SKIP ' "$W/cmp.txt")" "$((${#pairs[@]} / 3))"
grep -v '^ok \|^SKIP ' "$W/cmp.txt" | while read -r line; do echo "FAIL [$CURRENT]: $line" >&2; done
grep -q -v '^ok \|^SKIP ' "$W/cmp.txt" && ko "outputs differ from OpenCV's (above)"
while read -r line; do skip "${line#SKIP }"; done < <(grep '^SKIP ' "$W/cmp.txt")

t "orientation: 8 distinct results, one stored image, sizes in the report"
sums=$(for o in 1 2 3 4 5 6 7 8; do md5sum <"$W/dec/orient_$o.jpg.color.png"; done | sort -u | wc -l)
expect_eq "$sums" 8
sums=$(for o in 1 2 3 4 5 6 7 8; do md5sum <"$W/dec/orient_$o.jpg.color-ign.png"; done | sort -u | wc -l)
expect_eq "$sums" 1
cv -p crop -o "$W/o6.png" --features "$W/o6.json" "$FX/orient_6.jpg"
expect_rc 0; expect_out "orient_6.jpg: 16x24x3 -> $W/o6.png 16x24x3"
grep -q '"width":16,"height":24,"channels":3' "$W/o6.json" && ok || ko "features JSON size: $(head -c 200 "$W/o6.json")"
cv -p crop --ignore-orientation -o "$W/o6.png" "$FX/orient_6.jpg"
expect_rc 0; expect_out "orient_6.jpg: 24x16x3 -> $W/o6.png 24x16x3"
cv -p crop -o "$W/e3.png" "$FX/exif_3_end.png"
expect_rc 0; expect_out "exif_3_end.png: 24x16x3 ->"
cv -p crop -o "$W/e6.png" "$FX/exif_6.png"
expect_rc 0; expect_out "exif_6.png: 16x24x3 ->"

t "shrink on load picks its scale in the final orientation"
# orient_5_shrink.jpg is 96x64 stored, 64x96 shown: 8x12 needs at least 16x24
# shown, 24x16 stored: the 1/4 scale (IMREAD_REDUCED_COLOR_4), not 3/8.
cv -q -p "resize width=8 height=12 interp=area" -o "$W/s.png" "$FX/orient_5_shrink.jpg"
expect_rc 0
cv -q --ignore-orientation -p "resize width=12 height=8 interp=area" -o "$W/si.png" "$FX/orient_5_shrink.jpg"
expect_rc 0
# The same on the libjpeg fallback (4:1:0, which TurboJPEG 2.1 cannot name).
cv -q -p "resize width=8 height=12 interp=area" -o "$W/f.png" "$FX/sampling_410_orient_6.jpg"
expect_rc 0
cv -q --ignore-orientation -p "resize width=12 height=8 interp=area" -o "$W/fi.png" "$FX/sampling_410_orient_6.jpg"
expect_rc 0
$PY "$SRC/tests/hostile_cmp.py" shrink4:8x12 "$FX/orient_5_shrink.jpg" "$W/s.png" \
  shrink4-ign:12x8 "$FX/orient_5_shrink.jpg" "$W/si.png" \
  shrink4:8x12 "$FX/sampling_410_orient_6.jpg" "$W/f.png" \
  shrink4-ign:12x8 "$FX/sampling_410_orient_6.jpg" "$W/fi.png" >"$W/cmp.txt" 2>"$W/cmp.err"
expect_eq "$(cat "$W/cmp.txt" | cut -d' ' -f1 | tr '\n' ' ')" "ok ok ok ok "

t "hostile files fail: exit 1, one line naming the file and the reason, no output"
# file|message|OpenCV: none = imread cannot read it either
while IFS='|' read -r f msg cv2; do
  mkdir -p "$W/err"
  cv -o "$W/err/out.png" --features "$W/err/out.json" "$FX/$f"
  expect_rc 1
  expect_err "cvapp: $FX/$f: $msg"
  expect_err_lines 1
  [ -z "$(ls -A "$W/err")" ] && ok || ko "left behind: $(ls -A "$W/err")"
  # none: imread cannot read it either; reads: imread decodes it, cvapp is
  # strict by design (docs/images.md, "Differences from cv2.imread").
  if [ "$cv2" = none ]; then
    $PY "$SRC/tests/hostile_cmp.py" none "$FX/$f" - >"$W/cmp.txt" 2>"$W/cmp.err" && ok || ko "$(cat "$W/cmp.txt")"
  else
    $PY -c 'import sys, cv2; sys.exit(cv2.imread(sys.argv[1]) is None)' "$FX/$f" 2>/dev/null && ok || ko "imread does not read $f"
  fi
  rm -rf "$W/err"
done <<'EOF'
many_scans.jpg|corrupt JPEG data: Progressive JPEG image has more than 500 scans|reads
header_only.jpg|corrupt JPEG header: Invalid JPEG file structure: missing SOS marker|none
1x65535.jpg|corrupt JPEG header: Maximum supported image dimension is 65500 pixels|none
bad_crc.png|corrupt PNG: IDAT: CRC error|none
header_only.png|truncated PNG: data ends at byte 33|none
trailer_marker.jpg|corrupt JPEG data: Unsupported marker type 0x02|reads
text_1001.png|PNG metadata: more than 1000 ancillary chunks (cvapp's limit)|reads
app_1001.jpg|JPEG metadata: more than 1000 APPn and COM segments (cvapp's limit)|reads
EOF

t "metadata bombs: nothing inflated or kept past a bound, the bound refused"
# Made here (too large to commit). Each compressed one inflates to 1.6 GB;
# what cvapp reads of metadata is bounded (docs/limits-and-security.md,
# "Metadata"), so its peak memory stays near a tiny image's. Peak RSS from
# getrusage, in KiB.
mkdir -p "$W/bomb"
python3 - "$W/bomb" "$FX/1x1.jpg" <<'PY'
import os, struct, sys, zlib
out = sys.argv[1]
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
def png(meta, after=b""):
    raw = b"".join(b"\0" + bytes(8) for _ in range(16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 16, 8, 0, 0, 0, 0)) + meta
            + chunk(b"IDAT", zlib.compress(raw)) + after + chunk(b"IEND", b""))
z8 = zlib.compress(bytes(8 << 20), 9)  # 8 MiB of zeros in 8 KB
jpg = open(sys.argv[2], "rb").read()
bombs = {
    "ztxt.png": png(chunk(b"zTXt", b"Comment\0\0" + z8) * 200),
    "itxt_after.png": png(b"", chunk(b"iTXt", b"XML:com.adobe.xmp\0\1\0\0\0" + z8) * 200),
    "iccp.png": png(chunk(b"iCCP", b"ICC Profile\0\0" + zlib.compress(bytes(200 << 20), 9))),
    "exif_big.png": png(chunk(b"eXIf", b"MM\0*" + bytes(33 << 20))),
    # 520 APP1 segments of 64 KiB before the scan: more than 32 MiB.
    "app_big.jpg": jpg[:2] + (b"\xff\xe1\xff\xff" + b"x" * 65533) * 520 + jpg[2:],
}
for name, data in bombs.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
PY
peak() { python3 -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True)
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"; }
read -r _ base < <(peak "$CVAPP" -q -o "$W/bomb/base.png" "$FX/1x1.png")
for f in ztxt.png itxt_after.png iccp.png; do
  read -r rc kb < <(peak "$CVAPP" -q -o "$W/bomb/$f.out.png" "$W/bomb/$f")
  expect_eq "$f exit $rc" "$f exit 0"
  # 24 MiB: the most of an ICC profile cvapp inflates (16 MiB, META_MAX_ICC)
  # and the compressed input; the bombs' 1.6 GB never comes near.
  if [ -n "${ASAN_OPTIONS:-}" ]; then
    skip "$f: peak memory under AddressSanitizer (its quarantine keeps what is freed) says nothing"
  else
    [ "$kb" -lt $((base + 24 * 1024)) ] && ok || ko "$f: peak $kb KiB, a 1x1 PNG's is $base KiB"
  fi
done
while IFS='|' read -r f msg; do
  cv -o "$W/bomb/out.png" "$W/bomb/$f"
  expect_rc 1
  expect_err "cvapp: $W/bomb/$f: $msg"
  expect_err_lines 1
  expect_no_file "$W/bomb/out.png"
done <<'EOF'
exif_big.png|PNG metadata: more than 32 MiB in ancillary chunks (cvapp's limit)
app_big.jpg|JPEG metadata: more than 32 MiB in APPn and COM segments (cvapp's limit)
EOF
rm -rf "$W/bomb"

t "an image JPEG cannot hold (65535 rows) fails at encoding, nothing written"
mkdir -p "$W/enc"
cv -p crop -o "$W/enc/tall.jpg" "$FX/1x65535.png"
expect_rc 1
expect_err "cvapp: $FX/1x65535.png: JPEG encoding failed: Maximum supported image dimension is 65500 pixels"
expect_err_lines 1
[ -z "$(ls -A "$W/enc")" ] && ok || ko "left behind: $(ls -A "$W/enc")"

t "thousands of scans are refused in bounded time"
start=$(date +%s%N)
cv -q -o "$W/ms.png" "$FX/many_scans.jpg"
ms=$((($(date +%s%N) - start) / 1000000))
expect_rc 1
[ "$ms" -lt 5000 ] && ok || ko "refusing many_scans.jpg took $ms ms"

t "a batch over every fixture: the bad ones reported, the rest written"
cv -q -j 2 -p crop -d "$W/all" --name "{stem}.{ext}" --report "$W/all.jsonl" "$FX"
expect_rc 1
expect_eq "$(grep -c '"status":"ok"' "$W/all.jsonl")" "${#DECODE[@]}"
# Every fixture not in DECODE is one of the hostile files that fail.
expect_eq "$(grep -c '"status":"error"' "$W/all.jsonl")" "$(($(ls "$FX" | grep -vc '\.py$') - ${#DECODE[@]}))"
expect_eq "$(find "$W/all" -type f ! -name '.*' | wc -l)" "${#DECODE[@]}" # crop: no detector, no JSON
expect_eq "$(find "$W/all" -name '.*' | wc -l)" 0

t "one worker goes on after a bad JPEG header (the decoder is not left mid-header)"
mkdir -p "$W/seq"
cp "$FX/header_only.jpg" "$W/seq/a.jpg"; cp "$FX/orient_1.jpg" "$W/seq/b.jpg"
cp "$FX/1x65535.jpg" "$W/seq/c.jpg"; cp "$FX/arithmetic.jpg" "$W/seq/d.jpg"
cv -q -j 1 -p crop -d "$W/seqout" "$W/seq"
expect_rc 1
expect_err "cvapp: $W/seq/a.jpg: corrupt JPEG header: Invalid JPEG file structure: missing SOS marker"
expect_err "cvapp: $W/seq/c.jpg: corrupt JPEG header: Maximum supported image dimension is 65500 pixels"
expect_err_lines 2
expect_eq "$(cd "$W/seqout" && ls | tr '\n' ' ')" "b.jpg d.jpg "

t "disk full: what fits is written whole, the rest fails cleanly and the batch goes on"
if [ "$(id -u)" -ne 0 ]; then
  skip "disk full: needs root to mount a 300 KB tmpfs (running as uid $(id -u))"
elif ! mkdir -p "$W/full" || ! mount -t tmpfs -o size=300k,mode=0755 cvapp-test "$W/full" 2>"$W/mount.err"; then
  skip "disk full: cannot mount a tmpfs here: $(cat "$W/mount.err")"
else
  MNT=$W/full
  # Noise does not compress: b, c, d give PNGs of about 120 KB each, a and e
  # a few hundred bytes.  With one worker, in name order: a, b, c fit; d does
  # not; e fits again once d's temporary file is gone.
  mkdir -p "$W/fullin"
  $PY - "$W/fullin" <<'EOF'
import sys, cv2, numpy as np
rng = np.random.default_rng(7)
for name, side in (("a", 8), ("b", 200), ("c", 200), ("d", 200), ("e", 8)):
    cv2.imwrite(f"{sys.argv[1]}/{name}.png", rng.integers(0, 256, (side, side, 3), dtype=np.uint8))
EOF
  cv -j 1 -p crop -d "$MNT/out" --report "$W/full.jsonl" "$W/fullin"
  expect_rc 1
  expect_err "cvapp: $W/fullin/d.png: cannot write $MNT/out/d.png: No space left on device"
  expect_err "cvapp: 4 ok, 1 failed, 0 skipped"
  expect_err_lines 2 # d's error and the summary
  expect_only_files "$MNT/out" a.png b.png c.png e.png # crop: no detector, no JSON
  for n in a b c e; do
    cmp -s <("$CVAPP" -q -p crop -o - "$W/fullin/$n.png") "$MNT/out/$n.png" && ok || ko "$n.png is not whole"
  done
  expect_eq "$(grep -c '"status":"ok"' "$W/full.jsonl")" 4
  grep -q '"input":"'"$W"'/fullin/d.png","output":"'"$MNT"'/out/d.png","status":"error","error":"cannot write '"$MNT"'/out/d.png: No space left on device"' "$W/full.jsonl" \
    && ok || ko "report row for d: $(grep d.png "$W/full.jsonl")"
  umount "$MNT" && MNT="" && ok || ko "cannot unmount $W/full"
fi

finish
