#!/usr/bin/env python3
# cluster.py -- a liaison cluster on loopback in one folder: a store, several `liaison serve`
# processes on it and nginx in front (deploy/nginx/liaison.conf), started without root-only
# shortcuts, for trials and for tools/failover-check (which imports it as a library).
#
#   tools/cluster up DIR [--store postgres|spatialite] [--processes N] [--binary PATH]
#   tools/cluster down DIR
#   tools/cluster url DIR
#   (python3 tools/cluster.py ... the same; the wrapper builds liaison first when no binary is named)
#
# up    1. the store: `postgres` (default) runs `tools/pg-scratch start DIR/pg PORT` (a scratch
#          PostgreSQL 15 + PostGIS on a free loopback port, as the `postgres` user when run as
#          root) and gives the database its schema and register with `liaison stations list`;
#          `spatialite` makes one file, DIR/liaison.sqlite, the same way, before any server
#          starts, so the servers never race to create it;
#       2. N (default 2) `liaison serve --host 127.0.0.1 --port 0 --db STORE`, each with the log
#          SMS gateway writing to a file of its own (DIR/serve/I.G.sms.log: process I, its Gth
#          start), waiting for each one's `listening on http://127.0.0.1:PORT`. Each process
#          keeps its port for good: a process restarted with Cluster.restart_server() listens on
#          the same port again, so nginx's upstream needs no change;
#       3. nginx: DIR/nginx.conf is deploy/nginx/liaison.conf with the actual ports in its
#          upstreams, a free loopback port to listen on, and pid, logs and temp folders in
#          DIR/nginx/; `nginx -t` checks it, then nginx runs in the foreground under a small
#          supervisor (so its exit status is known). As root, nginx's master runs as root and its
#          workers as www-data (else nobody), and DIR is made readable to them and to postgres
#          (its parent folders must be searchable by others already: /tmp/... is);
#       4. prints nginx's URL (http://127.0.0.1:PORT) on stdout.
#       When a step fails, what was started is stopped again and the error is printed (for
#       example `liaison serve --db postgres://...` exiting 64 while serve does not run on
#       PostgreSQL); exit 1.
# down  nginx -s quit, SIGTERM to every server (a graceful stop, SIGKILL after 30 s), then
#       `tools/pg-scratch stop`. Prints each process's exit status on stderr; exit 1 when one of
#       them was not 0 (a process that died on its own before `down` counts). DIR stays, with
#       the logs; remove it yourself.
# url   prints nginx's URL again.
#
# DIR/cluster.json records what runs: the store, every server start (process number,
# generation, port, pid, its files, whether it was SIGKILLed, its exit status), nginx and
# PostgreSQL, so that `down` and tools/failover-check find them from any process.
# Every process runs under a tiny bash supervisor that writes the process's pid to
# DIR/serve/I.G.pid and, when it ends, its exit status to I.G.exit (128+N for signal N: a
# SIGKILL is 137), so a status is known even to a `down` run from another shell.
# Files per server start: I.G.out (stdout: the listening line), I.G.err (its log), I.G.sms.log.
#
# Exit codes: 0 ok, 1 a step failed (after cleaning up), 64 usage errors.
# Needs nginx (Debian's nginx-light) and, for postgres, postgresql-15 with PostGIS: tools/setup.
#
# As a library:
#   c = Cluster.up(Path(dir), store="spatialite", processes=2, binary=path)   # ClusterError on failure
#   c.url, c.server_url(i), c.kill_server(i), c.restart_server(i), c.stop_postgres(), c.start_postgres()
#   statuses = c.down()

import argparse
import grp
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "deploy" / "nginx" / "liaison.conf"
PG_SCRATCH = REPO_ROOT / "tools" / "pg-scratch"
STATE_FILE = "cluster.json"
STORES = ("postgres", "spatialite")

# Runs "$@" with stdout/stderr to files, records its pid, waits for it and records its exit
# status (bash gives 128+N for a process killed by signal N). The supervisor itself is never
# signalled: signals go to the recorded pid.
SUPERVISOR = r'''
"$@" >"$SUP_OUT" 2>"$SUP_ERR" </dev/null &
child=$!
echo "$child" >"$SUP_PID.tmp" && mv "$SUP_PID.tmp" "$SUP_PID"
wait "$child"
echo $? >"$SUP_EXIT.tmp" && mv "$SUP_EXIT.tmp" "$SUP_EXIT"
'''


class ClusterError(Exception):
    pass


def free_port():
    """A port nobody listens on right now on 127.0.0.1 (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pid_alive(pid):
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def tail(path, chars=1500):
    try:
        return Path(path).read_text(errors="replace")[-chars:].strip()
    except OSError:
        return ""


def http_status(url, timeout=2.0):
    """The HTTP status of a GET, or None when there is no answer."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, ValueError, http.client.HTTPException):
        return None


def worker_user():
    """As root: the unprivileged user and group nginx's workers run as (www-data, else nobody)."""
    for name in ("www-data", "nobody"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return pw.pw_name, grp.getgrgid(pw.pw_gid).gr_name
    raise ClusterError("neither www-data nor nobody exists: no unprivileged user for nginx's workers")


def render_nginx(template, ports, listen_port, ngx_dir, user):
    """DIR/nginx.conf: a main configuration around deploy/nginx/liaison.conf (which holds http-level
    directives only), in which each upstream's server lines become one line per port (with the
    parameters of the block's first server line), the listen lines one loopback listen, and the log
    paths files in ngx_dir. Everything else is the template's, line for line."""
    out, in_upstream, server_done, listen_done = [], False, False, False
    server_re = re.compile(r"^(\s*)server\s+\S+?(\s+[^;#]*)?;\s*(#.*)?$")
    for line in template.splitlines():
        stripped = line.strip()
        if re.match(r"upstream\s+\S+\s*\{", stripped):
            in_upstream, server_done = True, False
        elif in_upstream and stripped.startswith("}"):
            in_upstream = False
        m = server_re.match(line) if in_upstream else None
        if m:
            if not server_done:   # the first server line stands for all of them
                params = (m.group(2) or "").rstrip()
                out += [f"{m.group(1)}server 127.0.0.1:{p}{params};" for p in ports]
                server_done = True
            continue
        if re.match(r"listen\s", stripped):
            if not listen_done:
                out.append(re.sub(r"listen\s.*", f"listen 127.0.0.1:{listen_port};", line))
                listen_done = True
            continue
        line = re.sub(r"^(\s*access_log\s+)\S+", rf"\g<1>{ngx_dir}/access.log", line)
        line = re.sub(r"^(\s*error_log\s+)\S+", rf"\g<1>{ngx_dir}/error.log", line)
        out.append(line)
    if not listen_done or not any("server 127.0.0.1:" in l for l in out):
        raise ClusterError(f"{TEMPLATE}: found no upstream server lines or no listen line to render")
    temp = ngx_dir / "temp"
    head = [
        f"# Rendered by tools/cluster from {TEMPLATE.relative_to(REPO_ROOT)} for a cluster on loopback;",
        "# do not edit (tools/cluster up writes it anew).",
    ]
    if user:
        head.append(f"user {user[0]} {user[1]};   # the workers; the master runs as root")
    head += [
        "worker_processes 2;",
        f"pid {ngx_dir}/nginx.pid;",
        f"error_log {ngx_dir}/error.log warn;",
        "events { worker_connections 1024; }",
        "http {",
        "    default_type application/octet-stream;",
        f"    client_body_temp_path {temp}/body;",
        f"    proxy_temp_path {temp}/proxy;",
        f"    fastcgi_temp_path {temp}/fastcgi;",
        f"    uwsgi_temp_path {temp}/uwsgi;",
        f"    scgi_temp_path {temp}/scgi;",
        "",
        f"# ---- {TEMPLATE.relative_to(REPO_ROOT)}, rendered ----",
    ]
    return "\n".join(head + ["    " + l if l else l for l in out] + ["}", ""])


class Cluster:
    """A cluster in DIR, described by DIR/cluster.json (see the header)."""

    def __init__(self, dir, state):
        self.dir = Path(dir)
        self.state = state
        self.children = []   # supervisor Popen objects started by this process (reaped on down)

    # ---- state ---------------------------------------------------------------------------
    @classmethod
    def load(cls, dir):
        path = Path(dir) / STATE_FILE
        try:
            return cls(dir, json.loads(path.read_text()))
        except FileNotFoundError:
            raise ClusterError(f"no cluster in {dir} ({path} not found)") from None

    def save(self):
        tmp = self.dir / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(self.state, indent=1, ensure_ascii=False) + "\n")
        tmp.replace(self.dir / STATE_FILE)

    @property
    def url(self):
        return self.state.get("url")

    def current(self, index):
        """The latest start of server `index` (a dict of cluster.json's servers list)."""
        return [s for s in self.state["servers"] if s["index"] == index][-1]

    def indexes(self):
        return sorted({s["index"] for s in self.state["servers"]})

    def server_url(self, index):
        return f"http://127.0.0.1:{self.current(index)['port']}"

    def exit_status(self, rec):
        """The recorded exit status of a process started under the supervisor, None while it runs."""
        try:
            return int(Path(rec["exit_file"]).read_text().strip())
        except (OSError, ValueError):
            if rec.get("pid") and not pid_alive(rec["pid"]) and not pid_alive(rec.get("supervisor", 0)):
                return -1   # gone without a status (the supervisor was killed too)
            return None

    def running(self, rec):
        return self.exit_status(rec) is None

    # ---- processes -----------------------------------------------------------------------
    def _supervise(self, argv, prefix, cwd):
        """Starts argv under the supervisor, in a session of its own; returns the record."""
        rec = {"out": f"{prefix}.out", "err": f"{prefix}.err", "pid_file": f"{prefix}.pid",
               "exit_file": f"{prefix}.exit", "argv": [str(a) for a in argv]}
        for f in ("out", "err", "pid_file", "exit_file"):
            Path(rec[f]).unlink(missing_ok=True)
        env = dict(os.environ, SUP_OUT=rec["out"], SUP_ERR=rec["err"], SUP_PID=rec["pid_file"], SUP_EXIT=rec["exit_file"])
        p = subprocess.Popen(["bash", "-c", SUPERVISOR, "liaison-cluster-supervisor", *rec["argv"]], env=env, cwd=cwd,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        self.children.append(p)
        rec["supervisor"] = p.pid
        deadline = time.monotonic() + 10
        while not Path(rec["pid_file"]).exists():
            if time.monotonic() > deadline or p.poll() is not None:
                raise ClusterError(f"could not start {argv[0]}: the supervisor did not record a pid")
            time.sleep(0.01)
        rec["pid"] = int(Path(rec["pid_file"]).read_text())
        return rec

    def _wait_exit(self, rec, timeout):
        deadline = time.monotonic() + timeout
        while (status := self.exit_status(rec)) is None:
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)
        return status

    def start_server(self, index, port=0, timeout=120.0):
        """Starts (or restarts) `liaison serve` number `index` on `port` (0: any free port, the
        first time) and waits for its listening line. Returns its URL."""
        gen = sum(1 for s in self.state["servers"] if s["index"] == index)
        prefix = self.dir / "serve" / f"{index}.{gen}"
        sms_log = f"{prefix}.sms.log"
        argv = [self.state["binary"], "serve", "--host", "127.0.0.1", "--port", str(port), "--anonymous-intake", "--client-intake-burst", "1000000", "--reads-per-minute", "1000000", 
                "--db", self.state["db"], "--geodata", str(REPO_ROOT / "geodata"), "--log-level", "warning",
                "--sms-gateway", "log", "--sms-log", sms_log]
        rec = self._supervise(argv, prefix, cwd=REPO_ROOT)
        rec.update(index=index, generation=gen, port=port, sms_log=sms_log, killed=False,
                   started=time.time())
        self.state["servers"].append(rec)
        self.save()
        deadline = time.monotonic() + timeout
        while True:
            first = Path(rec["out"]).read_text(errors="replace") if Path(rec["out"]).exists() else ""
            if first.endswith("\n"):
                line = first.splitlines()[0].strip()
                m = re.fullmatch(r"listening on http://127\.0\.0\.1:(\d+)/?", line)
                if not m:
                    raise ClusterError(f"liaison serve {index} printed {line!r}, expected "
                                       f"'listening on http://127.0.0.1:PORT'")
                rec["port"] = int(m.group(1))
                self.save()
                return self.server_url(index)
            status = self.exit_status(rec)
            if status is not None:
                raise ClusterError(f"liaison serve {index} (--db {self.state['db']}) exited with status {status} "
                                   f"before it listened; its stderr:\n{tail(rec['err'])}")
            if time.monotonic() > deadline:
                raise ClusterError(f"liaison serve {index} did not print its listening line within {timeout:.0f} s; "
                                   f"its stderr:\n{tail(rec['err'])}")
            time.sleep(0.02)

    def kill_server(self, index):
        """SIGKILL (no graceful stop), as a crash would; returns once the process is gone."""
        rec = self.current(index)
        if self.running(rec):
            os.kill(rec["pid"], signal.SIGKILL)
        rec["killed"] = True
        rec["exit"] = self._wait_exit(rec, 30)
        self.save()
        return rec["exit"]

    def restart_server(self, index, timeout=120.0):
        """Starts server `index` again on the port it had (nginx's upstream is fixed)."""
        rec = self.current(index)
        if self.running(rec):
            raise ClusterError(f"liaison serve {index} is still running (pid {rec['pid']})")
        return self.start_server(index, port=rec["port"], timeout=timeout)

    def stop_server(self, rec, timeout=30.0, signalled=False):
        """SIGTERM (graceful; once: not again when `signalled`), SIGKILL when it does not end within
        `timeout`; returns the exit status."""
        if self.running(rec):
            if not signalled:
                try:
                    os.kill(rec["pid"], signal.SIGTERM)
                except ProcessLookupError:
                    pass
            if self._wait_exit(rec, timeout) is None:
                os.kill(rec["pid"], signal.SIGKILL)
        rec["exit"] = self._wait_exit(rec, 30)
        return rec["exit"]

    # ---- PostgreSQL ----------------------------------------------------------------------
    def _pg(self, *args):
        p = subprocess.run([str(PG_SCRATCH), *args], capture_output=True, text=True)
        if p.returncode != 0:
            raise ClusterError(f"tools/pg-scratch {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
        return p.stdout.strip()

    def start_postgres(self):
        pg = self.state["postgres"]
        return self._pg("start", pg["dir"], str(pg["port"]))

    def stop_postgres(self):
        """A fast shutdown (pg_ctl stop -m fast, through tools/pg-scratch)."""
        self._pg("stop", self.state["postgres"]["dir"])

    def postgres_running(self):
        pg = self.state.get("postgres")
        return bool(pg) and (Path(pg["dir"]) / "data" / "postmaster.pid").exists()

    # ---- nginx ---------------------------------------------------------------------------
    def _nginx_argv(self, *extra):
        ngx = self.state["nginx"]
        return ["nginx", "-p", ngx["dir"] + "/", "-c", ngx["conf"], "-e", ngx["dir"] + "/error.log", *extra]

    def start_nginx(self, listen_port=0):
        ngx_dir = self.dir / "nginx"
        (ngx_dir / "temp").mkdir(parents=True, exist_ok=True)
        user = worker_user() if os.geteuid() == 0 else None
        port = listen_port or free_port()
        ports = [self.current(i)["port"] for i in self.indexes()]
        conf = self.dir / "nginx.conf"
        conf.write_text(render_nginx(TEMPLATE.read_text(), ports, port, ngx_dir, user))
        self.state["nginx"] = {"dir": str(ngx_dir), "conf": str(conf), "port": port,
                               "user": user[0] if user else None}
        self.save()
        if not shutil.which("nginx"):
            raise ClusterError("nginx not found: run tools/setup (Debian's nginx-light)")
        t = subprocess.run(self._nginx_argv("-t", "-q"), capture_output=True, text=True)
        if t.returncode != 0:
            raise ClusterError(f"nginx -t rejected {conf}:\n{t.stderr.strip()}")
        rec = self._supervise(self._nginx_argv("-g", "daemon off;"), ngx_dir / "master", cwd=self.dir)
        self.state["nginx"].update(rec)
        self.state["url"] = f"http://127.0.0.1:{port}"
        self.save()
        deadline = time.monotonic() + 20
        while http_status(self.url + "/healthz") != 200:
            if (status := self.exit_status(rec)) is not None:
                raise ClusterError(f"nginx exited with status {status}:\n{tail(rec['err'])}\n{tail(ngx_dir / 'error.log')}")
            if time.monotonic() > deadline:
                raise ClusterError(f"nginx at {self.url} did not answer /healthz with 200 within 20 s")
            time.sleep(0.05)
        return self.url

    # ---- up / down -----------------------------------------------------------------------
    @classmethod
    def up(cls, dir, store="postgres", processes=2, binary=None, progress=None):
        """Starts a cluster in `dir` (see the header); raises ClusterError after stopping what it
        started when a step fails."""
        say = progress or (lambda msg: None)
        dir = Path(dir).resolve()
        if store not in STORES:
            raise ClusterError(f"unknown store {store!r}: expected postgres or spatialite")
        if processes < 1:
            raise ClusterError("--processes must be at least 1")
        binary = Path(binary or os.environ.get("LIAISON_BIN") or REPO_ROOT / ".build" / "debug" / "liaison").resolve()
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            raise ClusterError(f"liaison binary not found: {binary} (swift build --product liaison, or --binary PATH)")
        if (dir / STATE_FILE).exists():
            old = cls.load(dir)
            if old.anything_running():
                raise ClusterError(f"a cluster is already up in {dir}: tools/cluster down {dir} first")
            shutil.rmtree(dir / "serve", ignore_errors=True)
            shutil.rmtree(dir / "nginx", ignore_errors=True)
        (dir / "serve").mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # nginx's workers (www-data) and PostgreSQL (postgres) must reach files in DIR.
            for d in (dir, dir / "serve"):
                d.chmod(0o755)
            for a in dir.parents:
                if not a.stat().st_mode & 0o001:
                    raise ClusterError(f"{a} is not searchable by other users (mode {a.stat().st_mode & 0o777:o}): "
                                       f"nginx's workers and PostgreSQL could not reach {dir}; use a folder under /tmp")
        c = cls(dir, {"store": store, "binary": str(binary), "db": None, "servers": [], "nginx": None,
                      "postgres": None, "url": None, "created": time.time()})
        c.save()
        try:
            if store == "postgres":
                port = free_port()
                c.state["postgres"] = {"dir": str(dir / "pg"), "port": port}
                c.save()
                say(f"starting PostgreSQL on 127.0.0.1:{port} (tools/pg-scratch)")
                c.state["db"] = c.start_postgres()
            else:
                c.state["db"] = str(dir / "liaison.sqlite")
            c.save()
            # Schema and register once, before any server starts (servers must not race to create them).
            say(f"creating the register in {c.state['db']}")
            p = subprocess.run([str(binary), "stations", "list", "--db", c.state["db"],
                                "--geodata", str(REPO_ROOT / "geodata")], cwd=REPO_ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if p.returncode != 0:
                raise ClusterError(f"liaison stations list --db {c.state['db']}: exit {p.returncode}: {p.stderr.strip()[-1500:]}")
            say(f"starting {processes} liaison serve processes")
            for i in range(processes):
                c.start_server(i)
            say("servers at " + ", ".join(c.server_url(i) for i in c.indexes()) + "; starting nginx")
            c.start_nginx()
        except BaseException as e:
            try:
                c.down()
            except Exception as e2:   # report the first error; the second is secondary
                print(f"cluster: cleaning up after a failed start: {e2}", file=sys.stderr)
            if isinstance(e, ClusterError):
                what = ", ".join(filter(None, ["PostgreSQL" if c.state.get("postgres") else None,
                                               f"{len(c.state['servers'])} server start(s)" if c.state["servers"] else None,
                                               "nginx" if c.state.get("nginx") and c.state["nginx"].get("pid") else None]))
                raise ClusterError(f"{e}\n(stopped what had been started: {what or 'nothing'})") from None
            raise
        return c

    def anything_running(self):
        recs = list(self.state.get("servers") or [])
        if self.state.get("nginx") and self.state["nginx"].get("pid"):
            recs.append(self.state["nginx"])
        return any(self.running(r) for r in recs) or self.postgres_running()

    def down(self):
        """Stops nginx (quit), every server (SIGTERM) and PostgreSQL (fast). Returns a dict
        name -> exit status (None: it was not running) for nginx and each server's latest start."""
        statuses = {}
        ngx = self.state.get("nginx")
        if ngx and ngx.get("pid"):
            if self.running(ngx):
                q = subprocess.run(self._nginx_argv("-s", "quit"), capture_output=True, text=True)
                if q.returncode != 0:   # e.g. the pid file is gone: signal the master directly
                    os.kill(ngx["pid"], signal.SIGQUIT)
                if self._wait_exit(ngx, 15) is None:
                    os.kill(ngx["pid"], signal.SIGKILL)
            ngx["exit"] = statuses["nginx"] = self._wait_exit(ngx, 15)
        # The servers stop in parallel: SIGTERM to all, then wait for each.
        latest = [self.current(i) for i in self.indexes()]
        signalled = set()
        for rec in latest:
            if self.running(rec):
                try:
                    os.kill(rec["pid"], signal.SIGTERM)
                    signalled.add(rec["index"])
                except ProcessLookupError:
                    pass
        for rec in latest:
            statuses[f"serve {rec['index']}"] = self.stop_server(rec, signalled=rec["index"] in signalled)
        for rec in self.state.get("servers") or []:   # earlier starts: their status is on file
            if rec.get("exit") is None:
                rec["exit"] = self.exit_status(rec)
        if self.state.get("postgres"):
            self.stop_postgres()
        self.save()
        for p in self.children:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        return statuses


class _Parser(argparse.ArgumentParser):
    def error(self, message):   # usage errors exit 64 (EX_USAGE), as the liaison CLI's do
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(64)


def main(argv=None):
    ap = _Parser(prog="tools/cluster", description="A liaison cluster on loopback: a store, several "
                 "`liaison serve` processes and nginx in front.")
    sub = ap.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start a cluster in DIR and print its URL")
    up.add_argument("dir", metavar="DIR")
    up.add_argument("--store", choices=STORES, default="postgres")
    up.add_argument("--processes", type=int, default=2, help="liaison serve processes (default 2)")
    up.add_argument("--binary", help="the liaison binary (default $LIAISON_BIN, else .build/debug/liaison)")
    for name, text in (("down", "stop the cluster in DIR"), ("url", "print the cluster's URL")):
        sub.add_parser(name, help=text).add_argument("dir", metavar="DIR")
    a = ap.parse_args(argv)
    tty = sys.stderr.isatty()

    def say(msg):
        if tty:
            print(f"cluster: {msg}", file=sys.stderr, flush=True)

    try:
        if a.command == "up":
            if a.processes < 1:
                ap.error("--processes must be at least 1")
            c = Cluster.up(a.dir, store=a.store, processes=a.processes, binary=a.binary, progress=say)
            say(f"{a.processes} x liaison serve on {a.store} behind nginx; stop with: tools/cluster down {a.dir}")
            print(c.url)
            return 0
        c = Cluster.load(a.dir)
        if a.command == "url":
            if not c.url:
                raise ClusterError(f"the cluster in {a.dir} has no URL (it did not come up)")
            print(c.url)
            return 0
        statuses = c.down()
        bad = {k: v for k, v in statuses.items() if v not in (0, None)}
        print("cluster: stopped " + ", ".join(f"{k} (exit {'not running' if v is None else v})"
                                              for k, v in statuses.items())
              + (", PostgreSQL" if c.state.get("postgres") else ""), file=sys.stderr)
        return 1 if bad else 0
    except ClusterError as e:
        print(f"cluster: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
