"""The frame every activity of the demo's history is written in: one contract's world (its
people, levels, systems and seeded random numbers), the moments things happen, and the end
of the history (now), after which nothing more is done."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import time_machine
from django.utils import timezone

from accounts.models import User
from contracts.models import Contract, CoveredSystem, ServiceClass
from sla.calendar import working_time
from sla.models import ServiceCalendar

from .profiles import Profile


class Later(Exception):
    """The next step of a story falls after now: the story stops where it is (an open
    ticket in today's queue, an inspection not yet done)."""


@contextmanager
def moment(at: dt.datetime) -> Iterator[None]:
    """Run the real services at `at`: every timezone.now() they or their helpers read
    (timelines, audit entries, outbox rows) says that moment."""
    with time_machine.travel(at, tick=False):
        yield


@dataclass
class World:
    """One contract, as its history is written."""

    contract: Contract
    profile: Profile
    rng: random.Random
    starts: dt.datetime
    until: dt.datetime
    people: dict[str, User]
    classes: dict[str, ServiceClass]
    systems: dict[str, CoveredSystem]
    # Stories to run, by the moment they begin: (at, order, run).
    stories: list[tuple[dt.datetime, int, Callable[[], None]]] = field(default_factory=list)
    # The first ticket of each recurring problem (C4's recurrence rule).
    first_of: dict[str, object] = field(default_factory=dict)
    # Tickets resolved with a note worth keeping, for the knowledge base.
    solved: dict[str, object] = field(default_factory=dict)
    recent: list[str] = field(default_factory=list)  # titles of the last faults planned

    def step(self, at: dt.datetime) -> dt.datetime:
        """`at`, if it is not after now; else the story ends here."""
        if at > self.until:
            raise Later
        return at

    @property
    def leaf_systems(self) -> list[str]:
        """The codes of the covered systems that have no parts of their own (modules)."""
        codes = list(self.systems)
        return [code for code in codes if not any(o.startswith(code + ".") for o in codes)]

    def person(self, username: str) -> User:
        return self.people[username]

    def pick(self, username_or_list):
        if isinstance(username_or_list, str):
            return self.people[username_or_list]
        return self.people[self.rng.choice(username_or_list)]

    def add(self, at: dt.datetime, run: Callable[[], None]) -> None:
        if self.starts <= at <= self.until:
            self.stories.append((at, len(self.stories), run))

    def run_stories(self) -> None:
        """In the order they begin, so that ticket numbers follow the days they were
        reported; each runs to its end or to now."""
        for _at, _order, run in sorted(self.stories, key=lambda story: story[:2]):
            with suppress(Later):
                run()


def local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


_WORKDAYS: dict[dt.date, bool] = {}


def is_workday(day: dt.date) -> bool:
    """A Chinese working day (holidays and make-up days from OpsDesk's own tables)."""
    if day not in _WORKDAYS:
        calendar = ServiceCalendar.objects.get(code="cn-work-0830-1730")
        _WORKDAYS[day] = working_time(calendar).is_open(local(day, 10))
    return _WORKDAYS[day]


def forget_workdays() -> None:
    _WORKDAYS.clear()


def after(
    rng: random.Random,
    start: dt.datetime,
    due: dt.datetime | None,
    *,
    late: bool = False,
    minutes: tuple[float, float] = (10, 90),
    share: tuple[float, float] = (0.15, 0.75),
    calendar: ServiceCalendar | None = None,
) -> dt.datetime:
    """When the next step happens: within the clock's time (a share of it, in the hours
    the clock counts, so work under a working-day clock happens in working hours), past its
    deadline when the story misses it, or some minutes later where no clock runs."""
    if due is None or due <= start:
        moved = start + dt.timedelta(minutes=rng.uniform(*minutes))
    elif late:
        moved = due + dt.timedelta(minutes=rng.uniform(8, 75))
    elif calendar is not None and calendar.day_rule != "always":
        wt = working_time(calendar)
        moved = wt.add_seconds(start, int(wt.seconds_between(start, due) * rng.uniform(*share)))
    else:
        moved = start + (due - start) * rng.uniform(*share)
    return moved.replace(microsecond=0)


def minutes(value: float) -> dt.timedelta:
    return dt.timedelta(minutes=value)
