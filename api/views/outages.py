"""A ticket's outage spans and recurrence candidates; a contract's outages of a year.

Changes go through the ticket actions (record-outage, correct-outage, close-outage,
withdraw-outage, link-recurrence, unlink-recurrence), as on the ticket page."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers.outages import (
    ContractOutagesSerializer,
    OutageSerializer,
    RecurrenceSerializer,
    YearQuery,
)
from api.views.contracts import visible_contracts
from api.views.tickets import ticket_for
from reports.policy import may_see_dashboard
from tickets.availability import availability_year, outages_in_year
from tickets.errors import TicketError
from tickets.models import Outage
from tickets.policy import may
from tickets.recurrence_candidates import recurrence_candidates


class TicketOutagesView(APIView):
    @extend_schema(
        summary="Outage spans of a ticket (change them with the outage actions)",
        responses={200: OutageSerializer(many=True)},
        tags=["outages"],
    )
    def get(self, request, pk: int):
        ticket = ticket_for(request, pk)
        outages = Outage.objects.filter(ticket=ticket).select_related(
            "ticket__system", "recorded_by"
        )
        return Response(OutageSerializer(outages, many=True, context={"now": timezone.now()}).data)


class RecurrenceCandidatesView(APIView):
    @extend_schema(
        summary="Earlier tickets that may be the same problem (same system, within the "
        "contract's recurrence window, similar title); link one with link-recurrence",
        responses={200: RecurrenceSerializer},
        tags=["ticket actions"],
    )
    def get(self, request, pk: int):
        ticket = ticket_for(request, pk)
        if not may(request.user, "link_recurrence", ticket):
            raise TicketError("forbidden", _("Only vendor staff and hospital IT link recurrences."))
        body = {
            "recurrence_of": ticket.recurrence_of,
            "candidates": recurrence_candidates(ticket),
        }
        return Response(RecurrenceSerializer(body).data)


class ContractOutagesView(APIView):
    @extend_schema(
        summary="A contract's outages of a year with the downtime against its target",
        parameters=[YearQuery],
        responses={200: ContractOutagesSerializer},
        tags=["outages"],
    )
    def get(self, request, code: str):
        contract = get_object_or_404(visible_contracts(request), code=code)
        if not may_see_dashboard(request.user, contract):
            raise TicketError(
                "forbidden", _("Only vendor staff and hospital IT see the contract's outages.")
            )
        query = YearQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = timezone.now()
        year = query.validated_data.get("year") or timezone.localdate().year
        figure = availability_year(contract, year, now=now)
        body = {
            "year": year,
            "downtime_hours": figure.downtime_hours,
            "allowed_hours": figure.allowed_hours,
            "remaining_hours": figure.remaining_hours,
            "within_target": figure.within_target,
            "degraded_hours": figure.degraded_hours,
            "outages": outages_in_year(contract, year),
        }
        return Response(ContractOutagesSerializer(body, context={"now": now}).data)
