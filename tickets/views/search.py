"""The search box's page: a ticket number opens the ticket, other words list what matches."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from contracts.models import Contract
from tickets import search


@login_required
def search_page(request):
    text = request.GET.get("q", "").strip()
    tickets = search.tickets_of(Contract.objects.visible_to(request.user))
    context = {"q": text, "too_long": len(text) > search.MAX_QUERY}
    if text:
        ticket = search.ticket_by_number(tickets, text)
        if ticket is not None:
            return redirect(ticket)
        results = search.search(
            tickets.select_related("contract__hospital", "system", "service_class", "assignee"),
            search.visible_comments(tickets),
            text,
        )
        context.update(results=results, Where=search.Where, max_count=search.MAX_COUNT)
    return render(request, "tickets/search.html", context)
