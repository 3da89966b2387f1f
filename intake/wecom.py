"""WeCom in (企业微信自建应用): the app's callback turned into tickets and answers.

A hospital person writes to the app:
- "报修 HIS 门诊挂号无法打开": files a ticket for the covered system named first (by its
  code, its name or the short name in its brackets), at the contract's default level for
  reports that name none; the rest is the title and description;
- "查询 YN-2026-00012" (or just the number): the ticket's state, engineer and next deadline;
- "帮助": how to write.
The callback is authenticated by WeCom's signature and encryption (intake.wecom_crypto), held
to a time window and refused when its (timestamp, nonce) pair was seen before. The sender is
the one active person of the app's organisation bound to the WeCom UserID. Whatever goes
wrong, nothing half-done stays behind and the sender gets a plain answer, never a 500.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractSystem, CoveredSystem, ServiceClass
from intake import wecom_crypto, wecom_messages
from intake.wecom_crypto import CryptoError
from intake.wecom_messages import Message, MessageError
from notifications.links import ticket_url
from notifications.models import WeComApp, WeComNonce
from tickets.errors import TicketError
from tickets.models import Channel, Ticket, TicketClock
from tickets.selectors import hospital_tickets, reportable_contracts
from tickets.services.filing import file_ticket

logger = logging.getLogger(__name__)

FILE_COMMAND = "报修"
QUERY_COMMAND = "查询"
HELP_WORDS = frozenset({"帮助", "help", "?", "？", "菜单"})
TICKET_NUMBER = re.compile(r"\b([A-Za-z][A-Za-z0-9]{1,9}-\d{4}-\d{5})\b")
_TITLE_LIMIT = Ticket._meta.get_field("title").max_length
# Between the system's name and the fault: spaces, colons, commas (also full-width ones).
_SEPARATORS = " \t\r\n:：,，、-—"


class CallbackRefused(Exception):
    """A callback that is not WeCom's, or not now: answered with `status`, nothing filed."""

    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class SignedQuery:
    """The query string WeCom signs every callback with."""

    msg_signature: str
    timestamp: str
    nonce: str

    @classmethod
    def from_params(cls, params) -> SignedQuery:
        query = cls(
            msg_signature=params.get("msg_signature", ""),
            timestamp=params.get("timestamp", ""),
            nonce=params.get("nonce", ""),
        )
        if not (query.msg_signature and query.timestamp.isdigit() and query.nonce):
            raise CallbackRefused("missing or malformed msg_signature, timestamp or nonce", 400)
        if len(query.nonce) > WeComNonce._meta.get_field("nonce").max_length:
            raise CallbackRefused("nonce too long", 400)
        return query


# --- the callback --------------------------------------------------------------------------------


def verify_url(app: WeComApp, query: SignedQuery, echostr: str, *, now: float | None = None) -> str:
    """URL verification (验证URL有效性): the decrypted echostr, to be answered as it is."""
    if not echostr:
        raise CallbackRefused("no echostr", 400)
    _check_signed(app, query, echostr, now=now)
    return _decrypt(app, echostr)


def receive(app: WeComApp, query: SignedQuery, body: bytes, *, now: float | None = None) -> str:
    """A message posted to the app: the encrypted passive reply (empty: nothing to say)."""
    try:
        envelope = wecom_messages.parse_envelope(body)
    except MessageError as exc:
        raise CallbackRefused(f"malformed envelope: {exc}", 400) from None
    _check_signed(app, query, envelope.encrypt, now=now)
    plain = _decrypt(app, envelope.encrypt)
    try:
        message = wecom_messages.parse_message(plain)
    except MessageError as exc:
        raise CallbackRefused(f"malformed message: {exc}", 400) from None
    if message.corp_id and message.corp_id != app.corp_id:
        raise CallbackRefused("the message is addressed to another corporation")
    with transaction.atomic():
        # In the same transaction as the ticket: a callback that fails half-way leaves
        # neither, and WeCom's retry of it is then not taken for a replay.
        if not remember(app, query, message.msg_id):
            logger.info("WeCom app %s: message %s already handled", app.pk, message.msg_id)
            return ""
        text = answer(app, message, now=now)
    if not text:
        return ""
    return encrypted_reply(app, to_user=message.from_user, text=text)


def encrypted_reply(app: WeComApp, *, to_user: str, text: str) -> str:
    created = int(time.time())
    plain = wecom_messages.text_reply(
        to_user=to_user, corp_id=app.corp_id, create_time=created, content=text
    )
    encrypted = wecom_crypto.encrypt(
        plain, encoding_aes_key=app.encoding_aes_key, receive_id=app.corp_id
    )
    timestamp, nonce = str(created), get_random_string(16, "0123456789")
    return wecom_messages.encrypted_reply(
        encrypt=encrypted,
        signature=wecom_crypto.signature(app.token, timestamp, nonce, encrypted),
        timestamp=timestamp,
        nonce=nonce,
    )


def _check_signed(app: WeComApp, query: SignedQuery, encrypted: str, *, now: float | None) -> None:
    if not wecom_crypto.signature_matches(
        query.msg_signature,
        token=app.token,
        timestamp=query.timestamp,
        nonce=query.nonce,
        encrypted=encrypted,
    ):
        raise CallbackRefused("bad msg_signature")
    skew = abs((time.time() if now is None else now) - int(query.timestamp))
    if skew > settings.WECOM_CALLBACK_WINDOW_SECONDS:
        raise CallbackRefused(f"timestamp {int(skew)} s away from now")


def _decrypt(app: WeComApp, encrypted: str) -> str:
    try:
        plain, receive_id = wecom_crypto.decrypt(encrypted, encoding_aes_key=app.encoding_aes_key)
    except CryptoError as exc:
        raise CallbackRefused(f"cannot decrypt: {exc}", 400) from None
    if receive_id != app.corp_id:
        raise CallbackRefused("encrypted for another corporation")
    return plain


def remember(app: WeComApp, query: SignedQuery, msg_id: str = "") -> bool:
    """Record the callback's (timestamp, nonce) and its message's MsgId. CallbackRefused if
    the pair was seen before (a replay); False if only the MsgId was (WeCom's own retry of a
    message already handled, under a new nonce: answered with nothing)."""
    now = timezone.now()
    # Pairs older than twice the window can no longer pass the time check: drop them.
    horizon = now - dt.timedelta(seconds=2 * settings.WECOM_CALLBACK_WINDOW_SECONDS)
    WeComNonce.objects.filter(seen_at__lt=horizon).delete()
    timestamp = int(query.timestamp)
    msg_id = msg_id[: WeComNonce._meta.get_field("msg_id").max_length]
    try:
        with transaction.atomic():
            WeComNonce.objects.create(
                app=app, timestamp=timestamp, nonce=query.nonce, msg_id=msg_id, seen_at=now
            )
    except IntegrityError:
        if WeComNonce.objects.filter(app=app, timestamp=timestamp, nonce=query.nonce).exists():
            raise CallbackRefused("replayed timestamp and nonce") from None
        return False
    return True


# --- what the person wrote -------------------------------------------------------------------


def find_sender(app: WeComApp, userid: str):
    """The one active person of the app's organisation bound to this UserID, else None.
    WeCom UserIDs are case-insensitive."""
    if not userid:
        return None
    people = list(
        get_user_model()
        .objects.filter(
            wecom_userid__iexact=userid,
            memberships__organization_id=app.organization_id,
            is_active=True,
        )
        .distinct()[:2]
    )
    return people[0] if len(people) == 1 else None


def answer(app: WeComApp, message: Message, *, now: float | None = None) -> str:
    """The reply to one message, in the sender's language (Chinese unless they chose
    otherwise); empty for events, which expect none."""
    if message.msg_type == "event":
        return ""
    person = find_sender(app, message.from_user)
    if person is None:
        with translation.override(settings.LANGUAGE_CODE):
            logger.info("WeCom app %s: message from an unbound UserID, not filed", app.pk)
            return _(
                "Your WeCom account is not linked to an OpsDesk account yet. Please ask your "
                "organisation's OpsDesk administrator to enter your WeCom UserID."
            )
    with translation.override(person.language or settings.LANGUAGE_CODE):
        if message.msg_type != "text":
            return _("Only text messages are understood.") + "\n\n" + usage()
        return _command(person, message, now=now)


def _command(person, message: Message, *, now: float | None) -> str:
    text = message.content.strip()
    if text.lower() in HELP_WORDS:
        return usage()
    if text.startswith(FILE_COMMAND):
        return file_from_message(person, text[len(FILE_COMMAND) :], message, now=now)
    if text.startswith(QUERY_COMMAND) or TICKET_NUMBER.fullmatch(text):
        return ticket_status(person, text.removeprefix(QUERY_COMMAND))
    return _("Sorry, that was not understood.") + "\n\n" + usage()


def usage() -> str:
    return _(
        "How to write to OpsDesk:\n"
        "• 报修 <system> <what is wrong>: report a fault, e.g. 报修 HIS 门诊挂号无法打开\n"
        "• 查询 <ticket number>: a ticket's state, e.g. 查询 YN-2026-00012\n"
        "• 帮助: this help"
    )


# --- filing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemChoice:
    contract: Contract
    system: CoveredSystem


def reportable_systems(person, day: dt.date) -> list[SystemChoice]:
    """Every covered system (subsystems and modules too) of the contracts in force under
    which the person may report."""
    choices = []
    for contract in reportable_contracts(person, day):
        systems = CoveredSystem.objects.filter(pk__in=contract.covered_system_ids()).select_related(
            "parent__parent"
        )
        choices.extend(SystemChoice(contract, system) for system in systems)
    return choices


def system_aliases(system: CoveredSystem) -> set[str]:
    """What people call a system: its code, its name, the short name in its brackets
    ("医院信息系统（HIS）" → HIS) and the name without them; compared in lower case."""
    names = {system.code, system.name}
    bracketed = re.search(r"[(（]\s*([^()（）]+?)\s*[)）]", system.name)
    if bracketed:
        names.add(bracketed[1])
        names.add(re.sub(r"\s*[(（][^()（）]*[)）]\s*", "", system.name))
    return {name.strip().lower() for name in names if name.strip()}


def _ends_word(alias: str, text: str) -> bool:
    """ "his" names HIS in "his 门诊…" and "HIS门诊…", not in "history"."""
    rest = text[len(alias) :]
    return not (
        rest
        and alias[-1].isascii()
        and alias[-1].isalnum()
        and rest[0].isascii()
        and rest[0].isalnum()
    )


def match_system(text: str, choices: list[SystemChoice]) -> tuple[list[SystemChoice], str]:
    """The choices whose longest alias starts the text, and the text after it."""
    lowered = text.lower()
    best, matched = 0, []
    for choice in choices:
        length = max(
            (
                len(alias)
                for alias in system_aliases(choice.system)
                if lowered.startswith(alias) and _ends_word(alias, lowered)
            ),
            default=0,
        )
        if length > best:
            best, matched = length, [choice]
        elif length and length == best:
            matched.append(choice)
    return matched, text[best:].strip(_SEPARATORS) if best else text


def inbound_level(contract: Contract) -> ServiceClass | None:
    """The row a report that names no level is filed at: the contract's marked default,
    else its least severe fault level."""
    marked = contract.service_classes.filter(is_inbound_default=True).first()
    return marked or contract.fault_levels().last()


def reported_time(message: Message, now: dt.datetime) -> dt.datetime | None:
    """When the person sent it (CreateTime), if that is within the callback window before
    now; otherwise the clocks start on arrival."""
    if message.create_time is None:
        return None
    try:
        sent = dt.datetime.fromtimestamp(message.create_time, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):  # a CreateTime no clock can show
        return None
    window = dt.timedelta(seconds=settings.WECOM_CALLBACK_WINDOW_SECONDS)
    return sent if now - window <= sent <= now else None


def file_from_message(person, text: str, message: Message, *, now: float | None = None) -> str:
    at = timezone.now() if now is None else dt.datetime.fromtimestamp(now, tz=dt.UTC)
    text = text.strip(_SEPARATORS)
    choices = reportable_systems(person, timezone.localtime(at).date())
    if not choices:
        return _("You may not report faults under any contract in force.")
    matched, fault = match_system(text, choices)
    if not matched:
        return _("Which system? Start with its name or short name:") + "\n" + _system_list(choices)
    if len({choice.system.pk for choice in matched}) > 1:
        return (
            _("More than one system goes by that name; please write one of these:")
            + "\n"
            + (_system_list(matched, full=True))
        )
    if len(matched) > 1:
        return _(
            "%(system)s is covered by more than one contract; please report it in the portal."
        ) % {"system": matched[0].system.path()}
    if not fault:
        return _("Please say what is wrong after the system, e.g. 报修 HIS 门诊挂号无法打开")
    if not person.phone:
        return _(
            "Your OpsDesk account has no phone number for the engineer to call back; please "
            "ask your administrator to add it, or report in the portal."
        )
    contract, system = matched[0].contract, matched[0].system
    level = inbound_level(contract)
    if level is None:
        return _("This contract has no fault levels yet; please call the hotline.")
    first_line = fault.splitlines()[0].strip()
    title = first_line if len(first_line) <= _TITLE_LIMIT else first_line[: _TITLE_LIMIT - 1] + "…"
    try:
        filed = file_ticket(
            contract=contract,
            system=system,
            service_class=level,
            title=title,
            description=fault,
            reporter=person,
            contact_phone=person.phone,
            now=at,
            channel=Channel.WECOM,
            reported_at=reported_time(message, at),
        )
    except TicketError as exc:
        return _("Not filed: %(reason)s") % {"reason": str(exc)}
    ticket = filed.ticket
    logger.info("WeCom app: ticket %s filed by user %s", ticket.number, person.pk)
    return _("Filed as %(number)s: %(system)s, %(level)s.\n%(deadline)s\nDetails: %(url)s") % {
        "number": ticket.number,
        "system": system.path(),
        "level": level.name,
        "deadline": _next_deadline_line(ticket),
        "url": ticket_url(ticket),
    }


def _system_list(choices: list[SystemChoice], *, full: bool = False) -> str:
    """One line per system; only those the contracts name unless `full` (the ambiguous
    ones), so that a hospital with 19 systems gets 19 lines, not every module."""
    named = set(
        ContractSystem.objects.filter(
            contract_id__in={choice.contract.pk for choice in choices}
        ).values_list("contract_id", "system_id")
    )
    lines, seen = [], set()
    for choice in choices:
        system = choice.system
        if system.pk in seen or not (full or (choice.contract.pk, system.pk) in named):
            continue
        seen.add(system.pk)
        lines.append(f"• {system.code}: {system.path()}")
    return "\n".join(lines)


# --- status ----------------------------------------------------------------------------------


def ticket_status(person, text: str) -> str:
    found = TICKET_NUMBER.search(text)
    if not found:
        return _("Please give the ticket number, e.g. 查询 YN-2026-00012")
    number = found[1].upper()
    ticket = hospital_tickets(person).filter(number=number).first()
    if ticket is None:
        # The same words whether it does not exist or is not theirs to see.
        return _("No ticket %(number)s that you may see.") % {"number": number}
    lines = [
        f"{ticket.number} {ticket.title}",
        _("State: %(state)s") % {"state": ticket.get_state_display()},
        _("Engineer: %(name)s")
        % {"name": ticket.assignee.get_full_name() if ticket.assignee else _("not assigned yet")},
        _next_deadline_line(ticket),
        _("Details: %(url)s") % {"url": ticket_url(ticket)},
    ]
    return "\n".join(line for line in lines if line)


def _next_deadline_line(ticket: Ticket) -> str:
    if ticket.next_due_at is None:
        return _("No deadline running.")
    clock = (
        TicketClock.objects.filter(ticket=ticket, due_at=ticket.next_due_at, met_at__isnull=True)
        .order_by("pk")
        .first()
    )
    when = formats.date_format(timezone.localtime(ticket.next_due_at), "Y-m-d H:i")
    if clock is None:
        return _("Next deadline: %(when)s") % {"when": when}
    return _("Next deadline: %(clock)s by %(when)s") % {
        "clock": clock.get_name_display(),
        "when": when,
    }
