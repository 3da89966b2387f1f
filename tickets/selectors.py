"""Reads of tickets for lists (the API, the queue): scoping, the next deadline, filters.

Kept in one place so the queue page and the API list order and filter tickets the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from contracts.models import Membership, Role
from contracts.selectors import contracts_for, memberships_of
from tickets.models import OPEN_STATES, Attachment, Event, Ticket, TicketClock
from tickets.policy import (
    HOSPITAL_STAFF,
    VENDOR_STAFF,
    is_vendor_staff,
    may_file_for,
    may_report,
    readers,
    sees_all_hospital_tickets,
)


class Urgency:
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"


def urgency(ticket: Ticket, now) -> str:
    """How close the ticket's next deadline is, for colouring lists."""
    if ticket.next_due_at is None:
        return Urgency.OK
    if ticket.next_due_at <= now:
        return Urgency.BREACHED
    if ticket.next_warn_at is not None and ticket.next_warn_at <= now:
        return Urgency.WARNING
    return Urgency.OK


def vendor_queue(user) -> QuerySet[Ticket]:
    """Open tickets of the contracts the user's organisation serves as vendor."""
    # As ids, not a subquery: the planner spends longer on a semi-join than the query runs.
    vendors = sorted({organization for organization, _role in memberships_of(user)})
    tickets = Ticket.objects.visible_to(user) if user.is_superuser else Ticket.objects.all()
    if not user.is_superuser:
        # Serving a contract as its vendor is being party to it: visible_to() would only add
        # the same test again, and costs the planner more than the query takes to run.
        tickets = tickets.filter(contract__vendor_id__in=vendors)
    return tickets.open().select_related(
        "contract__hospital", "system", "service_class", "assignee"
    )


def with_list_relations(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return queryset.select_related(
        "contract", "system", "service_class", "reporter", "assignee", "entered_by"
    ).prefetch_related(
        Prefetch("clocks", queryset=TicketClock.objects.select_related("calendar").order_by("id"))
    )


def with_timeline(
    queryset: QuerySet[Ticket], *, viewer, organizations: list[int] | None = None
) -> QuerySet[Ticket]:
    """The tickets with the timeline and files `viewer` may read: the vendor's internal
    notes only for its staff (`organizations`: an API token's, see Event.objects.visible_to)."""
    events = Event.objects.visible_to(viewer, organizations=organizations)
    files = Attachment.objects.visible_to(viewer, organizations=organizations)
    return queryset.prefetch_related(
        Prefetch("events", queryset=events.select_related("actor").order_by("at", "id")),
        Prefetch("attachments", queryset=files.select_related("uploaded_by")),
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
    """Apply `spec`."""
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


def hospital_tickets(user) -> QuerySet[Ticket]:
    """The hospital's list: a reporter's own tickets, or all a hospital IT person (or vendor
    staff) may see; with the next deadline for colouring."""
    tickets = Ticket.objects.visible_to(user)
    if not (sees_all_hospital_tickets(user) or is_vendor_staff(user)):
        tickets = tickets.filter(reporter=user)
    return tickets.select_related("contract__hospital", "system", "service_class", "assignee")


def engineer_load(user):
    """The engineers of the user's vendors with how many open tickets each holds, least
    loaded first: whom a dispatcher can give the next ticket to."""
    vendors = Membership.objects.filter(user=user, role__in=VENDOR_STAFF).values("organization_id")
    return (
        get_user_model()
        .objects.filter(
            memberships__organization_id__in=vendors,
            memberships__role=Role.ENGINEER,
            is_active=True,
        )
        .distinct()
        .annotate(
            open_tickets=Count(
                "assigned_tickets",
                filter=Q(assigned_tickets__state__in=OPEN_STATES),
                distinct=True,
            )
        )
        .order_by("open_tickets", "full_name")
    )


def reportable_contracts(user, day) -> list:
    """Contracts in force on `day` under which the user may report a fault."""
    return [c for c in contracts_for(user).in_force_on(day) if may_report(user, c)]


def file_for_contracts(user, day) -> list:
    """Contracts in force on `day` for whose hospital the user's vendor desk files reports."""
    return [c for c in contracts_for(user).in_force_on(day) if may_file_for(user, c)]


def hospital_people(contract, role: str | None = None) -> QuerySet:
    """The active people of the contract's hospital a report can be filed for (reporters and
    hospital IT; only `role` if given), by name: the choices of the "file for a caller" form."""
    roles = [role] if role else sorted(HOSPITAL_STAFF)
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organization_id=contract.hospital_id,
            memberships__role__in=roles,
        )
        .distinct()
        .order_by("full_name", "username")
    )


def readers_of(ticket: Ticket) -> QuerySet:
    """Who may read the ticket (tickets.policy.readers): whom a watcher may be."""
    return readers(ticket)
