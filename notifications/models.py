"""The notification outbox (通知) and the channels a contract is told through.

A Notification row is written in the same transaction as the fact that causes it (a ticket
reported, a deadline missed …), already rendered in its reader's language. Sending happens
later, from a Celery worker, so a mail server or group robot that is down never breaks the
ticket flow, and nothing is lost when the broker is down: the periodic `deliver_pending`
task finds every row still pending.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Messages to group channels are read by a whole team, so they use the site language.
CHANNEL_LANGUAGE = "zh-hans"


class NotificationEvent(models.TextChoices):
    """What happened. A new event only needs a member here (and a no-op choices migration)."""

    TICKET_CREATED = "ticket_created", _("Ticket reported")
    STATE_CHANGED = "state_changed", _("Ticket state changed")
    CLOCK_WARNED = "clock_warned", _("Deadline approaching")
    CLOCK_BREACHED = "clock_breached", _("Deadline missed")
    LEVEL_RAISED = "level_raised", _("Level changed")
    TICKET_ASSIGNED = "ticket_assigned", _("Ticket assigned")
    HOLIDAY_DATA_MISSING = "holiday_data_missing", _("Holiday schedule missing")
    INSPECTION_DUE = "inspection_due", _("Inspection due")
    INSPECTION_OVERDUE = "inspection_overdue", _("Inspection overdue")
    REPORT_READY = "report_ready", _("Report ready")


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


ROBOT_KINDS = frozenset({ChannelKind.WECOM, ChannelKind.DINGTALK})

# Commas, semicolons (also the full-width ones a Chinese keyboard types) or white space.
_ADDRESS_SEPARATORS = re.compile(r"[,;，；\s]+")


def split_addresses(value: str) -> list[str]:
    return [address for address in _ADDRESS_SEPARATORS.split(value or "") if address]


def validate_email_list(value: str) -> None:
    bad = []
    for address in split_addresses(value):
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError(
            _("Not an e-mail address: %(addresses)s."),
            code="invalid_email",
            params={"addresses": ", ".join(bad)},
        )


def validate_event_codes(value) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Give the events as a list of event codes."), code="invalid")
    unknown = [code for code in value if code not in NotificationEvent.values]
    if unknown:
        raise ValidationError(
            _("Unknown event: %(codes)s. Known events: %(known)s."),
            code="unknown_event",
            params={"codes": ", ".join(unknown), "known": ", ".join(NotificationEvent.values)},
        )


validate_webhook_url = URLValidator(
    schemes=["https", "http"], message=_("Enter the robot's http:// or https:// webhook address.")
)


class Channel(models.Model):
    """A group chat or mailing list of a contract that hears about its tickets."""

    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.CASCADE,
        related_name="notification_channels",
        verbose_name=_("contract"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. IT duty group"))
    webhook_url = models.CharField(
        _("webhook address"),
        max_length=500,
        blank=True,
        validators=[validate_webhook_url],
        # The address carries the robot's access token: treat it as a password.
        help_text=_("The robot's address as the group settings show it, token included."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk robots with “signature” security only (starts with SEC)."),
    )
    email_to = models.CharField(
        _("e-mail addresses"),
        max_length=1000,
        blank=True,
        validators=[validate_email_list],
        help_text=_("Separated by commas."),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        validators=[validate_event_codes],
        help_text=_("What this channel is told about."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["contract", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_robot(self) -> bool:
        return self.kind in ROBOT_KINDS

    @property
    def email_addresses(self) -> list[str]:
        return split_addresses(self.email_to)

    def wants(self, event: str) -> bool:
        return self.is_active and event in (self.events or [])

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.is_robot and not self.webhook_url:
            errors.setdefault("webhook_url", []).append(
                _("A group robot needs its webhook address.")
            )
        if self.kind == ChannelKind.EMAIL and not self.email_addresses:
            errors.setdefault("email_to", []).append(
                _("An e-mail channel needs at least one address.")
            )
        if self.secret and self.kind != ChannelKind.DINGTALK:
            errors.setdefault("secret", []).append(
                _("Only DingTalk robots sign their messages; leave the secret empty.")
            )
        if not self.events:
            errors.setdefault("events", []).append(_("Choose at least one event."))
        if errors:
            raise ValidationError(errors)


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One message to one person or one channel: the outbox row, sent after commit."""

    event = models.CharField(_("event"), max_length=40, choices=NotificationEvent.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("ticket"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    channel = models.ForeignKey(
        Channel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("channel"),
    )
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    # One key per fact and reader ("clock:123:breach:user:7"): the unique index is what stops
    # two workers that noticed the same breach from queuing it twice.
    dedupe_key = models.CharField(_("deduplication key"), max_length=255, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # When a worker claimed the row; a row "sending" for long belongs to a worker that died.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(recipient__isnull=False, channel__isnull=True)
                    | Q(recipient__isnull=True, channel__isnull=False)
                ),
                name="notifications_notification_one_target",
                violation_error_message=_("A notification goes to a person or to a channel."),
            ),
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notifications_notification_dedupe_once",
            ),
        ]
        indexes = [
            # deliver_pending: pending rows whose next attempt is due, oldest first. Sent rows,
            # the bulk of the table, stay out of the index.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="notifications_pending_due",
            ),
            # deliver_pending's reclaim: rows a worker claimed long ago and never finished.
            models.Index(
                fields=["claimed_at"],
                condition=Q(status="sending"),
                name="notifications_sending_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.target}"

    @property
    def target(self) -> str:
        return str(self.recipient if self.recipient_id else self.channel)
