"""Outage spans and recurrence candidates as JSON."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.tickets import PersonSerializer, TicketSystemSerializer
from tickets.models import Outage


class OutageSerializer(serializers.ModelSerializer):
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True)
    system = TicketSystemSerializer(source="ticket.system", read_only=True)
    recorded_by = PersonSerializer(
        read_only=True,
        allow_null=True,
        help_text="Null when OpsDesk opened it from a level-1 report (its start is the "
        "report time).",
    )
    minutes = serializers.SerializerMethodField(
        help_text="How long it lasted; an open span until now."
    )

    class Meta:
        model = Outage
        fields = [
            "id",
            "ticket",
            "system",
            "started_at",
            "ended_at",
            "partial",
            "note",
            "recorded_by",
            "minutes",
        ]
        read_only_fields = fields

    def get_minutes(self, outage: Outage) -> int:
        return int(outage.duration(self.context["now"]).total_seconds() // 60)


class ContractOutagesSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    downtime_hours = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        help_text="Full outages of the year, overlapping spans counted once.",
    )
    allowed_hours = serializers.DecimalField(
        max_digits=8, decimal_places=2, allow_null=True, help_text="The yearly target; null: none."
    )
    remaining_hours = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    within_target = serializers.BooleanField(allow_null=True)
    degraded_hours = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        help_text="Partial outages (degraded service), not counted as downtime.",
    )
    outages = OutageSerializer(many=True)


class YearQuery(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, min_value=2000, max_value=2100, help_text="Calendar year; this year."
    )


class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="ticket.pk")
    number = serializers.CharField(source="ticket.number")
    title = serializers.CharField(source="ticket.title")
    state = serializers.CharField(source="ticket.state")
    level = serializers.IntegerField(source="ticket.service_class.level", allow_null=True)
    reported_at = serializers.DateTimeField(source="ticket.created_at")
    similarity = serializers.FloatField(help_text="Title similarity, 0 … 1 (character bigrams).")
    occurrences = serializers.IntegerField(
        help_text="Tickets of that problem so far: linking makes this one the next."
    )


class RecurrenceSerializer(serializers.Serializer):
    recurrence_of = serializers.CharField(
        source="recurrence_of.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The number of the first occurrence this ticket is linked to; null when none.",
    )
    candidates = CandidateSerializer(many=True)
