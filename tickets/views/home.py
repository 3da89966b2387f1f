"""Hospital IT's home page: what waits for them, then the hospital's open tickets."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from opsdesk.page_policy import page_for
from tickets import selectors
from tickets.models import OPEN_STATES
from tickets.presenters import row_columns, ticket_rows
from tickets.views.lists import BY_NEXT_DEADLINE

OPEN_LIMIT = 50


@page_for("hospital_desk")
def hospital_desk(request):
    now = timezone.now()
    open_tickets = list(
        row_columns(
            selectors.hospital_tickets(request.user)
            .filter(state__in=OPEN_STATES)
            .order_by(*BY_NEXT_DEADLINE.order_by())
        )[: OPEN_LIMIT + 1]
    )
    sections = [
        (section, ticket_rows(section.tickets, now))
        for section in selectors.awaiting_hospital(request.user)
    ]
    return render(
        request,
        "tickets/hospital_desk.html",
        {
            "sections": sections,
            "waiting": sum(len(section.tickets) for section, _ in sections),
            "open_rows": ticket_rows(open_tickets[:OPEN_LIMIT], now),
            "more_open": len(open_tickets) > OPEN_LIMIT,
            "now": now,
        },
    )
