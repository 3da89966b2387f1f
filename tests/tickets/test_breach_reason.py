"""The reason a clock missed its deadline (超时原因): given by the vendor, in the portal and
through the API, kept on the clock, in the timeline and the audit trail, and printed by the
reports next to the breach."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from reports import figures
from reports.periods import Period
from tests.conftest import login
from tests.factories import demo_user
from tests.reports.conftest import yn_quarter  # noqa: F401 (the hand-built quarter)
from tests.tickets.conftest import at
from tickets import services
from tickets.errors import TicketError
from tickets.models import Event, TicketClock

pytestmark = pytest.mark.django_db

Q3 = Period.quarter(2026, 3)


def test_the_engineer_says_why_a_clock_was_missed_and_the_report_prints_it(yn_quarter):  # noqa: F811
    t2 = yn_quarter.tickets["T2"]  # acknowledged 09:45, due 09:30
    engineer = demo_user("ny-engineer")
    clock = services.explain_breach(
        ticket=t2,
        by=engineer,
        clock="respond",
        reason="  机房停电，电话未接通  ",
        now=at("2026-07-15 09:00"),
    )
    assert clock.breach_reason == "机房停电，电话未接通"
    event = Event.objects.get(ticket=t2, action="tickets.clock.breach_explained")
    assert (event.actor, event.note, event.data) == (
        engineer,
        "机房停电，电话未接通",
        {"clock": "respond"},
    )
    assert AuditEntry.objects.filter(
        action="tickets.clock.breach_explained", actor=engineer
    ).exists()

    breaches = figures.breaches(yn_quarter.contract, Q3, figures.as_at(Q3, at("2026-12-01 09:00")))
    reasons = {(b.ticket_number, b.clock): b.reason for b in breaches}
    assert reasons[(t2.number, "respond")] == "机房停电，电话未接通"
    assert reasons[(t2.number, "resolve")] == ""  # not explained
    summary = figures.breach_summary(breaches)
    assert [(b.ticket_number, b.clock) for b in summary.explained] == [(t2.number, "respond")]


def test_only_the_vendor_explains_and_only_a_missed_clock(yn_quarter):  # noqa: F811
    t1, t2 = yn_quarter.tickets["T1"], yn_quarter.tickets["T2"]
    with pytest.raises(TicketError) as refused:
        services.explain_breach(
            ticket=t2, by=demo_user("yn-it"), clock="respond", reason="不是我们的原因"
        )
    assert refused.value.code == "forbidden"
    with pytest.raises(TicketError) as on_time:  # T1 was answered in 20 minutes
        services.explain_breach(
            ticket=t1, by=demo_user("ny-engineer"), clock="respond", reason="无"
        )
    assert on_time.value.code == "invalid"
    with pytest.raises(TicketError) as empty:
        services.explain_breach(ticket=t2, by=demo_user("ny-engineer"), clock="respond", reason=" ")
    assert empty.value.code == "note_required"
    assert TicketClock.objects.get(ticket=t2, name="respond").breach_reason == ""


def test_the_ticket_page_offers_the_reason_next_to_the_missed_clock_only_to_the_vendor(
    yn_quarter,  # noqa: F811
):
    t2 = yn_quarter.tickets["T2"]
    page = login("ny-engineer").get(t2.get_absolute_url())
    assert page.content.decode().count('name="reason"') >= 2  # respond and resolve were missed
    assert "breach-reason-respond" in page.content.decode()
    assert "breach-reason-arrive" not in page.content.decode()  # arrived in time
    assert "breach-reason-respond" not in login("yn-it").get(t2.get_absolute_url()).content.decode()

    client = login("ny-engineer")
    url = f"/tickets/{t2.number}/breach-reason/"
    refused = client.post(url, {"clock": "respond", "reason": ""})
    assert refused.status_code == 400
    done = client.post(url, {"clock": "respond", "reason": "首次响应人员在途"}, follow=True)
    assert done.status_code == 200
    assert "首次响应人员在途" in done.content.decode()
    assert TicketClock.objects.get(ticket=t2, name="respond").breach_reason == "首次响应人员在途"


@pytest.mark.browser
def test_the_engineer_gives_the_reason_on_the_ticket_page_on_a_phone(
    browser,
    live_server,
    yn_quarter,  # noqa: F811
):
    from tests.browser import SHOTS, signed_in

    t2 = yn_quarter.tickets["T2"]
    for phone in (True, False):
        page = signed_in(browser, live_server, "ny-engineer", phone=phone)
        page.goto(f"{live_server.url}/tickets/{t2.number}/")
        page.locator("details.breach-reason-form summary").first.click()
        page.fill("#breach-reason-text-respond", "机房停电，电话未接通")
        shot = "phone" if phone else "desktop"
        page.screenshot(path=str(SHOTS / f"breach-reason-form-{shot}.png"), full_page=False)
        page.locator("#breach-reason-respond button").click()
        page.wait_for_load_state()
        assert page.locator(".breach-reason").first.inner_text().endswith("机房停电，电话未接通")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SHOTS / f"breach-reason-given-{shot}.png"), full_page=True)
