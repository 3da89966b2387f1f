"""The API's ticket list is written from columns (api.serializers.ticket_rows), and says
exactly what TicketSerializer says of the same tickets: every field, in its order, for
tickets of every kind the desk makes, in any time zone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.serializers.ticket_rows import ticket_list_columns, write_ticket_rows
from api.serializers.tickets import TicketSerializer
from tests.api.test_filing_for_caller import call, post
from tests.api.test_serializer_base import a_desk_at_work
from tests.factories import demo_user
from tickets import selectors
from tickets.models import Ticket, TicketClock

pytestmark = pytest.mark.django_db


def a_desk_with_history(api) -> None:
    """a_desk_at_work(), and what it lacks: calls the desk took (from a person with an
    account, and from a ward nurse without one), a level change that switched a clock off,
    a breach, a closed ticket with its satisfaction, and people named only by their first
    and last names, or by their login."""
    a_desk_at_work(api)
    dispatcher = api("ny-dispatcher")
    assert post(dispatcher, call()).status_code == 201
    nurse = call(caller={"name": "门诊部 王护士长", "phone": "13726389999"}, channel="wecom")
    assert post(dispatcher, nurse).status_code == 201
    first, second, third = Ticket.objects.order_by("pk")[:3]
    switched_off = first.clocks.order_by("pk").first()
    TicketClock.objects.filter(pk=switched_off.pk).update(is_active=False)
    breached = second.clocks.order_by("pk").first()
    TicketClock.objects.filter(pk=breached.pk).update(
        breached_at=breached.due_at, breach_reason="备件未到", warned_at=breached.started_at
    )
    Ticket.objects.filter(pk=third.pk).update(
        state="closed", satisfaction=4, closed_at=timezone.now() + dt.timedelta(hours=3)
    )
    reporter = demo_user("yn-reporter")
    reporter.full_name, reporter.first_name, reporter.last_name = "", "Xiaomei", "Huang"
    reporter.save()
    dispatcher_person = demo_user("ny-dispatcher")
    dispatcher_person.full_name = dispatcher_person.first_name = ""
    dispatcher_person.last_name = ""
    dispatcher_person.save()


def as_serializer_writes_them() -> list[dict]:
    tickets = selectors.with_list_relations(Ticket.objects.order_by("pk"))
    return TicketSerializer(tickets, many=True).data


def as_rows_write_them() -> list[dict]:
    return write_ticket_rows(list(ticket_list_columns(Ticket.objects.order_by("pk"))))


def test_the_list_rows_say_what_the_ticket_serializer_says(api):
    a_desk_with_history(api)
    for zone in ("Asia/Shanghai", "UTC", "America/New_York"):
        with timezone.override(zone):
            rows, written = as_rows_write_them(), as_serializer_writes_them()
        assert len(rows) >= 17
        assert rows == written, zone
        # Key by key in the same order, as a client reading the JSON text sees them.
        assert [list(row) for row in rows] == [list(row) for row in written]
    # The variety the comparison covers.
    assert {row["caller"]["id"] is None for row in rows} == {True, False}
    assert any(row["entered_by"] for row in rows)
    assert any(row["assignee"] for row in rows)
    assert any(row["satisfaction"] == 4 and row["closed_at"] for row in rows)
    assert any(clock["breached"] for row in rows for clock in row["clocks"])
    assert any(row["reporter"]["name"] == "Xiaomei Huang" for row in rows)
    assert any(row["entered_by"] and row["entered_by"]["name"] == "ny-dispatcher" for row in rows)


def test_a_switched_off_clock_is_left_out_of_the_list_as_of_the_ticket(api):
    a_desk_with_history(api)
    first = Ticket.objects.order_by("pk").first()
    shown = as_rows_write_them()[0]
    assert [clock["name"] for clock in shown["clocks"]] == [
        clock.name for clock in first.active_clocks
    ]
    assert len(shown["clocks"]) == first.clocks.count() - 1


def test_the_api_list_answers_with_the_rows_in_three_queries_of_its_own(api):
    a_desk_with_history(api)
    client = api("ny-dispatcher")
    client.get("/api/v1/tickets/")  # the token's first use of the minute records last_used_at
    with CaptureQueriesContext(connection) as captured:
        answer = client.get("/api/v1/tickets/?page_size=100")
    assert answer.status_code == 200
    listed = answer.json()["results"]
    by_id = {row["id"]: row for row in as_serializer_writes_them()}
    assert len(listed) >= 10  # the vendor's: ny-dispatcher's tokens see no other's
    assert listed == [by_id[row["id"]] for row in listed]
    # The token with its person's roles; the tickets, their people, their clocks.
    assert len(captured.captured_queries) == 4


def test_an_empty_page_reads_no_people_or_clocks(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert write_ticket_rows([]) == []
