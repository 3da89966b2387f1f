"""What happened to a ticket: every transition, comment, worklog and clock change, in order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets.models.agreements import AgreementChannel
from tickets.models.contract_copy import ContractCopy
from tickets.models.tickets import Channel, State, Ticket

# What a timeline line says when it is not a state change.
EVENT_LABELS = {
    "tickets.ticket.reported": _("reported the fault"),
    "tickets.ticket.acknowledge": _("responded with a plan"),
    "tickets.ticket.commented": _("commented"),
    "tickets.ticket.edited": _("corrected the report"),
    "tickets.ticket.level_changed": _("changed the level"),
    "tickets.ticket.work_logged": _("logged work"),
    "tickets.ticket.file_attached": _("attached a file"),
    "tickets.clock.extended": _("extended a clock with the hospital's consent"),
    "tickets.clock.breach_explained": _("gave the reason for a missed deadline"),
    "tickets.consent.requested": _("asked the hospital's consent"),
    "tickets.consent.granted": _("agreed for the hospital"),
    "tickets.consent.refused": _("refused for the hospital"),
    "tickets.consent.recorded": _("recorded a consent the hospital gave outside OpsDesk"),
    "tickets.consent.withdrawn": _("withdrew a consent request"),
    "tickets.consent.disputed": _("disputed a consent recorded in the hospital's name"),
}


def _moment(value: str | None) -> str:
    if not value:
        return gettext("still down")
    return f"{timezone.localtime(dt.datetime.fromisoformat(value)):%Y-%m-%d %H:%M}"


def _span(data: dict) -> str:
    text = f"{_moment(data.get('started_at'))} – {_moment(data.get('ended_at'))}"
    return text + (" " + gettext("(partial)") if data.get("partial") else "")


# Lines that say what they changed, from the facts stored with them.
DESCRIBED = {
    "tickets.ticket.marked_recurrence": lambda d: (
        gettext("linked it to %(number)s as the same problem (occurrence %(count)s)")
        % {"number": d.get("of", ""), "count": d.get("occurrences", "?")}
    ),
    "tickets.ticket.recurrence_unlinked": lambda d: (
        gettext("unlinked it from %(number)s; the level stays %(level)s unless someone changes it")
        % {"number": d.get("of", ""), "level": d.get("level", "")}
    ),
    "tickets.ticket.outage_opened": lambda d: (
        gettext("level-1 fault: outage opened from the report time, %(span)s") % {"span": _span(d)}
    ),
    "tickets.ticket.outage_recorded": lambda d: (
        gettext("recorded an outage: %(span)s") % {"span": _span(d)}
    ),
    "tickets.ticket.outage_corrected": lambda d: (
        gettext("corrected an outage to %(span)s (it said %(before)s)")
        % {"span": _span(d), "before": _span(d.get("before", {}))}
    ),
    "tickets.ticket.outage_closed": lambda d: (
        gettext("the service is back: outage %(span)s") % {"span": _span(d)}
    ),
    "tickets.ticket.outage_withdrawn": lambda d: (
        gettext("withdrew the outage %(span)s") % {"span": _span(d)}
    ),
}


class VisibilityQuerySet(models.QuerySet):
    """Timeline lines and attachments as one person may see them.

    The one rule of internal notes (内部备注): a row marked `internal` is the vendor's own
    talk about a ticket, read only by the vendor's staff of the ticket's contract (and
    platform administrators). Every page, API answer, export, search and PDF that shows
    comments or files reads them through `visible_to()` or `public()`, never `.all()`.
    """

    def public(self):
        """What the hospital's side may read: everything but internal notes and files."""
        return self.filter(internal=False)

    def visible_to(self, user, *, organizations=None):
        """What `user` may read (rows of tickets they may see are the caller's to choose).
        `organizations`: the ids an API token acts for; a token of a hospital never reads
        internal notes, even when its person also works for a vendor."""
        return self.readable_by(Reader.of(user, organizations))

    def readable_by(self, reader: Reader):
        """visible_to() for a reader already worked out: a ticket's page reads its timeline
        and its files for the same person, and asks who they work for once."""
        if reader.sees_nothing:
            return self.none()
        if reader.sees_everything:
            return self
        if not reader.vendors:
            return self.public()
        return self.filter(Q(internal=False) | Q(ticket__contract__vendor_id__in=reader.vendors))


@dataclass(frozen=True)
class Reader:
    """Who reads a timeline, as the rule of internal notes sees them: nobody (signed out), a
    platform administrator (everything), or the vendors they work for (none: the hospital's
    side, which reads no internal note)."""

    vendors: tuple[int, ...] = ()
    sees_everything: bool = False
    sees_nothing: bool = False

    @classmethod
    def of(cls, user, organizations=None) -> Reader:
        if not getattr(user, "is_authenticated", False):
            return cls(sees_nothing=True)
        if user.is_superuser and organizations is None:
            return cls(sees_everything=True)
        return cls(vendors=tuple(vendor_organizations(user, organizations)))


def vendor_organizations(user, organizations=None) -> list[int]:
    """The organisations where `user` works as vendor staff (within `organizations`)."""
    # Imported here: tickets.policy reads the ticket models.
    from contracts.models import Membership
    from tickets.policy import VENDOR_STAFF

    memberships = Membership.objects.filter(user=user, role__in=VENDOR_STAFF)
    if organizations is not None:
        memberships = memberships.filter(organization_id__in=organizations)
    return sorted(set(memberships.values_list("organization_id", flat=True)))


class Event(models.Model):
    """One line of a ticket's timeline; append-only.

    `action` is a dotted name such as `tickets.ticket.acknowledged` or
    `tickets.clock.extended`; `data` holds what the line needs to be read later.
    """

    # Looked up by the timeline's (ticket, at) index, which leads with it.
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("ticket"),
        db_index=False,
    )
    action = models.CharField(_("action"), max_length=60)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    from_state = models.CharField(_("previous state"), max_length=20, blank=True)
    to_state = models.CharField(_("new state"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # An internal note (内部备注), or the line of an internal file: the vendor's only.
    # db_default: rows written in bulk (tickets/bulk.py, bench populations) are public.
    internal = models.BooleanField(_("internal"), default=False, db_default=False)

    objects = VisibilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline")
        ordering = ["ticket", "at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="tickets_event_timeline")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        """What the line says, for people to read (the page, the API's `summary`, the
        reports' ticket book): describe()."""
        return describe(self)

    def _agreement_label(self) -> str:
        """A change window or an on-site time proposed or agreed, with its times."""

        def when(key: str) -> str:
            return f"{timezone.localtime(dt.datetime.fromisoformat(self.data[key])):%Y-%m-%d %H:%M}"

        if self.action == "tickets.ticket.window_proposed":
            return gettext("proposed the change window %(start)s – %(end)s") % {
                "start": when("starts_at"),
                "end": when("ends_at"),
            }
        if self.action == "tickets.ticket.window_agreed":
            return gettext("agreed the change window %(start)s – %(end)s") % {
                "start": when("starts_at"),
                "end": when("ends_at"),
            }
        if self.action == "tickets.ticket.appointment_proposed":
            return gettext("proposed to be on site at %(at)s") % {"at": when("at")}
        if self.action == "tickets.ticket.appointment_confirmed":
            return gettext("confirmed the engineer on site at %(at)s") % {"at": when("at")}
        if self.action == "tickets.ticket.appointment_recorded":
            return gettext(
                "recorded that %(person)s confirmed by %(channel)s at %(agreed)s the engineer "
                "on site at %(at)s"
            ) % {
                "person": self.data.get("agreed_name", ""),
                "channel": AgreementChannel(self.data.get("channel", "phone")).label,
                "agreed": when("agreed_at"),
                "at": when("at"),
            }
        if self.data.get("outside_window"):
            return f"→ {State(self.to_state).label} · " + gettext(
                "outside the agreed window: %(reason)s"
            ) % {"reason": self.data.get("outside_window_reason", "")}
        return ""

    @property
    def entry_note(self) -> str:
        """For a report entered after the hospital made it: when it was entered, how late,
        and why, from the facts filing stored; for the hospital's consent, what was asked
        and who agreed, how and when."""
        if self.action.startswith("tickets.consent.") or "consent_by" in self.data:
            return consent_note(self)
        if self.action != "tickets.ticket.reported" or "entered_at" not in self.data:
            return ""
        entered = timezone.localtime(dt.datetime.fromisoformat(self.data["entered_at"]))
        note = gettext("Entered at %(entered)s, %(minutes)s minutes after the report.") % {
            "entered": f"{entered:%Y-%m-%d %H:%M}",
            "minutes": self.data.get("late_minutes", 0),
        }
        if self.data.get("reason"):
            note += " " + gettext("Why: %(reason)s") % {"reason": self.data["reason"]}
        return note


def consent_note(event: Event) -> str:
    """Who agreed, how and when, from the facts a consent's timeline line stored."""
    from tickets.models.consent import ConsentChannel, terms_text

    data = event.data
    if "kind" not in data:
        # The hold or extension a consent brought about (or one recorded before requests).
        if data.get("disputed"):
            return gettext("The hospital disputed the consent to this hold.")
        return gettext("With the consent of %(who)s.") % {"who": data.get("consent_by", "")}
    note = terms_text(
        data["kind"], data.get("reason", ""), data.get("clock", ""), data.get("minutes")
    )
    if event.action in ("tickets.consent.granted", "tickets.consent.recorded"):
        decided = data.get("decided_at")
        at = timezone.localtime(dt.datetime.fromisoformat(decided)) if decided else event.at
        channel = data.get("channel", "")
        note += " " + gettext("Agreed by %(who)s (%(how)s) at %(at)s.") % {
            "who": data.get("agreed_by", ""),
            "how": ConsentChannel(channel).label if channel in ConsentChannel.values else "—",
            "at": f"{timezone.localtime(at):%Y-%m-%d %H:%M}",
        }
    if event.action == "tickets.consent.disputed":
        note += " " + gettext("The pause or extension is undone; the clocks count without it.")
    return note


class WorkMode(models.TextChoices):
    ON_SITE = "on_site", _("On-site work")
    REMOTE = "remote", _("Remote work")


class Worklog(ContractCopy):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="worklogs", verbose_name=_("ticket")
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="worklogs",
        verbose_name=_("engineer"),
    )
    work_date = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    mode = models.CharField(_("mode"), max_length=10, choices=WorkMode.choices)
    counts_against_quota = models.BooleanField(
        _("counts against the person-day quota"),
        default=False,
        help_text=_("Adaptive work (flow changes, interfaces) the contract caps in person-days."),
    )
    description = models.TextField(_("work done"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("worklog")
        verbose_name_plural = _("worklogs")
        ordering = ["ticket", "work_date", "id"]
        # A contract's on-site days and person-days in a period (reports.figures).
        indexes = [models.Index(fields=["contract", "work_date"], name="worklog_contract_day")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.engineer} {self.minutes}"


class Attachment(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("ticket")
    )
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # A file attached to an internal note: the vendor's only (VisibilityQuerySet).
    # db_default: rows written in bulk (tickets/bulk.py, bench populations) are public.
    internal = models.BooleanField(_("internal"), default=False, db_default=False)

    objects = VisibilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["ticket", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Outage(models.Model):
    """A span in which a fault took the service down (or, `partial`, only degraded it),
    counted against the contract's availability target (C5: 年停机时间不超过 8 小时).

    A level-1 fault of a contract with an availability target opens one when it is filed,
    from the report time (tickets.services.outages); engineers and hospital IT correct its
    start and end with a reason, add partial spans, and close it at recovery. Every change
    is a timeline line both parties read."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="outages", verbose_name=_("ticket")
    )
    started_at = models.DateTimeField(_("service down at"))
    ended_at = models.DateTimeField(_("service back at"), null=True, blank=True)
    # Degraded, not down (slow, one function failing): shown beside the downtime, never
    # counted as downtime (tickets.availability).
    partial = models.BooleanField(
        _("partial (degraded, not down)"), default=False, db_default=False
    )
    note = models.CharField(_("what was affected"), max_length=200, blank=True, db_default="")
    # Empty when OpsDesk opened it from a level-1 report (the report time is its start).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        ordering = ["ticket", "started_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gt=models.F("started_at")),
                name="tickets_outage_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.started_at:%Y-%m-%d %H:%M}"

    def duration(self, now: dt.datetime) -> dt.timedelta:
        """How long it lasted; a span still open lasts until `now`."""
        return max((self.ended_at or now) - self.started_at, dt.timedelta())


def _state(value: str) -> str:
    try:
        return str(State(value).label)
    except ValueError:
        return value


def _choice(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def _assignee(event: Event) -> str:
    name = event.data.get("assignee_name")
    if name:
        return name
    # Lines written before the name was stored with them (tickets/0009 copies it in).
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.filter(pk=event.data.get("assignee")).first()
    return str(person) if person else "?"


def describe(event: Event) -> str:
    """One timeline line with its facts, the same on the page, in the API and in the PDFs:
    whom a ticket was assigned to, the level before and after, a hold's reason and who at the
    hospital agreed, a resume as a resume, how the report came in and who filed it for whom."""
    from contracts.models import Clock
    from tickets.models.clocks import PauseReason

    data = event.data or {}
    action = event.action
    agreed = event._agreement_label()
    if agreed:  # a change window or an on-site time proposed or agreed, with its times
        return agreed
    if action == "tickets.ticket.assign":
        return gettext("assigned the ticket to %(assignee)s (→ %(state)s)") % {
            "assignee": _assignee(event),
            "state": _state(event.to_state),
        }
    if action == "tickets.ticket.take":
        return gettext("took the ticket (→ %(state)s)") % {"state": _state(event.to_state)}
    if action == "tickets.ticket.hold":
        return gettext("put on hold: %(reason)s; agreed at the hospital by %(consent)s") % {
            "reason": _choice(PauseReason, data.get("reason", "")),
            "consent": data.get("consent_by") or "—",
        }
    if action == "tickets.ticket.resume":
        return gettext("resumed work after the hold (back to “%(state)s”)") % {
            "state": _state(event.to_state)
        }
    if event.to_state and event.to_state == event.from_state:
        # A response given after dispatch (C3's committed plan): the state stays.
        return str(EVENT_LABELS.get(action, f"→ {_state(event.to_state)}"))
    if event.to_state:
        return f"→ {_state(event.to_state)}"
    if action == "tickets.ticket.level_changed":
        text = gettext("changed the level from %(old)s to %(new)s") % {
            "old": data.get("from", "?"),
            "new": data.get("to", "?"),
        }
        if data.get("automatic"):
            text += gettext(" (the contract's recurrence rule)")
        return text
    if action == "tickets.clock.extended":
        return gettext(
            "gave the %(clock)s clock %(minutes)s more minutes, agreed at the hospital by "
            "%(consent)s"
        ) % {
            "clock": _choice(Clock, data.get("clock", "")),
            "minutes": data.get("minutes", "?"),
            "consent": data.get("consent_by") or "—",
        }
    if action == "tickets.ticket.commented" and event.internal:
        return gettext("wrote an internal note")
    if action == "tickets.ticket.file_attached" and data.get("name"):
        text = gettext("attached an internal file: %(name)s") if event.internal else None
        return (text or gettext("attached %(name)s")) % {"name": data["name"]}
    if action == "tickets.ticket.reported":
        channel = _choice(Channel, data.get("channel", Channel.PORTAL))
        if data.get("entered_by"):
            # The actor typed it in; the hospital's caller reported it (see filing).
            return gettext("entered the report of %(caller)s, received by %(channel)s") % {
                "caller": data.get("caller", ""),
                "channel": channel,
            }
        if data.get("change"):
            return gettext("opened the change")
        if data.get("inspection_title"):
            # Found and filed by the actor (often the vendor's engineer), not the hospital.
            return gettext("found it during the inspection “%(inspection)s” and filed it") % {
                "inspection": data["inspection_title"]
            }
        return gettext("reported the fault (by %(channel)s)") % {"channel": channel}
    if action in DESCRIBED:
        return DESCRIBED[action](data)
    return str(EVENT_LABELS.get(action, ""))
