from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from inspections import services
from inspections.models import Inspection
from inspections.services import Answer
from tests.factories import demo_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# C2's environment readings on the day of the Q3 inspection: the e-invoice user tablespace
# is over its 90 % limit, everything else is within its rule.
ZJ_READINGS = {
    "电子票据用户表空间使用率": "93.5",
    "系统表空间使用率": "71",
    "服务器磁盘使用率": "64",
    "服务器证书剩余有效期": "210",
    "本季度证书服务故障次数": "0",
}


def zj_quarter(demo, due: str = "2026-11-30") -> Inspection:
    return Inspection.objects.get(
        contract=demo["zj-einvoice"], purpose="routine", due_on=dt.date.fromisoformat(due)
    )


def answer_all(inspection: Inspection, *, readings=None, failing=(), now=None) -> None:
    """Answer every item: pass/fail items pass unless named in `failing`; measured values
    from `readings` (C2's by default); free text gets a sentence."""
    readings = ZJ_READINGS if readings is None else readings
    answers = []
    for result in inspection.results.all():
        if result.kind == "pass_fail":
            answers.append(Answer(result.pk, passed=result.name not in failing))
        elif result.kind == "measurement":
            answers.append(Answer(result.pk, value=Decimal(readings.get(result.name, "1"))))
        else:
            answers.append(Answer(result.pk, text="建议下季度扩容电子票据用户表空间。"))
    services.record_results(inspection=inspection, by=inspection.engineer, answers=answers, now=now)


@pytest.fixture
def engineer():
    return demo_user("ny-engineer")


@pytest.fixture
def hospital_it():
    return demo_user("zj-it")


@pytest.fixture
def performed(demo, engineer) -> Inspection:
    """C2's quarterly inspection of 2026-09-01 – 11-30, done on site on 2026-11-20,
    09:30–12:40, with the user tablespace at 93.5 % (abnormal) and the logs unclean."""
    inspection = services.start(
        inspection=zj_quarter(demo), by=engineer, mode="on_site", now=at("2026-11-20 09:30")
    )
    answer_all(inspection, failing=("系统日志无异常",), now=at("2026-11-20 11:00"))
    return services.complete(
        inspection=inspection,
        by=engineer,
        findings="电子票据用户表空间使用率 93.5%，超过 90% 阈值。",
        suggestions="下季度前完成表空间扩容。",
        now=at("2026-11-20 12:40"),
    )
