from __future__ import annotations

import datetime as dt
import hashlib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sla.changes import calendars_changed
from sla.holiday_notice import NoticeNotUnderstood, import_notice, parse_notice, preview_notice
from sla.holidays import coverage_warnings
from sla.models import (
    CalendarChange,
    CalendarDateOverride,
    CalendarPeriod,
    HolidayDate,
    HolidayNotice,
    HolidayYear,
    ServiceCalendar,
)
from sla.periods import validate_periods
from sla.policy import may_import_holiday_notice


def _warn_missing_holiday_years(request) -> None:
    for warning in coverage_warnings(timezone.localdate()):
        messages.warning(request, warning.message)


class HolidayListMixin:
    """The holiday lists warn of a missing year and lead to the notice import."""

    change_list_template = "sla/admin/holiday_change_list.html"

    def changelist_view(self, request, extra_context=None):
        _warn_missing_holiday_years(request)
        extra_context = {
            **(extra_context or {}),
            "may_import_notice": may_import_holiday_notice(request.user),
        }
        return super().changelist_view(request, extra_context)


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
class HolidayDateAdmin(HolidayListMixin, HolidayChangeMixin, admin.ModelAdmin):
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


# A month grid's column heads: one character each in Chinese (一 … 日), two in English.
WEEKDAY_INITIALS = [
    pgettext_lazy("weekday initial", "Mo"),
    pgettext_lazy("weekday initial", "Tu"),
    pgettext_lazy("weekday initial", "We"),
    pgettext_lazy("weekday initial", "Th"),
    pgettext_lazy("weekday initial", "Fr"),
    pgettext_lazy("weekday initial", "Sa"),
    pgettext_lazy("weekday initial", "Su"),
]


class NoticeForm(forms.Form):
    text = forms.CharField(
        label=_("Text of the notice"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Copy the whole notice from the State Council's website (www.gov.cn), from its "
            "title 国务院办公厅关于YYYY年部分节假日安排的通知 to the date at its end."
        ),
    )


@admin.register(HolidayYear)
class HolidayYearAdmin(HolidayListMixin, HolidayChangeMixin, admin.ModelAdmin):
    list_display = ["year", "source", "note", "recorded_at"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_notice_view)
        return [
            path("import-notice/", view, name="sla_holidayyear_import_notice"),
            *super().get_urls(),
        ]

    def import_notice_view(self, request):
        """Paste → preview (the year as a calendar beside the statutory days) → confirm.
        Confirming sends the text again and the service reads it again: all or nothing."""
        if not may_import_holiday_notice(request.user):
            raise PermissionDenied
        form = NoticeForm(request.POST or None)
        preview, previewed = None, ""
        if request.method == "POST" and form.is_valid():
            text = form.cleaned_data["text"]
            # Confirming saves the text that was previewed, not one edited since.
            previewed = hashlib.sha256(text.encode()).hexdigest()
            edited = request.POST.get("previewed") != previewed
            try:
                if "confirm" in request.POST and edited:
                    messages.warning(
                        request,
                        _("The text changed after it was read; check it again, then confirm."),
                    )
                elif "confirm" in request.POST:
                    imported = import_notice(text=text, by=request.user)
                    messages.success(
                        request,
                        _(
                            "The State Council's schedule for %(year)s is saved: %(holidays)s "
                            "holidays and %(workdays)s make-up working days. Open deadlines "
                            "are being recomputed."
                        )
                        % {
                            "year": imported.year,
                            "holidays": imported.holidays,
                            "workdays": imported.makeup_workdays,
                        },
                    )
                    return HttpResponseRedirect(reverse("admin:sla_holidaynotice_changelist"))
                preview = preview_notice(parse_notice(text))
            except NoticeNotUnderstood as error:
                form.add_error("text", str(error))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import the State Council's holiday notice"),
            "opts": self.model._meta,
            "form": form,
            "preview": preview,
            "previewed": previewed if preview else "",
            "weekdays": WEEKDAY_INITIALS,
        }
        return TemplateResponse(request, "sla/admin/import_notice.html", context)


class RecordAdmin(admin.ModelAdmin):
    """What happened to the calendars: shown, never added or edited by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HolidayNotice)
class HolidayNoticeAdmin(HolidayListMixin, RecordAdmin):
    list_display = ["year", "imported_at", "imported_by", "holidays", "makeup_workdays", "change"]
    readonly_fields = [*list_display, "text"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # who imported which text stays known


@admin.register(CalendarChange)
class CalendarChangeAdmin(RecordAdmin):
    list_display = ["at", "by", "description", "calendar_codes", "moved_clocks", "finished_at"]
    readonly_fields = list_display
