"""The ticket list costs the same number of queries however many tickets it shows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import file_level1
from tickets.models import Ticket, TicketClock

pytestmark = pytest.mark.django_db


def queries_for_list(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/tickets/?page_size=100")
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_ticket_list_makes_a_fixed_number_of_queries(api):
    reporter, dispatcher = api("yn-reporter"), api("ny-dispatcher")
    file_level1(reporter)
    queries_for_list(dispatcher)  # the token's first use of the minute records last_used_at
    few = queries_for_list(dispatcher)
    for level in (1, 2, 3, 4) * 3:
        file_level1(reporter, level=level)
    assert queries_for_list(dispatcher) == few
    assert few <= 6


def test_a_ticket_with_a_long_history_reads_in_a_fixed_number_of_queries(api, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    reporter, engineer = api("yn-reporter"), api("ny-engineer")
    ticket = file_level1(reporter)
    url = f"/api/v1/tickets/{ticket['id']}/"
    engineer.get(url)  # the token's first use of the minute records last_used_at

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert engineer.get(url).status_code == 200
        return len(captured.captured_queries)

    short = queries()
    for n in range(6):
        reporter.post(f"{url}comments/", {"text": f"补充 {n}"}, format="json")
        upload = SimpleUploadedFile(f"截图{n}.png", b"\x89PNG", content_type="image/png")
        reporter.post(f"{url}attachments/", {"file": upload}, format="multipart")
    assert queries() == short


def test_the_listed_tickets_clocks_come_in_one_query_and_share_each_calendar(
    api, django_assert_num_queries
):
    """A list reads its tickets' clocks in one query and each calendar they count in once,
    shared by its clocks (a copy per clock was most of the list's ORM work)."""
    from tickets import selectors

    reporter = api("yn-reporter")
    for level in (1, 2, 3, 4):
        file_level1(reporter, level=level)
    newest = Ticket.objects.order_by("-pk")[:4]
    # The tickets (with contract, system and SLA row), their people, clocks and calendars.
    with django_assert_num_queries(4):
        tickets = list(selectors.with_list_relations(newest))
    with django_assert_num_queries(0):
        clocks = [clock for ticket in tickets for clock in ticket.clocks.all()]
        calendars = {clock.calendar_id: clock.calendar for clock in clocks}
        assert all(clock.ticket in tickets for clock in clocks)
    assert len(clocks) >= 4
    assert all(clock.calendar is calendars[clock.calendar_id] for clock in clocks)
    # Each ticket's own clocks, in the order they were started.
    for ticket in tickets:
        assert [clock.pk for clock in ticket.clocks.all()] == list(
            TicketClock.objects.filter(ticket=ticket).order_by("pk").values_list("pk", flat=True)
        )
