from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from contracts.models import Contract, TicketKind
from tests.factories import demo_user
from tickets import services
from tickets.models import Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    """A Shanghai wall-clock instant: at("2026-09-30 17:20")."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def local(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


REPORTERS = {
    "cd-nutrition": "cd-reporter",
    "zj-einvoice": "zj-reporter",
    "yn-his": "yn-reporter",
    "fd-internet": "fd-reporter",
    "gz-logistics": "gz-reporter",
}


def file_ticket(contract: Contract, code: str, when: str, *, title: str = "系统故障") -> Ticket:
    """File a ticket of the row `code` (level-1, usage-support …) at a Shanghai instant."""
    service_class = contract.service_classes.get(code=code)
    system = contract.systems.first()
    return services.report_ticket(
        contract=contract,
        system=system,
        service_class=service_class,
        title=title,
        description="门诊收费窗口无法打开系统。",
        reporter=demo_user(REPORTERS[contract.code]),
        contact_phone="13726380001",
        now=at(when),
    )


def due(ticket: Ticket) -> dict[str, str | None]:
    return {clock.name: local(clock.due_at) for clock in ticket.clocks.filter(is_active=True)}


@pytest.fixture
def fault_kind():
    return TicketKind.FAULT
