"""Keyset ("cursor") pagination: the next page starts after the last row seen, so a page
deep in a long list costs what the first one costs, and rows filed meanwhile never shift
a page."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _


class InvalidCursor(ValueError):
    """A cursor that was not made by paginate(): edited by hand, or cut short."""

    message = _("This cursor is not valid; start again from the first page.")


LARGEST_ID = 2**63 - 1


@dataclass(frozen=True)
class Ordering:
    field: str
    descending: bool = False
    nullable: bool = False
    is_date: bool = False  # a DateField (a due date), not a DateTimeField

    def order_by(self) -> list:
        if self.descending:
            return [F(self.field).desc(nulls_last=True), "-id"]
        return [F(self.field).asc(nulls_last=True), "id"]

    def after(self, value, row_id: int) -> Q:
        """Rows that come after (value, row_id) in this order; nulls sort last."""
        f = self.field
        id_after = Q(id__lt=row_id) if self.descending else Q(id__gt=row_id)
        if value is None:
            return Q(**{f"{f}__isnull": True}) & id_after
        beyond = Q(**{f"{f}__lt" if self.descending else f"{f}__gt": value})
        later = beyond | (Q(**{f: value}) & id_after)
        return later | Q(**{f"{f}__isnull": True}) if self.nullable else later


def _encode(value, row_id: int) -> str:
    if isinstance(value, dt.date):  # datetimes too
        value = value.isoformat()
    raw = json.dumps({"v": value, "id": row_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, ordering: Ordering):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        row_id = int(data["id"])
        if not 0 < row_id <= LARGEST_ID:
            raise ValueError(cursor)
        value = data["v"]
        if value is not None:
            value = (parse_date if ordering.is_date else parse_datetime)(value)
            if value is None:
                raise ValueError(cursor)
        elif not ordering.nullable:
            raise ValueError(cursor)
    except (
        ValueError,
        KeyError,
        TypeError,
        OverflowError,  # {"id": 1e999}
        UnicodeEncodeError,
        binascii.Error,
    ) as exc:
        raise InvalidCursor(cursor) from exc
    return value, row_id


def paginate(request, queryset: QuerySet, ordering: Ordering, page_size: int, cursor: str | None):
    """One page of `queryset` in `ordering`, and the URL of the next page (None at the end).
    The rows are model instances, or dicts holding `id` and the ordering's field when the
    queryset was read with .values(). InvalidCursor for a cursor paginate() did not make."""
    queryset = queryset.order_by(*ordering.order_by())
    if cursor:
        value, row_id = _decode(cursor, ordering)
        queryset = queryset.filter(ordering.after(value, row_id))
    rows = list(queryset[: page_size + 1])
    next_url = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        if isinstance(last, dict):  # read with .values(): a list that builds no instances
            next_cursor = _encode(last[ordering.field], last["id"])
        else:
            next_cursor = _encode(getattr(last, ordering.field), last.pk)
        query = request.GET.copy()
        query["cursor"] = next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return rows, next_url
