"""The hospital's consent on the ticket page and from the link in its notice: holds pause
"with consent" from the moment the hospital's reporter or IT agrees; the link opens a
confirmation page and never decides on GET; a consent recorded by the vendor is shown to both
parties with who agreed, how and when, and the hospital may dispute it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import time_machine
from django.template.loader import render_to_string

from reports.contents import book_tickets
from reports.periods import Period
from tests.conftest import login
from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket, local
from tickets import consent_links, services
from tickets.models import ConsentRequest

pytestmark = pytest.mark.django_db

NOW = "2026-09-15 10:00 +08:00"


@pytest.fixture
def asked(demo):
    """A level-3 fault of 郁南 being worked, whose hold the engineer asked the hospital for."""
    with time_machine.travel(NOW, tick=False):
        ticket = file_ticket(demo["yn-his"], "level-3", "2026-09-15 09:00")
        engineer = demo_user("ny-engineer")
        services.acknowledge(
            ticket=ticket,
            by=engineer,
            note="已联系院方，承诺处理方案。",
            now=at("2026-09-15 09:10"),
        )
        consent = services.consent.ask(
            ticket=ticket,
            by=engineer,
            kind="hold",
            reason="hospital",
            note="等待院方停机窗口",
            now=at("2026-09-15 09:30"),
        )
        yield consent


def page(client, consent) -> str:
    response = client.get(consent.ticket.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_the_reporter_sees_the_request_first_and_grants_it_from_the_ticket_page(asked):
    reporter = login("yn-reporter")
    html = page(reporter, asked)
    assert "请您确认是否同意" in html and "挂起待院方同意" in html
    assert html.index("consents-awaiting") < html.index("<h2>时限")
    number = asked.ticket.number
    response = reporter.post(f"/tickets/{number}/consents/{asked.pk}/grant/")
    assert response.status_code == 302
    asked.refresh_from_db()
    asked.ticket.refresh_from_db()
    assert (asked.state, asked.channel, asked.decided_by) == (
        "granted",
        "portal",
        demo_user("yn-reporter"),
    )
    assert asked.ticket.state == "on_hold"
    assert local(asked.ticket.pauses.get().started_at) == "2026-09-15 10:00"


def test_the_vendor_sees_its_question_waiting_and_may_withdraw_it_but_not_answer_it(asked):
    engineer = login("ny-engineer")
    html = page(engineer, asked)
    assert "等待院方同意" in html and "撤回申请" in html
    assert "consents-awaiting" not in html
    number = asked.ticket.number
    refused = engineer.post(f"/tickets/{number}/consents/{asked.pk}/grant/")
    assert refused.status_code == 403
    asked.refresh_from_db()
    assert asked.state == "pending"


def test_a_refusal_without_a_reason_keeps_the_request_open_with_the_message(asked):
    it = login("yn-it")
    response = it.post(f"/tickets/{asked.ticket.number}/consents/{asked.pk}/refuse/", {})
    assert response.status_code == 400
    assert "请说明不同意的原因" in response.content.decode()
    asked.refresh_from_db()
    assert asked.state == "pending"


def test_the_link_in_the_notice_opens_a_confirmation_page_that_decides_nothing_on_get(asked):
    token = consent_links.token_for(asked)
    it = login("yn-it")
    response = it.get(f"/consent/{token}/")
    html = response.content.decode()
    assert response.status_code == 200 and "consent-grant" in html
    asked.refresh_from_db()
    assert asked.state == "pending"
    it.post(f"/tickets/{asked.ticket.number}/consents/{asked.pk}/grant/", {"via": "link"})
    asked.refresh_from_db()
    assert (asked.state, asked.channel) == ("granted", "link")


def test_the_notice_asks_the_hospital_with_its_link(asked):
    from notifications.models import Notification

    notice = Notification.objects.get(
        event="consent", recipient=demo_user("yn-reporter"), medium="email"
    )
    assert "/consent/" in notice.body and "等待院方停机窗口" in notice.body


def test_a_forged_link_or_another_hospitals_consent_is_not_found(asked):
    token = consent_links.token_for(asked)
    assert login("yn-it").get(f"/consent/{token[:-2]}xx/").status_code == 404
    assert login("zj-it").get(f"/consent/{token}/").status_code == 404


def test_an_expired_link_is_not_found(asked):
    token = consent_links.token_for(asked)
    with time_machine.travel("2026-09-19 10:00 +08:00"):
        assert login("yn-it").get(f"/consent/{token}/").status_code == 404


def test_a_phone_consent_recorded_on_the_page_is_shown_to_both_sides_and_disputable(demo):
    with time_machine.travel(NOW, tick=False):
        ticket = file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00")
        services.acknowledge(
            ticket=ticket,
            by=demo_user("ny-engineer"),
            note="已联系院方，承诺处理方案。",
            now=at("2026-09-15 09:10"),
        )
        engineer = login("ny-engineer")
        form = {
            "reason": "parts",
            "note": "等待硬盘",
            "consent_channel": "phone",
            "consent_person": "",
            "consent_name": "门诊部王主任",
            "consent_phone": "12345",
            "consent_at": "2026-09-15T09:50",
        }
        bad = engineer.post(f"/tickets/{ticket.number}/hold/", form)
        assert bad.status_code == 400
        beside = bad.content.decode()
        assert "请填写同意人的手机号码" in beside
        assert 'value="门诊部王主任"' in beside and 'value="2026-09-15T09:50"' in beside
        form["consent_phone"] = "13912345678"
        assert engineer.post(f"/tickets/{ticket.number}/hold/", form).status_code == 302
        recorded = ConsentRequest.objects.get(ticket=ticket)
        assert (recorded.agreed_by, local(recorded.decided_at)) == (
            "门诊部王主任",
            "2026-09-15 09:50",
        )
        for viewer in ("ny-engineer", "yn-it"):
            html = page(login(viewer), recorded)
            assert "门诊部王主任 于 2026-09-15 09:50 同意（电话（厂商记录））" in html
        assert "提出异议" in page(login("yn-it"), recorded)
        assert "consent-dispute" not in page(login("ny-engineer"), recorded)


def test_the_bound_book_shows_who_agreed_how_and_when(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-03-02 09:00")
    engineer = demo_user("ny-engineer")
    services.acknowledge(
        ticket=ticket, by=engineer, note="已联系院方，承诺处理方案。", now=at("2026-03-02 09:10")
    )
    services.hold(
        ticket=ticket,
        by=engineer,
        reason="parts",
        consent_person=demo_user("yn-it"),
        consent_at=at("2026-03-02 09:40"),
        now=at("2026-03-02 10:00"),
    )
    report = SimpleNamespace(contract=demo["yn-his"], period=Period.quarter(2026, 1))
    html = render_to_string(
        "reports/pdf/_book_tickets.html",
        {"tickets": list(book_tickets(report)), "first_part": False},
    )
    assert "2026-03-02 09:40" in html and "李明" in html and "电话（厂商记录）" in html
    assert "由 陈工 记录" in html


def test_the_dispute_window_is_set_on_the_contracts_admin_page(demo):
    contract = demo["yn-his"]
    page = login("admin").get(f"/admin/contracts/contract/{contract.pk}/change/")
    assert page.status_code == 200
    assert 'name="consent_dispute_hours"' in page.content.decode()
