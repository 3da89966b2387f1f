"""The ticket list as a file: what GET /tickets/ returns with the same filters, every page,
as CSV or as an Excel workbook."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from api.serializers.tickets import TicketListQuerySerializer
from api.views.tickets import DESK_FILTER_PARAMETERS, ORDERINGS, desk_filtered, visible_tickets
from audit.record import query_filters, record
from tickets import exports, selectors


class TicketExportQuerySerializer(TicketListQuerySerializer):
    """The list's filters and ordering, and the file format; no paging: the file has all."""

    format = serializers.ChoiceField(
        choices=[("csv", "CSV, UTF-8 with a byte-order mark"), ("xlsx", "Excel workbook")],
        default="csv",
    )
    cursor = None
    page_size = None


class ErrorsAsJson(BaseContentNegotiation):
    """The answer is the file the `format` parameter names, or a JSON error.

    DRF's default negotiation would read `?format=csv` as a renderer name and answer 404.
    """

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


FILE = "The file, as a download: text/csv for format=csv, an .xlsx workbook for format=xlsx."


class TicketExportView(APIView):
    content_negotiation_class = ErrorsAsJson

    @extend_schema(
        summary="The filtered ticket list as a CSV or Excel file, every page of it",
        description=(
            "Takes the filters and ordering of `GET /tickets/`. Times are Beijing time "
            "(Asia/Shanghai); the CSV is UTF-8 with a byte-order mark. At most "
            f"{exports.MAX_ROWS:,} tickets: a longer list is refused with `too_many_rows`."
        ),
        operation_id="tickets_export",
        parameters=[TicketExportQuerySerializer, *DESK_FILTER_PARAMETERS],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description=FILE),
            (200, exports.XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description=FILE
            ),
        },
    )
    def get(self, request):
        query = TicketExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tickets = visible_tickets(request)
        tickets = selectors.filtered(tickets, query.to_filter(request.user))
        tickets = desk_filtered(request, tickets)
        tickets = tickets.order_by(*ORDERINGS[query.validated_data["ordering"]].order_by())
        # TicketError "too_many_rows" becomes a 400 through api.errors.
        fmt = query.validated_data["format"]
        response = exports.export_response(tickets, fmt=fmt, stem="tickets")
        record(
            "tickets.export",
            actor=request.user,
            data={
                "format": fmt,
                "list": "api",
                "filters": query_filters(request.query_params, exclude=["format"]),
            },
        )
        return response
