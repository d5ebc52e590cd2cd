#!/usr/bin/env python3
# make_statutory_holidays.py -- writes geodata/statutory-holidays.json, the law layer of the
# working calendar: the statutory holidays of every year 2025-2100 as fixed by
# 全国年节及纪念日放假办法 (as revised by the State Council in 2024, in force 2025-01-01):
#   new_year         元旦     Jan 1
#   spring_festival  春节     除夕 (the day before 正月初一) and 正月初一, 初二, 初三
#   qingming         清明节   the day (UTC+8) the sun reaches apparent longitude 15° (清明)
#   labour_day       劳动节   May 1, May 2
#   dragon_boat      端午节   五月初五
#   mid_autumn       中秋节   八月十五
#   national_day     国庆节   Oct 1, 2, 3
# 13 entries a year. Mid-Autumn can fall on Oct 1-3: the date is then listed twice, once
# per holiday. The law's other rules (补假 for a holiday on a weekend, 调休) are the yearly
# State Council notice's business and are not in this file.
#
# Source
#   sxtwl 2.0.7 (寿星天文历, 许剑伟's astronomical calendar algorithm; BSD): lunar dates
#   (sxtwl.fromLunar, leap months excluded) and the 清明 instant (sxtwl.getJieQiByYear, in
#   Beijing time), for any year.
# Checks, run on every invocation; any failure stops the script before it writes:
#   (a) every statutory day of 2025 and 2026 is a holiday in the State Council notices
#       (chinese-calendar 1.11.0, chinese_calendar.is_holiday); holiday names compared too.
#   (b) 正月初一, 五月初五, 八月十五 and 清明 of 2025-2100 equal an independent astronomical
#       computation: PyEphem 4.2.1 (libastro: VSOP87 sun, its own moon theory and ΔT)
#       new moons and solar terms, with the month rules of GB/T 33661-2017 《农历的编算和颁行》
#       (a month starts on the UTC+8 day of the new moon; the month holding the winter
#       solstice is the 11th; in a 13-month year the first month without a 中气 is leap).
#   (c) the lunar dates equal the festival tables of holidays 0.108 (_ChineseLunisolar),
#       and 清明 equals the Hong Kong Observatory solar-term table carried by cnlunar 0.2.5.
#   (d) sxtwl round trip: each date converts back to its lunar day, 除夕 is the 29th or 30th
#       of the 12th month.
#   (e) close calls: the deciding event (new moon, solar term) of every date is timed with
#       PyEphem; those within CLOSE_MINUTES of midnight UTC+8 are printed and listed in
#       the file (decades ahead, ΔT and theory are uncertain by minutes). The whole ephem
#       computation is rerun with every event shifted by ±CLOSE_MINUTES: any date that
#       moves must be a listed close call.
#   Output is deterministic: sorted, one year per line, byte for byte the same on every
#   run with the pinned packages (the script refuses other versions).
#
# How to run
#   pip install -r tools/requirements-calendar.txt
#   python3 tools/make_statutory_holidays.py          # checks, then (re)writes the file
#   python3 tools/make_statutory_holidays.py --check  # checks; exit 1 if the file differs

import argparse
import datetime
import importlib.metadata
import json
import math
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT = REPO_ROOT / "geodata" / "statutory-holidays.json"

PINNED = {"sxtwl": "2.0.7", "ephem": "4.2.1", "cnlunar": "0.2.5",
          "chinese-calendar": "1.11.0", "holidays": "0.108"}
FIRST_YEAR = 2025
LAST_YEAR = 2100
NOTICE_YEARS = (2025, 2026)   # years whose State Council notice chinese-calendar 1.11.0 carries
CLOSE_MINUTES = 10

LAW = "全国年节及纪念日放假办法 (revised by State Council Decree No. 795, 2024; in force 2025-01-01)"
NAMES = {  # key -> Chinese name, in calendar order
    "new_year": "元旦", "spring_festival": "春节", "qingming": "清明节", "labour_day": "劳动节",
    "dragon_boat": "端午节", "mid_autumn": "中秋节", "national_day": "国庆节",
}
LUNAR = {"spring_festival": (1, 1), "dragon_boat": (5, 5), "mid_autumn": (8, 15)}


def die(msg):
    print(f"make_statutory_holidays: error: {msg}", file=sys.stderr)
    sys.exit(2)


for _pkg, _ver in PINNED.items():
    try:
        _have = importlib.metadata.version(_pkg)
    except importlib.metadata.PackageNotFoundError:
        die(f"{_pkg} is not installed: pip install -r tools/requirements-calendar.txt")
    if _have != _ver:
        die(f"{_pkg} {_have} is installed, the law layer is pinned to {_ver}: "
            "pip install -r tools/requirements-calendar.txt")

import chinese_calendar  # noqa: E402
import cnlunar.solar24  # noqa: E402
import ephem  # noqa: E402
import sxtwl  # noqa: E402
from holidays.calendars.chinese import CHINESE_CALENDAR, _ChineseLunisolar  # noqa: E402

DAY = datetime.timedelta(days=1)
CST = 8 * ephem.hour          # UTC+8 as a fraction of a day (ephem dates are days, UT)
QINGMING_SXTWL = 7            # sxtwl's solar-term index: 0 冬至, 6 春分, 7 清明
QINGMING_HKO = 6              # cnlunar's index: 0 小寒, 5 春分, 6 清明


# ---------------------------------------------------------------- source: sxtwl

def sx_solar(day):
    return datetime.date(day.getSolarYear(), day.getSolarMonth(), day.getSolarDay())


def sx_lunar_date(year, month, mday):
    return sx_solar(sxtwl.fromLunar(year, month, mday, False))


def sx_qingming(year):
    hits = []
    for jq in sxtwl.getJieQiByYear(year):
        if jq.jqIndex == QINGMING_SXTWL:
            t = sxtwl.JD2DD(jq.jd)   # Beijing time (sxtwl adds ΔT and 8 h)
            if int(t.Y) == year:
                hits.append(datetime.date(int(t.Y), int(t.M), int(t.D)))
    if len(hits) != 1:
        die(f"sxtwl gives {len(hits)} 清明 instants in {year}")
    return hits[0]


def source_year(year):
    """{key: [dates]} for one year, from sxtwl."""
    cny = sx_lunar_date(year, 1, 1)
    days = {
        "new_year": [datetime.date(year, 1, 1)],
        "spring_festival": [cny - DAY, cny, cny + DAY, cny + 2 * DAY],
        "qingming": [sx_qingming(year)],
        "labour_day": [datetime.date(year, 5, 1), datetime.date(year, 5, 2)],
        "dragon_boat": [sx_lunar_date(year, 5, 5)],
        "mid_autumn": [sx_lunar_date(year, 8, 15)],
        "national_day": [datetime.date(year, 10, d) for d in (1, 2, 3)],
    }
    for key, dates in days.items():
        for d in dates:
            if d.year != year:
                die(f"{key} {d} is not in {year}")
    return days


# ---------------------------------------------------------------- check: ephem + GB/T 33661

def sun_longitude(t):
    sun = ephem.Sun(t)   # g_ra/g_dec: apparent geocentric, equinox of date
    return float(ephem.Ecliptic(ephem.Equatorial(sun.g_ra, sun.g_dec, epoch=t), epoch=t).lon)


def solar_term(start, degrees):
    """The first instant (ephem date, UT) at or after `start` - 5 days when the sun's
    apparent longitude is `degrees`."""
    target = math.radians(degrees)
    t0 = ephem.Date(start - 5)
    t = t0 + ((target - sun_longitude(t0)) % (2 * math.pi)) / (2 * math.pi) * 365.2422
    return float(ephem.newton(lambda x: (sun_longitude(x) - target + math.pi) % (2 * math.pi) - math.pi,
                              t, t + ephem.hour))


class EphemCalendar:
    """The festival dates of GB/T 33661-2017 from PyEphem; every instant is shifted by
    `shift` (days) before its UTC+8 date is taken (for the sensitivity rerun)."""

    def __init__(self, shift=0.0):
        self.shift = shift

    def day(self, t):
        return ephem.Date(t + CST + self.shift).datetime().date()

    def year(self, year):
        """({key: date}, {key: deciding instant}) for 正月初一, 五月初五, 八月十五, 清明."""
        ws_prev = solar_term(ephem.Date(f"{year - 1}/12/15"), 270)
        ws_next = solar_term(ephem.Date(f"{year}/12/15"), 270)
        d_prev, d_next = self.day(ws_prev), self.day(ws_next)
        moons, t = [], float(ephem.Date(ws_prev - 40))
        while not moons or self.day(moons[-1]) <= d_next:
            t = float(ephem.next_new_moon(t))
            moons.append(t)
            t += 1
        starts = [self.day(m) for m in moons]
        i0 = max(i for i, d in enumerate(starts) if d <= d_prev)   # 11th month of year-1
        i1 = max(i for i, d in enumerate(starts) if d <= d_next)   # 11th month of year
        # 中气 (multiples of 30°) from this winter solstice to the one after next month
        zhongqi, t = [], ws_prev
        for k in range(14):
            t = solar_term(ephem.Date(t + 1) if k else ephem.Date(ws_prev), (270 + 30 * k) % 360)
            zhongqi.append(self.day(t))
        leap = None
        if i1 - i0 == 13:
            for i in range(i0 + 1, i1):
                if not any(starts[i] <= z < starts[i + 1] for z in zhongqi):
                    leap = i
                    break
            if leap is None:
                die(f"ephem: {year - 1}/{year} has 13 months but none without a 中气")
        elif i1 - i0 != 12:
            die(f"ephem: {i1 - i0} months between the winter solstices of {year - 1} and {year}")
        month_start, month = {}, 11
        for i in range(i0, i1):
            if i > i0 and i != leap:
                month = month % 12 + 1
            if i != leap:
                month_start[month] = i
        qm = solar_term(ephem.Date(f"{year}/4/1"), 15)
        dates, events = {}, {}
        for key, (m, d) in LUNAR.items():
            i = month_start[m]
            dates[key] = starts[i] + (d - 1) * DAY
            events[key] = ("new moon", moons[i])
        dates["qingming"], events["qingming"] = self.day(qm), ("清明", qm)
        return dates, events


def margin_minutes(t):
    """Minutes between instant t and the nearest midnight UTC+8."""
    frac = (t + CST + 0.5) % 1.0   # ephem dates start at noon UT
    return min(frac, 1.0 - frac) * 1440.0


# ---------------------------------------------------------------- build and check

def hko_qingming(year):
    return datetime.date(year, 4, cnlunar.solar24.getTheYearAllSolarTermsList(year)[QINGMING_HKO])


def check_notices(law):
    """(a) every statutory day of the notice years is a holiday there."""
    expected_name = {
        "new_year": chinese_calendar.Holiday.new_years_day, "spring_festival": chinese_calendar.Holiday.spring_festival,
        "qingming": chinese_calendar.Holiday.tomb_sweeping_day, "labour_day": chinese_calendar.Holiday.labour_day,
        "dragon_boat": chinese_calendar.Holiday.dragon_boat_festival,
        "mid_autumn": chinese_calendar.Holiday.mid_autumn_festival,
        "national_day": chinese_calendar.Holiday.national_day,
    }
    n, off, named, failures = 0, 0, 0, []
    for year in NOTICE_YEARS:
        for key, dates in law[year].items():
            for d in dates:
                n += 1
                if chinese_calendar.is_holiday(d):
                    off += 1
                else:
                    failures.append(f"{d} {key} is a working day in the {year} notice")
                name = chinese_calendar.get_holiday_detail(d)[1]
                if name == expected_name[key].value:
                    named += 1
                else:
                    print(f"  note: {d} {key}: the notice names the day {name!r}")
    print(f"(a) notices {NOTICE_YEARS[0]}-{NOTICE_YEARS[-1]} (chinese-calendar {PINNED['chinese-calendar']}): "
          f"{n} statutory days, {off} holidays in the notices, {n - off} working; "
          f"{named} named as the same holiday")
    return failures


def compare(label, pairs):
    """pairs: [(what, ours, theirs)]; prints and returns the mismatches."""
    bad = [f"{what}: sxtwl {ours}, {label} {theirs}" for what, ours, theirs in pairs if ours != theirs]
    print(f"    {label}: {len(pairs)} dates compared, {len(bad)} mismatches")
    for b in bad:
        print(f"      MISMATCH {b}")
    return bad


def build(first_year, last_year):
    years = range(first_year, last_year + 1)
    law = {y: source_year(y) for y in years}
    failures = []

    if first_year <= NOTICE_YEARS[0] and NOTICE_YEARS[-1] <= last_year:
        failures += check_notices(law)

    print(f"(b),(c) sources compared for {first_year}-{last_year} "
          "(正月初一, 端午 五月初五, 中秋 八月十五, 清明):")
    eph = EphemCalendar()
    eph_dates, eph_events = {}, {}
    for y in years:
        eph_dates[y], eph_events[y] = eph.year(y)
    keys = ("spring_festival", "dragon_boat", "mid_autumn", "qingming")

    def ours(y, key):
        return law[y][key][1] if key == "spring_festival" else law[y][key][0]

    failures += compare(f"ephem {PINNED['ephem']} + GB/T 33661",
                        [(f"{y} {k}", ours(y, k), eph_dates[y][k]) for y in years for k in keys])
    hol = _ChineseLunisolar(CHINESE_CALENDAR)
    hol_fn = {"spring_festival": hol.lunar_new_year_date, "dragon_boat": hol.dragon_boat_date,
              "mid_autumn": hol.mid_autumn_date}
    failures += compare(f"holidays {PINNED['holidays']} tables",
                        [(f"{y} {k}", ours(y, k), hol_fn[k](y)[0]) for y in years for k in hol_fn])
    failures += compare(f"HKO table in cnlunar {PINNED['cnlunar']}",
                        [(f"{y} qingming", ours(y, "qingming"), hko_qingming(y)) for y in years])

    # (d) round trip through sxtwl's solar -> lunar conversion
    trips, trip_bad = 0, []
    for y in years:
        for key, (m, d) in LUNAR.items():
            day = ours(y, key)
            back = sxtwl.fromSolar(day.year, day.month, day.day)
            trips += 1
            got = (back.getLunarYear(), back.getLunarMonth(), back.getLunarDay(), bool(back.isLunarLeap()))
            if got != (y, m, d, False):
                trip_bad.append(f"{y} {key}: sxtwl converts {day} back to {got}")
        eve_date = law[y]["spring_festival"][0]
        eve = sxtwl.fromSolar(eve_date.year, eve_date.month, eve_date.day)
        trips += 1
        if eve.getLunarMonth() != 12 or eve.getLunarDay() not in (29, 30):
            trip_bad.append(f"{y}: 除夕 {eve_date} is not the 29th or 30th of the 12th month")
    print(f"(d) sxtwl round trip (festival dates back to lunar, 除夕 = last day of month 12): "
          f"{trips} dates, {len(trip_bad)} failures")
    failures += trip_bad

    # (e) close calls and the sensitivity rerun
    close = []
    for y in years:
        for key in keys:
            what, t = eph_events[y][key]
            margin = margin_minutes(t)
            if margin < CLOSE_MINUTES:
                when = ephem.Date(t + CST).datetime().strftime("%Y-%m-%d %H:%M")
                close.append({"date": ours(y, key).isoformat(), "holiday": key,
                              "event": f"{what} {when} UTC+8", "minutes_from_midnight": round(margin, 1)})
    moved = set()
    for shift in (-CLOSE_MINUTES, CLOSE_MINUTES):
        shifted = EphemCalendar(shift * ephem.minute)
        for y in years:
            for key, d in shifted.year(y)[0].items():
                if d != eph_dates[y][key]:
                    moved.add((ours(y, key).isoformat(), key))
    listed = {(c["date"], c["holiday"]) for c in close}
    print(f"(e) close calls (deciding instant within {CLOSE_MINUTES} min of midnight UTC+8, PyEphem): {len(close)}")
    for c in close:
        print(f"      {c['date']} {c['holiday']}: {c['event']}, {c['minutes_from_midnight']} min")
    print(f"    dates moved by shifting every instant ±{CLOSE_MINUTES} min: {len(moved)}, "
          f"{len(moved - listed)} not among the close calls")
    for d, key in sorted(moved - listed):
        failures.append(f"{d} {key} moves under a ±{CLOSE_MINUTES} min shift but its deciding instant is not close")

    if failures:
        for f in failures:
            print(f"make_statutory_holidays: FAILED: {f}", file=sys.stderr)
        die(f"{len(failures)} check(s) failed; nothing written")

    rows = {}
    for y in years:
        entries = [(d, key) for key, dates in law[y].items() for d in dates]
        entries.sort(key=lambda e: (e[0], list(NAMES).index(e[1])))
        if len(entries) != 13:
            die(f"{y}: {len(entries)} statutory days, the law has 13")
        rows[y] = [{"date": d.isoformat(), "holiday": key} for d, key in entries]
    shared = [y for y in years if len({e["date"] for e in rows[y]}) != 13]
    print(f"statutory days: {13 * len(years)} in {len(years)} years; "
          f"Mid-Autumn on Oct 1-3 (date listed twice) in {len(shared)}: {', '.join(map(str, shared)) or 'none'}")
    return rows, close


def render(first_year, last_year, rows, close):
    source = (f"sxtwl {PINNED['sxtwl']} (lunar dates, 清明); checked with ephem {PINNED['ephem']} (GB/T 33661-2017 rules), "
              f"holidays {PINNED['holidays']}, cnlunar {PINNED['cnlunar']} (HKO solar terms), "
              f"chinese-calendar {PINNED['chinese-calendar']} (notices {NOTICE_YEARS[0]}-{NOTICE_YEARS[-1]})")
    close_lines = ",\n".join("    " + json.dumps(c, ensure_ascii=False) for c in close)
    year_lines = ",\n".join(f'    "{y}": ' + json.dumps(rows[y], ensure_ascii=False) for y in sorted(rows))
    return (
        "{\n"
        f'  "source": {json.dumps(source, ensure_ascii=False)},\n'
        f'  "law": {json.dumps(LAW, ensure_ascii=False)},\n'
        '  "time_zone": "Asia/Shanghai",\n'
        f'  "first_year": {first_year},\n'
        f'  "last_year": {last_year},\n'
        f'  "names": {json.dumps(NAMES, ensure_ascii=False)},\n'
        '  "close_calls": [\n'
        f"{close_lines}\n"
        "  ],\n"
        '  "years": {\n'
        f"{year_lines}\n"
        "  }\n"
        "}\n"
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write geodata/statutory-holidays.json (the law layer).")
    ap.add_argument("--check", action="store_true", help="run the checks; exit 1 if the file on disk differs")
    a = ap.parse_args(argv)

    rows, close = build(FIRST_YEAR, LAST_YEAR)
    text = render(FIRST_YEAR, LAST_YEAR, rows, close)
    json.loads(text)  # the hand-rendered layout must still be JSON
    rel = OUT.relative_to(REPO_ROOT)
    if a.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"make_statutory_holidays: {rel} differs from the generated file", file=sys.stderr)
            return 1
        print(f"make_statutory_holidays: {rel} is up to date")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"make_statutory_holidays: wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
