"""The hospital's consent to a hold, an extension or a restart (tickets.models.consent).

The vendor asks; the ticket's reporter or hospital IT grants or refuses; the clocks pause (or
extend) from the moment of consent, never before. A consent the hospital gave outside OpsDesk
(by phone, on site, in the WeCom group) is recorded by the vendor with the named person, the
channel and the time; the hospital is told at once and may dispute it within the contract's
window (Contract.consent_dispute_hours), which undoes the pause or the extension.

The ticket's state does not change while a hold is only asked for: the clocks run and the page
shows "hold requested". The hold transition happens when the hospital agrees.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, can_proceed

from tickets import clocks, notices, notices_consent
from tickets.errors import TicketConflict, TicketError
from tickets.models import (
    NOTE_LIMIT,
    RECORDED_CHANNELS,
    ConsentChannel,
    ConsentKind,
    ConsentRequest,
    ConsentState,
    Event,
    Extension,
    Pause,
    PauseReason,
    State,
    Ticket,
)
from tickets.models.consent import REFUSAL_LIMIT
from tickets.policy import is_hospital_person, may_decide_consent
from tickets.services._common import _locked, _log, _now, _require

# Who may ask for what (tickets.policy): hospital IT may hold or extend, and then agrees itself.
ASKING = {
    ConsentKind.HOLD: "hold",
    ConsentKind.EXTENSION: "extend",
    ConsentKind.RESTART: "restart",
}
HOLD_REASONS = tuple(r for r in PauseReason.values if r != PauseReason.AWAITING_CONFIRMATION)


# --- asking ----------------------------------------------------------------------------------


def ask(
    *,
    ticket: Ticket,
    by,
    kind: str,
    reason: str = "",
    clock: str = "",
    minutes: int | None = None,
    note: str = "",
    channel: str = ConsentChannel.PORTAL,
    now: dt.datetime | None = None,
) -> ConsentRequest:
    """Ask the hospital's consent. A person of the hospital who may give it (hospital IT, the
    reporter) asking for it gives it at once: the hospital is the party it binds."""
    at = _now(now)
    note = note.strip()
    _check_terms(ticket, kind=kind, reason=reason, clock=clock, minutes=minutes, note=note)
    _require(by, ASKING[kind], ticket)
    deciding = may_decide_consent(by, ticket)
    try:
        with transaction.atomic():
            locked = _locked(ticket)
            _check_now_possible(locked, kind=kind, clock=clock, minutes=minutes, at=at)
            if locked.consents.filter(kind=kind, state=ConsentState.PENDING).exists():
                raise TicketError(
                    "consent_pending",
                    _("The hospital has not yet answered the same request; wait or withdraw it."),
                )
            consent = ConsentRequest.objects.create(
                ticket=locked,
                kind=kind,
                reason=reason if kind == ConsentKind.HOLD else "",
                clock=clock if kind == ConsentKind.EXTENSION else "",
                minutes=minutes if kind == ConsentKind.EXTENSION else None,
                note=note,
                requested_by=by,
                requested_at=at,
            )
            _log(locked, "consent.requested", by, at, note=note, data=_facts(consent))
            if deciding:
                _grant(locked, consent, by=by, channel=channel, at=at, consent_at=at)
            else:
                notices_consent.requested(consent)
    except ConcurrentTransition as exc:
        raise _conflict() from exc
    consent.refresh_from_db()
    return consent


def withdraw(
    *, consent: ConsentRequest, by, note: str = "", now: dt.datetime | None = None
) -> ConsentRequest:
    """The vendor no longer needs what it asked for (the part arrived, the fix worked)."""
    at = _now(now)
    _require(by, "withdraw_consent", consent.ticket)
    with transaction.atomic():
        locked = _locked(consent.ticket)
        consent = _pending(locked, consent.pk)
        consent.state = ConsentState.WITHDRAWN
        consent.save(update_fields=["state"])
        _log(locked, "consent.withdrawn", by, at, note=note.strip(), data=_facts(consent))
    return consent


# --- the hospital decides --------------------------------------------------------------------


def grant(
    *,
    consent: ConsentRequest,
    by,
    channel: str = ConsentChannel.PORTAL,
    now: dt.datetime | None = None,
) -> ConsentRequest:
    """The hospital agrees: the hold or the extension takes effect now."""
    at = _now(now)
    _require_decider(by, consent.ticket)
    try:
        with transaction.atomic():
            locked = _locked(consent.ticket)
            consent = _pending(locked, consent.pk)
            _check_now_possible(
                locked, kind=consent.kind, clock=consent.clock, minutes=consent.minutes, at=at
            )
            _grant(locked, consent, by=by, channel=channel, at=at, consent_at=at)
    except ConcurrentTransition as exc:
        raise _conflict() from exc
    consent.refresh_from_db()
    return consent


def refuse(
    *,
    consent: ConsentRequest,
    by,
    reason: str,
    channel: str = ConsentChannel.PORTAL,
    now: dt.datetime | None = None,
) -> ConsentRequest:
    """The hospital does not agree: the ticket goes on being worked, its clocks running."""
    at = _now(now)
    _require_decider(by, consent.ticket)
    reason = reason.strip()
    if not reason:
        raise TicketError(
            "note_required", _("Say why the hospital does not agree."), field="reason"
        )
    if len(reason) > REFUSAL_LIMIT:
        raise TicketError(
            "too_long", _("Keep the reason within %(limit)s characters."), limit=REFUSAL_LIMIT
        )
    with transaction.atomic():
        locked = _locked(consent.ticket)
        consent = _pending(locked, consent.pk)
        consent.state = ConsentState.REFUSED
        consent.decided_by, consent.decided_at, consent.channel = by, at, channel
        consent.refusal_reason = reason
        consent.save(
            update_fields=["state", "decided_by", "decided_at", "channel", "refusal_reason"]
        )
        _log(locked, "consent.refused", by, at, note=reason, data=_facts(consent))
        notices_consent.decided(consent)
    return consent


# --- the vendor records a consent given outside OpsDesk --------------------------------------


def record(
    *,
    ticket: Ticket,
    by,
    kind: str,
    channel: str,
    consent_at: dt.datetime | None = None,
    person=None,
    name: str = "",
    phone: str = "",
    reason: str = "",
    clock: str = "",
    minutes: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ConsentRequest:
    """Record that a named person of the hospital agreed by phone, on site or in the WeCom
    group, at `consent_at` (now if not given). If the vendor had asked already, the pending
    request is the one agreed to. The hospital is told at once and may dispute it."""
    at = _now(now)
    consent_at = consent_at or at
    note = note.strip()
    _require(by, "record_consent", ticket)
    if channel not in RECORDED_CHANNELS:
        raise TicketError("invalid", _("Say how the hospital agreed."), field="consent_channel")
    _check_terms(ticket, kind=kind, reason=reason, clock=clock, minutes=minutes, note=note)
    person, name, phone = _named_person(ticket, person=person, name=name, phone=phone)
    if consent_at > at:
        raise TicketError(
            "consent_in_future",
            _("The hospital's consent cannot be recorded for a time still to come."),
            field="consent_at",
        )
    try:
        with transaction.atomic():
            locked = _locked(ticket)
            consent = locked.consents.filter(kind=kind, state=ConsentState.PENDING).first()
            asked_at = consent.requested_at if consent else _working_since(locked)
            if consent_at < asked_at:
                raise TicketError(
                    "consent_before_request",
                    _(
                        "The consent cannot be earlier than the question it answers "
                        "(%(asked)s): the clocks pause from the moment of consent, never before."
                    ),
                    field="consent_at",
                    asked=f"{timezone.localtime(asked_at):%Y-%m-%d %H:%M}",
                )
            _check_now_possible(locked, kind=kind, clock=clock, minutes=minutes, at=consent_at)
            if consent is not None:
                # What the person agreed to is what the vendor records now.
                consent.reason = reason if kind == ConsentKind.HOLD else ""
                consent.clock = clock if kind == ConsentKind.EXTENSION else ""
                consent.minutes = minutes if kind == ConsentKind.EXTENSION else None
                consent.note = note or consent.note
            else:
                consent = ConsentRequest.objects.create(
                    ticket=locked,
                    kind=kind,
                    reason=reason if kind == ConsentKind.HOLD else "",
                    clock=clock if kind == ConsentKind.EXTENSION else "",
                    minutes=minutes if kind == ConsentKind.EXTENSION else None,
                    note=note,
                    requested_by=by,
                    requested_at=consent_at,
                )
            consent.decided_by_name, consent.decided_by_phone = name, phone
            consent.recorded_by, consent.recorded_at = by, at
            _grant(
                locked,
                consent,
                by=by,
                channel=channel,
                at=at,
                consent_at=consent_at,
                person=person,
            )
            notices_consent.recorded(consent)
    except ConcurrentTransition as exc:
        raise _conflict() from exc
    consent.refresh_from_db()
    return consent


def dispute(
    *, consent: ConsentRequest, by, reason: str, now: dt.datetime | None = None
) -> ConsentRequest:
    """The hospital says it did not agree to what the vendor recorded: within the contract's
    window, the pause is removed or the extension taken back, and the clocks count again as
    if there had been none."""
    at = _now(now)
    ticket = consent.ticket
    if not may_decide_consent(by, ticket):
        raise TicketError(
            "forbidden",
            _("Only the ticket's reporter or the hospital's IT may dispute a consent."),
        )
    reason = reason.strip()
    if not reason:
        raise TicketError(
            "note_required", _("Say what the hospital did not agree to."), field="reason"
        )
    try:
        with transaction.atomic():
            locked = _locked(ticket)
            consent = ConsentRequest.objects.select_for_update().get(pk=consent.pk, ticket=locked)
            until = consent.dispute_until(locked.contract.consent_dispute_hours)
            if until is None:
                raise TicketError(
                    "not_disputable",
                    _("Only a consent the vendor recorded in the hospital's name can be disputed."),
                )
            if not consent.disputable_at(at):
                raise TicketError(
                    "dispute_window_passed",
                    _("The contract allows disputing a recorded consent for %(hours)s hours."),
                    hours=locked.contract.consent_dispute_hours,
                )
            consent.state = ConsentState.DISPUTED
            consent.disputed_by, consent.disputed_at, consent.dispute_reason = by, at, reason
            consent.save(update_fields=["state", "disputed_by", "disputed_at", "dispute_reason"])
            _undo(locked, consent, by=by, at=at)
            _log(locked, "consent.disputed", by, at, note=reason, data=_facts(consent))
            notices_consent.disputed(consent)
    except ConcurrentTransition as exc:
        raise _conflict() from exc
    consent.refresh_from_db()
    return consent


# --- the effect of a consent, and its undoing ------------------------------------------------


def _grant(
    locked: Ticket,
    consent: ConsentRequest,
    *,
    by,
    channel: str,
    at: dt.datetime,
    consent_at: dt.datetime,
    person=None,
) -> None:
    """Mark the consent given by `person` (default `by`) at `consent_at`, and apply it."""
    deciding = person if person is not None else (None if consent.recorded_by_id else by)
    consent.state = ConsentState.GRANTED
    consent.decided_by = deciding
    consent.decided_at, consent.channel = consent_at, channel
    agreed_by = str(deciding) if deciding is not None else consent.decided_by_name
    # The timeline says who agreed before what the consent brought about.
    action = "consent.recorded" if consent.recorded_by_id else "consent.granted"
    _log(locked, action, by, at, data=_facts(consent))
    if consent.kind == ConsentKind.HOLD:
        consent.pause = _hold(locked, consent, by=by, at=at, since=consent_at, agreed_by=agreed_by)
    elif consent.kind == ConsentKind.EXTENSION:
        consent.extension = _extend(locked, consent, by=by, at=at, agreed_by=agreed_by)
    consent.save()
    if not consent.recorded_by_id and consent.requested_by_id != by.pk:
        notices_consent.decided(consent)


def _hold(
    locked: Ticket, consent: ConsentRequest, *, by, at: dt.datetime, since: dt.datetime, agreed_by
) -> Pause:
    from_state = locked.state
    locked.hold()
    locked.save()
    pause = Pause.objects.create(
        ticket=locked,
        reason=consent.reason,
        note=consent.note,
        started_at=since,
        consent_by=agreed_by[:100],
        consent_at=since,
        recorded_by=by,
    )
    clocks.reschedule(locked, at)
    _log(
        locked,
        "ticket.hold",
        by,
        at,
        note=consent.note,
        from_state=from_state,
        data={"reason": consent.reason, "consent": consent.pk, "consent_by": agreed_by},
    )
    notices.state_changed(locked, by=by, from_state=from_state)
    return pause


def _extend(
    locked: Ticket, consent: ConsentRequest, *, by, at: dt.datetime, agreed_by
) -> Extension:
    row = locked.clocks.get(name=consent.clock, is_active=True, met_at__isnull=True)
    extension = Extension.objects.create(
        clock=row,
        minutes=consent.minutes,
        reason=consent.note,
        consent_by=agreed_by[:100],
        consent_at=consent.decided_at,
        recorded_by=by,
    )
    row.extension_minutes += consent.minutes
    row.save(update_fields=["extension_minutes"])
    clocks.reschedule(locked, at)
    _log(
        locked,
        "clock.extended",
        by,
        at,
        note=consent.note,
        data={
            "clock": consent.clock,
            "minutes": consent.minutes,
            "consent": consent.pk,
            "consent_by": agreed_by,
        },
    )
    return extension


def _undo(locked: Ticket, consent: ConsentRequest, *, by, at: dt.datetime) -> None:
    if consent.pause_id:
        pause = consent.pause
        if pause.ended_at is None and locked.state == State.ON_HOLD:
            # The ticket waits on a hold the hospital never agreed to: it is worked again.
            from_state = locked.state
            locked.resume()
            locked.save()
            _log(
                locked,
                "ticket.resume",
                by,
                at,
                from_state=from_state,
                data={"consent": consent.pk, "disputed": True},
            )
            notices.state_changed(locked, by=by, from_state=from_state)
        pause.delete()
    if consent.extension_id:
        extension = consent.extension
        row = extension.clock
        row.extension_minutes = max(0, row.extension_minutes - extension.minutes)
        row.save(update_fields=["extension_minutes"])
        extension.delete()
    clocks.reschedule(locked, at, recount_met=True)


# --- checks ----------------------------------------------------------------------------------


def _check_terms(
    ticket: Ticket, *, kind: str, reason: str, clock: str, minutes: int | None, note: str
) -> None:
    if kind not in ConsentKind.values:
        raise TicketError("invalid", _("Choose what the hospital is asked to agree to."))
    if len(note) > NOTE_LIMIT:
        raise TicketError(
            "too_long", _("Keep the note within %(limit)s characters."), limit=NOTE_LIMIT
        )
    if kind == ConsentKind.HOLD and reason not in HOLD_REASONS:
        raise TicketError("invalid", _("Choose why the ticket waits."), field="reason")
    if kind == ConsentKind.EXTENSION:
        if not minutes or minutes <= 0:
            raise TicketError(
                "invalid", _("An extension is a positive number of minutes."), field="minutes"
            )
        if not note:
            raise TicketError("note_required", _("Say why more time is needed."), field="reason")
    if kind == ConsentKind.RESTART and not note:
        raise TicketError(
            "note_required", _("Say what is to be restarted or redeployed, and when."), field="note"
        )


def _check_now_possible(
    locked: Ticket, *, kind: str, clock: str, minutes: int | None, at: dt.datetime
) -> None:
    """What the consent would change can still change: a hold of a ticket being worked, more
    time on a clock still running and not yet past its deadline."""
    if kind == ConsentKind.HOLD and not can_proceed(locked.hold):
        raise TicketError(
            "invalid_transition",
            _("A ticket that is “%(state)s” cannot be put on hold."),
            state=locked.get_state_display(),
        )
    if kind == ConsentKind.RESTART and not locked.is_open:
        raise TicketError("invalid_transition", _("The ticket is finished."))
    if kind != ConsentKind.EXTENSION:
        return
    row = locked.clocks.filter(name=clock, is_active=True, met_at__isnull=True).first()
    if row is None or row.started_at is None:
        raise TicketError("invalid", _("Only a running clock can be extended."), field="clock")
    target = locked.service_class.clock_target(clock)
    if target is None or not target.extendable_with_consent:
        raise TicketError("not_extendable", _("The contract does not allow extending this clock."))
    limit = target.max_extension_minutes()
    if limit is not None and row.extension_minutes + minutes > limit:
        raise TicketError(
            "extension_too_long",
            _("The contract allows at most %(limit)s more minutes on this clock."),
            limit=limit,
        )
    if row.due_at is not None and at > row.due_at:
        # More time is agreed before the deadline; afterwards it would erase a breach.
        raise TicketError(
            "deadline_passed",
            _("This clock's deadline has passed: an extension must be agreed before it."),
        )


def _named_person(ticket: Ticket, *, person, name: str, phone: str) -> tuple:
    """The hospital's person who agreed: an account of the ticket's hospital, or a name and a
    phone for someone without one."""
    name, phone = name.strip(), phone.strip()
    if person is not None:
        if not is_hospital_person(person, ticket.contract):
            raise TicketError(
                "invalid",
                _("%(person)s is not one of the hospital's people."),
                field="consent_person",
                person=str(person),
            )
        return person, "", ""
    if name:
        # A typed name that is one of the hospital's people is that person.
        match = [
            user
            for user in get_user_model().objects.filter(full_name=name, is_active=True)
            if is_hospital_person(user, ticket.contract)
        ]
        if len(match) == 1:
            return match[0], "", ""
        if phone:
            from opsdesk.validators import validate_phone

            try:
                validate_phone(phone)
            except Exception as exc:
                raise TicketError(
                    "invalid",
                    _("Give the phone number of the person who agreed, e.g. 13800000000."),
                    field="consent_phone",
                ) from exc
            return None, name[:100], phone
    raise TicketError(
        "consent_required",
        _(
            "Clocks stop or extend only with the hospital's consent: choose who at the "
            "hospital agreed, or give their name and phone."
        ),
        field="consent_person",
    )


def _working_since(locked: Ticket) -> dt.datetime:
    """When the ticket entered its present state: a consent recorded without a request is
    no earlier (the hospital agreed to hold work that was going on)."""
    last = (
        Event.objects.filter(ticket=locked)
        .exclude(to_state="")
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    return last or locked.created_at


def _pending(locked: Ticket, pk: int) -> ConsentRequest:
    consent = ConsentRequest.objects.select_for_update().get(pk=pk, ticket=locked)
    if not consent.is_pending:
        raise TicketError(
            "consent_decided",
            _("This request was answered already (%(state)s). Reload the ticket."),
            state=consent.get_state_display(),
        )
    return consent


def _require_decider(by, ticket: Ticket) -> None:
    if not may_decide_consent(by, ticket):
        raise TicketError(
            "forbidden",
            _("Only the ticket's reporter or the hospital's IT may answer for the hospital."),
        )


def _conflict() -> TicketConflict:
    return TicketConflict(
        "conflict", _("Someone else changed this ticket a moment ago. Reload it and try again.")
    )


def _facts(consent: ConsentRequest) -> dict:
    """What the timeline line needs to say who agreed, how and when, long after."""
    return {
        "consent": consent.pk,
        "kind": consent.kind,
        "reason": consent.reason,
        "clock": consent.clock,
        "minutes": consent.minutes,
        "state": consent.state,
        "agreed_by": consent.agreed_by,
        "channel": consent.channel,
        "decided_at": consent.decided_at.isoformat() if consent.decided_at else None,
    }
