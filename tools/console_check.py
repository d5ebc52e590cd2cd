#!/usr/bin/env python3
"""console_check.py -- the staff console (issue #15, item 7) end to end in a real browser.

It makes a fresh SpatiaLite database in a temporary folder (from geodata/, through the CLI),
starts `liaison serve --port 0` on it (tools/liaison_http.py, anonymous intake), makes staff
tokens (西湖区 330106, 拱墅区 330105 and an admin), files one complaint at a 西湖区 station and one
at a 拱墅区 station over HTTP, and drives Debian's Chromium through chromedriver (Selenium,
headless, 1366x900 and a 390x844 phone) against /console to the console's DOM contract.
A step whose prerequisite failed is skipped (and counts as failed). The steps:

   data             the tokens and the two complaints (HTTP); the new station's spot: 70 m from a
                    西湖区 station, well inside 西湖区 (GET /v1/regions/lookup)
   signin           a wrong token shows #signin-error; the 西湖区 token signs in: the map view, #whoami
   map              div#map with station markers (or their clusters), #station-list, the filters
   add-station      #add-station, then clicks on the Leaflet map: the pixels are calibrated against
                    the #f-lat/#f-lng each click fills (Web Mercator), the map dragged and zoomed
                    until the spot is under the pointer at ~2 m/px; the point is checked in 西湖区
                    over HTTP and by #f-county[data-code]; the form filled, the phone "abc"
   field-error      that submit shows .field-error[data-field=phone] (and no other field error)
   station-created  the phone fixed: 409 #conflict naming the station 70 m away and a
                    .conflict-marker; #register-anyway: #/stations/<id>, #station-detail; over HTTP
                    GET /v1/stations/nearest at the clicked point names the new station first, at 0 m
   duplicate        the same form again at the same spot: the 100 m conflict, then the duplicate one
                    (疑似重复登记, naming the new station); #register-anyway through both: created
   queue            #/complaints: the 西湖区 complaint's tr[data-number], not 拱墅区's
   lifecycle        that complaint opened from its row and taken through accept, schedule (#action-when:
                    a slot inside its station's hours from GET /v1/stations/{id}), start_mediation
                    and resolve with button[data-action] and form#action-form; each waits for
                    #complaint-detail[data-status] and a new #timeline entry; the admin token reads
                    it back as resolved with those events
   decline          a second 西湖区 complaint (filed over HTTP), opened at #/complaints/<number>:
                    button[data-action=decline] (不予受理), submitted without a reason: #action-error
                    (the API's 400 naming reason); then #action-reason chosen: data-status=declined,
                    the admin token reads decline.reason back, the timeline's last entry says 不予受理
                    and ul.deadlines shows no clock still running
   other-county     #/complaints/<拱墅区's number>: #problem (role=alert) with the refusal
   coordinates      window.liaisonCoords against this file's own GCJ-02/BD-09 (written from
                    Sources/Geodesy/ChinaOffset.swift) at 54 points: forward within 1e-9°, inverses
                    and round trips within 1e-7°
   kpis             #kpi-tiles .kpi-tile, #kpi-chart, #kpi-from/#kpi-to, details#kpi-definitions
   phone-width      390x844 (mobile emulation): innerWidth 390 (a viewport meta) and no horizontal
                    overflow (scrollWidth <= innerWidth) on the map and a complaint
   signout          the session cookie works when replayed with http.client; #signout: the sign-in
                    form again, fetch('/v1/complaints') from the page is 401, the replayed cookie 401
   security         a session of its own: Set-Cookie HttpOnly, SameSite=Strict, Path=/, Max-Age (and
                    the browser's cookie: httpOnly, Strict, an expiry); with the cookie but without
                    (or with a wrong) X-CSRF-Token POST /v1/stations, POST .../events and DELETE
                    /console/session are 403, with it they go through; GET /console has a CSP
                    without 'unsafe-inline'; an unknown token cannot sign in
   screenshots      full-page PNGs (Page.captureScreenshot, captureBeyondViewport) of the sign-in,
                    the map, the station form with its field error, the conflict, the queue, a
                    complaint (also with the action form and resolved), the KPIs and the map and a
                    complaint at phone width, in --out (printed)
   console-errors   every step reads the browser log: a SEVERE entry fails the step, except the
                    network errors the step provokes itself (e.g. the 401 of the wrong token, the
                    400 of the phone "abc", the 409, the 403 of another county's complaint)
   axe <view>       axe-core (bundled with axe-selenium-python, injected from disk: no network) on
                    the sign-in, map, station form, queue, complaint, action form and KPIs views:
                    a "serious" or "critical" violation fails; minor and moderate ones are listed

One line per step on stdout (`console-check: ok   STEP ...` / `console-check: FAIL STEP ...`), a
summary, exit 0 when all passed, 1 on any failure, 2 when it cannot start (no binary, no browser,
no Python packages). Progress lines go to stderr when it is a terminal. The temporary folder
(database, server log, browser profile) is removed at the end unless --keep; the screenshots
stay (by default in a new temporary folder, printed).

  tools/console-check [--out DIR] [--keep]
  python3 tools/console_check.py --bin .build/debug/liaison [--out DIR] [--keep] [--headful]

Needs chromium and chromium-driver (tools/setup) and tools/requirements-console.txt (installed
with pip when missing).
"""

import argparse
import base64
import datetime
import http.client
import json
import math
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

TOOLS = pathlib.Path(__file__).resolve().parent
REPO = TOOLS.parent
GEODATA = REPO / "geodata"
REQUIREMENTS = TOOLS / "requirements-console.txt"
sys.path.insert(0, str(TOOLS))
from liaison_http import Server, ServerError, database_with_admin_token, json_of, request  # noqa: E402
import oracle_nearest as oracle  # noqa: E402

HOME_COUNTY, OTHER_COUNTY = "330106", "330105"          # 西湖区, 拱墅区 (both 杭州市)
NEIGHBOUR_M = 70                                        # the new station: this far from an existing one
DESKTOP, PHONE = (1366, 900), (390, 844)
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
TTY = sys.stderr.isatty()


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def die(message, code=2):
    print(f"console-check: error: {message}", file=sys.stderr)
    sys.exit(code)


def progress(message):
    if TTY:
        print(f"console-check: ... {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# GCJ-02 and BD-09: tools/oracle's own implementation (written from the public formulas,
# independent of the Swift and JavaScript code it checks).
# --------------------------------------------------------------------------------------------
def wgs84_to_bd09(lat, lng):
    return oracle.from_wgs84("bd09", lat, lng)


def bd09_to_wgs84(lat, lng):
    return oracle.to_wgs84("bd09", lat, lng)


wgs84_to_gcj02, gcj02_to_bd09, from_wgs84 = oracle.wgs84_to_gcj02, oracle.gcj02_to_bd09, oracle.from_wgs84
gcj02_to_wgs84, bd09_to_gcj02 = oracle.gcj02_to_wgs84_exact, oracle.bd09_to_gcj02_exact


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------
def raw_http(url, method, path, body=None, headers=None):
    """(status, http.client.HTTPMessage, body bytes): every header kept (several Set-Cookie)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return r.status, r.msg, r.read()
    finally:
        conn.close()


def cookie_header(cookies):
    return "; ".join(f"{c['name']}={c['value']}" for c in cookies)


def cli(binary, *args):
    p = subprocess.run([str(binary), *[str(a) for a in args]], capture_output=True, text=True, cwd=REPO)
    if p.returncode != 0:
        raise ServerError(f"liaison {' '.join(map(str, args))}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout.strip()


def complaint_body(lat, lng, phone, merchant):
    return {"location": {"lat": lat, "lng": lng, "coordsys": "wgs84"},
            "consumer": {"name": "王小明", "phone": phone},
            "merchant": {"name": merchant, "address": "文三路 1 号"},
            "category": "price", "description": "console-check: 多收费，商家拒绝退还差价", "preferred_mode": "offline",
            "amount_yuan": 42.5}


# --------------------------------------------------------------------------------------------
# Browser
# --------------------------------------------------------------------------------------------
def selenium_modules():
    import importlib.util
    if not (importlib.util.find_spec("selenium") and importlib.util.find_spec("axe_selenium_python")):
        progress(f"pip install -r {REQUIREMENTS}")
        p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                            "--root-user-action=ignore", "-r", str(REQUIREMENTS)], capture_output=True, text=True)
        if p.returncode != 0:
            die(f"pip install -r {REQUIREMENTS} failed: {p.stderr.strip()[-800:]}")


def start_browser(chromium, chromedriver, profile, headful):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    o = webdriver.ChromeOptions()
    o.binary_location = chromium
    args = ["--no-sandbox", "--disable-dev-shm-usage", f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
            f"--user-data-dir={profile}", "--lang=zh-CN", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-features=Translate,OptimizationHints,MediaRouter"]
    if not headful:
        args.insert(0, "--headless=new")
    for a in args:
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Staff sit in Zhejiang: the browser's local time is Asia/Shanghai (datetime-local inputs).
    env = dict(os.environ, TZ="Asia/Shanghai")
    service = Service(executable_path=chromedriver, env=env, log_output=subprocess.DEVNULL)
    driver = webdriver.Chrome(service=service, options=o)
    driver.set_script_timeout(60)
    try:
        driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Shanghai"})
    except Exception:  # noqa: BLE001 -- TZ in the environment does the same
        pass
    return driver


NETWORK_RE = re.compile(r"^(\S+) - Failed to load resource: the server responded with a status of (\d{3})")


class Browser:
    """The driver and what the console contract needs of it: waits, readiness, logs, axe, screenshots."""

    def __init__(self, driver, base, out):
        self.d, self.base, self.out = driver, base, out
        self.shots = {}
        self.axe = {}            # view -> (serious/critical violations, counts by impact, axe-core version, set aside)
        self.axe_minor = {}      # view -> the minor and moderate violations
        self.severe_total = 0

    # -- waiting
    def wait(self, what, predicate, timeout=20.0, interval=0.1):
        end = time.time() + timeout
        last_error = None
        while time.time() < end:
            try:
                value = predicate()
                if value:
                    return value
            except Exception as e:  # noqa: BLE001 -- stale elements while the page re-renders
                last_error = e
            time.sleep(interval)
        extra = f" (last error: {type(last_error).__name__}: {str(last_error).splitlines()[0][:200]})" if last_error else ""
        raise Failed(f"timed out after {timeout:.0f} s waiting for {what}{extra}; {self.state()}")

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def state(self):
        try:
            s = self.js("""const p = document.getElementById('problem');
                return {hash: location.hash, ready: document.body ? (document.body.dataset.ready || '') : null,
                        problem: p && p.offsetParent !== null ? p.textContent.trim().slice(0, 300) : ''};""")
            return f"page: hash {s['hash']!r}, ready {s['ready']!r}" + (f", #problem {s['problem']!r}" if s["problem"] else "")
        except Exception as e:  # noqa: BLE001
            return f"page state unreadable: {e}"

    def ready(self):
        return self.js("return document.body ? (document.body.dataset.ready || '') : ''")

    def clear_ready(self):
        self.js("if (document.body) { delete document.body.dataset.ready; }")

    def wait_ready(self, view, timeout=25.0):
        self.wait(f'document.body.dataset.ready == "{view}"', lambda: self.ready() == view, timeout)

    def go(self, hash_route, view, timeout=25.0):
        """Navigates to a hash route and waits until the view says it is ready (a route that is
        already shown and ready is left as it is: setting the same hash fires no hashchange)."""
        if self.js("return location.hash") != hash_route:
            self.clear_ready()
            self.js("location.hash = arguments[0];", hash_route)
        self.wait_ready(view, timeout)

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def one(self, css, timeout=10.0, visible=True):
        def found():
            els = [e for e in self.find(css) if (e.is_displayed() or not visible)]
            return els[0] if els else None
        return self.wait(f"{css}{' (visible)' if visible else ''}", found, timeout)

    def visible_text(self, css):
        els = [e for e in self.find(css) if e.is_displayed()]
        return " ".join(e.text.strip() for e in els).strip()

    def click(self, css, timeout=10.0):
        el = self.one(css, timeout)
        self.js("arguments[0].scrollIntoView({block: 'center'});", el)
        try:
            el.click()
        except Exception:  # noqa: BLE001 -- covered by an overlay: a DOM click still reaches it
            self.js("arguments[0].click();", el)
        return el

    def set_value(self, el, value):
        """Sets an input's value as a user would (the native setter, then input and change events)."""
        self.js("""const el = arguments[0], v = arguments[1];
            const proto = el.tagName === 'SELECT' ? HTMLSelectElement.prototype
                        : el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
            Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, v);
            el.dispatchEvent(new Event('input', {bubbles: true}));
            el.dispatchEvent(new Event('change', {bubbles: true}));""", el, value)

    def type_into(self, el, value):
        kind = (el.get_attribute("type") or "text").lower()
        if el.tag_name.lower() == "select" or kind in ("date", "datetime-local", "time", "number", "range", "color"):
            self.set_value(el, str(value))
            return
        el.clear()
        if el.get_property("value"):
            self.set_value(el, "")
        el.send_keys(str(value))

    # -- browser log
    def severe(self, allowed=()):
        """SEVERE entries since the last call, less the expected network errors: [(entry, allowed?)]."""
        out = []
        for e in self.d.get_log("browser"):
            if e.get("level") != "SEVERE":
                continue
            ok = False
            m = NETWORK_RE.match(e.get("message", ""))
            if m and e.get("source") == "network":
                path, status = urllib.parse.urlsplit(m.group(1)).path, int(m.group(2))
                ok = any(re.search(pattern, path) and status in statuses for pattern, statuses in allowed)
            out.append((e, ok))
        return out

    def settle(self):
        """Waits for Leaflet's zoom and cluster animations to end (a screenshot or axe's colour
        contrast taken mid-fade would judge a half-transparent marker)."""
        try:
            self.wait("the map's animations to end", lambda: not self.js(
                "return document.querySelector('.leaflet-zoom-anim, .leaflet-cluster-anim') !== null"), 5)
        except Failed:
            pass
        time.sleep(0.5)

    # -- axe
    def run_axe(self, view):
        """axe-core on the page as it is. One known false positive of the axe-core that
        axe-selenium-python 2.1.6 bundles (3.1.1) is set aside, and counted: autocomplete-valid on
        autocomplete="off"/"on" (dequelabs/axe-core#1109, fixed in axe-core 3.1.2 by #1121)."""
        from axe_selenium_python import Axe
        self.settle()
        axe = Axe(self.d)
        axe.inject()
        version = self.js("return window.axe && axe.version") or "?"
        results = axe.run()
        counts = {"minor": 0, "moderate": 0, "serious": 0, "critical": 0}
        bad, ignored = [], []
        for v in results.get("violations", []):
            nodes = v.get("nodes", [])
            if v["id"] == "autocomplete-valid" and version.startswith("3.1.") and version != "3.1.2":
                kept = [n for n in nodes if not re.search(r'autocomplete="(off|on)"', n.get("html", ""), re.I)]
                ignored += [", ".join(map(str, n.get("target", []))) for n in nodes if n not in kept]
                if not kept:
                    continue
                nodes = kept
            impact = v.get("impact") or "minor"
            counts[impact] = counts.get(impact, 0) + 1
            if impact in ("serious", "critical"):
                targets = [", ".join(map(str, n.get("target", []))) for n in nodes]
                why = " ".join((nodes[0].get("failureSummary") or "").split()) if nodes else ""
                bad.append(f"{v['id']} ({impact}): {v.get('help', '')}; nodes: {'; '.join(targets[:8])}"
                           + (f"; … {len(targets) - 8} more" if len(targets) > 8 else "") + (f"; first: {why[:300]}" if why else ""))
            else:
                bad_minor = self.axe_minor.setdefault(view, [])
                bad_minor.append(f"{v['id']} ({impact}): {v.get('help', '')}; {len(nodes)} node(s)")
        self.axe[view] = (bad, counts, version, ignored)
        return bad, counts

    # -- screenshots
    def screenshot(self, name):
        """A full-page PNG through Page.captureScreenshot (captureBeyondViewport)."""
        self.settle()
        metrics = self.d.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics.get("contentSize")
        width = max(1, math.ceil(size["width"]))
        height = max(1, math.ceil(size["height"]))
        shot = self.d.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "fromSurface": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        path = self.out / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        self.shots[name] = (path, width, height)
        return path


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------
class Run:
    def __init__(self, args):
        self.a = args
        self.results = []         # (step, ok|FAIL|skip, message)
        self.b = None
        self.url = None
        self.ctx = {}

    def line(self, step, verdict, message):
        self.results.append((step, verdict, message))
        tag = {"ok": "ok  ", "FAIL": "FAIL", "skip": "skip"}[verdict]
        first, *rest = message.splitlines() or [""]
        print(f"console-check: {tag} {step}: {first}", flush=True)
        for r in rest:
            print(f"console-check:        {r}", flush=True)

    def step(self, name, fn, needs=(), allowed=()):
        """Runs one step; its browser log's SEVERE entries (less `allowed` network errors) fail it."""
        missing = [n for n in needs if n not in self.ctx]
        if missing:
            self.line(name, "skip", f"not run: needs {', '.join(missing)} (an earlier step failed)")
            return
        progress(name)
        message, verdict = "", "ok"
        try:
            message = fn() or ""
        except Failed as e:
            verdict, message = "FAIL", str(e)
        except Exception as e:  # noqa: BLE001 -- a crash of the step is its failure, with where
            tb = traceback.extract_tb(e.__traceback__)[-1]
            verdict, message = "FAIL", f"{type(e).__name__}: {str(e).strip().splitlines()[0][:400] if str(e).strip() else ''} " \
                                       f"(console_check.py:{tb.lineno}); {self.b.state() if self.b else ''}"
        if self.b is not None:
            try:
                entries = self.b.severe(allowed)
            except Exception as e:  # noqa: BLE001
                entries = []
                message += f"; browser log unreadable: {e}"
            unexpected = [e for e, ok in entries if not ok]
            expected = [e for e, ok in entries if ok]
            self.b.severe_total += len(unexpected)
            if unexpected:
                verdict = "FAIL"
                message += "\nSEVERE browser console entries:" + "".join(
                    f"\n  [{e.get('source')}] {e.get('message', '')[:500]}" for e in unexpected)
            if expected:
                message += f" (expected network errors in the log: {len(expected)})"
        self.line(name, verdict, message)

    # -- 1
    def data(self):
        a, work = self.a, self.ctx["work"]
        db = work / "liaison.sqlite"
        admin = database_with_admin_token(a.bin, db, "console-admin", ["--geodata", GEODATA])
        home = cli(a.bin, "tokens", "create", "--name", "xihu-console", "--role", f"county:{HOME_COUNTY}", "--db", db)
        other = cli(a.bin, "tokens", "create", "--name", "gongshu-console", "--role", f"county:{OTHER_COUNTY}", "--db", db)
        self.server = Server(a.bin, db, work / "serve.log", extra_args=["--geodata", GEODATA])
        self.url = self.server.start()
        self.ctx.update(admin=admin, home=home, other=other)
        stations = json.loads((GEODATA / "stations.geojson").read_text())["features"]

        def door(code):
            return next(f for f in stations if f["properties"]["county_code"] == code
                        and "offline" in f["properties"]["modes"] and f["properties"].get("status", "active") == "active")
        filed = {}
        for code, phone, merchant in ((HOME_COUNTY, "13700001111", "西湖某某超市"), (OTHER_COUNTY, "13700002222", "拱墅某某商店")):
            s = door(code)
            lng, lat = s["geometry"]["coordinates"]
            status, _, body = request("POST", self.url + "/v1/complaints", json_body=complaint_body(lat, lng, phone, merchant))
            c = json_of(body) or {}
            check(status == 201, f"filing a complaint in {code}: {status} {body[:300]!r}")
            station = (c.get("station") or {}).get("id", "")
            check(station.startswith(code + "-"), f"the complaint in {code} went to station {station!r} ({c.get('assignment_reason')})")
            filed[code] = c
        self.ctx["mine"], self.ctx["theirs"] = filed[HOME_COUNTY], filed[OTHER_COUNTY]
        # Where the new station goes: 70 m from a 西湖区 station (so that the 100 m conflict, #conflict
        # and #register-anyway are exercised), at a point well inside 西湖区.
        for f in stations:
            if f["properties"]["county_code"] != HOME_COUNTY or f["properties"].get("status", "active") != "active":
                continue
            lng, lat = f["geometry"]["coordinates"]
            for north, east in ((1, 0), (0, 1), (-1, 0), (0, -1)):
                target = (lat + north * NEIGHBOUR_M / 111320, lng + east * NEIGHBOUR_M / (111320 * math.cos(math.radians(lat))))
                status, code, region = self.region_of(*target, "wgs84")
                if status == 200 and code == HOME_COUNTY and region.get("county_confidence") == "inside":
                    self.ctx["target"], self.ctx["neighbour"] = target, f["id"]
                    break
            if "target" in self.ctx:
                break
        check("target" in self.ctx, f"no point {NEIGHBOUR_M} m from a {HOME_COUNTY} station is well inside {HOME_COUNTY}")
        return (f"server {self.url}; tokens: admin, county:{HOME_COUNTY} (xihu-console), county:{OTHER_COUNTY}; "
                f"complaints {filed[HOME_COUNTY]['number']} at {filed[HOME_COUNTY]['station']['id']}, "
                f"{filed[OTHER_COUNTY]['number']} at {filed[OTHER_COUNTY]['station']['id']}")

    def region_of(self, lat, lng, crs):
        status, _, body = request("GET", f"{self.url}/v1/regions/lookup?lat={lat}&lng={lng}&coordsys={crs}")
        r = json_of(body) or {}
        return status, (r.get("region") or {}).get("county_code"), r

    # -- 2
    def signin(self):
        b = self.b
        status, headers, body = request("GET", self.url + "/console")
        check(status == 200, f"GET /console: {status} {body[:200]!r}")
        b.d.get(self.url + "/console")
        b.wait_ready("signin")
        check(b.one("form#signin") and b.one("input#token") and b.one("button#signin-submit"), "the sign-in form")
        self.axe_view("signin")
        b.screenshot("signin")
        # A wrong token first: #signin-error, still the sign-in view.
        b.type_into(b.one("input#token"), "lst_" + "x" * 43)
        b.click("button#signin-submit")
        b.wait("#signin-error with text", lambda: b.visible_text("#signin-error"), 10)
        wrong = b.visible_text("#signin-error")
        check(b.ready() == "signin", f"after a wrong token the view is {b.ready()!r}")
        b.type_into(b.one("input#token"), self.ctx["home"])
        b.clear_ready()
        b.click("button#signin-submit")
        b.wait_ready("map")
        who = b.wait("#whoami with the token's name", lambda: "xihu-console" in b.visible_text("#whoami") and b.visible_text("#whoami"), 10)
        for nav in ("a#nav-map", "a#nav-complaints", "a#nav-kpis", "button#signout", "div#map"):
            check(b.find(nav), f"{nav} is missing")
        self.ctx["signed_in"] = True
        return f"wrong token: #signin-error {wrong[:80]!r}; signed in: #whoami {who[:80]!r}; map ready"

    def map_view(self):
        b = self.b
        size = b.js("const r = document.getElementById('map').getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)];")
        check(size[0] >= 200 and size[1] >= 200, f"div#map is {size[0]}x{size[1]} px (its stylesheet not loaded?)")
        b.wait(".station-marker or a cluster of them on the map",
               lambda: len(b.find(".station-marker")) + len(b.find(".station-cluster, .marker-cluster")), 20)
        markers, clusters = len(b.find(".station-marker")), len(b.find(".station-cluster, .marker-cluster"))
        items = b.wait("#station-list [data-station-id]", lambda: len(b.find("#station-list [data-station-id]")), 10)
        for sel in ("select#filter-county", "select#filter-mode", "select#filter-status"):
            check(b.find(sel), f"{sel} is missing")
        self.axe_view("map")
        b.screenshot("map")
        self.ctx["map"] = True
        return f"div#map {size[0]}x{size[1]} px; {markers} .station-marker and {clusters} cluster(s); {items} #station-list items; filters present"

    # -- 3 and 4
    def map_geometry(self):
        return self.b.js("""const r = document.getElementById('map').getBoundingClientRect();
            return {left: r.left, top: r.top, width: r.width, height: r.height};""")

    def free_pixel(self, dx, dy):
        """A pixel near (dx, dy) from the map's centre where a click reaches the map itself (not a
        marker, a control or the form over it); None when there is none."""
        g = self.map_geometry()
        for ox, oy in [(0, 0), (13, 9), (-13, 9), (13, -9), (-13, -9), (27, 0), (0, 27), (-27, 0), (0, -27), (31, 23), (-31, -23)]:
            x, y = g["left"] + g["width"] / 2 + dx + ox, g["top"] + g["height"] / 2 + dy + oy
            if not (g["left"] + 8 < x < g["left"] + g["width"] - 8 and g["top"] + 8 < y < g["top"] + g["height"] - 8):
                continue
            free = self.b.js("""const el = document.elementFromPoint(arguments[0], arguments[1]);
                const map = document.getElementById('map');
                if (!el || !map.contains(el)) return false;
                return !el.closest('.leaflet-marker-icon, .leaflet-control, .leaflet-popup, .leaflet-tooltip, ' +
                                   '.station-marker, .conflict-marker, .marker-cluster, .leaflet-interactive, form');""", x, y)
            if free:
                return dx + ox, dy + oy
        return None

    def read_point(self):
        b = self.b
        lat, lng = b.one("#f-lat", 5, visible=False).get_property("value"), b.one("#f-lng", 5, visible=False).get_property("value")
        crs_el = b.find("select#f-crs")
        crs = (crs_el[0].get_property("value") if crs_el else "wgs84") or "wgs84"
        try:
            return float(lat), float(lng), crs
        except ValueError:
            return None

    def map_click(self, dx, dy):
        """Clicks the map (offset from its centre) in add-station mode; the filled point or None."""
        from selenium.webdriver.common.action_chains import ActionChains
        b = self.b
        pixel = self.free_pixel(dx, dy)
        if pixel is None:
            return None
        before = self.read_point()
        ActionChains(b.d).move_to_element_with_offset(b.one("div#map"), int(pixel[0]), int(pixel[1])).click().perform()
        try:
            point = b.wait("#f-lat/#f-lng filled by the map click", lambda: (p := self.read_point()) and p != before and p, 4)
        except Failed:
            return None
        return pixel, point

    def map_drag(self, dx, dy):
        from selenium.webdriver.common.action_chains import ActionChains
        b = self.b
        start = self.free_pixel(-dx / 2, -dy / 2) or self.free_pixel(0, 0)
        if start is None:
            raise Failed("no free pixel on the map to drag it by")
        chain = ActionChains(b.d).move_to_element_with_offset(b.one("div#map"), int(start[0]), int(start[1])).click_and_hold()
        for _ in range(5):
            chain = chain.move_by_offset(int(dx / 5), int(dy / 5)).pause(0.05)
        chain.release().perform()
        time.sleep(0.4)

    def map_zoom_in(self):
        b = self.b
        zoom = [e for e in b.find(".leaflet-control-zoom-in") if e.is_displayed()]
        if zoom and "leaflet-disabled" not in (zoom[0].get_attribute("class") or ""):
            b.js("arguments[0].click();", zoom[0])
        else:
            from selenium.webdriver.common.keys import Keys
            b.one("div#map").send_keys(Keys.ADD)
        time.sleep(0.6)

    def place_point(self):
        """In add-station mode: clicks the map so that the point lands on ctx["target"] (to a few metres).
        Calibrates pixels against the coordinates the page fills (Web Mercator), pans and zooms."""
        g = self.map_geometry()
        half_w, half_h = g["width"] / 2 - 40, g["height"] / 2 - 40
        check(half_w > 40 and half_h > 40, f"div#map is {g['width']}x{g['height']} px")
        merc = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
        log = []
        for _ in range(12):
            first = self.map_click(0, 0)
            check(first, "a click on the map centre filled no #f-lat/#f-lng (add-station mode on?)")
            second = None
            for cx, cy in ((90, 70), (-90, 70), (90, -70), (-90, -70), (50, 40)):
                second = self.map_click(cx, cy)
                if second:
                    break
            check(second, "a second click on the map filled no other #f-lat/#f-lng (does add mode end after one click?)")
            (px0, (lat0, lng0, crs)), (px1, (lat1, lng1, _)) = first, second
            check(lng1 != lng0 and lat1 != lat0, f"two clicks {px0} and {px1} px gave the same point {lat0}, {lng0}")
            sx = (px1[0] - px0[0]) / (lng1 - lng0)
            sy = (px1[1] - px0[1]) / (merc(lat1) - merc(lat0))
            tlat, tlng = from_wgs84(crs, *self.ctx["target"])
            tx = px0[0] + (tlng - lng0) * sx
            ty = px0[1] + (merc(tlat) - merc(lat0)) * sy
            metres_per_px = abs(111320 * math.cos(math.radians(lat0)) / sx)
            log.append(f"centre {lat0:.5f},{lng0:.5f} {crs}, {metres_per_px:.1f} m/px, target at {tx:.0f},{ty:.0f} px")
            if abs(tx) < half_w and abs(ty) < half_h:
                if metres_per_px <= 3:
                    hit = self.map_click(tx, ty)
                    check(hit, f"the click at {tx:.0f},{ty:.0f} px filled nothing")
                    return hit[1], log
                self.map_drag(-tx, -ty)
                self.map_zoom_in()
            else:
                self.map_drag(max(-half_w, min(half_w, -tx)), max(-half_h, min(half_h, -ty)))
        raise Failed("could not bring 西湖区 under the pointer: " + " | ".join(log[-4:]))

    def fill_station_form(self, phone):
        """Fills form#station-form: the contract's fields, then whatever else is required and empty."""
        b = self.b
        form = b.one("form#station-form")
        name = "console-check 文新联络站"
        fixed = {"f-name": name, "f-phone": phone, "f-address": "西溪街道 文新社区", "f-town": "西溪街道",
                 "f-village": "文新社区", "f-address-town": "西溪街道", "f-address-village": "文新社区",
                 "f-capacity": "6"}
        for el_id, value in fixed.items():
            els = [e for e in b.find(f"#{el_id}") if e.is_displayed() and e.is_enabled() and not e.get_attribute("readonly")]
            if els:
                b.type_into(els[0], value)
        offline = b.find("#f-mode-offline")
        check(offline, "#f-mode-offline is missing")
        if not offline[0].is_selected():
            b.js("arguments[0].click();", offline[0])
        filled = []
        for el in form.find_elements("css selector", "input, textarea, select"):
            el_id = el.get_attribute("id") or ""
            kind = (el.get_attribute("type") or "text").lower()
            if (el_id in fixed or el_id in ("f-lat", "f-lng", "f-crs", "f-county") or kind in ("checkbox", "radio", "hidden", "submit", "button")
                    or not el.is_displayed() or not el.is_enabled() or el.get_attribute("readonly")):
                continue
            if el.get_property("value") or not (el.get_property("required") or el_id.startswith("f-staff")):
                continue
            key = el_id + " " + (el.get_attribute("name") or "")
            if "mobile" in key:
                value = "13812345678"
            elif "role" in key:
                value = "站长"
            elif "staff" in key and "name" in key:
                value = "李文新"
            elif "staff" in key:
                value = "李文新,站长,13812345678"
            elif "capacity" in key or kind == "number":
                value = "6"
            elif "phone" in key or kind == "tel":
                value = "0571-88881234"
            elif el.tag_name.lower() == "select":
                continue
            else:
                value = "测试"
            b.type_into(el, value)
            filled.append(f"#{el_id or el.get_attribute('name')}={value}")
        return name, filled

    def submit_station(self):
        """Sends the form; 'error', 'conflict' or 'created' (with the id), as the page shows it."""
        b = self.b
        start_hash = b.js("return location.hash")
        b.click("button#station-submit")

        def outcome():
            errors = [e for e in b.find(".field-error[data-field]") if e.is_displayed() and e.text.strip()]
            if errors:
                return ("error", {e.get_attribute("data-field"): e.text.strip() for e in errors})
            if any(e.is_displayed() for e in b.find("#conflict")):
                return ("conflict", b.visible_text("#conflict"))
            h = b.js("return location.hash")
            m = re.match(r"^#/stations/([0-9]{6}-[0-9]{4})$", h or "")
            if m and h != start_hash and b.ready() == "station":
                return ("created", m.group(1))
            if b.visible_text("#problem"):
                return ("problem", b.visible_text("#problem"))
            return None
        return b.wait("the station form's outcome (.field-error, #conflict or #/stations/<id>)", outcome, 20)

    def add_station(self):
        b = self.b
        b.go("#/map", "map")
        b.click("button#add-station")
        b.one("form#station-form", 10, visible=False)
        (lat, lng, crs), log = self.place_point()
        status, code, region = self.region_of(lat, lng, crs)
        check(status == 200 and code == HOME_COUNTY, f"the clicked point {lat}, {lng} ({crs}) is in {code!r}, not {HOME_COUNTY}: {region}")
        check(b.find("#f-county"), "#f-county is missing")
        try:
            county_code = b.wait("#f-county[data-code] filled from the point",
                                 lambda: b.find("#f-county")[0].get_attribute("data-code"), 10)
        except Failed:
            county_code = None
        markers = len(b.find(".station-marker"))
        status, _, body = request("GET", f"{self.url}/v1/stations/nearest?lat={lat}&lng={lng}&coordsys={crs}&limit=1")
        near = ((json_of(body) or {}).get("stations") or [{}])[0]
        self.ctx["neighbour_at"] = (near.get("id"), near.get("distance_m"))
        # 4: the phone "abc" first.
        name, filled = self.fill_station_form("abc")
        self.ctx["station_form"] = (lat, lng, crs, name, filled, log, county_code)
        try:
            self.ctx["first_submit"] = self.submit_station()
        except Failed as e:
            self.ctx["first_submit"] = (None, str(e))
        check(county_code == HOME_COUNTY, f"#f-county data-code is {county_code!r} for a point in {HOME_COUNTY}")
        return (f"clicked {lat}, {lng} ({crs}) in {code} after {len(log)} calibration(s) ({log[-1]}); "
                f"#f-county data-code {county_code}; {markers} .station-marker in view; nearest station before: "
                f"{near.get('id')} at {near.get('distance_m')} m; "
                f"other fields filled: {', '.join(filled) or 'none'}")

    def field_error(self):
        b = self.b
        kind, detail = self.ctx["first_submit"]
        valid = b.js("const f = document.getElementById('station-form'); return f ? f.checkValidity() : null;")
        check(kind == "error", f"the form with phone 'abc' gave {kind}: {detail!r} (form.checkValidity() {valid}: "
                               "false means the browser's own validation may have kept it from being sent)")
        check("phone" in detail, f".field-error shown for {sorted(detail)}, not phone: {detail}")
        others = {k: v for k, v in detail.items() if k != "phone"}
        check(not others, f"field errors beside phone (the other fields were valid): {others}")
        described = b.js("""const f = document.getElementById('f-phone'); if (!f) return null;
            return [f.getAttribute('aria-invalid'), f.getAttribute('aria-describedby')];""")
        b.screenshot("station-form-field-error")
        self.axe_view("station-form")
        self.ctx["field_error"] = True
        return f".field-error[data-field=phone]: {detail['phone'][:120]!r}; #f-phone aria-invalid/-describedby {described}"

    def station_created(self):
        b = self.b
        lat, lng, crs, name, _, _, _ = self.ctx["station_form"]
        b.type_into(b.one("#f-phone"), "0571-88881234")
        kind, detail = self.submit_station()
        conflict = ""
        neighbour, distance = self.ctx.get("neighbour_at", (None, None))
        if distance is not None and distance < 100:
            check(kind == "conflict", f"{neighbour} is {distance} m from the new point, yet the form gave {kind}: {detail!r}, not #conflict")
        if kind == "conflict":
            check(neighbour and neighbour in detail, f"#conflict does not name {neighbour}: {detail!r}")
            b.wait(".conflict-marker on the map", lambda: any(e.is_displayed() for e in b.find(".conflict-marker")), 10)
            b.screenshot("station-conflict")
            conflict = f"; 409: #conflict {detail[:90]!r} and a .conflict-marker; #register-anyway clicked"
            b.click("button#register-anyway")
            b.wait("#/stations/<id> after #register-anyway",
                   lambda: re.match(r"^#/stations/[0-9]{6}-[0-9]{4}$", b.js("return location.hash") or "") and b.ready() == "station", 20)
            kind, detail = "created", b.js("return location.hash").rsplit("/", 1)[1]
        check(kind == "created", f"after fixing the phone the form gave {kind}: {detail!r}")
        new_id = detail
        shown = b.one("#station-detail[data-station-id]", 10).get_attribute("data-station-id")
        check(shown == new_id, f"#station-detail[data-station-id] is {shown!r}, the hash says {new_id}")
        for sel in ("#station-history", "#station-complaints", "button#edit-station", "button#retire-station"):
            check(b.find(sel), f"{sel} is missing on the station page")
        check(new_id.startswith(HOME_COUNTY + "-"), f"the new station's id {new_id} is not in {HOME_COUNTY}")
        status, _, body = request("GET", f"{self.url}/v1/stations/nearest?lat={lat}&lng={lng}&coordsys={crs}&limit=3")
        near = (json_of(body) or {}).get("stations") or []
        check(status == 200 and near, f"nearest at {lat},{lng}: {status} {body[:300]!r}")
        check(near[0]["id"] == new_id, f"the nearest station at {lat},{lng} ({crs}) is {near[0]['id']} "
                                       f"({near[0]['distance_m']} m), not the new {new_id}: {[(s['id'], s['distance_m']) for s in near]}")
        check(near[0]["distance_m"] <= 1.0, f"the new station is {near[0]['distance_m']} m from the clicked point")
        status, _, body = request("GET", f"{self.url}/v1/stations/{new_id}")
        st = json_of(body) or {}
        check(status == 200 and st.get("county_code") == HOME_COUNTY and st.get("name") == name and "offline" in st.get("modes", []),
              f"GET /v1/stations/{new_id}: {status} {body[:300]!r}")
        self.ctx["new_station"] = new_id
        b.go("#/map", "map")
        b.wait(f'#station-list [data-station-id="{new_id}"] back on the map view',
               lambda: b.find(f'#station-list [data-station-id="{new_id}"]'), 10)
        after = f" (next {near[1]['id']} at {near[1]['distance_m']} m)" if len(near) > 1 else ""
        return (f"created {new_id} ({st['county_name']}){conflict}; nearest at the clicked point: {new_id} at {near[0]['distance_m']} m{after}; "
                "listed in #station-list")

    def duplicate(self):
        """The same station registered again at the same spot: the 100 m conflict first, then, past
        it, the duplicate one (疑似重复登记, naming the new station); #register-anyway each time."""
        b = self.b
        new_id = self.ctx["new_station"]
        b.go("#/map", "map")
        b.click("button#add-station")
        b.one("form#station-form", 10, visible=False)
        self.place_point()
        self.fill_station_form("0571-88881234")
        seen = []
        kind, detail = self.submit_station()
        while kind == "conflict" and len(seen) < 3:
            seen.append(detail)
            b.click("button#register-anyway")

            def next_outcome():
                if any(e.is_displayed() for e in b.find("#conflict")) and b.visible_text("#conflict") != seen[-1]:
                    return ("conflict", b.visible_text("#conflict"))
                h = b.js("return location.hash") or ""
                m = re.match(r"^#/stations/([0-9]{6}-[0-9]{4})$", h)
                if m and b.ready() == "station":
                    return ("created", m.group(1))
                return None
            kind, detail = b.wait("the next conflict or #/stations/<id> after #register-anyway", next_outcome, 20)
        duplicate = [text for text in seen if "疑似重复登记" in text]
        check(duplicate, f"no 疑似重复登记 conflict before the station was registered again: {seen!r}")
        check(new_id in duplicate[0], f"the duplicate conflict does not name {new_id}: {duplicate[0]!r}")
        check(kind == "created" and detail != new_id, f"after #register-anyway the form gave {kind}: {detail!r}")
        b.screenshot("station-duplicate")
        return f"{len(seen)} conflict(s), the duplicate one {duplicate[0][:80]!r}; registered anyway as {detail}"

    # -- 5
    def queue(self):
        b = self.b
        mine, theirs = self.ctx["mine"]["number"], self.ctx["theirs"]["number"]
        b.go("#/complaints", "complaints")
        b.one("table#complaint-list")
        row = b.wait(f'tr[data-number="{mine}"] in the queue', lambda: b.find(f'tr[data-number="{mine}"]'), 10)
        check(not b.find(f'tr[data-number="{theirs}"]'), f"拱墅区's complaint {theirs} is listed in 西湖区's queue")
        for sel in ("select#filter-complaint-status", "input#filter-overdue"):
            check(b.find(sel), f"{sel} is missing")
        rows = len(b.find("tr[data-number]"))
        # Time left on the earliest running deadline: the first response, 24 h after filing.
        cell = b.find(f'tr[data-number="{mine}"] td.deadline')
        left = cell[0].text.strip() if cell else ""
        check("首次响应" in left and "剩余" in left, f"the queue row's deadline cell says {left!r}: expected the first response's time left (首次响应：剩余 …)")
        nxt = b.find("button#next-page")
        more = "button#next-page " + (("disabled" if not nxt[0].is_enabled() else "ENABLED") if nxt and nxt[0].is_displayed()
                                      else "hidden" if nxt else "absent") + " on a single page"
        self.axe_view("complaints")
        b.screenshot("complaints")
        self.ctx["queue"] = row
        return f"{rows} row(s); {mine} listed ({left}), {theirs} not; {more}"

    def slots(self, station):
        """Candidate slots (Asia/Shanghai, on the half hour) inside the station's hours, from 2 days ahead."""
        hours = station["hours"]
        holidays = set()
        try:
            holidays = {h["date"] for h in json.loads((GEODATA / "working-calendar.json").read_text()).get("holidays", [])}
        except (OSError, ValueError, KeyError, TypeError):
            pass
        today = datetime.datetime.now(SHANGHAI).date()
        names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        for ahead in range(2, 40):
            day = today + datetime.timedelta(days=ahead)
            if day.isoformat() in holidays:
                continue
            for interval in hours.get(names[day.weekday()], []):
                o, c = interval.split("-")
                open_m = int(o[:2]) * 60 + int(o[3:])
                close_m = int(c[:2]) * 60 + int(c[3:])
                start = (open_m + 29) // 30 * 30
                if start + 60 <= close_m:
                    yield datetime.datetime(day.year, day.month, day.day, start // 60, start % 60, tzinfo=SHANGHAI)

    def complaint_http(self, number, token=None):
        status, _, body = request("GET", f"{self.url}/v1/complaints/{number}",
                                  headers={"Authorization": f"Bearer {token or self.ctx['admin']}"})
        return status, json_of(body) or {}

    def lifecycle(self):
        b = self.b
        number = self.ctx["mine"]["number"]
        station_id = self.ctx["mine"]["station"]["id"]
        row = b.one(f'tr[data-number="{number}"]')
        links = row.find_elements("css selector", "a[href]")
        b.clear_ready()
        b.js("arguments[0].scrollIntoView({block: 'center'});", links[0] if links else row)
        (links[0] if links else row).click()
        b.wait_ready("complaint")
        detail = b.one(f'#complaint-detail[data-number="{number}"]')
        check(detail.get_attribute("data-status") == "assigned", f"#complaint-detail[data-status] is {detail.get_attribute('data-status')!r}, not assigned")
        for sel in ("#complaint-status", "#timeline", "#notifications"):
            check(b.find(sel), f"{sel} is missing on the complaint page")
        self.axe_view("complaint")
        b.screenshot("complaint")
        status, station = None, {}
        st_status, _, body = request("GET", f"{self.url}/v1/stations/{station_id}")
        station = json_of(body) or {}
        check(st_status == 200 and "hours" in station, f"GET /v1/stations/{station_id}: {st_status}")
        done = []
        slots = self.slots(station)
        for action, expected in (("accept", "accepted"), ("schedule", "accepted"), ("start_mediation", "mediating"), ("resolve", "resolved")):
            tries = 0
            while True:
                tries += 1
                _, before = self.complaint_http(number)
                n_events = len(before.get("events", []))
                timeline = len(b.find("#timeline > *, #timeline li"))
                b.click(f'button[data-action="{action}"]')
                form_shown = False
                try:
                    b.wait("form#action-form", lambda: any(e.is_displayed() for e in b.find("form#action-form")), 4)
                    form_shown = True
                except Failed:
                    pass
                when = None
                if form_shown:
                    notes = [e for e in b.find("#action-note") if e.is_displayed() and e.is_enabled()]
                    if notes and not notes[0].get_property("value"):
                        b.type_into(notes[0], f"console-check: {action}")
                    if action == "schedule":
                        slot = next(slots, None)
                        check(slot, f"no slot inside {station_id}'s hours {station['hours']}")
                        field = b.one("#action-when")
                        kind = (field.get_attribute("type") or "text").lower()
                        hint = (field.get_attribute("placeholder") or "").upper()
                        # What a user types: the input's own format (datetime-local, or the one its
                        # placeholder shows, Beijing time), else RFC 3339 with the offset.
                        when = (slot.strftime("%Y-%m-%dT%H:%M") if kind == "datetime-local"
                                else slot.strftime("%Y-%m-%d %H:%M") if "YYYY-MM-DD HH:MM" in hint else slot.isoformat())
                        b.set_value(field, when) if kind == "datetime-local" else b.type_into(field, when)
                        if tries == 1:
                            self.axe_view("action-form")
                            b.screenshot("complaint-action-form")
                    b.click("button#action-submit")
                elif action == "schedule":
                    raise Failed("button[data-action=schedule] opened no form#action-form for #action-when")

                def settled():
                    err = b.visible_text("#action-error")
                    if err:
                        return ("error", err)
                    _, now = self.complaint_http(number)
                    el = b.find("#complaint-detail")
                    shown = el[0].get_attribute("data-status") if el else None
                    if len(now.get("events", [])) > n_events and now.get("status") == expected and shown == expected \
                            and b.ready() == "complaint" and len(b.find("#timeline > *, #timeline li")) > timeline:
                        return ("done", now)
                    return None
                outcome, what = b.wait(f"{action}: #complaint-detail[data-status={expected}] and a new #timeline entry, or #action-error",
                                       settled, 20)
                if outcome == "error" and action == "schedule" and tries < 6:
                    continue    # a public holiday the calendar did not know: the next slot
                check(outcome == "done", f"{action}: #action-error {what!r}" + (f" (#action-when {when})" if when else ""))
                last = what["events"][-1]["action"] if what.get("events") else None
                check(last == action, f"{action}: the last event is {last!r}")
                done.append(f"{action}{' ' + when if when else ''} -> {expected}")
                break
        status, final = self.complaint_http(number)
        check(status == 200 and final.get("status") == "resolved", f"admin GET: {status} {final.get('status')!r}")
        acts = [e["action"] for e in final.get("events", [])]
        check(acts[-4:] == ["accept", "schedule", "start_mediation", "resolve"], f"events: {acts}")
        shown = b.visible_text("#complaint-status")
        b.screenshot("complaint-resolved")
        return f"{number}: {'; '.join(done)}; admin reads {final['status']} (events {', '.join(acts)}); #complaint-status {shown[:60]!r}"

    def decline(self):
        b = self.b
        s = next(f for f in json.loads((GEODATA / "stations.geojson").read_text())["features"]
                 if f["properties"]["county_code"] == HOME_COUNTY and "offline" in f["properties"]["modes"])
        lng, lat = s["geometry"]["coordinates"]
        status, _, body = request("POST", self.url + "/v1/complaints", json_body=complaint_body(lat, lng, "13700003333", "西湖某某健身房"))
        number = (json_of(body) or {}).get("number")
        check(status == 201 and number, f"filing the complaint to decline: {status} {body[:200]!r}")
        b.clear_ready()
        b.js("location.hash = arguments[0];", f"#/complaints/{number}")
        b.wait_ready("complaint")
        b.click('button[data-action="decline"]')
        b.wait("form#action-form with #action-reason", lambda: any(e.is_displayed() for e in b.find("#action-reason")), 5)
        b.click("button#action-submit")
        error = b.wait("#action-error without a reason", lambda: b.visible_text("#action-error"), 15)
        check("reason" in error, f"#action-error does not name reason: {error!r}")
        b.js("const s = document.getElementById('action-reason'); s.value = 'handled_elsewhere'; s.dispatchEvent(new Event('change'));")
        b.click("button#action-submit")

        def declined():
            el = b.find("#complaint-detail")
            return el and el[0].get_attribute("data-status") == "declined" and b.ready() == "complaint"
        b.wait("#complaint-detail[data-status=declined]", declined, 20)
        _, now = self.complaint_http(number)
        check(now.get("status") == "declined" and (now.get("decline") or {}).get("reason") == "handled_elsewhere",
              f"admin GET: {now.get('status')!r} {now.get('decline')!r}")
        shown = b.visible_text("#complaint-status")
        check("不予受理" in shown, f"#complaint-status is {shown!r}")
        last = b.find("#timeline li")
        check(last and "不予受理" in last[-1].text, f"the timeline's last entry is {last[-1].text if last else None!r}")
        clocks = b.visible_text("ul.deadlines")
        check(clocks and "剩余" not in clocks and "已超时" not in clocks, f"a declined complaint's clocks still run on the page: {clocks!r}")
        b.screenshot("complaint-declined")
        return f"{number}: 400 without a reason ({error[:60]!r}), then declined for handled_elsewhere; #complaint-status {shown!r}"

    # -- 6
    def other_county(self):
        b = self.b
        theirs = self.ctx["theirs"]["number"]
        s_home, _ = self.complaint_http(theirs, self.ctx["home"])
        s_other, _ = self.complaint_http(theirs, self.ctx["other"])
        check(s_home in (403, 404) and s_other == 200, f"HTTP: 西湖区's token {s_home}, 拱墅区's {s_other}")
        b.clear_ready()
        b.js("location.hash = arguments[0];", f"#/complaints/{theirs}")
        text = b.wait("#problem shown with the refusal", lambda: b.visible_text("#problem"), 15)
        check(not b.find(f'#complaint-detail[data-number="{theirs}"]'), f"#complaint-detail shows {theirs}")
        role = b.js("const p = document.getElementById('problem'); return p && p.getAttribute('role');")
        check(role == "alert", f"#problem role is {role!r}, not alert")
        self.ctx["other_checked"] = True
        return f"HTTP {s_home} for 西湖区 (拱墅区's own token 200); #problem {text[:160]!r}"

    # -- 7
    def coordinates(self):
        """window.liaisonCoords against this file's own GCJ-02/BD-09: forward within 1e-9°,
        inverses and round trips (the page's own inverse of its forward) within 1e-7°."""
        import random
        b = self.b
        names = b.js("return window.liaisonCoords ? Object.keys(window.liaisonCoords) : null")
        check(names, "window.liaisonCoords is missing")
        check("wgs84ToGcj02" in names, f"window.liaisonCoords has {names}, no wgs84ToGcj02")
        rng = random.Random(15)
        points = [(30.259, 120.13), (27.9938, 120.6994), (29.8683, 121.544), (30.0161, 122.1070), (28.6568, 121.4208),
                  (30.8703, 120.0933), (29.0792, 119.6474), (31.2304, 121.4737), (39.9042, 116.4074), (22.5431, 114.0579),
                  (35.6762, 139.6503), (0.5, 110.0), (48.8566, 2.3522), (-33.8688, 151.2093)]
        points += [(rng.uniform(27.0, 31.2), rng.uniform(118.0, 123.0)) for _ in range(40)]
        forward = {"wgs84ToGcj02": wgs84_to_gcj02, "gcj02ToBd09": gcj02_to_bd09, "wgs84ToBd09": wgs84_to_bd09}
        inverse = {"gcj02ToWgs84": (gcj02_to_wgs84, wgs84_to_gcj02), "bd09ToGcj02": (bd09_to_gcj02, gcj02_to_bd09),
                   "bd09ToWgs84": (bd09_to_wgs84, wgs84_to_bd09)}
        calls = []      # (function, args, expected, tolerance, what, round trip of)
        for lat, lng in points:
            for f, py in forward.items():
                if f in names:
                    calls.append((f, [lat, lng], py(lat, lng), 1e-9, "forward", None))
            for f, (py, fwd) in inverse.items():
                if f in names:
                    q = fwd(lat, lng)
                    calls.append((f, list(q), py(*q), 1e-7, "inverse", None))
            if "fromWgs84" in names:
                for crs in ("wgs84", "gcj02", "bd09"):
                    calls.append(("fromWgs84", [crs, lat, lng], from_wgs84(crs, lat, lng), 1e-9, "forward", None))
            if "toWgs84" in names:
                for crs in ("gcj02", "bd09"):
                    q = from_wgs84(crs, lat, lng)
                    calls.append(("toWgs84", [crs, *q], {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}[crs](*q), 1e-7, "inverse", None))
        answers = b.js("""const C = window.liaisonCoords;
            const pair = (r) => Array.isArray(r) ? [Number(r[0]), Number(r[1])]
                : (r && typeof r === 'object') ? [Number(r.lat ?? r.latitude), Number(r.lng ?? r.lon ?? r.longitude)] : String(r);
            return arguments[0].map(([f, args]) => { try { return pair(C[f](...args)); } catch (e) { return 'threw ' + e; } });""",
                       [[c[0], c[1]] for c in calls])
        problems, worst = [], {"forward": 0.0, "inverse": 0.0, "round trip": 0.0}
        trips = []
        for (f, args, want, tol, what, _), got in zip(calls, answers):
            if not isinstance(got, list) or any(x is None or x != x for x in got):
                problems.append(f"{f}({', '.join(map(str, args))}) answered {got!r}")
                continue
            err = max(abs(got[0] - want[0]), abs(got[1] - want[1]))
            worst[what] = max(worst[what], err)
            if err > tol:
                problems.append(f"{f}({', '.join(map(str, args))}) = {got}, expected {list(want)} (off by {err:.2e}°, tolerance {tol:g})")
            # the page's own inverse of its own forward
            inv = {"wgs84ToGcj02": "gcj02ToWgs84", "gcj02ToBd09": "bd09ToGcj02", "wgs84ToBd09": "bd09ToWgs84"}.get(f)
            if inv in names:
                trips.append((inv, got, args))
            elif f == "fromWgs84" and args[0] != "wgs84" and "toWgs84" in names:
                trips.append(("toWgs84", [args[0], *got], args[1:]))
        backs = b.js("""const C = window.liaisonCoords;
            return arguments[0].map(([f, args]) => { const r = C[f](...args); return [Number(r.lat ?? r[0]), Number(r.lng ?? r[1])]; });""",
                     [[t[0], t[1]] for t in trips])
        for (inv, args, origin), back in zip(trips, backs):
            err = max(abs(back[0] - origin[0]), abs(back[1] - origin[1]))
            worst["round trip"] = max(worst["round trip"], err)
            if err > 1e-7:
                problems.append(f"{inv}({', '.join(map(str, args))}) = {back}, back from {origin} (off by {err:.2e}°)")
        check(not problems, f"{len(problems)} of {len(calls) + len(trips)} disagree:\n" + "\n".join(problems[:12]))
        used = sorted({c[0] for c in calls})
        return (f"{len(calls)} calls ({', '.join(used)}) at {len(points)} points and {len(trips)} round trips agree; worst: "
                f"forward {worst['forward']:.1e}°, inverse {worst['inverse']:.1e}°, round trip {worst['round trip']:.1e}°")

    # -- 8
    def kpis(self):
        b = self.b
        b.go("#/kpis", "kpis")
        tiles = b.wait("#kpi-tiles .kpi-tile", lambda: len(b.find("#kpi-tiles .kpi-tile")), 10)
        check(b.find("#kpi-chart"), "#kpi-chart is missing")
        for sel in ("input#kpi-from", "input#kpi-to", "details#kpi-definitions"):
            check(b.find(sel), f"{sel} is missing")
        bars = len(b.find("#kpi-chart .bar"))
        self.axe_view("kpis")
        b.screenshot("kpis")
        sample = "; ".join(e.text.strip().replace("\n", " ")[:40] for e in b.find("#kpi-tiles .kpi-tile")[:3])
        return f"{tiles} .kpi-tile ({sample}), {bars} .bar in #kpi-chart"

    # -- 9
    def phone_width(self):
        b = self.b
        b.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True})
        try:
            out = []
            for route, view, name in (("#/map", "map", "map-phone"), (f"#/complaints/{self.ctx['mine']['number']}", "complaint", "complaint-phone")):
                b.go(route, view)
                time.sleep(0.3)
                w = b.js("return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, "
                         "body: document.body.scrollWidth};")
                wide = b.js("""const out = [];
                    for (const el of document.querySelectorAll('body *')) {
                        const r = el.getBoundingClientRect();
                        if (r.right > window.innerWidth + 1 && r.width > 0 && !el.closest('.leaflet-pane, .leaflet-control-container'))
                            out.push((el.id ? '#' + el.id : el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
                                     ? '.' + el.className.trim().split(/\\s+/).join('.') : '')) + ' right ' + Math.round(r.right));
                        if (out.length >= 6) break;
                    }
                    return out;""")
                b.screenshot(name)
                check(w["inner"] == PHONE[0], f"{route}: window.innerWidth is {w['inner']} on a {PHONE[0]} px phone "
                                              "(no <meta name=viewport content='width=device-width'>?)")
                check(w["scroll"] <= w["inner"], f"{route}: horizontal overflow: documentElement.scrollWidth {w['scroll']} > "
                                                 f"innerWidth {w['inner']}; sticking out: {wide}")
                out.append(f"{route} scrollWidth {w['scroll']} <= {w['inner']}")
            return "; ".join(out)
        finally:
            b.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            time.sleep(0.3)

    # -- 10
    def signout(self):
        b = self.b
        cookies = b.d.get_cookies()
        check(cookies, "no cookies in the browser after sign-in")
        self.ctx["browser_cookies"] = cookies
        header = cookie_header(cookies)
        before, _, body = raw_http(self.url, "GET", "/v1/complaints", headers={"Cookie": header})
        check(before == 200, f"replaying the session cookie while signed in: {before} {body[:200]!r}")
        b.clear_ready()
        b.click("button#signout")
        b.wait_ready("signin")
        check(b.one("form#signin") and b.one("input#token"), "the sign-in form is not shown after #signout")
        fetched = b.d.execute_async_script("""const done = arguments[arguments.length - 1];
            fetch('/v1/complaints', {credentials: 'same-origin'}).then(r => done(r.status), e => done('error ' + e));""")
        check(fetched == 401, f"fetch('/v1/complaints') after sign-out: {fetched}")
        after, _, body = raw_http(self.url, "GET", "/v1/complaints", headers={"Cookie": header})
        check(after == 401, f"the old session cookie replayed after sign-out: {after} {body[:200]!r}")
        left = [c["name"] for c in b.d.get_cookies()]
        return (f"sign-in form back; page fetch /v1/complaints {fetched}; old cookie replayed: {before} before, {after} after "
                f"sign-out; cookies left in the browser: {left or 'none'}")

    # -- 11
    def security(self):
        problems, notes = [], []
        status, msg, body = raw_http(self.url, "GET", "/console")
        csp = msg.get("Content-Security-Policy")
        if status != 200 or not csp:
            problems.append(f"GET /console: {status}, Content-Security-Policy {csp!r}")
        elif "'unsafe-inline'" in csp:
            problems.append(f"the CSP allows 'unsafe-inline': {csp}")
        notes.append(f"CSP {csp!r}")
        # A session of its own.
        status, msg, body = raw_http(self.url, "POST", "/console/session", body={"token": self.ctx["home"]})
        session = json_of(body) or {}
        set_cookies = msg.get_all("Set-Cookie") or []
        if status != 201 or not set_cookies:
            raise Failed(f"POST /console/session: {status}, Set-Cookie {set_cookies}, {body[:300]!r}")
        for k in ("name", "role", "county", "csrf", "expires_at"):
            if k not in session:
                problems.append(f"POST /console/session answer has no {k!r}: {sorted(session)}")
        cookie = set_cookies[0]
        attrs = [p.strip().lower() for p in cookie.split(";")[1:]]
        if "httponly" not in attrs:
            problems.append(f"Set-Cookie without HttpOnly: {cookie}")
        if "samesite=strict" not in attrs:
            problems.append(f"Set-Cookie without SameSite=Strict: {cookie}")
        if not any(a.startswith("max-age=") or a.startswith("expires=") for a in attrs):
            problems.append(f"Set-Cookie without Max-Age/Expires (a session cookie with no end): {cookie}")
        if "path=/" not in attrs:
            problems.append(f"Set-Cookie without Path=/: {cookie}")
        notes.append("Set-Cookie " + "; ".join([cookie.split(";")[0].split("=")[0] + "=…"] + [p.strip() for p in cookie.split(";")[1:]]))
        for c in self.ctx.get("browser_cookies", []):
            if not c.get("httpOnly") or c.get("sameSite") != "Strict" or "expiry" not in c:
                problems.append(f"the browser's cookie {c['name']}: httpOnly {c.get('httpOnly')}, sameSite {c.get('sameSite')}, "
                                f"expiry {c.get('expiry')}")
            else:
                notes.append(f"in the browser: {c['name']} httpOnly, sameSite Strict, expires in {(c['expiry'] - time.time()) / 3600:.1f} h")
        jar = cookie.split(";")[0]
        csrf = session.get("csrf", "")
        s, _, b = raw_http(self.url, "GET", "/console/session", headers={"Cookie": jar})
        if s != 200:
            problems.append(f"GET /console/session with the cookie: {s} {b[:200]!r}")
        s1, _, b1 = raw_http(self.url, "POST", "/v1/stations", body={}, headers={"Cookie": jar})
        s2, _, b2 = raw_http(self.url, "POST", "/v1/stations", body={}, headers={"Cookie": jar, "X-CSRF-Token": csrf})
        s3, _, b3 = raw_http(self.url, "POST", "/v1/stations", body={}, headers={"Cookie": jar, "X-CSRF-Token": "x" + csrf[1:]})
        if s1 != 403:
            problems.append(f"POST /v1/stations with the cookie, no X-CSRF-Token: {s1} {b1[:200]!r} (expected 403)")
        if s2 != 400:
            problems.append(f"POST /v1/stations {{}} with the cookie and X-CSRF-Token: {s2} {b2[:200]!r} (expected 400: past the CSRF check)")
        if s3 != 403:
            problems.append(f"POST /v1/stations with a wrong X-CSRF-Token: {s3} {b3[:200]!r} (expected 403)")
        number = self.ctx["mine"]["number"]
        s4, _, b4 = raw_http(self.url, "POST", f"/v1/complaints/{number}/events", body={"action": "close"}, headers={"Cookie": jar})
        if s4 != 403:
            problems.append(f"POST /v1/complaints/{number}/events with the cookie, no X-CSRF-Token: {s4} {b4[:200]!r}")
        s5, _, b5 = raw_http(self.url, "DELETE", "/console/session", headers={"Cookie": jar})
        s6, _, b6 = raw_http(self.url, "DELETE", "/console/session", headers={"Cookie": jar, "X-CSRF-Token": csrf})
        s7, _, _ = raw_http(self.url, "GET", "/v1/complaints", headers={"Cookie": jar})
        if s5 != 403:
            problems.append(f"DELETE /console/session without X-CSRF-Token: {s5} {b5[:200]!r} (expected 403)")
        if s6 != 204:
            problems.append(f"DELETE /console/session with X-CSRF-Token: {s6} {b6[:200]!r} (expected 204)")
        if s7 != 401:
            problems.append(f"the cookie after DELETE /console/session: GET /v1/complaints {s7} (expected 401)")
        s8, _, _ = raw_http(self.url, "POST", "/console/session", body={"token": "lst_" + "y" * 43})
        if s8 != 401:
            problems.append(f"POST /console/session with an unknown token: {s8} (expected 401)")
        notes.append(f"cookie without X-CSRF-Token: POST /v1/stations {s1}, events {s4}, DELETE session {s5}; "
                     f"with it: {s2}, {s6}; wrong token {s3}; unknown staff token {s8}")
        check(not problems, "\n".join(problems + notes))
        return "; ".join(notes)

    # -- helpers
    def axe_view(self, view):
        self.b.run_axe(view)

    def report_axe(self):
        views = ["signin", "map", "station-form", "complaints", "complaint", "action-form", "kpis"]
        for view in views:
            if view not in self.b.axe:
                self.line(f"axe {view}", "skip", "not run: the view was not reached")
                continue
            bad, counts, version, ignored = self.b.axe[view]
            summary = (f"axe-core {version}: {counts['critical']} critical, {counts['serious']} serious, "
                       f"{counts['moderate']} moderate, {counts['minor']} minor violation(s)")
            if ignored:
                summary += (f"; set aside: autocomplete-valid on autocomplete=off/on at {', '.join(ignored)} "
                            "(a false positive of axe-core 3.1.1, dequelabs/axe-core#1109)")
            minor = self.b.axe_minor.get(view, [])
            self.line(f"axe {view}", "FAIL" if bad else "ok", summary + "".join(f"\n  {x}" for x in bad + minor))

    def report_screenshots(self):
        wanted = ["map", "station-form-field-error", "complaint", "kpis", "map-phone"]
        missing = [w for w in wanted if w not in self.b.shots]
        listing = "".join(f"\n  {p} ({w}x{h})" for p, w, h in self.b.shots.values())
        self.line("screenshots", "FAIL" if missing else "ok",
                  (f"missing: {', '.join(missing)}; " if missing else "") + f"{len(self.b.shots)} in {self.b.out}" + listing)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=str(REPO / ".build/debug/liaison"), help="the liaison binary (default .build/debug/liaison)")
    ap.add_argument("--out", help="folder for the screenshots (default: console-check-screenshots/ in a new temporary folder, kept)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (database, server log, browser profile)")
    ap.add_argument("--headful", action="store_true", help="show the browser window (needs a display)")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--chromedriver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    a = ap.parse_args(argv)
    # SIGTERM ends the run as Ctrl-C does: the browser and the server are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    a.bin = pathlib.Path(a.bin).resolve()
    if not a.bin.is_file():
        die(f"no liaison binary at {a.bin}: swift build --product liaison (or give --bin)")
    for tool, package in ((a.chromium, "chromium"), (a.chromedriver, "chromium-driver")):
        if not tool or not os.access(tool, os.X_OK):
            die(f"{tool} not found: install Debian's {package} (tools/setup)")
    selenium_modules()

    work = pathlib.Path(tempfile.mkdtemp(prefix="console-check."))
    out = pathlib.Path(a.out) if a.out else pathlib.Path(tempfile.mkdtemp(prefix="console-check.")) / "console-check-screenshots"
    out.mkdir(parents=True, exist_ok=True)
    run = Run(a)
    run.ctx["work"] = work
    run.server = None
    driver = None
    started = time.time()
    try:
        run.step("data", run.data)
        if "theirs" not in run.ctx:
            raise ServerError("no server, tokens or complaints to check the console with (see the data step)")
        try:
            driver = start_browser(a.chromium, a.chromedriver, work / "chrome-profile", a.headful)
        except Exception as e:  # noqa: BLE001
            die(f"chromium/chromedriver did not start: {type(e).__name__}: {str(e).strip()[:500]}")
        run.b = Browser(driver, run.url, out)
        run.step("signin", run.signin, allowed=[(r"^/console/session$", (401,))])
        run.step("map", run.map_view, needs=["signed_in"])
        run.step("add-station", run.add_station, needs=["map"], allowed=[(r"^/v1/stations$", (400,))])
        run.step("field-error", run.field_error, needs=["station_form"])
        run.step("station-created", run.station_created, needs=["field_error"], allowed=[(r"^/v1/stations$", (409,))])
        run.step("duplicate", run.duplicate, needs=["new_station"], allowed=[(r"^/v1/stations$", (409,))])
        run.step("queue", run.queue, needs=["signed_in"])
        run.step("lifecycle", run.lifecycle, needs=["queue"], allowed=[(r"^/v1/complaints/[^/]+/events$", (400,))])
        run.step("decline", run.decline, needs=["signed_in"], allowed=[(r"^/v1/complaints/[^/]+/events$", (400,))])
        run.step("other-county", run.other_county, needs=["signed_in"], allowed=[(r"^/v1/complaints/", (403, 404))])
        run.step("coordinates", run.coordinates, needs=["signed_in"])
        run.step("kpis", run.kpis, needs=["signed_in"])
        run.step("phone-width", run.phone_width, needs=["signed_in"])
        run.step("signout", run.signout, needs=["signed_in"],
                 allowed=[(r"^/v1/complaints$", (401,)), (r"^/console/session$", (401,))])
        run.step("security", run.security)
        run.report_screenshots()
        run.line("console-errors", "FAIL" if run.b.severe_total else "ok",
                 f"{run.b.severe_total} unexpected SEVERE browser console entr{'y' if run.b.severe_total == 1 else 'ies'} "
                 "over all steps (each printed with its step)")
        run.report_axe()
    except ServerError as e:
        run.line("setup", "FAIL", str(e))
    except KeyboardInterrupt:
        run.line("interrupted", "FAIL", "stopped by a signal or Ctrl-C")
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:  # noqa: BLE001
                pass
        if run.server is not None:
            run.server.stop()
        failed = [r for r in run.results if r[1] != "ok"]
        if failed and run.server is not None and (work / "serve.log").exists():
            tail = (work / "serve.log").read_text(errors="replace")[-1500:].strip()
            if tail:
                print(f"console-check: the server's log ends:\n{tail}", file=sys.stderr)
        if a.keep:
            print(f"console-check: kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    ok = sum(1 for r in run.results if r[1] == "ok")
    print(f"console-check: {ok} ok, {len(failed)} failed or skipped "
          f"({', '.join(r[0] for r in failed) or 'none'}) in {time.time() - started:.0f} s; screenshots in {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
