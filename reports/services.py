"""Asking for a service report, writing its improvement measures, making it final, and
running its render. Requests return at once; a Celery worker makes the PDF."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.record import record
from contracts.models import Contract
from opsdesk import outbox
from reports import policy
from reports.errors import ReportError
from reports.models import (
    RenderState,
    ReportFile,
    ReportKind,
    ReportPart,
    ServiceReport,
    stuck_before,
)
from reports.periods import Period

logger = logging.getLogger(__name__)

# A render lost with its worker is tried again this many times before it is failed.
MAX_ATTEMPTS = 3


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _enqueue(report_file: ReportFile) -> None:
    from reports.tasks import render

    outbox.enqueue_after_commit(render, [report_file.pk], "service reports")


def report_period(kind: str, year: int, quarter: int | None = None) -> Period:
    if kind == ReportKind.ANNUAL:
        return Period.year(year)
    if kind == ReportKind.QUARTERLY and quarter:
        return Period.quarter(year, quarter)
    raise ReportError("invalid", _("Choose the quarter of a quarterly report."))


def request_report(
    *,
    contract: Contract,
    kind: str,
    period: Period,
    by=None,
    include_bound_book: bool = False,
    notify_contacts: bool = False,
    now: dt.datetime | None = None,
) -> ReportFile:
    """Queue the next version of the contract's report for the period; returns at once.
    `by` None: OpsDesk's own schedule (no role check)."""
    at = _now(now)
    if by is not None and not policy.may_request_report(by, contract):
        raise ReportError("forbidden", _("You may not ask for this contract's reports."))
    if kind not in ReportKind.values:
        raise ReportError("invalid", _("Unknown kind of report."))
    if include_bound_book and kind != ReportKind.ANNUAL:
        raise ReportError("invalid", _("Only the annual report includes the bound book."))
    if period.overlap(contract.starts_on, contract.ends_on) is None:
        raise ReportError(
            "invalid",
            _("The contract was not in force in %(period)s (term %(starts)s – %(ends)s)."),
            period=period.label,
            starts=contract.starts_on.isoformat(),
            ends=contract.ends_on.isoformat(),
        )
    if period.start > timezone.localtime(at).date():
        raise ReportError("invalid", _("A report cannot be made for a period not yet begun."))
    with transaction.atomic():
        report, _created = ServiceReport.objects.get_or_create(
            contract=contract,
            kind=kind,
            period_start=period.start,
            defaults={"period_end": period.end},
        )
        report = ServiceReport.objects.select_for_update().get(pk=report.pk)
        version = (report.files.aggregate(last=Max("version"))["last"] or 0) + 1
        report_file = ReportFile.objects.create(
            report=report,
            version=version,
            include_bound_book=include_bound_book,
            is_final=report.is_final,
            requested_by=by,
            requested_at=at,
            notify_contacts=notify_contacts,
        )
        _enqueue(report_file)
    return report_file


def retry(*, report_file: ReportFile, by, now: dt.datetime | None = None) -> ReportFile:
    """A failed render is queued again with the same version number."""
    if not policy.may_request_report(by, report_file.report.contract):
        raise ReportError("forbidden", _("You may not ask for this contract's reports."))
    with transaction.atomic():
        claimed = ReportFile.objects.filter(pk=report_file.pk, state=RenderState.FAILED).update(
            state=RenderState.QUEUED,
            error="",
            attempts=0,
            requested_at=_now(now),
            started_at=None,
            finished_at=None,
        )
        if not claimed:
            raise ReportError("conflict", _("Only a failed report can be retried."))
        report_file.refresh_from_db()
        _enqueue(report_file)
    return report_file


def save_improvements(*, report: ServiceReport, by, text: str) -> ServiceReport:
    if not policy.may_edit_report(by, report.contract):
        raise ReportError(
            "forbidden", _("Only the vendor manager writes the improvement measures.")
        )
    if report.is_final:
        raise ReportError("conflict", _("The report is final; its text can no longer change."))
    report.improvements = text.strip()
    report.save(update_fields=["improvements", "updated_at"])
    return report


def make_final(*, report: ServiceReport, by, now: dt.datetime | None = None) -> ReportFile:
    """Lock the text and make the final PDF (the draft versions stay)."""
    at = _now(now)
    if not policy.may_edit_report(by, report.contract):
        raise ReportError("forbidden", _("Only the vendor manager makes a report final."))
    if not report.improvements.strip():
        raise ReportError("invalid", _("Write the improvement measures before making it final."))
    with transaction.atomic():
        claimed = ServiceReport.objects.filter(pk=report.pk, final_at__isnull=True).update(
            final_at=at, final_by=by
        )
        if not claimed:
            raise ReportError("conflict", _("The report is final already."))
        report.refresh_from_db()
        latest = report.latest_file()
        return request_report(
            contract=report.contract,
            kind=report.kind,
            period=report.period,
            by=by,
            include_bound_book=bool(latest and latest.include_bound_book),
            notify_contacts=True,
            now=at,
        )


ACCEPTANCE_OPINION_LIMIT = 2000


def accept_report(
    *, report: ServiceReport, by, opinion: str = "", now: dt.datetime | None = None
) -> ServiceReport:
    """The hospital receives (签收) the final report, with its opinion (院方意见) if any;
    kept in the audit trail. Once only."""
    at = _now(now)
    if not policy.may_accept_report(by, report.contract):
        raise ReportError(
            "forbidden", _("Only the hospital's information centre accepts its reports.")
        )
    if not report.is_final:
        raise ReportError("conflict", _("Only a final report can be accepted."))
    opinion = opinion.strip()
    if len(opinion) > ACCEPTANCE_OPINION_LIMIT:
        raise ReportError(
            "invalid",
            _("The opinion is too long (at most %(limit)s characters)."),
            limit=ACCEPTANCE_OPINION_LIMIT,
        )
    with transaction.atomic():
        claimed = ServiceReport.objects.filter(pk=report.pk, accepted_at__isnull=True).update(
            accepted_at=at, accepted_by=by, acceptance_opinion=opinion
        )
        if not claimed:
            raise ReportError("conflict", _("The hospital has accepted this report already."))
        report.refresh_from_db()
        record(
            "reports.report.accepted",
            actor=by,
            obj=report,
            contract=report.contract,
            data={"period": report.period.label, "opinion": opinion},
        )
    return report


# --- the worker's side -------------------------------------------------------------------


def run_render(report_file_id: int, now: dt.datetime | None = None) -> ReportFile | None:
    """Claim a queued render (a second worker finds nothing), make the PDF, store it with its
    checksum; a failure is recorded with its reason. Returns None if there was nothing to do.
    A report with its bound book is cut into parts that workers render side by side
    (run_part); the last part to finish has them joined (run_join)."""
    from reports.rendering import render_report_file

    claimed = ReportFile.objects.filter(pk=report_file_id, state=RenderState.QUEUED).update(
        state=RenderState.RUNNING, started_at=_now(now), attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    report_file = ReportFile.objects.select_related("report__contract").get(pk=report_file_id)
    if report_file.include_bound_book:
        return _render_in_parts(report_file)
    try:
        rendered = render_report_file(report_file)
    except Exception as exc:  # the reason is shown to people and the render can be retried
        return _fail(report_file, exc)
    return _store(report_file, rendered)


def _fail(report_file: ReportFile, exc: Exception) -> ReportFile:
    logger.exception("Report file %s failed", report_file.pk)
    ReportFile.objects.filter(pk=report_file.pk).update(
        state=RenderState.FAILED,
        finished_at=timezone.now(),
        error=f"{type(exc).__name__}: {exc}"[:2000],
        parts_left=None,
    )
    report_file.refresh_from_db()
    return report_file


def _store(report_file: ReportFile, rendered) -> ReportFile:
    report_file.file.save(report_file.filename, ContentFile(rendered.content), save=False)
    report_file.sha256 = rendered.sha256
    report_file.size = len(rendered.content)
    report_file.pages = rendered.pages
    report_file.state = RenderState.DONE
    report_file.finished_at = timezone.now()
    with transaction.atomic():
        report_file.save(
            update_fields=["file", "sha256", "size", "pages", "state", "finished_at", "figures"]
        )
        from reports import notices

        notices.report_ready(report_file)
    return report_file


def _render_in_parts(report_file: ReportFile) -> ReportFile:
    from reports.contents import report_contents
    from reports.rendering import plan_parts
    from reports.tasks import render_part

    try:
        figures = report_contents(report_file.report).snapshot()
        report_file.figures = figures  # the breach appendix's parts count as at its moment
        parts = plan_parts(report_file, breach_count=len(figures.get("breaches", ())))
    except Exception as exc:
        return _fail(report_file, exc)
    _remove_parts(report_file)  # a retried render starts over
    with transaction.atomic():
        ReportFile.objects.filter(pk=report_file.pk).update(figures=figures, parts_left=len(parts))
        parts = ReportPart.objects.bulk_create(parts)
    # Not after commit: a worker runs this outside any transaction (the parts are committed
    # above), and with eager tasks (tests) the parts and the join run here, in the caller's.
    outbox.enqueue(render_part, [part.pk for part in parts], "service report parts")
    report_file.refresh_from_db()
    return report_file


def _remove_parts(report_file: ReportFile) -> None:
    from reports.rendering import part_path

    for part in ReportPart.objects.filter(report_file=report_file):
        part_path(part).unlink(missing_ok=True)
    ReportPart.objects.filter(report_file=report_file).delete()


def run_part(part_id: int) -> ReportPart | None:
    """Render one part to its file. A failure queues it again, up to MAX_ATTEMPTS, then fails
    the report file; the part that leaves none to do has the parts joined."""
    from reports.rendering import part_path, render_part
    from reports.tasks import join_parts
    from reports.tasks import render_part as render_part_task

    claimed = ReportPart.objects.filter(
        pk=part_id, state=RenderState.QUEUED, report_file__state=RenderState.RUNNING
    ).update(state=RenderState.RUNNING, attempts=F("attempts") + 1)
    if not claimed:
        return None
    part = ReportPart.objects.select_related("report_file__report__contract").get(pk=part_id)
    path = part_path(part)
    try:
        rendered = render_part(part)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rendered.content)
    except Exception as exc:
        logger.exception("Part %s of report file %s failed", part.position, part.report_file_id)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if part.attempts < MAX_ATTEMPTS:
            ReportPart.objects.filter(pk=part_id).update(state=RenderState.QUEUED, error=error)
            outbox.enqueue(render_part_task, [part_id], "service report parts")
        else:
            ReportPart.objects.filter(pk=part_id).update(state=RenderState.FAILED, error=error)
            _fail(part.report_file, exc)
        part.refresh_from_db()
        return part
    with transaction.atomic():
        done = ReportPart.objects.filter(pk=part_id, state=RenderState.RUNNING).update(
            state=RenderState.DONE, pages=rendered.pages, path=str(path), error=""
        )
        if done:
            ReportFile.objects.filter(pk=part.report_file_id, parts_left__gt=0).update(
                parts_left=F("parts_left") - 1
            )
        left = (
            ReportFile.objects.filter(pk=part.report_file_id)
            .values_list("parts_left", flat=True)
            .first()
        )
    part.refresh_from_db()
    if done and left == 0:  # eager tasks join (and delete the parts) right here
        outbox.enqueue(join_parts, [part.report_file_id], "service report joins")
    return part


def run_join(report_file_id: int) -> ReportFile | None:
    """Join a report file's parts once all are done: only one join claims them (parts_left
    goes from 0 to empty), and a part missing its file fails the render instead."""
    from reports.rendering import join_parts

    claimed = ReportFile.objects.filter(
        pk=report_file_id, state=RenderState.RUNNING, parts_left=0
    ).update(parts_left=None)
    if not claimed:
        return None
    report_file = ReportFile.objects.select_related("report__contract").get(pk=report_file_id)
    parts = list(report_file.parts.order_by("position"))
    try:
        missing = [
            p.position for p in parts if p.state != RenderState.DONE or not Path(p.path).is_file()
        ]
        if not parts or missing:
            raise RuntimeError(f"parts {missing} are not rendered")
        rendered = join_parts(report_file, parts)
    except Exception as exc:
        return _fail(report_file, exc)
    report_file = _store(report_file, rendered)
    _remove_parts(report_file)
    return report_file


def requeue_stuck(now: dt.datetime | None = None) -> int:
    """Renders whose worker died (killed, out of memory, restarted) stay "running" forever
    unless someone looks: queue them again, or fail them after MAX_ATTEMPTS. Queued renders
    that waited as long (the broker was down) are handed to the workers again."""
    at = _now(now)
    limit = stuck_before(at)
    failed = ReportFile.objects.filter(
        state=RenderState.RUNNING, started_at__lt=limit, attempts__gte=MAX_ATTEMPTS
    ).update(
        state=RenderState.FAILED,
        finished_at=at,
        error=str(_("The worker making this report stopped %(times)d times; retry it."))
        % {"times": MAX_ATTEMPTS},
    )
    lost = list(
        ReportFile.objects.filter(state=RenderState.RUNNING, started_at__lt=limit).values_list(
            "pk", flat=True
        )
    )
    ReportFile.objects.filter(pk__in=lost, state=RenderState.RUNNING).update(
        state=RenderState.QUEUED, requested_at=at
    )
    waiting = list(
        ReportFile.objects.filter(state=RenderState.QUEUED, requested_at__lt=limit).values_list(
            "pk", flat=True
        )
    )
    from reports.tasks import render

    outbox.enqueue(render, [*lost, *waiting], "service reports")
    if failed or lost:
        logger.warning("Report renders: %s lost and queued again, %s failed", len(lost), failed)
    return len(lost) + len(waiting)


def make_quarterly_summaries(today: dt.date, now: dt.datetime | None = None) -> list[ReportFile]:
    """A few days after a quarter ends (QUARTERLY_REPORT_DELAY_DAYS), make its summary for
    every contract in force in it that has none yet, and tell the contract's contacts (C5:
    submitted before each quarterly meeting)."""
    from django.conf import settings

    quarter = Period.current_quarter(today).previous()
    if today < quarter.end + dt.timedelta(days=settings.QUARTERLY_REPORT_DELAY_DAYS):
        return []
    made = []
    contracts = Contract.objects.filter(
        starts_on__lt=quarter.end, ends_on__gte=quarter.start
    ).exclude(
        service_reports__kind=ReportKind.QUARTERLY,
        service_reports__period_start=quarter.start,
    )
    for contract in contracts:
        made.append(
            request_report(
                contract=contract,
                kind=ReportKind.QUARTERLY,
                period=quarter,
                notify_contacts=True,
                now=now,
            )
        )
    return made
