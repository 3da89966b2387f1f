"""The engineer's queue page under concurrent readers, through gunicorn on loopback.

`DATABASE_URL=… python -m bench.queue_load --clients 8 --seconds 15 --json out.json` against
a bench.population database. An engineer's session is made in the database, gunicorn is
started as in production (DEBUG off, several worker processes; bench.api_load's Server), and
wrk keeps exactly `clients` connections each asking for the first page of /queue/ as soon
as the last answer came (closed loops): the figure is what eight engineers refreshing their
queues at once would wait, queueing for the two cores included.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.api_load import Server, ServerConfig, server_environment

LUA = """
wrk.headers["Cookie"] = __COOKIE__
wrk.headers["X-Forwarded-Proto"] = "https"
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"non_2xx":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def engineer_cookie(username: str) -> str:
    """A logged-in session of `username`, as the Cookie header a browser would send."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opsdesk.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def wait_for_queue(url: str, cookie: str, timeout: float = 60.0) -> None:
    request = urllib.request.Request(
        f"{url}/queue/", headers={"Cookie": cookie, "X-Forwarded-Proto": "https"}
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200 and b'id="queue"' in response.read():
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url}/queue/ did not answer the engineer within {timeout:.0f} s")


def run_wrk(url: str, script: Path, clients: int, seconds: int) -> dict:
    out = subprocess.run(
        [
            "wrk",
            "--threads",
            str(clients),
            "--connections",
            str(clients),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--script",
            str(script),
            f"{url}/queue/",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    return json.loads(line[len("WRK_JSON ") :])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=ServerConfig.parse, default=ServerConfig(4))
    parser.add_argument("--user", default="bench-eng-01")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: scripts/check-system --bench installs it.")
    env = server_environment(os.environ["DATABASE_URL"], os.environ.get("REDIS_URL", ""))
    # The session is signed here and read by gunicorn: one secret key for both.
    os.environ["SECRET_KEY"] = env["SECRET_KEY"]
    cookie = engineer_cookie(args.user)
    with tempfile.TemporaryDirectory(prefix="opsdesk-queue-load-") as scratch:
        # As deployed: the hashed static files collected (the page links its stylesheet).
        env["STATIC_ROOT"] = str(Path(scratch) / "static")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            check=True,
        )
        server = Server(args.workers, env, Path(scratch) / "gunicorn.log")
        try:
            wait_for_queue(server.url, cookie)
            script = Path(scratch) / "queue.lua"
            script.write_text(LUA.replace("__COOKIE__", json.dumps(cookie)))
            run_wrk(server.url, script, args.clients, 3)  # warm every worker
            result = run_wrk(server.url, script, args.clients, args.seconds)
        finally:
            server.stop()
    seconds = result["duration_us"] / 1e6
    report = {
        "clients": args.clients,
        "server": str(args.workers),
        "seconds": round(seconds, 1),
        "pages_per_s": round(result["requests"] / seconds, 1),
        "median_ms": round(result["p50_us"] / 1000, 1),
        "p95_ms": round(result["p95_us"] / 1000, 1),
        "p99_ms": round(result["p99_us"] / 1000, 1),
        "errors": result["errors"] + result["non_2xx"],
    }
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
