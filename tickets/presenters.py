"""What a ticket list shows of each ticket, computed once per row in Python.

The queue, the dispatch board, a hospital's list and hospital IT's home page render their rows
from these plain dicts ({% ticket_table %}, tickets/templatetags/ticket_table.py). A row is
made from the ticket's columns (`row_columns`, read with `.values()`: no model instance, no
state-machine set-up per row) by the same functions every other page asks: the urgency
colour is `selectors.urgency`, the state badge and the countdown are this module's own
`state_badge` and `countdown`, which the ticket page's template tags call too, and the link
is the ticket's `get_absolute_url`, reversed once per list instead of once per row.

Nothing here is kept between requests: the labels are translated in the request's language
and every deadline is read from the row just fetched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import cache
from typing import TypedDict
from urllib.parse import quote

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User, person_name, person_name_column
from contracts.models import CoveredSystem, Organization, ServiceClass
from tickets.models import State, Ticket
from tickets.selectors import urgency

# The ticket's own columns a row is made of (`id`: the keyset paginator's tie-break).
ROW_FIELDS = ("id", "number", "title", "state", "next_due_at", "next_warn_at", "created_at")

# The names a row shows, as each model names itself (an organisation's str(), person_name()).
# Each is read by a one-row subquery on its table's primary key, not by joining the table:
# with five joins, PostgreSQL spent some 3 ms planning a page's query (every order of six
# tables, with the ticket table's many indexes), which then ran in half a millisecond; the
# subqueries plan in no time and cost fifty index lookups each.
ROW_NAMES = {
    "hospital": (Organization, "contract__hospital_id", Organization.name_column()),
    "system_name": (CoveredSystem, "system_id", F("name")),
    "level_name": (ServiceClass, "service_class_id", F("name")),
    "engineer_name": (User, "assignee_id", person_name_column()),
}

NO_ONE = "—"


class TicketRow(TypedDict):
    number: str
    url: str
    title: str
    hospital: str
    system: str
    level: str
    urgency: str  # selectors.Urgency
    state: SafeString  # the badge: state_badge()
    deadline: SafeString | None  # the next deadline's countdown(), None without one
    engineer: str
    reported_at: dt.datetime


def row_columns(tickets: QuerySet[Ticket]) -> QuerySet:
    """The tickets as the columns their rows are made of: dicts, not model instances (each
    instance, its four related ones and its state machine cost more than its row)."""
    return tickets.values(*ROW_FIELDS, **_name_subqueries())


@cache
def _name_subqueries() -> dict[str, Subquery]:
    # Built once: each query that uses them resolves its own copy, and building them was a
    # sixth of a page's CPU.
    return {
        name: Subquery(model.objects.filter(pk=OuterRef(key)).order_by().values(shown=column))
        for name, (model, key, column) in ROW_NAMES.items()
    }


def row_values(ticket: Ticket) -> dict:
    """A ticket already read as a model instance (hospital IT's waiting sections), as the
    columns row_columns() reads."""
    assignee = ticket.assignee
    return {
        **{field: getattr(ticket, field) for field in ROW_FIELDS},
        "hospital": str(ticket.contract.hospital),
        "system_name": ticket.system.name,
        "level_name": ticket.service_class.name,
        "engineer_name": assignee and person_name(assignee.full_name, assignee.username),
    }


def countdown(
    due: dt.datetime, warn: dt.datetime | None = None, zone: dt.tzinfo | None = None
) -> SafeString:
    """A deadline as the page shows it: the time it falls due, in the request's time zone
    (or `zone`), which static/js/opsdesk.js turns into the time left (or overdue), coloured
    from `warn` on."""
    zone = zone or timezone.get_current_timezone()
    local_due = due.astimezone(zone)
    # An ISO time is digits, '-', ':', '+', '.' and 'T': nothing in it to escape.
    warn_attribute = f' data-warn="{warn.astimezone(zone).isoformat()}"' if warn else ""
    return mark_safe(
        f'<span class="countdown" data-due="{local_due.isoformat()}"{warn_attribute}>'
        f"{local_due:%Y-%m-%d %H:%M}</span>"
    )


def state_badge(state: str) -> SafeString:
    """A ticket's state as a coloured label. State(state).label, not get_state_display():
    Django hashes every choice's label on each call of that."""
    return format_html('<span class="state state-{}">{}</span>', state, State(state).label)


def number_urls(url_name: str, **kwargs: str) -> Callable[[str], str]:
    """The address named `url_name` for many tickets (their number, with the same other
    `kwargs`): reversed once, then each number put in its place, quoted as reverse() quotes
    it."""
    placeholder = "__number__"
    pattern = reverse(url_name, kwargs={"number": placeholder, **kwargs})
    before, after = pattern.split(placeholder)
    return lambda number: f"{before}{quote(number, safe='/~:@!$&()*+,;=')}{after}"


def ticket_rows(tickets: Iterable[dict | Ticket], now: dt.datetime) -> list[TicketRow]:
    """The rows of a ticket list, from `.values(*ROW_FIELDS)` (or tickets already read)."""
    url_of = number_urls("ticket-detail")
    zone = timezone.get_current_timezone()
    badges: dict[str, SafeString] = {}  # this page's few states, each made once
    rows = []
    for ticket in tickets:
        values = ticket if isinstance(ticket, dict) else row_values(ticket)
        due, warn, state = values["next_due_at"], values["next_warn_at"], values["state"]
        badge = badges.get(state)
        if badge is None:
            badge = badges[state] = state_badge(state)
        rows.append(
            TicketRow(
                number=values["number"],
                url=url_of(values["number"]),
                title=values["title"],
                hospital=values["hospital"],
                system=values["system_name"],
                level=values["level_name"],
                urgency=urgency(due, warn, now),
                state=badge,
                deadline=countdown(due, warn, zone) if due else None,
                engineer=values["engineer_name"] or NO_ONE,
                reported_at=values["created_at"],
            )
        )
    return rows
