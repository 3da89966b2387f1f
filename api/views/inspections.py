"""Inspections (巡检): list, plan, read, act, record results, open a ticket for an abnormal
item, download the report; and the checklists they are performed against.

Thin views: inspections.services decides who may do what and when, exactly as in the
browser; these views fetch the inspection through the caller's scope, validate the body and
call one service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.idempotency import create_once
from api.renderers import PdfRenderer
from api.scoping import within_token_organization
from api.serializers import inspections as bodies
from api.serializers.inspections import (
    ChecklistSerializer,
    InspectionCreateSerializer,
    InspectionDetailSerializer,
    InspectionListQuerySerializer,
    InspectionPageSerializer,
    InspectionResultSerializer,
    InspectionSerializer,
    OpenTicketSerializer,
    RecordResultsSerializer,
)
from api.serializers.tickets import TicketSerializer
from api.views.contracts import visible_contracts
from audit.record import record
from inspections import selectors, services
from inspections.errors import InspectionError
from inspections.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Inspection,
    InspectionReport,
    InspectionResult,
    overdue_q,
)
from inspections.report import latest_report
from opsdesk.keyset import InvalidCursor, Ordering, paginate
from tickets.models import Ticket
from tickets.selectors import with_list_relations

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    OpenApiParameter.HEADER,
    description="Any unique string (a UUID). A retry with the same key and body returns the "
    "first answer instead of creating a second one.",
)

LIST_RELATIONS = ("contract__hospital", "contract__vendor", "engineer", "system")


# --- what the caller may read ------------------------------------------------------------


def visible_inspections(request) -> QuerySet[Inspection]:
    """Inspections the caller may read, narrowed to the token's organisation.

    inspections.policy.may_read in SQL: vendor staff, hospital IT and administrators of
    either party; a hospital's reporters see none (they follow their own tickets only).
    """
    inspections = Inspection.objects.filter(contract__in=selectors.readable_contracts(request.user))
    return within_token_organization(inspections, request, "contract__")


def inspection_for(request, pk: int) -> Inspection:
    """The inspection if the caller may read it; 404 otherwise, so foreign ones stay unseen."""
    return get_object_or_404(visible_inspections(request).select_related("contract"), pk=pk)


def detail(request, pk: int) -> dict:
    inspections = (
        visible_inspections(request)
        .select_related(*LIST_RELATIONS, "template")
        .prefetch_related(
            Prefetch(
                "results",
                queryset=InspectionResult.objects.select_related("ticket").order_by("position"),
            ),
            Prefetch("reports", queryset=InspectionReport.objects.order_by("-revision")),
        )
    )
    inspection = get_object_or_404(inspections, pk=pk)
    return InspectionDetailSerializer(inspection, context={"request": request}).data


def filtered(inspections: QuerySet[Inspection], query: dict, today: dt.date) -> QuerySet:
    if query.get("contract"):
        inspections = inspections.filter(contract__code=query["contract"])
    if query.get("state"):
        inspections = inspections.filter(state__in=query["state"])
    if query.get("purpose"):
        inspections = inspections.filter(purpose=query["purpose"])
    if query.get("overdue") is not None:
        late = overdue_q(today)
        inspections = inspections.filter(late if query["overdue"] else ~late)
    if query.get("due_before"):
        inspections = inspections.filter(due_on__lt=query["due_before"])
    if query.get("due_after"):
        inspections = inspections.filter(due_on__gte=query["due_after"])
    return inspections


BY_DUE_DATE = Ordering("due_on", is_date=True)


# --- inspections -----------------------------------------------------------------------------


class InspectionListView(APIView):
    @extend_schema(
        summary="Inspections the caller may see, filtered, by due date",
        operation_id="inspections_list",
        parameters=[InspectionListQuerySerializer],
        responses={200: InspectionPageSerializer},
        tags=["inspections"],
    )
    def get(self, request):
        query = InspectionListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        today = timezone.localdate()
        inspections = filtered(
            visible_inspections(request).select_related(*LIST_RELATIONS), data, today
        )
        try:
            rows, next_url = paginate(
                request, inspections, BY_DUE_DATE, data["page_size"], data.get("cursor")
            )
        except InvalidCursor as exc:
            raise serializers.ValidationError({"cursor": [exc.message]}) from exc
        results = InspectionSerializer(rows, many=True, context={"today": today}).data
        return Response({"next": next_url, "results": results})

    @extend_schema(
        summary="Plan an ad-hoc inspection (临时巡检) outside the contract's rules",
        operation_id="inspections_create",
        request=InspectionCreateSerializer,
        responses={201: InspectionDetailSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
        tags=["inspections"],
    )
    def post(self, request):
        def create() -> Response:
            incoming = InspectionCreateSerializer(
                data=request.data, context={"contracts": visible_contracts(request)}
            )
            incoming.is_valid(raise_exception=True)
            data = incoming.validated_data
            inspection = services.plan_inspection(
                contract=data["contract"],
                template=data["template"],
                due_on=data["due_on"],
                title=data["title"],
                system=data["system"],
                on_site=data["on_site"],
                by=request.user,
            )
            return Response(detail(request, inspection.pk), status=status.HTTP_201_CREATED)

        return create_once(request, create)


class InspectionDetailView(APIView):
    @extend_schema(
        summary="One inspection with its results, sign-off and latest report",
        operation_id="inspections_retrieve",
        responses={200: InspectionDetailSerializer},
        tags=["inspections"],
    )
    def get(self, request, pk: int):
        return Response(detail(request, pk))


# --- actions: POST /inspections/{id}/{slug}/ ----------------------------------------------


@dataclass(frozen=True)
class InspectionAction:
    slug: str
    summary: str
    body: type[Serializer]
    perform: Callable[[Inspection, object, dict], object]


ACTIONS: tuple[InspectionAction, ...] = (
    InspectionAction(
        "start",
        "Start on site or remotely: the checklist's items become the inspection's results",
        bodies.InspectionStartSerializer,
        lambda i, by, d: services.start(inspection=i, by=by, mode=d["mode"]),
    ),
    InspectionAction(
        "complete",
        "Complete (every item checked or not applicable); the PDF report is made",
        bodies.InspectionCompleteSerializer,
        lambda i, by, d: services.complete(
            inspection=i, by=by, findings=d["findings"], suggestions=d["suggestions"]
        ),
    ),
    InspectionAction(
        "reopen",
        "Reopen a completed inspection before sign-off, e.g. to correct a value",
        bodies.InspectionReasonSerializer,
        lambda i, by, d: services.reopen(inspection=i, by=by, reason=d["reason"]),
    ),
    InspectionAction(
        "sign-off",
        "Record the hospital's sign-off (验收签字)",
        bodies.InspectionSignOffSerializer,
        lambda i, by, d: services.sign_off(inspection=i, by=by, signer_name=d["signer_name"]),
    ),
    InspectionAction(
        "cancel",
        "Cancel a planned or started inspection",
        bodies.InspectionReasonSerializer,
        lambda i, by, d: services.cancel(inspection=i, by=by, reason=d["reason"]),
    ),
    InspectionAction(
        "assign",
        "Assign to an engineer of the contract's vendor",
        bodies.InspectionAssignSerializer,
        lambda i, by, d: services.assign(inspection=i, by=by, engineer=d["engineer"]),
    ),
)


def action_view(action: InspectionAction) -> type[APIView]:
    class InspectionActionView(APIView):
        @extend_schema(
            summary=action.summary,
            request=action.body,
            responses={200: InspectionDetailSerializer},
            operation_id=f"inspections_{action.slug.replace('-', '_')}",
            tags=["inspection actions"],
        )
        def post(self, request, pk: int):
            inspection = inspection_for(request, pk)
            body = action.body(data=request.data)
            body.is_valid(raise_exception=True)
            action.perform(inspection, request.user, body.validated_data)
            return Response(detail(request, pk))

    InspectionActionView.__name__ = f"Inspection{action.slug.title().replace('-', '')}View"
    return InspectionActionView


ACTION_VIEWS = {action.slug: action_view(action) for action in ACTIONS}


# --- results and the tickets they open ----------------------------------------------------


class InspectionResultsView(APIView):
    @extend_schema(
        summary="Record answers; each is judged against its threshold on the server",
        operation_id="inspections_results_record",
        request=RecordResultsSerializer,
        responses={200: InspectionResultSerializer(many=True)},
        tags=["inspection actions"],
    )
    def post(self, request, pk: int):
        inspection = inspection_for(request, pk)
        body = RecordResultsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answers = [
            services.Answer(
                result_id=answer["id"],
                passed=answer["passed"],
                value=answer["value"],
                text=answer["text"],
                not_applicable=answer["not_applicable"],
                note=answer["note"],
                clear=answer["clear"],
            )
            for answer in body.validated_data["answers"]
        ]
        changed = services.record_results(inspection=inspection, by=request.user, answers=answers)
        judged = (
            InspectionResult.objects.filter(pk__in=[result.pk for result in changed])
            .select_related("ticket")
            .order_by("position")
        )
        return Response(InspectionResultSerializer(judged, many=True).data)


class ResultTicketView(APIView):
    @extend_schema(
        summary="File a ticket (报修) for an abnormal item, linked both ways",
        operation_id="inspections_results_ticket",
        request=OpenTicketSerializer,
        responses={201: TicketSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
        tags=["inspection actions"],
    )
    def post(self, request, pk: int, result_id: int):
        def create() -> Response:
            inspection = inspection_for(request, pk)
            result = get_object_or_404(
                InspectionResult.objects.select_related("ticket"),
                inspection=inspection,
                pk=result_id,
            )
            result.inspection = inspection
            body = OpenTicketSerializer(
                data=request.data, context={"contract": inspection.contract}
            )
            body.is_valid(raise_exception=True)
            ticket = services.open_ticket(
                result=result,
                by=request.user,
                service_class=body.validated_data["service_class"],
                system=body.validated_data["system"],
                title=body.validated_data["title"],
                description=body.validated_data["description"],
            )
            ticket = with_list_relations(Ticket.objects.filter(pk=ticket.pk)).get()
            return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

        return create_once(request, create)


# --- the report --------------------------------------------------------------------------


NO_REPORT_YET = _(
    "This inspection has no report yet: one is made shortly after the inspection is completed."
)


def report_response(report: InspectionReport) -> FileResponse:
    """The PDF as a download, never shown inline; InspectionError "file_missing" (404) when
    storage lost it."""
    try:
        content = report.file.open("rb")
    except FileNotFoundError as exc:
        raise InspectionError(
            "file_missing",
            _("The report's file is missing from storage; tell your administrator."),
        ) from exc
    # We rendered this PDF ourselves, so its type is known; still never sniffed, never inline.
    response = FileResponse(
        content, as_attachment=True, filename=report.filename, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


class InspectionReportView(APIView):
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        summary="Download the latest PDF report (巡检报告) as a file",
        operation_id="inspections_report",
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=["inspections"],
    )
    def get(self, request, pk: int):
        inspection = inspection_for(request, pk)
        report = latest_report(inspection)
        if report is None:
            raise NotFound(NO_REPORT_YET)
        report.inspection = inspection
        response = report_response(report)
        record(
            "inspections.report.downloaded",
            actor=request.user,
            obj=report,
            contract=inspection.contract_id,
            data={"inspection": inspection.pk, "revision": report.revision},
        )
        return response


# --- checklists --------------------------------------------------------------------------


def current_checklists() -> QuerySet[ChecklistTemplate]:
    """The current version of each checklist with its sections and items, in three queries."""
    items = ChecklistItem.objects.order_by("position", "id")
    sections = ChecklistSection.objects.order_by("position", "id").prefetch_related(
        Prefetch("items", queryset=items)
    )
    return (
        ChecklistTemplate.objects.filter(is_current=True)
        .prefetch_related(Prefetch("sections", queryset=sections))
        .order_by("code")
    )


class ChecklistListView(APIView):
    @extend_schema(
        summary="The current version of every checklist (巡检表), with sections and items",
        operation_id="checklists_list",
        responses={200: ChecklistSerializer(many=True)},
        tags=["checklists"],
    )
    def get(self, request):
        return Response(ChecklistSerializer(current_checklists(), many=True).data)


class ChecklistDetailView(APIView):
    @extend_schema(
        summary="One current checklist with its sections and items",
        operation_id="checklists_retrieve",
        responses={200: ChecklistSerializer},
        tags=["checklists"],
    )
    def get(self, request, pk: int):
        return Response(ChecklistSerializer(get_object_or_404(current_checklists(), pk=pk)).data)
