"""The ticket list costs the same number of queries however many tickets it shows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import file_level1

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
