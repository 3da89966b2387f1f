"""Entries are kept AUDIT_RETENTION_DAYS (at least 180, 等保 2.0 level 3), then purged."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from audit.models import AuditEntry
from audit.services import purge_expired
from opsdesk.celery import app
from tests.audit.conftest import raw_sql

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


def entry_aged(days: float, action: str = "auth.login") -> AuditEntry:
    return AuditEntry.objects.create(action=action, at=NOW - dt.timedelta(days=days))


def test_purge_deletes_only_entries_older_than_the_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 200
    old, older = entry_aged(200.01), entry_aged(900)
    kept = [entry_aged(199.99), entry_aged(30), entry_aged(0)]

    assert purge_expired(NOW) == 2

    remaining = set(AuditEntry.objects.exclude(action="audit.purged").values_list("pk", flat=True))
    assert remaining == {entry.pk for entry in kept}
    assert not AuditEntry.objects.filter(pk__in=[old.pk, older.pk]).exists()


def test_the_purge_is_itself_recorded(settings):
    settings.AUDIT_RETENTION_DAYS = 365
    entry_aged(400)
    purge_expired(NOW)
    purge = AuditEntry.objects.get(action="audit.purged")
    assert purge.data["deleted"] == 1 and purge.data["retention_days"] == 365


def test_purge_refuses_a_retention_below_180_days(settings):
    settings.AUDIT_RETENTION_DAYS = 90
    entry_aged(100)
    with pytest.raises(ImproperlyConfigured, match="at least 180 days"):
        purge_expired(NOW)
    assert AuditEntry.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_after_a_purge_the_database_refuses_deletes_again_in_the_same_transaction(settings):
    from django.db import DatabaseError

    settings.AUDIT_RETENTION_DAYS = 180
    young = entry_aged(1)
    purge_expired(NOW)
    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql("DELETE FROM audit_auditentry WHERE id = %s", [young.pk])


def test_the_purge_runs_daily_from_beat():
    schedules = [entry for entry in app.conf.beat_schedule.values()]
    assert any(entry["task"] == "audit.purge_expired" for entry in schedules)


def _start_django(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "OPSDESK_VAR_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_opsdesk_refuses_to_start_with_a_retention_below_180_days(tmp_path):
    result = _start_django(tmp_path, AUDIT_RETENTION_DAYS="179")
    assert result.returncode != 0
    assert "AUDIT_RETENTION_DAYS=179 is too short" in result.stderr


def test_opsdesk_starts_with_a_retention_of_180_days(tmp_path):
    result = _start_django(tmp_path, AUDIT_RETENTION_DAYS="180")
    assert result.returncode == 0, result.stderr
