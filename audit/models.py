"""The audit trail (等保 2.0 level 3, 安全审计): who did what, when, from which address.

Rows are append-only. The model refuses to update or delete one; on PostgreSQL a trigger
(migration 0002) refuses it in the database too, so neither a bug nor a hand-typed SQL
statement rewrites history. Only the retention purge (audit.services.purge_expired) deletes,
and only rows older than AUDIT_RETENTION_DAYS (never fewer than 180 days).
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit entry: the trail is append-only."""


class AuditEntryQuerySet(models.QuerySet):
    # Bulk updates and deletes would bypass save() and delete(): refused here too. The purge
    # deletes through the base manager (a plain one), as does ON DELETE SET NULL of a
    # deleted person or contract; on PostgreSQL the trigger still guards both.
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries are append-only: they cannot be updated.")

    def delete(self):
        raise AppendOnlyError(
            "Audit entries are append-only: only the retention purge deletes them."
        )


class AuditEntry(models.Model):
    at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # Served by the (actor, at) index below.
        db_index=False,
        verbose_name=_("person"),
    )
    # The name as it was: kept when the account is renamed or deleted.
    actor_name = models.CharField(_("person (as recorded)"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    action = models.CharField(
        _("action"), max_length=100, help_text=_("A dotted name, e.g. tickets.ticket.acknowledge.")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # Served by the (contract, at) index below.
        db_index=False,
        verbose_name=_("contract"),
    )
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-pk"]
        # Nobody may be granted add, change or delete: the admin only shows.
        default_permissions = ("view",)
        indexes = [
            # The admin's list, newest first, its date filters; the purge's `at < cutoff`.
            models.Index(fields=["-at"], name="audit_by_time"),
            # One person's actions, newest first (and ON DELETE SET NULL of a person).
            models.Index(fields=["actor", "-at"], name="audit_by_actor_time"),
            # One action's entries, newest first (all failed sign-ins, all exports …).
            models.Index(fields=["action", "-at"], name="audit_by_action_time"),
            # An organisation administrator's scope: their contracts' entries, newest first.
            models.Index(fields=["contract", "-at"], name="audit_by_contract_time"),
            # Everything that happened to one object (a ticket, an account).
            models.Index(fields=["object_type", "object_id"], name="audit_by_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name or '-'} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit entries are append-only: they cannot be updated.")
        # An INSERT, always: never Django's "UPDATE, else INSERT" for a row given a pk.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(
            "Audit entries are append-only: only the retention purge deletes them."
        )
