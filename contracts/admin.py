"""Admin for setting up contracts: what a vendor manager uses to enter a new 维保合同.

Every queryset is scoped to the signed-in user's organisations, so a vendor manager with
admin access sees and edits only their own contracts.
"""

from __future__ import annotations

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from contracts.models import (
    ClockTarget,
    Contract,
    ContractContact,
    ContractSystem,
    CoveredSystem,
    EscalationStep,
    Membership,
    Organization,
    OrganizationKind,
    ServiceClass,
)
from contracts.sla_table import table_rows, validate_clock_set
from notifications.admin import ChannelInline


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "short_name"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "short_name"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(CoveredSystem)
class CoveredSystemAdmin(admin.ModelAdmin):
    list_display = ["code", "path", "tier", "hospital"]
    list_filter = [("hospital", admin.RelatedOnlyFieldListFilter), "tier"]
    search_fields = ["code", "name", "hospital__name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["hospital", "parent__parent"]

    @admin.display(description=_("system"))
    def path(self, system: CoveredSystem) -> str:
        return system.path()

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "hospital":
            kwargs["queryset"] = Organization.objects.visible_to(request.user).filter(
                kind=OrganizationKind.HOSPITAL
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ContractSystemInline(admin.TabularInline):
    model = ContractSystem
    extra = 0
    autocomplete_fields = ["system"]


class ContractContactInline(admin.TabularInline):
    model = ContractContact
    extra = 0
    autocomplete_fields = ["user"]


class ServiceClassInline(admin.TabularInline):
    model = ServiceClass
    extra = 0
    fields = [
        "position",
        "kind",
        "level",
        "code",
        "name",
        "definition",
        "is_inbound_default",
        "arrival_by_appointment",
        "counts_against_quota",
        "clock_summary",
    ]
    readonly_fields = ["clock_summary"]
    show_change_link = True

    @admin.display(description=_("clocks"))
    def clock_summary(self, row: ServiceClass) -> str:
        if row.pk is None:
            return str(_("Save, then open the row to set its clocks."))
        return "; ".join(str(target) for target in row.clocks.all()) or "—"


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "hospital", "vendor", "starts_on", "ends_on"]
    # Only the organisations of visible contracts: the filter must not list other customers.
    list_filter = [
        ("vendor", admin.RelatedOnlyFieldListFilter),
        ("hospital", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["code", "name", "hospital__name", "vendor__name"]
    list_select_related = ["hospital", "vendor"]
    date_hierarchy = "starts_on"
    readonly_fields = ["sla_table"]
    fieldsets = [
        (None, {"fields": ["code", "name", "hospital", "vendor", ("starts_on", "ends_on")]}),
        (_("Service"), {"fields": [("remote_service", "onsite_service"), "calendar"]}),
        (
            _("Targets and quotas"),
            {
                "fields": [
                    "sla_target_percent",
                    "allowed_downtime_hours",
                    "min_onsite_days",
                    "person_day_quota",
                    "min_team_size",
                    ("recurrence_count", "recurrence_window_days", "recurrence_raises_to_level"),
                    ("warning_threshold_percent", "reopen_window_days"),
                    "backdating_limit_hours",
                    "consent_dispute_hours",
                    "response_needs_plan",
                ]
            },
        ),
        (_("SLA table as counted"), {"fields": ["sla_table"]}),
        (None, {"fields": ["notes"]}),
    ]
    inlines = [
        ServiceClassInline,
        ContractSystemInline,
        ContractContactInline,
        EscalationStepInline,
        ChannelInline,
    ]

    @admin.display(description=_("SLA table"))
    def sla_table(self, contract: Contract) -> str:
        if contract.pk is None:
            return "—"
        return render_to_string("contracts/_sla_table.html", {"rows": table_rows(contract)})

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "vendor" and not request.user.is_superuser:
            kwargs["queryset"] = Organization.objects.filter(
                kind=OrganizationKind.VENDOR, memberships__user=request.user
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ClockTargetFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        validate_clock_set(
            (form.cleaned_data["clock"], form.cleaned_data.get("starts_from", ""))
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and "clock" in form.cleaned_data
        )


class ClockTargetInline(admin.TabularInline):
    model = ClockTarget
    formset = ClockTargetFormSet
    extra = 0


@admin.register(ServiceClass)
class ServiceClassAdmin(admin.ModelAdmin):
    list_display = ["contract", "name", "kind", "level", "code"]
    list_filter = ["kind", ("contract", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code", "contract__code"]
    inlines = [ClockTargetInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(contract__in=Contract.objects.visible_to(request.user))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "contract":
            kwargs["queryset"] = Contract.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
