"""What e-mail intake keeps: the inbound mailboxes, one claim row per message seen, and the
dispatcher's triage list for what could not be filed on its own."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, Organization, OrganizationKind


class Security(models.TextChoices):
    TLS = "tls", _("TLS (IMAPS, usually port 993)")
    STARTTLS = "starttls", _("STARTTLS (usually port 143)")
    PLAIN = "plain", _("No encryption (loopback only, for tests)")


LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class MailboxQuerySet(models.QuerySet):
    def visible_to(self, user) -> MailboxQuerySet:
        """Mailboxes the user's vendor reads: its own, and those of its contracts. Hospitals
        have no say in how their vendor reads its mail."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        own = user.memberships.values("organization_id")
        return self.filter(Q(contract__vendor_id__in=own) | Q(vendor_id__in=own))


class Mailbox(models.Model):
    """An inbound mailbox polled over IMAP. Bound to one contract (every mail in it belongs
    to that contract) or to a vendor (a mail belongs to the sender's hospital's contract
    with that vendor, when there is exactly one)."""

    name = models.CharField(_("name"), max_length=100, help_text=_("e.g. 郁南 HIS fault desk"))
    contract = models.ForeignKey(
        Contract,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mailboxes",
        verbose_name=_("contract"),
    )
    vendor = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mailboxes",
        limit_choices_to={"kind": OrganizationKind.VENDOR},
        verbose_name=_("vendor"),
    )
    address = models.EmailField(
        _("address"),
        help_text=_("The address hospitals write to; notification mails name it as Reply-To."),
    )
    host = models.CharField(_("IMAP host"), max_length=255)
    port = models.PositiveIntegerField(
        _("IMAP port"), default=993, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    security = models.CharField(
        _("connection security"), max_length=10, choices=Security.choices, default=Security.TLS
    )
    username = models.CharField(_("user name"), max_length=255)
    # Kept server-side only: never shown in a page or an API answer (the admin's field is a
    # password input), like a notification channel's secret.
    password = models.CharField(_("password"), max_length=255)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    is_active = models.BooleanField(_("active"), default=True)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)

    objects = MailboxQuerySet.as_manager()

    class Meta:
        verbose_name = _("inbound mailbox")
        verbose_name_plural = _("inbound mailboxes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contract__isnull=False, vendor__isnull=True)
                | Q(contract__isnull=True, vendor__isnull=False),
                name="intake_mailbox_contract_or_vendor",
                violation_error_message=_("Bind the mailbox to a contract or to a vendor."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    def clean(self) -> None:
        errors = {}
        if bool(self.contract_id) == bool(self.vendor_id):
            errors["contract"] = _("Bind the mailbox to a contract or to a vendor, not both.")
        if self.security == Security.PLAIN and not is_loopback(self.host):
            errors["security"] = _(
                "Without encryption the password would cross the network in clear: use TLS "
                "or STARTTLS (an unencrypted connection is allowed only to this machine)."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def vendor_id_served(self) -> int:
        """The vendor whose desk reads this mailbox."""
        return self.vendor_id or self.contract.vendor_id


class ClaimState(models.TextChoices):
    PROCESSING = "processing", _("being processed")
    DONE = "done", _("handled")


class Outcome(models.TextChoices):
    TICKET = "ticket", _("filed as a ticket")
    COMMENT = "comment", _("added as a comment")
    TRIAGE = "triage", _("sent to triage")


class InboundMessage(models.Model):
    """One message of a mailbox, claimed by the worker that processes it.

    The row is the claim: created (or, once its lease ran out, taken over) with a conditional
    write before anything is filed, and marked done in the same transaction as the filing, so
    two pollers never file one message twice and a worker that died mid-message leaves a
    claim the next poll takes over. IMAP names a message by (UIDVALIDITY, UID) in a folder."""

    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.CASCADE, related_name="messages", verbose_name=_("mailbox")
    )
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"))
    uid = models.BigIntegerField(_("UID"))
    state = models.CharField(
        _("state"), max_length=12, choices=ClaimState.choices, default=ClaimState.PROCESSING
    )
    claim_token = models.CharField(max_length=32, editable=False)
    lease_until = models.DateTimeField(_("claimed until"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    sender = models.CharField(_("sender"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"], name="intake_message_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox_id}/{self.uidvalidity}/{self.uid}"


class TriageReason(models.TextChoices):
    UNKNOWN_SENDER = "unknown_sender", _("The sender is not one of the hospital's people.")
    AMBIGUOUS_CONTRACT = (
        "ambiguous_contract",
        _("The sender's hospital has more than one contract with this vendor."),
    )
    NO_CONTRACT = "no_contract", _("No contract of this vendor covers the sender's hospital.")
    NO_SYSTEM = "no_system", _("The mail does not say which system is affected.")
    NO_DEFAULT_LEVEL = (
        "no_default_level",
        _("The contract marks no level as the default for e-mail reports."),
    )
    MAY_NOT_COMMENT = (
        "may_not_comment",
        _("The mail answers a ticket its sender may not comment on."),
    )
    UNKNOWN_TICKET = "unknown_ticket", _("The mail answers a ticket that is not found here.")
    UNPARSABLE = "unparsable", _("The mail could not be read.")
    REFUSED = "refused", _("Filing it was refused.")


class TriageState(models.TextChoices):
    OPEN = "open", _("waiting")
    FILED = "filed", _("filed as a ticket")
    COMMENTED = "commented", _("added as a comment")
    DISMISSED = "dismissed", _("dismissed")


class TriageQuerySet(models.QuerySet):
    def visible_to(self, user) -> TriageQuerySet:
        """The entries of mailboxes the user's vendor reads (platform administrators: all)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from intake.policy import TRIAGE_ROLES

        vendors = user.memberships.filter(role__in=TRIAGE_ROLES).values("organization_id")
        return self.filter(
            Q(mailbox__vendor_id__in=vendors) | Q(mailbox__contract__vendor_id__in=vendors)
        )


# The stored raw message is for a person to inspect, not an archive: attachments beyond this
# are cut (the entry says so).
RAW_LIMIT_BYTES = 1024 * 1024


class TriageEntry(models.Model):
    """A mail the poller could not file on its own, waiting for the vendor's dispatcher."""

    message = models.OneToOneField(
        InboundMessage,
        on_delete=models.CASCADE,
        related_name="triage",
        verbose_name=_("message"),
    )
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.CASCADE, related_name="triage", verbose_name=_("mailbox")
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contract"),
        help_text=_("The contract the mail seems to belong to, where one was found."),
    )
    sender = models.CharField(_("sender"), max_length=255, blank=True)
    sender_name = models.CharField(_("sender's name"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    received_at = models.DateTimeField(_("received"))
    reason = models.CharField(_("why"), max_length=20, choices=TriageReason.choices)
    detail = models.TextField(_("details"), blank=True)
    raw = models.BinaryField(_("raw message"), blank=True)
    raw_truncated = models.BooleanField(_("raw message cut"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=TriageState.choices, default=TriageState.OPEN
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    resolved_at = models.DateTimeField(_("handled"), null=True, blank=True)
    resolution_note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TriageQuerySet.as_manager()

    class Meta:
        verbose_name = _("triage entry")
        verbose_name_plural = _("triage")
        ordering = ["-received_at", "-id"]
        indexes = [
            # The triage list: a desk's waiting entries, newest first.
            models.Index(
                fields=["mailbox", "-received_at"],
                condition=Q(state="open"),
                name="intake_triage_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender} · {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.state == TriageState.OPEN
