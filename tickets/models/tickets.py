"""Tickets (工单) and their state machine.

The transitions below say only what may happen and touch only the ticket's own fields;
tickets.services makes it happen: it checks the actor's role, locks the row, moves the
clocks, writes the timeline and schedules notifications.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from contracts.models import Contract, CoveredSystem, ServiceClass, TicketKind
from contracts.models.contracts import party_to
from opsdesk.validators import validate_phone


class State(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISPATCHED = "dispatched", _("Dispatched")
    ON_SITE = "on_site", _("On site")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    AWAITING_APPROVAL = "awaiting_approval", _("Plan awaiting approval")
    APPROVED = "approved", _("Plan approved")
    DONE = "done", _("Change done")
    ROLLED_BACK = "rolled_back", _("Change rolled back")


# Longest texts a person may write, the same on every surface (portal forms, API, mail):
# a note goes into every report and PDF that quotes the ticket's timeline.
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 20000
NOTE_LIMIT = 5000

WORKING_STATES = (State.ACKNOWLEDGED, State.DISPATCHED, State.ON_SITE)
OPEN_STATES = (
    State.NEW,
    *WORKING_STATES,
    State.ON_HOLD,
    State.AWAITING_APPROVAL,
    State.APPROVED,
)
FINISHED_STATES = (State.RESOLVED, State.CLOSED, State.CANCELLED, State.DONE, State.ROLLED_BACK)


def is_change(ticket: Ticket) -> bool:
    return ticket.kind == TicketKind.CHANGE


def is_not_change(ticket: Ticket) -> bool:
    return ticket.kind != TicketKind.CHANGE


def not_yet_responded(ticket: Ticket) -> bool:
    return ticket.acknowledged_at is None


class Channel(models.TextChoices):
    """How the hospital reported the fault: the contracts promise a hotline, e-mail and WeCom
    besides the portal, and each report lands here with the clock starting when it came in."""

    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    PHONE = "phone", _("Phone")
    WECOM = "wecom", _("WeCom")
    EMAIL = "email", _("E-mail")
    FAX = "fax", _("Fax")
    # Not the state "On site" (已到场): the hospital reported it to an engineer there.
    ON_SITE = "on_site", pgettext_lazy("report channel", "On site")
    INSPECTION = "inspection", _("Inspection")


# How a hospital reports to the vendor's desk, which types it in (file_for_caller): the
# portal, the API and inspections file themselves.
DESK_CHANNELS = (Channel.PHONE, Channel.WECOM, Channel.EMAIL, Channel.FAX, Channel.ON_SITE)


class ResolutionCause(models.TextChoices):
    """What the fault came from, chosen when it is resolved: counted in the reports' fault
    analysis (故障原因分析)."""

    HARDWARE = "hardware", _("Hardware")
    SOFTWARE_DEFECT = "software_defect", _("Software defect")
    CONFIGURATION = "configuration", _("Configuration")
    NETWORK = "network", _("Network")
    INTERFACE = "interface", _("Interface")
    USER_OPERATION = "user_operation", _("User operation")
    THIRD_PARTY = "third_party", _("Third party")


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    NEUTRAL = 3, _("Neutral")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


class TicketQuerySet(models.QuerySet):
    # The people fields with_people() reads with the tickets (see there).
    _people: tuple[str, ...] = ()
    # Whether with_clocks() reads the tickets' clocks (see there).
    _clocks = False

    def with_people(self, *fields: str) -> TicketQuerySet:
        """Read the people these foreign keys name (reporter, assignee …) in one query once
        the tickets are read, as prefetch_related() would with one query for each field.
        Not joined: each join of the users table made PostgreSQL plan a page's query some
        10 ms longer, while reading a few users by id plans in no time."""
        clone = self._chain()
        clone._people = fields
        return clone

    def with_clocks(self) -> TicketQuerySet:
        """Read the tickets' clocks in one query once the tickets are read, each calendar
        they count in once, shared by its clocks; `ticket.clocks.all()` then reads no more.
        What prefetch_related("clocks") with select_related("calendar") did, without its
        cost: it built a filtered queryset per ticket and a copy of the calendar per clock
        (some 150 calendar instances for a page of 50 tickets and five calendars; half of
        the API list's ORM work)."""
        clone = self._chain()
        clone._clocks = True
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._people = self._people
        clone._clocks = self._clocks
        return clone

    def _fetch_all(self) -> None:
        fetched = self._result_cache is not None
        super()._fetch_all()
        if fetched or self._iterable_class is not models.query.ModelIterable:
            return
        if self._people:
            _attach_people(self._result_cache, self._people)
        if self._clocks:
            _attach_clocks(self._result_cache)

    def visible_to(self, user) -> TicketQuerySet:
        """Tickets of contracts the user's organisation is party to."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(party_to(user, "contract__"))

    def open(self) -> TicketQuerySet:
        return self.filter(state__in=OPEN_STATES)


def _attach_people(tickets: list, fields: tuple[str, ...]) -> None:
    """Each ticket's people named by `fields`, read in one query and cached on the ticket
    as its foreign keys would cache them."""
    descriptors = [getattr(Ticket, name).field for name in fields]
    ids = {getattr(ticket, field.attname) for ticket in tickets for field in descriptors}
    ids.discard(None)
    people = get_user_model().objects.order_by().in_bulk(ids) if ids else {}
    for ticket in tickets:
        for field in descriptors:
            field.set_cached_value(ticket, people.get(getattr(ticket, field.attname)))


def _attach_clocks(tickets: list) -> None:
    """Each ticket's clocks by id, cached as prefetch_related("clocks") caches them (a list
    where it keeps a queryset: only `.all()` is asked of it), each with its ticket and its
    calendar; the calendars read by id in one query of their own."""
    if not tickets:
        return
    to_ticket = Ticket.clocks.field
    clock_model = to_ticket.model
    to_calendar = clock_model.calendar.field
    tickets_by_id = {ticket.pk: ticket for ticket in tickets}
    clocks = list(clock_model.objects.filter(ticket_id__in=list(tickets_by_id)).order_by("id"))
    calendar_ids = {clock.calendar_id for clock in clocks}
    calendars = to_calendar.related_model.objects.order_by().in_bulk(calendar_ids)
    by_ticket: dict[int, list] = {ticket_id: [] for ticket_id in tickets_by_id}
    for clock in clocks:
        by_ticket[clock.ticket_id].append(clock)
        to_ticket.set_cached_value(clock, tickets_by_id[clock.ticket_id])
        to_calendar.set_cached_value(clock, calendars[clock.calendar_id])
    cache_name = to_ticket.remote_field.cache_name
    for ticket in tickets:
        if not hasattr(ticket, "_prefetched_objects_cache"):
            ticket._prefetched_objects_cache = {}
        ticket._prefetched_objects_cache[cache_name] = by_ticket[ticket.pk]


def caller_of(caller_name: str, reporter_name: str) -> str:
    """Ticket.caller from the columns alone, for a list that reads them without the ticket."""
    return caller_name or reporter_name


def caller_account_of(caller_name: str, reporter_id: int) -> int | None:
    """Ticket.caller_account from the columns alone."""
    return None if caller_name else reporter_id


class Ticket(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("contract"),
        # Found through Meta.indexes that lead with it (contract and state, and the others):
        # an index of its own only cost every insert. So with the reporter and the assignee.
        db_index=False,
    )
    system = models.ForeignKey(
        CoveredSystem, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("system")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind.choices)
    service_class = models.ForeignKey(
        ServiceClass,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("level or category"),
    )
    title = models.CharField(_("title"), max_length=TITLE_LIMIT)
    description = models.TextField(_("description"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reported_tickets",
        verbose_name=_("reported by"),
        db_index=False,
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, validators=[validate_phone])
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("engineer"),
        db_index=False,
    )
    state = FSMField(
        _("state"), max_length=20, choices=State.choices, default=State.NEW, protected=True
    )
    state_before_hold = models.CharField(max_length=20, blank=True, editable=False)
    recurrence_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recurrences",
        verbose_name=_("recurrence of"),
    )
    upgrade_plan = models.TextField(_("upgrade plan"), blank=True)
    rollback_plan = models.TextField(_("rollback plan"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        choices=Satisfaction.choices,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    satisfaction_comment = models.TextField(_("satisfaction comment"), blank=True)
    # When the hospital reported the fault: every clock counts from here. For a report
    # typed in later (a phoned-in fault, a mail read by the poller) it is earlier than
    # entered_at, within the limits of tickets.services.filing.
    created_at = models.DateTimeField(_("reported at"), db_index=True)
    entered_at = models.DateTimeField(_("entered at"))
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, db_default=Channel.PORTAL
    )
    # Who typed the report in for the hospital (a dispatcher taking a call); empty when the
    # reporter filed it themselves.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entered_tickets",
        verbose_name=_("entered by"),
    )
    caller_name = models.CharField(
        _("caller"),
        max_length=100,
        blank=True,
        db_default="",
        help_text=_("Who called, as they gave their name, when not the reporter themselves."),
    )
    backdate_reason = models.CharField(
        _("why the report time is earlier"), max_length=500, blank=True, db_default=""
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_cause = models.CharField(
        _("cause"),
        max_length=20,
        choices=ResolutionCause.choices,
        blank=True,
        help_text=_("What the fault came from, chosen when it is resolved (optional)."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The earliest deadline of a running clock (TicketClock.counts_down) and that clock's
    # warning time. Written only by a database trigger on the clocks (migration
    # tickets/0003), so every path that moves a clock keeps it right; the queue orders a
    # million tickets by it through one partial index instead of a subquery per open ticket.
    next_due_at = models.DateTimeField(_("next deadline"), null=True, editable=False)
    next_warn_at = models.DateTimeField(_("next warning"), null=True, editable=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]
        indexes = [
            # Engineer queue and dispatcher board: open tickets of a contract by state.
            models.Index(fields=["contract", "state"], name="tickets_contract_state"),
            # "My tickets" and an engineer's load.
            models.Index(fields=["assignee", "state"], name="tickets_assignee_state"),
            models.Index(fields=["reporter", "-created_at"], name="tickets_reporter_recent"),
            # A contract's period figures: tickets reported, and closed, in a quarter.
            # Covering: counted by kind, channel, level, system, month and timings from the
            # index alone (an index-only scan), not from 7 000 scattered table pages.
            models.Index(
                fields=["contract", "created_at"],
                name="tickets_contract_reported",
                include=[
                    "id",
                    "kind",
                    "channel",
                    "service_class",
                    "system",
                    "acknowledged_at",
                    "resolved_at",
                ],
            ),
            models.Index(
                fields=["contract", "closed_at"],
                name="tickets_contract_closed",
                include=["satisfaction"],
            ),
            # The queue, the dispatcher's board and the API list: open tickets by their
            # next deadline (nulls last), keyset-paged on (next_due_at, id).
            # An ascending btree keeps NULLs last, as the queue orders them (and SQLite does
            # not accept NULLS LAST in an index).
            models.Index(
                fields=["next_due_at", "id"],
                name="tickets_open_by_deadline",
                condition=Q(state__in=OPEN_STATES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs) -> None:
        # A ticket read before its clocks moved must not write back the deadline it read:
        # the columns the trigger keeps are left out of every save of a stored ticket.
        if not self._state.adding and kwargs.get("update_fields") is None:
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [name for name in SAVED_FIELDS if name not in deferred]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("ticket-detail", kwargs={"number": self.number})

    @property
    def level(self) -> int | None:
        return self.service_class.level

    @property
    def caller(self) -> str:
        """Who reported it: the caller's name as they gave it, else the reporter."""
        return caller_of(self.caller_name, str(self.reporter))

    @property
    def caller_account(self) -> int | None:
        """The id of the caller's account: the reporter's, or None for a caller known only
        by the name they gave (the reporter is then the hospital IT person following it)."""
        return caller_account_of(self.caller_name, self.reporter_id)

    @property
    def late_minutes(self) -> int:
        """How many minutes after the hospital reported it the report was entered."""
        return int((self.entered_at - self.created_at).total_seconds() // 60)

    @property
    def active_clocks(self) -> list:
        """The clocks that apply (a level change switches some off: history, not promises),
        from the prefetched clocks when there are some."""
        return [clock for clock in self.clocks.all() if clock.is_active]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # --- the state machine: what may happen -----------------------------------------------

    # Also from DISPATCHED while no one has responded: where a response is a committed plan
    # (C3), dispatching without one leaves the respond clock running until the plan is given.
    @transition(
        field=state,
        source=[State.NEW, State.DISPATCHED],
        target=RETURN_VALUE(State.ACKNOWLEDGED, State.DISPATCHED),
        conditions=[not_yet_responded],
    )
    def acknowledge(self) -> str:
        return State.ACKNOWLEDGED if self.state == State.NEW else self.state

    @transition(
        field=state, source=[State.NEW, *WORKING_STATES, State.APPROVED], target=State.DISPATCHED
    )
    def dispatch(self) -> None:
        pass

    @transition(field=state, source=[State.ACKNOWLEDGED, State.DISPATCHED], target=State.ON_SITE)
    def arrive(self) -> None:
        pass

    @transition(field=state, source=list(WORKING_STATES), target=State.ON_HOLD)
    def hold(self) -> None:
        self.state_before_hold = self.state

    @transition(field=state, source=State.ON_HOLD, target=RETURN_VALUE(*WORKING_STATES))
    def resume(self) -> str:
        previous, self.state_before_hold = self.state_before_hold, ""
        return previous or State.ACKNOWLEDGED

    @transition(
        field=state, source=list(WORKING_STATES), target=State.RESOLVED, conditions=[is_not_change]
    )
    def resolve(self) -> None:
        pass

    @transition(field=state, source=State.RESOLVED, target=State.CLOSED)
    def confirm(self) -> None:
        pass

    @transition(field=state, source=[State.RESOLVED, State.CLOSED], target=State.ACKNOWLEDGED)
    def reopen(self) -> None:
        pass

    @transition(field=state, source=[State.NEW, State.ACKNOWLEDGED], target=State.CANCELLED)
    def cancel(self) -> None:
        pass

    # From NEW too: the vendor opens a change with its plans (tickets.services.open_change).
    @transition(
        field=state,
        source=[State.NEW, State.ACKNOWLEDGED, State.DISPATCHED],
        target=State.AWAITING_APPROVAL,
        conditions=[is_change],
    )
    def submit_plan(self) -> None:
        pass

    @transition(field=state, source=State.AWAITING_APPROVAL, target=State.APPROVED)
    def approve_plan(self) -> None:
        pass

    @transition(field=state, source=State.AWAITING_APPROVAL, target=State.ACKNOWLEDGED)
    def reject_plan(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.APPROVED, State.DISPATCHED, State.ON_SITE],
        target=State.DONE,
        conditions=[is_change],
    )
    def complete_change(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.APPROVED, State.DISPATCHED, State.ON_SITE],
        target=State.ROLLED_BACK,
        conditions=[is_change],
    )
    def roll_back(self) -> None:
        pass


KEPT_BY_TRIGGER = ("next_due_at", "next_warn_at")
SAVED_FIELDS = [
    field.name
    for field in Ticket._meta.concrete_fields
    if not field.primary_key and field.name not in KEPT_BY_TRIGGER
]


class TicketSequence(models.Model):
    """The last number used per hospital and year (YN-2026-00042), locked while incremented."""

    # Looked up by the unique (hospital, year) index.
    hospital = models.ForeignKey(
        "contracts.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hospital", "year"], name="tickets_sequence_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.hospital_id}-{self.year}: {self.last}"
