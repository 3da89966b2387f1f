"""A real Celery worker takes tasks from the configured broker: Redis when REDIS_URL is set
(CI), otherwise the file-system broker that `make run` uses with nothing installed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.sqlite_files import copy_of, migrated

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

SETUP = """
from accounts.models import User
from sla.models import ServiceCalendar
ServiceCalendar.objects.create(code="cn-work", name="工作日", day_rule="cn_workdays")
User.objects.create_superuser("root", "root@example.org", "x")
"""


@pytest.fixture
def worker_database(tmp_path_factory, worker_id, tmp_path) -> Path:
    """The worker's database is its own file: the test database is not visible to it."""
    return copy_of(migrated(tmp_path_factory, worker_id), tmp_path / "worker.sqlite3")


def test_a_real_worker_runs_the_holiday_check_sent_through_the_broker(tmp_path, worker_database):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "OPSDESK_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{worker_database}",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, timeout=60)

    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "opsdesk",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "--loglevel=info",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        send = (
            "from sla.tasks import warn_missing_holiday_years as task; "
            f"task.apply_async(queue={queue!r})"
        )
        subprocess.run([*manage, "shell", "-c", send], cwd=ROOT, env=env, check=True, timeout=60)
        deadline = time.monotonic() + 60
        output = ""
        while time.monotonic() < deadline:
            output = log_path.read_text()
            if "succeeded" in output:
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert "Task sla.warn_missing_holiday_years" in output and "succeeded" in output, output
    # No holiday data at all: the current year is announced as missing, and mailed.
    assert "holiday schedule" in output.lower() or "节假日" in output, output
    assert "root@example.org" in output, output
