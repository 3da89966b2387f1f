"""The holiday notice through the API, for platform administrators: read without saving,
import (the same service as the admin page), list; refused text answers 400 naming the
sentence; everyone else 403."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from sla.models import HolidayNotice, HolidayYear
from tests.api.conftest import token_client
from tests.factories import demo_user
from tests.sla.notices import MADE_UP_2027, notice_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_admin(demo) -> APIClient:
    client = APIClient()
    client.force_login(demo_user("admin"))  # a browser session, as the portal's script uses
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def test_reading_a_notice_shows_its_dates_beside_the_statutory_days_and_saves_nothing(
    platform_admin,
):
    answer = platform_admin.post(
        "/api/v1/holiday-notices/read/", {"text": notice_text(MADE_UP_2027)}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["year"] == 2027 and not body["already_published"]
    assert len(body["holidays"]) == 29
    assert {"date": "2027-04-25", "name": "Labour Day"} in body["makeup_workdays"]
    assert all(day["off"] for day in body["statutory_days"])
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_importing_through_the_api_saves_the_year(platform_admin):
    text = notice_text(MADE_UP_2027)
    answer = platform_admin.post("/api/v1/holiday-notices/", {"text": text}, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["imported_by"] == "admin" and answer.json()["makeup_workdays"] == 5
    assert HolidayYear.objects.get(year=2027).source == "notice"
    listed = platform_admin.get("/api/v1/holiday-notices/").json()
    assert [notice["year"] for notice in listed] == [2027]


def test_a_notice_that_cannot_be_read_is_refused_naming_the_sentence(platform_admin):
    text = notice_text(MADE_UP_2027).replace("共7天", "共8天")
    for url in ("/api/v1/holiday-notices/read/", "/api/v1/holiday-notices/"):
        answer = platform_admin.post(url, {"text": text}, format="json")
        assert answer.status_code == 400
        assert answer.json()["code"] == "notice_not_understood"
        assert (
            "七、国庆节：10月1日（周五）至7日（周四）放假调休，共8天。" in answer.json()["message"]
        )
    assert not HolidayNotice.objects.exists()


@pytest.mark.parametrize("username", ["yn-it", "ny-manager"])
def test_nobody_else_reads_or_imports_notices(demo, username):
    client = token_client(username)
    text = notice_text(MADE_UP_2027)
    assert client.get("/api/v1/holiday-notices/").status_code == 403
    assert client.post("/api/v1/holiday-notices/read/", {"text": text}).status_code == 403
    assert client.post("/api/v1/holiday-notices/", {"text": text}).status_code == 403
    assert not HolidayYear.objects.filter(year=2027).exists()
