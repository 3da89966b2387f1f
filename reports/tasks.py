"""Celery tasks: thin adapters over the report services."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_process_init
from django.utils import timezone

logger = logging.getLogger(__name__)


@worker_process_init.connect
def warm_up_pdf_rendering(**_kwargs) -> None:
    """Each worker process loads the PDF renderer once, when it starts, not in its first
    report (the quarterly report's 3 s include no import)."""
    from reports.rendering import warm_up

    try:
        warm_up()
    except Exception:  # only a head start: a real render reports what is wrong
        logger.exception("Could not warm up PDF rendering in a new worker process")


@shared_task(name="reports.render")
def render(report_file_id: int) -> int | None:
    from reports.services import run_render

    report_file = run_render(report_file_id)
    return report_file.pk if report_file else None


@shared_task(name="reports.render_part")
def render_part(part_id: int) -> int | None:
    from reports.services import run_part

    part = run_part(part_id)
    return part.pk if part else None


@shared_task(name="reports.join_parts")
def join_parts(report_file_id: int) -> int | None:
    from reports.services import run_join

    report_file = run_join(report_file_id)
    return report_file.pk if report_file else None


@shared_task(name="reports.requeue_stuck")
def requeue_stuck() -> int:
    from reports.services import requeue_stuck as requeue

    return requeue()


@shared_task(name="reports.make_quarterly_summaries")
def make_quarterly_summaries() -> int:
    from reports.services import make_quarterly_summaries as make

    return len(make(timezone.localdate()))
