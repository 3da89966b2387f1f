"""The inspection report (巡检报告): a PDF per revision of a finished inspection."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from inspections.models import (
    DONE_STATES,
    Inspection,
    InspectionReport,
)
from inspections.thresholds import Verdict
from reports.pdf import render_pdf

logger = logging.getLogger(__name__)

TEMPLATE = "inspections/report_pdf.html"


def report_body(inspection: Inspection, results: list | None = None) -> dict:
    """What the body of an inspection report shows: its results by section, the abnormal
    ones, and the count of each verdict. Also used for the annual report's bound book."""
    if results is None:
        results = list(inspection.results.select_related("ticket").order_by("position"))
    sections: list[tuple[str, list]] = []
    for result in results:
        if not sections or sections[-1][0] != result.section:
            sections.append((result.section, []))
        sections[-1][1].append(result)
    counts = {verdict.name.lower(): 0 for verdict in Verdict}
    for result in results:
        counts[Verdict(result.verdict).name.lower()] += 1
    return {
        "inspection": inspection,
        "sections": sections,
        "failed": [result for result in results if result.verdict == Verdict.FAIL],
        "counts": counts,
        "total": len(results),
    }


def report_context(inspection: Inspection) -> dict:
    contract = inspection.contract
    return {
        **report_body(inspection),
        "contract": contract,
        "hospital": contract.hospital,
        "vendor": contract.vendor,
        "systems": inspection.system.path()
        if inspection.system
        else "、".join(
            str(row.system) for row in contract.contract_systems.select_related("system")
        ),
        "made_at": timezone.now(),
    }


def _covered(contract) -> str:
    return "、".join(str(row.system) for row in contract.contract_systems.select_related("system"))


def latest_report(inspection: Inspection) -> InspectionReport | None:
    return inspection.reports.order_by("-revision").first()


def render_current(inspection_id: int) -> InspectionReport | None:
    """Make the PDF of the inspection's current revision unless it exists; None when the
    inspection is not finished (nothing to report yet)."""
    inspection = (
        Inspection.objects.select_related(
            "contract__hospital", "contract__vendor", "engineer", "system", "template"
        )
        .filter(pk=inspection_id)
        .first()
    )
    if inspection is None or inspection.state not in DONE_STATES:
        return None
    existing = inspection.reports.filter(revision=inspection.revision).first()
    if existing is not None:
        return existing
    rendered = render_pdf(TEMPLATE, report_context(inspection))
    report = InspectionReport(
        inspection=inspection,
        revision=inspection.revision,
        sha256=rendered.sha256,
        size=len(rendered.content),
        pages=rendered.pages,
    )
    report.file.save(report.filename, ContentFile(rendered.content), save=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Another worker made the same revision first: keep theirs, drop our file.
        report.file.delete(save=False)
        return inspection.reports.get(revision=inspection.revision)
    logger.info("Inspection %s report r%s: %s pages", inspection.pk, report.revision, report.pages)
    return report


def stale_inspection_ids(limit: int = 100) -> list[int]:
    """Finished inspections whose current revision has no PDF yet (a worker died, or the
    broker was down when it was asked for)."""
    from django.db.models import Exists, OuterRef

    has_current = InspectionReport.objects.filter(
        inspection=OuterRef("pk"), revision=OuterRef("revision")
    )
    return list(
        Inspection.objects.filter(state__in=DONE_STATES)
        .exclude(Exists(has_current))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
