"""Private servers for the fault scenarios: each on a free loopback port, in a temp directory,
so a scenario never touches the machine's shared PostgreSQL or Redis, nor another test.

Also the small helpers the scenarios share: Django subprocesses with their own environment,
real Celery workers, and waiting for something to happen.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _postgresql_bin() -> Path:
    """PG_BIN_DIR, else the newest Debian server package's binaries, else initdb on PATH."""
    if os.environ.get("PG_BIN_DIR"):
        return Path(os.environ["PG_BIN_DIR"])
    versions = [
        path.parent
        for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")
        if path.parent.parent.name.isdigit()
    ]
    if versions:
        return max(versions, key=lambda path: int(path.parent.name))
    return Path(shutil.which("initdb") or "/usr/lib/postgresql/15/bin/initdb").parent


PG_BIN = _postgresql_bin()

# A fixed instant inside every demo contract's term (a Tuesday morning in service hours), so
# the scenarios do not depend on the machine's date.
SCENARIO_NOW = "2026-09-15 10:00 +08:00"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, every=0.2):
    """Poll `condition` until it returns something truthy; that value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up after {timeout:.0f} s waiting for {what}.")
        time.sleep(every)


class RedisServer:
    """redis-server on 127.0.0.1:<port>, no persistence: killed, it forgets everything, like a
    crashed cache/broker host that comes back empty."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = workdir / f"redis-{self.port}.log"

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [
                    REDIS_SERVER,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.workdir),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: self.ping(), timeout=15, what=f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        """SIGKILL: the broker and cache vanish mid-flight, nothing is flushed."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        wait_for(lambda: not port_answers(self.port), timeout=10, what="Redis to go away")

    def freeze(self) -> None:
        """SIGSTOP: connections are still accepted (by the kernel) but never answered, as with
        a host that hangs or a connection left half-open by the network."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def queue_length(self, queue: str = "celery", db: int = 0) -> int:
        import redis

        return int(redis.Redis(port=self.port, db=db).llen(queue))

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class PostgresCluster:
    """A throw-away PostgreSQL cluster (initdb) on 127.0.0.1:<port>, trust authentication.

    PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` OS user
    (its directory is made outside pytest's private tmp, which that user cannot enter)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="opsdesk-faults-pg-"))
        self.data = self.root / "data"
        self.log_path = self.root / "server.log"
        self.as_postgres = os.geteuid() == 0

    @staticmethod
    def available() -> str | None:
        """None when a private cluster can be made here, else why not."""
        for tool in ("initdb", "pg_ctl"):
            if not (PG_BIN / tool).exists():
                return f"{PG_BIN / tool} not found (set PG_BIN_DIR)"
        if os.geteuid() == 0:
            if not shutil.which("runuser"):
                return "running as root without runuser"
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no postgres OS user to run the cluster"
        return None

    def _run(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        argv = [str(part) for part in command]
        if self.as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if done.returncode != 0:
            log = self.log_path.read_text() if self.log_path.exists() else ""
            raise AssertionError(
                f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}\n{log[-2000:]}"
            )
        return done

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def initdb(self) -> PostgresCluster:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            PG_BIN / "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        return self

    def _options(self) -> str:
        # Its own socket directory and no fsync: private, throw-away, fast.
        return (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c full_page_writes=off"
        )

    def start(self) -> PostgresCluster:
        self._run(
            PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log_path, "-o", self._options(), "-w",
            "start",
        )  # fmt: skip
        return self

    def restart(self) -> None:
        """-m fast: every session is disconnected, as on a failover or a package upgrade."""
        self._run(
            PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log_path, "-o", self._options(),
            "-m", "fast", "-w", "restart",
        )  # fmt: skip

    def createdb(self, name: str) -> None:
        import psycopg2

        connection = psycopg2.connect(self.url("postgres"))
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()

    def backend_pids(self, database: str) -> list[int]:
        """Sessions other processes hold on `database` (to see a connection survive or not)."""
        import psycopg2

        connection = psycopg2.connect(self.url("postgres"))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s ORDER BY pid", [database]
            )
            pids = [row[0] for row in cursor.fetchall()]
        connection.close()
        return pids

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(AssertionError):
                self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


# --- Django processes -------------------------------------------------------------------------


def django_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of an OpsDesk process of a scenario: its own var/ (media, file broker),
    nothing inherited that points at the shared services unless given again."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "CELERY_TASK_ALWAYS_EAGER")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="opsdesk.settings",
        OPSDESK_VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
        # Celery's start-up system checks add seconds and check nothing a scenario changes.
        CELERY_SKIP_CHECKS="1",
    )
    env.update(overrides)
    return env


def run_django(
    env: dict[str, str], code: str, *, now: str | None = SCENARIO_NOW, timeout: float = 120
) -> dict:
    """Run `code` in a fresh OpsDesk process (its clock at `now`, if given); it reports by
    assigning a JSON-able `result`."""
    prelude = "import django, json\ndjango.setup()\n"
    if now:
        prelude += f"import time_machine\ntime_machine.travel({now!r}, tick=True).start()\n"
    script = prelude + code + "\nprint('RESULT=' + json.dumps(result, default=str))\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(f"Script failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT="):
            return json.loads(line.removeprefix("RESULT="))
    raise AssertionError(f"Script printed no result:\n{done.stdout}\n{done.stderr}")


def manage(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done


class Worker:
    """A real `celery worker` subprocess (as tests/test_worker.py starts one), logging to a file.

    `app` is tests.faults.worker_app: OpsDesk's Celery app plus test-only hooks switched on
    by environment variables (a slow render), so the application code stays as it is."""

    def __init__(self, env: dict[str, str], log_path: Path, *, name: str) -> None:
        self.env = env
        self.log_path = log_path
        self.name = name
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [
                    str(BIN / "celery"),
                    "-A",
                    "tests.faults.worker_app",
                    "worker",
                    "--pool=solo",
                    "--loglevel=info",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    f"{self.name}@%h",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(
            lambda: "ready." in self.log() or self.process.poll() is not None,
            timeout=60,
            what=f"worker {self.name} to start",
        )
        assert self.process.poll() is None, self.log()
        return self

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def kill(self) -> None:
        """kill -9: no clean shutdown, no ack, no chance to record anything."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
