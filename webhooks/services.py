"""Queuing webhook deliveries: the API the rest of OpsDesk calls.

Call `publish` inside the transaction that records the fact: the rows commit or roll back
with it, and posting is scheduled only after commit. Nothing here posts anything or raises
because a receiver or the broker is down.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from opsdesk import outbox
from webhooks.models import Delivery, DeliveryStatus, Subscription, WebhookEvent
from webhooks.tasks import deliver

if TYPE_CHECKING:
    from contracts.models import Contract


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
    subscriptions: list[Subscription] | None = None,
) -> list[Delivery]:
    """Queue `event` for every active subscription of the contract's hospital and vendor that
    wants it (all-contract subscriptions and those limited to this contract).

    `data` must be JSON-serialisable (dates, decimals and UUIDs are fine), or a callable
    returning it: then it is built only when someone subscribed. With `dedupe`, a
    subscription gets the event at most once ever: the key is extended per subscription
    ("clock:12:breach" → "clock:12:breach:sub:4"). Returns the rows created now.
    One query when nobody subscribed, none when the caller passes the contract's
    `subscriptions` (active_subscriptions()): the breach sweep calls this for every clock.
    """
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}.")
    if subscriptions is None:
        subscriptions = active_subscriptions([contract])[contract.pk]
    # In Python: JSON containment is not available on SQLite, and an organisation has few
    # subscriptions.
    wanted = [subscription for subscription in subscriptions if subscription.wants(event)]
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


def subscriptions_covering(contracts: list[Contract]):
    """The active subscriptions of these contracts' hospitals and vendors for all their
    contracts or one of these, as a queryset (unordered): a few more than cover each
    contract when there are several, which active_subscriptions() then sorts out."""
    organizations = {c.hospital_id for c in contracts} | {c.vendor_id for c in contracts}
    return Subscription.objects.filter(
        Q(contract__isnull=True) | Q(contract_id__in=[c.pk for c in contracts]),
        organization_id__in=organizations,
        is_active=True,
    )


def active_subscriptions(contracts: list[Contract]) -> dict[int, list[Subscription]]:
    """For each contract, the active subscriptions of its hospital and vendor that cover it
    (all their contracts, or this one); one query however many contracts."""
    found = list(subscriptions_covering(contracts).order_by("pk"))
    return {
        contract.pk: [
            s
            for s in found
            if s.organization_id in (contract.hospital_id, contract.vendor_id)
            and s.contract_id in (None, contract.pk)
        ]
        for contract in contracts
    }


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
    """Hand the rows to the workers now; never raises (see opsdesk.outbox.enqueue)."""
    return outbox.enqueue(deliver, ids, "webhook deliveries")


# --- helpers ----------------------------------------------------------------------------------


def _key(dedupe: str, target: str) -> str:
    return outbox.dedupe_key(dedupe, target, _KEY_LIMIT)


def _queue(rows: list[Delivery]) -> list[Delivery]:
    return outbox.queue(Delivery, rows, deliver, "webhook deliveries")
