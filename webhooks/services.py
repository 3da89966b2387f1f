"""Queuing webhook deliveries: the API the rest of OpsDesk calls.

Call `publish` inside the transaction that records the fact: the rows commit or roll back
with it, and posting is scheduled only after commit. Nothing here posts anything or raises
because a receiver or the broker is down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from webhooks.models import Delivery, DeliveryStatus, Subscription, WebhookEvent
from webhooks.tasks import deliver

if TYPE_CHECKING:
    from contracts.models import Contract

logger = logging.getLogger(__name__)

_KEY_LIMIT = Delivery._meta.get_field("dedupe_key").max_length


def serialize(envelope: dict) -> str:
    """The one JSON form of a body: compact, sorted, UTF-8 text (Chinese stays readable)."""
    return json.dumps(
        envelope, ensure_ascii=False, separators=(",", ":"), sort_keys=True, cls=DjangoJSONEncoder
    )


def publish(
    event: str,
    *,
    contract: Contract,
    data: dict | Callable[[], dict],
    occurred_at: dt.datetime | None = None,
    dedupe: str = "",
) -> list[Delivery]:
    """Queue `event` for every active subscription of the contract's hospital and vendor that
    wants it (all-contract subscriptions and those limited to this contract).

    `data` must be JSON-serialisable (dates, decimals and UUIDs are fine), or a callable
    returning it: then it is built only when someone subscribed. With `dedupe`, a
    subscription gets the event at most once ever: the key is extended per subscription
    ("clock:12:breach" → "clock:12:breach:sub:4"). Returns the rows created now.
    One query when nobody subscribed: the breach sweep calls this for every clock.
    """
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}.")
    wanted = [
        subscription
        for subscription in Subscription.objects.filter(
            Q(contract__isnull=True) | Q(contract_id=contract.pk),
            organization_id__in=(contract.hospital_id, contract.vendor_id),
            is_active=True,
        )
        # In Python: JSON containment is not available on SQLite, and an organisation has few
        # subscriptions.
        if subscription.wants(event)
    ]
    if not wanted:
        return []
    occurred_at = timezone.localtime(occurred_at or timezone.now(), dt.UTC)
    if callable(data):
        data = data()
    rows = []
    for subscription in wanted:
        event_id = uuid.uuid4()
        body = serialize(
            {"event": event, "event_id": str(event_id), "occurred_at": occurred_at, "data": data}
        )
        rows.append(
            Delivery(
                subscription=subscription,
                event=event,
                event_id=event_id,
                # Parsed back from the body, so the stored payload is exactly what is sent.
                payload=json.loads(body),
                body=body,
                dedupe_key=_key(dedupe, f"sub:{subscription.pk}"),
            )
        )
    return _queue(rows)


def redeliver(delivery: Delivery) -> bool:
    """Put a failed delivery back in the queue now, with a fresh round of attempts.

    For a "deliver again" button: the receiver has been fixed. The same body and event id
    are sent, so a receiver that did store it can still drop the duplicate. The attempt log
    keeps the earlier tries. Returns False (and changes nothing) unless the row had failed.
    """
    now = timezone.now()
    updated = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, claimed_at=None
    )
    if not updated:
        return False
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, now
    delivery.claimed_at = None
    transaction.on_commit(partial(enqueue, [delivery.pk]), robust=True)
    return True


def enqueue(ids: Iterable[int]) -> int:
    """Hand the rows to the workers. Never raises; returns how many were handed over.

    If the broker is unreachable the rows simply stay pending: deliver_pending posts them
    within a minute or so of the broker (or a worker) coming back.
    """
    ids = list(ids)
    for index, delivery_id in enumerate(ids):
        try:
            deliver.delay(delivery_id)
        except Exception as exc:  # kombu/redis OperationalError, or anything else the broker says
            # Each attempt may wait seconds for a dead broker: stop at the first failure.
            logger.warning(
                "Could not enqueue %s webhook deliveries (%s: %s); deliver_pending will send them.",
                len(ids) - index,
                type(exc).__name__,
                exc,
            )
            return index
    return len(ids)


# --- helpers ----------------------------------------------------------------------------------


def _key(dedupe: str, target: str) -> str:
    if not dedupe:
        return ""
    key = f"{dedupe}:{target}"
    if len(key) > _KEY_LIMIT:
        # Still one key per fact and subscription, just not readable.
        key = "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    return key


def _queue(rows: list[Delivery]) -> list[Delivery]:
    created = _insert_once(rows)
    if created:
        transaction.on_commit(partial(enqueue, [row.pk for row in created]), robust=True)
    return created


def _insert_once(rows: list[Delivery]) -> list[Delivery]:
    """Insert the rows, skipping any whose dedupe key is already taken.

    The unique index decides races: when two transactions insert the same key on
    PostgreSQL, the second waits for the first and then fails; its savepoint is rolled
    back and the row is skipped, leaving the caller's transaction intact.
    """
    plain = [row for row in rows if not row.dedupe_key]
    keyed = [row for row in rows if row.dedupe_key]
    created = Delivery.objects.bulk_create(plain) if plain else []
    if keyed:
        taken = set(
            Delivery.objects.filter(dedupe_key__in=[row.dedupe_key for row in keyed]).values_list(
                "dedupe_key", flat=True
            )
        )
        for row in keyed:
            if row.dedupe_key in taken:
                continue
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                if not Delivery.objects.filter(dedupe_key=row.dedupe_key).exists():
                    raise  # some other constraint: a bug, not a duplicate
                continue
            created.append(row)
    return created
