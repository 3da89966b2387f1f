"""The whole path in a real browser (Debian's Chromium through Playwright): a reporter files
a level-1 fault, it tops the engineer's queue, the engineer acknowledges, arrives and
resolves, the reporter confirms and rates it; a dispatcher assigns; a form error keeps what
was typed. Screenshots land in var/screenshots/ to be looked at."""

from __future__ import annotations

import pytest

from tests.browser import shot, signed_in
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def file_level1(page, live_server, title: str) -> str:
    page.goto(f"{live_server.url}/tickets/new/")
    page.select_option("select[name=system]", index=1)
    page.get_by_label("一级故障").check()
    page.fill("input[name=title]", title)
    page.fill("textarea[name=description]", "门诊收费窗口全部无法登录 HIS，排队患者较多。")
    page.fill("input[name=contact_phone]", "13726380001")
    page.click("button[type=submit]")
    page.wait_for_selector(".countdown")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def test_a_level1_fault_from_report_to_rated_close_in_the_browser(browser, live_server, demo):
    reporter = signed_in(browser, live_server, "yn-reporter", phone=True)
    number = file_level1(reporter, live_server, "门诊收费系统无法登录")
    assert "剩余" in reporter.locator(".countdown").first.inner_text()
    shot(reporter, "1-reporter-ticket-phone")

    engineer = signed_in(browser, live_server, "ny-engineer")
    engineer.goto(f"{live_server.url}/queue/")
    assert engineer.locator("#queue tbody tr").first.get_attribute("data-ticket") == number
    shot(engineer, "2-engineer-queue")

    engineer.click(f"#queue tr[data-ticket='{number}'] a")
    engineer.fill("#action-acknowledge textarea[name=note]", "已电话联系信息科，马上到场")
    engineer.click("#action-acknowledge button")
    engineer.click("#action-arrive button")
    engineer.fill("#action-resolve textarea[name=note]", "IIS 应用池重启后恢复")
    engineer.click("#action-resolve button")
    assert engineer.locator(".state").first.inner_text() == "已解决"
    shot(engineer, "3-engineer-resolved")

    reporter.goto(f"{live_server.url}/tickets/{number}/")
    reporter.check("#action-confirm input[name=satisfaction][value='5']")
    reporter.click("#action-confirm button")
    assert reporter.locator(".state").first.inner_text() == "已关闭"
    shot(reporter, "4-reporter-closed-phone")
    ticket = Ticket.objects.get(number=number)
    assert (ticket.state, ticket.satisfaction) == ("closed", 5)
    assert [event.to_state for event in ticket.events.exclude(to_state="")] == [
        "acknowledged",
        "on_site",
        "resolved",
        "closed",
    ]


def test_a_dispatcher_assigns_a_new_ticket_from_the_board(browser, live_server, demo):
    reporter = signed_in(browser, live_server, "yn-reporter")
    number = file_level1(reporter, live_server, "住院结算打印失败")
    dispatcher = signed_in(browser, live_server, "ny-dispatcher")
    dispatcher.goto(f"{live_server.url}/dispatch/")
    row = dispatcher.locator(f"tr[data-ticket='{number}']")
    row.locator("select[name=engineer]").select_option(label="陈工 (0)")
    shot(dispatcher, "5-dispatcher-board")
    row.locator("button").click()
    dispatcher.wait_for_url(f"{live_server.url}/dispatch/")
    assert Ticket.objects.get(number=number).assignee.username == "ny-engineer"


def test_a_report_with_a_missing_title_shows_the_error_and_keeps_the_text(
    browser, live_server, demo
):
    reporter = signed_in(browser, live_server, "yn-reporter")
    reporter.goto(f"{live_server.url}/tickets/new/")
    reporter.select_option("select[name=system]", index=1)
    reporter.get_by_label("二级故障").check()
    reporter.fill("textarea[name=description]", "检验报告无法打印")
    reporter.fill("input[name=contact_phone]", "13726380001")
    reporter.click("button[type=submit]")
    assert reporter.locator(".field-error").first.inner_text() == "该字段是必填项。"
    assert reporter.input_value("textarea[name=description]") == "检验报告无法打印"
    assert reporter.get_by_label("二级故障").is_checked()
    shot(reporter, "6-form-error")
    assert Ticket.objects.count() == 0
