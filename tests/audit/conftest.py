from __future__ import annotations

from django.db import connection, transaction

from audit.models import AuditEntry


def latest_pk() -> int:
    """The newest entry's id: `only(action, after=latest_pk())` ignores what came before."""
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def entries(action: str, *, after: int = 0) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, pk__gt=after).order_by("pk"))


def only(action: str, *, after: int = 0) -> AuditEntry:
    found = entries(action, after=after)
    assert len(found) == 1, f"{len(found)} {action} entries: {found}"
    return found[0]


def raw_sql(sql: str, params: list) -> None:
    """One statement in its own savepoint, as a person at a SQL prompt would type it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
