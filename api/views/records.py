"""Comments, worklogs and attachments of one ticket."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.renderers import DownloadRenderer
from api.serializers.records import (
    AttachmentUploadSerializer,
    CommentCreateSerializer,
    WorklogSerializer,
)
from api.serializers.tickets import AttachmentSerializer, EventSerializer
from api.views.tickets import ticket_for, token_organizations
from audit.record import record
from tickets import services
from tickets.downloads import attachment_response
from tickets.models import Attachment, Event, Worklog

COMMENT_ACTION = "tickets.ticket.commented"


def _readable(model, request):
    """Comments or files as the caller may read them: internal ones only for the vendor's
    staff, and through a token only the vendor's token (tickets.models.VisibilityQuerySet)."""
    return model.objects.visible_to(request.user, organizations=token_organizations(request))


class CommentsView(APIView):
    @extend_schema(summary="Comments on a ticket", responses={200: EventSerializer(many=True)})
    def get(self, request, pk: int):
        ticket = ticket_for(request, pk)
        comments = (
            _readable(Event, request)
            .filter(ticket=ticket, action=COMMENT_ACTION)
            .select_related("actor")
        )
        return Response(EventSerializer(comments.order_by("at", "id"), many=True).data)

    @extend_schema(
        summary="Comment on a ticket, or (vendor staff, `internal: true`) write an internal "
        "note only the vendor's staff read",
        request=CommentCreateSerializer,
        responses={201: EventSerializer},
    )
    def post(self, request, pk: int):
        ticket = ticket_for(request, pk)
        body = CommentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        internal = body.validated_data["internal"]
        if internal and token_organizations(request) not in (None, [ticket.contract.vendor_id]):
            # A hospital's token writes for the hospital, whatever else its person is.
            raise PermissionDenied(_("Only the vendor's staff write internal notes."))
        event = services.add_comment(
            ticket=ticket, by=request.user, text=body.validated_data["text"], internal=internal
        )
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class WorklogsView(APIView):
    @extend_schema(summary="Work logged on a ticket", responses={200: WorklogSerializer(many=True)})
    def get(self, request, pk: int):
        ticket = ticket_for(request, pk)
        worklogs = Worklog.objects.filter(ticket=ticket).select_related("engineer")
        return Response(WorklogSerializer(worklogs, many=True).data)

    @extend_schema(
        summary="Log work on a ticket (engineers)",
        request=WorklogSerializer,
        responses={201: WorklogSerializer},
    )
    def post(self, request, pk: int):
        ticket = ticket_for(request, pk)
        body = WorklogSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        worklog = services.log_work(ticket=ticket, by=request.user, **body.validated_data)
        return Response(WorklogSerializer(worklog).data, status=status.HTTP_201_CREATED)


class AttachmentsView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Files attached to a ticket", responses={200: AttachmentSerializer(many=True)}
    )
    def get(self, request, pk: int):
        ticket = ticket_for(request, pk)
        attachments = (
            _readable(Attachment, request).filter(ticket=ticket).select_related("uploaded_by")
        )
        return Response(
            AttachmentSerializer(attachments, many=True, context={"request": request}).data
        )

    @extend_schema(
        summary="Attach a screenshot, log or document (multipart, field `file`, ≤ 20 MB; "
        "`internal=true`: the vendor's staff only)",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    def post(self, request, pk: int):
        ticket = ticket_for(request, pk)
        body = AttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        internal = body.validated_data["internal"]
        if internal and token_organizations(request) not in (None, [ticket.contract.vendor_id]):
            raise PermissionDenied(_("Only the vendor's staff attach internal files."))
        attachment = services.attach_file(
            ticket=ticket, by=request.user, upload=body.validated_data["file"], internal=internal
        )
        return Response(
            AttachmentSerializer(attachment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class AttachmentDownloadView(APIView):
    renderer_classes = [JSONRenderer, DownloadRenderer]

    @extend_schema(
        summary="Download an attachment (always as a download, never shown inline)",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request, pk: int, attachment_pk: int):
        ticket = ticket_for(request, pk)
        attachment = get_object_or_404(
            _readable(Attachment, request), ticket=ticket, pk=attachment_pk
        )
        response = attachment_response(attachment)
        record(
            "tickets.attachment.downloaded",
            actor=request.user,
            obj=attachment,
            contract=ticket.contract_id,
            data={"ticket": ticket.number},
        )
        return response
