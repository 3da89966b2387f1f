"""Admin: checklist templates (a used version is frozen: make a new version to change it),
contracts' inspection rules (saving one plans the contract again), inspections to look up."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contracts.models import Contract
from inspections import services
from inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Inspection,
    InspectionReport,
    InspectionResult,
    InspectionRule,
)
from inspections.schedule import plan_contract


class FrozenWhenUsed:
    """Rows of a template version that an inspection used cannot change."""

    def _template(self, obj):
        raise NotImplementedError

    def has_change_permission(self, request, obj=None):
        if obj is not None and self._template(obj).is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self._template(obj).is_frozen:
            return False
        return super().has_delete_permission(request, obj)


class FrozenInline(FrozenWhenUsed):
    def has_add_permission(self, request, obj=None):
        if obj is not None and self._template(obj).is_frozen:
            return False
        return super().has_add_permission(request, obj)


class SectionInline(FrozenInline, admin.TabularInline):
    model = ChecklistSection
    extra = 0
    show_change_link = True

    def _template(self, obj):
        return obj


class ItemInline(FrozenInline, admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["position", "name", "kind", "unit", "comparator", "limit", "upper_limit", "guidance"]

    def _template(self, obj):
        return obj.template


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(FrozenWhenUsed, admin.ModelAdmin):
    list_display = ["name", "code", "version", "is_current"]
    list_filter = ["is_current"]
    search_fields = ["name", "code"]
    inlines = [SectionInline]
    actions = ["make_new_version"]

    def _template(self, obj):
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        template = self.get_object(request, object_id)
        if template is not None and template.is_frozen:
            self.message_user(
                request,
                _(
                    "Inspections used this version, so it can no longer change. Select it in "
                    "the list and choose “Make a new version” to edit a copy."
                ),
                messages.INFO,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Make a new version"))
    def make_new_version(self, request, queryset):
        for template in queryset:
            copy = services.new_template_version(template)
            self.message_user(
                request,
                _("Version %(version)s of “%(name)s” is now current; edit it.")
                % {"version": copy.version, "name": copy.name},
            )


@admin.register(ChecklistSection)
class ChecklistSectionAdmin(FrozenWhenUsed, admin.ModelAdmin):
    list_display = ["title", "template", "position"]
    list_filter = [("template", admin.RelatedOnlyFieldListFilter)]
    inlines = [ItemInline]

    def _template(self, obj):
        return obj.template

    def has_module_permission(self, request):
        return False  # reached from its template


@admin.register(InspectionRule)
class InspectionRuleAdmin(admin.ModelAdmin):
    list_display = ["contract", "purpose", "cadence", "template", "on_site", "is_active"]
    list_filter = [("contract", admin.RelatedOnlyFieldListFilter), "purpose", "cadence"]
    list_select_related = ["contract", "template"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(contract__in=Contract.objects.visible_to(request.user))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "contract":
            kwargs["queryset"] = Contract.objects.visible_to(request.user)
        if db_field.name == "template":
            kwargs["queryset"] = ChecklistTemplate.objects.filter(is_current=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        result = plan_contract(obj.contract)
        self.message_user(
            request,
            ngettext(
                "%(count)d inspection planned",
                "%(count)d inspections planned",
                len(result.created),
            )
            % {"count": len(result.created)}
            + (
                _("; %(removed)d no longer asked for were removed") % {"removed": result.removed}
                if result.removed
                else ""
            )
            + ".",
        )
        if result.unpublished_years:
            self.message_user(
                request,
                _(
                    "The holiday schedule of %(years)s is not recorded yet: inspections before "
                    "those holidays are planned once it is."
                )
                % {"years": ", ".join(str(year) for year in result.unpublished_years)},
                messages.WARNING,
            )


class ResultInline(admin.TabularInline):
    model = InspectionResult
    extra = 0
    fields = ["position", "section", "name", "rule_display", "value", "passed", "text", "verdict"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReportInline(admin.TabularInline):
    model = InspectionReport
    extra = 0
    fields = ["revision", "file", "pages", "size", "sha256", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ["title", "contract", "due_on", "state", "engineer", "mode"]
    list_filter = [("contract", admin.RelatedOnlyFieldListFilter), "state", "purpose"]
    list_select_related = ["contract", "engineer"]
    search_fields = ["title", "contract__code"]
    date_hierarchy = "due_on"
    fields = [
        "contract",
        "rule",
        "purpose",
        "template",
        "system",
        "title",
        ("window_starts_on", "due_on"),
        "planned_on_site",
        "instructions",
        "engineer",
        "state",
        "mode",
        ("started_at", "finished_at"),
        "findings",
        "suggestions",
        ("signer_name", "signed_at", "sign_off_recorded_by"),
        "revision",
    ]
    inlines = [ResultInline, ReportInline]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    # Inspections change only through their services (history, revisions, the PDF): the
    # admin is for looking them up.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
