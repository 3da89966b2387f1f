"""OpsDesk's Celery app as the fault scenarios' workers run it: `-A tests.faults.worker_app`.

Test-only hooks, switched on by environment variables, so the application code stays as it
is: with FAULTS_SLOW_RENDER_SECONDS set, the PDF renders of service reports and inspection
reports first write FAULTS_RENDER_MARKER (what is rendering, in which process) and then
sleep that long, which gives the test time to kill the worker in the middle of a render.
"""

from __future__ import annotations

import functools
import json
import os
import time
from pathlib import Path

from celery.signals import worker_init

from opsdesk.celery import app

__all__ = ["app"]


def _slowed(render, what: str, seconds: float, marker: Path):
    @functools.wraps(render)
    def slow(*args, **kwargs):
        marker.write_text(json.dumps({"what": what, "pid": os.getpid(), "at": time.time()}))
        time.sleep(seconds)
        return render(*args, **kwargs)

    return slow


@worker_init.connect
def _install_test_hooks(**_kwargs) -> None:
    seconds = float(os.environ.get("FAULTS_SLOW_RENDER_SECONDS") or 0)
    if not seconds:
        return
    import django

    django.setup()
    from inspections import report
    from reports import rendering

    marker = Path(os.environ["FAULTS_RENDER_MARKER"])
    # run_render imports render_report_file from the module when it runs; render_current
    # uses the name bound in inspections.report.
    rendering.render_report_file = _slowed(
        rendering.render_report_file, "service report", seconds, marker
    )
    report.render_pdf = _slowed(report.render_pdf, "inspection report", seconds, marker)
