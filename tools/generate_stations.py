#!/usr/bin/env python3
# generate_stations.py - build the SYNTHETIC register of 2,045 village-level
# consumer-rights liaison stations (村级消费维权联络站) in Zhejiang.
#
# What it does
#   The real register is not public, so this script writes a realistic,
#   deterministic stand-in to geodata/stations.geojson, reading the county
#   polygons from geodata/zhejiang-counties.geojson (run
#   tools/extract_counties.py first). Rules:
#   - exactly 2,045 stations; every one of the 90 counties gets at least
#     MIN_PER_COUNTY, the rest are shared out by county area (geodesic area on
#     WGS-84) with largest-remainder rounding, ties broken by adcode;
#   - each point is rejection-sampled in its county's bounding box, rounded to
#     7 decimals FIRST, and only then tested: inside its own county (even-odd
#     rule over all rings, so holes are respected), inside no other county,
#     at least 150 m from every boundary ring of its county, and at least
#     300 m from every station already placed (any county);
#   - ids are <adcode>-<4-digit sequence>, numbered within the county by
#     latitude descending, then longitude ascending; features sorted by id;
#   - names, addresses, phones, opening hours, modes, capacity and staff are
#     drawn from per-county random streams; staff mobiles come from the
#     visibly synthetic block 1990000xxxx and are unique.
#   After building the register it re-checks every rule on the rounded data,
#   writes the file and prints a summary.
#
# Determinism
#   All randomness comes from random.Random instances seeded with integers
#   derived from SEED and the adcode (integer seeding does not depend on
#   PYTHONHASHSEED). Nothing iterates over a set or relies on hash order;
#   counties are processed in adcode order. Two runs give byte-identical output.
#
# How to run (from anywhere; paths are resolved from this file's location)
#   pip install -r tools/requirements.txt
#   python3 tools/extract_counties.py      # if geodata/zhejiang-counties.geojson is missing
#   python3 tools/generate_stations.py
#
# Fails loudly (non-zero exit with a message) if the input is missing or
# malformed, if a county cannot be filled, or if any check fails.
# No network access at run time. Standard library + geographiclib only.

import json
import math
import random
import re
import sys
from pathlib import Path

try:
    from geographiclib.geodesic import Geodesic
except ImportError:
    sys.exit("generate_stations.py: error: geographiclib is not installed; "
             "run: pip install -r tools/requirements.txt")

REPO_ROOT = Path(__file__).resolve().parent.parent
COUNTIES_PATH = REPO_ROOT / "geodata" / "zhejiang-counties.geojson"
OUT_PATH = REPO_ROOT / "geodata" / "stations.geojson"

SEED = 20211130                 # end of November 2021, when 2,045 stations existed
TOTAL = 2045
EXPECTED_COUNTIES = 90
MIN_PER_COUNTY = 6
MIN_BOUNDARY_M = 150.0          # county polygons are simplified to ~100 m
MIN_SPACING_M = 300.0
DECIMALS = 7
MAX_TRIES_PER_STATION = 20000
VIDEO_SHARE = 0.6
MOBILE_PREFIX = "1990000"       # visibly synthetic block, 10,000 numbers

GEOD = Geodesic.WGS84
WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)

AREA_CODES = {
    "330100": "0571", "330200": "0574", "330300": "0577", "330400": "0573",
    "330500": "0572", "330600": "0575", "330700": "0579", "330800": "0570",
    "330900": "0580", "331000": "0576", "331100": "0578",
}

# Seed streams: integer seeds, one per county and purpose.
STREAM_POINTS = 1
STREAM_ATTRS = 2
STREAM_GLOBAL = 3


def die(msg):
    sys.exit(f"generate_stations.py: error: {msg}")


def rng_for(stream, adcode="000000"):
    return random.Random(SEED * 10_000_000 + stream * 1_000_000 + int(adcode) % 1_000_000)


# ---------------------------------------------------------------- geometry

def point_in_rings(lng, lat, rings):
    """Even-odd rule over all rings (outer rings and holes alike).

    Edges are straight lines in lng/lat, as GeoJSON (RFC 7946) specifies.
    """
    inside = False
    for ring in rings:
        n = len(ring)
        j = n - 1
        for i in range(n):
            xi, yi = ring[i]
            xj, yj = ring[j]
            if (yi > lat) != (yj > lat):
                x_cross = xj + (lat - yj) * (xi - xj) / (yi - yj)
                if lng < x_cross:
                    inside = not inside
            j = i
    return inside


def local_scale(lat):
    """Metres per degree of longitude and latitude at `lat` on WGS-84."""
    phi = math.radians(lat)
    s = math.sin(phi)
    w = math.sqrt(1 - WGS84_E2 * s * s)
    n = WGS84_A / w                                  # prime vertical radius
    m = WGS84_A * (1 - WGS84_E2) / (w * w * w)       # meridian radius
    return math.radians(1) * n * math.cos(phi), math.radians(1) * m


def boundary_distance(lng, lat, segments):
    """Geodesic distance (m) from (lng, lat) to the nearest boundary edge.

    Method: project into a local equirectangular frame centred on the point
    (x = dlng * m_per_deg_lng, y = dlat * m_per_deg_lat, with the WGS-84 radii
    of curvature at the point's latitude). The projection is affine in
    lng/lat, so each GeoJSON edge (a straight line in lng/lat) stays a
    straight segment and its closest point can be found exactly in the plane.
    The planar distance is accurate to well under 1% near the point; the
    segments whose planar distance is within 2% (+1 m) of the planar minimum
    are kept, and the WGS-84 geodesic (geographiclib Inverse) from the point
    to each of their closest points is measured; the smallest is returned.
    """
    kx, ky = local_scale(lat)
    best = []
    dmin = math.inf
    for (x1, y1, x2, y2) in segments:
        ax = (x1 - lng) * kx
        ay = (y1 - lat) * ky
        bx = (x2 - lng) * kx
        by = (y2 - lat) * ky
        dx = bx - ax
        dy = by - ay
        ll = dx * dx + dy * dy
        t = 0.0 if ll == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / ll))
        px = ax + t * dx
        py = ay + t * dy
        d = math.hypot(px, py)
        if d <= dmin * 1.02 + 1.0:
            best.append((d, lng + px / kx, lat + py / ky))
            if d < dmin:
                dmin = d
    geo = math.inf
    for d, plng, plat in best:
        if d <= dmin * 1.02 + 1.0:
            geo = min(geo, GEOD.Inverse(lat, lng, plat, plng, Geodesic.DISTANCE)["s12"])
    return geo


def ring_area_m2(ring):
    poly = GEOD.Polygon()
    for lng, lat in ring[:-1]:
        poly.AddPoint(lat, lng)
    _, _, area = poly.Compute(False, True)
    return abs(area)


class County:
    def __init__(self, feature):
        p = feature["properties"]
        self.code = p["adcode"]
        self.name = p["name"]
        self.city_code = p["city_code"]
        self.city_name = p["city_name"]
        geom = feature["geometry"]
        if geom.get("type") != "MultiPolygon":
            die(f"{self.code}: geometry is not a MultiPolygon")
        self.rings = []
        self.area = 0.0
        for poly in geom["coordinates"]:
            for k, ring in enumerate(poly):
                pts = [(float(x), float(y)) for x, y in ring]
                if pts[0] != pts[-1]:
                    die(f"{self.code}: unclosed ring")
                self.rings.append(pts[:-1])
                a = ring_area_m2(pts)
                self.area += a if k == 0 else -a
        self.segments = []
        for ring in self.rings:
            n = len(ring)
            for i in range(n):
                x1, y1 = ring[i]
                x2, y2 = ring[(i + 1) % n]
                self.segments.append((x1, y1, x2, y2))
        xs = [x for r in self.rings for x, _ in r]
        ys = [y for r in self.rings for _, y in r]
        self.bbox = (min(xs), min(ys), max(xs), max(ys))
        if name_kind(self.name) is None:
            die(f"{self.code}: cannot tell district/county/city from name {self.name!r}")

    def in_bbox(self, lng, lat):
        x0, y0, x1, y1 = self.bbox
        return x0 <= lng <= x1 and y0 <= lat <= y1

    def contains(self, lng, lat):
        return self.in_bbox(lng, lat) and point_in_rings(lng, lat, self.rings)


def name_kind(name):
    if name.endswith("区"):
        return "district"
    if name.endswith("县"):
        return "county"
    if name.endswith("市"):
        return "city"
    return None


class SpacingGrid:
    """Bucket grid for the minimum-spacing test.

    Cells are CELL degrees; 0.005 deg is >= ~480 m in both directions inside
    Zhejiang (27-32 N), so any pair closer than 300 m sits in the same or an
    adjacent cell.
    """
    CELL = 0.005

    def __init__(self):
        self.cells = {}

    def key(self, lng, lat):
        return (math.floor(lat / self.CELL), math.floor(lng / self.CELL))

    def neighbours(self, lng, lat):
        r, c = self.key(lng, lat)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                yield from self.cells.get((r + dr, c + dc), ())

    def nearest(self, lng, lat):
        best = math.inf
        for olng, olat in self.neighbours(lng, lat):
            best = min(best, GEOD.Inverse(lat, lng, olat, olng, Geodesic.DISTANCE)["s12"])
        return best

    def add(self, lng, lat):
        self.cells.setdefault(self.key(lng, lat), []).append((lng, lat))


# ---------------------------------------------------------------- allocation

def allocate(counties):
    """MIN_PER_COUNTY each, the rest by area, largest-remainder rounding."""
    rest = TOTAL - MIN_PER_COUNTY * len(counties)
    if rest < 0:
        die("TOTAL is smaller than the per-county floor")
    total_area = sum(c.area for c in counties)
    quotas = [rest * c.area / total_area for c in counties]
    base = [int(math.floor(q)) for q in quotas]
    left = rest - sum(base)
    order = sorted(range(len(counties)),
                   key=lambda i: (-(quotas[i] - base[i]), counties[i].code))
    for i in order[:left]:
        base[i] += 1
    counts = [MIN_PER_COUNTY + b for b in base]
    if sum(counts) != TOTAL:
        die("allocation does not add up")
    return counts


# ---------------------------------------------------------------- sampling

def sample_points(county, n, others, grid):
    rng = rng_for(STREAM_POINTS, county.code)
    x0, y0, x1, y1 = county.bbox
    pts = []
    tries = 0
    while len(pts) < n:
        tries += 1
        if tries > MAX_TRIES_PER_STATION * n:
            die(f"{county.code} {county.name}: could only place {len(pts)} of {n} stations")
        lng = round(rng.uniform(x0, x1), DECIMALS)
        lat = round(rng.uniform(y0, y1), DECIMALS)
        if not point_in_rings(lng, lat, county.rings):
            continue
        if any(o.contains(lng, lat) for o in others):
            continue
        if boundary_distance(lng, lat, county.segments) < MIN_BOUNDARY_M:
            continue
        if grid.nearest(lng, lat) < MIN_SPACING_M:
            continue
        grid.add(lng, lat)
        pts.append((lng, lat))
    return pts


# ---------------------------------------------------------------- attributes

SURNAMES = ("王 陈 张 李 吴 徐 周 金 叶 胡 朱 杨 黄 林 郑 何 沈 方 钱 蒋 "
            "俞 孙 楼 应 项 鲍 潘 章 施 余 毛 邵 汪 蔡 丁 赵 马 许 姚 傅").split()
# Common surnames weighted roughly by frequency in Zhejiang (first ones commoner).
SURNAME_WEIGHTS = [max(1, 40 - i) for i in range(len(SURNAMES))]

GIVEN_NAMES = ("建国 建华 建平 建军 国平 国强 国庆 志强 志明 伟 军 勇 斌 杰 涛 "
               "海燕 丽娟 丽萍 美华 秀英 桂芳 芳 敏 静 燕 红 霞 丹 英 萍 "
               "永明 卫东 晓东 晓燕 小红 文杰 文华 金龙 金华 立新 立群 爱国 爱华 "
               "振华 伟军 伟民 海军 海峰 春华 春燕 明华 雪芳 玉兰 玉珍 彩霞 "
               "根土 根法 水根 土根 荣华 育才 兴国 培林 建英 亚萍 娟 琴 鑫 磊 浩 "
               "宇 婷 洁 俊 强").split()

DIR_PREFIX = list("东西南北上下前后中里外新大小高横长沙石黄白青桃竹梅杨柳枫松塘溪")
TOPO = list("塘岙坑畈埠岭桥山湖浦湾溪垟坞田洋头口岸港墩堰坂岗洲泾漾")
TAIL = list("头下口里脚底")          # 脚/底 only after 山/岭 (山脚, 岭底)

TOWN_FIRST = list("横大新双石临长清安永白金桃龙凤梅枫杨章黄高古湖溪玉洪乌汤城江仁义太平")
TOWN_SECOND = list("溪桥山塘岭埠浦港口门源坑田阳安宁兴丰和川店渡关亭湖")

HOURS_PATTERNS = [
    # (weight, weekday intervals, saturday intervals, sunday intervals)
    (30, ["08:30-11:30", "13:30-17:00"], [], []),
    (20, ["08:30-11:30", "13:30-17:00"], ["08:30-11:30"], []),
    (15, ["09:00-17:00"], [], []),
    (10, ["08:00-12:00", "14:00-17:30"], ["09:00-12:00"], []),
    (10, ["08:30-12:00", "13:00-16:30"], [], []),
    (8, ["09:00-11:30", "14:00-17:00"], ["09:00-11:30"], ["09:00-11:30"]),
    (7, ["08:00-16:30"], ["08:00-11:30"], []),
]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def village_name(rng):
    k = rng.random()
    if k < 0.30:                                # 王家 / 陈宅 / 周岙
        s = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        return s + rng.choice(["家", "家", "家", "宅"] + TOPO[:8])
    if k < 0.45:                                # 王家畈 / 徐家坞
        s = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        return s + "家" + rng.choice(TOPO)
    if k < 0.80:                                # 上塘 / 东岙
        a = rng.choice(DIR_PREFIX)
        b = rng.choice(TOPO)
        return a + b if a != b else None
    a = rng.choice(DIR_PREFIX)                  # 石桥头 / 后山下 / 大岭脚
    b = rng.choice(TOPO)
    c = rng.choice(TAIL if b in "山岭" else TAIL[:4])
    return a + b + c if len({a, b, c}) == 3 else None


def town_name(rng, kind):
    a = rng.choice(TOWN_FIRST)
    b = rng.choice(TOWN_SECOND)
    if a == b:
        return None
    if kind == "district":
        suffix = "街道" if rng.random() < 0.75 else "镇"
    elif kind == "city":
        suffix = "镇" if rng.random() < 0.85 else "乡"
    else:
        suffix = "镇" if rng.random() < 0.70 else "乡"
    return a + b, suffix


def unique(gen, used, what, code):
    for _ in range(10000):
        v = gen()
        if v is None:
            continue
        key = v[0] if isinstance(v, tuple) else v
        if key not in used:
            used.add(key)
            return v
    die(f"{code}: ran out of unique {what} names")


def build_attributes(county, points, phones_used):
    """points: list of (lng, lat) already in id order."""
    rng = rng_for(STREAM_ATTRS, county.code)
    kind = name_kind(county.name)
    n = len(points)

    # Towns: pick some stations as town seats, assign every station to the
    # nearest seat (a Voronoi partition), so neighbouring villages share a town.
    n_towns = max(2, min(18, n // 4 + 1))
    seats = sorted(rng.sample(range(n), n_towns))
    kx, ky = local_scale(sum(p[1] for p in points) / n)
    used_towns = set()
    towns = [unique(lambda: town_name(rng, kind), used_towns, "town", county.code)
             for _ in seats]
    town_of = []
    for lng, lat in points:
        best = min(range(n_towns),
                   key=lambda t: (math.hypot((points[seats[t]][0] - lng) * kx,
                                             (points[seats[t]][1] - lat) * ky), t))
        town_of.append(towns[best][0] + towns[best][1])

    used_villages = set()
    area_code = AREA_CODES.get(county.city_code)
    if area_code is None:
        die(f"{county.code}: no area code for city {county.city_code}")
    out = []
    for i, (lng, lat) in enumerate(points):
        village = unique(lambda: village_name(rng), used_villages, "village", county.code)
        while True:
            phone = f"{area_code}-6{rng.randrange(10**7):07d}"
            if phone not in phones_used:
                phones_used.add(phone)
                break
        _, weekday, sat, sun = rng.choices(HOURS_PATTERNS, [p[0] for p in HOURS_PATTERNS])[0]
        hours = {d: list(weekday) for d in DAYS[:5]}
        hours["sat"] = list(sat)
        hours["sun"] = list(sun)
        modes = ["offline", "video"] if rng.random() < VIDEO_SHARE else ["offline"]
        n_staff = rng.choices([1, 2, 3], [35, 45, 20])[0]
        capacity = min(20, max(3, rng.randint(3, 8) + 4 * (n_staff - 1) + rng.randint(0, 4)))
        staff = []
        for s in range(n_staff):
            role = "站长" if s == 0 else rng.choice(["调解员", "联络员"])
            name = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0] + rng.choice(GIVEN_NAMES)
            staff.append({"name": name, "role": role, "mobile": None})
        out.append({
            "name": f"{village}村消费维权联络站",
            "county_code": county.code,
            "address": {"city": county.city_name, "county": county.name,
                        "town": town_of[i], "village": f"{village}村"},
            "phone": phone,
            "hours": hours,
            "modes": modes,
            "capacity": capacity,
            "status": "active",
            "staff": staff,
        })
    return out


# ---------------------------------------------------------------- checks

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
PHONE = re.compile(r"^0\d{3}-6\d{7}$")
MOBILE = re.compile(r"^1990000\d{4}$")


def check_hours(fid, hours):
    if list(hours) != DAYS:
        die(f"{fid}: hours keys {list(hours)}")
    for d in DAYS:
        prev_end = ""
        for iv in hours[d]:
            if not HHMM.match(iv):
                die(f"{fid}: bad interval {iv!r}")
            a, b = iv.split("-")
            if not a < b or not prev_end <= a or (prev_end and prev_end == a):
                die(f"{fid}: intervals on {d} overlap, touch or are not ascending")
            prev_end = b


def verify(features, counties, counts):
    by_code = {c.code: c for c in counties}
    if len(features) != TOTAL:
        die(f"{len(features)} features, expected {TOTAL}")
    ids = [f["id"] for f in features]
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        die("ids not sorted or not unique")
    mobiles = set()
    per_county = {}
    min_bd = math.inf
    video = 0
    fine_grid = SpacingGrid()
    for f in features:
        fid = f["id"]
        p = f["properties"]
        code = p["county_code"]
        if not re.match(r"^\d{6}-\d{4}$", fid) or fid[:6] != code:
            die(f"{fid}: id does not match county_code {code}")
        c = by_code[code]
        per_county.setdefault(code, []).append(fid)
        lng, lat = f["geometry"]["coordinates"]
        if round(lng, DECIMALS) != lng or round(lat, DECIMALS) != lat:
            die(f"{fid}: coordinates not rounded to {DECIMALS} decimals")
        if not point_in_rings(lng, lat, c.rings):
            die(f"{fid}: not inside its own county")
        for o in counties:
            if o.code != code and o.contains(lng, lat):
                die(f"{fid}: also inside county {o.code}")
        bd = boundary_distance(lng, lat, c.segments)
        if bd < MIN_BOUNDARY_M:
            die(f"{fid}: {bd:.1f} m from its county boundary")
        min_bd = min(min_bd, bd)
        if fine_grid.nearest(lng, lat) < MIN_SPACING_M:
            die(f"{fid}: closer than {MIN_SPACING_M} m to another station")
        fine_grid.add(lng, lat)
        a = p["address"]
        if a["city"] != c.city_name or a["county"] != c.name:
            die(f"{fid}: address does not match county")
        if not p["name"] == a["village"] + "消费维权联络站" or not a["village"].endswith("村"):
            die(f"{fid}: name/village mismatch")
        town = a["town"]
        if not (town.endswith("街道") or town.endswith("镇") or town.endswith("乡")):
            die(f"{fid}: bad town {town!r}")
        if name_kind(c.name) != "district" and town.endswith("街道"):
            die(f"{fid}: 街道 in a county or county-level city")
        if not PHONE.match(p["phone"]) or p["phone"][:4] != AREA_CODES[c.city_code]:
            die(f"{fid}: bad phone {p['phone']!r}")
        check_hours(fid, p["hours"])
        if p["modes"] not in (["offline"], ["offline", "video"]):
            die(f"{fid}: bad modes")
        video += p["modes"] == ["offline", "video"]
        if not (isinstance(p["capacity"], int) and 3 <= p["capacity"] <= 20):
            die(f"{fid}: bad capacity")
        if p["status"] != "active":
            die(f"{fid}: bad status")
        st = p["staff"]
        if not 1 <= len(st) <= 3 or st[0]["role"] != "站长":
            die(f"{fid}: bad staff list")
        for s in st[1:]:
            if s["role"] not in ("调解员", "联络员"):
                die(f"{fid}: bad staff role")
        for s in st:
            if list(s) != ["name", "role", "mobile"] or not MOBILE.match(s["mobile"]):
                die(f"{fid}: bad staff entry {s}")
            if s["mobile"] in mobiles:
                die(f"{fid}: duplicate mobile {s['mobile']}")
            mobiles.add(s["mobile"])
    for c, n in zip(counties, counts):
        got = per_county.get(c.code, [])
        if len(got) != n:
            die(f"{c.code}: {len(got)} stations, expected {n}")
        if got != [f"{c.code}-{i:04d}" for i in range(1, n + 1)]:
            die(f"{c.code}: ids are not a 0001.. sequence")
        villages = [f["properties"]["address"]["village"] for f in features
                    if f["properties"]["county_code"] == c.code]
        if len(set(villages)) != len(villages):
            die(f"{c.code}: duplicate village names")

    # True minimum pairwise distance: with 0.05-degree cells (>= ~4.7 km),
    # every pair closer than that is examined; the result must be below it.
    coarse = {}
    for f in features:
        lng, lat = f["geometry"]["coordinates"]
        coarse.setdefault((math.floor(lat / 0.05), math.floor(lng / 0.05)), []).append((lng, lat))
    min_pair = math.inf
    for (r, cc), pts in sorted(coarse.items()):
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                for q in coarse.get((r + dr, cc + dc), ()):
                    for pnt in pts:
                        if pnt < q:
                            min_pair = min(min_pair, GEOD.Inverse(
                                pnt[1], pnt[0], q[1], q[0], Geodesic.DISTANCE)["s12"])
    if not min_pair < 4500:
        die("minimum pairwise distance not found within the coarse grid")
    if min_pair < MIN_SPACING_M:
        die(f"minimum pairwise distance {min_pair:.1f} m < {MIN_SPACING_M} m")
    return min_pair, min_bd, video / len(features), [len(v) for v in per_county.values()]


# ---------------------------------------------------------------- main

def main():
    if not COUNTIES_PATH.is_file():
        die(f"{COUNTIES_PATH.relative_to(REPO_ROOT)} not found; run python3 tools/extract_counties.py")
    with COUNTIES_PATH.open(encoding="utf-8") as fh:
        fc = json.load(fh)
    feats = fc.get("features") or []
    if len(feats) != EXPECTED_COUNTIES:
        die(f"{len(feats)} counties in {COUNTIES_PATH.name}, expected {EXPECTED_COUNTIES}")
    counties = sorted((County(f) for f in feats), key=lambda c: c.code)
    if len({c.code for c in counties}) != EXPECTED_COUNTIES:
        die("duplicate county codes")

    counts = allocate(counties)

    grid = SpacingGrid()
    phones_used = set()
    features = []
    for idx, (c, n) in enumerate(zip(counties, counts)):
        others = [o for o in counties if o.code != c.code]
        pts = sample_points(c, n, others, grid)
        pts.sort(key=lambda p: (-p[1], p[0]))
        attrs = build_attributes(c, pts, phones_used)
        for seq, ((lng, lat), props) in enumerate(zip(pts, attrs), start=1):
            features.append({
                "type": "Feature",
                "id": f"{c.code}-{seq:04d}",
                "geometry": {"type": "Point", "coordinates": [lng, lat]},
                "properties": props,
            })
    features.sort(key=lambda f: f["id"])

    # Staff mobiles: a seeded permutation of the 10,000-number synthetic
    # block, handed out in id order, so every number is unique.
    n_staff = sum(len(f["properties"]["staff"]) for f in features)
    if n_staff > 10000:
        die("more staff than numbers in the synthetic mobile block")
    perm = rng_for(STREAM_GLOBAL).sample(range(10000), n_staff)
    k = 0
    for f in features:
        for s in f["properties"]["staff"]:
            s["mobile"] = f"{MOBILE_PREFIX}{perm[k]:04d}"
            k += 1

    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"

    # Verify what will actually be written (parsed back from the text).
    back = json.loads(text)["features"]
    min_pair, min_bd, video_share, per = verify(back, counties, counts)

    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT_PATH.with_suffix(".geojson.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(OUT_PATH)

    print(f"wrote {OUT_PATH.relative_to(REPO_ROOT)} (SYNTHETIC, seed {SEED})")
    print(f"  stations:                     {len(back)} in {len(per)} counties")
    print(f"  stations per county:          min {min(per)}, max {max(per)}")
    print(f"  min pairwise distance:        {min_pair:.1f} m")
    print(f"  min distance to own boundary: {min_bd:.1f} m")
    print(f"  share with video:             {video_share:.1%}")
    print(f"  staff:                        {n_staff}")


if __name__ == "__main__":
    main()
