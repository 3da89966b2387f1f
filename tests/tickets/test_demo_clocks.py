"""Every clock of every demo contract, for a ticket filed at 17:20 on Wednesday 2026-09-30 —
the last working afternoon before National Day (holidays 10-01..10-07, Saturday 10-10 worked).

Expected deadlines are worked out by hand from DOMAIN.md's tables:
- 7×24 clocks run through the holiday;
- working-day clocks (08:30–17:30) have 10 minutes left on 09-30, then resume on 10-08;
- the hospital's hours (08:00–12:00, 14:00–17:30) skip lunch; 10-10 is a make-up workday;
- 7×8×365 (08:00–12:00, 14:00–18:00) counts holidays too;
- C1's resolve clocks of levels 1–2 count from arrival, so they have not started.
"""

from __future__ import annotations

import pytest

from tests.tickets.conftest import due, file_ticket

pytestmark = pytest.mark.django_db

FILED = "2026-09-30 17:20"

EXPECTED = {
    ("cd-nutrition", "level-1"): {
        "respond": "2026-09-30 17:50",
        "arrive": "2026-10-01 01:20",
        "resolve": None,
    },
    ("cd-nutrition", "level-2"): {
        "respond": "2026-09-30 17:50",
        "arrive": "2026-10-01 05:20",
        "resolve": None,
    },
    ("cd-nutrition", "level-3"): {"respond": "2026-09-30 17:50", "resolve": "2026-09-30 18:20"},
    ("cd-nutrition", "consulting"): {"respond": "2026-10-08 08:20", "resolve": "2026-10-08 08:20"},
    ("cd-nutrition", "usage-support"): {
        "respond": "2026-10-08 08:20",
        "resolve": "2026-10-08 17:20",
    },
    ("cd-nutrition", "backend-business"): {
        "respond": "2026-10-08 08:20",
        "resolve": "2026-10-09 17:20",
    },
    ("cd-nutrition", "backend-platform"): {
        "respond": "2026-10-08 08:20",
        "resolve": "2026-10-10 17:20",
    },
    ("zj-einvoice", "level-1"): {"resolve": "2026-10-01 17:20"},
    ("zj-einvoice", "level-2"): {"resolve": "2026-10-02 17:20"},
    ("yn-his", "level-1"): {
        "respond": "2026-09-30 17:50",
        "arrive": "2026-09-30 23:20",
        "resolve": "2026-09-30 23:20",
    },
    ("yn-his", "level-2"): {
        "respond": "2026-09-30 18:20",
        "arrive": "2026-10-01 05:20",
        "resolve": "2026-10-01 05:20",
    },
    ("yn-his", "level-3"): {"respond": "2026-10-08 10:20", "arrive": "2026-10-08 17:20"},
    ("yn-his", "level-4"): {"respond": "2026-10-08 10:20", "arrive": "2026-10-09 17:20"},
    ("fd-internet", "level-1"): {"respond": "2026-09-30 18:20", "resolve": "2026-10-01 17:20"},
    ("fd-internet", "level-2"): {"respond": "2026-09-30 18:20", "resolve": "2026-10-01 17:20"},
    ("fd-internet", "level-3"): {"respond": "2026-10-08 09:20", "resolve": "2026-10-14 17:20"},
    ("fd-internet", "level-4"): {"respond": "2026-10-08 09:20"},
    ("fd-internet", "consultation"): {"respond": "2026-09-30 21:20", "resolve": "2026-10-02 17:20"},
    ("fd-internet", "upgrade"): {},
    ("gz-logistics", "level-1"): {"respond": "2026-09-30 17:35", "arrive": "2026-10-01 05:20"},
    ("gz-logistics", "level-2"): {"respond": "2026-09-30 17:35"},
    ("gz-logistics", "adaptive-maintenance"): {},
}


@pytest.mark.parametrize(("contract_code", "row"), sorted(EXPECTED))
def test_deadlines_of_a_ticket_filed_before_national_day(demo, contract_code, row):
    ticket = file_ticket(demo[contract_code], row, FILED)
    assert due(ticket) == EXPECTED[(contract_code, row)]


def test_every_demo_sla_row_is_checked(demo):
    rows = {
        (contract.code, service_class.code)
        for contract in demo.values()
        for service_class in contract.service_classes.all()
    }
    assert rows == set(EXPECTED)
