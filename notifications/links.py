"""Absolute links for messages read outside OpsDesk (WeCom app messages and replies)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def ticket_url(ticket) -> str:
    """The ticket's page at the address people open OpsDesk at (settings.SITE_URL)."""
    return settings.SITE_URL + reverse("ticket-detail", args=[ticket.number])
