"""Signing in as a person does: a real POST to the login page, on a frozen clock."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from contracts.demo.people import DEMO_PASSWORD

# A Tuesday morning; every test of the windows moves on from here.
NOW = "2027-03-02 09:00:30 +08:00"
LOGIN_URL = "/accounts/login/"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def sign_in(
    client: Client, username: str, password: str = DEMO_PASSWORD, *, address: str = "10.20.0.5"
):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(username: str, password: str = DEMO_PASSWORD) -> Client:
    client = Client()
    response = sign_in(client, username, password)
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def form_errors(response) -> list[str]:
    return [str(error) for error in response.context["form"].non_field_errors()]


def error_codes(response) -> list[str]:
    return [error.code for error in response.context["form"].errors.as_data().get("__all__", [])]
