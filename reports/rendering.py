"""Making a service report's PDF from its contents (reports.contents).

An annual report's bound book runs to hundreds of pages (C5: a year of records). WeasyPrint
holds a whole document's layout in memory, so the book is rendered in parts of a few hundred
tickets, each continuing the page numbers of the one before, and the parts are joined with
pypdf: memory stays bounded by a part, not by the year. The report itself is rendered once to
learn its length, then again with the book's page numbers in its contents page.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from inspections.report import report_body
from reports.contents import ReportContents, report_contents
from reports.figures import snapshot_differences
from reports.models import RenderState, ReportFile
from reports.pdf import RenderedPdf, render_pdf

TEMPLATE = "reports/pdf/service_report.html"
BOOK_TEMPLATE = "reports/pdf/bound_book.html"
TICKETS_PER_PART = 500  # about 120 pages a part: a few hundred MB of layout at most
INSPECTIONS_PER_PART = 6

# The chapters, in order, as the contents page lists them; the template's headings use the
# same words.
CHAPTERS = (
    ("overview", _("Service overview")),
    ("scope", _("Contract and covered systems")),
    ("tickets", _("Tickets")),
    ("analysis", _("Fault analysis")),
    ("sla", _("SLA compliance")),
    ("timings", _("Response and resolution times")),
    ("availability", _("Availability")),
    ("quotas", _("On-site days and person-days")),
    ("inspections", _("Inspections")),
    ("recurring", _("Recurring problems")),
    ("satisfaction", _("Satisfaction")),
    ("knowledge", _("Knowledge base")),
    ("improvements", _("Improvement measures and next period's plan")),
)


class _Numbered:
    """A chapter title with its number, translated when the template prints it."""

    def __init__(self, number: int, title) -> None:
        self.number, self.title = number, title

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


def _chunks(items: list, size: int) -> Iterator[list]:
    if not items:
        yield []
        return
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class FiguresCheck:
    """How this version's figures compare with the last version rendered before it."""

    previous_version: int | None
    differences: tuple[str, ...]

    @property
    def same(self) -> bool:
        return self.previous_version is not None and not self.differences

    @property
    def difference_labels(self) -> list[str]:
        return [str(FIGURE_LABELS.get(name, name)) for name in self.differences]


FIGURE_LABELS = {
    "incidents": _("Level-1 incidents"),
    "rework": _("Reopened and recurring tickets"),
    "engineers": _("Load per engineer"),
    "year_on_year": _("Against the previous year"),
    "by_kind": _("Tickets"),
    "by_level": _("Tickets by level or category"),
    "by_system": _("Tickets by system"),
    "by_month": _("Tickets by month"),
    "compliance": _("SLA compliance"),
    "breaches": _("Breaches"),
    "timings": _("Response and resolution times"),
    "downtime": _("Availability"),
    "onsite": _("On-site days"),
    "person_days": _("Person-days of adaptive work"),
    "satisfaction": _("Satisfaction"),
    "trend": _("SLA compliance by month"),
    "system_levels": _("Tickets by system and level"),
    "causes": _("Causes"),
    "backlog": _("Open problems"),
    "flow": _("Reported and resolved by month"),
    "quarters": _("Quarter by quarter"),
}


def check_figures(report_file: ReportFile, figures: dict) -> FiguresCheck:
    """Compare with the figures of the last version of the same report made before this one
    (a past period counted again gives the same numbers; a record edited later shows)."""
    previous = (
        ReportFile.objects.filter(
            report=report_file.report, version__lt=report_file.version, state=RenderState.DONE
        )
        .exclude(figures={})
        .order_by("-version")
        .first()
    )
    if previous is None:
        return FiguresCheck(previous_version=None, differences=())
    return FiguresCheck(
        previous_version=previous.version,
        differences=snapshot_differences(previous.figures, figures),
    )


def _main(contents: ReportContents, report_file: ReportFile, book_pages=None) -> RenderedPdf:
    report = contents.report
    return render_pdf(
        TEMPLATE,
        {
            "c": contents,
            "report": report,
            "report_file": report_file,
            "contract": report.contract,
            "period": report.period,
            "toc": [
                (anchor, _Numbered(number, title))
                for number, (anchor, title) in enumerate(CHAPTERS, start=1)
            ],
            "book_pages": book_pages,
            "figures_check": check_figures(report_file, report_file.figures),
        },
    )


def _book_parts(
    contents: ReportContents, report_file: ReportFile, first_page: int
) -> tuple[list[RenderedPdf], dict]:
    """The bound book's parts from `first_page` on, and where its two sections start."""
    report, book = contents.report, contents.bound_book
    common = {"report": report, "contract": report.contract, "report_file": report_file}
    parts: list[RenderedPdf] = []
    page = first_page
    starts = {"tickets": page}
    for index, tickets in enumerate(_chunks(book.tickets, TICKETS_PER_PART)):
        part = render_pdf(
            BOOK_TEMPLATE,
            {
                **common,
                "part": "tickets",
                "tickets": tickets,
                "first_part": index == 0,
                "first_page": page,
            },
        )
        parts.append(part)
        page += part.pages
    starts["inspections"] = page
    bodies = []
    for inspection in book.inspections:
        body = report_body(inspection, list(inspection.results.all()))
        body["systems"] = inspection.system.path() if inspection.system else "—"
        bodies.append(body)
    for index, chunk in enumerate(_chunks(bodies, INSPECTIONS_PER_PART)):
        part = render_pdf(
            BOOK_TEMPLATE,
            {
                **common,
                "part": "inspections",
                "inspections": chunk,
                "first_part": index == 0,
                "first_page": page,
            },
        )
        parts.append(part)
        page += part.pages
    return parts, starts


def _join(documents: list[RenderedPdf]) -> RenderedPdf:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for document in documents:
        writer.append(io.BytesIO(document.content))
    buffer = io.BytesIO()
    writer.write(buffer)
    return RenderedPdf(content=buffer.getvalue(), pages=sum(d.pages for d in documents))


def render_report_file(report_file: ReportFile) -> RenderedPdf:
    """The PDF of a version. Sets report_file.figures to the snapshot of what it prints
    (the caller saves it with the file)."""
    report = report_file.report
    contents = report_contents(report, include_bound_book=report_file.include_bound_book)
    report_file.figures = contents.snapshot()
    if contents.bound_book is None:
        return _main(contents, report_file)
    # The contents page lists the book's page numbers; its length does not depend on them.
    provisional = _main(contents, report_file, book_pages={"tickets": 0, "inspections": 0})
    parts, starts = _book_parts(contents, report_file, first_page=provisional.pages + 1)
    main = _main(contents, report_file, book_pages=starts)
    if main.pages != provisional.pages:  # never seen; would shift every number after it
        parts, starts = _book_parts(contents, report_file, first_page=main.pages + 1)
        main = _main(contents, report_file, book_pages=starts)
    return _join([main, *parts])
