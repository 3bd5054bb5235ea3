#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every features JSON and every --report row cvapp writes is valid against
# docs/schema/features.schema.json and docs/schema/report.schema.json (JSON Schema
# draft-07, which Debian's python3-jsonschema checks from Debian 11 on), and agrees
# with itself (counts, descriptor lengths, contour parents, one stage time per step).
# The runs cover every detector kind (keypoints with and without descriptors,
# lines, circles, contours, template boxes, match sections, no detector), every row status (ok, error, skipped,
# ignored), steps cut by --max-features, a file name that is not UTF-8 (the
# *_bytes keys) and a report appended to by two runs.
# usage: schema_test.sh CVAPP SRCDIR
set -u
CVAPP=$1 SRC=$(cd "$2" && pwd)
. "$SRC/tests/lib.sh"
[ -d "$SRC/docs" ] || skip_all "no docs/ in $SRC"
PY=/usr/bin/python3
"$PY" -c 'import jsonschema' 2>/dev/null || skip_all "python3-jsonschema missing"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

IN=$W/in
mkdir -p "$IN" "$W/single"
# Half-size copies of the samples keep the JSON small enough to validate quickly.
for s in fruits home building; do
  "$CVAPP" -q -p "resize scale=0.5 interp=area" -o "$IN/$s.jpg" --quality 90 "$SRC/samples/$s.jpg" ||
    ko "cannot make the input $s.jpg"
done
head -c 3000 "$SRC/samples/home.jpg" >"$IN/broken.jpg"
NIN=4 # inputs in $IN, one of them broken
: >"$W/reports"
: >"$W/appended"

# batch NAME NSTEPS EXTRA_INPUTS... -- CVAPP_ARGS...: a batch over $IN (plus extra inputs)
# into $W/out/NAME with a report; every input gets a row, the broken one an error.
batch() {
  local name=$1 nsteps=$2 extra=()
  shift 2
  while [ "$1" != -- ]; do extra+=("$1"); shift; done
  shift
  t "batch $name"
  run "$CVAPP" -q -d "$W/out/$name" --report "$W/$name.jsonl" "$@" "$IN" "${extra[@]}"
  expect_rc 1
  expect_err "broken.jpg: corrupt JPEG data"
  expect_eq "$(grep -c '' "$W/$name.jsonl")" $((NIN + ${#extra[@]}))
  echo "$W/$name.jsonl $nsteps" >>"$W/reports"
}

batch nodetector 1 "$SRC/samples/chessboard.png" -- -p "gaussian ksize=3"
batch default 4 -- -j 2
batch descriptors 4 -- -p "orb nfeatures=100 descriptors=true | brisk descriptors=true | akaze descriptors=true | sift nfeatures=50 descriptors=true"
batch keypoints 6 -- -p "fast threshold=30 | gftt max_corners=100 | harris | blobs | sift nfeatures=20 | orb nfeatures=50"
batch lines 3 -- -p "grayscale | canny | hough_lines threshold=40 min_length=30 max_gap=5"
batch circles 3 -- -p "grayscale | median ksize=5 | hough_circles min_dist=30 param2=40"
batch contours 4 -- -p "grayscale | threshold type=otsu | contours mode=tree min_area=20 | contours mode=ccomp method=none"
batch everything 1 -- -p @"$SRC/samples/features.pipeline"
batch mixed 7 -- -p "orb nfeatures=20 | sift nfeatures=5 descriptors=true | grayscale | canny | hough_lines threshold=60 | contours min_area=50 | hough_circles min_dist=40 param2=50" --no-features -f jpg

batch capped 5 -- -p "orb nfeatures=100 | grayscale | canny | hough_lines threshold=40 | contours" --max-features 5
batch matching 2 -- -p "template ref=$SRC/tests/refs/fruits_crop.png threshold=0.2 max_count=40 | match ref=$SRC/tests/refs/building_part.png cross_check=true" --max-features 30
batch noimage 1 -- -p "orb nfeatures=20" --no-image

# A rerun with --skip-existing appends to the first run's report: the three
# done inputs are skipped, the broken one fails again.
t "skipped rows, appended report"
cp "$W/lines.jsonl" "$W/lines.first"
run "$CVAPP" -q -d "$W/out/lines" --skip-existing --report "$W/lines.jsonl" \
  -p "grayscale | canny | hough_lines threshold=40 min_length=30 max_gap=5" "$IN"
expect_rc 1
expect_eq "$(head -n "$NIN" "$W/lines.jsonl" | cmp - "$W/lines.first" && echo same)" same
expect_eq "$(tail -n +$((NIN + 1)) "$W/lines.jsonl" | grep -c '"status":"skipped"')" 3
expect_eq "$(tail -n +$((NIN + 1)) "$W/lines.jsonl" | grep -c '"status":"error"')" 1
expect_eq "$(grep -o '"run":"[0-9a-f]*"' "$W/lines.jsonl" | uniq -c | awk '{print $1}' | tr '\n' ' ')" "$NIN $NIN "
echo "$W/lines.jsonl" >>"$W/appended"
# The same with --no-image: a skipped row has no image, so no size.
run "$CVAPP" -q -d "$W/out/noimage" --skip-existing --report "$W/noimage.jsonl" -p "orb nfeatures=20" --no-image "$IN"
expect_rc 1
expect_eq "$(tail -n +$((NIN + 1)) "$W/noimage.jsonl" | grep '"status":"skipped"' | grep -c '"image":false')" 3
echo "$W/noimage.jsonl" >>"$W/appended"

# A walked directory with files that are no input: one ignored row each, with its reason.
t "ignored rows"
mkdir -p "$W/walk"
cp "$IN/home.jpg" "$W/walk/a.jpg"
echo "not an image" >"$W/walk/notes.txt"
: >"$W/walk/empty.jpg"
ln -s "$W/nowhere.jpg" "$W/walk/gone.jpg"
run "$CVAPP" -q -d "$W/out/walk" --report "$W/walk.jsonl" "$W/walk"
expect_rc 0
expect_eq "$(grep -c '"status":"ok"' "$W/walk.jsonl")" 1
expect_eq "$(grep -o '"reason":"[^"]*"' "$W/walk.jsonl" | sort | tr '\n' ' ')" \
  '"reason":"dangling symbolic link" "reason":"empty file" "reason":"not a JPEG or PNG" '
echo "$W/walk.jsonl 4" >>"$W/reports"

# A name that is not UTF-8: the strings show U+FFFD, the *_bytes keys hold the bytes.
t "name not UTF-8"
mkdir -p "$W/latin1"
cp "$IN/fruits.jpg" "$W/latin1/"$'caf\xe9.jpg'
run "$CVAPP" -q -d "$W/out/latin1" --report "$W/latin1.jsonl" -p "orb nfeatures=20" "$W/latin1"
expect_rc 0
expect_eq "$(grep -c '"input_bytes":".*"output_bytes":".*"features_bytes":"' "$W/latin1.jsonl")" 1
expect_file "$W/out/latin1/"$'caf\xe9.json'
echo "$W/latin1.jsonl 1" >>"$W/reports"

# One image: --features to a file and to stdout, a report of one row, stdin as input.
t "single image"
run "$CVAPP" -q -p "orb nfeatures=30 descriptors=true | hough_circles param2=60" -o "$W/single/a.png" \
  --features "$W/single/a.json" --report "$W/single.jsonl" "$SRC/samples/fruits.jpg"
expect_rc 0
echo "$W/single.jsonl 2" >>"$W/reports"
run "$CVAPP" -q -p "sift nfeatures=10 descriptors=true" -o "$W/single/b.png" --features - - <"$SRC/samples/home.jpg"
expect_rc 0
cp "$OUT" "$W/single/b.json"
expect_eq "$(head -c 24 "$W/single/b.json")" '{"format":1,"input":"-",'
# No detector: no JSON beside a -d output, but one named with --features is written.
run "$CVAPP" -q -p "gaussian ksize=3" -o "$W/single/c.png" --features "$W/single/c.json" "$SRC/samples/chessboard.png"
expect_rc 0

# Without -o or -d: NAME.cvapp.json beside the input, default pipeline.
t "beside the input"
cp "$IN/home.jpg" "$W/single/beside.jpg"
run "$CVAPP" -q "$W/single/beside.jpg"
expect_rc 0
expect_file "$W/single/beside.cvapp.json"

find "$W/out" "$W/single" -name '*.json' | sort >"$W/features"
t "features files written"
# 3 good inputs x 10 batches with a detector and features (not nodetector, not
# mixed), 4 single-image runs, the walked directory's image, the name that is
# not UTF-8
expect_eq "$(grep -c '' "$W/features")" $((3 * 10 + 4 + 1 + 1))

"$PY" - "$SRC/docs/schema" "$W/features" "$W/reports" "$W/appended" <<'PYEOF'
import base64, copy, json, os, sys
import jsonschema

schema_dir, features_list, reports_list, appended_list = sys.argv[1:5]
load = lambda p: json.load(open(p, encoding="utf-8"))
# Paths as the OS gives them: bytes that are not UTF-8 survive as surrogates.
lines_of = lambda p: open(p, encoding="utf-8", errors="surrogateescape").read().splitlines()
fsbytes = os.fsencode
fs = load(os.path.join(schema_dir, "features.schema.json"))
rs = load(os.path.join(schema_dir, "report.schema.json"))
for s in (fs, rs):
    jsonschema.Draft7Validator.check_schema(s)
fv = jsonschema.Draft7Validator(fs)
rv = jsonschema.Draft7Validator(rs)
passed = failed = 0

def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL [schema]: " + what, file=sys.stderr)

def valid(v, doc, what):
    errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    check(not errs, f"{what}: " + "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errs[:3]))

seen = set()
def features_consistent(d, name):
    """What the schema cannot say: counts add up, descriptors fit their step, parents exist."""
    steps = d["detectors"]
    tally = {}
    for s in steps:
        tally[s["detector"]] = tally.get(s["detector"], 0) + s["count"]
    check(d["counts"] == tally, f"{name}: counts {d['counts']} are not the detectors' sums {tally}")
    items = {}
    for arr in ("keypoints", "lines", "circles", "contours", "boxes"):
        for it in d[arr]:
            items[it["detector"]] = items.get(it["detector"], 0) + 1
    # A match step's matches name its own keypoints, at most max_features of them.
    for m in d["matches"]:
        mine = [i for i, k in enumerate(d["keypoints"]) if k["detector"] == m["detector"]]
        check(all(x["keypoint"] in mine and x["ref_keypoint"] < m["ref_keypoints"] for x in m["matches"]),
              f"{name}: a match names a keypoint that is not its step's")
        check(m["model"]["inliers"] >= sum(x["inlier"] for x in m["matches"]),
              f"{name}: more inlier matches than the model's inliers")
        check((m["model"]["matrix"] is None) == (m["corners"] is None), f"{name}: corners without a matrix")
        check(not m["model"]["found"] or m["model"]["matrix"] is not None, f"{name}: found without a matrix")
        if "max_features" in d:
            check(len(m["matches"]) <= d["max_features"], f"{name}: {len(m['matches'])} matches over max_features")
        seen.add("match found" if m["model"]["found"] else "match not found")
    nonzero = {k: v for k, v in tally.items() if v}
    check(nonzero == items, f"{name}: items per detector {items}, counts {tally}")
    cut = [s for s in steps if "found" in s]
    check(bool(cut) == ("truncated" in d), f"{name}: truncated is {d.get('truncated')}, {len(cut)} steps were cut")
    for s in steps:
        if "found" in s:  # --max-features kept the strongest max_features of found
            check(s["count"] == d["max_features"] < s["found"],
                  f"{name}: {s['detector']} kept {s['count']} of {s['found']}, max_features {d['max_features']}")
            seen.add("truncated step")
        elif "max_features" in d:
            check(s["count"] <= d["max_features"], f"{name}: {s['detector']} kept {s['count']} over max_features")
    if "input_bytes" in d:
        raw = base64.b64decode(d["input_bytes"], validate=True)
        check(raw.decode("utf-8", "replace") == d["input"], f"{name}: input_bytes {raw!r} does not read as {d['input']!r}")
        check(os.path.exists(raw), f"{name}: input_bytes names no file: {raw!r}")
        seen.add("input_bytes")
    desc = {s["detector"]: (s.get("descriptor_type"), s.get("descriptor_length")) for s in steps}
    for k in d["keypoints"]:
        typ, n = desc[k["detector"]]
        if typ is None:
            check("descriptor" not in k, f"{name}: a {k['detector']} keypoint has a descriptor its step did not compute")
            seen.add("keypoint without descriptor")
            continue
        if "descriptor" not in k:
            check(False, f"{name}: a {k['detector']} keypoint lacks its descriptor")
        elif typ == "uint8":
            check(len(k["descriptor"]) == 2 * n, f"{name}: {k['detector']} hex descriptor of {len(k['descriptor'])} digits, want {2 * n}")
            seen.add("uint8 descriptor")
        else:
            check(len(base64.b64decode(k["descriptor"], validate=True)) == 4 * n,
                  f"{name}: {k['detector']} float32 descriptor is not {n} values")
            seen.add("float32 descriptor")
    for i, c in enumerate(d["contours"]):
        check(c["parent"] < len(d["contours"]) and c["parent"] != i, f"{name}: contour {i} has parent {c['parent']}")
        if c["parent"] >= 0:
            seen.add("nested contour")
    for arr in ("lines", "circles", "contours", "boxes"):
        if d[arr]:
            seen.add(arr)
    if not steps:
        seen.add("no detector")

for name in lines_of(features_list):
    d = load(name)
    valid(fv, d, name)
    features_consistent(d, name)

def path_of(row, key):
    """The path a row names, exact: from KEY_bytes when the name is not UTF-8."""
    if key + "_bytes" not in row:
        return row[key]
    raw = base64.b64decode(row[key + "_bytes"], validate=True)
    check(raw.decode("utf-8", "replace") == row[key], f"{key}_bytes {raw!r} does not read as {row[key]!r}")
    seen.add(key + "_bytes")
    return raw

statuses = set()
for line in lines_of(reports_list):
    report, nsteps = line.split()
    for i, text in enumerate(open(report, encoding="utf-8").read().splitlines()):
        row = json.loads(text)
        where = f"{os.path.basename(report)} row {i + 1}"
        valid(rv, row, where)
        statuses.add(row["status"])
        check(os.path.lexists(path_of(row, "input")) or row["input"] == "-", f"{where}: no input {row['input']}")
        if row["status"] == "ignored":
            seen.add("ignored row")
        if row["status"] == "skipped" and row.get("image") is False:
            seen.add("skipped no-image row")
        if row["status"] == "ok":
            if row.get("image") is False:
                seen.add("no-image row")
                check("features" in row, f"{where}: --no-image row without features")
            else:
                check(os.path.isfile(path_of(row, "output")), f"{where}: no output {row['output']}")
            check(len(row["stages"]["steps"]) == int(nsteps), f"{where}: {len(row['stages']['steps'])} step times, want {nsteps}")
            if "features" in row:
                d = load(path_of(row, "features"))
                check(d.get("truncated") == row.get("truncated"), f"{where}: truncated differs from {row['features']}")
                if row.get("truncated"):
                    seen.add("truncated row")
                check(d["counts"] == row["counts"], f"{where}: counts differ from {row['features']}")
                check(row["keypoints"] == len(d["keypoints"]), f"{where}: keypoints {row['keypoints']}, the file has {len(d['keypoints'])}")
                check((row["width"], row["height"]) == (d["width"], d["height"]), f"{where}: size differs from {row['features']}")
                seen.add("row with features")
            else:
                seen.add("row without features")

# An appended report: each run's rows together, in time order; the last row of an input is its final state.
for report in lines_of(appended_list):
    rows = [json.loads(t) for t in open(report, encoding="utf-8").read().splitlines()]
    runs = [r["run"] for r in rows]
    order = [k for i, k in enumerate(runs) if i == 0 or runs[i - 1] != k]
    check(len(order) == 2 == len(set(order)), f"{report}: runs {order}, want two, one after the other")
    check([r["time"] for r in rows] == sorted(r["time"] for r in rows), f"{report}: times out of order")
    last = {r["input"]: r["status"] for r in rows}
    check(sorted(last.values()) == ["error", "skipped", "skipped", "skipped"], f"{report}: final states {last}")
    seen.add("appended report")

for what in ("uint8 descriptor", "float32 descriptor", "keypoint without descriptor", "lines", "circles",
             "contours", "nested contour", "no detector", "row with features", "row without features",
             "truncated step", "truncated row", "ignored row", "no-image row", "skipped no-image row", "input_bytes", "output_bytes", "features_bytes",
             "appended report", "boxes", "match found", "match not found"):
    check(what in seen, f"no output had a {what}: the runs do not cover it")
check(statuses == {"ok", "error", "skipped", "ignored"}, f"row statuses seen: {sorted(statuses)}")

# The schemas are strict: each of these changes to a valid document must be refused.
names = lines_of(features_list)
doc = next(d for d in map(load, names) if "truncated" not in d)
kp_doc = next(d for d in map(load, names) if d["keypoints"])
bad = []
cut_doc = next(d for d in map(load, names) if "truncated" in d)
for mutate in (lambda d: d.update(extra=1), lambda d: d.pop("lines"), lambda d: d.update(width="512"),
               lambda d: d.update(channels=4), lambda d: d["counts"].update(orb=-1), lambda d: d.pop("format"),
               lambda d: d.update(format=2), lambda d: d.update(truncated=True), lambda d: d.update(input_bytes="caf\u00e9")):
    d = copy.deepcopy(doc); mutate(d); bad.append((fv, d))
for mutate in (lambda d: d.pop("max_features"), lambda d: d.update(truncated=False),
               lambda d: next(s for s in d["detectors"] if "found" in s).pop("truncated"),
               lambda d: d["detectors"][0].update(found=0, truncated=True)):
    d = copy.deepcopy(cut_doc); mutate(d); bad.append((fv, d))
for mutate in (lambda d: d["keypoints"][0].pop("octave"), lambda d: d["keypoints"][0].update(x="1"),
               lambda d: d["keypoints"][0].update(descriptor="zz")):
    d = copy.deepcopy(kp_doc); mutate(d); bad.append((fv, d))
head = {"format": 1, "run": "0123456789abcdef", "time": "2026-01-02T03:04:05.678Z", "input": "a.jpg"}
ok_row = dict(head, output="a.png", status="ok", width=1, height=1, keypoints=0, counts={},
              stages={"read": 0, "decode": 0, "steps": [0.5], "encode": 0, "write": 0}, ms=1.5)
ignored_row = dict(head, status="ignored", reason="empty file")
skipped_row = dict(head, output="a.png", status="skipped", size=100, width=1, height=1)
for what, r in (("ok", ok_row), ("ignored", ignored_row), ("skipped", skipped_row)):
    valid(rv, r, f"hand-made {what} row")
for mutate in (lambda r: r.pop("stages"), lambda r: r.update(error="x"), lambda r: r.update(status="done"),
               lambda r: r["stages"].update(extra=0), lambda r: r.update(status="skipped"),
               lambda r: r.update(status="error", error="x"), lambda r: r.update(run=1),
               lambda r: r.update(run="0123456789ABCDEF"), lambda r: r.update(time="2026-01-02 03:04:05"),
               lambda r: r.pop("format"), lambda r: r.update(reason="x"), lambda r: r.update(output_bytes="!!"),
               lambda r: r.update(features_bytes="YQ==")):
    r = copy.deepcopy(ok_row); mutate(r); bad.append((rv, r))
for mutate in (lambda r: r.pop("reason"), lambda r: r.update(output="a.png"), lambda r: r.update(ms=1.0)):
    r = copy.deepcopy(ignored_row); mutate(r); bad.append((rv, r))
for mutate in (lambda r: r.pop("size"), lambda r: r.update(ms=1.0), lambda r: r.update(keypoints=0)):
    r = copy.deepcopy(skipped_row); mutate(r); bad.append((rv, r))
for i, (v, d) in enumerate(bad):
    check(not v.is_valid(d), f"mutation {i + 1} was accepted: {json.dumps(d)[:200]}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PYEOF
py=$?
finish
fin=$?
[ "$py" -eq 0 ] && [ "$fin" -eq 0 ]
