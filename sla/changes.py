"""What happens after an administrator edits service hours or holidays: the change is
recorded, cached calendar years are dropped, and open tickets' deadlines are recomputed in
the background."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from sla.models import CalendarChange, DayRule, ServiceCalendar

logger = logging.getLogger(__name__)


def calendars_changed(
    *,
    calendars: list[ServiceCalendar] | None,
    by,
    description: str,
    since: dt.date | None = None,
) -> CalendarChange:
    """`calendars=None` means every calendar that follows Chinese holidays (a holiday edit).

    `since` is the first date the edit touches: a clock due before it cannot move, so only
    clocks due on or after it are recomputed (adding next year's holidays touches none of
    this year's deadlines).
    """
    from sla.calendar import invalidate

    if calendars is None:
        calendars = list(ServiceCalendar.objects.filter(day_rule=DayRule.CN_WORKDAYS))
    change = CalendarChange.objects.create(
        by=by,
        description=description[:300],
        calendar_codes=", ".join(calendar.code for calendar in calendars)[:300],
    )
    ids = [calendar.pk for calendar in calendars]
    transaction.on_commit(lambda: invalidate())
    first = since.isoformat() if since else None
    transaction.on_commit(lambda: _enqueue(change.pk, ids, first))
    return change


def _enqueue(change_id: int, calendar_ids: list[int], since: str | None) -> None:
    from tickets.tasks import recompute_deadlines  # deadlines are the tickets' concern

    try:
        recompute_deadlines.delay(calendar_ids=calendar_ids, change_id=change_id, since=since)
    except Exception:  # the broker may be down; the change row shows it never finished
        logger.exception(
            "Could not queue the deadline recomputation for calendar change %s", change_id
        )
