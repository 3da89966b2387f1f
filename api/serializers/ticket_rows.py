"""The API's ticket list written from columns, not model instances.

TicketSerializer stays the list's definition: its schema, each field's meaning, and the answer
for the same tickets (tests/api/test_ticket_rows.py holds the two equal, for tickets of every
kind the demo has). A page of 50 tickets read as instances built some 320 of them (each
ticket, its contract, system, level, people and clocks, each with its state machine) and
then wrote every field through DRF; these columns make the same JSON in less than half the
CPU. The few rules a row needs beyond its columns are the models' own functions, asked of
the columns: a person's name (full_name_of), who called and with which account (caller_of,
caller_account_of), whether a clock's breach is recorded (breach_recorded), which clocks
apply (is_active, as Ticket.active_clocks).
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from rest_framework import serializers

from accounts.models import full_name_of, person_name
from api.serializers.base import datetime_writer
from contracts.models import CoveredSystem, ServiceClass
from tickets.models import Ticket, TicketClock, breach_recorded, caller_account_of, caller_of

# The ticket's columns (and its contract's code) a row is written from.
TICKET_COLUMNS = (
    "id",
    "number",
    "kind",
    "state",
    "contract__code",
    "system_id",
    "title",
    "description",
    "contact_phone",
    "reporter_id",
    "assignee_id",
    "satisfaction",
    "channel",
    "caller_name",
    "created_at",
    "entered_at",
    "entered_by_id",
    "backdate_reason",
    "acknowledged_at",
    "arrived_at",
    "resolved_at",
    "closed_at",
    "updated_at",
    "next_due_at",
)
CLOCK_COLUMNS = (
    "ticket_id",
    "name",
    "target_minutes",
    "extension_minutes",
    "started_at",
    "due_at",
    "met_at",
    "is_paused",
    "warned_at",
    "breached_at",
    "breach_reason",
    "agreed_due_at",
    "provisional",
    "calendar__name",
)
PERSON_COLUMNS = ("id", "full_name", "first_name", "last_name", "username")

# DateTimeField.to_representation(), as TicketSerializer's fields write a time.
_time_field = serializers.DateTimeField()
_write_time = datetime_writer(_time_field) or (
    lambda value, _zone: _time_field.to_representation(value)  # another format configured
)


def ticket_list_columns(tickets: QuerySet[Ticket]) -> QuerySet:
    """The tickets as the columns their rows are written from (dicts, for opsdesk.keyset's
    paginate() as much as for write_ticket_rows())."""
    return tickets.values(*TICKET_COLUMNS, **_related_columns())


@cache
def _related_columns() -> dict[str, Subquery]:
    """The system's and the SLA row's columns, each read by a one-row subquery on its
    table's primary key, not by joining the two tables: at a million tickets PostgreSQL
    planned the page's query with the joins in 1.1–1.3 ms, longer than it ran, and with
    these in 0.4 ms (so do the portal's lists, tickets/presenters.py). Built once: each
    query resolves its own copy."""
    columns = {
        "system_code": (CoveredSystem, "system_id", "code"),
        "system_name": (CoveredSystem, "system_id", "name"),
        "level": (ServiceClass, "service_class_id", "level"),
        "service_class_code": (ServiceClass, "service_class_id", "code"),
    }
    return {
        name: Subquery(model.objects.filter(pk=OuterRef(key)).order_by().values(column))
        for name, (model, key, column) in columns.items()
    }


def write_ticket_rows(tickets: list[dict]) -> list[dict]:
    """TicketSerializer(many=True).data of these tickets, from their columns, in two queries
    more: their people, and their clocks that apply with their calendars' names."""
    if not tickets:
        return []
    zone = timezone.get_current_timezone()

    def time(value):
        return None if value is None else _write_time(value, zone)

    people = _people_of(tickets)
    clocks = _active_clocks_of(tickets, time)
    rows = []
    for ticket in tickets:
        reporter = people[ticket["reporter_id"]]
        created_at = time(ticket["created_at"])
        rows.append(
            {
                "id": ticket["id"],
                "number": ticket["number"],
                "kind": ticket["kind"],
                "level": ticket["level"],
                "service_class": ticket["service_class_code"],
                "state": ticket["state"],
                "contract": ticket["contract__code"],
                "system": {
                    "id": ticket["system_id"],
                    "code": ticket["system_code"],
                    "name": ticket["system_name"],
                },
                "title": ticket["title"],
                "description": ticket["description"],
                "contact_phone": ticket["contact_phone"],
                "reporter": reporter.signed,
                "assignee": _signed(people, ticket["assignee_id"]),
                "satisfaction": ticket["satisfaction"],
                "channel": ticket["channel"],
                "caller": {
                    "id": caller_account_of(ticket["caller_name"], ticket["reporter_id"]),
                    "name": caller_of(ticket["caller_name"], reporter.shown),
                },
                "reported_at": created_at,
                "entered_at": time(ticket["entered_at"]),
                "entered_by": _signed(people, ticket["entered_by_id"]),
                "backdate_reason": ticket["backdate_reason"],
                "created_at": created_at,
                "acknowledged_at": time(ticket["acknowledged_at"]),
                "arrived_at": time(ticket["arrived_at"]),
                "resolved_at": time(ticket["resolved_at"]),
                "closed_at": time(ticket["closed_at"]),
                "updated_at": time(ticket["updated_at"]),
                "next_due_at": time(ticket["next_due_at"]),
                "clocks": clocks.get(ticket["id"], []),
            }
        )
    return rows


class _Person:
    """A person as the rows name them: `signed` as PersonSerializer writes them (their
    full name), `shown` as str(user) (a caller's name where nobody else gave one)."""

    __slots__ = ("shown", "signed")

    def __init__(self, row: dict) -> None:
        self.signed = {
            "id": row["id"],
            "name": full_name_of(
                row["full_name"], row["first_name"], row["last_name"], row["username"]
            ),
        }
        self.shown = person_name(row["full_name"], row["username"])


def _signed(people: dict[int, _Person], person_id: int | None) -> dict | None:
    return None if person_id is None else people[person_id].signed


def _people_of(tickets: list[dict]) -> dict[int, _Person]:
    ids = {
        ticket[column]
        for ticket in tickets
        for column in ("reporter_id", "assignee_id", "entered_by_id")
    }
    ids.discard(None)
    rows = get_user_model().objects.filter(pk__in=ids).order_by().values(*PERSON_COLUMNS)
    return {row["id"]: _Person(row) for row in rows}


def _active_clocks_of(tickets: list[dict], time) -> dict[int, list[dict]]:
    """Each ticket's clocks that apply (Ticket.active_clocks), in the order they started,
    as ClockSerializer writes them."""
    clocks = (
        TicketClock.objects.filter(ticket_id__in=[ticket["id"] for ticket in tickets])
        .filter(is_active=True)
        .order_by("id")
        .values(*CLOCK_COLUMNS)
    )
    by_ticket: dict[int, list[dict]] = {}
    for clock in clocks:
        by_ticket.setdefault(clock["ticket_id"], []).append(
            {
                "name": clock["name"],
                "target_minutes": clock["target_minutes"],
                "extension_minutes": clock["extension_minutes"],
                "started_at": time(clock["started_at"]),
                "due_at": time(clock["due_at"]),
                "met_at": time(clock["met_at"]),
                "paused": clock["is_paused"],
                "breached": breach_recorded(clock["breached_at"]),
                "warned_at": time(clock["warned_at"]),
                "breached_at": time(clock["breached_at"]),
                "breach_reason": clock["breach_reason"],
                "agreed_due_at": time(clock["agreed_due_at"]),
                "provisional": clock["provisional"],
                "calendar": clock["calendar__name"],
            }
        )
    return by_ticket
