"""Tickets as JSON: the list and detail shapes, filing, editing, and the list's query."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from contracts.models import Contract, CoveredSystem, ServiceClass, TicketKind
from tickets.models import (
    DESCRIPTION_LIMIT,
    TITLE_LIMIT,
    Attachment,
    Event,
    State,
    Ticket,
    TicketClock,
)
from tickets.selectors import TicketFilter


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = get_user_model()
        fields = ["id", "name"]


class TicketSystemSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoveredSystem
        fields = ["id", "code", "name"]


class ClockSerializer(serializers.ModelSerializer):
    paused = serializers.BooleanField(source="is_paused", read_only=True)
    breached = serializers.BooleanField(read_only=True)
    target_minutes = serializers.IntegerField(
        read_only=True, help_text="The contract's target in working minutes of its calendar."
    )
    extension_minutes = serializers.IntegerField(
        read_only=True, help_text="Working minutes added with the hospital's consent."
    )
    calendar = serializers.CharField(source="calendar.name", read_only=True)

    class Meta:
        model = TicketClock
        fields = [
            "name",
            "target_minutes",
            "extension_minutes",
            "started_at",
            "due_at",
            "met_at",
            "paused",
            "breached",
            "warned_at",
            "breached_at",
            "provisional",
            "calendar",
        ]


class TicketSerializer(serializers.ModelSerializer):
    contract = serializers.SlugRelatedField(slug_field="code", read_only=True)
    system = TicketSystemSerializer(read_only=True)
    level = serializers.IntegerField(source="service_class.level", read_only=True, allow_null=True)
    service_class = serializers.SlugRelatedField(slug_field="code", read_only=True)
    reporter = PersonSerializer(read_only=True)
    assignee = PersonSerializer(read_only=True, allow_null=True)
    # Declared once, not built per ticket in a method field: DRF builds a serializer's
    # fields on first use, which for 50 tickets was most of a page's time.
    clocks = ClockSerializer(many=True, read_only=True, source="active_clocks")
    next_due_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "kind",
            "level",
            "service_class",
            "state",
            "contract",
            "system",
            "title",
            "description",
            "contact_phone",
            "reporter",
            "assignee",
            "satisfaction",
            "created_at",
            "acknowledged_at",
            "arrived_at",
            "resolved_at",
            "closed_at",
            "updated_at",
            "next_due_at",
            "clocks",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Event
        fields = ["id", "at", "action", "actor", "from_state", "to_state", "note", "data"]


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    uploaded_by = PersonSerializer(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "name",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, attachment: Attachment) -> str:
        path = f"/api/v1/tickets/{attachment.ticket_id}/attachments/{attachment.pk}/download/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class TicketPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    results = TicketSerializer(many=True)


class TicketDetailSerializer(TicketSerializer):
    timeline = EventSerializer(source="events", many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "timeline", "attachments"]
        read_only_fields = fields


class TicketCreateSerializer(serializers.Serializer):
    """What a hospital system sends to file a ticket (报修)."""

    contract = serializers.SlugField(help_text="The contract's code, e.g. yn-his.")
    system = serializers.IntegerField(help_text="Id of a covered system (see /systems/).")
    level = serializers.IntegerField(
        required=False, min_value=1, max_value=9, help_text="Fault level, 1 the most severe."
    )
    service_class = serializers.SlugField(
        required=False, help_text="Code of an SLA row of the contract (for non-fault requests)."
    )
    title = serializers.CharField(max_length=TITLE_LIMIT)
    description = serializers.CharField(max_length=DESCRIPTION_LIMIT)
    contact_phone = serializers.CharField(max_length=20)

    def validate(self, attrs: dict) -> dict:
        contracts = self.context["contracts"]
        # The hospital names the ticket (YN-2026-00042); the parents make the system's path.
        contract = contracts.select_related("hospital").filter(code=attrs["contract"]).first()
        if contract is None:
            raise serializers.ValidationError(
                {"contract": [_("No contract of yours has this code.")]}
            )
        system = (
            CoveredSystem.objects.select_related("parent__parent")
            .filter(pk=attrs["system"], hospital_id=contract.hospital_id)
            .first()
        )
        if system is None:
            raise serializers.ValidationError(
                {"system": [_("This contract's hospital has no system with this id.")]}
            )
        attrs["contract"], attrs["system"] = contract, system
        attrs["service_class"] = self._service_class(contract, attrs)
        attrs.pop("level", None)
        return attrs

    @staticmethod
    def _service_class(contract: Contract, attrs: dict) -> ServiceClass:
        if attrs.get("service_class"):
            row = contract.sla_row(code=attrs["service_class"])
            if row is None:
                raise serializers.ValidationError(
                    {"service_class": [_("The contract has no SLA row with this code.")]}
                )
            if attrs.get("level") is not None and row.level != attrs["level"]:
                raise serializers.ValidationError(
                    {"level": [_("This level does not match the SLA row given.")]}
                )
            return row
        if attrs.get("level") is None:
            raise serializers.ValidationError(
                {"level": [_("Give the fault level, or the code of an SLA row.")]}
            )
        row = contract.sla_row(level=attrs["level"])
        if row is None:
            raise serializers.ValidationError(
                {"level": [_("The contract defines no such fault level.")]}
            )
        return row


class TicketUpdateSerializer(serializers.Serializer):
    """Corrections the hospital may make while the ticket is open."""

    title = serializers.CharField(max_length=TITLE_LIMIT, required=False)
    description = serializers.CharField(max_length=DESCRIPTION_LIMIT, required=False)
    contact_phone = serializers.CharField(max_length=20, required=False)


ORDERINGS = ("next_due", "-created_at", "created_at")


class CommaSeparatedStates(serializers.CharField):
    def to_internal_value(self, data) -> tuple[str, ...]:
        states = tuple(part.strip() for part in str(data).split(",") if part.strip())
        unknown = [state for state in states if state not in State.values]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown state: %(states)s. Known states: %(known)s.")
                % {"states": ", ".join(unknown), "known": ", ".join(State.values)}
            )
        return states


class TicketListQuerySerializer(serializers.Serializer):
    """The list's filters, ordering and paging, read from the query string."""

    state = CommaSeparatedStates(required=False, help_text="One state or several, comma-separated.")
    open = serializers.BooleanField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=TicketKind.choices, required=False)
    level = serializers.IntegerField(required=False, min_value=1, max_value=9)
    contract = serializers.SlugField(required=False, help_text="Contract code.")
    system = serializers.IntegerField(required=False, min_value=1)
    assignee = serializers.RegexField(
        r"^(me|none|[0-9]{1,18})$",
        required=False,
        help_text="A user id, `me`, or `none` for unassigned tickets.",
    )
    breached = serializers.BooleanField(required=False, allow_null=True, default=None)
    due_before = serializers.DateTimeField(required=False)
    due_after = serializers.DateTimeField(required=False)
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False, default="next_due")
    cursor = serializers.CharField(required=False, max_length=500)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)

    def to_filter(self, user) -> TicketFilter:
        data = self.validated_data
        assignee = data.get("assignee")
        return TicketFilter(
            states=data.get("state", ()),
            open=data.get("open"),
            kind=data.get("kind"),
            level=data.get("level"),
            contract_code=data.get("contract"),
            system_id=data.get("system"),
            assignee_id=user.pk if assignee == "me" else _int_or_none(assignee),
            unassigned=assignee == "none",
            breached=data.get("breached"),
            due_before=data.get("due_before"),
            due_after=data.get("due_after"),
        )


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
