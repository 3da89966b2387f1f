"""The ticket page's recurrence and outage sections and the contract's outages page (C4's
recurrence rule, C5's ≤ 8 h downtime a year), through the portal's forms."""

from __future__ import annotations

import pytest
import time_machine

from tests.conftest import login
from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket, local
from tickets.models import Event, Ticket
from tickets.recurrence import mark_recurrence

pytestmark = pytest.mark.django_db

NOW = "2026-09-15 10:00 +08:00"


@pytest.fixture
def portal(demo):
    with time_machine.travel(NOW, tick=True):
        yield demo


@pytest.fixture
def third_payment_fault(portal) -> Ticket:
    """Two earlier occurrences of a payment fault at FD, linked; a third just filed."""
    contract = portal["fd-internet"]
    first = file_ticket(contract, "level-2", "2026-07-20 10:00", title="扫码付无法完成支付")
    second = file_ticket(contract, "level-2", "2026-08-25 10:00", title="扫码付又无法支付")
    engineer = demo_user("sk-engineer")
    mark_recurrence(ticket=second, by=engineer, of=first, now=at("2026-08-25 10:05"))
    return file_ticket(contract, "level-2", "2026-09-15 09:40", title="扫码付无法完成支付")


def test_c4_hospital_it_sees_the_suggested_occurrence_and_links_it_from_the_page(
    third_payment_fault,
):
    ticket, it = third_payment_fault, login("fd-it")
    first = Ticket.objects.get(title="扫码付无法完成支付", created_at=at("2026-07-20 10:00"))
    page = it.get(ticket.get_absolute_url()).content.decode()
    assert 'id="recurrence"' in page and f'data-candidate="{first.number}"' in page
    assert "90 天内第 3 次出现" in page  # the contract's rule, in its words

    response = it.post(f"/tickets/{ticket.number}/link-recurrence/", {"of": first.number})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.recurrence_of == first and ticket.level == 1
    page = it.get(ticket.get_absolute_url()).content.decode()
    assert "本问题已出现 3 次" in page and "解除关联" in page


def test_a_reporter_sees_no_suggestions_and_no_link_form(third_payment_fault):
    page = login("fd-reporter").get(third_payment_fault.get_absolute_url()).content.decode()
    assert 'id="recurrence"' not in page and "link-recurrence" not in page


def test_an_unknown_ticket_number_is_refused_beside_the_field_keeping_what_was_typed(
    third_payment_fault,
):
    response = login("sk-engineer").post(
        f"/tickets/{third_payment_fault.number}/link-recurrence/", {"of": "FD-2026-09999"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "本合同没有这个编号的工单" in page and 'value="FD-2026-09999"' in page


def test_unlinking_on_the_page_needs_a_reason_and_says_the_level_stays(third_payment_fault):
    ticket, engineer = third_payment_fault, login("sk-engineer")
    first = Ticket.objects.get(created_at=at("2026-07-20 10:00"))
    engineer.post(f"/tickets/{ticket.number}/link-recurrence/", {"of": first.number})
    refused = engineer.post(f"/tickets/{ticket.number}/unlink-recurrence/", {"reason": ""})
    assert refused.status_code == 400
    engineer.post(f"/tickets/{ticket.number}/unlink-recurrence/", {"reason": "支付网关另一故障"})
    page = login("fd-it").get(ticket.get_absolute_url()).content.decode()
    assert "支付网关另一故障" in page and f"解除了与 {first.number} 的关联" in page


def test_filing_for_a_caller_goes_to_the_suggestions_when_there_are_some(third_payment_fault):
    contract = third_payment_fault.contract
    dispatcher = login("sk-dispatcher")
    response = dispatcher.post(
        "/contracts/fd-internet/file-for-caller/",
        {
            "caller": demo_user("fd-it").pk,
            "caller_name": "",
            "caller_phone": "",
            "follower": demo_user("fd-it").pk,
            "channel": "phone",
            "reported_at": "2026-09-15T10:00",
            "minutes_ago": "",
            "backdate_reason": "",
            "system": contract.systems.first().pk,
            "service_class": contract.service_classes.get(level=2).pk,
            "title": "扫码付无法完成支付",
            "description": "门诊收费处来电。",
            "contact_phone": "13726380001",
        },
    )
    assert response.status_code == 302, [
        line for line in response.content.decode().splitlines() if "error" in line
    ]
    assert response["Location"].endswith("#recurrence")


# --- outages -----------------------------------------------------------------------------


@pytest.fixture
def platform_down(portal) -> Ticket:
    return file_ticket(portal["gz-logistics"], "level-1", "2026-09-15 09:00", title="物流平台宕机")


def test_c5_the_ticket_page_shows_the_outage_opened_at_the_report_and_closes_it(platform_down):
    ticket, engineer = platform_down, login("ny-engineer")
    outage = ticket.outages.get()
    page = engineer.get(ticket.get_absolute_url()).content.decode()
    assert 'id="outages"' in page and "仍未恢复" in page
    assert f'id="close-outage-{outage.pk}"' in page

    response = engineer.post(
        f"/tickets/{ticket.number}/close-outage/",
        {"outage": outage.pk, "ended_at": "2026-09-15T09:50"},
    )

    assert response.status_code == 302
    outage.refresh_from_db()
    assert local(outage.ended_at) == "2026-09-15 09:50"


def test_c5_a_correction_without_a_reason_is_refused_keeping_the_times_typed(platform_down):
    ticket, it = platform_down, login("gz-it")
    outage = ticket.outages.get()
    response = it.post(
        f"/tickets/{ticket.number}/correct-outage/",
        {"outage": outage.pk, "started_at": "2026-09-15T08:45", "ended_at": "", "reason": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="2026-09-15T08:45"' in page and "field-error" in page
    outage.refresh_from_db()
    assert local(outage.started_at) == "2026-09-15 09:00"


def test_c5_the_resolve_form_proposes_closing_the_open_outage(platform_down):
    ticket = platform_down
    services_engineer = demo_user("ny-engineer")
    from tickets import services

    services.acknowledge(ticket=ticket, by=services_engineer)
    page = login("ny-engineer").get(ticket.get_absolute_url()).content.decode()
    assert 'name="outage_ended_at"' in page and 'name="keep_outage_open"' in page
    response = login("ny-engineer").post(
        f"/tickets/{ticket.number}/resolve/",
        {"note": "重启服务", "outage_ended_at": "2026-09-15T09:30"},
    )
    assert response.status_code == 302
    assert local(ticket.outages.get().ended_at) == "2026-09-15 09:30"
    assert Event.objects.filter(ticket=ticket, action="tickets.ticket.outage_closed").exists()


def test_c5_the_contracts_outages_page_adds_up_the_year_against_8_hours(platform_down):
    from tickets import services

    services.close_outage(
        ticket=platform_down,
        by=demo_user("ny-engineer"),
        outage=platform_down.outages.get().pk,
        ended_at=at("2026-09-15 09:30"),
    )
    page = login("gz-it").get("/contracts/gz-logistics/outages/?year=2026").content.decode()
    assert "30 分钟" in page and "尚余 7.5 小时" in page and platform_down.number in page
    assert login("gz-reporter").get("/contracts/gz-logistics/outages/").status_code == 403
    assert login("fd-it").get("/contracts/gz-logistics/outages/").status_code == 404
