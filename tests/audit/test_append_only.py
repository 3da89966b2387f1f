"""An audit entry, once written, is never changed or deleted (but by the retention purge)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnlyError, AuditEntry
from audit.record import record
from tests.audit.conftest import raw_sql
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


@pytest.fixture
def entry() -> AuditEntry:
    return record("tickets.export", data={"format": "csv"})


def test_saving_an_entry_again_is_refused(entry):
    entry.action = "tickets.nothing_happened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "tickets.export"


def test_deleting_an_entry_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_updating_or_deleting_entries_in_bulk_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "tickets.export"


def test_a_new_entry_given_an_existing_id_is_refused_not_written_over(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry(pk=entry.pk, action="tickets.nothing_happened").save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "tickets.export"


@postgresql_only
def test_the_database_refuses_an_update_in_raw_sql(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "tickets.export"


@postgresql_only
def test_the_database_refuses_a_delete_in_raw_sql(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@postgresql_only
def test_the_database_refuses_nulling_the_person_together_with_another_change():
    person = UserFactory()
    entry = record("auth.login", actor=person, obj=person)
    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql(
            "UPDATE audit_auditentry SET actor_id = NULL, actor_name = '' WHERE id = %s",
            [entry.pk],
        )


def test_deleting_a_person_keeps_their_entries_and_their_name(db):
    person = UserFactory(username="leaver", full_name="离职者")
    entry = record("auth.login", actor=person, obj=person)
    person.delete()  # ON DELETE SET NULL: the one change the trigger allows
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert kept.actor_id is None
    assert kept.actor_name == "离职者 (leaver)" and kept.action == "auth.login"
