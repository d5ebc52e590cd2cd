#!/usr/bin/env python3
# make_deadline_vectors.py -- oracle vectors for the Swift ServiceClock tests.
#
# What it does
#   Writes Tests/Fixtures/deadline-vectors.json, read by
#   Tests/LiaisonCoreTests/ServiceClockTests.swift: for seeded random instants across
#   every year chinese-calendar covers from 2025 on, the acceptance (7 working days)
#   and mediation (45 working days) deadlines, computed here independently of the
#   Swift code and of geodata/working-calendar.json:
#     - the local day comes from zoneinfo's Asia/Shanghai (the system tz database),
#       not from a fixed UTC+8 offset;
#     - working days come from chinese_calendar.is_workday directly;
#     - the deadline is the end of the Nth working day after the local day (the start
#       day not counted), written as 00:00 Asia/Shanghai of the following day.
#   When chinese-calendar has no data for a day the count needs, the deadline is null
#   and the Swift calendar must throw out-of-range for "first_uncovered_day".
#   A quarter of the instants are put on the edges of a Shanghai day (00:00:00 and
#   23:59:59 local), where an off-by-one time-zone mistake shows.
#   Deterministic: fixed seed, one vector per line; the script refuses other versions
#   of the pinned package.
#
# How to run
#   pip install -r tools/requirements.txt
#   python3 tools/make_deadline_vectors.py           # (re)write the fixture
#   python3 tools/make_deadline_vectors.py --check   # exit 1 if the file on disk differs

import argparse
import datetime
import importlib.metadata
import json
import random
import sys
import zoneinfo
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Outside the test target's folder: SwiftPM warns about undeclared files inside it, and the
# tests read this file by path (#filePath), so Package.swift needs no resources entry.
OUT = REPO_ROOT / "Tests" / "Fixtures" / "deadline-vectors.json"

PINNED = {"chinese-calendar": "1.11.0"}
SEED = 20200101  # SAMR Order No. 20 took effect on 2020-01-01
COUNT = 400
FIRST_YEAR = 2025
WORKING_DAYS = (7, 45)


def die(msg):
    print(f"make_deadline_vectors: error: {msg}", file=sys.stderr)
    sys.exit(2)


for _pkg, _ver in PINNED.items():
    try:
        _have = importlib.metadata.version(_pkg)
    except importlib.metadata.PackageNotFoundError:
        die(f"{_pkg} is not installed: pip install -r tools/requirements.txt")
    if _have != _ver:
        die(f"{_pkg} {_have} is installed, the vectors are pinned to {_ver}: pip install -r tools/requirements.txt")

import chinese_calendar  # noqa: E402

try:
    SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
except zoneinfo.ZoneInfoNotFoundError:
    die("no time zone data for Asia/Shanghai: install Debian's tzdata or PyPI's tzdata")
UTC = datetime.timezone.utc
ONE_DAY = datetime.timedelta(days=1)


def covered(day):
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def last_covered_year():
    year = FIRST_YEAR
    if not covered(datetime.date(year, 12, 31)):
        die(f"chinese-calendar has no data for {year}")
    while covered(datetime.date(year + 1, 12, 31)):
        year += 1
    return year


def deadline(local_day, count):
    """End of the count-th working day after local_day, or None when the source runs out."""
    day = local_day
    while count > 0:
        day += ONE_DAY
        if not covered(day):
            return None
        if chinese_calendar.is_workday(day):
            count -= 1
    end = datetime.datetime.combine(day + ONE_DAY, datetime.time(0, 0), SHANGHAI)
    return end.isoformat()  # 2026-10-16T00:00:00+08:00


def instants(rng, first, last):
    start = datetime.datetime.combine(first, datetime.time(0, 0), SHANGHAI).timestamp()
    end = datetime.datetime.combine(last + ONE_DAY, datetime.time(0, 0), SHANGHAI).timestamp()
    result = []
    for i in range(COUNT):
        t = rng.randrange(int(start), int(end))
        if i % 4 == 3:
            local = datetime.datetime.fromtimestamp(t, SHANGHAI)
            edge = datetime.time(0, 0, 0) if rng.random() < 0.5 else datetime.time(23, 59, 59)
            t = int(datetime.datetime.combine(local.date(), edge, SHANGHAI).timestamp())
        result.append(t)
    return sorted(result)


def build():
    last_year = last_covered_year()
    first = datetime.date(FIRST_YEAR, 1, 1)
    last = datetime.date(last_year, 12, 31)
    rng = random.Random(SEED)
    vectors = []
    for t in instants(rng, first, last):
        utc = datetime.datetime.fromtimestamp(t, UTC)
        local = utc.astimezone(SHANGHAI)
        if local.utcoffset() != datetime.timedelta(hours=8):
            die(f"{utc}: Asia/Shanghai is not UTC+8 there; the Swift fixed offset would be wrong")
        local_day = local.date()
        vectors.append({
            "start": utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "local_day": local_day.isoformat(),
            **{f"after_{n}": deadline(local_day, n) for n in WORKING_DAYS},
        })
    if not any(v[f"after_{WORKING_DAYS[-1]}"] is None for v in vectors):
        die("no vector runs past the end of the source: the out-of-range case is not exercised")
    return first, last, vectors


def render(first, last, vectors):
    lines = ",\n".join("    " + json.dumps(v) for v in vectors)
    source = (f"chinese-calendar {PINNED['chinese-calendar']} via chinese_calendar.is_workday, "
              f"zoneinfo Asia/Shanghai; tools/make_deadline_vectors.py seed {SEED}")
    return (
        "{\n"
        f'  "source": {json.dumps(source)},\n'
        f'  "first_day": "{first.isoformat()}",\n'
        f'  "last_day": "{last.isoformat()}",\n'
        f'  "first_uncovered_day": "{(last + ONE_DAY).isoformat()}",\n'
        f'  "working_days": {json.dumps(list(WORKING_DAYS))},\n'
        '  "vectors": [\n'
        f"{lines}\n"
        "  ]\n"
        "}\n"
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write the ServiceClock oracle vectors.")
    ap.add_argument("--check", action="store_true", help="exit 1 if the file on disk differs from what would be written")
    a = ap.parse_args(argv)
    text = render(*build())
    json.loads(text)
    rel = OUT.relative_to(REPO_ROOT)
    if a.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"make_deadline_vectors: {rel} differs from the generated vectors", file=sys.stderr)
            return 1
        print(f"make_deadline_vectors: {rel} is up to date")
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"make_deadline_vectors: wrote {rel} ({len(vectors_of(text))} vectors)")
    return 0


def vectors_of(text):
    return json.loads(text)["vectors"]


if __name__ == "__main__":
    sys.exit(main())
