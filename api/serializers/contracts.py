"""Contracts as hospital systems read them: parties, term, quotas, SLA table, covered systems."""

from __future__ import annotations

from rest_framework import serializers

from contracts.models import ClockTarget, Contract, CoveredSystem, Organization, ServiceClass


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["code", "name"]


class SystemSerializer(serializers.ModelSerializer):
    hospital = serializers.SlugRelatedField(slug_field="code", read_only=True)
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = CoveredSystem
        fields = ["id", "code", "name", "tier", "parent", "hospital", "description"]


class ClockTargetSerializer(serializers.ModelSerializer):
    calendar = serializers.CharField(source="calendar.name", read_only=True)
    target_minutes = serializers.IntegerField(
        read_only=True, help_text="The target in working minutes of its calendar."
    )
    max_extension_minutes = serializers.IntegerField(read_only=True, allow_null=True)
    due_by_opening_of = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=(
            "Code of the calendar whose next opening caps the deadline of a ticket filed "
            "while it is closed (C4: before the next morning's registration); null: no cap."
        ),
    )

    class Meta:
        model = ClockTarget
        fields = [
            "clock",
            "amount",
            "unit",
            "target_minutes",
            "calendar",
            "starts_from",
            "due_by_opening_of",
            "extendable_with_consent",
            "max_extension",
            "max_extension_minutes",
        ]


class ServiceClassSerializer(serializers.ModelSerializer):
    clocks = ClockTargetSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceClass
        fields = [
            "code",
            "kind",
            "level",
            "name",
            "definition",
            "is_inbound_default",
            "arrival_by_appointment",
            "counts_against_quota",
            "clocks",
        ]


class ContractSerializer(serializers.ModelSerializer):
    hospital = OrganizationSerializer(read_only=True)
    vendor = OrganizationSerializer(read_only=True)
    calendar = serializers.CharField(source="calendar.name", read_only=True)
    sla = ServiceClassSerializer(source="service_classes", many=True, read_only=True)
    systems = SystemSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "code",
            "name",
            "hospital",
            "vendor",
            "starts_on",
            "ends_on",
            "remote_service",
            "onsite_service",
            "calendar",
            "sla_target_percent",
            "allowed_downtime_hours",
            "min_onsite_days",
            "person_day_quota",
            "min_team_size",
            "warning_threshold_percent",
            "reopen_window_days",
            "backdating_limit_hours",
            "consent_dispute_hours",
            "response_needs_plan",
            "sla",
            "systems",
        ]


class QuotaMonthSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    used = serializers.DecimalField(max_digits=7, decimal_places=2, help_text="Cumulative.")
    remaining = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


class QuotaSerializer(serializers.Serializer):
    """The adaptive-work quota of the quota year holding today, burned down by month."""

    starts_on = serializers.DateField()
    ends_on = serializers.DateField(help_text="Exclusive.")
    quota = serializers.IntegerField(
        allow_null=True, help_text="Person-days a year (at most); null: the contract sets none."
    )
    used = serializers.DecimalField(max_digits=7, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    percent = serializers.IntegerField(allow_null=True)
    running_low = serializers.BooleanField(help_text="80 % or more of the quota is used.")
    warned_at = serializers.DateTimeField(
        allow_null=True, help_text="When the vendor's manager and hospital IT were warned."
    )
    months = QuotaMonthSerializer(many=True)
