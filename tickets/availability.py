"""Availability: downtime (the outage spans of faults) against the contract's yearly
allowance (C5: 年停机时间不超过 8 小时)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from contracts.models import Contract
from tickets.models import Outage


def merged_spans(
    spans: list[tuple[dt.datetime, dt.datetime]],
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Overlapping outages (two tickets for one failure) count once."""
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def downtime_and_degraded(
    contract: Contract, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> tuple[dt.timedelta, dt.timedelta]:
    """Service downtime within [start, end), and the time it was only degraded; an outage
    still open counts until `now`. One query.

    Spans of every system of the contract are merged: the contract's availability is the
    service's (C5: 系统年停机时间), so two systems down in the same hour, or two tickets for
    one failure, are one hour down. Partial spans (degraded, not down) are not downtime:
    they are measured apart, as the reports show them beside it."""
    outages = Outage.objects.filter(ticket__contract=contract, started_at__lt=end).exclude(
        ended_at__lte=start
    )
    spans: dict[bool, list] = {False: [], True: []}
    for outage in outages.only("started_at", "ended_at", "partial"):
        span_end = min(outage.ended_at or now, end)
        span_start = max(outage.started_at, start)
        if span_end > span_start:
            spans[outage.partial].append((span_start, span_end))
    down, degraded = (
        sum((b - a for a, b in merged_spans(spans[partial])), dt.timedelta())
        for partial in (False, True)
    )
    return down, degraded


def downtime(
    contract: Contract, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> dt.timedelta:
    """Service downtime within [start, end) (see downtime_and_degraded)."""
    return downtime_and_degraded(contract, start, end, now)[0]


@dataclass(frozen=True)
class AvailabilityYear:
    year: int
    downtime_hours: Decimal
    allowed_hours: Decimal | None
    degraded_hours: Decimal = Decimal("0.00")  # partial spans, not counted as downtime

    @property
    def within_target(self) -> bool | None:
        return None if self.allowed_hours is None else self.downtime_hours <= self.allowed_hours

    @property
    def remaining_hours(self) -> Decimal | None:
        return None if self.allowed_hours is None else self.allowed_hours - self.downtime_hours


def availability_year(
    contract: Contract, year: int, now: dt.datetime | None = None
) -> AvailabilityYear:
    now = now or timezone.now()
    start, end = year_bounds(year)
    down, degraded = downtime_and_degraded(contract, start, end, now)
    return AvailabilityYear(
        year=year,
        downtime_hours=_hours(down),
        allowed_hours=contract.allowed_downtime_hours,
        degraded_hours=_hours(degraded),
    )


def _hours(duration: dt.timedelta) -> Decimal:
    return (Decimal(duration.total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"))


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return dt.datetime(year, 1, 1, tzinfo=zone), dt.datetime(year + 1, 1, 1, tzinfo=zone)


def outages_in_year(contract: Contract, year: int):
    """The contract's outage spans that touch the year, in order: the outages page and its
    API list."""
    start, end = year_bounds(year)
    return (
        Outage.objects.filter(ticket__contract=contract, started_at__lt=end)
        .exclude(ended_at__lte=start)
        .select_related("ticket__system", "ticket__service_class", "recorded_by")
        .order_by("started_at", "pk")
    )
