"""A session unused for SESSION_IDLE_MINUTES is signed out, and the login page says why; a
page refreshing itself is not use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.accounts.conftest import signed_in

pytestmark = pytest.mark.django_db


def minutes(count: float) -> dt.timedelta:
    return dt.timedelta(minutes=count)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_session_used_within_the_idle_minutes_stays_signed_in(demo, clock):
    client = signed_in("yn-it")
    for _ in range(3):
        clock.shift(minutes(29))
        assert client.get("/").status_code == 200
    assert is_signed_in(client)


def test_a_session_unused_for_the_idle_minutes_is_signed_out(demo, clock):
    client = signed_in("yn-it")
    assert client.get("/").status_code == 200
    clock.shift(minutes(30))
    response = client.get("/contracts/yn-his/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/contracts/yn-his/")
    assert not is_signed_in(client)


def test_the_idle_time_counts_from_the_sign_in_itself(demo, clock):
    client = signed_in("yn-it")
    clock.shift(minutes(30))
    assert client.get("/").status_code == 302
    assert not is_signed_in(client)


def test_the_login_page_then_says_the_session_timed_out(demo, clock, settings):
    client = signed_in("yn-it")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    clock.shift(minutes(31))
    page = client.get("/", follow=True).content.decode()
    assert "Sign in to OpsDesk" in page
    assert "signed out after 30 minutes without activity" in page


def test_the_idle_minutes_come_from_the_settings(demo, clock, settings):
    settings.SESSION_IDLE_MINUTES = 10
    client = signed_in("yn-it")
    clock.shift(minutes(9))
    assert client.get("/").status_code == 200
    clock.shift(minutes(10))
    assert client.get("/").status_code == 302


def test_an_automatic_refresh_does_not_count_as_use(demo, clock):
    engineer = signed_in("ny-engineer")
    assert engineer.get("/queue/").status_code == 200
    for _ in range(5):
        clock.shift(minutes(5))
        assert engineer.get("/queue/", HTTP_HX_REQUEST="true").status_code == 200
    clock.shift(minutes(5))
    # 30 minutes after the last click: the next refresh takes the whole page to the login.
    refresh = engineer.get(
        "/queue/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/queue/?mine=1"
    )
    assert refresh.status_code == 204
    assert refresh["HX-Redirect"] == "/accounts/login/?next=%2Fqueue%2F%3Fmine%3D1"
    assert not is_signed_in(engineer)


def test_a_form_sent_with_htmx_counts_as_use(demo, clock):
    client = signed_in("yn-it")
    clock.shift(minutes(20))
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, HTTP_HX_REQUEST="true")
    clock.shift(minutes(20))
    assert client.get("/").status_code == 200


def test_the_timeout_can_be_switched_off(demo, clock, settings):
    settings.SESSION_IDLE_MINUTES = 0
    client = signed_in("yn-it")
    clock.shift(dt.timedelta(hours=10))
    assert client.get("/").status_code == 200
