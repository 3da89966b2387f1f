"""The SLA table of a contract.

Each row (ServiceClass) is what a ticket can be filed as: a fault level with the contract's
own definition text, a service-request category, consultations, or changes. Each row has up
to three clocks — respond, arrive, resolve — each with its own target and the calendar it
counts in, because contracts mix them (C5 responds in 7×8 service hours but must arrive
within 12 hours around the clock).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models.contracts import Contract

MAX_FAULT_LEVEL = 4


class TicketKind(models.TextChoices):
    FAULT = "fault", _("Fault")
    SERVICE_REQUEST = "service_request", _("Service request")
    CONSULTATION = "consultation", _("Consultation")
    CHANGE = "change", _("Change")


class Clock(models.TextChoices):
    RESPOND = "respond", _("Respond")
    ARRIVE = "arrive", _("Arrive on site")
    RESOLVE = "resolve", _("Resolve")


class ClockStart(models.TextChoices):
    REPORT = "report", _("From the report")
    ARRIVAL = "arrival", _("From arrival on site")


class TargetUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    WORKING_DAYS = "working_days", _("working days")


class ServiceClassQuerySet(models.QuerySet):
    def sla_row(self, *, code: str | None = None, level: int | None = None, kind=None):
        """The rows with this code, or else the rows of this level (of faults unless `kind`
        says otherwise); none when neither is given. Contract.sla_row() is this under one
        contract; the API's filing asks it under the contract's code (one query for both)."""
        rows = self.filter(kind=kind) if kind else self
        if code:
            return rows.filter(code=code)
        if level is not None:
            return rows.filter(kind=kind or TicketKind.FAULT, level=level)
        return rows.none()

    def first_with_clocks(self, *related: str) -> ServiceClass | None:
        """The first row (by id) with `related` (select_related paths) and its clock targets,
        their calendars with them, as row.clocks.all() then answers: one query, which reads
        a row per target; a row without targets is read by a second (and holds none).
        (Filing starts a ticket's clocks from these targets right after it reads its row.)"""
        targets = list(
            ClockTarget.objects.filter(service_class__in=self.order_by("pk").values("pk")[:1])
            .select_related(
                "calendar",
                "due_by_opening_of",
                "service_class",
                *(f"service_class__{path}" for path in related),
            )
            .order_by()
        )
        # In the model's order, sorted here: an ORDER BY would cost Django more than sorting
        # three rows (it hashes every column selected, to match the ordering against them).
        targets.sort(key=lambda target: target.clock)
        if targets:
            row = targets[0].service_class
            for target in targets:
                target.service_class = row
        else:
            row = self.select_related(*related).order_by("pk").first()
            if row is None:
                return None
        row._prefetched_objects_cache = {"clocks": targets}
        return row


class ServiceClass(models.Model):
    contract = models.ForeignKey(
        Contract,
        on_delete=models.CASCADE,
        related_name="service_classes",
        verbose_name=_("contract"),
    )
    kind = models.CharField(_("ticket kind"), max_length=20, choices=TicketKind.choices)
    level = models.PositiveSmallIntegerField(
        _("fault level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_FAULT_LEVEL)],
        help_text=_("1 is the most severe. Only faults have a level."),
    )
    code = models.SlugField(_("code"), max_length=40, help_text=_("e.g. level-1 or usage-support"))
    name = models.CharField(_("name"), max_length=100)
    definition = models.TextField(
        _("definition"), blank=True, help_text=_("The contract's own words, shown to reporters.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # C3 levels 3–4: "on site within the time agreed with the hospital". A ticket of such a
    # row may carry an appointment; once the hospital confirms it, the arrive clock falls due
    # at the appointment (tickets.services.appointments).
    arrival_by_appointment = models.BooleanField(
        _("arrival at a time agreed with the hospital"),
        default=False,
        help_text=_(
            "The engineer proposes a time to be on site; once the hospital confirms it, the "
            "arrive clock falls due at that time."
        ),
    )
    # C5's adaptive maintenance (flow changes, interfaces), capped in person-days a year.
    counts_against_quota = models.BooleanField(
        _("work counts against the person-day quota"),
        default=False,
        help_text=_("Work logged on tickets of this row counts against the contract's quota."),
    )
    is_inbound_default = models.BooleanField(
        _("default for e-mail and WeCom reports"),
        default=False,
        help_text=_(
            "A report that arrives by e-mail or WeCom names no level: it is filed at this row "
            "until the dispatcher sets the right one."
        ),
    )

    objects = ServiceClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("SLA row")
        verbose_name_plural = _("SLA table")
        ordering = ["contract", "position", "level", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "code"],
                name="contracts_service_class_code",
                violation_error_message=_("This contract already has a row with this code."),
            ),
            models.UniqueConstraint(
                fields=["contract", "level"],
                condition=Q(kind="fault"),
                name="contracts_fault_level_once",
                violation_error_message=_("This fault level is already defined for the contract."),
            ),
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(is_inbound_default=True),
                name="contracts_one_inbound_default",
                violation_error_message=_(
                    "Another row is already the default for e-mail and WeCom reports."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind="fault", level__isnull=False)
                | (~Q(kind="fault") & Q(level__isnull=True)),
                name="contracts_level_only_for_faults",
                violation_error_message=_("Faults have a level; other kinds have none."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == TicketKind.FAULT and self.level is None:
            raise ValidationError({"level": _("A fault row needs a level from 1 to 4.")})
        if self.kind != TicketKind.FAULT and self.level is not None:
            raise ValidationError({"level": _("Only faults have a level; clear it for this kind.")})

    def clock_target(self, clock: str) -> ClockTarget | None:
        return next((target for target in self.clocks.all() if target.clock == clock), None)


class ClockTarget(models.Model):
    service_class = models.ForeignKey(
        ServiceClass, on_delete=models.CASCADE, related_name="clocks", verbose_name=_("SLA row")
    )
    clock = models.CharField(_("clock"), max_length=10, choices=Clock.choices)
    amount = models.PositiveIntegerField(_("target"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("unit"), max_length=15, choices=TargetUnit.choices)
    calendar = models.ForeignKey(
        "sla.ServiceCalendar",
        on_delete=models.PROTECT,
        related_name="clock_targets",
        verbose_name=_("counts in"),
    )
    starts_from = models.CharField(
        _("counts from"), max_length=10, choices=ClockStart.choices, default=ClockStart.REPORT
    )
    # C4: "夜间或节假日 … 在次日挂号前完成" — a fault filed while the hospital is closed is due
    # no later than its next opening (tickets.clocks.schedule caps the target by it).
    due_by_opening_of = models.ForeignKey(
        "sla.ServiceCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("due no later than the next opening of"),
        help_text=_(
            "For a ticket filed outside this calendar's hours (at night, on a weekend or a "
            "holiday), the clock is due by the calendar's next opening if that comes first."
        ),
    )
    extendable_with_consent = models.BooleanField(
        _("extendable with the hospital's consent"), default=False
    )
    max_extension = models.PositiveIntegerField(
        _("longest extension"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("In the same unit as the target; empty means as agreed each time."),
    )

    class Meta:
        verbose_name = _("clock target")
        verbose_name_plural = _("clock targets")
        ordering = ["service_class", "clock"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_class", "clock"],
                name="contracts_clock_once_per_row",
                violation_error_message=_("This clock is already set for this row."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="contracts_clock_target_positive",
                violation_error_message=_("A target must be greater than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_clock_display()} {self.amount} {self.get_unit_display()}"

    def clean(self) -> None:
        if self.starts_from == ClockStart.ARRIVAL and self.clock != Clock.RESOLVE:
            raise ValidationError(
                {"starts_from": _("Only the resolve clock can count from arrival on site.")}
            )
        if (
            self.unit == TargetUnit.WORKING_DAYS
            and self.calendar_id
            and self.calendar.working_day_minutes() == 0
        ):
            raise ValidationError(
                {"calendar": _("This calendar has no service hours, so it has no working days.")}
            )
        if self.due_by_opening_of_id and self.due_by_opening_of.is_around_the_clock:
            raise ValidationError(
                {
                    "due_by_opening_of": _(
                        "A 7×24 calendar never closes, so it has no opening to be due by; "
                        "choose the calendar of the hospital's opening hours."
                    )
                }
            )
        if self.max_extension and not self.extendable_with_consent:
            raise ValidationError(
                {"max_extension": _("Tick “extendable with consent” to allow an extension.")}
            )

    def target_minutes(self) -> int:
        """The target in the minutes of its calendar ("1 working day" = one day's service hours)."""
        return self.to_minutes(self.amount)

    def max_extension_minutes(self) -> int | None:
        return self.to_minutes(self.max_extension) if self.max_extension else None

    def to_minutes(self, amount: int) -> int:
        if self.unit == TargetUnit.MINUTES:
            return amount
        if self.unit == TargetUnit.HOURS:
            return amount * 60
        return amount * self.calendar.working_day_minutes()
