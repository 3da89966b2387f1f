"""Ticket numbers: hospital code, year, sequence — YN-2026-00042."""

from __future__ import annotations

import datetime as dt

from django.db import connections, router
from django.utils import timezone

from contracts.models import Organization
from tickets.models import TicketSequence


def next_number(hospital: Organization, at: dt.datetime) -> str:
    """The next number for this hospital in the local year of `at`; gap-free per year.

    The sequence row is incremented inside the caller's transaction, so two tickets filed
    at once wait on the row lock and never get the same number. The lock is held until the
    caller commits: file the ticket's other rows quickly after this.

    One statement, the first ticket of a year too (which creates the year's row): no
    savepoint of its own inside the caller's transaction, as a failure here fails the
    filing anyway.
    """
    year = timezone.localtime(at).year
    return f"{hospital.code}-{year}-{_increment(hospital.pk, year):05d}"


def _increment(hospital_id: int, year: int) -> int:
    """Add one to the year's sequence, starting it at 1, and return the new value.

    INSERT … ON CONFLICT DO UPDATE … RETURNING (PostgreSQL; SQLite since 3.35): the ORM's
    update() returns only a row count, reading the value back would be a second statement
    under the lock, and looking for the year's row before creating it three more. Two
    first tickets of a year at once: the second waits on the first's row, then adds one."""
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
            f"INSERT INTO {table} ({hospital}, {of_year}, {last}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({hospital}, {of_year}) DO UPDATE SET {last} = {table}.{last} + 1 "
            f"RETURNING {last}",
            [hospital_id, year],
        )
        return cursor.fetchone()[0]
