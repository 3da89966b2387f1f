"""Every timeline line states its facts, the same on the page, in the API and in the PDFs
(tickets.models.timeline.describe): in a dispute, the line is the record."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket
from tickets import services
from tickets.models import Event

pytestmark = pytest.mark.django_db


def lines(ticket) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {e.action.rsplit(".", 1)[-1]: e.label for e in Event.objects.filter(ticket=ticket)}


def test_an_assignment_says_whom_and_a_hold_its_reason_and_who_agreed(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    dispatcher, engineer = demo_user("ny-dispatcher"), demo_user("ny-engineer")
    services.assign(ticket=ticket, by=dispatcher, engineer=engineer, now=at("2026-11-03 10:05"))
    services.arrive(ticket=ticket, by=engineer, now=at("2026-11-03 11:00"))
    services.hold(
        ticket=ticket,
        by=engineer,
        reason="parts",
        consent_person=demo_user("yn-it"),  # agreed on the phone, recorded by the vendor
        now=at("2026-11-03 11:10"),
    )
    services.resume(ticket=ticket, by=engineer, now=at("2026-11-03 14:00"))
    said = lines(ticket)
    assert str(engineer) in said["assign"] and "已派工" in said["assign"]
    assert str(demo_user("yn-it")) in said["hold"] and "等待备件" in said["hold"]
    # A resume is a resume, not a second arrival.
    assert said["resume"].startswith("挂起后恢复处理")
    assert not said["resume"].startswith("→")


def test_a_level_change_says_the_old_and_the_new_level(demo):
    contract = demo["yn-his"]
    ticket = file_ticket(contract, "level-3", "2026-11-03 10:00")
    services.change_level(
        ticket=ticket,
        by=demo_user("ny-dispatcher"),
        service_class=contract.service_classes.get(code="level-2"),
        note="影响范围扩大到全院",
        now=at("2026-11-03 10:30"),
    )
    said = lines(ticket)["level_changed"]
    assert "三级" in said and "二级" in said


def test_a_report_says_its_channel_and_the_api_reads_the_same_words(demo, client):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    said = lines(ticket)["reported"]
    assert said == "提交了报修（门户）"
    client.force_login(demo_user("ny-dispatcher"))
    answer = client.get(f"/api/v1/tickets/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 200
    summaries = [line["summary"] for line in answer.json()["timeline"]]
    assert (
        summaries == [e.label for e in Event.objects.filter(ticket=ticket).order_by("at", "id")]
        or summaries[0] == said
    )
