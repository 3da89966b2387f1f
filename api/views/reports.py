"""Service reports (季度运行总结 / 年度服务报告): list, ask for one, read, write its
improvement measures, make it final; follow a version's progress, retry a failed one and
download its PDF.

Asking returns 202 at once with the queued version: a Celery worker makes the PDF, and the
version's `url` tells when it is done. Thin views: reports.services decides who may do what,
exactly as on the portal's reports page; these views fetch through the caller's scope (a
foreign contract's reports are 404, never 403), validate the body and call one service.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.renderers import PdfRenderer
from api.scoping import within_token_organization
from api.serializers.reports import (
    AcceptanceSerializer,
    ImprovementsSerializer,
    ReportFileSerializer,
    ReportListQuerySerializer,
    ReportRequestSerializer,
    ReportSerializer,
)
from api.views.contracts import visible_contracts
from audit.record import record
from reports import services
from reports.errors import ReportError
from reports.models import RenderState, ReportFile, ServiceReport
from reports.selectors import readers_q, with_files

TAGS = ["reports"]


# --- what the caller may read ------------------------------------------------------------


def visible_reports(request) -> QuerySet[ServiceReport]:
    reports = ServiceReport.objects.all()
    condition = readers_q(request.user, "contract__")
    if condition is not None:
        reports = reports.filter(condition)
    return within_token_organization(reports, request, "contract__")


def visible_files(request) -> QuerySet[ReportFile]:
    files = ReportFile.objects.all()
    condition = readers_q(request.user, "report__contract__")
    if condition is not None:
        files = files.filter(condition)
    return within_token_organization(files, request, "report__contract__")


def report_for(request, pk: int) -> ServiceReport:
    """The report if the caller may read it; 404 otherwise."""
    return get_object_or_404(visible_reports(request).select_related("contract"), pk=pk)


def file_for(request, pk: int) -> ReportFile:
    return get_object_or_404(
        visible_files(request).select_related("report__contract", "requested_by"), pk=pk
    )


def report_body(request, pk: int) -> dict:
    report = get_object_or_404(with_files(visible_reports(request)), pk=pk)
    return ReportSerializer(report, context={"request": request}).data


def queued(request, report_file: ReportFile) -> Response:
    """202 Accepted: the version is queued; its `url` (also in Location) tells its progress."""
    report_file = file_for(request, report_file.pk)
    body = ReportFileSerializer(report_file, context={"request": request}).data
    return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


# --- reports -----------------------------------------------------------------------------


class ReportListView(APIView):
    @extend_schema(
        summary="Service reports of the caller's contracts, newest period first",
        operation_id="reports_list",
        parameters=[ReportListQuerySerializer],
        responses={200: ReportSerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        query = ReportListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        reports = visible_reports(request)
        if data.get("contract"):
            reports = reports.filter(contract__code=data["contract"])
        if data.get("kind"):
            reports = reports.filter(kind=data["kind"])
        if data.get("year"):
            reports = reports.filter(period_start__year=data["year"])
        reports = with_files(reports).order_by("-period_start", "contract__code", "kind", "id")
        return Response(ReportSerializer(reports, many=True, context={"request": request}).data)

    @extend_schema(
        summary="Ask for a report of a quarter or a year: its next version is made in the "
        "background (202, poll the version's url)",
        operation_id="reports_request",
        request=ReportRequestSerializer,
        responses={202: ReportFileSerializer},
        tags=TAGS,
    )
    def post(self, request):
        body = ReportRequestSerializer(
            data=request.data, context={"contracts": visible_contracts(request)}
        )
        body.is_valid(raise_exception=True)
        data = body.validated_data
        report_file = services.request_report(
            contract=data["contract"],
            kind=data["kind"],
            period=data["period"],
            by=request.user,
            include_bound_book=data["include_bound_book"],
        )
        return queued(request, report_file)


class ReportDetailView(APIView):
    @extend_schema(
        summary="One report with its versions and improvement measures",
        operation_id="reports_retrieve",
        responses={200: ReportSerializer},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        return Response(report_body(request, pk))

    @extend_schema(
        summary="Write the improvement measures (vendor manager, until the report is final)",
        operation_id="reports_improvements",
        request=ImprovementsSerializer,
        responses={200: ReportSerializer},
        tags=TAGS,
    )
    def patch(self, request, pk: int):
        report = report_for(request, pk)
        body = ImprovementsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.save_improvements(
            report=report, by=request.user, text=body.validated_data["improvements"]
        )
        return Response(report_body(request, pk))


class ReportAcceptView(APIView):
    @extend_schema(
        summary="Accept (签收) the final report for the hospital (hospital IT), with its opinion",
        operation_id="reports_accept",
        request=AcceptanceSerializer,
        responses={200: ReportSerializer},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        report = report_for(request, pk)
        body = AcceptanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.accept_report(
            report=report, by=request.user, opinion=body.validated_data["opinion"]
        )
        return Response(report_body(request, pk))


class ReportFinalView(APIView):
    @extend_schema(
        summary="Make the report final (vendor manager): its text is locked and the final "
        "version is made in the background (202)",
        operation_id="reports_final",
        request=None,
        responses={202: ReportFileSerializer},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        report = report_for(request, pk)
        return queued(request, services.make_final(report=report, by=request.user))


# --- versions ----------------------------------------------------------------------------


class ReportFileDetailView(APIView):
    @extend_schema(
        summary="One version's progress: queued, running, done (with its file) or failed",
        operation_id="reports_files_retrieve",
        responses={200: ReportFileSerializer},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        report_file = file_for(request, pk)
        return Response(ReportFileSerializer(report_file, context={"request": request}).data)


class ReportFileRetryView(APIView):
    @extend_schema(
        summary="Queue a failed version again (202)",
        operation_id="reports_files_retry",
        request=None,
        responses={202: ReportFileSerializer},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        report_file = file_for(request, pk)
        return queued(request, services.retry(report_file=report_file, by=request.user))


class ReportFileDownloadView(APIView):
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        summary="Download a version's PDF (always as a download); 404 until it is done",
        operation_id="reports_files_download",
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        report_file = file_for(request, pk)
        if report_file.state != RenderState.DONE or not report_file.file:
            raise NotFound(
                _("This version could not be made; retry it.")
                if report_file.state == RenderState.FAILED
                else _("This version's PDF is not made yet; follow its url until it is done.")
            )
        try:
            content = report_file.file.open("rb")
        except FileNotFoundError as exc:
            raise ReportError(
                "file_missing",
                _("The report's file is missing from storage; ask for the report again."),
            ) from exc
        # We rendered this PDF ourselves, so its type is known; still never sniffed, never
        # shown inline.
        response = FileResponse(
            content,
            as_attachment=True,
            filename=report_file.filename,
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        record(
            "reports.file.downloaded",
            actor=request.user,
            obj=report_file,
            contract=report_file.report.contract_id,
            data={"filename": report_file.filename, "sha256": report_file.sha256},
        )
        return response
