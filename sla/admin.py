from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sla.changes import calendars_changed
from sla.holidays import coverage_warnings
from sla.models import (
    CalendarChange,
    CalendarDateOverride,
    CalendarPeriod,
    HolidayDate,
    HolidayYear,
    ServiceCalendar,
)
from sla.periods import validate_periods


def _warn_missing_holiday_years(request) -> None:
    for warning in coverage_warnings(timezone.localdate()):
        messages.warning(request, warning.message)


class PeriodFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        periods = [
            (form.cleaned_data["starts_at"], form.cleaned_data["ends_at"])
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("starts_at")
            and form.cleaned_data.get("ends_at")
        ]
        validate_periods(periods)
        if self.instance.is_around_the_clock and periods:
            raise ValidationError(_("A 7×24 calendar has no service hours to list; remove them."))
        if not self.instance.is_around_the_clock and not periods:
            raise ValidationError(_("List at least one span of service hours."))


class CalendarPeriodInline(admin.TabularInline):
    model = CalendarPeriod
    formset = PeriodFormSet
    extra = 0


class CalendarDateOverrideInline(admin.TabularInline):
    model = CalendarDateOverride
    extra = 0


@admin.register(ServiceCalendar)
class ServiceCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "day_rule", "hours", "updated_at"]
    search_fields = ["code", "name"]
    inlines = [CalendarPeriodInline, CalendarDateOverrideInline]

    @admin.display(description=_("service hours"))
    def hours(self, calendar: ServiceCalendar) -> str:
        return calendar.hours_display()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("periods")

    def changelist_view(self, request, extra_context=None):
        _warn_missing_holiday_years(request)
        return super().changelist_view(request, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            calendars_changed(
                calendars=[form.instance],
                by=request.user,
                description=_("Service hours of %(calendar)s edited")
                % {"calendar": form.instance.code},
            )


def first_day_touched(rows) -> dt.date:
    """The first date a holiday row (a date) or a holiday year (a whole year) affects."""
    return min(
        row.date if isinstance(row, HolidayDate) else dt.date(row.year, 1, 1) for row in rows
    )


class HolidayChangeMixin:
    """Any holiday edit moves deadlines of every calendar that follows Chinese holidays."""

    def save_model(self, request, obj, form, change):
        since = first_day_touched([obj])
        if change:
            # The date itself may have moved: the earlier of the old and new dates counts.
            since = min(since, first_day_touched([type(obj).objects.get(pk=obj.pk)]))
        super().save_model(request, obj, form, change)
        calendars_changed(calendars=None, by=request.user, description=str(obj), since=since)

    def delete_model(self, request, obj):
        description = _("Deleted: %(item)s") % {"item": obj}
        since = first_day_touched([obj])
        super().delete_model(request, obj)
        calendars_changed(calendars=None, by=request.user, description=description, since=since)

    def delete_queryset(self, request, queryset):
        rows = list(queryset)
        description = _("Deleted: %(item)s") % {"item": ", ".join(str(row) for row in rows)}
        super().delete_queryset(request, queryset)
        calendars_changed(
            calendars=None, by=request.user, description=description, since=first_day_touched(rows)
        )


@admin.register(HolidayDate)
class HolidayDateAdmin(HolidayChangeMixin, admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "date"
    search_fields = ["name"]

    @admin.display(description=_("weekday"))
    def weekday(self, row: HolidayDate) -> str:
        from django.utils.dates import WEEKDAYS

        return str(WEEKDAYS[row.date.weekday()])

    def save_model(self, request, obj, form, change):
        # An administrator's date is theirs from now on: re-seeding from the package won't touch it.
        obj.source = "manual"
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        _warn_missing_holiday_years(request)
        return super().changelist_view(request, extra_context)


@admin.register(HolidayYear)
class HolidayYearAdmin(HolidayChangeMixin, admin.ModelAdmin):
    list_display = ["year", "source", "note", "recorded_at"]

    def changelist_view(self, request, extra_context=None):
        _warn_missing_holiday_years(request)
        return super().changelist_view(request, extra_context)


@admin.register(CalendarChange)
class CalendarChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "by", "description", "calendar_codes", "moved_clocks", "finished_at"]
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
