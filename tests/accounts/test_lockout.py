"""Too many failed sign-ins lock a username, and a client address, for LOGIN_LOCKOUT_MINUTES;
the message says until when and never whether the username exists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, RequestFactory

from accounts import lockout
from accounts.models import LoginFailure
from contracts.demo.people import DEMO_PASSWORD
from tests.accounts.conftest import LOGIN_URL, error_codes, form_errors, sign_in

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"


def fail(client: Client, username: str, times: int, **kwargs):
    response = None
    for _ in range(times):
        response = sign_in(client, username, WRONG, **kwargs)
        assert response.status_code == 200
    return response


def test_five_failures_lock_the_username_and_the_fifth_answer_says_until_when(demo, clock):
    client = Client()
    assert error_codes(fail(client, "yn-it", 4)) == ["invalid_login"]
    fifth = sign_in(client, "yn-it", WRONG)
    assert error_codes(fifth) == ["locked"]
    # Locked at 09:00:30 for 15 minutes, shown rounded up to the minute.
    assert "2027-03-02 09:16" in fifth.content.decode()


def test_while_locked_even_the_right_password_is_refused(demo, clock):
    client = Client()
    fail(client, "yn-it", 5)
    clock.shift(dt.timedelta(minutes=14, seconds=29))
    response = sign_in(client, "yn-it")
    assert response.status_code == 200
    assert error_codes(response) == ["locked"]
    assert "_auth_user_id" not in client.session


def test_the_lock_is_released_after_the_window(demo, clock):
    client = Client()
    fail(client, "yn-it", 5)
    clock.shift(dt.timedelta(minutes=15))
    assert sign_in(client, "yn-it").status_code == 302


def test_refused_attempts_while_locked_do_not_extend_the_lock(demo, clock):
    client = Client()
    fail(client, "yn-it", 5)
    clock.shift(dt.timedelta(minutes=10))
    fail(client, "yn-it", 3)
    clock.shift(dt.timedelta(minutes=5))
    assert sign_in(client, "yn-it").status_code == 302


def test_failures_spread_wider_than_the_window_do_not_lock(demo, clock):
    client = Client()
    for _ in range(6):
        assert error_codes(sign_in(client, "yn-it", WRONG)) == ["invalid_login"]
        clock.shift(dt.timedelta(minutes=4))
    assert sign_in(client, "yn-it").status_code == 302


def test_a_successful_sign_in_resets_the_count(demo, clock):
    fail(Client(), "yn-it", 4)
    assert sign_in(Client(), "yn-it").status_code == 302
    assert error_codes(fail(Client(), "yn-it", 4)) == ["invalid_login"]
    assert sign_in(Client(), "yn-it").status_code == 302


def test_the_lock_reads_the_same_for_a_username_that_does_not_exist(demo, clock):
    known = fail(Client(), "yn-it", 5)
    unknown = fail(Client(), "no-such-person", 5)
    assert error_codes(unknown) == ["locked"]
    assert form_errors(known) == form_errors(unknown)
    before_known = sign_in(Client(), "cd-it", WRONG)
    before_unknown = sign_in(Client(), "nobody-at-all", WRONG)
    assert form_errors(before_known) == form_errors(before_unknown)


def test_a_lock_on_one_username_leaves_the_others_alone(demo, clock):
    fail(Client(), "yn-it", 5)
    assert sign_in(Client(), "yn-reporter").status_code == 302


def test_the_message_follows_the_chosen_language(demo, clock):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": LOGIN_URL})
    page = fail(client, "yn-it", 5).content.decode()
    assert '<html lang="en">' in page
    assert "Signing in is locked until 2027-03-02 09:16" in page


def test_spraying_from_one_address_locks_that_address(demo, clock, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 8
    sprayer = Client()
    for number in range(8):
        sign_in(sprayer, f"guess-{number}", WRONG, address="203.0.113.9")
    from_there = sign_in(sprayer, "yn-reporter", address="203.0.113.9")
    assert error_codes(from_there) == ["locked"]
    # The person, at their own desk, is not locked.
    assert sign_in(Client(), "yn-reporter", address="10.20.0.7").status_code == 302


def test_the_admin_login_page_is_held_to_the_lock_too(demo, clock):
    client = Client()
    fail(client, "admin", 5)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200
    assert "2027-03-02 09:16" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_are_stored_for_every_worker_and_old_ones_purged(demo, clock):
    fail(Client(), "yn-it", 2)
    assert LoginFailure.objects.filter(username="yn-it", address="10.20.0.5").count() == 2
    clock.shift(dt.timedelta(minutes=31))
    fail(Client(), "cd-it", 1)
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["cd-it"]


def test_a_lock_needs_the_failures_within_one_window():
    start = dt.datetime(2027, 3, 2, 1, 0, tzinfo=dt.UTC)
    window = dt.timedelta(minutes=15)
    tight = [start + dt.timedelta(minutes=minute) for minute in (14, 10, 5, 1, 0)]
    loose = [start + dt.timedelta(minutes=minute) for minute in (16, 10, 5, 1, 0)]
    assert lockout._locked_until(tight, 5, window) == start + dt.timedelta(minutes=29)
    assert lockout._locked_until(loose, 5, window) is None
    assert lockout._locked_until(tight[:4], 5, window) is None


@pytest.mark.parametrize(
    ("behind_proxy", "forwarded", "expected"),
    [
        (False, "198.51.100.1", "10.0.0.2"),
        (True, "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (True, "", "10.0.0.2"),
        (False, "", "10.0.0.2"),
    ],
)
def test_the_client_address_trusts_only_the_proxy_s_own_entry(
    settings, behind_proxy, forwarded, expected
):
    settings.BEHIND_TLS_PROXY = behind_proxy
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert lockout.client_address(request) == expected


def test_an_unreadable_address_is_not_counted(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="not-an-address")
    assert lockout.client_address(request) is None


def test_lockout_can_be_switched_off(demo, clock, settings):
    settings.LOGIN_MAX_FAILURES = 0
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 0
    fail(Client(), "yn-it", 8)
    assert sign_in(Client(), "yn-it").status_code == 302
