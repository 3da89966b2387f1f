"""A Celery worker is killed (kill -9: out of memory, a container restart) in the middle of a
PDF render. No render stays stuck: service reports are queued again by the periodic
`reports.requeue_stuck` once REPORT_RENDER_TIMEOUT_MINUTES have passed, inspection reports by
`inspections.render_pending`, and the next worker makes the PDF.

Real workers (`celery -A tests.faults.worker_app worker`, whose test-only hook makes a render
slow) on a private Redis broker and a scenario SQLite database; the test plays the web process
and beat through short OpsDesk scripts.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.faults.servers import RedisServer, Worker, django_env, run_django, wait_for

pytestmark = pytest.mark.faults


@dataclass
class Stack:
    env: dict[str, str]
    database: Path
    media: Path
    redis: RedisServer
    tmp: Path

    def worker(self, name: str, *, slow: bool = False) -> Worker:
        env = dict(self.env)
        if slow:
            env.update(
                FAULTS_SLOW_RENDER_SECONDS="120", FAULTS_RENDER_MARKER=str(self.tmp / "marker")
            )
        return Worker(env, self.tmp / f"worker-{name}.log", name=name).start()

    def row(self, sql: str, *params) -> tuple | None:
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=20) as db:
            return db.execute(sql, params).fetchone()

    def script(self, code: str, now: str | None = None) -> dict:
        return run_django(self.env, code, now=now)

    def marker(self) -> dict | None:
        path = self.tmp / "marker"
        return json.loads(path.read_text()) if path.exists() else None

    def unacked(self) -> int:
        # kombu's Redis transport keeps a delivered, not yet acknowledged message here until
        # the worker acks it, or until visibility_timeout (an hour) gives it to another one.
        return int(redis.Redis(port=self.redis.port).hlen("unacked"))


@pytest.fixture
def stack(private_redis, scenario_database, tmp_path):
    env = django_env(
        tmp_path / "var",
        DATABASE_URL=f"sqlite:///{scenario_database}",
        REDIS_URL=private_redis.url(0),
    )
    running: list[Worker] = []
    built = Stack(env, scenario_database, tmp_path / "var" / "media", private_redis, tmp_path)
    original = built.worker

    def tracked(name: str, *, slow: bool = False) -> Worker:
        worker = original(name, slow=slow)
        running.append(worker)
        return worker

    built.worker = tracked  # type: ignore[method-assign]
    yield built
    for worker in running:
        worker.stop()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


REQUEST_REPORT = """
import datetime as dt
from zoneinfo import ZoneInfo
from contracts.models import Contract
from reports.periods import Period
from reports.services import request_report

report_file = request_report(
    contract=Contract.objects.get(code="yn-his"),
    kind="quarterly",
    period=Period.quarter(2026, 3),
    now=dt.datetime(2026, 10, 8, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
)
result = {"id": report_file.pk, "state": report_file.state}
"""

REQUEUE_STUCK = """
import datetime as dt
from django.conf import settings
from reports.models import ReportFile
from reports.services import requeue_stuck

started = ReportFile.objects.get(pk=REPORT_FILE).started_at
timeout = dt.timedelta(minutes=settings.REPORT_RENDER_TIMEOUT_MINUTES)
result = {
    "timeout_minutes": settings.REPORT_RENDER_TIMEOUT_MINUTES,
    "a minute later": requeue_stuck(now=started + dt.timedelta(minutes=1)),
    "after the timeout": requeue_stuck(now=started + timeout + dt.timedelta(minutes=1)),
}
"""


def test_a_service_report_whose_worker_was_killed_mid_render_is_made_by_the_next(stack):
    first = stack.worker("first", slow=True)
    print(f"Worker 'first' (pid {first.process.pid}) ready; its renders take 120 s more.")
    asked = stack.script(REQUEST_REPORT)
    report_file = asked["id"]
    print(f"yn-his 2026 Q3 summary asked for: report file {report_file}, {asked['state']}")

    seen = wait_for(stack.marker, timeout=60, what="the render to begin")
    state, attempts = stack.row(
        "SELECT state, attempts FROM reports_reportfile WHERE id = ?", report_file
    )
    print(f"  rendering the {seen['what']} in pid {seen['pid']}: state {state}, attempt {attempts}")
    assert (seen["what"], state, attempts) == ("service report", "running", 1)

    first.kill()
    killed_at = time.monotonic()
    print(f"Worker 'first' killed with SIGKILL mid-render; unacked messages: {stack.unacked()}")
    second = stack.worker("second")
    print(f"Worker 'second' (pid {second.process.pid}) ready.")
    time.sleep(1)
    state, attempts = stack.row(
        "SELECT state, attempts FROM reports_reportfile WHERE id = ?", report_file
    )
    print(f"  the render is still '{state}' (the claim was made by the dead worker)")
    assert state == "running"

    requeued = stack.script(f"REPORT_FILE = {report_file}\n" + REQUEUE_STUCK, now=None)
    print(f"  reports.requeue_stuck (timeout {requeued['timeout_minutes']} min): {requeued}")
    assert requeued["a minute later"] == 0 and requeued["after the timeout"] == 1

    done = wait_for(
        lambda: stack.row(
            "SELECT state, attempts, file, sha256, pages FROM reports_reportfile "
            "WHERE id = ? AND state IN ('done', 'failed')",
            report_file,
        ),
        timeout=60,
        what="the second worker to render the report",
    )
    state, attempts, name, digest, pages = done
    pdf = stack.media / name
    print(
        f"  {state} {time.monotonic() - killed_at:.1f} s after the kill, attempt {attempts}: "
        f"{name}, {pages} pages, {pdf.stat().st_size} bytes"
    )
    assert (state, attempts) == ("done", 2)
    assert pdf.read_bytes().startswith(b"%PDF") and sha256(pdf) == digest

    # In an hour the dead worker's message is delivered again: it finds the render done.
    again = stack.script(
        f"from reports.tasks import render\nrender.delay({report_file})\nresult = 'sent'", now=None
    )
    wait_for(
        lambda: second.log().count("Task reports.render[") >= 4,
        timeout=30,
        what="the repeated message to be handled",
    )
    versions = stack.row("SELECT count(*), max(version) FROM reports_reportfile")
    print(f"  the same message once more ({again}): nothing done, report files {versions}")
    assert versions == (1, 1)
    assert stack.row("SELECT state FROM reports_reportfile WHERE id = ?", report_file) == ("done",)


COMPLETE_INSPECTION = """
from contracts.models import Contract
from inspections import services
from tests.factories import demo_user
from tests.inspections.conftest import answer_all, at, zj_quarter

demo = {contract.code: contract for contract in Contract.objects.all()}
engineer = demo_user("ny-engineer")
inspection = services.start(
    inspection=zj_quarter(demo), by=engineer, mode="on_site", now=at("2026-11-20 09:30")
)
answer_all(inspection, now=at("2026-11-20 11:00"))
inspection = services.complete(inspection=inspection, by=engineer, now=at("2026-11-20 12:40"))
result = {"id": inspection.pk, "revision": inspection.revision, "state": inspection.state}
"""

RENDER_PENDING = """
from inspections.report import stale_inspection_ids
from inspections.tasks import render_pending

stale = stale_inspection_ids()
render_pending.delay()  # what beat sends every 5 minutes
result = {"stale": stale}
"""


def test_an_inspection_report_whose_worker_was_killed_is_made_by_render_pending(stack):
    first = stack.worker("first", slow=True)
    completed = stack.script(COMPLETE_INSPECTION, now="2026-11-20 12:45 +08:00")
    inspection = completed["id"]
    print(f"Inspection {inspection} {completed['state']}, revision {completed['revision']}")
    seen = wait_for(stack.marker, timeout=60, what="the inspection render to begin")
    assert seen["what"] == "inspection report"
    first.kill()
    print(f"Worker 'first' killed with SIGKILL while rendering the {seen['what']}")
    assert stack.row(
        "SELECT count(*) FROM inspections_inspectionreport WHERE inspection_id = ?", inspection
    ) == (0,)

    stack.worker("second")
    pending = stack.script(RENDER_PENDING, now=None)
    print(f"  inspections.render_pending finds {pending['stale']} without a PDF, queues them")
    assert pending["stale"] == [inspection]
    revision, name, digest, pages = wait_for(
        lambda: stack.row(
            "SELECT revision, file, sha256, pages FROM inspections_inspectionreport "
            "WHERE inspection_id = ?",
            inspection,
        ),
        timeout=60,
        what="the second worker to render the inspection report",
    )
    pdf = stack.media / name
    print(f"  made by worker 'second': revision {revision}, {name}, {pages} pages")
    assert revision == completed["revision"] and sha256(pdf) == digest
