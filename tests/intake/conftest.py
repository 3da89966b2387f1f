"""Fixtures of the e-mail intake tests: a private Dovecot (one per test session), a
hospital served by a vendor under a contract whose inbound mailbox lives in that Dovecot,
and the hospital's reporter who writes in."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from accounts.models import User
from contracts.models import Contract, CoveredSystem, ServiceClass
from intake.models import Mailbox, Security
from tests.factories import (
    ClockTargetFactory,
    ContractFactory,
    ContractSystemFactory,
    FaultLevelFactory,
    MembershipFactory,
    SystemFactory,
    UserFactory,
)
from tests.intake.imap_server import PASSWORD, DovecotServer, dovecot_required

# Each test reads its own IMAP account, so no test sees another's messages.
_accounts = (f"desk{n}@vendor.test" for n in itertools.count())
ACCOUNTS = [next(_accounts) for _ in range(40)]
_free = iter(ACCOUNTS)


@pytest.fixture(scope="session")
def dovecot():
    dovecot_required()
    # Not under pytest's temp root: its directories are private to us (0700), and Dovecot's
    # auth process, an unprivileged user, must reach the users file.
    workdir = Path(tempfile.mkdtemp(prefix="opsdesk-dovecot-"))
    server = DovecotServer(workdir, ACCOUNTS).start()
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class Desk:
    """A vendor's inbound mailbox for one contract, and the people around it."""

    dovecot: DovecotServer
    mailbox: Mailbox
    contract: Contract
    system: CoveredSystem
    level: ServiceClass
    reporter: User
    dispatcher: User

    def deliver(self, raw: bytes, *, arrived: dt.datetime | None = None) -> None:
        self.dovecot.deliver(self.mailbox.username, raw, arrived=arrived)


@pytest.fixture
def desk(dovecot, transactional_db) -> Desk:
    """Real commits (transactional_db): the pollers under test run in their own threads
    and connections, as two Celery workers would."""
    account = next(_free)
    contract = ContractFactory(ends_on=dt.date(2030, 12, 31))
    system = SystemFactory(hospital=contract.hospital, name="HIS", code="HIS")
    ContractSystemFactory(contract=contract, system=system)
    level = FaultLevelFactory(contract=contract, level=3, is_inbound_default=True)
    ClockTargetFactory(service_class=level, clock="respond", amount=2, unit="hours")
    reporter = MembershipFactory(
        organization=contract.hospital,
        role="reporter",
        user=UserFactory(email="huang.xm@yn-hospital.test", phone="13800138000"),
    ).user
    dispatcher = MembershipFactory(organization=contract.vendor, role="dispatcher").user
    mailbox = Mailbox.objects.create(
        name="fault desk",
        contract=contract,
        address="faults@vendor.test",
        host="127.0.0.1",
        port=dovecot.port,
        security=Security.PLAIN,
        username=account,
        password=PASSWORD,
    )
    return Desk(dovecot, mailbox, contract, system, level, reporter, dispatcher)
