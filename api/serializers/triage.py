"""The e-mail triage list: mails the poller could not file, and the three ways to handle one."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from contracts.models import Contract, CoveredSystem, ServiceClass
from intake.models import TriageEntry, TriageState


class TriageEntrySerializer(serializers.ModelSerializer):
    mailbox = serializers.EmailField(source="mailbox.address", read_only=True)
    contract = serializers.SlugRelatedField(slug_field="code", read_only=True)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True)
    resolved_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = TriageEntry
        fields = [
            "id",
            "mailbox",
            "contract",
            "sender",
            "sender_name",
            "subject",
            "body",
            "received_at",
            "reason",
            "reason_display",
            "detail",
            "state",
            "ticket",
            "resolved_by",
            "resolved_at",
            "resolution_note",
        ]
        read_only_fields = fields


class TriageListQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=TriageState.choices, default=TriageState.OPEN)


class TriageFileSerializer(serializers.Serializer):
    """Ids: the service checks they fit together (a system and row of the contract, a
    caller of its hospital) and answers in the caller's language when they do not."""

    contract = serializers.SlugRelatedField(slug_field="code", queryset=Contract.objects.all())
    system = serializers.PrimaryKeyRelatedField(queryset=CoveredSystem.objects.all())
    service_class = serializers.PrimaryKeyRelatedField(queryset=ServiceClass.objects.all())
    caller = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True)
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    backdate_reason = serializers.CharField(required=False, allow_blank=True, default="")


class TriageCommentSerializer(serializers.Serializer):
    ticket = serializers.CharField(max_length=30, help_text="The ticket's number.")


class TriageDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)
