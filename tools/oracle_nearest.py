#!/usr/bin/env python3
# oracle_nearest.py -- independent brute-force oracle for `liaison nearest`.
#
# What it does
#   Generates seeded random queries (mostly inside Zhejiang, some around it, a
#   few far away: Beijing, Urumqi, Tokyo, London, the poles, the antimeridian,
#   the antipode of Hangzhou), runs
#       BIN nearest --lat LAT --lng LNG [--limit N] [--coordsys wgs84|gcj02|bd09]
#           [--mode offline|video] [--county ADCODE] [--radius-km R]
#           --format json --db DBPATH
#   for each one, and compares the JSON it prints with a brute-force answer
#   computed here from the station register (geodata/stations.geojson):
#     * GCJ-02 / BD-09 forward transforms written in this file (standard public
#       algorithm, Krasovsky a = 6378245.0, ee = 0.00669342162296594323, GCJ-02
#       applied only inside lng 72.004..137.8347, lat 0.8293..55.8271; BD-09
#       formula applied as given, on top of GCJ-02);
#     * EXACT inverses by iteration (until the forward transform of the
#       estimate reproduces the input within 1e-10 deg);
#     * WGS-84 geodesics from geographiclib (Geodesic.WGS84.Inverse);
#     * candidates = active stations, filtered by mode / county / radius,
#       ordered by (geodesic distance, id), first `limit` (default 5).
#   Checks: ids and order exactly; rank 1..n; distance_m within 0.006 m;
#   bearing_deg in [0, 360) and within 0.01 deg (skipped when distance < 0.01 m);
#   query.wgs84 within 1e-7 deg; each station's location within 1e-6 deg of the
#   forward transform of its WGS-84 point into the caller's system; the echo of
#   the query (input, limit, mode/county/radius_km present only when given);
#   county_code/modes, and name/phone/address/city_code/city_name/county_name
#   as the register implies them (see expected_echo: an address object is
#   written as one line, city/county names come from it, city_code is the
#   first 4 digits of county_code + "00").
#   Prints `oracle: N queries, P passed, F failed`; exit 1 if any failed (the
#   first few mismatches are printed in detail), exit 2 on a setup error.
#
#   Negative coordinates are passed as `--lng=-0.1278` (an option value that
#   starts with '-' is otherwise read as an option by swift-argument-parser).
#   Outside the GCJ-02 box both GCJ-02 and BD-09 equal WGS-84 (the service's rule;
#   public implementations differ there).
#
# How to run (from anywhere; relative paths are tried against the current
# directory first, then against the repo root):
#   pip install -r tools/requirements.txt
#   python3 tools/oracle_nearest.py --bin .build/debug/liaison --db /tmp/x.sqlite \
#       [--queries 300] [--seed 7] [--register geodata/stations.geojson] [--show 5]
#   python3 tools/oracle_nearest.py --selftest     # no binary or register needed
#
# The DB given with --db must have been imported from the same register.
# Deterministic: the same seed and register give the same queries.

import argparse
import json
import math
import random
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGISTER = REPO_ROOT / "geodata" / "stations.geojson"


def die(msg):
    print(f"oracle_nearest: error: {msg}", file=sys.stderr)
    sys.exit(2)


try:
    from geographiclib.geodesic import Geodesic
except ImportError:
    die("geographiclib is not installed: pip install -r tools/requirements.txt")

GEOD = Geodesic.WGS84

# --------------------------------------------------------------------------
# GCJ-02 / BD-09 (own implementation of the standard public algorithm)
# --------------------------------------------------------------------------
GCJ_A = 6378245.0
GCJ_EE = 0.00669342162296594323
BOX_LNG = (72.004, 137.8347)
BOX_LAT = (0.8293, 55.8271)
X_PI = math.pi * 3000.0 / 180.0

INVERSE_TOL = 1e-10      # required: forward(inverse(p)) reproduces p this closely
INVERSE_GOAL = 1e-12     # iterate on to here if the arithmetic allows
INVERSE_MAX_ITER = 60


class InverseError(Exception):
    pass


def in_gcj_box(lat, lng):
    return BOX_LNG[0] <= lng <= BOX_LNG[1] and BOX_LAT[0] <= lat <= BOX_LAT[1]


def _gcj_offset(lat, lng):
    """Offset (dlat, dlng) in degrees that GCJ-02 adds at a WGS-84 point."""
    x = lng - 105.0
    y = lat - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    tlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
            + common
            + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    tlng = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
            + common
            + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * math.pi
    s = math.sin(radlat)
    magic = 1.0 - GCJ_EE * s * s
    sqrtmagic = math.sqrt(magic)
    dlat = (tlat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (tlng * 180.0) / (GCJ_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlat, dlng


def wgs84_to_gcj02(lat, lng):
    if not in_gcj_box(lat, lng):
        return lat, lng
    dlat, dlng = _gcj_offset(lat, lng)
    return lat + dlat, lng + dlng


def gcj02_to_bd09(lat, lng):
    # Like GCJ-02, BD-09 applies only inside the box; outside it Baidu uses WGS-84.
    if not in_gcj_box(lat, lng):
        return lat, lng
    x, y = lng, lat
    z = math.sqrt(x * x + y * y) + 0.00002 * math.sin(y * X_PI)
    theta = math.atan2(y, x) + 0.000003 * math.cos(x * X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def _bd09_to_gcj02_onestep(lat, lng):
    x = lng - 0.0065
    y = lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def _gcj02_to_wgs84_onestep(lat, lng):
    if not in_gcj_box(lat, lng):
        return lat, lng
    dlat, dlng = _gcj_offset(lat, lng)
    return lat - dlat, lng - dlng


def _iterate_inverse(forward, start, lat, lng, what):
    """Fixed-point iteration: est -= forward(est) - target until it reproduces target."""
    elat, elng = start
    best = None
    for _ in range(INVERSE_MAX_ITER):
        flat, flng = forward(elat, elng)
        rlat, rlng = flat - lat, flng - lng
        res = max(abs(rlat), abs(rlng))
        if best is None or res < best[0]:
            best = (res, elat, elng)
        if res <= INVERSE_GOAL:
            break
        elat -= rlat
        elng -= rlng
    res, elat, elng = best
    if res > INVERSE_TOL:
        raise InverseError(f"{what} inverse of ({lat!r}, {lng!r}) did not converge: residual {res:.3e} deg")
    return elat, elng


def gcj02_to_wgs84_exact(lat, lng):
    if not in_gcj_box(lat, lng):
        return lat, lng   # identity outside the box: forward(p) == p
    return _iterate_inverse(wgs84_to_gcj02, _gcj02_to_wgs84_onestep(lat, lng), lat, lng, "GCJ-02")


def bd09_to_gcj02_exact(lat, lng):
    return _iterate_inverse(gcj02_to_bd09, _bd09_to_gcj02_onestep(lat, lng), lat, lng, "BD-09")


COORDSYS = ("wgs84", "gcj02", "bd09")


def to_wgs84(coordsys, lat, lng):
    if coordsys == "wgs84":
        return lat, lng
    if coordsys == "gcj02":
        return gcj02_to_wgs84_exact(lat, lng)
    if coordsys == "bd09":
        return gcj02_to_wgs84_exact(*bd09_to_gcj02_exact(lat, lng))
    raise ValueError(coordsys)


def from_wgs84(coordsys, lat, lng):
    if coordsys == "wgs84":
        return lat, lng
    if coordsys == "gcj02":
        return wgs84_to_gcj02(lat, lng)
    if coordsys == "bd09":
        return gcj02_to_bd09(*wgs84_to_gcj02(lat, lng))
    raise ValueError(coordsys)


# --------------------------------------------------------------------------
# Register
# --------------------------------------------------------------------------
@dataclass
class Station:
    id: str
    lat: float
    lng: float
    county_code: str
    modes: tuple
    status: str
    props: dict = field(repr=False)


def _num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def parse_register(doc, origin):
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        die(f"{origin}: not a GeoJSON FeatureCollection")
    feats = doc.get("features")
    if not isinstance(feats, list) or not feats:
        die(f"{origin}: no features")
    out, seen = [], set()
    for i, f in enumerate(feats):
        where = f"{origin}: feature #{i}"
        if not isinstance(f, dict) or f.get("type") != "Feature":
            die(f"{where}: not a Feature")
        sid = f.get("id")
        if not isinstance(sid, str) or not sid:
            die(f"{where}: Feature id must be a non-empty string, got {sid!r}")
        if sid in seen:
            die(f"{where}: duplicate station id {sid!r}")
        seen.add(sid)
        g = f.get("geometry")
        if not isinstance(g, dict) or g.get("type") != "Point":
            die(f"{where} ({sid}): geometry is not a Point")
        c = g.get("coordinates")
        if not isinstance(c, list) or len(c) < 2 or not _num(c[0]) or not _num(c[1]):
            die(f"{where} ({sid}): bad coordinates {c!r}")
        lng, lat = float(c[0]), float(c[1])
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
            die(f"{where} ({sid}): coordinates out of range [lng, lat] = {c!r}")
        p = f.get("properties")
        if not isinstance(p, dict):
            die(f"{where} ({sid}): no properties")
        cc, modes, status = p.get("county_code"), p.get("modes"), p.get("status")
        if not isinstance(cc, str) or not cc:
            die(f"{where} ({sid}): properties.county_code must be a string, got {cc!r}")
        if not isinstance(modes, list) or not all(isinstance(m, str) for m in modes):
            die(f"{where} ({sid}): properties.modes must be a list of strings, got {modes!r}")
        if not isinstance(status, str):
            die(f"{where} ({sid}): properties.status must be a string, got {status!r}")
        out.append(Station(sid, lat, lng, cc, tuple(modes), status, p))
    out.sort(key=lambda s: s.id)
    return out


def load_register(path):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        die(f"cannot read the station register {path}: {e} (use --register PATH)")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        die(f"{path}: invalid JSON: {e}")
    return parse_register(doc, str(path))


# --------------------------------------------------------------------------
# The oracle
# --------------------------------------------------------------------------
def norm_azimuth(a):
    a = math.fmod(a, 360.0)
    if a < 0:
        a += 360.0
    return 0.0 if a >= 360.0 else a


def oracle_nearest(stations, q):
    """q: dict with coordsys, lat, lng, limit (None = default 5), mode, county, radius_km."""
    wlat, wlng = to_wgs84(q["coordsys"], q["lat"], q["lng"])
    limit = 5 if q.get("limit") is None else q["limit"]
    mode, county, radius = q.get("mode"), q.get("county"), q.get("radius_km")
    cands = []
    for s in stations:
        if s.status != "active":
            continue
        if mode is not None and mode not in s.modes:
            continue
        if county is not None and s.county_code != county:
            continue
        d = GEOD.Inverse(wlat, wlng, s.lat, s.lng, Geodesic.DISTANCE)["s12"]
        if radius is not None and d > radius * 1000.0:
            continue
        cands.append((d, s.id, s))
    cands.sort(key=lambda c: (c[0], c[1]))
    top = []
    for d, sid, s in cands[:limit]:
        r = GEOD.Inverse(wlat, wlng, s.lat, s.lng, Geodesic.DISTANCE | Geodesic.AZIMUTH)
        llat, llng = from_wgs84(q["coordsys"], s.lat, s.lng)
        top.append({"id": sid, "distance_m": r["s12"], "bearing_deg": norm_azimuth(r["azi1"]),
                    "location": (llat, llng), "station": s})
    # diagnostics for near-ties: gaps between neighbours up to the cutoff, radius margin
    notes = []
    for i in range(min(len(cands), limit + 1) - 1):
        if cands[i + 1][0] - cands[i][0] < 1e-6:
            notes.append(f"near tie: {cands[i][1]} {cands[i][0]!r} m vs {cands[i + 1][1]} {cands[i + 1][0]!r} m")
    if radius is not None:
        for d, sid, _ in cands:
            if radius * 1000.0 - d < 1e-6:
                notes.append(f"{sid} lies within 1e-6 m of the radius edge ({d!r} m)")
    return {"wgs84": (wlat, wlng), "limit": limit, "stations": top, "n_candidates": len(cands),
            "notes": notes}


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------
def expected_echo(st):
    """Station fields the CLI should print as the register has them (only those the register implies).

    name/phone as they are; address: a string as it is, an object {city, county, town, village} as one
    line, largest unit first (杭州市西湖区转塘街道龙坞村); city_name/county_name from address.city/county
    (or top-level properties of those names); city_code = first 4 digits of county_code + "00".
    """
    p, exp = st.props, {}
    for k in ("name", "phone", "city_code", "city_name", "county_name"):
        if isinstance(p.get(k), str):
            exp[k] = p[k]
    addr = p.get("address")
    if isinstance(addr, str):
        exp["address"] = addr
    elif isinstance(addr, dict):
        exp["address"] = "".join(addr[k] for k in ("city", "county", "town", "village")
                                 if isinstance(addr.get(k), str))
        if isinstance(addr.get("city"), str):
            exp.setdefault("city_name", addr["city"])
        if isinstance(addr.get("county"), str):
            exp.setdefault("county_name", addr["county"])
    if len(st.county_code) == 6 and st.county_code.isdigit():
        exp.setdefault("city_code", st.county_code[:4] + "00")
    return exp


STATION_KEYS = ("address", "bearing_deg", "city_code", "city_name", "county_code", "county_name",
                "distance_m", "id", "location", "modes", "name", "phone", "rank")


def _latlng(obj, where, errs):
    if not isinstance(obj, dict) or not _num(obj.get("lat")) or not _num(obj.get("lng")):
        errs.append(f"{where}: expected {{lat, lng}} numbers, got {obj!r}")
        return None
    return float(obj["lat"]), float(obj["lng"])


def compare(q, exp, out):
    """Returns a list of mismatch descriptions (empty when the output agrees)."""
    errs = []
    if not isinstance(out, dict) or not isinstance(out.get("query"), dict) \
            or not isinstance(out.get("stations"), list):
        return [f"output is not an object with 'query' (object) and 'stations' (array): {str(out)[:300]}"]
    qo, st = out["query"], out["stations"]

    # -- the query echo
    inp = qo.get("input")
    if not isinstance(inp, dict):
        errs.append(f"query.input missing: {qo!r}")
    else:
        if inp.get("coordsys") != q["coordsys"]:
            errs.append(f"query.input.coordsys = {inp.get('coordsys')!r}, expected {q['coordsys']!r}")
        ll = _latlng(inp, "query.input", errs)
        if ll and (abs(ll[0] - q["lat"]) > 1e-12 or abs(ll[1] - q["lng"]) > 1e-12):
            errs.append(f"query.input = {ll!r}, expected ({q['lat']!r}, {q['lng']!r})")
    if qo.get("limit") != exp["limit"] or isinstance(qo.get("limit"), bool):
        errs.append(f"query.limit = {qo.get('limit')!r}, expected {exp['limit']}")
    w = _latlng(qo.get("wgs84"), "query.wgs84", errs)
    if w:
        dlat, dlng = w[0] - exp["wgs84"][0], w[1] - exp["wgs84"][1]
        if abs(dlat) > 1e-7 or abs(dlng) > 1e-7:
            errs.append(f"query.wgs84 = ({w[0]!r}, {w[1]!r}), oracle ({exp['wgs84'][0]!r}, "
                        f"{exp['wgs84'][1]!r}); off by ({dlat:.3e}, {dlng:.3e}) deg")
    for key, val in (("mode", q.get("mode")), ("county", q.get("county"))):
        if val is None and key in qo:
            errs.append(f"query.{key} = {qo[key]!r} present but not given")
        elif val is not None and qo.get(key) != val:
            errs.append(f"query.{key} = {qo.get(key)!r}, expected {val!r}")
    r = q.get("radius_km")
    if r is None and "radius_km" in qo:
        errs.append(f"query.radius_km = {qo['radius_km']!r} present but not given")
    elif r is not None and (not _num(qo.get("radius_km")) or abs(qo["radius_km"] - r) > 1e-9):
        errs.append(f"query.radius_km = {qo.get('radius_km')!r}, expected {r!r}")

    # -- the stations, in order
    got_ids = [s.get("id") if isinstance(s, dict) else None for s in st]
    exp_ids = [e["id"] for e in exp["stations"]]
    if got_ids != exp_ids:
        n = len(exp_ids)
        first = next((i for i in range(max(n, len(got_ids)))
                      if i >= n or i >= len(got_ids) or got_ids[i] != exp_ids[i]), None)
        errs.append(f"station ids differ (first difference at rank {first + 1}): got {len(got_ids)}, "
                    f"expected {n} (of {exp['n_candidates']} candidates)")
        lo = max(0, first - 2)
        for i in range(lo, min(max(n, len(got_ids)), first + 4)):
            g = st[i] if i < len(st) and isinstance(st[i], dict) else {}
            e = exp["stations"][i] if i < n else None
            errs.append(f"    rank {i + 1}: got {g.get('id')!r} at {g.get('distance_m')!r} m; "
                        + (f"expected {e['id']!r} at {e['distance_m']:.4f} m" if e else "expected nothing"))
        errs.extend("    note: " + x for x in exp["notes"])
    exp_by_id = {e["id"]: e for e in exp["stations"]}
    for i, s in enumerate(st):
        if not isinstance(s, dict):
            errs.append(f"stations[{i}] is not an object")
            continue
        e = exp_by_id.get(s.get("id"))
        if e is None:
            continue
        tag = f"stations[{i}] {e['id']}"
        missing = [k for k in STATION_KEYS if k not in s]
        if missing:
            errs.append(f"{tag}: missing keys {missing}")
        if s.get("rank") != i + 1:
            errs.append(f"{tag}: rank = {s.get('rank')!r}, expected {i + 1}")
        d = s.get("distance_m")
        if not _num(d) or abs(d - e["distance_m"]) > 0.006:
            errs.append(f"{tag}: distance_m = {d!r}, oracle {e['distance_m']!r}")
        b = s.get("bearing_deg")
        if not _num(b) or not (0.0 <= b < 360.0):
            errs.append(f"{tag}: bearing_deg = {b!r} is not a number in [0, 360)")
        elif e["distance_m"] >= 0.01:
            diff = abs(b - e["bearing_deg"]) % 360.0
            diff = min(diff, 360.0 - diff)
            if diff > 0.01:
                errs.append(f"{tag}: bearing_deg = {b!r}, oracle {e['bearing_deg']!r} (off {diff:.4f} deg)")
        loc = s.get("location")
        ll = _latlng(loc, f"{tag}.location", errs)
        if ll:
            if loc.get("coordsys") != q["coordsys"]:
                errs.append(f"{tag}: location.coordsys = {loc.get('coordsys')!r}, expected {q['coordsys']!r}")
            elat, elng = e["location"]
            if abs(ll[0] - elat) > 1e-6 or abs(ll[1] - elng) > 1e-6:
                errs.append(f"{tag}: location = ({ll[0]!r}, {ll[1]!r}), oracle ({elat!r}, {elng!r}) in {q['coordsys']}")
        reg = e["station"]
        if s.get("county_code") != reg.county_code:
            errs.append(f"{tag}: county_code = {s.get('county_code')!r}, register {reg.county_code!r}")
        m = s.get("modes")
        if not isinstance(m, list) or sorted(map(str, m)) != sorted(reg.modes):
            errs.append(f"{tag}: modes = {m!r}, register {list(reg.modes)!r}")
        for k, v in expected_echo(reg).items():
            if s.get(k) != v:
                errs.append(f"{tag}: {k} = {s.get(k)!r}, register implies {v!r}")
    return errs


# --------------------------------------------------------------------------
# Query generation
# --------------------------------------------------------------------------
ZJ_LAT, ZJ_LNG = (27.0, 31.2), (118.0, 123.2)
AROUND_LAT, AROUND_LNG = (25.5, 32.7), (116.5, 124.7)
FAR_POINTS = [
    ("Beijing", 39.9042, 116.4074), ("Urumqi", 43.8256, 87.6168), ("Harbin", 45.8038, 126.5350),
    ("Sanya", 18.2528, 109.5120), ("Lhasa", 29.6520, 91.1721), ("Tokyo", 35.6762, 139.6503),
    ("London", 51.5074, -0.1278), ("Sydney", -33.8688, 151.2093), ("New York", 40.7128, -74.0060),
    ("North Pole", 90.0, 0.0), ("South Pole", -90.0, 0.0), ("antimeridian", 0.0, 180.0),
    ("antimeridian west", 12.5, -179.999), ("Hangzhou antipode", -30.259, -59.87),
]


def make_queries(rng, n, counties):
    qs = []
    for _ in range(n):
        u = rng.random()
        if u < 0.70:
            lat, lng, region = rng.uniform(*ZJ_LAT), rng.uniform(*ZJ_LNG), "zhejiang"
        elif u < 0.90:
            while True:
                lat, lng = rng.uniform(*AROUND_LAT), rng.uniform(*AROUND_LNG)
                if not (ZJ_LAT[0] <= lat <= ZJ_LAT[1] and ZJ_LNG[0] <= lng <= ZJ_LNG[1]):
                    break
            region = "around"
        else:
            name, lat, lng = FAR_POINTS[rng.randrange(len(FAR_POINTS))]
            region = name
            if rng.random() < 0.5:   # jitter, else the exact point
                lat = max(-90.0, min(90.0, lat + rng.uniform(-0.5, 0.5)))
                lng = lng + rng.uniform(-0.5, 0.5)
                lng = (lng + 180.0) % 360.0 - 180.0
        systems = COORDSYS
        cs = systems[rng.randrange(len(systems))]
        qlat, qlng = from_wgs84(cs, lat, lng)
        v = rng.random()
        limit = None if v < 0.2 else (5 if v < 0.7 else rng.randint(1, 50))
        mode = rng.choice(("offline", "video")) if rng.random() < 0.3 else None
        county = counties[rng.randrange(len(counties))] if rng.random() < 0.25 else None
        radius = round(math.exp(rng.uniform(math.log(0.5), math.log(200.0))), 3) if rng.random() < 0.3 else None
        qs.append({"coordsys": cs, "lat": qlat, "lng": qlng, "limit": limit, "mode": mode,
                   "county": county, "radius_km": radius, "region": region})
    return qs


def _opt(name, value):
    s = value if isinstance(value, str) else repr(value)
    return [f"{name}={s}"] if s.startswith("-") else [name, s]


def command_for(binary, db, q):
    cmd = [str(binary), "nearest"] + _opt("--lat", q["lat"]) + _opt("--lng", q["lng"])
    if q.get("limit") is not None:
        cmd += ["--limit", str(q["limit"])]
    cmd += ["--coordsys", q["coordsys"]]
    if q.get("mode") is not None:
        cmd += ["--mode", q["mode"]]
    if q.get("county") is not None:
        cmd += ["--county", q["county"]]
    if q.get("radius_km") is not None:
        cmd += _opt("--radius-km", q["radius_km"])
    cmd += ["--format", "json", "--db", str(db)]
    return cmd


def run_one(binary, db, q, timeout):
    """Returns (parsed_json or None, list of errors)."""
    cmd = command_for(binary, db, q)
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, [f"timed out after {timeout} s"]
    except OSError as e:
        die(f"cannot run {binary}: {e}")
    stderr = p.stderr.decode("utf-8", "replace").strip()
    if p.returncode != 0:
        return None, [f"exit code {p.returncode}; stderr: {stderr[:500]!r}"]
    try:
        out = json.loads(p.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, [f"stdout is not one JSON document ({e}): {p.stdout[:300]!r}"]
    return out, []


def url_for(base, q):
    params = {"lat": repr(q["lat"]), "lng": repr(q["lng"]), "coordsys": q["coordsys"]}
    for key in ("limit", "mode", "county", "radius_km"):
        if q.get(key) is not None:
            params[key] = q[key] if isinstance(q[key], str) else repr(q[key])
    return base.rstrip("/") + "/v1/stations/nearest?" + urllib.parse.urlencode(params)


def run_http(base, q, timeout):
    """GET /v1/stations/nearest on a running server. Returns (parsed_json or None, errors)."""
    url = url_for(base, q)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            body = r.read()
    except urllib.error.HTTPError as e:
        return None, [f"HTTP {e.code}: {e.read()[:500]!r}"]
    except OSError as e:
        die(f"cannot reach {base}: {e}")
    try:
        return json.loads(body.decode("utf-8")), []
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, [f"body is not one JSON document ({e}): {body[:300]!r}"]


# --------------------------------------------------------------------------
# Self-test (no binary, no register)
# --------------------------------------------------------------------------
def _synthetic_register(rng, n=400):
    counties = ["330102", "330105", "330106", "330108", "330110", "330212", "330381", "330402", "330602",
                "331002", "331102"]
    feats = []
    for i in range(n):
        cc = counties[i % len(counties)]
        lat, lng = rng.uniform(*ZJ_LAT), rng.uniform(*ZJ_LNG)
        if i % 50 == 7:   # an exact duplicate location: tie broken by id
            lat, lng = feats[-1]["geometry"]["coordinates"][1], feats[-1]["geometry"]["coordinates"][0]
        modes = [["offline"], ["video"], ["offline", "video"]][i % 3]
        feats.append({"type": "Feature", "id": f"{cc}-{i:04d}",
                      "geometry": {"type": "Point", "coordinates": [lng, lat]},
                      "properties": {"county_code": cc, "modes": modes, "name": f"站{i}",
                                     "phone": f"0571-{i:08d}",
                                     "address": {"city": "杭州市", "county": "西湖区", "town": "转塘街道",
                                                 "village": f"{i}村"} if i % 2 else f"某地{i}号",
                                     "status": "retired" if i % 17 == 3 else "active"}})
    return parse_register({"type": "FeatureCollection", "features": feats}, "<synthetic>")


def _render_like_cli(q, exp):
    """What a correct CLI would print for q (rounded the way the CLI rounds)."""
    query = {"input": {"coordsys": q["coordsys"], "lat": q["lat"], "lng": q["lng"]},
             "limit": exp["limit"], "wgs84": {"lat": exp["wgs84"][0], "lng": exp["wgs84"][1]}}
    for k in ("mode", "county", "radius_km"):
        if q.get(k) is not None:
            query[k] = q[k]
    st = []
    for i, e in enumerate(exp["stations"]):
        s = e["station"]
        b = round(e["bearing_deg"], 2)
        st.append({"id": e["id"], "rank": i + 1, "distance_m": round(e["distance_m"], 2),
                   "bearing_deg": 0.0 if b >= 360.0 else b,
                   "location": {"coordsys": q["coordsys"], "lat": round(e["location"][0], 7),
                                "lng": round(e["location"][1], 7)},
                   "county_code": s.county_code, "modes": sorted(s.modes), "name": "", "phone": "",
                   "address": "", "city_code": "", "city_name": "", "county_name": ""})
        st[-1].update(expected_echo(s))
    return json.loads(json.dumps({"query": query, "stations": st}))


def selftest():
    failures = []

    def check(cond, msg):
        if not cond:
            failures.append(msg)

    rng = random.Random(20211130)
    pts = [(rng.uniform(*ZJ_LAT), rng.uniform(*ZJ_LNG)) for _ in range(250)]
    pts += [(rng.uniform(18.0, 53.0), rng.uniform(74.0, 135.0)) for _ in range(150)]
    pts += [(lat, lng) for _, lat, lng in FAR_POINTS if in_gcj_box(lat, lng)]
    worst_rt, worst_back, worst_onestep_m = 0.0, 0.0, 0.0
    for lat, lng in pts:
        # GCJ-02: forward(inverse(p)) == p; inverse(forward(w)) == w
        w = gcj02_to_wgs84_exact(lat, lng)
        f = wgs84_to_gcj02(*w)
        worst_rt = max(worst_rt, abs(f[0] - lat), abs(f[1] - lng))
        g = wgs84_to_gcj02(lat, lng)
        back = gcj02_to_wgs84_exact(*g)
        worst_back = max(worst_back, abs(back[0] - lat), abs(back[1] - lng))
        one = _gcj02_to_wgs84_onestep(*g)
        worst_onestep_m = max(worst_onestep_m, GEOD.Inverse(lat, lng, one[0], one[1])["s12"])
        # BD-09 on top of GCJ-02
        gg = bd09_to_gcj02_exact(lat, lng)
        fb = gcj02_to_bd09(*gg)
        worst_rt = max(worst_rt, abs(fb[0] - lat), abs(fb[1] - lng))
        b = from_wgs84("bd09", lat, lng)
        back = to_wgs84("bd09", *b)
        worst_back = max(worst_back, abs(back[0] - lat), abs(back[1] - lng))
    check(worst_rt <= INVERSE_TOL, f"forward(inverse(p)) off by {worst_rt:.3e} deg > {INVERSE_TOL}")
    check(worst_back <= 1e-9, f"inverse(forward(w)) off by {worst_back:.3e} deg")
    check(worst_onestep_m > 0.5, f"one-step inverse error only {worst_onestep_m:.3f} m: exactness untested")
    print(f"selftest: {len(pts)} points; forward(inverse(p)) worst {worst_rt:.2e} deg; "
          f"inverse(forward(w)) worst {worst_back:.2e} deg; one-step inverse worst {worst_onestep_m:.2f} m")

    # outside the box: GCJ-02 is the identity
    for lat, lng in [(35.6762, 139.6503), (51.5074, -0.1278), (90.0, 0.0), (-90.0, 0.0), (0.0, 180.0),
                     (30.0, 72.0), (30.0, 137.84), (0.82, 110.0), (55.83, 110.0)]:
        check(wgs84_to_gcj02(lat, lng) == (lat, lng), f"GCJ-02 not identity at ({lat}, {lng})")
        check(to_wgs84("gcj02", lat, lng) == (lat, lng), f"GCJ-02 inverse not identity at ({lat}, {lng})")

    # cross-check the forward code against the PyPI package coordtransform
    try:
        import coordTransform as ct
    except ImportError:
        failures.append("coordtransform is not installed (pip install -r tools/requirements.txt)")
        ct = None
    if ct is not None:
        worst = 0.0
        for lat, lng in pts:   # all inside coordtransform's own (narrower) box too
            glng, glat = ct.wgs84_to_gcj02(lng, lat)
            blng, blat = ct.gcj02_to_bd09(glng, glat)
            mg, mb = wgs84_to_gcj02(lat, lng), gcj02_to_bd09(*wgs84_to_gcj02(lat, lng))
            worst = max(worst, abs(mg[0] - glat), abs(mg[1] - glng), abs(mb[0] - blat), abs(mb[1] - blng))
        check(worst <= 1e-12, f"forward transforms differ from coordtransform by {worst:.3e} deg")
        print(f"selftest: forward transforms vs coordtransform: worst difference {worst:.2e} deg")

    # geodesic sanity (values from GeographicLib's documentation / closed forms)
    s = GEOD.Inverse(0.0, 0.0, 0.0, 180.0)["s12"]
    check(abs(s - 20003931.4586) < 1e-3, f"half meridian {s!r}")
    check(norm_azimuth(-0.0) == 0.0 and norm_azimuth(-1e-20) == 0.0 and norm_azimuth(-90.0) == 270.0,
          "norm_azimuth")

    # the comparison logic, on a synthetic register
    reg = _synthetic_register(random.Random(5))
    counties = sorted({s.county_code for s in reg})
    qs = make_queries(random.Random(11), 120, counties)
    mutations = 0
    for qi, q in enumerate(qs):
        exp = oracle_nearest(reg, q)
        good = _render_like_cli(q, exp)
        errs = compare(q, exp, good)
        check(not errs, f"query {qi}: correct output rejected: {errs[:3]}")
        bads = []
        if len(good["stations"]) >= 2:
            b = json.loads(json.dumps(good)); b["stations"][0], b["stations"][1] = b["stations"][1], b["stations"][0]
            bads.append(("swapped order", b))
        if good["stations"]:
            b = json.loads(json.dumps(good)); b["stations"][-1]["distance_m"] += 0.012
            bads.append(("distance +1.2 cm", b))
            b = json.loads(json.dumps(good)); b["stations"][0]["location"]["lat"] += 3e-6
            bads.append(("location off", b))
            b = json.loads(json.dumps(good)); b["stations"].pop()
            bads.append(("one station missing", b))
            if exp["stations"][0]["distance_m"] >= 0.01:
                b = json.loads(json.dumps(good))
                b["stations"][0]["bearing_deg"] = (b["stations"][0]["bearing_deg"] + 0.02) % 360.0
                bads.append(("bearing off", b))
        if q["coordsys"] != "wgs84" and in_gcj_box(q["lat"], q["lng"]):
            one = _gcj02_to_wgs84_onestep(*(q["lat"], q["lng"]) if q["coordsys"] == "gcj02"
                                          else _bd09_to_gcj02_onestep(q["lat"], q["lng"]))
            b = json.loads(json.dumps(good)); b["query"]["wgs84"] = {"lat": one[0], "lng": one[1]}
            bads.append(("one-step inverse", b))
        if good["stations"]:
            b = json.loads(json.dumps(good)); b["stations"][0]["address"] += "x"
            bads.append(("address", b))
        b = json.loads(json.dumps(good)); b["query"]["limit"] = exp["limit"] + 1
        bads.append(("limit echo", b))
        b = json.loads(json.dumps(good)); b["query"]["mode"] = "video" if q.get("mode") != "video" else "offline"
        bads.append(("mode echo", b))
        for what, bad in bads:
            mutations += 1
            check(compare(q, exp, bad), f"query {qi}: mutation '{what}' not detected")
    print(f"selftest: comparison logic: {len(qs)} synthetic queries accepted, {mutations} mutations checked")

    # the oracle's own semantics on the synthetic register
    q = {"coordsys": "wgs84", "lat": 29.5, "lng": 120.5, "limit": 2000, "mode": None, "county": None,
         "radius_km": None}
    exp = oracle_nearest(reg, q)
    ids = [e["id"] for e in exp["stations"]]
    check(len(ids) == sum(1 for s in reg if s.status == "active"), "inactive stations not excluded")
    ds = [(e["distance_m"], e["id"]) for e in exp["stations"]]
    check(ds == sorted(ds), "not ordered by (distance, id)")
    check(any(ds[i][0] == ds[i + 1][0] for i in range(len(ds) - 1)), "synthetic tie not exercised")
    exp = oracle_nearest(reg, dict(q, mode="video", county="330106", radius_km=80.0))
    check(all("video" in e["station"].modes and e["station"].county_code == "330106"
              and e["distance_m"] <= 80000.0 for e in exp["stations"]) and exp["stations"], "filters")

    if failures:
        for f in failures[:20]:
            print(f"selftest FAILED: {f}", file=sys.stderr)
        print(f"selftest: {len(failures)} failed", file=sys.stderr)
        return 1
    print("selftest: all checks passed")
    return 0


# --------------------------------------------------------------------------
def resolve(p):
    """A relative path: against the current directory, else against the repo root."""
    p = Path(p)
    if p.is_absolute() or p.exists():
        return p
    alt = REPO_ROOT / p
    return alt if alt.exists() else p


def describe(q, binary, db):
    return " ".join(a if a and all(c.isalnum() or c in "-_=./:+" for c in a) else repr(a)
                    for a in command_for(binary, db, q))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Brute-force oracle for `liaison nearest`.")
    ap.add_argument("--bin", help="path to the liaison binary")
    ap.add_argument("--url", help="base URL of a running `liaison serve` to check instead of the binary")
    ap.add_argument("--db", help="the database the binary reads (imported from the register)")
    ap.add_argument("--register", default=str(DEFAULT_REGISTER),
                    help="station register GeoJSON (default: geodata/stations.geojson)")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--show", type=int, default=5, help="mismatching queries to print in detail")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per binary run")
    ap.add_argument("--selftest", action="store_true", help="test this script's own logic and exit")
    a = ap.parse_args(argv)

    if a.selftest:
        return selftest()
    if not a.url and (not a.bin or not a.db):
        ap.error("--bin and --db, or --url, are required (or use --selftest)")
    if a.queries < 1:
        ap.error("--queries must be >= 1")
    register = resolve(a.register)
    binary = db = None
    if not a.url:
        binary, db = resolve(a.bin), resolve(a.db)
        if not binary.is_file():
            die(f"binary not found: {a.bin} (build it first, e.g. `swift build`)")
        if not db.exists():
            die(f"database not found: {a.db} (import the register into it first)")
    stations = load_register(register)
    counties = sorted({s.county_code for s in stations})
    queries = make_queries(random.Random(a.seed), a.queries, counties)

    passed, failed = 0, []
    for i, q in enumerate(queries):
        try:
            exp = oracle_nearest(stations, q)
        except InverseError as e:
            die(f"query {i}: the oracle's own inverse failed: {e}")
        out, errs = run_http(a.url, q, a.timeout) if a.url else run_one(binary, db, q, a.timeout)
        if out is not None:
            errs = compare(q, exp, out)
        if errs:
            failed.append((i, q, errs))
        else:
            passed += 1
    for i, q, errs in failed[:a.show]:
        where = url_for(a.url, q) if a.url else describe(q, binary, db)
        print(f"--- query {i} ({q['region']}, {q['coordsys']}): {where}")
        for e in errs[:25]:
            print(f"  {e}")
        if len(errs) > 25:
            print(f"  ... {len(errs) - 25} more")
    if len(failed) > a.show:
        print(f"--- ... and {len(failed) - a.show} more failing queries: "
              + ", ".join(str(i) for i, _, _ in failed[a.show:a.show + 40]))
    print(f"oracle ({'HTTP ' + a.url if a.url else 'CLI'}): {len(queries)} queries, {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
