#!/usr/bin/env python3
# complaints_paths.py -- every path of issue 17 driven over HTTP against a fresh server, and the
# new KPIs of GET /v1/stats recomputed from the raw complaint events.
#
# The tracks beside station mediation: the direct train (an enrolled enterprise settles first),
# urgent complaints, reviews of dissatisfied outcomes, return visits and the court hand-off.
#
# What it does
#   1. A fresh database in a temp dir and an admin token (as tools/complaints_oracle.py does), and
#      `liaison serve --port 0 --overdue-interval 3600` (its own watch never fires during the run;
#      the timed work is run with `liaison complaints sweep --at`, at instants days ahead).
#   2. Registers 5 enterprises (GB 32100 credit codes with the check character computed here),
#      enrols E1 (settle_days 2), E2 (the default window) and E5 (settle_days 30), leaves E3 and E4
#      unenrolled.
#   3. Files ~60 seeded complaints at points near stations of counties with a court, naming the
#      enterprises by credit code, merchant id or both, some urgent by rule, and drives each along
#      its path: enterprise settles -> consumer accepts / rejects / is silent (sweep: lapse);
#      enterprise declines / is silent (sweep: timeout); consumer withdraws with the enterprise;
#      staff mark_urgent (recall; refused, with nothing changed, while a settlement is offered);
#      staff reassign out of the direct train (the station clocks start then); revocation of E2
#      (recall), re-enrolment (new key); station mediation to resolve / fail; feedback 1-2 ->
#      review -> uphold / reopen; return visits; fail -> hand_off -> case file (JSON and PDF).
#      The credit code decides the enterprise (a code other than an enrolled enterprise's is not
#      referred, whatever merchant.id says); without a code, merchant.id does. E5's 30 working
#      days run into the next year, which the law layer of the calendar counts: it is referred,
#      times out there and is then accepted. (Only a window past 2100 refers nothing: the
#      complaint then goes to a station and the submit note says why.) A complaint reopened by a
#      review waits, not accepted again, with no mediation clock.
#   4. Checks, for every complaint, that its events are exactly the (action, from, to) its path
#      should give (the API's and the database's, which must agree), the texts each event sends
#      (consumer, enterprise, station staff) as SMSTemplates says, the deadlines (settle_by,
#      reply_by, review due_by, and the four of deadlines{}: own working-day calendar in two
#      layers, geodata/working-calendar.json then the law of geodata/statutory-holidays.json;
#      urgent due_by: +24 h; only a window past 2100 is unset and its event note says "review
#      deadline not set" / "reply window not set"), which deadlines are provisional (counted over
#      a day the law alone answers for: deadlines.provisional, provisional_deadlines in lists, and
#      "provisional: acceptance counted by the law alone ..." on the event that started the
#      station clocks, and on no other), 409 for illegal actions, 404 for another enterprise's
#      complaint, 403/401 across the staff / enterprise boundary and for revoked keys, the queues
#      and lists.
#   5. Recomputes the KPIs from the raw events (complaint_events read-only with sqlite3, plus the
#      enterprise names registered here, the calendar and the return-visit draw, SHA-256 of the
#      number): direct_train, urgent_within_24h, reviews, court_handoffs, return_visits,
#      by_enterprise, and also complaints, resolution/satisfaction rates, the three station
#      clocks (which leave out what the enterprise kept) and `overdue` (complaints past a running
#      service clock: dispatch, response, acceptance, mediation, urgent; an overdue review counts
#      in reviews.overdue only), with `provisional` in each deadline share (of `of`, those judged on
#      a deadline the law alone counted), and compares them with GET /v1/stats.
#      Then, as a self-check, perturbs each computed KPI and makes sure the comparison catches it.
#   6. Imports a made-up notice for the year after the shipped ones with `liaison calendar import`
#      while the server runs (a bad one first: refused, nothing written) and checks that every
#      open complaint's provisional deadline (acceptance, mediation; README "Service levels") is
#      counted again: one that moves gets exactly one deadline_update event noting "old → new"
#      and a consumer.deadline_update text naming the new last day, one that does not just loses
#      its mark; `liaison calendar show` agrees day by day with this tool's calendar before and
#      after; the same notice again and a restart of the server change nothing; then the events,
#      texts, deadlines, lists and KPIs once more.
#   Prints one line per KPI and `complaints-oracle: paths: N checks, F failed`; exit 1 on any
#   failure, 2 on setup errors.
#
# How to run
#   tools/complaints-oracle --paths [--seed 1] [--keep]          (builds first)
#   python3 tools/complaints_paths.py --bin .build/debug/liaison [--seed 1] [--keep] [--verbose]
#   python3 tools/complaints_paths.py --bin ... --break direct_train.settled   # a deliberately wrong
#       expectation: must report a disagreement and exit 1
#   python3 tools/complaints_paths.py --selftest     # no server: credit codes, calendar, KPI
#       arithmetic on a hand-made event log
#
# Deterministic for a seed and a day: complaint numbers (ZJ-YYYYMMDD-NNNNNN) and hence the
# return-visit draw depend on the day, so extra plain complaints are filed until at least four
# closing complaints are drawn.

import argparse
import copy
import datetime as dt
import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import complaints_geo as geo  # noqa: E402
from complaints_oracle import GIVEN, SURNAMES, disk  # noqa: E402
from liaison_http import Server, ServerError, crash_report, database_with_admin_token, json_of, request  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
GEODATA = REPO / "geodata"
TAG = "complaints-oracle: paths:"
UTC = dt.timezone.utc
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
SIGNATURE = "【浙江消保】"
SMS_MAX = 134


def die(msg):
    print(f"{TAG} error: {msg}", file=sys.stderr)
    sys.exit(2)


# --------------------------------------------------------------------------
# Credit codes (GB 32100-2015), written from the standard: weights 3^i mod 31
# --------------------------------------------------------------------------
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def credit_check(base17):
    s = sum(CREDIT_ALPHABET.index(ch) * w for ch, w in zip(base17, CREDIT_WEIGHTS))
    return CREDIT_ALPHABET[(31 - s % 31) % 31]


def credit_code(base17):
    assert len(base17) == 17 and all(ch in CREDIT_ALPHABET for ch in base17), base17
    return base17 + credit_check(base17)


def is_credit_code(code):
    return len(code) == 18 and all(ch in CREDIT_ALPHABET for ch in code) and credit_check(code[:17]) == code[17]


# --------------------------------------------------------------------------
# Time, the working-day calendar, the return-visit draw
# --------------------------------------------------------------------------
def ts(text):
    """A server timestamp (RFC 3339, UTC, milliseconds) as an aware datetime."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def fmt(t):
    """As the server stores and logs times, and as event notes and the CLI write them: UTC."""
    t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def local(t):
    """As complaint views show times: the same instant with Asia/Shanghai's offset, +08:00."""
    t = t.astimezone(dt.timezone(dt.timedelta(hours=8)))
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+08:00"


class Calendar:
    """The working-day calendar in two layers, as the service counts it.

    1. The official notices: geodata/working-calendar.json (first_day...last_day): a day works
       when it is an adjusted working day, or a weekday that is no holiday.
    2. After them, each later year up to statutory-holidays.json's last_year: the notice imported
       for that year (`liaison calendar import`; ranges of days off, worked weekend days), else
       the LAW: weekends and the statutory days off (a date may be listed twice, Mid-Autumn in
       National Day), no swaps. A count over a day the law alone answers for is provisional.

    A period of n working days from an instant ends at 00:00 Asia/Shanghai after the nth working
    day following the instant's Shanghai day; None when even the law does not reach that far."""

    def __init__(self, path=GEODATA / "working-calendar.json", law_path=GEODATA / "statutory-holidays.json", notices=()):
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        self.first, self.last = dt.date.fromisoformat(d["first_day"]), dt.date.fromisoformat(d["last_day"])
        self.holidays = {dt.date.fromisoformat(e["date"]) for e in d["holidays"]}
        self.adjusted = {dt.date.fromisoformat(e["date"]) for e in d["adjusted_working_days"]}
        law = json.loads(Path(law_path).read_text(encoding="utf-8"))
        self.law_years = range(law["first_year"], law["last_year"] + 1)
        self.law = set()
        for year in self.law_years:
            for e in law["years"].get(str(year), []):
                day = dt.date.fromisoformat(e["date"])
                assert day.year == year, (year, e)
                self.law.add(day)
        self.end = max(self.last, dt.date(self.law_years[-1], 12, 31))
        self.imported = {}      # year -> (days off, worked weekend days)
        self.notices = []
        for notice in notices:
            self.add_notice(notice)

    def with_notice(self, notice):
        """This calendar with one more imported notice (the JSON document, as a dict)."""
        c = copy.copy(self)
        c.imported, c.notices = dict(self.imported), list(self.notices)
        c.add_notice(notice)
        return c

    def add_notice(self, notice):
        year = notice["year"]
        off, worked = set(), set()
        for r in notice["holidays"]:
            day, to = dt.date.fromisoformat(r["from"]), dt.date.fromisoformat(r["to"])
            while day <= to:
                off.add(day)
                day += dt.timedelta(days=1)
        worked = {dt.date.fromisoformat(e["date"]) for e in notice["adjusted_working_days"]}
        # what the service checks too: the year, weekends worked, every statutory day off
        assert year > self.last.year and year in self.law_years, year
        assert all(d.year == year for d in off | worked) and not off & worked, notice
        assert all(d.weekday() >= 5 for d in worked), sorted(d for d in worked if d.weekday() < 5)
        assert {d for d in self.law if d.year == year} <= off, sorted(d for d in self.law if d.year == year and d not in off)
        self.imported[year] = (off, worked)
        self.notices.append(notice)

    def provisional(self, day):
        return not self.first <= day <= self.last and day.year not in self.imported

    def working(self, day):
        if self.first <= day <= self.last:
            if day in self.holidays:
                return False
            return day in self.adjusted or day.weekday() < 5
        if day.year in self.imported:
            off, worked = self.imported[day.year]
            if day in off:
                return False
            return day in worked or day.weekday() < 5
        return day.weekday() < 5 and day not in self.law

    def counted(self, start, days):
        """(deadline, provisional) of n working days from start; (None, False) past the calendar."""
        day = start.astimezone(SHANGHAI).date()
        if not self.first <= day <= self.end:
            return None, False
        left, provisional = days, False
        while left:
            day += dt.timedelta(days=1)
            if day > self.end:
                return None, False
            provisional |= self.provisional(day)
            if self.working(day):
                left -= 1
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), SHANGHAI).astimezone(UTC), provisional

    def deadline(self, start, days):
        return self.counted(start, days)[0]


def made_up_notice(year, law_path=GEODATA / "statutory-holidays.json"):
    """A made-up official schedule for `year`, as `liaison calendar import` takes it: each
    holiday's statutory days as a range (overlapping ones merged), the Spring Festival made
    eight days long, and the first weekend day after it worked (调休). Not any real notice."""
    law = json.loads(Path(law_path).read_text(encoding="utf-8"))
    groups = defaultdict(list)
    for e in law["years"][str(year)]:
        groups[e["holiday"]].append(dt.date.fromisoformat(e["date"]))
    ranges = []
    for key, days in sorted(groups.items(), key=lambda kv: min(kv[1])):
        a, b = min(days), max(days)
        if key == "spring_festival":
            b = max(b, a + dt.timedelta(days=7))
        if ranges and a <= ranges[-1][1] + dt.timedelta(days=1):
            ranges[-1][1] = max(ranges[-1][1], b)
        else:
            ranges.append([a, b, law["names"].get(key, key)])
    spring = next(r for r in ranges if r[2] == law["names"]["spring_festival"])
    worked = spring[1] + dt.timedelta(days=1)
    while worked.weekday() < 5:
        worked += dt.timedelta(days=1)
    return {"year": year, "source": f"complaints-paths: a made-up {year} notice (not any real 国办发明电)",
            "holidays": [{"from": a.isoformat(), "to": b.isoformat(), "name": name} for a, b, name in ranges],
            "adjusted_working_days": [{"date": worked.isoformat(), "name": spring[2]}]}


def local_day(exclusive_end):
    """SMSTemplates.localDay: the last day before an exclusive deadline, \"2月14日\"."""
    t = (exclusive_end - dt.timedelta(seconds=1)).astimezone(SHANGHAI)
    return f"{t.month}月{t.day}日"


def period_counted(cal, rule, start):
    """(end, provisional) of a service-levels.json period ({"hours": n} or {"working_days": n})
    from start; hours are never provisional."""
    if "hours" in rule:
        return start + dt.timedelta(hours=rule["hours"]), False
    return cal.counted(start, rule["working_days"])


def period_end(cal, rule, start):
    """End of a service-levels.json period from start (None past the calendar)."""
    return period_counted(cal, rule, start)[0]


def visit_drawn(number, share):
    prefix = int.from_bytes(hashlib.sha256(number.encode("utf-8")).digest()[:4], "big")
    return prefix < share * 4294967296


def share_of(met, of):
    # met/of to 4 decimals, halves away from zero (Swift's rounded()); None when of is 0.
    if of == 0:
        return None
    x = met / of * 10000
    return int(x + 0.5) / 10000


def mask(phone):
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "*" * len(phone)


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------
class Checks:
    def __init__(self, verbose=False):
        self.n, self.failed, self.verbose = 0, [], verbose

    def check(self, cond, msg):
        self.n += 1
        if not cond:
            self.failed.append(msg)
            if self.verbose:
                print(f"--- FAILED: {msg}", file=sys.stderr)
        return bool(cond)


# --------------------------------------------------------------------------
# The KPIs, from raw events
# --------------------------------------------------------------------------
TRAIN_ENDS = {"accept_settlement": "settled", "lapse": "settled", "decline": "declined", "timeout": "timed_out",
              "reject_settlement": "rejected", "recall": "recalled"}
LEFT_ENTERPRISE = {"declined", "timed_out", "rejected", "recalled"}
REFER_CODE = re.compile(r"\(([0-9A-Z]{18})\)")


def new_train():
    return {"sent": 0, "pending": 0, "settled": 0, "declined": 0, "timed_out": 0, "rejected": 0, "recalled": 0,
            "withdrawn": 0, "self_settlement_rate": {"met": 0, "of": 0}}


def new_deadline_share():
    return {"met": 0, "of": 0, "excluded_no_deadline": 0, "provisional": 0}


def judge(acc, deadline, stopped, judged_at, provisional=False):
    """A service-level clock: counted when it stopped, or when its deadline passed running; of
    those counted, `provisional` when the deadline was counted by the law alone."""
    if deadline is None:
        acc["excluded_no_deadline"] += 1
        return
    if stopped is not None:
        acc["of"] += 1
        acc["met"] += stopped <= deadline
    elif deadline <= judged_at:
        acc["of"] += 1
    else:
        return
    acc["provisional"] += bool(provisional)


def train_outcome(evs):
    """The direct train's outcome from a complaint's events: None (never referred), 'pending', or
    how it ended (the first ending after the refer)."""
    i = next((k for k, e in enumerate(evs) if e["action"] == "refer"), None)
    if i is None:
        return None, None, None
    for e in evs[i + 1:]:
        a = e["action"]
        if a in TRAIN_ENDS:
            return evs[i], TRAIN_ENDS[a], e
        if a == "withdraw" and e["from"] in ("with_enterprise", "settlement_offered"):
            return evs[i], "withdrawn", e
        if a == "reassign" and e["from"] == "with_enterprise":
            return evs[i], "recalled", e
    return evs[i], "pending", None


PROVISIONAL_NOTE = "provisional: acceptance counted by the law alone (no official schedule for its year yet)"


def clocks_start(evs):
    """Where the dispatch, first-response and acceptance clocks started: (event whose note says
    so, instant), or (None, None) while the enterprise has it or after it settled."""
    refer, outcome, ending = train_outcome(evs)
    if refer is None:
        return evs[0], evs[0]["at"]
    if outcome in LEFT_ENTERPRISE:
        return ending, ending["at"]
    return None, None


def expected_deadlines(evs, cal, rules):
    """The four deadlines of GET /v1/complaints/N and which are provisional, from the events:
    the station clocks from their start, the mediation clock from the last acceptance (a reopen
    clears it: the next acceptance starts it again). Datetimes (or None), and the names of the
    provisional ones in the service's order."""
    _, start = clocks_start(evs)
    out = {"dispatch_by": None, "respond_by": None, "acceptance_by": None, "mediation_by": None}
    marks = set()
    # each assignment starts its station's own response clock (a settled complaint reopened to a
    # station included: the station answers for it all the same)
    last = next((e["at"] for e in reversed(evs) if e["action"] in ASSIGNMENT_STARTS and e["to"] == "assigned" and e.get("station_id")), None)
    if last is not None and (start is None or last >= start):
        out["respond_by"] = period_end(cal, rules["first_response"], last)
    elif start is not None:
        out["respond_by"] = period_end(cal, rules["first_response"], start)
    if start is not None:
        out["dispatch_by"] = period_end(cal, rules["dispatch"], start)
        out["acceptance_by"], prov = period_counted(cal, rules["acceptance"], start)
        if prov:
            marks.add("acceptance")
    for e in evs:
        if e["action"] == "accept":
            out["mediation_by"], prov = period_counted(cal, rules["mediation"], e["at"])
            marks.discard("mediation")
            if prov:
                marks.add("mediation")
        elif e["action"] == "reopen":
            out["mediation_by"] = None
            marks.discard("mediation")
    return out, [k for k in ("dispatch", "first_response", "acceptance", "mediation", "urgent", "review") if k in marks]


ASSIGNMENT_STARTS = {"assign", "reassign", "claim", "reopen"}
ANSWERS = {"accept", "refuse", "decline", "schedule", "start_mediation", "resolve", "fail"}
LEAVING = {"refused", "withdrawn", "declined", "closed", "submitted", "with_enterprise"}


def assignments(evs, cal, rules):
    """Each handing of the complaint to a station: (station, deadline, answer event or None,
    end instant or None). It ends at the next assignment or when no station holds it any more."""
    out = []
    for i, e in enumerate(evs):
        if not (e["action"] in ASSIGNMENT_STARTS and e["to"] == "assigned" and e.get("station_id")):
            continue
        station, answer, end = e["station_id"], None, None
        for f in evs[i + 1:]:
            if f["action"] in ASSIGNMENT_STARTS and f["to"] == "assigned" and f.get("station_id"):
                end = f["at"]
                break
            if answer is None and f["action"] in ANSWERS and f.get("station_id") == station:
                answer = f
            if f["to"] in LEAVING:
                end = f["at"]
                break
        out.append((station, period_end(cal, rules["first_response"], e["at"]), answer, end))
    return out


def compute_kpis(events, now, cal, rules):
    """events: {number: [event dicts sorted by seq: seq, at (datetime), action, from, to, note]};
    cal: a Calendar, or a function of the complaint number giving the one its deadlines were
    counted with (after a notice import, the open complaints' were counted again).
    Returns (totals, by_enterprise) shaped like GET /v1/stats (the keys this tool compares)."""
    cal_of = cal if callable(cal) else (lambda number: cal)
    t = {"complaints": 0, "direct_train": new_train(), "urgent_within_24h": new_deadline_share(),
         "reviews": {"reviewed": {"met": 0, "of": 0}, "open": 0, "upheld": 0, "reopened": 0, "overdue": 0},
         "court_handoffs": 0, "return_visits": {"queued": 0, "done": 0, "reached": 0, "satisfied": 0},
         "resolution_rate": {"met": 0, "of": 0}, "satisfaction_rate": {"met": 0, "of": 0},
         "dispatched_within_2h": new_deadline_share(), "answered_within_24h": new_deadline_share(),
         "accepted_within_7_working_days": new_deadline_share(), "overdue": 0, "declined": 0,
         "assignments": {"held": 0, "answered": 0, "refused": 0, "open": 0}}
    by_ent = defaultdict(new_train)
    urgent_hours = rules["urgent"]
    share = rules.get("return_visits", {}).get("share", 0.1)
    for number, evs in events.items():
        cal = cal_of(number)
        t["complaints"] += 1
        status = evs[-1]["to"]
        withdrawn_at = next((e["at"] for e in reversed(evs) if e["action"] == "withdraw"), None)
        judged_at = min(withdrawn_at, now) if status == "withdrawn" and withdrawn_at else now

        # direct train
        refer, outcome, ending = train_outcome(evs)
        if refer is not None:
            m = REFER_CODE.search(refer.get("note") or "")
            code = m.group(1) if m else "?"
            for tally in (t["direct_train"], by_ent[code]):
                tally["sent"] += 1
                tally[outcome] += 1
                if outcome in ("settled", "declined", "timed_out", "rejected"):
                    tally["self_settlement_rate"]["of"] += 1
                    tally["self_settlement_rate"]["met"] += outcome == "settled"

        # the station clocks: from intake, or from leaving the enterprise; not for what it kept
        late = False   # overdue now on a service clock (dispatch, response, acceptance, mediation, urgent)
        terminal = status in ("closed", "withdrawn", "declined")

        def passed(deadline, stopped):
            return not terminal and stopped is None and deadline is not None and now >= deadline

        def first(actions):
            return next((e["at"] for e in evs if e["action"] in actions), None)
        if refer is None or outcome in LEFT_ENTERPRISE:
            start = evs[0]["at"] if refer is None else ending["at"]
            # only acceptance is ever provisional: dispatch and first response count hours
            # acceptance stops at the decision: 受理 (accept) or 不予受理 (staff's decline)
            decided = next((e["at"] for e in evs if e["action"] == "accept" or (e["action"] == "decline" and e["to"] == "declined")), None)
            clocks = [(t["dispatched_within_2h"], period_counted(cal, rules["dispatch"], start), first({"assign", "reassign", "claim"})),
                      (t["accepted_within_7_working_days"], period_counted(cal, rules["acceptance"], start), decided)]
            for acc, (deadline, provisional), stopped in clocks:
                judge(acc, deadline, stopped, judged_at, provisional)
                late |= passed(deadline, stopped)
            if not any(e["action"] in ASSIGNMENT_STARTS and e["to"] == "assigned" and e.get("station_id") for e in evs):
                late |= passed(period_end(cal, rules["first_response"], start), None)
        # the response clock: one per assignment, the station's own, whatever came before it (the
        # complaint is late on it while the station holding it now has not answered past its deadline)
        parts = assignments(evs, cal, rules)
        for station, deadline, answer, end in parts:
            a = t["assignments"]
            a["held"] += 1
            a["answered"] += answer is not None
            a["refused"] += answer is not None and answer["action"] == "refuse"
            a["open"] += end is None
            judge(t["answered_within_24h"], deadline, answer["at"] if answer else None, min(end or now, now))
        if parts:
            late |= parts[-1][3] is None and passed(parts[-1][1], parts[-1][2]["at"] if parts[-1][2] else None)
        # the mediation clock: from the last acceptance, stopped by an outcome; a reopen clears it
        mediation_by = outcome_at = None
        for e in evs:
            if e["action"] == "accept":
                mediation_by = period_end(cal, rules["mediation"], e["at"])
            elif e["action"] in ("resolve", "fail"):
                outcome_at = e["at"]
            elif e["action"] == "reopen":
                mediation_by = outcome_at = None
        late |= first({"accept"}) is not None and passed(mediation_by, outcome_at)

        # urgent: marked at intake (the submit note says so) or by mark_urgent
        mark = None
        if "urgent: " in (evs[0].get("note") or ""):
            mark = 0
        else:
            mark = next((k for k, e in enumerate(evs) if e["action"] == "mark_urgent"), None)
        if mark is not None:
            due = period_end(cal, urgent_hours, evs[mark]["at"])
            met = next((e["at"] for e in evs[mark + 1:] if e["action"] in ("start_mediation", "resolve", "fail", "verify")), None)
            judge(t["urgent_within_24h"], due, met, judged_at)
            late |= passed(due, met)
        t["overdue"] += late   # an overdue review counts under reviews.overdue, not here

        # outcomes: a mediation's (reopen takes it back) or a settlement that stands
        mediation = None
        for e in evs:
            if e["action"] == "resolve":
                mediation = "resolved"
            elif e["action"] == "fail":
                mediation = "failed"
            elif e["action"] == "reopen":
                mediation = None
        if mediation:
            t["resolution_rate"]["of"] += 1
            t["resolution_rate"]["met"] += mediation == "resolved"
        reviews = [k for k, e in enumerate(evs) if e["action"] == "open_review"]
        if mediation or outcome == "settled":
            t["reviews"]["reviewed"]["of"] += 1
            t["reviews"]["reviewed"]["met"] += bool(reviews)
        if reviews:
            last = reviews[-1]
            finding = next((e["action"] for e in evs[last + 1:] if e["action"] in ("uphold", "reopen")), None)
            if finding is None:
                t["reviews"]["open"] += 1
                due = period_end(cal, rules["review"], evs[last]["at"])
                t["reviews"]["overdue"] += due is not None and due <= now
            else:
                t["reviews"]["upheld" if finding == "uphold" else "reopened"] += 1

        feedback = [e for e in evs if e["action"] == "feedback"]
        if feedback:
            m = re.match(r"satisfaction (\d)/5", feedback[-1].get("note") or "")
            t["satisfaction_rate"]["of"] += 1
            t["satisfaction_rate"]["met"] += bool(m) and int(m.group(1)) >= 4

        if any(e["action"] == "hand_off" for e in evs):
            t["court_handoffs"] += 1
        t["declined"] += status == "declined"
        if any(e["to"] == "closed" for e in evs) and visit_drawn(number, share):
            t["return_visits"]["queued"] += 1
        visit = next((e for e in evs if e["action"] == "return_visit"), None)
        if visit:
            parts = (visit.get("note") or "").split("; ")
            t["return_visits"]["done"] += 1
            t["return_visits"]["reached"] += parts[0] == "reached"
            t["return_visits"]["satisfied"] += parts[0] == "reached" and len(parts) > 1 and parts[1] == "satisfied"

    def finish(obj):
        if isinstance(obj, dict):
            if set(obj) >= {"met", "of"}:
                obj["share"] = share_of(obj["met"], obj["of"])
            for v in obj.values():
                finish(v)
    finish(t)
    ent = {code: finish(tr) or tr for code, tr in by_ent.items()}
    return t, ent


KPI_KEYS = ["complaints", "direct_train", "urgent_within_24h", "reviews", "court_handoffs", "return_visits",
            "resolution_rate", "satisfaction_rate", "dispatched_within_2h", "answered_within_24h",
            "accepted_within_7_working_days", "overdue", "declined", "assignments"]


def diff(expected, got, path=""):
    """Leaf differences between two JSON values: [(path, expected, got)]."""
    if isinstance(expected, dict) and isinstance(got, dict):
        out = []
        for k in sorted(set(expected) | set(got)):
            out += diff(expected.get(k, "<missing>"), got.get(k, "<missing>"), f"{path}.{k}" if path else k)
        return out
    if isinstance(expected, float) or isinstance(got, float):
        if isinstance(expected, (int, float)) and isinstance(got, (int, float)) and abs(expected - got) < 1e-9:
            return []
    return [] if expected == got else [(path, expected, got)]


def summary(key, v):
    if not isinstance(v, dict):
        return f"{key} {v}"
    parts = []
    for k, x in v.items():
        if isinstance(x, dict):
            parts.append(f"{k} {x.get('met')}/{x.get('of')}")
        elif k == "share" or (k in ("excluded_no_deadline", "provisional") and not x):
            continue
        else:
            parts.append(f"{k} {x}")
    if "met" in v and "of" in v:
        parts = [f"{v['met']}/{v['of']}"] + [p for p in parts if not p.startswith(("met ", "of "))]
    return f"{key} " + " ".join(parts)


def perturbed(value):
    """Copies of a KPI value with one integer leaf changed by one (each leaf in turn)."""
    out = []
    if isinstance(value, bool):
        return out
    if isinstance(value, int):
        return [value + 1]
    if isinstance(value, dict):
        for k, v in value.items():
            for p in perturbed(v):
                c = copy.deepcopy(value)
                c[k] = p
                out.append(c)
    return out


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------
class Complaint:
    def __init__(self, spec, number, token, body):
        self.spec, self.path = spec, spec["path"]
        self.number, self.token, self.body = number, token, body
        self.exp = []            # expected (action, from, to), overdue events left out
        self.ent = None          # the enterprise (key "E1"...) it was referred to, if any
        self.urgent_rule = None
        self.station = None
        self.phone = body["consumer"]["phone"]
        self.view = None         # the last answer

    @property
    def status(self):
        return self.exp[-1][2] if self.exp else None


class Paths:
    def __init__(self, a, binary, work):
        self.a, self.binary, self.work = a, binary, work
        self.ck = Checks(a.verbose)
        self.rng = __import__("random").Random(a.seed)
        self.cal = Calendar()       # the calendar of the run: the notices, then the law
        self.cal_after = None       # with the made-up notice imported at the end
        self.recounted = set()      # the complaints whose provisional deadlines the import counted again
        self.rules = json.loads((GEODATA / "service-levels.json").read_text(encoding="utf-8"))
        courts = json.loads((GEODATA / "courts.json").read_text(encoding="utf-8"))["courts"]
        self.courts = {c["id"]: c for c in courts}
        self.court_of_county = {}
        for c in sorted(courts, key=lambda c: c["id"]):
            self.court_of_county.setdefault(c["county_code"], c)
        self.counties = {c.adcode: c for c in geo.load_counties()}
        self.stations = geo.load_stations()
        self.station_by_id = {s.id: s for s in self.stations}
        self.complaints = {}     # number -> Complaint
        self.ents = {}           # "E1" -> {"code", "name", "merchant_id", "phone", "key", "days"}
        self.sweeps = []         # (instant, stdout)
        self.db = work / "paths.sqlite"
        self.phone_seq = 0
        self.anchors = self.pick_anchors()

    def cal_of(self, number):
        """The calendar a complaint's deadlines were last counted with."""
        return self.cal_after if number in self.recounted else self.cal

    # ---- plumbing
    def req(self, method, path, body=None, token=None, headers=None, raw=None):
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        return request(method, self.url + path, json_body=body, body=raw, headers=h)

    def staff_get(self, path):
        return self.req("GET", path, token=self.admin)

    def expect(self, resp, code, what):
        s, _, raw = resp
        self.ck.check(s == code, f"{what}: HTTP {s}, expected {code}: {raw[:300]!r}")
        return json_of(raw) if s == code else None

    def step(self, c, resp, code, tuples, what):
        """An action on complaint c: the HTTP status, then the expected events and the state."""
        s, _, raw = resp
        if not self.ck.check(s == code, f"{c.number} ({c.path}): {what}: HTTP {s}, expected {code}: {raw[:400]!r}"):
            return None
        doc = json_of(raw)
        if code == 200 and isinstance(doc, dict):
            c.exp.extend(tuples)
            c.view = doc
            if tuples:
                self.ck.check(doc.get("status") == c.status,
                              f"{c.number} ({c.path}): after {what}: status {doc.get('status')!r}, expected {c.status!r}")
            if "station" in doc:
                c.station = (doc.get("station") or {}).get("id")
        return doc

    def staff(self, c, action, code=200, tuples=(), **fields):
        body = {"action": action, **fields}
        return self.step(c, self.req("POST", f"/v1/complaints/{c.number}/events", body, token=self.admin), code, list(tuples),
                         f"staff {action} {fields or ''}")

    def consumer(self, c, what, body=None, code=200, tuples=(), token=None):
        r = request("POST", f"{self.url}/v1/complaints/{c.number}/{what}", json_body=body if body is not None else {},
                    headers={"X-Tracking-Token": token or c.token})
        return self.step(c, r, code, list(tuples), f"consumer {what}")

    def enterprise(self, key, c, what, body, code=200, tuples=()):
        r = self.req("POST", f"/v1/enterprise/complaints/{c.number}/{what}", body, token=key)
        return self.step(c, r, code, list(tuples), f"enterprise {what} ({'own key' if key == self.ents.get(c.ent, {}).get('key') else 'other key'})")

    def mediate(self, c, outcome="resolve"):
        self.staff(c, "accept", tuples=[("accept", "assigned", "accepted")])
        self.staff(c, "start_mediation", tuples=[("start_mediation", "accepted", "mediating")])
        if outcome == "resolve":
            self.staff(c, "resolve", note="双方达成一致", tuples=[("resolve", "mediating", "resolved")])
        else:
            self.staff(c, "fail", note="商家拒绝任何方案", tuples=[("fail", "mediating", "failed")])

    def feedback(self, c, satisfaction):
        tuples = [("feedback", c.status, "closed")]
        if satisfaction <= 2:
            tuples.append(("open_review", "closed", "closed"))
        self.consumer(c, "feedback", {"satisfaction": satisfaction, "comment": f"评分{satisfaction}"}, tuples=tuples)

    # ---- places and people
    def pick_anchors(self):
        """Stations (offline, capacity >= 4, in a county with a court, inside their own county
        polygon), shuffled by the seed; each complaint is filed within 400 m of its own one."""
        ok = [s for s in self.stations if s.status == "active" and "offline" in s.modes and s.capacity >= 4
              and s.county_code in self.court_of_county and s.county_code in self.counties
              and geo.county_contains(self.counties[s.county_code], s.lng, s.lat)]
        ok.sort(key=lambda s: s.id)
        self.rng.shuffle(ok)
        return ok

    def point_near(self, st):
        county = self.counties[st.county_code]
        for _ in range(200):
            lat, lng = disk(self.rng, st.lat, st.lng, 400.0)
            if geo.county_contains(county, lng, lat):
                return round(lat, 7), round(lng, 7)
        return st.lat, st.lng

    def phone(self):
        self.phone_seq += 1
        return f"13{self.rng.randrange(5, 10)}{self.rng.randrange(10 ** 4):04d}{self.phone_seq:04d}"

    def name(self):
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.randint(1, 2)))

    # ---- phase 1: the enterprise register
    def setup_enterprises(self):
        plans = [("E1", "杭州湖滨优选超市有限公司", "zjfx-100001", 2, True),
                 ("E2", "宁波甬江家电销售有限公司", "zjfx-100002", None, True),
                 ("E3", "温州瓯海鞋业有限公司", "zjfx-100003", None, False),
                 ("E4", "金华婺城餐饮管理有限公司", None, None, False)]
        adcodes = ["330106", "330203", "330304", "330702"]
        for (key, name, mid, days, enrol), ad in zip(plans, adcodes):
            base = "91" + ad + "MA" + "".join(self.rng.choice(CREDIT_ALPHABET) for _ in range(7))
            code = credit_code(base)
            phone = self.phone()
            body = {"credit_code": code, "name": name, "contact": {"name": self.name() + "经理", "phone": phone}}
            if mid:
                body["merchant_id"] = mid
            doc = self.expect(self.req("POST", "/v1/enterprises", body, token=self.admin), 201, f"register {key} {code}")
            self.ck.check(doc and doc.get("credit_code") == code and doc["direct_train"]["enrolled"] is False,
                          f"register {key}: answer {doc}")
            self.ents[key] = {"key_name": key, "code": code, "name": name, "merchant_id": mid, "phone": phone, "days": days,
                              "key": None, "old_keys": []}
        # what the register refuses
        e1 = self.ents["E1"]
        bad = e1["code"][:17] + CREDIT_ALPHABET[(CREDIT_ALPHABET.index(e1["code"][17]) + 1) % 31]
        self.expect(self.req("POST", "/v1/enterprises", {"credit_code": bad, "name": "校验位错误公司", "contact": {"name": "李", "phone": "13900000000"}},
                             token=self.admin), 400, f"register with a wrong check character {bad}")
        self.expect(self.req("POST", "/v1/enterprises", {"credit_code": e1["code"], "name": "重复", "contact": {"name": "李", "phone": "13900000000"}},
                             token=self.admin), 409, "register a credit code twice")
        other = credit_code("91330100MA" + "2B3C4D5")
        self.expect(self.req("POST", "/v1/enterprises", {"credit_code": other, "name": "重复商户号", "merchant_id": e1["merchant_id"],
                                                          "contact": {"name": "李", "phone": "13900000000"}}, token=self.admin),
                    409, "register a merchant id twice")
        self.expect(self.req("POST", f"/v1/enterprises/{e1['code']}/enrolment", {"settle_days": 0}, token=self.admin), 400, "enrol with settle_days 0")
        self.expect(self.req("POST", f"/v1/enterprises/{e1['code']}/enrolment", {"settle_days": 31}, token=self.admin), 400, "enrol with settle_days 31")
        self.expect(self.req("POST", f"/v1/enterprises/{other}/enrolment", {}, token=self.admin), 404, "enrol an unregistered enterprise")
        county = self.county_token
        self.expect(self.req("POST", f"/v1/enterprises/{e1['code']}/enrolment", {}, token=county), 403, "enrol with a county token")
        self.expect(self.req("POST", "/v1/enterprises", {"credit_code": other, "name": "县级", "contact": {"name": "李", "phone": "13900000000"}},
                             token=county), 403, "register with a county token")
        # enrol E1 (2 days) twice: the second key replaces the first, the window stays
        self.enrol("E1", {"settle_days": 2})
        self.enrol("E1", {})
        self.enrol("E2", None)
        # E5: the longest window (30 working days). From December on it runs into a year the
        # notices do not cover: the law layer counts it (before the law layer it could not be
        # computed and the complaint went to a station; that happens now only past 2100).
        base = "91330108MA" + "".join(self.rng.choice(CREDIT_ALPHABET) for _ in range(7))
        e5 = {"key_name": "E5", "code": credit_code(base), "name": "滨江长窗口科技有限公司", "merchant_id": None, "phone": self.phone(),
              "days": 30, "key": None, "old_keys": []}
        self.expect(self.req("POST", "/v1/enterprises", {"credit_code": e5["code"], "name": e5["name"],
                                                         "contact": {"name": "赵经理", "phone": e5["phone"]}}, token=self.admin), 201, "register E5")
        self.ents["E5"] = e5
        self.enrol("E5", {"settle_days": 30})
        for key in ("E1", "E2", "E3"):
            e = self.ents[key]
            doc = self.expect(self.staff_get(f"/v1/enterprises/{e['code']}"), 200, f"GET enterprise {key}")
            if doc:
                dtv = doc.get("direct_train") or {}
                want_days = e["days"] or self.rules["enterprise_settlement"]["working_days"] if key != "E3" else None
                self.ck.check(dtv.get("enrolled") == (key != "E3") and dtv.get("settle_days") == want_days
                              and dtv.get("uses_default_window") == (e["days"] is None),
                              f"GET enterprise {key}: direct_train {dtv}, expected enrolled {key != 'E3'} settle_days {want_days}")
        doc = self.expect(self.staff_get("/v1/enterprises?enrolled=true"), 200, "list enrolled enterprises")
        if doc:
            got = sorted(e["credit_code"] for e in doc.get("enterprises", []))
            self.ck.check(got == sorted(self.ents[k]["code"] for k in ("E1", "E2", "E5")), f"enrolled enterprises {got}")

    def enrol(self, key, body):
        e = self.ents[key]
        r = self.req("POST", f"/v1/enterprises/{e['code']}/enrolment", body, token=self.admin,
                     raw=b"" if body is None else None)
        doc = self.expect(r, 200, f"enrol {key} {body}")
        if not doc:
            die(f"cannot enrol {key}: {r[2][:300]!r}")
        self.ck.check(str(doc.get("key", "")).startswith("ent_") and r[1].get("cache-control") == "no-store",
                      f"enrol {key}: key {str(doc.get('key'))[:8]}..., Cache-Control {r[1].get('cache-control')!r}")
        if e["key"]:
            e["old_keys"].append(e["key"])
        e["key"] = doc["key"]
        want_days = e["days"] or self.rules["enterprise_settlement"]["working_days"]
        self.ck.check(doc["enterprise"]["direct_train"].get("settle_days") == want_days,
                      f"enrol {key}: settle_days {doc['enterprise']['direct_train'].get('settle_days')}, expected {want_days}")

    # ---- phase 2: intake
    def body_for(self, spec, i):
        st = self.anchors[i % len(self.anchors)]
        lat, lng = self.point_near(st)
        merchant = {"name": spec.get("merchant_name") or f"测试商户{i}号"}
        for how in spec.get("by", "").split("+"):
            e = self.ents.get(spec.get("ent"))
            if how == "code":
                merchant["code"] = e["code"]
            elif how == "id":
                merchant["id"] = e["merchant_id"]
            elif how.startswith("id-E"):
                merchant["id"] = self.ents[how[3:]]["merchant_id"]
            elif how == "unknown-code":
                merchant["code"] = credit_code("91330000MA" + "".join(self.rng.choice(CREDIT_ALPHABET) for _ in range(7)))
        body = {"location": {"lat": lat, "lng": lng, "coordsys": "wgs84"},
                "consumer": {"name": self.name(), "phone": self.phone()},
                "merchant": merchant,
                "category": spec.get("category", "product_quality"),
                "description": spec.get("description", f"complaints-paths #{i}: {spec['path']}"),
                "preferred_mode": "offline"}
        if "amount" in spec:
            body["amount_yuan"] = spec["amount"]
        return body

    def file(self, spec):
        i = len(self.complaints)
        body = self.body_for(spec, i)
        s, _, raw = request("POST", self.url + "/v1/complaints", json_body=body)
        doc = json_of(raw)
        if not self.ck.check(s == 201 and isinstance(doc, dict), f"intake #{i} ({spec['path']}): HTTP {s}: {raw[:300]!r}"):
            return None
        c = Complaint(spec, doc["number"], doc["tracking_token"], body)
        self.complaints[c.number] = c
        c.view = doc
        c.ent = spec.get("refer")
        if spec.get("refer_if_window"):
            # referred only when the enterprise's window ends inside the working-day calendar;
            # else to a station, as if it were not enrolled, and the submit event says why
            key = spec["refer_if_window"]
            days = self.ents[key]["days"] or self.rules["enterprise_settlement"]["working_days"]
            reachable = self.cal.deadline(ts(doc["submitted_at"]), days) is not None
            c.ent = key if reachable else None
            c.not_sent_to = None if reachable else key
        c.urgent_rule = spec.get("urgent")
        c.exp.append(("submit", None, "submitted"))
        if c.ent:
            c.exp.append(("refer", "submitted", "with_enterprise"))
        else:
            c.exp.append(("assign", "submitted", "assigned"))
        c.station = (doc.get("station") or {}).get("id")
        self.ck.check(doc.get("status") == c.status, f"{c.number} ({c.path}): intake status {doc.get('status')!r}, expected {c.status!r}")
        train = doc.get("direct_train")
        if c.ent:
            e = self.ents[c.ent]
            days = e["days"] or self.rules["enterprise_settlement"]["working_days"]
            want = self.cal.deadline(ts(doc["submitted_at"]), days)
            self.ck.check(train and train["enterprise"]["credit_code"] == e["code"] and train["settle_by"] == (want and local(want)),
                          f"{c.number} ({c.path}): direct_train {train}, expected {c.ent} {e['code']} settle_by {want and local(want)} "
                          f"({days} working days from {doc['submitted_at']})")
        else:
            self.ck.check(train is None, f"{c.number} ({c.path}): direct_train {train}, expected none")
        urgent = doc.get("urgent")
        if c.urgent_rule:
            due = ts(doc["submitted_at"]) + dt.timedelta(hours=self.rules["urgent"]["hours"])
            self.ck.check(urgent and urgent.get("reason") == c.urgent_rule and urgent.get("due_by") == local(due),
                          f"{c.number} ({c.path}): urgent {urgent}, expected reason {c.urgent_rule!r} due_by {fmt(due)}")
        else:
            self.ck.check(urgent is None, f"{c.number} ({c.path}): urgent {urgent}, expected none")
        return c

    SPECS = [
        # E1: settle_days 2
        dict(path="settle-accept-close", ent="E1", by="code", refer="E1"),
        dict(path="settle-accept", ent="E1", by="id", refer="E1"),
        dict(path="settle-accept-reopen", ent="E1", by="code", refer="E1"),
        dict(path="settle-accept-uphold", ent="E1", by="code", refer="E1"),
        dict(path="settle-reject-uphold", ent="E1", by="code", refer="E1"),
        dict(path="settle-reject-open", ent="E1", by="id", refer="E1"),
        dict(path="settle-reject-mediate", ent="E1", by="code", refer="E1"),
        dict(path="settle-lapse", ent="E1", by="code", refer="E1"),
        dict(path="settle-lapse", ent="E1", by="id", refer="E1"),
        dict(path="decline", ent="E1", by="code", refer="E1"),
        dict(path="decline-fail-handoff", ent="E1", by="code", refer="E1"),
        dict(path="timeout", ent="E1", by="code", refer="E1"),
        dict(path="timeout", ent="E1", by="code", refer="E1"),
        dict(path="timeout", ent="E1", by="id", refer="E1"),
        dict(path="withdraw-with-enterprise", ent="E1", by="code", refer="E1"),
        dict(path="withdraw-settlement-offered", ent="E1", by="code", refer="E1"),
        dict(path="urgent-recall-verify", ent="E1", by="code", refer="E1"),
        dict(path="urgent-recall-mediate", ent="E1", by="id", refer="E1"),
        dict(path="urgent-while-settlement-offered", ent="E1", by="code", refer="E1"),
        dict(path="below-urgent-amount", ent="E1", by="code", refer="E1", amount=49999.99),
        dict(path="food-no-harm-timeout", ent="E1", by="code", refer="E1", category="food_safety",
             description="买到的牛奶口味异常，要求退款"),
        # the credit code decides the enterprise; the merchant id only when there is no code
        dict(path="unknown-code-E1-id-station", ent="E1", by="unknown-code+id"),
        dict(path="e3-code-E1-id-station", ent="E3", by="code+id-E1"),
        dict(path="e1-code-E3-id-timeout", ent="E1", by="code+id-E3", refer="E1"),
        dict(path="staff-reassign-from-enterprise", ent="E1", by="code", refer="E1"),
        dict(path="staff-reassign-from-enterprise-to-station", ent="E1", by="id", refer="E1"),
        # E2: the default window
        dict(path="e2-settle-accept", ent="E2", by="code", refer="E2"),
        dict(path="e2-decline", ent="E2", by="id", refer="E2"),
        dict(path="e2-settle-reject", ent="E2", by="code", refer="E2"),
        dict(path="e2-recalled-by-revocation", ent="E2", by="code", refer="E2"),
        dict(path="e2-recalled-by-revocation", ent="E2", by="code", refer="E2"),
        dict(path="e2-recalled-by-revocation", ent="E2", by="id", refer="E2"),
        dict(path="e2-offered-at-revocation-accept", ent="E2", by="code", refer="E2"),
        dict(path="e2-offered-at-revocation-lapse", ent="E2", by="id", refer="E2"),
        dict(path="e2-code-wins-over-E1-id", ent="E2", by="code+id-E1", refer="E2"),
        # E5: settle_days 30, into the years the law layer counts; referred all the same (only a
        # window past 2100 is not), it times out at its settle_by and is then accepted (at the real
        # time: the sweep ran ahead), judged on the acceptance deadline the law alone counted
        dict(path="e5-long-window-timeout-accept", ent="E5", by="code", refer_if_window="E5"),
        # urgent by rule: straight to a station even when the enterprise is enrolled
        dict(path="urgent-food-mediate", ent="E1", by="code", urgent="食品安全且有健康损害", category="food_safety",
             description="吃了店里的凉菜后腹泻，已就医"),
        dict(path="urgent-food-running", urgent="食品安全且有健康损害", category="food_safety",
             description="孩子食用后呕吐送医"),
        dict(path="urgent-amount-verify", ent="E2", by="id", urgent="争议金额5万元以上", amount=60000),
        dict(path="urgent-amount-boundary-running", ent="E1", by="code", urgent="争议金额5万元以上", amount=50000),
        # staff mark_urgent at a station
        dict(path="mark-urgent-assigned-verify", ent="E3", by="code"),
        # stations (E3, E4 unenrolled, or no enterprise)
        dict(path="station-fail-handoff", ent="E4", by="code"),
        dict(path="station-fail-feedback-handoff-court", ent="E3", by="id"),
        dict(path="station-review-uphold", ent="E3", by="code"),
        dict(path="station-review-reopen-other-station", ent="E4", by="code"),
        dict(path="station-review-reopen-fail"),
        dict(path="station-review-reopen-waiting", ent="E3", by="code"),
        dict(path="station-assigned", ent="E3", by="code"),
        dict(path="station-assigned", ent="E4", by="code"),
        dict(path="station-assigned"),
        # issue 20: a refusal is the refusing station's answer; 不予受理 ends a complaint
        dict(path="station-refuse-accept"),
        dict(path="station-decline"),
    ] + [dict(path="station-resolve-close", ent=("E3", "E4", None)[k % 3], by="code" if k % 3 < 2 else "") for k in range(8)]

    CLOSING = {"settle-accept-close", "settle-accept-reopen", "settle-accept-uphold", "settle-reject-mediate",
               "decline-fail-handoff", "station-fail-handoff", "station-fail-feedback-handoff-court", "station-review-uphold",
               "station-review-reopen-other-station", "station-resolve-close"}

    def intake(self):
        for spec in self.SPECS:
            self.file(spec)
        # The return-visit draw depends on the numbers: file plain complaints that will be closed
        # until at least four closing ones are drawn.
        share = self.rules["return_visits"]["share"]
        extra = 0
        while sum(1 for c in self.complaints.values() if c.path in self.CLOSING and visit_drawn(c.number, share)) < 4 and extra < 80:
            self.file(dict(path="station-resolve-close", ent="E4", by="code"))
            extra += 1
        self.extra = extra

    def by_path(self, path):
        return [c for c in self.complaints.values() if c.path == path]

    def one(self, path):
        return self.by_path(path)[0]

    # ---- phase 3: the direct train
    def direct_train(self):
        k1, k2 = self.ents["E1"]["key"], self.ents["E2"]["key"]
        settle = lambda c, key: self.enterprise(key, c, "settle", {"agreement": "退货退款并补偿50元"},  # noqa: E731
                                                tuples=[("settle", "with_enterprise", "settlement_offered")])
        decline = lambda c, key: self.enterprise(key, c, "decline", {"reason": "商品无质量问题"},  # noqa: E731
                                                 tuples=[("decline", "with_enterprise", "submitted"), ("assign", "submitted", "assigned")])
        accept = lambda c: self.consumer(c, "settlement/accept", tuples=[("accept_settlement", "settlement_offered", "resolved")])  # noqa: E731
        reject = lambda c: self.consumer(c, "settlement/reject", {"reason": "补偿太少"},  # noqa: E731
                                         tuples=[("reject_settlement", "settlement_offered", "submitted"), ("assign", "submitted", "assigned"),
                                                 ("open_review", "assigned", "assigned")])

        # the enterprise sees its complaints, and only its own
        for key, ek in (("E1", k1), ("E2", k2)):
            doc = self.expect(self.req("GET", "/v1/enterprise/complaints", token=ek), 200, f"{key}: list with_enterprise")
            want = sorted(c.number for c in self.complaints.values() if c.ent == key and c.status == "with_enterprise")
            got = sorted(x["number"] for x in (doc or {}).get("complaints", []))
            self.ck.check(got == want, f"{key}: with_enterprise list {got}, expected {want}")
        c = self.one("settle-accept-close")
        doc = self.expect(self.req("GET", f"/v1/enterprise/complaints/{c.number}", token=k1), 200, "E1: GET own complaint")
        if doc:
            self.ck.check(doc["consumer"]["phone"] == c.phone and doc.get("station") is None
                          and [e["action"] for e in doc["events"]] == ["submit", "refer"]
                          and doc.get("allowed_actions") == ["settle", "decline"],
                          f"E1: own complaint: phone {doc['consumer']['phone']!r}, events {[e['action'] for e in doc['events']]}, "
                          f"allowed {doc.get('allowed_actions')}")
        self.expect(self.req("GET", f"/v1/enterprise/complaints/{c.number}", token=k2), 404, "E2: GET an E1 complaint")
        self.enterprise(k2, c, "settle", {"agreement": "x"}, code=404)
        self.enterprise(k2, c, "decline", {"reason": "x"}, code=404)
        self.consumer(c, "settlement/accept", code=409)
        self.consumer(c, "settlement/reject", code=409)
        self.consumer(c, "feedback", {"satisfaction": 5}, code=409)
        self.staff(c, "accept", code=409)
        self.staff(c, "resolve", code=409, note="x")
        self.enterprise(k1, c, "settle", {"agreement": "  "}, code=400)
        self.enterprise(k1, c, "settle", {}, code=400)

        # settle -> accept (-> feedback 5 -> closed)
        settle(c, k1)
        self.enterprise(k1, c, "settle", {"agreement": "再次"}, code=409)
        self.enterprise(k1, c, "decline", {"reason": "反悔"}, code=409)
        self.consumer(c, "settlement/accept", token="trk_" + "x" * 43, code=404)
        reply = c.view and c.view["direct_train"].get("reply_by")
        want = self.cal.deadline(ts(c.view["updated_at"]), self.rules["settlement_reply"]["working_days"]) if c.view else None
        self.ck.check(reply == (want and local(want)), f"{c.number}: reply_by {reply}, expected {want and local(want)}")
        accept(c)
        self.consumer(c, "settlement/accept", code=409)
        self.consumer(c, "withdraw", code=409)
        self.feedback(c, 5)

        c = self.one("settle-accept")
        settle(c, k1)
        accept(c)

        c = self.one("settle-accept-reopen")
        settle(c, k1)
        accept(c)
        self.feedback(c, 1)
        self.staff(c, "reopen", code=400)   # the note is required
        self.staff(c, "reopen", note="消费者称退款未到账", tuples=[("reopen", "closed", "assigned")])
        self.ck.check(c.station is not None, f"{c.number}: reopened without a station")
        self.mediate(c)
        self.feedback(c, 4)

        c = self.one("settle-accept-uphold")
        settle(c, k1)
        accept(c)
        self.feedback(c, 2)
        self.staff(c, "uphold", note="和解协议已履行", tuples=[("uphold", "closed", "closed")])
        self.staff(c, "uphold", note="再次", code=409)

        c = self.one("settle-reject-uphold")
        settle(c, k1)
        reject(c)
        if c.view:
            rv = c.view.get("review") or {}
            want = self.cal.deadline(ts(rv.get("opened_at", c.view["updated_at"])), self.rules["review"]["working_days"])
            self.ck.check(rv.get("trigger") == "rejected_settlement" and rv.get("due_by") == (want and local(want)),
                          f"{c.number}: review {rv}, expected trigger rejected_settlement due_by {want and fmt(want)}")
            self.ck.check((c.view.get("direct_train") or {}).get("outcome") == "rejected", f"{c.number}: direct_train {c.view.get('direct_train')}")
        self.staff(c, "reopen", note="不适用", code=409)      # assigned: reopen is not a move from here
        self.staff(c, "uphold", note="企业方案合理，转站点调解", tuples=[("uphold", "assigned", "assigned")])
        self.enterprise(k1, c, "settle", {"agreement": "补救"}, code=409)

        c = self.one("settle-reject-open")
        settle(c, k1)
        reject(c)

        c = self.one("settle-reject-mediate")
        settle(c, k1)
        reject(c)
        self.mediate(c)
        self.staff(c, "uphold", note="调解已成功", tuples=[("uphold", "resolved", "resolved")])
        self.feedback(c, 5)

        for c in self.by_path("settle-lapse"):
            settle(c, k1)

        c = self.one("decline")
        decline(c, k1)
        self.enterprise(k1, c, "settle", {"agreement": "改主意"}, code=409)
        c = self.one("decline-fail-handoff")
        decline(c, k1)
        # named by a credit code that is not E1's: E1's merchant id does not bring them to E1
        for c in self.by_path("unknown-code-E1-id-station") + self.by_path("e3-code-E1-id-station"):
            self.expect(self.req("GET", f"/v1/enterprise/complaints/{c.number}", token=k1), 404,
                        f"{c.number} ({c.path}): E1 GETs a complaint naming another credit code with E1's merchant id")
            self.enterprise(k1, c, "decline", {"reason": "不是我们"}, code=404)

        c = self.one("withdraw-with-enterprise")
        self.consumer(c, "withdraw", {"reason": "已自行解决"}, tuples=[("withdraw", "with_enterprise", "withdrawn")])
        self.enterprise(k1, c, "settle", {"agreement": "迟到"}, code=409)
        c = self.one("withdraw-settlement-offered")
        settle(c, k1)
        self.consumer(c, "withdraw", tuples=[("withdraw", "settlement_offered", "withdrawn")])
        self.consumer(c, "settlement/accept", code=409)

        c = self.one("urgent-recall-verify")
        self.staff(c, "mark_urgent", code=400)   # the note is required
        self.staff(c, "mark_urgent", note="消费者反映存在安全隐患",
                   tuples=[("mark_urgent", "with_enterprise", "with_enterprise"), ("recall", "with_enterprise", "submitted"),
                           ("assign", "submitted", "assigned")])
        self.check_urgent_view(c)
        self.staff(c, "mark_urgent", note="再次", code=409)
        self.enterprise(k1, c, "settle", {"agreement": "迟到"}, code=409)
        self.staff(c, "verify", note="已电话核实", tuples=[("verify", "assigned", "assigned")])
        self.staff(c, "verify", note="再次", code=409)
        c = self.one("urgent-recall-mediate")
        self.staff(c, "mark_urgent", note="涉及老人财产安全",
                   tuples=[("mark_urgent", "with_enterprise", "with_enterprise"), ("recall", "with_enterprise", "submitted"),
                           ("assign", "submitted", "assigned")])
        self.staff(c, "accept", tuples=[("accept", "assigned", "accepted")])
        self.staff(c, "start_mediation", tuples=[("start_mediation", "accepted", "mediating")])

        # Urgent while the settlement waits for the consumer: refused (409 illegal-transition),
        # nothing could stop its clock; no event, no text, no urgent record.
        c = self.one("urgent-while-settlement-offered")
        settle(c, k1)
        self.refused_unchanged(c, "mark_urgent", note="消费者称商品有安全隐患")
        self.staff(c, "verify", note="核实", code=409)
        accept(c)

        # Staff take a complaint from the enterprise by reassigning it: the train ends (recalled)
        # and, as for any other way out, the station clocks start now.
        for c in self.by_path("staff-reassign-from-enterprise") + self.by_path("staff-reassign-from-enterprise-to-station"):
            self.reassign_from_enterprise(c, k1)

        c = self.one("below-urgent-amount")
        settle(c, k1)
        accept(c)

        # E2
        c = self.one("e2-settle-accept")
        settle(c, k2)
        accept(c)
        self.enterprise(k1, c, "settle", {"agreement": "x"}, code=404)
        decline(self.one("e2-decline"), k2)
        c = self.one("e2-settle-reject")
        settle(c, k2)
        reject(c)
        for c in self.by_path("e2-offered-at-revocation-accept") + self.by_path("e2-offered-at-revocation-lapse"):
            settle(c, k2)
        c = self.one("e2-code-wins-over-E1-id")
        self.enterprise(k1, c, "decline", {"reason": "不是我们"}, code=404)
        decline(c, k2)

        # an enterprise cannot act on a complaint that never went to it
        c = self.one("station-assigned")
        self.enterprise(k1, c, "settle", {"agreement": "x"}, code=404)
        self.expect(self.req("GET", f"/v1/enterprise/complaints/{c.number}", token=k1), 404, "E1: GET a station complaint")
        self.expect(self.req("POST", "/v1/enterprise/complaints/ZJ-20000101-999999/settle", {"agreement": "x"}, token=k1), 404,
                    "E1: settle an unknown number")
        self.expect(self.req("POST", "/v1/enterprise/complaints/not-a-number/settle", {"agreement": "x"}, token=k1), 404,
                    "E1: settle a malformed number")
        self.consumer(c, "settlement/accept", code=409)

        # the lists by status (E5's: what was referred to it, nothing when its window ran past the calendar)
        for key, ek in (("E1", k1), ("E2", k2), ("E5", self.ents["E5"]["key"])):
            for status in ("with_enterprise", "settlement_offered", "all"):
                doc = self.expect(self.req("GET", f"/v1/enterprise/complaints?status={status}&limit=200", token=ek), 200, f"{key}: list {status}")
                want = sorted((c.number for c in self.complaints.values()
                               if c.ent == key and (status == "all" or c.status == status)), reverse=True)
                got = [x["number"] for x in (doc or {}).get("complaints", [])]
                self.ck.check(got == want, f"{key}: list ?status={status}: {got}, expected {want} (newest first)")
        self.expect(self.req("GET", "/v1/enterprise/complaints?status=assigned", token=k1), 400, "E1: list ?status=assigned")
        # pages of 4, newest first, follow `next`
        pages, after = [], None
        for _ in range(50):
            doc = self.expect(self.req("GET", "/v1/enterprise/complaints?status=all&limit=4" + (f"&after={after}" if after else ""), token=k1),
                              200, "E1: a page of ?status=all")
            if not doc:
                break
            pages += [x["number"] for x in doc.get("complaints", [])]
            after = doc.get("next")
            if not after:
                break
        want = sorted((c.number for c in self.complaints.values() if c.ent == "E1"), reverse=True)
        self.ck.check(pages == want, f"E1: pages of 4 {pages}, expected {want}")

    def reassign_from_enterprise(self, c, k1):
        fields = {}
        if c.path.endswith("-to-station"):
            fields["station_id"] = self.anchors[list(self.complaints).index(c.number) % len(self.anchors)].id
        self.staff(c, "reassign", note="企业联系不上，转站点", tuples=[("reassign", "with_enterprise", "assigned")], **fields)
        if fields:
            self.ck.check(c.station == fields["station_id"], f"{c.number} ({c.path}): reassigned to {c.station}, asked for {fields['station_id']}")
        if c.view:
            dl = c.view.get("deadlines") or {}
            moved = next((e for e in reversed(c.view.get("events") or []) if e.get("action") == "reassign"), None)
            at = ts(moved["at"] if moved else c.view["updated_at"])
            want = {"dispatch_by": period_end(self.cal, self.rules["dispatch"], at),
                    "respond_by": period_end(self.cal, self.rules["first_response"], at),
                    "acceptance_by": period_end(self.cal, self.rules["acceptance"], at)}
            want = {k: v and local(v) for k, v in want.items()}   # None: past the calendar, left unset
            self.ck.check({k: dl.get(k) for k in want} == want and (c.view.get("direct_train") or {}).get("outcome") == "recalled",
                          f"{c.number}: reassigned by staff out of the direct train: deadlines {dl}, expected {want} (the station "
                          f"clocks start when it leaves the enterprise); direct_train outcome {(c.view.get('direct_train') or {}).get('outcome')}")
        self.enterprise(k1, c, "settle", {"agreement": "迟到"}, code=409)

    def complaint_state(self, n):
        """(status, urgent, event seqs, notification ids) as staff see them now."""
        doc = self.expect(self.staff_get(f"/v1/complaints/{n}"), 200, f"staff GET {n}") or {}
        texts = self.expect(self.staff_get(f"/v1/complaints/{n}/notifications"), 200, f"GET {n}/notifications") or {}
        return (doc.get("status"), doc.get("urgent"), [e.get("seq") for e in doc.get("events", [])],
                sorted(x.get("id") for x in texts.get("notifications", [])))

    def refused_unchanged(self, c, action, **fields):
        """A staff action that must be refused as an illegal transition and change nothing."""
        before = self.complaint_state(c.number)
        s, _, raw = self.req("POST", f"/v1/complaints/{c.number}/events", {"action": action, **fields}, token=self.admin)
        doc = json_of(raw) or {}
        self.ck.check(s == 409 and str(doc.get("type", "")).endswith("/illegal-transition"),
                      f"{c.number} ({c.path}): staff {action} while {c.status}: HTTP {s} type {doc.get('type')!r}, "
                      f"expected 409 illegal-transition: {raw[:300]!r}")
        after = self.complaint_state(c.number)
        self.ck.check(after == before and after[1] is None,
                      f"{c.number} ({c.path}): refused {action} changed the complaint: (status, urgent, events, texts) "
                      f"{before} -> {after}")

    def check_urgent_view(self, c):
        u = (c.view or {}).get("urgent") or {}
        marked = u.get("marked_at")
        want = marked and local(ts(marked) + dt.timedelta(hours=self.rules["urgent"]["hours"]))
        self.ck.check(u.get("reason") and u.get("due_by") == want, f"{c.number}: urgent {u}, expected due_by {want}")
        self.ck.check(((c.view or {}).get("direct_train") or {}).get("outcome") == "recalled",
                      f"{c.number}: direct_train {(c.view or {}).get('direct_train')} after mark_urgent, expected outcome recalled")

    # ---- phase 4: revocation and re-enrolment of E2
    def revocation(self):
        e2 = self.ents["E2"]
        recalled_paths = self.by_path("e2-recalled-by-revocation")
        want = sorted(c.number for c in self.complaints.values() if c.ent == "E2" and c.status == "with_enterprise")
        self.expect(self.req("DELETE", f"/v1/enterprises/{e2['code']}/enrolment", token=self.county_token), 403,
                    "revoke with a county token")
        doc = self.expect(self.req("DELETE", f"/v1/enterprises/{e2['code']}/enrolment", token=self.admin), 200, "revoke E2")
        got = sorted((doc or {}).get("recalled", []))
        self.ck.check(got == want and want == sorted(c.number for c in recalled_paths),
                      f"revoke E2: recalled {got}, expected {want}")
        self.ck.check(doc and doc["enterprise"]["direct_train"]["enrolled"] is False, f"revoke E2: {doc and doc['enterprise']}")
        for c in recalled_paths:
            c.exp += [("recall", "with_enterprise", "submitted"), ("assign", "submitted", "assigned")]
        e2["old_keys"].append(e2["key"])
        revoked, e2["key"] = e2["key"], None
        self.expect(self.req("GET", "/v1/enterprise/complaints", token=revoked), 401, "E2 revoked key: list")
        c = self.one("e2-offered-at-revocation-accept")
        self.enterprise(revoked, c, "settle", {"agreement": "x"}, code=401)
        # settlements already offered stay with the consumer
        self.consumer(c, "settlement/accept", tuples=[("accept_settlement", "settlement_offered", "resolved")])
        # while not enrolled, complaints naming E2 go to stations
        self.file(dict(path="e2-after-revocation", ent="E2", by="code"))
        self.file(dict(path="e2-after-revocation", ent="E2", by="id"))
        # enrolled again: a new key, the default window again; the old key stays revoked
        self.enrol("E2", None)
        self.expect(self.req("GET", "/v1/enterprise/complaints", token=revoked), 401, "E2 revoked key after re-enrolment")
        for _ in range(2):
            self.file(dict(path="e2-reenrolled-timeout", ent="E2", by="code", refer="E2"))
        c = self.file(dict(path="e2-reenrolled-settle-accept", ent="E2", by="id", refer="E2"))
        if c:
            self.enterprise(self.ents["E2"]["key"], c, "settle", {"agreement": "换新"}, tuples=[("settle", "with_enterprise", "settlement_offered")])
            self.consumer(c, "settlement/accept", tuples=[("accept_settlement", "settlement_offered", "resolved")])
        # the first E1 key was replaced by the second enrolment
        self.expect(self.req("GET", "/v1/enterprise/complaints", token=self.ents["E1"]["old_keys"][0]), 401, "E1 first key after re-enrolment")

    # ---- phase 5: stations, urgent, reviews
    def stations_phase(self):
        c = self.one("urgent-food-mediate")
        self.mediate(c)
        c = self.one("urgent-amount-verify")
        self.staff(c, "verify", note="已现场核实", tuples=[("verify", "assigned", "assigned")])
        c = self.one("urgent-food-running")
        self.staff(c, "mark_urgent", note="再次", code=409)

        c = self.one("mark-urgent-assigned-verify")
        self.staff(c, "verify", note="未列为紧急", code=409)
        self.staff(c, "mark_urgent", note="涉及人身安全", tuples=[("mark_urgent", "assigned", "assigned")])
        self.staff(c, "mark_urgent", note="再次", code=409)
        self.staff(c, "verify", note="已核实", tuples=[("verify", "assigned", "assigned")])

        c = self.one("station-fail-handoff")
        self.mediate(c, "fail")
        self.staff(c, "hand_off", code=400, court_id="")
        self.staff(c, "hand_off", code=400, court_id="330000-C99")
        self.staff(c, "hand_off", note="消费者同意诉调对接", tuples=[("hand_off", "failed", "closed")])
        self.staff(c, "hand_off", code=409)
        c.court = self.court_of_county.get(c.view and c.view["county"]["code"])

        c = self.one("station-fail-feedback-handoff-court")
        self.mediate(c, "fail")
        self.feedback(c, 3)
        county = c.view and c.view["county"]["code"]
        other = sorted(x["id"] for x in self.courts.values() if x["county_code"] != county)[0]
        self.staff(c, "hand_off", court_id=other, tuples=[("hand_off", "closed", "closed")])
        c.court = self.courts[other]

        c = self.one("decline-fail-handoff")
        self.mediate(c, "fail")
        self.staff(c, "hand_off", tuples=[("hand_off", "failed", "closed")])
        c.court = self.court_of_county.get(c.view and c.view["county"]["code"])

        c = self.one("station-review-uphold")
        self.mediate(c)
        self.staff(c, "hand_off", code=409)            # it did not fail
        self.staff(c, "uphold", note="无复核", code=409)  # no review yet
        self.feedback(c, 2)
        self.staff(c, "uphold", note="调解结果合理", tuples=[("uphold", "closed", "closed")])

        c = self.one("station-review-reopen-other-station")
        self.mediate(c)
        self.feedback(c, 1)
        held = c.station
        st = self.station_by_id.get(held)
        target = next((s for s in self.anchors if st and s.county_code == st.county_code and s.id != held), None)
        if target is None:
            target = next(s for s in self.stations if st and s.county_code == st.county_code and s.id != held
                          and s.status == "active" and "offline" in s.modes)
        self.staff(c, "reopen", note="换站重新调解", station_id=target.id, tuples=[("reopen", "closed", "assigned")])
        self.ck.check(c.station == target.id, f"{c.number}: reopened at {c.station}, asked for {target.id}")
        self.mediate(c)
        self.feedback(c, 4)

        c = self.one("station-review-reopen-fail")
        self.mediate(c)
        self.feedback(c, 1)
        held = c.station
        self.staff(c, "reopen", note="重新调解", tuples=[("reopen", "closed", "assigned")])
        self.ck.check(c.station == held, f"{c.number}: reopened at {c.station}, expected the last station {held} (it has room)")
        self.mediate(c, "fail")
        self.staff(c, "reopen", note="再次", code=409)     # the review already has its finding

        # reopened and waiting for the station to accept it again: no mediation clock runs
        c = self.one("station-review-reopen-waiting")
        self.mediate(c)
        self.feedback(c, 2)
        self.staff(c, "reopen", note="重新调解，待站点受理", tuples=[("reopen", "closed", "assigned")])
        if c.view:
            dl = c.view.get("deadlines") or {}
            self.ck.check(dl.get("mediation_by") is None, f"{c.number} ({c.path}): reopened, not accepted again: mediation_by "
                                                          f"{dl.get('mediation_by')}, expected none")

        c = self.one("station-refuse-accept")
        first = c.station
        self.staff(c, "refuse", note="本站无调解员", tuples=[("refuse", "assigned", "refused"), ("assign", "refused", "assigned")])
        self.ck.check(c.station not in (None, first), f"{c.number} ({c.path}): refused by {first}, now at {c.station}")
        self.staff(c, "accept", tuples=[("accept", "assigned", "accepted")])

        c = self.one("station-decline")
        self.staff(c, "decline", code=400)   # no reason
        self.staff(c, "decline", reason="handled_elsewhere", note="已向法院起诉", tuples=[("decline", "assigned", "declined")])
        self.ck.check((c.view.get("decline") or {}).get("reason") == "handled_elsewhere", f"{c.number} ({c.path}): decline {c.view.get('decline')}")
        self.staff(c, "accept", code=409)
        self.consumer(c, "withdraw", code=409)

        for c in self.by_path("station-resolve-close"):
            self.mediate(c)
            self.staff(c, "mark_urgent", note="太晚", code=409)   # resolved: no more urgent track
            self.feedback(c, 5)

        # issue 20: retiring a station hands every open complaint it holds on to other active
        # stations (force: a mediation or a confirmed session too), each with a reassign event
        c = self.one("station-refuse-accept")
        target = c.station
        held = [x for x in self.complaints.values() if x.station == target and x.status in ("assigned", "accepted", "mediating")]
        r = self.req("POST", f"/v1/stations/{target}/retire", {"reason": "并入邻村", "force": True}, token=self.admin)
        doc = self.expect(r, 200, f"retire {target} holding {[x.number for x in held]}")
        self.ck.check(doc is not None and doc.get("status") == "retired", f"retire {target}: {str(doc)[:200]}")
        for x in held:
            before = x.status
            view = self.expect(self.staff_get(f"/v1/complaints/{x.number}"), 200, f"staff GET {x.number} after the retirement")
            if not view:
                continue
            x.exp.append(("reassign", before, "assigned"))
            x.view = view
            x.station = (view.get("station") or {}).get("id")
            self.ck.check(x.station not in (None, target) and view.get("status") == "assigned",
                          f"{x.number} ({x.path}): after {target} retired: {view.get('status')} at {x.station}")
        self.retired_holding = (target, len(held))

        # things that are never allowed at a station
        c = self.one("station-assigned")
        self.staff(c, "uphold", note="x", code=409)
        self.staff(c, "return_visit", reached=True, code=409)
        self.consumer(c, "settlement/reject", code=409)

    # ---- phase 6: return visits and case files
    def return_visits(self):
        share = self.rules["return_visits"]["share"]
        # queued when first closed (a reopened one stays queued), visited only while closed
        queued = sorted(c.number for c in self.complaints.values()
                        if any(t[2] == "closed" for t in c.exp) and visit_drawn(c.number, share))
        doc = self.expect(self.staff_get("/v1/return-visits?limit=500"), 200, "GET /v1/return-visits")
        got = sorted(x["number"] for x in (doc or {}).get("complaints", []))
        self.ck.check(got == queued, f"return-visit queue {got}, expected the drawn complaints that were closed {queued}")
        for n in queued:
            if self.complaints[n].status != "closed":
                self.staff(self.complaints[n], "return_visit", reached=True, code=409)
        pending = [n for n in queued if self.complaints[n].status != "closed"]
        queued = [n for n in queued if self.complaints[n].status == "closed"]
        not_drawn = next(c for c in self.complaints.values() if c.status == "closed" and not visit_drawn(c.number, share))
        self.staff(not_drawn, "return_visit", reached=True, code=409)
        plans = [dict(reached=True, satisfied=True), dict(reached=False), dict(reached=True, satisfied=False), dict(reached=True)]
        self.visited = []
        for k, n in enumerate(queued[:-1]):   # the last one stays pending
            c = self.complaints[n]
            p = plans[k % len(plans)]
            if k == 0:
                self.staff(c, "return_visit", code=400, reached=False, satisfied=True)
                self.staff(c, "return_visit", code=400)
            self.staff(c, "return_visit", note="回访", tuples=[("return_visit", "closed", "closed")], **p)
            self.staff(c, "return_visit", reached=True, code=409)
            self.visited.append(n)
        doc = self.expect(self.staff_get("/v1/return-visits"), 200, "GET /v1/return-visits after the visits")
        got = sorted(x["number"] for x in (doc or {}).get("complaints", []))
        self.ck.check(got == sorted(pending + queued[-1:]), f"return-visit queue after visits {got}, expected {sorted(pending + queued[-1:])}")

    def case_files(self):
        for c in self.complaints.values():
            if not getattr(c, "court", None):
                continue
            n = c.number
            s, h, raw = self.staff_get(f"/v1/complaints/{n}/case-file?format=json")
            doc = json_of(raw) or {}
            self.ck.check(s == 200 and "application/json" in h.get("content-type", ""), f"{n}: case-file json: HTTP {s} {h.get('content-type')}")
            court = doc.get("court") or {}
            self.ck.check((doc.get("complaint") or {}).get("number") == n and court.get("id") == c.court["id"]
                          and court.get("name") == c.court["name"] and doc.get("handed_off_at")
                          and (doc.get("outcome") or {}).get("outcome") == "failed",
                          f"{n}: case file names court {court.get('id')} {court.get('name')!r}, number "
                          f"{(doc.get('complaint') or {}).get('number')}, outcome {doc.get('outcome')}; expected {c.court['id']} {c.court['name']!r}")
            ch = (doc.get("complaint") or {}).get("court_handoff") or {}
            self.ck.check(ch.get("court_id") == c.court["id"], f"{n}: complaint.court_handoff {ch}")
            s, h, raw = self.staff_get(f"/v1/complaints/{n}/case-file?format=pdf")
            self.ck.check(s == 200 and h.get("content-type") == "application/pdf" and raw.startswith(b"%PDF-")
                          and b"%%EOF" in raw[-1024:] and n in h.get("content-disposition", ""),
                          f"{n}: case-file pdf: HTTP {s}, Content-Type {h.get('content-type')!r}, "
                          f"starts {raw[:8]!r}, {len(raw)} bytes, Content-Disposition {h.get('content-disposition')!r}")
            s, h, raw = self.req("GET", f"/v1/complaints/{n}/case-file", headers={"Accept": "application/pdf"}, token=self.admin)
            self.ck.check(s == 200 and raw.startswith(b"%PDF-"), f"{n}: case-file with Accept: application/pdf: HTTP {s} {raw[:8]!r}")
        n = next(c.number for c in self.complaints.values() if getattr(c, "court", None))
        self.expect(self.staff_get(f"/v1/complaints/{n}/case-file?format=xml"), 400, "case-file ?format=xml")
        self.expect(self.req("GET", f"/v1/complaints/{n}/case-file"), 401, "case-file without a token")
        self.expect(self.req("GET", f"/v1/complaints/{n}/case-file", token=self.ents["E1"]["key"]), 403, "case-file with an enterprise key")

    # ---- phase 7: who may call what
    def boundaries(self):
        k1 = self.ents["E1"]["key"]
        n = next(iter(self.complaints))
        for method, path, body in (("GET", f"/v1/complaints/{n}", None), ("POST", f"/v1/complaints/{n}/events", {"action": "accept"}),
                                   ("GET", "/v1/stats", None), ("GET", "/v1/reviews", None), ("GET", "/v1/return-visits", None),
                                   ("GET", "/v1/complaints?urgent=true", None), ("GET", f"/v1/complaints/{n}/notifications", None),
                                   ("GET", "/v1/enterprises", None),
                                   ("POST", "/v1/enterprises", {"credit_code": self.ents["E3"]["code"], "name": "x", "contact": {"name": "x", "phone": "13900000000"}}),
                                   ("POST", f"/v1/enterprises/{self.ents['E1']['code']}/enrolment", {})):
            self.expect(self.req(method, path, body, token=k1), 403, f"enterprise key on {method} {path}")
        c = next(c for c in self.complaints.values() if c.ent == "E1")
        for method, path, body in (("GET", "/v1/enterprise/complaints", None), ("GET", f"/v1/enterprise/complaints/{c.number}", None),
                                   ("POST", f"/v1/enterprise/complaints/{c.number}/settle", {"agreement": "x"}),
                                   ("POST", f"/v1/enterprise/complaints/{c.number}/decline", {"reason": "x"})):
            self.expect(self.req(method, path, body, token=self.admin), 403, f"admin token on {method} {path}")
            self.expect(self.req(method, path, body, token=self.county_token), 403, f"county token on {method} {path}")
            self.expect(self.req(method, path, body), 401, f"no token on {method} {path}")
            self.expect(self.req(method, path, body, token="ent_" + "A" * 43), 401, f"unknown key on {method} {path}")
        for old in self.ents["E2"]["old_keys"]:
            self.expect(self.req("POST", f"/v1/enterprise/complaints/{c.number}/settle", {"agreement": "x"}, token=old), 401,
                        "revoked E2 key on settle")

    # ---- phase 8: the timed work, with `liaison complaints sweep --at`
    def sweep(self, at):
        p = subprocess.run([str(self.binary), "complaints", "sweep", "--at", fmt(at), "--db", str(self.db), "--geodata", str(GEODATA)],
                           capture_output=True, text=True, timeout=120)
        self.ck.check(p.returncode == 0, f"sweep --at {fmt(at)}: exit {p.returncode}: {p.stderr.strip()[:300]}")
        m = re.search(r"timed_out (\d+) lapsed (\d+) dispatched (\d+) marked_overdue (\d+)", p.stdout)
        self.sweeps.append((at, p.stdout.strip()))
        return (int(m.group(1)), int(m.group(2))) if m else (None, None)

    def timed_work(self):
        now = dt.datetime.now(UTC)
        due = []   # (instant, kind, complaint)
        for c in self.complaints.values():
            if c.status == "with_enterprise":
                due.append((ts(c.view["direct_train"]["settle_by"]), "timeout", c))
            elif c.status == "settlement_offered" and c.view["direct_train"].get("reply_by"):
                due.append((ts(c.view["direct_train"]["reply_by"]), "lapse", c))
        if not due:
            self.ck.check(False, "nothing waits for the timed work: no timeout or lapse path")
            return
        instants = sorted({t for t, _, _ in due})
        self.ck.check(instants[0] > now + dt.timedelta(minutes=10),
                      f"the first enterprise/consumer window ends at {fmt(instants[0])}, too close to now for the server's own watch to stay out")
        got = self.sweep(instants[0] - dt.timedelta(milliseconds=1))
        self.ck.check(got == (0, 0), f"sweep 1 ms before the first window ends ({fmt(instants[0])}): timed_out/lapsed {got}, expected (0, 0)")
        for t in instants:
            now_due = [(k, c) for (u, k, c) in due if u == t]
            want = (sum(k == "timeout" for k, _ in now_due), sum(k == "lapse" for k, _ in now_due))
            got = self.sweep(t)
            self.ck.check(got == want, f"sweep --at {fmt(t)}: timed_out/lapsed {got}, expected {want}: "
                                       f"{[(c.number, k) for k, c in now_due]}")
            for k, c in now_due:
                if k == "timeout":
                    c.exp += [("timeout", "with_enterprise", "submitted"), ("assign", "submitted", "assigned")]
                else:
                    c.exp += [("lapse", "settlement_offered", "resolved")]
                c.swept_at = t
        got = self.sweep(instants[-1] + dt.timedelta(days=1))
        self.ck.check(got == (0, 0), f"sweep a day after the last window: timed_out/lapsed {got}, expected (0, 0)")
        # an enterprise cannot answer after its window
        c = next((c for c in self.complaints.values() if c.path == "timeout"), None)
        if c:
            self.enterprise(self.ents["E1"]["key"], c, "settle", {"agreement": "迟到的和解"}, code=409)
        c = next((c for c in self.complaints.values() if c.path == "settle-lapse"), None)
        if c:
            self.consumer(c, "settlement/reject", code=409)
            self.consumer(c, "settlement/accept", code=409)
        # E5's complaint timed out at its settle_by (next year): its acceptance deadline was counted
        # by the law alone; accepted now (the real time, before the swept instant)
        for c in self.by_path("e5-long-window-timeout-accept"):
            if c.ent:
                self.ck.check(c.status == "assigned" and getattr(c, "swept_at", None) is not None,
                              f"{c.number} ({c.path}): {c.status} after the sweeps, expected assigned by timeout")
            if c.status == "assigned":
                self.staff(c, "accept", tuples=[("accept", "assigned", "accepted")])

    # ---- phase 9: the queues and lists as staff see them
    def lists(self, events):
        urgent_running = []
        urgent_all = []
        for n, evs in events.items():
            marked = "urgent: " in (evs[0].get("note") or "") or any(e["action"] == "mark_urgent" for e in evs)
            if not marked:
                continue
            urgent_all.append(n)
            start = 0 if "urgent: " in (evs[0].get("note") or "") else next(k for k, e in enumerate(evs) if e["action"] == "mark_urgent")
            if not any(e["action"] in ("start_mediation", "resolve", "fail", "verify") for e in evs[start + 1:]):
                urgent_running.append(n)
        doc = self.expect(self.staff_get("/v1/complaints?urgent=true"), 200, "GET /v1/complaints?urgent=true")
        got = [x["number"] for x in (doc or {}).get("complaints", [])]
        self.ck.check(sorted(got) == sorted(urgent_all), f"?urgent=true lists {sorted(got)}, expected {sorted(urgent_all)}")
        # The whole list, page by page (7 at a time, so that the cursor is exercised): newest first.
        listed, after, pages = [], None, 0
        while pages < 100:
            doc = self.expect(self.staff_get("/v1/complaints?limit=7" + (f"&after={after}" if after else "")), 200, "GET /v1/complaints")
            listed += (doc or {}).get("complaints", [])
            pages += 1
            after = (doc or {}).get("next")
            if not after:
                break
        got = [x["number"] for x in listed]
        want = sorted(events, reverse=True)
        self.ck.check(got == want, f"GET /v1/complaints, {pages} pages: newest first, each once: "
                                   f"got {got[:4]}... ({len(got)}), expected {want[:4]}... ({len(want)})")
        flags = {x["number"]: x.get("urgent") for x in listed}
        self.ck.check(all(flags.get(n) == (n in urgent_running) for n in events),
                      f"summary 'urgent' flags: {[n for n in events if flags.get(n) != (n in urgent_running)]} differ")
        marks = {x["number"]: x.get("provisional_deadlines") for x in listed}
        want = {n: expected_deadlines(evs, self.cal_of(n), self.rules)[1] for n, evs in events.items()}
        self.ck.check(marks == want, "summary 'provisional_deadlines': "
                                     + "; ".join(f"{n} {marks.get(n)}, expected {want.get(n)}" for n in sorted(set(want) | set(marks))
                                                 if marks.get(n) != want.get(n)))
        open_reviews = []
        for n, evs in events.items():
            idx = [k for k, e in enumerate(evs) if e["action"] == "open_review"]
            if idx and not any(e["action"] in ("uphold", "reopen") for e in evs[idx[-1] + 1:]):
                open_reviews.append(n)
        doc = self.expect(self.staff_get("/v1/reviews?limit=500"), 200, "GET /v1/reviews")
        got = sorted(x["number"] for x in (doc or {}).get("complaints", []))
        self.ck.check(got == sorted(open_reviews), f"review queue {got}, expected the open reviews {sorted(open_reviews)}")
        return urgent_running

    # ---- phase 10: the events, the database, the texts
    def read_events(self):
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT number, seq, ordinal, at, actor, action, from_status, to_status, station_id, note "
                               "FROM complaint_events ORDER BY seq").fetchall()
            numbers = {r[0] for r in con.execute("SELECT number FROM complaints")}
            ic = con.execute("PRAGMA integrity_check").fetchall()
        finally:
            con.close()
        self.ck.check(numbers == set(self.complaints), f"database has {len(numbers)} complaints, {len(self.complaints)} were filed")
        self.ck.check(ic == [("ok",)], f"PRAGMA integrity_check: {ic[:3]}")
        events = defaultdict(list)
        for number, seq, ordinal, at, actor, action, frm, to, sid, note in rows:
            events[number].append({"seq": seq, "ordinal": ordinal, "at": ts(at), "at_text": at, "actor": actor, "action": action, "from": frm, "to": to,
                                   "station_id": sid, "note": note})
        return dict(events)

    def check_events(self, events):
        sweep_instants = {fmt(t) for t, _ in self.sweeps}
        for n, c in self.complaints.items():
            doc = self.expect(self.staff_get(f"/v1/complaints/{n}"), 200, f"staff GET {n}")
            if not doc:
                continue
            # `id` is the store's key, `seq` the place in the complaint's own history (1, 2, 3…).
            api = [(e["id"], e["seq"], fmt(ts(e["at"])), e["action"], e.get("from"), e["to"], e.get("station_id")) for e in doc.get("events", [])]
            raw = [(e["seq"], e["ordinal"], e["at_text"], e["action"], e["from"], e["to"], e["station_id"]) for e in events.get(n, [])]
            self.ck.check([e["ordinal"] for e in events.get(n, [])] == list(range(1, len(events.get(n, [])) + 1)),
                          f"{n}: event ordinals are not 1..n")
            self.ck.check(api == raw, f"{n}: the API's events differ from the database's: {api[:4]}... vs {raw[:4]}...")
            got = [(e["action"], e["from"], e["to"]) for e in events.get(n, []) if e["action"] != "overdue"]
            self.ck.check(got == c.exp, f"{n} ({c.path}): events\n      got      {got}\n      expected {c.exp}")
            for e in events.get(n, []):
                if e["action"] == "overdue":
                    self.ck.check(e["from"] == e["to"] and e["at_text"] in sweep_instants,
                                  f"{n}: overdue event {e['from']}->{e['to']} at {e['at_text']}: expected a self-loop at a sweep instant")
            self.ck.check(doc.get("status") == c.status, f"{n} ({c.path}): status {doc.get('status')!r}, expected {c.status!r}")
            swept = getattr(c, "swept_at", None)
            if swept:
                ev = next((e for e in events.get(n, []) if e["action"] in ("timeout", "lapse")), None)
                self.ck.check(ev and ev["at_text"] == fmt(swept), f"{n}: {ev and ev['action']} stamped {ev and ev['at_text']}, swept at {fmt(swept)}")
            if c.ent:
                refer = next((e for e in events.get(n, []) if e["action"] == "refer"), None)
                m = REFER_CODE.search((refer or {}).get("note") or "")
                self.ck.check(m and m.group(1) == self.ents[c.ent]["code"], f"{n}: refer note {(refer or {}).get('note')!r}, expected {c.ent}")
            self.check_notes(c, events.get(n, []))
            # the four deadlines and the provisional marks (the law layer counts past the notices)
            want, marks = expected_deadlines(events.get(n, []), self.cal_of(n), self.rules)
            want = {k: v and local(v) for k, v in want.items()}
            dl = doc.get("deadlines") or {}
            got = {k: dl.get(k) for k in want}
            self.ck.check(got == want and dl.get("provisional") == marks,
                          f"{n} ({c.path}): deadlines {got} provisional {dl.get('provisional')}, expected {want} provisional {marks}")
            # the station of each assignment is in the register and active
            for e in events.get(n, []):
                if e["action"] in ("assign", "reopen"):
                    st = self.station_by_id.get(e["station_id"])
                    self.ck.check(st is not None and st.status == "active", f"{n}: {e['action']} to {e['station_id']!r}")
            c.staff_view = doc

    def check_notes(self, c, evs):
        """What the notes must say: why an enrolled enterprise was passed over, and the review
        and reply windows (or that the calendar could not reach them)."""
        n = c.number
        submit = evs[0] if evs else {}
        why = getattr(c, "not_sent_to", None)
        if why:
            e = self.ents[why]
            pattern = (re.escape(f"not sent to {e['name']} in the direct train: its window ({e['days']} working days) cannot be computed: ")
                       + r"\S")
            self.ck.check(re.search(pattern, submit.get("note") or "") is not None,
                          f"{n} ({c.path}): submit note {submit.get('note')!r}, expected 'not sent to {e['name']} in the direct "
                          f"train: its window ({e['days']} working days) cannot be computed: ...'")
        else:
            self.ck.check("not sent to" not in (submit.get("note") or ""), f"{n} ({c.path}): submit note {submit.get('note')!r}")
        # the event that started the station clocks (the submit, or leaving the enterprise) says
        # when acceptance was counted by the law alone; no other event does (a referred complaint's
        # submit neither: its station clocks have not started)
        start_ev, start = clocks_start(evs)
        provisional = start is not None and period_counted(self.cal, self.rules["acceptance"], start)[1]
        for e in evs:
            has = PROVISIONAL_NOTE in (e["note"] or "")
            self.ck.check(has == (provisional and e is start_ev),
                          f"{n} ({c.path}): {e['action']} note {e['note']!r}: "
                          + (f"expected '...{PROVISIONAL_NOTE}'" if provisional and e is start_ev else "expected no provisional note"))
        for e in evs:
            if e["action"] == "open_review":
                due = self.cal.deadline(e["at"], self.rules["review"]["working_days"])
                ok = (e["note"] or "").endswith(f"; due {fmt(due)}") if due else "; review deadline not set: " in (e["note"] or "")
                self.ck.check(ok, f"{n} ({c.path}): open_review note {e['note']!r}, expected "
                                  + (f"'...; due {fmt(due)}'" if due else "'...; review deadline not set: ...'"))
            elif e["action"] == "settle":
                due = self.cal.deadline(e["at"], self.rules["settlement_reply"]["working_days"])
                ok = ("reply window not set" not in (e["note"] or "")) if due else "; reply window not set: " in (e["note"] or "")
                self.ck.check(ok, f"{n} ({c.path}): settle note {e['note']!r}, reply window "
                                  + (f"{fmt(due)}" if due else "past the calendar: expected '...; reply window not set: ...'"))

    def expected_texts(self, c, evs):
        """(seq, recipient, template) of the texts the events should send, staff ones once per
        staff member of the station: the rules of SMSTemplates, restated."""
        handing_on = {"submit", "refuse", "decline", "timeout", "recall", "reject_settlement"}
        to_station = {"assign", "reassign", "claim", "reopen", "mark_urgent"}
        out = Counter()
        groups = defaultdict(list)
        for e in evs:
            groups[e["at_text"]].append(e)
        for tx in groups.values():
            for i, e in enumerate(tx):
                later = {x["action"] for x in tx[i + 1:]}
                a = e["action"]
                if a in handing_on and "assign" in later:
                    continue
                if a == "submit" and "refer" in later:
                    continue
                if a not in ("overdue", "return_visit"):
                    out[(e["seq"], "consumer", f"consumer.{a}")] += 1
                st = self.station_by_id.get(e["station_id"]) if e["station_id"] else None
                if a in to_station and st:
                    out[(e["seq"], "staff", f"staff.{a}")] += len(st.props.get("staff") or [])
                if a == "refer":
                    out[(e["seq"], "enterprise", "enterprise.refer")] += 1
        return out

    def check_texts(self, events):
        for n, c in self.complaints.items():
            doc = self.expect(self.staff_get(f"/v1/complaints/{n}/notifications"), 200, f"GET {n}/notifications")
            if not doc:
                continue
            items = doc.get("notifications", [])
            got = Counter((int(x["id"].split("-")[3]), x["recipient"], x["template"]) for x in items)
            want = self.expected_texts(c, events.get(n, []))
            if not self.ck.check(got == want, f"{n} ({c.path}): texts\n      missing {sorted((want - got).elements())}\n"
                                              f"      extra   {sorted((got - want).elements())}"):
                continue
            ent_phone = self.ents[c.ent]["phone"] if c.ent else None
            for x in items:
                text = x["text"]
                ok = text.startswith(SIGNATURE) and n in text and len(text) <= SMS_MAX
                if x["recipient"] == "consumer":
                    ok = ok and x["phone"] == mask(c.phone)
                elif x["recipient"] == "enterprise":
                    ok = ok and x["phone"] == mask(ent_phone)
                self.ck.check(ok, f"{n}: text {x['id']} {x['template']} to {x['recipient']} {x['phone']}: {text!r} "
                                  f"({len(text)} characters)")

    # ---- phase 11: the KPIs
    def kpis(self, events, again=None):
        """again: a label for a later comparison (one summary line, no --break, no self-check)."""
        doc = self.expect(self.staff_get("/v1/stats"), 200, "GET /v1/stats")
        if not doc:
            return
        now = ts(doc["as_of"])
        exp_totals, exp_ent = compute_kpis(events, now, self.cal_of, self.rules)
        if again:
            d = [x for key in KPI_KEYS for x in diff(exp_totals[key], (doc.get("totals") or {}).get(key), key)]
            got_ent = {e.get("credit_code"): e.get("direct_train") for e in doc.get("by_enterprise") or []}
            d += [x for code in sorted(set(exp_ent) | set(got_ent)) for x in diff(exp_ent.get(code), got_ent.get(code), f"by_enterprise[{code}]")]
            verdict = "agree" if not d else "DISAGREE " + "; ".join(f"{p}: computed {e}, server {g}" for p, e, g in d)
            self.ck.check(not d, f"KPIs {again}: {verdict}")
            print(f"{TAG} KPIs {again}: {len(KPI_KEYS) + 1} compared, "
                  f"{summary('accepted_within_7_working_days', exp_totals['accepted_within_7_working_days'])} {verdict}")
            return
        exp_by_ent = [{"credit_code": code, "name": next((e["name"] for e in self.ents.values() if e["code"] == code), "?"),
                       "direct_train": exp_ent[code]} for code in sorted(exp_ent)]
        if self.a.break_kpi:
            # a deliberately wrong expectation, to see the comparison fail
            path = self.a.break_kpi.split(".")
            node = exp_totals
            for k in path[:-1]:
                node = node[k]
            node[path[-1]] = (node[path[-1]] or 0) + 1
            print(f"{TAG} --break: expecting {self.a.break_kpi} = {node[path[-1]]} (one more than computed)")
        totals = doc.get("totals") or {}
        for key in KPI_KEYS:
            d = diff(exp_totals[key], totals.get(key), key)
            verdict = "agree" if not d else "DISAGREE " + "; ".join(f"{p}: computed {e}, server {g}" for p, e, g in d)
            self.ck.check(not d, f"KPI {key}: {verdict}")
            print(f"{TAG} {summary(key, exp_totals[key])} {verdict}")
        d = diff({"by_enterprise": exp_by_ent}, {"by_enterprise": doc.get("by_enterprise")})
        if isinstance(doc.get("by_enterprise"), list) and len(doc["by_enterprise"]) == len(exp_by_ent):
            d = []
            for e, g in zip(exp_by_ent, doc["by_enterprise"]):
                d += diff(e, g, f"by_enterprise[{e['credit_code']}]")
        elif not d:
            d = [("by_enterprise", exp_by_ent, doc.get("by_enterprise"))]
        verdict = "agree" if not d else "DISAGREE " + "; ".join(f"{p}: computed {e}, server {g}" for p, e, g in d)
        self.ck.check(not d, f"KPI by_enterprise: {verdict}")
        print(f"{TAG} by_enterprise " + ", ".join(f"{next(k for k, v in self.ents.items() if v['code'] == e['credit_code'])} "
                                                  f"sent {e['direct_train']['sent']} settled {e['direct_train']['settled']}"
                                                  for e in exp_by_ent) + f" {verdict}")
        # self-check: for the KPIs that agree, every perturbed expectation must disagree
        caught = missed = 0
        for key in KPI_KEYS:
            if diff(exp_totals[key], totals.get(key)):
                continue
            for bad in perturbed(exp_totals[key]):
                if diff(bad, totals.get(key)):
                    caught += 1
                else:
                    missed += 1
        for e, g in zip(exp_by_ent, doc.get("by_enterprise") or []):
            if diff(e, g):
                continue
            for bad in perturbed(e["direct_train"]):
                caught += bool(diff(bad, g["direct_train"]))
                missed += not diff(bad, g["direct_train"])
        self.ck.check(missed == 0, f"self-check: {missed} perturbed KPI expectations still agreed with the server")
        print(f"{TAG} self-check: {caught} perturbed expectations, {caught} caught")
        self.totals = exp_totals

    # ---- phase 12: the next year's notice, imported while the server runs
    def calendar_show(self, year, cal, when):
        """`liaison calendar show YEAR --all --format json` against this tool's own calendar."""
        p = subprocess.run([str(self.binary), "calendar", "show", str(year), "--all", "--format", "json", "--db", str(self.db),
                            "--geodata", str(GEODATA)], capture_output=True, text=True, timeout=120)
        if not self.ck.check(p.returncode == 0, f"calendar show {year} ({when}): exit {p.returncode}: {p.stderr.strip()[:300]}"):
            return
        days = json.loads(p.stdout)
        got = {x["date"]: (x["working"], x["source"]) for x in days}
        want = {}
        day = dt.date(year, 1, 1)
        while day.year == year:
            source = "notice" if cal.first <= day <= cal.last else ("imported notice" if year in cal.imported else "law")
            want[day.isoformat()] = (cal.working(day), source)
            day += dt.timedelta(days=1)
        bad = [(k, got.get(k), want[k]) for k in want if got.get(k) != want[k]]
        self.ck.check(not bad and len(got) == len(want), f"calendar show {year} ({when}): {len(bad)} days differ from this tool's "
                                                          f"calendar (date, server, computed): {bad[:6]}")

    def import_notice(self, path):
        p = subprocess.run([str(self.binary), "calendar", "import", str(path), "--db", str(self.db), "--geodata", str(GEODATA)],
                           capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout.strip(), p.stderr.strip()

    def notice_table(self):
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return con.execute("SELECT year, source FROM calendar_notices ORDER BY year").fetchall()
        finally:
            con.close()

    def notice_import(self, events):
        """A made-up notice for the first year after the shipped ones, imported with the CLI while
        the server runs: every open complaint's provisional deadline (acceptance, mediation) is
        counted again; one that moves gets exactly one deadline_update event ("old → new") and a
        text, one that does not just loses its mark; a bad notice and the same one again change
        nothing, and neither does a restart of the server. Returns the events afterwards."""
        year = self.cal.last.year + 1
        notice = made_up_notice(year)
        cal2 = self.cal.with_notice(notice)
        self.calendar_show(year, self.cal, "before the import: the law")
        path = self.work / f"notice-{year}.json"
        path.write_text(json.dumps(notice, ensure_ascii=False, indent=1), encoding="utf-8")
        # refused, naming the entry, and nothing written: a statutory day left out
        bad = copy.deepcopy(notice)
        bad["holidays"] = bad["holidays"][1:]
        bad_path = self.work / f"notice-{year}-bad.json"
        bad_path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
        rc, out, err = self.import_notice(bad_path)
        self.ck.check(rc != 0 and "leave out statutory days" in err and notice["holidays"][0]["from"] in err,
                      f"calendar import of a notice without {notice['holidays'][0]['name']}: exit {rc}, stdout {out!r}, stderr {err[:300]!r}")
        self.ck.check(self.notice_table() == [] and self.read_events() == events, "a refused notice changed the database")

        # what the import must do, from the events and the two calendars
        closed = {"closed", "withdrawn", "with_enterprise", "settlement_offered"}
        open_ = {n for n, evs in events.items() if evs[-1]["to"] not in closed}
        moves, unmoved = {}, []
        for n in sorted(open_):
            old, marks = expected_deadlines(events[n], self.cal, self.rules)
            new, marks2 = expected_deadlines(events[n], cal2, self.rules)
            changes = [(name, old[key], new[key], name in marks2) for name, key in (("acceptance", "acceptance_by"), ("mediation", "mediation_by"))
                       if name in marks and old[key] != new[key]]
            unmoved += [(n, name) for name in marks if name not in marks2 and name not in {x[0] for x in changes}]
            if changes:
                moves[n] = changes
        self.ck.check(moves, f"the made-up {year} notice moves no open complaint's deadline: nothing to see")

        rc, out, err = self.import_notice(path)
        m = re.match(rf"{year}: notice imported; (\d+) open complaints with provisional deadlines examined, (\d+) moved(?:: (.*))?$", out)
        got_moved = sorted((m.group(3) or "").split(", ")) if m and m.group(3) else []
        self.ck.check(rc == 0 and m and int(m.group(2)) == len(moves) and got_moved == sorted(moves),
                      f"calendar import {year}: exit {rc}, stdout {out!r}, stderr {err[:300]!r}; expected {len(moves)} moved: {sorted(moves)}")
        self.cal_after, self.recounted = cal2, open_
        self.ck.check([y for y, _ in self.notice_table()] == [year], f"calendar_notices after the import: {self.notice_table()}")
        self.calendar_show(year, cal2, "after the import")

        after = self.read_events()
        reason = f"(the {year} schedule: {notice['source']})"
        for n, c in self.complaints.items():
            new = after.get(n, [])[len(events.get(n, [])):]
            self.ck.check(after.get(n, [])[:len(events.get(n, []))] == events.get(n, []), f"{n}: the import changed earlier events")
            if n not in moves:
                self.ck.check(not new, f"{n} ({c.path}): the {year} notice moves no deadline of it, yet new events "
                                       f"{[(e['action'], e['note']) for e in new]}")
                continue
            parts = [f"{name} {fmt(o)} → {fmt(w)}" + (" (provisional)" if still else "") for name, o, w, still in moves[n]]
            ok = (len(new) == 1 and new[0]["action"] == "deadline_update" and new[0]["from"] == new[0]["to"] == c.status
                  and new[0]["actor"] == "system" and all(x in (new[0]["note"] or "") for x in parts) and reason in (new[0]["note"] or "")
                  and not any(k in (new[0]["note"] or "") for k in ("acceptance", "mediation") if k not in {x[0] for x in moves[n]}))
            self.ck.check(ok, f"{n} ({c.path}): after the {year} notice: events {[(e['action'], e['from'], e['to'], e['note']) for e in new]}, "
                              f"expected one deadline_update {c.status} -> {c.status} noting {parts} {reason}")
            if new and new[0]["action"] == "deadline_update":
                c.exp.append(("deadline_update", c.status, c.status))
            # the consumer's text names the moved deadlines and their new last days
            doc = self.expect(self.staff_get(f"/v1/complaints/{n}/notifications"), 200, f"GET {n}/notifications")
            texts = [x["text"] for x in (doc or {}).get("notifications", []) if x["template"] == "consumer.deadline_update"]
            labels = {"acceptance": "受理期限", "mediation": "调解期限"}
            want = f"您的投诉{n}按国务院节假日安排调整" + "、".join(labels[name] + local_day(w) for name, _, w, _ in moves[n]) + "。"
            self.ck.check(len(texts) == 1 and want in texts[0], f"{n}: consumer.deadline_update texts {texts}, expected one with {want!r}")
        moved_with_marks = sum(1 for n in moves if any(still for *_, still in moves[n]))
        print(f"{TAG} {year} notice (made up) imported: {len(moves)} open complaints moved "
              f"({', '.join(f'{self.complaints[n].path}: ' + '+'.join(x[0] for x in moves[n]) for n in sorted(moves))}), "
              f"{len(unmoved)} provisional deadlines only lost the mark, {moved_with_marks} still provisional")

        # the same notice again, then a restart (serve counts provisional deadlines again at start): nothing changes
        rc, out, err = self.import_notice(path)
        self.ck.check(rc == 0 and "the same notice is already imported; nothing changed" in out,
                      f"calendar import {year} again: exit {rc}, stdout {out!r}, stderr {err[:300]!r}")
        self.ck.check(self.read_events() == after, f"importing the {year} notice again changed the events")
        self.server.stop()
        self.url = self.server.start()
        final = self.read_events()
        new = {n: [(e["action"], e["note"]) for e in final.get(n, [])[len(after.get(n, [])):]] for n in final}
        self.ck.check(not any(new.values()), f"a restart after the import added events: { {n: v for n, v in new.items() if v} }")

        self.lists(final)
        self.check_events(final)
        self.check_texts(final)
        self.kpis(final, again=f"after the {year} notice")
        return final

    # ---- after everything: the refused mark_urgent left no urgent track behind
    def after_refusals(self, events):
        c = self.one("urgent-while-settlement-offered")
        evs = events.get(c.number, [])
        late = [e for e in evs if e["action"] == "overdue" and "urgent" in (e["note"] or "")]
        u = (getattr(c, "staff_view", None) or {}).get("urgent")
        self.ck.check(u is None and not late and not any(e["action"] == "mark_urgent" for e in evs),
                      f"{c.number} (urgent-while-settlement-offered): mark_urgent was refused while the settlement was "
                      f"offered, yet urgent {u}, overdue on urgent {[(e['at_text'], e['note']) for e in late]}")

    # ---- all of it
    def run(self):
        self.admin = database_with_admin_token(self.binary, self.db, "complaints-paths", extra_args=["--geodata", GEODATA])
        p = subprocess.run([str(self.binary), "tokens", "create", "--name", "paths-county", "--role", "county:330106",
                            "--db", str(self.db), "--geodata", str(GEODATA)], capture_output=True, text=True)
        if p.returncode != 0:
            die(f"liaison tokens create --role county:330106: {p.stderr.strip()}")
        self.county_token = p.stdout.strip()
        self.server = Server(self.binary, self.db, log_path=self.work / "serve.log",
                             extra_args=["--geodata", GEODATA, "--overdue-interval", "3600"])
        self.url = self.server.start()
        started = time.monotonic()
        self.setup_enterprises()
        self.intake()
        self.direct_train()
        self.revocation()
        self.stations_phase()
        self.return_visits()
        self.case_files()
        self.boundaries()
        self.timed_work()
        events = self.read_events()
        self.lists(events)
        self.check_events(events)
        self.check_texts(events)
        self.kpis(events)
        self.after_refusals(events)
        events = self.notice_import(events)
        paths = Counter(c.path for c in self.complaints.values())
        n_texts = sum(len(self.expected_texts(c, events.get(c.number, []))) for c in self.complaints.values())
        n_events = sum(len(v) for v in events.values())
        print(f"{TAG} {len(self.complaints)} complaints on {len(paths)} paths ({self.extra} extra for the return-visit draw), "
              f"{n_events} events and {n_texts} (event, recipient, template) texts compared, {len(self.sweeps)} sweeps, "
              f"{time.monotonic() - started:.1f} s")
        if getattr(self, "retired_holding", None):
            print(f"{TAG} station {self.retired_holding[0]} retired with force while holding {self.retired_holding[1]} open complaint(s): "
                  "each reassigned, its events, texts and KPIs compared with the rest")
        if self.a.verbose:
            for t, out in self.sweeps:
                print(f"{TAG} sweep --at {fmt(t)}: {out}")


# --------------------------------------------------------------------------
# Self-test without a server
# --------------------------------------------------------------------------
def selftest():
    fails = []
    # the example of ComplaintIntake's documentation is a valid code; a changed check character is not
    if not is_credit_code("91350100M000100Y43"):
        fails.append("91350100M000100Y43 is a valid credit code")
    if is_credit_code("91350100M000100Y44"):
        fails.append("91350100M000100Y44 has a wrong check character")
    cal = Calendar()
    # Friday 2026-09-18 + 1 working day: Sunday 2026-09-20 is a 调休 working day (WorkingCalendar's example)
    got = cal.deadline(dt.datetime(2026, 9, 18, 10, 0, tzinfo=SHANGHAI), 1)
    if got != dt.datetime(2026, 9, 21, 0, 0, tzinfo=SHANGHAI):
        fails.append(f"1 working day after Fri 2026-09-18: {got}")
    # past the notices the law counts: README's example, Monday 2026-12-28 + 7 working days is
    # 2027-01-08 00:00 +08:00 (Dec 29, 30, 31, Jan 4, 5, 6, 7: Jan 1 is New Year's Day), provisional
    got = cal.counted(dt.datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI), 7)
    if got != (dt.datetime(2027, 1, 8, 0, 0, tzinfo=SHANGHAI), True):
        fails.append(f"7 working days after Mon 2026-12-28: {got}, expected 2027-01-08 00:00 +08:00, provisional")
    if cal.counted(dt.datetime(2026, 12, 21, 10, 0, tzinfo=SHANGHAI), 7) != (dt.datetime(2026, 12, 31, 0, 0, tzinfo=SHANGHAI), False):
        fails.append("7 working days after 2026-12-21 end in the notices' year: not provisional")
    # Mid-Autumn within National Day (2028-10-03 listed twice): 12 days off that year, parsed once
    if len([d for d in cal.law if d.year == 2028]) != 12 or cal.working(dt.date(2028, 10, 3)) or not cal.working(dt.date(2028, 10, 9)):
        fails.append("the law of 2028: Mid-Autumn within National Day")
    # Spring Festival 2027 (Feb 5-8 by the law: Friday to Monday), no swaps: Feb 9 works
    if cal.working(dt.date(2027, 2, 8)) or not cal.working(dt.date(2027, 2, 9)) or cal.working(dt.date(2027, 1, 1)):
        fails.append("the law of 2027")
    # only past 2100 is a window unset
    if cal.deadline(dt.datetime(2100, 12, 20, tzinfo=SHANGHAI), 30) is not None or cal.deadline(dt.datetime(2100, 12, 1, tzinfo=SHANGHAI), 5) is None:
        fails.append("the end of the law layer (2100-12-31)")
    # a (made-up) notice for 2027 replaces the law for that year: a deadline it reaches is no
    # longer provisional, and moves when the notice gives more days off (Feb 9-12) or a worked Saturday
    notice = made_up_notice(2027)
    cal2 = cal.with_notice(notice)
    start = dt.datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)
    law_only, with_notice = cal.counted(start, 45), cal2.counted(start, 45)
    if law_only != (dt.datetime(2027, 2, 10, 0, 0, tzinfo=SHANGHAI), True) or with_notice != (dt.datetime(2027, 2, 14, 0, 0, tzinfo=SHANGHAI), False):
        fails.append(f"45 working days from 2026-12-03: law {law_only}, with the made-up notice {with_notice}")
    if cal.imported or cal2.counted(dt.datetime(2027, 12, 28, tzinfo=SHANGHAI), 7)[1] is not True:
        fails.append("with_notice changed the calendar it came from, or 2028 (no notice) is not provisional")
    n28 = made_up_notice(2028)   # the overlapping Mid-Autumn / National Day ranges merge into one
    cal.with_notice(n28)
    if sum(1 for r in n28["holidays"] if r["from"] <= "2028-10-03" <= r["to"]) != 1:
        fails.append(f"made_up_notice(2028): {n28['holidays']}")
    rules = json.loads((GEODATA / "service-levels.json").read_text(encoding="utf-8"))
    t0 = dt.datetime(2026, 12, 3, 2, 0, tzinfo=UTC)

    def ev(seq, minutes, action, frm, to, note=None):
        return {"seq": seq, "at": t0 + dt.timedelta(minutes=minutes), "action": action, "from": frm, "to": to, "note": note,
                "station_id": None}
    code = credit_code("91330106MA2B00001")
    refer = f"direct train: X ({code}) settles first"
    events = {
        "ZJ-20261203-000001": [ev(1, 0, "submit", None, "submitted"), ev(2, 0, "refer", "submitted", "with_enterprise", refer),
                               ev(3, 5, "settle", "with_enterprise", "settlement_offered"),
                               ev(4, 9, "accept_settlement", "settlement_offered", "resolved"),
                               ev(5, 10, "feedback", "resolved", "closed", "satisfaction 1/5"), ev(6, 10, "open_review", "closed", "closed")],
        "ZJ-20261203-000002": [ev(7, 0, "submit", None, "submitted"), ev(8, 0, "refer", "submitted", "with_enterprise", refer),
                               ev(9, 20, "decline", "with_enterprise", "submitted"), ev(10, 20, "assign", "submitted", "assigned"),
                               ev(11, 30, "accept", "assigned", "accepted"), ev(12, 40, "start_mediation", "accepted", "mediating"),
                               ev(13, 50, "fail", "mediating", "failed"), ev(14, 60, "hand_off", "failed", "closed")],
        "ZJ-20261203-000003": [ev(15, 0, "submit", None, "submitted", "urgent: 争议金额5万元以上"), ev(16, 0, "assign", "submitted", "assigned"),
                               ev(17, 60 * 25, "verify", "assigned", "assigned")],
    }
    totals, by_ent = compute_kpis(events, t0 + dt.timedelta(days=2), cal, rules)
    want = {"sent": 2, "settled": 1, "declined": 1, "pending": 0}
    if any(totals["direct_train"][k] != v for k, v in want.items()) or totals["direct_train"]["self_settlement_rate"]["share"] != 0.5:
        fails.append(f"direct_train {totals['direct_train']}")
    if by_ent.get(code, {}).get("sent") != 2:
        fails.append(f"by_enterprise {by_ent}")
    if (totals["urgent_within_24h"]["met"], totals["urgent_within_24h"]["of"]) != (0, 1):
        fails.append(f"urgent verified after 25 h counts as missed: {totals['urgent_within_24h']}")
    if (totals["reviews"]["reviewed"]["met"], totals["reviews"]["reviewed"]["of"], totals["reviews"]["open"]) != (1, 2, 1):
        fails.append(f"reviews {totals['reviews']}")
    if totals["court_handoffs"] != 1 or (totals["dispatched_within_2h"]["met"], totals["dispatched_within_2h"]["of"]) != (2, 2):
        fails.append(f"court_handoffs {totals['court_handoffs']}, dispatch {totals['dispatched_within_2h']}")
    if totals["overdue"] != 1:
        fails.append(f"overdue {totals['overdue']}: the urgent complaint nobody responded to within 24 h is overdue on response")
    # a review past its deadline on a resolved complaint: reviews.overdue, not overdue
    rejected = [ev(18, 0, "submit", None, "submitted"), ev(19, 0, "refer", "submitted", "with_enterprise", refer),
                ev(20, 5, "settle", "with_enterprise", "settlement_offered"),
                ev(21, 10, "reject_settlement", "settlement_offered", "submitted"), ev(22, 10, "assign", "submitted", "assigned"),
                ev(23, 10, "open_review", "assigned", "assigned"), ev(24, 20, "accept", "assigned", "accepted"),
                ev(25, 30, "start_mediation", "accepted", "mediating"), ev(26, 40, "resolve", "mediating", "resolved")]
    late, _ = compute_kpis({"ZJ-20261203-000004": rejected}, t0 + dt.timedelta(days=10), cal, rules)
    if (late["overdue"], late["reviews"]["overdue"], late["reviews"]["open"]) != (0, 1, 1):
        fails.append(f"an overdue review alone: overdue {late['overdue']}, reviews {late['reviews']}")
    # acceptance judged on a deadline the law alone counted: provisional; one not judged yet is not
    t1 = dt.datetime(2026, 12, 28, 2, 0, tzinfo=UTC)
    late_year = {"ZJ-20261228-000001": [dict(ev(30, 0, "submit", None, "submitted", PROVISIONAL_NOTE), at=t1),
                                        dict(ev(31, 0, "assign", "submitted", "assigned"), at=t1),
                                        dict(ev(32, 0, "accept", "assigned", "accepted"), at=t1 + dt.timedelta(days=2))],
                 "ZJ-20261228-000002": [dict(ev(33, 0, "submit", None, "submitted", PROVISIONAL_NOTE), at=t1),
                                        dict(ev(34, 0, "assign", "submitted", "assigned"), at=t1)]}
    got, _ = compute_kpis(late_year, t1 + dt.timedelta(days=3), cal, rules)
    acc = got["accepted_within_7_working_days"]
    if (acc["met"], acc["of"], acc["provisional"], got["dispatched_within_2h"]["provisional"]) != (1, 1, 1, 0):
        fails.append(f"provisional acceptance: {acc}, dispatch {got['dispatched_within_2h']}")
    got, _ = compute_kpis(late_year, t1 + dt.timedelta(days=3), cal2, rules)
    if got["accepted_within_7_working_days"]["provisional"] != 0:
        fails.append(f"provisional acceptance after the notice: {got['accepted_within_7_working_days']}")
    dl, marks = expected_deadlines(late_year["ZJ-20261228-000001"], cal, rules)
    if dl["acceptance_by"] != dt.datetime(2027, 1, 8, tzinfo=SHANGHAI) or marks != ["acceptance", "mediation"]:
        fails.append(f"expected_deadlines of a complaint filed 2026-12-28 and accepted: {dl} {marks}")
    reopened = late_year["ZJ-20261228-000001"] + [ev(35, 0, "reopen", "closed", "assigned")]
    if expected_deadlines(reopened, cal, rules) != ({**dl, "mediation_by": None}, ["acceptance"]):
        fails.append("a reopen clears the mediation deadline and its mark")
    if share_of(1, 3) != 0.3333 or share_of(2, 3) != 0.6667 or share_of(0, 0) is not None:
        fails.append("share rounding")
    bad = perturbed(totals["direct_train"])
    if not bad or any(not diff(b, totals["direct_train"]) for b in bad):
        fails.append("a perturbed expectation compared equal")
    for f in fails:
        print(f"selftest FAILED: {f}", file=sys.stderr)
    print(f"selftest: credit codes, calendar, KPI arithmetic on a hand-made log: {len(fails)} failures")
    return 1 if fails else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="Every path of the direct train, urgent track, reviews, return visits and court "
                                             "hand-off, and the KPIs recomputed from the raw events.")
    ap.add_argument("--bin", help="the liaison binary")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (database, server log)")
    ap.add_argument("--verbose", action="store_true", help="print failures as they happen, and the sweeps")
    ap.add_argument("--show", type=int, default=40, help="failures to print in full")
    ap.add_argument("--break", dest="break_kpi", metavar="KPI.FIELD",
                    help="expect one more than computed for this KPI field (e.g. direct_train.settled): the run must fail")
    ap.add_argument("--selftest", action="store_true", help="check the computations without a server and exit")
    a = ap.parse_args(argv)
    if a.selftest:
        return selftest()
    if not a.bin:
        ap.error("--bin is required (or --selftest)")
    binary = Path(a.bin).resolve()
    for _ in range(60):   # the binary may be rebuilt under us
        if binary.is_file():
            break
        time.sleep(2)
    else:
        die(f"binary not found: {a.bin} (swift build --product liaison)")
    work = Path(tempfile.mkdtemp(prefix="complaints-paths."))
    run = Paths(a, binary, work)
    try:
        try:
            run.run()
        except ServerError as e:
            die(str(e))
        except OSError as e:
            print(f"{TAG} FAILED: no HTTP answer: {e}; {crash_report(getattr(run, 'server', None), work / 'serve.log')}", file=sys.stderr)
            a.keep = True
            return 1
        ck = run.ck
        for f in ck.failed[:a.show]:
            print(f"--- paths: {f}")
        if len(ck.failed) > a.show:
            print(f"--- paths: ... and {len(ck.failed) - a.show} more")
        print(f"{TAG} {ck.n} checks, {len(ck.failed)} failed")
        return 1 if ck.failed else 0
    finally:
        if getattr(run, "server", None):
            run.server.stop()
        if a.keep:
            print(f"{TAG} kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
