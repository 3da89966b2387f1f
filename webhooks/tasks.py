"""Background posting of webhook deliveries: thin adapters over webhooks.delivery."""

from __future__ import annotations

from celery import shared_task

from webhooks.delivery import deliver_due, deliver_one


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver(delivery_id: int) -> str:
    """Post one queued delivery, scheduled after the commit that queued it.

    Failures are recorded on the row and retried by deliver_pending, never re-raised.
    """
    return deliver_one(delivery_id)


@shared_task(name="webhooks.deliver_pending", ignore_result=True)
def deliver_pending() -> dict[str, int]:
    """Every minute: post what is due (retries, and rows the broker never carried), and put
    back rows a dead worker left in "sending"."""
    return deliver_due()
