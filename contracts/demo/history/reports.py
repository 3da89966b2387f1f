"""Quarterly service reports for the quarters that have ended: the summary OpsDesk makes a
few days after the quarter, the vendor manager's improvement measures and the final
version, and the hospital's acceptance. The PDFs are made by the worker after start-up."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.conf import settings
from django.utils import timezone

from reports.periods import Period

from . import adapters as do
from .texts import IMPROVEMENTS
from .timeline import Later, World, is_workday, local, minutes


def _next_workday(day: dt.date) -> dt.date:
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def write_reports(w: World) -> None:
    rng, p = w.rng, w.profile
    today = timezone.localtime(w.until).date()
    quarter = Period.current_quarter(w.starts.date())
    while quarter.end + dt.timedelta(days=settings.QUARTERLY_REPORT_DELAY_DAYS) <= today:
        if quarter.overlap(w.contract.starts_on, w.contract.ends_on) is not None:
            with contextlib.suppress(Later):
                _quarterly(w, quarter, rng, p)
        quarter = Period.current_quarter(quarter.end)


def _quarterly(w: World, quarter: Period, rng, p) -> None:
    made = quarter.end + dt.timedelta(days=settings.QUARTERLY_REPORT_DELAY_DAYS)
    report_file = do._request_quarterly(w.step(local(made, 6, 30)), w.contract, period=quarter)
    report = report_file.report
    day = _next_workday(made + dt.timedelta(days=rng.randint(1, 4)))
    at = w.step(local(day, 15) + minutes(rng.uniform(0, 90)))
    do._finalise_report(at, report, w.person(p.manager), improvements=rng.choice(IMPROVEMENTS))
    day = _next_workday(day + dt.timedelta(days=rng.randint(2, 6)))
    at = w.step(local(day, 10) + minutes(rng.uniform(0, 120)))
    report.refresh_from_db()
    do._accept_report(at, report, w.person(p.hospital_it), opinion="已审阅，报告内容属实，同意。")
