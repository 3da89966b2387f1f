"""Internal notes (内部备注): the vendor's staff talk about a ticket among themselves; the
hospital never reads them (tests/security/test_internal_notes.py checks every route)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket
from tickets import services
from tickets.errors import TicketError
from tickets.models import Attachment, Event

pytestmark = pytest.mark.django_db


def test_only_the_vendors_staff_write_internal_notes(demo):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    with pytest.raises(TicketError):
        services.add_comment(ticket=ticket, by=demo_user("yn-it"), text="内部", internal=True)
    note = services.add_comment(
        ticket=ticket, by=demo_user("ny-engineer"), text="疑似接口缺陷", internal=True
    )
    assert note.internal


def test_the_hospital_reads_comments_and_files_but_not_internal_ones(demo):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    engineer = demo_user("ny-engineer")
    services.add_comment(
        ticket=ticket, by=engineer, text="请保持电脑开机", now=at("2026-11-03 10:10")
    )
    services.add_comment(
        ticket=ticket, by=engineer, text="疑似接口缺陷", internal=True, now=at("2026-11-03 10:11")
    )
    services.attach_file(
        ticket=ticket,
        by=engineer,
        upload=SimpleUploadedFile("研发日志.txt", b"trace", content_type="text/plain"),
        internal=True,
    )
    for username in ("yn-reporter", "yn-it"):
        person = demo_user(username)
        notes = (
            Event.objects.visible_to(person).filter(ticket=ticket).values_list("note", flat=True)
        )
        assert "请保持电脑开机" in notes and "疑似接口缺陷" not in notes
        assert not Attachment.objects.visible_to(person).filter(ticket=ticket).exists()
    for username in ("ny-engineer", "ny-dispatcher", "ny-manager"):
        person = demo_user(username)
        notes = (
            Event.objects.visible_to(person).filter(ticket=ticket).values_list("note", flat=True)
        )
        assert "疑似接口缺陷" in notes
        assert Attachment.objects.visible_to(person).filter(ticket=ticket).count() == 1
    # Another vendor's staff read no vendor's notes but their own.
    assert not Event.objects.visible_to(demo_user("rk-engineer")).filter(internal=True).exists()


def test_a_hospital_token_of_a_vendor_person_reads_no_internal_note(demo):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    engineer = demo_user("ny-engineer")
    services.add_comment(ticket=ticket, by=engineer, text="疑似接口缺陷", internal=True)
    hospital = ticket.contract.hospital_id
    assert (
        not Event.objects.visible_to(engineer, organizations=[hospital])
        .filter(internal=True)
        .exists()
    )


def test_the_service_reports_ticket_book_leaves_internal_notes_out(demo):
    from reports.contents import book_tickets
    from reports.models import ServiceReport
    from reports.periods import Period

    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    services.add_comment(
        ticket=ticket, by=demo_user("ny-engineer"), text="疑似接口缺陷", internal=True
    )
    report = ServiceReport(contract=ticket.contract, kind="quarterly")
    period = Period.quarter(2026, 4)
    report.period_start, report.period_end = period.start, period.end
    books = book_tickets(report)
    notes = [event.note for t in books for event in t.events.all()]
    assert notes and "疑似接口缺陷" not in notes


def test_the_api_writes_an_internal_note_for_vendor_staff_and_refuses_the_hospital(demo, client):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    client.force_login(demo_user("ny-engineer"))
    created = client.post(
        f"/api/v1/tickets/{ticket.pk}/comments/",
        {"text": "疑似接口缺陷", "internal": True},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["internal"] is True
    client.force_login(demo_user("yn-it"))
    refused = client.post(
        f"/api/v1/tickets/{ticket.pk}/comments/",
        {"text": "内部", "internal": True},
        content_type="application/json",
    )
    assert refused.status_code == 403
    listed = client.get(f"/api/v1/tickets/{ticket.pk}/comments/").json()
    assert listed == []
