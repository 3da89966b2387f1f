"""Every ticket and inspection change leaves one audit entry, in the change's transaction."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from audit.models import AuditEntry
from tests.api.conftest import token_client
from tests.audit.conftest import entries, only
from tests.factories import demo_user
from tests.inspections.conftest import zj_quarter
from tests.tickets.conftest import at, file_ticket
from tickets import services
from tickets.errors import TicketError
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_acknowledging_a_ticket_leaves_one_entry_with_actor_contract_and_states(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    dispatcher = demo_user("ny-dispatcher")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=dispatcher, now=at("2026-11-03 10:05")
    )

    entry = only("tickets.ticket.acknowledge")
    assert entry.actor == dispatcher and entry.actor_name == "孙敏 (ny-dispatcher)"
    assert entry.contract == demo["yn-his"]
    assert (entry.object_type, entry.object_id) == ("tickets.ticket", str(ticket.pk))
    assert entry.object_repr == str(ticket)
    assert (entry.data["from_state"], entry.data["to_state"]) == ("new", "acknowledged")
    assert entry.ip is None  # called from no request


def test_filing_a_ticket_is_recorded_as_well(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    entry = only("tickets.ticket.reported")
    assert entry.actor == demo_user("yn-reporter") and entry.object_id == str(ticket.pk)


def test_a_change_rolled_back_leaves_no_entry(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        services.acknowledge(
            note="已联系院方，承诺处理方案。", ticket=ticket, by=demo_user("ny-dispatcher")
        )
        raise Abandoned

    assert entries("tickets.ticket.acknowledge") == []
    assert Ticket.objects.get(pk=ticket.pk).state == "new"


def test_a_refused_change_leaves_no_entry(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    with pytest.raises(TicketError) as refused:
        services.acknowledge(
            note="已联系院方，承诺处理方案。", ticket=ticket, by=demo_user("yn-reporter")
        )
    assert refused.value.code == "forbidden"
    assert entries("tickets.ticket.acknowledge") == []


def test_a_failing_audit_insert_does_not_break_the_change(demo, monkeypatch, caplog):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")

    def broken(self, *args, **kwargs):
        # A real database error: on PostgreSQL it would abort the whole transaction, were
        # the INSERT not in its own savepoint.
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO audit_no_such_table (id) VALUES (1)")

    monkeypatch.setattr(AuditEntry, "save", broken)
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=demo_user("ny-dispatcher")
    )

    assert Ticket.objects.get(pk=ticket.pk).state == "acknowledged"
    assert "could not record tickets.ticket.acknowledge" in caplog.text


def test_a_change_through_the_api_is_recorded_with_the_callers_address(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    client = token_client("ny-dispatcher")
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/acknowledge/",
        {"note": "已联系院方，承诺处理方案。"},
        format="json",
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 200, response.content
    entry = only("tickets.ticket.acknowledge")
    assert (entry.actor, entry.ip) == (demo_user("ny-dispatcher"), "10.9.8.7")


def test_an_inspection_started_is_recorded_with_its_contract(demo):
    from inspections import services as inspection_services

    engineer = demo_user("ny-engineer")
    inspection = inspection_services.start(
        inspection=zj_quarter(demo), by=engineer, mode="on_site", now=at("2026-11-20 09:30")
    )
    entry = only("inspections.inspection.started")
    assert (entry.actor, entry.contract) == (engineer, demo["zj-einvoice"])
    assert entry.object_id == str(inspection.pk)
    assert entry.data["state"] == "in_progress" and entry.data["details"] == {"mode": "on_site"}
