"""Making a service report's PDF from its contents (reports.contents)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from inspections.report import report_body
from reports.contents import report_contents
from reports.models import ReportFile
from reports.pdf import RenderedPdf, render_pdf

TEMPLATE = "reports/pdf/service_report.html"

# The chapters, in order, as the contents page lists them; the template's headings use the
# same words.
CHAPTERS = (
    ("scope", _("Contract and covered systems")),
    ("tickets", _("Tickets")),
    ("sla", _("SLA compliance")),
    ("timings", _("Response and resolution times")),
    ("availability", _("Availability")),
    ("quotas", _("On-site days and person-days")),
    ("inspections", _("Inspections")),
    ("recurring", _("Recurring problems")),
    ("satisfaction", _("Satisfaction")),
    ("knowledge", _("Knowledge base")),
    ("improvements", _("Improvement measures")),
)


class _Numbered:
    """A chapter title with its number, translated when the template prints it."""

    def __init__(self, number: int, title) -> None:
        self.number, self.title = number, title

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


def render_report_file(report_file: ReportFile) -> RenderedPdf:
    report = report_file.report
    contents = report_contents(report, include_bound_book=report_file.include_bound_book)
    book = contents.bound_book
    book_inspections = []
    if book is not None:
        for inspection in book.inspections:
            body = report_body(inspection, list(inspection.results.all()))
            body["systems"] = inspection.system.path() if inspection.system else "—"
            book_inspections.append(body)
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
            "book": book,
            "book_inspections": book_inspections,
        },
    )
