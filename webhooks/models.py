"""Webhook subscriptions of hospitals and vendors, and the outbox of signed deliveries.

A Subscription is an organisation's URL that hears about chosen events of the contracts the
organisation is party to. A Delivery row is written in the same transaction as the fact it
reports, with the exact bytes that will be signed and sent; a Celery worker posts it later
and logs every try as a DeliveryAttempt, so a receiver that is down never breaks the ticket
flow and its answers can be shown to whoever runs it.
"""

from __future__ import annotations

import ipaddress
import secrets
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models.organizations import related_or_none
from webhooks import receivers


class WebhookEvent(models.TextChoices):
    """What a receiver may subscribe to; the value is sent as X-OpsDesk-Event."""

    # The same English words as the notification events, so they share one translation.
    TICKET_CREATED = "ticket.created", _("Ticket reported")
    STATE_CHANGED = "ticket.state_changed", _("Ticket state changed")
    CLOCK_WARNED = "clock.warned", _("Deadline approaching")
    CLOCK_BREACHED = "clock.breached", _("Deadline missed")
    REPORT_READY = "report.ready", _("Report ready")


def new_secret() -> str:
    """256 random bits, as 64 hex characters: easy to paste into a receiver's configuration."""
    return secrets.token_hex(32)


def validate_event_codes(value) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Give the events as a list of event codes."), code="invalid")
    unknown = [code for code in value if code not in WebhookEvent.values]
    if unknown:
        raise ValidationError(
            _("Unknown event: %(codes)s. Known events: %(known)s."),
            code="unknown_event",
            params={"codes": ", ".join(unknown), "known": ", ".join(WebhookEvent.values)},
        )


def validate_receiver_url(value: str) -> None:
    """http(s) with a host. Single-word intranet hosts (http://his-gw/hook) are fine: hospital
    systems live on intranets, which Django's URLValidator would refuse."""
    message = _("Enter the receiver's http:// or https:// address.")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ValidationError(message, code="invalid_url") from exc
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(character.isspace() for character in value)
    ):
        raise ValidationError(message, code="invalid_url")


class Subscription(models.Model):
    """An organisation's receiver URL and the events it wants, for all or one of its contracts."""

    organization = models.ForeignKey(
        "contracts.Organization",
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("organisation"),
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        verbose_name=_("contract"),
        help_text=_("Leave empty to hear about every contract of the organisation."),
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. HIS integration"))
    url = models.CharField(
        _("receiver address"),
        max_length=500,
        validators=[validate_receiver_url],
        help_text=_("OpsDesk POSTs each event here as signed JSON."),
    )
    # Not editable: generated here and replaced only by rotate_secret(), so nobody types a
    # weak one and forms never echo it back.
    secret = models.CharField(
        _("signing secret"), max_length=200, default=new_secret, editable=False
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        validators=[validate_event_codes],
        help_text=_("What this receiver is told about."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["organization", "name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return self.is_active and event in (self.events or [])

    def rotate_secret(self) -> str:
        """Replace the secret, save it, and return the new one (to show once)."""
        self.secret = new_secret()
        if self.pk is not None:
            Subscription.objects.filter(pk=self.pk).update(secret=self.secret)
        return self.secret

    def clean(self) -> None:
        errors: dict[str, list] = {}
        contract = related_or_none(self, "contract")
        parties = (contract.hospital_id, contract.vendor_id) if contract is not None else ()
        if parties and self.organization_id and self.organization_id not in parties:
            errors.setdefault("contract", []).append(
                _("Choose a contract the organisation is party to.")
            )
        if not self.events:
            errors.setdefault("events", []).append(_("Choose at least one event."))
        try:
            validate_receiver_url(self.url)
        except ValidationError:
            pass  # the field's own validator said so already
        else:
            try:
                receivers.check(self.url)
            except receivers.ReceiverRefused as exc:
                errors.setdefault("url", []).append(exc.message)
        if errors:
            raise ValidationError(errors)


def validate_network(value: str) -> None:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise ValidationError(
            _("Enter a network such as 10.20.0.0/16 or fd00:1::/64."), code="invalid_network"
        ) from exc


class IntranetNetwork(models.Model):
    """A hospital intranet network webhooks may be posted to although it is not public.

    Kept by platform administrators only (webhooks/admin.py); every change goes through the
    admin and so into the audit trail. See webhooks/receivers.py for what is refused without.
    """

    network = models.CharField(
        _("network"),
        max_length=49,
        unique=True,
        validators=[validate_network],
        help_text=_("An address range in CIDR form, e.g. 10.20.0.0/16."),
    )
    reason = models.CharField(
        _("reason"), max_length=200, help_text=_("Whose systems live there, and why allowed.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("allowed intranet network")
        verbose_name_plural = _("allowed intranet networks")
        ordering = ["network"]

    def __str__(self) -> str:
        return self.network

    def save(self, *args, **kwargs) -> None:
        # One spelling per network: "10.20.1.7/16" is stored as "10.20.0.0/16".
        self.network = str(ipaddress.ip_network(self.network, strict=False))
        super().save(*args, **kwargs)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One event for one subscription: the outbox row, posted after commit and retried."""

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("webhook subscription"),
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    # Sent as X-OpsDesk-Delivery and inside the body: the same on every retry, so a receiver
    # that got a delivery twice (a lost answer, a worker killed after sending) can drop it.
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField(_("payload"))
    # The exact text that is signed and posted, serialised once when queued: retries send the
    # same bytes, so the signature a receiver checked before still matches.
    body = models.TextField(_("body"))
    # One key per fact and subscription ("clock:123:breach:sub:4"): the unique index is what
    # stops two workers that noticed the same breach from queuing it twice.
    dedupe_key = models.CharField(_("deduplication key"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # When a worker claimed the row; a row "sending" for long belongs to a worker that died.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="webhooks_delivery_dedupe_once",
            ),
        ]
        indexes = [
            # deliver_pending: pending rows whose next attempt is due. Delivered rows, the bulk
            # of the table, stay out of the index.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhooks_pending_due",
            ),
            # deliver_pending's reclaim: rows a worker claimed long ago and never finished.
            models.Index(
                fields=["claimed_at"],
                condition=Q(status="sending"),
                name="webhooks_sending_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery and what came back: the log a receiver's operator debugs with."""

    delivery = models.ForeignKey(
        Delivery,
        on_delete=models.CASCADE,
        # Not "attempts": Delivery.attempts is the counter that drives the retries.
        related_name="attempt_log",
        verbose_name=_("webhook delivery"),
    )
    attempted_at = models.DateTimeField(_("attempted at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(
        _("HTTP status"), null=True, blank=True, help_text=_("Empty when no answer came.")
    )
    response_body = models.TextField(_("answer"), blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery", "attempted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at:%Y-%m-%d %H:%M:%S}"
