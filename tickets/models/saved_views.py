"""A person's saved filters of a ticket list ("my hospital's level-1 faults this month")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ListPage(models.TextChoices):
    TICKETS = "tickets", _("Tickets")
    QUEUE = "queue", _("Queue")
    DISPATCH = "dispatch", _("Dispatch")


class SavedView(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
    )
    page = models.CharField(_("list"), max_length=20, choices=ListPage.choices)
    name = models.CharField(_("name"), max_length=60)
    # The list's filters as a query string (tickets.filters.filter_query): only filters.
    query = models.CharField(_("filters"), max_length=1000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "page", "name"], name="tickets_savedview_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
