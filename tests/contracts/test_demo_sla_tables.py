"""Every SLA target of every demo contract, checked against the tables of DOMAIN.md.

The expectations are written out here by hand from DOMAIN.md, not read from the demo data,
so a wrong number in either place fails. Targets are compared in minutes of the clock's
calendar: "1 working day" is one day's service hours (450 min in the hospital's hours,
540 min in 08:30–17:30).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from contracts.models import TicketKind
from contracts.sla_table import table_rows

H24, WORK, HOSP, DAILY = "24x7", "cn-work-0830-1730", "cn-work-hospital", "daily-7x8"
HOUR = 60
WORK_DAY_0830_1730 = 9 * HOUR
WORK_DAY_HOSPITAL = 4 * HOUR + 3 * HOUR + 30
DAY_24X7 = 24 * HOUR

# (kind, level or category code) -> {clock: (minutes, calendar, counts from)}
EXPECTED = {
    "cd-nutrition": {
        ("fault", 1): {
            "respond": (30, H24, "report"),
            "arrive": (8 * HOUR, H24, "report"),
            "resolve": (4 * HOUR, H24, "arrival"),
        },
        ("fault", 2): {
            "respond": (30, H24, "report"),
            "arrive": (12 * HOUR, H24, "report"),
            "resolve": (4 * HOUR, H24, "arrival"),
        },
        ("fault", 3): {"respond": (30, H24, "report"), "resolve": (60, H24, "report")},
        ("service_request", "consulting"): {
            "respond": (30, HOSP, "report"),
            "resolve": (30, HOSP, "report"),
        },
        ("service_request", "usage-support"): {
            "respond": (30, HOSP, "report"),
            "resolve": (WORK_DAY_HOSPITAL, HOSP, "report"),
        },
        ("service_request", "backend-business"): {
            "respond": (30, HOSP, "report"),
            "resolve": (2 * WORK_DAY_HOSPITAL, HOSP, "report"),
        },
        ("service_request", "backend-platform"): {
            "respond": (30, HOSP, "report"),
            "resolve": (3 * WORK_DAY_HOSPITAL, HOSP, "report"),
        },
    },
    "zj-einvoice": {
        ("fault", 1): {"resolve": (24 * HOUR, H24, "report")},
        ("fault", 2): {"resolve": (48 * HOUR, H24, "report")},
    },
    "yn-his": {
        ("fault", 1): {
            "respond": (30, H24, "report"),
            "arrive": (6 * HOUR, H24, "report"),
            "resolve": (6 * HOUR, H24, "report"),
        },
        ("fault", 2): {
            "respond": (HOUR, H24, "report"),
            "arrive": (12 * HOUR, H24, "report"),
            "resolve": (12 * HOUR, H24, "report"),
        },
        ("fault", 3): {
            "respond": (2 * HOUR, WORK, "report"),
            "arrive": (WORK_DAY_0830_1730, WORK, "report"),
        },
        ("fault", 4): {
            "respond": (2 * HOUR, WORK, "report"),
            "arrive": (2 * WORK_DAY_0830_1730, WORK, "report"),
        },
    },
    "fd-internet": {
        ("fault", 1): {"respond": (HOUR, H24, "report"), "resolve": (24 * HOUR, H24, "report")},
        ("fault", 2): {"respond": (HOUR, H24, "report"), "resolve": (24 * HOUR, H24, "report")},
        ("fault", 3): {
            "respond": (HOUR, WORK, "report"),
            "resolve": (14 * DAY_24X7, H24, "report"),
        },
        ("fault", 4): {"respond": (HOUR, WORK, "report")},
        ("consultation", "consultation"): {
            "respond": (4 * HOUR, H24, "report"),
            "resolve": (48 * HOUR, H24, "report"),
        },
        ("change", "upgrade"): {},
    },
    "gz-logistics": {
        ("fault", 1): {"respond": (15, DAILY, "report"), "arrive": (12 * HOUR, H24, "report")},
        ("fault", 2): {"respond": (15, DAILY, "report")},
        # Adaptive work: capped at 15 person-days a year, no deadline in the seed.
        ("service_request", "adaptive-maintenance"): {},
    },
}


def _table(contract) -> dict:
    table = {}
    for row in table_rows(contract):
        service_class = row.service_class
        key = (
            service_class.kind,
            service_class.level if service_class.kind == TicketKind.FAULT else service_class.code,
        )
        table[key] = {
            target.clock: (target.target_minutes(), target.calendar.code, target.starts_from)
            for target in (row.respond, row.arrive, row.resolve)
            if target is not None
        }
    return table


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_demo_contract_sla_table_matches_domain(demo, code):
    assert _table(demo[code]) == EXPECTED[code]


def test_c1_resolve_clocks_of_levels_1_and_2_are_extendable_with_consent(demo):
    rows = {
        row.service_class.level: row
        for row in table_rows(demo["cd-nutrition"])
        if row.service_class.level
    }
    assert rows[1].resolve.extendable_with_consent and rows[1].resolve.max_extension is None
    assert rows[2].resolve.extendable_with_consent and rows[2].resolve.max_extension is None
    # Level 3: one hour, up to two hours with the hospital's consent.
    assert rows[3].resolve.extendable_with_consent
    assert rows[3].resolve.max_extension_minutes() == 60


def test_no_other_demo_clock_is_extendable(demo):
    extendable = {
        (code, row.service_class.code, target.clock)
        for code, contract in demo.items()
        for row in table_rows(contract)
        for target in (row.respond, row.arrive, row.resolve)
        if target is not None and target.extendable_with_consent
    }
    assert extendable == {
        ("cd-nutrition", "level-1", "resolve"),
        ("cd-nutrition", "level-2", "resolve"),
        ("cd-nutrition", "level-3", "resolve"),
    }


def test_demo_contract_quotas_and_targets_match_domain(demo):
    facts = {
        code: (
            contract.allowed_downtime_hours,
            contract.min_onsite_days,
            contract.person_day_quota,
            contract.min_team_size,
            contract.calendar.code,
        )
        for code, contract in demo.items()
    }
    assert facts == {
        "cd-nutrition": (None, None, None, 3, HOSP),
        "zj-einvoice": (None, 10, None, None, H24),
        "yn-his": (None, None, None, None, WORK),
        "fd-internet": (None, None, None, None, H24),
        "gz-logistics": (Decimal("8.00"), None, 15, None, DAILY),
    }


def test_c4_third_occurrence_within_90_days_raises_to_level_1(demo):
    contract = demo["fd-internet"]
    assert (contract.recurrence_count, contract.recurrence_window_days) == (3, 90)
    assert contract.recurrence_raises_to_level == 1
    others = [c for code, c in demo.items() if code != "fd-internet"]
    assert all(c.recurrence_count is None for c in others)


def test_demo_terms_are_three_years_for_c1_and_one_year_for_the_others(demo):
    assert {code: contract.term_days for code, contract in demo.items()} == {
        "cd-nutrition": 365 * 3 + 0,  # 2025-01-01 .. 2027-12-31, no leap day in between
        "zj-einvoice": 365,
        "yn-his": 365,
        "fd-internet": 365,
        "gz-logistics": 365,
    }


def test_demo_calendars_have_the_hours_domain_lists(demo):
    from sla.models import ServiceCalendar

    hours = {cal.code: (cal.day_rule, cal.hours_display()) for cal in ServiceCalendar.objects.all()}
    assert hours == {
        H24: ("always", "00:00–24:00"),
        WORK: ("cn_workdays", "08:30–17:30"),
        HOSP: ("cn_workdays", "08:00–12:00, 14:00–17:30"),
        DAILY: ("every_day", "08:00–12:00, 14:00–18:00"),
        # C4's opening hours: levels 1–2 filed while closed are due before registration.
        "fd-registration": ("cn_workdays", "07:30–17:30"),
    }


def test_demo_system_trees_hold_every_covered_system_of_the_seeds(demo):
    yn = demo["yn-his"]
    assert yn.systems.count() == 19
    assert {s.name for s in yn.systems.all()} >= {
        "医院信息系统（HIS）",
        "PACS系统",
        "LIS系统",
        "全流程药品监管系统",
    }
    cd = demo["cd-nutrition"]
    nutrition = cd.systems.get()
    modules = {m.name for sub in nutrition.children.all() for m in sub.children.all()}
    assert len(modules) == 13 - 1  # 营养治疗 appears under both subsystems
    gz = demo["gz-logistics"].systems.get()
    assert {child.name for child in gz.children.all()} == {
        "基础框架",
        "综合维修管理",
        "设备档案及巡检管理",
        "医废管理",
        "安全巡查管理",
        "满意度管理",
        "BI 统计",
        "医用气体安全监测",
        "智慧用电",
    }
    fd = demo["fd-internet"]
    assert {s.name for s in fd.systems.all()} == {
        "统一就诊服务门户",
        "互联网医院平台",
        "数字候诊大厅",
        "患者就诊全流程可视化",
    }
