"""Faults at each hospital's rate: most in working hours, some at night and on days off;
levels in the contract's proportions; C4's recurring problem and C5's outages and adaptive
work on their own days."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.utils import timezone

from .texts import Problem
from .tickets import Work, file, poisson, weighted, work
from .timeline import World, days, is_workday, local, minutes


def report_time(w: World, day: dt.date) -> dt.datetime:
    rng = w.rng
    if rng.random() < w.profile.night_share:
        return local(day, 19) + minutes(rng.uniform(0, 12 * 60))
    # Busiest in the morning clinics, quieter after lunch.
    start = rng.choice((8, 8, 9, 9, 10, 10, 11, 14, 14, 15, 16))
    return local(day, start) + minutes(rng.uniform(0, 60))


def pick_problem(w: World, level: str) -> Problem:
    """One of the level's problems, not one of the last few reported (the same title twice
    in a row reads like a copy)."""
    found = problems_at(w, level)
    fresh = [p for p in found if p.title not in w.recent] or found
    problem = w.rng.choice(fresh)
    w.recent = [*w.recent[-3:], problem.title]
    return problem


def problems_at(w: World, level: str) -> list[Problem]:
    reserved = set(w.profile.recurring.values())
    found = [p for p in w.profile.problems if level in p.levels and p.title not in reserved]
    return found or [p for p in w.profile.problems if p.title not in reserved]


def fault_story(w: World, at: dt.datetime, level: str, problem: Problem, how: Work | None = None):
    ticket = file(w, at, w.classes[level], problem)
    work(w, ticket, problem, how)


def plan_faults(w: World) -> None:
    rng, p = w.rng, w.profile
    for day in days(w.starts.date(), w.until.date()):
        rate = p.faults_per_workday * (1 if is_workday(day) else p.day_off_rate)
        for _ in range(poisson(rng, rate)):
            level = weighted(rng, p.levels)
            problem = pick_problem(w, level)
            at = report_time(w, day)
            w.add(at, partial(fault_story, w, at, level, problem))
    plan_recurrences(w)
    plan_outages(w)
    plan_adaptive_work(w)
    plan_open_queue(w)


# Today's queue: how far each open ticket has got, and how many working days ago it came in
# (0: in the last hour).
OPEN_STAGES = (
    ("reported", 0),
    ("acknowledged", 1),
    ("dispatched", 1),
    ("on_site", 1),
    ("on_hold", 3),
    ("resolved", 1),
)


def office_moment(w: World, workdays_back: int) -> dt.datetime:
    """A moment in the office hours of the working day `workdays_back` before today, or in
    the last hour when 0."""
    rng = w.rng
    if workdays_back == 0:
        return (w.until - minutes(rng.uniform(5, 50))).replace(microsecond=0)
    day, found = timezone.localtime(w.until).date(), 0
    while found < workdays_back:
        day -= dt.timedelta(days=1)
        found += is_workday(day)
    return local(day, rng.choice((9, 10, 11, 14, 15))) + minutes(rng.uniform(0, 50))


def plan_open_queue(w: World) -> None:
    """A believable queue for today: some tickets just in, some with an engineer on the way
    or on site, some waiting for parts with the hospital's consent, some awaiting the
    hospital's confirmation; deadlines from minutes to days away."""
    rng, p = w.rng, w.profile
    for index in range(p.open_now):
        stage, workdays_back = OPEN_STAGES[index % len(OPEN_STAGES)]
        at = office_moment(w, workdays_back)
        # An urgent fault does not linger for days: only just-reported ones are level 1.
        levels = {code: share for code, share in p.levels.items() if code != "level-1"}
        level = weighted(rng, p.levels if workdays_back == 0 or not levels else levels)
        problem = pick_problem(w, level)
        how = Work(stop=stage, late_clock="", visit=True if stage == "on_site" else None)
        w.add(at, partial(fault_story, w, at, level, problem, how))


def _at_share(w: World, share: float, hour: int) -> dt.datetime:
    day = (w.starts + (w.until - w.starts) * share).date()
    return local(day, hour) + minutes(w.rng.uniform(0, 50))


def plan_recurrences(w: World) -> None:
    """C4: the same problem three times within 90 days; the third is raised to level 1."""
    for group, title in w.profile.recurring.items():
        problem = next(p for p in w.profile.problems if p.title == title)
        for index, share in enumerate((0.2, 0.3, 0.42)):
            at = _at_share(w, share, 10)
            w.add(at, partial(recurring_story, w, at, group, problem, index))


def recurring_story(w: World, at: dt.datetime, group: str, problem: Problem, index: int):
    ticket = file(w, at, w.classes[problem.levels[0]], problem)
    first = w.first_of.setdefault(group, ticket) if index == 0 else w.first_of.get(group)
    work(w, ticket, problem, Work(recurrence_of=first if index else None, late_clock=""))


def plan_outages(w: World) -> None:
    """C5: level-1 platform failures whose downtime stays under the yearly 8 hours."""
    problem = next((p for p in w.profile.problems if "level-1" in p.levels), None)
    for share, down in w.profile.outages:
        at = _at_share(w, share, 9)
        how = Work(outage_minutes=down, late_clock="", visit=True)
        w.add(at, partial(fault_story, w, at, "level-1", problem, how))


def plan_adaptive_work(w: World) -> None:
    """C5: adaptive maintenance, each month's job in person-days against the quota."""
    from .texts import ADAPTIVE_WORK

    day = w.starts.date().replace(day=10)
    if day < w.starts.date():
        day = (day + dt.timedelta(days=31)).replace(day=10)
    for index, person_days in enumerate(w.profile.adaptive_person_days):
        if day > w.until.date():
            break
        while not is_workday(day):
            day += dt.timedelta(days=1)
        at = local(day, 9, 30)
        title = ADAPTIVE_WORK[index % len(ADAPTIVE_WORK)]
        problem = Problem(
            title=f"适应性维护：{title}",
            description=f"后勤保障部提出：{title}。请评估并实施，预计 {person_days:g} 人天。",
            solution=f"已完成{title}，经后勤保障部验收，共计 {person_days:g} 人天。",
            cause="configuration",
            systems=("LOGI.REPAIR", "LOGI.WASTE", "LOGI.SAFETY", "LOGI.BI.REPORTS"),
            levels=("adaptive-maintenance",),
        )
        how = Work(adaptive_person_days=person_days, late_clock="", visit=False, plain=True)
        # Filed as the contract's adaptive-maintenance request, whose work counts against the
        # person-day quota (its burn-down and 80 % warning on the contract page).
        w.add(at, partial(fault_story, w, at, "adaptive-maintenance", problem, how))
        day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=10)
