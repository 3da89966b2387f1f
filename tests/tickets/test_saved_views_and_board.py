"""Saved views of a list, per person; assigning and acknowledging ticked tickets on the board."""

from __future__ import annotations

import pytest
import time_machine

from contracts.models import Contract
from tests.conftest import login
from tests.factories import demo_user
from tests.tickets.conftest import file_ticket
from tickets import services
from tickets.models import SavedView, Ticket

pytestmark = pytest.mark.django_db

PLAN = "已电话联系院方，先远程排查日志，1 小时内反馈处理方案。"

NOW = "2026-09-15 10:00 +08:00"


@pytest.fixture
def desk(demo):
    with time_machine.travel(NOW, tick=True):
        yield demo


def reported(code: str = "yn-his") -> Ticket:
    return file_ticket(Contract.objects.get(code=code), "level-2", "2026-09-15 09:55")


# --- saved views ------------------------------------------------------------------------------


def test_a_saved_view_reopens_the_same_filtered_list(desk):
    yn = reported("yn-his")
    reported("gz-logistics")
    client = login("ny-engineer")
    response = client.post(
        "/saved-views/",
        {"page": "queue", "name": "郁南待受理", "query": "contract=yn-his&state=new&cursor=x"},
    )
    assert response.status_code == 302
    view = SavedView.objects.get(owner=demo_user("ny-engineer"))
    assert view.query == "contract=yn-his&state=new"  # filters only, not the page's cursor
    assert response["Location"] == f"/queue/?{view.query}"
    page = client.get("/queue/", {"panel": "open"})
    assert f'href="?{view.query.replace("&", "&amp;")}"' in page.content.decode()
    reopened = client.get(response["Location"])
    assert [row["number"] for row in reopened.context["rows"]] == [yn.number]


def test_saved_views_are_each_persons_own(desk):
    login("ny-engineer").post(
        "/saved-views/", {"page": "queue", "name": "我的视图", "query": "state=new"}
    )
    view = SavedView.objects.get()
    other = login("ny-engineer2")
    assert "我的视图" not in other.get("/queue/", {"panel": "open"}).content.decode()
    other.post("/saved-views/delete/", {"pk": view.pk, "page": "queue"})
    assert SavedView.objects.filter(pk=view.pk).exists()
    login("ny-engineer").post("/saved-views/delete/", {"pk": view.pk, "page": "queue"})
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_saving_under_an_existing_name_replaces_that_view(desk):
    client = login("yn-it")
    for query in ("state=new", "state=resolved"):
        client.post("/saved-views/", {"page": "tickets", "name": "本周", "query": query})
    assert list(SavedView.objects.values_list("name", "query")) == [("本周", "state=resolved")]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"page": "queue", "name": "  ", "query": "state=new"}, "名称"),
        ({"page": "queue", "name": "全部", "query": "show=all"}, "筛选"),
        ({"page": "elsewhere", "name": "x", "query": "state=new"}, "列表"),
    ],
)
def test_a_view_without_a_name_or_filters_is_refused_with_a_message(desk, form, message):
    response = login("ny-engineer").post("/saved-views/", form, follow=True)
    assert response.status_code == 200
    assert any(message in str(m) for m in response.context["messages"])
    assert not SavedView.objects.exists()


# --- the board's ticked tickets ---------------------------------------------------------------


def test_a_dispatcher_assigns_the_ticked_tickets_to_one_engineer(desk):
    first, second = reported(), reported("gz-logistics")
    engineer = demo_user("ny-engineer2")
    response = login("ny-dispatcher").post(
        "/dispatch/selected/",
        {"ticket": [first.number, second.number.lower()], "do": "assign", "engineer": engineer.pk},
    )
    assert response.status_code == 302 and response["Location"] == "/dispatch/"
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert (ticket.state, ticket.assignee) == ("dispatched", engineer)
        assert ticket.events.filter(action="tickets.ticket.dispatched").exists() or (
            ticket.events.filter(to_state="dispatched").exists()
        )


def test_ticked_tickets_that_cannot_be_acknowledged_are_reported_each_and_the_rest_done(desk):
    new, done_already, foreign = reported(), reported(), reported("cd-nutrition")
    services.acknowledge(ticket=done_already, by=demo_user("ny-engineer"), note=PLAN)
    response = login("ny-dispatcher").post(
        "/dispatch/selected/",
        {
            "ticket": [new.number, done_already.number, foreign.number],
            "do": "acknowledge",
            "note": PLAN,
        },
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    new.refresh_from_db()
    foreign.refresh_from_db()
    assert new.state == "acknowledged" and foreign.state == "new"
    assert any(new.number in m and m.startswith("已完成") for m in messages)
    assert any(m.startswith(done_already.number) for m in messages)
    assert any(m.startswith(foreign.number) for m in messages)


def test_c3_a_tick_without_the_committed_plan_acknowledges_nothing_and_says_why(desk):
    # C3 (yn-his): a response is contacting the hospital and committing to a plan.
    ticket = reported()
    response = login("ny-dispatcher").post(
        "/dispatch/selected/", {"ticket": [ticket.number], "do": "acknowledge"}, follow=True
    )
    ticket.refresh_from_db()
    assert ticket.state == "new"
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith(ticket.number) and "方案" in m for m in messages)


def test_a_reporter_cannot_change_tickets_through_the_board(desk):
    ticket = reported()
    response = login("yn-reporter").post(
        "/dispatch/selected/", {"ticket": [ticket.number], "do": "acknowledge"}
    )
    assert response.status_code in (302, 403)
    ticket.refresh_from_db()
    assert ticket.state == "new"


def test_the_board_offers_a_tick_for_each_ticket_and_one_form_for_the_ticked(desk):
    ticket = reported()
    page = login("ny-dispatcher").get("/dispatch/").content.decode()
    assert f'name="ticket" value="{ticket.number}" form="selected"' in page
    assert 'id="selected"' in page and 'action="/dispatch/selected/"' in page
