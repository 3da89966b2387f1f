"""Changes (C4): every upgrade with an upgrade plan and a rollback plan that the hospital's
information centre approves before it runs at night; now and then a plan is sent back, and
now and then a change is rolled back."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.utils import timezone

from tickets.models import WorkMode
from tickets.services import Caller

from . import adapters as do
from .texts import INTERNET_CHANGES
from .tickets import poisson
from .timeline import World, days, is_workday, local, minutes

UPGRADE_PLAN = (
    "1. 22:30 在测试环境验证通过的版本包上传至生产服务器；\n"
    "2. 22:45 暂停对外服务入口，备份应用目录与数据库；\n"
    "3. 23:00 部署新版本并执行数据库脚本；\n"
    "4. 23:20 冒烟测试：挂号、扫码付、当面付、问诊各 1 笔；\n"
    "5. 23:40 恢复服务入口，观察 30 分钟。"
)
ROLLBACK_PLAN = (
    "任一冒烟测试失败或 23:50 前未完成：恢复应用目录备份，执行数据库回滚脚本，"
    "重启服务并复测核心交易，全程不超过 30 分钟，于次日 07:30 挂号前完成。"
)


def plan_changes(w: World) -> None:
    p, rng = w.profile, w.rng
    if not p.changes_per_month:
        return
    per_workday = p.changes_per_month / 21
    number = 0
    for day in days(w.starts.date(), w.until.date()):
        if is_workday(day) and poisson(rng, per_workday):
            number += 1
            at = local(day, 10) + minutes(rng.uniform(0, 120))
            w.add(at, partial(change_story, w, at, number))


def change_story(w: World, at: dt.datetime, number: int) -> None:
    rng, p = w.rng, w.profile
    title, detail = INTERNET_CHANGES[number % len(INTERNET_CHANGES)]
    title = title.format(n=number + 1)
    it, engineer = w.person(p.hospital_it), w.pick(p.engineers)
    desk = w.person(p.dispatcher)
    ticket = do._file_for_caller(
        w.step(at),
        contract=w.contract,
        system=w.systems[rng.choice(("PORTAL", "IH", "WAITING-HALL", "VISIT-TRACE"))],
        service_class=w.classes["upgrade"],
        title=title,
        description=detail.format(k=rng.randint(3, 9)),
        caller=Caller(person=it),
        entered_by=desk,
        channel="email",
        late_minutes=rng.randint(5, 25),
    )
    t = w.step(ticket.entered_at + minutes(rng.uniform(10, 50)))
    ticket = do._acknowledge(t, ticket, desk)
    t = w.step(t + dt.timedelta(hours=rng.uniform(18, 30)))
    # The window proposed with the plan: a working day's night at least three days on, after
    # the last patients and before the next morning's registration (C4).
    night = timezone.localtime(t).date() + dt.timedelta(days=3)
    while not is_workday(night):
        night += dt.timedelta(days=1)
    window = (local(night, 23, 0), local(night, 23, 0) + dt.timedelta(hours=3))
    ticket = do._submit_plan(
        t, ticket, engineer, upgrade_plan=UPGRADE_PLAN, rollback_plan=ROLLBACK_PLAN, window=window
    )
    if rng.random() < 0.2:
        t = w.step(t + dt.timedelta(hours=rng.uniform(3, 20)))
        ticket = do._reject_plan(
            t, ticket, it, note="回退方案未写明数据库脚本的回滚步骤，请补充后重新提交。"
        )
        t = w.step(t + dt.timedelta(hours=rng.uniform(3, 20)))
        ticket = do._submit_plan(
            t,
            ticket,
            engineer,
            upgrade_plan=UPGRADE_PLAN,
            rollback_plan=ROLLBACK_PLAN
            + "\n数据库回滚脚本：rollback_v"
            + str(number + 1)
            + ".sql。",
            window=window,
        )
    t = w.step(t + dt.timedelta(hours=rng.uniform(3, 24)))
    ticket = do._approve_plan(t, ticket, it, note="同意按计划实施，请于次日挂号前完成。")
    t = w.step(t + minutes(rng.uniform(20, 90)))
    ticket = do._dispatch(t, ticket, desk, engineer)
    t = w.step(local(night, 23, 30) + minutes(rng.uniform(0, 25)))
    do._log_work(
        t,
        ticket,
        engineer,
        work_date=night,
        minutes=rng.choice((60, 90, 120)),
        mode=WorkMode.REMOTE,
        description="夜间按升级计划实施并完成冒烟测试。",
    )
    if rng.random() < 0.17:
        do._roll_back(
            t,
            ticket,
            engineer,
            note="冒烟测试当面付下单失败，按回退方案恢复旧版本，23:55 复测核心交易正常；日志已交研发分析。",
        )
    else:
        do._complete_change(
            t, ticket, engineer, note="按计划完成升级，冒烟测试全部通过，观察 30 分钟无异常。"
        )
