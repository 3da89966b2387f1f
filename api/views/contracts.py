"""Read-only contracts and systems, scoped to the caller's organisation."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from api.authentication import token_of
from api.scoping import within_token_organization
from api.serializers.contracts import ContractSerializer, SystemSerializer
from contracts.models import ClockTarget, Contract, CoveredSystem, ServiceClass


def visible_contracts(request):
    contracts = Contract.objects.visible_to(request.user)
    return within_token_organization(contracts, request, "")


@extend_schema_view(
    list=extend_schema(
        summary="Contracts of the caller's organisation",
        parameters=[OpenApiParameter("code", str, description="Only the contract with this code.")],
    ),
    retrieve=extend_schema(summary="One contract with its SLA table and covered systems"),
)
class ContractViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ContractSerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        contracts = (
            visible_contracts(self.request)
            .select_related("hospital", "vendor", "calendar")
            .prefetch_related(
                Prefetch(
                    "service_classes",
                    queryset=ServiceClass.objects.order_by(
                        "position", "level", "code"
                    ).prefetch_related(
                        Prefetch(
                            "clocks",
                            queryset=ClockTarget.objects.select_related(
                                "calendar"
                            ).prefetch_related("calendar__periods"),
                        )
                    ),
                ),
                Prefetch("systems", queryset=CoveredSystem.objects.select_related("hospital")),
            )
            .order_by("code")
        )
        code = self.request.query_params.get("code")
        return contracts.filter(code=code) if code else contracts


@extend_schema_view(
    list=extend_schema(
        summary="Information systems of the hospitals the caller deals with",
        parameters=[
            OpenApiParameter("contract", str, description="Only systems this contract covers."),
            OpenApiParameter("hospital", str, description="Only this hospital's systems (code)."),
        ],
    ),
    retrieve=extend_schema(summary="One information system"),
)
class SystemViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SystemSerializer
    pagination_class = None
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        systems = CoveredSystem.objects.visible_to(self.request.user).select_related("hospital")
        token = token_of(self.request)
        if token is not None:
            systems = systems.filter(
                Q(hospital_id=token.organization_id)
                | Q(hospital__hospital_contracts__vendor_id=token.organization_id)
            ).distinct()
        params = self.request.query_params
        if params.get("hospital"):
            systems = systems.filter(hospital__code=params["hospital"])
        if params.get("contract"):
            contract = visible_contracts(self.request).filter(code=params["contract"]).first()
            covered = contract.covered_system_ids() if contract else []
            systems = systems.filter(pk__in=covered)
        return systems.order_by("hospital__code", "tier", "position", "code")
