#!/usr/bin/env python3
# make_calendar.py -- writes geodata/working-calendar.json, the working-day calendar
# that service-level deadlines count in (Sources/LiaisonCore/WorkingCalendar.swift).
#
# What it does
#   Takes the State Council's yearly holiday schedule (国务院办公厅 节假日安排) from the
#   PyPI package chinese-calendar 1.11.0 and writes, for every year from --first-year
#   to --last-year, only the exceptions to "Mon-Fri work, Sat-Sun rest":
#     holidays               Mon-Fri dates that are days off (statutory holidays and
#                            the weekdays given off in exchange for 调休 weekends)
#     adjusted_working_days  Sat/Sun dates that are working days (调休), each named
#                            after the holiday it makes up for
#   Weekend days inside a holiday period are not listed: they are rest days anyway.
#   Before writing, every day of the range is cross-checked against the PyPI package
#   holidays 0.108 (holidays.China().is_working_day), an independently maintained
#   copy of the same notices; any disagreement stops the script.
#   The range must be whole years the source carries: the script refuses a year
#   without a published schedule instead of guessing one (chinese-calendar 1.11.0
#   ends with 2026; the 2027 schedule was not in it).
#   Output is deterministic: sorted, one entry per line, byte for byte the same on
#   every run with the pinned packages (the script refuses other versions).
#
# How to run
#   pip install -r tools/requirements.txt
#   python3 tools/make_calendar.py            # (re)write geodata/working-calendar.json
#   python3 tools/make_calendar.py --check    # exit 1 if the file on disk differs
#   python3 tools/make_calendar.py --last-year 2027   # once a release carries 2027

import argparse
import datetime
import importlib.metadata
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT = REPO_ROOT / "geodata" / "working-calendar.json"

PINNED = {"chinese-calendar": "1.11.0", "holidays": "0.108"}
FIRST_YEAR = 2025
LAST_YEAR = 2026


def die(msg):
    print(f"make_calendar: error: {msg}", file=sys.stderr)
    sys.exit(2)


for _pkg, _ver in PINNED.items():
    try:
        _have = importlib.metadata.version(_pkg)
    except importlib.metadata.PackageNotFoundError:
        die(f"{_pkg} is not installed: pip install -r tools/requirements.txt")
    if _have != _ver:
        die(f"{_pkg} {_have} is installed, the calendar is pinned to {_ver}: pip install -r tools/requirements.txt")

import chinese_calendar  # noqa: E402
import holidays  # noqa: E402


def days(first, last):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def source_covers(year):
    """True when chinese-calendar has the schedule for every day of `year`."""
    try:
        chinese_calendar.is_workday(datetime.date(year, 1, 1))
        chinese_calendar.is_workday(datetime.date(year, 12, 31))
    except NotImplementedError:
        return False
    return True


def build(first_year, last_year):
    for year in range(first_year, last_year + 1):
        if not source_covers(year):
            die(f"chinese-calendar {PINNED['chinese-calendar']} has no holiday schedule for {year}; "
                "the calendar must not guess one (use a release that carries it)")
    first = datetime.date(first_year, 1, 1)
    last = datetime.date(last_year, 12, 31)

    cross = holidays.China(years=range(first_year, last_year + 1))
    off, on = [], []
    for day in days(first, last):
        working = chinese_calendar.is_workday(day)
        if working != cross.is_working_day(day):
            die(f"{day}: chinese-calendar says {'working' if working else 'rest'} day, "
                f"holidays {PINNED['holidays']} says otherwise; check the State Council notice for {day.year}")
        weekend = day.weekday() >= 5
        if weekend and working:
            name = chinese_calendar.get_holiday_detail(day)[1]
            if not name:
                die(f"{day}: a working weekend day without the holiday it makes up for")
            on.append({"date": day.isoformat(), "name": name})
        elif not weekend and not working:
            name = chinese_calendar.get_holiday_detail(day)[1]
            if not name:
                die(f"{day}: a weekday off without a holiday name")
            off.append({"date": day.isoformat(), "name": name})
    if not off:
        die("no holidays found: the source looks empty")
    return first, last, off, on


def render(first, last, off, on):
    def entries(items):
        return ",\n".join("    " + json.dumps(e, ensure_ascii=False) for e in items)

    source = f"chinese-calendar {PINNED['chinese-calendar']}, cross-checked with holidays {PINNED['holidays']}"
    return (
        "{\n"
        f'  "source": {json.dumps(source)},\n'
        '  "time_zone": "Asia/Shanghai",\n'
        f'  "first_day": "{first.isoformat()}",\n'
        f'  "last_day": "{last.isoformat()}",\n'
        '  "holidays": [\n'
        f"{entries(off)}\n"
        "  ],\n"
        '  "adjusted_working_days": [\n'
        f"{entries(on)}\n"
        "  ]\n"
        "}\n"
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write geodata/working-calendar.json from chinese-calendar.")
    ap.add_argument("--first-year", type=int, default=FIRST_YEAR)
    ap.add_argument("--last-year", type=int, default=LAST_YEAR)
    ap.add_argument("--check", action="store_true", help="exit 1 if the file on disk differs from what would be written")
    a = ap.parse_args(argv)
    if a.first_year > a.last_year:
        die(f"--first-year {a.first_year} is after --last-year {a.last_year}")

    text = render(*build(a.first_year, a.last_year))
    json.loads(text)  # the hand-rendered layout must still be JSON
    if a.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"make_calendar: {OUT.relative_to(REPO_ROOT)} differs from the generated calendar", file=sys.stderr)
            return 1
        print(f"make_calendar: {OUT.relative_to(REPO_ROOT)} is up to date")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"make_calendar: wrote {OUT.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
