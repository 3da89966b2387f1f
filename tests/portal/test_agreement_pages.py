"""The pages for C3's committed-plan response and agreed on-site times, and C4's changes."""

from __future__ import annotations

import pytest
import time_machine

from tests.conftest import login
from tests.portal.test_ticket_pages import file_in_browser, report_form
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

NOW = "2026-09-15 10:00 +08:00"


@pytest.fixture
def portal(demo):
    with time_machine.travel(NOW, tick=True):
        yield


def test_c3_the_acknowledge_form_keeps_what_was_typed_and_asks_for_the_plan(portal):
    ticket = file_in_browser(login("yn-reporter"))
    engineer = login("ny-engineer")
    page = engineer.get(ticket.get_absolute_url()).content.decode()
    assert "承诺" in page  # the note's hint says the contract wants the plan
    response = engineer.post(f"{ticket.get_absolute_url()}acknowledge/", {"note": "   "})
    assert response.status_code == 400
    assert "解决方案" in response.content.decode()
    assert Ticket.objects.get().state == "new"


def test_c3_the_reporter_confirms_the_on_site_time_on_the_ticket_page(portal):
    from contracts.models import Contract

    level_3 = Contract.objects.get(code="yn-his").service_classes.get(level=3)
    ticket = file_in_browser(login("yn-reporter"), service_class=level_3.pk)
    engineer, reporter = login("ny-engineer"), login("yn-reporter")
    url = ticket.get_absolute_url()
    assert (
        engineer.post(f"{url}propose-appointment/", {"at": "2026-09-17T14:30"}).status_code == 302
    )
    page = reporter.get(url).content.decode()
    assert 'id="action-confirm-appointment"' in page and "2026-09-17 14:30" in page
    assert reporter.post(f"{url}confirm-appointment/", {}).status_code == 302
    arrive = ticket.clocks.get(name="arrive")
    assert arrive.due_at.isoformat().startswith("2026-09-17T06:30")  # 14:30 in Shanghai


def test_c3_a_phone_confirmation_form_with_a_future_time_keeps_the_input(portal):
    from contracts.models import Contract

    level_4 = Contract.objects.get(code="yn-his").service_classes.get(level=4)
    ticket = file_in_browser(login("yn-reporter"), service_class=level_4.pk)
    dispatcher = login("ny-dispatcher")
    url = ticket.get_absolute_url()
    dispatcher.post(f"{url}propose-appointment/", {"at": "2026-09-17T14:30"})
    response = dispatcher.post(
        f"{url}record-appointment/",
        {"confirmed_by": "黄小梅", "channel": "phone", "confirmed_at": "2026-09-15T23:00"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "黄小梅" in html and "不能是将来" in html


def test_c4_the_vendor_opens_a_change_from_the_contract_page(portal):
    engineer = login("sk-engineer")
    assert (
        "/contracts/fd-internet/change/" in engineer.get("/contracts/fd-internet/").content.decode()
    )
    form = report_form("fd-internet")
    response = engineer.post(
        "/contracts/fd-internet/change/",
        {
            "system": form["system"],
            "service_class": Ticket._meta.get_field("service_class")
            .related_model.objects.get(contract__code="fd-internet", kind="change")
            .pk,
            "title": "统一门户 V2 升级",
            "description": "升级挂号接口",
            "upgrade_plan": "周六 23:00 停服升级",
            "rollback_plan": "恢复快照",
            "window_starts_at": "2026-09-19T23:00",
            "window_ends_at": "2026-09-20T02:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    change = Ticket.objects.get()
    assert (change.state, change.reporter.username) == ("awaiting_approval", "sk-engineer")
    page = login("fd-it").get(change.get_absolute_url()).content.decode()
    assert "2026-09-19 23:00 – 2026-09-20 02:00" in page and 'id="action-approve-plan"' in page


def test_c4_a_hospital_person_is_not_offered_the_vendors_change_form(portal):
    assert "/change/" not in login("fd-reporter").get("/contracts/fd-internet/").content.decode()
    assert login("fd-reporter").get("/contracts/fd-internet/change/").status_code == 403


def test_c5_the_contract_page_shows_the_person_day_burn_down(portal):
    page = login("gz-it").get("/contracts/gz-logistics/").content.decode()
    assert 'id="quota"' in page and "2026-09" in page
