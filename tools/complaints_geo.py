#!/usr/bin/env python3
# complaints_geo.py -- the geometry the complaints oracle needs, written independently of the
# Swift code: the county and station registers from geodata/, point-in-polygon, the distance
# from a point to a county boundary, and the assignment policy of POST /v1/complaints.
#
# Used by tools/complaints_oracle.py and tools/killtest.py (as a library). Run on its own it
# tests itself and, given a liaison binary, compares its county placement with
# `liaison where --format json` for seeded random points:
#   python3 tools/complaints_geo.py --selftest
#   python3 tools/complaints_geo.py --bin .build/debug/liaison --db /tmp/x.sqlite [--points 300] [--seed 3]
#
# Conventions (contract of the complaints API):
#   * county of a WGS-84 point: the county MultiPolygon holding it (even-odd ray casting over all
#     rings of each polygon, edges straight on the lng/lat plane as GeoJSON draws them); where
#     polygons overlap the lowest adcode wins (CountyLocator's documented rule); a point in no
#     polygon but within 500 m (inclusive) of one belongs to the nearest county; farther away it is
#     outside the service area.
#   * boundary distance: for each edge, the point of the edge nearest to p in a local plane around
#     p (scaled by the WGS-84 radii of curvature at p), then the exact geodesic to that point. The
#     server measures on ECEF chords instead; both are good to a few metres for the file's edges
#     (<= 15 km), so the oracle treats 500 m +- AMBIGUOUS_M as either answer.
#   * assignment: among active stations offering the mode with open load < capacity, the nearest
#     (geodesic, then id) in the complaint's county if within 30,000 m inclusive, else the nearest
#     anywhere; video with no video station free anywhere falls back to offline.

import argparse
import json
import math
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from oracle_nearest import GEOD, Geodesic, from_wgs84, to_wgs84  # noqa: E402  (own GCJ-02/BD-09 code)

REPO_ROOT = Path(__file__).resolve().parent.parent
COUNTIES_FILE = REPO_ROOT / "geodata" / "zhejiang-counties.geojson"
STATIONS_FILE = REPO_ROOT / "geodata" / "stations.geojson"

NEAR_COUNTY_M = 500.0        # a point in no polygon but this close to one belongs to it
IN_COUNTY_RADIUS_M = 30000.0  # the own-county station is preferred up to this distance
AMBIGUOUS_M = 20.0           # boundary-distance difference between two honest methods (see above)
OPEN_STATUSES = ("assigned", "accepted", "mediating")


def die(msg):
    print(f"complaints_geo: error: {msg}", file=sys.stderr)
    sys.exit(2)


# --------------------------------------------------------------------------
# Registers
# --------------------------------------------------------------------------
@dataclass
class County:
    adcode: str
    name: str
    polygons: list   # [polygon][ring][(lng, lat)], first ring outer, the rest holes
    bbox: tuple      # (min_lng, min_lat, max_lng, max_lat)


@dataclass
class Station:
    id: str
    lat: float
    lng: float
    county_code: str
    modes: tuple
    capacity: int
    status: str
    props: dict = field(repr=False)


def load_counties(path=COUNTIES_FILE):
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for i, f in enumerate(doc.get("features") or []):
        p, g = f.get("properties") or {}, f.get("geometry") or {}
        code = p.get("adcode")
        if not isinstance(code, str) or not code:
            die(f"{path}: feature #{i} has no properties.adcode")
        if g.get("type") == "Polygon":
            polys = [g["coordinates"]]
        elif g.get("type") == "MultiPolygon":
            polys = g["coordinates"]
        else:
            die(f"{path}: county {code} geometry is {g.get('type')!r}, expected (Multi)Polygon")
        polys = [[[(float(c[0]), float(c[1])) for c in ring] for ring in poly] for poly in polys]
        lngs = [c[0] for poly in polys for c in poly[0]]
        lats = [c[1] for poly in polys for c in poly[0]]
        out.append(County(code, p.get("name", ""), polys, (min(lngs), min(lats), max(lngs), max(lats))))
    if not out:
        die(f"{path}: no counties")
    out.sort(key=lambda c: c.adcode)
    return out


def load_stations(path=STATIONS_FILE):
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for i, f in enumerate(doc.get("features") or []):
        p = f.get("properties") or {}
        lng, lat = f["geometry"]["coordinates"][:2]
        cap = p.get("capacity")
        if not isinstance(f.get("id"), str) or not isinstance(cap, int) or not isinstance(p.get("modes"), list):
            die(f"{path}: feature #{i}: needs a string id, integer properties.capacity, list properties.modes")
        out.append(Station(f["id"], float(lat), float(lng), p.get("county_code", ""), tuple(p["modes"]),
                           cap, p.get("status", ""), p))
    if not out:
        die(f"{path}: no stations")
    out.sort(key=lambda s: s.id)
    return out


# --------------------------------------------------------------------------
# Point in polygon (even-odd ray casting towards +lng)
# --------------------------------------------------------------------------
def ring_crossings(ring, lng, lat):
    """Number of ring edges a ray from (lng, lat) towards +lng crosses (half-open in lat)."""
    n, crossings = len(ring), 0
    if n < 3:
        return 0
    x1, y1 = ring[-1]
    for x2, y2 in ring:
        if (y1 > lat) != (y2 > lat):
            x = x1 + (lat - y1) / (y2 - y1) * (x2 - x1)
            if lng < x:
                crossings += 1
        x1, y1 = x2, y2
    return crossings


def polygon_contains(poly, lng, lat):
    """Even-odd over all rings of one polygon: holes (and islands in holes) come out right."""
    return sum(ring_crossings(r, lng, lat) for r in poly) % 2 == 1


def county_contains(c, lng, lat):
    b = c.bbox
    if not (b[0] <= lng <= b[2] and b[1] <= lat <= b[3]):
        return False
    return any(polygon_contains(p, lng, lat) for p in c.polygons)


# --------------------------------------------------------------------------
# Distance to a boundary
# --------------------------------------------------------------------------
WGS_A, WGS_F = 6378137.0, 1 / 298.257223563
WGS_E2 = WGS_F * (2 - WGS_F)


def local_scale(lat):
    """Metres per degree of (lng, lat) at latitude lat on the WGS-84 ellipsoid."""
    s = math.sin(math.radians(lat))
    w = math.sqrt(1 - WGS_E2 * s * s)
    n = WGS_A / w                       # prime vertical radius of curvature
    m = WGS_A * (1 - WGS_E2) / w ** 3   # meridional radius of curvature
    return math.radians(1) * n * math.cos(math.radians(lat)), math.radians(1) * m


def boundary_distance(c, lng, lat):
    """Geodesic metres from (lng, lat) to the nearest point of c's rings (edges straight in lng/lat)."""
    kx, ky = local_scale(lat)
    cands = []
    for poly in c.polygons:
        for ring in poly:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
                ax, ay = (x1 - lng) * kx, (y1 - lat) * ky
                bx, by = (x2 - lng) * kx, (y2 - lat) * ky
                dx, dy = bx - ax, by - ay
                l2 = dx * dx + dy * dy
                t = 0.0 if l2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / l2))
                px, py = ax + t * dx, ay + t * dy
                cands.append((px * px + py * py, x1 + t * (x2 - x1), y1 + t * (y2 - y1)))
    if not cands:
        return math.inf
    cands.sort()
    best_plane = math.sqrt(cands[0][0])
    # The local plane is good to far better than 1 % within tens of km; re-measure every
    # candidate that could win on the ellipsoid.
    best = math.inf
    for d2, qx, qy in cands:
        if math.sqrt(d2) > best_plane * 1.01 + 1.0:
            break
        best = min(best, GEOD.Inverse(lat, lng, qy, qx, Geodesic.DISTANCE)["s12"])
    return best


@dataclass
class Placement:
    kind: str              # "inside", "near" (in no polygon, <= 500 m from one), "outside"
    county: object         # County or None (outside)
    distance_m: float = 0.0   # to the county's boundary, for "near"/"outside" (nearest county)
    also_inside: list = field(default_factory=list)   # other counties whose polygons hold the point
    ambiguous: list = field(default_factory=list)     # alternative placements an honest server may pick


def locate(counties, lat, lng, *, probe_m=None):
    """Where a WGS-84 point falls. `ambiguous` lists the other outcomes (as (kind, County|None))
    that arithmetic differences could honestly produce: a point within 1e-7 deg of an edge, a
    boundary distance within AMBIGUOUS_M of 500 m, two near counties within AMBIGUOUS_M."""
    inside = [c for c in counties if county_contains(c, lng, lat)]
    alts = []
    eps = 1e-7
    for dlng, dlat in ((eps, 0), (-eps, 0), (0, eps), (0, -eps)):
        other = [c for c in counties if county_contains(c, lng + dlng, lat + dlat)]
        if other != inside:
            alts.append(("inside", other[0]) if other else ("nearby", None))
    if inside:
        pl = Placement("inside", inside[0], also_inside=inside[1:])
        if any(a[1] is None for a in alts):
            # on an outer edge: the nearest-county rule gives the same county at distance ~0
            alts = [a for a in alts if a[1] is not None]
        pl.ambiguous = [a for a in alts if a[1] is not inside[0]]
        return pl
    # In no polygon: the nearest county by boundary distance. Only counties whose bbox comes within
    # ~2 km can be within 500 m; when none of those is, measure them all (for the report only).
    pad = 0.02
    near = [c for c in counties
            if c.bbox[0] - pad <= lng <= c.bbox[2] + pad and c.bbox[1] - pad <= lat <= c.bbox[3] + pad]
    dists = sorted(((boundary_distance(c, lng, lat), c.adcode, c) for c in near), key=lambda t: (t[0], t[1]))
    if not dists or dists[0][0] > NEAR_COUNTY_M + AMBIGUOUS_M:
        # outside: the nearest county may be one whose bbox is farther (for the report only)
        dists = sorted(((boundary_distance(c, lng, lat), c.adcode, c) for c in counties), key=lambda t: (t[0], t[1]))
    d, _, c = dists[0]
    kind = "near" if d <= NEAR_COUNTY_M else "outside"
    pl = Placement(kind, c if kind == "near" else None, distance_m=d)
    if abs(d - NEAR_COUNTY_M) <= AMBIGUOUS_M:
        pl.ambiguous.append(("outside", None) if kind == "near" else ("near", c))
    for d2, _, c2 in dists[1:]:
        if d2 - d <= AMBIGUOUS_M and d2 <= NEAR_COUNTY_M + AMBIGUOUS_M:
            pl.ambiguous.append(("near", c2))
    for k, c2 in alts:   # on an edge: may count as inside the neighbour polygon
        if c2 is not None:
            pl.ambiguous.append(("inside", c2))
    return pl


# --------------------------------------------------------------------------
# Assignment policy
# --------------------------------------------------------------------------
def station_distances(stations, lat, lng):
    """Exact WGS-84 geodesic metres from the point to every station, by id."""
    return {s.id: GEOD.Inverse(lat, lng, s.lat, s.lng, Geodesic.DISTANCE)["s12"] for s in stations}


def assign(stations, load, county_code, dist, preferred):
    """The policy: returns (mode, Station or None, distance_m or None, notes, branch); branch names
    the rule that decided (for coverage counts).

    load: {station id: open complaints}; dist: station_distances() for the complaint's point."""
    def free(mode):
        return [s for s in stations
                if s.status == "active" and mode in s.modes and load.get(s.id, 0) < s.capacity]

    notes = []
    mode = preferred
    cands = free(mode)
    if not cands and preferred == "video":
        mode, cands = "offline", free("offline")
        notes.append("no video station has capacity: fell back to offline")
    if not cands:
        return mode, None, None, notes + ["no station has capacity"], "no station free"

    def nearest(ss):
        return min(ss, key=lambda s: (dist[s.id], s.id)) if ss else None

    own = nearest([s for s in cands if s.county_code == county_code])
    anywhere = nearest(cands)
    if own is not None and dist[own.id] <= IN_COUNTY_RADIUS_M:
        pick = own
        branch = "own county" if own is anywhere else "own county over a nearer station elsewhere"
        if IN_COUNTY_RADIUS_M - dist[own.id] < 1e-3:
            notes.append(f"own-county station {own.id} at {dist[own.id]!r} m: within 1 mm of 30 km")
    else:
        pick = anywhere
        branch = "elsewhere: no free station in the county" if own is None else "elsewhere: own county beyond 30 km"
        if own is not None and dist[own.id] - IN_COUNTY_RADIUS_M < 1e-3:
            notes.append(f"own-county station {own.id} at {dist[own.id]!r} m: within 1 mm of 30 km")
    d = dist[pick.id]
    ties = [s.id for s in cands if s.id != pick.id and abs(dist[s.id] - d) < 1e-6]
    if ties:
        notes.append(f"near tie with {ties} at {d!r} m")
    if mode != preferred:
        branch += " (video fell back to offline)"
    return mode, pick, d, notes, branch


# --------------------------------------------------------------------------
# Self-test
# --------------------------------------------------------------------------
def selftest(counties, stations):
    failures = []

    def check(cond, msg):
        if not cond:
            failures.append(msg)

    # a square with a square hole and an island inside the hole, as one polygon (even-odd)
    outer = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
    hole = [(2, 2), (8, 2), (8, 8), (2, 8), (2, 2)]
    island = [(4, 4), (6, 4), (6, 6), (4, 6), (4, 4)]
    poly = [outer, hole, island]
    for (x, y), want in (((1, 1), True), ((3, 3), False), ((5, 5), True), ((11, 5), False),
                         ((9.99, 9.99), True), ((-0.01, 5), False), ((7.9, 5), False)):
        check(polygon_contains(poly, x, y) == want, f"ring test at ({x}, {y}): expected {want}")
    c = County("999999", "test", [poly, [[(20, 0), (21, 0), (21, 1), (20, 0)]]], (0, 0, 21, 10))
    check(county_contains(c, 20.9, 0.5) and not county_contains(c, 20.1, 0.5), "second polygon of a MultiPolygon")
    # boundary distance: 0.001 deg of latitude north of an east-west edge, compared with a geodesic
    ew = County("999998", "ew", [[[(120.0, 30.0), (121.0, 30.0), (121.0, 29.0), (120.0, 29.0), (120.0, 30.0)]]],
                (120.0, 29.0, 121.0, 30.0))
    want = GEOD.Inverse(30.001, 120.5, 30.0, 120.5)["s12"]
    got = boundary_distance(ew, 120.5, 30.001)
    check(abs(got - want) < 0.5, f"boundary distance {got} vs {want}")
    got = boundary_distance(ew, 121.002, 30.002)   # nearest is the corner
    want = GEOD.Inverse(30.002, 121.002, 30.0, 121.0)["s12"]
    check(abs(got - want) < 1e-6, f"corner distance {got} vs {want}")

    # the policy on a tiny register
    def st(sid, lat, lng, cc, modes, cap):
        return Station(sid, lat, lng, cc, tuple(modes), cap, "active", {})
    reg = [st("A-1", 30.0, 120.0, "A", ["offline"], 1), st("A-2", 30.0, 120.1, "A", ["offline", "video"], 1),
           st("B-1", 30.0, 120.02, "B", ["offline"], 1), st("B-2", 30.0, 120.02, "B", ["offline"], 1),
           st("A-3", 30.0, 120.5, "A", ["offline"], 5)]
    d = station_distances(reg, 30.0, 120.03)
    check(assign(reg, {}, "A", d, "offline")[1].id == "A-1", "own county within 30 km wins over a nearer neighbour")
    check(assign(reg, {"A-1": 1}, "A", d, "offline")[1].id == "A-2", "full station skipped")
    check(assign(reg, {"A-1": 1, "A-2": 1}, "A", d, "offline")[1].id == "B-1", "tie broken by id; 30 km rule")
    m, s, _, _, _ = assign(reg, {"A-2": 1}, "A", d, "video")
    check((m, s.id) == ("offline", "A-1"), f"video fallback: got {m} {s.id if s else None}")
    full = {x.id: x.capacity for x in reg}
    check(assign(reg, full, "A", d, "offline")[1] is None, "no capacity anywhere")
    d = station_distances(reg, 30.0, 120.9)   # A-3 is 38 km away: nearest anywhere instead
    check(assign(reg, {}, "B", d, "offline")[1].id == "A-3", "nearest anywhere when own county too far")

    # the real county file: every station lies inside or next to its own county
    miss = 0
    for s in stations[::7]:
        pl = locate(counties, s.lat, s.lng)
        if pl.county is None or pl.county.adcode != s.county_code:
            miss += 1
    check(miss <= 3, f"{miss} of {len(stations[::7])} sampled stations not placed in their own county")
    overlaps = sum(1 for s in stations if len([c for c in counties if county_contains(c, s.lng, s.lat)]) > 1)
    print(f"selftest: {len(stations[::7])} sampled stations, {miss} placed outside their own county; "
          f"{overlaps} of {len(stations)} stations lie in two overlapping polygons")
    if failures:
        for f in failures:
            print(f"selftest FAILED: {f}", file=sys.stderr)
        return 1
    print("selftest: all checks passed")
    return 0


# --------------------------------------------------------------------------
# Comparison with `liaison where`
# --------------------------------------------------------------------------
def random_points(rng, counties, n):
    """Half uniform over Zhejiang's bbox (some outside), half within 0-1.5 km of a boundary vertex."""
    lo_lng, lo_lat = min(c.bbox[0] for c in counties), min(c.bbox[1] for c in counties)
    hi_lng, hi_lat = max(c.bbox[2] for c in counties), max(c.bbox[3] for c in counties)
    out = []
    for i in range(n):
        if i % 2 == 0:
            out.append((rng.uniform(lo_lat, hi_lat), rng.uniform(lo_lng, hi_lng)))
        else:
            c = counties[rng.randrange(len(counties))]
            poly = c.polygons[rng.randrange(len(c.polygons))]
            vlng, vlat = poly[0][rng.randrange(len(poly[0]))]
            r = GEOD.Direct(vlat, vlng, rng.uniform(0, 360), rng.uniform(0, 1500))
            out.append((r["lat2"], r["lon2"]))
    return out


def compare_where(binary, db, counties, n, seed):
    rng = random.Random(seed)
    pts = random_points(rng, counties, n)
    agree, bad, amb = 0, [], 0
    for lat, lng in pts:
        cs = ("wgs84", "gcj02", "bd09")[rng.randrange(3)]
        qlat, qlng = from_wgs84(cs, lat, lng)
        wlat, wlng = to_wgs84(cs, qlat, qlng)
        pl = locate(counties, wlat, wlng)
        p = subprocess.run([str(binary), "where", f"--lat={qlat!r}", f"--lng={qlng!r}", "--coordsys", cs,
                            "--format", "json", "--db", str(db)], capture_output=True, text=True)
        if p.returncode != 0:
            die(f"liaison where failed: {p.stderr.strip()}")
        out = json.loads(p.stdout)
        if out.get("inside_zhejiang"):
            got = ("inside", out["region"]["county_code"], 0.0)
        else:
            got = ("outside", out["nearest"]["county_code"], out["nearest"]["distance_m"])
        exp_code = pl.county.adcode if pl.county else None
        ok = False
        if pl.kind == "inside":
            ok = got[:2] == ("inside", exp_code)
        else:
            # `where` reports the nearest county and its distance; the 500 m rule is the API's
            nd = pl.distance_m
            ok = got[0] == "outside" and abs(got[2] - nd) <= AMBIGUOUS_M and \
                (got[1] == (pl.county.adcode if pl.county else got[1]))
        if not ok and any(k == got[0] and (c is None or c.adcode == got[1]) for k, c in pl.ambiguous):
            ok, amb = True, amb + 1
        if ok:
            agree += 1
        else:
            bad.append(f"({wlat!r}, {wlng!r}) [{cs} {qlat!r}, {qlng!r}]: oracle {pl.kind} {exp_code} "
                       f"d={pl.distance_m:.2f} m; where says {got}")
    for b in bad[:10]:
        print("  " + b)
    print(f"complaints_geo vs liaison where: {len(pts)} points, {agree} agree ({amb} ambiguous), {len(bad)} disagree")
    return 1 if bad else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="County placement and assignment policy for the complaints oracle.")
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--bin")
    ap.add_argument("--db")
    ap.add_argument("--points", type=int, default=300)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args(argv)
    counties, stations = load_counties(), load_stations()
    if a.selftest:
        return selftest(counties, stations)
    if not a.bin or not a.db:
        ap.error("--bin and --db, or --selftest")
    return compare_where(a.bin, a.db, counties, a.points, a.seed)


if __name__ == "__main__":
    sys.exit(main())
