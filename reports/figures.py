"""The figures of a contract's quarterly and annual reports, computed from the tickets.

Every function here is a plain read: it takes a contract, a period (reports.periods.Period)
and, where the answer depends on the moment it is asked, `now`; it returns a frozen
dataclass and changes nothing. The dashboard shows them and the PDF reports print them, so
both always agree. Each function runs a fixed number of queries, however many tickets the
period holds: counting, summing and grouping happen in the database; only the durations
behind a percentile are read row by row (two timestamps a ticket).

Times are counted in Asia/Shanghai: a period runs from midnight of its first day to
midnight after its last (Period.bounds()).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from contracts.models import Clock, ClockTarget, Contract, ServiceClass, TicketKind
from contracts.periods import add_months, service_year
from reports.formatting import duration_text
from reports.periods import SHANGHAI, Period
from sla.calendar import WorkingTime, overrun_minutes, working_time
from sla.models import ServiceCalendar
from sla.workdays import working_days, working_days_of
from tickets.availability import downtime_and_degraded, merged_spans
from tickets.models import (
    Channel,
    Event,
    Outage,
    ResolutionCause,
    Ticket,
    TicketClock,
    Worklog,
    WorkMode,
)
from tickets.quota import person_day_minutes, person_day_minutes_of, person_days_of

PERCENTILE = 90

HUNDREDTH = Decimal("0.01")
TENTH = Decimal("0.1")


def _round(value: Decimal | Fraction, step: Decimal = HUNDREDTH) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(step, rounding=ROUND_HALF_UP)


def as_at(period: Period, now: dt.datetime) -> dt.datetime:
    """The moment a report counts its period at: the period's end once it is over (so that
    a clock met or a ticket answered afterwards changes nothing), else `now`."""
    return min(now, period.bounds()[1])


def _tickets(contract: Contract, period: Period):
    start, end = period.bounds()
    return Ticket.objects.filter(contract=contract, created_at__gte=start, created_at__lt=end)


# --- tickets by kind, channel, level, system and month --------------------------------------------


@dataclass(frozen=True)
class CountRow:
    """One line of a breakdown: what was counted (`key`), how it reads, and how many."""

    key: str | int | None
    label: str
    count: int


def _kind_channel_counts(contract: Contract, period: Period) -> dict[tuple[str, str], int]:
    """Tickets created in the period per (kind, channel): one query for both breakdowns."""
    return {
        (kind, channel): n
        for kind, channel, n in _tickets(contract, period)
        .order_by()
        .values_list("kind", "channel")
        .annotate(n=Count("id"))
    }


def _totals(counts: dict[tuple[str, str], int], position: int) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for key, n in counts.items():
        totals[key[position]] += n
    return totals


def tickets_by_kind(
    contract: Contract, period: Period, counts: dict[tuple[str, str], int] | None = None
) -> tuple[CountRow, ...]:
    """Tickets created in the period, by kind (fault, service request, consultation,
    change). Only kinds with at least one ticket appear, in the order of TicketKind.
    `counts`: _kind_channel_counts(), when the caller has read them already."""
    totals = _totals(counts if counts is not None else _kind_channel_counts(contract, period), 0)
    return tuple(
        CountRow(key=kind, label=label, count=totals[kind])
        for kind, label in TicketKind.choices
        if totals.get(kind)
    )


def tickets_by_channel(
    contract: Contract, period: Period, counts: dict[tuple[str, str], int] | None = None
) -> tuple[CountRow, ...]:
    """Tickets created in the period, by how the hospital reported them (portal, API, phone,
    WeCom, e-mail, ...): how much of the work reaches OpsDesk through the vendor's desk.
    Only channels with at least one ticket appear, in the order of Channel."""
    totals = _totals(counts if counts is not None else _kind_channel_counts(contract, period), 1)
    return tuple(
        CountRow(key=channel, label=label, count=totals[channel])
        for channel, label in Channel.choices
        if totals.get(channel)
    )


def tickets_by_level(contract: Contract, period: Period) -> tuple[CountRow, ...]:
    """Tickets created in the period, by the row of the SLA table they are filed under now
    (fault levels and service-request categories; after a level change, the new level).
    Every row of the contract's table appears, with 0 where nothing was filed, in the
    table's order. The key is the row's fault level, or its code for a row without one."""
    # Counted over the period's tickets (index tickets_contract_reported), not by joining
    # every ticket the contract ever had to its table.
    counts = dict(
        _tickets(contract, period).order_by().values_list("service_class").annotate(n=Count("id"))
    )
    rows = ServiceClass.objects.filter(contract=contract).order_by("position", "level", "code")
    return tuple(
        CountRow(
            key=row.level if row.level is not None else row.code,
            label=row.name,
            count=counts.get(row.pk, 0),
        )
        for row in rows
    )


def tickets_by_system(contract: Contract, period: Period) -> tuple[CountRow, ...]:
    """Tickets created in the period, by the system, subsystem or module they were filed
    against (labelled with its path in the hospital's tree), most tickets first."""
    rows = (
        _tickets(contract, period)
        .order_by()
        .values(
            "system_id",
            "system__name",
            "system__parent__name",
            "system__parent__parent__name",
        )
        .annotate(n=Count("id"))
    )
    result = [
        CountRow(
            key=row["system_id"],
            label=" / ".join(
                name
                for name in (
                    row["system__parent__parent__name"],
                    row["system__parent__name"],
                    row["system__name"],
                )
                if name
            ),
            count=row["n"],
        )
        for row in rows
    ]
    return tuple(sorted(result, key=lambda row: (-row.count, row.label)))


OTHER_KINDS_LABEL = _("Other kinds")


@dataclass(frozen=True)
class MonthRow:
    month: dt.date  # the first day of the month
    counts: tuple[int, ...]  # aligned with MonthlyTickets.levels

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class MonthlyTickets:
    """Tickets per month, split by fault level: `levels` is the order of the split (1 first,
    None last for every ticket without a level), `labels` how each part reads."""

    levels: tuple[int | None, ...]
    labels: tuple[str, ...]
    months: tuple[MonthRow, ...]

    @property
    def total(self) -> int:
        return sum(month.total for month in self.months)


def _month_start(month: dt.date | dt.datetime) -> dt.date:
    """The first day of a TruncMonth value (a date, or a datetime on some databases)."""
    if isinstance(month, dt.datetime):
        month = month.astimezone(SHANGHAI).date() if month.tzinfo else month.date()
    return month.replace(day=1)


def tickets_by_month(contract: Contract, period: Period) -> MonthlyTickets:
    """Tickets created in the period, per calendar month (Shanghai time) and fault level.
    Every month the period touches appears, with zeros where nothing was filed. Tickets
    without a level (service requests, consultations, changes) form one part, "other kinds".
    The split has only the levels that occur."""
    rows = (
        _tickets(contract, period)
        .order_by()
        .annotate(month=TruncMonth("created_at", tzinfo=SHANGHAI))
        .values("month", "service_class__level")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[dt.date, int | None], int] = defaultdict(int)
    for row in rows:
        counts[(_month_start(row["month"]), row["service_class__level"])] += row["n"]
    present = {level for _month, level in counts}
    levels = tuple(sorted(level for level in present if level is not None)) + (
        (None,) if None in present else ()
    )
    names = dict(
        contract.service_classes.filter(kind=TicketKind.FAULT).values_list("level", "name")
    )
    labels = tuple(
        OTHER_KINDS_LABEL
        if level is None
        else names.get(level, str(_("Level %(level)s") % {"level": level}))
        for level in levels
    )
    months = tuple(
        MonthRow(month=month, counts=tuple(counts.get((month, level), 0) for level in levels))
        for month in period.months()
    )
    return MonthlyTickets(levels=levels, labels=labels, months=months)


# --- SLA compliance ----------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Clocks counted for compliance: met on time, breached, and still running before their
    deadline (pending: neither kept nor broken yet, so left out of the percentage)."""

    on_time: int = 0
    breached: int = 0
    pending: int = 0

    @property
    def counted(self) -> int:
        """The clocks that fell due: kept or broken."""
        return self.on_time + self.breached

    @property
    def percent(self) -> Decimal | None:
        """On time as a share of the clocks that fell due, to 0.1 %; None if none did."""
        if not self.counted:
            return None
        return _round(Fraction(100 * self.on_time, self.counted), TENTH)

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.on_time + other.on_time,
            self.breached + other.breached,
            self.pending + other.pending,
        )


@dataclass(frozen=True)
class ClockCompliance:
    clock: str  # respond, arrive, resolve
    label: str
    tally: Tally


@dataclass(frozen=True)
class LevelCompliance:
    """The compliance of one row of the SLA table (a fault level or a category)."""

    level: int | None
    label: str
    tally: Tally
    by_clock: tuple[ClockCompliance, ...]


@dataclass(frozen=True)
class SlaCompliance:
    overall: Tally
    by_clock: tuple[ClockCompliance, ...]
    by_level: tuple[LevelCompliance, ...]

    def for_clock(self, clock: str) -> ClockCompliance | None:
        return next((row for row in self.by_clock if row.clock == clock), None)


def _in_scope(contract: Contract, period: Period) -> Q:
    return Q(contract=contract) & _counted_in(period)


def _counted_in(period: Period) -> Q:
    """The clocks sla_compliance() counts in the period, of whichever contract."""
    start, end = period.bounds()
    return Q(is_active=True) & (
        Q(due_at__gte=start, due_at__lt=end) | Q(met_at__gte=start, met_at__lt=end)
    )


def _breached(now: dt.datetime) -> Q:
    return (
        Q(breached_at__isnull=False)
        | Q(met_at__gt=F("due_at"))
        | Q(met_at__isnull=True, due_at__lte=now)
    )


_ON_TIME = Q(breached_at__isnull=True, met_at__isnull=False) & (
    Q(due_at__isnull=True) | Q(met_at__lte=F("due_at"))
)


def _tally_counts(now: dt.datetime) -> dict:
    """The aggregates a Tally is made of (_tally()), for any grouping of clocks."""
    return {
        "total": Count("id"),
        "on_time": Count("id", filter=_ON_TIME),
        "breached": Count("id", filter=_breached(now)),
    }


def _tally(row: dict) -> Tally:
    return Tally(
        on_time=row["on_time"],
        breached=row["breached"],
        pending=row["total"] - row["on_time"] - row["breached"],
    )


def sla_compliance(contract: Contract, period: Period, now: dt.datetime) -> SlaCompliance:
    """SLA compliance per clock (respond, arrive, resolve) and per row of the SLA table.

    The clocks counted are the active clocks (a clock a level change removed does not
    count) of the contract's tickets that were due in the period or met in the period
    (a clock due in one period and met late in the next counts in both).

    - On time: met at or before its deadline (met_at <= due_at). The deadline already
      includes every extension and hold the hospital agreed to, so an extended clock met
      within its extension is on time.
    - Breached: a breach was recorded (breached_at), or it was met after its deadline, or it
      is still running and its deadline has passed by `now` (the breach sweep may not have
      recorded it yet).
    - Pending: still running with its deadline after `now`; it is neither, and left out.

    Compliance is on time / (on time + breached) × 100, to 0.1 %; None when no clock fell
    due (nothing to judge). The clocks listed are those the contract's SLA table sets, plus
    any other that has a clock in scope, in the order respond, arrive, resolve. The level
    of a ticket is the row it is filed under now.
    """
    rows = (
        TicketClock.objects.filter(_in_scope(contract, period))
        .order_by()
        .values(
            "name",
            "ticket__service_class_id",
            "ticket__service_class__name",
            "ticket__service_class__level",
            "ticket__service_class__position",
            "ticket__service_class__code",
        )
        .annotate(**_tally_counts(now))
    )
    set_by_table = set(
        ClockTarget.objects.filter(service_class__contract=contract)
        .order_by()
        .values_list("clock", flat=True)
        .distinct()
    )
    per_clock: dict[str, Tally] = defaultdict(Tally)
    per_level: dict[int, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    level_info: dict[int, tuple] = {}
    for row in rows:
        tally = _tally(row)
        per_clock[row["name"]] += tally
        key = row["ticket__service_class_id"]
        per_level[key][row["name"]] += tally
        level_info[key] = (
            row["ticket__service_class__position"],
            row["ticket__service_class__level"],
            row["ticket__service_class__code"],
            row["ticket__service_class__name"],
        )
    clocks = [name for name in Clock.values if name in set_by_table or name in per_clock]
    labels = dict(Clock.choices)

    def clock_rows(tallies: dict[str, Tally], names: Iterable[str]) -> tuple[ClockCompliance, ...]:
        return tuple(
            ClockCompliance(clock=name, label=labels[name], tally=tallies.get(name, Tally()))
            for name in names
        )

    by_level = []
    for key in sorted(
        level_info, key=lambda k: (level_info[k][0], level_info[k][1] or 0, level_info[k][2])
    ):
        tallies = per_level[key]
        _position, level, _code, name = level_info[key]
        by_level.append(
            LevelCompliance(
                level=level,
                label=name,
                tally=sum(tallies.values(), Tally()),
                by_clock=clock_rows(tallies, [c for c in Clock.values if c in tallies]),
            )
        )
    return SlaCompliance(
        overall=sum(per_clock.values(), Tally()),
        by_clock=clock_rows(per_clock, clocks),
        by_level=tuple(by_level),
    )


def _by_period(periods: dict[Contract, Period]) -> dict[Period, list[int]]:
    """Contract ids grouped by their period: contracts sharing a quarter share a clause."""
    grouped: dict[Period, list[int]] = defaultdict(list)
    for contract, period in periods.items():
        grouped[period].append(contract.pk)
    return grouped


def overall_compliance_by_contract(
    periods: dict[Contract, Period], now: dt.datetime
) -> dict[int, Tally]:
    """sla_compliance(contract, period, now).overall of many contracts, each in its own
    period, by contract id: the same clocks counted by the same rule, in one query however
    many contracts."""
    if not periods:
        return {}
    scope = Q()
    for period, contract_ids in _by_period(periods).items():
        scope |= Q(contract_id__in=contract_ids) & _counted_in(period)
    rows = (
        TicketClock.objects.filter(scope)
        .order_by()
        .values("contract_id")
        .annotate(**_tally_counts(now))
    )
    tallies = {row["contract_id"]: _tally(row) for row in rows}
    return {contract.pk: tallies.get(contract.pk, Tally()) for contract in periods}


# --- breaches ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Breach:
    """One clock that missed its deadline. `met_at` None: still running, late until now.
    `minutes_late` is counted in the clock's own calendar (see minutes_late())."""

    ticket_id: int
    ticket_number: str
    ticket_title: str
    level: int | None
    level_label: str
    clock: str
    clock_label: str
    due_at: dt.datetime
    met_at: dt.datetime | None
    minutes_late: int
    system: str = ""
    reason: str = ""  # why it was missed, as the vendor gave it (TicketClock.breach_reason)

    @property
    def still_open(self) -> bool:
        return self.met_at is None

    @property
    def hours_late(self) -> Decimal:
        return _round(Decimal(self.minutes_late) / 60, TENTH)


def minutes_late(
    hours: WorkingTime, due_at: dt.datetime, met_at: dt.datetime | None, now: dt.datetime
) -> int:
    """Working minutes of the clock's calendar (`hours`) from the deadline to when the clock
    was met, or to `now` while it runs (sla.calendar.overrun_minutes): a clock due at 17:30
    in working hours and met at 22:32 is 0 minutes late, though it is breached."""
    return overrun_minutes(hours, due_at, met_at or now)


def _calendars(calendar_ids) -> dict[int, WorkingTime]:
    """The working-time arithmetic of each calendar named, one query for them all."""
    return {
        pk: working_time(calendar)
        for pk, calendar in ServiceCalendar.objects.in_bulk(set(calendar_ids)).items()
    }


def _breach_rows(queryset, now: dt.datetime, first: int | None = None) -> tuple[Breach, ...]:
    labels = dict(Clock.choices)
    rows = queryset.order_by("due_at", "ticket__number", "id").values(
        "calendar_id",
        "ticket_id",
        "ticket__number",
        "ticket__title",
        "ticket__service_class__level",
        "ticket__service_class__name",
        "ticket__system__name",
        "name",
        "due_at",
        "met_at",
        "breach_reason",
    )
    rows = list(rows if first is None else rows[:first])
    for row in rows:  # as at `now`: a clock met only afterwards was still running then
        if row["met_at"] is not None and row["met_at"] > now:
            row["met_at"] = None
    hours = _calendars(row["calendar_id"] for row in rows)
    return tuple(
        Breach(
            ticket_id=row["ticket_id"],
            ticket_number=row["ticket__number"],
            ticket_title=row["ticket__title"],
            level=row["ticket__service_class__level"],
            level_label=row["ticket__service_class__name"],
            clock=row["name"],
            clock_label=labels.get(row["name"], row["name"]),
            due_at=row["due_at"],
            met_at=row["met_at"],
            minutes_late=minutes_late(hours[row["calendar_id"]], row["due_at"], row["met_at"], now),
            system=row["ticket__system__name"],
            reason=row["breach_reason"],
        )
        for row in rows
    )


def breaches(contract: Contract, period: Period, now: dt.datetime) -> tuple[Breach, ...]:
    """Every breached clock of sla_compliance()'s count for the period (same scope and
    same rule: recorded breach, met late, or running past its deadline at `now`), earliest
    deadline first. How late: see minutes_late()."""
    return _breach_rows(
        TicketClock.objects.filter(_in_scope(contract, period))
        .filter(_breached(now))
        .filter(due_at__isnull=False),
        now,
    )


@dataclass(frozen=True)
class BreachSummary:
    """The breaches of a period counted three ways, for the body of a report (the full list
    goes to its appendix). Keys: the month's first day, the fault level, the system name."""

    total: int
    by_month: tuple[CountRow, ...]
    by_level: tuple[CountRow, ...]
    by_system: tuple[CountRow, ...]
    explained: tuple[Breach, ...] = ()  # the breaches the vendor gave a reason for


def breach_summary(rows: tuple[Breach, ...]) -> BreachSummary:
    """Breached clocks by the month they fell due (Shanghai), by the row of the SLA table
    (in level order, rows without a level last) and by system (most first, then by name)."""
    months: dict[dt.date, int] = defaultdict(int)
    levels: dict[tuple, int] = defaultdict(int)
    systems: dict[str, int] = defaultdict(int)
    for breach in rows:
        months[breach.due_at.astimezone(SHANGHAI).date().replace(day=1)] += 1
        levels[(breach.level is None, breach.level or 0, breach.level_label)] += 1
        systems[breach.system] += 1
    return BreachSummary(
        total=len(rows),
        by_month=tuple(
            CountRow(key=month.isoformat(), label=f"{month:%Y-%m}", count=n)
            for month, n in sorted(months.items())
        ),
        by_level=tuple(
            CountRow(key=level if not no_level else label, label=label, count=n)
            for (no_level, level, label), n in sorted(levels.items())
        ),
        by_system=tuple(
            CountRow(key=name, label=name, count=n)
            for name, n in sorted(systems.items(), key=lambda item: (-item[1], item[0]))
        ),
        explained=tuple(breach for breach in rows if breach.reason),
    )


@dataclass(frozen=True)
class OpenBreaches:
    """The clocks of a contract running now past their deadline: how many, and the earliest
    of them (all of them when `total` is no more than `first`)."""

    total: int
    first: tuple[Breach, ...]

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def more(self) -> bool:
        return self.total > len(self.first)


def open_breaches(
    contract: Contract, now: dt.datetime, first: int | None = None
) -> tuple[Breach, ...]:
    """Clocks of the contract running now past their deadline (active, not met,
    due_at <= now), whatever the period: what needs attention today. Earliest first; the
    `first` earliest only, when given."""
    return _breach_rows(TicketClock.objects.filter(_late_now(now), contract=contract), now, first)


def open_breaches_now(contract: Contract, now: dt.datetime, first: int) -> OpenBreaches:
    """What the dashboard shows of open_breaches(): the `first` earliest and how many there
    are, without reading (and timing in working hours) the thousands a busy contract may
    have. Two queries at most."""
    rows = open_breaches(contract, now, first)
    if len(rows) < first:
        return OpenBreaches(total=len(rows), first=rows)
    return OpenBreaches(
        total=open_breaches_by_contract([contract.pk], now)[contract.pk], first=rows
    )


def _late_now(now: dt.datetime) -> Q:
    """Running past its deadline at `now`: what open_breaches() lists."""
    return Q(is_active=True, met_at__isnull=True, due_at__lte=now)


def open_breaches_by_contract(contract_ids: Iterable[int], now: dt.datetime) -> dict[int, int]:
    """len(open_breaches(contract, now)) of many contracts: one query however many."""
    wanted = list(contract_ids)
    counts = dict(
        TicketClock.objects.filter(_late_now(now), contract_id__in=wanted)
        .order_by()
        .values_list("contract_id")
        # COUNT(*), not COUNT(id): the running clocks' index answers it alone (an
        # index-only scan); the id is not in it and would send the count to every row.
        .annotate(n=Count("*"))
    )
    return {contract_id: counts.get(contract_id, 0) for contract_id in wanted}


# --- response and resolution times ------------------------------------------------------


@dataclass(frozen=True)
class DurationStats:
    """Durations in minutes (to 0.1): how many, their mean, their 90th percentile."""

    count: int
    mean_minutes: Decimal | None
    p90_minutes: Decimal | None

    @property
    def mean_hours(self) -> Decimal | None:
        return None if self.mean_minutes is None else _round(self.mean_minutes / 60, TENTH)

    @property
    def p90_hours(self) -> Decimal | None:
        return None if self.p90_minutes is None else _round(self.p90_minutes / 60, TENTH)


@dataclass(frozen=True)
class Timings:
    response: DurationStats
    resolution: DurationStats


def nearest_rank(values: list, percent: int = PERCENTILE):
    """The nearest-rank percentile: sort the n values ascending and take the one at rank
    ceil(percent / 100 × n) (ranks start at 1). It is always one of the values; with ten
    values the 90th percentile is the 9th smallest, with five it is the largest."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(Fraction(percent, 100) * len(ordered)))
    return ordered[rank - 1]


MICROSECOND = dt.timedelta(microseconds=1)
MICROSECONDS_A_MINUTE = 60_000_000


def duration_stats(microseconds: list[int]) -> DurationStats:
    """Durations given in whole microseconds (as datetimes measure them), summed exactly as
    integers: a quarter of 60 000 tickets is summed in a millisecond, not in Fractions."""
    if not microseconds:
        return DurationStats(count=0, mean_minutes=None, p90_minutes=None)
    return DurationStats(
        count=len(microseconds),
        mean_minutes=_round(
            Fraction(sum(microseconds), len(microseconds) * MICROSECONDS_A_MINUTE), TENTH
        ),
        p90_minutes=_round(Fraction(nearest_rank(microseconds), MICROSECONDS_A_MINUTE), TENTH),
    )


def timings(contract: Contract, period: Period, now: dt.datetime | None = None) -> Timings:
    """Response and resolution times of the tickets created in the period, in minutes of
    wall-clock time (not service hours, holds included):

    - response: acknowledged_at − created_at, for the tickets acknowledged by `now`;
    - resolution: resolved_at − created_at, for the tickets resolved by `now` (a reopened
      ticket counts once it is resolved again). `now` None: whenever it happened.

    Each gives a count, the mean and the 90th percentile by the nearest-rank method (see
    nearest_rank()), to 0.1 minute.
    """
    rows = _tickets(contract, period).values_list("created_at", "acknowledged_at", "resolved_at")
    response, resolution = [], []
    for created, acknowledged, resolved in rows:
        if acknowledged is not None and (now is None or acknowledged <= now):
            response.append((acknowledged - created) // MICROSECOND)
        if resolved is not None and (now is None or resolved <= now):
            resolution.append((resolved - created) // MICROSECOND)
    return Timings(response=duration_stats(response), resolution=duration_stats(resolution))


# --- yearly targets pro-rated to the period ----------------------------------------------


def prorated(yearly, contract: Contract, period: Period) -> Decimal | None:
    """A yearly figure of the contract (an allowance, a minimum, a quota) pro-rated to the
    period by days: each day of the period that falls within the contract's term is worth
    its share of the contract's service year holding it (1/365, or 1/366 for a service year
    with a 29 February; contracts.periods). A whole service year gets all of it, a quarter
    of 92 days fully in force 92/365; days outside the term get nothing. To 0.01.
    None when the contract sets no such figure."""
    if yearly is None:
        return None
    share = Fraction(0)
    covered = period.overlap(contract.starts_on, contract.ends_on)  # within the term
    day = covered.start if covered is not None else period.end
    while covered is not None and day < covered.end:
        # The covered days of one service year at a time, counted by subtraction rather
        # than listed (the overview of a vendor's contracts asks this of hundreds).
        year = service_year(contract, day).period
        until = min(year.end, covered.end)
        share += Fraction((until - day).days, year.days)
        day = until
    return _round(Fraction(Decimal(yearly)) * share)


@dataclass(frozen=True)
class DowntimeFigure:
    """Level-1 downtime in the period against the availability target pro-rated to it."""

    downtime_hours: Decimal
    allowed_hours: Decimal | None  # pro-rated to the period
    yearly_allowed_hours: Decimal | None
    # Partial outages (degraded service, not down): shown beside the downtime, not in it.
    degraded_hours: Decimal = Decimal("0.00")

    @property
    def within_target(self) -> bool | None:
        return None if self.allowed_hours is None else self.downtime_hours <= self.allowed_hours

    @property
    def percent_of_allowance(self) -> Decimal | None:
        if not self.allowed_hours:
            return None
        return _round(Fraction(self.downtime_hours * 100) / Fraction(self.allowed_hours), TENTH)


def downtime(contract: Contract, period: Period, now: dt.datetime) -> DowntimeFigure:
    """Service downtime within the period, as tickets.availability counts it (the outage
    spans of faults, overlapping outages counted once, an outage still open counted until
    `now`, partial outages apart as degraded time), in hours to 0.01. The contract's
    allowance is per year (allowed_downtime_hours); it is pro-rated to the period by days
    (see prorated())."""
    start, end = period.bounds()
    down, degraded = downtime_and_degraded(contract, start, end, now)
    hours = Decimal(down.total_seconds()) / 3600
    return DowntimeFigure(
        downtime_hours=_round(hours),
        allowed_hours=prorated(contract.allowed_downtime_hours, contract, period),
        yearly_allowed_hours=contract.allowed_downtime_hours,
        degraded_hours=_round(Decimal(degraded.total_seconds()) / 3600),
    )


# --- on-site days and person-days --------------------------------------------------------


def onsite_dates_from_inspections(contract: Contract, period: Period) -> frozenset[dt.date]:
    """The dates of finished on-site inspections of the contract in the period, which count
    as on-site days (C2: quarterly inspections count). One query."""
    from inspections.selectors import onsite_dates

    return onsite_dates(contract, period.start, period.end)


@dataclass(frozen=True)
class OnsiteDays:
    dates: tuple[dt.date, ...]  # every distinct on-site working day, in order
    from_worklogs: int
    from_inspections: int
    expected: Decimal | None  # the yearly minimum pro-rated to the period
    yearly_minimum: int | None
    # On-site dates on a weekend or holiday: shown, but not counted toward the minimum.
    off_days: tuple[dt.date, ...] = ()

    @property
    def days(self) -> int:
        return len(self.dates)

    @property
    def meets_minimum(self) -> bool | None:
        return None if self.expected is None else self.days >= self.expected


def onsite_days(contract: Contract, period: Period) -> OnsiteDays:
    """On-site days: the distinct working days in the period on which an engineer logged
    on-site work (a Worklog of mode on_site, by its work date) on any of the contract's
    tickets, together with the dates of on-site inspections (onsite_dates_from_inspections());
    a date counts once however many people or tickets. C2 asks for "10 on-site working days"
    (现场工作日): a date on a weekend or holiday (by the contract's calendar when it follows
    Chinese working days, else Chinese working days; sla.workdays) is listed in `off_days`
    and does not count. Measured against the contract's yearly minimum (min_onsite_days)
    pro-rated to the period (see prorated())."""
    worklog_dates = set(
        Worklog.objects.filter(_onsite_worklogs_in(period), contract=contract)
        .order_by()
        .values_list("work_date", flat=True)
        .distinct()
    )
    return _onsite_figure(
        contract,
        period,
        worklog_dates,
        inspection_dates=onsite_dates_from_inspections(contract, period),
        working=working_days(contract.calendar_id, period.start, period.end),
    )


def _onsite_worklogs_in(period: Period) -> Q:
    return Q(mode=WorkMode.ON_SITE, work_date__gte=period.start, work_date__lt=period.end)


def onsite_days_by_contract(periods: dict[Contract, Period]) -> dict[int, OnsiteDays]:
    """onsite_days() of many contracts, each in its own period, by contract id: the worklogs,
    the inspections and the working days in five queries however many contracts."""
    if not periods:
        return {}
    from inspections.selectors import onsite_dates_of

    scope = Q()
    for period, contract_ids in _by_period(periods).items():
        scope |= Q(contract_id__in=contract_ids) & _onsite_worklogs_in(period)
    worklog_dates: dict[int, set[dt.date]] = defaultdict(set)
    for contract_id, work_date in (
        Worklog.objects.filter(scope).order_by().values_list("contract_id", "work_date").distinct()
    ):
        worklog_dates[contract_id].add(work_date)
    inspection_dates = onsite_dates_of(
        {contract.pk: (period.start, period.end) for contract, period in periods.items()}
    )
    # One span holding every period: a day is a working day or not whatever span asks.
    working = working_days_of(
        {contract.calendar_id for contract in periods},
        min(period.start for period in periods.values()),
        max(period.end for period in periods.values()),
    )
    return {
        contract.pk: _onsite_figure(
            contract,
            period,
            worklog_dates[contract.pk],
            inspection_dates=inspection_dates[contract.pk],
            working=working[contract.calendar_id],
        )
        for contract, period in periods.items()
    }


def _onsite_figure(
    contract: Contract,
    period: Period,
    worklog_dates: set[dt.date],
    *,
    inspection_dates: frozenset[dt.date],
    working: frozenset[dt.date],
) -> OnsiteDays:
    """The on-site days of onsite_days(), from the dates read for the period."""
    inspection_dates = {day for day in inspection_dates if period.contains(day)}
    # Every on-site date is in the period, so `working` may span more (one read for many
    # contracts' periods, onsite_days_by_contract()): only its days in the period meet them.
    on_site = worklog_dates | inspection_dates
    return OnsiteDays(
        dates=tuple(sorted(on_site & working)),
        from_worklogs=len(worklog_dates & working),
        from_inspections=len(inspection_dates & working),
        expected=prorated(contract.min_onsite_days, contract, period),
        yearly_minimum=contract.min_onsite_days,
        off_days=tuple(sorted(on_site - working)),
    )


@dataclass(frozen=True)
class PersonDays:
    minutes: int
    person_days: Decimal  # minutes / 480, to 0.01
    quota: Decimal | None  # the yearly quota pro-rated to the period
    yearly_quota: int | None

    @property
    def within_quota(self) -> bool | None:
        return None if self.quota is None else self.person_days <= self.quota


def person_days(contract: Contract, period: Period) -> PersonDays:
    """Person-days of adaptive work: the minutes of the worklogs marked as counting against
    the quota (counts_against_quota), on the contract's tickets, dated in the period, divided
    by 480 (one person-day is 8 hours), to 0.01. Measured against the contract's yearly
    quota (person_day_quota, a maximum) pro-rated to the period by days (see prorated())."""
    return _person_days_figure(
        contract, period, person_day_minutes(contract, period.start, period.end)
    )


def person_days_by_contract(periods: dict[Contract, Period]) -> dict[int, PersonDays]:
    """person_days() of many contracts, each in its own period, by contract id: one query
    however many contracts."""
    minutes = person_day_minutes_of(
        {contract.pk: (period.start, period.end) for contract, period in periods.items()}
    )
    return {
        contract.pk: _person_days_figure(contract, period, minutes[contract.pk])
        for contract, period in periods.items()
    }


def _person_days_figure(contract: Contract, period: Period, minutes: int) -> PersonDays:
    return PersonDays(
        minutes=minutes,
        person_days=person_days_of(minutes),
        quota=prorated(contract.person_day_quota, contract, period),
        yearly_quota=contract.person_day_quota,
    )


# --- satisfaction ------------------------------------------------------------------------


@dataclass(frozen=True)
class SatisfactionFigure:
    count: int
    mean: Decimal | None  # 1 (very dissatisfied) to 5 (very satisfied), to 0.01
    distribution: tuple[tuple[int, int], ...]  # (rating, tickets) from 5 down to 1

    def share(self, rating: int) -> Decimal | None:
        count = dict(self.distribution).get(rating, 0)
        return _round(Fraction(100 * count, self.count), TENTH) if self.count else None


def satisfaction(contract: Contract, period: Period) -> SatisfactionFigure:
    """The ratings (1–5) the hospital gave to the tickets closed in the period (closed_at
    within it, a rating given): how many, their mean to 0.01 (None if none), and how many
    of each rating. A reopened ticket loses its rating until it is confirmed again."""
    start, end = period.bounds()
    counts = dict(
        Ticket.objects.filter(
            contract=contract,
            closed_at__gte=start,
            closed_at__lt=end,
            satisfaction__isnull=False,
        )
        .order_by()
        .values_list("satisfaction")
        .annotate(n=Count("id"))
    )
    count = sum(counts.values())
    mean = (
        _round(Fraction(sum(rating * n for rating, n in counts.items()), count)) if count else None
    )
    return SatisfactionFigure(
        count=count,
        mean=mean,
        distribution=tuple((rating, counts.get(rating, 0)) for rating in (5, 4, 3, 2, 1)),
    )


# --- everything at once ------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterSummary:
    """Every figure of a contract's period, as the dashboard and the reports show them."""

    contract: Contract
    period: Period
    now: dt.datetime
    by_kind: tuple[CountRow, ...]
    by_channel: tuple[CountRow, ...]
    by_level: tuple[CountRow, ...]
    by_system: tuple[CountRow, ...]
    by_month: MonthlyTickets
    compliance: SlaCompliance
    breaches: tuple[Breach, ...]
    timings: Timings
    downtime: DowntimeFigure
    onsite: OnsiteDays
    person_days: PersonDays
    satisfaction: SatisfactionFigure

    @property
    def tickets_total(self) -> int:
        return sum(row.count for row in self.by_kind)

    @property
    def sla_target(self) -> Decimal:
        """The contract's own compliance target: the line a report measures against."""
        return Decimal(self.contract.sla_target_percent)

    @property
    def meets_sla_target(self) -> bool | None:
        """Whether the overall compliance reached the contract's target; None when no clock
        fell due."""
        percent = self.compliance.overall.percent
        return None if percent is None else percent >= self.sla_target

    @property
    def breach_summary(self) -> BreachSummary:
        return breach_summary(self.breaches)


def quarter_summary(contract: Contract, period: Period, now: dt.datetime) -> QuarterSummary:
    """All figures of the contract for the period (a quarter, or any Period such as a
    year) as of `now`, each by the rule of its own function. A fixed number of queries."""
    counts = _kind_channel_counts(contract, period)
    return QuarterSummary(
        contract=contract,
        period=period,
        now=now,
        by_kind=tickets_by_kind(contract, period, counts),
        by_channel=tickets_by_channel(contract, period, counts),
        by_level=tickets_by_level(contract, period),
        by_system=tickets_by_system(contract, period),
        by_month=tickets_by_month(contract, period),
        compliance=sla_compliance(contract, period, now),
        breaches=breaches(contract, period, now),
        timings=timings(contract, period, now),
        downtime=downtime(contract, period, now),
        onsite=onsite_days(contract, period),
        person_days=person_days(contract, period),
        satisfaction=satisfaction(contract, period),
    )


# --- beyond the dashboard: what the service reports add ----------------------------------


@dataclass(frozen=True)
class TrendPoint:
    period: Period  # one month of the report's period
    tally: Tally


def compliance_trend(
    contract: Contract, period: Period, now: dt.datetime
) -> tuple[TrendPoint, ...]:
    """Overall SLA compliance month by month, each month by sla_compliance()'s own rule (a
    clock due in one month and met late in the next counts in both). Two queries a month."""
    points = []
    for first in period.months():
        month_end = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        month = Period(max(first, period.start), min(month_end, period.end))
        points.append(TrendPoint(month, sla_compliance(contract, month, now).overall))
    return tuple(points)


@dataclass(frozen=True)
class RecurringProblem:
    """A problem that came back: the first ticket and how often it occurred in the period."""

    ticket_number: str
    title: str
    system: str
    occurrences: int
    last_reported_at: dt.datetime


def recurring_problems(contract: Contract, period: Period) -> tuple[RecurringProblem, ...]:
    """Problems marked as the same as an earlier ticket (tickets.recurrence; C4's third
    occurrence within 90 days raises the level), counted by their first ticket: the first
    ticket and each recurrence reported in the period are occurrences. Problems that
    occurred at least twice in the period, most occurrences first. Two queries."""
    start, end = period.bounds()
    recurrences = (
        Ticket.objects.filter(
            contract=contract,
            recurrence_of__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
        )
        .order_by()
        .values("recurrence_of_id")
        .annotate(n=Count("id"), last=Max("created_at"))
    )
    counts = {row["recurrence_of_id"]: (row["n"], row["last"]) for row in recurrences}
    roots = Ticket.objects.filter(pk__in=counts).select_related("system")
    problems = []
    for root in roots:
        n, last = counts[root.pk]
        occurrences = n + (1 if start <= root.created_at < end else 0)
        if occurrences >= 2:
            problems.append(
                RecurringProblem(
                    ticket_number=root.number,
                    title=root.title,
                    system=root.system.name,
                    occurrences=occurrences,
                    last_reported_at=last,
                )
            )
    return tuple(sorted(problems, key=lambda p: (-p.occurrences, p.ticket_number)))


# --- the figures a rendered report keeps -------------------------------------------------


def _jsonable(value):
    """A figure as JSON: dataclasses as objects, decimals as strings (exact), dates and
    times in ISO form, labels as the text they print."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, list | tuple | frozenset | set):
        items = [_jsonable(item) for item in value]
        return sorted(items) if isinstance(value, frozenset | set) else items
    if isinstance(value, dt.datetime):
        return value.astimezone(SHANGHAI).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # lazily translated labels, Period


# The parts of a summary a report prints, as its snapshot keeps them (not the contract,
# not `now`, not today's open breaches, which are not figures of the period).
SNAPSHOT_FIELDS = (
    "by_kind",
    "by_level",
    "by_system",
    "by_month",
    "compliance",
    "breaches",
    "timings",
    "downtime",
    "onsite",
    "person_days",
    "satisfaction",
)


def snapshot(summary: QuarterSummary, trend: tuple[TrendPoint, ...] = (), **more) -> dict:
    """The figures of a rendered report as JSON, stored with its version (ReportFile.figures)
    so that a later render of the same period can be checked against them; `more`: the
    other figures it prints, by name."""
    return {
        **{name: _jsonable(value) for name, value in more.items()},
        "period": [summary.period.start.isoformat(), summary.period.end.isoformat()],
        "as_at": _jsonable(summary.now),
        **{name: _jsonable(getattr(summary, name)) for name in SNAPSHOT_FIELDS},
        "trend": [
            {"month": point.period.start.isoformat(), "tally": _jsonable(point.tally)}
            for point in trend
        ],
    }


def snapshot_differences(before: dict, after: dict) -> tuple[str, ...]:
    """The figures in which two snapshots differ (not the moment they were counted at)."""
    names = sorted((before.keys() | after.keys()) - {"period", "as_at"})
    return tuple(name for name in names if before.get(name) != after.get(name))


# --- fault analysis ----------------------------------------------------------------------


@dataclass(frozen=True)
class SystemLevelRow:
    system: str
    counts: tuple[int, ...]  # aligned with SystemLevelTable.levels

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class SystemLevelTable:
    """Tickets created in the period, system by system (rows) and level by level (columns):
    the rows of the SLA table that occur, in the table's order."""

    levels: tuple[str, ...]  # the column labels
    rows: tuple[SystemLevelRow, ...]

    @property
    def column_totals(self) -> tuple[int, ...]:
        return tuple(sum(row.counts[i] for row in self.rows) for i in range(len(self.levels)))

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)


def system_by_level(contract: Contract, period: Period) -> SystemLevelTable:
    """Tickets created in the period by system and SLA row, most tickets first. One query
    for the counts, one for the table's rows."""
    counts = (
        _tickets(contract, period)
        .order_by()
        .values("system__name", "service_class_id")
        .annotate(n=Count("id"))
    )
    cells: dict[str, dict[int, int]] = defaultdict(dict)
    for row in counts:
        cells[row["system__name"]][row["service_class_id"]] = row["n"]
    used = {key for per_system in cells.values() for key in per_system}
    columns = [
        (row.pk, row.name)
        for row in ServiceClass.objects.filter(contract=contract).order_by(
            "position", "level", "code"
        )
        if row.pk in used
    ]
    rows = [
        SystemLevelRow(system=name, counts=tuple(per_system.get(pk, 0) for pk, _label in columns))
        for name, per_system in cells.items()
    ]
    return SystemLevelTable(
        levels=tuple(label for _pk, label in columns),
        rows=tuple(sorted(rows, key=lambda row: (-row.total, row.system))),
    )


NO_CAUSE_LABEL = _("Not recorded")


def causes(contract: Contract, period: Period, now: dt.datetime) -> tuple[CountRow, ...]:
    """The causes chosen when tickets were resolved in the period (resolved_at within it and
    by `now`), in the order of ResolutionCause, with the resolutions that named none last.
    Only causes that occur appear."""
    start, end = period.bounds()
    counts = dict(
        Ticket.objects.filter(
            contract=contract, resolved_at__gte=start, resolved_at__lt=min(end, now)
        )
        .order_by()
        .values_list("resolution_cause")
        .annotate(n=Count("id"))
    )
    rows = [
        CountRow(key=value, label=label, count=counts[value])
        for value, label in ResolutionCause.choices
        if counts.get(value)
    ]
    if counts.get(""):
        rows.append(CountRow(key="", label=NO_CAUSE_LABEL, count=counts[""]))
    return tuple(rows)


# Tickets that ended without a resolution time (withdrawn, changes done or rolled back)
# are not counted as open: when they ended is not recorded on the ticket.
_ENDED_UNRESOLVED = ("cancelled", "done", "rolled_back")

AGE_BUCKETS = ((7, _("up to 7 days")), (30, _("8 to 30 days")), (90, _("31 to 90 days")))
OLDER_LABEL = _("over 90 days")


@dataclass(frozen=True)
class OpenProblem:
    ticket_number: str
    title: str
    system: str
    level_label: str
    created_at: dt.datetime
    age_days: int  # whole days from the report to `as_at`
    carried_over: bool  # reported before the period and still open at its start


@dataclass(frozen=True)
class Backlog:
    """The problems left open (遗留问题) at the moment the report counts at."""

    as_at: dt.datetime
    open: tuple[OpenProblem, ...]  # oldest first
    ageing: tuple[CountRow, ...]  # by age, every bucket

    @property
    def carried_over(self) -> int:
        return sum(problem.carried_over for problem in self.open)


def _open_at(contract: Contract, moment: dt.datetime):
    return (
        Ticket.objects.filter(contract=contract, created_at__lt=moment)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=moment))
        .exclude(state__in=_ENDED_UNRESOLVED)
    )


def backlog(contract: Contract, period: Period, now: dt.datetime) -> Backlog:
    """Tickets open at `now` (the period's end once it is over): reported before it, not
    resolved by then (withdrawn tickets and finished changes left out). Carried over: also
    open at the period's start. Aged in whole days, bucketed ≤ 7, 8–30, 31–90, > 90."""
    start, _end = period.bounds()
    rows = (
        _open_at(contract, now)
        .select_related("system", "service_class")
        .order_by("created_at", "number")
    )
    carried = set(_open_at(contract, start).values_list("pk", flat=True))
    problems = tuple(
        OpenProblem(
            ticket_number=ticket.number,
            title=ticket.title,
            system=ticket.system.name,
            level_label=ticket.service_class.name if ticket.service_class else "",
            created_at=ticket.created_at,
            age_days=(now - ticket.created_at).days,
            carried_over=ticket.pk in carried,
        )
        for ticket in rows
    )
    buckets = [0] * (len(AGE_BUCKETS) + 1)
    for problem in problems:
        index = next(
            (i for i, (limit, _label) in enumerate(AGE_BUCKETS) if problem.age_days <= limit),
            len(AGE_BUCKETS),
        )
        buckets[index] += 1
    labels = [label for _limit, label in AGE_BUCKETS] + [OLDER_LABEL]
    return Backlog(
        as_at=now,
        open=problems,
        ageing=tuple(
            CountRow(key=i, label=label, count=n)
            for i, (label, n) in enumerate(zip(labels, buckets, strict=True))
        ),
    )


@dataclass(frozen=True)
class FlowMonth:
    month: dt.date
    created: int
    resolved: int


def created_and_resolved(
    contract: Contract, period: Period, now: dt.datetime
) -> tuple[FlowMonth, ...]:
    """Per month of the period: tickets reported, and tickets resolved (resolved_at in the
    month and by `now`, whenever they were reported). Two queries."""
    start, end = period.bounds()

    def per_month(field: str, upto: dt.datetime) -> dict[dt.date, int]:
        rows = (
            Ticket.objects.filter(
                contract=contract, **{f"{field}__gte": start, f"{field}__lt": upto}
            )
            .order_by()
            .annotate(month=TruncMonth(field, tzinfo=SHANGHAI))
            .values("month")
            .annotate(n=Count("id"))
        )
        return {_month_start(row["month"]): row["n"] for row in rows}

    created = per_month("created_at", end)
    resolved = per_month("resolved_at", min(end, now))
    return tuple(
        FlowMonth(month=month, created=created.get(month, 0), resolved=resolved.get(month, 0))
        for month in period.months()
    )


@dataclass(frozen=True)
class QuarterLine:
    """One quarter of an annual report, each figure by its own function's rule."""

    period: Period
    tickets: int
    compliance: Tally
    breaches: int
    downtime_hours: Decimal


def quarters_within(period: Period) -> list[Period]:
    """The period cut into three-month quarters from its first day (the last one ends
    with the period): a calendar year's are its calendar quarters."""
    quarters, first = [], period.start
    while first < period.end:
        following = min(add_months(first, 3), period.end)
        quarters.append(Period(first, following))
        first = following
    return quarters


def quarter_by_quarter(
    contract: Contract, period: Period, now: dt.datetime
) -> tuple[QuarterLine, ...]:
    """The quarters of the period (an annual report's year: calendar quarters of a calendar
    year, the service quarters of a service year) that have begun by `now`."""
    lines = []
    for quarter in quarters_within(period):
        if quarter.bounds()[0] >= now:
            continue
        at = min(now, quarter.bounds()[1])
        compliance = sla_compliance(contract, quarter, at).overall
        lines.append(
            QuarterLine(
                period=quarter,
                tickets=_tickets(contract, quarter).count(),
                compliance=compliance,
                breaches=compliance.breached,
                downtime_hours=downtime(contract, quarter, at).downtime_hours,
            )
        )
    return tuple(lines)


# --- level-1 incidents told in a few sentences -------------------------------------------


@dataclass(frozen=True)
class Incident:
    """A level-1 fault reported in the period, as its record states it at the report's
    moment: what, when, downtime, cause, fix, and the prevention measure the engineer wrote
    at resolve (none claimed where none was written)."""

    ticket_number: str
    title: str
    system: str
    reported_at: dt.datetime
    resolved_at: dt.datetime | None  # None: not resolved by the report's moment
    downtime_minutes: int  # merged outage spans of the ticket, up to the report's moment
    cause: str  # the label of the cause chosen at resolve, "" when none was named
    fix: str  # the note of the last resolution by the report's moment
    prevention: str = ""  # written with that resolution (预防措施), "" when none

    @property
    def story(self) -> tuple[str, ...]:
        """The incident in sentences built from its facts only (nothing recorded, nothing
        said)."""
        sentences = [
            gettext("%(when)s: %(system)s reported “%(title)s” (%(number)s).")
            % {
                "when": f"{timezone.localtime(self.reported_at):%Y-%m-%d %H:%M}",
                "system": self.system,
                "title": self.title,
                "number": self.ticket_number,
            }
        ]
        if self.downtime_minutes:
            sentences.append(
                gettext("The service was down for %(duration)s.")
                % {"duration": duration_text(self.downtime_minutes)}
            )
        if self.cause:
            sentences.append(gettext("Cause: %(cause)s.") % {"cause": self.cause})
        if self.resolved_at is None:
            sentences.append(gettext("It was not yet resolved when the figures were counted."))
        else:
            sentences.append(
                gettext("Resolved at %(when)s, %(duration)s after the report.")
                % {
                    "when": f"{timezone.localtime(self.resolved_at):%Y-%m-%d %H:%M}",
                    "duration": duration_text(
                        math.ceil((self.resolved_at - self.reported_at).total_seconds() / 60)
                    ),
                }
            )
        if self.fix:
            sentences.append(gettext("Fix: %(fix)s") % {"fix": self.fix.strip()})
        if self.prevention:
            sentences.append(
                gettext("Prevention: %(prevention)s") % {"prevention": self.prevention.strip()}
            )
        return tuple(sentences)


def level1_incidents(contract: Contract, period: Period, now: dt.datetime) -> tuple[Incident, ...]:
    """The level-1 faults reported in the period, in the order reported. Three queries."""
    tickets = list(
        _tickets(contract, period)
        .filter(service_class__kind=TicketKind.FAULT, service_class__level=1)
        .select_related("system")
        .order_by("created_at", "number")
    )
    spans: dict[int, list] = defaultdict(list)
    for outage in Outage.objects.filter(ticket__in=tickets, started_at__lt=now, partial=False):
        spans[outage.ticket_id].append((outage.started_at, min(outage.ended_at or now, now)))
    fixes: dict[int, tuple[str, str]] = {}
    for event in Event.objects.filter(
        ticket__in=tickets, action="tickets.ticket.resolve", at__lt=now
    ).order_by("at", "id"):
        # The last resolution wins, with its prevention measure.
        fixes[event.ticket_id] = (event.note, (event.data or {}).get("prevention", ""))
    causes_by_value = dict(ResolutionCause.choices)
    incidents = []
    for ticket in tickets:
        resolved = ticket.resolved_at if ticket.resolved_at and ticket.resolved_at < now else None
        seconds = sum(
            (end - start).total_seconds() for start, end in merged_spans(spans[ticket.pk])
        )
        incidents.append(
            Incident(
                ticket_number=ticket.number,
                title=ticket.title,
                system=ticket.system.name,
                reported_at=ticket.created_at,
                resolved_at=resolved,
                downtime_minutes=math.ceil(seconds / 60),
                cause=str(causes_by_value.get(ticket.resolution_cause, "")) if resolved else "",
                fix=fixes.get(ticket.pk, ("", ""))[0] if resolved else "",
                prevention=fixes.get(ticket.pk, ("", ""))[1] if resolved else "",
            )
        )
    return tuple(incidents)


# --- reopened and recurring tickets, and each engineer's load ----------------------------


@dataclass(frozen=True)
class ReworkFigure:
    """Tickets resolved in the period, how many of them were reopened, and how many
    tickets reported in the period were marked as a recurrence of an earlier one."""

    resolved: int  # distinct tickets resolved in the period (a resolution event in it)
    reopened: int  # distinct tickets reopened in the period
    recurrences: int  # tickets reported in the period with recurrence_of set

    @property
    def reopen_percent(self) -> Decimal | None:
        if not self.resolved:
            return None
        return _round(Fraction(100 * self.reopened, self.resolved), TENTH)


def _events_in(contract: Contract, period: Period, now: dt.datetime, action: str):
    start, end = period.bounds()
    return Event.objects.filter(
        ticket__contract=contract, action=action, at__gte=start, at__lt=min(end, now)
    )


def rework(contract: Contract, period: Period, now: dt.datetime) -> ReworkFigure:
    """Reopen rate and recurrences of the period, as at `now`. Three queries."""

    def distinct_tickets(action: str) -> int:
        return (
            _events_in(contract, period, now, action)
            .order_by()
            .values("ticket_id")
            .distinct()
            .count()
        )

    return ReworkFigure(
        resolved=distinct_tickets("tickets.ticket.resolve"),
        reopened=distinct_tickets("tickets.ticket.reopen"),
        recurrences=_tickets(contract, period)
        .filter(recurrence_of__isnull=False, created_at__lt=now)
        .count(),
    )


@dataclass(frozen=True)
class EngineerLoad:
    engineer: str
    resolved: int  # tickets the engineer resolved in the period
    hours: Decimal  # worklog hours dated in the period
    onsite_days: int  # distinct dates with on-site worklogs in the period


def engineer_load(contract: Contract, period: Period, now: dt.datetime) -> tuple[EngineerLoad, ...]:
    """Per engineer who resolved a ticket or logged work in the period: most hours first.
    Three queries."""
    resolved = dict(
        _events_in(contract, period, now, "tickets.ticket.resolve")
        .filter(actor__isnull=False)
        .order_by()
        .values_list("actor_id")
        .annotate(n=Count("ticket_id", distinct=True))
    )
    worklogs = Worklog.objects.filter(
        contract=contract, work_date__gte=period.start, work_date__lt=period.end
    ).order_by()
    minutes = dict(worklogs.values_list("engineer_id").annotate(m=Sum("minutes")))
    onsite = dict(
        worklogs.filter(mode=WorkMode.ON_SITE)
        .values_list("engineer_id")
        .annotate(d=Count("work_date", distinct=True))
    )
    people = User.objects.filter(pk__in=resolved.keys() | minutes.keys())
    rows = [
        EngineerLoad(
            engineer=person.get_full_name() or person.get_username(),
            resolved=resolved.get(person.pk, 0),
            hours=_round(Fraction(minutes.get(person.pk, 0), 60), TENTH),
            onsite_days=onsite.get(person.pk, 0),
        )
        for person in people
    ]
    return tuple(sorted(rows, key=lambda row: (-row.hours, -row.resolved, row.engineer)))


# --- an annual report against the year before --------------------------------------------


@dataclass(frozen=True)
class YearFigures:
    tickets: int
    sla_percent: Decimal | None
    downtime_hours: Decimal
    satisfaction: Decimal | None


@dataclass(frozen=True)
class YearComparison:
    """This year's headline figures next to the previous year's; `previous` is None when
    the contract did not run in the previous year."""

    current: YearFigures
    previous: YearFigures | None

    @property
    def changes(self) -> YearFigures | None:
        """This year minus the previous year, figure by figure (None where either is)."""
        if self.previous is None:
            return None

        def minus(a, b):
            return None if a is None or b is None else a - b

        return YearFigures(
            tickets=self.current.tickets - self.previous.tickets,
            sla_percent=minus(self.current.sla_percent, self.previous.sla_percent),
            downtime_hours=self.current.downtime_hours - self.previous.downtime_hours,
            satisfaction=minus(self.current.satisfaction, self.previous.satisfaction),
        )


def _year_figures(contract: Contract, period: Period, now: dt.datetime) -> YearFigures:
    return YearFigures(
        tickets=_tickets(contract, period).count(),
        sla_percent=sla_compliance(contract, period, now).overall.percent,
        downtime_hours=downtime(contract, period, now).downtime_hours,
        satisfaction=satisfaction(contract, period).mean,
    )


def year_on_year(contract: Contract, period: Period, now: dt.datetime) -> YearComparison:
    """The period's tickets, SLA compliance, downtime and mean satisfaction against the
    same figures of the period before it (each as at its own end), where the contract ran
    then. A fixed number of queries."""
    before = Period(add_months(period.start, -12), period.start)
    return YearComparison(
        current=_year_figures(contract, period, now),
        previous=(
            _year_figures(contract, before, as_at(before, now))
            if contract.starts_on < before.end
            else None
        ),
    )
