"""Posting queued webhook deliveries: claim a row, POST its body, log the answer, decide.

Retries are driven by the row itself (status pending + next_attempt_at), not by Celery's
retry machinery, so they survive a worker restart and a broker outage: `deliver_due`, run
every minute, posts whatever is due. The signing scheme receivers see is in signing.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications.channels import safe_host
from opsdesk import outbox
from webhooks import receivers, signing
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10.0
# A try lasts at most a few timeouts; a row still "sending" after this long belongs to a
# worker that died mid-send.
STUCK_AFTER = dt.timedelta(minutes=10)
# Characters kept of a successful answer ("stored", an id): enough to debug a receiver, too
# little to read anything out of a service that should not have been reached.
RESPONSE_LIMIT = 200
ERROR_LIMIT = 1000
BATCH = 200
# deliver_pending runs every minute; stop before the next run starts so runs do not pile up
# on the workers the clock sweep also needs.
TIME_BUDGET_SECONDS = 45.0
# Answers that say "not now" rather than "no": timeout, conflict, too early, too many.
RETRYABLE_STATUSES = frozenset({408, 409, 425, 429})
# One text per kind of failure: nothing of the receiver's own words, nothing that tells a
# refused connection from a timeout.
NO_ANSWER_ERROR = "no HTTP answer."
REFUSED_ERROR = "refused: not a public address nor an allowed intranet network."
UNRESOLVED_ERROR = "the host name could not be resolved."

DELIVERED = "delivered"
RETRY = "retry"
FAILED = "failed"
SKIPPED = "skipped"


@dataclass(frozen=True)
class Answer:
    """What one try got back. `status_code` is None when no HTTP answer came at all."""

    status_code: int | None = None
    body: str = ""
    error: str = ""
    retry_after: int | None = None
    duration_ms: int = 0
    permanent: bool = False  # a failure that no retry can fix (the subscription is off)

    @property
    def outcome(self) -> str:
        code = self.status_code
        if code is not None and 200 <= code < 300:
            return DELIVERED
        if self.permanent:
            return FAILED
        if code is None or code in RETRYABLE_STATUSES or code >= 500:
            return RETRY
        return FAILED  # redirects and other 4xx: the receiver refused this delivery


def backoff(attempts: int, retry_after: int | None = None) -> dt.timedelta:
    """The outbox's back-off, never sooner than the receiver's Retry-After (seconds)."""
    return outbox.backoff(
        attempts, dt.timedelta(seconds=retry_after) if retry_after is not None else None
    )


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` once to the address checked now, and describe the answer. Never raises
    for network or HTTP errors.

    The host is resolved and checked again here, not only at registration: a DNS answer may
    change (rebinding) between the two. Errors name the host only (the path or query may carry
    a token) and are the same for every way a connection fails, so the log cannot be used to
    tell an open port from a closed one. Only a successful answer's start is kept.
    """
    host = safe_host(url)
    try:
        receiver = receivers.check(url)
    except receivers.ReceiverRefused as exc:
        # Not worth retrying an address that is not allowed; DNS that did not answer may be.
        return Answer(
            error=f"{host}: {REFUSED_ERROR if exc.code == 'refused_address' else UNRESOLVED_ERROR}",
            permanent=exc.code == "refused_address",
        )
    started = time.monotonic()
    connection = receivers.connection(receiver, TIMEOUT_SECONDS)
    try:
        connection.request("POST", receiver.target, body=body, headers=headers)
        response = connection.getresponse()
        code = response.status
        kept = _read(response) if 200 <= code < 300 else ""
        retry_after = _retry_after(response.headers)
    except Exception:  # refused, reset, timed out, TLS, a malformed answer: all look alike
        return Answer(error=f"{host}: {NO_ANSWER_ERROR}", duration_ms=_since(started))
    finally:
        connection.close()
    return Answer(
        status_code=code,
        body=kept,
        error="" if 200 <= code < 300 else f"{host}: HTTP {code}",
        retry_after=retry_after,
        duration_ms=_since(started),
    )


def deliver_one(delivery_id: int) -> str:
    """Post one delivery if it is pending and due, and record the answer. Never raises
    because of the receiver.

    The conditional UPDATE is the claim: of two workers given the same id, one moves the row
    to "sending" and the other updates nothing and stops.
    """
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return SKIPPED
    delivery = Delivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None:
        return SKIPPED  # its subscription was deleted since the claim
    try:
        answer = _send(delivery)
    except Exception as exc:
        # A bug or an unexpected library error: record it like any failure, never re-raise.
        logger.exception("Unexpected error posting webhook delivery %s", delivery_id)
        answer = Answer(error=type(exc).__name__)
    try:
        return _record(delivery, answer, attempted_at=now)
    except Exception:
        # The row vanished mid-send (its subscription deleted) or the database is away; a
        # row left "sending" is picked up again by reclaim_stuck.
        logger.exception("Could not record the answer to webhook delivery %s", delivery_id)
        return SKIPPED


def reclaim_stuck(now: dt.datetime | None = None) -> int:
    """Put rows whose worker died mid-send back in the queue (or fail them if out of tries).

    The body may have reached the receiver before the worker died; it is sent again with the
    same X-OpsDesk-Delivery id, which is what receivers de-duplicate on.
    """
    now = now or timezone.now()
    error = "Delivery interrupted: the worker stopped while sending."
    stuck = Delivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - STUCK_AFTER
    ).values_list("pk", "attempts", "claimed_at")[:BATCH]
    counts: Counter[str] = Counter()
    for pk, attempts, claimed_at in stuck:
        give_up = attempts >= MAX_ATTEMPTS
        changes: dict = {"claimed_at": None, "last_status_code": None, "last_error": error}
        if give_up:
            changes["status"] = DeliveryStatus.FAILED
        else:
            changes.update(status=DeliveryStatus.PENDING, next_attempt_at=now)
        with transaction.atomic():
            # Conditional on the claim we read: another reclaimer may have been faster.
            if Delivery.objects.filter(
                pk=pk, status=DeliveryStatus.SENDING, claimed_at=claimed_at
            ).update(**changes):
                # The interrupted try is logged like any other, so the log has every try.
                DeliveryAttempt.objects.create(delivery_id=pk, attempted_at=claimed_at, error=error)
                counts[FAILED if give_up else RETRY] += 1
    if counts:
        logger.warning(
            "Reclaimed %s webhook deliveries stuck in sending (%s given up)",
            counts.total(),
            counts[FAILED],
        )
    return counts.total()


def deliver_due(*, batch: int = BATCH, time_budget: float = TIME_BUDGET_SECONDS) -> dict[str, int]:
    """Reclaim stuck rows, then post pending rows that are due, oldest first."""
    counts: Counter[str] = Counter(reclaimed=reclaim_stuck())
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    started = time.monotonic()
    for delivery_id in ids:
        if time.monotonic() - started > time_budget:
            break  # the rest waits for the next run
        counts[deliver_one(delivery_id)] += 1
    return dict(counts)


# --- helpers ----------------------------------------------------------------------------------


def _send(delivery: Delivery) -> Answer:
    subscription = delivery.subscription
    if not subscription.is_active:
        return Answer(error="The subscription is switched off.", permanent=True)
    body = delivery.body.encode("utf-8")
    headers = signing.headers(
        secret=subscription.secret,
        body=body,
        event=delivery.event,
        event_id=str(delivery.event_id),
        timestamp=int(time.time()),
    )
    return post(subscription.url, body, headers)


def _record(delivery: Delivery, answer: Answer, *, attempted_at: dt.datetime) -> str:
    outcome = answer.outcome
    attempts = delivery.attempts  # already counts this try (incremented by the claim)
    if outcome == RETRY and attempts >= MAX_ATTEMPTS:
        outcome = FAILED
    now = timezone.now()
    changes: dict = {
        "claimed_at": None,
        "last_status_code": answer.status_code,
        "last_error": answer.error[:ERROR_LIMIT],
    }
    if outcome == DELIVERED:
        changes.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    elif outcome == RETRY:
        wait = backoff(attempts, answer.retry_after)
        changes.update(status=DeliveryStatus.PENDING, next_attempt_at=now + wait)
    else:
        changes["status"] = DeliveryStatus.FAILED
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            attempted_at=attempted_at,
            status_code=answer.status_code,
            # Only a successful answer's start: see post().
            response_body=answer.body if outcome == DELIVERED else "",
            error=answer.error[:ERROR_LIMIT],
            duration_ms=answer.duration_ms,
        )
        # Only while the claim is still ours: a reclaimer may have taken a very slow try back.
        Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=delivery.claimed_at
        ).update(**changes)
    if outcome == DELIVERED:
        logger.info("Webhook delivery %s (%s) delivered", delivery.pk, delivery.event)
    else:
        logger.warning(
            "Webhook delivery %s (%s to subscription %s at %s) failed, attempt %s of %s%s: %s",
            delivery.pk,
            delivery.event,
            delivery.subscription_id,
            safe_host(delivery.subscription.url),
            attempts,
            MAX_ATTEMPTS,
            ", giving up" if outcome == FAILED else "",
            answer.error,
        )
    return outcome


def _read(response) -> str:
    """The start of an answer, as text that any database can store."""
    try:
        raw = response.read(RESPONSE_LIMIT * 4)  # at most 4 bytes per UTF-8 character
    except Exception:  # the receiver hung up mid-answer: its status still counts
        return ""
    # PostgreSQL text cannot hold NUL characters, and a receiver may answer with anything.
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")[:RESPONSE_LIMIT]


def _retry_after(headers) -> int | None:
    """A numeric Retry-After in seconds; dates and nonsense are ignored (backoff applies)."""
    value = (headers.get("Retry-After") or "").strip() if headers is not None else ""
    return int(value) if value.isascii() and value.isdigit() else None


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
