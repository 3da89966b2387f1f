"""Background delivery of notifications: thin adapters over notifications.delivery."""

from __future__ import annotations

from celery import shared_task

from notifications.delivery import deliver_due, deliver_notification


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver(notification_id: int) -> str:
    """Send one queued notification, scheduled after the commit that queued it.

    Failures are recorded on the row and retried by deliver_pending, never re-raised.
    """
    return deliver_notification(notification_id)


@shared_task(name="notifications.deliver_pending", ignore_result=True)
def deliver_pending() -> dict[str, int]:
    """Every minute: send what is due (retries, and rows the broker never carried), and put
    back rows a dead worker left in "sending"."""
    return deliver_due()
