"""Comments, worklogs and attachments of a ticket."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.actions import NOTE_LIMIT
from api.serializers.tickets import PersonSerializer
from tickets.models import Worklog


class CommentCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=NOTE_LIMIT)
    internal = serializers.BooleanField(
        default=False,
        help_text="An internal note (内部备注): read only by the vendor's staff, never by the "
        "hospital; vendor staff only. @name mentions notify the people named.",
    )


class WorklogSerializer(serializers.ModelSerializer):
    engineer = PersonSerializer(read_only=True)

    class Meta:
        model = Worklog
        fields = [
            "id",
            "engineer",
            "work_date",
            "minutes",
            "mode",
            "counts_against_quota",
            "description",
            "created_at",
        ]
        read_only_fields = ["id", "engineer", "created_at"]
        extra_kwargs = {"description": {"max_length": 20000}}


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, use_url=False)
    internal = serializers.BooleanField(
        default=False, help_text="A file of an internal note: the vendor's staff only."
    )
