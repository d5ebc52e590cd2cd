#!/usr/bin/env python3
# make_reference_vectors.py -- reference vectors for the Swift Geodesy tests.
#
# What it does
#   Writes two fixtures under Tests/GeodesyTests/Fixtures/ (paths are resolved
#   from this script's location, so it can be run from anywhere):
#
#   transform-vectors.json
#     {"source": "...",
#      "gcj02":   [{"wgs84": {"lat", "lng"}, "gcj02": {"lat", "lng"}}, ...],
#      "bd09":    [{"gcj02": {"lat", "lng"}, "bd09":  {"lat", "lng"}}, ...],
#      "outside": [{"lat", "lng"}, ...]}
#     Forward transforms come from the PyPI package coordtransform 0.2.1
#     (coordTransform.wgs84_to_gcj02 / gcj02_to_bd09: the standard public
#     algorithm with the Krasovsky ellipsoid a = 6378245.0,
#     ee = 0.00669342162296594323), not from the project's own code.
#     GCJ-02 applies only inside lng 72.004..137.8347, lat 0.8293..55.8271;
#     coordtransform's own out-of-China box is narrower (lng 73.66..135.05,
#     lat 3.86..53.55), so every gcj02/bd09 point here is checked to lie inside
#     both boxes and every "outside" point outside both: the two boxes agree on
#     all of them. "outside" points are where the transform must be the identity.
#     bd09 inputs are the gcj02 outputs of the gcj02 list.
#     The values are cross-checked against the independent forward code in
#     tools/oracle_nearest.py (must agree within 1e-12 deg) before writing.
#
#   geodesic-vectors.json
#     [{"lat1", "lng1", "lat2", "lng2", "distance_m": s12, "azimuth_deg": azi1}, ...]
#     from geographiclib 2.1 Geodesic.WGS84.Inverse; azimuth_deg is azi1 as
#     geographiclib gives it, in (-180, 180] (ill-defined for coincident points,
#     exactly antipodal points and points at a pole). Short pairs inside Zhejiang
#     (1 mm .. 300 km), named long pairs (Hangzhou to Beijing, Urumqi, New York,
#     the antipode region, pole to pole, across the antimeridian, coincident
#     points, the equator), random global and near-antipodal pairs.
#
#   All numbers are written with repr (shortest round-trip double), not rounded.
#   Deterministic: fixed seeds; output is byte for byte the same on every run
#   with the pinned packages (the script refuses other versions).
#
# How to run
#   pip install -r tools/requirements.txt
#   python3 tools/make_reference_vectors.py           # (re)write both fixtures
#   python3 tools/make_reference_vectors.py --check   # exit 1 if the files on disk differ

import argparse
import importlib.metadata
import importlib.util
import json
import math
import random
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "Tests" / "GeodesyTests" / "Fixtures"
TRANSFORM_OUT = FIXTURES / "transform-vectors.json"
GEODESIC_OUT = FIXTURES / "geodesic-vectors.json"

PINNED = {"coordtransform": "0.2.1", "geographiclib": "2.1"}
TRANSFORM_SEED = 20211130
GEODESIC_SEED = 2045


def die(msg):
    print(f"make_reference_vectors: error: {msg}", file=sys.stderr)
    sys.exit(2)


for _pkg, _ver in PINNED.items():
    try:
        _have = importlib.metadata.version(_pkg)
    except importlib.metadata.PackageNotFoundError:
        die(f"{_pkg} is not installed: pip install -r tools/requirements.txt")
    if _have != _ver:
        die(f"{_pkg} {_have} is installed, the fixtures are pinned to {_ver}: pip install -r tools/requirements.txt")

import coordTransform as ct                      # noqa: E402  (PyPI: coordtransform)
from geographiclib.geodesic import Geodesic      # noqa: E402

GEOD = Geodesic.WGS84

# the brief's GCJ-02 box, and coordtransform's own (narrower) one
BOX = {"lng": (72.004, 137.8347), "lat": (0.8293, 55.8271)}
CT_BOX = {"lng": (73.66, 135.05), "lat": (3.86, 53.55)}
ZJ_LAT, ZJ_LNG = (27.0, 31.2), (118.0, 123.2)

CHINA_POINTS = [  # (name, lat, lng) WGS-84, elsewhere in mainland China
    ("Beijing", 39.9042, 116.4074), ("Shanghai", 31.2304, 121.4737), ("Tianjin", 39.3434, 117.3616),
    ("Guangzhou", 23.1291, 113.2644), ("Shenzhen", 22.5431, 114.0579), ("Chengdu", 30.5728, 104.0668),
    ("Chongqing", 29.5630, 106.5516), ("Xi'an", 34.3416, 108.9398), ("Wuhan", 30.5928, 114.3055),
    ("Kunming", 25.0389, 102.7183), ("Lanzhou", 36.0611, 103.8343), ("Xining", 36.6171, 101.7782),
    ("Hohhot", 40.8414, 111.7519), ("Urumqi", 43.8256, 87.6168), ("Kashgar", 39.4704, 75.9898),
    ("Lhasa", 29.6520, 91.1721), ("Harbin", 45.8038, 126.5350), ("Mohe", 52.9721, 122.5386),
    ("Sanya", 18.2528, 109.5120), ("Haikou", 20.0440, 110.1999), ("Fuzhou", 26.0745, 119.2965),
    ("Nanjing", 32.0603, 118.7969), ("Hefei", 31.8206, 117.2272),
]

OUTSIDE_POINTS = [  # (name, lat, lng): outside the GCJ-02 box, the transform is the identity
    ("Tokyo", 35.6762, 139.6503), ("London", 51.5074, -0.1278), ("Sydney", -33.8688, 151.2093),
    ("New York", 40.7128, -74.006), ("North Pole", 90.0, 0.0), ("South Pole", -90.0, 0.0),
    ("antimeridian east", 0.0, 180.0), ("antimeridian west", 10.0, -180.0), ("Null Island", 0.0, 0.0),
    ("west of the box", 40.0, 72.0), ("east of the box", 30.0, 137.84), ("south of the box", 0.8, 110.0),
    ("north of the box", 55.83, 110.0), ("Moscow", 55.7558, 37.6173),
]


def in_box(box, lat, lng):
    return box["lng"][0] <= lng <= box["lng"][1] and box["lat"][0] <= lat <= box["lat"][1]


def strictly_in_ct_box(lat, lng):
    # coordtransform: not (lng > 73.66 and lng < 135.05 and lat > 3.86 and lat < 53.55) => out of China
    return CT_BOX["lng"][0] < lng < CT_BOX["lng"][1] and CT_BOX["lat"][0] < lat < CT_BOX["lat"][1]


def gcj02(lat, lng):
    """WGS-84 -> GCJ-02 by coordtransform, with the brief's box."""
    if not in_box(BOX, lat, lng):
        return lat, lng
    if not strictly_in_ct_box(lat, lng):
        die(f"({lat!r}, {lng!r}) is inside the GCJ-02 box but outside coordtransform's: refusing to guess")
    glng, glat = ct.wgs84_to_gcj02(lng, lat)
    return glat, glng


def bd09(lat, lng):
    """GCJ-02 -> BD-09 by coordtransform (the formula has no box)."""
    blng, blat = ct.gcj02_to_bd09(lng, lat)
    return blat, blng


def load_oracle():
    path = Path(__file__).resolve().parent / "oracle_nearest.py"
    spec = importlib.util.spec_from_file_location("oracle_nearest", path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except (OSError, SystemExit) as e:
        die(f"cannot load {path} for the cross-check: {e}")
    return mod


def ll(lat, lng):
    return {"lat": lat, "lng": lng}


def transform_vectors():
    rng = random.Random(TRANSFORM_SEED)
    pts = [(30.259, 120.13)]   # Hangzhou, West Lake: a fixed, quotable sample
    pts += [(rng.uniform(*ZJ_LAT), rng.uniform(*ZJ_LNG)) for _ in range(199)]
    pts += [(lat, lng) for _, lat, lng in CHINA_POINTS]
    oracle = load_oracle()
    gcj, bd = [], []
    for lat, lng in pts:
        if not in_box(BOX, lat, lng):
            die(f"point ({lat}, {lng}) meant to be in China is outside the GCJ-02 box")
        g = gcj02(lat, lng)
        b = bd09(*g)
        mg = oracle.wgs84_to_gcj02(lat, lng)
        mb = oracle.gcj02_to_bd09(*g)
        worst = max(abs(g[0] - mg[0]), abs(g[1] - mg[1]), abs(b[0] - mb[0]), abs(b[1] - mb[1]))
        if worst > 1e-12:
            die(f"coordtransform and tools/oracle_nearest.py disagree by {worst:.3e} deg at ({lat!r}, {lng!r})")
        off = GEOD.Inverse(lat, lng, g[0], g[1])["s12"]
        if not 1.0 < off < 1500.0:
            die(f"implausible GCJ-02 offset {off:.1f} m at ({lat!r}, {lng!r})")
        gcj.append({"wgs84": ll(lat, lng), "gcj02": ll(*g)})
        bd.append({"gcj02": ll(*g), "bd09": ll(*b)})
    outside = []
    for name, lat, lng in OUTSIDE_POINTS:
        if in_box(BOX, lat, lng):
            die(f"'outside' point {name} ({lat}, {lng}) is inside the GCJ-02 box")
        if ct.wgs84_to_gcj02(lng, lat) != [lng, lat]:
            die(f"coordtransform does not treat {name} ({lat}, {lng}) as outside China")
        outside.append(ll(lat, lng))
    source = ("coordtransform 0.2.1 (PyPI, import coordTransform; wgs84_to_gcj02 and gcj02_to_bd09, pure-Python "
              "scalar path): standard public GCJ-02 with Krasovsky a = 6378245.0, ee = 0.00669342162296594323, "
              "applied only inside lng 72.004..137.8347, lat 0.8293..55.8271 (all gcj02/bd09 points also lie "
              "inside coordtransform's own box lng 73.66..135.05, lat 3.86..53.55, all 'outside' points outside "
              "both); BD-09 = the x_pi = pi*3000/180 formula on top of GCJ-02; bd09 inputs are the gcj02 outputs. "
              "Cross-checked against tools/oracle_nearest.py within 1e-12 deg. Generated by "
              f"tools/make_reference_vectors.py, seed {TRANSFORM_SEED}: 1 fixed Hangzhou point (30.259, 120.13), "
              f"199 random points in lat 27.0..31.2, lng 118.0..123.2, {len(CHINA_POINTS)} other mainland "
              "cities (" + ", ".join(n for n, _, _ in CHINA_POINTS) + "); outside: "
              + ", ".join(n for n, _, _ in OUTSIDE_POINTS) + ".")
    return {"source": source, "gcj02": gcj, "bd09": bd, "outside": outside}


def antipode(lat, lng):
    return -lat, (lng + 360.0) % 360.0 - 180.0


def geodesic_vectors():
    rng = random.Random(GEODESIC_SEED)
    pairs = []
    # short pairs inside Zhejiang: log-uniform 1 m .. 300 km, random azimuth
    for _ in range(200):
        lat1, lng1 = rng.uniform(*ZJ_LAT), rng.uniform(*ZJ_LNG)
        s = math.exp(rng.uniform(math.log(1.0), math.log(300000.0)))
        d = GEOD.Direct(lat1, lng1, rng.uniform(-180.0, 180.0), s)
        pairs.append((lat1, lng1, d["lat2"], d["lon2"]))
    for s in (0.001, 0.01, 0.1, 1.0):   # millimetres to a metre, from a fixed point
        d = GEOD.Direct(30.259, 120.13, 37.5, s)
        pairs.append((30.259, 120.13, d["lat2"], d["lon2"]))
    hz = (30.259, 120.13)
    ap = (-30.259, -59.87)                # antipode of hz (120.13 - 180)
    named = [
        hz + (39.9042, 116.4074),            # Beijing
        hz + (43.8256, 87.6168),             # Urumqi
        hz + (40.7128, -74.006),             # New York
        hz + (51.5074, -0.1278),             # London
        hz + (-33.8688, 151.2093),           # Sydney
        hz + (-54.8019, -68.303),            # Ushuaia
        hz + ap,                              # exact antipode
        hz + (ap[0] + 0.1, ap[1]),            # the antipode region
        hz + (ap[0], ap[1] + 0.1),
        hz + (ap[0] - 0.5, ap[1] + 0.5),
        hz + (ap[0] + 1.0, ap[1] - 1.0),
        hz + (ap[0] + 0.001, ap[1] + 0.001),
        hz + (90.0, 0.0), hz + (-90.0, 0.0),
        hz + hz,                              # coincident
        (90.0, 0.0, -90.0, 0.0),              # pole to pole
        (90.0, 0.0, -90.0, 180.0),
        (-90.0, 45.0, 90.0, -135.0),
        (90.0, 0.0, 90.0, 0.0), (-90.0, 0.0, -90.0, 123.0),   # coincident at the poles
        (89.9999, 10.0, 89.9999, -170.0),     # across the pole
        (10.0, 179.5, 12.0, -179.5),          # across the antimeridian
        (-40.0, 179.9, -40.0, -179.9),
        (51.0, -179.999, 51.0, 179.999),
        (65.0, 170.0, 60.0, -160.0),
        (0.0, 180.0, 0.0, -180.0),            # the same meridian written two ways
        (0.0, 0.0, 0.0, 0.0),                 # coincident on the equator
        (0.0, 0.0, 0.0, 1e-9),
        (0.0, 0.0, 0.0, 90.0),                # on the equator
        (0.0, 0.0, 0.0, 179.0),
        (0.0, 0.0, 0.0, 179.5),
        (0.0, 0.0, 0.0, 179.9),
        (0.0, 0.0, 0.0, 180.0),               # antipodal on the equator (meridional geodesic)
        (0.0, 10.0, 0.0, 10.001),
        (0.0, -170.0, 0.0, 170.0),
        (0.0, 0.0, 0.5, 179.7),               # nearly antipodal, off the equator
        (30.0, 120.0, -30.0, -60.0),          # exactly antipodal, round numbers
        (45.0, 0.0, -45.0, 179.99),
    ]
    pairs += named
    # random global pairs, uniform on the sphere
    for _ in range(50):
        lat1 = math.degrees(math.asin(rng.uniform(-1.0, 1.0)))
        lat2 = math.degrees(math.asin(rng.uniform(-1.0, 1.0)))
        pairs.append((lat1, rng.uniform(-180.0, 180.0), lat2, rng.uniform(-180.0, 180.0)))
    # near-antipodal pairs
    for _ in range(10):
        lat1 = math.degrees(math.asin(rng.uniform(-0.9, 0.9)))
        lng1 = rng.uniform(-180.0, 180.0)
        alat, alng = antipode(lat1, lng1)
        lat2 = max(-90.0, min(90.0, alat + rng.uniform(-1.0, 1.0)))
        lng2 = (alng + rng.uniform(-1.0, 1.0) + 180.0) % 360.0 - 180.0
        pairs.append((lat1, lng1, lat2, lng2))
    out = []
    for lat1, lng1, lat2, lng2 in pairs:
        for v in (lat1, lat2):
            if not -90.0 <= v <= 90.0:
                die(f"latitude {v!r} out of range")
        r = GEOD.Inverse(lat1, lng1, lat2, lng2)
        if not (math.isfinite(r["s12"]) and math.isfinite(r["azi1"]) and 0.0 <= r["s12"] <= 20004000.0):
            die(f"bad geodesic result for {(lat1, lng1, lat2, lng2)}: {r}")
        out.append({"lat1": lat1, "lng1": lng1, "lat2": lat2, "lng2": lng2,
                    "distance_m": r["s12"], "azimuth_deg": r["azi1"]})
    return out


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


def render_transform(doc):
    lines = ["{", f'  "source": {dumps(doc["source"])},']
    for key in ("gcj02", "bd09", "outside"):
        lines.append(f'  "{key}": [')
        lines.append(",\n".join("    " + dumps(e) for e in doc[key]))
        lines.append("  ]," if key != "outside" else "  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_geodesic(rows):
    return "[\n" + ",\n".join("  " + dumps(r) for r in rows) + "\n]\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write the Geodesy test fixtures.")
    ap.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    a = ap.parse_args(argv)

    tdoc = transform_vectors()
    grows = geodesic_vectors()
    outputs = {TRANSFORM_OUT: render_transform(tdoc), GEODESIC_OUT: render_geodesic(grows)}
    for path, text in outputs.items():   # the rendering must parse back to the same values
        back = json.loads(text)
        if back != (tdoc if path == TRANSFORM_OUT else grows):
            die(f"internal error: {path.name} does not round-trip")

    if a.check:
        stale = [p for p, t in outputs.items() if not p.exists() or p.read_text(encoding="utf-8") != t]
        for p in stale:
            print(f"make_reference_vectors: {p.relative_to(REPO_ROOT)} is missing or out of date", file=sys.stderr)
        print(f"make_reference_vectors: {len(outputs) - len(stale)} up to date, {len(stale)} stale")
        return 1 if stale else 0

    try:
        FIXTURES.mkdir(parents=True, exist_ok=True)
        for path, text in outputs.items():
            path.write_text(text, encoding="utf-8")
    except OSError as e:
        die(f"cannot write the fixtures: {e}")
    print(f"make_reference_vectors: wrote {TRANSFORM_OUT.relative_to(REPO_ROOT)} "
          f"({len(tdoc['gcj02'])} gcj02, {len(tdoc['bd09'])} bd09, {len(tdoc['outside'])} outside) and "
          f"{GEODESIC_OUT.relative_to(REPO_ROOT)} ({len(grows)} pairs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
