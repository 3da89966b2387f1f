"""The audit trail in the admin: read only, searchable, exportable as CSV.

Superusers read every entry; an organisation's administrators read their organisation's
(audit.selectors). Nobody adds, changes or deletes an entry here. Exporting is itself
recorded (audit.export).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from audit import exports, selectors
from audit.models import AuditEntry
from audit.record import query_filters, record

# An export of selected entries records which, up to this many (else only how many).
MAX_RECORDED_IDS = 500

# The first part of an action's dotted name, with what it covers.
ACTION_PREFIXES = [
    ("auth", _("Signing in and out")),
    ("tickets", _("Tickets")),
    ("inspections", _("Inspections")),
    ("reports", _("Reports")),
    ("admin", _("Admin changes")),
    ("accounts", _("Memberships and roles")),
    ("audit", _("The audit trail itself")),
]


class ActionPrefixFilter(admin.SimpleListFilter):
    title = _("kind of action")
    parameter_name = "action_prefix"

    def lookups(self, request, model_admin):
        # A fixed list: a DISTINCT over the whole trail for every page would cost too much.
        return ACTION_PREFIXES

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action__startswith=f"{self.value()}.")
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "ip", "action", "object_repr", "contract"]
    list_filter = [ActionPrefixFilter, ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_name", "action", "object_repr", "object_id", "ip"]
    date_hierarchy = "at"
    list_select_related = ["contract"]
    # Counting a long trail on every page is slow; the list shows "Show all" instead.
    show_full_result_count = False
    list_per_page = 50
    actions = ["export_selected_csv"]
    fields = [
        "at",
        "actor",
        "actor_name",
        "ip",
        "action",
        "contract",
        "object_type",
        "object_id",
        "object_repr",
        "data",
    ]
    readonly_fields = fields
    change_list_template = "audit/admin/change_list.html"

    # --- read only, for whoever may read the trail ------------------------------------------

    def has_module_permission(self, request) -> bool:
        return selectors.may_read_audit(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return selectors.may_read_audit(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        entries = selectors.visible_entries(request.user)
        ordering = self.get_ordering(request)
        return entries.order_by(*ordering) if ordering else entries

    # --- exports -----------------------------------------------------------------------------

    @admin.action(description=_("Export selected as CSV"))
    def export_selected_csv(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True)[: MAX_RECORDED_IDS + 1])
        data: dict = {"selected": queryset.count() if len(ids) > MAX_RECORDED_IDS else len(ids)}
        if len(ids) <= MAX_RECORDED_IDS:
            data["ids"] = ids
        record("audit.export", actor=request.user, data=data)
        return exports.csv_response(queryset.order_by("-at", "-pk"))

    def get_urls(self):
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="audit_auditentry_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request):
        """The list as it is filtered and searched now, every page of it, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:audit_auditentry_changelist") + "?e=1")
        record("audit.export", actor=request.user, data={"filters": query_filters(request.GET)})
        return exports.csv_response(changelist.queryset)
