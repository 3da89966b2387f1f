"""The State Council's holiday notice for platform administrators: read a pasted notice (the
year it sets beside the statutory days), import it, and list the notices imported. The same
services as the admin's import page; the import reads the text again, all or nothing."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers.holidays import (
    HolidayNoticeSerializer,
    NoticeReadingSerializer,
    NoticeTextSerializer,
)
from sla.holiday_notice import import_notice, parse_notice, preview_notice
from sla.models import HolidayNotice
from sla.policy import may_import_holiday_notice
from sla.statutory import holiday_label

TAGS = ["holidays"]


def _notice_text(request) -> str:
    """The pasted text of a platform administrator's request; anyone else is refused."""
    if not may_import_holiday_notice(request.user):
        raise PermissionDenied
    body = NoticeTextSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data["text"]


class HolidayNoticeListView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Notices imported, newest first (platform administrators)",
        responses={200: HolidayNoticeSerializer(many=True)},
    )
    def get(self, request):
        if not may_import_holiday_notice(request.user):
            raise PermissionDenied
        notices = HolidayNotice.objects.select_related("imported_by")
        return Response(HolidayNoticeSerializer(notices, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Import a notice: the year's holidays and make-up days replaced, deadlines "
        "recomputed",
        request=NoticeTextSerializer,
        responses={201: HolidayNoticeSerializer},
    )
    def post(self, request):
        imported = import_notice(text=_notice_text(request), by=request.user)
        return Response(HolidayNoticeSerializer(imported).data, status=status.HTTP_201_CREATED)


class HolidayNoticeReadingView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Read a notice without saving it: its dates beside the statutory days",
        request=NoticeTextSerializer,
        responses={200: NoticeReadingSerializer},
    )
    def post(self, request):
        preview = preview_notice(parse_notice(_notice_text(request)))
        notice = preview.notice
        reading = {
            "year": notice.year,
            "title": notice.title,
            "holidays": [
                {"date": day, "name": holiday_label(name)} for day, name in notice.holidays.items()
            ],
            "makeup_workdays": [
                {"date": day, "name": holiday_label(name)}
                for day, name in notice.makeup_workdays.items()
            ],
            "statutory_days": [
                {"date": row.date, "name": row.label, "off": row.off} for row in preview.statutory
            ],
            "already_published": preview.already_published is not None,
        }
        return Response(NoticeReadingSerializer(reading).data)
