"""The triggers that keep each ticket's next deadline (Ticket.next_due_at, next_warn_at).

The rule is TicketClock.counts_down: the earliest due_at among the ticket's clocks that are
active, not met and have a deadline (ties by clock id); no such clock, no deadline. The
triggers apply it whenever a clock is inserted, deleted, or one of the columns it reads
changes (the sweep's warned_at/breached_at do not fire them). Installed by migration
tickets/0003, and again by any migration after which SQLite rebuilt the clocks' table (a
rebuild drops its triggers); tests/tickets/test_next_deadline.py checks them against the
Python rule on both databases.
"""

from __future__ import annotations

RUNNING = "c.met_at IS NULL AND c.is_active AND c.due_at IS NOT NULL"

POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION tickets_set_next_deadline(ticket_pk bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    due timestamptz;
    warn timestamptz;
BEGIN
    SELECT c.due_at, c.warn_at INTO due, warn
      FROM tickets_ticketclock c
     WHERE c.ticket_id = ticket_pk AND {RUNNING}
     ORDER BY c.due_at, c.id
     LIMIT 1;
    UPDATE tickets_ticket
       SET next_due_at = due, next_warn_at = warn
     WHERE id = ticket_pk
       AND (next_due_at IS DISTINCT FROM due OR next_warn_at IS DISTINCT FROM warn);
END;
$$;

CREATE OR REPLACE FUNCTION tickets_clock_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM tickets_set_next_deadline(OLD.ticket_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.ticket_id <> OLD.ticket_id) THEN
        PERFORM tickets_set_next_deadline(NEW.ticket_id);
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS tickets_clock_moved ON tickets_ticketclock;
CREATE TRIGGER tickets_clock_moved
    AFTER INSERT OR DELETE OR UPDATE OF ticket_id, due_at, warn_at, met_at, is_active
    ON tickets_ticketclock
    FOR EACH ROW EXECUTE FUNCTION tickets_clock_moved();
"""

POSTGRESQL_BACKFILL = f"""
UPDATE tickets_ticket t
   SET next_due_at = n.due_at, next_warn_at = n.warn_at
  FROM (SELECT DISTINCT ON (c.ticket_id) c.ticket_id, c.due_at, c.warn_at
          FROM tickets_ticketclock c
         WHERE {RUNNING}
         ORDER BY c.ticket_id, c.due_at, c.id) n
 WHERE t.id = n.ticket_id
   AND (t.next_due_at IS DISTINCT FROM n.due_at OR t.next_warn_at IS DISTINCT FROM n.warn_at);
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS tickets_clock_moved ON tickets_ticketclock;
DROP FUNCTION IF EXISTS tickets_clock_moved();
DROP FUNCTION IF EXISTS tickets_set_next_deadline(bigint);
"""


def _sqlite_refresh(ticket: str) -> str:
    def first(column: str) -> str:
        return (
            f"(SELECT c.{column} FROM tickets_ticketclock c "
            f"WHERE c.ticket_id = {ticket} AND {RUNNING.replace('c.is_active', 'c.is_active = 1')} "
            "ORDER BY c.due_at, c.id LIMIT 1)"
        )

    return (
        f"UPDATE tickets_ticket SET next_due_at = {first('due_at')}, "
        f"next_warn_at = {first('warn_at')} WHERE id = {ticket};"
    )


SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS tickets_clock_inserted AFTER INSERT ON tickets_ticketclock "
    f"BEGIN {_sqlite_refresh('NEW.ticket_id')} END;",
    "CREATE TRIGGER IF NOT EXISTS tickets_clock_deleted AFTER DELETE ON tickets_ticketclock "
    f"BEGIN {_sqlite_refresh('OLD.ticket_id')} END;",
    "CREATE TRIGGER IF NOT EXISTS tickets_clock_updated "
    "AFTER UPDATE OF ticket_id, due_at, warn_at, met_at, is_active ON tickets_ticketclock "
    f"BEGIN {_sqlite_refresh('OLD.ticket_id')} {_sqlite_refresh('NEW.ticket_id')} END;",
]
SQLITE_BACKFILL = _sqlite_refresh("tickets_ticket.id").replace(
    " WHERE id = tickets_ticket.id;", ";"
)
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tickets_clock_inserted;",
    "DROP TRIGGER IF EXISTS tickets_clock_deleted;",
    "DROP TRIGGER IF EXISTS tickets_clock_updated;",
]


def install(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL)
            cursor.execute(POSTGRESQL_BACKFILL)
        else:
            for statement in SQLITE:
                cursor.execute(statement)
            cursor.execute(SQLITE_BACKFILL)


def uninstall(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_DROP)
        else:
            for statement in SQLITE_DROP:
                cursor.execute(statement)


# SQLite alters a column by building a new table and renaming it into place; its triggers on
# the clocks name tickets_ticket and refuse the rename. A migration that changes
# tickets_ticket's columns lifts them first and puts them back (with the backfill) after:
#   RunPython(lift_on_sqlite, restore_on_sqlite), …, RunPython(restore_on_sqlite, lift_on_sqlite)
def lift_on_sqlite(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        uninstall(apps, schema_editor)


def restore_on_sqlite(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        install(apps, schema_editor)
