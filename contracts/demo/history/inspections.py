"""Inspections performed on schedule: each planned inspection whose window has opened is
done on a working day within it (never after its due date), its items measured, now and
then one abnormal item filed as a ticket, and signed by hospital IT."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial

from django.utils import timezone

from contracts.models import TicketKind
from inspections.models import Inspection, InspectionMode
from inspections.services import Answer

from . import adapters as do
from .texts import Problem
from .tickets import Work, work
from .timeline import World, days, is_workday, local, minutes

FINDING_EVERY = 4


def plan_inspections(w: World) -> None:
    today = timezone.localtime(w.until).date()
    measured = 0
    for inspection in Inspection.objects.filter(contract=w.contract, state="planned").order_by(
        "due_on", "pk"
    ):
        first = max(inspection.window_starts_on, w.starts.date())
        last = min(inspection.due_on, today - dt.timedelta(days=1))
        choices = [day for day in days(first, last) if is_workday(day)]
        if not choices:
            continue
        # One due later is done early only sometimes: the rest are still ahead, not overdue.
        if inspection.due_on >= today and w.rng.random() < 0.5:
            continue
        # Late in the window, as engineers schedule them.
        day = choices[int(len(choices) * w.rng.uniform(0.35, 1.0)) - 1]
        at = local(day, 9) + minutes(w.rng.uniform(0, 40))
        recorded_at = at + minutes(w.rng.uniform(60, 120))
        # Every few inspections with measurements, one item is out of its range; its ticket
        # is filed then, so the story begins there for the ticket numbers' sake.
        finding_at = None
        if any(item.kind == "measurement" for item in inspection.template.items_in_order()):
            measured += 1
            if measured % FINDING_EVERY == 1:
                finding_at = recorded_at + minutes(w.rng.uniform(5, 15))
        story = partial(inspection_story, w, inspection, at, recorded_at, finding_at)
        w.add(finding_at or at, story)


def _value(rng, result, failing: bool) -> Decimal:
    limit = result.limit if result.limit is not None else Decimal(1)
    if result.comparator in ("ge", "gt"):
        share = rng.uniform(0.3, 0.8) if failing else rng.uniform(1.5, 6)
    elif limit == 0:
        return Decimal(1 if failing else 0)
    else:
        share = rng.uniform(1.03, 1.15) if failing else rng.uniform(0.3, 0.85)
    places = 0 if result.unit in ("天", "次") else 1
    step = Decimal(1).scaleb(-places)
    value = (limit * Decimal(str(share))).quantize(step)
    if failing:
        # Rounded to its unit, a value just past a small limit can land on it: a failing
        # reading stays past the limit by at least one unit.
        if result.comparator in ("ge", "gt"):
            value = min(value, limit - step)
        else:
            value = max(value, limit + step)
    return value


def inspection_story(
    w: World,
    inspection: Inspection,
    at: dt.datetime,
    recorded_at: dt.datetime,
    finding_at: dt.datetime | None,
) -> None:
    rng, p = w.rng, w.profile
    engineer = w.pick(p.engineers)
    inspection = do._assign_inspection(
        at - dt.timedelta(days=rng.randint(2, 6)),
        inspection,
        w.person(p.dispatcher),
        engineer=engineer,
    )
    mode = InspectionMode.ON_SITE if inspection.planned_on_site else InspectionMode.REMOTE
    inspection = do._start_inspection(w.step(at), inspection, engineer, mode=mode)
    results = list(inspection.results.all())
    measured = [r for r in results if r.kind == "measurement"]
    failing = rng.choice(measured) if finding_at else None
    answers = []
    for result in results:
        if result.kind == "measurement":
            value = _value(rng, result, result is failing)
            answers.append(Answer(result_id=result.pk, value=value))
        elif result.kind == "pass_fail":
            answers.append(Answer(result_id=result.pk, passed=True))
        else:
            answers.append(Answer(result_id=result.pk, text="本期运行平稳，未发现需整改的问题。"))
    t = w.step(recorded_at)
    do._record_results(t, inspection, engineer, answers=answers)
    finding = None
    if failing is not None:
        failing.refresh_from_db()
        t = w.step(finding_at)
        finding = do._open_finding_ticket(t, failing, engineer, service_class=lowest_fault_class(w))
    t = w.step(t + minutes(rng.uniform(10, 30)))
    inspection.refresh_from_db()
    inspection = do._complete_inspection(
        t,
        inspection,
        engineer,
        findings=(
            f"{failing.name}超出阈值，已当场建立工单跟进。" if failing else "各项检查结果正常。"
        ),
        suggestions="建议持续关注磁盘与表空间增长趋势，下季度巡检前完成日志归档。",
    )
    sign_at = t + dt.timedelta(hours=rng.uniform(2, 6))
    try:
        do._sign_inspection(w.step(sign_at), inspection, w.person(p.hospital_it))
    finally:
        if finding is not None:
            problem = Problem(
                title=finding.title,
                description=finding.description,
                solution=f"已处理巡检发现：{failing.name}。清理历史日志与临时文件并复测，指标恢复正常。",
                cause="configuration",
                systems=(),
                levels=(),
            )
            work(w, finding, problem, Work(late_clock=""))


def lowest_fault_class(w: World):
    return (
        w.contract.service_classes.filter(kind=TicketKind.FAULT)
        .exclude(level__isnull=True)
        .order_by("-level")
        .first()
    )
