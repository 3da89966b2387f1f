"""The reports page and the resolve form as hospital IT and an engineer see them, on a phone
and a desktop: the acceptance (签收) form and the cause to choose, without sideways scroll."""

from __future__ import annotations

import pytest
import time_machine

from reports import services
from reports.models import ReportKind
from reports.periods import Period
from tests.browser import shot, signed_in
from tests.factories import demo_user
from tests.tickets.conftest import file_ticket
from tickets import services as ticket_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_hospital_it_accepts_a_final_report_on_a_phone(browser, live_server, demo):
    contract = demo["yn-his"]
    with time_machine.travel("2026-10-05 09:00 +08:00", tick=True):
        report = services.request_report(
            contract=contract, kind=ReportKind.QUARTERLY, period=Period.quarter(2026, 3)
        ).report
        manager = demo_user("ny-manager")
        services.save_improvements(report=report, by=manager, text="增加夜间值班工程师。")
        services.make_final(report=report, by=manager)
        for phone, size in ((True, "390"), (False, "desktop")):
            page = signed_in(browser, live_server, "yn-it", phone=phone)
            page.goto(f"{live_server.url}/contracts/yn-his/reports/")
            assert page.locator(f"#report-{report.pk}-accept").is_visible()
            assert no_sideways_scroll(page)
            shot(page, f"reports-accept-{size}")
        page.fill(f"#opinion-{report.pk}", "同意，请落实夜间值班。")
        page.click(f"#report-{report.pk}-accept button")
        page.wait_for_selector(f"#report-{report.pk}-accepted")
        assert "同意，请落实夜间值班。" in page.inner_text(f"#report-{report.pk}-accepted")
        shot(page, "reports-accepted-desktop")


def test_an_engineer_chooses_the_cause_when_resolving_on_a_phone(browser, live_server, demo):
    with time_machine.travel("2026-09-15 10:00 +08:00", tick=True):
        ticket = file_ticket(demo["yn-his"], "level-1", "2026-09-15 09:00")
        engineer = demo_user("ny-engineer")
        ticket_services.acknowledge(note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer)
        ticket_services.arrive(ticket=ticket, by=engineer)
        page = signed_in(browser, live_server, "ny-engineer", phone=True)
        page.goto(f"{live_server.url}{ticket.get_absolute_url()}")
        assert no_sideways_scroll(page)
        page.select_option("#cause-resolve", "network")
        page.fill("#note-resolve", "更换交换机端口")
        shot(page, "ticket-resolve-cause-390")
        page.click("#action-resolve button[type=submit]")
        page.wait_for_load_state()
    ticket.refresh_from_db()
    assert ticket.state == "resolved" and ticket.resolution_cause == "network"
