"""C4's recurrence rule and C5's outages in a real browser (Chromium through Playwright):
hospital IT links the third occurrence of a payment fault from OpsDesk's suggestion and the
ticket comes back level 1; an engineer closes a level-1 outage and reads the contract's
year. Each page at 1280 and 390 px, never scrolling sideways; screenshots in
var/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser import shot, signed_in
from tests.factories import demo_user
from tests.tickets.conftest import REPORTERS
from tickets import services
from tickets.models import Ticket
from tickets.recurrence import mark_recurrence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS_THE_WIDTH = "document.documentElement.scrollWidth <= window.innerWidth"


def file(contract, level: int, ago: dt.timedelta, title: str) -> Ticket:
    return services.report_ticket(
        contract=contract,
        system=contract.systems.first(),
        service_class=contract.service_classes.get(level=level),
        title=title,
        description="门诊收费处扫码付失败，患者无法缴费。",
        reporter=demo_user(REPORTERS[contract.code]),
        contact_phone="13726380001",
        now=timezone.now() - ago,
    )


def test_c4_hospital_it_links_the_third_occurrence_from_the_suggestion(browser, live_server, demo):
    contract = demo["fd-internet"]
    first = file(contract, 2, dt.timedelta(days=40), "扫码付无法完成支付")
    second = file(contract, 2, dt.timedelta(days=12), "扫码付又无法完成支付")
    mark_recurrence(ticket=second, by=demo_user("sk-engineer"), of=first)
    third = file(contract, 2, dt.timedelta(minutes=20), "门诊扫码付无法支付")

    page = signed_in(browser, live_server, "fd-it")
    page.goto(f"{live_server.url}{third.get_absolute_url()}")
    candidate = page.locator(f"#recurrence button[data-candidate='{first.number}']")
    assert candidate.count() == 1, "OpsDesk suggests the earlier occurrence"
    page.locator("#recurrence").scroll_into_view_if_needed()
    shot(page, "recurrence-suggested-desktop")

    candidate.click()
    page.wait_for_selector("#recurrence ol.occurrences")

    third.refresh_from_db()
    assert third.level == 1 and third.recurrence_of == first
    assert page.locator("#recurrence ol.occurrences li").count() == 3
    assert page.locator(".badges .level").inner_text() == "一级故障"
    timeline = page.locator("#timeline").inner_text()
    assert first.number in timeline
    shot(page, "recurrence-linked-desktop")

    phone = signed_in(browser, live_server, "fd-it", phone=True)
    phone.goto(f"{live_server.url}{third.get_absolute_url()}")
    assert phone.evaluate(FITS_THE_WIDTH), "the ticket page scrolls sideways on a phone"
    shot(phone, "recurrence-linked-phone")


def test_c5_an_engineer_closes_a_level1_outage_and_reads_the_year(browser, live_server, demo):
    contract = demo["gz-logistics"]
    ticket = file(contract, 1, dt.timedelta(hours=2), "智慧物流平台无法登录")
    partial = file(contract, 2, dt.timedelta(hours=1), "BI 统计报表缓慢")
    services.record_outage(
        ticket=partial,
        by=demo_user("gz-it"),
        started_at=timezone.now() - dt.timedelta(minutes=50),
        ended_at=timezone.now() - dt.timedelta(minutes=20),
        partial=True,
        note="BI 统计报表加载超过一分钟",
    )

    page = signed_in(browser, live_server, "ny-engineer")
    page.goto(f"{live_server.url}{ticket.get_absolute_url()}")
    outage = ticket.outages.get()
    page.locator("#outages").scroll_into_view_if_needed()
    shot(page, "outages-open-desktop")
    page.click(f"#close-outage-{outage.pk} button")
    page.wait_for_selector("#outages")
    outage.refresh_from_db()
    assert outage.ended_at is not None
    shot(page, "outages-closed-desktop")

    phone = signed_in(browser, live_server, "ny-engineer", phone=True)
    phone.goto(f"{live_server.url}{ticket.get_absolute_url()}")
    assert phone.evaluate(FITS_THE_WIDTH), "the ticket page scrolls sideways on a phone"
    shot(phone, "outages-closed-phone")

    for viewer, name in ((page, "desktop"), (phone, "phone")):
        viewer.goto(f"{live_server.url}/contracts/gz-logistics/outages/")
        assert ticket.number in viewer.locator("#outage-list").inner_text()
        assert "8 小时" in viewer.locator("#availability").inner_text()
        assert viewer.evaluate(FITS_THE_WIDTH), f"the outages page scrolls sideways ({name})"
        shot(viewer, f"outages-year-{name}")
