#!/usr/bin/env python3
# sms_senders_check.py -- proves that two SMS senders on one database never send a message twice
# while both are alive (issue #11: the delivery worker claims due messages with a lease).
#
# What it does
#   1. Makes a fresh database in a temp dir (`liaison where ... --db` creates it from geodata/) and a
#      staff token, and starts a webhook receiver on 127.0.0.1 (any free port) that answers 200
#      after --delay-ms (so a second sender has time to pick the same message up) and records every
#      POST: the message id (Idempotency-Key header, which must equal the JSON body's id) and when.
#   2. Starts two `liaison serve --port 0 --sms-gateway webhook --sms-webhook URL` on that one file,
#      and a loop running `liaison notify --once` with the same gateway, again and again.
#   3. Files --complaints complaints (each texts the consumer, and the station's staff when it is
#      assigned), alternating between the two servers from 4 threads, each with its own phone
#      (a phone may file 5 an hour); every third assigned one is then accepted by staff through
#      the other server (one more text).
#   4. Waits (at most --wait seconds) until sms_outbox (read from the file, read-only) has no
#      'pending' row and the receiver has been quiet for a second, then stops the loop and SIGTERMs
#      the servers.
#   5. Checks: every row of sms_outbox is 'sent' and its id reached the receiver; no id reached it
#      twice (no sender died, so every repeat is a message sent by two live senders); no id arrived
#      that is not in the outbox; every `notify --once` exited 0.
#   Prints `sms-senders-check: 2 servers + notify loop, C complaints, M messages, D delivered once,
#   T delivered twice, N never delivered` (T counts ids that arrived two or more times); exit 1 on
#   any failed check, 2 on setup errors.
#   Progress goes to stderr when it is a terminal.
#
# How to run (normally through the wrapper, which builds first):
#   tools/sms-senders-check [--complaints 60] [--delay-ms 30] [--seed 1] [--wait 60] [--keep]
#   python3 tools/sms_senders_check.py --bin .build/debug/liaison [same options]

import argparse
import os
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import complaints_geo as geo  # noqa: E402
from liaison_http import Server, ServerError, database_with_admin_token, json_of, request  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("product_quality", "service_quality", "price", "contract", "after_sales", "other")
TTY = sys.stderr.isatty()


def die(msg):
    print(f"sms-senders-check: error: {msg}", file=sys.stderr)
    sys.exit(2)


def progress(msg):
    if TTY:
        print(f"sms-senders-check: {msg}", file=sys.stderr, flush=True)


class Receiver:
    """The webhook gateway: 200 after a delay, every arrival recorded."""

    def __init__(self, delay):
        self.lock = threading.Lock()
        self.arrivals = {}     # id -> [monotonic times]
        self.problems = []
        self.last = time.monotonic()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"   # keep-alive, as the gateway's client pools connections

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("Idempotency-Key")
                body = json_of(raw) or {}
                mid = key or body.get("id")
                with receiver.lock:
                    receiver.last = time.monotonic()
                    if not mid or body.get("id") != key:
                        receiver.problems.append(f"webhook POST with Idempotency-Key {key!r} and body id {body.get('id')!r}")
                    if mid:
                        receiver.arrivals.setdefault(mid, []).append(time.monotonic())
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/send"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def quiet_for(self):
        with self.lock:
            return time.monotonic() - self.last

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def notify_loop(binary, db, sms_args, stop, runs, log_path):
    """`liaison notify --once` until told to stop; records (exit code, stderr tail, messages it sent)."""
    with open(log_path, "ab") as log:
        while not stop.is_set():
            p = subprocess.run([str(binary), "notify", "--once", "--db", str(db), *sms_args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            log.write(p.stdout + p.stderr)
            sent = re.match(rb"sent (\d+)", p.stdout)
            runs.append((p.returncode, p.stderr.decode("utf-8", "replace").strip()[-300:], int(sent[1]) if sent else 0))
            stop.wait(0.05)


def make_body(rng, counties, zj, i):
    while True:
        lng, lat = rng.uniform(zj[0], zj[2]), rng.uniform(zj[1], zj[3])
        if any(geo.county_contains(c, lng, lat) for c in counties):
            break
    return {"location": {"lat": lat, "lng": lng, "coordsys": "wgs84"},
            "consumer": {"name": "短信", "phone": f"139{i:08d}"},
            "merchant": {"name": f"商户{rng.randrange(1000)}"},
            "category": rng.choice(CATEGORIES), "description": f"sms-senders-check {i}",
            "preferred_mode": rng.choice(("offline", "video"))}


def outbox(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return dict(con.execute("SELECT id, status FROM sms_outbox"))
    finally:
        con.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description="Two serve processes and a notify --once loop on one file: "
                                             "every text sent, none sent twice.")
    ap.add_argument("--bin", required=True, help="the liaison binary")
    ap.add_argument("--complaints", type=int, default=60)
    ap.add_argument("--delay-ms", type=int, default=30, help="the webhook's time to answer")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the outbox to empty")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (database, logs)")
    a = ap.parse_args(argv)
    if a.complaints < 1 or a.delay_ms < 0 or a.wait <= 0:
        ap.error("--complaints must be >= 1, --delay-ms >= 0, --wait > 0")
    binary = Path(a.bin).resolve()
    if not binary.is_file():
        die(f"binary not found: {a.bin} (swift build --product liaison)")
    os.chdir(REPO_ROOT)   # serve finds ./geodata

    counties = geo.load_counties()
    zj = (min(c.bbox[0] for c in counties), min(c.bbox[1] for c in counties),
          max(c.bbox[2] for c in counties), max(c.bbox[3] for c in counties))
    rng = random.Random(a.seed)
    bodies = [make_body(rng, counties, zj, i) for i in range(a.complaints)]

    work = Path(tempfile.mkdtemp(prefix="sms-senders-check."))
    db = work / "sms.sqlite"
    receiver = Receiver(a.delay_ms / 1000.0)
    sms_args = ["--sms-gateway", "webhook", "--sms-webhook", receiver.url]
    servers = [Server(binary, db, log_path=work / f"serve{k}.log", extra_args=sms_args) for k in (1, 2)]
    stop, runs = threading.Event(), []
    loop = threading.Thread(target=notify_loop, args=(binary, db, sms_args, stop, runs, work / "notify.log"))
    problems = []
    try:
        try:
            token = database_with_admin_token(binary, db, "sms-senders-check")
            urls = [s.start() for s in servers]
        except ServerError as e:
            die(str(e))
        loop.start()
        progress(f"servers at {urls[0]} and {urls[1]}, webhook at {receiver.url}")

        def file_one(i):
            s, _, raw = request("POST", urls[i % 2] + "/v1/complaints", json_body=bodies[i],
                                headers={"Idempotency-Key": f"sms-check-{i}"})
            r = json_of(raw) or {}
            if s != 201:
                return i, None, f"complaint {i}: HTTP {s}: {raw[:300]!r}"
            if i % 3 == 0 and r.get("status") == "assigned":
                s, _, raw = request("POST", f"{urls[(i + 1) % 2]}/v1/complaints/{r['number']}/events",
                                    json_body={"action": "accept"}, headers={"Authorization": f"Bearer {token}"})
                if s != 200:
                    return i, r["number"], f"{r['number']}: staff accept: HTTP {s}: {raw[:300]!r}"
            return i, r.get("number"), None

        try:
            with ThreadPoolExecutor(4) as pool:
                filed = list(pool.map(file_one, range(a.complaints)))
        except OSError as e:
            die(f"a server did not answer: {e}")
        errors = [err for _, _, err in filed if err]
        if errors:
            die(f"{len(errors)} of {a.complaints} complaints or staff steps failed, first: {errors[0]}")
        progress(f"{a.complaints} complaints filed; waiting for the outbox to empty")

        deadline = time.monotonic() + a.wait
        while True:
            rows = outbox(db)
            pending = sum(1 for v in rows.values() if v == "pending")
            if pending == 0 and receiver.quiet_for() >= 1.0:
                break
            if time.monotonic() > deadline:
                problems.append(f"after {a.wait:.0f} s {pending} messages are still pending")
                break
            for k, s in enumerate(servers):
                if s.proc.poll() is not None:
                    die(f"server {k + 1} exited on its own (code {s.proc.returncode}); see its log (--keep)")
            progress(f"{len(rows)} messages, {pending} pending, {len(receiver.arrivals)} ids received")
            time.sleep(0.5)
    finally:
        stop.set()
        if loop.is_alive():
            loop.join()
        for s in servers:
            s.stop()
        receiver.close()

    try:
        rows = outbox(db)
    finally:
        if a.keep:
            print(f"sms-senders-check: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    arrivals = receiver.arrivals
    once = [i for i in rows if len(arrivals.get(i, [])) == 1]
    twice = sorted(i for i in rows if len(arrivals.get(i, [])) > 1)
    never = sorted(i for i in rows if i not in arrivals)
    not_sent = sorted(i for i, st in rows.items() if st != "sent")
    strangers = sorted(set(arrivals) - set(rows))
    for i in twice[:10]:
        t = arrivals[i]
        problems.append(f"{i}: delivered {len(t)} times, {1000 * (t[-1] - t[0]):.0f} ms apart")
    if len(twice) > 10:
        problems.append(f"... and {len(twice) - 10} more ids delivered more than once")
    if never:
        problems.append(f"{len(never)} ids never delivered: {never[:5]}")
    if not_sent:
        problems.append(f"{len(not_sent)} outbox rows not 'sent': {[(i, rows[i]) for i in not_sent[:5]]}")
    if strangers:
        problems.append(f"{len(strangers)} ids delivered that are not in sms_outbox: {strangers[:5]}")
    problems += receiver.problems[:5]
    failed_runs = [r for r in runs if r[0] != 0]
    if failed_runs:
        problems.append(f"{len(failed_runs)} of {len(runs)} `notify --once` runs failed, "
                        f"first: exit {failed_runs[0][0]}: {failed_runs[0][1]!r}")
    for p in problems:
        print(f"--- {p}")
    progress(f"{len(runs)} runs of notify --once sent {sum(r[2] for r in runs)} messages")
    print(f"sms-senders-check: 2 servers + notify loop, {a.complaints} complaints, "
          f"{len(rows)} messages, {len(once)} delivered once, {len(twice)} delivered twice, "
          f"{len(never)} never delivered")
    return 1 if problems or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
