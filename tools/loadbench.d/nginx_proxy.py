"""Writes the nginx configuration of tools/loadbench's rows (e) and (f): deploy/nginx/liaison.conf
rendered for `liaison serve` processes on loopback, exactly as tools/cluster renders it
(tools/cluster.py's render_nginx: each upstream's server lines become one line per port with
the parameters of the template's first server line, one loopback listen line, log files in
NGX_DIR), but with one worker process (the benchmark pins nginx to one core).

    python3 nginx_proxy.py [--keepalive N] OUT.conf NGX_DIR LISTEN_PORT PORT [PORT...]

--keepalive N: every upstream keeps N idle connections per worker instead of the template's.
Prints one line: "KEEPALIVE TEMPLATE_KEEPALIVE ACCESS_LOG": the idle upstream connections per
worker of upstream liaison_lookups as rendered and as in the template, and whether the template
logs every request (on/off).
"""
import os
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO_ROOT / "tools"))
sys.dont_write_bytecode = True  # leave no __pycache__ in tools/
import cluster  # noqa: E402  (tools/cluster.py: the renderer the cluster uses)


def main() -> None:
    args = sys.argv[1:]
    keepalive_override = None
    if args[:1] == ["--keepalive"] and len(args) > 1:
        keepalive_override = int(args[1])
        args = args[2:]
    if len(args) < 4:
        sys.exit(__doc__)
    out, ngx_dir, listen_port = Path(args[0]), Path(args[1]), int(args[2])
    ports = [int(p) for p in args[3:]]
    (ngx_dir / "temp").mkdir(parents=True, exist_ok=True)
    user = cluster.worker_user() if os.geteuid() == 0 else None
    template = cluster.TEMPLATE.read_text()
    text = cluster.render_nginx(template, ports, listen_port, ngx_dir, user)
    text, n = re.subn(r"(?m)^worker_processes\s+\d+;", "worker_processes 1;", text)
    if n != 1:
        sys.exit("nginx_proxy.py: no worker_processes line in the rendered configuration (tools/cluster.py changed?)")
    if keepalive_override is not None:
        text, n = re.subn(r"(?m)^(\s*)keepalive\s+\d+\s*;", rf"\g<1>keepalive {keepalive_override};", text)
        if n == 0:
            sys.exit("nginx_proxy.py: --keepalive: no `keepalive N;` line in the template's upstreams")
    out.write_text(text)

    lookups = re.search(r"upstream\s+liaison_lookups\s*\{(.*?)\n\}", template, re.S)
    if not lookups:
        sys.exit(f"nginx_proxy.py: {cluster.TEMPLATE} has no upstream liaison_lookups block")
    keepalive = re.search(r"(?m)^\s*keepalive\s+(\d+)\s*;", lookups.group(1))
    access_log = re.search(r"(?m)^\s*access_log\s+(?!off\b)\S+", template)
    template_keepalive = keepalive.group(1) if keepalive else "none"
    effective = str(keepalive_override) if keepalive_override is not None else template_keepalive
    print(effective, template_keepalive, "on" if access_log else "off")


if __name__ == "__main__":
    main()
