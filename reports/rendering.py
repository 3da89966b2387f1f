"""Making a service report's PDF from its contents (reports.contents).

An annual report's bound book runs to hundreds of pages (C5: a year of records). WeasyPrint
holds a whole document's layout in memory, so the book is rendered in parts of a few hundred
tickets, each continuing the page numbers of the one before, and the parts are joined with
pypdf: memory stays bounded by a part, not by the year. The report itself is rendered once to
learn its length, then again with the book's page numbers in its contents page.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from inspections.report import report_body
from reports.contents import ReportContents, book_inspections, book_tickets, report_contents
from reports.figures import as_at, breaches, snapshot_differences
from reports.models import RenderState, ReportFile, ReportPart
from reports.pdf import RenderedPdf, css_string, embed_fonts_once, render_html, render_pdf

TEMPLATE = "reports/pdf/service_report.html"
BOOK_TEMPLATE = "reports/pdf/bound_book.html"
BREACH_LIST_TEMPLATE = "reports/pdf/breach_list.html"
TICKETS_PER_PART = 125  # about 12 pages: small enough that two workers finish together
INSPECTIONS_PER_PART = 6
# The breach appendix, a table a page: as many rows as one-line rows fill a page (38 under
# the heading, 42 after; a few to spare for a reason that wraps), so that it lies on the
# same pages whether rendered whole or in parts of whole pages.
BREACHES_ON_FIRST_PAGE = 36
BREACHES_A_PAGE = 40
BREACH_PAGES_PER_PART = 8  # about 2.5 CPU seconds, as much as a part of the book

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


def breach_pages(breaches) -> list[list]:
    """The breach appendix's rows, page by page (its first page under the heading)."""
    rows = list(breaches)
    pages = [rows[:BREACHES_ON_FIRST_PAGE]]
    for start in range(BREACHES_ON_FIRST_PAGE, len(rows), BREACHES_A_PAGE):
        pages.append(rows[start : start + BREACHES_A_PAGE])
    return pages


def _main(
    contents: ReportContents,
    report_file: ReportFile,
    book_pages=None,
    *,
    chapter_pages: dict[str, int] | None = None,
    breaches_apart: bool = False,
) -> RenderedPdf:
    """The report's own pages; with `chapter_pages` (anchor → page, as found in the whole
    report rendered before) only its front pages, the cover and the contents page; with
    `breaches_apart` without the breach appendix (rendered in parts of its own, the page its
    contents entry names in `chapter_pages`)."""
    report = contents.report
    pages = chapter_pages or {}
    return render_pdf(
        TEMPLATE,
        {
            "c": contents,
            "report": report,
            "report_file": report_file,
            "contract": report.contract,
            "period": report.period,
            "toc": [
                (anchor, _Numbered(number, title), pages.get(anchor))
                for number, (anchor, title) in enumerate(CHAPTERS, start=1)
            ],
            # Apart, its page is known only at the join (0 until then: no link).
            "breach_list_page": pages.get(BREACH_LIST_ANCHOR, 0 if breaches_apart else None),
            "breach_pages": (
                []
                if breaches_apart
                # Pages of their own only in a report rendered in parts (with its bound
                # book): one table lays out faster and fills its pages.
                else breach_pages(contents.summary.breaches)
                if report_file.include_bound_book
                else [contents.summary.breaches]
            ),
            "breaches_apart": breaches_apart,
            "front_only": chapter_pages is not None,
            "book_pages": book_pages,
            "figures_check": check_figures(report_file, report_file.figures),
        },
    )


def warm_up() -> None:
    """What a worker process loads once, before its first report: WeasyPrint with the fonts
    and stylesheets (reports.pdf.warm_up), the templates compiled, the translations read."""
    from django.template.loader import get_template
    from django.utils import translation

    from reports.pdf import warm_up as warm_up_weasyprint

    warm_up_weasyprint()
    with translation.override(settings.LANGUAGE_CODE):
        for name in (
            TEMPLATE,
            BOOK_TEMPLATE,
            BREACH_LIST_TEMPLATE,
            "reports/pdf/_breach_list.html",
            "inspections/_report_body.html",
        ):
            get_template(name)
        str(CHAPTERS[0][1])


BREACH_LIST_ANCHOR = "breach-list"
BOOK_TITLE = _("Appendix: the bound book")


class _LazyCss:
    """A text quoted as a CSS string when the template prints it (in the PDF's language);
    safe: css_string escapes what could end the <style> element."""

    def __init__(self, text) -> None:
        self.text = text

    def __html__(self) -> str:
        return css_string(str(self.text))

    def __str__(self) -> str:  # the template prints str(value), escaped unless marked safe
        return mark_safe(self.__html__())  # css_string escapes what could end <style>


def anchor_pages(content: bytes) -> dict[str, int]:
    """Where each anchor (HTML id) of a PDF WeasyPrint made lies: its page, from 1."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return {
        str(name): reader.get_destination_page_number(destination) + 1
        for name, destination in reader.named_destinations.items()
    }


def _book_part(
    report_file: ReportFile,
    section: str,
    items: list,
    *,
    first_part: bool,
    first_page: int,
    extra_css: str = "",
) -> RenderedPdf:
    """One chunk of the bound book: ticket records, or inspection bodies (_inspection_bodies)."""
    report = report_file.report
    running_title = format_lazy(
        "{} · {} · {}", report.contract.name, lazy(report.get_kind_display, str)(), BOOK_TITLE
    )
    return render_pdf(
        BOOK_TEMPLATE,
        {
            "running_title": running_title,
            # Rendered in the PDF's language (render_pdf), then quoted for the footer.
            "running_title_css": _LazyCss(running_title),
            "report": report,
            "contract": report.contract,
            "report_file": report_file,
            "part": section,
            section: items,
            "first_part": first_part,
            "first_page": first_page,
        },
        extra_css=extra_css,
    )


def _inspection_bodies(inspections) -> list[dict]:
    bodies = []
    for inspection in inspections:
        body = report_body(inspection, list(inspection.results.all()))
        body["systems"] = inspection.system.path() if inspection.system else "—"
        bodies.append(body)
    return bodies


def _book_parts(
    contents: ReportContents, report_file: ReportFile, first_page: int
) -> tuple[list[RenderedPdf], dict, set[int]]:
    """The bound book's parts from `first_page` on, where its two sections start, and which
    parts (their indexes) open a section."""
    book = contents.bound_book
    parts: list[RenderedPdf] = []
    openings: set[int] = set()
    page = first_page
    starts = {"tickets": page}
    sections = (
        ("tickets", _chunks(book.tickets, TICKETS_PER_PART)),
        ("inspections", _chunks(_inspection_bodies(book.inspections), INSPECTIONS_PER_PART)),
    )
    for section, chunks in sections:
        starts[section] = page
        for index, chunk in enumerate(chunks):
            part = _book_part(report_file, section, chunk, first_part=index == 0, first_page=page)
            if index == 0:
                openings.add(len(parts))
            parts.append(part)
            page += part.pages
    return parts, starts, openings


def _join(
    documents: list[RenderedPdf],
    numbers: RenderedPdf | int | None = None,
    *,
    front: RenderedPdf | None = None,
    openings: set[int] | None = None,
    appendix: set[int] = frozenset(),
) -> RenderedPdf:
    """The documents one after the other; `front` replaces the first document's first
    pages (as many as it has); `numbers` (page numbers on blank pages) is laid over the last
    pages, those the documents printed without numbers (a count of pages: they are given
    their numbers in the joined PDF, stamp_page_numbers). With `openings` (the indexes of the
    documents that open a section of the bound book) the book's bookmarks are nested across
    its parts (_nest_book_outline). The documents in `appendix` (indexes) continue the
    report's own pages: their bookmarks go under the report's title, as in the whole report."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    book_places: dict = {}
    for index, document in enumerate(documents):
        # One reader a document, for its pages and its bookmarks (parsing a part is much of
        # the join's time).
        reader = PdfReader(io.BytesIO(document.content))
        if index == 0 and front is not None:
            # The body's bookmarks, all of them (its cover's and contents page's fall on the
            # front's pages, at the same places): pypdf would keep those whose page it copies,
            # and leave the chapters under a title that points nowhere.
            writer.append(io.BytesIO(front.content), import_outline=False)
            writer.append(reader, pages=(front.pages, document.pages), import_outline=False)
            made = _copy_outline(writer, reader, reader.outline)  # same pages, same numbers
            book_places["report"] = next((item for depth, item in made if depth == 0), None)
        elif index in appendix:
            offset = len(writer.pages)
            writer.append(reader, import_outline=False)
            _copy_outline(writer, reader, reader.outline, book_places.get("report"), offset=offset)
        elif openings is None or index == 0:
            writer.append(reader)
        else:
            offset = len(writer.pages)
            writer.append(reader, import_outline=False)
            _nest_book_outline(writer, reader, offset, index in openings, book_places)
    if isinstance(numbers, int):  # the last `numbers` pages
        first = len(writer.pages) - numbers + 1
        if numbers and not stamp_page_numbers(writer, writer.pages[-numbers:], first):
            numbers = render_html(PAGE_NUMBERS.format(first=first, pages="<div></div>" * numbers))
    if isinstance(numbers, RenderedPdf):
        overlay = PdfReader(io.BytesIO(numbers.content)).pages
        for page, number in zip(writer.pages[-len(overlay) :], overlay, strict=True):
            page.merge_page(number)
            # merge_page leaves the page's drawing uncompressed: three times the file size.
            page.compress_content_streams()
    link_contents(writer)
    embed_fonts_once(writer)  # each part embedded its own subsets of the same fonts
    buffer = io.BytesIO()
    writer.write(buffer)
    return RenderedPdf(content=buffer.getvalue(), pages=sum(d.pages for d in documents))


def _copy_outline(writer, reader, outline, parent=None, *, offset: int = 0) -> list:
    """`reader`'s bookmarks (pypdf's outline: an item, then the list of its children) added
    to `writer` under `parent`, each to its page moved by `offset`; the items made, as
    (depth, item)."""
    made, item = [], parent  # a list first: children of `parent`
    for entry in outline:
        if isinstance(entry, list):
            made += [
                (depth + 1, child)
                for depth, child in _copy_outline(writer, reader, entry, item, offset=offset)
            ]
        else:
            item = writer.add_outline_item(
                title=entry.title,
                page_number=reader.get_destination_page_number(entry) + offset,
                parent=parent,
            )
            made.append((0, item))
    return made


def _nest_book_outline(writer, reader, offset: int, opening: bool, places: dict) -> None:
    """A part of the bound book's bookmarks where a reader looks for them: the book's title
    over its sections, each section's records under it, whichever part they were in (each
    part knows only its own headings)."""
    outline = reader.outline
    if not outline:
        return
    if opening and "book" not in places:  # the book's title, its first section, records
        made = _copy_outline(writer, reader, outline, offset=offset)
        places["book"] = next(item for depth, item in made if depth == 0)
        places["section"] = next(
            (item for depth, item in reversed(made) if depth == 1), places["book"]
        )
    elif opening:  # a later section: its heading under the book's title, the rest under it
        first, rest = outline[0], outline[1:]
        places["section"] = writer.add_outline_item(
            title=first.title,
            page_number=reader.get_destination_page_number(first) + offset,
            parent=places["book"],
        )
        _copy_outline(writer, reader, rest, places["section"], offset=offset)
    else:
        _copy_outline(writer, reader, outline, places.get("section"), offset=offset)


PAGE_LINK = "opsdesk-page:"


def link_contents(writer) -> None:
    """Make the contents page's "opsdesk-page:N" links (pages in other parts, unknown to
    WeasyPrint when it drew them) links to page N of the joined PDF; a number beyond it
    (a provisional 0) loses its link rather than point nowhere."""
    from pypdf.generic import ArrayObject, NameObject, NullObject

    for page in writer.pages:
        annotations = page.get("/Annots")
        if not annotations:
            continue
        kept = ArrayObject()
        for reference in annotations.get_object():
            annotation = reference.get_object()
            uri = str(annotation.get("/A", {}).get("/URI", ""))
            if not uri.startswith(PAGE_LINK):
                kept.append(reference)
                continue
            number = int(uri.removeprefix(PAGE_LINK) or 0)
            if not 1 <= number <= len(writer.pages):
                continue
            del annotation[NameObject("/A")]
            target = writer.pages[number - 1].indirect_reference
            # The page's top, at the zoom the reader has.
            annotation[NameObject("/Dest")] = ArrayObject(
                [target, NameObject("/XYZ"), NullObject(), NullObject(), NullObject()]
            )
            kept.append(reference)
        page[NameObject("/Annots")] = kept


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
    parts, starts, openings = _book_parts(contents, report_file, first_page=provisional.pages + 1)
    main = _main(contents, report_file, book_pages=starts)
    if main.pages != provisional.pages:  # never seen; would shift every number after it
        parts, starts, openings = _book_parts(contents, report_file, first_page=main.pages + 1)
        main = _main(contents, report_file, book_pages=starts)
    return _join([main, *parts], openings={1 + index for index in openings})


# --- in parts, on several workers ----------------------------------------------------------
# The book's parts are rendered at once on different workers, so none knows the page it starts
# on: each prints no page number, and once all are done the join lays the numbers over the
# joined book (same @page box as the book's own footer) and renders the report's own pages
# with the book's page numbers in its contents page.

# !important: WeasyPrint puts these before the template's own styles.
WITHOUT_PAGE_NUMBERS = (
    "@page { @bottom-right { content: none !important; } }"
    " @page :first { @bottom-right { content: none !important; } }"
)
PAGE_NUMBERS = """<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="css/pdf.css"><link rel="stylesheet" href="css/service_report.css">
<style>@page {{ @bottom-left {{ content: none; }} @bottom-right {{ content: counter(page); }} }}
@page :first {{ counter-reset: page {first}; @bottom-left {{ content: none; }}
  @bottom-right {{ content: counter(page); }} }} html, body {{ background: none; }}
div {{ break-after: page; }} div:last-child {{ break-after: auto; }}</style></head>
<body>{pages}</body></html>"""


_STAMP_TM = re.compile(rb"^1 0 0 -1 ([-\d.]+) ([-\d.]+) Tm$", re.M)
_STAMP_TF = re.compile(rb"^/(\S+) ([\d.]+) Tf$", re.M)
_STAMP_TJ = re.compile(rb"^\[((?:<[0-9a-f]+>0)+)\] TJ$", re.M)
STAMP_FONT = "/OpsdeskPageNumber"


def stamp_page_numbers(writer, pages, first: int) -> bool:
    """Print `first`, `first` + 1, … at the foot of `pages` (of a PDF pypdf writes) as
    PAGE_NUMBERS would, without laying out a page for each number: WeasyPrint draws a page
    number as one line of text, the same on every page but for its digits (of one width) and
    how far left the line starts. So eleven pages numbered 0 to 10 are rendered, and each
    page gets that line with its own digits. False (nothing done) if the sample is not as
    expected; the caller lays WeasyPrint's pages over them instead."""
    from pypdf import PdfReader
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    sample = PdfReader(
        io.BytesIO(render_html(PAGE_NUMBERS.format(first=0, pages="<div></div>" * 11)).content)
    )
    if len(sample.pages) != 11:
        return False
    streams = [page.get_contents().get_data() for page in sample.pages]
    found = [(_STAMP_TM.search(d), _STAMP_TF.search(d), _STAMP_TJ.search(d)) for d in streams]
    if not all(tm and tf and tj for tm, tf, tj in found):
        return False
    digits = [found[d][2].group(1)[:-1] for d in range(10)]  # "<0011>" for 0, …
    ones = {(tm.group(1), tm.group(2), tf.group(1)) for tm, tf, _ in found[:10]}
    if len(ones) != 1 or found[10][2].group(1) != digits[1] + b"0" + digits[0] + b"0":
        return False  # digits of different widths, or another font: not a line to copy
    x_one, y, font_name = ones.pop()
    advance = float(x_one) - float(found[10][0].group(1))  # one digit's width
    before, _bt, _rest = streams[0].partition(b"\nBT\n")
    # The page's drawing state before the text (its transformations and colour), but no
    # graphics state of the sample's own resources.
    setup = [line for line in before.split(b"\n") if not line.endswith(b" gs")]
    size = found[0][1].group(2)
    font = sample.pages[0]["/Resources"]["/Font"][f"/{font_name.decode()}"]
    font_reference = writer._add_object(font.get_object().clone(writer))
    opening = writer._add_object(DecodedStreamObject())
    opening.get_object().set_data(b"q\n")  # the page's own drawing, its state kept apart
    for number, page in enumerate(pages, start=first):
        text = str(number)
        codes = b"".join(digits[int(digit)] + b"0" for digit in text)
        x = float(x_one) - advance * (len(text) - 1)
        stamp = DecodedStreamObject()
        stamp.set_data(
            b"\nQ\nq\n"
            + b"\n".join(setup)
            + b"\nBT\n1 0 0 -1 %.6f %s Tm\n%s %s Tf\n[%s] TJ\nET\n"
            % (x, y, STAMP_FONT.encode(), size, codes)
            + b"Q\n" * (setup.count(b"q") + 1)
        )
        resources = page["/Resources"]
        fonts = resources.get("/Font")
        if fonts is None:
            fonts = DictionaryObject()
            resources[NameObject("/Font")] = fonts
        fonts.get_object()[NameObject(STAMP_FONT)] = font_reference
        contents = page.raw_get("/Contents")
        drawn = contents.get_object()
        drawn = list(drawn) if isinstance(drawn, ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([opening, *drawn, writer._add_object(stamp)])
    return True


def plan_parts(report_file: ReportFile, breach_count: int = 0) -> list[ReportPart]:
    """The parts of a report file with its bound book (unsaved), in the order they are
    joined: the report's own pages, the pages of its appendix of `breach_count` breached clocks
    (by their index in the appendix: a breach is no record of its own), then the book's
    tickets and inspections in chunks."""
    report = report_file.report
    ticket_ids = list(book_tickets(report).values_list("pk", flat=True))
    inspection_ids = list(book_inspections(report).values_list("pk", flat=True))
    appendix_pages = list(range(len(breach_pages(range(breach_count))))) if breach_count else []
    parts = [ReportPart(report_file=report_file, section=ReportPart.Section.MAIN)]
    for section, ids, size in (
        (ReportPart.Section.BREACHES, appendix_pages, BREACH_PAGES_PER_PART),
        (ReportPart.Section.TICKETS, ticket_ids, TICKETS_PER_PART),
        (ReportPart.Section.INSPECTIONS, inspection_ids, INSPECTIONS_PER_PART),
    ):
        if section == ReportPart.Section.BREACHES and not ids:
            continue  # no appendix
        for index, chunk in enumerate(_chunks(ids, size)):
            parts.append(
                ReportPart(
                    report_file=report_file,
                    section=section,
                    item_ids=chunk,
                    first_in_section=index == 0,
                )
            )
    for position, part in enumerate(parts):
        part.position = position
    return parts


def part_path(part: ReportPart) -> Path:
    """Where a part's PDF waits for the join: the same for every worker on this machine; a
    render started over has new parts, so a stale worker's file never replaces a new one."""
    return (
        Path(settings.MEDIA_ROOT)
        / "var"
        / "report-parts"
        / f"{part.report_file_id}-{part.position}-{part.pk}.pdf"
    )


def render_part(part: ReportPart) -> RenderedPdf:
    """A part's PDF: the report's own pages as they will be (to learn their number), or a
    chunk of the book without page numbers."""
    report_file = part.report_file
    report = report_file.report
    if part.section == ReportPart.Section.MAIN:
        contents = report_contents(report)
        return _main(
            contents,
            report_file,
            book_pages={"tickets": 0, "inspections": 0},
            breaches_apart=_has_breach_parts(report_file),
        )
    if part.section == ReportPart.Section.BREACHES:
        return _breach_part(report_file, part)
    if part.section == ReportPart.Section.TICKETS:
        items = list(book_tickets(report).filter(pk__in=part.item_ids))
    else:
        items = _inspection_bodies(book_inspections(report).filter(pk__in=part.item_ids))
    return _book_part(
        report_file,
        part.section,
        items,
        first_part=part.first_in_section,
        first_page=1,
        extra_css=WITHOUT_PAGE_NUMBERS,
    )


def _has_breach_parts(report_file: ReportFile) -> bool:
    return report_file.parts.filter(section=ReportPart.Section.BREACHES).exists()


def _breach_part(report_file: ReportFile, part: ReportPart) -> RenderedPdf:
    """Whole pages of the breach appendix, without page numbers: the breaches as at the
    moment the report's figures were counted (its snapshot), as the report's pages count
    them."""
    report = report_file.report
    counted_at = report_file.figures.get("as_at")
    now = (
        dt.datetime.fromisoformat(counted_at)
        if counted_at
        else as_at(report.period, timezone.now())
    )
    every_page = breach_pages(breaches(report.contract, report.period, now))
    running_title = format_lazy(
        "{}{}", report.contract.name, lazy(report.get_kind_display, str)()
    )  # as the cover's title (the footer's text on the report's own pages)
    return render_pdf(
        BREACH_LIST_TEMPLATE,
        {
            "running_title_css": _LazyCss(running_title),
            "report": report,
            "contract": report.contract,
            "report_file": report_file,
            "pages": [every_page[index] for index in part.item_ids if index < len(every_page)],
            "opens": part.first_in_section,
        },
        extra_css=WITHOUT_PAGE_NUMBERS,
    )


def join_parts(report_file: ReportFile, parts: list[ReportPart]) -> RenderedPdf:
    """The whole report from its rendered parts (in position order): the report's pages with
    the book's page numbers in its contents page, the book, the book's page numbers.

    Only the front pages (cover and contents) are rendered again, with the chapters' pages
    read from the report part's anchors: rendering the whole report again here would put its
    full cost after the last part, on every report's critical path."""
    main_part, book = parts[0], parts[1:]
    contents = report_contents(report_file.report)
    appendix = sum(p.pages for p in book if p.section == ReportPart.Section.BREACHES)
    breaches_apart = any(p.section == ReportPart.Section.BREACHES for p in book)

    def starts(main_pages: int) -> dict:
        tickets = sum(p.pages for p in book if p.section == ReportPart.Section.TICKETS)
        return {
            "tickets": main_pages + appendix + 1,
            "inspections": main_pages + appendix + 1 + tickets,
        }

    main = RenderedPdf(content=Path(main_part.path).read_bytes(), pages=main_part.pages)
    chapter_pages = anchor_pages(main.content)
    if breaches_apart:
        chapter_pages[BREACH_LIST_ANCHOR] = main.pages + 1
    front = _main(contents, report_file, starts(main.pages), chapter_pages=chapter_pages)
    if front.pages != chapter_pages[CHAPTERS[0][0]] - 1:  # never seen: render it all again
        front = None
        main = _main(
            contents,
            report_file,
            book_pages=starts(main_part.pages),
            breaches_apart=breaches_apart,
        )
        if main.pages != main_part.pages:  # the book's numbers follow the real length
            main = _main(
                contents,
                report_file,
                book_pages=starts(main.pages),
                breaches_apart=breaches_apart,
            )
    documents = [RenderedPdf(content=Path(p.path).read_bytes(), pages=p.pages) for p in book]
    book_pages = sum(p.pages for p in book)
    openings = {
        1 + index
        for index, part in enumerate(book)
        if part.first_in_section and part.section != ReportPart.Section.BREACHES
    }
    appendix_documents = {
        1 + index for index, part in enumerate(book) if part.section == ReportPart.Section.BREACHES
    }
    return _join(
        [main, *documents],
        numbers=book_pages,
        front=front,
        openings=openings,
        appendix=appendix_documents,
    )
