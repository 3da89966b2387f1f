"""Service requests (C1: 业务咨询, 使用支持, 后台业务/平台维护) and consultations (C4), in the
hospital's working hours, each against its category's deadline."""

from __future__ import annotations

import datetime as dt
from functools import partial

from .texts import Problem
from .tickets import Work, file, poisson, work
from .timeline import World, days, is_workday, local, minutes


def plan_requests(w: World) -> None:
    p, rng = w.profile, w.rng
    if not p.requests_per_workday:
        return
    for day in days(w.starts.date(), w.until.date()):
        if not is_workday(day):
            continue
        for _ in range(poisson(rng, p.requests_per_workday)):
            category = rng.choice(list(p.request_texts))
            title, description, solution = rng.choice(p.request_texts[category])
            at = local(day, rng.choice((8, 9, 10, 11, 14, 15, 16))) + minutes(rng.uniform(0, 55))
            problem = Problem(
                title=title,
                description=description,
                solution=solution,
                cause="",
                systems=tuple(w.systems),
                levels=(category,),
                kb=category in ("consulting", "consultation"),
            )
            w.add(at, partial(request_story, w, at, category, problem))


def request_story(w: World, at: dt.datetime, category: str, problem: Problem) -> None:
    system = w.systems[w.rng.choice(list(w.leaf_systems))]
    ticket = file(w, at, w.classes[category], problem, system=system)
    work(w, ticket, problem, Work(plain=True, visit=False))
