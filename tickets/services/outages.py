"""Outage spans of a fault: opened when a level-1 fault is filed, corrected by either party
with a reason, closed at recovery (C5: 年停机时间不超过 8 小时).

A span is a claim that the service was down (or, `partial`, degraded) from one moment to
another; the availability figure and the reports add them up (tickets.availability). So each
change of one is a timeline line with what it said before and who changed it, which both
the vendor and the hospital read, and an audit entry.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import TicketKind
from tickets.errors import TicketError
from tickets.models import NOTE_LIMIT, Event, Outage, Ticket
from tickets.services._common import _locked, _log, _now, _require

NOTE_MAX = Outage._meta.get_field("note").max_length


def opens_outage_when_filed(ticket: Ticket) -> bool:
    """A level-1 fault of a contract with an availability target opens an outage at its
    report time. Only there: a span is a claim that the service was down, and the level
    alone proves it only where the contract defines level 1 as "down" and measures
    downtime (C5's 平台宕机). Elsewhere (C2's level 1 "affects the business") an engineer or
    hospital IT records the span when the service really was down."""
    return (
        ticket.kind == TicketKind.FAULT
        and ticket.service_class.level == 1
        and ticket.contract.allowed_downtime_hours is not None
    )


def open_when_filed(ticket: Ticket) -> Event | None:
    """Called by filing, in its transaction: the span starts when the hospital reported the
    fault (created_at), not when it was typed in. Returns its timeline line."""
    if not opens_outage_when_filed(ticket):
        return None
    outage = Outage.objects.create(ticket=ticket, started_at=ticket.created_at, recorded_by=None)
    return _log(
        ticket,
        "ticket.outage_opened",
        None,
        ticket.entered_at,
        data={"outage": outage.pk, **_span(outage)},
    )
    return outage


def _span(outage: Outage) -> dict:
    return {
        "started_at": outage.started_at.isoformat(),
        "ended_at": outage.ended_at.isoformat() if outage.ended_at else None,
        "partial": outage.partial,
        "note": outage.note,
    }


def _check_span(
    ticket: Ticket, started_at: dt.datetime, ended_at: dt.datetime | None, at: dt.datetime
) -> None:
    for moment, field in ((started_at, "started_at"), (ended_at, "ended_at")):
        if moment is not None and timezone.is_naive(moment):
            raise TicketError("invalid", _("Give the time with its time zone."), field=field)
        if moment is not None and moment > at:
            raise TicketError(
                "invalid", _("An outage cannot start or end in the future."), field=field
            )
    if ended_at is not None and ended_at <= started_at:
        raise TicketError(
            "invalid", _("The service must come back after it went down."), field="ended_at"
        )


def _check_note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise TicketError(
            "invalid",
            _("Keep what was affected within %(limit)s characters."),
            field="note",
            limit=NOTE_MAX,
        )
    return note


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise TicketError("note_required", _("Say why the outage is corrected."), field="reason")
    if len(reason) > NOTE_LIMIT:
        raise TicketError(
            "invalid", _("Keep the reason within %(limit)s characters."), limit=NOTE_LIMIT
        )
    return reason


def record_outage(
    *,
    ticket: Ticket,
    by,
    started_at: dt.datetime,
    ended_at: dt.datetime | None = None,
    partial: bool = False,
    note: str = "",
    now: dt.datetime | None = None,
) -> Outage:
    """Record a span the service was down (level-1 faults) or degraded (`partial`, any
    fault), and when it came back if it has."""
    at = _now(now)
    _require(by, "record_outage", ticket)
    if ticket.kind != TicketKind.FAULT:
        raise TicketError("invalid", _("Outages are recorded on faults."))
    if not partial and ticket.service_class.level != 1:
        raise TicketError(
            "invalid",
            _(
                "A full outage is recorded on a level-1 fault; record a partial outage "
                "(degraded service), or raise the level first."
            ),
            field="partial",
        )
    _check_span(ticket, started_at, ended_at, at)
    note = _check_note(note)
    with transaction.atomic():
        locked = _locked(ticket)
        outage = Outage.objects.create(
            ticket=locked,
            started_at=started_at,
            ended_at=ended_at,
            partial=partial,
            note=note,
            recorded_by=by,
        )
        _log(locked, "ticket.outage_recorded", by, at, data={"outage": outage.pk, **_span(outage)})
    return outage


def outage_of(ticket: Ticket, outage_id: int) -> Outage:
    """One of the ticket's spans; another ticket's is no different from none."""
    outage = Outage.objects.filter(ticket=ticket, pk=outage_id).first()
    if outage is None:
        raise TicketError("invalid", _("This ticket has no such outage."), field="outage")
    return outage


def correct_outage(
    *,
    ticket: Ticket,
    by,
    outage: int,
    started_at: dt.datetime,
    ended_at: dt.datetime | None,
    partial: bool,
    reason: str,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Outage:
    """Correct a span's start, end or kind, saying why: the timeline keeps what it said."""
    at = _now(now)
    _require(by, "record_outage", ticket)
    reason = _check_reason(reason)
    _check_span(ticket, started_at, ended_at, at)
    with transaction.atomic():
        locked = _locked(ticket)
        row = outage_of(locked, outage)
        if not partial and row.partial and locked.service_class.level != 1:
            raise TicketError(
                "invalid",
                _("A full outage is recorded on a level-1 fault."),
                field="partial",
            )
        before = _span(row)
        row.started_at, row.ended_at, row.partial = started_at, ended_at, partial
        if note is not None:
            row.note = _check_note(note)
        after = _span(row)
        if after == before:
            return row
        row.save(update_fields=["started_at", "ended_at", "partial", "note"])
        _log(
            locked,
            "ticket.outage_corrected",
            by,
            at,
            note=reason,
            data={"outage": row.pk, "before": before, **after},
        )
    return row


def close_outage(
    *,
    ticket: Ticket,
    by,
    outage: int,
    ended_at: dt.datetime,
    note: str = "",
    now: dt.datetime | None = None,
) -> Outage:
    """The service is back: close an open span at `ended_at`."""
    at = _now(now)
    _require(by, "record_outage", ticket)
    with transaction.atomic():
        locked = _locked(ticket)
        row = outage_of(locked, outage)
        if row.ended_at is not None:
            raise TicketError(
                "invalid_transition",
                _("This outage is closed already; correct it to change its end."),
            )
        _check_span(locked, row.started_at, ended_at, at)
        _close(locked, row, by, ended_at, at, note=note)
    return row


def _close(
    ticket: Ticket, row: Outage, by, ended_at: dt.datetime, at: dt.datetime, note: str = ""
) -> None:
    row.ended_at = ended_at
    row.save(update_fields=["ended_at"])
    _log(ticket, "ticket.outage_closed", by, at, note=note, data={"outage": row.pk, **_span(row)})


def withdraw_outage(
    *, ticket: Ticket, by, outage: int, reason: str, now: dt.datetime | None = None
) -> None:
    """Remove a span that was no outage (a level-1 report whose service never went down):
    the timeline and the audit trail keep what it said and why it went."""
    at = _now(now)
    _require(by, "record_outage", ticket)
    reason = _check_reason(reason)
    with transaction.atomic():
        locked = _locked(ticket)
        row = outage_of(locked, outage)
        span = _span(row)
        row.delete()
        _log(
            locked,
            "ticket.outage_withdrawn",
            by,
            at,
            note=reason,
            data={"outage": outage, **span},
        )


def close_at_recovery(
    ticket: Ticket,
    *,
    by,
    at: dt.datetime,
    ended_at: dt.datetime | None = None,
    keep_open: bool = False,
) -> list[Outage]:
    """At resolve: the ticket's open spans end when the service came back (`ended_at`, by
    default the resolve time), each with its own timeline line; or stay open (`keep_open`:
    the fix is a workaround and the service is still degraded or down)."""
    if keep_open:
        return []
    back = ended_at or at
    closed = []
    for row in Outage.objects.filter(ticket=ticket, ended_at__isnull=True).order_by("started_at"):
        if back <= row.started_at or back > at:
            raise TicketError(
                "invalid",
                _(
                    "The service must come back after the outage began (%(start)s) and "
                    "not after now."
                ),
                field="outage_ended_at",
                start=f"{timezone.localtime(row.started_at):%Y-%m-%d %H:%M}",
            )
        _close(ticket, row, by, back, at)
        closed.append(row)
    return closed
