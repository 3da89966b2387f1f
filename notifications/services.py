"""Queuing notifications: the API the rest of OpsDesk calls.

Call these inside the transaction that records the fact: the rows commit or roll back with
it, and delivery is scheduled only after commit. Nothing here sends anything or raises
because a channel or the broker is down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.utils import translation

from notifications.links import ticket_url
from notifications.models import CHANNEL_LANGUAGE, Channel, Medium, Notification, WeComApp
from notifications.preferences import Book
from notifications.tasks import deliver, deliver_each
from opsdesk import outbox

if TYPE_CHECKING:
    from accounts.models import User
    from tickets.models import Ticket


Text = Callable[[], str] | str

_SUBJECT_LIMIT = Notification._meta.get_field("subject").max_length
_KEY_LIMIT = Notification._meta.get_field("dedupe_key").max_length


class Addressee(NamedTuple):
    """A person who hears an event, and by which media (already chosen: preferences, an
    address, a WeCom app that can reach them)."""

    person: User
    media: tuple[str, ...]


def addressees(
    *, event: str, recipients: Iterable[User], preferences: Book | None = None
) -> list[Addressee]:
    """Who of `recipients` hears `event`, by which media: one e-mail per distinct active
    recipient with an address, and one WeCom app message per recipient with a bound UserID
    whose organisation has a sending WeCom app, each only if the person's preferences for
    `event` (or their roles' defaults, notifications.preferences) choose that medium.

    Only reads (the preferences, unless `preferences` has them; the WeCom apps, if anyone
    is bound): a caller that holds a lock may work this out before taking it."""
    people: dict[int, User] = {}
    for person in recipients:
        if person.pk not in people and person.is_active:
            people[person.pk] = person
    if not people:
        return []
    book = (preferences or Book()).load(people, event=event)
    wanted = {pk: book.media(pk, event) for pk in people}
    bound = [pk for pk, person in people.items() if person.wecom_userid and wanted[pk]]
    by_wecom = WeComApp.objects.reachable(bound) if bound else set()
    chosen = []
    for person in people.values():
        media = [Medium.EMAIL] if person.email else []
        if person.pk in by_wecom:
            media.append(Medium.WECOM_APP)
        media = [medium for medium in media if medium in wanted[person.pk]]
        if media:
            chosen.append(Addressee(person, tuple(media)))
    return chosen


def notify_people(
    *,
    event: str,
    ticket: Ticket | None,
    recipients: Iterable[User] = (),
    subject: Text,
    body: Text,
    dedupe: str = "",
    preferences: Book | None = None,
    addressed: list[Addressee] | None = None,
    new_fact: bool = False,
) -> list[Notification]:
    """Queue the message for each of addressees(event, recipients), in their language.

    `addressed`: what addressees() gave, when the caller worked it out beforehand (then
    `recipients` and `preferences` are not read).

    `subject` and `body` may be callables (or lazy strings): they are rendered once per
    language under translation.override, so gettext inside them speaks each reader's
    language. With `dedupe`, a person gets the message at most once ever per medium: the
    key is extended per person ("clock:12:breach" → "clock:12:breach:user:7", and
    "…:user:7:wecom" for the app message). `new_fact`: the key names a fact written in
    this very transaction (a ticket just filed), so no earlier row can hold it and the rows
    are inserted without looking first.
    Returns the rows created now (not those already queued under the same key).
    """
    if addressed is None:
        addressed = addressees(event=event, recipients=recipients, preferences=preferences)
    rendered: dict[str, tuple[str, str]] = {}
    rows = []
    for person, media in addressed:
        language = person.language or settings.LANGUAGE_CODE
        if language not in rendered:
            rendered[language] = _render(subject, body, language, ticket)
        for medium in media:
            target = f"user:{person.pk}" + (":wecom" if medium == Medium.WECOM_APP else "")
            rows.append(
                Notification(
                    event=event,
                    ticket=ticket,
                    recipient=person,
                    medium=medium,
                    language=language,
                    subject=rendered[language][0],
                    body=rendered[language][1],
                    dedupe_key=_key(dedupe, target),
                )
            )
    return _queue(rows, new_fact=new_fact)


def notify_channels(
    *,
    event: str,
    ticket: Ticket,
    subject: Text,
    body: Text,
    dedupe: str = "",
    channels: list[Channel] | None = None,
    new_fact: bool = False,
) -> list[Notification]:
    """Queue the message for each active channel of the ticket's contract that wants `event`
    (`channels`: active_channels() of the contract, when the caller already has them;
    `new_fact` as for notify_people()).

    Group channels are read by a team, so the message is rendered in Simplified Chinese.
    """
    if channels is None:
        channels = active_channels([ticket.contract_id])[ticket.contract_id]
    # In Python: JSON containment is not available on SQLite, and a contract has few channels.
    wanted = [channel for channel in channels if channel.wants(event)]
    if not wanted:
        return []
    rendered_subject, rendered_body = _render(subject, body, CHANNEL_LANGUAGE, ticket)
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
    return _queue(rows, new_fact=new_fact)


def channels_of(contract_ids: list[int]):
    """The active group channels of these contracts, as a queryset (unordered)."""
    return Channel.objects.filter(contract_id__in=contract_ids, is_active=True)


def active_channels(contract_ids: list[int]) -> dict[int, list[Channel]]:
    """The active group channels of each of these contracts (an empty list if none)."""
    channels: dict[int, list[Channel]] = {contract_id: [] for contract_id in contract_ids}
    # Each contract's channels by name, as the model orders them, without joining the
    # contracts to order by their codes.
    for channel in channels_of(contract_ids).order_by("contract_id", "name", "pk"):
        channels[channel.contract_id].append(channel)
    return channels


def enqueue(ids: Iterable[int]) -> int:
    """Hand the rows to the workers now; never raises (see opsdesk.outbox.enqueue)."""
    return outbox.enqueue(deliver, ids, "notifications", deliver_each)


# --- helpers ----------------------------------------------------------------------------------


def _render(subject: Text, body: Text, language: str, ticket=None) -> tuple[str, str]:
    with translation.override(language):
        subject_text = str(subject() if callable(subject) else subject)
        body_text = str(body() if callable(body) else body)
    if ticket is not None:
        # Every message about a ticket leads to it, whoever wrote its words.
        link = ticket_url(ticket)
        if link not in body_text:
            body_text = f"{body_text.rstrip()}\n\n{link}"
    # One line: mail headers cannot hold line breaks.
    subject_text = " ".join(subject_text.split())
    if len(subject_text) > _SUBJECT_LIMIT:
        subject_text = subject_text[: _SUBJECT_LIMIT - 1] + "…"
    return subject_text, body_text


def _key(dedupe: str, target: str) -> str:
    return outbox.dedupe_key(dedupe, target, _KEY_LIMIT)


def _queue(rows: list[Notification], *, new_fact: bool = False) -> list[Notification]:
    return outbox.queue(
        Notification, rows, deliver, "notifications", new_fact=new_fact, task_for_many=deliver_each
    )
