"""Admin: service reports and their versions, to look up (they change through the reports
page and the API, which keep their rules: final text, versions, retries)."""

from __future__ import annotations

from django.contrib import admin

from reports.models import ReportFile, ServiceReport


class ReportFileInline(admin.TabularInline):
    model = ReportFile
    extra = 0
    fields = [
        "version",
        "state",
        "is_final",
        "include_bound_book",
        "requested_by",
        "requested_at",
        "finished_at",
        "pages",
        "size",
        "sha256",
        "error",
        "file",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceReport)
class ServiceReportAdmin(admin.ModelAdmin):
    list_display = ["contract", "kind", "period_start", "period_end", "final_at"]
    list_filter = [("contract", admin.RelatedOnlyFieldListFilter), "kind"]
    list_select_related = ["contract"]
    fields = [
        "contract",
        "kind",
        "period_start",
        "period_end",
        "improvements",
        "final_at",
        "final_by",
    ]
    inlines = [ReportFileInline]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
