"""Writing many clock schedules and timeline lines at once.

Django's bulk_update builds one CASE expression per field and row and bulk_create builds a
model per row, which costs seconds for tens of thousands of clocks; on PostgreSQL a single
UPDATE … FROM (VALUES …) and a multi-row INSERT do the same work in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import NamedTuple

from django.db import connection

from tickets.models import Event, Ticket, TicketClock


class ScheduleRow(NamedTuple):
    pk: int
    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    is_paused: bool
    provisional: bool
    warned_at: dt.datetime | None
    breached_at: dt.datetime | None


SCHEDULE_FIELDS = ScheduleRow._fields[1:]


def write_schedules(rows: list[ScheduleRow]) -> None:
    if not rows:
        return
    if connection.vendor != "postgresql":
        clocks = [
            TicketClock(id=row.pk, **{field: getattr(row, field) for field in SCHEDULE_FIELDS})
            for row in rows
        ]
        TicketClock.objects.bulk_update(clocks, list(SCHEDULE_FIELDS), batch_size=500)
        return
    from psycopg2.extras import execute_values

    table = TicketClock._meta.db_table
    assignments = ", ".join(f"{field} = v.{field}" for field in SCHEDULE_FIELDS)
    sql = (
        f"UPDATE {table} AS c SET {assignments} "
        f"FROM (VALUES %s) AS v(id, {', '.join(SCHEDULE_FIELDS)}) WHERE c.id = v.id"
    )
    template = "(%s, %s::timestamptz, %s::timestamptz, %s, %s, %s::timestamptz, %s::timestamptz)"
    with connection.cursor() as cursor:
        # Tickets first, in id order, as the ticket services lock them: the clocks' trigger
        # writes each ticket's next deadline, and taking the clocks first could deadlock
        # with a service holding a ticket and waiting for its clock.
        cursor.execute(
            f"SELECT id FROM {Ticket._meta.db_table} WHERE id IN "
            f"(SELECT ticket_id FROM {table} WHERE id = ANY(%s)) ORDER BY id FOR UPDATE",
            [[row.pk for row in rows]],
        )
        execute_values(cursor.cursor, sql, rows, template=template, page_size=2000)


def insert_events(rows: list[tuple[int, str, dt.datetime, str, dict]]) -> None:
    """(ticket_id, action, at, note, data) lines with no actor and no state change."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Event.objects.bulk_create(
            [Event(ticket_id=t, action=a, at=at, note=n, data=d) for t, a, at, n, d in rows],
            batch_size=1000,
        )
        return
    from psycopg2.extras import execute_values

    sql = (
        f"INSERT INTO {Event._meta.db_table} "
        "(ticket_id, action, at, note, data, from_state, to_state, internal) VALUES %s"
    )
    # Every column without a database default is named: a recomputation is public.
    values = [(t, a, at, n, json.dumps(d), "", "", False) for t, a, at, n, d in rows]
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            sql,
            values,
            template="(%s, %s, %s, %s, %s::jsonb, %s, %s, %s)",
            page_size=2000,
        )
