# SPDX-License-Identifier: MIT
# Parity cases for the op catalogue (loaded by parity.py, which provides
# cv2, np, gray and orb).  Each case: (name, cvapp pipeline, function of the
# decoded input -> (image, keypoints or None[, {"lines"|"circles"|"contours": items}])).
# Keypoints given as {"keypoints": k, "descriptors": d} compare descriptors too.

import math

f32 = np.float32
GREEN, RED, YELLOW = (0, 255, 0), (0, 0, 255), (0, 255, 255)


def g9(x):
    """A double as the features JSON prints it: 9 significant digits."""
    return float("%.9g" % x)


def half(fn):
    """A case run on the image shrunk by "resize scale=0.5 interp=area" (for
    the slow ones: the chessboard sample is 13 megapixels)."""
    return lambda im: fn(cv2.resize(im, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))


def same(fn):
    """A filter case: the image is fn(im), there are no keypoints."""
    return lambda im: (fn(im), None)


def detect(det, descriptors=False):
    """A keypoint detector case: the image passes unchanged."""
    def case(im):
        if not descriptors:
            return im, det().detect(im)
        kps, desc = det().detectAndCompute(im, None)
        return im, {"keypoints": kps, "descriptors": desc}
    return case


def derivative(im, fn):
    return cv2.convertScaleAbs(fn(im))


def convert(im, alpha, beta):
    # Mat::convertTo has no binding; convertScaleAbs does the same float
    # arithmetic and takes the absolute value, which only matters below 0,
    # where convertTo saturates to 0.
    out = cv2.convertScaleAbs(im, alpha=alpha, beta=beta)
    out[im.astype(np.float64) * alpha + beta < 0] = 0
    return out


def morph(op, ksize=3, shape=cv2.MORPH_RECT, iterations=1):
    kernel = cv2.getStructuringElement(shape, (ksize, ksize))
    return same(lambda im: cv2.morphologyEx(im, op, kernel, iterations=iterations))


def harris(im, block=2, ksize=3, k=0.04, threshold=0.01):
    r = cv2.cornerHarris(gray(im), block, ksize, k)
    strongest = float(r.max())
    if strongest <= 0:
        return []
    ys, xs = np.nonzero(r.astype(np.float64) > threshold * strongest)
    return [cv2.KeyPoint(float(x), float(y), float(block), -1, float(r[y, x]), 0)
            for y, x in zip(ys, xs)]


def blob_detector(min_area=25, max_area=5000, min_circularity=0, dark=True):
    p = cv2.SimpleBlobDetector_Params()
    p.minArea, p.maxArea = min_area, max_area
    p.filterByCircularity = min_circularity > 0
    if p.filterByCircularity:  # OpenCV 4.10 refuses 0 even unfiltered
        p.minCircularity = min_circularity
    p.blobColor = 0 if dark else 255
    return cv2.SimpleBlobDetector_create(p)


def hough_lines(edges, rho=1, theta=1, threshold=50, min_length=0, max_gap=0):
    lines = cv2.HoughLinesP(edges, rho, theta * np.pi / 180, threshold,
                            minLineLength=min_length, maxLineGap=max_gap)
    return [] if lines is None else [tuple(int(v) for v in l[0]) for l in lines]


def hough_circles(im, dp=1, min_dist=20, param1=100, param2=100, min_radius=0, max_radius=0):
    c = cv2.HoughCircles(gray(im), cv2.HOUGH_GRADIENT, dp, min_dist, param1=param1,
                         param2=param2, minRadius=min_radius, maxRadius=max_radius)
    return [] if c is None else [tuple(f32(v) for v in x) for x in c[0]]


def contours(binary, mode=cv2.RETR_EXTERNAL, method=cv2.CHAIN_APPROX_SIMPLE, min_area=0):
    """findContours as the features JSON lists it: small ones dropped,
    parents pointing at the nearest kept enclosing contour."""
    cs, hier = cv2.findContours(binary, mode, method)
    kept, out = {}, []
    for i, c in enumerate(cs):
        area = cv2.contourArea(c)
        if area < min_area:
            continue
        kept[i] = len(out)
        out.append([g9(area), g9(cv2.arcLength(c, True)), tuple(cv2.boundingRect(c)), -1,
                    tuple((int(p[0][0]), int(p[0][1])) for p in c), c])
    for i, k in kept.items():
        up = hier[0][i][3]
        while up >= 0 and up not in kept:
            up = hier[0][up][3]
        out[k][3] = kept[up] if up >= 0 else -1
    return out


def items(found):
    return [tuple(c[:5]) for c in found]


def otsu(im):
    return cv2.threshold(gray(im), 127, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]


def auto_thickness(im):
    """draw thickness=0: max(1, round(min(w, h) / 500)), ties to even."""
    return min(32, max(1, round(min(im.shape[:2]) / 500)))


def rich_keypoints(out, kps, color, thickness):
    """cv2.drawKeypoints(DRAW_RICH_KEYPOINTS) drawn with a thickness: the
    same circle and radius (1/16 pixel coordinates, LINE_AA)."""
    f = np.float32
    for k in kps:
        centre = (round(f(k.pt[0]) * f(16)), round(f(k.pt[1]) * f(16)))
        radius = round(f(k.size) / f(2) * f(16))
        cv2.circle(out, centre, radius, color, thickness, cv2.LINE_AA, 4)
        if k.angle != -1:
            rad = float(f(f(k.angle) * f(math.pi)) / f(180))
            orient = (round(math.cos(rad) * radius), round(math.sin(rad) * radius))
            cv2.line(out, centre, (centre[0] + orient[0], centre[1] + orient[1]), color,
                     thickness, cv2.LINE_AA, 4)
    return out


def draw(im, sets, color=GREEN, thickness=0):
    """draw: each set's contours, lines, circles, keypoints, then boxes."""
    out = cv2.cvtColor(im, cv2.COLOR_GRAY2BGR) if im.ndim == 2 else im.copy()
    thickness = thickness or auto_thickness(im)
    for s in sets:
        if s.get("contours"):
            cv2.drawContours(out, [c[5] for c in s["contours"]], -1, color, thickness)
        for x1, y1, x2, y2 in s.get("lines", []):
            cv2.line(out, (x1, y1), (x2, y2), color, thickness)
        for x, y, r in s.get("circles", []):
            cv2.circle(out, (int(np.rint(x)), int(np.rint(y))), int(np.rint(r)), color, thickness)
        if thickness > 1:
            out = rich_keypoints(out, s.get("keypoints", []), color, thickness)
        else:
            out = cv2.drawKeypoints(out, s.get("keypoints", []), out, color,
                                    cv2.DRAW_MATCHES_FLAGS_DRAW_OVER_OUTIMG
                                    | cv2.DRAW_MATCHES_FLAGS_DRAW_RICH_KEYPOINTS)
        for x, y, w, h, _ in s.get("boxes", []):
            cv2.rectangle(out, (x, y), (x + w - 1, y + h - 1), color, thickness)
    return out


TM = {"sqdiff": cv2.TM_SQDIFF, "sqdiff_normed": cv2.TM_SQDIFF_NORMED, "ccorr": cv2.TM_CCORR,
      "ccorr_normed": cv2.TM_CCORR_NORMED, "ccoeff": cv2.TM_CCOEFF,
      "ccoeff_normed": cv2.TM_CCOEFF_NORMED}


def ref_image(name):
    """A reference image of tests/refs as cvapp decodes it (alpha dropped)."""
    im = cv2.imread(f"{here}/refs/{name}", cv2.IMREAD_UNCHANGED)
    return im[:, :, :3].copy() if im.ndim == 3 and im.shape[2] == 4 else im


def template_hits(im, templ, method="ccoeff_normed", threshold=0.8, overlap=0.3, max_count=100):
    """template: matchTemplate, then the best place while it passes the
    threshold, each hit dropping the places whose box overlaps it by more
    than `overlap` (intersection over union) and its own."""
    if templ.ndim != im.ndim:
        templ = cv2.cvtColor(templ, cv2.COLOR_GRAY2BGR if im.ndim == 3 else cv2.COLOR_BGR2GRAY)
    r = cv2.matchTemplate(im, templ, TM[method])
    lowest = method.startswith("sqdiff")
    worst = np.finfo(np.float32).max * (1 if lowest else -1)
    r = cv2.patchNaNs(r, float(worst))
    h, w = templ.shape[:2]
    hits = []
    while len(hits) < max_count:
        lo, hi, at_lo, at_hi = cv2.minMaxLoc(r)
        score, (x, y) = (lo, at_lo) if lowest else (hi, at_hi)
        if not (score <= threshold and score < worst if lowest else score >= threshold and score > worst):
            break
        hits.append((x, y, w, h, f32(score)))
        y0, y1, x0, x1 = max(y - h + 1, 0), min(y + h - 1, r.shape[0] - 1), max(x - w + 1, 0), \
            min(x + w - 1, r.shape[1] - 1)
        dy = np.abs(np.arange(y0, y1 + 1) - y)[:, None]
        dx = np.abs(np.arange(x0, x1 + 1) - x)[None, :]
        inter = ((w - dx) * (h - dy)).astype(np.float64)
        window = r[y0:y1 + 1, x0:x1 + 1]
        window[inter / (2 * (float(w) * h) - inter) > overlap] = worst
        r[y, x] = worst
    return hits


def template_case(ref, to_gray=False, drawn=None, **kw):
    def case(im):
        if to_gray:
            im = gray(im)
        hits = template_hits(im, ref_image(ref), **kw)
        out = im if drawn is None else draw(im, [{"boxes": hits}], *drawn)
        return out, None, {"boxes": hits}
    return case


MODELS = {"homography": 0, "affine": 1, "similarity": 2}
ROBUST = {"ransac": cv2.RANSAC, "lmeds": cv2.LMEDS, "usac": cv2.USAC_DEFAULT}


def match_detector(detector, nfeatures=0, threshold=0):
    """match's detector: 0 keeps the detector's own default."""
    if detector == "orb":
        return cv2.ORB_create(nfeatures or 500, fastThreshold=int(round(threshold)) if threshold else 20)
    if detector == "sift":
        return cv2.SIFT_create(nfeatures, contrastThreshold=threshold or 0.04)
    if detector == "akaze":
        return cv2.AKAZE_create(threshold=threshold or 0.001)
    return cv2.BRISK_create(int(round(threshold)) if threshold else 30, 3)


def outline(m, w, h, inliers, min_inliers, iw, ih):
    """The reference's corners mapped as cv::perspectiveTransform does, and found."""
    eps = float(np.finfo(np.float32).eps)
    corners, ok = [], inliers >= min_inliers
    for x, y in ((0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))):
        z = x * m[6] + y * m[7] + m[8]
        ok = ok and abs(z) > eps
        z = 1.0 / z if abs(z) > eps else 0.0
        corners.append(((x * m[0] + y * m[1] + m[2]) * z, (x * m[3] + y * m[4] + m[5]) * z))
    turns = []
    area = 0.0
    for k in range(4):
        a, b, d = corners[k], corners[(k + 1) % 4], corners[(k + 2) % 4]
        turns.append((b[0] - a[0]) * (d[1] - b[1]) - (b[1] - a[1]) * (d[0] - b[0]))
        area += a[0] * b[1] - b[0] * a[1]
        ok = (ok and math.isfinite(a[0]) and math.isfinite(a[1]) and abs(a[0] - iw / 2.0) <= 1.5 * iw
              and abs(a[1] - ih / 2.0) <= 1.5 * ih)
    convex = all(t > 0 for t in turns) or all(t < 0 for t in turns)
    return corners, ok and convex and abs(area) / 2 >= 1


def match_section(im, ref, detector="orb", nfeatures=0, threshold=0, ratio=0.75,
                  cross_check=False, model="homography", method="ransac", reproj=3,
                  min_inliers=10):
    """What a match step finds: (image keypoints, descriptors, the JSON section as ITEM
    makes it, the inlier keypoints, the corners and found)."""
    det = match_detector(detector, nfeatures, threshold)
    kq, dq = det.detectAndCompute(im, None)
    kt, dt = det.detectAndCompute(ref, None)
    norm = cv2.NORM_HAMMING if dq.dtype == np.uint8 else cv2.NORM_L2
    if cross_check:
        pairs = [(m.queryIdx, m.trainIdx, m.distance) for m in cv2.BFMatcher(norm, True).match(dq, dt)]
    else:
        pairs = [(p[0].queryIdx, p[0].trainIdx, p[0].distance)
                 for p in cv2.BFMatcher(norm).knnMatch(dq, dt, k=2)
                 if len(p) == 2 and p[0].distance < ratio * p[1].distance]
    need = {"homography": 4, "affine": 3, "similarity": 2}[model]
    matrix, mask = None, [0] * len(pairs)
    if len(pairs) >= need:
        src = np.float32([kt[t].pt for _, t, _ in pairs])
        dst = np.float32([kq[q].pt for q, _, _ in pairs])
        if model == "homography":
            m, mk = cv2.findHomography(src, dst, ROBUST[method], reproj, maxIters=2000, confidence=0.995)
        elif model == "affine":
            m, mk = cv2.estimateAffine2D(src, dst, method=ROBUST[method], ransacReprojThreshold=reproj,
                                         maxIters=2000, confidence=0.995)
        else:
            m, mk = cv2.estimateAffinePartial2D(src, dst, method=ROBUST[method],
                                                ransacReprojThreshold=reproj, maxIters=2000,
                                                confidence=0.995)
        if m is not None and m.size:
            matrix = list(m.ravel()) + ([0.0, 0.0, 1.0] if m.shape[0] == 2 else [])
            mask = [int(v) for v in mk.ravel()]
    inliers = sum(mask)
    corners, found = (outline(matrix, ref.shape[1], ref.shape[0], inliers, min_inliers,
                              im.shape[1], im.shape[0])
                      if matrix else (None, False))
    section = (ref.shape[1], ref.shape[0], len(kt),
               tuple((q, t, f32(d), bool(k)) for (q, t, d), k in zip(pairs, mask)),
               model, tuple(matrix) if matrix else None, inliers, found,
               tuple((g9(x), g9(y)) for x, y in corners) if corners else None)
    inlier_kps = [kq[q] for (q, _, _), k in zip(pairs, mask) if k]
    return kq, dq, section, inlier_kps, corners, found


def match_case(ref, drawn=None, **kw):
    def case(im):
        kq, dq, section, inlier_kps, corners, found = match_section(im, ref_image(ref), **kw)
        out = im
        if drawn:
            color, thickness = drawn
            out = draw(im, [{"keypoints": inlier_kps}], color, thickness)
            if found:
                pts = [(int(np.rint(x)), int(np.rint(y))) for x, y in corners]
                for k in range(4):
                    cv2.line(out, pts[k], pts[(k + 1) % 4], color, thickness)
        return out, {"keypoints": kq, "descriptors": dq}, {"matches": [section]}
    return case


INTERP = {"nearest": cv2.INTER_NEAREST, "linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC,
          "lanczos": cv2.INTER_LANCZOS4}
BORDER = {"constant": cv2.BORDER_CONSTANT, "replicate": cv2.BORDER_REPLICATE,
          "reflect": cv2.BORDER_REFLECT, "reflect101": cv2.BORDER_REFLECT101}


def warp_case(ref, interp="linear", border="constant", **kw):
    """match ... | warp ... missing=pass: the image in the reference's frame where
    the model was found, else unchanged."""
    def case(im):
        r = ref_image(ref)
        kq, dq, section, _, _, found = match_section(im, r, **kw)
        out = im
        if found:
            m = np.float64(section[5]).reshape(3, 3)
            flags = INTERP[interp] | cv2.WARP_INVERSE_MAP
            size = (r.shape[1], r.shape[0])
            if section[4] == "homography":
                out = cv2.warpPerspective(im, m, size, flags=flags, borderMode=BORDER[border])
            else:
                out = cv2.warpAffine(im, m[:2], size, flags=flags, borderMode=BORDER[border])
        return out, {"keypoints": kq, "descriptors": dq}, {"matches": [section]}
    return case


def lines_case(low, high, **kw):
    def case(im):
        e = cv2.Canny(im, low, high)
        return e, None, {"lines": hough_lines(e, **kw)}
    return case


def circles_case(im, **kw):
    m = cv2.medianBlur(im, 5)
    return m, None, {"circles": hough_circles(m, **kw)}


def contours_case(binarize, **kw):
    def case(im):
        b = binarize(im)
        return b, None, {"contours": items(contours(b, **kw))}
    return case


def draw_all(im):
    b = otsu(im)
    cs = contours(b, min_area=100)
    e = cv2.Canny(b, 50, 150)
    ls = hough_lines(e, threshold=40, min_length=20)
    out = draw(e, [{"contours": cs}, {"lines": ls}], RED, 2)
    return out, None, {"contours": items(cs), "lines": ls}


def draw_keypoints(im):
    kps = cv2.ORB_create(100).detect(im)
    m = cv2.medianBlur(im, 5)
    cs = hough_circles(m, param2=60)
    return draw(m, [{"keypoints": kps}, {"circles": cs}], YELLOW, 3), kps, {"circles": cs}


def draw_gray(im):
    g = gray(im)
    kps = cv2.SIFT_create(50).detect(g)
    return draw(g, [{"keypoints": kps}]), kps


def interp_auto(im, w, h):
    """resize interp=auto: area when no side grows, else cubic."""
    return cv2.INTER_AREA if w <= im.shape[1] and h <= im.shape[0] else cv2.INTER_CUBIC


def aspect(to, other, side):
    """The other side when `side` becomes `to`: round half to even, at least 1."""
    return max(1, round(to * other / side))


def resize_to(w=0, h=0, fit="fill", enlarge=True, interp=None):
    """resize width=w height=h fit=... enlarge=... with cv2.resize(dsize)."""
    def fn(im):
        ih, iw = im.shape[:2]
        tw, th = w, h
        if w and h and fit != "fill":
            if (w * ih <= h * iw) == (fit == "inside"):
                th = aspect(w, ih, iw)
            else:
                tw = aspect(h, iw, ih)
        elif not h:
            th = aspect(w, ih, iw)
        elif not w:
            tw = aspect(h, iw, ih)
        if not enlarge and (tw > iw or th > ih):
            return im
        mode = interp_auto(im, tw, th) if interp is None else interp
        return cv2.resize(im, (tw, th), interpolation=mode)
    return same(fn)


def resize_scale(f):
    """resize scale=f (auto): cv2.resize with fx = fy = f, sizes as OpenCV rounds them."""
    def fn(im):
        tw, th = round(im.shape[1] * f), round(im.shape[0] * f)
        return cv2.resize(im, None, fx=f, fy=f, interpolation=interp_auto(im, tw, th))
    return same(fn)


def crop_box(x=0, y=0, w=0, h=0, gravity="northwest", clamp=False):
    """crop with gravity, percentages ("50%": round(P / 100 * side)) and clamp."""
    def px(v, side):
        return round(float(v[:-1]) / 100 * side) if isinstance(v, str) else v

    def fn(im):
        H, W = im.shape[:2]
        bx, by, bw, bh = px(x, W), px(y, H), px(w, W), px(h, H)
        bw, bh = bw or W - bx, bh or H - by
        col = {"west": 0, "center": 1, "east": 2}
        row = {"north": 0, "center": 1, "south": 2}
        g = {"center": (1, 1), "centre": (1, 1)}.get(gravity)
        if g is None:
            g = (row.get(gravity[:5], 1) if gravity[:5] in ("north", "south") else 1,
                 col.get(gravity[-4:], 1) if gravity[-4:] in ("west", "east") else 1)

        def start(a, whole, n, off):
            return off if a == 0 else whole - n - off if a == 2 else (whole - n) // 2 + off
        top, left = start(g[0], H, bh, by), start(g[1], W, bw, bx)
        bottom, right = top + bh, left + bw
        if clamp:
            top, left, bottom, right = max(top, 0), max(left, 0), min(bottom, H), min(right, W)
        assert 0 <= top < bottom <= H and 0 <= left < right <= W, "box outside the image"
        return im[top:bottom, left:right]
    return same(fn)


def rotate_any(angle, expand=True, background=(0, 0, 0)):
    """rotate by a non-quarter angle: warpAffine about ((w-1)/2, (h-1)/2),
    canvas round(w|cos| + h|sin|) x round(w|sin| + h|cos|) with expand."""
    def fn(im):
        h, w = im.shape[:2]
        a = math.radians(angle)
        c, s = abs(math.cos(a)), abs(math.sin(a))
        nw, nh = (round(w * c + h * s), round(w * s + h * c)) if expand else (w, h)
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), -angle, 1.0)
        m[0, 2] += (nw - w) / 2
        m[1, 2] += (nh - h) / 2
        bg = background
        if im.ndim == 3 and im.shape[2] == 4:
            bg = (*background, 255)  # BGRA: the corners are the background, opaque
        if im.ndim == 2:
            bg = int(cv2.cvtColor(np.uint8([[background]]), cv2.COLOR_BGR2GRAY)[0, 0])
        return cv2.warpAffine(im, m, (nw, nh), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=bg)
    return same(fn)


def filter2d(rows, scale=1, offset=0, border=cv2.BORDER_REFLECT101):
    """convolve: cv2.filter2D with the kernel (float64) times scale."""
    k = np.array(rows, np.float64) * scale
    return same(lambda im: cv2.filter2D(im, -1, k, delta=offset, borderType=border))


def kernel_text(rows):
    """A kernel as convolve reads it inline: numbers by commas, rows by ';'."""
    return ";".join(",".join(repr(float(v)) for v in r) for r in rows)


# A 13x13 Gaussian-like kernel: big enough that cv::filter2D takes its DFT path.
BIG_KERNEL = [[math.exp(-((x - 6) ** 2 + (y - 6) ** 2) / 18.0) for x in range(13)] for y in range(13)]
EMBOSS5 = np.loadtxt(f"{here}/kernels/emboss5.txt")

ROT = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
M = {"erode": cv2.MORPH_ERODE, "dilate": cv2.MORPH_DILATE, "open": cv2.MORPH_OPEN,
     "close": cv2.MORPH_CLOSE, "gradient": cv2.MORPH_GRADIENT, "tophat": cv2.MORPH_TOPHAT,
     "blackhat": cv2.MORPH_BLACKHAT}
T = cv2.THRESH_BINARY

CASES = [
    # Transforms.
    ("resize-wh", "resize width=300 height=200", resize_to(300, 200)),
    ("resize-wh-linear", "resize width=300 height=200 interp=linear",
     same(lambda im: cv2.resize(im, (300, 200)))),
    ("resize-width", "resize width=301", resize_to(w=301)),
    ("resize-height-linear", "resize height=149 interp=linear",
     resize_to(h=149, interp=cv2.INTER_LINEAR)),
    ("resize-width-enlarge", "resize width=1001", resize_to(w=1001)),
    ("resize-percent", "resize scale=50%", resize_scale(0.5)),
    ("resize-percent-up", "resize scale=137.5%", resize_scale(1.375)),
    ("resize-inside", "resize width=200 height=200 fit=inside", resize_to(200, 200, "inside")),
    ("resize-inside-wide", "resize width=400 height=100 fit=inside", resize_to(400, 100, "inside")),
    ("resize-cover", "resize width=200 height=100 fit=cover interp=lanczos",
     resize_to(200, 100, "cover", interp=cv2.INTER_LANCZOS4)),
    ("resize-cover-tall", "resize width=100 height=300 fit=cover", resize_to(100, 300, "cover")),
    ("resize-no-enlarge", "resize width=1000 enlarge=false", resize_to(w=1000, enlarge=False)),
    ("resize-no-enlarge-shrinks", "resize width=300 height=300 fit=inside enlarge=false",
     resize_to(300, 300, "inside", enlarge=False)),
    ("resize-scale-area", "resize scale=0.37 interp=area",
     same(lambda im: cv2.resize(im, None, fx=0.37, fy=0.37, interpolation=cv2.INTER_AREA))),
    ("resize-nearest-gray", "grayscale | resize scale=0.5 interp=nearest",
     same(lambda im: cv2.resize(gray(im), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_NEAREST))),
    ("resize-cubic", "resize width=640 height=480 interp=cubic",
     same(lambda im: cv2.resize(im, (640, 480), interpolation=cv2.INTER_CUBIC))),
    ("resize-lanczos", "resize width=123 height=77 interp=lanczos",
     same(lambda im: cv2.resize(im, (123, 77), interpolation=cv2.INTER_LANCZOS4))),
    ("crop", "crop x=10 y=20 width=200 height=150", same(lambda im: im[20:170, 10:210])),
    ("crop-to-edge", "crop x=100 y=50", same(lambda im: im[50:, 100:])),
    ("crop-percent-center", "crop gravity=center width=50% height=40%",
     crop_box(w="50%", h="40%", gravity="center")),
    ("crop-centre-odd", "crop gravity=centre x=3 width=101 height=99",
     crop_box(x=3, w=101, h=99, gravity="centre")),
    ("crop-southeast", "crop gravity=southeast x=10 y=5 width=100 height=80",
     crop_box(10, 5, 100, 80, "southeast")),
    ("crop-north-percent", "crop gravity=north y=10% height=25% width=33.3%",
     crop_box(y="10%", h="25%", w="33.3%", gravity="north")),
    ("crop-west", "crop gravity=west x=7 width=120 height=60", crop_box(7, 0, 120, 60, "west")),
    ("crop-southwest-percent", "crop gravity=southwest x=5% y=5% width=20%",
     crop_box("5%", "5%", "20%", 0, "southwest")),
    ("crop-clamp", "crop x=300 y=200 width=400 height=400 clamp=true",
     crop_box(300, 200, 400, 400, clamp=True)),
    ("crop-clamp-center", "crop gravity=center width=700 height=100 clamp=true",
     crop_box(w=700, h=100, gravity="center", clamp=True)),
    ("flip-h", "flip", same(lambda im: cv2.flip(im, 1))),
    ("flip-v", "flip axis=v", same(lambda im: cv2.flip(im, 0))),
    ("flip-both", "flip axis=both", same(lambda im: cv2.flip(im, -1))),
] + [(f"rotate-{a}", f"rotate angle={a}", same(lambda im, a=a: cv2.rotate(im, ROT[a])))
     for a in ROT] + [
    # Quarter turns in any form stay exact transposes.
    ("rotate-minus-270", "rotate angle=-270", same(lambda im: cv2.rotate(im, ROT[90]))),
    ("rotate-minus-90", "rotate angle=-90.0", same(lambda im: cv2.rotate(im, ROT[270]))),
    ("rotate-360", "rotate angle=360", same(lambda im: im)),
    ("rotate-30", "rotate angle=30", rotate_any(30)),
    ("rotate-minus-12.5-cut", "rotate angle=-12.5 expand=false background=white",
     rotate_any(-12.5, False, (255, 255, 255))),
    ("rotate-gray-red", "grayscale | rotate angle=45 background=red",
     lambda im: rotate_any(45, True, (0, 0, 255))(gray(im))),
    ("rotate-200-blue", "rotate angle=200.25 background=blue", rotate_any(200.25, True, (255, 0, 0))),
    ("draw-thick-keypoints", "orb nfeatures=50 | draw color=red thickness=4",
     lambda im: (draw(im, [{"keypoints": cv2.ORB_create(50).detect(im)}], RED, 4),
                 cv2.ORB_create(50).detect(im))),
    ("draw-auto", "resize scale=0.5 interp=area | sift nfeatures=30 | draw",
     half(lambda im: (draw(im, [{"keypoints": cv2.SIFT_create(30).detect(im)}]),
                      cv2.SIFT_create(30).detect(im)))),
    # Filters.
    ("blur", "blur ksize=5", same(lambda im: cv2.blur(im, (5, 5)))),
    ("blur-even-gray", "grayscale | blur ksize=4", same(lambda im: cv2.blur(gray(im), (4, 4)))),
    ("gaussian-k9-gray", "grayscale | gaussian ksize=9",
     same(lambda im: cv2.GaussianBlur(gray(im), (9, 9), 0))),
    ("median", "median ksize=5", same(lambda im: cv2.medianBlur(im, 5))),
    ("median-large-gray", "grayscale | median ksize=9", same(lambda im: cv2.medianBlur(gray(im), 9))),
    ("bilateral", "bilateral", same(lambda im: cv2.bilateralFilter(im, 9, 75, 75))),
    ("bilateral-d0", "bilateral d=0 sigma_color=30 sigma_space=5",
     same(lambda im: cv2.bilateralFilter(im, 0, 30, 5))),
    ("sharpen", "sharpen",
     same(lambda im: cv2.addWeighted(im, 2, cv2.GaussianBlur(im, (0, 0), 1), -1, 0))),
    ("sharpen-strong", "sharpen sigma=3 amount=1.5",
     same(lambda im: cv2.addWeighted(im, 2.5, cv2.GaussianBlur(im, (0, 0), 3), -1.5, 0))),
    ("sobel", "sobel", same(lambda im: derivative(im, lambda x: cv2.Sobel(x, cv2.CV_16S, 1, 0)))),
    ("sobel-dy2-k5", "sobel dx=0 dy=2 ksize=5",
     same(lambda im: derivative(im, lambda x: cv2.Sobel(x, cv2.CV_16S, 0, 2, ksize=5)))),
    ("sobel-k1-gray", "grayscale | sobel dx=1 dy=1 ksize=1",
     same(lambda im: derivative(gray(im), lambda x: cv2.Sobel(x, cv2.CV_16S, 1, 1, ksize=1)))),
    ("scharr", "scharr", same(lambda im: derivative(im, lambda x: cv2.Scharr(x, cv2.CV_16S, 1, 0)))),
    ("scharr-y", "scharr dx=0 dy=1",
     same(lambda im: derivative(im, lambda x: cv2.Scharr(x, cv2.CV_16S, 0, 1)))),
    ("convolve-sharpen", 'convolve kernel="0 -1 0; -1 5 -1; 0 -1 0"',
     filter2d([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])),
    ("convolve-box-even", "convolve kernel=1,1,1,1;1,1,1,1 scale=0.125 offset=10 border=constant",
     filter2d([[1] * 4] * 2, 0.125, 10, cv2.BORDER_CONSTANT)),
    ("convolve-gray-gradient", "grayscale | convolve kernel='-1 0 1' offset=128 border=replicate",
     lambda im: filter2d([[-1, 0, 1]], 1, 128, cv2.BORDER_REPLICATE)(gray(im))),
    ("convolve-big-reflect", f"convolve kernel={kernel_text(BIG_KERNEL)} scale={float(1 / np.sum(BIG_KERNEL))!r} border=reflect",
     filter2d(BIG_KERNEL, 1 / np.sum(BIG_KERNEL), 0, cv2.BORDER_REFLECT)),
    ("convolve-file", f"convolve kernel=@{here}/kernels/emboss5.txt offset=-20.5",
     filter2d(EMBOSS5, 1, -20.5)),
    ("laplacian", "laplacian", same(lambda im: derivative(im, lambda x: cv2.Laplacian(x, cv2.CV_16S)))),
    ("laplacian-k5", "laplacian ksize=5",
     same(lambda im: derivative(im, lambda x: cv2.Laplacian(x, cv2.CV_16S, ksize=5)))),
    ("threshold", "threshold", same(lambda im: cv2.threshold(im, 127, 255, T)[1])),
] + [(f"threshold-{n}", f"threshold value=100.5 max=200 type={n}",
      same(lambda im, t=t: cv2.threshold(im, 100.5, 200, t)[1]))
     for n, t in [("binary_inv", cv2.THRESH_BINARY_INV), ("trunc", cv2.THRESH_TRUNC),
                  ("tozero", cv2.THRESH_TOZERO), ("tozero_inv", cv2.THRESH_TOZERO_INV)]] + [
    ("threshold-otsu", "threshold type=otsu", same(otsu)),
    ("threshold-triangle", "threshold max=180 type=triangle",
     same(lambda im: cv2.threshold(gray(im), 127, 180, T | cv2.THRESH_TRIANGLE)[1])),
    ("adaptive", "adaptive_threshold",
     same(lambda im: cv2.adaptiveThreshold(gray(im), 255, cv2.ADAPTIVE_THRESH_MEAN_C, T, 11, 2))),
    ("adaptive-gaussian-inv", "adaptive_threshold max=200 method=gaussian block=25 c=-3 invert=true",
     same(lambda im: cv2.adaptiveThreshold(gray(im), 200, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                           cv2.THRESH_BINARY_INV, 25, -3))),
] + [(name, name, morph(op)) for name, op in M.items()] + [
    ("erode-ellipse", "erode ksize=5 shape=ellipse iterations=2",
     morph(cv2.MORPH_ERODE, 5, cv2.MORPH_ELLIPSE, 2)),
    ("dilate-cross-even", "dilate ksize=4 shape=cross", morph(cv2.MORPH_DILATE, 4, cv2.MORPH_CROSS)),
    ("open-ellipse", "open ksize=7 shape=ellipse", morph(cv2.MORPH_OPEN, 7, cv2.MORPH_ELLIPSE)),
    ("close-iter", "close ksize=3 iterations=3", morph(cv2.MORPH_CLOSE, 3, iterations=3)),
    ("gradient-cross", "gradient ksize=5 shape=cross", morph(cv2.MORPH_GRADIENT, 5, cv2.MORPH_CROSS)),
    ("tophat-large", "tophat ksize=15", morph(cv2.MORPH_TOPHAT, 15)),
    ("blackhat-ellipse", "blackhat ksize=9 shape=ellipse", morph(cv2.MORPH_BLACKHAT, 9, cv2.MORPH_ELLIPSE)),
    ("equalize", "equalize", same(lambda im: cv2.equalizeHist(gray(im)))),
    ("clahe", "clahe", same(lambda im: cv2.createCLAHE(40, (8, 8)).apply(gray(im)))),
    ("clahe-small", "clahe clip=2 tile=4", same(lambda im: cv2.createCLAHE(2, (4, 4)).apply(gray(im)))),
    ("invert", "invert", same(cv2.bitwise_not)),
    ("normalize", "normalize min=20 max=200",
     same(lambda im: cv2.normalize(im, None, 20, 200, cv2.NORM_MINMAX))),
    ("convert", "convert alpha=1.7 beta=-40", same(lambda im: convert(im, 1.7, -40))),
    ("convert-negative", "convert alpha=-0.5 beta=200", same(lambda im: convert(im, -0.5, 200))),
    # Keypoint detectors (the image passes unchanged).
    ("orb-descriptors", "orb nfeatures=300 descriptors=true",
     detect(lambda: cv2.ORB_create(300), True)),
    ("fast", "fast", detect(cv2.FastFeatureDetector_create)),
    ("fast-7_12", "fast threshold=25 nonmax=false type=7_12",
     detect(lambda: cv2.FastFeatureDetector_create(25, False, cv2.FAST_FEATURE_DETECTOR_TYPE_7_12))),
    ("sift", "sift nfeatures=300", detect(lambda: cv2.SIFT_create(300))),
    ("sift-descriptors",
     "resize scale=0.5 interp=area | sift nfeatures=100 octave_layers=4 contrast_threshold=0.03 "
     "edge_threshold=8 sigma=1.4 descriptors=true",
     half(detect(lambda: cv2.SIFT_create(100, 4, 0.03, 8, 1.4), True))),
    ("akaze", "akaze", detect(cv2.AKAZE_create)),
    ("akaze-descriptors", "akaze threshold=0.003 descriptors=true",
     detect(lambda: cv2.AKAZE_create(threshold=0.003), True)),
    ("brisk", "brisk", detect(cv2.BRISK_create)),
    ("brisk-descriptors", "brisk threshold=50 octaves=2 descriptors=true",
     detect(lambda: cv2.BRISK_create(50, 2), True)),
    ("gftt", "gftt", detect(cv2.GFTTDetector_create)),
    ("gftt-harris", "gftt max_corners=200 quality=0.05 min_distance=10 block=5 harris=true k=0.06",
     detect(lambda: cv2.GFTTDetector_create(200, 0.05, 10, 5, useHarrisDetector=True, k=0.06))),
    ("harris", "harris", lambda im: (im, harris(im))),
    ("harris-params", "harris block=3 ksize=5 k=0.05 threshold=0.05",
     lambda im: (im, harris(im, 3, 5, 0.05, 0.05))),
    ("blobs", "blobs", detect(blob_detector)),
    ("blobs-light", "blobs min_area=50 max_area=20000 min_circularity=0.5 dark=false",
     detect(lambda: blob_detector(50, 20000, 0.5, False))),
    ("detectors-together",
     "resize scale=0.5 interp=area | orb nfeatures=100 | sift nfeatures=50 | fast threshold=40",
     half(lambda im: (im, list(cv2.ORB_create(100).detect(im)) + list(cv2.SIFT_create(50).detect(im))
                      + list(cv2.FastFeatureDetector_create(40).detect(im))))),
    # Lines, circles, contours.
    ("hough-lines", "canny | hough_lines threshold=80 min_length=30 max_gap=5",
     lines_case(50, 150, threshold=80, min_length=30, max_gap=5)),
    ("hough-lines-coarse", "canny low=100 high=200 | hough_lines rho=2 theta=0.5 threshold=100",
     lines_case(100, 200, rho=2, theta=0.5, threshold=100)),
    ("hough-circles", "resize scale=0.5 interp=area | median ksize=5 | hough_circles param2=50 min_dist=30",
     half(lambda im: circles_case(im, param2=50, min_dist=30))),
    ("hough-circles-radii", "median ksize=5 | hough_circles dp=1.5 param1=80 param2=40 min_radius=10 max_radius=80",
     lambda im: circles_case(im, dp=1.5, param1=80, param2=40, min_radius=10, max_radius=80)),
    ("contours", "threshold type=otsu | contours", contours_case(otsu)),
    ("contours-tree", "threshold type=otsu | contours mode=tree method=none min_area=50",
     contours_case(otsu, mode=cv2.RETR_TREE, method=cv2.CHAIN_APPROX_NONE, min_area=50)),
    ("contours-ccomp", "canny | contours mode=ccomp",
     contours_case(lambda im: cv2.Canny(im, 50, 150), mode=cv2.RETR_CCOMP)),
    ("contours-list", "threshold type=triangle | contours mode=list min_area=10",
     contours_case(lambda im: cv2.threshold(gray(im), 127, 255, T | cv2.THRESH_TRIANGLE)[1],
                   mode=cv2.RETR_LIST, min_area=10)),
    # Template matching.
    ("template", f"template ref={here}/refs/fruits_crop.png", template_case("fruits_crop.png")),
    ("template-sqdiff-normed",
     f"template ref={here}/refs/fruits_crop.png method=sqdiff_normed threshold=0.05 overlap=0 "
     "max_count=5",
     template_case("fruits_crop.png", method="sqdiff_normed", threshold=0.05, overlap=0,
                   max_count=5)),
    ("template-gray-ccorr",
     f"grayscale | template ref={here}/refs/fruits_crop.png method=ccorr_normed threshold=0.97 "
     "overlap=0.5 max_count=20",
     template_case("fruits_crop.png", True, method="ccorr_normed", threshold=0.97, overlap=0.5,
                   max_count=20)),
    ("template-gray-ref-ccoeff",
     f"template ref={here}/refs/fruits_crop_gray.png method=ccoeff threshold=2e5 overlap=0.1 "
     "max_count=7",
     template_case("fruits_crop_gray.png", method="ccoeff", threshold=2e5, overlap=0.1,
                   max_count=7)),
    ("template-sqdiff-draw",
     f"template ref={here}/refs/fruits_crop_gray.png method=sqdiff threshold=4e6 overlap=1 "
     "max_count=4 | draw color=red thickness=2",
     template_case("fruits_crop_gray.png", drawn=(RED, 2), method="sqdiff", threshold=4e6,
                   overlap=1, max_count=4)),
    # Matching a reference: baboon_part.png is a part of baboon.jpg turned and scaled.
    ("match", f"match ref={here}/refs/baboon_part.png", match_case("baboon_part.png")),
    ("match-orb-cross",
     f"match ref={here}/refs/baboon_part.png nfeatures=1000 threshold=10 cross_check=true",
     match_case("baboon_part.png", nfeatures=1000, threshold=10, cross_check=True)),
    ("match-sift-affine-lmeds",
     f"match ref={here}/refs/baboon_part.png detector=sift nfeatures=400 model=affine method=lmeds",
     match_case("baboon_part.png", detector="sift", nfeatures=400, model="affine", method="lmeds")),
    ("match-akaze-similarity",
     f"match ref={here}/refs/baboon_part.png detector=akaze cross_check=true model=similarity "
     "reproj=2 min_inliers=15",
     match_case("baboon_part.png", detector="akaze", cross_check=True, model="similarity",
                reproj=2, min_inliers=15)),
    ("match-brisk-usac-draw",
     f"match ref={here}/refs/baboon_part.png detector=brisk threshold=40 ratio=0.8 method=usac "
     "| draw color=red thickness=2",
     match_case("baboon_part.png", drawn=(RED, 2), detector="brisk", threshold=40, ratio=0.8,
                method="usac")),
    ("match-sift-draw",
     f"match ref={here}/refs/baboon_part.png detector=sift reproj=5 | draw",
     lambda im: match_case("baboon_part.png", drawn=(GREEN, auto_thickness(im)), detector="sift",
                           reproj=5)(im)),
    # Warping to the reference's frame (found on baboon.jpg; the others pass unchanged).
    ("warp", f"match ref={here}/refs/baboon_part.png detector=sift | warp missing=pass",
     warp_case("baboon_part.png", detector="sift")),
    ("warp-cubic-replicate",
     f"match ref={here}/refs/baboon_part.png detector=brisk | warp interp=cubic border=replicate "
     "missing=pass",
     warp_case("baboon_part.png", "cubic", "replicate", detector="brisk")),
    ("warp-affine-nearest-reflect",
     f"grayscale | match ref={here}/refs/baboon_part.png detector=sift model=affine | warp "
     "interp=nearest border=reflect missing=pass",
     lambda im: warp_case("baboon_part.png", "nearest", "reflect", detector="sift",
                          model="affine")(gray(im))),
    ("warp-similarity-lanczos",
     f"match ref={here}/refs/baboon_part.png detector=akaze cross_check=true model=similarity | "
     "warp interp=lanczos border=reflect101 missing=pass",
     warp_case("baboon_part.png", "lanczos", "reflect101", detector="akaze", cross_check=True,
               model="similarity")),
    # Drawing.
    ("draw-keypoints-circles",
     "resize scale=0.5 interp=area | orb nfeatures=100 | median ksize=5 | hough_circles param2=60 "
     "| draw color=yellow thickness=3",
     half(draw_keypoints)),
    ("draw-contours-lines", "threshold type=otsu | contours min_area=100 | canny | hough_lines threshold=40 min_length=20 | draw color=red thickness=2",
     draw_all),
    ("draw-gray", "resize scale=0.5 interp=area | grayscale | sift nfeatures=50 | draw",
     half(draw_gray)),
]
