"""api.serializers.base builds a serializer's fields once per class and writes rows without
DRF's per-row overhead: the JSON must be exactly what DRF itself writes, and each
serializer must still answer for its own request."""

from __future__ import annotations

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from api.serializers import base
from api.serializers.tickets import (
    AttachmentSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
)
from contracts.models import Contract, TicketKind
from tests.api.conftest import file_level1, file_via_api
from tests.api.test_consents import post
from tests.factories import demo_user
from tests.tickets.conftest import REPORTERS
from tickets import selectors
from tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db


def as_drf_writes_it(monkeypatch) -> None:
    """DRF's own way: fields built per instance, every row field by field."""
    monkeypatch.setattr(
        base.FastRowsMixin,
        "to_representation",
        lambda self, instance: serializers.Serializer.to_representation(self, instance),
    )
    monkeypatch.setattr(
        base.ModelSerializer,
        "get_fields",
        lambda self: serializers.ModelSerializer.get_fields(self),
    )
    monkeypatch.setattr(
        base.Serializer, "get_fields", lambda self: serializers.Serializer.get_fields(self)
    )


def request_to(host: str):
    return APIRequestFactory().get("/api/v1/tickets/", HTTP_HOST=host)


def a_desk_at_work(api) -> None:
    """Tickets of every demo contract and level, one of them acknowledged, put on hold with
    a consent asked and granted, commented on, assigned, with a file: most of what a
    ticket shows."""
    for code, reporter in REPORTERS.items():
        contract = Contract.objects.get(code=code)
        for row in contract.service_classes.filter(kind=TicketKind.FAULT):
            file_via_api(api(reporter), code, level=row.level)
    engineer, hospital_it = api("ny-engineer"), api("yn-it")
    ticket = file_level1(api("yn-reporter"))["id"]
    post(engineer, f"tickets/{ticket}/acknowledge/", {"note": "已联系院方。"})
    held = post(engineer, f"tickets/{ticket}/hold/", {"reason": "parts", "note": "等硬盘"})
    post(hospital_it, f"tickets/{ticket}/consents/{held['consents'][0]['id']}/grant/")
    post(hospital_it, f"tickets/{ticket}/comments/", {"text": "已知悉。"}, expect=201)
    # Only its representation matters here: an engineer on it, however it got there.
    Ticket.objects.filter(pk=ticket).update(assignee=demo_user("ny-engineer"))
    Attachment.objects.create(
        ticket_id=ticket,
        file="attachments/2026/09/screen.png",
        original_name="截图.png",
        content_type="image/png",
        size=4,
        uploaded_by=demo_user("yn-it"),
    )


def every_ticket_in_detail(host: str = "localhost") -> list[dict]:
    tickets = selectors.with_timeline(
        selectors.with_list_relations(Ticket.objects.order_by("pk")),
        viewer=demo_user("admin"),
    )
    return TicketDetailSerializer(tickets, many=True, context={"request": request_to(host)}).data


def test_every_ticket_reads_as_drf_writes_it(api, monkeypatch):
    a_desk_at_work(api)
    fast = every_ticket_in_detail()
    assert len(fast) >= 15
    assert [row for row in fast if row["attachments"] and row["consents"] and row["assignee"]]
    as_drf_writes_it(monkeypatch)
    assert fast == every_ticket_in_detail()


def test_the_list_rows_read_as_drf_writes_them(api, monkeypatch):
    a_desk_at_work(api)
    tickets = selectors.with_list_relations(Ticket.objects.order_by("pk"))
    fast = TicketSerializer(tickets, many=True).data
    as_drf_writes_it(monkeypatch)
    assert fast == TicketSerializer(tickets, many=True).data


def test_fields_built_once_per_class_still_answer_each_request_for_itself(demo):
    attachment = Attachment(pk=7, ticket_id=3, original_name="a.png", size=1)
    first = AttachmentSerializer(attachment, context={"request": request_to("localhost")})
    second = AttachmentSerializer(attachment, context={"request": request_to("127.0.0.1")})
    assert first.data["download_url"].startswith("http://localhost/")
    assert second.data["download_url"].startswith("http://127.0.0.1/")
    assert first.fields["download_url"] is not second.fields["download_url"]


def filings_checked() -> list:
    """What the filing serializer makes of requests good and bad, from a hospital and
    from the vendor's desk."""
    contract = Contract.objects.get(code="yn-his")
    good = {
        "contract": contract.code,
        "system": contract.systems.first().pk,
        "level": 2,
        "title": "门诊收费系统无法登录",
        "description": "门诊收费窗口全部无法登录 HIS。",
    }
    bodies = [
        {},
        good,
        {**good, "contact_phone": "13726380001"},
        {**good, "contact_phone": "13726380001", "level": 9},
        {**good, "level": "一级", "channel": "telegram", "caller": "someone"},
        {**good, "contact_phone": "x" * 21, "reported_at": "2026-09-15T09:12:00"},
        {**good, "contact_phone": "110", "caller": {"name": "护士", "phone": "8123"}},
    ]
    checked = []
    for for_caller in (False, True):
        for body in bodies:
            incoming = TicketCreateSerializer(
                data=body, context={"contracts": Contract.objects.all(), "for_caller": for_caller}
            )
            valid = incoming.is_valid()
            checked.append((valid, incoming.validated_data if valid else incoming.errors))
    return checked


def test_a_filing_is_checked_as_drf_checks_it(demo, monkeypatch):
    fast = filings_checked()
    assert [valid for valid, _answer in fast].count(True) >= 3
    as_drf_writes_it(monkeypatch)
    assert fast == filings_checked()


def test_declared_fields_copied_per_instance_are_each_instances_own(demo):
    """The call-back phone is required of a hospital, not of the vendor's desk: each
    serializer changes its own copy of the field, never the class's or another's."""
    hospital, desk, hospital_again = (
        TicketCreateSerializer(data={}, context={"contracts": None, "for_caller": for_caller})
        for for_caller in (False, True, False)
    )
    assert hospital.fields["contact_phone"].required
    assert not desk.fields["contact_phone"].required
    assert hospital_again.fields["contact_phone"].required
    assert hospital.fields["contact_phone"] is not hospital_again.fields["contact_phone"]
    assert not TicketCreateSerializer._declared_fields["contact_phone"].required
