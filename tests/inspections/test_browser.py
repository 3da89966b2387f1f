"""An inspection performed on a phone in a real browser (Debian's Chromium through
Playwright): the engineer starts C2's quarterly inspection on site, answers the checklist,
mistypes a number and corrects it, sees the user tablespace at 95 % marked abnormal, opens
a ticket from it and completes. Screenshots land in var/screenshots/inspection-*.png."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from inspections.models import Inspection
from tests.browser import SHOTS, signed_in
from tests.browser import shot as browser_shot

TODAY = dt.date(2026, 11, 20)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def on_site(monkeypatch):
    """2026-11-20 10:00 in Zhanjiang, the clock running; PDFs are asked for, not rendered."""
    from inspections.tasks import render_report

    monkeypatch.setattr(render_report, "delay", lambda inspection_id: None)
    with time_machine.travel("2026-11-20 10:00 +08:00", tick=True):
        yield


def signed_in_on_a_phone(browser, live_server, username: str):
    return signed_in(browser, live_server, username, phone=True)


def shot(page, name: str) -> None:
    browser_shot(page, f"inspection-{name}")


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


READINGS = {
    "电子票据用户表空间使用率": "95",
    "系统表空间使用率": "80",
    "服务器磁盘使用率": "95,5",  # a decimal comma: corrected after the message
    "服务器证书剩余有效期": "210",
    "本季度证书服务故障次数": "0",
}


def test_an_engineer_performs_the_quarterly_inspection_on_a_phone(
    browser, live_server, demo, on_site
):
    inspection = Inspection.objects.get(
        contract__code="zj-einvoice",
        purpose="routine",
        window_starts_on__lte=TODAY,
        due_on__gte=TODAY,
    )
    page = signed_in_on_a_phone(browser, live_server, "ny-engineer")
    page.goto(f"{live_server.url}/inspections/")
    shot(page, "1-list-phone")
    submit(page, f"tr[data-inspection='{inspection.pk}'] td.what a")

    submit(page, "#action-start button[value=on_site]")
    page.wait_for_selector("#checklist-form")
    shot(page, "2-started-phone")

    items = {result.name: result for result in inspection.results.all()}
    for name, result in items.items():
        if result.kind == "pass_fail":
            page.click(f"#item-{result.pk} .pf-pass")
        elif result.kind == "measurement":
            page.fill(f"#value-{result.pk}", READINGS[name])
        else:
            page.fill(f"#text-{result.pk}", "系统运行平稳；建议下季度扩容电子票据用户表空间。")
    submit(page, "#save-results")

    disk = items["服务器磁盘使用率"]
    assert "95.5" in page.inner_text(f"#item-{disk.pk} .field-error")
    assert page.input_value(f"#value-{disk.pk}") == "95,5"
    shot(page, "3-bad-number-phone")
    page.fill(f"#value-{disk.pk}", "64")
    submit(page, "#save-results")

    tablespace = items["电子票据用户表空间使用率"]
    abnormal = page.locator(f"#item-{tablespace.pk}")
    assert "is-fail" in abnormal.get_attribute("class")
    assert abnormal.locator(".verdict").inner_text() == "异常"
    normal = page.locator(f"#item-{items['系统表空间使用率'].pk}")
    assert normal.locator(".verdict").inner_text() == "正常"
    abnormal.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "inspection-4-abnormal-item-phone.png"))
    shot(page, "4-abnormal-phone")

    submit(page, f"#open-ticket-{tablespace.pk} button")
    tablespace.refresh_from_db()
    assert tablespace.ticket is not None
    assert abnormal.locator(".item-ticket a").inner_text().endswith(tablespace.ticket.number)

    page.fill("#findings", "电子票据用户表空间使用率 95%，已报修。")
    page.fill("#suggestions", "下季度前完成表空间扩容。")
    submit(page, "#complete")
    page.wait_for_selector("#report")
    shot(page, "5-completed-phone")
    inspection.refresh_from_db()
    assert inspection.state == "completed"
    assert inspection.results.filter(verdict="pending").count() == 0
    assert inspection.mode == "on_site" and inspection.findings.startswith("电子票据")
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "6-completed-wide")
