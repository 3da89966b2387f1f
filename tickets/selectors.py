"""Reads of tickets for lists (the API, the queue): scoping, the next deadline, filters.

Kept in one place so the queue page and the API list order and filter tickets the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contracts.models import Membership, Role
from contracts.selectors import contracts_for, memberships_of
from tickets.models import (
    OPEN_STATES,
    Appointment,
    Attachment,
    ChangeWindow,
    ConsentRequest,
    ConsentState,
    Event,
    State,
    Ticket,
    TicketClock,
)
from tickets.models.timeline import Reader
from tickets.policy import (
    ACTION_ROLES,
    HOSPITAL_STAFF,
    OWN_TICKETS_ONLY,
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


def urgency(next_due_at, next_warn_at, now) -> str:
    """How close a ticket's next deadline is (its columns next_due_at and next_warn_at),
    for colouring lists."""
    if next_due_at is None:
        return Urgency.OK
    if next_due_at <= now:
        return Urgency.BREACHED
    if next_warn_at is not None and next_warn_at <= now:
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
    # The people are read by id, not joined: each join of the users table made PostgreSQL
    # plan the page's query some 10 ms longer (three of them: 40–60 ms of planning for a
    # 1 ms query at 100 000 tickets), while reading a few users by id plans in no time;
    # all three in one query (with_people), not one each.
    return (
        queryset.select_related("contract", "system", "service_class")
        .with_people("reporter", "assignee", "entered_by")
        .with_clocks()
    )


def with_timeline(
    queryset: QuerySet[Ticket], *, viewer, organizations: list[int] | None = None
) -> QuerySet[Ticket]:
    """The tickets with the timeline and files `viewer` may read: the vendor's internal
    notes only for its staff (`organizations`: an API token's, see Event.objects.visible_to)."""
    reader = Reader.of(viewer, organizations)
    events = Event.objects.readable_by(reader)
    files = Attachment.objects.readable_by(reader)
    return queryset.prefetch_related(
        Prefetch("events", queryset=events.select_related("actor").order_by("at", "id")),
        Prefetch("attachments", queryset=files.select_related("uploaded_by")),
        Prefetch("consents", queryset=CONSENTS),
        Prefetch(
            "change_windows",
            queryset=ChangeWindow.objects.select_related("proposed_by", "agreed_by"),
        ),
        Prefetch(
            "appointments", queryset=Appointment.objects.select_related("proposed_by", "agreed_by")
        ),
    )


# A ticket's consent requests with the people they name, as the page and the API show them.
CONSENTS = ConsentRequest.objects.select_related(
    "ticket__contract", "requested_by", "decided_by", "recorded_by", "disputed_by"
).order_by("requested_at", "id")


def consents_awaiting(user) -> QuerySet[ConsentRequest]:
    """The pending consent requests this person may answer for the hospital: of every
    ticket of their hospital for hospital IT, of the tickets they reported for a reporter
    (tickets.policy.may_decide_consent), oldest first."""
    if not user.is_authenticated:
        return ConsentRequest.objects.none()
    hospitals = Membership.objects.filter(user=user, role=Role.HOSPITAL_IT).values_list(
        "organization_id", flat=True
    )
    reporter_at = Membership.objects.filter(user=user, role=Role.REPORTER).values_list(
        "organization_id", flat=True
    )
    return CONSENTS.filter(
        Q(ticket__contract__hospital_id__in=list(hospitals))
        | Q(ticket__reporter=user, ticket__contract__hospital_id__in=list(reporter_at)),
        state=ConsentState.PENDING,
        ticket__state__in=OPEN_STATES,
    ).select_related("ticket__system")


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


# --- what waits for the hospital ---------------------------------------------------------


@dataclass(frozen=True)
class AwaitingRule:
    """Tickets that wait for a step only the hospital can take: `action` (a key of
    tickets.policy.ACTION_ROLES) names who may take it, `waiting` which tickets wait for it."""

    key: str
    title: Promise
    action: str
    waiting: Q


# The hospital IT home page shows one section per rule, in this order. A new step the
# hospital owes (its consent to a hold, say) is one more rule here: the page, its count and
# its test follow.
AWAITING_HOSPITAL: list[AwaitingRule] = [
    AwaitingRule(
        "consent",
        _("Holds and extensions waiting for your consent"),
        "decide_consent",
        # A subquery, not a join: a ticket with two pending requests is listed once.
        Q(
            pk__in=ConsentRequest.objects.filter(state=ConsentState.PENDING).values("ticket_id"),
            state__in=OPEN_STATES,
        ),
    ),
    AwaitingRule(
        "confirm",
        _("Resolved, waiting for your confirmation"),
        "confirm",
        Q(state=State.RESOLVED),
    ),
    AwaitingRule(
        "approve_plan",
        _("Change plans waiting for your approval"),
        "approve_plan",
        Q(state=State.AWAITING_APPROVAL),
    ),
]
AWAITING_LIMIT = 50


@dataclass(frozen=True)
class AwaitingSection:
    key: str
    title: Promise
    tickets: list[Ticket]
    more: bool  # more than AWAITING_LIMIT wait


def awaiting_hospital(user, rules: list[AwaitingRule] | None = None) -> list[AwaitingSection]:
    """Per rule of AWAITING_HOSPITAL, the tickets waiting for the user to take its step, at
    the hospitals where they hold a role that may (a reporter: only their own tickets),
    oldest first. One query per rule."""
    held: dict[str, set[int]] = {}
    for organization, role in memberships_of(user):
        held.setdefault(role, set()).add(organization)
    sections = []
    for rule in AWAITING_HOSPITAL if rules is None else rules:
        roles = ACTION_ROLES[rule.action] & HOSPITAL_STAFF
        hospitals = set().union(*(held.get(role, set()) for role in roles - OWN_TICKETS_ONLY))
        own_at = set().union(*(held.get(role, set()) for role in roles & OWN_TICKETS_ONLY))
        whose = Q(contract__hospital_id__in=hospitals) | Q(
            contract__hospital_id__in=own_at, reporter=user
        )
        tickets = list(
            Ticket.objects.filter(whose, rule.waiting)
            .select_related("contract__hospital", "system", "service_class", "assignee")
            .order_by("updated_at", "id")[: AWAITING_LIMIT + 1]
            if hospitals or own_at
            else []
        )
        sections.append(
            AwaitingSection(
                rule.key, rule.title, tickets[:AWAITING_LIMIT], len(tickets) > AWAITING_LIMIT
            )
        )
    return sections


def saved_views(user, page: str) -> QuerySet:
    """The person's saved filters of one list, by name."""
    from tickets.models import SavedView

    return SavedView.objects.filter(owner=user, page=page).order_by("name")


def board_tickets(user, numbers: list[str]) -> list[Ticket]:
    """The open tickets of the user's vendors with these numbers (in any case), in the
    order given: what the dispatch board's "selected" means; others are left out."""
    wanted = list(dict.fromkeys(number.strip().upper() for number in numbers if number.strip()))
    found = {ticket.number: ticket for ticket in vendor_queue(user).filter(number__in=wanted)}
    return [found[number] for number in wanted if number in found]


def readers_of(ticket: Ticket) -> QuerySet:
    """Who may read the ticket (tickets.policy.readers): whom a watcher may be."""
    return readers(ticket)
