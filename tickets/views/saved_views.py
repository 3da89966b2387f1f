"""Saving the filters of a list under a name, and deleting a saved view."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets.errors import TicketError
from tickets.models import ListPage
from tickets.services import saved_views

LIST_URLS = {
    ListPage.TICKETS: "ticket-list",
    ListPage.QUEUE: "queue",
    ListPage.DISPATCH: "dispatch",
}


def _list_url(page: str, query: str = "") -> str:
    url = reverse(LIST_URLS.get(page, "ticket-list"))
    return f"{url}?{query}" if query else url


@login_required
@require_POST
def save(request):
    page, query = request.POST.get("page", ""), request.POST.get("query", "")
    try:
        view = saved_views.save_view(
            owner=request.user, page=page, name=request.POST.get("name", ""), query=query
        )
    except TicketError as exc:
        messages.error(request, str(exc))
        return redirect(_list_url(page, query))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(_list_url(view.page, view.query))


@login_required
@require_POST
def delete(request):
    page = request.POST.get("page", "")
    pk = request.POST.get("pk", "")
    try:
        saved_views.delete_view(owner=request.user, pk=int(pk) if pk.isdigit() else 0)
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved view deleted."))
    return redirect(_list_url(page))
