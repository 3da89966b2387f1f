"""The demo, loaded once per test process and shared by every test that asks for `demo`.

Loading the five contracts costs 0.6–1.5 s; ~400 tests ask for them. So the first such test
loads them inside a transaction that stays open (`SessionDemo.hold`), each test runs in a
savepoint inside it (pytest-django's `db`) and is rolled back to the demo as it was.

A test that does not ask for the demo still finds the database as migrations left it: before
its database access starts, the held transaction is rolled back (`SessionDemo.release`) and
the next test that asks for the demo loads it again. Tests are ordered so that this happens
once per process (`order_key`): every test that does not hold the demo (pytest-django's order:
the database tests, the transactional ones, those without a database), then those that do. A
transactional test (`transaction=True`, `transactional_db`, `live_server`) must commit what
it sees, so it never runs inside the held transaction: its `demo` loads and commits the demo
itself, and pytest-django empties the tables after it as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test import override_settings

from contracts.demo.loader import load_demo
from contracts.models import Contract

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def quiet_brokers() -> Iterator[None]:
    """Nothing queued while the demo (or a module's shared world) is built talks to a broker;
    the tests' own autouse fixtures, which may not be set up yet, do the same per test."""
    with (
        mock.patch("notifications.tasks.deliver.delay"),
        mock.patch("webhooks.tasks.deliver.delay"),
        mock.patch("reports.tasks.render.delay"),
        mock.patch("inspections.tasks.render_report.delay"),
    ):
        yield


def settle_deferred_checks() -> None:
    """Check the foreign keys of what the open transaction wrote so far, now, once.

    PostgreSQL queues a deferred check per row written; pytest-django checks the queue at the
    end of every test (SET CONSTRAINTS ALL IMMEDIATE) from inside the test's savepoint, where
    the checks already done cannot be dropped: with the demo's tens of thousands of rows held
    underneath, each test's check walked them all again (8 ms a test, 0.2 s with 50 000
    rows). Checked here, at the transaction's own level, the queue is emptied for good."""
    connection.check_constraints()


def is_transactional(item: pytest.Item) -> bool:
    """The same rule pytest-django uses to pick TransactionTestCase for a test."""
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        options = {"transaction": False, "reset_sequences": False, **marker.kwargs}
        if marker.args:
            options["transaction"] = marker.args[0]
        if options["transaction"] or options["reset_sequences"]:
            return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


def wants_held_demo(item: pytest.Item) -> bool:
    return "demo" in getattr(item, "fixturenames", ()) and not is_transactional(item)


def order_key(item: pytest.Item) -> int:
    """Within pytest-django's order (a stable sort): the tests without the demo first."""
    return 1 if wants_held_demo(item) else 0


class SessionDemo:
    """The demo loaded in a transaction held open across tests (one per test process)."""

    def __init__(self) -> None:
        self._atomic: transaction.Atomic | None = None
        self._contract_ids: list[int] = []

    @property
    def held(self) -> bool:
        """True while the demo is loaded and the held transaction is the outermost one."""
        return (
            self._atomic is not None
            and bool(connection.atomic_blocks)
            and connection.atomic_blocks[0] is self._atomic
        )

    def hold(self) -> None:
        """Load the demo in a transaction left open, unless it is already held or someone
        else's transaction is open (a module-scoped fixture's): then `demo` loads it in the
        test's own transaction, as it always did."""
        if self._atomic is not None or connection.in_atomic_block:
            return
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS), quiet_brokers():
                self._contract_ids = [contract.pk for contract in load_demo()]
            settle_deferred_checks()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
        self._atomic = atomic

    def release(self) -> None:
        """Roll the demo back, leaving the database as migrations made it. Only when the held
        transaction is the only one open (a test's own transaction has ended by now)."""
        if self._atomic is None:
            return
        if len(connection.atomic_blocks) != 1 or connection.atomic_blocks[0] is not self._atomic:
            return
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        self._atomic = None
        self._contract_ids = []

    def contracts(self) -> dict[str, Contract]:
        """Fresh instances each time, so that nothing one test did in memory leaks into the
        next; in the order load_demo returns them."""
        found = Contract.objects.in_bulk(self._contract_ids)
        return {found[pk].code: found[pk] for pk in self._contract_ids}
