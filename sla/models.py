"""Service calendars: the hours in which a contract's clocks run.

A clock counts either around the clock or in service hours. Service hours follow one of
three day rules and a list of daily periods (e.g. 08:00–12:00 and 14:00–17:30). Chinese
public holidays and make-up working days (调休) live in HolidayDate, one table for all
calendars, seeded from the `chinesecalendar` package and editable by administrators,
because the State Council publishes each year's schedule only late in the year before.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from sla.periods import minutes_between, validate_period


class DayRule(models.TextChoices):
    ALWAYS = "always", _("Around the clock (7×24)")
    CN_WORKDAYS = (
        "cn_workdays",
        _("Chinese working days (weekends and holidays off, make-up days on)"),
    )
    EVERY_DAY = "every_day", _("Every day of the year, holidays included")


class ServiceCalendar(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    day_rule = models.CharField(_("days"), max_length=20, choices=DayRule.choices)
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service calendar")
        verbose_name_plural = _("service calendars")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_around_the_clock(self) -> bool:
        return self.day_rule == DayRule.ALWAYS

    @property
    def follows_public_holidays(self) -> bool:
        return self.day_rule == DayRule.CN_WORKDAYS

    def working_day_minutes(self) -> int:
        """Minutes in one ordinary working day: what "1 working day" means as a target."""
        if self.is_around_the_clock:
            return 24 * 60
        return sum(period.minutes for period in self.periods.all())

    def hours_display(self) -> str:
        if self.is_around_the_clock:
            return "00:00–24:00"
        return ", ".join(str(period) for period in self.periods.all())


class CalendarPeriod(models.Model):
    """One span of service hours on an open day, e.g. 08:30–17:30."""

    calendar = models.ForeignKey(
        ServiceCalendar,
        on_delete=models.CASCADE,
        related_name="periods",
        verbose_name=_("calendar"),
    )
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        ordering = ["calendar", "starts_at"]

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def minutes(self) -> int:
        return minutes_between(self.starts_at, self.ends_at)

    def clean(self) -> None:
        validate_period(self.starts_at, self.ends_at)


class CalendarDateOverride(models.Model):
    """A date on which one calendar departs from its rule: closed, or open at other hours."""

    calendar = models.ForeignKey(
        ServiceCalendar,
        on_delete=models.CASCADE,
        related_name="overrides",
        verbose_name=_("calendar"),
    )
    date = models.DateField(_("date"))
    is_open = models.BooleanField(_("open"), default=False)
    opens_at = models.TimeField(
        _("opens at"), null=True, blank=True, help_text=_("Leave empty to keep the usual hours.")
    )
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("date override")
        verbose_name_plural = _("date overrides")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="sla_override_one_per_date"),
        ]

    def __str__(self) -> str:
        return f"{self.calendar.code} {self.date:%Y-%m-%d}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not self.is_open and (self.opens_at or self.closes_at):
            raise ValidationError(
                _("A closed date has no opening hours; clear them or mark it open.")
            )
        if (self.opens_at is None) != (self.closes_at is None):
            raise ValidationError(_("Give both the opening and the closing time, or neither."))
        if self.opens_at and self.closes_at:
            validate_period(self.opens_at, self.closes_at)


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (day off)")
    MAKEUP_WORKDAY = "makeup_workday", _("Make-up working day (调休上班)")


class HolidaySource(models.TextChoices):
    PACKAGE = "package", _("chinesecalendar package")
    MANUAL = "manual", _("Entered by an administrator")
    NOTICE = "notice", _("State Council notice imported")


class HolidayDate(models.Model):
    """A date that differs from the ordinary Monday–Friday week in mainland China."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=HolidayKind.choices)
    name = models.CharField(_("holiday"), max_length=50, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=HolidaySource.choices, default=HolidaySource.MANUAL
    )

    class Meta:
        verbose_name = _("public holiday or make-up day")
        verbose_name_plural = _("public holidays and make-up days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        weekend = self.date is not None and self.date.weekday() >= 5
        if self.kind == HolidayKind.MAKEUP_WORKDAY and self.date and not weekend:
            raise ValidationError(
                {
                    "kind": _(
                        "A make-up working day falls on a Saturday or Sunday; "
                        "%(date)s is a weekday."
                    )
                    % {"date": self.date.isoformat()}
                }
            )


class HolidayYear(models.Model):
    """A year whose official holiday schedule OpsDesk holds in full.

    Clocks that follow Chinese working days are only trusted in these years; for any other
    year OpsDesk warns instead of quietly counting ordinary weeks.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(
        _("source"), max_length=10, choices=HolidaySource.choices, default=HolidaySource.MANUAL
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("year with a published holiday schedule")
        verbose_name_plural = _("years with a published holiday schedule")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 1, 1)


class HolidayNotice(models.Model):
    """The text of a State Council notice (国务院办公厅关于 YYYY 年部分节假日安排的通知) an
    administrator imported, as pasted: what the year's holidays and make-up days came from."""

    year = models.PositiveSmallIntegerField(_("year"))
    text = models.TextField(_("text of the notice"))
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,  # who imported a year's schedule stays known
        related_name="+",
        verbose_name=_("imported by"),
    )
    holidays = models.PositiveSmallIntegerField(_("holidays"))
    makeup_workdays = models.PositiveSmallIntegerField(_("make-up working days"))
    change = models.ForeignKey(
        "CalendarChange",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deadline recomputation"),
    )

    class Meta:
        verbose_name = _("imported State Council notice")
        verbose_name_plural = _("imported State Council notices")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.year} ({self.imported_at:%Y-%m-%d %H:%M})"


class CalendarChange(models.Model):
    """A recorded edit of service hours or holidays, and the deadlines it moved."""

    at = models.DateTimeField(_("changed at"), auto_now_add=True)
    by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    description = models.CharField(_("change"), max_length=300)
    calendar_codes = models.CharField(_("calendars"), max_length=300, blank=True)
    moved_clocks = models.PositiveIntegerField(_("deadlines moved"), null=True, blank=True)
    finished_at = models.DateTimeField(_("recomputed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar change")
        verbose_name_plural = _("calendar changes")
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.description
