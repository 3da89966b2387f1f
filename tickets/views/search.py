"""The search box's page: a ticket number opens the ticket, other words list what matches."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from tickets import search
from tickets.models import Ticket


@login_required
def search_page(request):
    text = request.GET.get("q", "").strip()
    # The visibility subquery, not a list of contract ids: a list of 200 ids costs the
    # planner more than the searches take to run (bench/search_bench.py).
    tickets = Ticket.objects.visible_to(request.user)
    context = {"q": text, "too_long": len(text) > search.MAX_QUERY}
    if text:
        ticket = search.ticket_by_number(tickets, text)
        if ticket is not None:
            return redirect(ticket)
        results = search.search(
            tickets.select_related("contract__hospital", "system", "service_class", "assignee"),
            search.visible_comments(tickets, request.user),
            text,
        )
        context.update(
            results=results,
            Where=search.Where,
            max_count=search.MAX_COUNT,
            short_words_days=search.SHORT_WORDS_DAYS,
        )
    return render(request, "tickets/search.html", context)
