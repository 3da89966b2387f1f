"""Availability: downtime of level-1 faults against the contract's yearly allowance
(C5: 年停机时间不超过 8 小时)."""

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


def downtime(
    contract: Contract, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> dt.timedelta:
    """Service downtime within [start, end); an outage still open counts until `now`."""
    outages = Outage.objects.filter(ticket__contract=contract, started_at__lt=end).exclude(
        ended_at__lte=start
    )
    spans = []
    for outage in outages:
        span_end = min(outage.ended_at or now, end)
        span_start = max(outage.started_at, start)
        if span_end > span_start:
            spans.append((span_start, span_end))
    return sum((b - a for a, b in merged_spans(spans)), dt.timedelta())


@dataclass(frozen=True)
class AvailabilityYear:
    year: int
    downtime_hours: Decimal
    allowed_hours: Decimal | None

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
    zone = timezone.get_current_timezone()
    start = dt.datetime(year, 1, 1, tzinfo=zone)
    end = dt.datetime(year + 1, 1, 1, tzinfo=zone)
    hours = Decimal(downtime(contract, start, end, now).total_seconds()) / Decimal(3600)
    return AvailabilityYear(
        year=year,
        downtime_hours=hours.quantize(Decimal("0.01")),
        allowed_hours=contract.allowed_downtime_hours,
    )
