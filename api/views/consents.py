"""The hospital's consent to a hold, an extension or a restart, through the API: the list of
a ticket's requests, and the hospital's answer (grant, refuse, dispute) or the vendor's
withdrawal, each through the same service as the ticket page."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers.tickets import ConsentSerializer
from api.views.tickets import ticket_for
from tickets import selectors, services
from tickets.models import ConsentChannel, ConsentRequest
from tickets.models.consent import REFUSAL_LIMIT


class ConsentReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REFUSAL_LIMIT,
        required=False,
        default="",
        allow_blank=True,
        help_text="Why the hospital refuses or disputes (required for refuse and dispute).",
    )


def _consent(request, pk: int, cid: int) -> ConsentRequest:
    ticket = ticket_for(request, pk)
    return get_object_or_404(selectors.CONSENTS.filter(ticket=ticket), pk=cid)


class ConsentListView(APIView):
    @extend_schema(
        summary="The ticket's consent requests: what was asked, who at the hospital agreed "
        "or refused, how and when",
        responses={200: ConsentSerializer(many=True)},
        operation_id="tickets_consents_list",
        tags=["ticket consents"],
    )
    def get(self, request, pk: int):
        ticket = ticket_for(request, pk)
        return Response(ConsentSerializer(selectors.CONSENTS.filter(ticket=ticket), many=True).data)


DECISIONS = {
    "grant": (
        "The hospital agrees (its reporter or IT): the hold or extension starts now",
        lambda consent, by, body: services.consent.grant(
            consent=consent, by=by, channel=ConsentChannel.API
        ),
    ),
    "refuse": (
        "The hospital refuses, saying why: the ticket goes on being worked",
        lambda consent, by, body: services.consent.refuse(
            consent=consent, by=by, reason=body["reason"], channel=ConsentChannel.API
        ),
    ),
    "dispute": (
        "The hospital disputes a consent the vendor recorded in its name, within the "
        "contract's window: the pause or extension is undone",
        lambda consent, by, body: services.consent.dispute(
            consent=consent, by=by, reason=body["reason"]
        ),
    ),
    "withdraw": (
        "The vendor withdraws a request the hospital has not answered",
        lambda consent, by, body: services.consent.withdraw(
            consent=consent, by=by, note=body["reason"]
        ),
    ),
}


def decision_view(slug: str) -> type[APIView]:
    summary, perform = DECISIONS[slug]

    class ConsentDecisionView(APIView):
        @extend_schema(
            summary=summary,
            request=ConsentReasonSerializer,
            responses={200: ConsentSerializer},
            operation_id=f"tickets_consents_{slug}",
            tags=["ticket consents"],
        )
        def post(self, request, pk: int, cid: int):
            consent = _consent(request, pk, cid)
            body = ConsentReasonSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            perform(consent, request.user, body.validated_data)
            return Response(ConsentSerializer(_consent(request, pk, cid)).data)

    ConsentDecisionView.__name__ = f"Consent{slug.title()}View"
    return ConsentDecisionView


DECISION_VIEWS = {slug: decision_view(slug) for slug in DECISIONS}
