"""Reads of tickets for lists (the API, the queue): scoping, the next deadline, filters.

Kept in one place so the queue page and the API list order and filter tickets the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery

from tickets.models import OPEN_STATES, Event, Ticket, TicketClock


def running_clocks() -> QuerySet[TicketClock]:
    return TicketClock.objects.filter(met_at__isnull=True, is_active=True, due_at__isnull=False)


def with_next_due(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate `next_due_at`: the earliest deadline of a running clock (None if none runs).

    Served by the partial index clock_running_due (ticket, due_at).
    """
    earliest = running_clocks().filter(ticket=OuterRef("pk")).order_by("due_at").values("due_at")
    return queryset.annotate(next_due_at=Subquery(earliest[:1]))


def with_list_relations(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return queryset.select_related(
        "contract", "system", "service_class", "reporter", "assignee"
    ).prefetch_related(
        Prefetch("clocks", queryset=TicketClock.objects.select_related("calendar").order_by("id"))
    )


def with_timeline(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return queryset.prefetch_related(
        Prefetch("events", queryset=Event.objects.select_related("actor").order_by("at", "id")),
        "attachments",
    )


@dataclass(frozen=True)
class TicketFilter:
    """What a list asks for; None means "any"."""

    states: tuple[str, ...] = ()
    open: bool | None = None
    kind: str | None = None
    level: int | None = None
    contract_code: str | None = None
    system_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    breached: bool | None = None
    due_before: dt.datetime | None = None
    due_after: dt.datetime | None = None


def filtered(queryset: QuerySet[Ticket], spec: TicketFilter) -> QuerySet[Ticket]:
    """Apply `spec`; due_before/due_after need with_next_due() first."""
    if spec.states:
        queryset = queryset.filter(state__in=spec.states)
    if spec.open is not None:
        queryset = (
            queryset.filter(state__in=OPEN_STATES)
            if spec.open
            else queryset.exclude(state__in=OPEN_STATES)
        )
    if spec.kind:
        queryset = queryset.filter(kind=spec.kind)
    if spec.level is not None:
        queryset = queryset.filter(service_class__level=spec.level)
    if spec.contract_code:
        queryset = queryset.filter(contract__code=spec.contract_code)
    if spec.system_id is not None:
        queryset = queryset.filter(system_id=spec.system_id)
    if spec.unassigned:
        queryset = queryset.filter(assignee__isnull=True)
    elif spec.assignee_id is not None:
        queryset = queryset.filter(assignee_id=spec.assignee_id)
    if spec.breached is not None:
        breached = Exists(
            TicketClock.objects.filter(ticket=OuterRef("pk"), breached_at__isnull=False)
        )
        queryset = queryset.filter(breached if spec.breached else ~breached)
    if spec.due_before is not None:
        queryset = queryset.filter(next_due_at__lt=spec.due_before)
    if spec.due_after is not None:
        queryset = queryset.filter(next_due_at__gte=spec.due_after)
    return queryset
