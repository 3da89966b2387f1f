"""Sending queued notifications: claim a row, send it, record the outcome.

Retries are driven by the row itself (status pending + next_attempt_at), not by Celery's
retry machinery, so they survive a worker restart and a broker outage: `deliver_due`, run
every minute, sends whatever is due.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter

from django.db.models import F
from django.utils import timezone

from intake.selectors import reply_address
from notifications import channels
from notifications.channels import DeliveryError
from notifications.links import ticket_url
from notifications.models import ChannelKind, Medium, Notification, NotificationStatus, WeComApp
from notifications.threading import message_id_for
from opsdesk.outbox import backoff

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A worker sends one message within seconds (robots time out after 10 s); a row still
# "sending" after this long belongs to a worker that died mid-send.
STUCK_AFTER = dt.timedelta(minutes=10)
ERROR_LIMIT = 1000
BATCH = 200
# deliver_pending runs every minute; stop before the next run starts so runs do not pile up
# on the workers the clock sweep also needs.
TIME_BUDGET_SECONDS = 45.0

SENT = "sent"
RETRY = "retry"
FAILED = "failed"
SKIPPED = "skipped"


def _describe(notification: Notification) -> str:
    """Who a message is for, as logs may show it: ids and hosts, no addresses or tokens."""
    if notification.recipient_id:
        return f"user {notification.recipient_id}"
    channel = notification.channel
    if channel.is_robot:
        return f"{channel.kind} channel {channel.pk} ({channels.safe_host(channel.webhook_url)})"
    return f"{channel.kind} channel {channel.pk}"


def send(notification: Notification) -> None:
    """Hand one message to its person or channel; DeliveryError when that fails."""
    subject, body = notification.subject, notification.body
    if notification.recipient_id:
        person = notification.recipient
        if not person.is_active:
            raise DeliveryError("The recipient's account is deactivated.", permanent=True)
        if notification.medium == Medium.WECOM_APP:
            _send_wecom_app(notification)
            return
        if not person.email:
            raise DeliveryError("The recipient has no e-mail address.", permanent=True)
        channels.send_email(
            to=[person.email], subject=subject, body=body, **_threading(notification)
        )
        return
    channel = notification.channel
    if not channel.is_active:
        raise DeliveryError("The channel is switched off.", permanent=True)
    if channel.kind == ChannelKind.EMAIL:
        channels.send_email(
            to=channel.email_addresses, subject=subject, body=body, **_threading(notification)
        )
    elif channel.kind == ChannelKind.WECOM:
        channels.send_wecom(webhook_url=channel.webhook_url, subject=subject, body=body)
    elif channel.kind == ChannelKind.DINGTALK:
        channels.send_dingtalk(
            webhook_url=channel.webhook_url, secret=channel.secret, subject=subject, body=body
        )
    else:
        raise DeliveryError(f"Unknown channel kind {channel.kind!r}.", permanent=True)


def _threading(notification: Notification) -> dict[str, str]:
    """The headers that bring a reply back to the ticket: our Message-ID, and the inbound
    mailbox of the ticket's contract (or its vendor) as Reply-To where one is set up."""
    ticket = notification.ticket
    return {
        "message_id": message_id_for(notification.pk, notification.ticket_id),
        "reply_to": reply_address(ticket.contract) if ticket is not None else "",
    }


def _send_wecom_app(notification: Notification) -> None:
    person = notification.recipient
    if not person.wecom_userid:
        raise DeliveryError("The recipient has no WeCom UserID.", permanent=True)
    app = WeComApp.objects.of_person(person)
    if app is None:
        raise DeliveryError("No WeCom app of the recipient's organisation sends.", permanent=True)
    channels.send_wecom_app(
        app=app,
        userid=person.wecom_userid,
        subject=notification.subject,
        body=notification.body,
        url=ticket_url(notification.ticket) if notification.ticket_id else "",
    )


def deliver_notification(notification_id: int) -> str:
    """Send one notification if it is pending and due. Never raises.

    The conditional UPDATE is the claim: of two workers given the same id, one moves the row
    to "sending" and the other updates nothing and stops.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=NotificationStatus.PENDING, next_attempt_at__lte=now
    ).update(status=NotificationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return SKIPPED
    notification = Notification.objects.select_related(
        "recipient", "channel", "ticket__contract"
    ).get(pk=notification_id)
    try:
        send(notification)
    except DeliveryError as exc:
        return _failed(notification, exc.message, permanent=exc.permanent)
    except Exception as exc:
        # A bug or an unexpected library error: record it like any failure, never re-raise.
        logger.exception("Unexpected error delivering notification %s", notification_id)
        return _failed(notification, f"{type(exc).__name__}: {exc}", permanent=False)
    Notification.objects.filter(pk=notification_id, status=NotificationStatus.SENDING).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), claimed_at=None
    )
    return SENT


def _failed(notification: Notification, error: str, *, permanent: bool) -> str:
    attempts = notification.attempts  # already counts this attempt (incremented by the claim)
    give_up = permanent or attempts >= MAX_ATTEMPTS
    changes: dict = {"last_error": error[:ERROR_LIMIT], "claimed_at": None}
    if give_up:
        changes["status"] = NotificationStatus.FAILED
    else:
        changes["status"] = NotificationStatus.PENDING
        changes["next_attempt_at"] = timezone.now() + backoff(attempts)
    Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENDING).update(
        **changes
    )
    logger.warning(
        "Notification %s (%s to %s) failed, attempt %s of %s%s: %s",
        notification.pk,
        notification.event,
        _describe(notification),
        attempts,
        MAX_ATTEMPTS,
        ", giving up" if give_up else "",
        error,
    )
    return FAILED if give_up else RETRY


def reclaim_stuck(now: dt.datetime | None = None) -> int:
    """Put rows whose worker died mid-send back in the queue (or fail them if out of tries).

    The message may have gone out before the worker died; sending it again is the lesser harm.
    """
    now = now or timezone.now()
    stuck = Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=now - STUCK_AFTER
    )
    error = "Delivery interrupted: the worker stopped while sending."
    failed = stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=NotificationStatus.FAILED, claimed_at=None, last_error=error
    )
    retried = stuck.update(
        status=NotificationStatus.PENDING, claimed_at=None, next_attempt_at=now, last_error=error
    )
    if failed or retried:
        logger.warning("Reclaimed %s notifications stuck in sending (%s given up)", retried, failed)
    return failed + retried


def deliver_due(*, batch: int = BATCH, time_budget: float = TIME_BUDGET_SECONDS) -> dict[str, int]:
    """Reclaim stuck rows, then send pending rows that are due, oldest first."""
    counts: Counter[str] = Counter(reclaimed=reclaim_stuck())
    ids = list(
        Notification.objects.filter(
            status=NotificationStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    started = time.monotonic()
    for notification_id in ids:
        if time.monotonic() - started > time_budget:
            break  # the rest waits for the next run
        counts[deliver_notification(notification_id)] += 1
    return dict(counts)
