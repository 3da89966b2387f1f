"""Polling the inbound mailboxes over IMAP (imaplib; no IDLE): each unseen message is
claimed, fetched without setting \\Seen, handed to intake.mail.process_message, and marked
\\Seen once its filing committed. A message whose claim another worker holds is left for it;
one a dead worker left half-done is taken over when its lease runs out (intake.mail.claim)."""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import logging
import re
import socket
import ssl
import time
from collections import Counter

from django.utils import timezone

from intake import mail
from intake.models import Mailbox, Security

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
# Stop taking new messages after this long, so runs (every minute) do not pile up.
TIME_BUDGET_SECONDS = 45.0

POLL_ERRORS = (imaplib.IMAP4.error, OSError, ssl.SSLError, socket.timeout, EOFError)


class MailboxError(Exception):
    """The mailbox could not be read (connection, login, folder)."""


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    """A logged-in IMAP connection with the mailbox's folder selected (read-write)."""
    if mailbox.security == Security.TLS:
        client = imaplib.IMAP4_SSL(
            mailbox.host,
            mailbox.port,
            ssl_context=ssl.create_default_context(),
            timeout=TIMEOUT_SECONDS,
        )
    else:
        client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
        if mailbox.security == Security.STARTTLS:
            client.starttls(ssl_context=ssl.create_default_context())
    try:
        client.login(mailbox.username, mailbox.password)
        status, answer = client.select(_quoted(mailbox.folder))
        if status != "OK":
            raise MailboxError(f"Folder {mailbox.folder!r}: {_text(answer)}")
    except BaseException:
        _close(client)
        raise
    return client


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(answer) -> str:
    return " ".join(
        item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        for item in answer or []
    )[:300]


def _close(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(*POLL_ERRORS):
        client.logout()


def uidvalidity(client: imaplib.IMAP4) -> int:
    _status, answer = client.response("UIDVALIDITY")
    first = answer[0] if answer else None
    match = re.search(rb"(\d+)", first) if isinstance(first, bytes) else None
    if not match:
        raise MailboxError("The server sent no UIDVALIDITY.")
    return int(match.group(1))


def fetch(client: imaplib.IMAP4, uid: int) -> tuple[bytes, dt.datetime] | None:
    """The message's bytes and when it reached the mailbox (INTERNALDATE); BODY.PEEK leaves
    it unseen, so a worker dying now leaves it for the next poll."""
    status, data = client.uid("FETCH", str(uid), "(INTERNALDATE BODY.PEEK[])")
    if status != "OK":
        raise MailboxError(f"FETCH {uid}: {_text(data)}")
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2:
            envelope, raw = item
            arrived = imaplib.Internaldate2tuple(envelope)
            received = (
                dt.datetime.fromtimestamp(time.mktime(arrived), tz=dt.UTC)
                if arrived
                else timezone.now()
            )
            return raw, received
    return None  # expunged meanwhile


def mark_seen(client: imaplib.IMAP4, uid: int) -> None:
    client.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)")


def poll_mailbox(mailbox: Mailbox, *, time_budget: float = TIME_BUDGET_SECONDS) -> Counter:
    """Handle the mailbox's unseen messages; counts by outcome ("skipped": held by another
    worker, "seen": handled before but not yet marked)."""
    counts: Counter[str] = Counter()
    client = connect(mailbox)
    try:
        validity = uidvalidity(client)
        status, data = client.uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            raise MailboxError(f"SEARCH: {_text(data)}")
        uids = [int(uid) for uid in (data[0] or b"").split()]
        started = time.monotonic()
        for uid in uids:
            if time.monotonic() - started > time_budget:
                break  # the rest waits for the next run
            counts[_one(client, mailbox, validity, uid)] += 1
    finally:
        _close(client)
    return counts


def _one(client: imaplib.IMAP4, mailbox: Mailbox, validity: int, uid: int) -> str:
    if mail.is_handled(mailbox=mailbox, uidvalidity=validity, uid=uid):
        # Filed, but the worker stopped before the flag was set.
        mark_seen(client, uid)
        return "seen"
    token = mail.claim(mailbox=mailbox, uidvalidity=validity, uid=uid)
    if token is None:
        return "skipped"
    fetched = fetch(client, uid)
    if fetched is None:
        return "gone"
    raw, received_at = fetched
    handled = mail.process_message(
        mailbox=mailbox,
        uidvalidity=validity,
        uid=uid,
        token=token,
        raw=raw,
        received_at=received_at,
    )
    if handled is None:
        return "skipped"
    mark_seen(client, uid)
    return handled.outcome


def poll_all() -> dict[str, int]:
    """Every active mailbox; one that cannot be read is recorded on its row and skipped."""
    counts: Counter[str] = Counter()
    for mailbox in Mailbox.objects.filter(is_active=True).select_related("contract"):
        error = ""
        try:
            counts.update(poll_mailbox(mailbox))
        except (MailboxError, *POLL_ERRORS) as exc:
            # Never the password: imaplib's errors quote the server's answer, not our login.
            error = f"{type(exc).__name__}: {exc}"[:1000]
            counts["failed"] += 1
            logger.warning("Mailbox %s (%s) could not be polled: %s", mailbox.pk, mailbox, error)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=timezone.now(), last_error=error
        )
    return dict(counts)
