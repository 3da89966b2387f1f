"""Changes (C4): an upgrade plan and a rollback plan approved by hospital IT before work."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from tickets import clocks
from tickets.errors import TicketError
from tickets.models import (
    Ticket,
)
from tickets.services._common import _transition


def submit_plan(
    *, ticket: Ticket, by, upgrade_plan: str, rollback_plan: str, now: dt.datetime | None = None
) -> Ticket:
    if not upgrade_plan.strip() or not rollback_plan.strip():
        raise TicketError(
            "plans_required", _("A change needs both an upgrade plan and a rollback plan.")
        )

    def before(t: Ticket) -> None:
        t.upgrade_plan, t.rollback_plan = upgrade_plan.strip(), rollback_plan.strip()

    return _transition(
        ticket, by=by, action="submit_plan", method="submit_plan", now=now, before=before
    )


def approve_plan(*, ticket: Ticket, by, note: str = "", now: dt.datetime | None = None) -> Ticket:
    return _transition(
        ticket, by=by, action="approve_plan", method="approve_plan", note=note, now=now
    )


def reject_plan(*, ticket: Ticket, by, note: str, now: dt.datetime | None = None) -> Ticket:
    if not note.strip():
        raise TicketError("note_required", _("Say why the plan is rejected."))
    return _transition(
        ticket, by=by, action="reject_plan", method="reject_plan", note=note, now=now
    )


def _finish_change(action: str):
    def service(*, ticket: Ticket, by, note: str, now: dt.datetime | None = None) -> Ticket:
        if not note.strip():
            raise TicketError("note_required", _("Describe what was done."))

        def after(t: Ticket, at: dt.datetime) -> None:
            clocks.finish(t, at)

        return _transition(
            ticket, by=by, action=action, method=action, note=note, now=now, after=after
        )

    return service


complete_change = _finish_change("complete_change")
roll_back = _finish_change("roll_back")
