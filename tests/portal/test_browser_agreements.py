"""Agreements with the hospital in a real browser (Chromium through Playwright): the vendor
opens a C4 change on a phone, hospital IT approves its plan and window on a desktop; C3's
engineer proposes an on-site time the reporter confirms on a phone; C5's quota burn-down on
the contract page. No page scrolls sideways at 390 px. Screenshots in var/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser import shot, signed_in
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS_THE_WIDTH = "document.documentElement.scrollWidth <= window.innerWidth"


def picker(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


def test_c4_a_change_opened_on_a_phone_is_approved_with_its_window(browser, live_server, demo):
    start = (timezone.now() + dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    engineer = signed_in(browser, live_server, "sk-engineer", phone=True)
    engineer.goto(f"{live_server.url}/contracts/fd-internet/")
    engineer.click("a[href$='/contracts/fd-internet/change/']")
    assert engineer.evaluate(FITS_THE_WIDTH), "the change form scrolls sideways on a phone"
    engineer.select_option("select[name=system]", index=1)
    engineer.fill("input[name=title]", "统一就诊服务门户 V2.4 升级")
    engineer.fill("textarea[name=description]", "修复挂号支付回调超时。")
    engineer.fill(
        "textarea[name=upgrade_plan]", "23:00 切流量到备用节点，升级主节点，冒烟测试后切回。"
    )
    engineer.fill("textarea[name=rollback_plan]", "回滚 V2.3 镜像，恢复数据库快照。")
    engineer.fill("input[name=window_starts_at]", picker(start))
    engineer.fill("input[name=window_ends_at]", picker(start - dt.timedelta(hours=1)))
    engineer.click("button[type=submit]")
    error = engineer.locator("input[name=window_ends_at] ~ .field-error")
    assert "结束时间必须晚于开始时间" in error.inner_text()
    assert engineer.input_value("input[name=title]") == "统一就诊服务门户 V2.4 升级"
    shot(engineer, "agree-change-error-phone")
    engineer.fill("input[name=window_ends_at]", picker(start + dt.timedelta(hours=3)))
    engineer.click("button[type=submit]")
    engineer.wait_for_selector("#change-window")
    assert engineer.evaluate(FITS_THE_WIDTH), "the change's page scrolls sideways on a phone"
    shot(engineer, "agree-change-opened-phone")

    number = engineer.url.rstrip("/").rsplit("/", 1)[-1]
    hospital_it = signed_in(browser, live_server, "fd-it")
    hospital_it.goto(f"{live_server.url}/tickets/{number}/")
    hospital_it.click("#action-approve-plan button")
    assert "已商定" in hospital_it.locator("#change-window").inner_text()
    shot(hospital_it, "agree-change-approved")
    window = Ticket.objects.get(number=number).change_windows.get()
    assert window.agreed_by.username == "fd-it"


def test_c3_the_reporter_confirms_the_on_site_time_on_a_phone(browser, live_server, demo):
    from contracts.models import Contract
    from tests.factories import demo_user
    from tickets import services

    contract = Contract.objects.get(code="yn-his")
    ticket = services.report_ticket(
        contract=contract,
        system=contract.systems.first(),
        service_class=contract.service_classes.get(level=3),
        title="PACS 调阅缓慢",
        description="放射科调阅影像需 30 秒以上。",
        reporter=demo_user("yn-reporter"),
        contact_phone="13726380001",
    )
    at = (timezone.now() + dt.timedelta(days=1)).replace(minute=30, second=0, microsecond=0)
    engineer = signed_in(browser, live_server, "ny-engineer")
    engineer.goto(f"{live_server.url}/tickets/{ticket.number}/")
    engineer.fill("#action-propose-appointment input[name=at]", picker(at))
    engineer.click("#action-propose-appointment button")
    shot(engineer, "agree-appointment-proposed")

    reporter = signed_in(browser, live_server, "yn-reporter", phone=True)
    reporter.goto(f"{live_server.url}/tickets/{ticket.number}/")
    assert reporter.evaluate(FITS_THE_WIDTH), "the ticket page scrolls sideways on a phone"
    reporter.click("#action-confirm-appointment button")
    assert "已确认" in reporter.locator("#appointment").inner_text()
    shot(reporter, "agree-appointment-confirmed-phone")
    arrive = ticket.clocks.get(name="arrive")
    assert arrive.due_at == at


def test_c5_the_quota_burn_down_fits_a_phone(browser, live_server, demo):
    for phone in (False, True):
        page = signed_in(browser, live_server, "gz-it", phone=phone)
        page.goto(f"{live_server.url}/contracts/gz-logistics/")
        page.wait_for_selector("#quota")
        assert page.evaluate(FITS_THE_WIDTH)
        shot(page, f"agree-quota-{'phone' if phone else 'desktop'}")
