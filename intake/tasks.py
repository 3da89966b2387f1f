"""Background work of e-mail intake: thin adapters over the services."""

from __future__ import annotations

from celery import shared_task

from intake.mail_poll import poll_all


@shared_task(name="intake.poll_mailboxes", ignore_result=True)
def poll_mailboxes() -> dict[str, int]:
    """Every minute: read the inbound mailboxes; each message is claimed, so two workers
    running this at once file every message once."""
    return poll_all()
