"""Holds pause "with consent", in a real browser (Chromium through Playwright): the engineer
asks the hospital to agree to a hold, the reporter sees the question first on the ticket
page and grants it, and the clocks show paused from the grant, not from the request. Both
sides' pages with the pending request at 1280 and 390 px land in var/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contracts.models import Contract
from tests.browser import shot, signed_in
from tests.factories import demo_user
from tickets import services
from tickets.models import ConsentRequest, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS_THE_WIDTH = "document.documentElement.scrollWidth <= window.innerWidth"


def a_ticket_being_worked() -> Ticket:
    contract = Contract.objects.get(code="yn-his")
    ticket = services.report_ticket(
        contract=contract,
        system=contract.systems.first(),
        service_class=contract.service_classes.get(code="level-2"),
        title="住院医生站开医嘱缓慢",
        description="住院医生站开医嘱每次需要一分钟以上。",
        reporter=demo_user("yn-reporter"),
        contact_phone="13726380001",
    )
    return services.acknowledge(
        ticket=ticket, by=demo_user("ny-engineer"), note="已联系院方，承诺处理方案。"
    )


def test_the_vendor_asks_for_a_hold_and_the_reporter_grants_it_from_the_ticket_page(
    browser, live_server, demo
):
    ticket = a_ticket_being_worked()
    url = f"{live_server.url}{ticket.get_absolute_url()}"

    engineer = signed_in(browser, live_server, "ny-engineer")
    engineer.goto(url)
    engineer.select_option("#hold-reason", "hospital")
    engineer.fill("#action-hold textarea[name=note]", "等待院方安排停机窗口")
    engineer.click("#action-hold button.secondary")
    engineer.wait_for_selector("#consents-asked")
    assert "挂起待院方同意" in engineer.locator(".badges").inner_text()
    assert "暂停" not in engineer.locator("ul.clocks").inner_text()  # still counting
    shot(engineer, "consent-pending-vendor-desktop")
    asked = ConsentRequest.objects.get(ticket=ticket)
    assert asked.state == "pending"

    vendor_phone = signed_in(browser, live_server, "ny-engineer", phone=True)
    vendor_phone.goto(url)
    assert vendor_phone.evaluate(FITS_THE_WIDTH), "the vendor's page scrolls sideways"
    shot(vendor_phone, "consent-pending-vendor-phone")

    reporter_phone = signed_in(browser, live_server, "yn-reporter", phone=True)
    reporter_phone.goto(url)
    reporter_phone.wait_for_selector("#consents-awaiting")
    assert reporter_phone.evaluate(FITS_THE_WIDTH), "the hospital's page scrolls sideways"
    shot(reporter_phone, "consent-pending-hospital-phone")

    reporter = signed_in(browser, live_server, "yn-reporter")
    reporter.goto(url)
    awaiting = reporter.locator("#consents-awaiting")
    assert "等待院方安排停机窗口" in awaiting.inner_text() and "陈工" in awaiting.inner_text()
    shot(reporter, "consent-pending-hospital-desktop")
    before_grant = timezone.now()
    awaiting.get_by_role("button", name="同意", exact=True).click()
    reporter.wait_for_selector(".clock-state.paused")
    shot(reporter, "consent-granted-hospital-desktop")

    ticket.refresh_from_db()
    pause = ticket.pauses.get()
    assert ticket.state == "on_hold"
    # Paused from the moment the reporter agreed, not from when the engineer asked.
    assert before_grant <= pause.started_at <= timezone.now()
    assert pause.started_at - asked.requested_at > dt.timedelta(0)
    history = reporter.locator("#consents").inner_text()
    assert "黄小梅" in history and "工单页面" in history
