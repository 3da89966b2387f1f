"""Reads of inspections: scoped to what the user may see, with what each page needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.models import Contract
from inspections.models import (
    DONE_STATES,
    Inspection,
    InspectionMode,
    InspectionState,
    not_yet_due_q,
    overdue_q,
)


def visible_inspections(user) -> QuerySet[Inspection]:
    return Inspection.objects.visible_to(user).select_related(
        "contract__hospital", "contract__vendor", "engineer", "system"
    )


def readable_contracts(user) -> QuerySet[Contract]:
    """Contracts whose inspections the user may read (policy.may_read, as one query)."""
    from inspections.policy import reader_organizations

    contracts = Contract.objects.visible_to(user)
    if user.is_superuser:
        return contracts
    own = reader_organizations(user)
    return contracts.filter(Q(hospital_id__in=own) | Q(vendor_id__in=own))


def onsite_dates(contract: Contract, first: dt.date, end: dt.date) -> frozenset[dt.date]:
    """The dates in [first, end) spent on site on finished inspections of the contract: they
    count as on-site days (C2: quarterly inspections count towards the 10 days a year).
    One query; an inspection running over midnight counts each date it touched."""
    return onsite_dates_of({contract.pk: (first, end)})[contract.pk]


def onsite_dates_of(spans: dict[int, tuple[dt.date, dt.date]]) -> dict[int, frozenset[dt.date]]:
    """onsite_dates() of many contracts, each in its own [first, end) (contract id → span):
    one query however many contracts."""
    if not spans:
        return {}
    by_span: dict[tuple[dt.date, dt.date], list[int]] = {}
    for contract_id, span in spans.items():
        by_span.setdefault(span, []).append(contract_id)
    found: dict[int, set[dt.date]] = {contract_id: set() for contract_id in spans}
    touching = Q()
    for (first, end), contract_ids in by_span.items():
        touching |= Q(
            contract_id__in=contract_ids,
            started_at__date__lt=end + dt.timedelta(days=1),
            finished_at__date__gte=first - dt.timedelta(days=1),
        )
    rows = (
        Inspection.objects.filter(
            state__in=DONE_STATES,
            mode=InspectionMode.ON_SITE,
            started_at__isnull=False,
            finished_at__isnull=False,
        )
        .filter(touching)
        .only("contract_id", "mode", "started_at", "finished_at")
    )
    for inspection in rows:
        first, end = spans[inspection.contract_id]
        found[inspection.contract_id].update(
            day for day in inspection.onsite_dates() if first <= day < end
        )
    return {contract_id: frozenset(days) for contract_id, days in found.items()}


@dataclass(frozen=True)
class PlanStatus:
    """Where a contract's inspection plan stands on a day."""

    done: int
    overdue: int
    planned: int  # open and not yet due
    cancelled: int

    @property
    def total(self) -> int:
        return self.done + self.overdue + self.planned


def plan_status(contract: Contract, today: dt.date) -> PlanStatus:
    """Done, overdue and still planned inspections of the contract, in one query."""
    counts = Inspection.objects.filter(contract=contract).aggregate(
        done=Count("id", filter=Q(state__in=DONE_STATES)),
        overdue=Count("id", filter=overdue_q(today)),
        planned=Count("id", filter=not_yet_due_q(today)),
        cancelled=Count("id", filter=Q(state=InspectionState.CANCELLED)),
    )
    return PlanStatus(**counts)


# --- an inspection's history, as its page shows it ------------------------------------------

# The history's lines; own msgids, so that "Started" as a field label and as an event can
# read differently in Chinese.
EVENT_LABELS = {
    "planned": gettext_lazy("Planned"),
    "assigned": gettext_lazy("Engineer assigned"),
    "started": gettext_lazy("Inspection started"),
    "results_recorded": gettext_lazy("Results recorded"),
    "completed": gettext_lazy("Inspection completed"),
    "reopened": gettext_lazy("Reopened for changes"),
    "signed_off": gettext_lazy("Signed off"),
    "cancelled": gettext_lazy("Inspection cancelled"),
    "ticket_opened": gettext_lazy("Ticket opened from an item"),
}


def history_lines(inspection: Inspection) -> list[tuple]:
    """(event, what happened, details) for each line of the inspection's history, in order."""
    events = list(inspection.events.select_related("actor").order_by("at", "id"))
    engineer_ids = {
        event.data.get("engineer") for event in events if event.action.endswith(".assigned")
    }
    names = (
        {user.pk: str(user) for user in get_user_model().objects.filter(pk__in=engineer_ids)}
        if engineer_ids
        else {}
    )
    rows = []
    for event in events:
        kind = event.action.rsplit(".", 1)[-1]
        data = event.data or {}
        detail = ""
        if kind == "started" and data.get("mode") in InspectionMode.values:
            detail = InspectionMode(data["mode"]).label
        elif kind == "assigned":
            detail = names.get(data.get("engineer"), "")
        elif kind == "results_recorded":
            detail = _("items: %(items)s") % {"items": data.get("items", 0)}
            if data.get("failed"):
                detail += " · " + _("abnormal: %(items)s") % {"items": "、".join(data["failed"])}
        elif kind == "completed" and data.get("failed"):
            detail = _("abnormal: %(count)s") % {"count": data["failed"]}
        elif kind == "signed_off":
            detail = data.get("signer", "")
        elif kind == "ticket_opened":
            detail = f"{data.get('ticket', '')} · {data.get('item', '')}"
        rows.append((event, EVENT_LABELS.get(kind, event.action), detail))
    return rows
