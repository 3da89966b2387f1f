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
from django.core.validators import RegexValidator, URLValidator, validate_email
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
    CONSENT = "consent", _("Hospital's consent asked, given or disputed")
    AGREEMENT_REQUESTED = "agreement_requested", _("Time proposed for agreement")
    QUOTA_WARNED = "quota_warned", _("Person-day quota running out")
    # What a person hears of a ticket, finer than STATE_CHANGED (which group channels keep
    # receiving for every transition): a reporter wants these, not every step.
    TICKET_ACKNOWLEDGED = "ticket_acknowledged", _("Ticket acknowledged")
    TICKET_ARRIVED = "ticket_arrived", _("Engineer arrived on site")
    TICKET_RESOLVED = "ticket_resolved", _("Ticket resolved")
    COMMENT_ADDED = "comment_added", _("New comment")
    MENTIONED = "mentioned", _("You were mentioned")


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


class Medium(models.TextChoices):
    """How a message to one person travels."""

    EMAIL = "email", _("E-mail")
    WECOM_APP = "wecom_app", _("WeCom app message")


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
    # A person's message goes by e-mail, or as a WeCom app message to their bound UserID
    # (the app of their organisation, see WeComApp); a channel's by the channel's kind.
    medium = models.CharField(
        _("medium"), max_length=10, choices=Medium.choices, default=Medium.EMAIL
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


# --- WeCom self-built app (企业微信自建应用) ------------------------------------------------

DEFAULT_WECOM_API = "https://qyapi.weixin.qq.com"

validate_wecom_token = RegexValidator(
    r"^[A-Za-z0-9]{1,32}$",
    _("The Token is at most 32 letters or digits, as WeCom's console generates it."),
)
validate_encoding_aes_key = RegexValidator(
    r"^[A-Za-z0-9]{43}$",
    _("The EncodingAESKey is exactly 43 letters or digits, as WeCom's console generates it."),
)
validate_corp_id = RegexValidator(
    r"^[A-Za-z0-9_-]{1,64}$", _("Enter the corporation ID (企业ID) as WeCom shows it.")
)
validate_api_url = URLValidator(
    schemes=["https", "http"], message=_("Enter the WeCom API's http:// or https:// address.")
)


class WeComAppQuerySet(models.QuerySet):
    def active(self) -> WeComAppQuerySet:
        return self.filter(is_active=True)

    def sending(self) -> WeComAppQuerySet:
        """Apps that can send app messages: active, with their Secret."""
        return self.active().exclude(secret="")

    def of_person(self, person) -> WeComApp | None:
        """The app that reaches the person: their organisation's."""
        return self.sending().filter(organization__memberships__user=person).order_by("pk").first()

    def reachable(self, person_ids: list[int]) -> set[int]:
        """Which of these people an app of their organisation can send to (given a bound
        UserID, which the caller checks)."""
        if not person_ids:
            return set()
        return set(
            self.sending()
            .filter(organization__memberships__user_id__in=person_ids)
            .values_list("organization__memberships__user_id", flat=True)
        )


class WeComApp(models.Model):
    """An organisation's self-built WeCom app: its callback brings reports in (intake.wecom),
    its API sends people app messages (notifications.channels.send_wecom_app)."""

    organization = models.ForeignKey(
        "contracts.Organization",
        on_delete=models.CASCADE,
        related_name="wecom_apps",
        verbose_name=_("organisation"),
        help_text=_("Whose WeCom corporation this is: senders are looked up among its people."),
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. OpsDesk 报修"))
    corp_id = models.CharField(
        _("corporation ID"),
        max_length=64,
        validators=[validate_corp_id],
        help_text=_("企业ID, under 我的企业 → 企业信息 in WeCom's admin console."),
    )
    agent_id = models.PositiveIntegerField(_("AgentId"), help_text=_("The app's AgentId."))
    token = models.CharField(
        _("callback Token"),
        max_length=32,
        validators=[validate_wecom_token],
        help_text=_("From the app's 接收消息 → 设置API接收 page."),
    )
    encoding_aes_key = models.CharField(
        _("EncodingAESKey"),
        max_length=43,
        validators=[validate_encoding_aes_key],
        help_text=_("From the same page: 43 letters or digits."),
    )
    # Server-side only: the admin never shows it back (notifications.admin.WeComAppForm).
    secret = models.CharField(
        _("app Secret"),
        max_length=128,
        blank=True,
        help_text=_("Needed to send app messages; leave empty to only receive reports."),
    )
    api_base_url = models.CharField(
        _("API address"),
        max_length=200,
        default=DEFAULT_WECOM_API,
        validators=[validate_api_url],
        help_text=_("WeCom's API, or the intranet proxy that forwards to it."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = WeComAppQuerySet.as_manager()

    class Meta:
        verbose_name = _("WeCom app")
        verbose_name_plural = _("WeCom apps")
        ordering = ["organization", "name"]
        constraints = [
            # A person's app messages go through their organisation's app: one, not a choice.
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_active=True),
                name="notifications_one_active_wecom_app",
                violation_error_message=_("This organisation already has an active WeCom app."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})"

    @property
    def sends_messages(self) -> bool:
        return self.is_active and bool(self.secret)


class WeComNonce(models.Model):
    """A (timestamp, nonce) pair of a callback already accepted: the same pair again is a
    replay. With the message's MsgId: WeCom posts a message again, under a new nonce, when
    the first answer took over 5 s, and the message must not file a second ticket.
    Rows outlive the accepted timestamp window and are purged as new ones arrive."""

    app = models.ForeignKey(WeComApp, on_delete=models.CASCADE, related_name="+")
    timestamp = models.BigIntegerField()
    nonce = models.CharField(max_length=64)
    msg_id = models.CharField(max_length=64, blank=True)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["app", "timestamp", "nonce"], name="notifications_wecom_nonce_once"
            ),
            models.UniqueConstraint(
                fields=["app", "msg_id"],
                condition=~Q(msg_id=""),
                name="notifications_wecom_message_once",
            ),
        ]
        indexes = [
            # intake.wecom.remember: purge pairs older than the window.
            models.Index(fields=["seen_at"], name="notifications_wecom_nonce_age"),
        ]

    def __str__(self) -> str:
        return f"{self.timestamp}/{self.nonce}"


class Preference(models.Model):
    """How one person wants to hear of one kind of event; no row means the default of their
    roles (notifications.preferences.ROLE_DEFAULTS)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("person"),
    )
    event = models.CharField(_("event"), max_length=40, choices=NotificationEvent.choices)
    email = models.BooleanField(_("e-mail"), default=False)
    wecom_app = models.BooleanField(_("WeCom app message"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["person", "event"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "event"], name="notifications_preference_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.event}"
