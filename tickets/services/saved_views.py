"""Saving and deleting a person's views (filters) of a ticket list."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from tickets.errors import TicketError
from tickets.filters import filter_query, is_filtered
from tickets.models import ListPage, SavedView

MAX_VIEWS = 30


def save_view(*, owner, page: str, name: str, query: str) -> SavedView:
    """Save the filters of `query` (a list's query string) under `name`; a view of the same
    name on the same list is replaced, as "save" means to a person."""
    name = " ".join(name.split())
    if page not in ListPage.values:
        raise TicketError("invalid", _("Unknown list."), field="page")
    if not name:
        raise TicketError("invalid", _("Give the view a name."), field="name")
    if len(name) > 60:
        raise TicketError("invalid", _("A name has at most 60 characters."), field="name")
    filters = QueryDict(query[:2000])
    if not is_filtered(filters):
        raise TicketError("invalid", _("Choose a filter first: this view shows the whole list."))
    kept = filter_query(filters)
    existing = SavedView.objects.filter(owner=owner, page=page)
    if existing.count() >= MAX_VIEWS and not existing.filter(name=name).exists():
        raise TicketError("invalid", _("At most %(limit)s saved views per list."), limit=MAX_VIEWS)
    try:
        with transaction.atomic():
            view, _created = SavedView.objects.update_or_create(
                owner=owner, page=page, name=name, defaults={"query": kept[:1000]}
            )
    except IntegrityError as exc:  # saved twice at once: the other one won
        raise TicketError("conflict", _("Saved just now by another request.")) from exc
    return view


def delete_view(*, owner, pk: int) -> None:
    """Delete one of the owner's views; another person's is not theirs to delete (and is
    not found, so its existence is not revealed)."""
    deleted, _rows = SavedView.objects.filter(owner=owner, pk=pk).delete()
    if not deleted:
        raise TicketError("not_found", _("No such saved view."))
