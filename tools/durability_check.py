#!/usr/bin/env python3
# durability_check.py -- proves from a syscall trace that `liaison serve` has fsynced every write
# to disk before it answers 2xx (issue #11: an acknowledged write must survive a power cut, not
# only a crash of the process).
#
# What it does
#   1. Creates a fresh database in a temp dir (`liaison tokens create`, which also gives the admin
#      token the station writes need).
#   2. Starts `liaison serve` under `strace -f -ttt -T -y`, tracing the writes, the syncs and the
#      socket sends of every thread, with each write's data up to one database page.
#   3. Sends write requests one at a time, no reads: --complaints POST /v1/complaints (a phone each,
#      for the rate limit), --stations POST /v1/stations, then a PATCH of the first new station and
#      the retire of the last one. Each must answer 2xx. Each request carries a marker of its own
#      (the complaint's description, the station's phone) that lands in the pages it writes.
#   4. Stops the server (SIGTERM) and reads the trace. WAL frames are grouped into transactions
#      (a transaction ends with the frame whose header holds the commit size). Each response
#      starting `HTTP/1.1 2` acknowledges the request sent just before it; its transactions are
#      the ones begun after the request was sent whose pages hold its marker (not the SMS worker's
#      claims and sends, which commit around the same time). Each must have written its commit
#      frame, and an fsync/fdatasync of the -wal file must have started after that and ended
#      before the response was written. No such transaction at all is a failure too, and the
#      number of acknowledgements must equal the number of requests.
#   Prints `durability-check: N acknowledged writes, S synced before their answer, U answered
#   before their sync (WAL syncs: X)`; exit 1 on any unsynced or missing write or non-2xx answer,
#   2 on setup errors (no strace, no binary, the server did not start).
#
# How to run (normally through the wrapper, which builds first; tools/setup installs strace):
#   tools/durability-check [--complaints 30] [--stations 10] [--keep]
#   python3 tools/durability_check.py --bin .build/debug/liaison [same options]

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import complaints_geo as geo  # noqa: E402
from liaison_http import ServerError, database_with_admin_token, json_of, request  # noqa: E402

TRACED = "pwrite64,write,writev,sendmsg,sendto,fsync,fdatasync"
SYNCS = ("fsync", "fdatasync")
SENDS = ("write", "writev", "sendmsg", "sendto")
FRAME_HEADER = 24   # bytes; SQLite writes each WAL frame as this header, then the page
CATEGORIES = ("product_quality", "service_quality", "price", "contract", "after_sales", "other")


def die(msg):
    print(f"durability-check: error: {msg}", file=sys.stderr)
    sys.exit(2)


# --------------------------------------------------------------------------
# The trace
# --------------------------------------------------------------------------
@dataclass
class Call:
    tid: int
    name: str
    start: float   # entry, seconds since the epoch (the clock of time.time())
    end: float     # exit
    fd_path: str   # what -y prints between < and >: a file path, or socket:[...]
    args: str
    ok: bool       # returned without an error


@dataclass
class Transaction:
    writes: list = field(default_factory=list)   # the pwrite64 Calls of its frames
    committed: bool = False                      # its commit frame was written

    @property
    def start(self):
        return self.writes[0].start

    @property
    def commit_end(self):
        return self.writes[-1].end if self.committed else None

    def holds(self, marker):
        return any(marker in w.args for w in self.writes)


# "1234 1712345678.123456 rest"; rest is `name(args) = ret <dur>`, `name(args <unfinished ...>`
# or `<... name resumed>args) = ret <dur>`; signals and exits (--- / +++) are skipped.
LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")
UNFINISHED = re.compile(r"^(\w+)\((.*) <unfinished \.\.\.>$")
RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
CALL = re.compile(r"^(\w+)\((.*)$")
RESULT = re.compile(r"\)\s+=\s+(-?\d+|\?)(.*?)(?:<(\d+\.\d+)>)?$")
FD = re.compile(r"^\d+<((?:[^>]|->)*)>")   # socket paths may hold "->", as in TCP:[a:1->b:2]
PWRITE = re.compile(r'^\d+<(?:[^>]|->)*>, "((?:[^"\\]|\\.)*)"(?:\.\.\.)?, (\d+), (\d+)$')
ESCAPE = re.compile(r'\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)')
NAMED = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12}


def unescape(s):
    """The bytes of a string as strace prints it ("\\0\\0\\3\\326", "\\x00", "\\n", "\\\"")."""
    out, i = bytearray(), 0
    for m in ESCAPE.finditer(s):
        out += s[i:m.start()].encode("latin-1")
        e = m.group(1)
        out.append(int(e[1:], 16) if e[0] == "x" and len(e) == 3 else
                   int(e, 8) if e[0] in "01234567" else NAMED.get(e, ord(e)))
        i = m.end()
    return bytes(out + s[i:].encode("latin-1"))


def parse_trace(path):
    """Every completed traced call, in order of entry."""
    calls, pending = [], {}
    for line in Path(path).read_text(encoding="latin-1").splitlines():
        m = LINE.match(line)
        if not m:
            continue
        tid, ts, rest = int(m.group(1)), float(m.group(2)), m.group(3)
        if (u := UNFINISHED.match(rest)):
            pending[tid] = (u.group(1), ts, u.group(2))
            continue
        if (r := RESUMED.match(rest)):
            if tid not in pending:
                continue
            name, start, head = pending.pop(tid)
            text, resumed_at = head + r.group(2), ts
        elif (c := CALL.match(rest)):
            name, start, text, resumed_at = c.group(1), ts, c.group(2), ts
        else:
            continue
        res = RESULT.search(text)
        if not res:
            continue   # killed inside the call: it never returned
        duration = float(res.group(3)) if res.group(3) else 0.0
        fd = FD.match(text)
        calls.append(Call(tid, name, start, max(start + duration, resumed_at), fd.group(1) if fd else "",
                          text[:res.start()], not res.group(1).startswith("-")))
    calls.sort(key=lambda c: c.start)
    return calls


def wal_transactions(calls, wal):
    """The WAL's pwrite64s grouped into transactions. Writers hold SQLite's write lock, so the
    frames of two transactions never interleave; a transaction ends with the page after the
    frame header whose bytes 4-7 (the database size after the commit) are not 0."""
    txns, current, commit_next = [], Transaction(), False
    for c in calls:
        if c.name != "pwrite64" or c.fd_path != wal or not (m := PWRITE.match(c.args)):
            continue
        current.writes.append(c)
        size = int(m.group(2))
        if commit_next and size != FRAME_HEADER:
            current.committed = True
            txns.append(current)
            current, commit_next = Transaction(), False
        elif size == FRAME_HEADER:
            commit_next = unescape(m.group(1))[4:8] != b"\0\0\0\0"
    if current.writes:
        txns.append(current)   # cut off: never committed
    return txns


def http_status(call):
    """The status of the HTTP response this send begins, else None."""
    if call.name not in SENDS or not call.fd_path.startswith(("TCP", "socket:")):
        return None
    m = re.match(r'[^"]*"HTTP/1\.1 (\d{3}) ', call.args)   # the first data of the call
    return int(m.group(1)) if m else None


def check(calls, sent, wal):
    """Per acknowledgement: were its transactions synced before the answer? (report, problems)"""
    answers = [(c, s) for c in calls if (s := http_status(c)) is not None]
    txns = wal_transactions(calls, wal)
    syncs = [c for c in calls if c.name in SYNCS and c.fd_path == wal and c.ok]
    report = {"acks": 0, "synced": 0, "unsynced": 0, "no_wal_write": 0, "wal_syncs": len(syncs)}
    if len(answers) != len(sent):
        return report, [f"{len(sent)} requests sent but {len(answers)} HTTP responses in the trace: "
                        f"cannot pair them (was the trace cut short?)"]
    problems = []
    for (answer, status), (label, marker, sent_at) in zip(answers, sent):
        if not 200 <= status < 300:
            problems.append(f"{label}: answered {status}")
            continue
        report["acks"] += 1
        mine = [t for t in txns if sent_at < t.start < answer.start and t.holds(marker)]
        if not mine:
            report["no_wal_write"] += 1
            problems.append(f"{label}: answered {status} with none of its data ({marker!r}) written to the WAL")
            continue
        late = []
        for t in mine:
            if t.commit_end is None or t.commit_end >= answer.start:
                late.append(f"its commit frame was not written before the answer at {answer.start:.6f}")
            elif not any(s.start > t.commit_end and s.end < answer.start for s in syncs):
                after = [s for s in syncs if s.start > t.commit_end]
                late.append(f"it committed at {t.commit_end:.6f} (thread {t.writes[-1].tid}), answered at "
                            f"{answer.start:.6f} (thread {answer.tid}), " +
                            (f"WAL synced from {after[0].start:.6f} to {after[0].end:.6f}" if after else "WAL never synced after"))
        if late:
            report["unsynced"] += 1
            problems.append(f"{label}: answered {status} before its WAL sync: " + "; ".join(late))
        else:
            report["synced"] += 1
    return report, problems


# --------------------------------------------------------------------------
# The server under strace, and the writes
# --------------------------------------------------------------------------
def start_traced(binary, db, trace, log_path, page_size, timeout=120.0):
    """strace running `liaison serve --port 0`; returns (strace process, url)."""
    err = open(log_path, "ab")
    proc = subprocess.Popen(["strace", "-f", "-ttt", "-T", "-y", "-s", str(page_size), "-e", f"trace={TRACED}",
                             "-o", str(trace), str(binary), "serve", "--db", str(db), "--port", "0", "--anonymous-intake", "--client-intake-burst", "1000000", "--reads-per-minute", "1000000", 
                             "--log-level", "warning", "--overdue-interval", "3600"],
                            stdout=subprocess.PIPE, stderr=err, start_new_session=True)
    err.close()
    box = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    line = box[0].decode("utf-8", "replace").strip() if box else ""
    if not line.startswith("listening on "):
        stop_traced(proc)
        die(f"liaison serve under strace did not print its listening line within {timeout:.0f} s "
            f"(first line {line!r}; see {log_path})")
    threading.Thread(target=proc.stdout.read, daemon=True).start()   # never block the server on a full pipe
    return proc, line[len("listening on "):].rstrip("/")


def stop_traced(proc, timeout=30.0):
    """SIGTERM to liaison (strace's child); strace exits with it. SIGKILL to both if that takes too long."""
    try:
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    except OSError:
        children = []
    for pid in children:
        os.kill(int(pid), signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def complaint(rng, counties, zj, i):
    while True:
        lng, lat = rng.uniform(zj[0], zj[2]), rng.uniform(zj[1], zj[3])
        if any(geo.county_contains(c, lng, lat) for c in counties):
            break
    marker = f"durability-check [c{i:04d}]"   # the description: stored as given, in the complaint's row
    body = {"location": {"lat": lat, "lng": lng, "coordsys": "wgs84"},
            "consumer": {"name": "落盘", "phone": f"139{i:08d}"},   # a phone each: 5 complaints an hour per phone
            "merchant": {"name": f"商户{i}"}, "category": CATEGORIES[i % len(CATEGORIES)],
            "description": marker, "preferred_mode": "offline"}
    return body, marker


def station(i):
    # near West Lake (西湖区), 330 m apart; allow_nearby in case one lands by a register station.
    # The phone is the marker: in the station's row and its history, whatever changes.
    marker = f"0571-8{i:07d}"
    body = {"name": f"落盘{i}村消费维权联络站", "location": {"lat": 30.2200 + 0.003 * i, "lng": 120.0800, "coordsys": "wgs84"},
            "address": {"town": "转塘街道", "village": f"落盘{i}村"}, "phone": marker,
            "hours": {"mon": ["08:30-11:30"], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []},
            "modes": ["offline"], "capacity": 10, "staff": [{"name": "王测试", "role": "站长", "mobile": f"+86 199 9999 {i:04d}"}],
            "allow_nearby": True}
    return body, marker


def send_writes(url, token, n_complaints, n_stations, progress):
    """The requests, one at a time. Returns ([(label, marker, time sent)], [problems])."""
    counties = geo.load_counties()
    zj = (min(c.bbox[0] for c in counties), min(c.bbox[1] for c in counties),
          max(c.bbox[2] for c in counties), max(c.bbox[3] for c in counties))
    rng = random.Random(11)
    admin = {"Authorization": f"Bearer {token}"}
    writes = [(f"complaint {i}", "POST", "/v1/complaints", *complaint(rng, counties, zj, i),
               {"Idempotency-Key": f"durability-{i}"}) for i in range(n_complaints)]
    writes += [(f"station {i}", "POST", "/v1/stations", *station(i), admin) for i in range(n_stations)]
    sent, problems, new_ids = [], [], []
    while writes:
        label, method, path, body, marker, headers = writes.pop(0)
        sent.append((label, marker, time.time()))
        try:
            status, _, raw = request(method, url + path, json_body=body, headers=headers)
        except OSError as e:
            problems.append(f"{label}: {method} {path}: no answer: {e}")
            continue
        if not 200 <= status < 300:
            problems.append(f"{label}: {method} {path}: HTTP {status}: {raw[:300]!r}")
        elif path == "/v1/stations":
            new_ids.append(((json_of(raw) or {}).get("id"), marker))
            if len(new_ids) == n_stations and all(i for i, _ in new_ids):   # all created: change two of them
                (first, first_marker), (last, last_marker) = new_ids[0], new_ids[-1]
                writes.append((f"patch {first}", "PATCH", f"/v1/stations/{first}", {"capacity": 20}, first_marker, admin))
                writes.append((f"retire {last}", "POST", f"/v1/stations/{last}/retire", {"reason": "durability-check"},
                               last_marker, admin))
        if progress:
            print(f"\rdurability-check: {len(sent)} writes sent", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return sent, problems


def main(argv=None):
    ap = argparse.ArgumentParser(description="Trace `liaison serve` and prove every acknowledged write was fsynced "
                                             "before its answer was sent.")
    ap.add_argument("--bin", required=True, help="the liaison binary")
    ap.add_argument("--complaints", type=int, default=30, help="POST /v1/complaints to send")
    ap.add_argument("--stations", type=int, default=10, help="POST /v1/stations to send (then a PATCH and a retire)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (database, trace, server log)")
    a = ap.parse_args(argv)
    if a.complaints < 0 or a.stations < 0 or a.complaints + a.stations == 0:
        ap.error("--complaints and --stations must be >= 0, and not both 0")
    binary = Path(a.bin).resolve()
    if not binary.is_file():
        die(f"binary not found: {a.bin} (swift build --product liaison)")
    if not shutil.which("strace"):
        die("strace not found (tools/setup installs it)")

    work = Path(tempfile.mkdtemp(prefix="durability."))
    db, trace, log = work / "liaison.sqlite", work / "strace.txt", work / "serve.log"
    try:
        try:
            token = database_with_admin_token(binary, db, "durability")
        except ServerError as e:
            die(str(e))
        page_size = int.from_bytes(db.read_bytes()[16:18], "big")   # the database header's page size (1: 65536)
        proc, url = start_traced(binary, db, trace, log, 65536 if page_size == 1 else page_size)
        try:
            sent, problems = send_writes(url, token, a.complaints, a.stations, sys.stderr.isatty())
        finally:
            stop_traced(proc)
        if proc.returncode != 0:
            problems.append(f"strace (and liaison serve) exited with {proc.returncode}; see {log}")

        report, found = check(parse_trace(trace), sent, f"{db}-wal")
        problems += found
        if report["acks"] != len(sent):
            problems.append(f"{len(sent)} writes sent, {report['acks']} acknowledged")
        for p in problems[:20]:
            print(f"durability-check: FAIL: {p}", file=sys.stderr)
        if len(problems) > 20:
            print(f"durability-check: FAIL: ... and {len(problems) - 20} more", file=sys.stderr)
        missing = f", {report['no_wal_write']} with no WAL write" if report["no_wal_write"] else ""
        print(f"durability-check: {report['acks']} acknowledged writes, {report['synced']} synced before their answer, "
              f"{report['unsynced']} answered before their sync{missing} (WAL syncs: {report['wal_syncs']})")
        return 1 if problems else 0
    finally:
        if a.keep:
            print(f"durability-check: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
