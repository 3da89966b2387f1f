"""Input no person types gets a clear 400, never a 500: control characters in paths, queries,
form fields and JSON, texts longer than the API would take, and JSON nested to exhaust the
parser."""

from __future__ import annotations

import json

import pytest
import time_machine

from contracts.models import Contract
from tests.conftest import login
from tests.factories import demo_user
from tickets import services
from tickets.models import NOTE_LIMIT, Event, Ticket

pytestmark = pytest.mark.django_db

NOW = "2026-09-15 10:00 +08:00"
DEEP = "[" * 100000 + "]" * 100000


@pytest.fixture
def ticket(demo) -> Ticket:
    with time_machine.travel(NOW, tick=True):
        contract = Contract.objects.get(code="yn-his")
        return services.report_ticket(
            contract=contract,
            system=contract.systems.first(),
            service_class=contract.service_classes.get(level=1),
            reporter=demo_user("yn-reporter"),
            title="门诊收费系统无法登录",
            description="收费窗口全部报错。",
            contact_phone="13726380001",
        )


@pytest.mark.parametrize(
    "path",
    [
        "/tickets/YN%00/",
        "/tickets/%00/attachments/1/",
        "/tickets/YN%01-2026/",
        "/contracts/yn%00his/",
        "/tickets/?q=%00",
        "/knowledge/?q=a%00b",
    ],
)
def test_a_control_character_in_a_portal_address_is_a_400_page(demo, path):
    response = login("yn-it").get(path)
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()  # Chinese by default, and says why


def test_a_control_character_in_an_api_query_is_a_400_in_the_error_format(demo):
    response = login("yn-it").get("/api/v1/tickets/?state=new%00", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "control characters" in response.json()["message"]


def test_a_nul_in_a_portal_comment_is_refused_and_nothing_is_stored(ticket):
    before = Event.objects.count()
    response = login("yn-it").post(f"/tickets/{ticket.number}/comment/", {"text": "a\x00b"})
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()
    assert Event.objects.count() == before


def test_a_portal_comment_has_the_apis_length_limit(ticket):
    client = login("yn-it")
    response = client.post(f"/tickets/{ticket.number}/comment/", {"text": "长" * (NOTE_LIMIT + 1)})
    assert response.status_code == 400
    assert not ticket.events.filter(action="tickets.ticket.commented").exists()
    response = client.post(f"/tickets/{ticket.number}/comment/", {"text": "长" * NOTE_LIMIT})
    assert response.status_code == 302
    assert ticket.events.get(action="tickets.ticket.commented").note == "长" * NOTE_LIMIT


def test_the_api_refuses_the_same_over_long_comment(ticket):
    response = login("yn-it").post(
        f"/api/v1/tickets/{ticket.pk}/comments/",
        {"text": "长" * (NOTE_LIMIT + 1)},
        content_type="application/json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/api/v1/tickets/", "/api/v1/tickets/{pk}/comments/"])
def test_json_nested_a_hundred_thousand_deep_is_a_400_before_parsing(ticket, url):
    response = login("yn-it").post(
        url.format(pk=ticket.pk), DEEP, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "nested more than" in response.json()["message"]


def test_json_with_brackets_inside_strings_is_not_counted_as_nesting(ticket):
    text = json.dumps({"text": "[" * 500 + ' \\" ' + "{" * 500})
    response = login("yn-it").post(
        f"/api/v1/tickets/{ticket.pk}/comments/", text, content_type="application/json"
    )
    assert response.status_code == 201, response.content


def test_an_escaped_nul_in_api_json_is_refused(ticket):
    response = login("yn-it").post(
        f"/api/v1/tickets/{ticket.pk}/comments/",
        '{"text": "a\\u0000b"}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "control characters" in response.json()["message"]


def test_tabs_and_line_breaks_are_ordinary_text(ticket):
    response = login("yn-it").post(
        f"/tickets/{ticket.number}/comment/", {"text": "第一行\r\n\t第二行"}
    )
    assert response.status_code == 302


@pytest.mark.browser
@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_the_refusal_page_reads_well_on_a_phone_and_a_desktop(browser, live_server, demo, phone):
    from tests.browser import shot, signed_in

    page = signed_in(browser, live_server, "yn-it", phone=phone)
    response = page.goto(f"{live_server.url}/tickets/YN%00/")
    assert response.status == 400
    assert "控制字符" in page.inner_text("main")
    # No sideways scrolling on a 390 px phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"sec-400-{'phone' if phone else 'desktop'}")
