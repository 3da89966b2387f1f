"""Levels, extensions, comments, worklogs and attachments (outages: services.outages)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from contracts.models import ServiceClass
from tickets import clocks, notices, quota
from tickets.errors import TicketError
from tickets.models import (
    NOTE_LIMIT,
    Attachment,
    ConsentChannel,
    ConsentKind,
    Event,
    Ticket,
    TicketClock,
    Worklog,
)
from tickets.policy import may_decide_consent
from tickets.services import consent
from tickets.services._common import _locked, _log, _now, _require


def change_level(
    *,
    ticket: Ticket,
    by,
    service_class: ServiceClass,
    note: str,
    now: dt.datetime | None = None,
    automatic: bool = False,
) -> Ticket:
    """Raise or lower the level (升级/降级): running clocks take the new targets."""
    at = _now(now)
    if not automatic:
        _require(by, "change_level", ticket)
    if service_class.contract_id != ticket.contract_id or service_class.kind != ticket.kind:
        raise TicketError("invalid", _("Choose a level of the same contract and kind."))
    if not note.strip():
        raise TicketError("note_required", _("Say why the level changes."))
    if not ticket.is_open:
        raise TicketError("invalid_transition", _("The level of a finished ticket cannot change."))
    with transaction.atomic():
        locked = _locked(ticket)
        previous = locked.service_class
        if previous.pk == service_class.pk:
            return locked
        locked.service_class = service_class
        locked.save(update_fields=["service_class", "updated_at"])
        clocks.apply_service_class(locked, service_class, at)
        _log(
            locked,
            "ticket.level_changed",
            by,
            at,
            note=note,
            data={"from": previous.name, "to": service_class.name, "automatic": automatic},
        )
        notices.level_changed(locked, previous=previous, automatic=automatic)
    ticket.refresh_from_db()
    return ticket


def extend_clock(
    *,
    ticket: Ticket,
    by,
    clock: str,
    minutes: int,
    reason: str,
    consent_by: str = "",
    consent_person=None,
    consent_phone: str = "",
    consent_channel: str = ConsentChannel.PHONE,
    consent_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> TicketClock:
    """Give one clock more time with the hospital's consent (C1: 经用户同意后可适当延长), at
    once: hospital IT agrees itself; the vendor records who at the hospital agreed and how
    (tickets.services.consent.record), which the hospital may dispute."""
    terms = {"kind": ConsentKind.EXTENSION, "clock": clock, "minutes": minutes, "note": reason}
    if may_decide_consent(by, ticket) and not (consent_person or consent_by.strip()):
        consent.ask(ticket=ticket, by=by, now=now, **terms)
    else:
        consent.record(
            ticket=ticket,
            by=by,
            channel=consent_channel,
            consent_at=consent_at,
            person=consent_person,
            name=consent_by,
            phone=consent_phone,
            now=now,
            **terms,
        )
    return ticket.clocks.get(name=clock)


BREACH_REASON_LIMIT = TicketClock._meta.get_field("breach_reason").max_length


def explain_breach(
    *, ticket: Ticket, by, clock: str, reason: str, now: dt.datetime | None = None
) -> TicketClock:
    """Say why the vendor missed a clock's deadline (超时原因), as the reports print it next to
    the breach. Any time after the breach, finished ticket or not; a later reason replaces
    the earlier one, and the timeline keeps both."""
    at = _now(now)
    _require(by, "breach_reason", ticket)
    reason = reason.strip()
    if not reason:
        raise TicketError("note_required", _("Say why the deadline was missed."))
    if len(reason) > BREACH_REASON_LIMIT:
        raise TicketError(
            "too_long",
            _("Keep the reason within %(limit)s characters."),
            limit=BREACH_REASON_LIMIT,
        )
    with transaction.atomic():
        locked = _locked(ticket)
        row = locked.clocks.filter(name=clock, is_active=True).first()
        if row is None or not row.missed_by(at):
            raise TicketError("invalid", _("Only a clock that missed its deadline has a reason."))
        row.breach_reason = reason
        row.save(update_fields=["breach_reason"])
        _log(locked, "clock.breach_explained", by, at, note=reason, data={"clock": clock})
    return row


EDITABLE_FIELDS = ("title", "description", "contact_phone")


def edit_ticket(
    *, ticket: Ticket, by, changes: dict[str, str], now: dt.datetime | None = None
) -> Ticket:
    """Correct what the hospital wrote (title, description, call-back phone) while the ticket
    is open; the timeline keeps what it said before."""
    _require(by, "edit", ticket)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise TicketError(
            "invalid", _("These fields cannot be changed: %(fields)s."), fields=", ".join(unknown)
        )
    if not ticket.is_open:
        raise TicketError("invalid_transition", _("A finished ticket cannot be edited."))
    with transaction.atomic():
        locked = _locked(ticket)
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value.strip())
        try:
            locked.full_clean(exclude=["number", "state"])
        except ValidationError as exc:
            raise TicketError(
                "invalid",
                _("Please correct the ticket: %(errors)s"),
                errors="; ".join(exc.messages),
            ) from exc
        changed = {name: before[name] for name in changes if getattr(locked, name) != before[name]}
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
            _log(locked, "ticket.edited", by, _now(now), data={"before": changed})
    ticket.refresh_from_db()
    return ticket


def add_comment(
    *, ticket: Ticket, by, text: str, internal: bool = False, now: dt.datetime | None = None
) -> Event:
    """A comment the hospital reads, or (internal) a note among the vendor's staff (内部备注).
    People named with @ hear of it, if they may read it (tickets.notices.commented)."""
    _require(by, "internal_note" if internal else "comment", ticket)
    if not text.strip():
        raise TicketError("invalid", _("Write a comment first."))
    if len(text.strip()) > NOTE_LIMIT:
        raise TicketError(
            "invalid",
            _("Keep a comment to %(limit)d characters; attach a longer text as a file.")
            % {"limit": NOTE_LIMIT},
        )
    with transaction.atomic():
        event = _log(
            ticket, "ticket.commented", by, _now(now), note=text.strip(), internal=internal
        )
        notices.commented(ticket, event)
    return event


def log_work(
    *,
    ticket: Ticket,
    by,
    work_date: dt.date,
    minutes: int,
    mode: str,
    description: str,
    counts_against_quota: bool = False,
    now: dt.datetime | None = None,
) -> Worklog:
    _require(by, "log_work", ticket)
    # Work on a ticket of an adaptive-maintenance row (C5) always counts against the quota.
    counts_against_quota = counts_against_quota or ticket.service_class.counts_against_quota
    worklog = Worklog(
        ticket=ticket,
        engineer=by,
        work_date=work_date,
        minutes=minutes,
        mode=mode,
        counts_against_quota=counts_against_quota,
        description=description.strip(),
    )
    try:
        worklog.full_clean()
    except ValidationError as exc:
        raise TicketError(
            "invalid", _("Please correct the worklog: %(errors)s"), errors="; ".join(exc.messages)
        ) from exc
    with transaction.atomic():
        worklog.save()
        _log(
            ticket,
            "ticket.work_logged",
            by,
            _now(now),
            note=worklog.description,
            data={
                "worklog": worklog.pk,
                "minutes": minutes,
                "mode": mode,
                "counts_against_quota": counts_against_quota,
            },
        )
        if counts_against_quota:
            quota.warn_if_crossed(ticket.contract, work_date, now=_now(now))
    return worklog


ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
# Said by the server, and by the browser before it uploads (static/js/opsdesk.js reads it
# from the file input's data-too-large).
ATTACHMENT_TOO_LARGE = _("Attachments are limited to 20 MB; %(name)s is larger.")
ATTACHMENT_EXTENSIONS = frozenset(
    {
        "png",
        "jpg",
        "jpeg",
        "gif",
        "bmp",
        "webp",
        "pdf",
        "txt",
        "log",
        "csv",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "zip",
        "rar",
        "7z",
    }
)


def check_upload(upload) -> str:
    """The file's own name (no client path) if it may be attached; TicketError if not.
    Forms call it before anything is saved, so one bad file never leaves half a ticket."""
    name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_EXTENSIONS:
        raise TicketError(
            "file_type", _("Files of this type cannot be attached: %(name)s."), name=name
        )
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise TicketError("file_too_large", ATTACHMENT_TOO_LARGE, name=name)
    return name


def attach_file(
    *, ticket: Ticket, by, upload, internal: bool = False, now: dt.datetime | None = None
) -> Attachment:
    """Attach a screenshot, log or document; the file is kept outside the static files and
    only ever served as a download through a permission check. An internal file is the
    vendor's staff's only, like an internal note."""
    _require(by, "internal_note" if internal else "comment", ticket)
    name = check_upload(upload)
    with transaction.atomic():
        attachment = Attachment.objects.create(
            ticket=ticket,
            file=upload,
            original_name=name[:255],
            content_type=getattr(upload, "content_type", "") or "",
            size=upload.size,
            uploaded_by=by,
            internal=internal,
        )
        _log(
            ticket,
            "ticket.file_attached",
            by,
            _now(now),
            data={"attachment": attachment.pk, "name": attachment.original_name},
            internal=internal,
        )
    return attachment
