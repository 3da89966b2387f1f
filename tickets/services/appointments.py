"""On-site appointments (C3 levels 3–4: "on site within the time agreed with the hospital").

The vendor proposes when its engineer will be on site; the hospital — the person who
reported the fault, or its IT department — confirms it on the ticket page or through the
API. Where the hospital agreed by phone, the vendor records who agreed, how and when; the
hospital is told at once, with the ticket's link. Once confirmed, the arrive clock falls due
at the appointment (tickets.clocks.agree_arrival).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tickets import clocks, notices
from tickets.errors import TicketError
from tickets.models import RECORDED_AGREEMENT_CHANNELS, AgreementChannel, Appointment, Side, Ticket
from tickets.policy import APPLIES
from tickets.services._common import _locked, _log, _now, _require


def current_appointment(ticket: Ticket) -> Appointment | None:
    return ticket.appointments.filter(superseded_at__isnull=True).first()


def _open_for_appointment(ticket: Ticket) -> None:
    if not ticket.service_class.arrival_by_appointment:
        raise TicketError(
            "invalid",
            _("The contract sets no agreed on-site time for “%(level)s”."),
            level=ticket.service_class.name,
        )
    if not APPLIES["propose_appointment"](ticket):
        raise TicketError(
            "invalid_transition",
            _("A ticket that is “%(state)s” cannot be %(action)s."),
            state=ticket.get_state_display(),
            action=_("given an on-site appointment"),
        )


def _facts(appointment: Appointment) -> dict:
    facts = {"appointment": appointment.pk, "at": appointment.at.isoformat()}
    if appointment.agreed_at:
        facts["agreed_at"] = appointment.agreed_at.isoformat()
        facts["channel"] = appointment.agreed_channel
        if appointment.agreed_name:
            facts["agreed_name"] = appointment.agreed_name
    return facts


def propose_appointment(
    *, ticket: Ticket, by, at: dt.datetime, note: str = "", now: dt.datetime | None = None
) -> Appointment:
    when = _now(now)
    if at <= when:
        raise TicketError("invalid", _("Propose a time still to come."), field="at")
    with transaction.atomic():
        locked = _locked(ticket)
        _require(by, "propose_appointment", locked)
        _open_for_appointment(locked)
        locked.appointments.filter(superseded_at__isnull=True).update(superseded_at=when)
        appointment = Appointment.objects.create(
            ticket=locked,
            at=at,
            proposed_by=by,
            proposed_side=Side.VENDOR,
            proposed_at=when,
        )
        _log(
            locked,
            "ticket.appointment_proposed",
            by,
            when,
            note=note.strip(),
            data=_facts(appointment),
        )
        notices.agreement_requested(locked, by=by, ask_hospital=True, what=appointment)
    return appointment


def _pending(ticket: Ticket) -> Appointment:
    appointment = current_appointment(ticket)
    if appointment is None or appointment.is_agreed:
        raise TicketError(
            "invalid_transition", _("No proposed on-site time is waiting for confirmation.")
        )
    return appointment


def confirm_appointment(
    *, ticket: Ticket, by, note: str = "", now: dt.datetime | None = None
) -> Appointment:
    """The hospital confirms the proposed time itself."""
    when = _now(now)
    with transaction.atomic():
        locked = _locked(ticket)
        _require(by, "confirm_appointment", locked)
        _open_for_appointment(locked)
        appointment = _pending(locked)
        appointment.agreed_by, appointment.agreed_at = by, when
        appointment.agreed_channel = AgreementChannel.PORTAL
        appointment.save(update_fields=["agreed_by", "agreed_at", "agreed_channel"])
        clocks.agree_arrival(locked, appointment.at, when)
        _log(
            locked,
            "ticket.appointment_confirmed",
            by,
            when,
            note=note.strip(),
            data=_facts(appointment),
        )
    return appointment


def record_appointment_confirmation(
    *,
    ticket: Ticket,
    by,
    confirmed_by: str,
    channel: str,
    confirmed_at: dt.datetime,
    now: dt.datetime | None = None,
) -> Appointment:
    """The vendor records a confirmation the hospital gave by phone (WeCom, e-mail, in
    person): the hospital's person named, the channel and the time. The hospital is told."""
    when = _now(now)
    if not confirmed_by.strip():
        raise TicketError(
            "invalid", _("Name the person at the hospital who confirmed."), field="confirmed_by"
        )
    if channel not in dict(RECORDED_AGREEMENT_CHANNELS):
        raise TicketError("invalid", _("Choose how the hospital confirmed."), field="channel")
    if confirmed_at > when:
        raise TicketError(
            "invalid", _("The confirmation cannot be in the future."), field="confirmed_at"
        )
    with transaction.atomic():
        locked = _locked(ticket)
        _require(by, "record_appointment", locked)
        _open_for_appointment(locked)
        appointment = _pending(locked)
        if confirmed_at < appointment.proposed_at:
            raise TicketError(
                "invalid",
                _("The hospital cannot have confirmed a time before it was proposed."),
                field="confirmed_at",
            )
        appointment.agreed_by, appointment.agreed_at = by, confirmed_at
        appointment.agreed_name = confirmed_by.strip()
        appointment.agreed_channel = channel
        appointment.save(update_fields=["agreed_by", "agreed_at", "agreed_name", "agreed_channel"])
        clocks.agree_arrival(locked, appointment.at, when)
        _log(locked, "ticket.appointment_recorded", by, when, data=_facts(appointment))
        notices.appointment_recorded(locked, by=by, appointment=appointment)
    return appointment
