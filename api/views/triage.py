"""The e-mail triage list for the vendor's desk: list, read, file as a ticket, add to a
ticket, dismiss. Thin: intake.triage decides who may and what happens, as on the page."""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import token_of
from api.serializers.tickets import TicketDetailSerializer
from api.serializers.triage import (
    TriageCommentSerializer,
    TriageDismissSerializer,
    TriageEntrySerializer,
    TriageFileSerializer,
    TriageListQuerySerializer,
)
from api.views.tickets import detail
from intake import selectors, triage
from intake.policy import sees_triage

LIST_LIMIT = 200


def _entries(request, state: str = ""):
    if not sees_triage(request.user):
        raise PermissionDenied()
    entries = selectors.triage_for(request.user, state=state)
    token = token_of(request)
    if token is not None:
        entries = entries.filter(
            Q(mailbox__vendor_id=token.organization_id)
            | Q(mailbox__contract__vendor_id=token.organization_id)
        )
    return entries


def _entry(request, pk: int):
    return get_object_or_404(_entries(request), pk=pk)


class TriageListView(APIView):
    @extend_schema(
        summary="Mails waiting for the desk (newest first, at most 200)",
        parameters=[TriageListQuerySerializer],
        responses={200: TriageEntrySerializer(many=True)},
    )
    def get(self, request):
        query = TriageListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = _entries(request, state=query.validated_data["state"])[:LIST_LIMIT]
        return Response(TriageEntrySerializer(entries, many=True).data)


class TriageDetailView(APIView):
    @extend_schema(summary="One triaged mail", responses={200: TriageEntrySerializer})
    def get(self, request, pk: int):
        return Response(TriageEntrySerializer(_entry(request, pk)).data)


class TriageFileView(APIView):
    @extend_schema(
        summary="File the mail as a ticket for a hospital caller (channel e-mail)",
        request=TriageFileSerializer,
        responses={201: TicketDetailSerializer},
    )
    def post(self, request, pk: int):
        entry = _entry(request, pk)
        body = TriageFileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = triage.file_from_triage(entry=entry, by=request.user, **body.validated_data)
        return Response(detail(request, ticket.pk), status=status.HTTP_201_CREATED)


class TriageCommentView(APIView):
    @extend_schema(
        summary="Add the mail to a ticket as a comment",
        request=TriageCommentSerializer,
        responses={200: TriageEntrySerializer},
    )
    def post(self, request, pk: int):
        entry = _entry(request, pk)
        body = TriageCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        number = body.validated_data["ticket"].strip().upper()
        ticket = selectors.ticket_for_comment(entry, number)
        if ticket is None:
            raise ValidationError(
                {"ticket": [_("No ticket %(number)s of this vendor.") % {"number": number}]}
            )
        triage.comment_from_triage(entry=entry, by=request.user, ticket=ticket)
        entry.refresh_from_db()
        return Response(TriageEntrySerializer(entry).data)


class TriageDismissView(APIView):
    @extend_schema(
        summary="Dismiss the mail with a reason (it is kept)",
        request=TriageDismissSerializer,
        responses={200: TriageEntrySerializer},
    )
    def post(self, request, pk: int):
        entry = _entry(request, pk)
        body = TriageDismissSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        triage.dismiss(entry=entry, by=request.user, reason=body.validated_data["reason"])
        entry.refresh_from_db()
        return Response(TriageEntrySerializer(entry).data)
