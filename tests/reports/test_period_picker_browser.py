"""The dashboard's period picker on a phone and a desktop: C2's service quarters and year
first, the calendar's after, chosen from one list, without sideways scroll."""

from __future__ import annotations

import pytest
import time_machine

from tests.browser import shot, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_c2_manager_picks_the_service_year_on_a_phone_and_a_desktop(browser, live_server, demo):
    with time_machine.travel("2026-12-06 10:00 +08:00", tick=True):
        for phone, size in ((True, "390"), (False, "1280")):
            page = signed_in(browser, live_server, "ny-manager", phone=phone)
            page.goto(f"{live_server.url}/contracts/zj-einvoice/dashboard/")
            assert "第 4 服务季度" in page.inner_text(".rp-current")
            page.select_option("#rp-period", "SY2026")
            page.click(".rp-jump button[type=submit]")
            page.wait_for_url("**period=SY2026")
            assert "服务年度 2026-03-01 至 2027-02-28" in page.inner_text(".rp-current")
            assert no_sideways_scroll(page)
            shot(page, f"dashboard-service-year-{size}")
