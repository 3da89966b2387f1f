"""Ticket lists as files for Excel: the rows a list shows, as CSV or as an XLSX workbook.

Plain functions: a view picks the tickets with the list's own selector and filters, orders
them, and hands the queryset here. The rows are read in chunks with their relations joined,
so an export of 30 tickets costs the queries an export of 3 costs.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from sla.calendar import WorkingTime, overrun_minutes, working_time
from tickets.errors import TicketError
from tickets.models import Event, Ticket, TicketClock

# Excel has no time zones: every time is written as Beijing wall-clock time, as the
# contracts' clocks are agreed and as the hospitals read them.
EXPORT_TZ = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M"
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm"

# One export is one request: past this many rows it is a report, not a list to download.
MAX_ROWS = 100_000
TOO_MANY_ROWS = _("More than %(limit)s tickets match; narrow the filters and export again.")
CHUNK_SIZE = 2000
CSV_LINES_PER_CHUNK = 500

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A cell starting with one of these is run as a formula by Excel or LibreOffice
# (=HYPERLINK(…) in a ticket title would become a live link); a leading apostrophe keeps
# it text (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Value = str | int | dt.datetime | None


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """A Beijing wall-clock time to the minute, without tzinfo (what a spreadsheet holds)."""
    if moment is None:
        return None
    return moment.astimezone(EXPORT_TZ).replace(tzinfo=None, second=0, microsecond=0)


def _name(user) -> str:
    return "" if user is None else str(user)


def _reporter(ticket: Ticket) -> str:
    """The reporter; for a caller without an account (named in the caller column), the
    hospital IT person following the ticket, saying so: they did not report it."""
    if not ticket.caller_name:
        return _name(ticket.reporter)
    return gettext("%(person)s (following for the hospital)") % {"person": _name(ticket.reporter)}


def _clock(ticket: Ticket, name: str) -> TicketClock | None:
    return next((clock for clock in ticket.clocks_in_force if clock.name == name), None)


def _clock_due(name: str) -> Callable[[Ticket], Value]:
    return lambda t: _local(clock.due_at) if (clock := _clock(t, name)) else None


def _clock_met(name: str) -> Callable[[Ticket], Value]:
    return lambda t: _local(clock.met_at) if (clock := _clock(t, name)) else None


def _clock_overdue(name: str) -> Callable[[Ticket], Value]:
    """Minutes past the deadline in the clock's own calendar (sla.calendar.overrun_minutes),
    to when it was met or, while it runs, to the export; empty for a clock never late."""

    def value(ticket: Ticket) -> Value:
        clock = _clock(ticket, name)
        if clock is None or clock.due_at is None:
            return None
        until = clock.met_at or ticket.exported_at
        if until <= clock.due_at:
            return None
        return overrun_minutes(ticket.calendars(clock.calendar), clock.due_at, until)

    return value


def _resolution_note(ticket: Ticket) -> str:
    """The note of the latest resolution (a reopened ticket is resolved again)."""
    return ticket.resolutions[0].note if ticket.resolutions else ""


@dataclass(frozen=True)
class Column:
    header: str  # lazily translated: read in the language active when the file is written
    width: int  # in characters; a Chinese character counts about two
    value: Callable[[Ticket], Value]


COLUMNS: tuple[Column, ...] = (
    Column(_("Number"), 16, lambda t: t.number),
    Column(_("Hospital"), 24, lambda t: t.contract.hospital.name),
    Column(_("Contract code"), 14, lambda t: t.contract.code),
    Column(_("System"), 30, lambda t: t.system.path()),
    Column(_("Kind"), 10, lambda t: t.get_kind_display()),
    Column(_("Level or category"), 16, lambda t: t.service_class.name),
    Column(_("Title"), 40, lambda t: t.title),
    Column(_("State"), 12, lambda t: t.get_state_display()),
    Column(_("Reported by"), 12, _reporter),
    Column(_("Engineer"), 12, lambda t: _name(t.assignee)),
    Column(_("Reported at"), 17, lambda t: _local(t.created_at)),
    Column(_("Acknowledged at"), 17, lambda t: _local(t.acknowledged_at)),
    Column(_("Arrived at"), 17, lambda t: _local(t.arrived_at)),
    Column(_("Resolved at"), 17, lambda t: _local(t.resolved_at)),
    Column(_("Closed at"), 17, lambda t: _local(t.closed_at)),
    Column(_("Next deadline"), 17, lambda t: _local(t.next_due_at)),
    Column(
        _("Breached clocks"),
        16,
        lambda t: ", ".join(clock.get_name_display() for clock in t.breached_clocks),
    ),
    Column(_("Satisfaction"), 12, lambda t: t.get_satisfaction_display() if t.satisfaction else ""),
    Column(_("Respond due"), 17, _clock_due("respond")),
    Column(_("Responded"), 17, _clock_met("respond")),
    Column(_("Respond overdue (min)"), 12, _clock_overdue("respond")),
    Column(_("Arrive due"), 17, _clock_due("arrive")),
    Column(_("Arrived"), 17, _clock_met("arrive")),
    Column(_("Arrive overdue (min)"), 12, _clock_overdue("arrive")),
    Column(_("Resolve due"), 17, _clock_due("resolve")),
    Column(_("Resolved"), 17, _clock_met("resolve")),
    Column(_("Resolve overdue (min)"), 12, _clock_overdue("resolve")),
    Column(_("Cause"), 12, lambda t: t.get_resolution_cause_display()),
    Column(_("Resolution note"), 40, _resolution_note),
    # How the report came in: a phoned-in fault names its caller and who typed it when.
    Column(_("Channel"), 10, lambda t: t.get_channel_display()),
    Column(_("Caller"), 14, lambda t: t.caller),
    Column(_("Entered by"), 12, lambda t: _name(t.entered_by)),
    Column(_("Entered at"), 17, lambda t: _local(t.entered_at)),
)


def headers() -> list[str]:
    """The header row in the active language."""
    return [str(column.header) for column in COLUMNS]


def for_export(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """The queryset with everything a row reads joined or prefetched, its order kept."""
    return queryset.select_related(
        "contract__hospital",
        # The system's path names its ancestors; systems nest three deep at most.
        "system__parent__parent",
        "service_class",
        "reporter",
        "assignee",
        "entered_by",
    ).prefetch_related(
        Prefetch(
            "clocks",
            # Breached as the API's `breached` filter counts it, a removed clock included.
            queryset=TicketClock.objects.filter(breached_at__isnull=False).order_by("id"),
            to_attr="breached_clocks",
        ),
        Prefetch(
            "clocks",
            queryset=TicketClock.objects.filter(is_active=True).select_related("calendar"),
            to_attr="clocks_in_force",
        ),
        Prefetch(
            "events",
            queryset=Event.objects.public()
            .filter(action="tickets.ticket.resolve")
            .order_by("-at", "-id"),
            to_attr="resolutions",
        ),
    )


def rows(queryset: QuerySet[Ticket]) -> Iterator[list[Value]]:
    """One list of cell values per ticket, in COLUMNS order; times are naive Beijing times.

    Read in chunks of CHUNK_SIZE (one query for the tickets and one per prefetch per chunk),
    so memory and queries stay flat however long the list is. A running clock's overrun
    counts to the moment the export starts.
    """
    exported_at = timezone.now()
    hours: dict[int, WorkingTime] = {}

    def calendars(calendar) -> WorkingTime:
        if calendar.pk not in hours:
            hours[calendar.pk] = working_time(calendar)
        return hours[calendar.pk]

    for ticket in for_export(queryset).iterator(chunk_size=CHUNK_SIZE):
        ticket.exported_at, ticket.calendars = exported_at, calendars
        yield [column.value(ticket) for column in COLUMNS]


def ensure_exportable(queryset: QuerySet[Ticket]) -> None:
    """TicketError "too_many_rows" when the list is longer than one export may be."""
    if queryset.order_by().values("pk")[: MAX_ROWS + 1].count() > MAX_ROWS:
        raise TicketError("too_many_rows", TOO_MANY_ROWS, limit=f"{MAX_ROWS:,}")


def neutralised(text: str) -> str:
    """`text`, kept from being read as a formula by a spreadsheet."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def filename(stem: str, extension: str) -> str:
    """e.g. queue-20260915-1000.xlsx, stamped with the Beijing time of the export."""
    return f"{stem}-{timezone.now().astimezone(EXPORT_TZ):%Y%m%d-%H%M}.{extension}"


# --- CSV -----------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() returns the line csv.writer wrote."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, int):
        return str(value)
    return neutralised(value)


def _csv_chunks(header: list[str], lines: Iterable[list[Value]], language: str) -> Iterator[bytes]:
    writer = csv.writer(_Echo())
    # The byte-order mark is how Excel knows the file is UTF-8 and not the local GBK.
    yield ("\ufeff" + writer.writerow(header)).encode("utf-8")
    # Streamed after the view returned: state and kind names in the requester's language.
    with translation.override(language):
        batch: list[str] = []
        for line in lines:
            batch.append(writer.writerow([_csv_cell(value) for value in line]))
            if len(batch) >= CSV_LINES_PER_CHUNK:
                yield "".join(batch).encode("utf-8")
                batch = []
        if batch:
            yield "".join(batch).encode("utf-8")


def csv_response(queryset: QuerySet[Ticket], filename: str) -> StreamingHttpResponse:
    """The tickets as a streamed CSV download; TicketError "too_many_rows" past MAX_ROWS."""
    ensure_exportable(queryset)
    response = StreamingHttpResponse(
        _csv_chunks(headers(), rows(queryset), translation.get_language()),
        content_type=CSV_CONTENT_TYPE,
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- XLSX ----------------------------------------------------------------------------------


def _xlsx_cell(sheet, value: Value):
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_TIME_FORMAT
        return cell
    if value is None or isinstance(value, int):
        return value
    # XML cannot hold most control characters; openpyxl refuses the whole file for one.
    return neutralised(ILLEGAL_CHARACTERS_RE.sub("", value))


def _header_cell(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    return cell


def xlsx_response(queryset: QuerySet[Ticket], filename: str) -> FileResponse:
    """The tickets as an .xlsx download (bold, frozen header with a filter on each column;
    times as Excel dates); TicketError "too_many_rows" past MAX_ROWS."""
    ensure_exportable(queryset)
    # Write-only: rows go to disk as they come instead of building the sheet in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Tickets")))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append([_header_cell(sheet, text) for text in headers()])
    last_row = 1
    for line in rows(queryset):
        sheet.append([_xlsx_cell(sheet, value) for value in line])
        last_row += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{last_row}"
    content = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(content)
    content.seek(0)
    response = FileResponse(
        content, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


FORMATS: dict[str, Callable[[QuerySet[Ticket], str], StreamingHttpResponse | FileResponse]] = {
    "csv": csv_response,
    "xlsx": xlsx_response,
}


def export_response(queryset: QuerySet[Ticket], *, fmt: str, stem: str):
    """The download of `queryset` in `fmt` ("csv" or "xlsx"), named after `stem` and now."""
    return FORMATS[fmt](queryset, filename(stem, fmt))
