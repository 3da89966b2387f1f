"""Queuing notifications: the API the rest of OpsDesk calls.

Call these inside the transaction that records the fact: the rows commit or roll back with
it, and delivery is scheduled only after commit. Nothing here sends anything or raises
because a channel or the broker is down.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from notifications.models import CHANNEL_LANGUAGE, Channel, Notification
from notifications.tasks import deliver

if TYPE_CHECKING:
    from accounts.models import User
    from tickets.models import Ticket

logger = logging.getLogger(__name__)

Text = Callable[[], str] | str

_SUBJECT_LIMIT = Notification._meta.get_field("subject").max_length
_KEY_LIMIT = Notification._meta.get_field("dedupe_key").max_length


def notify_people(
    *,
    event: str,
    ticket: Ticket | None,
    recipients: Iterable[User],
    subject: Text,
    body: Text,
    dedupe: str = "",
) -> list[Notification]:
    """Queue one e-mail per distinct active recipient with an address, in their language.

    `subject` and `body` may be callables (or lazy strings): they are rendered once per
    language under translation.override, so gettext inside them speaks each reader's
    language. With `dedupe`, a person gets the message at most once ever: the key is
    extended per person ("clock:12:breach" → "clock:12:breach:user:7").
    Returns the rows created now (not those already queued under the same key).
    """
    seen: set[int] = set()
    rendered: dict[str, tuple[str, str]] = {}
    rows = []
    for person in recipients:
        if person.pk in seen or not person.is_active or not person.email:
            continue
        seen.add(person.pk)
        language = person.language or settings.LANGUAGE_CODE
        if language not in rendered:
            rendered[language] = _render(subject, body, language)
        rows.append(
            Notification(
                event=event,
                ticket=ticket,
                recipient=person,
                language=language,
                subject=rendered[language][0],
                body=rendered[language][1],
                dedupe_key=_key(dedupe, f"user:{person.pk}"),
            )
        )
    return _queue(rows)


def notify_channels(
    *,
    event: str,
    ticket: Ticket,
    subject: Text,
    body: Text,
    dedupe: str = "",
) -> list[Notification]:
    """Queue the message for each active channel of the ticket's contract that wants `event`.

    Group channels are read by a team, so the message is rendered in Simplified Chinese.
    """
    wanted = [
        channel
        for channel in Channel.objects.filter(contract_id=ticket.contract_id, is_active=True)
        # In Python: JSON containment is not available on SQLite, and a contract has few channels.
        if channel.wants(event)
    ]
    if not wanted:
        return []
    rendered_subject, rendered_body = _render(subject, body, CHANNEL_LANGUAGE)
    rows = [
        Notification(
            event=event,
            ticket=ticket,
            channel=channel,
            language=CHANNEL_LANGUAGE,
            subject=rendered_subject,
            body=rendered_body,
            dedupe_key=_key(dedupe, f"channel:{channel.pk}"),
        )
        for channel in wanted
    ]
    return _queue(rows)


def enqueue(ids: Iterable[int]) -> int:
    """Hand the rows to the workers. Never raises; returns how many were handed over.

    If the broker is unreachable the rows simply stay pending: deliver_pending sends them
    within a minute or so of the broker (or a worker) coming back.
    """
    ids = list(ids)
    for index, notification_id in enumerate(ids):
        try:
            deliver.delay(notification_id)
        except Exception as exc:  # kombu/redis OperationalError, or anything else the broker says
            # Each attempt may wait seconds for a dead broker: stop at the first failure.
            logger.warning(
                "Could not enqueue %s notification(s) (%s: %s); deliver_pending will send them.",
                len(ids) - index,
                type(exc).__name__,
                exc,
            )
            return index
    return len(ids)


# --- helpers ----------------------------------------------------------------------------------


def _render(subject: Text, body: Text, language: str) -> tuple[str, str]:
    with translation.override(language):
        subject_text = str(subject() if callable(subject) else subject)
        body_text = str(body() if callable(body) else body)
    # One line: mail headers cannot hold line breaks.
    subject_text = " ".join(subject_text.split())
    if len(subject_text) > _SUBJECT_LIMIT:
        subject_text = subject_text[: _SUBJECT_LIMIT - 1] + "…"
    return subject_text, body_text


def _key(dedupe: str, target: str) -> str:
    if not dedupe:
        return ""
    key = f"{dedupe}:{target}"
    if len(key) > _KEY_LIMIT:
        # Still one key per fact and reader, just not readable.
        key = "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    return key


def _queue(rows: list[Notification]) -> list[Notification]:
    created = _insert_once(rows)
    if created:
        ids = [row.pk for row in created]
        transaction.on_commit(partial(enqueue, ids), robust=True)
    return created


def _insert_once(rows: list[Notification]) -> list[Notification]:
    """Insert the rows, skipping any whose dedupe key is already taken.

    The unique index decides races: when two transactions insert the same key on
    PostgreSQL, the second waits for the first and then fails; its savepoint is rolled
    back and the row is skipped, leaving the caller's transaction intact.
    """
    plain = [row for row in rows if not row.dedupe_key]
    keyed = [row for row in rows if row.dedupe_key]
    created = Notification.objects.bulk_create(plain) if plain else []
    if keyed:
        taken = set(
            Notification.objects.filter(
                dedupe_key__in=[row.dedupe_key for row in keyed]
            ).values_list("dedupe_key", flat=True)
        )
        for row in keyed:
            if row.dedupe_key in taken:
                continue
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                if not Notification.objects.filter(dedupe_key=row.dedupe_key).exists():
                    raise  # some other constraint: a bug, not a duplicate
                continue
            created.append(row)
    return created
