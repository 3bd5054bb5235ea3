#!/usr/bin/env bash
# Every features JSON and every --report row cvapp writes is valid against
# docs/schema/features.schema.json and docs/schema/report.schema.json (JSON Schema
# draft-07, which Debian's python3-jsonschema checks from Debian 11 on), and agrees
# with itself (counts, descriptor lengths, contour parents, one stage time per step).
# The runs cover every detector kind (keypoints with and without descriptors,
# lines, circles, contours, no detector) and every row status (ok, error, skipped).
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

# A rerun with --skip-existing: the three done inputs are skipped, the broken one fails again.
t "skipped rows"
run "$CVAPP" -q -d "$W/out/lines" --skip-existing --report "$W/skip.jsonl" \
  -p "grayscale | canny | hough_lines threshold=40 min_length=30 max_gap=5" "$IN"
expect_rc 1
expect_eq "$(grep -c '"status":"skipped"' "$W/skip.jsonl")" 3
expect_eq "$(grep -c '"status":"error"' "$W/skip.jsonl")" 1
echo "$W/skip.jsonl 3" >>"$W/reports"

# One image: --features to a file and to stdout, a report of one row, stdin as input.
t "single image"
run "$CVAPP" -q -p "orb nfeatures=30 descriptors=true | hough_circles param2=60" -o "$W/single/a.png" \
  --features "$W/single/a.json" --report "$W/single.jsonl" "$SRC/samples/fruits.jpg"
expect_rc 0
echo "$W/single.jsonl 2" >>"$W/reports"
run "$CVAPP" -q -p "sift nfeatures=10 descriptors=true" -o "$W/single/b.png" --features - - <"$SRC/samples/home.jpg"
expect_rc 0
cp "$OUT" "$W/single/b.json"
expect_eq "$(head -c 13 "$W/single/b.json")" '{"input":"-",'
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
# 3 good inputs x 7 batches with a detector and features, 4 single-image runs
expect_eq "$(grep -c '' "$W/features")" $((3 * 7 + 4))

"$PY" - "$SRC/docs/schema" "$W/features" "$W/reports" <<'PYEOF'
import base64, copy, json, os, sys
import jsonschema

schema_dir, features_list, reports_list = sys.argv[1:4]
load = lambda p: json.load(open(p, encoding="utf-8"))
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
    for arr in ("keypoints", "lines", "circles", "contours"):
        for it in d[arr]:
            items[it["detector"]] = items.get(it["detector"], 0) + 1
    nonzero = {k: v for k, v in tally.items() if v}
    if d.get("truncated"):  # items may be capped below their counts
        check(all(0 < v <= nonzero.get(k, 0) for k, v in items.items()), f"{name}: items {items} over counts {tally}")
    else:
        check(nonzero == items, f"{name}: items per detector {items}, counts {tally}")
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
    for arr in ("lines", "circles", "contours"):
        if d[arr]:
            seen.add(arr)
    if not steps:
        seen.add("no detector")

for name in open(features_list).read().split():
    d = load(name)
    valid(fv, d, name)
    features_consistent(d, name)

statuses = set()
for line in open(reports_list).read().splitlines():
    report, nsteps = line.split()
    for i, text in enumerate(open(report, encoding="utf-8").read().splitlines()):
        row = json.loads(text)
        where = f"{os.path.basename(report)} row {i + 1}"
        valid(rv, row, where)
        statuses.add(row["status"])
        if row["status"] == "ok":
            check(len(row["stages"]["steps"]) == int(nsteps), f"{where}: {len(row['stages']['steps'])} step times, want {nsteps}")
            if "features" in row:
                d = load(row["features"])
                check(d["counts"] == row["counts"], f"{where}: counts differ from {row['features']}")
                check(row["keypoints"] == len(d["keypoints"]), f"{where}: keypoints {row['keypoints']}, the file has {len(d['keypoints'])}")
                check((row["width"], row["height"]) == (d["width"], d["height"]), f"{where}: size differs from {row['features']}")
                seen.add("row with features")
            else:
                seen.add("row without features")

for what in ("uint8 descriptor", "float32 descriptor", "keypoint without descriptor", "lines", "circles",
             "contours", "nested contour", "no detector", "row with features", "row without features"):
    check(what in seen, f"no output had a {what}: the runs do not cover it")
check(statuses == {"ok", "error", "skipped"}, f"row statuses seen: {sorted(statuses)}")

# The schemas are strict: each of these changes to a valid document must be refused.
names = open(features_list).read().split()
doc = load(names[0])
kp_doc = next(d for d in map(load, names) if d["keypoints"])
bad = []
for mutate in (lambda d: d.update(extra=1), lambda d: d.pop("lines"), lambda d: d.update(width="512"),
               lambda d: d.update(channels=4), lambda d: d["counts"].update(orb=-1)):
    d = copy.deepcopy(doc); mutate(d); bad.append((fv, d))
for mutate in (lambda d: d["keypoints"][0].pop("octave"), lambda d: d["keypoints"][0].update(x="1"),
               lambda d: d["keypoints"][0].update(descriptor="zz")):
    d = copy.deepcopy(kp_doc); mutate(d); bad.append((fv, d))
ok_row = {"input": "a.jpg", "output": "a.png", "status": "ok", "width": 1, "height": 1, "keypoints": 0, "counts": {},
          "stages": {"read": 0, "decode": 0, "steps": [0.5], "encode": 0, "write": 0}, "ms": 1.5}
valid(rv, ok_row, "hand-made ok row")
for mutate in (lambda r: r.pop("stages"), lambda r: r.update(error="x"), lambda r: r.update(status="done"),
               lambda r: r["stages"].update(extra=0), lambda r: r.update(status="skipped"),
               lambda r: r.update(status="error", error="x"), lambda r: r.update(run=1)):
    r = copy.deepcopy(ok_row); mutate(r); bad.append((rv, r))
for i, (v, d) in enumerate(bad):
    check(not v.is_valid(d), f"mutation {i + 1} was accepted: {json.dumps(d)[:200]}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PYEOF
py=$?
finish
fin=$?
[ "$py" -eq 0 ] && [ "$fin" -eq 0 ]
