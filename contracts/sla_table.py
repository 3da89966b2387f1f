"""Reading and checking a contract's SLA table as a whole.

Row-by-row rules live on the models; the rules here span several rows (an arrival-based
resolve clock needs an arrive clock in the same row), and the read model renders the
table the way the contract prints it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from contracts.models import Clock, ClockStart, ClockTarget, Contract, ServiceClass


def validate_clock_set(clocks: Iterable[tuple[str, str]]) -> None:
    """`clocks` are (clock, starts_from) pairs of one SLA row."""
    pairs = list(clocks)
    names = [clock for clock, _start in pairs]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValidationError(_("Each clock can be set once per row."), code="duplicate_clock")
    from_arrival = any(
        clock == Clock.RESOLVE and start == ClockStart.ARRIVAL for clock, start in pairs
    )
    if from_arrival and Clock.ARRIVE not in names:
        raise ValidationError(
            _("The resolve clock counts from arrival, so this row needs an arrive clock too."),
            code="arrival_without_arrive_clock",
        )


@dataclass(frozen=True)
class TableRow:
    service_class: ServiceClass
    respond: ClockTarget | None
    arrive: ClockTarget | None
    resolve: ClockTarget | None


def table_rows(contract: Contract) -> list[TableRow]:
    classes = contract.service_classes.prefetch_related(
        "clocks__calendar__periods", "clocks__due_by_opening_of__periods"
    ).order_by("position", "level", "code")
    return [
        TableRow(
            service_class=row,
            respond=row.clock_target(Clock.RESPOND),
            arrive=row.clock_target(Clock.ARRIVE),
            resolve=row.clock_target(Clock.RESOLVE),
        )
        for row in classes
    ]
