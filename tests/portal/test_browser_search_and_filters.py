"""The search box and the desk's filters in a real browser (Chromium through Playwright):
jumping to a ticket by its number typed in lower case, a Chinese word inside a description,
a saved filter view reopened, and assigning ticked tickets on the dispatch board.
Screenshots at desktop and phone widths land in var/screenshots/ to be looked at."""

from __future__ import annotations

import pytest

from contracts.models import Contract
from tests.browser import shot, signed_in
from tests.factories import demo_user
from tickets import services
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def reported(code: str, title: str, description: str = "窗口无法使用。") -> Ticket:
    contract = Contract.objects.get(code=code)
    return services.report_ticket(
        contract=contract,
        system=contract.systems.first(),
        service_class=contract.service_classes.get(code="level-2"),
        title=title,
        description=description,
        reporter=demo_user({"yn-his": "yn-reporter", "gz-logistics": "gz-reporter"}[code]),
        contact_phone="13726380001",
    )


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_typing_a_number_in_lower_case_in_the_header_box_opens_the_ticket(
    browser, live_server, demo
):
    ticket = reported("yn-his", "门诊挂号系统卡顿")
    page = signed_in(browser, live_server, "yn-it")
    page.fill("header input[name=q]", ticket.number.lower())
    page.press("header input[name=q]", "Enter")
    page.wait_for_url(f"{live_server.url}/tickets/{ticket.number}/")
    assert ticket.title in page.locator("h1").inner_text()


def test_a_chinese_word_inside_a_description_finds_the_ticket_marked(browser, live_server, demo):
    wanted = reported("yn-his", "收费处故障", "门诊收费处发票打印机卡纸，无法出票，患者排队。")
    reported("yn-his", "检验科报告延迟", "检验报告未能按时推送。")
    for phone in (False, True):
        page = signed_in(browser, live_server, "ny-engineer", phone=phone)
        if phone:
            page.goto(f"{live_server.url}/search/")
            page.fill("main input[name=q]", "打印机卡纸")
            page.press("main input[name=q]", "Enter")
        else:
            page.fill("header input[name=q]", "打印机卡纸")
            page.press("header input[name=q]", "Enter")
        page.wait_for_selector(".search-hit")
        hits = page.locator(".search-hit")
        assert hits.count() == 1
        assert hits.first.get_attribute("data-ticket") == wanted.number
        assert hits.first.locator("mark").first.inner_text() == "打印机卡纸"
        assert no_sideways_scroll(page)
        shot(page, f"search-results-{'phone' if phone else 'desktop'}")


def test_a_saved_filter_view_reopens_the_same_tickets(browser, live_server, demo):
    yn = [reported("yn-his", f"郁南工单 {n}") for n in range(2)]
    reported("gz-logistics", "广州物流工单")
    page = signed_in(browser, live_server, "ny-engineer")
    page.goto(f"{live_server.url}/queue/")
    page.click("details.filters summary")
    page.wait_for_selector("select[name=hospital]")
    page.select_option("select[name=hospital]", value="YN")
    page.click(".filter-form button")
    page.wait_for_url("**/queue/?*hospital=YN*")
    filtered = sorted(
        page.locator("#queue tbody tr").evaluate_all("rows => rows.map(row => row.dataset.ticket)")
    )
    assert filtered == sorted(ticket.number for ticket in yn)
    shot(page, "queue-filtered-desktop")
    page.fill(".save-view input[name=name]", "郁南县医院")
    page.click(".save-view button")
    page.wait_for_selector(".msg-success")

    page.goto(f"{live_server.url}/queue/")
    page.click("details.filters summary")
    page.click("a.saved-view:has-text('郁南县医院')")
    page.wait_for_url("**/queue/?*hospital=YN*")
    reopened = sorted(
        page.locator("#queue tbody tr").evaluate_all("rows => rows.map(row => row.dataset.ticket)")
    )
    assert reopened == filtered

    phone = signed_in(browser, live_server, "ny-engineer", phone=True)
    phone.goto(f"{live_server.url}/queue/?hospital=YN")
    form = phone.locator(".filter-form")
    assert form.bounding_box()["width"] <= 390
    assert phone.evaluate(
        "() => [...document.querySelectorAll('details.filters, .filter-form, .filter-form *')]"
        ".every(el => el.getBoundingClientRect().right <= document.documentElement.clientWidth)"
    )
    shot(phone, "queue-filtered-phone")


def test_a_dispatcher_assigns_ticked_tickets_on_the_board_at_once(browser, live_server, demo):
    first = reported("yn-his", "住院结算打印失败")
    second = reported("gz-logistics", "物资出库单无法生成")
    untouched = reported("yn-his", "门诊叫号屏黑屏")
    page = signed_in(browser, live_server, "ny-dispatcher")
    page.goto(f"{live_server.url}/dispatch/")
    for ticket in (first, second):
        page.check(f"tr[data-ticket='{ticket.number}'] input[name=ticket]")
    page.select_option("#selected select[name=engineer]", label="赵工 (0)")
    shot(page, "dispatch-ticked-desktop")
    page.click("#selected button[value=assign]")
    page.wait_for_selector(".msg-success")
    assert first.number in page.locator(".msg-success").inner_text()
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert (ticket.state, ticket.assignee.username) == ("dispatched", "ny-engineer2")
    untouched.refresh_from_db()
    assert untouched.assignee is None
