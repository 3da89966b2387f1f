"""Ticket numbers: hospital code, year, sequence — YN-2026-00042."""

from __future__ import annotations

import datetime as dt

from django.db import connections, router, transaction
from django.utils import timezone

from contracts.models import Organization
from tickets.models import TicketSequence


def next_number(hospital: Organization, at: dt.datetime) -> str:
    """The next number for this hospital in the local year of `at`; gap-free per year.

    The sequence row is incremented with an UPDATE inside the caller's transaction, so two
    tickets filed at once wait on the row lock and never get the same number. The lock is
    held until the caller commits: file the ticket's other rows quickly after this.

    One statement once the year's row exists; the first ticket of a year creates the row
    first. No savepoint of its own inside the caller's transaction: a failure here fails
    the filing anyway.
    """
    year = timezone.localtime(at).year
    with transaction.atomic(savepoint=False):
        last = _increment(hospital.pk, year)
        if last is None:
            TicketSequence.objects.get_or_create(hospital=hospital, year=year)
            last = _increment(hospital.pk, year)
    return f"{hospital.code}-{year}-{last:05d}"


def _increment(hospital_id: int, year: int) -> int | None:
    """Add one to the year's sequence and return the new value, None if it has no row yet.

    UPDATE … RETURNING (PostgreSQL; SQLite since 3.35): the ORM's update() returns only a
    row count, and reading the value back would be a second statement under the lock."""
    meta = TicketSequence._meta
    connection = connections[router.db_for_write(TicketSequence)]
    quote = connection.ops.quote_name
    table, last = quote(meta.db_table), quote(meta.get_field("last").column)
    hospital, of_year = (
        quote(meta.get_field("hospital").column),
        quote(meta.get_field("year").column),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + 1 "
            f"WHERE {hospital} = %s AND {of_year} = %s RETURNING {last}",
            [hospital_id, year],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]
