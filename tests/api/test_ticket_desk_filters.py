"""The portal's list filters in the API list and export: one definition (tickets.filters)."""

from __future__ import annotations

import pytest

from tests.api.conftest import file_level1, file_via_api
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def numbers(client, **query) -> list[str]:
    response = client.get("/api/v1/tickets/", query)
    assert response.status_code == 200, response.json()
    return sorted(row["number"] for row in response.json()["results"])


def test_the_api_list_filters_by_hospital_channel_and_reporting_date(api):
    yn = file_level1(api("yn-reporter"))
    zj = file_via_api(api("zj-reporter"), "zj-einvoice", level=1)
    Ticket.objects.filter(pk=zj["id"]).update(channel="phone")
    manager = api("ny-manager")
    assert numbers(manager, hospital="YN") == [yn["number"]]
    assert numbers(manager, channel="phone") == [zj["number"]]
    assert numbers(manager, created_after="2026-09-15", created_before="2026-09-15") == sorted(
        [yn["number"], zj["number"]]
    )
    assert numbers(manager, created_before="2026-09-14") == []


def test_the_api_list_filters_by_overdue_and_the_level_or_category(api):
    ticket = file_level1(api("yn-reporter"))
    dispatcher = api("ny-dispatcher")
    assert numbers(dispatcher, overdue="false") == [ticket["number"]]
    assert numbers(dispatcher, overdue="true") == []
    level1 = Ticket.objects.get(pk=ticket["id"]).service_class_id
    assert numbers(dispatcher, service_class=level1) == [ticket["number"]]
    assert numbers(dispatcher, service_class=level1 + 1000) == []


def test_a_bad_desk_filter_is_a_400_naming_it(api):
    client = api("ny-dispatcher")
    for query, field in [
        ("channel=pigeon", "channel"),
        ("overdue=maybe", "overdue"),
        ("service_class=abc", "service_class"),
        ("created_after=2026-13-45", "created_after"),
    ]:
        response = client.get(f"/api/v1/tickets/?{query}")
        assert response.status_code == 400, query
        assert field in response.json()["fields"], query


def test_the_api_export_takes_the_same_filters(api):
    yn = file_level1(api("yn-reporter"))
    file_via_api(api("zj-reporter"), "zj-einvoice", level=1)
    response = api("ny-manager").get("/api/v1/tickets/export/", {"hospital": "YN"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    lines = text.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith(yn["number"])
