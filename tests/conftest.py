from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from accounts.models import User
from contracts.demo.loader import load_demo
from contracts.models import Contract
from sla import calendar
from tests.factories import ContractFactory, MembershipFactory, VendorFactory
from tests.session_demo import SessionDemo, order_key, wants_held_demo


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist workers share REDIS_URL's database. The API tests empty the cache (FLUSHDB)
    # around each test, which would wipe the other worker's rate-limit counters and the queue
    # of the real worker in tests/test_worker.py: each worker keeps its cache in a database
    # of its own, 8 past REDIS_URL's (gw0 → 8, gw1 → 9 in CI), clear of the broker's.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    location = settings.CACHES["default"].get("LOCATION")
    if worker.startswith("gw") and isinstance(location, str) and location.startswith("redis"):
        url = urlsplit(location)
        database = (int(url.path.strip("/") or 0) + 8 + int(worker[2:])) % 16
        settings.CACHES["default"]["LOCATION"] = url._replace(path=f"/{database}").geturl()


# One per test process (each pytest-xdist worker has its own, with its own test database).
SESSION_DEMO = SessionDemo()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # After pytest-django's own (stable) sort (database tests, transactional ones, those
    # without a database): the tests that hold the demo go last, so each process loads it
    # once (tests/session_demo.py).
    items.sort(key=order_key)


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request) -> None:
    # Every database test (a `db` argument, a django_db mark, `transactional_db`,
    # `live_server`) goes through pytest-django's `_django_db_helper`, which opens the test's
    # transaction. Just before it, hold the demo for a test that asks for it, or roll it back
    # for a test that does not (or that must commit: a transactional one).
    if fixturedef.argname != "_django_db_helper":
        return
    with request.getfixturevalue("django_db_blocker").unblock():
        if wants_held_demo(request.node):
            request.getfixturevalue("_session_demo_released_at_end")
            SESSION_DEMO.hold()
        else:
            SESSION_DEMO.release()


@pytest.fixture(scope="session")
def _session_demo_released_at_end(django_db_setup, django_db_blocker):
    # Depends on django_db_setup, so it ends before the test database is torn down.
    yield
    with django_db_blocker.unblock():
        SESSION_DEMO.release()


@pytest.fixture(autouse=True)
def _calendar_years_forgotten():
    # Calendar years are cached per process by calendar id. The demo's calendars keep their
    # ids from test to test now, so a year cached inside a test that edited a calendar or a
    # holiday (and was rolled back) must not outlive it.
    yield
    calendar.invalidate()


@pytest.fixture(autouse=True)
def enqueued(monkeypatch) -> list[int]:
    """Notification ids handed to the broker: recorded, so no test talks to a real broker."""
    from notifications.tasks import deliver, deliver_each

    sent: list[int] = []
    monkeypatch.setattr(deliver, "delay", sent.append)
    # Several rows of one transaction go to the broker together, in the order queued.
    monkeypatch.setattr(deliver_each, "delay", sent.extend)
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
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Production hashing costs ~0.5 s a password; the demo alone has two dozen people.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db) -> dict[str, Contract]:
    """The five contracts of DOMAIN.md with their people, loaded as `make run` loads them:
    once per test process, each test rolled back to it (tests/session_demo.py); loaded afresh
    for a transactional test, which commits it."""
    if SESSION_DEMO.held:
        return SESSION_DEMO.contracts()
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
