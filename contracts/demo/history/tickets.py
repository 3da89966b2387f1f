"""Working a ticket from report to the hospital's rating, as engineers do: respond, dispatch,
go on site, hold with consent, extend, correct the level, resolve, log the work, explain a
missed deadline, get reopened now and then. Shared by every activity that files tickets."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils import timezone

from tickets.models import Ticket, WorkMode
from tickets.services import Caller

from . import adapters as do
from .texts import (
    BREACH_REASONS,
    CALLERS,
    HOLD_REASONS,
    REOPEN_NOTES,
    RESPONSE_PLANS,
    SATISFACTION_COMMENTS,
    Problem,
)
from .timeline import Later, World, after, is_workday, local, minutes

# Minutes from response to resolution where the contract sets no resolve clock, by level.
UNTIMED_MINUTES = {1: (60, 240), 2: (90, 600), 3: (120, 1500), 4: (240, 3600), None: (60, 900)}
SATISFACTION = (5, 4, 3, 2, 1)
SATISFACTION_WEIGHTS = (58, 31, 8, 2, 1)


@dataclass
class Work:
    """How this ticket's story goes, beyond what the profile's shares decide."""

    visit: bool | None = None  # None: as the clock and the profile say
    late_clock: str | None = None  # None: as the profile's breach share says; "" never
    outage_minutes: int | None = None
    recurrence_of: Ticket | None = None
    adaptive_person_days: float = 0.0
    plain: bool = False  # a service request or consultation: no holds, no level changes
    # Where the story stops although time goes on: today's queue ("reported",
    # "acknowledged", "dispatched", "on_site", "on_hold", "resolved"); "" runs to the end.
    stop: str = ""


class Stopped(Later):
    """The story of a ticket in today's queue has gone as far as it has."""


def _stop_at(how: Work, stage: str) -> None:
    if how.stop == stage:
        raise Stopped


def poisson(rng, mean: float) -> int:
    """Knuth's method: mean below ~5 here."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def weighted(rng, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def in_office(at: dt.datetime) -> bool:
    local_at = timezone.localtime(at)
    return is_workday(local_at.date()) and dt.time(8, 30) <= local_at.time() <= dt.time(17, 30)


def next_office_morning(at: dt.datetime, rng) -> dt.datetime:
    at = timezone.localtime(at)
    day = at.date() + dt.timedelta(days=1) if at.hour >= 9 else at.date()
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return local(day, 8, 40) + minutes(rng.uniform(0, 80))


def due(ticket: Ticket, clock: str) -> dt.datetime | None:
    return deadline(ticket, clock)[0]


def deadline(ticket: Ticket, clock: str):
    """The running clock's deadline and the calendar it counts in (None, None if none)."""
    row = (
        ticket.clocks.filter(name=clock, is_active=True, met_at__isnull=True)
        .select_related("calendar")
        .first()
    )
    return (row.due_at, row.calendar) if row else (None, None)


def has_clock(ticket: Ticket, clock: str) -> bool:
    return ticket.clocks.filter(name=clock, is_active=True).exists()


def file(w: World, at: dt.datetime, service_class, problem: Problem, system=None) -> Ticket:
    """Reported on the portal, by phone or by WeCom (typed in by the vendor's desk)."""
    rng, p = w.rng, w.profile
    system = system or w.systems[rng.choice(problem.systems)]
    reporter = w.pick(p.reporters)
    common = {
        "contract": w.contract,
        "system": system,
        "service_class": service_class,
        "title": problem.title,
        "description": problem.description,
    }
    channel = rng.random()
    if channel < 0.55:
        return do._file(w.step(at), reporter=reporter, **common)
    desk = w.pick(p.dispatcher) if in_office(at) else w.pick(p.engineers)
    if rng.random() < 0.4:
        name, phone = rng.choice(CALLERS)
        caller = Caller(name=name, phone=phone)
    else:
        caller = Caller(person=reporter)
    late = rng.randint(2, 12)
    w.step(at + minutes(late))
    return do._file_for_caller(
        at,
        caller=caller,
        entered_by=desk,
        channel="phone" if channel < 0.85 else "wecom",
        late_minutes=late,
        **common,
    )


def confirmer(w: World, ticket: Ticket):
    hospital = {*w.profile.reporters, w.profile.hospital_it}
    if ticket.reporter.username in hospital and ticket.reporter.username != w.profile.hospital_it:
        return ticket.reporter
    return w.person(w.profile.hospital_it)


def work(w: World, ticket: Ticket, problem: Problem, how: Work | None = None) -> Ticket:
    """Everything after the report, up to the rating, or up to now."""
    how = how or Work()
    rng, p = w.rng, w.profile
    _stop_at(how, "reported")
    t = ticket.created_at
    engineer = w.pick(p.engineers)
    dispatcher = w.person(p.dispatcher)
    late_clock = how.late_clock
    if late_clock is None:
        late_clock = rng.choice(("respond", "resolve")) if rng.random() < p.breach_share else ""
    office = in_office(t)

    # Respond: the desk in office hours, the engineer on call otherwise.
    respond_due, calendar = deadline(ticket, "respond")
    t = w.step(
        after(rng, t, respond_due, late=late_clock == "respond", minutes=(4, 35), calendar=calendar)
    )
    visit = how.visit
    if visit is None:
        visit = has_clock(ticket, "arrive") or (not how.plain and rng.random() < p.onsite_share)
    plan = rng.choice(RESPONSE_PLANS)  # contact made, a plan committed to
    if office and rng.random() < 0.5:
        ticket = do._dispatch(t, ticket, dispatcher, engineer, note=plan)
    else:
        ticket = do._acknowledge(t, ticket, dispatcher if office else engineer, note=plan)
        if visit or rng.random() < 0.6:
            t = w.step(t + minutes(rng.uniform(3, 25)))
            by = dispatcher if in_office(t) else engineer
            ticket = do._dispatch(t, ticket, by, engineer)
    _stop_at(how, "acknowledged")
    if ticket.assignee_id is None:
        t = w.step(t + minutes(rng.uniform(3, 25)))
        ticket = do._dispatch(t, ticket, dispatcher if in_office(t) else engineer, engineer)
    _stop_at(how, "dispatched")

    if how.recurrence_of is not None:
        t = w.step(t + minutes(rng.uniform(2, 12)))
        ticket = do._link_recurrence(t, ticket, engineer, of=how.recurrence_of)

    if not how.plain and rng.random() < p.level_change_share:
        for from_code, to_code, why in p.level_changes:
            if ticket.service_class.code == from_code:
                t = w.step(t + minutes(rng.uniform(15, 90)))
                ticket = do._change_level(
                    t, ticket, w.person(p.hospital_it), service_class=w.classes[to_code], note=why
                )
                break

    if visit:
        arrive_due, calendar = deadline(ticket, "arrive")
        arrive_at = after(
            rng, t, arrive_due, minutes=(40, 180), share=(0.2, 0.7), calendar=calendar
        )
        if arrive_due is None and not in_office(arrive_at):
            arrive_at = next_office_morning(arrive_at, rng)
        t = w.step(arrive_at)
        ticket = do._arrive(t, ticket, engineer)
    _stop_at(how, "on_site")

    if how.stop == "on_hold" or (not how.plain and rng.random() < p.hold_share):
        asked = w.step(t + minutes(rng.uniform(20, 90)))
        t = w.step(asked + minutes(rng.uniform(3, 25)))  # the hospital agrees
        reason = rng.choice(list(HOLD_REASONS))
        ticket = do._hold_with_consent(
            asked,
            t,
            ticket,
            engineer,
            hospital=w.person(p.hospital_it),
            reason=reason,
            note=HOLD_REASONS[reason],
            by_phone=rng.random() < 0.4,  # agreed on the phone, recorded by the vendor
        )
        _stop_at(how, "on_hold")
        waited = rng.uniform(3, 30) if rng.random() < 0.85 else rng.uniform(72, 150)
        resumed = t + dt.timedelta(hours=waited)
        if not in_office(resumed):
            resumed = next_office_morning(resumed, rng)
        t = w.step(resumed)
        ticket = do._resume(t, ticket, engineer)

    if p.extend_share and not how.plain and rng.random() < p.extend_share:
        target = ticket.service_class.clock_target("resolve")
        resolve_due = due(ticket, "resolve")
        if target and target.extendable_with_consent and resolve_due:
            asked = w.step(t + minutes(rng.uniform(10, 40)))
            agreed = w.step(asked + minutes(rng.uniform(5, 20)))  # the hospital agrees
            # An extension is agreed before the deadline it moves, or not at all.
            if agreed < resolve_due:
                t = agreed
                do._extend(
                    asked,
                    t,
                    ticket,
                    engineer,
                    hospital=w.person(p.hospital_it),
                    clock="resolve",
                    minutes=60,
                    note="需院方配合核对数据后再验证，申请延长处理时间。",
                )

    ticket = resolve(w, ticket, problem, t, engineer, how, late=late_clock == "resolve")
    _stop_at(how, "resolved")
    return rate(w, ticket, problem, engineer)


def resolve(w: World, ticket: Ticket, problem: Problem, t, engineer, how: Work, *, late: bool):
    rng, p = w.rng, w.profile
    resolve_due, calendar = deadline(ticket, "resolve")
    back_at = None  # when the service came back, for an outage
    if how.outage_minutes:
        # C5: filing the level-1 fault opened its outage at the report time; resolving
        # closes it when the service came back.
        back_at = ticket.created_at + minutes(how.outage_minutes)
        t = w.step(max(back_at, t + minutes(5)))
        if not ticket.outages.filter(ended_at__isnull=True).exists():
            do._record_outage(t, ticket, engineer, started_at=ticket.created_at, ended_at=back_at)
    else:
        span = UNTIMED_MINUTES.get(ticket.service_class.level, UNTIMED_MINUTES[None])
        moment = after(
            rng, t, resolve_due, late=late, minutes=span, share=(0.2, 0.8), calendar=calendar
        )
        if resolve_due is None and ticket.service_class.level != 1 and not in_office(moment):
            moment = next_office_morning(moment, rng)  # no clock presses: it waits for the day
        t = w.step(moment)
    resolver = ticket.assignee or engineer
    if how.adaptive_person_days:
        t = log_adaptive_work(w, ticket, resolver, t, how.adaptive_person_days)
    else:
        mode = WorkMode.ON_SITE if ticket.arrived_at else WorkMode.REMOTE
        do._log_work(
            t,
            ticket,
            resolver,
            work_date=timezone.localtime(t).date(),
            minutes=rng.choice((30, 45, 60, 90, 120, 180, 240)),
            mode=mode,
            description=problem.solution[:60],
        )
    ticket = do._resolve(
        t, ticket, resolver, note=problem.solution, cause=problem.cause, outage_ended_at=back_at
    )
    if problem.kb and problem.title not in w.solved:
        w.solved[problem.title] = ticket
    breached = list(
        ticket.clocks.filter(breached_at__isnull=False, breach_reason="").values_list(
            "name", flat=True
        )
    )
    if breached and rng.random() < 0.8:
        at = w.step(t + dt.timedelta(hours=rng.uniform(16, 30)))
        for clock in breached:
            do._explain_breach(
                at, ticket, w.person(p.manager), clock=clock, reason=rng.choice(BREACH_REASONS)
            )
    return ticket


def log_adaptive_work(w: World, ticket: Ticket, engineer, t, person_days: float):
    """Adaptive work (C5) counts against the person-day quota: a day's work per worklog,
    on the working days after it was asked for."""
    left, day = round(person_days * 480), timezone.localtime(t).date()
    while left > 0:
        while not is_workday(day):
            day += dt.timedelta(days=1)
        chunk = min(left, 480)
        t = w.step(local(day, 17, 20))
        do._log_work(
            t,
            ticket,
            engineer,
            work_date=day,
            minutes=chunk,
            mode=WorkMode.ON_SITE if chunk == 480 else WorkMode.REMOTE,
            description=f"{ticket.title}：需求确认、配置调整与测试。",
            quota=True,
        )
        left -= chunk
        day += dt.timedelta(days=1)
    return t + minutes(5)


def rate(w: World, ticket: Ticket, problem: Problem, engineer) -> Ticket:
    """The hospital confirms and rates, or now and then reopens first."""
    rng, p = w.rng, w.profile
    t = ticket.resolved_at
    by = confirmer(w, ticket)
    if rng.random() < p.reopen_share:
        t = w.step(t + dt.timedelta(hours=rng.uniform(2, 20)))
        ticket = do._reopen(t, ticket, by, note=rng.choice(REOPEN_NOTES))
        t = w.step(t + dt.timedelta(hours=rng.uniform(1, 5)))
        ticket = do._resolve(
            t,
            ticket,
            ticket.assignee or engineer,
            note="复查发现仍有终端使用旧配置，已逐台更新并观察一天，未再复现。" + problem.solution,
            cause=problem.cause,
        )
    if rng.random() < 0.02:
        return ticket  # never confirmed: stays resolved
    t = w.step(t + dt.timedelta(hours=rng.uniform(0.5, 30)))
    score = rng.choices(SATISFACTION, weights=SATISFACTION_WEIGHTS)[0]
    return do._confirm(
        t, ticket, by, satisfaction=score, comment=rng.choice(SATISFACTION_COMMENTS[score])
    )
