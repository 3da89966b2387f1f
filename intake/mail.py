"""E-mail in: one message of a mailbox becomes a ticket, a comment, or a triage entry.

The poller (intake/mail_poll.py) fetches messages over IMAP and hands each one here, after
claiming it: `claim()` writes the claim row with a conditional insert (or takes over a claim
whose lease ran out), and `process_message()` files and marks the claim done in one
transaction, so each message is handled exactly once whatever the workers do.

A known sender (an address of one of the hospital's people) files through the same
tickets.services.file_ticket as the portal's form, with channel e-mail; a reply naming a
ticket (its number in the subject, or our Message-ID in In-Reply-To/References) becomes a
comment; anything else goes to the dispatcher's triage list with the reason, never dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractContact, CoveredSystem, ServiceClass
from contracts.models.contracts import ContactSide
from intake.mail_parse import (
    ParsedMail,
    UnreadableMail,
    parse_mail,
    ticket_number_in,
    trim_quoted,
)
from intake.models import (
    RAW_LIMIT_BYTES,
    ClaimState,
    InboundMessage,
    Mailbox,
    Outcome,
    TriageEntry,
    TriageReason,
)
from notifications.threading import ticket_id_from
from tickets import services
from tickets.errors import TicketError
from tickets.models import Channel, Ticket
from tickets.policy import HOSPITAL_STAFF, may
from tickets.services.filing import BACKDATE_NEEDS_REASON

logger = logging.getLogger(__name__)

# A worker handles one message in seconds; a claim still "processing" after this long
# belongs to a worker that died mid-message, and the next poll takes it over.
LEASE = dt.timedelta(minutes=10)

TITLE_LIMIT = Ticket._meta.get_field("title").max_length


# --- claiming -------------------------------------------------------------------------------


def claim(
    *, mailbox: Mailbox, uidvalidity: int, uid: int, now: dt.datetime | None = None
) -> str | None:
    """Claim one message for this worker: the claim's token, or None when another worker
    holds it (lease running) or it was handled already.

    The insert is the claim; a unique (mailbox, UIDVALIDITY, UID) makes a second insert
    fail, and only a claim whose lease ran out can be taken over, by a conditional UPDATE
    that one worker wins."""
    at = now or timezone.now()
    token = uuid.uuid4().hex
    try:
        with transaction.atomic():
            InboundMessage.objects.create(
                mailbox=mailbox,
                uidvalidity=uidvalidity,
                uid=uid,
                claim_token=token,
                lease_until=at + LEASE,
            )
        return token
    except IntegrityError:
        pass
    taken = InboundMessage.objects.filter(
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        state=ClaimState.PROCESSING,
        lease_until__lt=at,
    ).update(claim_token=token, lease_until=at + LEASE, attempts=F("attempts") + 1)
    return token if taken else None


def is_handled(*, mailbox: Mailbox, uidvalidity: int, uid: int) -> bool:
    return InboundMessage.objects.filter(
        mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, state=ClaimState.DONE
    ).exists()


def process_message(
    *,
    mailbox: Mailbox,
    uidvalidity: int,
    uid: int,
    token: str,
    raw: bytes,
    received_at: dt.datetime,
    now: dt.datetime | None = None,
) -> InboundMessage | None:
    """File one claimed message and mark the claim done, in one transaction. None when the
    claim was lost (its lease ran out and another worker took it over): nothing is filed."""
    at = now or timezone.now()
    with transaction.atomic():
        # Locking the claim row by our token: a worker taking over an expired lease waits
        # here until we commit, then finds the row done.
        row = (
            InboundMessage.objects.select_for_update()
            .filter(
                mailbox=mailbox,
                uidvalidity=uidvalidity,
                uid=uid,
                claim_token=token,
                state=ClaimState.PROCESSING,
            )
            .first()
        )
        if row is None:
            return None
        row.received_at = min(received_at, at)
        outcome = route(mailbox=mailbox, message=row, raw=raw, now=at)
        row.state = ClaimState.DONE
        row.outcome = outcome.kind
        row.ticket = outcome.ticket
        row.handled_at = at
        row.save()
    return row


# --- routing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Routed:
    kind: str  # Outcome
    ticket: Ticket | None = None
    triage: TriageEntry | None = None


class _ToTriage(Exception):
    def __init__(self, reason: str, detail: str = "", contract: Contract | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.contract = contract


def route(*, mailbox: Mailbox, message: InboundMessage, raw: bytes, now: dt.datetime) -> Routed:
    """Decide what the message is and make it so; whatever cannot be filed goes to triage.
    A refused filing leaves nothing behind (its savepoint is rolled back)."""
    mail: ParsedMail | None = None
    try:
        mail = parse_mail(raw)
        message.message_id = mail.message_id[:255]
        message.sender = mail.sender[:255]
        message.subject = mail.subject[:300]
        with transaction.atomic():
            return _file(mailbox=mailbox, mail=mail, received_at=message.received_at, now=now)
    except UnreadableMail as exc:
        triage = _triage(message, mailbox, TriageReason.UNPARSABLE, exc.reason, None, raw)
    except _ToTriage as exc:
        triage = _triage(message, mailbox, exc.reason, exc.detail, mail, raw, exc.contract)
    except TicketError as exc:
        triage = _triage(message, mailbox, TriageReason.REFUSED, str(exc), mail, raw)
    except DatabaseError:
        raise  # the claim stays "processing" and is retried once its lease runs out
    except Exception as exc:  # a bug must not lose the mail: keep it for the dispatcher
        logger.exception("Mail %s of mailbox %s could not be handled", message.uid, mailbox.pk)
        triage = _triage(
            message, mailbox, TriageReason.UNPARSABLE, f"{type(exc).__name__}: {exc}", mail, raw
        )
    return Routed(kind=Outcome.TRIAGE, triage=triage)


def _file(*, mailbox: Mailbox, mail: ParsedMail, received_at: dt.datetime, now) -> Routed:
    ticket = _answered_ticket(mailbox, mail)
    if ticket is not None:
        return _comment(ticket, mail, now=now)
    contract, reporter = _contract_and_reporter(mailbox, mail.sender, received_at)
    service_class = ServiceClass.objects.filter(contract=contract, is_inbound_default=True).first()
    if service_class is None:
        raise _ToTriage(TriageReason.NO_DEFAULT_LEVEL, contract=contract)
    system = system_named_in(contract, mail.subject) or system_named_in(contract, mail.text)
    if system is None:
        raise _ToTriage(TriageReason.NO_SYSTEM, contract=contract)
    reported_at, late_note = report_time(received_at, contract, now=now)
    description = mail.text or mail.subject
    if late_note:
        description = f"{description}\n\n{late_note}"
    filed = services.file_ticket(
        contract=contract,
        system=system,
        service_class=service_class,
        title=(mail.subject or _("(no subject)"))[:TITLE_LIMIT],
        description=description,
        reporter=reporter,
        contact_phone=contact_phone(reporter, contract),
        channel=Channel.EMAIL,
        reported_at=reported_at,
        backdate_reason=_late_reason(reported_at, now),
        now=now,
    )
    attach_mail_files(filed.ticket, mail, by=reporter, now=now)
    return Routed(kind=Outcome.TICKET, ticket=filed.ticket)


def _answered_ticket(mailbox: Mailbox, mail: ParsedMail) -> Ticket | None:
    """The ticket the mail answers: its number in the subject, else a Message-ID of ours in
    In-Reply-To/References. Only tickets of the mailbox's contract (or vendor) count."""
    number = ticket_number_in(mail.subject)
    ticket_ids = [found for found in map(ticket_id_from, mail.references) if found]
    if not number and not ticket_ids:
        return None
    tickets = Ticket.objects.select_related("contract")
    if mailbox.contract_id:
        tickets = tickets.filter(contract_id=mailbox.contract_id)
    else:
        tickets = tickets.filter(contract__vendor_id=mailbox.vendor_id)
    ticket = (tickets.filter(number=number).first() if number else None) or tickets.filter(
        pk__in=ticket_ids
    ).first()
    if ticket is None:
        raise _ToTriage(
            TriageReason.UNKNOWN_TICKET,
            _("The mail names %(ticket)s.") % {"ticket": number or ", ".join(mail.references)},
        )
    return ticket


def _comment(ticket: Ticket, mail: ParsedMail, *, now) -> Routed:
    person = next(
        (user for user in _people_with(mail.sender) if may(user, "comment", ticket)), None
    )
    if person is None:
        raise _ToTriage(
            TriageReason.MAY_NOT_COMMENT,
            _("The mail answers %(ticket)s.") % {"ticket": ticket.number},
            contract=ticket.contract,
        )
    text = trim_quoted(mail.text) or mail.subject
    services.add_comment(ticket=ticket, by=person, text=text, now=now)
    attach_mail_files(ticket, mail, by=person, now=now)
    return Routed(kind=Outcome.COMMENT, ticket=ticket)


def _people_with(address: str) -> list:
    return list(
        get_user_model().objects.filter(email__iexact=address, is_active=True).order_by("pk")
    )


def _contract_and_reporter(mailbox: Mailbox, sender: str, received_at: dt.datetime):
    """The contract a new report belongs to and the hospital person who made it."""
    people = _people_with(sender)
    day = timezone.localtime(received_at).date()
    if mailbox.contract_id:
        candidates = Contract.objects.filter(pk=mailbox.contract_id)
    else:
        candidates = Contract.objects.filter(vendor_id=mailbox.vendor_id).in_force_on(day)
    pairs = []
    for contract in candidates.select_related("hospital"):
        person = next(
            (
                user
                for user in people
                if user.memberships.filter(
                    organization_id=contract.hospital_id, role__in=HOSPITAL_STAFF
                ).exists()
            ),
            None,
        )
        if person is not None:
            pairs.append((contract, person))
    if len(pairs) == 1:
        return pairs[0]
    if len(pairs) > 1:
        raise _ToTriage(
            TriageReason.AMBIGUOUS_CONTRACT,
            ", ".join(contract.code for contract, _person in pairs),
        )
    if people and not mailbox.contract_id:
        raise _ToTriage(TriageReason.NO_CONTRACT)
    raise _ToTriage(TriageReason.UNKNOWN_SENDER, contract=mailbox.contract)


def system_named_in(contract: Contract, text: str) -> CoveredSystem | None:
    """The covered system a text names (its name or code; the longest name found wins);
    a contract covering a single system needs no naming."""
    covered = list(CoveredSystem.objects.filter(pk__in=contract.covered_system_ids()))
    folded = text.casefold()
    named = [
        system
        for system in covered
        if system.name.casefold() in folded
        or (len(system.code) >= 2 and _word_in(system.code.casefold(), folded))
    ]
    if named:
        return max(named, key=lambda system: (len(system.name), -system.tier))
    roots = list(contract.contract_systems.values_list("system_id", flat=True))
    if len(roots) == 1:
        return next(system for system in covered if system.pk == roots[0])
    return None


def _word_in(word: str, text: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text) is not None


def report_time(
    received_at: dt.datetime, contract: Contract, *, now: dt.datetime
) -> tuple[dt.datetime | None, str]:
    """When the hospital reported a mailed fault: when the mail reached the mailbox, never
    after now. Past the contract's back-dating limit it is filed at now, with a note saying
    when it arrived (the clocks cannot start long since run out)."""
    arrived = min(received_at, now)
    if now - arrived > dt.timedelta(hours=contract.backdating_limit_hours):
        note = _(
            "This e-mail arrived at %(arrived)s, more than the contract's %(hours)s hours "
            "before it was read: it is filed at the time it was read."
        ) % {
            "arrived": timezone.localtime(arrived).strftime("%Y-%m-%d %H:%M"),
            "hours": contract.backdating_limit_hours,
        }
        return None, note
    return arrived, ""


def _late_reason(reported_at: dt.datetime | None, now: dt.datetime) -> str:
    if reported_at is None or now - reported_at <= BACKDATE_NEEDS_REASON:
        return ""
    return _("Reported by e-mail at %(arrived)s; the mailbox was read at %(read)s.") % {
        "arrived": timezone.localtime(reported_at).strftime("%Y-%m-%d %H:%M"),
        "read": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
    }


def contact_phone(person, contract: Contract) -> str:
    """Where the vendor calls back: the person's phone, else the hospital's primary contact's."""
    if person is not None and person.phone:
        return person.phone
    contact = (
        ContractContact.objects.filter(contract=contract, side=ContactSide.HOSPITAL)
        .exclude(phone="")
        .order_by("-is_primary", "pk")
        .first()
    )
    return contact.phone if contact else ""


def attach_mail_files(ticket: Ticket, mail: ParsedMail, *, by, now) -> None:
    """Keep the mail's files under the upload rules; a refused one is named in a comment."""
    refused = []
    for file in mail.files:
        upload = ContentFile(file.data, name=file.name)
        upload.content_type = file.content_type
        try:
            services.check_upload(upload)
        except TicketError as exc:
            refused.append(str(exc))
            continue
        services.attach_file(ticket=ticket, by=by, upload=upload, now=now)
    if refused:
        services.add_comment(
            ticket=ticket,
            by=by,
            text=_("Not kept from the e-mail:") + "\n" + "\n".join(refused),
            now=now,
        )


def _triage(
    message: InboundMessage,
    mailbox: Mailbox,
    reason: str,
    detail: str,
    mail: ParsedMail | None,
    raw: bytes,
    contract: Contract | None = None,
) -> TriageEntry:
    return TriageEntry.objects.create(
        message=message,
        mailbox=mailbox,
        contract=contract or mailbox.contract,
        sender=(mail.sender if mail else message.sender)[:255],
        sender_name=(mail.sender_name if mail else "")[:255],
        subject=(mail.subject if mail else message.subject)[:300],
        body=mail.text if mail else "",
        received_at=message.received_at,
        reason=reason,
        detail=detail,
        raw=raw[:RAW_LIMIT_BYTES],
        raw_truncated=len(raw) > RAW_LIMIT_BYTES,
    )
