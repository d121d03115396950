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
"""

import argparse
import csv
import os
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--time", default="60s", help="locust --run-time, e.g. 60s, 5m")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help=">1 runs gthread workers")
    parser.add_argument("--conn-max-age", default=os.environ.get("DB_CONN_MAX_AGE", "60"))
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
