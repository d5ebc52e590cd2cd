#!/usr/bin/env python3
# killtest.py -- proves that no acknowledged complaint is lost when `liaison serve` dies.
#
# What it does
#   Starts `liaison serve --port 0` on a fresh temp database and, for --cycles rounds:
#     1. --threads threads POST /v1/complaints as fast as they can, each with its own
#        Idempotency-Key and a description that names the key (so rows can be counted per key);
#     2. after a random 50-800 ms the server gets SIGKILL (no graceful shutdown);
#     3. the server is restarted on the same database (new port, re-read from its listening line);
#     4. every request that got no answer is retried with the same key and the same bytes: it must
#        come back 201 (a replay, or a new complaint if the first attempt never committed);
#     5. every acknowledged complaint (every 201 ever seen) is checked: GET /v1/complaints/{number}
#        with its tracking token is 200 with the same number and its first events (submit, then
#        assign when the 201 said assigned); in the database file there is its row in complaints
#        and >= 1 row in complaint_events; no key has more than one complaint row; no two 201s
#        share a number or token; PRAGMA integrity_check is ok and foreign_key_check is empty.
#   A request without an answer (refused, reset, cut off) is not acknowledged and is only retried.
#   Prints the summary `killtest: C cycles, N submissions attempted, A acknowledged, L lost, ...`;
#   exit 1 on any loss, duplicate, failed check or 5xx, 2 on setup errors.
#
# How to run (normally through the wrapper, which builds first):
#   tools/killtest [--cycles 50] [--threads 8] [--seed 1] [--http-sample N] [--keep]
#   (the default 50 cycles took 10 minutes on the 2-core dev machine, mostly the GET of every
#   complaint after every restart; --http-sample 100 GETs only the new ones and 100 old ones)
#   python3 tools/killtest.py --bin .build/debug/liaison [same options]

import argparse
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import complaints_geo as geo  # noqa: E402
from liaison_http import Server, ServerError, json_of, request  # noqa: E402

CATEGORIES = ("product_quality", "service_quality", "price", "contract", "after_sales", "other")


def die(msg):
    print(f"killtest: error: {msg}", file=sys.stderr)
    sys.exit(2)


def marker(key):
    return f"killtest {key}"


class State:
    """Everything sent and everything acknowledged, shared by the firing threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.bodies = {}       # key -> body bytes (every key ever sent)
        self.acked = {}        # key -> {"number", "token", "status"} from a 201
        self.pending = set()   # keys sent without an answer, not yet acknowledged
        self.attempted = 0     # POSTs of new keys (retries not counted)
        self.no_answer = 0
        self.unexpected = []   # (key, status, body) of answers other than 201
        self.problems = []     # failed checks (each one fails the run)
        self.retried = {"replayed": 0, "new": 0, "failed": 0}
        self.checked_http = set()   # keys whose GET has passed at least once

    def ack(self, key, resp):
        if not isinstance(resp, dict) or not resp.get("number") or not resp.get("tracking_token"):
            self.problems.append(f"key {key}: 201 without number/tracking_token: {str(resp)[:200]}")
            return
        with self.lock:
            prev = self.acked.get(key)
            if prev and prev["number"] != resp["number"]:
                self.problems.append(f"key {key}: acknowledged as {prev['number']} and later as {resp['number']}")
            self.acked.setdefault(key, {"number": resp["number"], "token": resp["tracking_token"],
                                        "status": resp.get("status")})
            self.pending.discard(key)


def make_body(rng, counties, zj, key):
    while True:
        lng, lat = rng.uniform(zj[0], zj[2]), rng.uniform(zj[1], zj[3])
        if any(geo.county_contains(c, lng, lat) for c in counties):
            break
    body = {"location": {"lat": lat, "lng": lng, "coordsys": "wgs84"},
            "consumer": {"name": "压测", "phone": f"13{rng.randrange(10 ** 9):09d}"},
            "merchant": {"name": f"商户{rng.randrange(1000)}"},
            "category": rng.choice(CATEGORIES), "description": marker(key),
            "preferred_mode": rng.choice(("offline", "video"))}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def post(url, key, body, timeout):
    return request("POST", url + "/v1/complaints", body=body, headers={"Idempotency-Key": key}, timeout=timeout)


def fire(url, state, stop, rng, counties, zj, prefix, timeout):
    """One thread: submit new complaints until told to stop (or the server is gone)."""
    n = 0
    while not stop.is_set():
        key = f"{prefix}-{n:05d}"
        n += 1
        body = make_body(rng, counties, zj, key)
        with state.lock:
            state.bodies[key] = body
            state.attempted += 1
            state.pending.add(key)
        try:
            status, _, raw = post(url, key, body, timeout)
        except OSError:
            with state.lock:
                state.no_answer += 1
            continue   # stays pending: retried after the restart
        if status == 201:
            state.ack(key, json_of(raw))
        else:
            with state.lock:
                state.pending.discard(key)
                state.unexpected.append((key, status, raw[:300]))


def retry_pending(url, state, timeout):
    """Same key, same bytes: a 201 replay, or a new 201 if the first try never committed."""
    for key in sorted(state.pending):
        try:
            status, headers, raw = post(url, key, state.bodies[key], timeout)
        except OSError as e:
            state.problems.append(f"retry of {key}: no answer from a running server: {e}")
            state.retried["failed"] += 1
            continue
        if status == 201:
            state.retried["replayed" if headers.get("idempotent-replayed") == "true" else "new"] += 1
            state.ack(key, json_of(raw))
        else:
            state.retried["failed"] += 1
            state.problems.append(f"retry of {key}: HTTP {status}, expected 201: {raw[:300]!r}")
            state.pending.discard(key)


def check_http(url, state, keys, timeout):
    """GET every given acknowledged complaint with its token. Returns the keys that are missing."""
    def one(key):
        a = state.acked[key]
        try:
            status, _, raw = request("GET", f"{url}/v1/complaints/{a['number']}",
                                     headers={"X-Tracking-Token": a["token"]}, timeout=timeout)
        except OSError as e:
            return key, f"GET {a['number']}: no answer: {e}"
        if status != 200:
            return key, f"GET {a['number']} (key {key}): HTTP {status}: {raw[:200]!r}"
        r = json_of(raw) or {}
        acts = [e.get("action") for e in r.get("events") or []]
        want = ["submit", "assign"] if a["status"] == "assigned" else ["submit"]
        if r.get("number") != a["number"] or acts[:len(want)] != want:
            return key, f"GET {a['number']} (key {key}): number {r.get('number')!r}, events {acts}, expected to start {want}"
        if r.get("description") not in (None, marker(key)):
            return key, f"GET {a['number']}: description {r.get('description')!r} is not that of key {key}"
        return key, None

    missing = []
    with ThreadPoolExecutor(4) as pool:
        for key, err in pool.map(one, keys):
            if err:
                missing.append(key)
                state.problems.append(err)
    return missing


def check_db(db, state):
    """Rows per key, events per acknowledged complaint, integrity. Returns the keys missing there."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows = {}
        for number, desc in con.execute("SELECT number, description FROM complaints WHERE description LIKE 'killtest %'"):
            rows.setdefault(desc, []).append(number)
        events = dict(con.execute("SELECT number, count(*) FROM complaint_events GROUP BY number"))
        ic = con.execute("PRAGMA integrity_check").fetchall()
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        con.close()
    missing = []
    with state.lock:
        acked = dict(state.acked)
        known = set(state.bodies)
    for key, a in acked.items():
        numbers = rows.get(marker(key), [])
        if a["number"] not in numbers:
            missing.append(key)
            state.problems.append(f"key {key}: acknowledged as {a['number']} but no such row in complaints (rows: {numbers})")
        elif events.get(a["number"], 0) < 1:
            missing.append(key)
            state.problems.append(f"{a['number']} (key {key}): no rows in complaint_events")
    dups = {d: n for d, n in rows.items() if len(n) > 1}
    for d, n in sorted(dups.items())[:10]:
        state.problems.append(f"{d}: {len(n)} complaint rows for one Idempotency-Key: {n}")
    strangers = [d for d in rows if d[len("killtest "):] not in known]
    if strangers:
        state.problems.append(f"{len(strangers)} complaint rows with keys never sent: {strangers[:5]}")
    if ic != [("ok",)]:
        state.problems.append(f"PRAGMA integrity_check: {ic[:5]}")
    if fk:
        state.problems.append(f"PRAGMA foreign_key_check: {fk[:5]}")
    return missing, len(dups), ic == [("ok",)] and not fk


def check_unique(state):
    seen_n, seen_t = {}, {}
    for key, a in state.acked.items():
        for seen, v, what in ((seen_n, a["number"], "number"), (seen_t, a["token"], "tracking token")):
            if v in seen:
                state.problems.append(f"keys {seen[v]} and {key} were both acknowledged with {what} {v}")
            seen[v] = key


def main(argv=None):
    ap = argparse.ArgumentParser(description="SIGKILL the server under load; nothing acknowledged may be lost.")
    ap.add_argument("--bin", required=True, help="the liaison binary")
    ap.add_argument("--cycles", type=int, default=50)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-delay-ms", type=int, default=50)
    ap.add_argument("--max-delay-ms", type=int, default=800)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    ap.add_argument("--http-sample", type=int, default=0,
                    help="after a restart, GET only the complaints never GET-checked plus this many random "
                         "older ones (0: all, the default; the database check always covers all, and the "
                         "last restart always GETs all)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (database, server log)")
    a = ap.parse_args(argv)
    if a.cycles < 1 or a.threads < 1 or not 0 <= a.min_delay_ms <= a.max_delay_ms:
        ap.error("--cycles and --threads must be >= 1, 0 <= --min-delay-ms <= --max-delay-ms")
    binary = Path(a.bin).resolve()
    if not binary.is_file():
        die(f"binary not found: {a.bin} (swift build --product liaison)")

    counties = geo.load_counties()
    zj = (min(c.bbox[0] for c in counties), min(c.bbox[1] for c in counties),
          max(c.bbox[2] for c in counties), max(c.bbox[3] for c in counties))
    rng = random.Random(a.seed)
    work = Path(tempfile.mkdtemp(prefix="killtest."))
    db = work / "killtest.sqlite"
    server = Server(binary, db, log_path=work / "serve.log")
    state = State()
    lost_ever, dup_keys, integrity_ok = set(), 0, True
    started = time.monotonic()
    try:
        p = subprocess.run([str(binary), "where", "--lat", "30.259", "--lng", "120.13", "--db", str(db)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            die(f"creating the database failed: {p.stderr.strip()}")
        for cycle in range(1, a.cycles + 2):
            try:
                url = server.start()
            except ServerError as e:
                state.problems.append(f"cycle {cycle}: restart failed: {e}")
                print(f"killtest: cycle {cycle}: the server did not come back: {e}", file=sys.stderr)
                break
            if cycle > 1:
                retry_pending(url, state, a.timeout)
                check_unique(state)
                missing_db, dup_keys, ok = check_db(db, state)
                keys = sorted(state.acked)
                if a.http_sample and cycle <= a.cycles:
                    old = [k for k in keys if k in state.checked_http]
                    keys = [k for k in keys if k not in state.checked_http] + \
                        rng.sample(old, min(a.http_sample, len(old)))
                missing_http = check_http(url, state, keys, a.timeout)
                state.checked_http |= set(keys) - set(missing_http)
                integrity_ok &= ok
                lost_ever |= set(missing_db) | set(missing_http)
                print(f"killtest: after kill {cycle - 1}: {state.attempted} attempted, {len(state.acked)} acknowledged, "
                      f"{len(set(missing_db) | set(missing_http))} missing, {len(state.problems)} problems", flush=True)
            if cycle > a.cycles:
                break
            stop = threading.Event()
            threads = [threading.Thread(target=fire, args=(url, state, stop, random.Random(rng.getrandbits(64)),
                                                           counties, zj, f"c{cycle:03d}t{t}", a.timeout))
                       for t in range(a.threads)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(a.min_delay_ms, a.max_delay_ms) / 1000.0)
            stop.set()      # no new requests; the ones in flight meet the kill
            code = server.proc.poll()
            if code is not None:
                state.problems.append(f"cycle {cycle}: the server died on its own before the kill (exit code {code}); "
                                      f"see its log (--keep)")
            server.kill()
            for t in threads:
                t.join()
        server.stop()
        # with the server gone: the file alone must still hold everything, intact
        missing_db, dup_keys, ok = check_db(db, state)
        integrity_ok &= ok
        lost_ever |= set(missing_db)
    finally:
        server.kill()
        if a.keep:
            print(f"killtest: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    by_status = {}
    for _, status, _ in state.unexpected:
        by_status[status] = by_status.get(status, 0) + 1
    for key, status, raw in state.unexpected[:5]:
        print(f"--- unexpected answer for {key}: HTTP {status}: {raw!r}")
    server_errors = sum(n for s, n in by_status.items() if s >= 500)
    if server_errors:
        state.problems.append(f"{server_errors} answers with HTTP 5xx")
    for p in state.problems[:15]:
        print(f"--- {p}")
    if len(state.problems) > 15:
        print(f"--- ... and {len(state.problems) - 15} more problems")
    print(f"killtest: {a.cycles} cycles in {time.monotonic() - started:.0f} s, {state.attempted} submissions attempted, "
          f"{len(state.acked)} acknowledged ({len(state.acked) - state.retried['replayed'] - state.retried['new']} at once, "
          f"{state.retried['replayed'] + state.retried['new']} on a retry), {len(lost_ever)} lost, {dup_keys} keys with duplicate rows; "
          f"{state.no_answer} without an answer, retried: {state.retried['replayed']} replayed, "
          f"{state.retried['new']} new, {state.retried['failed']} failed; other answers {by_status or 'none'}; "
          f"integrity {'ok' if integrity_ok else 'FAILED'}")
    return 1 if lost_ever or state.problems or not integrity_ok else 0


if __name__ == "__main__":
    sys.exit(main())
