#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""cvapp against a python3-opencv loop, ImageMagick and libvips, in one run.

usage: /usr/bin/python3 bench/bench.py CVAPP [--quick] [--workloads=a,b] [--update-docs]

Makes the image sets (OpenCV's sample photos scaled to 1920x1080 and
4000x3000 JPEGs, with flips and crops so no two are alike), runs each
workload through every tool, and writes bench/results.md, bench/chart.png
and, with --update-docs (old name --update-readme), the figures of
docs/performance.md between its bench:begin and bench:end markers.
Needs docker/install-deps.sh --bench.
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REF = "grayscale | gaussian ksize=5 sigma=1.5 | orb nfeatures=500 | canny low=50 high=150"
FILTER = "grayscale | gaussian ksize=5 sigma=1.5"
THUMB = "resize width=320"  # 320 wide, aspect kept, interp=auto (area)
CONVERT = "/usr/bin/convert"


def make_set(dirname, size, count):
    os.makedirs(dirname, exist_ok=True)
    srcs = [os.path.join(ROOT, "samples", f) for f in sorted(os.listdir(os.path.join(ROOT, "samples")))
            if f.endswith(".jpg") and ".cvapp." not in f]
    w, h = size
    for i in range(count):
        img = cv2.imread(srcs[i % len(srcs)])
        v = i // len(srcs)
        # A different crop and flip per copy: real content, no two files alike.
        ch, cw = img.shape[:2]
        m = 4 * (v % 8)
        img = img[m:ch - m // 2, (3 * m) // 2:cw - m]
        if v & 1:
            img = cv2.flip(img, 1)
        if v & 2:
            img = cv2.flip(img, 0)
        img = cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(os.path.join(dirname, f"img{i:03d}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return sorted(os.path.join(dirname, f) for f in os.listdir(dirname))


def timed(cmd, runs=3, shell=False):
    """Best-of-runs wall time; CPU time and peak RSS of that run (GNU time)."""
    best = None
    for _ in range(runs):
        with tempfile.NamedTemporaryFile("r") as tf:
            full = ["/usr/bin/time", "-o", tf.name, "-f", "%e %U %S %M"] + (["bash", "-c", cmd] if shell else cmd)
            t0 = time.monotonic()
            r = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            wall = time.monotonic() - t0
            if r.returncode != 0:
                raise SystemExit(f"failed: {cmd}\n{r.stderr[-2000:]}")
            _, user, sys_, rss = tf.read().split()[-4:]
        row = {"wall": wall, "cpu": float(user) + float(sys_), "rss_mb": int(rss) / 1024}
        if best is None or row["wall"] < best["wall"]:
            best = row
    return best


def per_file(tool, inputs, out, workload):
    """A shell loop that runs a per-file CLI once (or twice) per image."""
    lines = []
    for p in inputs:
        s = os.path.join(out, os.path.splitext(os.path.basename(p))[0])
        if tool == "magick":
            if workload == "thumb":
                lines.append(f"{CONVERT} {p} -thumbnail 320x -quality 95 {s}.jpg")
            else:
                lines.append(f"{CONVERT} {p} -colorspace Gray -blur 0x1.5 {s}.png")
        else:
            if workload == "thumb":
                lines.append(f"vipsthumbnail {p} -s 320x -o {s}.jpg[Q=95]")
            else:
                lines.append(f"vips colourspace {p} {s}.v b-w && vips gaussblur {s}.v {s}.png 1.5 && rm {s}.v")
    return "set -e\n" + "\n".join(lines)


def cvapp_stages(report):
    rows = [json.loads(l) for l in open(report) if '"status":"ok"' in l]
    st = {k: statistics.mean(r["stages"][k] for r in rows) for k in ("read", "decode", "encode", "write")}
    nsteps = len(rows[0]["stages"]["steps"])
    steps = [statistics.mean(r["stages"]["steps"][i] for r in rows) for i in range(nsteps)]
    total = statistics.mean(r["ms"] for r in rows)
    return st, steps, total


def main():
    cvapp = os.path.abspath(sys.argv[1])
    quick = "--quick" in sys.argv
    n1080, n4k = (12, 4) if quick else (48, 12)
    work = tempfile.mkdtemp(prefix="cvapp-bench-")
    try:
        sets = {"1080p": make_set(os.path.join(work, "in1080"), (1920, 1080), n1080),
                "4000x3000": make_set(os.path.join(work, "in4k"), (4000, 3000), n4k)}
        workloads = [("reference", REF), ("filter", FILTER), ("thumb", THUMB)]
        only = [a.split("=", 1)[1].split(",") for a in sys.argv if a.startswith("--workloads=")]
        if only:
            workloads = [w for w in workloads if w[0] in only[0]]
        results = []  # (set, workload, tool, row)
        stage_rows = []
        for setname, inputs in sets.items():
            indir = os.path.dirname(inputs[0])
            for wl, spec in workloads:
                out = os.path.join(work, "out")
                tools = [("cvapp -j 2", [cvapp, "-q", "-j", "2", "-p", spec, "-d", out, "--report",
                                         os.path.join(work, "rep.jsonl")] + (["--no-features"] if wl != "reference" else [])
                          + (["-f", "jpg"] if wl == "thumb" else []) + [indir]),
                         ("python3-opencv loop", ["/usr/bin/python3", os.path.join(HERE, "pyloop.py"), wl, out] + inputs)]
                if wl != "reference":
                    tools += [("ImageMagick per file", per_file("magick", inputs, out, wl)),
                              ("libvips per file", per_file("vips", inputs, out, wl))]
                for name, cmd in tools:
                    shutil.rmtree(out, ignore_errors=True)
                    os.makedirs(out)
                    row = timed(cmd, runs=1 if "per file" in name and setname != "1080p" else 3,
                                shell=isinstance(cmd, str))
                    row["ips"] = len(inputs) / row["wall"]
                    results.append((setname, wl, name, row))
                    print(f"{setname:9} {wl:9} {name:22} {row['wall']:7.2f} s {row['ips']:7.1f} img/s "
                          f"cpu {row['cpu']:6.2f} s rss {row['rss_mb']:6.1f} MB", flush=True)
                    if name.startswith("cvapp"):
                        st, steps, total = cvapp_stages(os.path.join(work, "rep.jsonl"))
                        # Busy time per image across both workers, from the wall clock.
                        wall_per_img = row["wall"] * 2 * 1000 / len(inputs)
                        stage_rows.append((setname, wl, spec, st, steps, total, wall_per_img))
        # Batch-size independence of peak memory, and start-up.
        few = timed([cvapp, "-q", "-j", "2", "-p", REF, "-d", os.path.join(work, "o1")] + sets["1080p"][:4])
        many = timed([cvapp, "-q", "-j", "2", "-p", REF, "-d", os.path.join(work, "o2")] + sets["1080p"])
        hf = os.path.join(work, "hf.json")
        subprocess.run(["hyperfine", "-N", "--warmup", "20", "--runs", "200", "--export-json", hf,
                        f"{cvapp} --version"], check=True, stdout=subprocess.DEVNULL)
        startup_ms = json.load(open(hf))["results"][0]["mean"] * 1000
        write_outputs(cvapp, results, stage_rows, few, many, len(sets["1080p"]), startup_ms,
                      "--update-docs" in sys.argv or "--update-readme" in sys.argv, n1080, n4k)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_outputs(cvapp, results, stage_rows, few, many, nmany, startup_ms, update_docs, n1080, n4k):
    ver = subprocess.run([cvapp, "--version"], capture_output=True, text=True).stdout.split("\n")
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
    md = [f"Measured by `bench/bench.py` on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs "
          f"({cpu.group(1).strip() if cpu else 'unknown CPU'}), {ver[0]}, {ver[1]}. "
          f"Sets: {n1080} JPEGs at 1920x1080 and {n4k} at 4000x3000 made from the samples. "
          "Wall time is the best of 3 runs (1 for per-file CLIs on the large set); CPU is user+system; "
          "RSS is the peak of the largest process.", "",
          "| set | workload | tool | wall s | images/s | CPU s | peak RSS MB | vs cvapp |",
          "|---|---|---|---:|---:|---:|---:|---:|"]
    base = {}
    for setname, wl, name, row in results:
        if name.startswith("cvapp"):
            base[(setname, wl)] = row["wall"]
        ratio = row["wall"] / base[(setname, wl)]
        md.append(f"| {setname} | {wl} | {name} | {row['wall']:.2f} | {row['ips']:.1f} | {row['cpu']:.2f} | "
                  f"{row['rss_mb']:.0f} | {ratio:.1f}x |")
    md += ["", "Workloads: `reference` = `" + REF + "`, PNG and features JSON out; "
           "`filter` = `" + FILTER + "`, PNG out (ImageMagick: `-colorspace Gray -blur 0x1.5`; "
           "libvips: `colourspace b-w` then `gaussblur 1.5`); `thumb` = `" + THUMB + "`, JPEG out "
           "(`convert -thumbnail 320x`, `vipsthumbnail -s 320x`).", "",
           "cvapp's time per image by stage (means over the set, ms; `sum` adds the stages, `total` is "
           "cvapp's own per-image clock, `wall x 2 / n` is the batch's wall time spread over its 2 workers):", "",
           "| set | workload | read | decode | steps | encode | write | sum | total | wall x 2 / n |",
           "|---|---|---:|---:|---|---:|---:|---:|---:|---:|"]
    for setname, wl, spec, st, steps, total, wpi in stage_rows:
        s = st["read"] + st["decode"] + sum(steps) + st["encode"] + st["write"]
        names = [p.split()[0] for p in spec.split("|")]
        stxt = ", ".join(f"{n} {v:.1f}" for n, v in zip(names, steps))
        md.append(f"| {setname} | {wl} | {st['read']:.1f} | {st['decode']:.1f} | {stxt} | {st['encode']:.1f} | "
                  f"{st['write']:.1f} | {s:.1f} | {total:.1f} | {wpi:.1f} |")
    md += ["", f"Peak RSS of `cvapp -j 2` on the reference workload: {few['rss_mb']:.0f} MB for 4 images, "
           f"{many['rss_mb']:.0f} MB for {nmany}. Start-up (`cvapp --version`, hyperfine, 200 runs): "
           f"{startup_ms:.1f} ms."]
    text = "\n".join(md) + "\n"
    open(os.path.join(HERE, "results.md"), "w").write(text)
    chart(results)
    print(text)
    if update_docs:
        page = os.path.join(ROOT, "docs", "performance.md")
        s = open(page).read()
        s, n = re.subn(r"(<!-- bench:begin -->\n).*?(<!-- bench:end -->)", lambda m: m.group(1) + text + m.group(2),
                       s, flags=re.S)
        if n != 1:
            sys.exit(f"bench.py: {page} needs one bench:begin/bench:end marker pair")
        open(page, "w").write(s)


def chart(results):
    """Images per second per tool, one group of bars per (set, workload)."""
    groups = []
    for setname, wl, name, row in results:
        key = f"{setname} {wl}"
        if not groups or groups[-1][0] != key:
            groups.append((key, []))
        groups[-1][1].append((name, row["ips"]))
    colors = {"cvapp -j 2": (60, 140, 40), "python3-opencv loop": (200, 120, 30),
              "ImageMagick per file": (40, 40, 200), "libvips per file": (150, 60, 150)}
    W, rowh, left = 1000, 22, 300
    H = 60 + sum(len(g[1]) * rowh + 26 for g in groups) + 40
    img = np.full((H, W, 3), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(img, "images per second (higher is better)", (20, 30), font, 0.7, (0, 0, 0), 2, cv2.LINE_AA)
    y = 60
    for key, bars in groups:
        top = max(v for _, v in bars)
        cv2.putText(img, key, (20, y + 14), font, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        y += 22
        for name, v in bars:
            w = int((W - left - 120) * v / top)
            cv2.rectangle(img, (left, y), (left + max(w, 1), y + rowh - 6), colors.get(name, (90, 90, 90)), -1)
            cv2.putText(img, name, (40, y + 12), font, 0.45, (50, 50, 50), 1, cv2.LINE_AA)
            cv2.putText(img, f"{v:.1f}", (left + w + 8, y + 12), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
            y += rowh
        y += 4
    cv2.imwrite(os.path.join(HERE, "chart.png"), img)


if __name__ == "__main__":
    main()
