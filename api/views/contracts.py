"""Read-only contracts and systems, scoped to the caller's organisation."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.authentication import token_of
from api.scoping import within_token_organization
from api.serializers.contracts import ContractSerializer, QuotaSerializer, SystemSerializer
from contracts.models import ClockTarget, Contract, CoveredSystem, ServiceClass
from tickets.quota import burn_down


class ContractListQuery(serializers.Serializer):
    code = serializers.SlugField(required=False, help_text="Only the contract with this code.")


class SystemListQuery(serializers.Serializer):
    contract = serializers.SlugField(required=False, help_text="Only systems it covers.")
    hospital = serializers.CharField(
        required=False, max_length=10, help_text="Only this hospital's systems (its code)."
    )


def query_of(request, serializer_class) -> dict:
    """The query string, validated: bad values are a 400 naming the parameter."""
    if request.method != "GET":
        return {}
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def visible_contracts(request):
    contracts = Contract.objects.visible_to(request.user)
    return within_token_organization(contracts, request, "")


@extend_schema_view(
    list=extend_schema(
        summary="Contracts of the caller's organisation",
        parameters=[ContractListQuery],
    ),
    retrieve=extend_schema(summary="One contract with its SLA table and covered systems"),
)
class ContractViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ContractSerializer
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
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
                                "calendar", "due_by_opening_of"
                            ).prefetch_related("calendar__periods"),
                        )
                    ),
                ),
                Prefetch("systems", queryset=CoveredSystem.objects.select_related("hospital")),
            )
            .order_by("code")
        )
        query = query_of(self.request, ContractListQuery)
        return contracts.filter(code=query["code"]) if query.get("code") else contracts

    @extend_schema(
        summary="The adaptive-work person-day quota, burned down month by month (C5)",
        responses={200: QuotaSerializer},
    )
    @action(detail=True, methods=["get"])
    def quota(self, request, code: str):
        figures = burn_down(self.get_object(), timezone.localdate())
        return Response(QuotaSerializer(figures).data)


@extend_schema_view(
    list=extend_schema(
        summary="Information systems of the hospitals the caller deals with",
        parameters=[SystemListQuery],
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
        params = query_of(self.request, SystemListQuery)
        if params.get("hospital"):
            systems = systems.filter(hospital__code=params["hospital"])
        if params.get("contract"):
            contract = visible_contracts(self.request).filter(code=params["contract"]).first()
            covered = contract.covered_system_ids() if contract else []
            systems = systems.filter(pk__in=covered)
        return systems.order_by("hospital__code", "tier", "position", "code")
