"""A hand-built quarter of 郁南 (yn-his) tickets, filed and worked through the ticket services
at fixed Shanghai instants, so that every figure of 2026 Q3 can be counted by hand.

yn-his clocks: level 1 respond 30 min, arrive 6 h, resolve 6 h; level 2 respond 1 h,
arrive 12 h, resolve 12 h (all around the clock, from the report); level 3 respond 2 h,
arrive 1 working day; level 4 respond 2 h, arrive 2 working days (working days
08:30–17:30). "Now" is 2026-09-30 12:00.

| ticket | level | reported         | what happened                                             |
|--------|-------|------------------|-----------------------------------------------------------|
| T0     | 1     | 2026-06-15 10:00 | all in Q2, on time, rated 1 in Q2                         |
| T6     | 3     | 2026-06-30 10:00 | respond due 06-30 12:00, met 07-01 09:00 (late 1260 min);  |
|        |       |                  | arrive due 07-01 10:00, met 09:50; rated 2 on 07-01       |
| T1     | 1     | 2026-07-06 10:00 | ack 10:20, arrive 15:00, resolve 15:30: all on time; 5    |
| T2     | 1     | 2026-07-14 09:00 | ack 09:45 (15 late), arrive 14:00, resolve 16:00 (60 late);|
|        |       |                  | outage 09:00–11:30; rated 3                               |
| T7     | 4     | 2026-07-20 09:00 | ack 10:00 (on time), cancelled 10:30 (arrive not counted) |
| T3     | 2     | 2026-08-03 08:00 | ack 08:30, arrive 19:00, resolve 21:00 (60 late); rated 4 |
| T4     | 2     | 2026-09-29 20:00 | ack 20:30; arrive and resolve due 09-30 08:00, running    |
| T5     | 1     | 2026-09-30 11:00 | nothing yet: respond due 11:30 (past), arrive and resolve |
|        |       |                  | due 17:00 (pending); outage open since 11:00              |

T3 and T7 are filed against the second covered system, the others against the first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from contracts.models import Contract
from tests.factories import demo_user
from tests.tickets.conftest import REPORTERS, at
from tickets import services
from tickets.models import Ticket

NOW = "2026-09-30 12:00"


def file(contract: Contract, code: str, when: str, *, system=None, title="系统故障") -> Ticket:
    """Report a ticket of the SLA row `code` at a Shanghai wall-clock instant."""
    return services.report_ticket(
        contract=contract,
        system=system or contract.systems.first(),
        service_class=contract.service_classes.get(code=code),
        title=title,
        description="门诊收费窗口无法打开系统。",
        reporter=demo_user(REPORTERS[contract.code]),
        contact_phone="13726380001",
        now=at(when),
    )


def phoned_in(contract: Contract, *, reported: str, entered: str) -> Ticket:
    """A level-2 fault yn-reporter phoned in at `reported`, typed in by the dispatcher at
    `entered` (Shanghai wall-clock times)."""
    return services.file_for_caller(
        contract=contract,
        system=contract.systems.first(),
        service_class=contract.service_classes.get(code="level-2"),
        title="门诊挂号无法打开",
        description="电话报修。",
        caller=services.Caller(person=demo_user("yn-reporter")),
        entered_by=demo_user("ny-dispatcher"),
        channel="phone",
        reported_at=at(reported),
        now=at(entered),
        backdate_reason="电话高峰，稍后录入",
    ).ticket


def work(ticket: Ticket, *, ack=None, assign=None, arrive=None, resolve=None, rating=None):
    """Walk a ticket through the services: (when, …) for each step that happens."""
    dispatcher, engineer = demo_user("ny-dispatcher"), demo_user("ny-engineer")
    if ack:
        services.acknowledge(
            note="已联系院方，承诺处理方案。", ticket=ticket, by=dispatcher, now=at(ack)
        )
    if assign:
        services.assign(ticket=ticket, by=dispatcher, engineer=engineer, now=at(assign))
    if arrive:
        services.arrive(ticket=ticket, by=engineer, now=at(arrive))
    if resolve:
        services.resolve(ticket=ticket, by=engineer, note="已处理", now=at(resolve))
    if rating:
        score, when = rating
        services.confirm(
            ticket=ticket, by=demo_user("yn-reporter"), satisfaction=score, now=at(when)
        )
    ticket.refresh_from_db()
    return ticket


def log(ticket: Ticket, day: str, minutes: int, mode: str, *, quota=False, who="ny-engineer"):
    return services.log_work(
        ticket=ticket,
        by=demo_user(who),
        work_date=dt.date.fromisoformat(day),
        minutes=minutes,
        mode=mode,
        description="处理故障",
        counts_against_quota=quota,
    )


@dataclass
class YnQuarter:
    contract: Contract
    tickets: dict[str, Ticket]
    now: dt.datetime


@pytest.fixture
def yn_quarter(demo) -> YnQuarter:
    contract = demo["yn-his"]
    first, second = list(contract.systems.all()[:2])
    engineer = demo_user("ny-engineer")
    t = {}
    t["T0"] = work(
        file(contract, "level-1", "2026-06-15 10:00"),
        ack="2026-06-15 10:10",
        arrive="2026-06-15 12:00",
        resolve="2026-06-15 13:00",
        rating=(1, "2026-06-15 14:00"),
    )
    t["T6"] = file(contract, "level-3", "2026-06-30 10:00")
    work(
        t["T6"],
        ack="2026-07-01 09:00",
        arrive="2026-07-01 09:50",
        resolve="2026-07-01 11:00",
        rating=(2, "2026-07-01 12:00"),
    )
    t["T1"] = work(
        file(contract, "level-1", "2026-07-06 10:00"),
        ack="2026-07-06 10:20",
        assign="2026-07-06 10:25",
        arrive="2026-07-06 15:00",
        resolve="2026-07-06 15:30",
        rating=(5, "2026-07-06 16:00"),
    )
    t["T2"] = work(
        file(contract, "level-1", "2026-07-14 09:00"),
        ack="2026-07-14 09:45",
        assign="2026-07-14 09:50",
        arrive="2026-07-14 14:00",
        resolve="2026-07-14 16:00",
        rating=(3, "2026-07-15 10:00"),
    )
    services.record_outage(
        ticket=t["T2"],
        by=engineer,
        started_at=at("2026-07-14 09:00"),
        ended_at=at("2026-07-14 11:30"),
    )
    t["T7"] = work(
        file(contract, "level-4", "2026-07-20 09:00", system=second), ack="2026-07-20 10:00"
    )
    services.cancel(ticket=t["T7"], by=demo_user("yn-reporter"), now=at("2026-07-20 10:30"))
    t["T3"] = work(
        file(contract, "level-2", "2026-08-03 08:00", system=second),
        ack="2026-08-03 08:30",
        assign="2026-08-03 08:40",
        arrive="2026-08-03 19:00",
        resolve="2026-08-03 21:00",
        rating=(4, "2026-08-04 09:00"),
    )
    t["T4"] = work(file(contract, "level-2", "2026-09-29 20:00"), ack="2026-09-29 20:30")
    t["T5"] = file(contract, "level-1", "2026-09-30 11:00")
    services.record_outage(ticket=t["T5"], by=engineer, started_at=at("2026-09-30 11:00"))

    # Worklogs: on-site on 07-06, 07-14 (twice, two people), 08-04; remote 08-03; and
    # 06-30 (Q2). Against the quota: 120 (07-14) + 300 (08-03) in Q3, 480 in Q2.
    log(t["T1"], "2026-07-06", 90, "on_site")
    log(t["T2"], "2026-07-14", 120, "on_site", quota=True)
    log(t["T2"], "2026-07-14", 60, "on_site", who="ny-engineer2")
    log(t["T3"], "2026-08-03", 300, "remote", quota=True)
    log(t["T3"], "2026-08-04", 60, "on_site")
    log(t["T6"], "2026-06-30", 480, "on_site", quota=True)
    assert first != second
    return YnQuarter(contract=contract, tickets=t, now=at(NOW))
