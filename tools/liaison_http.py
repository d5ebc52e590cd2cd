#!/usr/bin/env python3
# liaison_http.py -- starting `liaison serve` and talking HTTP to it, for tools/complaints_oracle.py
# and tools/killtest.py (a library, not a script).
#
#   server = Server(binary, db); server.start()      # waits for "listening on http://127.0.0.1:PORT"
#   status, headers, body = request("POST", server.url + "/v1/complaints", json_body={...})
#   server.kill()  (SIGKILL)  /  server.stop()  (SIGTERM, then wait)
#
# request() returns the status for every HTTP answer (4xx/5xx included) and raises OSError only
# when there is no HTTP answer at all (refused, reset, timed out): the callers treat that as "not
# acknowledged".

import http.client
import json
import os
import signal
import subprocess
import threading
import urllib.error
import urllib.parse
import uuid
import urllib.request


class ServerError(Exception):
    pass


def database_with_admin_token(binary, db, name, extra_args=()):
    """Creates the database at `db` (from geodata/, unless it exists) before any server starts, so
    servers never race to create it, and an admin token called `name`; returns the token.
    Raises ServerError with what the CLI said when either fails."""
    p = subprocess.run([str(binary), "tokens", "create", "--name", name, "--role", "admin", "--db", str(db),
                        *[str(x) for x in extra_args]], capture_output=True, text=True)
    token = p.stdout.strip()
    if p.returncode != 0 or not token.startswith("lst_") or "\n" in token:
        raise ServerError(f"liaison tokens create: exit {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr.strip()!r}")
    return token


class Server:
    """One `liaison serve --port 0` process on a database file."""

    def __init__(self, binary, db, log_path=None, extra_args=(), anonymous_intake=True):
        # anonymous_intake: these tools file complaints without client keys and at rates no
        # quota allows (development mode); tools/abuse turns it off to test the defences.
        self.anonymous_intake = anonymous_intake
        self.binary, self.db = str(binary), str(db)
        self.log_path = log_path
        self.extra_args = [str(x) for x in extra_args]   # e.g. ["--geodata", DIR]
        self.proc = None
        self.url = None

    def start(self, timeout=120.0):
        # stdout is read for the listening line; stderr (warnings) goes to a log file for post-mortems.
        err = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        open_door = ["--anonymous-intake", "--client-intake-burst", "1000000", "--reads-per-minute", "1000000"] if self.anonymous_intake else []
        self.proc = subprocess.Popen([self.binary, "serve", "--port", "0", "--log-level", "warning", *open_door, "--db", self.db,
                                      *self.extra_args],
                                     stdout=subprocess.PIPE, stderr=err, start_new_session=True)
        if err is not subprocess.DEVNULL:
            err.close()
        line, box = None, []

        def read_line():
            box.append(self.proc.stdout.readline())

        t = threading.Thread(target=read_line, daemon=True)
        t.start()
        t.join(timeout)
        line = box[0].decode("utf-8", "replace").strip() if box else ""
        if not line.startswith("listening on "):
            code = self.proc.poll()
            self.kill()
            raise ServerError(f"liaison serve did not print its listening line within {timeout} s "
                              f"(exit code {code}, first line {line!r}; see {self.log_path})")
        self.url = line[len("listening on "):].rstrip("/")
        # Keep draining stdout so the server can never block on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        return self.url

    def kill(self):
        """SIGKILL, as a power cut would; waits until the process is gone."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc:
            self.proc.wait()

    def stop(self, timeout=30.0):
        """SIGTERM (graceful), SIGKILL if it does not exit in time."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()


def crash_report(server, log_path):
    """What became of a server that stopped answering (still running, a signal, an exit code),
    with the last 3,000 characters of its log: a finding, to print on stderr."""
    code = server.proc.poll() if server is not None and server.proc else None
    how = "still running" if code is None else (f"killed by signal {-code}" if code < 0 else f"exit code {code}")
    try:
        log = log_path.read_text(errors="replace")[-3000:]
    except OSError:
        log = "(no log)"
    return f"the server is {how}; its log:\n{log}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def request(method, url, json_body=None, body=None, headers=None, timeout=30.0):
    """(status, {lower-case header: value}, body bytes). OSError when no HTTP answer came back.

    A filing (POST .../v1/complaints) carries an Idempotency-Key, which the server requires
    since 0.4: the caller's, or else a fresh UUID, as a client that does not retry would send."""
    h = dict(headers or {})
    if (method == "POST" and urllib.parse.urlsplit(url).path == "/v1/complaints"
            and not any(k.lower() == "idempotency-key" for k in h)):
        h["Idempotency-Key"] = str(uuid.uuid4())
    if json_body is not None:
        body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
    if body is not None:
        h.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=body, method=method, headers=h)
    try:
        with _OPENER.open(req, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        try:
            data = e.read()
        except OSError:
            data = b""
        return e.code, {k.lower(): v for k, v in e.headers.items()}, data
    except urllib.error.URLError as e:
        # refused / reset before an answer: re-raise as a plain OSError for the callers.
        raise OSError(str(e.reason)) from e
    except http.client.HTTPException as e:
        # a cut-off answer (IncompleteRead, BadStatusLine...) is no answer either
        raise OSError(f"{type(e).__name__}: {e}") from e


def json_of(body):
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None

