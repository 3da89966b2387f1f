"""The State Council's holiday notice: read it, import it, list what was imported."""

from __future__ import annotations

from rest_framework import serializers

from sla.models import HolidayNotice


class NoticeTextSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=20000,
        help_text="The whole notice (国务院办公厅关于YYYY年部分节假日安排的通知) as published.",
    )


class NoticeDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField(help_text="The holiday, in the caller's language.")


class StatutoryDaySerializer(NoticeDaySerializer):
    off = serializers.BooleanField(help_text="Whether the notice gives this statutory day off.")


class NoticeReadingSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    title = serializers.CharField()
    holidays = NoticeDaySerializer(many=True)
    makeup_workdays = NoticeDaySerializer(many=True)
    statutory_days = StatutoryDaySerializer(
        many=True, help_text="The year's statutory holidays by law, to check the notice against."
    )
    already_published = serializers.BooleanField(
        help_text="The year is recorded already; importing replaces its dates."
    )


class HolidayNoticeSerializer(serializers.ModelSerializer):
    imported_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = HolidayNotice
        fields = ["id", "year", "imported_at", "imported_by", "holidays", "makeup_workdays", "text"]
        read_only_fields = fields
