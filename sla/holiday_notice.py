"""Importing the State Council's notice (国务院办公厅关于 YYYY 年部分节假日安排的通知).

Each November a platform administrator pastes the notice's text; OpsDesk reads its holiday
items ("二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
2月14日（周六）、2月28日（周六）上班。"), shows the year beside the statutory days, and on
confirmation replaces the year's holidays and make-up working days with the notice's, marks
the year published, and recomputes the open deadlines it moves.

The reading is strict on purpose: a sentence of a holiday item that is not understood, a
weekday in brackets that is not the date's weekday, a day count that does not match its range
or a make-up working day that is not a Saturday or Sunday refuses the whole text, naming the
sentence, so a mistyped notice never moves a year of deadlines.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.record import record
from sla.changes import calendars_changed
from sla.models import HolidayDate, HolidayKind, HolidayNotice, HolidaySource, HolidayYear
from sla.policy import may_import_holiday_notice
from sla.statutory import (
    DRAGON_BOAT_FESTIVAL,
    LABOUR_DAY,
    MID_AUTUMN_FESTIVAL,
    NATIONAL_DAY,
    NEW_YEARS_DAY,
    SPRING_FESTIVAL,
    TOMB_SWEEPING_DAY,
    holiday_label,
    statutory_days,
)
from tickets.errors import TicketError

# The holidays as the notice names them -> the holiday table's names.
NOTICE_NAMES = {
    "元旦": NEW_YEARS_DAY,
    "春节": SPRING_FESTIVAL,
    "清明节": TOMB_SWEEPING_DAY,
    "清明": TOMB_SWEEPING_DAY,
    "劳动节": LABOUR_DAY,
    "端午节": DRAGON_BOAT_FESTIVAL,
    "端午": DRAGON_BOAT_FESTIVAL,
    "中秋节": MID_AUTUMN_FESTIVAL,
    "中秋": MID_AUTUMN_FESTIVAL,
    "国庆节": NATIONAL_DAY,
    "国庆": NATIONAL_DAY,
}
WEEKDAYS = "一二三四五六日"

_NAME = "|".join(sorted(NOTICE_NAMES, key=len, reverse=True))
# "二、国庆节、中秋节：" opens a holiday item; the numbering may be missing or in digits.
_ITEM = re.compile(
    rf"^(?:[一二三四五六七八九十]+[、.]|\d+[、.])?((?:{_NAME})(?:[、和与及](?:{_NAME}))*):(.*)$"
)


def _date(prefix: str) -> str:
    """One date as the notice writes it, "2022年12月31日（周六）"; year and month may be left
    out where the sentence implies them ("至23日")."""
    return (
        rf"(?:(?P<{prefix}y>\d{{4}})年)?(?:(?P<{prefix}m>\d{{1,2}})月)?(?P<{prefix}d>\d{{1,2}})日"
        rf"(?:\((?P<{prefix}note>[^)]*)\))?"
    )


_BREAK = re.compile(
    rf"^{_date('a')}(?:至{_date('b')})?放假(?:(?P<days>\d+)天)?(?:调休|公休)?"
    r"(?P<rest>(?:,(?:共\d+天|与周末连休|不调休))*)$"
)
_WORKDAY = re.compile(_date("w"))
_WORKDAYS = re.compile(rf"{_date('x')}(?:[、,和及]{_date('z')})*上班")
_DATE_MENTION = re.compile(r"\d{1,2}月\d{1,2}日")
_YEAR = re.compile(r"关于(\d{4})年部分节假日安排|现将(\d{4})年")


class NoticeNotUnderstood(TicketError):
    """The pasted text is not a notice OpsDesk can read in full; nothing is saved."""

    def __init__(self, message, sentence: str = "", **params) -> None:
        super().__init__("notice_not_understood", message, **params)
        self.sentence = sentence

    def __str__(self) -> str:
        if not self.sentence:
            where = str(_("Nothing was saved."))
        else:
            where = _("Stopped at the sentence “%(sentence)s”. Nothing was saved.") % {
                "sentence": self.sentence
            }
        return super().__str__() + " " + where


@dataclass(frozen=True)
class ParsedNotice:
    year: int
    holidays: dict[dt.date, str]  # date -> the holiday table's name
    makeup_workdays: dict[dt.date, str]

    @property
    def title(self) -> str:
        return f"国务院办公厅关于{self.year}年部分节假日安排的通知"

    def kinds(self) -> dict[dt.date, tuple[str, str]]:
        """Every date the notice names: date -> (HolidayKind, name)."""
        rows = {day: (HolidayKind.HOLIDAY, name) for day, name in self.holidays.items()}
        rows.update(
            {day: (HolidayKind.MAKEUP_WORKDAY, name) for day, name in self.makeup_workdays.items()}
        )
        return dict(sorted(rows.items()))

    def statutory_days_worked(self) -> list[dt.date]:
        """Statutory holidays the notice does not give off: never seen in a real notice, so
        the preview points at them."""
        return [day for day in statutory_days(self.year) if day not in self.holidays]


def _normal(text: str) -> str:
    """Full-width digits and punctuation as ASCII, no spaces, 星期X as 周X."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text).replace("星期", "周")


def _sentences(text: str) -> list[str]:
    """The text cut at full stops and line ends, as pasted (for the error message)."""
    pieces = re.split(r"(?<=。)|\n", text)
    return [piece.strip() for piece in pieces if piece.strip()]


def parse_notice(text: str) -> ParsedNotice:
    """Read the notice's holiday items; raise NoticeNotUnderstood naming the sentence."""
    normal_text = _normal(text)
    found = _YEAR.search(normal_text)
    if found is None:
        raise NoticeNotUnderstood(
            _(
                "The notice's year was not found. Paste the whole notice, from its title "
                "国务院办公厅关于YYYY年部分节假日安排的通知 on."
            )
        )
    year = int(found.group(1) or found.group(2))
    holidays: dict[dt.date, str] = {}
    workdays: dict[dt.date, str] = {}
    item: list[str] | None = None  # the holiday names of the item being read
    for sentence in _sentences(text):
        normal = _normal(sentence).rstrip("。")
        header = _ITEM.match(normal)
        if header:
            item = re.split(r"[、和与及]", header.group(1))
            _read_break(header.group(2), item, year, sentence, holidays)
        elif item is not None and normal.endswith("上班"):
            _read_workdays(normal, item, year, sentence, holidays, workdays)
        elif "鼓励" in normal:  # advice to employers (2024: rest on the eve), not the schedule
            continue
        elif _DATE_MENTION.search(normal) and (
            item is not None or "放假" in normal or "上班" in normal
        ):
            # A dated sentence inside an item, or one about days off or worked anywhere:
            # skipping it could drop a holiday.
            raise NoticeNotUnderstood(_("This sentence was not understood."), sentence)
        else:
            item = None  # prose (the closing paragraph, the signature) ends the items
    if not holidays:
        raise NoticeNotUnderstood(
            _("No holiday was found in the text; is it the State Council's notice?")
        )
    return ParsedNotice(
        year=year,
        holidays=dict(sorted(holidays.items())),
        makeup_workdays=dict(sorted(workdays.items())),
    )


def _day(match: re.Match, prefix: str, year: int, month: int | None, sentence: str) -> dt.date:
    y = int(match.group(f"{prefix}y") or year)
    m = match.group(f"{prefix}m")
    if m is None and month is None:
        raise NoticeNotUnderstood(_("A date has no month."), sentence)
    try:
        day = dt.date(y, int(m or month), int(match.group(f"{prefix}d")))
    except ValueError:
        raise NoticeNotUnderstood(_("A date in this sentence does not exist."), sentence) from None
    weekday = re.search(rf"周([{WEEKDAYS}天])", match.group(f"{prefix}note") or "")
    if weekday and WEEKDAYS.index(weekday.group(1).replace("天", "日")) != day.weekday():
        raise NoticeNotUnderstood(
            _("%(date)s is a %(weekday)s, not 周%(written)s as written."),
            sentence,
            date=day.isoformat(),
            weekday="周" + WEEKDAYS[day.weekday()],
            written=weekday.group(1),
        )
    return day


def _read_break(
    body: str, item: list[str], year: int, sentence: str, holidays: dict[dt.date, str]
) -> None:
    match = _BREAK.match(body)
    if match is None:
        raise NoticeNotUnderstood(_("This sentence was not understood."), sentence)
    first = _day(match, "a", year, None, sentence)
    last = first
    if match.group("bd"):
        # "至23日": the end takes the start's year and month unless it gives its own.
        last = _day(match, "b", int(match.group("by") or first.year), first.month, sentence)
    if last < first:
        raise NoticeNotUnderstood(_("The break ends before it starts."), sentence)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    stated = [int(n) for n in re.findall(r"共(\d+)天", match.group("rest"))]
    if match.group("days"):
        stated.append(int(match.group("days")))
    for count in stated:
        if count != len(days):
            raise NoticeNotUnderstood(
                _("The sentence says %(stated)s days, but its dates span %(counted)s."),
                sentence,
                stated=count,
                counted=len(days),
            )
    names = [NOTICE_NAMES[name] for name in item]
    main = _main_name(names, days)
    for day in days:
        if day in holidays:
            raise NoticeNotUnderstood(_("A date is given off twice."), sentence)
        own = statutory_days(day.year).get(day)
        holidays[day] = own if own in names else main


def _main_name(names: list[str], days: list[dt.date]) -> str:
    """The name for days of a joint break that are no statutory day of their own: the
    holiday with the most statutory days in it ("国庆节、中秋节" is National Day's break)."""

    def weight(name: str) -> int:
        return sum(statutory_days(day.year).get(day) == name for day in days)

    return max(names, key=weight)  # max keeps the first listed on a tie


def _read_workdays(
    normal: str,
    item: list[str],
    year: int,
    sentence: str,
    holidays: dict[dt.date, str],
    workdays: dict[dt.date, str],
) -> None:
    if not _WORKDAYS.fullmatch(normal):
        raise NoticeNotUnderstood(_("This sentence was not understood."), sentence)
    names = [NOTICE_NAMES[name] for name in item]
    item_days = [day for day, name in holidays.items() if name in names]
    main = _main_name(names, item_days)
    month = None
    for match in _WORKDAY.finditer(normal):
        day = _day(match, "w", year, month, sentence)
        month = day.month
        if day.weekday() < 5:
            raise NoticeNotUnderstood(
                _("A make-up working day falls on a Saturday or Sunday; %(date)s is a weekday."),
                sentence,
                date=day.isoformat(),
            )
        if day in holidays or day in workdays:
            raise NoticeNotUnderstood(_("A date is given twice."), sentence)
        workdays[day] = main


# The preview: the year as a calendar of months, beside the statutory days.


@dataclass(frozen=True)
class DayCell:
    date: dt.date
    kind: str  # "holiday", "makeup", "weekend", "workday"
    label: str = ""
    statutory: bool = False


@dataclass(frozen=True)
class Month:
    first: dt.date
    weeks: list[list[DayCell | None]]


@dataclass(frozen=True)
class StatutoryRow:
    date: dt.date
    label: str
    off: bool  # the notice gives it off


@dataclass
class NoticePreview:
    notice: ParsedNotice
    months: list[Month]
    statutory: list[StatutoryRow]
    statutory_worked: list[dt.date]
    dates: list[DayCell]  # every date the notice names, in order
    outside_year: list[DayCell]
    removed: list[HolidayDate] = field(default_factory=list)
    changed: list[tuple[HolidayDate, str]] = field(default_factory=list)
    already_published: HolidayYear | None = None


def preview_notice(notice: ParsedNotice) -> NoticePreview:
    """What confirming would do: the year's calendar, and what it changes in the table."""
    statutory = statutory_days(notice.year)
    cells = notice.kinds()
    weeks_of = calendar.Calendar(firstweekday=0)
    months = []
    for number in range(1, 13):
        weeks = []
        for week in weeks_of.monthdatescalendar(notice.year, number):
            weeks.append(
                [_cell(day, cells, statutory) if day.month == number else None for day in week]
            )
        months.append(Month(first=dt.date(notice.year, number, 1), weeks=weeks))
    dates = [_cell(day, cells, statutory) for day in cells]
    existing = {row.date: row for row in _rows_replaced(notice)}
    return NoticePreview(
        notice=notice,
        months=months,
        statutory=[
            StatutoryRow(date=day, label=holiday_label(name), off=day in notice.holidays)
            for day, name in statutory.items()
        ],
        statutory_worked=notice.statutory_days_worked(),
        dates=dates,
        outside_year=[cell for cell in dates if cell.date.year != notice.year],
        removed=[row for day, row in existing.items() if day not in cells],
        changed=[
            (row, cells[day][0])
            for day, row in existing.items()
            if day in cells and row.kind != cells[day][0]
        ],
        already_published=HolidayYear.objects.filter(year=notice.year).first(),
    )


def _cell(day: dt.date, cells: dict, statutory: dict) -> DayCell:
    kind, name = cells.get(day, ("", ""))
    if kind == HolidayKind.HOLIDAY:
        shown = "holiday"
    elif kind == HolidayKind.MAKEUP_WORKDAY:
        shown = "makeup"
    else:
        shown = "weekend" if day.weekday() >= 5 else "workday"
    return DayCell(date=day, kind=shown, label=holiday_label(name), statutory=day in statutory)


def _rows_replaced(notice: ParsedNotice):
    """The table's rows the import replaces: the whole year, and any other date it names."""
    others = [day for day in notice.kinds() if day.year != notice.year]
    return HolidayDate.objects.filter(date__year=notice.year) | HolidayDate.objects.filter(
        date__in=others
    )


@transaction.atomic
def import_notice(*, text: str, by) -> HolidayNotice:
    """Replace the year's holidays and make-up days with the notice's, mark the year
    published, record who imported which text, and recompute the deadlines it moves.

    The text is read again here (never what a preview page sent back): all or nothing."""
    if not may_import_holiday_notice(by):
        raise TicketError("forbidden", _("Only platform administrators import the notice."))
    notice = parse_notice(text)
    cells = notice.kinds()
    # Two imports of one year queue on the year's row (or on inserting it): the second
    # starts after the first committed and replaces its rows whole.
    year, _created = HolidayYear.objects.select_for_update().get_or_create(
        year=notice.year, defaults={"source": HolidaySource.NOTICE, "note": notice.title}
    )
    _rows_replaced(notice).exclude(date__in=list(cells)).delete()
    existing = {row.date: row for row in HolidayDate.objects.filter(date__in=list(cells))}
    for day, (kind, name) in cells.items():
        row = existing.get(day) or HolidayDate(date=day)
        row.kind, row.name, row.source = kind, name, HolidaySource.NOTICE
        row.save()
    year.source, year.note = HolidaySource.NOTICE, notice.title
    year.save(update_fields=["source", "note"])
    change = calendars_changed(
        calendars=None,
        by=by,
        description=str(_("State Council notice for %(year)s imported")) % {"year": notice.year},
        since=min(dt.date(notice.year, 1, 1), *cells),
    )
    imported = HolidayNotice.objects.create(
        year=notice.year,
        text=text,
        imported_by=by,
        holidays=len(notice.holidays),
        makeup_workdays=len(notice.makeup_workdays),
        change=change,
    )
    record(
        "sla.holiday_notice.imported",
        actor=by,
        obj=imported,
        data={
            "year": notice.year,
            "text": text,
            "holidays": [day.isoformat() for day in notice.holidays],
            "makeup_workdays": [day.isoformat() for day in notice.makeup_workdays],
        },
    )
    return imported
