#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Detector memory is the image plus O(--max-features), not O(what is found)
# (docs/limits-and-security.md, "Detector memory"): on an 8 MP noise image,
# a detector that finds millions peaks within 16 MiB of the same detector
# finding almost nothing, both with --max-features 1000; and without the
# cap the millions do cost memory (the check can see a difference). And a
# pipeline's steps hold the input and one result at most (below).
# Peak RSS from getrusage. usage: memory_test.sh CVAPP SRCDIR
set -u
CVAPP=$(realpath "$1") SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
in_workdir

# 4000x2000 gray noise, a PNG written here (no numpy needed).
python3 - <<'PY'
import os, struct, zlib
w, h = 4000, 2000
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
raw = b"".join(b"\0" + os.urandom(w) for _ in range(h))
with open("noise.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))
PY
# peak MAX PIPELINE: "FOUND KIB", what the detector found and the peak RSS
peak() {
  python3 -c 'import json, resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True)
d = json.load(open("f.json"))["detectors"][-1] if r.returncode == 0 else {}
print(d.get("found", d.get("count", -1)), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
    "$CVAPP" -q -j 1 --max-features "$1" -p "$2" -o o.png --features f.json noise.png
}
while IFS='|' read -r name many few; do
  t "$name: finding millions costs no more memory than finding a few"
  read -r n_many kb_many < <(peak 1000 "$many")
  read -r n_few kb_few < <(peak 1000 "$few")
  [ "$n_many" -gt 1000000 ] && [ "$n_few" -lt 1000 ] && ok ||
    ko "the cases do not find what they should: $n_many and $n_few"
  [ "$kb_many" -lt $((kb_few + 16 * 1024)) ] && ok ||
    ko "$n_many found: peak $((kb_many / 1024)) MiB; $n_few found: $((kb_few / 1024)) MiB"
  t "$name: without --max-features the millions do cost memory"
  read -r _ kb_all < <(peak 0 "$many")
  [ "$kb_all" -gt $((kb_many + 64 * 1024)) ] && ok ||
    ko "no cap: $((kb_all / 1024)) MiB, capped: $((kb_many / 1024)) MiB: this check sees nothing"
done <<'CASES'
harris|harris threshold=0|harris threshold=0.999
fast|fast threshold=1 nonmax=false|fast threshold=254
CASES

# A pipeline holds the input and one result at most, crop is a view, and a
# batch keeps no more than one image needs: the libvips task's shape
# (docs/performance.md) on a 3000x3000 RGB PNG (27 MB decoded, a gradient:
# a small file), JPEG out. Its peak beyond a 16x16 image's is within twice
# the decoded input (before, each step kept its own copy: 2.9 times).
python3 - <<'PY'
import struct, zlib
def png(name, w, h):
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"".join(b"\0" + bytes((x + y) & 255 for x in range(w) for _ in range(3)) for y in range(h))
    with open(name, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
png("big.png", 3000, 3000)
png("small.png", 16, 16)
PY
mkdir -p three && for i in 1 2 3; do cp big.png "three/$i.png"; done
rss() { python3 -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True)
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$CVAPP" -q -j 1 "$@"; }
TASK='crop x=100 y=100 width=2800 height=2800 | resize scale=0.9 interp=linear | convolve kernel="-1 -1 -1; -1 16 -1; -1 -1 -1" scale=0.125'
DECODED_KIB=$((3000 * 3000 * 3 / 1024))
t "the libvips task's shape: the peak beyond a tiny image's is within twice the decoded input"
read -r rc_small kb_small < <(rss -p "gaussian ksize=3" -o small.jpg small.png)
read -r rc_one kb_one < <(rss -p "$TASK" -o big.jpg big.png)
[ "$rc_small" -eq 0 ] && [ "$rc_one" -eq 0 ] && ok || ko "exit $rc_small and $rc_one"
[ $((kb_one - kb_small)) -le $((2 * DECODED_KIB)) ] && ok ||
  ko "peak $((kb_one / 1024)) MiB, a tiny image's $((kb_small / 1024)) MiB: over twice the decoded $((DECODED_KIB / 1024)) MiB"
t "three such images at -j 1 peak within 8 MiB of one: nothing accumulates from image to image"
read -r rc_three kb_three < <(rss -p "$TASK" -f jpg -d out three)
[ "$rc_three" -eq 0 ] && [ "$(find out -name '*.jpg' | wc -l)" -eq 3 ] && ok || ko "exit $rc_three, outputs: $(find out -name '*.jpg' | wc -l)"
[ "$kb_three" -le $((kb_one + 8 * 1024)) ] && ok ||
  ko "three images: $((kb_three / 1024)) MiB, one: $((kb_one / 1024)) MiB"
finish
