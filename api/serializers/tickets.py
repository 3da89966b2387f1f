"""Tickets as JSON: the list and detail shapes, filing, editing, and the list's query."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.schema import inline_enum
from api.serializers.base import ModelSerializer, Serializer
from contracts.models import Contract, CoveredSystem, ServiceClass, TicketKind
from tickets.models import (
    DESCRIPTION_LIMIT,
    DESK_CHANNELS,
    TITLE_LIMIT,
    Attachment,
    Channel,
    ConsentRequest,
    Event,
    State,
    Ticket,
    TicketClock,
)
from tickets.selectors import TicketFilter


class PersonSerializer(ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = get_user_model()
        fields = ["id", "name"]


class TicketSystemSerializer(ModelSerializer):
    class Meta:
        model = CoveredSystem
        fields = ["id", "code", "name"]


class ClockSerializer(ModelSerializer):
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
            "breach_reason",
            "agreed_due_at",
            "provisional",
            "calendar",
        ]


class CallerSerializer(Serializer):
    """Who reported it: the reporter, or a caller known only by the name they gave."""

    id = serializers.SerializerMethodField(
        help_text="The reporter's user id; null for a caller without an account (the "
        "reporter is then the hospital IT person following the ticket)."
    )
    name = serializers.CharField(source="caller", read_only=True)

    def get_id(self, ticket: Ticket) -> int | None:
        return ticket.caller_account


@extend_schema_field(
    inline_enum(list(Channel.values), "How the hospital reported it: " + ", ".join(Channel.values))
)
class ChannelField(serializers.CharField):
    pass


class TicketSerializer(ModelSerializer):
    contract = serializers.SlugRelatedField(slug_field="code", read_only=True)
    system = TicketSystemSerializer(read_only=True)
    level = serializers.IntegerField(source="service_class.level", read_only=True, allow_null=True)
    service_class = serializers.SlugRelatedField(slug_field="code", read_only=True)
    reporter = PersonSerializer(read_only=True)
    assignee = PersonSerializer(read_only=True, allow_null=True)
    channel = ChannelField(read_only=True)
    caller = CallerSerializer(source="*", read_only=True)
    reported_at = serializers.DateTimeField(
        source="created_at",
        read_only=True,
        help_text="When the hospital reported it (= created_at): every clock counts from here.",
    )
    entered_at = serializers.DateTimeField(
        read_only=True, help_text="When it was typed into OpsDesk; later for a phoned-in report."
    )
    entered_by = PersonSerializer(
        read_only=True,
        allow_null=True,
        help_text="The vendor's person who filed it for the hospital; null when the reporter did.",
    )
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
            "channel",
            "caller",
            "reported_at",
            "entered_at",
            "entered_by",
            "backdate_reason",
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


class EventSerializer(ModelSerializer):
    actor = PersonSerializer(read_only=True, allow_null=True)
    summary = serializers.CharField(
        source="label",
        read_only=True,
        help_text="The line as the ticket page states it, with its facts (whom it was "
        "assigned to, the levels, a hold's reason and consent …), in the caller's language.",
    )
    internal = serializers.BooleanField(
        read_only=True, help_text="An internal note of the vendor's staff (vendor callers only)."
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "at",
            "action",
            "actor",
            "summary",
            "from_state",
            "to_state",
            "note",
            "internal",
            "data",
        ]


class AttachmentSerializer(ModelSerializer):
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
            "internal",
            "download_url",
        ]

    def get_download_url(self, attachment: Attachment) -> str:
        path = f"/api/v1/tickets/{attachment.ticket_id}/attachments/{attachment.pk}/download/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ConsentSerializer(ModelSerializer):
    """A consent request: what the vendor asked, and who at the hospital agreed (or refused),
    how and when; a consent the vendor recorded may be disputed until `dispute_until`."""

    requested_by = PersonSerializer(read_only=True)
    decided_by = PersonSerializer(
        read_only=True,
        allow_null=True,
        help_text="The hospital's person who answered; null for a person without an account "
        "(see agreed_by) or while pending.",
    )
    agreed_by = serializers.CharField(
        read_only=True, help_text="Who at the hospital answered, by name."
    )
    agreed_by_phone = serializers.CharField(source="decided_by_phone", read_only=True)
    recorded_by = PersonSerializer(
        read_only=True,
        allow_null=True,
        help_text="The vendor's person who recorded a consent given by phone, on site or in "
        "the WeCom group; null when the hospital answered in OpsDesk.",
    )
    disputed_by = PersonSerializer(read_only=True, allow_null=True)
    dispute_until = serializers.SerializerMethodField()

    class Meta:
        model = ConsentRequest
        fields = [
            "id",
            "kind",
            "state",
            "reason",
            "clock",
            "minutes",
            "note",
            "requested_by",
            "requested_at",
            "decided_by",
            "agreed_by",
            "agreed_by_phone",
            "decided_at",
            "channel",
            "recorded_by",
            "recorded_at",
            "refusal_reason",
            "dispute_until",
            "disputed_by",
            "disputed_at",
            "dispute_reason",
        ]
        read_only_fields = fields

    def get_dispute_until(self, consent: ConsentRequest) -> dt.datetime | None:
        until = consent.dispute_until(consent.ticket.contract.consent_dispute_hours)
        return serializers.DateTimeField().to_representation(until) if until else None


class TicketPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    results = TicketSerializer(many=True)


class AgreedTimeSerializer(serializers.Serializer):
    """Who proposed a time and who agreed to it, how and when (a newer proposal supersedes)."""

    proposed_by = PersonSerializer(read_only=True)
    proposed_side = serializers.CharField(read_only=True)
    proposed_at = serializers.DateTimeField(read_only=True)
    agreed_by = PersonSerializer(
        read_only=True,
        allow_null=True,
        help_text="Who confirmed it in OpsDesk, or the vendor's person who recorded a "
        "confirmation given by phone (then agreed_name names the hospital's person).",
    )
    agreed_name = serializers.CharField(read_only=True)
    agreed_channel = serializers.CharField(read_only=True)
    agreed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    superseded_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ChangeWindowSerializer(AgreedTimeSerializer):
    id = serializers.IntegerField(read_only=True)
    starts_at = serializers.DateTimeField(read_only=True)
    ends_at = serializers.DateTimeField(read_only=True)


class AppointmentSerializer(AgreedTimeSerializer):
    id = serializers.IntegerField(read_only=True)
    at = serializers.DateTimeField(read_only=True, help_text="When the engineer will be on site.")


class TicketDetailSerializer(TicketSerializer):
    timeline = EventSerializer(source="events", many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    recurrence_of = serializers.SlugRelatedField(
        slug_field="number",
        read_only=True,
        allow_null=True,
        help_text="The first occurrence of the same problem this ticket is linked to.",
    )
    consents = ConsentSerializer(many=True, read_only=True)
    change_windows = ChangeWindowSerializer(
        many=True,
        read_only=True,
        help_text="A change's implementation windows as proposed and agreed, oldest first.",
    )
    appointments = AppointmentSerializer(
        many=True, read_only=True, help_text="On-site times proposed and confirmed, oldest first."
    )

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "recurrence_of",
            "upgrade_plan",
            "rollback_plan",
            "timeline",
            "attachments",
            "consents",
            "change_windows",
            "appointments",
        ]
        read_only_fields = fields


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that must carry its offset: a report time of "09:12" means nothing
    until it says whose 09:12 it is."""

    def to_internal_value(self, value):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is not None and parsed.tzinfo is None:
            raise serializers.ValidationError(
                _("Give the time with its offset, e.g. 2026-09-15T09:12:00+08:00.")
            )
        return super().to_internal_value(value)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "description": "The user id of one of the hospital's people."},
            {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 100},
                    "phone": {"type": "string", "maxLength": 20},
                },
                "required": ["name", "phone"],
            },
        ],
        "description": "Who at the hospital reported it (vendor callers only): one of the "
        "hospital's people by id, or a caller without an account by name and phone.",
    }
)
class CallerField(serializers.Field):
    def to_internal_value(self, value) -> int | dict:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, dict):
            name, phone = str(value.get("name") or "").strip(), str(value.get("phone") or "")
            if name and phone.strip() and len(name) <= 100 and len(phone) <= 20:
                return {"name": name, "phone": phone.strip()}
        raise serializers.ValidationError(
            _('Give a hospital person\'s id, or {"name": …, "phone": …} of the caller.')
        )


class TicketCreateSerializer(Serializer):
    """What a hospital system sends to file a ticket (报修), or the vendor's desk to file
    one for the hospital (with `caller`, `channel` and `reported_at`)."""

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
    contact_phone = serializers.CharField(
        max_length=20,
        required=False,
        help_text="The number to call back; a vendor filing for a caller may leave it out "
        "to use the caller's.",
    )
    channel = serializers.ChoiceField(
        choices=[Channel.API.value, *(channel.value for channel in DESK_CHANNELS)],
        required=False,
        help_text="How the hospital reported it. Hospital systems file as api (the default); "
        "the vendor's desk files phone (the default), wecom, email, fax or on_site.",
    )
    reported_at = AwareDateTimeField(
        required=False,
        help_text="When the hospital reported it (ISO 8601 with offset), if before now: "
        "every clock counts from it. More than 30 minutes ago needs backdate_reason; the "
        "contract's limit (default 24 h) is the earliest accepted. A hospital system may send "
        "it too (monitoring detected the outage at this time).",
    )
    backdate_reason = serializers.CharField(max_length=500, required=False, default="")
    caller = CallerField(required=False)
    follower = serializers.IntegerField(
        required=False,
        help_text="For a caller given by name and phone: the hospital IT person's id who "
        "follows the ticket (default: the hospital's first IT person by name).",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The hospital gives its call-back number; the vendor's desk may take the caller's.
        self.fields["contact_phone"].required = not self.context.get("for_caller", False)

    def validate(self, attrs: dict) -> dict:
        contracts = self.context["contracts"]
        # The row and its contract in one query; the hospital names the ticket (YN-2026-00042).
        row = self._row_of_contract(contracts, attrs)
        if row is not None:
            contract = row.contract
        else:
            # No such contract, or no such row: asked one by one, to say which.
            contract = contracts.select_related("hospital").filter(code=attrs["contract"]).first()
        if contract is None:
            raise serializers.ValidationError(
                {"contract": [_("No contract of yours has this code.")]}
            )
        # The parents make the system's path; whether the contract covers it comes along.
        # Sliced, not first(): the id is unique, and first() would order by it (Django
        # hashes every column selected to match an ordering against them).
        system = next(
            iter(
                CoveredSystem.objects.select_related("parent__parent")
                .with_coverage_by(contract)
                .filter(pk=attrs["system"], hospital_id=contract.hospital_id)
                .order_by()[:1]
            ),
            None,
        )
        if system is None:
            raise serializers.ValidationError(
                {"system": [_("This contract's hospital has no system with this id.")]}
            )
        attrs["contract"], attrs["system"] = contract, system
        attrs["service_class"] = self._service_class(contract, attrs, row)
        attrs.pop("level", None)
        return attrs

    @staticmethod
    def _row_of_contract(contracts, attrs: dict) -> ServiceClass | None:
        """The SLA row asked for, with its contract, hospital and clock targets, if the
        caller may file under that contract and it has that row; None otherwise."""
        code = attrs.get("service_class")
        if not code and attrs.get("level") is None:
            return None
        # Its clock targets come along: filing starts the ticket's clocks from them.
        return (
            ServiceClass.objects.sla_row(code=code, level=None if code else attrs["level"])
            .filter(contract__in=contracts.filter(code=attrs["contract"]).values("pk"))
            .first_with_clocks("contract__hospital")
        )

    @staticmethod
    def _service_class(contract: Contract, attrs: dict, row: ServiceClass | None) -> ServiceClass:
        if attrs.get("service_class"):
            row = row or contract.sla_row(code=attrs["service_class"])
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
        row = row or contract.sla_row(level=attrs["level"])
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


class TicketSearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=100,
        help_text="A ticket number (any case), or words: each must be found in the number, "
        "title, description or a comment (substrings: Chinese needs no spaces).",
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=20)


class TicketHitSerializer(serializers.Serializer):
    ticket = TicketSerializer()
    matched_in = serializers.ChoiceField(
        choices=["number", "title", "description", "comment"],
        help_text="Where the first word was found: the results are ordered by it "
        "(number, title, description, comment), then newest first.",
    )
    excerpt = serializers.CharField(
        help_text="The description or comment around the match; plain text (not marked up)."
    )


class TicketSearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Matching tickets, counted up to 201 (more: 201).")
    since = serializers.DateTimeField(
        allow_null=True,
        help_text="Null, or the earliest report time searched: when every word is shorter than "
        "three characters, only the tickets reported in the last 90 days are searched.",
    )
    results = TicketHitSerializer(many=True)


class ChangeCreateSerializer(serializers.Serializer):
    """What the vendor sends to open a change (C4): both plans and a proposed window."""

    contract = serializers.SlugField(help_text="The contract's code, e.g. fd-internet.")
    system = serializers.IntegerField(help_text="Id of a covered system (see /systems/).")
    service_class = serializers.SlugField(
        required=False, help_text="Code of a change row; default the contract's only one."
    )
    title = serializers.CharField(max_length=TITLE_LIMIT)
    description = serializers.CharField(max_length=DESCRIPTION_LIMIT)
    upgrade_plan = serializers.CharField(max_length=DESCRIPTION_LIMIT)
    rollback_plan = serializers.CharField(max_length=DESCRIPTION_LIMIT)
    window_starts_at = AwareDateTimeField(help_text="Proposed implementation window: start.")
    window_ends_at = AwareDateTimeField(help_text="Proposed implementation window: end.")

    def validate(self, attrs: dict) -> dict:
        contract = self.context["contracts"].filter(code=attrs["contract"]).first()
        if contract is None:
            raise serializers.ValidationError(
                {"contract": [_("No contract of yours has this code.")]}
            )
        system = CoveredSystem.objects.filter(
            pk=attrs["system"], hospital_id=contract.hospital_id
        ).first()
        if system is None:
            raise serializers.ValidationError(
                {"system": [_("This contract's hospital has no system with this id.")]}
            )
        rows = contract.change_rows()
        if attrs.get("service_class"):
            rows = rows.filter(code=attrs["service_class"])
        if len(rows) != 1:
            raise serializers.ValidationError(
                {"service_class": [_("Give the code of one of the contract's change rows.")]}
            )
        attrs["contract"], attrs["system"], attrs["service_class"] = contract, system, rows[0]
        return attrs
