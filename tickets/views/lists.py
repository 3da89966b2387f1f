"""Lists of tickets: the engineer's queue, the dispatcher's board, a hospital's tickets."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from opsdesk.keyset import InvalidCursor, Ordering, paginate
from opsdesk.page_policy import page_for
from tickets import selectors
from tickets.models import OPEN_STATES, Ticket
from tickets.policy import sees_all_hospital_tickets

PAGE_SIZE = 50
BY_NEXT_DEADLINE = Ordering("next_due_at", nullable=True)
NEWEST_FIRST = Ordering("created_at", descending=True)


def _rows(tickets, now) -> list[tuple[Ticket, str]]:
    return [(ticket, selectors.urgency(ticket, now)) for ticket in tickets]


def _page(request, tickets, ordering: Ordering):
    """One page; a damaged cursor (an edited link) starts again from the first page."""
    try:
        return paginate(request, tickets, ordering, PAGE_SIZE, request.GET.get("cursor") or None)
    except InvalidCursor as exc:
        messages.warning(request, exc.message)
        return paginate(request, tickets, ordering, PAGE_SIZE, None)


def export_links(request, url_name: str) -> dict[str, str]:
    """Where to download the list as filtered now (every page of it), per file format."""
    query = request.GET.copy()
    query.pop("cursor", None)
    links = {}
    for fmt in ("csv", "xlsx"):
        query["format"] = fmt
        links[fmt] = f"{reverse(url_name)}?{query.urlencode()}"
    return links


# The filters of each list, read from its query string; its export applies the same ones.


def queue_tickets(request) -> tuple[QuerySet[Ticket], bool]:
    """The queue's tickets, and whether they are only the user's own (`mine=1`)."""
    tickets = selectors.vendor_queue(request.user)
    mine = request.GET.get("mine") == "1"
    if mine:
        tickets = tickets.filter(assignee=request.user)
    return tickets, mine


def dispatch_tickets(request, now) -> QuerySet[Ticket]:
    """The board's tickets: those waiting for an engineer, and assigned ones past the
    warning threshold of their next deadline."""
    return selectors.vendor_queue(request.user).filter(
        Q(assignee__isnull=True) | Q(next_warn_at__lte=now)
    )


def hospital_list_tickets(request, default: str = "open") -> tuple[QuerySet[Ticket], str]:
    """The hospital list's tickets, and which of them it shows (`show`: open, finished, all;
    the page opens on the open ones, an export without `show` takes them all)."""
    tickets = selectors.hospital_tickets(request.user)
    show = request.GET.get("show", default)
    if show == "open":
        tickets = tickets.filter(state__in=OPEN_STATES)
    elif show == "finished":
        tickets = tickets.exclude(state__in=OPEN_STATES)
    return tickets, show


@page_for("queue")
def queue(request):
    """Open tickets by nearest deadline; refreshes itself every 30 s (htmx) on the page."""
    now = timezone.now()
    tickets, mine = queue_tickets(request)
    page, next_url = _page(request, tickets, BY_NEXT_DEADLINE)
    context = {
        "rows": _rows(page, now),
        "next_url": next_url,
        "mine": mine,
        "now": now,
        "exports": export_links(request, "queue-export"),
    }
    template = (
        "tickets/_queue_table.html" if request.headers.get("HX-Request") else "tickets/queue.html"
    )
    return render(request, template, context)


@page_for("dispatch")
def dispatch_board(request):
    """Unassigned and at-risk tickets, assignable in one step, and each engineer's load."""
    now = timezone.now()
    tickets = dispatch_tickets(request, now)
    unassigned = list(
        tickets.filter(assignee__isnull=True).order_by(*BY_NEXT_DEADLINE.order_by())[:100]
    )
    at_risk = list(
        tickets.filter(assignee__isnull=False).order_by(*BY_NEXT_DEADLINE.order_by())[:100]
    )
    engineers = selectors.engineer_load(request.user)
    context = {
        "unassigned": _rows(unassigned, now),
        "at_risk": _rows(at_risk, now),
        "engineers": engineers,
        "now": now,
        "exports": export_links(request, "dispatch-export"),
    }
    return render(request, "tickets/dispatch.html", context)


@page_for("tickets")
def ticket_list(request):
    """A hospital's tickets: a reporter sees their own, hospital IT all of the hospital's."""
    now = timezone.now()
    tickets, show = hospital_list_tickets(request)
    is_it = sees_all_hospital_tickets(request.user)
    page, next_url = _page(request, tickets, NEWEST_FIRST)
    return render(
        request,
        "tickets/list.html",
        {
            "rows": _rows(page, now),
            "next_url": next_url,
            "show": show,
            "is_it": is_it,
            "now": now,
            "exports": export_links(request, "ticket-list-export"),
        },
    )
