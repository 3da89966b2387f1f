"""The inspection figures of a service report: done against planned, with failed items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from contracts.models import Contract
from inspections.models import (
    DONE_STATES,
    Inspection,
    InspectionResult,
    InspectionState,
)
from inspections.thresholds import Verdict


@dataclass(frozen=True)
class FailedItem:
    name: str
    result: str  # the measured value with its unit, or empty for a pass/fail item
    rule: str
    ticket_number: str


@dataclass(frozen=True)
class InspectionLine:
    inspection: Inspection
    done: bool
    overdue: bool
    failed: tuple[FailedItem, ...]


@dataclass(frozen=True)
class InspectionFigure:
    lines: tuple[InspectionLine, ...]

    @property
    def planned(self) -> int:
        """Inspections due in the period, not cancelled."""
        return len(self.lines)

    @property
    def done(self) -> int:
        return sum(line.done for line in self.lines)

    @property
    def overdue(self) -> int:
        return sum(line.overdue for line in self.lines)

    @property
    def failed_items(self) -> int:
        return sum(len(line.failed) for line in self.lines)


def inspection_figure(
    contract: Contract, first: dt.date, end: dt.date, today: dt.date
) -> InspectionFigure:
    """The contract's inspections due in [first, end) (cancelled ones left out): which were
    done (completed or signed off), which are overdue on `today`, and the abnormal items of
    each. Two queries."""
    inspections = list(
        Inspection.objects.filter(contract=contract, due_on__gte=first, due_on__lt=end)
        .exclude(state=InspectionState.CANCELLED)
        .select_related("engineer")
        .order_by("due_on", "id")
    )
    failed: dict[int, list[FailedItem]] = {}
    for result in (
        InspectionResult.objects.filter(
            inspection__in=[i.pk for i in inspections], verdict=Verdict.FAIL
        )
        .select_related("ticket")
        .order_by("inspection_id", "position")
    ):
        failed.setdefault(result.inspection_id, []).append(
            FailedItem(
                name=result.name,
                result=result.value_display,
                rule=result.rule_display,
                ticket_number=result.ticket.number if result.ticket else "",
            )
        )
    return InspectionFigure(
        lines=tuple(
            InspectionLine(
                inspection=inspection,
                done=inspection.state in DONE_STATES,
                overdue=inspection.is_overdue(today),
                failed=tuple(failed.get(inspection.pk, [])),
            )
            for inspection in inspections
        )
    )
