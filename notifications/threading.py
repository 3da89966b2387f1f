"""Threading of notification mails: replies find their way back to the ticket.

Each notification mail carries a Message-ID made from the notification and its ticket, so a
reply's In-Reply-To or References names the ticket (the mail poller reads it back with
ticket_id_from), and a Reply-To naming the inbound mailbox of the ticket's contract or vendor.
"""

from __future__ import annotations

import re

from django.conf import settings


def message_id_for(notification_id: int, ticket_id: int | None) -> str:
    """Stable per notification: a retried send repeats it, so the recipient's client sees one
    message, not two."""
    ticket = f".t{ticket_id}" if ticket_id else ""
    return f"<opsdesk.n{notification_id}{ticket}@{settings.MAIL_MESSAGE_ID_DOMAIN}>"


def ticket_id_from(message_id: str) -> int | None:
    """The ticket a Message-ID of ours was about (None: not ours, or about no ticket)."""
    pattern = rf"^<?opsdesk\.n\d+\.t(\d+)@{re.escape(settings.MAIL_MESSAGE_ID_DOMAIN)}>?$"
    match = re.match(pattern, message_id.strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None
