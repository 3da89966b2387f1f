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


@shared_task(name="notifications.deliver_each", ignore_result=True)
def deliver_each(notification_ids: list[int]) -> list[str]:
    """Send the notifications one transaction queued (a filing tells two or three people),
    one after another: one message through the broker rather than one per notification.
    Each is claimed, sent, and on failure retried by deliver_pending on its own, as
    deliver() does; one a dead worker never reached is still pending, and sent by it too."""
    return [deliver_notification(notification_id) for notification_id in notification_ids]


@shared_task(name="notifications.deliver_pending", ignore_result=True)
def deliver_pending() -> dict[str, int]:
    """Every minute: send what is due (retries, and rows the broker never carried), and put
    back rows a dead worker left in "sending"."""
    return deliver_due()
