"""What the ticket page's recurrence and outage sections show the person looking at it."""

from __future__ import annotations

from contracts.models import TicketKind
from reports.policy import DASHBOARD_ROLES
from tickets.models import Ticket
from tickets.policy import may
from tickets.recurrence import problem_tickets
from tickets.recurrence_candidates import recurrence_candidates


def recurrence_section(user, ticket: Ticket, roles: set[str]) -> dict:
    may_link = may(user, "link_recurrence", ticket, roles=roles)
    linked = ticket.recurrence_of_id is not None or ticket.recurrences.exists()
    return {
        "may_link": may_link,
        "problem": list(problem_tickets(ticket)) if linked else [],
        # Suggested only while the ticket is not linked: one problem per ticket.
        "candidates": recurrence_candidates(ticket)
        if may_link and ticket.recurrence_of_id is None
        else [],
    }


def outage_section(user, ticket: Ticket, roles: set[str]) -> dict:
    outages = list(ticket.outages.select_related("recorded_by"))
    may_record = ticket.kind == TicketKind.FAULT and may(user, "record_outage", ticket, roles=roles)
    return {
        "outages": outages,
        "open_outages": [outage for outage in outages if outage.ended_at is None],
        "may_record_outage": may_record,
        # The roles already read for the page: the dashboard's rule without reading them again.
        "sees_contract_outages": user.is_superuser or bool(DASHBOARD_ROLES & roles),
    }
