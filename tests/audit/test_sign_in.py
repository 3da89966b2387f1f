"""Signing in, failing to, and signing out are recorded with the client's address."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEntry
from contracts.demo.people import DEMO_PASSWORD
from tests.audit.conftest import entries, only
from tests.factories import demo_user

pytestmark = pytest.mark.django_db

PASSWORD = DEMO_PASSWORD


def sign_in(username: str, password: str = PASSWORD, **meta) -> Client:
    client = Client(**{"REMOTE_ADDR": "10.20.30.40", **meta})
    client.post("/accounts/login/", {"username": username, "password": password})
    return client


def test_a_sign_in_is_recorded_with_the_person_and_their_address(demo):
    sign_in("yn-it")
    entry = only("auth.login")
    person = demo_user("yn-it")
    assert (entry.actor, entry.actor_name, entry.ip) == (person, "李明 (yn-it)", "10.20.30.40")
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(person.pk))


def test_a_failed_sign_in_is_recorded_with_the_name_typed_and_no_actor(demo):
    client = sign_in("yn-it", "wrong-password")
    assert "_auth_user_id" not in client.session
    entry = only("auth.login_failed")
    assert entry.actor is None and entry.actor_name == ""
    assert entry.ip == "10.20.30.40"
    assert entry.data == {"username": "yn-it"}
    # The account it names, so the organisation's administrator sees it.
    assert entry.object_id == str(demo_user("yn-it").pk)


def test_a_failed_sign_in_for_no_such_account_is_recorded_too(demo):
    sign_in("nobody-here", "whatever")
    entry = only("auth.login_failed")
    assert entry.data == {"username": "nobody-here"} and entry.object_id == ""


def test_the_password_is_never_recorded(demo):
    sign_in("yn-it", "a-secret-guess")
    assert not AuditEntry.objects.filter(data__icontains="a-secret-guess").exists()
    assert "a-secret-guess" not in str(list(AuditEntry.objects.values()))


def test_signing_out_is_recorded(demo):
    client = sign_in("yn-it")
    client.post("/accounts/logout/")
    entry = only("auth.logout")
    assert entry.actor == demo_user("yn-it") and entry.ip == "10.20.30.40"


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(demo, settings):
    settings.BEHIND_TLS_PROXY = True
    # The client wrote the first entry itself; our proxy appended the address it saw.
    sign_in("yn-it", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 172.16.5.9")
    assert only("auth.login").ip == "172.16.5.9"


def test_without_a_proxy_x_forwarded_for_is_ignored(demo, settings):
    settings.BEHIND_TLS_PROXY = False
    sign_in("yn-it", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert only("auth.login").ip == "10.1.1.1"


def test_an_address_that_is_no_address_is_left_empty(demo, settings):
    settings.BEHIND_TLS_PROXY = True
    sign_in("yn-it", REMOTE_ADDR="not-an-ip", HTTP_X_FORWARDED_FOR="also-not")
    assert [entry.ip for entry in entries("auth.login")] == [None]
