from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from accounts.models import User
from contracts.demo.loader import load_demo
from contracts.models import Contract
from tests.factories import ContractFactory, MembershipFactory, VendorFactory


@pytest.fixture(autouse=True)
def enqueued(monkeypatch) -> list[int]:
    """Notification ids handed to the broker: recorded, so no test talks to a real broker."""
    from notifications.tasks import deliver

    sent: list[int] = []
    monkeypatch.setattr(deliver, "delay", sent.append)
    return sent


@pytest.fixture(autouse=True)
def webhook_deliveries(monkeypatch) -> list[int]:
    """Webhook delivery ids handed to the broker: recorded, so no test talks to a real broker."""
    from webhooks.tasks import deliver

    sent: list[int] = []
    monkeypatch.setattr(deliver, "delay", sent.append)
    return sent


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the browser tests (tests/browser.py)."""
    from tests.browser import launch_chromium

    with launch_chromium() as running:
        yield running


@pytest.fixture(autouse=True)
def _default_language():
    # A request through the test client leaves its language (an API test's Accept-Language:
    # en) active in this thread; each test starts in the site's language, as a request would.
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Production hashing costs ~0.5 s a password; the demo alone has two dozen people.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db) -> dict[str, Contract]:
    """The five contracts of DOMAIN.md with their people, loaded as `make run` loads them."""
    return {contract.code: contract for contract in load_demo()}


def login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@dataclass
class World:
    """Two hospitals served by one vendor, each hospital with its own reporter."""

    hospital_a_contract: Contract
    hospital_b_contract: Contract
    reporter_a: User
    reporter_b: User
    engineer: User


@pytest.fixture
def world(db) -> World:
    vendor = VendorFactory()
    contract_a = ContractFactory(vendor=vendor)
    contract_b = ContractFactory(vendor=vendor)
    return World(
        hospital_a_contract=contract_a,
        hospital_b_contract=contract_b,
        reporter_a=MembershipFactory(organization=contract_a.hospital, role="reporter").user,
        reporter_b=MembershipFactory(organization=contract_b.hospital, role="reporter").user,
        engineer=MembershipFactory(organization=vendor, role="engineer").user,
    )
