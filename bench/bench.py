#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""cvapp against a python3-opencv loop, ImageMagick, libvips and a C++ program, in one run.

usage: /usr/bin/python3 bench/bench.py CVAPP [--static=CVAPP] [--quick] [--workloads=a,b] [--update-docs]

Makes the image sets (OpenCV's sample photos scaled to 640x400, 1920x1080,
4000x3000 and 5000x5000 JPEGs, with flips and crops so no two are alike),
builds the C++ peers (bench/cpp_peer.cpp, bench/cpp_start.cpp) against the
same OpenCV, and measures: each workload through every tool; cvapp against
the C++ peer with cvapp's time by stage; start-up (CVAPP and the
static-opencv build --static, against /bin/true and the C++ floor, and what
the time is spent on); a one-image run's wall time split at main()
(bench/timeline.c); the libvips benchmark task; batch throughput at -j 1
and -j 2. Writes bench/results.md, bench/chart.png and, with --update-docs
(old name --update-readme), the figures of docs/performance.md between its
bench:begin and bench:end markers. Needs docker/install-deps.sh --bench.
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
# ImageMagick 6 from Debian's imagemagick (not any other convert on PATH).
CONVERT = "/usr/bin/convert"
OPENCV_INC = "/usr/include/opencv4"
# The libvips benchmark task (libvips wiki, "Speed and memory use"): crop 100
# px off each edge of a 5000x5000 RGB image, shrink 10% bilinear, sharpen with
# the 3x3 kernel below divided by 8, save (JPEG here, quality 95 for every tool).
VIPS_TASK = ('crop x=100 y=100 width=4800 height=4800 | resize scale=0.9 interp=linear | '
             'convolve kernel="-1 -1 -1; -1 16 -1; -1 -1 -1" scale=0.125')
VIPS_MASK = "3 3 8 0\n-1 -1 -1\n-1 16 -1\n-1 -1 -1\n"


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


def timed(cmd, runs=3, shell=False, before=None):
    """The median run by wall time, with its CPU time and peak RSS (GNU time);
    `before` is called ahead of each run (to empty an output directory)."""
    rows = []
    for _ in range(runs):
        if before:
            before()
        with tempfile.NamedTemporaryFile("r") as tf:
            full = ["/usr/bin/time", "-o", tf.name, "-f", "%e %U %S %M"] + (["bash", "-c", cmd] if shell else cmd)
            t0 = time.monotonic()
            r = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            wall = time.monotonic() - t0
            if r.returncode != 0:
                raise SystemExit(f"failed: {cmd}\n{r.stderr[-2000:]}")
            _, user, sys_, rss = tf.read().split()[-4:]
        rows.append({"wall": wall, "cpu": float(user) + float(sys_), "rss_mb": int(rss) / 1024})
    return sorted(rows, key=lambda r: r["wall"])[len(rows) // 2]


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
    """Means over the report's ok rows (every run of one timing): stages, steps, cvapp's own clock."""
    rows = [json.loads(l) for l in open(report) if '"status":"ok"' in l]
    st = {k: statistics.mean(r["stages"][k] for r in rows) for k in ("read", "decode", "encode", "write")}
    nsteps = len(rows[0]["stages"]["steps"])
    steps = [statistics.mean(r["stages"]["steps"][i] for r in rows) for i in range(nsteps)]
    total = statistics.mean(r["ms"] for r in rows)
    return st, steps, total


def build_cpp(work):
    """bench/cpp_peer.cpp and bench/cpp_start.cpp, against the OpenCV cvapp uses."""
    peer, start = os.path.join(work, "cpp_peer"), os.path.join(work, "cpp_start")
    cxx = ["g++", "-std=c++17", "-O2", "-I", OPENCV_INC]
    subprocess.run(cxx + [os.path.join(HERE, "cpp_peer.cpp"), "-o", peer, "-lopencv_imgcodecs",
                          "-lopencv_features2d", "-lopencv_imgproc", "-lopencv_core"], check=True)
    # Every module cvapp links, loaded whether or not a symbol of it is used.
    subprocess.run(cxx + [os.path.join(HERE, "cpp_start.cpp"), "-o", start, "-Wl,--no-as-needed",
                          "-lopencv_calib3d", "-lopencv_features2d", "-lopencv_imgproc", "-lopencv_core"],
                   check=True)
    return peer, start


def emptied(path):
    def f():
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
    return f


def report_means(report):
    """cvapp_stages of a report, and the report removed for the next timing."""
    r = cvapp_stages(report)
    os.remove(report)
    return r


def vs_peer(cvapp, peer, inputs, work, runs):
    """The reference workload (PNG and JSON out) by cvapp -j 2 and by the C++
    peer in 2 processes; cvapp's time by stage, JSON and fsync from the
    differences between runs with and without them."""
    out, rep = os.path.join(work, "out"), os.path.join(work, "rep.jsonl")
    indir = os.path.dirname(inputs[0])
    base = [cvapp, "-q", "-j", "2", "-f", "png", "-p", REF, "-d", out, "--report"]
    reps = [rep.replace(".jsonl", f"-{i}.jsonl") for i in range(4)]
    tools = [("cvapp -j 2", base + [reps[0], indir]),
             ("cvapp -j 2 --no-fsync", base + [reps[1], "--no-fsync", indir]),
             ("cvapp -j 2 --exact", base + [reps[2], "--exact", indir]),
             ("cvapp -j 2 --no-fsync --no-features", base + [reps[3], "--no-fsync", "--no-features", indir]),
             ("C++ peer, 2 processes", [peer, "-j", "2", "reference", out] + inputs),
             ("C++ peer, 2 processes, --no-fsync", [peer, "-j", "2", "--no-fsync", "reference", out] + inputs)]
    # In rounds, each tool once per round, so that the machine's drift over
    # the minute this takes falls on every tool alike; a ratio is the median
    # of the rounds' own ratios.
    got = {name: [] for name, _ in tools}
    for _ in range(runs):
        for name, cmd in tools:
            got[name].append(timed(cmd, runs=1, before=emptied(out)))
    rows, stages = {}, {}
    for i, (name, _) in enumerate(tools):
        rows[name] = sorted(got[name], key=lambda r: r["wall"])[len(got[name]) // 2]
        print(f"peer      {name:38} {rows[name]['wall']:7.2f} s rss {rows[name]['rss_mb']:6.1f} MB", flush=True)
        if i < len(reps):
            stages[name] = report_means(reps[i])
    n = len(inputs)
    md = [f"### cvapp against the C++ peer\n\n{n} JPEGs at 1920x1080, `{REF}`, PNG (zlib level 1) and "
          "features JSON out; cvapp with 2 workers, the peer ([`bench/cpp_peer.cpp`](../bench/cpp_peer.cpp): "
          "imread, cvtColor, GaussianBlur, ORB detect, Canny, imwrite, the JSON by fprintf) in 2 processes "
          f"splitting the list, 1 OpenCV thread each as cvapp's workers. {runs} rounds, each running every "
          "tool once in turn; the median run of each, and `cvapp / this` the median of the rounds' own "
          "ratios (drift between rounds falls on both sides alike).", "",
          "| tool | wall s | images/s | CPU s | peak RSS MB | cvapp / this |", "|---|---:|---:|---:|---:|---:|"]
    for name, row in rows.items():
        pair = "cvapp -j 2 --no-fsync" if "no-fsync" in name else "cvapp -j 2"
        ratio = (f"{statistics.median(a['wall'] / b['wall'] for a, b in zip(got[pair], got[name])):.2f}x"
                 if "peer" in name else "")
        md.append(f"| {name} | {row['wall']:.2f} | {n / row['wall']:.1f} | {row['cpu']:.2f} | "
                  f"{row['rss_mb']:.0f} | {ratio} |")
    st, steps, total = stages["cvapp -j 2"]
    nosync = stages["cvapp -j 2 --no-fsync"][0]["write"]
    nojson = stages["cvapp -j 2 --no-fsync --no-features"][0]["write"]
    wall_img = rows["cvapp -j 2"]["wall"] * 2 * 1000 / n
    parts = [("read", st["read"]), ("decode", st["decode"])]
    parts += [(p.split()[0], v) for p, v in zip(REF.split("|"), steps)]
    parts += [("encode PNG", st["encode"]), ("features JSON", nosync - nojson),
              ("fsync", st["write"] - nosync), ("write and rename", nojson)]
    md += ["", "Where cvapp's time goes on that run (ms per image, means over the report rows of every run; "
           "the JSON and fsync are the differences between the runs with and without them; `outside` is "
           "the wall time spread over the 2 workers less cvapp's per-image clock: process start, the "
           "workers' scheduling and the tail where one worker has finished, less the publication (fsyncs, "
           "renames) that ran behind the next image, which the per-image clock counts: negative when that "
           "is the larger):", "",
           "| " + " | ".join(k for k, _ in parts) + " | per image | wall x 2 / n | outside |",
           "|" + "---:|" * (len(parts) + 3)]
    md.append("| " + " | ".join(f"{v:.2f}" for _, v in parts) + f" | {total:.2f} | {wall_img:.2f} | "
              f"{wall_img - total:.2f} |")
    return md


def perf_split(cmd, work, runs):
    """CPU ms per run of cmd by where it ran: perf record over `runs` runs."""
    data = os.path.join(work, "perf.data")
    loop = f"for i in $(seq {runs}); do {cmd} >/dev/null; done"
    r = subprocess.run(["perf", "record", "-q", "-F", "10000", "-o", data, "--", "sh", "-c", loop],
                       capture_output=True)
    if r.returncode != 0:
        return None
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"], capture_output=True,
                         text=True).stdout
    prog = os.path.basename(cmd.split()[0])[:15]
    split = {}
    for line in out.splitlines():
        f = line.split()
        if not f or f[0] != prog:
            continue
        dso = line.rsplit("(", 1)[-1]
        kind = ("kernel" if "kernel" in dso or f[1].startswith("ffff") else
                "ld.so" if "ld-linux" in dso else
                "OpenCV" if "libopencv" in dso else
                "TBB" if "libtbb" in dso else
                "the program" if os.path.basename(dso.rstrip(")")) == prog else "other libraries")
        split[kind] = split.get(kind, 0) + 1
    return {k: v / 10 / runs for k, v in split.items()}  # 10 samples a ms


def ld_stats(cmd, runs=9):
    """Libraries needed, relocations, and the loader's own cycles (LD_DEBUG=statistics, median of runs)."""
    env = dict(os.environ, LD_DEBUG="statistics")
    found = []
    for _ in range(runs):
        err = subprocess.run(cmd.split(), env=env, capture_output=True, text=True).stderr
        found.append({k: int(m.group(1).replace(",", "")) for k, m in
                      ((k, re.search(k + r":\s*([\d,]+)", err)) for k in
                       ("final number of relocations", "number of relative relocations",
                        "total startup time in dynamic loader")) if m})
    def med(k):
        return statistics.median(f.get(k, 0) for f in found)
    libs = subprocess.run(["ldd", cmd.split()[0]], capture_output=True, text=True).stdout
    nlibs = len([l for l in libs.splitlines() if "=>" in l])
    return nlibs, med("final number of relocations") + med("number of relative relocations"), \
        med("total startup time in dynamic loader")


def perf_stat(cmd, runs):
    """task-clock ms and page faults per run (perf stat -r)."""
    r = subprocess.run(["perf", "stat", "-x,", "-r", str(runs), "-e", "task-clock,page-faults"] + cmd.split(),
                       capture_output=True, text=True)
    vals = {}
    for line in r.stderr.splitlines():
        f = line.split(",")
        if len(f) > 2 and f[0].replace(".", "").isdigit():
            vals[f[2]] = float(f[0])
    return vals.get("task-clock", 0.0), vals.get("page-faults", 0.0)


def startup(cvapp, static, start, small, work, runs):
    """`--version` of both builds against /bin/true and the C++ floor (hyperfine -N),
    a one-image run's fixed cost, and what the start-up is spent on."""
    cmds = [("/bin/true", "/bin/true"), ("C++ with cvapp's OpenCV modules", start),
            ("cvapp --version (dynamic)", f"{cvapp} --version")]
    if static:
        cmds.append(("cvapp --version (static-opencv)", f"{static} --version"))
    # A one-image run of each build, each with its own report (its per-image clock).
    # The default pipeline is the reference one.
    ones = [("dynamic", cvapp)] + ([("static-opencv", static)] if static else [])
    reps = {}
    for build, binary in ones:
        reps[build] = os.path.join(work, f"one-{build}.jsonl")
        cmds.append((f"cvapp, one 640x400 image ({build})",
                     f"{binary} -q --no-fsync --report {reps[build]} {small} -o {work}/one.png "
                     f"--features {work}/one.json"))
    hf = os.path.join(work, "hf.json")
    subprocess.run(["hyperfine", "-N", "--warmup", "20", "--runs", str(runs), "--export-json", hf]
                   + [c for _, c in cmds], check=True, stdout=subprocess.DEVNULL)
    res = json.load(open(hf))["results"]
    # The per-image clocks of hyperfine's runs alone (perf's runs below add rows, slower).
    image_ms = {build: statistics.median(json.loads(l)["ms"] for l in open(reps[build])) for build, _ in ones}
    md = [f"### Start-up\n\n`hyperfine -N`, {runs} runs after 20 warm-up runs (median and mean, ms); "
          "CPU ms and page faults per run by `perf stat`; the libraries mapped, the relocations and the "
          "dynamic loader's own time by `LD_DEBUG=statistics` (cycles); the CPU time by where it ran "
          "(perf record at 10 kHz over 100 runs, ms per run; in the static build OpenCV is part of the "
          "program; the one-image run's OpenCV column includes the image work).", "",
          "| program | median ms | mean ms | CPU ms | page faults | libraries | relocations | loader Mcycles "
          "| kernel | ld.so | OpenCV | TBB | other libraries | the program |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (name, cmd), r in zip(cmds, res):
        cpu, faults = perf_stat(cmd, 50)
        nlibs, relocs, cycles = ld_stats(cmd)
        split = perf_split(cmd, work, 100) or {}
        md.append(f"| {name} | {r['median'] * 1000:.2f} | {r['mean'] * 1000:.2f} | {cpu:.2f} | {faults:.0f} | "
                  f"{nlibs} | {relocs:.0f} | {cycles / 1e6:.2f} | " +
                  " | ".join(f"{split.get(k, 0):.2f}" for k in ("kernel", "ld.so", "OpenCV", "TBB",
                                                                "other libraries", "the program")) + " |")
    md += ["", "A one-image run (`cvapp --no-fsync` with the reference pipeline on one 640x400 JPEG, PNG and "
           "JSON out): the wall time's median, cvapp's own per-image clock (the median of the report rows of "
           "hyperfine's runs), and the fixed cost, the difference:", "",
           "| build | wall ms | per-image clock ms | fixed cost ms |", "|---|---:|---:|---:|"]
    by_name = {name: r for (name, _), r in zip(cmds, res)}
    for build, _ in ones:
        wall = by_name[f"cvapp, one 640x400 image ({build})"]["median"] * 1000
        md.append(f"| {build} | {wall:.2f} | {image_ms[build]:.2f} | {wall - image_ms[build]:.2f} |")
    print("\n".join(md), flush=True)
    return md


def timeline(cvapp, static, start, small, work, rounds):
    """A one-image run's wall time split at main() (bench/timeline.c), beside the C++ floor and
    `--version`, run in turn so that each starts after the same work."""
    tl, pre = os.path.join(work, "timeline"), os.path.join(work, "timeline.so")
    src = os.path.join(HERE, "timeline.c")
    subprocess.run(["cc", "-O2", "-o", tl, src], check=True)
    subprocess.run(["cc", "-O2", "-DTIMELINE_PRELOAD", "-shared", "-fPIC", "-o", pre, src, "-ldl"], check=True)
    cmds = [("C++ with cvapp's OpenCV modules", [start], None),
            ("cvapp --version (dynamic)", [cvapp, "--version"], None)]
    for build, binary in [("dynamic", cvapp)] + ([("static-opencv", static)] if static else []):
        rep = os.path.join(work, f"timeline-{build}.jsonl")
        if os.path.exists(rep):
            os.remove(rep)
        cmds.append((f"cvapp, one 640x400 image ({build})",
                     [binary, "-q", "--no-fsync", "--report", rep, small, "-o", os.path.join(work, "tl.png"),
                      "--features", os.path.join(work, "tl.json")], rep))
    # Before each program, the same unmeasured one: a one-image run of the last build (the caches
    # and the CPUs' state then the same for all).
    before = cmds[-1][1][:4] + [os.path.join(work, "timeline-before.jsonl")] + cmds[-1][1][5:]
    argv = [tl, str(rounds), os.path.join(work, "timeline.txt"), pre, "--"]
    for i, (_, cmd, _) in enumerate(cmds):
        argv += ([":::"] if i else []) + before + [":::"] + cmd
    subprocess.run(argv, check=True)
    runs = [[float(x) for x in l.split()] for l in open(os.path.join(work, "timeline.txt"))]
    runs = [[(r[0] - 1) / 2] + r[1:] for r in runs if int(r[0]) % 2 == 1]  # the measured ones
    md = ["### Where a one-image run's time goes\n\n"
          f"`bench/timeline.c`: {rounds} rounds, each running the programs below once in turn, each after the "
          "same unmeasured one-image run (so that each starts after the same work); the medians, ms. *To main*: from `posix_spawn` to `main()` (the kernel's "
          "exec, the loader, the libraries' initialisers); *in main*: cvapp's own work besides the image "
          "(options, the batch's set-up, the report row); *the image*: cvapp's per-image clock (its report, "
          "reading to publishing); *exit*: from `main()`'s return to the process reaped (destructors, the "
          "threads' end, the kernel unmapping the process).", "",
          "| program | to main | in main | the image | exit | wall | wall less the image |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    for k, (name, _, rep) in enumerate(cmds):
        mine = [r for r in runs if int(r[0]) == k][2:]  # the first rounds warm the caches
        image = [json.loads(l)["ms"] for l in open(rep)][2:] if rep else [0.0] * len(mine)
        def med(v):
            return f"{statistics.median(v):.2f}"
        # main() unseen (a program the preload cannot wrap, such as a static one): the split is unknown.
        seen = all(r[2] >= 0 for r in mine)
        split = [med(r[2] - r[1] for r in mine), med(r[3] - r[2] - i for r, i in zip(mine, image))] \
            if seen else ["n/a", "n/a"]
        md.append(f"| {name} | {split[0]} | {split[1]} | {med(image)} | "
                  f"{med(r[4] - r[3] for r in mine) if seen else 'n/a'} | {med(r[4] - r[1] for r in mine)} | "
                  f"{med(r[4] - r[1] - i for r, i in zip(mine, image))} |")
    print("\n".join(md), flush=True)
    return md


def vips_task(cvapp, peer, work, runs):
    """The libvips benchmark task by cvapp, the vips CLI, ImageMagick and the C++ peer."""
    src = make_set(os.path.join(work, "in5k"), (5000, 5000), 1)[0]
    mask = os.path.join(work, "mask.mat")
    open(mask, "w").write(VIPS_MASK)
    o = os.path.join(work, "o5k")
    tools = [("cvapp", [cvapp, "-q", "--no-fsync", "--quality", "95", "-p", VIPS_TASK, src, "-o", o + ".jpg"]),
             ("vips CLI (crop, similarity, conv through .v files)",
              f"vips crop {src} {o}1.v 100 100 4800 4800 && vips similarity {o}1.v {o}2.v --scale 0.9 "
              f"--interpolate bilinear && vips conv {o}2.v {o}.jpg[Q=95] {mask} --precision integer && "
              f"rm {o}1.v {o}2.v"),
             ("ImageMagick (convert)", [CONVERT, src, "-crop", "4800x4800+100+100", "+repage", "-filter", "Triangle",
                                        "-resize", "90%", "-define", "convolve:scale=0.125", "-morphology",
                                        "Convolve", "3x3: -1,-1,-1 -1,16,-1 -1,-1,-1", "-quality", "95",
                                        o + ".jpg"]),
             ("C++ peer", [peer, "vips", src, o + ".jpg"])]
    decoded = 5000 * 5000 * 3 / 2**20
    md = ["### The libvips benchmark task\n\nOne 5000x5000 RGB JPEG: crop 100 px off each edge, shrink 10% "
          "bilinear, sharpen with the 3x3 kernel `-1 -1 -1; -1 16 -1; -1 -1 -1` / 8, JPEG quality 95 out. "
          f"cvapp: `{VIPS_TASK}` with `--no-fsync` (no other tool syncs); vips: mask file `3 3 8 0` with "
          "`--precision integer`; ImageMagick: `-filter Triangle -resize 90%` and `-morphology Convolve` with "
          f"`convolve:scale=0.125`. Median of {runs} runs; the decoded input is {decoded:.0f} MB.", "",
          "| tool | wall s | CPU s | peak RSS MB | peak / decoded input | wall / cvapp's |",
          "|---|---:|---:|---:|---:|---:|"]
    rows = []
    for name, cmd in tools:
        row = timed(cmd, runs=runs, shell=isinstance(cmd, str))
        rows.append((name, row))
        print(f"vips-task {name:50} {row['wall']:7.2f} s rss {row['rss_mb']:6.1f} MB", flush=True)
    for name, row in rows:
        md.append(f"| {name} | {row['wall']:.2f} | {row['cpu']:.2f} | {row['rss_mb']:.0f} | "
                  f"{row['rss_mb'] / decoded:.1f}x | {row['wall'] / rows[0][1]['wall']:.2f}x |")
    return md


def throughput(cvapp, sets, work, runs):
    """Images per second at -j 1 and -j 2 on the reference workload (PNG and JSON out),
    and cvapp's stages at each, which show what slows down when two workers share the machine."""
    out, rep = os.path.join(work, "out"), os.path.join(work, "rep.jsonl")
    md = ["### Batch throughput\n\n`cvapp -j N -f png` on the reference workload, fsync on, median of "
          f"{runs} runs. `busy` is cvapp's own per-image clock (mean over the report rows); "
          "`wall x N / n` is the wall time spread over the N workers: the gap between them is time no "
          "worker spent on an image (start-up, the last images when one worker has nothing left). "
          "At -j 1 cvapp gives OpenCV 2 threads (workers x threads = CPUs), at -j 2 one each: the ratio "
          "is what a second worker adds to the steps' own threads, not to one core.", "",
          "| set | MP | images | -j 1 images/s | -j 2 images/s | -j 2 / -j 1 | -j 1 busy ms | -j 2 busy ms "
          "| -j 1 wall x 1 / n | -j 2 wall x 2 / n |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    stage_md = ["", "The same runs by stage (ms per image; `write` includes the JSON and fsync):", "",
                "| set | -j | read | decode | " + " | ".join(p.split()[0] for p in REF.split("|")) +
                " | encode | write | busy |", "|---|---:|" + "---:|" * (len(REF.split("|")) + 5)]
    for name, (w, h), inputs in sets:
        n = len(inputs)
        got = {}
        for j in (1, 2):
            row = timed([cvapp, "-q", "-j", str(j), "-f", "png", "-p", REF, "-d", out, "--report", rep,
                         os.path.dirname(inputs[0])], runs=runs, before=emptied(out))
            st, steps, total = report_means(rep)
            got[j] = (n / row["wall"], total, row["wall"] * j * 1000 / n)
            stage_md.append(f"| {name} | {j} | {st['read']:.1f} | {st['decode']:.1f} | " +
                            " | ".join(f"{v:.1f}" for v in steps) +
                            f" | {st['encode']:.1f} | {st['write']:.1f} | {total:.1f} |")
            print(f"thru      {name:9} -j {j} {got[j][0]:7.1f} img/s", flush=True)
        md.append(f"| {name} | {w * h / 1e6:.2f} | {n} | {got[1][0]:.1f} | {got[2][0]:.1f} | "
                  f"{got[2][0] / got[1][0]:.2f} | {got[1][1]:.1f} | {got[2][1]:.1f} | {got[1][2]:.1f} | "
                  f"{got[2][2]:.1f} |")
    return md + stage_md


def main():
    cvapp = os.path.abspath(sys.argv[1])
    static = [os.path.abspath(a.split("=", 1)[1]) for a in sys.argv if a.startswith("--static=")]
    quick = "--quick" in sys.argv
    n1080, n4k = (12, 4) if quick else (48, 12)
    runs = 3 if quick else 5
    work = tempfile.mkdtemp(prefix="cvapp-bench-")
    try:
        load = [os.getloadavg()]
        peer, start = build_cpp(work)
        sets = {"1080p": make_set(os.path.join(work, "in1080"), (1920, 1080), n1080),
                "4000x3000": make_set(os.path.join(work, "in4k"), (4000, 3000), n4k)}
        small = make_set(os.path.join(work, "in640"), (640, 400), 4 * n1080)
        workloads = [("reference", REF), ("filter", FILTER), ("thumb", THUMB)]
        only = [a.split("=", 1)[1].split(",") for a in sys.argv if a.startswith("--workloads=")]
        if only:
            workloads = [w for w in workloads if w[0] in only[0]]
        results = []  # (set, workload, tool, row)
        stage_rows = []
        rep = os.path.join(work, "rep.jsonl")
        for setname, inputs in sets.items():
            indir = os.path.dirname(inputs[0])
            for wl, spec in workloads:
                out = os.path.join(work, "out")
                tools = [("cvapp -j 2", [cvapp, "-q", "-j", "2", "-p", spec, "-d", out, "--report", rep]
                          + (["--no-features"] if wl != "reference" else [])
                          + (["-f", "jpg"] if wl == "thumb" else ["-f", "png"]) + [indir]),
                         ("python3-opencv loop", ["/usr/bin/python3", os.path.join(HERE, "pyloop.py"), wl, out] + inputs)]
                if wl != "reference":
                    tools += [("ImageMagick per file", per_file("magick", inputs, out, wl)),
                              ("libvips per file", per_file("vips", inputs, out, wl))]
                for name, cmd in tools:
                    row = timed(cmd, runs=1 if "per file" in name and setname != "1080p" else 3,
                                shell=isinstance(cmd, str), before=emptied(out))
                    row["ips"] = len(inputs) / row["wall"]
                    results.append((setname, wl, name, row))
                    print(f"{setname:9} {wl:9} {name:22} {row['wall']:7.2f} s {row['ips']:7.1f} img/s "
                          f"cpu {row['cpu']:6.2f} s rss {row['rss_mb']:6.1f} MB", flush=True)
                    if name.startswith("cvapp"):
                        st, steps, total = report_means(rep)
                        # Busy time per image across both workers, from the wall clock.
                        wall_per_img = row["wall"] * 2 * 1000 / len(inputs)
                        stage_rows.append((setname, wl, spec, st, steps, total, wall_per_img))
        # Batch-size independence of peak memory.
        few = timed([cvapp, "-q", "-j", "2", "-p", REF, "-d", os.path.join(work, "o1")] + sets["1080p"][:4])
        many = timed([cvapp, "-q", "-j", "2", "-p", REF, "-d", os.path.join(work, "o2")] + sets["1080p"])
        more = vs_peer(cvapp, peer, sets["1080p"], work, runs)
        more += [""] + startup(cvapp, static[0] if static else None, start, small[0], work, 50 if quick else 200)
        more += [""] + timeline(cvapp, static[0] if static else None, start, small[0], work, 30 if quick else 100)
        more += [""] + vips_task(cvapp, peer, work, runs)
        more += [""] + throughput(cvapp, [("640x400", (640, 400), small), ("1080p", (1920, 1080), sets["1080p"]),
                                          ("4000x3000", (4000, 3000), sets["4000x3000"])], work, runs)
        load.append(os.getloadavg())
        write_outputs(cvapp, results, stage_rows, few, many, len(sets["1080p"]), more, load,
                      "--update-docs" in sys.argv or "--update-readme" in sys.argv, n1080, n4k)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fstype():
    """The file system the outputs go to (fsync's cost depends on it)."""
    r = subprocess.run(["findmnt", "-n", "-o", "FSTYPE", "-T", tempfile.gettempdir()], capture_output=True, text=True)
    return r.stdout.strip() or "?"


def write_outputs(cvapp, results, stage_rows, few, many, nmany, more, load, update_docs, n1080, n4k):
    ver = subprocess.run([cvapp, "--version"], capture_output=True, text=True).stdout.split("\n")
    cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
    debian = open("/etc/debian_version").read().strip() if os.path.exists("/etc/debian_version") else "?"
    md = [f"Measured by `bench/bench.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} CPUs ({cpu.group(1).strip() if cpu else 'unknown CPU'}), Debian {debian}, "
          f"{ver[0]}, {ver[1]}; load average (1 min) {load[0][0]:.2f} at the start, {load[1][0]:.2f} at the "
          f"end; files on {fstype()} ({tempfile.gettempdir()}). "
          f"Sets: {n1080} JPEGs at 1920x1080 and {n4k} at 4000x3000 made from the samples. "
          "Wall time is the median of 3 runs (1 for per-file CLIs on the large set); CPU is user+system; "
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
           f"{many['rss_mb']:.0f} MB for {nmany}.", ""] + more
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
