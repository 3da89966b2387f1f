"""Who may resolve a ticket: the engineer it is assigned to (or any engineer of the vendor
while nobody is), and the vendor's dispatchers and managers on the assignee's behalf;
never a colleague of the assignee."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket
from tickets import services
from tickets.errors import TicketError
from tickets.policy import available_actions, may

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(demo):
    """A 郁南 level-2 fault dispatched to 陈工 (ny-engineer)."""
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 09:00")
    dispatcher = demo_user("ny-dispatcher")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=dispatcher, now=at("2026-11-03 09:05")
    )
    services.assign(
        ticket=ticket, by=dispatcher, engineer=demo_user("ny-engineer"), now=at("2026-11-03 09:06")
    )
    return ticket


def test_a_colleague_of_the_assignee_may_not_resolve_the_ticket(assigned):
    colleague = demo_user("ny-engineer2")
    assert not may(colleague, "resolve", assigned)
    assert "resolve" not in available_actions(colleague, assigned)
    with pytest.raises(TicketError) as refused:
        services.resolve(ticket=assigned, by=colleague, note="已修复", now=at("2026-11-03 10:00"))
    assert refused.value.code == "forbidden"
    assert "陈工" in str(refused.value)
    assigned.refresh_from_db()
    assert assigned.state == "dispatched"


def test_the_assignee_resolves_their_ticket(assigned):
    engineer = demo_user("ny-engineer")
    assert "resolve" in available_actions(engineer, assigned)
    services.resolve(ticket=assigned, by=engineer, note="已修复", now=at("2026-11-03 10:00"))
    assert assigned.state == "resolved"


@pytest.mark.parametrize("username", ["ny-dispatcher", "ny-manager"])
def test_the_vendors_dispatcher_or_manager_may_resolve_on_the_assignees_behalf(assigned, username):
    person = demo_user(username)
    assert "resolve" in available_actions(person, assigned)
    services.resolve(ticket=assigned, by=person, note="远程已修复", now=at("2026-11-03 10:00"))
    assert assigned.state == "resolved"


def test_any_engineer_of_the_vendor_may_resolve_a_ticket_nobody_was_dispatched_to(demo):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 09:00")
    engineer = demo_user("ny-engineer2")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer, now=at("2026-11-03 09:05")
    )
    services.resolve(ticket=ticket, by=engineer, note="远程重启服务", now=at("2026-11-03 09:30"))
    assert ticket.state == "resolved"


def test_the_api_and_the_page_refuse_the_colleague_alike(assigned):
    colleague = login("ny-engineer2")
    api = colleague.post(
        f"/api/v1/tickets/{assigned.pk}/resolve/",
        {"note": "已修复"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert api.status_code == 403
    assert "assigned to" in api.json()["message"]
    page = colleague.post(f"/tickets/{assigned.number}/resolve/", {"note": "已修复"})
    assert page.status_code == 409
    assigned.refresh_from_db()
    assert assigned.state == "dispatched"
