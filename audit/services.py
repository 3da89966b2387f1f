"""Keeping the audit trail for its retention period, and no longer."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.utils import timezone

from audit.models import AuditEntry
from audit.record import record

# 等保 2.0 level 3 (安全审计) asks that audit records are kept at least six months.
MINIMUM_RETENTION_DAYS = 180


def retention_days() -> int:
    """AUDIT_RETENTION_DAYS; ImproperlyConfigured below the minimum (settings also refuse
    to start with one, but a test or a shell may have changed it since)."""
    days = settings.AUDIT_RETENTION_DAYS
    if days < MINIMUM_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS={days} is below {MINIMUM_RETENTION_DAYS}: audit entries "
            f"must be kept at least {MINIMUM_RETENTION_DAYS} days (等保 2.0 level 3)."
        )
    return days


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete the entries older than the retention period; returns how many.

    On PostgreSQL the append-only trigger lets a DELETE through only while the transaction
    has set opsdesk.audit_purge. SET LOCAL lasts until the outermost transaction ends, so it
    is turned off again at once in case the caller's transaction goes on.
    """
    days = retention_days()
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    using = router.db_for_write(AuditEntry) or DEFAULT_DB_ALIAS
    connection = connections[using]
    with transaction.atomic(using=using):
        postgres = connection.vendor == "postgresql"
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL opsdesk.audit_purge = 'on'")
        # The base manager: the default one refuses to delete (audit.models).
        deleted, _by_model = AuditEntry._base_manager.using(using).filter(at__lt=cutoff).delete()
        if postgres:  # (a failed DELETE rolls the SET LOCAL back with it)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL opsdesk.audit_purge = 'off'")
        # The purge is itself on the record: what was deleted, under which setting.
        record(
            "audit.purged",
            data={"older_than": cutoff, "retention_days": days, "deleted": deleted},
        )
    return deleted
