"""Load benchmark: gunicorn on a copy of the province data, locust headless, one table.

    createdb -h 127.0.0.1 -U portal -T portal_province portal_load     # a writable copy
    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_load \\
        .venv/bin/python scripts/load_benchmark.py [--users 20] [--time 60s] \\
        [--workers 2] [--threads 1] [--conn-max-age 60]

Starts gunicorn (production settings: DJANGO_DEBUG=0, static files collected and served by
whitenoise) on a free port, runs ``scripts/locustfile.py`` headless for ``--time`` with
``--users`` concurrent users (each waits 1–3 s between pages, as people do), stops gunicorn
and prints per page: requests, failures, p50 and p95 (ms), requests/s, and p50 as a multiple of
Django admin's member changelist and of ``/healthz`` on the same server. Not a test: run it on
a quiet machine and note ``uptime``. Logins write sessions, so never point it at the template
database ``portal_province`` itself.

``--saturate`` measures throughput instead: each page of ``SATURATE_PAGES`` in turn, signed in
as its persona, with ``wrk`` (Debian package) keeping ``--users`` connections busy for
``--time`` (no think time), printing requests/s, mean and p99 latency and non-2xx answers
against the issue #17 goal of >= 30 requests/s per page at 20 connections.
"""

import argparse
import csv
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own local server
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"gunicorn did not answer at {url}")


def table(stats_csv):
    rows = {row["Name"]: row for row in csv.DictReader(open(stats_csv, encoding="utf-8"))}
    total = rows.pop("Aggregated", None)

    def p50(name):
        row = rows.get(name)
        return float(row["50%"]) if row and int(row["Request Count"]) else None

    admin, health = p50("admin: member changelist"), p50("healthz")
    print(
        f"{'page':28} {'reqs':>6} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>6} {'×admin':>7} {'×healthz':>8}"
    )
    for name in sorted(rows, key=lambda n: (n.startswith(("admin", "healthz", "login")), n)):
        row = rows[name]
        mid = float(row["50%"])
        ratio = f"{mid / admin:7.2f}" if admin else f"{'-':>7}"
        health_ratio = f"{mid / health:8.1f}" if health else f"{'-':>8}"
        print(
            f"{name:28} {int(row['Request Count']):6d} {int(row['Failure Count']):5d} {mid:7.0f} "
            f"{float(row['95%']):7.0f} {float(row['Requests/s']):6.2f} {ratio} {health_ratio}"
        )
    if total:
        print(
            f"{'all':28} {int(total['Request Count']):6d} {int(total['Failure Count']):5d} "
            f"{float(total['50%']):7.0f} {float(total['95%']):7.0f} {float(total['Requests/s']):6.2f}"
        )


# (persona, page) for --saturate: the locust mix's pages, one persona each.
SATURATE_PAGES = [
    ("", "/healthz"),
    ("admin", "/admin/branches/member/"),
    ("admin", "/admin/branches/term/"),
    ("sheng", "/"),
    ("sheng", "/members/"),
    ("sheng", "/renewals/supervision/"),
    ("sheng", "/renewals/calendar/"),
    ("sheng", "/orgs/"),
    ("sheng", "/assessments/rankings/"),
    ("sheng", "/dashboards/"),
    ("sheng", "/training/coverage/"),
    ("danwei", "/"),
    ("danwei", "/reports/review/"),
    ("danwei", "/reports/rates/"),
    ("danwei", "/assessments/worklist/"),
    ("shuji", "/"),
]
GOAL_PER_SECOND = 30


def session_cookie(base, username):
    """Sign in over HTTP as the load users do; returns the Cookie header."""
    import requests

    client = requests.Session()
    headers = {"X-Forwarded-Proto": "https", "Origin": "https://" + base.split("://", 1)[1]}
    form = client.get(f"{base}/accounts/login/", headers=headers)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    for cookie in client.cookies:  # Secure cookies, sent back over this plain-HTTP connection
        cookie.secure = False
    password = os.environ.get("LOAD_PASSWORD", "demo-2027")
    client.post(
        f"{base}/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers=headers,
        allow_redirects=False,
    )
    return "; ".join(f"{c.name}={c.value}" for c in client.cookies)


def saturate(base, connections, duration, only=""):
    """wrk against each page of SATURATE_PAGES (with ``only``, those whose "path (persona)"
    label starts with one of its comma-separated prefixes); one row per page."""
    cookies = {}
    print(f"{'page':34} {'req/s':>7} {'mean ms':>8} {'p99 ms':>7} {'non-2xx':>7}  goal")
    for username, path in SATURATE_PAGES:
        label = f"{path} ({username or 'anonymous'})"
        if only and not label.startswith(tuple(only.split(","))):
            continue
        if username and username not in cookies:
            cookies[username] = session_cookie(base, username)
        command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--latency"]
        command += ["-H", "X-Forwarded-Proto: https"]
        if username:
            command += ["-H", f"Cookie: {cookies[username]}"]
        out = subprocess.run(command + [base + path], capture_output=True, text=True, check=True).stdout
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        mean = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out)
        p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        verdict = "ok" if rate >= GOAL_PER_SECOND and not bad else "BELOW"
        print(
            f"{label:34} {rate:7.1f} {_ms(mean):8.0f} {_ms(p99):7.0f} {int(bad.group(1)) if bad else 0:7d}  {verdict}"
        )


def _ms(found):
    value, unit = float(found.group(1)), found.group(2)
    return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--time", default="60s", help="locust --run-time, e.g. 60s, 5m")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help=">1 runs gthread workers")
    parser.add_argument("--conn-max-age", default=os.environ.get("DB_CONN_MAX_AGE", "60"))
    parser.add_argument("--saturate", action="store_true", help="wrk per page instead of the locust mix")
    parser.add_argument("--only", default="", help='with --saturate: label prefixes, e.g. "/ (sheng),/orgs/"')
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres") or database.rstrip("/").endswith("/portal_province"):
        sys.exit("DATABASE_URL must be a writable PostgreSQL copy of the province data (see --help)")
    work = Path(tempfile.mkdtemp(prefix="portal-load-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "load-benchmark-" + "x" * 40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "STATIC_ROOT": str(work / "static"),
        "DB_CONN_MAX_AGE": str(args.conn_max_age),
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [VENV / "python", "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    worker = ["--worker-class", "gthread", "--threads", str(args.threads)] if args.threads > 1 else []
    server = subprocess.Popen(
        [
            VENV / "gunicorn",
            "branchportal.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(args.workers),
        ]
        + worker
        + ["--timeout", "30", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_up(f"http://127.0.0.1:{port}/healthz")
        print(
            f"gunicorn: {args.workers} workers × {args.threads} threads, DB_CONN_MAX_AGE={args.conn_max_age}"
        )
        with open("/proc/loadavg") as load:
            print("load average before:", " ".join(load.read().split()[:3]))
        if args.saturate:
            saturate(f"http://127.0.0.1:{port}", args.users, args.time, args.only)
            return
        subprocess.run(
            [
                VENV / "locust",
                "-f",
                ROOT / "scripts" / "locustfile.py",
                "--headless",
                "--host",
                f"http://127.0.0.1:{port}",
            ]
            + ["-u", str(args.users), "-r", str(max(1, args.users // 5)), "--run-time", args.time]
            + ["--csv", str(work / "load"), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
            check=False,
            stdout=subprocess.DEVNULL,
        )
        with open("/proc/loadavg") as load:
            print("load average after: ", " ".join(load.read().split()[:3]))
    finally:
        server.terminate()
        server.wait(30)
    table(work / "load_stats.csv")


if __name__ == "__main__":
    main()
