"""Each ticket list as a file for Excel: the list's own tickets and filters, every page.

`?format=csv` (the default) or `?format=xlsx`; the other parameters are the list's.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.record import query_filters, record
from opsdesk.page_policy import page_for
from tickets import exports
from tickets.errors import TicketError
from tickets.filters import error_text
from tickets.models import Ticket
from tickets.views import lists


def _back(request, list_url_name: str):
    """Back to the list, its filters kept, where the message says why there is no file."""
    query = request.GET.copy()
    query.pop("format", None)
    back = reverse(list_url_name)
    return redirect(f"{back}?{query.urlencode()}" if query else back)


def _download(request, tickets: QuerySet[Ticket], *, stem: str, list_url_name: str):
    """The list's tickets narrowed by the same filters as the page (tickets.filters)."""
    tickets, filters = lists.filtered(request, tickets)
    if filters is not None and filters.errors:
        messages.error(request, error_text(filters))
        return _back(request, list_url_name)
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.FORMATS:
        return HttpResponseBadRequest(
            _("Choose format=csv or format=xlsx."), content_type="text/plain; charset=utf-8"
        )
    try:
        response = exports.export_response(tickets, fmt=fmt, stem=stem)
    except TicketError as exc:  # too many rows: back to the list, filters kept
        messages.error(request, str(exc))
        return _back(request, list_url_name)
    record(
        "tickets.export",
        actor=request.user,
        data={
            "format": fmt,
            "list": stem,
            "filters": query_filters(request.GET, exclude=["format"]),
        },
    )
    return response


@page_for("queue")
def queue_export(request):
    tickets, mine = lists.queue_tickets(request)
    return _download(
        request,
        tickets.order_by(*lists.BY_NEXT_DEADLINE.order_by()),
        stem="my-queue" if mine else "queue",
        list_url_name="queue",
    )


@page_for("dispatch")
def dispatch_export(request):
    """Both sections of the board, whole (the page shows the first 100 of each)."""
    tickets = lists.dispatch_tickets(request, timezone.now())
    return _download(
        request,
        tickets.order_by(*lists.BY_NEXT_DEADLINE.order_by()),
        stem="dispatch",
        list_url_name="dispatch",
    )


@page_for("tickets")
def ticket_list_export(request):
    tickets, show = lists.hospital_list_tickets(request, default="all")
    return _download(
        request,
        tickets.order_by(*lists.NEWEST_FIRST.order_by()),
        stem=f"tickets-{show}" if show in ("open", "finished") else "tickets",
        list_url_name="ticket-list",
    )
