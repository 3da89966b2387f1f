"""In a real browser (Chromium): a platform administrator pastes the notice, sees the year
as a calendar beside the statutory days, and confirms. Screenshots at phone and desktop
width land in var/screenshots/."""

from __future__ import annotations

import pytest

from sla.models import HolidayDate, HolidayNotice
from tests.browser import DESKTOP, PHONE, shot, signed_in
from tests.sla.notices import MADE_UP_2027, notice_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_pasting_the_notice_previews_the_year_and_confirming_saves_it(
    browser, live_server, demo, phone
):
    page = signed_in(browser, live_server, "admin", phone=phone)
    page.goto(f"{live_server.url}/admin/sla/holidayyear/")
    page.get_by_role("link", name="导入国务院节假日通知").click()
    slip = notice_text(MADE_UP_2027).replace("4月25日（周日）", "4月25日（周六）")
    page.fill("textarea[name=text]", slip)
    page.get_by_role("button", name="读取通知").click()
    refusal = page.locator(".errorlist").inner_text()
    assert "2027-04-25 是周日" in refusal and "4月25日（周六）、5月8日（周六）上班。" in refusal
    assert page.locator(".notice-month").count() == 0
    shot(page, f"holiday-notice-refused-{'phone' if phone else 'desktop'}")

    page.fill("textarea[name=text]", notice_text(MADE_UP_2027))
    page.get_by_role("button", name="读取通知").click()

    page.wait_for_selector(".notice-month")
    assert page.locator(".notice-month").count() == 12
    eve = page.locator("td[data-date='2027-02-05']")
    assert "holiday" in eve.get_attribute("class") and "statutory" in eve.get_attribute("class")
    assert "makeup" in page.locator("td[data-date='2027-02-20']").get_attribute("class")
    assert no_sideways_scroll(page)
    shot(page, f"holiday-notice-preview-{'phone' if phone else 'desktop'}")
    assert page.viewport_size == (PHONE if phone else DESKTOP)

    page.get_by_role("button", name="确认并保存 2027 年").click()
    page.wait_for_url(f"{live_server.url}/admin/sla/holidaynotice/")
    assert "2027" in page.locator(".messagelist").inner_text()
    shot(page, f"holiday-notice-saved-{'phone' if phone else 'desktop'}")
    assert HolidayNotice.objects.get().year == 2027
    assert HolidayDate.objects.get(date="2027-04-25").kind == "makeup_workday"
