"""Inspections (巡检) and checklists as JSON: list and detail shapes, the list's query, and
the bodies of planning, actions, recording results and opening a ticket."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.schema import inline_enum
from api.serializers.actions import NOTE_LIMIT
from api.serializers.contracts import OrganizationSerializer
from api.serializers.tickets import PersonSerializer, TicketSystemSerializer
from contracts.models import CoveredSystem
from inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Inspection,
    InspectionMode,
    InspectionReport,
    InspectionResult,
    InspectionState,
    Purpose,
)
from inspections.thresholds import Comparator, ItemKind

TEXT_LIMIT = 20000
COMPARATOR_HELP = "How a measured value is compared with the limit; empty without a threshold."
RULE_HELP = 'The threshold as people write it, e.g. "< 90 %"; empty when there is none.'


@extend_schema_field(inline_enum(list(ItemKind.values), "pass_fail, measurement or text."))
class ItemKindField(serializers.CharField):
    pass


@extend_schema_field(
    inline_enum(
        list(InspectionState.values),
        "planned, in_progress, completed (awaiting sign-off), signed (off), cancelled.",
    )
)
class InspectionStateField(serializers.CharField):
    pass


# --- checklists --------------------------------------------------------------------------


class ChecklistItemSerializer(serializers.ModelSerializer):
    kind = ItemKindField(read_only=True)
    comparator = serializers.ChoiceField(
        choices=Comparator.choices, allow_blank=True, read_only=True, help_text=COMPARATOR_HELP
    )
    rule = serializers.CharField(source="rule_display", read_only=True, help_text=RULE_HELP)

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "position",
            "name",
            "kind",
            "unit",
            "comparator",
            "limit",
            "upper_limit",
            "rule",
            "guidance",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "limit": {"coerce_to_string": False},
            "upper_limit": {"coerce_to_string": False},
        }


class ChecklistSectionSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistSection
        fields = ["id", "position", "title", "items"]
        read_only_fields = fields


class ChecklistSerializer(serializers.ModelSerializer):
    sections = ChecklistSectionSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "code", "version", "name", "description", "sections"]
        read_only_fields = fields


class ChecklistRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistTemplate
        fields = ["id", "code", "version", "name"]
        read_only_fields = fields


# --- inspections ---------------------------------------------------------------------------


class TicketRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)


class InspectionResultSerializer(serializers.ModelSerializer):
    """One checklist item of the inspection, its answer and the verdict judged on the server."""

    kind = ItemKindField(read_only=True)
    comparator = serializers.ChoiceField(
        choices=Comparator.choices, allow_blank=True, read_only=True, help_text=COMPARATOR_HELP
    )
    rule = serializers.CharField(source="rule_display", read_only=True, help_text=RULE_HELP)
    ticket = TicketRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = InspectionResult
        fields = [
            "id",
            "position",
            "section",
            "name",
            "kind",
            "unit",
            "comparator",
            "limit",
            "upper_limit",
            "rule",
            "guidance",
            "value",
            "passed",
            "text",
            "not_applicable",
            "note",
            "verdict",
            "checked_at",
            "ticket",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "limit": {"coerce_to_string": False},
            "upper_limit": {"coerce_to_string": False},
            "value": {"coerce_to_string": False},
        }


class InspectionReportSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionReport
        fields = ["revision", "size", "pages", "sha256", "created_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, report: InspectionReport) -> str:
        path = f"/api/v1/inspections/{report.inspection_id}/report/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class InspectionSerializer(serializers.ModelSerializer):
    """An inspection as the list shows it."""

    contract = serializers.SlugRelatedField(slug_field="code", read_only=True)
    hospital = OrganizationSerializer(source="contract.hospital", read_only=True)
    vendor = OrganizationSerializer(source="contract.vendor", read_only=True)
    system = TicketSystemSerializer(read_only=True, allow_null=True)
    engineer = PersonSerializer(read_only=True, allow_null=True)
    state = InspectionStateField(read_only=True)
    mode = serializers.ChoiceField(
        choices=InspectionMode.choices,
        allow_blank=True,
        read_only=True,
        help_text="How it was performed, once started; empty before.",
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "contract",
            "hospital",
            "vendor",
            "purpose",
            "title",
            "system",
            "window_starts_on",
            "due_on",
            "planned_on_site",
            "state",
            "overdue",
            "engineer",
            "mode",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, inspection: Inspection) -> bool:
        return inspection.is_overdue(self.context.get("today") or timezone.localdate())


class InspectionPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    results = InspectionSerializer(many=True)


class InspectionDetailSerializer(InspectionSerializer):
    """One inspection with its checklist results, sign-off and latest report."""

    checklist = ChecklistRefSerializer(source="template", read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True, allow_null=True)
    results = InspectionResultSerializer(many=True, read_only=True)
    report = serializers.SerializerMethodField()

    class Meta(InspectionSerializer.Meta):
        fields = [
            *InspectionSerializer.Meta.fields,
            "checklist",
            "instructions",
            "duration_minutes",
            "findings",
            "suggestions",
            "signer_name",
            "signed_at",
            "revision",
            "results",
            "report",
        ]
        read_only_fields = fields

    @extend_schema_field(InspectionReportSerializer(allow_null=True))
    def get_report(self, inspection: Inspection) -> dict | None:
        # The views prefetch the reports newest first; the first is the latest revision.
        reports = list(inspection.reports.all())
        if not reports:
            return None
        return InspectionReportSerializer(reports[0], context=self.context).data


# --- the list's query ----------------------------------------------------------------------


class CommaSeparatedInspectionStates(serializers.CharField):
    def to_internal_value(self, data) -> tuple[str, ...]:
        data = super().to_internal_value(data)
        states = tuple(part.strip() for part in data.split(",") if part.strip())
        unknown = [state for state in states if state not in InspectionState.values]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown state: %(states)s. Known states: %(known)s.")
                % {"states": ", ".join(unknown), "known": ", ".join(InspectionState.values)}
            )
        return states


class InspectionListQuerySerializer(serializers.Serializer):
    """The list's filters and paging, read from the query string."""

    contract = serializers.SlugField(required=False, help_text="Contract code.")
    state = CommaSeparatedInspectionStates(
        required=False, max_length=200, help_text="One state or several, comma-separated."
    )
    purpose = serializers.ChoiceField(choices=Purpose.choices, required=False)
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: open and past the due date; false: all others.",
    )
    due_before = serializers.DateField(required=False, help_text="Due before this day.")
    due_after = serializers.DateField(required=False, help_text="Due on this day or later.")
    cursor = serializers.CharField(required=False, max_length=500)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


# --- bodies --------------------------------------------------------------------------------


class InspectionCreateSerializer(serializers.Serializer):
    """An ad-hoc inspection (临时巡检) outside the contract's rules."""

    contract = serializers.SlugField(help_text="The contract's code, e.g. zj-einvoice.")
    template = serializers.IntegerField(
        min_value=1, help_text="Id of a current checklist (see /checklists/)."
    )
    due_on = serializers.DateField(help_text="The last day it may be done; within the term.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    system = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of a covered system; leave out for every system of the contract.",
    )
    on_site = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs: dict) -> dict:
        contract = self.context["contracts"].filter(code=attrs["contract"]).first()
        if contract is None:
            raise serializers.ValidationError(
                {"contract": [_("No contract of yours has this code.")]}
            )
        template = ChecklistTemplate.objects.filter(pk=attrs["template"], is_current=True).first()
        if template is None:
            raise serializers.ValidationError(
                {"template": [_("No current checklist has this id.")]}
            )
        system = None
        if attrs["system"] is not None:
            system = CoveredSystem.objects.filter(
                pk=attrs["system"], hospital_id=contract.hospital_id
            ).first()
            if system is None:
                raise serializers.ValidationError(
                    {"system": [_("This contract's hospital has no system with this id.")]}
                )
        return {**attrs, "contract": contract, "template": template, "system": system}


class InspectionStartSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=InspectionMode.choices, help_text="Performed on site or remotely."
    )


class InspectionCompleteSerializer(serializers.Serializer):
    findings = serializers.CharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True, default=""
    )
    suggestions = serializers.CharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True, default=""
    )


class InspectionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=NOTE_LIMIT)


class InspectionSignOffSerializer(serializers.Serializer):
    signer_name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The hospital representative who signed; hospital IT may leave it out to "
        "sign in their own name.",
    )


class InspectionAssignSerializer(serializers.Serializer):
    engineer = serializers.IntegerField(min_value=1, help_text="User id of a vendor engineer.")

    def validate_engineer(self, value: int):
        engineer = get_user_model().objects.filter(pk=value, is_active=True).first()
        if engineer is None:
            raise serializers.ValidationError(_("No active user has this id."))
        return engineer


class InspectionAnswerSerializer(serializers.Serializer):
    """One item's answer; a field left out (or null) keeps what was recorded."""

    id = serializers.IntegerField(min_value=1, help_text="Id of a result of this inspection.")
    passed = serializers.BooleanField(required=False, allow_null=True, default=None)
    value = serializers.DecimalField(
        max_digits=14,
        decimal_places=3,
        required=False,
        allow_null=True,
        default=None,
        coerce_to_string=False,
        help_text="A measured value, in the item's unit.",
    )
    text = serializers.CharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True, allow_null=True, default=None
    )
    not_applicable = serializers.BooleanField(required=False, allow_null=True, default=None)
    note = serializers.CharField(
        max_length=NOTE_LIMIT, required=False, allow_blank=True, allow_null=True, default=None
    )
    clear = serializers.BooleanField(
        required=False, default=False, help_text="Forget the answer: the item is pending again."
    )


class RecordResultsSerializer(serializers.Serializer):
    answers = InspectionAnswerSerializer(many=True, allow_empty=False, max_length=500)


class OpenTicketSerializer(serializers.Serializer):
    """File a ticket (报修) for an abnormal item; title and description default to the finding."""

    service_class = serializers.SlugField(
        max_length=40, help_text="Code of an SLA row of the contract, e.g. level-3."
    )
    system = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "Id of the system the finding concerns, one the inspection covered. Defaults to the "
            "inspected system, or for an inspection of every covered system to the contract's "
            "first (main) one."
        ),
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True, default=""
    )

    def validate_system(self, value: int | None):
        if value is None:
            return None
        system = CoveredSystem.objects.filter(
            pk=value, hospital_id=self.context["contract"].hospital_id
        ).first()
        if system is None:
            raise serializers.ValidationError(_("The hospital has no system with this id."))
        return system

    def validate_service_class(self, value: str):
        row = self.context["contract"].sla_row(code=value)
        if row is None:
            raise serializers.ValidationError(_("The contract has no SLA row with this code."))
        return row
