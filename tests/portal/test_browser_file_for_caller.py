"""代客报修 on a dispatcher's phone in a real browser (Chromium through Playwright): from the
dispatch board to the form, a back-dated call without a reason is refused beside the reason
with everything kept, then filed; neither page scrolls sideways on a 390 px screen.
Screenshots land in var/screenshots/ to be looked at."""

from __future__ import annotations

import pytest

from tests.browser import shot, signed_in
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FITS_THE_WIDTH = "document.documentElement.scrollWidth <= window.innerWidth"


def fill_the_call(page) -> None:
    page.select_option("select[name=caller]", label="黄小梅 · 13726380001")
    page.get_by_label("电话", exact=True).check()
    page.select_option("select[name=minutes_ago]", "45")
    page.select_option("select[name=system]", index=1)
    page.get_by_label("一级故障").check()
    page.fill("input[name=title]", "门诊挂号无法打开")
    page.fill("textarea[name=description]", "门诊部王护士长来电：挂号窗口全部白屏。")


def test_a_dispatcher_files_a_phoned_in_fault_on_a_phone_sized_window(browser, live_server, demo):
    page = signed_in(browser, live_server, "ny-dispatcher", phone=True)
    page.goto(f"{live_server.url}/dispatch/")
    page.click(".export-links a.button")  # 代客报修 on the board
    # 南粤医信 serves three hospitals: which one called?
    assert page.locator("a.choice").count() == 3
    shot(page, "file-for-caller-choose-phone")
    page.click("a.choice[href$='/yn-his/file-for-caller/']")
    page.wait_for_selector("form.file-for-caller")
    assert page.evaluate(FITS_THE_WIDTH), "the form scrolls sideways on a phone"
    shot(page, "file-for-caller-form-phone")

    fill_the_call(page)
    page.click("button[type=submit]")
    reason = page.locator("input[name=backdate_reason] ~ .field-error")
    assert "请说明为何现在才录入" in reason.inner_text()
    assert page.input_value("input[name=title]") == "门诊挂号无法打开"
    assert page.input_value("select[name=minutes_ago]") == "45"
    assert page.evaluate(FITS_THE_WIDTH)
    shot(page, "file-for-caller-error-phone")
    assert not Ticket.objects.exists()

    page.fill("input[name=backdate_reason]", "夜间电话高峰，稍后录入")
    page.click("button[type=submit]")
    page.wait_for_selector(".countdown")
    assert page.evaluate(FITS_THE_WIDTH), "the ticket page scrolls sideways on a phone"
    facts = page.locator(".side-col dl.facts").inner_text()
    assert "电话" in facts and "孙敏" in facts and "夜间电话高峰，稍后录入" in facts
    shot(page, "file-for-caller-ticket-phone")

    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.reporter.username, ticket.entered_by.username) == (
        "phone",
        "yn-reporter",
        "ny-dispatcher",
    )
    assert ticket.late_minutes == 45


def test_the_form_and_the_ticket_on_a_desktop(browser, live_server, demo):
    page = signed_in(browser, live_server, "ny-dispatcher")
    page.goto(f"{live_server.url}/contracts/yn-his/file-for-caller/")
    shot(page, "file-for-caller-form-desktop")
    page.select_option("select[name=caller]", index=0)
    page.fill("input[name=caller_name]", "门诊部 王护士长")
    page.fill("input[name=caller_phone]", "13726389999")
    page.get_by_label("企业微信").check()
    page.select_option("select[name=minutes_ago]", "20")
    page.select_option("select[name=system]", index=1)
    page.get_by_label("二级故障").check()
    page.fill("input[name=title]", "住院结算打印失败")
    page.fill("textarea[name=description]", "企业微信报修：住院结算单打印空白。")
    page.click("button[type=submit]")
    page.wait_for_selector(".countdown")
    assert "门诊部 王护士长" in page.locator(".side-col dl.facts").inner_text()
    shot(page, "file-for-caller-ticket-desktop")
