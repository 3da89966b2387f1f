"""Service reports (季度运行总结 / 年度服务报告) and their PDF versions as JSON: the list's
query, the report and file shapes, and the bodies of asking for a report and writing its
improvement measures."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.schema import inline_enum
from api.serializers.tickets import PersonSerializer
from contracts.periods import parse
from reports.forms import IMPROVEMENTS_LIMIT
from reports.models import RenderState, ReportFile, ReportKind, ServiceReport
from reports.periods import Period
from reports.services import ACCEPTANCE_OPINION_LIMIT

KIND_HELP = "quarterly (operation summary) or annual (service report)."


@extend_schema_field(inline_enum(list(ReportKind.values), KIND_HELP))
class ReportKindField(serializers.CharField):
    pass


@extend_schema_field(inline_enum(list(ReportKind.values), KIND_HELP))
class ReportKindChoiceField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=ReportKind.choices, **kwargs)


@extend_schema_field(
    inline_enum(
        list(RenderState.values),
        "queued (waiting for a worker), running (being made), done (ready to download), "
        "failed (see `error`; retry it).",
    )
)
class RenderStateField(serializers.CharField):
    pass


def _absolute(request, name: str, pk: int) -> str:
    path = reverse(name, kwargs={"pk": pk})
    return request.build_absolute_uri(path) if request is not None else path


# --- the list's query --------------------------------------------------------------------


class ReportListQuerySerializer(serializers.Serializer):
    contract = serializers.SlugField(required=False, help_text="Contract code, e.g. yn-his.")
    kind = ReportKindChoiceField(required=False)
    year = serializers.IntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="Reports whose period starts in this year.",
    )


# --- shapes ------------------------------------------------------------------------------


class ReportFileSerializer(serializers.ModelSerializer):
    """One numbered version of a report's PDF: its progress, then its file."""

    report = serializers.IntegerField(source="report_id", read_only=True)
    state = RenderStateField(read_only=True)
    requested_by = PersonSerializer(
        read_only=True,
        allow_null=True,
        help_text="Null when OpsDesk made it on schedule.",
    )
    url = serializers.SerializerMethodField(help_text="This version's progress (poll it).")
    download = serializers.SerializerMethodField(
        help_text="The PDF, once the version is done; null before."
    )
    figures = serializers.JSONField(
        read_only=True,
        help_text=(
            "The figures this version printed, counted as at the end of its period "
            "(as_at); empty before it is done."
        ),
    )

    class Meta:
        model = ReportFile
        fields = [
            "id",
            "report",
            "version",
            "state",
            "include_bound_book",
            "is_final",
            "requested_by",
            "requested_at",
            "started_at",
            "finished_at",
            "attempts",
            "error",
            "pages",
            "size",
            "sha256",
            "figures",
            "url",
            "download",
        ]
        read_only_fields = fields

    def get_url(self, report_file: ReportFile) -> str:
        return _absolute(self.context.get("request"), "api:report-file-detail", report_file.pk)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download(self, report_file: ReportFile) -> str | None:
        if report_file.state != RenderState.DONE:
            return None
        return _absolute(self.context.get("request"), "api:report-file-download", report_file.pk)


class ReportSerializer(serializers.ModelSerializer):
    """A contract's report of a quarter or a year, with its versions (newest first)."""

    contract = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = ReportKindField(read_only=True)
    period = serializers.CharField(
        source="period.label",
        read_only=True,
        help_text='"2026 Q3" or "2026"; a service year or quarter as its first and last days, '
        '"2026-03-01 – 2027-02-28".',
    )
    period_end = serializers.DateField(read_only=True, help_text="Excluded.")
    final_by = PersonSerializer(read_only=True, allow_null=True)
    is_final = serializers.BooleanField(read_only=True)
    accepted_by = PersonSerializer(
        read_only=True, allow_null=True, help_text="Hospital IT who accepted (签收) the report."
    )
    url = serializers.SerializerMethodField()
    files = ReportFileSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceReport
        fields = [
            "id",
            "contract",
            "kind",
            "period",
            "period_start",
            "period_end",
            "improvements",
            "is_final",
            "final_at",
            "final_by",
            "accepted_at",
            "accepted_by",
            "acceptance_opinion",
            "created_at",
            "updated_at",
            "url",
            "files",
        ]
        read_only_fields = fields

    def get_url(self, report: ServiceReport) -> str:
        return _absolute(self.context.get("request"), "api:report-detail", report.pk)


# --- bodies ------------------------------------------------------------------------------


class ReportRequestSerializer(serializers.Serializer):
    """Ask for the next version of a report's PDF; it is made in the background."""

    contract = serializers.SlugField(help_text="The contract's code, e.g. yn-his.")
    kind = ReportKindChoiceField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quarter = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=4, help_text="Quarterly only."
    )
    include_bound_book = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Annual only: append every ticket's record and every inspection report.",
    )
    basis = serializers.ChoiceField(
        choices=[("calendar", "calendar"), ("service", "service")],
        required=False,
        default="calendar",
        help_text=(
            "calendar: `year` and `quarter` are the calendar's; service: the contract's "
            "service year that begins in `year` (its term's anniversary, e.g. C2 March–"
            "February) and, for a quarterly report, quarter 1–4 of that service year."
        ),
    )

    def validate(self, attrs: dict) -> dict:
        contract = self.context["contracts"].filter(code=attrs["contract"]).first()
        if contract is None:
            raise serializers.ValidationError(
                {"contract": [_("No contract of yours has this code.")]}
            )
        quarter = attrs.get("quarter")
        if attrs["kind"] == ReportKind.QUARTERLY:
            if quarter is None:
                raise serializers.ValidationError(
                    {"quarter": [_("Choose the quarter of a quarterly report.")]}
                )
            attrs["period"] = (
                parse(contract, f"SY{attrs['year']}-Q{quarter}").period
                if attrs["basis"] == "service"
                else Period.quarter(attrs["year"], quarter)
            )
        else:
            if quarter is not None:
                raise serializers.ValidationError(
                    {"quarter": [_("An annual report covers the whole year: leave it out.")]}
                )
            attrs["period"] = (
                parse(contract, f"SY{attrs['year']}").period
                if attrs["basis"] == "service"
                else Period.year(attrs["year"])
            )
        attrs["contract"] = contract
        return attrs


class AcceptanceSerializer(serializers.Serializer):
    opinion = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=ACCEPTANCE_OPINION_LIMIT,
        help_text="The hospital's opinion (院方意见), printed in the sign-off box.",
    )


class ImprovementsSerializer(serializers.Serializer):
    improvements = serializers.CharField(
        allow_blank=True,
        max_length=IMPROVEMENTS_LIMIT,
        help_text="The report's improvement measures (vendor manager, until final).",
    )
