"""Rules for the daily periods of service hours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def minutes_between(start: dt.time, end: dt.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def validate_period(start: dt.time | None, end: dt.time | None) -> None:
    if start is None or end is None:
        return
    if end <= start:
        raise ValidationError(
            _("The period must end after it starts (%(start)s–%(end)s).")
            % {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
            code="period_order",
        )


def validate_periods(periods: Iterable[tuple[dt.time, dt.time]]) -> None:
    """Periods of one day may not overlap: overlapping hours would count twice."""
    ordered = sorted(periods)
    for start, end in ordered:
        validate_period(start, end)
    for (start_a, end_a), (start_b, end_b) in pairwise(ordered):
        if start_b < end_a:
            raise ValidationError(
                _("Service hours %(a)s and %(b)s overlap.")
                % {"a": f"{start_a:%H:%M}–{end_a:%H:%M}", "b": f"{start_b:%H:%M}–{end_b:%H:%M}"},
                code="period_overlap",
            )
