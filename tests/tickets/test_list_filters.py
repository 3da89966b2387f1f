"""Filters on every list (the hospital's list, the queue, the dispatch board) and their exports:
combinable, in the URL, with counts per value, and a bounded number of queries."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Contract
from tests.conftest import login
from tests.factories import demo_user
from tests.tickets.conftest import file_ticket
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

NOW = "2026-09-15 10:00 +08:00"


@pytest.fixture
def desk(demo):
    with time_machine.travel(NOW, tick=True):
        yield demo


def reported(
    code: str = "yn-his", level: str = "level-2", when: str = "2026-09-15 09:55", **changes
):
    ticket = file_ticket(Contract.objects.get(code=code), level, when, title=f"{code} {level}")
    if changes:
        Ticket.objects.filter(pk=ticket.pk).update(**changes)
        ticket.refresh_from_db()
    return ticket


def listed(username: str, url: str, **query) -> list[str]:
    response = login(username).get(url, query)
    assert response.status_code == 200
    rows = response.context.get("rows", [])
    if "unassigned" in response.context:
        rows = [*response.context["unassigned"], *response.context["at_risk"]]
    return sorted(row["number"] for row in rows)


def exported(username: str, url: str, **query) -> list[str]:
    response = login(username).get(url, {**query, "format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    return sorted(row[0] for row in rows[1:])


def test_filters_combine_hospital_and_level_on_the_queue(desk):
    wanted = reported("yn-his", "level-1")
    reported("yn-his", "level-2")
    reported("zj-einvoice", "level-1")
    level1 = Contract.objects.get(code="yn-his").service_classes.get(code="level-1")
    found = listed("ny-engineer", "/queue/", hospital="YN", service_class=level1.pk)
    assert found == [wanted.number]


def test_the_queue_filters_by_engineer_me_and_nobody(desk):
    mine = reported()
    services.assign(ticket=mine, by=demo_user("ny-dispatcher"), engineer=demo_user("ny-engineer"))
    nobodys = reported()
    assert listed("ny-engineer", "/queue/", assignee="me") == [mine.number]
    assert listed("ny-engineer", "/queue/", assignee="none") == [nobodys.number]


def test_overdue_and_at_risk_follow_the_next_deadline(desk):
    overdue = reported("yn-his", "level-1", when="2026-09-14 09:00")
    fresh = reported("yn-his", "level-2", when="2026-09-15 09:59")
    assert listed("ny-engineer", "/queue/", overdue="1") == [overdue.number]
    assert listed("ny-engineer", "/queue/", overdue="0") == [fresh.number]
    at_risk = reported("yn-his", "level-2")
    at_risk.refresh_from_db()
    with time_machine.travel(at_risk.next_warn_at, tick=False):
        assert at_risk.number in listed("ny-engineer", "/queue/", at_risk="1")
        assert overdue.number not in listed("ny-engineer", "/queue/", at_risk="1")


def test_the_hospital_list_filters_by_channel_state_and_reporting_date(desk):
    by_phone = reported(channel="phone")
    reported(channel="portal")
    reported(when="2026-09-01 09:00", channel="phone")
    found = listed(
        "yn-it",
        "/tickets/",
        show="all",
        channel="phone",
        state="new",
        created_after="2026-09-10",
        created_before="2026-09-15",
    )
    assert found == [by_phone.number]


def test_the_board_filters_by_contract(desk):
    yn = reported("yn-his")
    reported("gz-logistics")
    assert listed("ny-dispatcher", "/dispatch/", contract="yn-his") == [yn.number]


def test_each_filter_value_shows_how_many_tickets_it_has(desk):
    for _ in range(3):
        reported("yn-his")
    reported("zj-einvoice")
    page = login("ny-engineer").get("/queue/", {"state": "new"}).content.decode()
    assert "待受理 (4)" in page
    assert "郁南县医院 (3)" in page and "湛江中心医院 (1)" in page


def test_an_unfiltered_list_folds_the_filters_and_fetches_them_when_opened(desk):
    reported()
    client = login("ny-engineer")
    page = client.get("/queue/").content.decode()
    assert 'hx-get="?panel=1"' in page and "郁南县医院 (1)" not in page
    panel = client.get("/queue/", {"panel": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "郁南县医院 (1)" in panel and "<html" not in panel


def test_a_bad_filter_value_is_a_message_not_an_error_and_the_rest_still_apply(desk):
    yn = reported("yn-his")
    reported("gz-logistics")
    response = login("ny-engineer").get(
        "/queue/", {"system": "abc", "contract": "yn-his", "created_after": "2026-13-45"}
    )
    assert response.status_code == 200
    assert [row["number"] for row in response.context["rows"]] == [yn.number]
    messages = [str(m) for m in response.context["messages"]]
    assert any("系统" in m for m in messages) and any("报修时间" in m for m in messages)
    assert 'value="2026-13-45"' in response.content.decode()  # as typed, to correct


def test_the_exports_honour_the_same_filters(desk):
    yn = reported("yn-his")
    gz = reported("gz-logistics")
    assert exported("ny-engineer", "/queue/export/", contract="yn-his") == [yn.number]
    assert exported("ny-dispatcher", "/dispatch/export/", hospital=gz.contract.hospital.code) == [
        gz.number
    ]
    assert exported("yn-it", "/tickets/export/", channel="portal") == [yn.number]


def test_an_export_with_a_bad_filter_goes_back_to_the_list_with_the_message(desk):
    response = login("ny-engineer").get("/queue/export/", {"system": "abc", "format": "csv"})
    assert response.status_code == 302
    assert response["Location"] == "/queue/?system=abc"


def test_another_partys_contract_as_a_filter_finds_nothing(desk):
    reported("cd-nutrition")
    assert listed("ny-engineer", "/queue/", contract="cd-nutrition") == []
    assert listed("yn-it", "/tickets/", show="all", hospital="CD") == []


# --- queries stay bounded ---------------------------------------------------------------------

FILTERED = {
    "/tickets/": ("yn-it", {"show": "all", "hospital": "YN", "channel": "portal", "overdue": "0"}),
    "/tickets/export/": ("yn-it", {"show": "all", "state": "new", "format": "csv"}),
    "/queue/": ("ny-engineer", {"contract": "yn-his", "assignee": "none", "at_risk": "0"}),
    "/queue/export/": ("ny-engineer", {"contract": "yn-his", "format": "xlsx"}),
    "/dispatch/": (
        "ny-dispatcher",
        {"hospital": "YN", "state": "new", "created_after": "2026-09-01"},
    ),
    "/dispatch/export/": ("ny-dispatcher", {"hospital": "YN", "format": "csv"}),
}


@pytest.mark.parametrize("url", list(FILTERED))
def test_a_filtered_list_takes_as_many_queries_for_30_tickets_as_for_3(desk, url):
    username, query = FILTERED[url]
    client = login(username)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, query)
            assert response.status_code == 200
            if response.streaming:
                b"".join(response.streaming_content)
        return len(captured.captured_queries)

    for _ in range(3):
        reported("yn-his")
    few = count()
    for _ in range(27):
        reported("yn-his")
    assert count() == few


@pytest.mark.parametrize(("url", "limit"), [("/tickets/", 9), ("/queue/", 9), ("/dispatch/", 10)])
def test_a_filtered_list_page_stays_within_its_query_budget(
    desk, url, limit, django_assert_max_num_queries
):
    username, query = FILTERED[url]
    client = login(username)
    for _ in range(5):
        reported("yn-his")
    client.get(url, query)
    # The unfiltered page's queries, plus the counts per value and the saved views.
    with django_assert_max_num_queries(limit):
        assert client.get(url, query).status_code == 200
