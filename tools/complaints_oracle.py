#!/usr/bin/env python3
# complaints_oracle.py -- independent oracle for POST /v1/complaints (station assignment) and a
# short check of the complaint lifecycle over HTTP.
#
# What it does
#   1. Makes a fresh database in a temp dir (`liaison where ... --db` creates it from geodata/),
#      a staff token (`liaison tokens create --role admin`), and starts `liaison serve --port 0`.
#   2. Submits N seeded random complaints ONE AT A TIME: 30 % within 2 km of three hot spots (so
#      that stations fill up; the first hot spot is in the county with the least video capacity
#      and gets 90 % video, so its video stations run out), 10 % preferring video in the counties
#      with the fewest video stations, 3 % preferring video where the own county's video stations
#      are all beyond 30 km, 8 % in no county polygon but within 1.2 km of a boundary vertex (the
#      500 m rule: served or 422), 4 % well outside Zhejiang (422 outside-service-area), the rest
#      uniform over Zhejiang; random coordsys (wgs84/gcj02/bd09) and preferred mode (40 % video);
#      half with an Idempotency-Key.
#      For each, computes the answer itself (tools/complaints_geo.py: own point-in-polygon, own
#      GCJ-02/BD-09 inverse from tools/oracle_nearest.py, geographiclib geodesics, own load per
#      station: +1 for every complaint the server assigned to it, -1 when it leaves
#      assigned/accepted/mediating) and compares: status, mode, station id, county, distance_m
#      (to 0.01 m), station county_code/name.
#   3. Lifecycle: accept -> start_mediation -> resolve -> feedback => closed on a complaint of a
#      full station, then a new complaint at that station's door must get the freed slot; an
#      illegal transition (resolve on "assigned") is 409; tracking without / with a wrong token is
#      the same 404 as an unknown number; staff calls without a bearer are 401; an idempotent
#      retry replays the same 201 (Idempotent-Replayed: true) and the same key with another body
#      is 409; withdraw frees capacity; the database has exactly the complaints acknowledged and
#      passes PRAGMA integrity_check.
#   Prints `complaints-oracle: N submissions, A agree, D disagree (...)` and
#   `complaints-oracle: lifecycle: C checks, F failed`; exit 1 on any disagreement, 2 on setup errors.
#
# How to run (normally through the wrapper, which builds first):
#   tools/complaints-oracle [--complaints 400] [--seed 1] [--show 5] [--keep] [--small-register 20]
#   (--small-register N: a register of every N-th station with capacity 1-3 and few video
#   stations, served from a copy of geodata/, so that video and all capacity run out)
#   python3 tools/complaints_oracle.py --bin .build/debug/liaison [same options]
#   python3 tools/complaints_oracle.py --selftest [--complaints 250]   # no server: a simulated
#       perfect server must pass and mutated answers must fail
#   tools/complaints-oracle --paths [--seed 1] [--keep]   # instead: tools/complaints_paths.py, the
#       direct train, urgent track, reviews, return visits, court hand-off and their KPIs

import argparse
import json
import math
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import complaints_geo as geo  # noqa: E402
from complaints_geo import GEOD, Geodesic, OPEN_STATUSES  # noqa: E402
from liaison_http import Server, ServerError, crash_report, database_with_admin_token, json_of, request  # noqa: E402
from oracle_nearest import from_wgs84, to_wgs84  # noqa: E402

CATEGORIES = ("product_quality", "service_quality", "false_advertising", "price", "contract", "prepaid_card",
              "food_safety", "after_sales", "online_shopping", "other")
OUTSIDE = [("Shanghai", 31.2304, 121.4737), ("Hefei", 31.8206, 117.2272), ("Fuzhou", 26.0745, 119.2965),
           ("Nanchang", 28.6820, 115.8579), ("East China Sea", 29.6, 124.2), ("Suzhou", 31.2990, 120.5853),
           ("Huangshan", 29.7147, 118.3375), ("Beijing", 39.9042, 116.4074)]
NUMBER_RE = re.compile(r"^ZJ-\d{8}-\d{6}$")
SURNAMES, GIVEN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


def die(msg):
    print(f"complaints-oracle: error: {msg}", file=sys.stderr)
    sys.exit(2)


# --------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------
def random_in_county(rng, c):
    for _ in range(10000):
        lng, lat = rng.uniform(c.bbox[0], c.bbox[2]), rng.uniform(c.bbox[1], c.bbox[3])
        if geo.county_contains(c, lng, lat):
            return lat, lng
    die(f"could not draw a point inside county {c.adcode}")


def disk(rng, lat, lng, radius_m):
    r = GEOD.Direct(lat, lng, rng.uniform(0, 360), radius_m * rng.random() ** 0.5)
    return r["lat2"], r["lon2"]


def haversine_m(lat1, lng1, lat2, lng2):
    """A sphere is good enough to steer the generator (the oracle itself uses geodesics)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lng2 - lng1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def make_complaints(rng, n, counties, stations):
    video = {c.adcode: [] for c in counties}
    for s in stations:
        if "video" in s.modes and s.county_code in video:
            video[s.county_code].append(s)
    # Hot spot 0 is in the county with the least video capacity and gets mostly video complaints:
    # its video stations fill up and later ones must go to another county.
    has_station = {s.county_code for s in stations}
    least = min((c for c in counties if c.adcode in has_station),
                key=lambda c: (sum(s.capacity for s in video[c.adcode]), c.adcode))
    hot = [rng.choice([s for s in stations if s.county_code == least.adcode])] + rng.sample(stations, 2)
    poor = sorted(counties, key=lambda c: (len(video[c.adcode]), c.adcode))[:8]
    zj = (min(c.bbox[0] for c in counties), min(c.bbox[1] for c in counties),
          max(c.bbox[2] for c in counties), max(c.bbox[3] for c in counties))

    def in_zhejiang():
        while True:
            lng, lat = rng.uniform(zj[0], zj[2]), rng.uniform(zj[1], zj[3])
            for c in counties:
                if geo.county_contains(c, lng, lat):
                    return lat, lng, c

    out = []
    for i in range(n):
        u = rng.random()
        mode = "video" if rng.random() < 0.4 else "offline"
        if u < 0.30:
            h = hot[0] if rng.random() < 0.45 else hot[rng.randrange(1, len(hot))]
            if h is hot[0]:
                mode = "video" if rng.random() < 0.9 else "offline"
            lat, lng = disk(rng, h.lat, h.lng, 2000.0)
            kind = f"hot spot {h.id}"
        elif u < 0.40:
            c = poor[rng.randrange(len(poor))]
            lat, lng = random_in_county(rng, c)
            kind, mode = f"video-poor county {c.adcode} ({len(video[c.adcode])} video stations)", "video"
        elif u < 0.43:
            # video wanted where the own county's video stations are all beyond ~30 km (islands
            # mostly): the policy must look in other counties
            for _ in range(100000):
                lat, lng, c = in_zhejiang()
                if all(haversine_m(lat, lng, s.lat, s.lng) > 30500 for s in video[c.adcode]):
                    break
            kind, mode = f"far from the video stations of {c.adcode}", "video"
        elif u < 0.51:
            # in no polygon, within 1.2 km of a boundary vertex: about half are served (<= 500 m)
            for _ in range(1000):
                c = counties[rng.randrange(len(counties))]
                poly = c.polygons[rng.randrange(len(c.polygons))]
                vlng, vlat = poly[0][rng.randrange(len(poly[0]))]
                lat, lng = disk(rng, vlat, vlng, 1200.0)
                if not any(geo.county_contains(k, lng, lat) for k in counties):
                    break
            kind = f"off a boundary vertex of {c.adcode}"
        elif u < 0.55:
            name, lat, lng = OUTSIDE[rng.randrange(len(OUTSIDE))]
            lat, lng = lat + rng.uniform(-0.05, 0.05), lng + rng.uniform(-0.05, 0.05)
            kind = f"outside ({name})"
        else:
            lat, lng, _ = in_zhejiang()
            kind = "uniform"
        cs = ("wgs84", "gcj02", "bd09")[rng.randrange(3)]
        qlat, qlng = from_wgs84(cs, lat, lng)
        body = {"location": {"lat": qlat, "lng": qlng, "coordsys": cs},
                "consumer": {"name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
                             "phone": f"1{rng.choice('3456789')}{rng.randrange(10 ** 9):09d}"},
                "merchant": {"name": f"测试商户{i}号"},
                "category": rng.choice(CATEGORIES),
                "description": f"complaints-oracle #{i}: {kind}",
                "preferred_mode": mode}
        if rng.random() < 0.5:
            body["merchant"]["address"] = f"某路{rng.randint(1, 999)}号"
        if rng.random() < 0.5:
            body["amount_yuan"] = rng.randint(1, 10 ** 6) / 100
        key = f"oracle-{uuid.UUID(int=rng.getrandbits(128))}" if rng.random() < 0.5 else None
        out.append({"i": i, "kind": kind, "body": body, "key": key})
    return out, hot


# --------------------------------------------------------------------------
# Expectation and comparison
# --------------------------------------------------------------------------
class Oracle:
    def __init__(self, counties, stations):
        self.counties, self.stations = counties, stations
        self.by_id = {s.id: s for s in stations}
        self.complaints = {}   # number -> {"station", "status", "token", ...}

    def load(self):
        out = {}
        for c in self.complaints.values():
            if c["station"] and c["status"] in OPEN_STATUSES:
                out[c["station"]] = out.get(c["station"], 0) + 1
        return out

    def expect(self, body):
        """All outcomes an honest server may give: [(county_code|None, mode, station_id|None, notes, branch)]."""
        loc = body["location"]
        wlat, wlng = to_wgs84(loc["coordsys"], loc["lat"], loc["lng"])
        pl = geo.locate(self.counties, wlat, wlng)
        places = [(pl.kind, pl.county)] + pl.ambiguous
        dist = None
        load = self.load()
        outs = []
        for kind, county in places:
            if county is None:
                outs.append((None, None, None, [f"outside: {pl.distance_m:.1f} m from the nearest county"],
                             "outside the service area"))
                continue
            if dist is None:
                dist = geo.station_distances(self.stations, wlat, wlng)
            mode, st, d, notes, branch = geo.assign(self.stations, load, county.adcode, dist, body["preferred_mode"])
            if kind == "near":
                branch += " (point in no polygon, <= 500 m from one)"
            notes = notes + ([f"{kind} (d={pl.distance_m:.1f} m)"] if kind != "inside" else [])
            outs.append((county.adcode, mode, st.id if st else None, notes, branch))
            if st is None and mode != body["preferred_mode"]:
                # Nothing free in either mode: the contract does not say which mode a waiting
                # complaint keeps; the server keeps the preferred one (README: it waits for staff).
                outs.append((county.adcode, body["preferred_mode"], None, notes, branch + " (keeps video)"))
        return (wlat, wlng), pl, outs

    def check_created(self, body, resp, wgs, outs):
        """Errors (list of str) for a 201 answer; the outcome it matched."""
        errs = []
        r = resp
        if not isinstance(r, dict):
            return ["201 body is not a JSON object"], None
        if not NUMBER_RE.match(str(r.get("number"))):
            errs.append(f"number {r.get('number')!r} is not ZJ-YYYYMMDD-NNNNNN")
        elif r["number"] in self.complaints:
            errs.append(f"number {r['number']} was already given to another complaint")
        if not str(r.get("tracking_token", "")).startswith("trk_"):
            errs.append(f"tracking_token {r.get('tracking_token')!r} does not start with trk_")
        if r.get("preferred_mode") != body["preferred_mode"]:
            errs.append(f"preferred_mode {r.get('preferred_mode')!r}, sent {body['preferred_mode']!r}")
        st = r.get("station")
        got_sid = st.get("id") if isinstance(st, dict) else None
        got_county = (r.get("county") or {}).get("code") if isinstance(r.get("county"), dict) else None
        got = (got_county, r.get("mode"), got_sid)
        match = next((o for o in outs if o[0] is not None and (o[0], o[1], o[2]) == got), None)
        if match is None:
            exp = [o for o in outs if o[0] is not None]
            if not exp:
                errs.append(f"201 for a point the oracle places outside the service area: {outs[0][3]}")
            else:
                e = exp[0]
                errs.append(f"got county {got[0]!r} mode {got[1]!r} station {got[2]!r}; "
                            f"expected county {e[0]!r} mode {e[1]!r} station {e[2]!r}"
                            + (f" (or {[(o[0], o[1], o[2]) for o in exp[1:]]})" if len(exp) > 1 else ""))
                errs.extend("    note: " + n for n in e[3])
                errs.extend(self.explain(wgs, e[0], e[1], e[2], got_sid))
        want_status = "assigned" if got_sid else "submitted"
        if r.get("status") != want_status:
            errs.append(f"status {r.get('status')!r} with station {got_sid!r}: expected {want_status!r}")
        if got_sid is not None:
            reg = self.by_id.get(got_sid)
            if reg is None:
                errs.append(f"station {got_sid!r} is not in the register")
            else:
                d = GEOD.Inverse(wgs[0], wgs[1], reg.lat, reg.lng, Geodesic.DISTANCE)["s12"]
                gd = st.get("distance_m")
                if not isinstance(gd, (int, float)) or abs(gd - d) > 0.01:
                    errs.append(f"station.distance_m {gd!r}, geodesic {d:.4f} m")
                if st.get("county_code") != reg.county_code:
                    errs.append(f"station.county_code {st.get('county_code')!r}, register {reg.county_code!r}")
                if st.get("name") != reg.props.get("name"):
                    errs.append(f"station.name {st.get('name')!r}, register {reg.props.get('name')!r}")
        return errs, match

    def explain(self, wgs, county, mode, exp_sid, got_sid):
        """Distances and loads of the expected and the got station, for a disagreement report."""
        load = self.load()
        lines = []
        for tag, sid in (("expected", exp_sid), ("got", got_sid)):
            s = self.by_id.get(sid) if sid else None
            if s is None:
                continue
            d = GEOD.Inverse(wgs[0], wgs[1], s.lat, s.lng, Geodesic.DISTANCE)["s12"]
            lines.append(f"    {tag} {sid}: {d:.3f} m, county {s.county_code}, modes {list(s.modes)}, "
                         f"load {load.get(sid, 0)}/{s.capacity} (oracle's count before this submission)")
        return lines

    def record(self, resp, body, key):
        st = resp.get("station")
        self.complaints[resp["number"]] = {"station": st.get("id") if isinstance(st, dict) else None,
                                           "status": resp.get("status"), "token": resp.get("tracking_token"),
                                           "body": body, "key": key, "response": resp}


def submit(url, c, timeout=60.0):
    headers = {"Idempotency-Key": c["key"]} if c["key"] else {}
    raw = json.dumps(c["body"], ensure_ascii=False).encode("utf-8")
    return request("POST", url + "/v1/complaints", body=raw, headers=headers, timeout=timeout)


def run_one(url, oracle, c):
    """Submit one complaint and compare. Returns (ok, lines describing a disagreement, HTTP status,
    the number of the complaint it created or None, the policy branch the oracle expected)."""
    wgs, pl, outs = oracle.expect(c["body"])
    try:
        status, headers, raw = submit(url, c)
    except OSError as e:
        raise OSError(f"no answer to complaint #{c['i']} ({c['kind']}): {e}; "
                      f"body {json.dumps(c['body'], ensure_ascii=False)}") from e
    resp = json_of(raw)
    errs, number, branch = [], None, outs[0][4]
    if status == 201:
        errs, match = oracle.check_created(c["body"], resp, wgs, outs)
        branch = match[4] if match else branch
        if isinstance(resp, dict) and NUMBER_RE.match(str(resp.get("number"))) and resp["number"] not in oracle.complaints:
            number = resp["number"]
            oracle.record(resp, c["body"], c["key"])   # the server's assignment counts, right or wrong
    elif status == 422 and any(o[0] is None for o in outs):
        t = resp.get("type", "") if isinstance(resp, dict) else ""
        if not str(t).endswith("outside-service-area"):
            errs.append(f"422 type {t!r} does not end with outside-service-area")
        if "problem+json" not in headers.get("content-type", ""):
            errs.append(f"422 content-type {headers.get('content-type')!r}, expected application/problem+json")
    else:
        exp = outs[0]
        want = "422 outside-service-area" if exp[0] is None else f"201 county {exp[0]} mode {exp[1]} station {exp[2]}"
        errs.append(f"HTTP {status}, expected {want}: {raw[:400]!r}")
        errs.extend("    note: " + n for n in exp[3])
    if not errs:
        return True, [], status, number, branch
    lines = [f"--- complaint #{c['i']} ({c['kind']}): WGS-84 ({wgs[0]!r}, {wgs[1]!r}), "
             f"placed {pl.kind} {pl.county.adcode if pl.county else '-'}",
             f"    body: {json.dumps(c['body'], ensure_ascii=False)}"
             + (f" Idempotency-Key: {c['key']}" if c["key"] else "")]
    lines += ["  " + e for e in errs]
    return False, lines, status, number, branch


# --------------------------------------------------------------------------
# Lifecycle
# --------------------------------------------------------------------------
class Checks:
    def __init__(self):
        self.n, self.failed = 0, []

    def check(self, cond, msg):
        self.n += 1
        if not cond:
            self.failed.append(msg)
        return cond


def strip_request_specific(doc, number):
    """A problem document without what differs per request (instance, request ids) and with the
    complaint number masked, so that 'wrong token' and 'unknown number' compare equal."""
    if not isinstance(doc, dict):
        return doc
    out = {}
    for k, v in doc.items():
        if k in ("instance", "request_id", "requestId", "trace_id", "traceId", "timestamp"):
            continue
        out[k] = v.replace(number, "{number}") if isinstance(v, str) else v
    return out


def lifecycle(url, oracle, staff_token, db, hot, rng, ck, expect_full):
    staff = {"Authorization": f"Bearer {staff_token}"}

    def get(number, token=None, query_token=None):
        u = f"{url}/v1/complaints/{number}" + (f"?token={query_token}" if query_token else "")
        return request("GET", u, headers={"X-Tracking-Token": token} if token else {})

    def act(number, action, note=None, headers=None):
        body = {"action": action}
        if note:
            body["note"] = note
        return request("POST", f"{url}/v1/complaints/{number}/events", json_body=body,
                       headers=staff if headers is None else headers)

    def consumer(number, what, body):
        c = oracle.complaints[number]
        return request("POST", f"{url}/v1/complaints/{number}/{what}", json_body=body,
                       headers={"X-Tracking-Token": c["token"]})

    def set_status(number, status, resp_raw, what):
        r = json_of(resp_raw)
        got = r.get("status") if isinstance(r, dict) else None
        ck.check(got == status, f"{number} after {what}: status {got!r}, expected {status!r}: {resp_raw[:300]!r}")
        if got:
            oracle.complaints[number]["status"] = got
        return r

    assigned = [n for n, c in oracle.complaints.items() if c["status"] == "assigned"]
    if len(assigned) < 4:
        ck.check(False, f"only {len(assigned)} assigned complaints: lifecycle checks need 4")
        return
    load = oracle.load()
    full = sorted({c["station"] for c in oracle.complaints.values()
                   if c["station"] and load.get(c["station"], 0) >= oracle.by_id[c["station"]].capacity})
    if expect_full:
        ck.check(bool(full), "no station ran full: the hot spots did not exhaust any capacity")

    def run_checked(c):
        ok, lines, _, number, _ = run_one(url, oracle, c)
        ck.check(ok, "\n".join(lines))
        return ok, number

    # -- a fresh complaint's first events
    n0 = assigned[0]
    s, _, raw = get(n0, oracle.complaints[n0]["token"])
    r = json_of(raw) or {}
    ev = r.get("events") or []
    ck.check(s == 200, f"GET {n0} with its token: HTTP {s}")
    ck.check([e.get("action") for e in ev[:2]] == ["submit", "assign"] and (ev[1:2] or [{}])[0].get("to") == "assigned",
             f"{n0}: first events {[(e.get('action'), e.get('from'), e.get('to')) for e in ev]}, expected submit, assign->assigned")
    s2, _, raw2 = get(n0, query_token=oracle.complaints[n0]["token"])
    ck.check(s2 == 200 and json_of(raw2) == r, f"GET {n0}?token=: HTTP {s2}, or a different body than with the header")

    # -- the full loop on a complaint of a full station, then its freed slot is used
    target = None
    if full:
        target = next(n for n, c in oracle.complaints.items() if c["station"] == full[0] and c["status"] == "assigned")
    else:
        target = assigned[1]
    sid = oracle.complaints[target]["station"]
    st = oracle.by_id[sid]
    door = {"location": {"lat": st.lat, "lng": st.lng, "coordsys": "wgs84"},
            "consumer": {"name": "门口", "phone": f"139{rng.randrange(10 ** 8):08d}"}, "merchant": {"name": "门口商户"},
            "category": "price", "description": f"complaints-oracle: at the door of {sid} before a slot frees",
            "preferred_mode": "offline"}
    run_checked({"i": "door-1", "kind": f"at the door of {'full ' if full else ''}station {sid}", "body": door, "key": None})
    for action, status in (("accept", "accepted"), ("start_mediation", "mediating"), ("resolve", "resolved")):
        s, _, raw = act(target, action, note=f"complaints-oracle {action}")
        ck.check(s == 200, f"{target}: staff {action}: HTTP {s}: {raw[:300]!r}")
        set_status(target, status, raw, action)
    s, _, raw = consumer(target, "feedback", {"satisfaction": 5, "comment": "满意"})
    ck.check(s == 200, f"{target}: feedback: HTTP {s}: {raw[:300]!r}")
    set_status(target, "closed", raw, "feedback")
    s, _, raw = get(target, oracle.complaints[target]["token"])
    r = json_of(raw) or {}
    ev = r.get("events") or []
    acts = [e.get("action") for e in ev]
    ck.check(s == 200 and r.get("status") == "closed", f"{target}: GET after feedback: HTTP {s}, status {r.get('status')!r}")
    ck.check(acts == ["submit", "assign", "accept", "start_mediation", "resolve", "feedback"],
             f"{target}: event actions {acts}")
    seqs = [e.get("seq") for e in ev]
    ck.check(all(isinstance(x, int) for x in seqs) and seqs == sorted(set(seqs)), f"{target}: event seqs {seqs}")
    chain = all(ev[i].get("from") == ev[i - 1].get("to") for i in range(1, len(ev)))
    ck.check(chain and ev and ev[-1].get("to") == "closed",
             f"{target}: events do not chain from->to: {[(e.get('from'), e.get('to')) for e in ev]}")
    door2 = dict(door, description=f"complaints-oracle: at the door of {sid} after a slot freed")
    ok, number = run_checked({"i": "door-2", "kind": f"at the door of station {sid} after resolving {target}",
                              "body": door2, "key": None})
    if full and ok and number:
        ck.check(oracle.complaints[number]["station"] == sid,
                 f"the freed slot of {sid} went to {oracle.complaints[number]['station']} (the oracle agreed: "
                 "the station's own point is not in its county?)")

    # -- illegal transitions: 409, and nothing changes
    n2 = next(n for n in assigned if n not in (target, n0))
    for action, what in (("resolve", act), ("feedback", None)):
        if what:
            s, h, raw = act(n2, action, note="complaints-oracle illegal")
        else:
            s, h, raw = consumer(n2, "feedback", {"satisfaction": 3})
        ck.check(s == 409, f"{n2} (assigned): {action}: HTTP {s}, expected 409: {raw[:300]!r}")
    s, _, raw = get(n2, oracle.complaints[n2]["token"])
    ck.check((json_of(raw) or {}).get("status") == "assigned", f"{n2}: status changed by a refused action: {raw[:200]!r}")

    # -- tracking: no token / wrong token / unknown number are one and the same 404
    unknown = "ZJ-20000101-999999"
    tok = oracle.complaints[n2]["token"]
    cases = {"no token": get(n2), "wrong token": get(n2, "trk_" + "x" * 40),
             "another complaint's token": get(n2, oracle.complaints[n0]["token"]),
             "wrong ?token=": get(n2, query_token="trk_wrong"), "unknown number": get(unknown, tok)}
    ref = None
    for what, (s, h, raw) in cases.items():
        ck.check(s == 404, f"GET {n2} with {what}: HTTP {s}, expected 404")
        num = unknown if what == "unknown number" else n2
        norm = (s, h.get("content-type"), strip_request_specific(json_of(raw), num))
        if ref is None:
            ref = (what, norm)
        else:
            ck.check(norm == ref[1], f"404 for {what} differs from 404 for {ref[0]}: {norm} vs {ref[1]}")

    # -- staff endpoints need a bearer token
    s, _, _ = act(n2, "accept", headers={})
    ck.check(s == 401, f"staff accept without Authorization: HTTP {s}, expected 401")
    s, _, _ = act(n2, "accept", headers={"Authorization": "Bearer lst_wrong"})
    ck.check(s == 401, f"staff accept with a wrong bearer: HTTP {s}, expected 401")

    # -- idempotency: replay and conflict
    keyed = [n for n, c in oracle.complaints.items() if c["key"]]
    if ck.check(bool(keyed), "no complaint was submitted with an Idempotency-Key"):
        nk = keyed[len(keyed) // 2]
        c = oracle.complaints[nk]
        s, h, raw = submit(url, {"body": c["body"], "key": c["key"]})
        ck.check(s == 201 and h.get("idempotent-replayed") == "true" and json_of(raw) == c["response"],
                 f"replay of {nk} with key {c['key']}: HTTP {s}, Idempotent-Replayed {h.get('idempotent-replayed')!r}, "
                 f"same body: {json_of(raw) == c['response']}")
        other = json.loads(json.dumps(c["body"]))
        other["description"] += " (changed)"
        s, _, raw = submit(url, {"body": other, "key": c["key"]})
        ck.check(s == 409, f"same key {c['key']}, different body: HTTP {s}, expected 409: {raw[:300]!r}")

    # -- withdraw frees the slot as well
    n3 = next(n for n in assigned if n not in (target, n0, n2) and oracle.complaints[n]["status"] == "assigned")
    s, _, raw = consumer(n3, "withdraw", {})
    ck.check(s == 200, f"{n3}: withdraw: HTTP {s}: {raw[:300]!r}")
    set_status(n3, "withdrawn", raw, "withdraw")

    # -- a few more complaints at the hot spots, with the freed capacity counted
    for i in range(10):
        h = hot[i % len(hot)]
        lat, lng = disk(rng, h.lat, h.lng, 1500.0)
        body = {"location": {"lat": lat, "lng": lng, "coordsys": "wgs84"},
                "consumer": {"name": "后来", "phone": f"137{rng.randrange(10 ** 8):08d}"},   # 5/hour per phone
                "merchant": {"name": "后来商户"},
                "category": "other", "description": f"complaints-oracle: after the lifecycle #{i}",
                "preferred_mode": "offline" if i % 2 else "video"}
        run_checked({"i": f"after-{i}", "kind": f"hot spot {h.id} after the lifecycle", "body": body, "key": None})

    # -- the database: exactly the acknowledged complaints, each with events, and intact
    numbers = {r[0] for r in query(db, "SELECT number FROM complaints")}
    ck.check(numbers == set(oracle.complaints),
             f"database has {len(numbers)} complaints, {len(oracle.complaints)} were acknowledged; "
             f"extra {sorted(numbers - set(oracle.complaints))[:5]}, missing {sorted(set(oracle.complaints) - numbers)[:5]}")
    without = int(query(db, "SELECT count(*) FROM complaints c WHERE NOT EXISTS "
                            "(SELECT 1 FROM complaint_events e WHERE e.number = c.number)")[0][0])
    ck.check(without == 0, f"{without} complaints without events in the database")
    bad = [(n, st, s_) for n, st, s_ in query(db, "SELECT number, station_id, status FROM complaints")
           if n in oracle.complaints and (oracle.complaints[n]["station"], oracle.complaints[n]["status"]) != (st, s_)]
    ck.check(not bad, f"database rows differ from the answers (number, station, status): {bad[:5]}")
    if not is_postgres(db):
        # PostgreSQL checks its own pages and constraints; SQLite is asked.
        ic = query(db, "PRAGMA integrity_check")
        ck.check(ic == [("ok",)], f"PRAGMA integrity_check: {ic[:5]}")


def is_postgres(db):
    return str(db).startswith(("postgres://", "postgresql://"))


def query(db, sql):
    """Rows of `sql` read from the store itself, not through liaison: the SQLite file
    (read-only) or PostgreSQL (psql); NULL is None in both."""
    if is_postgres(db):
        out = subprocess.run(["psql", str(db), "-X", "-v", "ON_ERROR_STOP=1", "-AtF", "\t", "-P", "null=\\N", "-c", sql],
                             capture_output=True, text=True, check=True).stdout
        return [tuple(None if v == "\\N" else v for v in line.split("\t")) for line in out.splitlines()]
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def small_geodata(folder, every):
    """A copy of geodata/ whose register keeps every `every`-th station (by id) with capacity 1-3
    and video at every 8th kept station only. Returns the folder."""
    src = geo.STATIONS_FILE.parent
    shutil.copytree(src, folder)
    doc = json.loads((src / "stations.geojson").read_text(encoding="utf-8"))
    feats = sorted(doc["features"], key=lambda f: f["id"])[::every]
    for i, f in enumerate(feats):
        f["properties"]["capacity"] = 1 + i % 3
        f["properties"]["modes"] = ["offline", "video"] if i % 8 == 0 else ["offline"]
    doc["features"] = feats
    (folder / "stations.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------
# Self-test: the comparison accepts a perfect server's answers and rejects wrong ones
# --------------------------------------------------------------------------
def selftest(counties, stations, n):
    oracle = Oracle(counties, stations)
    complaints, _ = make_complaints(random.Random(99), n, counties, stations)
    failures, checked = [], 0
    for k, c in enumerate(complaints):
        wgs, pl, outs = oracle.expect(c["body"])
        county, mode, sid, _, _ = outs[0]
        if county is None:
            continue
        s = oracle.by_id[sid]
        d = GEOD.Inverse(wgs[0], wgs[1], s.lat, s.lng, Geodesic.DISTANCE)["s12"]
        good = {"number": f"ZJ-20261129-{k + 1:06d}", "tracking_token": "trk_x", "status": "assigned", "mode": mode,
                "preferred_mode": c["body"]["preferred_mode"], "county": {"code": county},
                "station": {"id": sid, "name": s.props.get("name"), "distance_m": round(d, 2), "county_code": s.county_code}}
        errs, _ = oracle.check_created(c["body"], good, wgs, outs)
        if errs:
            failures.append(f"#{k}: a correct answer was rejected: {errs}")
        other = stations[(stations.index(s) + 1) % len(stations)]
        for what, bad in (("other station", dict(good, station=dict(good["station"], id=other.id))),
                          ("distance +2 cm", dict(good, station=dict(good["station"], distance_m=round(d, 2) + 0.02))),
                          ("other mode", dict(good, mode="video" if mode == "offline" else "offline")),
                          ("other county", dict(good, county={"code": "330000"})),
                          ("status", dict(good, status="submitted"))):
            checked += 1
            if not oracle.check_created(c["body"], bad, wgs, outs)[0]:
                failures.append(f"#{k}: mutation '{what}' not detected")
        oracle.record(good, c["body"], c["key"])
    full = [sid for sid, v in oracle.load().items() if v >= oracle.by_id[sid].capacity]
    if n >= 200 and not full:
        failures.append("no station ran full in the simulation")
    for f in failures[:10]:
        print(f"selftest FAILED: {f}", file=sys.stderr)
    print(f"selftest: {len(oracle.complaints)} simulated intakes accepted, {checked} mutations checked, "
          f"{len(full)} stations ran full; {len(failures)} failures")
    return 1 if failures else 0


# --------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description="Oracle for POST /v1/complaints and a lifecycle check.")
    ap.add_argument("--bin", help="the liaison binary")
    ap.add_argument("--complaints", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--show", type=int, default=5, help="disagreements to print in detail")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (database, server log)")
    ap.add_argument("--db", help="an empty PostgreSQL database (postgres://...) to run against instead of a new SpatiaLite file")
    ap.add_argument("--selftest", action="store_true", help="check the comparison logic without a server and exit")
    ap.add_argument("--small-register", type=int, metavar="N", default=0,
                    help="serve a register of every N-th station of geodata/ with capacity 1-3 and video at only "
                         "every 8th of those (a copy of geodata/ in the temp dir, --geodata): capacity and video run "
                         "out, so the video->offline fallback and 'submitted' without a station are exercised")
    ap.add_argument("--paths", action="store_true",
                    help="run tools/complaints_paths.py instead: every path of the direct train, urgent track, reviews, "
                         "return visits and court hand-off, and the KPIs recomputed from the raw events (uses --bin, --seed, --keep)")
    a = ap.parse_args(argv)
    if a.paths:
        import complaints_paths
        if a.selftest:
            return complaints_paths.selftest()
        if not a.bin:
            ap.error("--bin is required (or --selftest)")
        return complaints_paths.main(["--bin", a.bin, "--seed", str(a.seed)] + (["--keep"] if a.keep else []))
    if a.complaints < 20:
        ap.error("--complaints must be >= 20")
    if a.selftest:
        return selftest(geo.load_counties(), geo.load_stations(), a.complaints)
    if not a.bin:
        ap.error("--bin is required (or --selftest)")
    binary = Path(a.bin).resolve()
    if not binary.is_file():
        die(f"binary not found: {a.bin} (swift build --product liaison)")

    work = Path(tempfile.mkdtemp(prefix="complaints-oracle."))
    geodata_args = []
    if a.small_register:
        geodata_args = ["--geodata", small_geodata(work / "geodata", a.small_register)]
        stations_file = work / "geodata" / "stations.geojson"
    else:
        stations_file = geo.STATIONS_FILE
    counties, stations = geo.load_counties(), geo.load_stations(stations_file)
    rng = random.Random(a.seed)
    complaints, hot = make_complaints(rng, a.complaints, counties, stations)
    if a.db and not is_postgres(a.db):
        ap.error("--db: expected an empty PostgreSQL database, postgres://USER@HOST:PORT/DB (the default is a new SpatiaLite file)")
    db = a.db or work / "complaints.sqlite"
    server = Server(binary, db, log_path=work / "serve.log", extra_args=geodata_args)
    try:
        try:
            token = database_with_admin_token(binary, db, "complaints-oracle", extra_args=geodata_args)
            url = server.start()
        except ServerError as e:
            die(str(e))
        oracle = Oracle(counties, stations)

        agree, disagree = 0, []
        kinds = {"201 assigned": 0, "201 submitted": 0, "422": 0}
        branches = {}
        for c in complaints:
            ok, lines, status, number, branch = run_one(url, oracle, c)
            branches[branch] = branches.get(branch, 0) + 1
            if ok:
                agree += 1
                if status == 422:
                    kinds["422"] += 1
                elif number:
                    kinds["201 assigned" if oracle.complaints[number]["station"] else "201 submitted"] += 1
            else:
                disagree.append(lines)
        load = oracle.load()
        n_full = sum(1 for sid, v in load.items() if v >= oracle.by_id[sid].capacity)
        video = sum(1 for c in oracle.complaints.values() if c["response"].get("mode") == "video")
        fell_back = sum(1 for c in oracle.complaints.values()
                        if c["body"]["preferred_mode"] == "video" and c["response"].get("mode") == "offline")
        for b, n in sorted(branches.items(), key=lambda t: (-t[1], t[0])):
            print(f"  policy branch (as the oracle saw it): {n:5d}  {b}")
        for lines in disagree[:a.show]:
            print("\n".join(lines))
        if len(disagree) > a.show:
            print(f"--- ... and {len(disagree) - a.show} more disagreements")
        print(f"complaints-oracle: {len(complaints)} submissions, {agree} agree, {len(disagree)} disagree "
              f"(agreeing: {kinds['201 assigned']} assigned, {kinds['201 submitted']} without a station, "
              f"{kinds['422']} outside-service-area; all: {video} video, {fell_back} video->offline; "
              f"{n_full} stations full)")

        ck = Checks()
        lifecycle(url, oracle, token, db, hot, rng, ck, expect_full=a.complaints >= 200)
        for f in ck.failed:
            print(f"--- lifecycle: {f}")
        print(f"complaints-oracle: lifecycle: {ck.n} checks, {len(ck.failed)} failed")
        return 1 if disagree or ck.failed else 0
    except OSError as e:
        # No HTTP answer from a server that should be up: it crashed or hung. That is a finding.
        print(f"complaints-oracle: FAILED: {e}\ncomplaints-oracle: {crash_report(server, work / 'serve.log')}", file=sys.stderr)
        a.keep = True
        return 1
    finally:
        server.stop()
        if a.keep:
            print(f"complaints-oracle: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
