from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.test import APIClient

from api.tokens import issue_token
from contracts.models import Membership
from tests.factories import demo_user
from tests.http_receiver import dns, intranet_receiver, receiver

__all__ = ["dns", "intranet_receiver", "receiver"]

# A Tuesday morning in service hours, inside every demo contract's term.
API_NOW = "2026-09-15 10:00 +08:00"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the cache (Redis in CI): start each test from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(API_NOW, tick=True) as traveller:
        yield traveller


def token_client(username: str, *, language: str = "en", **token_options) -> APIClient:
    """An API client that authenticates as `username` with a freshly issued token."""
    user = demo_user(username)
    organization = Membership.objects.filter(user=user).first().organization
    _token, raw = issue_token(
        user=user, organization=organization, name=f"{username} test", **token_options
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}", HTTP_ACCEPT_LANGUAGE=language)
    return client


@pytest.fixture
def api(demo, frozen):
    """`api("yn-reporter")` → a token-authenticated client speaking English."""
    return token_client


def file_via_api(client: APIClient, contract_code: str, **fields) -> dict:
    """File a ticket on the contract's first covered system; `fields` override the defaults."""
    from contracts.models import Contract

    contract = Contract.objects.get(code=contract_code)
    body = {
        "contract": contract_code,
        "system": contract.systems.first().pk,
        "title": "门诊收费系统无法登录",
        "description": "门诊收费窗口全部无法登录 HIS。",
        "contact_phone": "13726380001",
        **fields,
    }
    response = client.post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def file_level1(client: APIClient, **overrides) -> dict:
    return file_via_api(client, "yn-his", **{"level": 1, **overrides})
