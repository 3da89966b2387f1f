from django.contrib import admin

from contracts.models import Contract
from tickets.models import ConsentRequest, Event, Pause, Ticket, TicketClock, Worklog


class ClockInline(admin.TabularInline):
    model = TicketClock
    extra = 0
    can_delete = False
    fields = [
        "name",
        "target_minutes",
        "extension_minutes",
        "calendar",
        "started_at",
        "due_at",
        "met_at",
        "warned_at",
        "breached_at",
        "is_paused",
        "is_active",
        "provisional",
    ]
    readonly_fields = fields


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "from_state", "to_state", "internal", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        # A hospital's administrator reads the ticket here too: never the vendor's notes.
        return super().get_queryset(request).visible_to(request.user)


class PauseInline(admin.TabularInline):
    model = Pause
    extra = 0
    can_delete = False
    fields = ["reason", "started_at", "ended_at", "consent_by", "consent_at", "recorded_by", "note"]
    readonly_fields = fields


class ConsentInline(admin.TabularInline):
    model = ConsentRequest
    extra = 0
    can_delete = False
    fields = [
        "kind",
        "state",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_by_name",
        "decided_at",
        "channel",
        "recorded_by",
        "disputed_by",
        "disputed_at",
    ]
    readonly_fields = fields


class WorklogInline(admin.TabularInline):
    model = Worklog
    extra = 0
    can_delete = False
    fields = ["work_date", "engineer", "minutes", "mode", "counts_against_quota", "description"]
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only: tickets change only through their services, so every change is on the timeline."""

    list_display = [
        "number",
        "title",
        "contract",
        "service_class",
        "state",
        "assignee",
        "channel",
        "created_at",
    ]
    list_filter = ["state", "kind", "channel", ("contract", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["number", "title"]
    list_select_related = ["contract", "service_class", "assignee"]
    date_hierarchy = "created_at"
    inlines = [ClockInline, PauseInline, ConsentInline, WorklogInline, EventInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(contract__in=Contract.objects.visible_to(request.user))
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
