#!/usr/bin/env python3
# killtest.py -- proves that no acknowledged complaint is lost, and no complaint number or SMS id
# reused, when `liaison serve` processes sharing one database file die.
#
# What it does
#   Starts --servers (default 2) `liaison serve --port 0` processes on one fresh temp database and,
#   for --cycles (default 200) rounds:
#     1. --threads threads POST /v1/complaints as fast as they can, each request to a random live
#        server, each with its own Idempotency-Key and a description that names the key (so rows
#        can be counted per key);
#     2. after a random 50-800 ms one server, chosen at random, gets SIGKILL (no graceful
#        shutdown); in 1 cycle of 5 every server does. The others keep serving the threads
#        while the dead ones restart on the same database (new ports, re-read from their
#        listening lines); then the threads stop;
#     3. every request that got no answer is retried with the same key and the same bytes, to
#        any server: it must come back 201 (a replay, or a new complaint if the first attempt
#        never committed);
#     4. every acknowledged complaint (every 201 ever seen) is checked: GET /v1/complaints/{number}
#        with its tracking token (spread over the servers, so each reads what the other wrote)
#        is 200 with the same number and its first events (submit, then assign when the 201 said
#        assigned); in the database file (read-only sqlite3) there is its row in complaints;
#        every complaint's events are submit, then assign iff its status is assigned (overdue
#        marks aside: nothing else happens to them here); no station holds more open complaints
#        than its capacity; no key has more than one complaint row; no two 201s share a token;
#     5. numbers and texts are never reused: a complaint number, once seen (in a 201 or in the
#        file), always belongs to the same key and never leaves the file; every sms_outbox id
#        seen in an earlier cycle is still there with the same number and body, and each id is
#        NUMBER-SEQ-c or NUMBER-SEQ-sN with its own complaint's number and event seq, and its
#        body names that number; PRAGMA integrity_check is ok and foreign_key_check is empty.
#   At the end the servers stop (SIGTERM) and the file alone is checked again; every line of
#   the SMS log (sms.log, where every server's log gateway appends) must match the outbox row of
#   its id. Texts logged more than once are counted, with the shortest time between two sends of
#   one id, not failed (delivery is at least once: a sender killed between the send and marking
#   it sent leaves it to another once its claim expires).
#   A request without an answer (refused, reset, cut off) is not acknowledged and is only retried.
#   Prints the summary `killtest: C cycles in T s, 2 servers, K kills of one, B of both,
#   N submissions attempted, A acknowledged ..., L lost, ..., R numbers reused, S SMS ids reused; ...`;
#   exit 1 on any loss, duplicate, reuse, failed check or 5xx, 2 on setup errors. Progress lines
#   (one per cycle) go to stderr when it is a terminal.
#
# How to run (normally through the wrapper, which builds first):
#   tools/killtest [--cycles 200] [--servers 2] [--threads 8] [--seed 1] [--http-sample 100] [--keep]
#   (--servers 1 is the single-process test; after each cycle only the new complaints and
#   --http-sample old ones are GET, all of them with --http-sample 0 (slow: every complaint after
#   every cycle), and all of them after the last cycle; CI runs --cycles 50)
#   python3 tools/killtest.py --bin .build/debug/liaison [same options]

import argparse
import json
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
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
    """Everything sent, acknowledged and seen in the file, shared by the firing threads."""

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
        self.number_key = {}   # complaint number -> the key it was first seen with (201 or file)
        self.in_file = set()   # complaint numbers seen in the file
        self.sms = {}          # sms_outbox id -> (number, body) when first seen
        self.numbers_reused = set()
        self.sms_reused = set()

    def claim_number(self, number, key, where):
        """Caller holds the lock. A number belongs to one key, forever."""
        first = self.number_key.setdefault(number, key)
        if first != key and number not in self.numbers_reused:
            self.numbers_reused.add(number)
            self.problems.append(f"number {number} reused: first for key {first}, then for key {key} ({where})")

    def ack(self, key, resp):
        if not isinstance(resp, dict) or not resp.get("number") or not resp.get("tracking_token"):
            with self.lock:
                self.problems.append(f"key {key}: 201 without number/tracking_token: {str(resp)[:200]}")
            return
        with self.lock:
            prev = self.acked.get(key)
            if prev and prev["number"] != resp["number"]:
                self.problems.append(f"key {key}: acknowledged as {prev['number']} and later as {resp['number']}")
            self.acked.setdefault(key, {"number": resp["number"], "token": resp["tracking_token"],
                                        "status": resp.get("status")})
            self.claim_number(resp["number"], key, "a 201")
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


def fire(urls, state, stop, rng, counties, zj, prefix, timeout):
    """One thread: submit new complaints, each to a random live server, until told to stop.
    urls[i] is None while server i is down."""
    n = 0
    while not stop.is_set():
        live = [u for u in urls if u]
        if not live:
            time.sleep(0.01)
            continue
        url = rng.choice(live)
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


def retry_pending(urls, state, timeout):
    """Same key, same bytes, to any server: a 201 replay, or a new 201 if the first try never committed."""
    for i, key in enumerate(sorted(state.pending)):
        try:
            status, headers, raw = post(urls[i % len(urls)], key, state.bodies[key], timeout)
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


def check_http(urls, state, keys, timeout):
    """GET every given acknowledged complaint with its token, spread over the servers.
    Returns the keys that are missing."""
    def one(item):
        i, key = item
        a = state.acked[key]
        url = urls[i % len(urls)]
        try:
            status, _, raw = request("GET", f"{url}/v1/complaints/{a['number']}",
                                     headers={"X-Tracking-Token": a["token"]}, timeout=timeout)
        except OSError as e:
            return key, f"GET {a['number']} from {url}: no answer: {e}"
        if status != 200:
            return key, f"GET {a['number']} (key {key}) from {url}: HTTP {status}: {raw[:200]!r}"
        r = json_of(raw) or {}
        acts = [e.get("action") for e in r.get("events") or []]
        want = ["submit", "assign"] if a["status"] == "assigned" else ["submit"]
        if r.get("number") != a["number"] or acts[:len(want)] != want:
            return key, f"GET {a['number']} (key {key}) from {url}: number {r.get('number')!r}, events {acts}, expected to start {want}"
        if r.get("description") not in (None, marker(key)):
            return key, f"GET {a['number']} from {url}: description {r.get('description')!r} is not that of key {key}"
        return key, None

    missing = []
    with ThreadPoolExecutor(4) as pool:
        for key, err in pool.map(one, enumerate(keys)):
            if err:
                missing.append(key)
                state.problems.append(err)
    return missing


def check_db(db, state):
    """Rows per key, events, capacity, numbers and texts never reused, integrity.
    Returns (keys acknowledged but missing there, keys with more than one row, integrity ok)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        complaints = con.execute("SELECT number, description, status FROM complaints").fetchall()
        actions = {}
        for number, action in con.execute("SELECT number, action FROM complaint_events ORDER BY seq"):
            if action != "overdue":
                actions.setdefault(number, []).append(action)
        over = con.execute("""
            SELECT s.id, s.capacity, count(*) FROM complaints c JOIN stations s ON s.id = c.station_id
            WHERE c.status IN ('assigned', 'accepted', 'mediating') GROUP BY s.id HAVING count(*) > s.capacity
            """).fetchall()
        outbox = con.execute("SELECT id, number, event_seq, body FROM sms_outbox").fetchall()
        ic = con.execute("PRAGMA integrity_check").fetchall()
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        con.close()
    problems = state.problems
    rows = {}   # key -> [numbers]
    with state.lock:
        for number, desc, status in complaints:
            if not desc.startswith("killtest "):
                problems.append(f"{number}: a complaint row killtest did not write: {desc[:60]!r}")
                continue
            key = desc[len("killtest "):]
            rows.setdefault(key, []).append(number)
            state.claim_number(number, key, "the file")
            want = ["submit", "assign"] if status == "assigned" else ["submit"]
            if status not in ("submitted", "assigned") or actions.get(number) != want:
                problems.append(f"{number} (key {key}): status {status}, events {actions.get(number)}, expected {want}")
        present = {number for number, _, _ in complaints}
        for number in sorted(state.in_file - present)[:10]:
            problems.append(f"{number} (key {state.number_key.get(number)}) was in the file and is gone")
        state.in_file |= present
        acked = dict(state.acked)
        known = set(state.bodies)
        # texts: ids of earlier cycles unchanged; each id names its own complaint and event
        current = {}
        for sid, number, seq, body in outbox:
            current[sid] = (number, body)
            if sid not in state.sms:
                m = re.fullmatch(re.escape(number) + r"-(\d+)-(c|s\d+)", sid)
                if not m or int(m.group(1)) != seq or number not in body:
                    problems.append(f"SMS {sid}: not NUMBER-SEQ-c/sN of its complaint {number}, event {seq}, "
                                    f"or its body does not name {number}: {body[:80]!r}")
                state.sms[sid] = (number, body)
        for sid, first in state.sms.items():
            if current.get(sid) != first and sid not in state.sms_reused:
                state.sms_reused.add(sid)
                now = current.get(sid)
                problems.append(f"SMS {sid} reused: was {first[0]} {first[1][:60]!r}, now "
                                + (f"{now[0]} {now[1][:60]!r}" if now else "gone from sms_outbox"))
    missing = []
    for key, a in acked.items():
        if a["number"] not in rows.get(key, []):
            missing.append(key)
            problems.append(f"key {key}: acknowledged as {a['number']} but no such row in complaints (rows: {rows.get(key, [])})")
    dups = {k: n for k, n in rows.items() if len(n) > 1}
    for k, n in sorted(dups.items())[:10]:
        problems.append(f"key {k}: {len(n)} complaint rows for one Idempotency-Key: {n}")
    strangers = [k for k in rows if k not in known]
    if strangers:
        problems.append(f"{len(strangers)} complaint rows with keys never sent: {strangers[:5]}")
    for sid, cap, n in over[:10]:
        problems.append(f"station {sid}: {n} open complaints, capacity {cap}")
    if ic != [("ok",)]:
        problems.append(f"PRAGMA integrity_check: {ic[:5]}")
    if fk:
        problems.append(f"PRAGMA foreign_key_check: {fk[:5]}")
    return missing, len(dups), ic == [("ok",)] and not fk


def check_unique_tokens(state):
    seen = {}
    for key, a in state.acked.items():
        if a["token"] in seen:
            state.problems.append(f"keys {seen[a['token']]} and {key} were both acknowledged with tracking token {a['token']}")
        seen[a["token"]] = key


def check_sms_log(path, state):
    """Every text a gateway took matches its outbox row. Returns (lines, ids logged more than once,
    the shortest time in s between two sends of one id, or None)."""
    if not path.exists():
        return 0, 0, None
    lines, count, at = 0, {}, {}
    for raw in path.read_bytes().splitlines():
        lines += 1
        m = json_of(raw)
        if not isinstance(m, dict) or "id" not in m:
            state.problems.append(f"{path.name}: line {lines} is not a message: {raw[:120]!r}")
            continue
        count[m["id"]] = count.get(m["id"], 0) + 1
        at.setdefault(m["id"], []).append(datetime.fromisoformat(str(m.get("at")).replace("Z", "+00:00")))
        first = state.sms.get(m["id"])
        if first != (m.get("complaint"), m.get("text")):
            state.problems.append(f"{path.name}: text {m['id']} sent as {m.get('complaint')} {str(m.get('text'))[:60]!r}, "
                                  f"sms_outbox has {first}")
    gaps = [(b - a).total_seconds() for ts in at.values() for a, b in zip(sorted(ts), sorted(ts)[1:])]
    return lines, sum(1 for n in count.values() if n > 1), min(gaps, default=None)


def main(argv=None):
    ap = argparse.ArgumentParser(description="SIGKILL servers sharing one database under load; nothing acknowledged "
                                             "may be lost, no number or text id reused.")
    ap.add_argument("--bin", required=True, help="the liaison binary")
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--servers", type=int, default=2, help="serve processes on the one database file (1: the single-process test)")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-delay-ms", type=int, default=50)
    ap.add_argument("--max-delay-ms", type=int, default=800)
    ap.add_argument("--both-every", type=int, default=5, help="kill every server in 1 cycle of this many (0: never)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    ap.add_argument("--http-sample", type=int, default=100,
                    help="after a cycle, GET only the complaints never GET-checked plus this many random "
                         "older ones (default 100; 0: all of them, slow; the database check always covers "
                         "all, and the last cycle always GETs all)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (database, server logs, sms.log)")
    a = ap.parse_args(argv)
    if a.cycles < 1 or a.threads < 1 or a.servers < 1 or a.both_every < 0 or not 0 <= a.min_delay_ms <= a.max_delay_ms:
        ap.error("--cycles, --threads and --servers must be >= 1, --both-every >= 0, 0 <= --min-delay-ms <= --max-delay-ms")
    binary = Path(a.bin).resolve()
    if not binary.is_file():
        die(f"binary not found: {a.bin} (swift build --product liaison)")

    counties = geo.load_counties()
    zj = (min(c.bbox[0] for c in counties), min(c.bbox[1] for c in counties),
          max(c.bbox[2] for c in counties), max(c.bbox[3] for c in counties))
    rng = random.Random(a.seed)
    work = Path(tempfile.mkdtemp(prefix="killtest."))
    db = work / "killtest.sqlite"
    servers = [Server(binary, db, log_path=work / f"serve-{i}.log") for i in range(a.servers)]
    urls = [None] * a.servers   # None while that server is down
    state = State()
    lost_ever, dup_keys, integrity_ok = set(), 0, True
    kills = {"one": 0, "all": 0}
    progress = sys.stderr.isatty()
    started = time.monotonic()
    try:
        p = subprocess.run([str(binary), "where", "--lat", "30.259", "--lng", "120.13", "--db", str(db)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            die(f"creating the database failed: {p.stderr.strip()}")
        for i, s in enumerate(servers):
            try:
                urls[i] = s.start()
            except ServerError as e:
                die(f"server {i} did not start: {e}")
        for cycle in range(1, a.cycles + 1):
            stop = threading.Event()
            threads = [threading.Thread(target=fire, args=(urls, state, stop, random.Random(rng.getrandbits(64)),
                                                           counties, zj, f"c{cycle:03d}t{t}", a.timeout))
                       for t in range(a.threads)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(a.min_delay_ms, a.max_delay_ms) / 1000.0)
            if a.servers > 1 and a.both_every and rng.randrange(a.both_every) == 0:
                victims = list(range(a.servers))
            else:
                victims = [rng.randrange(a.servers)]
            kills["all" if len(victims) == a.servers else "one"] += 1
            for i, s in enumerate(servers):
                code = s.proc.poll()
                if code is not None:
                    state.problems.append(f"cycle {cycle}: server {i} died on its own before the kill (exit code {code}); "
                                          f"see its log (--keep)")
                    victims = sorted(set(victims) | {i})
            for i in victims:   # the others keep serving the threads, through the kill and the restart
                urls[i] = None
                servers[i].kill()
            try:
                for i in victims:
                    urls[i] = servers[i].start()
            except ServerError as e:
                state.problems.append(f"cycle {cycle}: restart failed: {e}")
                print(f"killtest: cycle {cycle}: a server did not come back: {e}", file=sys.stderr)
                stop.set()
                for t in threads:
                    t.join()
                break
            stop.set()
            for t in threads:
                t.join()

            retry_pending(urls, state, a.timeout)
            check_unique_tokens(state)
            missing_db, dup_keys, ok = check_db(db, state)
            keys = sorted(state.acked)
            if a.http_sample and cycle < a.cycles:
                old = [k for k in keys if k in state.checked_http]
                keys = [k for k in keys if k not in state.checked_http] + rng.sample(old, min(a.http_sample, len(old)))
            missing_http = check_http(urls, state, keys, a.timeout)
            state.checked_http |= set(keys) - set(missing_http)
            integrity_ok &= ok
            lost_ever |= set(missing_db) | set(missing_http)
            if progress:
                print(f"killtest: cycle {cycle}: killed {','.join(map(str, victims))}; {state.attempted} attempted, "
                      f"{len(state.acked)} acknowledged, {len(set(missing_db) | set(missing_http))} missing, "
                      f"{len(state.problems)} problems", file=sys.stderr, flush=True)
        for s in servers:
            s.stop()
        # with the servers gone: the file alone must still hold everything, intact
        missing_db, dup_keys, ok = check_db(db, state)
        integrity_ok &= ok
        lost_ever |= set(missing_db)
        texts, texted_twice, closest = check_sms_log(work / "sms.log", state)
    finally:
        for s in servers:
            s.kill()
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
    if a.servers == 1:
        servers_text = f"1 server, {kills['all']} kills"
    else:
        servers_text = (f"{a.servers} servers, {kills['one']} kills of one, "
                        f"{kills['all']} of {'both' if a.servers == 2 else 'all'}")
    retried = state.retried['replayed'] + state.retried['new']
    print(f"killtest: {a.cycles} cycles in {time.monotonic() - started:.0f} s, {servers_text}, "
          f"{state.attempted} submissions attempted, {len(state.acked)} acknowledged "
          f"({len(state.acked) - retried} at once, {retried} on a retry), {len(lost_ever)} lost, "
          f"{dup_keys} keys with duplicate rows, {len(state.numbers_reused)} numbers reused, "
          f"{len(state.sms_reused)} SMS ids reused; "
          f"{state.no_answer} without an answer, retried: {state.retried['replayed']} replayed, "
          f"{state.retried['new']} new, {state.retried['failed']} failed; other answers {by_status or 'none'}; "
          f"{texts} texts sent, {texted_twice} of them more than once"
          f"{f' (closest repeat {closest:.0f} s after the first)' if closest is not None else ''}; "
          f"integrity {'ok' if integrity_ok else 'FAILED'}")
    return 1 if lost_ever or state.problems or not integrity_ok else 0


if __name__ == "__main__":
    sys.exit(main())
