"""The dispatcher's triage list: a mail the poller could not file is filed by hand, added to
a ticket as a comment, or dismissed with a reason. Each action is kept on the entry and in
the audit trail; an entry is handled once (the row is locked and must still be open)."""

from __future__ import annotations

import datetime as dt
import email.utils

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.record import record
from contracts.models import Contract, CoveredSystem, ServiceClass
from intake.errors import IntakeConflict, IntakeError
from intake.mail import attach_mail_files, report_time
from intake.mail_parse import UnreadableMail, parse_mail
from intake.models import TriageEntry, TriageState
from intake.policy import may_triage
from tickets import services
from tickets.models import Channel, Ticket


def _open_entry(entry: TriageEntry, by) -> TriageEntry:
    """The entry, locked, if the person may work it and it is still waiting."""
    if not may_triage(by, entry.mailbox):
        raise IntakeError("forbidden", gettext_lazy("You may not work this triage list."))
    locked = (
        TriageEntry.objects.select_for_update()
        .select_related("mailbox", "message")
        .get(pk=entry.pk)
    )
    if locked.state != TriageState.OPEN:
        raise IntakeConflict(
            "conflict",
            gettext_lazy("This mail was already handled: %(state)s."),
            state=locked.get_state_display(),
        )
    return locked


def _close(entry: TriageEntry, *, by, state: str, ticket=None, note: str, now) -> None:
    entry.state = state
    entry.ticket = ticket
    entry.resolved_by = by
    entry.resolved_at = now
    entry.resolution_note = note
    entry.save()
    record(
        f"intake.triage.{state}",
        actor=by,
        obj=entry,
        contract=ticket.contract_id if ticket else entry.contract_id,
        data={
            "sender": entry.sender,
            "subject": entry.subject,
            "reason": entry.reason,
            **({"ticket": ticket.number} if ticket else {}),
            **({"note": note} if note else {}),
        },
    )


def _same_vendor(entry: TriageEntry, contract: Contract) -> None:
    if contract.vendor_id != entry.mailbox.vendor_id_served:
        raise IntakeError(
            "invalid", gettext_lazy("Choose a contract of the vendor this mailbox serves.")
        )


def file_from_triage(
    *,
    entry: TriageEntry,
    by,
    contract: Contract,
    system: CoveredSystem,
    service_class: ServiceClass,
    caller,
    title: str = "",
    description: str = "",
    contact_phone: str = "",
    backdate_reason: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """File the mail as a ticket for the hospital's caller, typed in by the dispatcher: the
    clocks count from when the mail arrived (a reason is needed past 30 minutes; past the
    contract's limit it is filed at now, with a note saying when it arrived)."""
    at = now or timezone.now()
    with transaction.atomic():
        locked = _open_entry(entry, by)
        _same_vendor(locked, contract)
        reported_at, late_note = report_time(locked.received_at, contract, now=at)
        text = (description or locked.body or locked.subject).strip()
        if late_note:
            text = f"{text}\n\n{late_note}"
        filed = services.file_ticket(
            contract=contract,
            system=system,
            service_class=service_class,
            title=(title or locked.subject or _("(no subject)"))[:200],
            description=text,
            reporter=caller,
            contact_phone=contact_phone or getattr(caller, "phone", "") or "",
            channel=Channel.EMAIL,
            reported_at=reported_at,
            entered_by=by,
            caller_name=locked.sender_name or locked.sender,
            backdate_reason=backdate_reason if reported_at else "",
            now=at,
        )
        mail = _reparsed(locked)
        if mail is not None:
            attach_mail_files(filed.ticket, mail, by=by, now=at)
        _close(locked, by=by, state=TriageState.FILED, ticket=filed.ticket, note="", now=at)
    return filed.ticket


def comment_from_triage(
    *, entry: TriageEntry, by, ticket: Ticket, now: dt.datetime | None = None
) -> Ticket:
    """Add the mail to a ticket as the dispatcher's comment, saying who wrote it and when."""
    at = now or timezone.now()
    with transaction.atomic():
        locked = _open_entry(entry, by)
        _same_vendor(locked, ticket.contract)
        sender = email.utils.formataddr((locked.sender_name, locked.sender))
        heading = _("E-mail from %(sender)s, received %(at)s:") % {
            "sender": sender,
            "at": timezone.localtime(locked.received_at).strftime("%Y-%m-%d %H:%M"),
        }
        services.add_comment(
            ticket=ticket,
            by=by,
            text=f"{heading}\n{locked.subject}\n\n{locked.body}".strip(),
            now=at,
        )
        mail = _reparsed(locked)
        if mail is not None:
            attach_mail_files(ticket, mail, by=by, now=at)
        _close(locked, by=by, state=TriageState.COMMENTED, ticket=ticket, note="", now=at)
    return ticket


def dismiss(*, entry: TriageEntry, by, reason: str, now: dt.datetime | None = None) -> None:
    """Set the mail aside (spam, a duplicate, not a fault): it is kept, with the reason."""
    if not reason.strip():
        raise IntakeError("invalid", gettext_lazy("Say why the mail is dismissed."))
    with transaction.atomic():
        locked = _open_entry(entry, by)
        _close(
            locked,
            by=by,
            state=TriageState.DISMISSED,
            note=reason.strip(),
            now=now or timezone.now(),
        )


def _reparsed(entry: TriageEntry):
    """The mail's files, read again from the kept message (not when it was cut or unreadable)."""
    if entry.raw_truncated or not entry.raw:
        return None
    try:
        return parse_mail(bytes(entry.raw))
    except UnreadableMail:
        return None
