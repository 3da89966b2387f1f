"""Trigram (pg_trgm) GIN indexes for the search box: numbers, titles, descriptions, comments.

Django's `icontains` asks PostgreSQL for `UPPER(col) LIKE UPPER('%…%')`, so each index is on
`UPPER(col)`: the planner then answers a Chinese substring from the index instead of reading
a million descriptions. Only on PostgreSQL: SQLite (development) scans, and has no pg_trgm.
Kept out of the models' Meta for that reason (a GinIndex there would be created on SQLite
too); tickets.search names these indexes where it relies on them.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = (
    ("tickets_ticket", "tickets_search_number", "number", ""),
    ("tickets_ticket", "tickets_search_title", "title", ""),
    ("tickets_ticket", "tickets_search_description", "description", ""),
    # Only comments are searched; the rest of the timeline is the system's own words.
    (
        "tickets_event",
        "tickets_search_comment",
        "note",
        "WHERE action = 'tickets.ticket.commented'",
    ),
)


class TrigramExtensionOnPostgres(TrigramExtension):
    """Django's operation skips other databases going forwards only; backwards too."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, column, where in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (UPPER({column}::text) gin_trgm_ops) {where}"
        )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, name, _column, _where in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_years_clock_due_by_opening"),
    ]

    operations = [
        TrigramExtensionOnPostgres(),
        # Indexes only: neither table is rebuilt, so the SQLite triggers are not lifted.
        migrations.RunPython(create, drop, elidable=False),
    ]
