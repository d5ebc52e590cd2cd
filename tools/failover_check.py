#!/usr/bin/env python3
# failover_check.py -- proves that a liaison cluster (nginx in front of several `liaison serve`
# processes on one store) keeps serving and loses nothing while one process is SIGKILLed and
# restarted and (PostgreSQL store) while the database restarts (issue 16, item 5).
#
# What it does
#   1. Brings up a cluster in a temp dir with tools/cluster.py (--store, default postgres;
#      --processes, default 2), each process texting through the log gateway into a file of
#      its own.
#   2. Runs a bounded load through nginx for --seconds (default 24):
#        --get-threads (4) threads GET /v1/stations/nearest?lat=&lng=&limit=3 at random points
#        of the box lat 27.1-31.1, lng 118.1-122.9 (around Zhejiang: nearest answers any point;
#        a 200 must hold 3 stations);
#        --post-threads (4) threads POST /v1/complaints, bodies like the README's example at
#        random points inside Zhejiang's counties, each with an Idempotency-Key of its own and a
#        phone never used before (a phone may file 5 an hour). As a mini-program backend would,
#        a POST without an answer or with a 5xx is sent again with the same key and the same
#        bytes (backoff 0.2 s doubling to 2 s, for up to 60 s); every 10th acknowledged one is
#        sent once more to check the replay (201, Idempotent-Replayed: true, the same number).
#      A client waits 20 s for an answer (longer than nginx's proxy_read_timeout, 15 s, so that
#      nginx sees a hung process first).
#   3. At 35% of the run one process, chosen at random, gets SIGKILL and is started again on
#      its port (nginx's upstream is fixed). With the postgres store, at 65% PostgreSQL gets a
#      fast shutdown (pg_ctl stop -m fast, via tools/pg-scratch), stays down until every
#      process's /readyz (polled directly, every 0.1 s, 10 s to answer) has said 503 (at least
#      2 s, at most 15 s), and starts again; /readyz is polled until each says 200 (up to 30 s).
#   4. After the load: every acknowledged complaint is read back through nginx with
#      GET /v1/complaints/{number} and X-Tracking-Token (the tracking_token of its 201; two tries
#      each, 60 s for all of them); the texts are given a moment to go out (until the logs stay
#      the same for 1.5 s, at most 15 s); then `down` stops everything (SIGTERM, SIGKILL after 30 s).
#   Checks (each a row of the summary table; any failed row fails the run):
#     - GETs: every failed GET (no answer, or not a 200 with 3 stations) was in flight at the
#       kill (sent before the killed process was gone, answered after the kill) -- nginx
#       retries GETs on another process, so normally none fails at all;
#     - complaints acknowledged exactly once: every key got a 201, all of one key's 201s
#       (retries, replays) carry one number, and no number was given to two keys; POSTs
#       answered 5xx or not at all are counted and reported, those outside the kill and the
#       outage (up to 6 s after every /readyz said 200 again: nginx's fail_timeout) apart, but
#       do not fail the run: the client retries them, as a mini-program backend does, and
#       what the issue asks (once each, none lost) is checked by this row and the next. (A few
#       POSTs started during the outage are still answered 5xx up to ~15 s after it: a call
#       waits up to 4 s for a connection and 8 s for a statement before its 503.)
#     - none lost: each acknowledged number is found (200, the same number) with its token;
#     - texts: every SMS id in the processes' logs (one JSON line per message, with its id)
#       counted across all logs; an id logged twice is only excused when its first copy came
#       from the SIGKILLed process (it may have died between sending and marking it sent);
#     - /readyz (postgres only): 503 from every process during the outage, 200 after;
#     - processes: every process but the killed one still running at the end; on `down` every
#       one exits 0 and nginx 0; the killed one's status is 137 (SIGKILL).
#   Also reported: how many requests nginx passed on to a second process (its access log), the
#   answers of each kind, how many POSTs the client retried, and what the restarted process served.
#   Prints the table on stdout; exit 0 on pass, 1 on fail, 2 when the cluster does not come up
#   (e.g. `liaison serve --db postgres://...` exiting 64 while serve does not run on
#   PostgreSQL yet), 64 on usage errors. Progress lines go to stderr when it is a terminal.
#
# How to run (normally through the wrapper, which builds first unless a binary is named):
#   tools/failover-check [--store postgres|spatialite] [--seconds 24] [--binary PATH] [--processes 2]
#                        [--get-threads 4] [--post-threads 4] [--seed 1] [--keep]
#   python3 tools/failover_check.py [same options]   (binary: --binary, $LIAISON_BIN, .build/debug/liaison)

import argparse
import itertools
import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import complaints_geo as geo  # noqa: E402
from cluster import STORES, Cluster, ClusterError, http_status  # noqa: E402
from liaison_http import json_of, request  # noqa: E402

TTY = sys.stderr.isatty()
BOX = {"lat": (27.1, 31.1), "lng": (118.1, 122.9)}   # around Zhejiang, for the nearest GETs
CATEGORIES = ("product_quality", "service_quality", "false_advertising", "price", "contract",
              "prepaid_card", "food_safety", "after_sales", "online_shopping", "other")
RETRY_FOR = 60.0          # seconds a client keeps retrying one complaint
TIMEOUT = 20.0            # seconds a client waits for an answer: above nginx's proxy_read_timeout (15 s)
READ_BACK_FOR = 60.0      # seconds the read-back of every complaint may take in all
READYZ_TIMEOUT = 10.0     # seconds a /readyz poll waits: longer is "no answer"
FAIL_TIMEOUT = 5.0        # deploy/nginx/liaison.conf: max_fails=1 fail_timeout=5s
MIN_OUTAGE = 2.0          # seconds PostgreSQL stays down at least


def progress(msg):
    if TTY:
        print(f"failover-check: {msg}", file=sys.stderr, flush=True)


class Run:
    """Everything the load threads and the events record, on one monotonic clock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.gets = []        # (t0, t1, status or None, ok)
        self.keys = {}        # key -> {"body", "attempts": [(t0, t1, status|None)], "acks": [(number, token, replayed)], "gave_up"}
        self.unexpected = []  # (key, status, body) of answers that are neither 201, 5xx nor no answer
        self.events = {}      # name -> monotonic time (kill, dead, back, pg_stop, pg_down, pg_start, pg_up, ready)
        self.readyz = {}      # process index -> [(t, status or None, seconds it took)]
        self.posts_in_flight = 0
        self.clock = (time.monotonic(), time.time())   # to place the SMS logs' wall-clock times

    def since_start(self, iso, start):
        """An SMS log's `at` (ISO 8601, UTC) as seconds since `start` (monotonic), or None."""
        try:
            wall = datetime.fromisoformat(str(iso).replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
        return wall - self.clock[1] + self.clock[0] - start

    def in_kill(self, t0, t1):
        """Was a request sent at t0 and ended at t1 in flight at the kill?"""
        e = self.events
        return "kill" in e and t0 <= e.get("dead", e["kill"]) and t1 >= e["kill"]

    def in_outage(self, t0, t1):
        e = self.events
        if "pg_stop" not in e:
            return False
        end = e.get("ready", e.get("pg_up", e["pg_stop"])) + FAIL_TIMEOUT + 1.0
        return t0 <= end and t1 >= e["pg_stop"]


def nearest_loop(base, run, stop, rng):
    while not stop.is_set():
        lat, lng = rng.uniform(*BOX["lat"]), rng.uniform(*BOX["lng"])
        t0 = time.monotonic()
        try:
            status, _, raw = request("GET", f"{base}/v1/stations/nearest?lat={lat:.6f}&lng={lng:.6f}&limit=3",
                                     timeout=TIMEOUT)
        except OSError:
            status, raw = None, b""
        ok = status == 200 and len((json_of(raw) or {}).get("stations") or []) == 3
        with run.lock:
            run.gets.append((t0, time.monotonic(), status, ok))


def complaint_body(rng, counties, phone, key):
    """A body like the README's example, at a random point inside one of Zhejiang's counties."""
    while True:
        lat, lng = rng.uniform(*BOX["lat"]), rng.uniform(*BOX["lng"])
        if any(geo.county_contains(c, lng, lat) for c in counties):
            break
    body = {"location": {"lat": round(lat, 6), "lng": round(lng, 6), "coordsys": "wgs84"},
            "consumer": {"name": "张三", "phone": phone},
            "merchant": {"name": f"某某超市{rng.randrange(100)}", "address": "文三路 1 号"},
            "category": rng.choice(CATEGORIES), "description": f"failover-check {key}: 买到过期食品，商家拒绝退货",
            "preferred_mode": rng.choice(("offline", "video")), "amount_yuan": rng.randrange(100, 100000) / 100}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def post_once(base, run, key, rec):
    with run.lock:
        run.posts_in_flight += 1
    t0 = time.monotonic()
    try:
        status, headers, raw = request("POST", base + "/v1/complaints", body=rec["body"],
                                       headers={"Idempotency-Key": key}, timeout=TIMEOUT)
    except OSError:
        status, headers, raw = None, {}, b""
    with run.lock:
        rec["attempts"].append((t0, time.monotonic(), status))
        run.posts_in_flight -= 1
    return status, headers, raw


def send_until_acknowledged(base, run, key, rec):
    """POSTs the complaint until a 201, as a mini-program backend would: again, with the same key
    and bytes, after no answer or a 5xx. Returns the 201's (headers, body), or None (another
    answer, recorded as unexpected; or no 201 within RETRY_FOR s, recorded as given up)."""
    deadline, delay = time.monotonic() + RETRY_FOR, 0.2
    while True:
        status, headers, raw = post_once(base, run, key, rec)
        if status == 201:
            return headers, raw
        if status is not None and status < 500:
            with run.lock:
                run.unexpected.append((key, status, raw[:300]))
            return None
        if time.monotonic() > deadline:
            rec["gave_up"] = True
            return None
        time.sleep(delay)
        delay = min(delay * 2, 2.0)


def file_complaint(base, run, key, rec, replay_check):
    """Files one complaint; with replay_check, sends it once more after its 201 (a backend that
    lost the answer): the replay must carry the same number."""
    for _ in range(2 if replay_check else 1):
        answer = send_until_acknowledged(base, run, key, rec)
        if answer is None:
            return
        headers, raw = answer
        r = json_of(raw) or {}
        with run.lock:
            rec["acks"].append((r.get("number"), r.get("tracking_token"), headers.get("idempotent-replayed") == "true"))


def complaint_loop(base, run, stop, rng, counties, phones, prefix):
    for n in itertools.count():
        if stop.is_set():
            return
        key = f"{prefix}-{n:05d}"
        with run.lock:
            phone = f"138{next(phones) % 10 ** 8:08d}"
            rec = run.keys[key] = {"body": complaint_body(rng, counties, phone, key), "attempts": [], "acks": [],
                                   "gave_up": False}
        file_complaint(base, run, key, rec, replay_check=(n % 10 == 9))


def readyz_poller(cluster, run, stop, i):
    """Polls process i's /readyz directly (not through nginx): (time, status or None, seconds taken)."""
    url = cluster.server_url(i) + "/readyz"
    while not stop.is_set():
        t0 = time.monotonic()
        status = http_status(url, timeout=READYZ_TIMEOUT)
        with run.lock:
            run.readyz.setdefault(i, []).append((time.monotonic(), status, time.monotonic() - t0))
        stop.wait(0.1)


def database_outage(cluster, run):
    """Fast shutdown of PostgreSQL; back once every process's /readyz said 503 (at least MIN_OUTAGE s)."""
    stop = threading.Event()
    pollers = [threading.Thread(target=readyz_poller, args=(cluster, run, stop, i), daemon=True)
               for i in cluster.indexes()]
    for p in pollers:
        p.start()
    ev = run.events
    try:
        ev["pg_stop"] = time.monotonic()
        cluster.stop_postgres()
        ev["pg_down"] = time.monotonic()
        deadline = ev["pg_down"] + 15
        while time.monotonic() < deadline:
            with run.lock:
                saw = {i for i, rs in run.readyz.items() if any(t >= ev["pg_down"] and s == 503 for t, s, _ in rs)}
            if saw >= set(cluster.indexes()) and time.monotonic() - ev["pg_down"] >= MIN_OUTAGE:
                break
            time.sleep(0.1)
        ev["pg_start"] = time.monotonic()
        cluster.start_postgres()
        ev["pg_up"] = time.monotonic()
        deadline = ev["pg_up"] + 30
        while time.monotonic() < deadline:
            with run.lock:
                ok = {i for i, rs in run.readyz.items() if rs and rs[-1][0] - rs[-1][2] >= ev["pg_up"] and rs[-1][1] == 200}
            if ok >= set(cluster.indexes()):
                ev["ready"] = time.monotonic()
                break
            time.sleep(0.1)
    finally:
        stop.set()
        for p in pollers:
            p.join()


def read_back(base, run):
    """Every acknowledged complaint, by number and token, through nginx (two tries each, at most
    READ_BACK_FOR s in all: a hung process cannot stretch the run). Returns (found, missing list)."""
    acked = [(k, rec["acks"][0]) for k, rec in run.keys.items() if rec["acks"]]
    deadline = time.monotonic() + READ_BACK_FOR

    def one(item):
        key, (number, token, _) = item
        status, raw = "not tried", b""
        for attempt in range(2):
            if time.monotonic() > deadline:
                return key, False, f"{number} (key {key}): not read back within {READ_BACK_FOR:.0f} s (last: {status})"
            try:
                status, _, raw = request("GET", f"{base}/v1/complaints/{number}", headers={"X-Tracking-Token": token},
                                         timeout=TIMEOUT)
            except OSError:
                status, raw = None, b""
            if status == 200:
                return key, (json_of(raw) or {}).get("number") == number, f"{number}: 200 but another number"
            if status is not None and status < 500:
                break
            time.sleep(0.5)
        return key, False, f"{number} (key {key}): HTTP {status}: {raw[:200]!r}"

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, acked))
    return sum(1 for _, ok, _ in results if ok), [err for _, ok, err in results if not ok]


def sms_lines(cluster):
    """[(server record, parsed line)] over every process's log."""
    out = []
    for rec in cluster.state["servers"]:
        p = Path(rec["sms_log"])
        if p.exists():
            for raw in p.read_bytes().splitlines():
                out.append((rec, json_of(raw)))
    return out


def wait_for_texts(cluster, limit=15.0):
    """Gives the delivery workers a moment: until the logs have not grown for 1.5 s (at most `limit`)."""
    deadline, last, since = time.monotonic() + limit, -1, time.monotonic()
    while time.monotonic() < deadline:
        n = len(sms_lines(cluster))
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= 1.5:
            break
        time.sleep(0.25)


def requests_served(url):
    """The sum of a process's http_requests_total (its /metrics), or None."""
    try:
        status, _, raw = request("GET", url + "/metrics", timeout=5)
    except OSError:
        return None
    if status != 200:
        return None
    return int(sum(float(m.group(1)) for m in re.finditer(rb"^http_requests_total\{[^}]*\} (\S+)$", raw, re.M)))


def nginx_log_figures(cluster):
    """(requests nginx passed on to a second process, answers 502/504: liaison makes neither, so
    these are nginx's own: a POST cut off at the kill, or no process left to ask), from its access log."""
    try:
        lines = (Path(cluster.state["nginx"]["dir"]) / "access.log").read_text(errors="replace").splitlines()
    except OSError:
        return None, None
    retried = own_errors = 0
    for line in lines:
        m = re.search(r'" (\d{3}) .* upstream=(.*) upstream_status=', line)
        if m:
            retried += "," in m.group(2)
            own_errors += m.group(1) in ("502", "504")
    return retried, own_errors


class _Parser(argparse.ArgumentParser):
    def error(self, message):   # usage errors exit 64 (EX_USAGE)
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(64)


def main(argv=None):
    ap = _Parser(prog="tools/failover-check", description="Load through nginx while one liaison serve is "
                 "SIGKILLed and restarted (and PostgreSQL restarts): nothing acknowledged lost, nothing twice.")
    ap.add_argument("--store", choices=STORES, default="postgres")
    ap.add_argument("--seconds", type=float, default=24.0, help="length of the load (default 24)")
    ap.add_argument("--binary", help="the liaison binary (default $LIAISON_BIN, else .build/debug/liaison)")
    ap.add_argument("--processes", type=int, default=2, help="liaison serve processes behind nginx (default 2)")
    ap.add_argument("--get-threads", type=int, default=4)
    ap.add_argument("--post-threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the cluster's folder (logs, database)")
    a = ap.parse_args(argv)
    if a.seconds < 5 or a.processes < 2 or a.get_threads < 1 or a.post_threads < 1:
        ap.error("--seconds must be >= 5, --processes >= 2 (one is killed), --get-threads and --post-threads >= 1")

    rng = random.Random(a.seed)
    counties = geo.load_counties()
    work = Path(tempfile.mkdtemp(prefix="failover-check."))
    if os.geteuid() == 0:
        work.chmod(0o755)   # nginx's workers (www-data) and PostgreSQL (postgres) reach the cluster inside
    run = Run()
    cluster = None
    statuses, failed_rows = {}, []
    try:
        progress(f"bringing up a cluster in {work} ({a.store}, {a.processes} processes)")
        try:
            cluster = Cluster.up(work / "cluster", store=a.store, processes=a.processes, binary=a.binary,
                                 progress=progress)
        except ClusterError as e:
            print(f"failover-check: error: the cluster did not come up: {e}", file=sys.stderr)
            return 2
        base = cluster.url
        progress(f"nginx at {base}; load for {a.seconds:.0f} s")

        stop = threading.Event()
        phones = itertools.count(rng.randrange(10 ** 7, 9 * 10 ** 7))
        threads = [threading.Thread(target=nearest_loop, args=(base, run, stop, random.Random(rng.getrandbits(64))))
                   for _ in range(a.get_threads)]
        threads += [threading.Thread(target=complaint_loop, args=(base, run, stop, random.Random(rng.getrandbits(64)),
                                                                  counties, phones, f"fc{a.seed}-t{t}"))
                    for t in range(a.post_threads)]
        start = time.monotonic()
        for t in threads:
            t.start()

        def until(fraction):
            time.sleep(max(0.0, start + fraction * a.seconds - time.monotonic()))

        # The kill: SIGKILL, then the same process started again on its port.
        until(0.35)
        # At a moment when every complaint thread has a POST out, so that some are likely to be
        # inside the victim (whose 201 may then be lost after the commit: the client's retry must
        # get the replay, not a second complaint).
        deadline = time.monotonic() + 2.0
        while run.posts_in_flight < a.post_threads and time.monotonic() < deadline:
            time.sleep(0.001)
        victim = rng.randrange(a.processes)
        victim_rec = cluster.current(victim)
        run.events["kill"] = time.monotonic()
        kill_status = cluster.kill_server(victim)
        run.events["dead"] = time.monotonic()
        progress(f"SIGKILLed process {victim} (port {victim_rec['port']}, status {kill_status}); restarting it")
        try:
            cluster.restart_server(victim)
            run.events["back"] = time.monotonic()
            progress(f"process {victim} listening again after {run.events['back'] - run.events['dead']:.1f} s")
        except ClusterError as e:
            failed_rows.append(f"restart of process {victim}: {e}")
        if a.store == "postgres":
            until(0.65)
            progress("PostgreSQL: fast shutdown")
            try:
                database_outage(cluster, run)
            except ClusterError as e:
                failed_rows.append(f"database restart: {e}")
            progress("PostgreSQL back" + (f"; every /readyz 200 after {run.events['ready'] - run.events['pg_up']:.1f} s"
                                           if "ready" in run.events else "; not every /readyz says 200"))
        until(1.0)
        stop.set()
        load_end = time.monotonic()
        progress("load stopped; waiting for the complaints still being retried")
        for t in threads:
            t.join(RETRY_FOR + 30)

        progress(f"reading back {sum(1 for r in run.keys.values() if r['acks'])} complaints")
        found, missing = read_back(base, run)
        wait_for_texts(cluster)
        restarted_served = requests_served(cluster.server_url(victim))
        alive = {i: cluster.running(cluster.current(i)) for i in cluster.indexes()}
        nginx_alive = cluster.running(cluster.state["nginx"])
        retried_by_nginx, nginx_errors = nginx_log_figures(cluster)
        progress("stopping the cluster")
        statuses = cluster.down()
        texts = sms_lines(cluster)
    finally:
        if cluster is not None and cluster.anything_running():
            try:
                cluster.down()
            except Exception as e:  # noqa: BLE001 -- report, then go on cleaning up
                print(f"failover-check: stopping the cluster: {e}", file=sys.stderr)
        if a.keep:
            print(f"failover-check: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    # ---- the verdicts ------------------------------------------------------------------------
    rows = []   # (check, figures, ok)

    # GETs
    g_failed = [(t0, t1, s) for t0, t1, s, ok in run.gets if not ok]
    g_in_flight = sum(1 for t0, t1, _, _ in run.gets if run.in_kill(t0, t1))
    g_unexcused = [f for f in g_failed if not run.in_kill(f[0], f[1])]
    g_kinds = Counter("no answer" if s is None else str(s) for _, _, s in g_failed)
    rows.append(("nearest GETs via nginx",
                 f"{len(run.gets)} sent, {len(run.gets) - len(g_failed)} ok, {len(g_failed)} failed"
                 f"{' (' + ', '.join(f'{k} x{n}' for k, n in g_kinds.items()) + ')' if g_failed else ''}; "
                 f"{g_in_flight} in flight at the kill; {len(g_unexcused)} failed outside it",
                 not g_unexcused and len(run.gets) > 0))

    # Complaints: acknowledged exactly once by number.
    keys = run.keys
    acked = {k: r for k, r in keys.items() if r["acks"]}
    gave_up = [k for k, r in keys.items() if not r["acks"] and r["gave_up"]]
    unanswered = [k for k, r in keys.items() if not r["acks"] and not r["gave_up"]]
    two_numbers = [k for k, r in acked.items() if len({n for n, _, _ in r["acks"]}) != 1 or not r["acks"][0][0]
                   or not r["acks"][0][1]]
    by_number = {}
    for k, r in acked.items():
        by_number.setdefault(r["acks"][0][0], set()).add(k)
    shared = {n: ks for n, ks in by_number.items() if len(ks) > 1}
    replays = sum(1 for r in acked.values() for _, _, rep in r["acks"] if rep)
    # keys whose first 201 came on a retry (or that never got one after several tries)
    retried = [k for k, r in keys.items()
               if next((i for i, (_, _, s) in enumerate(r["attempts"]) if s == 201), len(r["attempts"]) - 1) > 0]
    unflagged = [k for k, r in acked.items() if not all(rep for _, _, rep in r["acks"][1:])]
    new_on_retry = sum(1 for k in retried if keys[k]["acks"] and not keys[k]["acks"][0][2])
    rows.append(("complaints acknowledged once",
                 f"{len(keys)} keys, {len(acked)} acknowledged, {len(by_number)} numbers; "
                 f"{len(two_numbers)} keys with two numbers, {len(shared)} numbers with two keys, "
                 f"{len(gave_up)} given up after {RETRY_FOR:.0f} s, "
                 f"{f'{len(unanswered)} still unanswered, ' if unanswered else ''}{len(run.unexpected)} other answers; "
                 f"{replays} replays, {len(unflagged)} resent 201s not marked Idempotent-Replayed",
                 bool(acked) and not gave_up and not unanswered and not two_numbers and not shared
                 and not run.unexpected and not unflagged))

    attempts = [(k, t0, t1, s) for k, r in keys.items() for t0, t1, s in r["attempts"]]
    p_failed = [(k, t0, t1, s) for k, t0, t1, s in attempts if s is None or s >= 500]
    p_unexcused = [f for f in p_failed if not (run.in_kill(f[1], f[2]) or run.in_outage(f[1], f[2]))]
    p_kinds = Counter("no answer" if s is None else str(s) for _, _, _, s in p_failed)
    p_in_flight = sum(1 for _, t0, t1, _ in attempts if run.in_kill(t0, t1))
    rows.append(("complaint POSTs retried by the client",
                 f"{len(attempts)} POSTs, {p_in_flight} in flight at the kill; {len(p_failed)} answered 5xx or not at all"
                 f"{' (' + ', '.join(f'{k} x{n}' for k, n in p_kinds.items()) + ')' if p_failed else ''}, "
                 f"{len(p_unexcused)} of them outside the kill/outage; {len(retried)} keys retried: "
                 f"{len(retried) - new_on_retry} replayed, {new_on_retry} filed on the retry (a figure, not a check: "
                 f"what is checked is above, every complaint acknowledged once, and below, none lost)",
                 True))

    rows.append(("complaints kept (read back by number + token)",
                 f"{found} of {len(acked)} found", found == len(acked) and not missing))

    # Texts
    first_copy, copies, sends, bad_lines = {}, Counter(), {}, 0
    for rec, m in sorted(texts, key=lambda x: str((x[1] or {}).get("at"))):
        if not isinstance(m, dict) or "id" not in m:
            bad_lines += 1
            continue
        copies[m["id"]] += 1
        first_copy.setdefault(m["id"], rec)
        sends.setdefault(m["id"], []).append(f"+{run.since_start(m.get('at'), start) or 0:.1f} s by process "
                                             f"{rec['index']} (start {rec['generation']})")
    texted = {m.get("complaint") for _, m in texts if isinstance(m, dict)}
    numbers = {r["acks"][0][0] for r in acked.values()}
    twice = [i for i, n in copies.items() if n > 1]
    excused = [i for i in twice if first_copy[i].get("killed")]
    unexcused_sms = [i for i in twice if not first_copy[i].get("killed")]
    rows.append(("SMS ids sent twice",
                 f"{sum(copies.values())} texts, {len(copies)} ids; {len(unexcused_sms)} twice while the sender lived, "
                 f"{len(excused)} twice after their sender was SIGKILLed; {len(numbers & texted)} of {len(numbers)} "
                 f"complaints texted by the end (a figure, not a check)"
                 f"{f'; {bad_lines} unreadable lines' if bad_lines else ''}",
                 not unexcused_sms and not bad_lines and len(copies) > 0))

    # /readyz
    if a.store == "postgres":
        ev = run.events
        saw503 = {i for i, rs in run.readyz.items()
                  if any(ev.get("pg_down", 1e18) <= t <= ev.get("pg_start", -1) and s == 503 for t, s, _ in rs)}
        hung = sum(1 for rs in run.readyz.values() for _, s, _ in rs if s is None)
        slowest = max((d for rs in run.readyz.values() for _, _, d in rs), default=0.0)
        procs = set(range(a.processes))
        rows.append(("/readyz during the database outage",
                     f"503 from {len(saw503)} of {a.processes} processes while PostgreSQL was down "
                     f"({ev.get('pg_start', 0) - ev.get('pg_down', 0):.1f} s), "
                     + (f"200 from all {ev['ready'] - ev['pg_up']:.1f} s after it was back" if "ready" in ev
                        else "NOT 200 from all within 30 s after it was back")
                     + f"; slowest answer {slowest:.1f} s, {hung} polls without one within {READYZ_TIMEOUT:.0f} s",
                     saw503 >= procs and "ready" in ev and not hung))
    else:
        rows.append(("/readyz during the database outage", "not run: no database server with the spatialite store", True))

    # Processes. nginx takes the restarted process back fail_timeout after its failure; when the
    # run went on well beyond that, it must have served requests again.
    long_enough = "back" in run.events and load_end - run.events["back"] > FAIL_TIMEOUT + 3
    served_again = bool(restarted_served)
    others = [i for i in alive if i != victim]
    crashed = [i for i in others if not alive[i]]
    bad_exit = {k: v for k, v in statuses.items() if v != 0}
    rows.append(("processes",
                 f"process {victim} SIGKILLed (status {kill_status}), back in "
                 + (f"{run.events['back'] - run.events['dead']:.1f} s" if "back" in run.events else "NEVER")
                 + f", then served {restarted_served if restarted_served is not None else '?'} requests; "
                 f"{len(others) - len(crashed)} of {len(others)} others ran throughout; exit on down: "
                 + ", ".join(f"{k} {v}" for k, v in statuses.items()),
                 not crashed and bool(alive.get(victim)) and nginx_alive and not bad_exit and kill_status == 137
                 and "back" in run.events and not failed_rows and (served_again or not long_enough)))

    # ---- the report ----------------------------------------------------------------------------
    for k, status, raw in run.unexpected[:5]:
        print(f"--- {k}: HTTP {status}: {raw!r}")
    for k, t0, t1, s in p_unexcused[:5]:
        print(f"--- POST {k} at +{t0 - start:.2f} s..+{t1 - start:.2f} s: {'no answer' if s is None else s}, "
              f"outside the kill (+{run.events['kill'] - start:.2f} s) and the outage")
    for t0, t1, s in g_unexcused[:5]:
        print(f"--- GET at +{t0 - start:.2f} s..+{t1 - start:.2f} s: {'no answer' if s is None else s}, outside the kill")
    for e in missing[:5] + [f"key {k}: two numbers {[n for n, _, _ in acked[k]['acks']]}" for k in two_numbers[:5]] \
            + [f"number {n} given to keys {sorted(ks)}" for n, ks in list(shared.items())[:5]] \
            + [f"SMS {i} logged {copies[i]} times: {', '.join(sends[i])}; the first sender was not killed"
               for i in unexcused_sms[:5]] + failed_rows:
        print(f"--- {e}")
    ev = run.events
    when = [f"kill at +{ev['kill'] - start:.1f} s"] + ([f"PostgreSQL down +{ev['pg_stop'] - start:.1f} s to "
                                                       f"+{ev.get('pg_up', ev['pg_stop']) - start:.1f} s"]
                                                      if "pg_stop" in ev else [])
    print(f"failover-check: {a.store} store, {a.processes} liaison serve processes behind nginx, {load_end - start:.0f} s of load "
          f"({a.get_threads} GET + {a.post_threads} POST threads), {', '.join(when)}; nginx passed {retried_by_nginx} requests on to "
          f"another process and answered {nginx_errors} itself with 502/504")
    width = max(len(r[0]) for r in rows)
    for check, figures, ok in rows:
        print(f"  {'ok  ' if ok else 'FAIL'}  {check:<{width}}  {figures}")
    failed = [r[0] for r in rows if not r[2]]
    print(f"failover-check: {'PASS' if not failed else 'FAIL (' + ', '.join(failed) + ')'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
