"""Watchers (关注/抄送): people who hear of a ticket's public events without being its
reporter or engineer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.models.tickets import Ticket


class Watch(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="watches", verbose_name=_("ticket")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="watches",
        verbose_name=_("watcher"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("watcher")
        verbose_name_plural = _("watchers")
        ordering = ["ticket", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "person"], name="tickets_watch_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.person_id}"
