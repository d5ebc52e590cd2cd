#!/usr/bin/env python3
# refresh_bound.py -- how long a change made through one `liaison serve` takes to show in another
# serving the same database file (the register poll, `serve --register-poll`, 0.2 s by default).
#
# What it does
#   Creates a database and an admin token, starts two servers A and B on that file, and --changes
#   times PATCHes one station's capacity through A. For each, it measures from A's 200 answer to
#   the first GET /v1/stations/{id} on B (polled every 2 ms) whose ETag equals the ETag A answered
#   with. Prints min, median, 95th percentile and max, in ms; exit 1 if a change never shows within
#   10 s, 2 on setup errors.
#
# How to run
#   tools/refresh-bound [--changes 50] [--poll 0.2]
#   python3 tools/refresh_bound.py --bin .build/debug/liaison [same options]

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from liaison_http import Server, ServerError, database_with_admin_token, request  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description="How long a change through one server takes to show in another.")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--changes", type=int, default=50)
    ap.add_argument("--poll", type=float, default=0.2, help="B's --register-poll, seconds")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="refresh-bound."))
    servers = []
    try:
        db = work / "liaison.sqlite"
        auth = {"Authorization": "Bearer " + database_with_admin_token(args.bin, db, "bound")}
        a = Server(args.bin, db, log_path=work / "a.log")
        b = Server(args.bin, db, log_path=work / "b.log", extra_args=["--register-poll", str(args.poll)])
        servers = [a, b]
        for s in servers:
            s.start()
        station = "330106-0001"
        delays = []
        for i in range(args.changes):
            time.sleep(random.uniform(0, args.poll))   # land anywhere in B's poll cycle
            status, headers, body = request("PATCH", f"{a.url}/v1/stations/{station}", json_body={"capacity": 100 + i % 2},
                                            headers=auth)
            answered = time.monotonic()
            if status != 200 or "etag" not in headers:
                print(f"refresh-bound: error: PATCH through A answered {status}: {body[:200]!r}", file=sys.stderr)
                return 2
            while True:
                _, seen, _ = request("GET", f"{b.url}/v1/stations/{station}")
                if seen.get("etag") == headers["etag"]:
                    delays.append((time.monotonic() - answered) * 1000)
                    break
                if time.monotonic() - answered > 10:
                    print(f"refresh-bound: FAIL: change {i} not seen by B within 10 s", file=sys.stderr)
                    return 1
                time.sleep(0.002)
            if sys.stderr.isatty():
                print(f"\rrefresh-bound: {i + 1}/{args.changes}", end="", file=sys.stderr)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        delays.sort()
        p95 = delays[min(len(delays) - 1, int(len(delays) * 0.95))]
        print(f"refresh-bound: {len(delays)} changes through A seen by B (--register-poll {args.poll}) after "
              f"min {delays[0]:.1f} ms, median {statistics.median(delays):.1f} ms, p95 {p95:.1f} ms, max {delays[-1]:.1f} ms")
        return 0
    except ServerError as e:
        print(f"refresh-bound: error: {e}", file=sys.stderr)
        return 2
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
