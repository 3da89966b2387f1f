"""Lists of tickets: the engineer's queue, the dispatcher's board, a hospital's tickets."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opsdesk.keyset import InvalidCursor, Ordering, paginate
from opsdesk.page_policy import page_for
from tickets import selectors
from tickets.errors import TicketError
from tickets.filters import TicketFilterSet, error_text, facets, is_filtered
from tickets.models import NOTE_LIMIT, OPEN_STATES, ListPage, Ticket
from tickets.policy import sees_all_hospital_tickets
from tickets.presenters import row_columns, ticket_rows
from tickets.services import batch

PAGE_SIZE = 50
BY_NEXT_DEADLINE = Ordering("next_due_at", nullable=True)
NEWEST_FIRST = Ordering("created_at", descending=True)


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


def filtered(
    request, tickets: QuerySet[Ticket], now=None
) -> tuple[QuerySet[Ticket], TicketFilterSet | None]:
    """The list narrowed by the filters of the query string (tickets.filters); a value
    that is not valid is left out, and `filters.errors` says which. None for the filters
    when the query string names none: the list is whole, and no filter form is built for
    it (its fields' copies cost more than a page of rows)."""
    if not is_filtered(request.GET):
        return tickets, None
    filters = TicketFilterSet(request.GET, queryset=tickets, request=request, now=now)
    return filters.qs, filters


PANEL = "panel"


def filter_context(
    request, filters: TicketFilterSet | None, tickets: QuerySet[Ticket], page: str
) -> dict:
    """The filter panel: open and complete (each filter's values with their counts in the
    filtered list, the person's saved views) when a filter is on or it was asked for;
    otherwise folded, to be fetched when opened (`?panel=1`), so that an unfiltered list
    costs no more than it did."""
    if filters is not None and filters.errors:
        messages.warning(request, error_text(filters))
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop(PANEL, None)
    filter_query = query.urlencode()
    context = {
        "filters": filters,
        "filtered": filters is not None,
        "filter_query": filter_query,
        "list_page": page,
        "panel_query": f"{filter_query}&{PANEL}=1" if filter_query else f"{PANEL}=1",
        "open_query": f"{filter_query}&{PANEL}=open" if filter_query else f"{PANEL}=open",
    }
    context["panel_ready"] = context["filtered"] or request.GET.get(PANEL) in ("1", "open")
    if context["panel_ready"]:
        context["facets"] = facets(tickets, request.GET)
        context["saved_views"] = list(selectors.saved_views(request.user, page))
    return context


def panel_response(request, context: dict):
    """The panel's body alone, when the folded panel is opened (htmx, `?panel=1`)."""
    if request.GET.get(PANEL) == "1" and request.headers.get("HX-Request"):
        return render(request, "tickets/_filters_panel.html", context)
    return None


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
    tickets, filters = filtered(request, tickets, now)
    refresh = request.headers.get("HX-Request") and request.GET.get(PANEL) != "1"
    context = {
        "mine": mine,
        "now": now,
        "refresh_query": request.GET.urlencode(),
    }
    if not refresh:  # the 30-second refresh is the table alone
        context.update(filter_context(request, filters, tickets, ListPage.QUEUE))
        context["exports"] = export_links(request, "queue-export")
        if (panel := panel_response(request, context)) is not None:
            return panel
    page, next_url = _page(request, row_columns(tickets), BY_NEXT_DEADLINE)
    context.update(rows=ticket_rows(page, now), next_url=next_url)
    template = "tickets/_queue_table.html" if refresh else "tickets/queue.html"
    return render(request, template, context)


@page_for("dispatch")
def dispatch_board(request):
    """Unassigned and at-risk tickets, assignable in one step, and each engineer's load."""
    now = timezone.now()
    tickets, filters = filtered(request, dispatch_tickets(request, now), now)
    context = {
        "now": now,
        "exports": export_links(request, "dispatch-export"),
        **filter_context(request, filters, tickets, ListPage.DISPATCH),
    }
    if (panel := panel_response(request, context)) is not None:
        return panel
    by_deadline = BY_NEXT_DEADLINE.order_by()
    unassigned = row_columns(tickets.filter(assignee__isnull=True).order_by(*by_deadline))
    at_risk = row_columns(tickets.filter(assignee__isnull=False).order_by(*by_deadline))
    context.update(
        unassigned=ticket_rows(unassigned[:100], now),
        at_risk=ticket_rows(at_risk[:100], now),
        engineers=selectors.engineer_load(request.user),
    )
    return render(request, "tickets/dispatch.html", context)


@page_for("tickets")
def ticket_list(request):
    """A hospital's tickets: a reporter sees their own, hospital IT all of the hospital's."""
    now = timezone.now()
    tickets, show = hospital_list_tickets(request)
    tickets, filters = filtered(request, tickets, now)
    is_it = sees_all_hospital_tickets(request.user)
    context = {
        "show": show,
        "is_it": is_it,
        "now": now,
        "exports": export_links(request, "ticket-list-export"),
        **filter_context(request, filters, tickets, ListPage.TICKETS),
    }
    if (panel := panel_response(request, context)) is not None:
        return panel
    page, next_url = _page(request, row_columns(tickets), NEWEST_FIRST)
    context.update(rows=ticket_rows(page, now), next_url=next_url)
    return render(request, "tickets/list.html", context)


@page_for("dispatch")
@require_POST
def dispatch_selected(request):
    """Assign or acknowledge the tickets ticked on the board, each through its service;
    says which were done and, for each one that was not, why."""
    numbers = request.POST.getlist("ticket")
    # The response for all of them: where a contract defines a response as a committed plan
    # (C3), a click without one is refused for that ticket and said so.
    note = request.POST.get("note", "").strip()[:NOTE_LIMIT]
    back = request.POST.get("query", "")
    back = f"{reverse('dispatch')}?{back}" if back else reverse("dispatch")
    tickets = selectors.board_tickets(request.user, numbers)
    if not numbers:
        messages.warning(request, _("Tick the tickets first."))
        return redirect(back)
    try:
        if request.POST.get("do") == "assign":
            engineer = (
                selectors.engineer_load(request.user)
                .filter(pk=_int(request.POST.get("engineer")))
                .first()
            )
            if engineer is None:
                messages.error(request, _("Choose an engineer."))
                return redirect(back)
            outcomes = batch.assign_many(
                tickets=tickets, by=request.user, engineer=engineer, note=note
            )
        else:
            outcomes = batch.acknowledge_many(tickets=tickets, by=request.user, note=note)
    except TicketError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    found = {ticket.number for ticket in tickets}
    done = [outcome.number for outcome in outcomes if outcome.done]
    if done:
        messages.success(request, _("Done: %(numbers)s.") % {"numbers": ", ".join(done)})
    for outcome in outcomes:
        if not outcome.done:
            messages.error(request, f"{outcome.number}: {outcome.reason}")
    for number in dict.fromkeys(n.strip().upper() for n in numbers if n.strip()):
        if number not in found:
            messages.error(
                request, _("%(number)s: not an open ticket of yours.") % {"number": number}
            )
    return redirect(back)


def _int(value) -> int:
    return int(value) if value and str(value).isdigit() else 0
